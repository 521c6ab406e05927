package bots

import (
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/workflows"
)

// UploadsRetention is the ID of the daily upload retention sweep's Schedule.
const UploadsRetention = "uploads-retention"

// Claims is the claims bot: claims batches from upload to 277CA, and the
// daily deletion of expired uploads.
var Claims = Bot{
	Name:  workflows.ClaimsBot,
	Queue: claimsbot.TaskQueue,
	Workflows: func(d Deps) []any {
		return []any{(&workflows.Claims{Decisions: d.Decisions}).ClaimsBatch, workflows.UploadRetention}
	},
	Activities: func(d Deps) []any {
		return []any{d.Claims, d.Retention}
	},
	Schedules: func(*config.Config) []temporalx.Schedule {
		return []temporalx.Schedule{{
			ID:        UploadsRetention,
			Bot:       workflows.ClaimsBot,
			Note:      "Daily: delete uploaded claims files older than the retention period (RCMBOT_UPLOAD_RETENTION)",
			Cron:      "30 3 * * *",
			Workflow:  "UploadRetention",
			TaskQueue: claimsbot.TaskQueue,
			Catchup:   24 * time.Hour,
			Timeout:   2 * time.Hour,
		}}
	},
	Web: func(e Env, c client.Client) (web.Bot, error) {
		svc, err := ClaimsService(e, c)
		if err != nil {
			return web.Bot{}, err
		}
		return web.Claims(svc), nil
	},
}

// ClaimsService builds the claims bot's front door for the web app and CLI.
func ClaimsService(e Env, c client.Client) (*claimsbot.Service, error) {
	blobs, err := e.Blobs()
	if err != nil {
		return nil, err
	}
	cfg := e.Config
	return &claimsbot.Service{DB: e.DB, Blobs: blobs, Temporal: c, Decisions: e.Signer, Intake: e.IntakeOptions(), Location: cfg.Location(),
		ReviewReminder: cfg.ReviewReminder, ReviewDeadline: cfg.ReviewDeadline,
		PublicURL: cfg.PublicURL, TemporalUIURL: cfg.TemporalUIURL, Namespace: cfg.TemporalNamespace}, nil
}
