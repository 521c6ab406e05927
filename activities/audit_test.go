package activities

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// sentMail keeps the messages an activity sent.
type sentMail struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (s *sentMail) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return nil
}

type auditFixture struct {
	a    *Audit
	db   *store.DB
	mail *sentMail
	env  *testsuite.TestActivityEnvironment
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	db := storetest.Open(t)
	m := &sentMail{}
	a := &Audit{DB: db, Mail: m, Notify: []string{"privacy@example.org"}, PublicURL: "https://rcmbot.example.org/"}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return &auditFixture{a: a, db: db, mail: m, env: env}
}

// runAudit executes an access-monitoring activity and returns its result,
// failing the test on an error.
func runAudit[T any](t *testing.T, f *auditFixture, act any, args ...any) T {
	t.Helper()
	v, err := f.env.ExecuteActivity(act, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := v.Get(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// importHospital stores an import: ten days of a nurse's explained work,
// and a terminated clerk who still opens a VIP's record.
func importHospital(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Hour)
	start := now.Add(-10 * 24 * time.Hour)
	dir := store.AuditDirectory{
		Staff: []audit.Staff{
			{UserID: "nurse1", LastName: "Adeyemi", Department: "ED", Role: "nurse", ShiftStart: audit.NoClock, ShiftEnd: audit.NoClock},
			{UserID: "clerk9", LastName: "Brandt", Department: "Billing", Role: "clerk", ShiftStart: audit.NoClock, ShiftEnd: audit.NoClock,
				TerminationDate: claim.DateOf(start.Add(24 * time.Hour))},
		},
		Patients: []audit.Patient{{PatientID: "p1", LastName: "Ng"}, {PatientID: "vip", LastName: "Star", VIP: true}},
	}
	var evs []audit.Event
	for d := range 10 {
		at := start.Add(time.Duration(d)*24*time.Hour + 10*time.Hour)
		dir.Encounters = append(dir.Encounters, audit.Encounter{PatientID: "p1", UserID: "nurse1", Department: "ED", Kind: audit.KindAppointment, Start: at, End: at})
		evs = append(evs, audit.Event{Time: at, UserID: "nurse1", PatientID: "p1", Action: audit.ActionView, Workstation: "ed-1"})
	}
	evs = append(evs, audit.Event{Time: now.Add(-2 * time.Hour), UserID: "clerk9", PatientID: "vip", Action: audit.ActionView, Workstation: "bill-3"})
	imp, err := db.BeginAuditImport(ctx, store.AuditImport{Label: "test"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAuditEvents(ctx, imp.ID, 1, evs); err != nil {
		t.Fatal(err)
	}
}

func TestAuditScanStoresAlertsOnceAndAsksForEachCaseOnce(t *testing.T) {
	f := newAuditFixture(t)
	importHospital(t, f.db)
	out := runAudit[AccessScanOutput](t, f, f.a.ScanAccess, AccessScanInput{})
	if out.Events != 11 || out.Created == 0 || len(out.NeedCase) != out.Created {
		t.Fatalf("scan: %+v", out)
	}
	alerts, err := f.db.AlertCases(context.Background(), store.AlertFilter{UserID: "clerk9"}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[audit.RuleID]bool{}
	for _, al := range alerts {
		rules[al.Rule] = true
	}
	if !rules[audit.RuleOutsideEmployment] || !rules[audit.RuleVIP] {
		t.Fatalf("the terminated clerk's look at the VIP: rules %v", rules)
	}
	if nurse, _ := f.db.AlertCases(context.Background(), store.AlertFilter{UserID: "nurse1"}, store.All); len(nurse) != 0 {
		t.Errorf("the nurse's explained work raised %+v", nurse)
	}
	base, err := f.db.Baselines(context.Background())
	if err != nil || base.Users["nurse1"] == nil {
		t.Fatalf("baselines kept: %+v %v", base, err)
	}
	// Scanned again before the cases started: the same alerts, asked for again.
	again := runAudit[AccessScanOutput](t, f, f.a.ScanAccess, AccessScanInput{})
	if again.Created != 0 || len(again.NeedCase) != len(out.NeedCase) {
		t.Fatalf("second scan: %+v", again)
	}
	for _, id := range out.NeedCase {
		c := runAudit[AlertCase](t, f, f.a.OpenCase, id)
		if c.ID != id || c.State != audit.CaseOpen || c.Score == 0 {
			t.Fatalf("case: %+v", c)
		}
	}
	third := runAudit[AccessScanOutput](t, f, f.a.ScanAccess, AccessScanInput{})
	if third.Created != 0 || len(third.NeedCase) != 0 {
		t.Fatalf("third scan, cases running: %+v", third)
	}
}

func TestAuditWatchAlertsOnABurstOfFailedSignInsAndMovesItsCursor(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	if _, err := f.db.CreateUser(ctx, store.NewUser{Username: "ana", Role: store.RoleBiller}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range 12 {
		if _, err := f.db.RecordSignIn(ctx, audit.SignIn{Time: now.Add(time.Duration(i-12) * 10 * time.Second), Account: "ana", Kind: audit.SignInFailure, IP: "203.0.113.7"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.AppendAccess(ctx, store.AccessEvent{Action: store.AccessViewClaim, Outcome: store.AccessAllowed, Username: "ana", PatientID: "pk-1", ClientAddr: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	out := runAudit[AccessWatchOutput](t, f, f.a.WatchAccess, AccessWatchInput{})
	if out.NewSignIns != 12 || out.NewEvents != 1 || out.SignInAfter != 12 || out.AccessAfter != 1 || len(out.NeedCase) == 0 {
		t.Fatalf("watch: %+v", out)
	}
	al, err := f.db.AlertCase(ctx, out.NeedCase[0])
	if err != nil || al.Rule != audit.RuleBruteForce || al.UserID != "ana" || al.Source != audit.FromWatch {
		t.Fatalf("alert: %+v %v", al, err)
	}
	if pos, _ := f.db.AuditCursor(ctx, store.CursorSignIns); pos != 12 {
		t.Errorf("stored sign-in cursor %d", pos)
	}
	next := runAudit[AccessWatchOutput](t, f, f.a.WatchAccess, AccessWatchInput{AccessAfter: out.AccessAfter, SignInAfter: out.SignInAfter})
	if next.NewEvents != 0 || next.NewSignIns != 0 || len(next.NeedCase) != 0 || next.SignInAfter != 12 {
		t.Fatalf("nothing new: %+v", next)
	}
}

func TestAuditCaseDecisionIsKeptLoggedAndTunesTheRule(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	pair, err := decision.NewPair("test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Add(-time.Hour)
	var last audit.CaseOutcome
	for i := range audit.TuneMinDecisions {
		al := audit.Alert{UserID: "u" + string(rune('a'+i)), Rule: audit.RuleNewWorkstation, Score: 52 + i%3, FirstTime: t0, LastTime: t0, Events: 1, Explanation: "new"}
		saved, err := f.db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{al})
		if err != nil {
			t.Fatal(err)
		}
		id := saved.NeedCase[0].ID
		signed, err := pair.Signer.Sign(audit.DecisionCase, "audit-case-"+id, "po", audit.RolePrivacyOfficer, audit.CaseNote{Disposition: audit.Appropriate, Note: "covering a shift"})
		if err != nil {
			t.Fatal(err)
		}
		last = runAudit[audit.CaseOutcome](t, f, f.a.DecideCase, CaseDecisionInput{AlertID: id, Decision: signed})
		// A retried activity changes nothing more.
		if again := runAudit[audit.CaseOutcome](t, f, f.a.DecideCase, CaseDecisionInput{AlertID: id, Decision: signed}); again.State != last.State || len(again.Changed) != 0 {
			t.Fatalf("retried: %+v", again)
		}
		if last.State != audit.CaseClosed {
			t.Fatalf("state %s", last.State)
		}
		ds, _ := f.db.CaseDecisions(ctx, id)
		if len(ds) != 1 || ds[0].Note != "covering a shift" || ds[0].Actor != "po" {
			t.Fatalf("decisions of %s: %+v", id, ds)
		}
	}
	if last.Tuning == nil || !last.Tuning.Changed() || last.Tuning.To <= last.Tuning.From || len(last.Changed) != 1 {
		t.Fatalf("tuning after %d appropriate alerts: %+v %+v", audit.TuneMinDecisions, last, last.Tuning)
	}
	th, _ := f.db.Thresholds(ctx)
	if th.For(audit.RuleNewWorkstation) != last.Tuning.To {
		t.Errorf("stored threshold %d, want %d", th.For(audit.RuleNewWorkstation), last.Tuning.To)
	}
	hist, _ := f.db.ThresholdHistory(ctx, store.All)
	if len(hist) != 1 || !strings.Contains(hist[0].Reason, "Raised") {
		t.Errorf("history: %+v", hist)
	}
	logged, _ := f.db.AccessEvents(ctx, store.AccessFilter{Action: AccessCaseDecision}, store.All)
	if len(logged) != audit.TuneMinDecisions || logged[0].Username != "po" {
		t.Errorf("case decisions in the PHI access log: %d", len(logged))
	}
}

func TestAuditNotifyNamesNoOneAndRemindersAreRecorded(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	t0 := time.Now().UTC()
	saved, err := f.db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{{UserID: "jsmith", PatientID: "MRN-778812", Rule: audit.RuleFamily, Score: 91, FirstTime: t0, LastTime: t0, Events: 2, Explanation: "same surname"}})
	if err != nil {
		t.Fatal(err)
	}
	id := saved.NeedCase[0].ID
	if !runAudit[bool](t, f, f.a.NotifyCase, NotifyCaseInput{AlertID: id, Kind: NotifyHighScore}) {
		t.Fatal("not sent")
	}
	runAudit[bool](t, f, f.a.NotifyCase, NotifyCaseInput{AlertID: id, Kind: NotifyReminder, Waited: "72h0m0s"})
	if len(f.mail.msgs) != 2 {
		t.Fatalf("%d messages", len(f.mail.msgs))
	}
	for _, m := range f.mail.msgs {
		text := m.Subject + m.Text
		if strings.Contains(text, "jsmith") || strings.Contains(text, "MRN-778812") || !strings.Contains(text, "https://rcmbot.example.org/audit/alerts/"+id) {
			t.Errorf("message: %q", text)
		}
	}
	al, _ := f.db.AlertCase(ctx, id)
	if al.RemindedAt.IsZero() {
		t.Error("the reminder is not recorded")
	}
}

func TestAuditVerifyRaisesAnAlertOnAMismatch(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	skey, vkey, err := auditlog.GenerateKey("rcmbot-audit-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "checkpoints.log")
	f.a.Verify = func(ctx context.Context) (*auditlog.Report, error) {
		trusted, err := auditlog.ReadCheckpoints(path)
		if err != nil {
			return nil, err
		}
		return f.db.VerifyAccessLog(ctx, verifier, trusted)
	}
	// Entries appended while nothing signed checkpoints: nothing outside
	// the database vouches for them.
	for range 3 {
		if _, err := f.db.AppendAccess(ctx, store.AccessEvent{Action: store.AccessViewClaim, Outcome: store.AccessAllowed, Username: "ana"}); err != nil {
			t.Fatal(err)
		}
	}
	bad := runAudit[VerifyLogOutput](t, f, f.a.VerifyAccessLog)
	if bad.OK || bad.Problems == 0 || !bad.NeedCase || bad.AlertID == "" {
		t.Fatalf("unvouched log: %+v", bad)
	}
	al, _ := f.db.AlertCase(ctx, bad.AlertID)
	if al.Rule != audit.RuleLogTampered || al.Score != 100 || al.Source != audit.FromVerify {
		t.Fatalf("alert: %+v", al)
	}
	// Signed from here on: the next entry's checkpoint covers the whole log.
	f.db.SetAuditSigner(signer, auditlog.NewCheckpointFile(path))
	if _, err := f.db.AppendAccess(ctx, store.AccessEvent{Action: store.AccessViewClaim, Outcome: store.AccessAllowed, Username: "ana"}); err != nil {
		t.Fatal(err)
	}
	good := runAudit[VerifyLogOutput](t, f, f.a.VerifyAccessLog)
	if !good.OK || good.Size != 4 || good.AlertID != "" {
		t.Fatalf("checkpointed log: %+v", good)
	}
	f.a.Verify = nil
	if _, err := f.env.ExecuteActivity(f.a.VerifyAccessLog); err == nil || !strings.Contains(err.Error(), "RCMBOT_AUDIT_VERIFIER_KEY") {
		t.Fatalf("without a key: %v", err)
	}
}
