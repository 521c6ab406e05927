// Package auditbot is the access-monitoring bot's front door: the web app
// and the CLI import EHR access logs through it, list alerts, read an
// alert's evidence, send the privacy officer's signed dispositions to the
// alerts' AccessCase workflows, start scans and the watch, and build the
// reports an auditor asks for.
package auditbot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/workflows"
)

// TaskQueue is the access-monitoring bot's task queue.
const TaskQueue = workflows.AuditBot

// ScanWorkflowID is the workflow ID of a scan started by hand or by an
// import (id is opaque).
func ScanWorkflowID(id string) string { return "audit-scan-" + id }

// Service is the access-monitoring bot's front door.
type Service struct {
	DB       *store.DB
	Temporal client.Client // nil: imports, lists and reports only
	// Decisions signs case dispositions; nil refuses them.
	Decisions *decision.Signer
	Location  *time.Location
	// Cases are the settings of the cases scans start; ScanDays how far
	// back a scan looks [30].
	Cases    workflows.CaseSettings
	ScanDays int
	// Posture is what the security-posture check reads besides the
	// database (settings and key ages).
	PostureIn PostureInputs
}

func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

func (s *Service) temporal() (client.Client, error) {
	if s.Temporal == nil {
		return nil, fault.Errorf(fault.Unavailable, "The access-monitoring bot is not running here (no Temporal connection).")
	}
	return s.Temporal, nil
}

// importChunk is how many accesses one insert stores: memory holds one
// chunk, never the log.
const importChunk = 2000

// Import stores an EHR access log with its rosters and encounters (the
// rosters sealed), streaming the log in chunks, then starts a scan. A
// file that cannot be read at all is fault.Invalid and stores nothing
// more; bad rows are skipped and listed.
func (s *Service) Import(ctx context.Context, src audit.Sources, label, actor string) (audit.ImportResult, error) {
	var out audit.ImportResult
	if src.AccessLog == "" {
		return out, fault.Errorf(fault.Invalid, "An import needs an access log (time,user_id,patient_id,action,workstation,ip).")
	}
	var dir store.AuditDirectory
	var errs []audit.RowError
	read := func(path string, f func(string) ([]audit.RowError, error)) error {
		if path == "" {
			return nil
		}
		es, err := f(path)
		errs = append(errs, es...)
		if err != nil {
			return fault.Wrap(err, fault.Invalid, "%s", err.Error())
		}
		return nil
	}
	loc := s.location()
	steps := []struct {
		path string
		f    func(string) ([]audit.RowError, error)
	}{
		{src.Staff, func(p string) (es []audit.RowError, err error) { dir.Staff, es, err = audit.ReadStaff(p); return }},
		{src.Patients, func(p string) (es []audit.RowError, err error) { dir.Patients, es, err = audit.ReadPatients(p); return }},
		{src.Encounters, func(p string) (es []audit.RowError, err error) {
			dir.Encounters, es, err = audit.ReadEncounters(p, loc)
			return
		}},
	}
	for _, st := range steps {
		if err := read(st.path, st.f); err != nil {
			return out, err
		}
	}
	r, err := audit.OpenAccessLog(src.AccessLog, loc)
	if err != nil {
		return out, fault.Wrap(err, fault.Invalid, "%s", err.Error())
	}
	defer r.Close()
	imp, err := s.DB.BeginAuditImport(ctx, store.AuditImport{Label: label, ImportedBy: actor}, dir)
	if err != nil {
		return out, err
	}
	chunk := make([]audit.Event, 0, importChunk)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if err := s.DB.AppendAuditEvents(ctx, imp.ID, imp.Events+1, chunk); err != nil {
			return err
		}
		for _, e := range chunk {
			imp.First, imp.Last = earliest(imp.First, e.Time), latest(imp.Last, e.Time)
		}
		imp.Events += int64(len(chunk))
		chunk = chunk[:0]
		return nil
	}
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fault.Wrap(err, fault.Invalid, "%s", err.Error())
		}
		if chunk = append(chunk, e); len(chunk) == importChunk {
			if err := flush(); err != nil {
				return out, err
			}
		}
	}
	if err := flush(); err != nil {
		return out, err
	}
	errs = append(errs, r.RowErrors()...)
	imp.BadRows, imp.RowErrors = len(errs), errs
	if err := s.DB.FinishAuditImport(ctx, imp); err != nil {
		return out, err
	}
	out = audit.ImportResult{ImportID: imp.ID, Events: imp.Events, Staff: imp.Staff, Patients: imp.Patients, Encounters: imp.Encounters, Errors: errs}
	if s.Temporal != nil {
		if out.ScanID, err = s.StartScan(ctx, imp.ID); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Imports lists the imports, newest first, with their counts and bad
// rows (file, row, column and why; never a value).
func (s *Service) Imports(ctx context.Context, p store.Page) ([]store.AuditImport, error) {
	return s.DB.AuditImports(ctx, p)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ScanInput is the input of scans started here and by the nightly
// Schedule.
func (s *Service) ScanInput(importID string) workflows.AccessScanInput {
	return workflows.AccessScanInput{Scan: activities.AccessScanInput{Days: s.ScanDays, ImportID: importID}, Cases: s.Cases}
}

// StartScan starts a scan now (after an import, or by hand) and returns
// its workflow ID.
func (s *Service) StartScan(ctx context.Context, importID string) (string, error) {
	c, err := s.temporal()
	if err != nil {
		return "", err
	}
	id := ScanWorkflowID(opaqueid.New("sc-"))
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: TaskQueue, StaticSummary: "access scan"},
		workflows.AccessScanWorkflow, s.ScanInput(importID)); err != nil {
		return "", fmt.Errorf("start access scan: %w", err)
	}
	return id, nil
}

// StartWatch starts the watch over rcmbot's own accesses and sign-ins
// unless it runs already, from the newest entries now.
func (s *Service) StartWatch(ctx context.Context) error {
	c, err := s.temporal()
	if err != nil {
		return err
	}
	in, err := s.WatchStart(ctx)
	if err != nil {
		return err
	}
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.AccessWatchWorkflowID, TaskQueue: TaskQueue,
		StaticSummary: "access watch", WorkflowExecutionErrorWhenAlreadyStarted: true}, workflows.AccessWatchWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start access watch: %w", err)
	}
	return nil
}

// WatchStart is the watch's input from where it last read (the cursors
// the store keeps), or from the start of the logs.
func (s *Service) WatchStart(ctx context.Context) (workflows.AccessWatchInput, error) {
	in := workflows.AccessWatchInput{Cases: s.Cases}
	var err error
	if in.Cursor.AccessAfter, err = s.DB.AuditCursor(ctx, store.CursorAccessLog); err != nil {
		return in, err
	}
	if in.Cursor.SignInAfter, err = s.DB.AuditCursor(ctx, store.CursorSignIns); err != nil {
		return in, err
	}
	return in, nil
}

// Alerts lists alerts, highest score first.
func (s *Service) Alerts(ctx context.Context, f store.AlertFilter, p store.Page) ([]audit.Case, error) {
	return s.DB.AlertCases(ctx, f, p)
}

// evidenceMargin widens an alert's span for its timeline.
const evidenceMargin = 24 * time.Hour

// Alert returns one alert with its evidence; an unknown ID is fault.NotFound.
func (s *Service) Alert(ctx context.Context, id string) (reports.AlertView, error) {
	var v reports.AlertView
	al, err := s.DB.AlertCase(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return v, fault.Wrap(err, fault.NotFound, "There is no access alert %s.", id)
	}
	if err != nil {
		return v, err
	}
	v.Case = al
	v.Spec, _ = audit.Spec(al.Rule)
	if v.Decisions, err = s.DB.CaseDecisions(ctx, id); err != nil {
		return v, err
	}
	if al.UserID != "" {
		if v.Timeline, err = s.timeline(ctx, al.UserID, al.FirstTime.Add(-evidenceMargin), al.LastTime.Add(evidenceMargin)); err != nil {
			return v, err
		}
	}
	th, err := s.DB.Thresholds(ctx)
	if err != nil {
		return v, err
	}
	v.Threshold = th.For(al.Rule)
	hist, err := s.DB.ThresholdHistory(ctx, store.All)
	if err != nil {
		return v, err
	}
	for _, h := range hist {
		if h.Rule == al.Rule {
			v.History = append(v.History, h)
		}
	}
	return v, nil
}

// maxTimeline bounds a timeline's entries.
const maxTimeline = 500

// timeline is a user's accesses in [from, to), imported and rcmbot's own.
func (s *Service) timeline(ctx context.Context, user string, from, to time.Time) ([]reports.TimelineEntry, error) {
	var out []reports.TimelineEntry
	err := s.DB.EachAuditEvent(ctx, from, to, func(e audit.Event) error {
		if e.UserID == user && len(out) < maxTimeline {
			out = append(out, reports.TimelineEntry{Event: e, Source: "EHR"})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	own, err := s.DB.AccessEvents(ctx, store.AccessFilter{Username: user, From: from, To: to}, store.Page{Limit: maxTimeline})
	if err != nil {
		return nil, err
	}
	for i := len(own) - 1; i >= 0; i-- {
		if e, ok := activities.OwnAccess(own[i]); ok {
			out = append(out, reports.TimelineEntry{Event: e, Source: "rcmbot"})
		}
	}
	reports.SortTimeline(out)
	return out, nil
}

// UserTimeline is a user's accesses over the last days days.
func (s *Service) UserTimeline(ctx context.Context, user string, days int) ([]reports.TimelineEntry, error) {
	if days <= 0 {
		days = 30
	}
	to := time.Now()
	return s.timeline(ctx, user, to.AddDate(0, 0, -days), to)
}

// Decide signs actor's disposition of an alert's case and sends it to
// the case's workflow; the answer says what it did to the rule's
// threshold.
func (s *Service) Decide(ctx context.Context, alertID, actor, role string, cn audit.CaseNote) (audit.CaseOutcome, error) {
	var out audit.CaseOutcome
	c, err := s.temporal()
	if err != nil {
		return out, err
	}
	if s.Decisions == nil {
		return out, fault.Errorf(fault.Unavailable, "Decisions cannot be sent: this rcmbot has no key to sign them with (RCMBOT_DECISION_KEY). Tell your rcmbot administrator.")
	}
	if !audit.CanDecide(role) {
		return out, fault.Errorf(fault.Forbidden, "Only a privacy officer or an admin may decide access cases.")
	}
	al, err := s.Alert(ctx, alertID)
	if err != nil {
		return out, err
	}
	if err := cn.Check(al.State); err != nil {
		return out, fault.Wrap(err, fault.Invalid, "Alert %s: %s.", alertID, err.Error())
	}
	wfID := workflows.AccessCaseWorkflowID(alertID)
	signed, err := s.Decisions.Sign(audit.DecisionCase, wfID, actor, role, cn)
	if err != nil {
		return out, fmt.Errorf("sign decision on alert %s: %w", alertID, err)
	}
	err = temporalx.UpdateDecision(ctx, c, wfID, workflows.UpdateDecideCase, workflows.CaseDecisionRequest{Decision: signed}, &out,
		fmt.Sprintf("The case of alert %s is not open (its workflow is not running).", alertID))
	return out, err
}
