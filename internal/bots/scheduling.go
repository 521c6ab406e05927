package bots

import (
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/schedule/schedimport"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/workflows"
)

// SchedulingNightly is the ID of the nightly scheduling plan's Schedule.
const SchedulingNightly = "scheduling-nightly"

// Scheduling is the scheduling bot: each appointment request from its
// options to its attendance, waitlist fills of cancelled slots, and the
// nightly plan of the coming days (before the eligibility sweep, which
// checks the visits it booked).
var Scheduling = Bot{
	Name:  workflows.SchedulingBot,
	Queue: schedulingbot.TaskQueue,
	Workflows: func(d Deps) []any {
		sc := &workflows.Scheduling{Decisions: d.Decisions}
		return []any{sc.AppointmentRequest, sc.WaitlistFill, sc.SchedulingNightly}
	},
	Activities: func(d Deps) []any { return []any{d.Scheduling} },
	Schedules: func(cfg *config.Config) []temporalx.Schedule {
		return []temporalx.Schedule{{
			ID:        SchedulingNightly,
			Bot:       workflows.SchedulingBot,
			Note:      "Nightly scheduling plan: re-plans the coming days, fills gaps from the waitlist, proposes overbooking for staff to confirm",
			Cron:      cfg.SchedulingCron,
			Workflow:  workflows.SchedulingNightlyWorkflow,
			Args:      []any{workflows.SchedulingNightlyInput{TimeZone: cfg.TimeZone}},
			TaskQueue: schedulingbot.TaskQueue,
			Catchup:   6 * time.Hour,
			Timeout:   time.Hour,
		}}
	},
	Web: func(e Env, c client.Client) (web.Bot, error) { return web.Scheduling(SchedulingService(e, c)), nil },
}

// SchedulingService builds the scheduling bot's front door for the web
// app and CLI; c may be nil for imports and lists. The reminders' lead
// times are RCMBOT_REMINDER_LEADS (checked when the settings loaded).
func SchedulingService(e Env, c client.Client) *schedulingbot.Service {
	leads, _ := e.Config.ReminderLeadTimes()
	return &schedulingbot.Service{DB: e.DB, Temporal: c, Decisions: e.Signer, Location: e.Config.Location(),
		Settings: workflows.SchedulingSettings{TimeZone: e.Config.TimeZone, ReminderLeads: leads}, Clinic: activities.DefaultClinic(),
		Files: schedimport.Options{Limits: e.IntakeOptions().Limits}}
}

// schedulingActivities builds the scheduling activities: email through
// the settings' SMTP server, links to the web app.
func (e Env) schedulingActivities() (*activities.Scheduling, error) {
	m, err := e.Mailer()
	if err != nil {
		return nil, err
	}
	return &activities.Scheduling{DB: e.DB, Mail: m, Clinic: activities.DefaultClinic(), PublicURL: e.Config.PublicURL,
		Location: e.Config.Location(), Log: e.Log}, nil
}
