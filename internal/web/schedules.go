package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// temporalSchedules runs the Bots page's actions on the declared
// schedules only: an ID not declared by a bot is refused, so the page cannot
// be used to start arbitrary schedules in the namespace.
type temporalSchedules struct {
	c        client.Client
	declared []temporalx.Schedule
}

func (t *temporalSchedules) has(id string) bool {
	return slices.ContainsFunc(t.declared, func(s temporalx.Schedule) bool { return s.ID == id })
}

var errNoTemporal = fault.Errorf(fault.Unavailable, "This rcmbot process is not connected to Temporal, so the bots' schedules cannot be shown or changed here.")

// scheduleAction triggers, pauses or resumes a declared schedule.
func (s *Server) scheduleAction(ctx context.Context, id auth.Identity, schedule, action, reason string) error {
	if s.schedules == nil {
		return errNoTemporal
	}
	if !s.schedules.has(schedule) {
		return fault.Errorf(fault.NotFound, "Schedule %s is not one of the bots' schedules.", schedule)
	}
	note := fmt.Sprintf("%s by %s in the rcmbot web app", map[string]string{"pause": "paused", "resume": "resumed", "trigger": "run"}[action], id.User.Username)
	if reason != "" {
		note += ": " + reason
	}
	var err error
	switch action {
	case "trigger":
		err = temporalx.Trigger(ctx, s.schedules.c, schedule)
	case "pause":
		err = temporalx.SetPaused(ctx, s.schedules.c, schedule, true, note)
	case "resume":
		err = temporalx.SetPaused(ctx, s.schedules.c, schedule, false, note)
	default:
		return fault.Errorf(fault.Invalid, "%q is not a schedule action: use trigger, pause or resume.", action)
	}
	if err != nil {
		return err
	}
	s.log.Info("web: schedule "+action, "schedule", schedule, "user", id.User.Username)
	return nil
}

// scheduleRow is one schedule on the Bots page.
type scheduleRow struct {
	temporalx.ScheduleStatus
	Link        string // the schedule in the Temporal UI
	LastRunLink string
}

type botsPageData struct {
	Connected bool
	Rows      []scheduleRow
	Problem   string
	UI        string
}

// describeSchedules reads the declared schedules' state from Temporal.
// A problem Temporal reports (a schedule not created yet) comes back as a
// message for the page.
func (s *Server) describeSchedules(ctx context.Context) ([]scheduleRow, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sts, err := temporalx.Describe(ctx, s.schedules.c, s.schedules.declared)
	if err != nil {
		s.log.Warn("web: describe schedules", "err", err)
		if strings.Contains(err.Error(), "rcmbot schedules apply") {
			return nil, upperFirst(err.Error()) + "."
		}
		return nil, "Temporal did not answer. The bots keep running; try again in a minute, and tell your rcmbot administrator if this stays."
	}
	rows := make([]scheduleRow, 0, len(sts))
	for _, st := range sts {
		rows = append(rows, scheduleRow{ScheduleStatus: st,
			Link:        strings.TrimRight(s.cfg.TemporalUIURL, "/") + "/namespaces/" + s.cfg.TemporalNamespace + "/schedules/" + st.ID,
			LastRunLink: s.temporalUILink(st.LastRunID)})
	}
	return rows, ""
}

func (s *Server) botsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Bots", "bots", nil)
	switch r.URL.Query().Get("done") {
	case "trigger":
		v.Flash = "The schedule's run was started. It appears under Last run in a few seconds."
	case "pause":
		v.Flash = "The schedule is paused: it will not run until resumed."
	case "resume":
		v.Flash = "The schedule is resumed and runs at its next time."
	}
	s.renderBots(w, r, id, http.StatusOK, v)
}

func (s *Server) renderBots(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view) {
	d := botsPageData{Connected: s.schedules != nil, UI: s.cfg.TemporalUIURL}
	if d.Connected {
		d.Rows, d.Problem = s.describeSchedules(r.Context())
	}
	v.Data = d
	s.page(w, status, "bots", v)
}

func (s *Server) botsAction(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	action := r.PathValue("action")
	err := s.scheduleAction(r.Context(), id, r.PathValue("schedule"), action, strings.TrimSpace(r.PostFormValue("reason")))
	if err != nil {
		if staffFacing(err) {
			v := newView(id, "Bots", "bots", nil)
			v.Error = fault.MessageOf(err)
			s.renderBots(w, r, id, statusOf(fault.CodeOf(err)), v)
			return
		}
		s.failErr(w, r, "schedule "+r.PathValue("schedule"), err)
		return
	}
	http.Redirect(w, r, "/bots?done="+action, http.StatusSeeOther)
}

type scheduleJSON struct {
	ID            string      `json:"id"`
	Note          string      `json:"note"`
	Paused        bool        `json:"paused"`
	PauseNote     string      `json:"pause_note,omitempty"`
	NextRuns      []time.Time `json:"next_runs"`
	LastRun       *time.Time  `json:"last_run,omitempty"`
	LastRunID     string      `json:"last_run_workflow_id,omitempty"`
	LastResult    string      `json:"last_result,omitempty"`
	Running       int         `json:"running"`
	TemporalUIURL string      `json:"temporal_ui_url"`
}

func (s *Server) apiSchedules(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.schedules == nil {
		s.failErr(w, r, "the schedules", errNoTemporal)
		return
	}
	rows, problem := s.describeSchedules(r.Context())
	if problem != "" {
		s.failErr(w, r, "the schedules", fault.Errorf(fault.Unavailable, "%s", problem))
		return
	}
	out := []scheduleJSON{}
	for _, row := range rows {
		out = append(out, scheduleJSON{ID: row.ID, Note: row.Note, Paused: row.Paused, PauseNote: row.PauseNote,
			NextRuns: row.NextRuns, LastRun: timePtr(row.LastRun), LastRunID: row.LastRunID, LastResult: row.LastResult,
			Running: row.Running, TemporalUIURL: row.Link})
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": out})
}

func (s *Server) apiScheduleAction(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if err := s.scheduleAction(r.Context(), id, r.PathValue("schedule"), r.PathValue("action"), r.URL.Query().Get("reason")); err != nil {
		s.failErr(w, r, "schedule "+r.PathValue("schedule"), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
