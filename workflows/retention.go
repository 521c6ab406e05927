package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
)

// UploadRetention deletes uploaded claims files older than the retention
// period (RCMBOT_UPLOAD_RETENTION); a daily Schedule runs it.
func UploadRetention(ctx workflow.Context) (activities.RetentionResult, error) {
	var r *activities.Retention
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:             "delete expired uploads",
	})
	var res activities.RetentionResult
	err := workflow.ExecuteActivity(ctx, r.PurgeExpiredUploads).Get(ctx, &res)
	return res, err
}
