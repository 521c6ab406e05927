// Package bots is the one place every rcmbot bot is declared: which task
// queue it listens on, which workflows and activities its workers register,
// and which Temporal Schedules it keeps. `rcmbot worker` and `rcmbot dev`
// start workers from here; `rcmbot schedules apply` applies Schedules.
package bots

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/workflows"
)

// Deps are the activity structs, built by the command with their
// dependencies injected. A nil field means the bot's activities are not
// available in this process; starting its queue is then an error.
type Deps struct {
	System      *activities.System
	Claims      *activities.Claims
	Retention   *activities.Retention
	Eligibility *activities.Eligibility
}

// register adds the workflows and activities of the bot behind queue.
func register(w worker.Registry, queue string, d Deps) error {
	if d.System == nil {
		return fmt.Errorf("queue %s: system activities not configured", queue)
	}
	// Every queue answers health checks.
	w.RegisterWorkflow(workflows.HealthCheck)
	w.RegisterActivity(d.System)
	switch queue {
	case temporalx.QueueClaims:
		if d.Claims == nil {
			return fmt.Errorf("queue %s: claims activities not configured", queue)
		}
		if d.Retention == nil {
			return fmt.Errorf("queue %s: retention activities not configured", queue)
		}
		w.RegisterWorkflow(workflows.ClaimsBatch)
		w.RegisterActivity(d.Claims)
		w.RegisterWorkflow(workflows.UploadRetention)
		w.RegisterActivity(d.Retention)
		return nil
	case temporalx.QueueEligibility:
		if d.Eligibility == nil {
			return fmt.Errorf("queue %s: eligibility activities not configured", queue)
		}
		w.RegisterWorkflow(workflows.EligibilityCheck)
		w.RegisterWorkflow(workflows.EligibilitySweep)
		w.RegisterActivity(d.Eligibility)
		return nil
	default:
		return fmt.Errorf("unknown task queue %q (known: %v)", queue, temporalx.Queues)
	}
}

// UploadsRetention is the ID of the daily upload retention sweep's Schedule.
const UploadsRetention = "uploads-retention"

// EligibilityNightly is the ID of the nightly eligibility sweep's Schedule.
const EligibilityNightly = "eligibility-nightly"

// Schedules returns every bot's Schedule, for the practice's settings.
func Schedules(cfg *config.Config) []temporalx.Schedule {
	return []temporalx.Schedule{{
		ID:   EligibilityNightly,
		Bot:  "eligibility",
		Note: "Nightly eligibility sweep: checks every patient booked on the next business day",
		// Each run checks the next business day after its own date, in
		// the practice's time zone (RCMBOT_ELIGIBILITY_CRON, Sunday to
		// Thursday at 02:00 by default: each business day once, the night before).
		Cron:      cfg.EligibilityCron,
		Workflow:  "EligibilitySweep",
		Args:      []any{workflows.EligibilitySweepInput{TimeZone: cfg.TimeZone}},
		TaskQueue: temporalx.QueueEligibility,
		Catchup:   6 * time.Hour,
		Timeout:   12 * time.Hour,
	}, {
		ID:        UploadsRetention,
		Bot:       "claims",
		Note:      "Daily: delete uploaded claims files older than the retention period (RCMBOT_UPLOAD_RETENTION)",
		Cron:      "30 3 * * *",
		Workflow:  "UploadRetention",
		TaskQueue: temporalx.QueueClaims,
		Catchup:   24 * time.Hour,
		Timeout:   2 * time.Hour,
	}}
}

// RunWorkers starts one worker per queue on c and blocks until ctx ends,
// then stops them, letting running activities finish for up to
// stopTimeout. It returns early with an error if a worker cannot start.
func RunWorkers(ctx context.Context, c client.Client, queues []string, d Deps, log *slog.Logger, stopTimeout time.Duration) error {
	if len(queues) == 0 {
		return fmt.Errorf("no task queues to serve (known: %v)", temporalx.Queues)
	}
	for _, q := range queues {
		if !slices.Contains(temporalx.Queues, q) {
			return fmt.Errorf("unknown task queue %q (known: %v)", q, temporalx.Queues)
		}
	}
	var started []worker.Worker
	// Stop every queue's worker at once: each lets its running activities
	// finish for up to stopTimeout, so the process exits within one
	// stopTimeout, not one per queue.
	stopAll := func() {
		var wg sync.WaitGroup
		for _, w := range started {
			wg.Go(w.Stop)
		}
		wg.Wait()
	}
	for _, q := range queues {
		w := worker.New(c, q, worker.Options{
			WorkerStopTimeout: stopTimeout,
			// Workers stop on ctx; activities see cancellation through it.
			BackgroundActivityContext: context.WithoutCancel(ctx),
		})
		if err := register(w, q, d); err != nil {
			stopAll()
			return err
		}
		if err := w.Start(); err != nil {
			stopAll()
			return fmt.Errorf("start worker on queue %s: %w", q, err)
		}
		log.Info("worker started", "task_queue", q)
		started = append(started, w)
	}
	<-ctx.Done()
	log.Info("stopping workers", "timeout", stopTimeout)
	stopAll()
	return nil
}
