package temporalx

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Schedule declares one bot's recurring run. Bots declare theirs; Apply
// makes Temporal match the declaration. Overlap is always SKIP: a nightly
// run still going when the next is due is not started twice.
type Schedule struct {
	ID        string        // stable schedule ID, e.g. "eligibility-nightly" (no PHI)
	Bot       string        // the owning bot, for the RcmBot search attribute
	Note      string        // shown in the Temporal UI
	Cron      string        // standard 5-field cron in the practice's time zone
	Workflow  string        // workflow type name
	Args      []any         // workflow arguments (opaque values only)
	TaskQueue string        // the bot's task queue
	Catchup   time.Duration // how late a missed run may still start (e.g. after an outage)
	Timeout   time.Duration // workflow execution timeout; 0 = none
}

func (s Schedule) spec(timeZone string) client.ScheduleSpec {
	return client.ScheduleSpec{CronExpressions: []string{s.Cron}, TimeZoneName: timeZone}
}

func (s Schedule) action() *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:                       s.ID,
		Workflow:                 s.Workflow,
		Args:                     s.Args,
		TaskQueue:                s.TaskQueue,
		WorkflowExecutionTimeout: s.Timeout,
		TypedSearchAttributes:    temporal.NewSearchAttributes(AttrBot.ValueSet(s.Bot)),
		StaticSummary:            s.Note,
	}
}

// Apply creates each schedule that does not exist and updates the spec,
// action and policies of those that do, keeping their paused state. It is
// idempotent: run it at every start.
func Apply(ctx context.Context, c client.Client, timeZone string, schedules []Schedule) error {
	sc := c.ScheduleClient()
	for _, s := range schedules {
		_, err := sc.Create(ctx, client.ScheduleOptions{
			ID:            s.ID,
			Spec:          s.spec(timeZone),
			Action:        s.action(),
			Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
			CatchupWindow: s.Catchup,
			Note:          s.Note,
		})
		if err == nil {
			continue
		}
		if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return fmt.Errorf("create schedule %s: %w", s.ID, err)
		}
		err = sc.GetHandle(ctx, s.ID).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				sch := in.Description.Schedule
				spec := s.spec(timeZone)
				sch.Spec = &spec
				sch.Action = s.action()
				if sch.Policy == nil {
					sch.Policy = &client.SchedulePolicies{}
				}
				sch.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
				sch.Policy.CatchupWindow = s.Catchup
				return &client.ScheduleUpdate{Schedule: &sch}, nil
			},
		})
		if err != nil {
			return fmt.Errorf("update schedule %s: %w", s.ID, err)
		}
	}
	return nil
}

// ScheduleStatus is what `rcmbot schedules list` and the web app's Bots page show.
type ScheduleStatus struct {
	ID         string
	Note       string
	Paused     bool
	PauseNote  string
	NextRuns   []time.Time
	LastRun    time.Time // zero when it never ran
	LastRunID  string    // workflow ID of the last run
	LastResult string    // the last run's status: Running, Completed, Failed ...
	Running    int       // runs in progress
}

// Describe returns the status of the declared schedules, in declaration
// order. A declared schedule missing in Temporal is an error that says to
// run `rcmbot schedules apply`.
func Describe(ctx context.Context, c client.Client, schedules []Schedule) ([]ScheduleStatus, error) {
	out := make([]ScheduleStatus, 0, len(schedules))
	for _, s := range schedules {
		d, err := c.ScheduleClient().GetHandle(ctx, s.ID).Describe(ctx)
		if err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				return nil, fmt.Errorf("schedule %s does not exist yet: run `rcmbot schedules apply`", s.ID)
			}
			return nil, fmt.Errorf("describe schedule %s: %w", s.ID, err)
		}
		st := ScheduleStatus{ID: s.ID, Note: s.Note, NextRuns: d.Info.NextActionTimes, Running: len(d.Info.RunningWorkflows)}
		if d.Schedule.State != nil {
			st.Paused = d.Schedule.State.Paused
			st.PauseNote = d.Schedule.State.Note
		}
		if n := len(d.Info.RecentActions); n > 0 {
			last := d.Info.RecentActions[n-1]
			st.LastRun = last.ActualTime
			if last.StartWorkflowResult != nil {
				st.LastRunID = last.StartWorkflowResult.WorkflowID
				if desc, err := c.DescribeWorkflow(ctx, last.StartWorkflowResult.WorkflowID, last.StartWorkflowResult.FirstExecutionRunID); err == nil {
					st.LastResult = statusName(desc.RawResponse.GetWorkflowExecutionInfo().GetStatus())
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Trigger starts a schedule's action now (overlap SKIP still applies).
func Trigger(ctx context.Context, c client.Client, id string) error {
	if err := c.ScheduleClient().GetHandle(ctx, id).Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP}); err != nil {
		return fmt.Errorf("trigger schedule %s: %w", id, err)
	}
	return nil
}

// SetPaused pauses or resumes a schedule, recording who and why in its note.
func SetPaused(ctx context.Context, c client.Client, id string, paused bool, note string) error {
	h := c.ScheduleClient().GetHandle(ctx, id)
	// Pausing is a signal to the schedule, and an update applied in the
	// same turn of the schedule (Apply, moments before) can undo it: ask
	// again until a describe shows the state, a few times at most, so
	// that what reads the schedule next (the Bots page) sees it.
	for try := 0; try < 5; try++ {
		var err error
		if paused {
			err = h.Pause(ctx, client.SchedulePauseOptions{Note: note})
		} else {
			err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: note})
		}
		if err != nil {
			return fmt.Errorf("set schedule %s paused=%t: %w", id, paused, err)
		}
		for wait := 0; wait < 20; wait++ {
			if d, err := h.Describe(ctx); err == nil && d.Schedule.State != nil && d.Schedule.State.Paused == paused {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return fmt.Errorf("set schedule %s paused=%t: the schedule did not take it", id, paused)
}

func statusName(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "Running"
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "Completed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return "Failed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "Canceled"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "Terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "TimedOut"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "ContinuedAsNew"
	}
	return "Unknown"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
