package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/store"
)

// Error types of the access-monitoring activities.
const (
	// ErrAlertCase is an alert's case the store refuses (unknown, closed,
	// a decision that does not apply): not retried.
	ErrAlertCase = "AlertCase"
	// ErrNoAuditKey is a verification without the audit verifier key:
	// not retried (set RCMBOT_AUDIT_VERIFIER_KEY).
	ErrNoAuditKey = "NoAuditKey"
)

// AccessCaseDecision is the PHI access log action that puts a case
// decision into the tamper-evident log.
const AccessCaseDecision store.AccessAction = "audit_case_decision"

// AuditStore is what the access-monitoring activities need of the database.
type AuditStore interface {
	LatestAuditDirectory(ctx context.Context) (store.AuditDirectory, error)
	Users(ctx context.Context) ([]store.User, error)
	EachAuditEvent(ctx context.Context, from, to time.Time, fn func(audit.Event) error) error
	EachAccessEvent(ctx context.Context, from time.Time, fn func(store.AccessEvent) error) error
	EachSignIn(ctx context.Context, from time.Time, fn func(store.SignInEvent) error) error
	AccessEventsAfter(ctx context.Context, seq int64, limit int) ([]store.AccessEvent, error)
	SignIns(ctx context.Context, from time.Time, p store.Page) ([]store.SignInEvent, error)
	LastSignInSeq(ctx context.Context) (int64, error)
	Thresholds(ctx context.Context) (audit.Thresholds, error)
	SaveAlerts(ctx context.Context, src audit.AlertSource, alerts []audit.Alert) (store.SavedAlerts, error)
	SaveBaselines(ctx context.Context, b *audit.Baselines) error
	Baselines(ctx context.Context) (*audit.Baselines, error)
	SetAuditCursor(ctx context.Context, name string, pos int64) error
	AuditCursor(ctx context.Context, name string) (int64, error)
	AlertCase(ctx context.Context, id string) (audit.Case, error)
	MarkCaseStarted(ctx context.Context, alertID string) error
	MarkReminded(ctx context.Context, alertID string, t time.Time) error
	DecideCase(ctx context.Context, c audit.CaseDecision) (audit.Case, error)
	TuningDecisions(ctx context.Context) ([]audit.Decision, error)
	ApplyThresholdChanges(ctx context.Context, changes []audit.ThresholdChange, at time.Time) error
	RecordDecision(ctx context.Context, sd store.SignedDecision) error
	AppendAccess(ctx context.Context, e store.AccessEvent) (store.AccessEvent, error)
	AccessEvents(ctx context.Context, f store.AccessFilter, p store.Page) ([]store.AccessEvent, error)
}

// LogVerifier verifies the tamper-evident PHI access log against the
// checkpoints kept outside the database; it returns nil without the
// audit verifier key.
type LogVerifier func(ctx context.Context) (*auditlog.Report, error)

// Audit holds the access-monitoring bot's activities.
type Audit struct {
	DB AuditStore
	// Mail sends alerts and reminders to Notify; nil sends none.
	Mail   Mailer
	Notify []string
	// PublicURL is the web app's address, for links in email.
	PublicURL string
	Location  *time.Location
	// Verify checks the tamper-evident log; nil refuses verification.
	Verify LogVerifier
	Log    *slog.Logger
}

func (a *Audit) options(th audit.Thresholds) audit.Options {
	loc := a.Location
	if loc == nil {
		loc = time.UTC
	}
	return audit.Options{Location: loc, Thresholds: th}
}

func (a *Audit) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// directory is what accesses are judged against: the newest import's
// rosters and encounters, and rcmbot's own accounts as staff (by
// username, the ID its PHI access log and sign-ins use; the role as
// department), so rcmbot's own users are not "off the roster".
func (a *Audit) directory(ctx context.Context) (*audit.Directory, error) {
	dir := audit.NewDirectory()
	imp, err := a.DB.LatestAuditDirectory(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	onRoster := map[string]bool{}
	for _, s := range imp.Staff {
		dir.AddStaff(s)
		onRoster[s.UserID] = true
	}
	for _, p := range imp.Patients {
		dir.AddPatient(p)
	}
	for _, e := range imp.Encounters {
		dir.AddEncounter(e)
	}
	users, err := a.DB.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if onRoster[u.Username] {
			continue
		}
		s := audit.Staff{UserID: u.Username, Department: "rcmbot", Role: string(u.Role), ShiftStart: audit.NoClock, ShiftEnd: audit.NoClock}
		if u.Disabled {
			// A disabled account was last employed the day it changed.
			s.TerminationDate = claim.DateOf(u.UpdatedAt.In(a.options(nil).Location))
		}
		dir.AddStaff(s)
	}
	return dir, nil
}

// OwnAccess turns an entry of rcmbot's PHI access log into the access the
// rules judge (false for entries that are not accesses to patient data,
// such as case decisions).
func OwnAccess(e store.AccessEvent) (audit.Event, bool) {
	if e.Action == AccessCaseDecision || e.Username == "" {
		return audit.Event{}, false
	}
	act := audit.ActionView
	if strings.HasPrefix(string(e.Action), "download_") || strings.HasPrefix(string(e.Action), "export_") {
		act = audit.ActionExport
	}
	return audit.Event{Time: e.At, UserID: e.Username, PatientID: e.PatientID, Action: act, IP: e.ClientAddr}, true
}

// ownData feeds rcmbot's own accesses and sign-ins at or after from to an
// access and a sign-in function (a Learner's or a Judge's).
func (a *Audit) ownData(ctx context.Context, from time.Time, add func(audit.Event), addSignIn func(audit.SignIn)) error {
	err := a.DB.EachAccessEvent(ctx, from, func(e store.AccessEvent) error {
		if ev, ok := OwnAccess(e); ok {
			add(ev)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.DB.EachSignIn(ctx, from, func(s store.SignInEvent) error {
		addSignIn(s.SignIn)
		return nil
	})
}

// AccessScanInput says what a scan covers: the last Days days [30] of
// imported accesses and of rcmbot's own, up to now.
type AccessScanInput struct {
	Days int `json:"days,omitempty"`
	// ImportID names the import that started the scan ("" for the
	// nightly one), for the run's summary.
	ImportID string `json:"import_id,omitempty"`
}

// DefaultScanDays is how many days a scan covers unless told.
const DefaultScanDays = 30

// AccessScanOutput is what a scan found. NeedCase are the alerts whose
// case the workflow starts (IDs only: no patient data).
type AccessScanOutput struct {
	Events            int      `json:"events"`
	ExplainedFraction float64  `json:"explained_fraction"`
	Alerts            int      `json:"alerts"`
	Created           int      `json:"created"`
	NeedCase          []string `json:"need_case"`
	// Watch is where the watch last read up to: a watch the scan starts
	// again begins there.
	Watch AccessWatchInput `json:"watch"`
}

// ScanAccess scans the imported access logs and rcmbot's own accesses and
// sign-ins of the last days twice without holding them — learning the
// baselines, then judging each access against them with the tuned
// thresholds — keeps the baselines for the watch and stores the alerts.
func (a *Audit) ScanAccess(ctx context.Context, in AccessScanInput) (AccessScanOutput, error) {
	var out AccessScanOutput
	days := in.Days
	if days <= 0 {
		days = DefaultScanDays
	}
	from := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	th, err := a.DB.Thresholds(ctx)
	if err != nil {
		return out, err
	}
	dir, err := a.directory(ctx)
	if err != nil {
		return out, err
	}
	opts := a.options(th)
	n := 0
	beat := func(pass int) {
		if n++; n%audit.ProgressEvery == 0 {
			activity.RecordHeartbeat(ctx, pass, n)
		}
	}
	l := audit.NewLearner(dir, opts)
	pass := func(add func(audit.Event), addSignIn func(audit.SignIn), p int) error {
		counted := func(e audit.Event) { add(e); beat(p) }
		err := a.DB.EachAuditEvent(ctx, from, time.Time{}, func(e audit.Event) error { counted(e); return nil })
		if err != nil {
			return err
		}
		return a.ownData(ctx, from, counted, addSignIn)
	}
	if err := pass(l.Add, l.AddSignIn, 1); err != nil {
		return out, err
	}
	base := l.Baselines()
	j := audit.NewJudge(dir, base, opts)
	if err := pass(j.Add, j.AddSignIn, 2); err != nil {
		return out, err
	}
	res := j.Result()
	if err := a.DB.SaveBaselines(ctx, base); err != nil {
		return out, err
	}
	saved, err := a.DB.SaveAlerts(ctx, audit.FromScan, res.Alerts)
	if err != nil {
		return out, err
	}
	out = AccessScanOutput{Events: res.Events, ExplainedFraction: res.ExplainedFraction(), Alerts: len(res.Alerts), Created: saved.Created}
	out.NeedCase = caseIDs(saved)
	if out.Watch.AccessAfter, err = a.DB.AuditCursor(ctx, store.CursorAccessLog); err != nil {
		return out, err
	}
	if out.Watch.SignInAfter, err = a.DB.AuditCursor(ctx, store.CursorSignIns); err != nil {
		return out, err
	}
	a.log().Info("audit: scan done", "events", res.Events, "alerts", len(res.Alerts), "new", saved.Created)
	return out, nil
}

func caseIDs(s store.SavedAlerts) []string {
	ids := []string{}
	for _, al := range s.NeedCase {
		ids = append(ids, al.ID)
	}
	return ids
}

// AccessWatchInput is where the watch has read up to: the PHI access
// log's and the sign-ins' seq.
type AccessWatchInput struct {
	AccessAfter int64 `json:"access_after"`
	SignInAfter int64 `json:"sign_in_after"`
}

// AccessWatchOutput is the watch's cursor after a look, what was new and
// the alerts whose case the workflow starts.
type AccessWatchOutput struct {
	AccessAfter int64    `json:"access_after"`
	SignInAfter int64    `json:"sign_in_after"`
	NewEvents   int      `json:"new_events"`
	NewSignIns  int      `json:"new_sign_ins"`
	NeedCase    []string `json:"need_case"`
}

// WatchWindow is how far back the watch judges from the oldest new event:
// the sign-in rules count failures over 15 minutes, and a burst read over
// two looks must still add up.
const WatchWindow = time.Hour

// watchCatchUp bounds how far back a look judges.
const watchCatchUp = 24 * time.Hour

// watchBatch bounds the new entries one look reads (the store's largest page).
const watchBatch = store.MaxPageSize

// WatchAccess looks for rcmbot's own new accesses and sign-ins after the
// cursor; when there are some, it judges everything from WatchWindow
// before the oldest of them against the last scan's baselines, stores the
// alerts and moves the cursor (also kept in the store, for the pages).
func (a *Audit) WatchAccess(ctx context.Context, in AccessWatchInput) (AccessWatchOutput, error) {
	out := AccessWatchOutput{AccessAfter: in.AccessAfter, SignInAfter: in.SignInAfter, NeedCase: []string{}}
	accs, err := a.DB.AccessEventsAfter(ctx, in.AccessAfter, watchBatch)
	if err != nil {
		return out, err
	}
	var oldest time.Time
	for _, e := range accs {
		out.AccessAfter = max(out.AccessAfter, e.Seq)
		oldest = minNonZero(oldest, e.At)
	}
	out.NewEvents = len(accs)
	last, err := a.DB.LastSignInSeq(ctx)
	if err != nil {
		return out, err
	}
	if last > in.SignInAfter {
		// The sign-ins after the cursor: those of the last WatchWindow
		// hold them when the watch keeps up; a watch that fell behind
		// starts again from the window (older ones were scanned nightly).
		sis, err := a.DB.SignIns(ctx, time.Now().Add(-WatchWindow), store.All)
		if err != nil {
			return out, err
		}
		for _, s := range sis {
			if s.Seq > in.SignInAfter {
				out.NewSignIns++
				oldest = minNonZero(oldest, s.Time)
			}
		}
		out.SignInAfter = last
	}
	if out.NewEvents == 0 && out.NewSignIns == 0 {
		return out, nil
	}
	th, err := a.DB.Thresholds(ctx)
	if err != nil {
		return out, err
	}
	base, err := a.DB.Baselines(ctx)
	if err != nil {
		return out, err
	}
	dir, err := a.directory(ctx)
	if err != nil {
		return out, err
	}
	j := audit.NewJudge(dir, base, a.options(th))
	// A watch catching up (a first start, a long outage) judges at most
	// the last day: the nightly scan covers what is older.
	from := oldest.Add(-WatchWindow)
	if floor := time.Now().Add(-watchCatchUp); from.Before(floor) {
		from = floor
	}
	if err := a.ownData(ctx, from, j.Add, j.AddSignIn); err != nil {
		return out, err
	}
	saved, err := a.DB.SaveAlerts(ctx, audit.FromWatch, j.Result().Alerts)
	if err != nil {
		return out, err
	}
	out.NeedCase = caseIDs(saved)
	if err := a.DB.SetAuditCursor(ctx, store.CursorAccessLog, out.AccessAfter); err != nil {
		return out, err
	}
	return out, a.DB.SetAuditCursor(ctx, store.CursorSignIns, out.SignInAfter)
}

func minNonZero(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// AlertCase is what an alert's case workflow knows of its alert: no
// patient or user data, only what it acts on.
type AlertCase struct {
	ID    string          `json:"id"`
	Rule  audit.RuleID    `json:"rule"`
	Score int             `json:"score"`
	State audit.CaseState `json:"state"`
}

// OpenCase loads an alert for its case workflow and marks the case as
// started, so scans stop asking for one.
func (a *Audit) OpenCase(ctx context.Context, alertID string) (AlertCase, error) {
	al, err := a.DB.AlertCase(ctx, alertID)
	if errors.Is(err, store.ErrNotFound) {
		return AlertCase{}, temporal.NewNonRetryableApplicationError("alert "+alertID+" is not stored", ErrAlertCase, err)
	}
	if err != nil {
		return AlertCase{}, err
	}
	if err := a.DB.MarkCaseStarted(ctx, alertID); err != nil {
		return AlertCase{}, err
	}
	return AlertCase{ID: al.ID, Rule: al.Rule, Score: al.Score, State: al.State}, nil
}

// CaseDecisionInput is a validated, signed disposition of a case.
type CaseDecisionInput struct {
	AlertID  string          `json:"alert_id"`
	Decision decision.Signed `json:"decision"`
}

// DecideCase records a signed disposition: the signed decision as
// evidence, the case's new state and the sealed note, an entry of the
// tamper-evident PHI access log, and the thresholds tuned from every
// disposition so far (audit.Tune), changes stored with their reasons.
// The same decision again changes nothing.
func (a *Audit) DecideCase(ctx context.Context, in CaseDecisionInput) (audit.CaseOutcome, error) {
	var out audit.CaseOutcome
	var cn audit.CaseNote
	d, err := decision.Read(in.Decision, &cn)
	if err != nil {
		return out, temporal.NewNonRetryableApplicationError("the decision on alert "+in.AlertID+" cannot be read", ErrAlertCase, err)
	}
	id := store.DecisionID(d)
	if err := a.DB.RecordDecision(ctx, store.SignedDecision{ID: id, Kind: d.Kind, Subject: d.Subject, Actor: d.Actor, Role: d.Role,
		SignedAt: d.At, Note: in.Decision.Note}); err != nil {
		return out, err
	}
	al, err := a.DB.DecideCase(ctx, audit.CaseDecision{AlertID: in.AlertID, DecisionID: id, Disposition: cn.Disposition,
		Note: strings.TrimSpace(cn.Note), Actor: d.Actor, Role: d.Role, At: d.At})
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		return out, temporal.NewNonRetryableApplicationError("the case of alert "+in.AlertID+" refuses the decision", ErrAlertCase, err)
	}
	if err != nil {
		return out, err
	}
	out.State = al.State
	// Into the tamper-evident log, once per decision (a retried
	// activity finds its entry by the decision ID in the detail).
	detail := "alert " + al.ID + " " + string(cn.Disposition) + " decision " + id
	logged, err := a.DB.AccessEvents(ctx, store.AccessFilter{Username: d.Actor, Action: AccessCaseDecision, From: d.At.Add(-time.Second)}, store.All)
	if err != nil {
		return out, err
	}
	if !slices.ContainsFunc(logged, func(e store.AccessEvent) bool { return e.Detail == detail }) {
		if _, err := a.DB.AppendAccess(ctx, store.AccessEvent{At: d.At, Username: d.Actor, Role: store.Role(d.Role), Action: AccessCaseDecision,
			Outcome: store.AccessAllowed, Detail: detail}); err != nil {
			return out, err
		}
	}
	th, err := a.DB.Thresholds(ctx)
	if err != nil {
		return out, err
	}
	decs, err := a.DB.TuningDecisions(ctx)
	if err != nil {
		return out, err
	}
	changes := audit.Tune(th, decs)
	if err := a.DB.ApplyThresholdChanges(ctx, changes, d.At); err != nil {
		return out, err
	}
	for _, c := range changes {
		if c.Rule == al.Rule {
			out.Tuning = &c
		}
		if c.Changed() {
			out.Changed = append(out.Changed, c)
		}
	}
	return out, nil
}

// NotifyKind says why the privacy officers are emailed about a case.
type NotifyKind string

// The notifications.
const (
	NotifyHighScore NotifyKind = "high_score" // a new alert scored at or above RCMBOT_AUDIT_NOTIFY_SCORE
	NotifyReminder  NotifyKind = "reminder"   // a case waited RCMBOT_AUDIT_REMINDER without a decision
)

// NotifyCaseInput asks for one email about an alert's case.
type NotifyCaseInput struct {
	AlertID string     `json:"alert_id"`
	Kind    NotifyKind `json:"kind"`
	Waited  string     `json:"waited,omitempty"` // for a reminder: how long, in words
}

// NotifyCase emails the privacy officers about a case: the rule, the
// score and a link, never the user or patient. Without a mailer or
// recipients it sends nothing; a reminder is recorded on the alert.
func (a *Audit) NotifyCase(ctx context.Context, in NotifyCaseInput) (bool, error) {
	al, err := a.DB.AlertCase(ctx, in.AlertID)
	if err != nil {
		return false, err
	}
	sent := false
	if a.Mail != nil && len(a.Notify) > 0 {
		title := string(al.Rule)
		if spec, ok := audit.Spec(al.Rule); ok {
			title = spec.Title
		}
		link := strings.TrimRight(a.PublicURL, "/") + "/audit/alerts/" + al.ID
		m := mail.Message{To: a.Notify}
		switch in.Kind {
		case NotifyReminder:
			m.Subject = fmt.Sprintf("Reminder: access alert %s waits for a decision", al.ID)
			m.Text = fmt.Sprintf("An access alert (%s, score %d) has waited %s for a privacy officer's decision.\n\nDecide it in rcmbot: %s\n", title, al.Score, in.Waited, link)
		default:
			m.Subject = fmt.Sprintf("Access alert %s scored %d", al.ID, al.Score)
			m.Text = fmt.Sprintf("rcmbot raised a high-scoring access alert (%s, score %d).\n\nSee the evidence and decide it in rcmbot: %s\n", title, al.Score, link)
		}
		if err := sendMail(ctx, a.Mail, m, "the mail server refused the alert email for good: check RCMBOT_AUDIT_NOTIFY"); err != nil {
			return false, err
		}
		sent = true
	}
	if in.Kind == NotifyReminder {
		return sent, a.DB.MarkReminded(ctx, al.ID, time.Now())
	}
	return sent, nil
}

// VerifyLogOutput is the daily verification's verdict; AlertID is the
// alert raised on a mismatch (and whether its case must start).
type VerifyLogOutput struct {
	OK       bool   `json:"ok"`
	Size     int64  `json:"size"`
	Checked  int    `json:"checked"`
	Problems int    `json:"problems"`
	AlertID  string `json:"alert_id,omitempty"`
	NeedCase bool   `json:"need_case,omitempty"`
}

// VerifyAccessLog verifies the tamper-evident PHI access log against the
// checkpoints kept outside the database, and on a mismatch raises an
// alert (rule log_tampered, score 100) whose explanation lists the
// evidence (sizes and record numbers, no patient data).
func (a *Audit) VerifyAccessLog(ctx context.Context) (VerifyLogOutput, error) {
	var out VerifyLogOutput
	if a.Verify == nil {
		return out, temporal.NewNonRetryableApplicationError("no audit verifier key: set RCMBOT_AUDIT_VERIFIER_KEY", ErrNoAuditKey, nil)
	}
	rep, err := a.Verify(ctx)
	if err != nil {
		return out, err
	}
	if rep == nil {
		return out, temporal.NewNonRetryableApplicationError("no audit verifier key: set RCMBOT_AUDIT_VERIFIER_KEY", ErrNoAuditKey, nil)
	}
	out = VerifyLogOutput{OK: rep.OK(), Size: rep.Size, Checked: len(rep.Checks), Problems: len(rep.Problems)}
	if out.OK {
		return out, nil
	}
	now := time.Now()
	al := audit.Alert{Rule: audit.RuleLogTampered, Score: 100, FirstTime: now, LastTime: now, Events: len(rep.Problems),
		Address: "phi_access_log",
		Explanation: fmt.Sprintf("The PHI access log (%d records) does not match the checkpoints signed outside the database: %s",
			rep.Size, strings.Join(rep.Problems, "; "))}
	saved, err := a.DB.SaveAlerts(ctx, audit.FromVerify, []audit.Alert{al})
	if err != nil {
		return out, err
	}
	if len(saved.NeedCase) > 0 {
		out.AlertID, out.NeedCase = saved.NeedCase[0].ID, true
	}
	a.log().Error("audit: the PHI access log does not match its checkpoints", "problems", len(rep.Problems), "alert", out.AlertID)
	return out, nil
}
