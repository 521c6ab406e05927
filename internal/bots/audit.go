package bots

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/auditbot"
	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/workflows"
)

// Schedule IDs of the access-monitoring bot.
const (
	AuditNightly     = "audit-nightly"
	AuditVerifyDaily = "audit-verify-daily"
)

// Audit is the access-monitoring bot: the nightly scan of imported access
// logs (which also keeps the watch over rcmbot's own accesses running),
// the watch, a case per alert and the daily verification of the
// tamper-evident PHI access log.
var Audit = Bot{
	Name:  workflows.AuditBot,
	Queue: auditbot.TaskQueue,
	Workflows: func(d Deps) []any {
		au := &workflows.Audit{Decisions: d.Decisions}
		return []any{au.AccessScan, au.AccessWatch, au.AccessCase, au.AccessVerify}
	},
	Activities: func(d Deps) []any { return []any{d.Audit} },
	Schedules: func(cfg *config.Config) []temporalx.Schedule {
		cases := AuditCaseSettings(cfg)
		return []temporalx.Schedule{{
			ID:        AuditNightly,
			Bot:       workflows.AuditBot,
			Note:      "Nightly access scan: explain and judge the imported access logs and rcmbot's own accesses and sign-ins, open a case per new alert, keep the watch running",
			Cron:      cfg.AuditCron,
			Workflow:  workflows.AccessScanWorkflow,
			Args:      []any{workflows.AccessScanInput{Cases: cases}},
			TaskQueue: auditbot.TaskQueue,
			Catchup:   6 * time.Hour,
			Timeout:   3 * time.Hour,
		}, {
			ID:        AuditVerifyDaily,
			Bot:       workflows.AuditBot,
			Note:      "Daily: verify the tamper-evident PHI access log against the checkpoints signed outside the database; a mismatch raises an alert",
			Cron:      cfg.AuditVerifyCron,
			Workflow:  workflows.AccessVerifyWorkflow,
			Args:      []any{cases},
			TaskQueue: auditbot.TaskQueue,
			Catchup:   24 * time.Hour,
			Timeout:   2 * time.Hour,
		}}
	},
	Web: func(e Env, c client.Client) (web.Bot, error) { return web.Audit(AuditService(e, c)), nil },
}

// AuditCaseSettings are the cases' settings from the configuration.
func AuditCaseSettings(cfg *config.Config) workflows.CaseSettings {
	return workflows.CaseSettings{NotifyScore: cfg.AuditNotifyAt, Reminder: cfg.AuditReminder}
}

// AuditService builds the access-monitoring bot's front door for the web
// app and CLI; c may be nil for imports, lists and reports.
func AuditService(e Env, c client.Client) *auditbot.Service {
	cfg := e.Config
	_, err := os.Stat(cfg.AuditKeyFile)
	return &auditbot.Service{DB: e.DB, Temporal: c, Decisions: e.Signer, Location: cfg.Location(), Cases: AuditCaseSettings(cfg),
		PostureIn: auditbot.PostureInputs{
			KeyFiles: map[string]string{"patient-data key ring": cfg.KeysFile, "decision signing key": cfg.DecisionKeyFile,
				"audit signing key": cfg.AuditKeyFile},
			CodecOrigins: cfg.CodecOrigins, X12Usage: cfg.X12Usage, DevKeyRing: cfg.Keys == "" && cfg.KeysFile == filepath.Join(cfg.DataDir, "keys.txt"),
			AuditSigning: err == nil,
		}}
}

// auditActivities builds the access-monitoring activities: email through
// the settings' SMTP server, verification with the audit verifier key
// and the checkpoint file.
func (e Env) auditActivities() (*activities.Audit, error) {
	cfg := e.Config
	a := &activities.Audit{DB: e.DB, Notify: mail.Recipients(cfg.AuditNotify), PublicURL: cfg.PublicURL, Location: cfg.Location(), Log: e.Log}
	if len(a.Notify) > 0 {
		m, err := e.Mailer()
		if err != nil {
			return nil, err
		}
		a.Mail = m
	}
	a.Verify = func(ctx context.Context) (*auditlog.Report, error) {
		v, err := auditlog.ReadVerifier(cfg.AuditVerifierKey)
		if err != nil || v == nil {
			return nil, err
		}
		trusted, err := auditlog.ReadCheckpoints(cfg.AuditCheckpoints)
		if err != nil {
			return nil, fmt.Errorf("audit checkpoints: %w", err)
		}
		return e.DB.VerifyAccessLog(ctx, v, auditlog.Sample(trusted, auditVerifySample))
	}
	return a, nil
}

// auditVerifySample is how many checkpoints the daily verification checks.
const auditVerifySample = 256
