package temporalx

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/fault"
)

// ErrNotRunning is wrapped by UpdateDecision's error when the workflow is
// not running (it finished, or never started).
var ErrNotRunning = errors.New("the workflow is not running")

// UpdateDecision sends arg (a signed staff decision) as Update update to
// workflow wfID, waits until it completes and reads its result into out.
// What staff must see comes back as a fault error: a refusal by the
// Update's validator or handler (an ApplicationError) is fault.Invalid
// with its message, or fault.Conflict when its type is one of conflicts;
// a workflow that is not running is fault.Invalid with the message gone,
// wrapping ErrNotRunning. Other failures are wrapped with wfID.
func UpdateDecision(ctx context.Context, c client.Client, wfID, update string, arg, out any, gone string, conflicts ...string) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wfID, UpdateName: update,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		if err = h.Get(ctx, out); err == nil {
			return nil
		}
	}
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app) && slices.Contains(conflicts, app.Type()):
		return fault.Wrap(err, fault.Conflict, "%s", app.Message())
	case errors.As(err, &app):
		return fault.Wrap(err, fault.Invalid, "%s", app.Message())
	case errors.As(err, &nf):
		return fault.Wrap(fmt.Errorf("%w: %w", ErrNotRunning, err), fault.Invalid, "%s", gone)
	}
	return fmt.Errorf("%s: %w", wfID, err)
}
