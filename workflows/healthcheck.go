package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
)

// ErrHealthCheckFailed is the ApplicationError type of a health check a
// queue did not answer.
const ErrHealthCheckFailed = "HealthCheckFailed"

// HealthCheckInput lists the task queues to check (bots.Queues() for every
// bot's).
type HealthCheckInput struct {
	Queues []string `json:"queues,omitempty"`
}

// HealthCheckResult holds one report per queue, in input order.
type HealthCheckResult struct {
	Workers []activities.WorkerReport `json:"workers"`
}

// HealthCheck asks one worker on each bot's task queue to report on
// itself. It completes only when every queue has a live worker whose
// database answers, so `rcmbot dev` and operators use it to prove a
// deployment is wired up; each queue is given a minute to answer.
func HealthCheck(ctx workflow.Context, in HealthCheckInput) (HealthCheckResult, error) {
	queues := in.Queues
	if len(queues) == 0 {
		return HealthCheckResult{}, temporal.NewNonRetryableApplicationError("the health check names no task queue", ErrHealthCheckFailed, nil)
	}
	var sys *activities.System
	futures := make([]workflow.Future, len(queues))
	for i, q := range queues {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			TaskQueue:              q,
			ScheduleToStartTimeout: time.Minute,
			StartToCloseTimeout:    30 * time.Second,
			RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 3},
			Summary:                "check worker on " + q,
		})
		futures[i] = workflow.ExecuteActivity(actx, sys.CheckWorker)
	}
	var res HealthCheckResult
	for i, f := range futures {
		var r activities.WorkerReport
		if err := f.Get(ctx, &r); err != nil {
			return res, temporal.NewApplicationErrorWithCause("queue "+queues[i]+" did not report", ErrHealthCheckFailed, err)
		}
		res.Workers = append(res.Workers, r)
	}
	return res, nil
}
