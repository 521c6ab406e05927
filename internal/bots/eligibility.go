package bots

import (
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/eligibilitybot"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/workflows"
)

// EligibilityNightly is the ID of the nightly eligibility sweep's Schedule.
const EligibilityNightly = "eligibility-nightly"

// Eligibility is the eligibility bot: one-off checks and the nightly
// sweep of the next business day's appointments.
var Eligibility = Bot{
	Name:      workflows.EligibilityBot,
	Queue:     eligibilitybot.TaskQueue,
	Workflows: func(Deps) []any { return []any{workflows.EligibilityCheck, workflows.EligibilitySweep} },
	Activities: func(d Deps) []any {
		return []any{d.Eligibility}
	},
	Schedules: func(cfg *config.Config) []temporalx.Schedule {
		return []temporalx.Schedule{{
			ID:   EligibilityNightly,
			Bot:  workflows.EligibilityBot,
			Note: "Nightly eligibility sweep: checks every patient booked on the next business day",
			// Each run checks the next business day after its own date, in
			// the practice's time zone (RCMBOT_ELIGIBILITY_CRON, Sunday to
			// Thursday at 02:00 by default: each business day once, the night before).
			Cron:      cfg.EligibilityCron,
			Workflow:  "EligibilitySweep",
			Args:      []any{workflows.EligibilitySweepInput{TimeZone: cfg.TimeZone}},
			TaskQueue: eligibilitybot.TaskQueue,
			Catchup:   6 * time.Hour,
			Timeout:   12 * time.Hour,
		}}
	},
	Web: func(e Env, c client.Client) (web.Bot, error) {
		svc, err := EligibilityService(e, c)
		if err != nil {
			return web.Bot{}, err
		}
		return web.Eligibility(svc), nil
	},
}

// EligibilityRules are the discrepancy thresholds from the settings.
func (e Env) EligibilityRules() eligibility.Rules {
	return eligibility.Rules{HighDeductible: claim.Money(int64(e.Config.HighDeductible) * 100)}
}

// EligibilityService builds the eligibility bot's front door for the web
// app and CLI. It reads only the payer directory of the reference data.
func EligibilityService(e Env, c client.Client) (*eligibilitybot.Service, error) {
	blobs, err := e.Blobs()
	if err != nil {
		return nil, err
	}
	dir := payers.Starter()
	if e.Config.RefdataDir != "" {
		if dir, err = payers.Load(e.Config.RefdataDir); err != nil {
			return nil, err
		}
	}
	return &eligibilitybot.Service{DB: e.DB, Blobs: blobs, Temporal: c, Payers: dir, Rules: e.EligibilityRules(),
		Location: e.Config.Location()}, nil
}
