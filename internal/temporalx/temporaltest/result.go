package temporaltest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// Result waits for the workflow workflowID to finish and decodes its
// result into valuePtr. The workflow may not exist yet: a parent starts
// a child after the Update or signal that caused it has returned, so
// Result waits for it to start, until ctx ends.
func Result(ctx context.Context, c client.Client, workflowID string, valuePtr any) error {
	for {
		err := c.GetWorkflow(ctx, workflowID, "").Get(ctx, valuePtr)
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("workflow %s was not started: %w", workflowID, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
