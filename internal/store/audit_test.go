package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestAuditImportKeepsEventsAndSealsRosters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		db := e.db
		ctx := context.Background()
		dir := store.AuditDirectory{
			Staff:      []audit.Staff{{UserID: "u1", LastName: "Okafor", Department: "ED", Role: "nurse", HireDate: claim.DateOf(time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)), ShiftStart: audit.NoClock, ShiftEnd: audit.NoClock}},
			Patients:   []audit.Patient{{PatientID: "p1", LastName: "Quillfeather", Address: "1 Elm St", VIP: true}},
			Encounters: []audit.Encounter{{PatientID: "p1", UserID: "u1", Department: "ED", Kind: audit.KindAppointment, Start: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}},
		}
		imp, err := db.BeginAuditImport(ctx, store.AuditImport{Label: "March"}, dir)
		check(t, err)
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		evs := []audit.Event{{Time: t0.Add(time.Minute), UserID: "u1", PatientID: "p1", Action: audit.ActionView, IP: "10.0.0.1"},
			{Time: t0, UserID: "u1", Action: audit.ActionSearch}}
		check(t, db.AppendAuditEvents(ctx, imp.ID, 1, evs))
		check(t, db.AppendAuditEvents(ctx, imp.ID, 1, evs)) // a retried chunk
		imp.Events, imp.First, imp.Last = 2, t0, t0.Add(time.Minute)
		imp.BadRows, imp.RowErrors = 1, []audit.RowError{{File: "access.csv", Row: 4, Column: "time", Reason: "not a time"}}
		check(t, db.FinishAuditImport(ctx, imp))

		var got []audit.Event
		check(t, db.EachAuditEvent(ctx, time.Time{}, time.Time{}, func(e audit.Event) error { got = append(got, e); return nil }))
		if len(got) != 2 || !got[0].Time.Equal(t0) || got[1].PatientID != "p1" || got[1].Action != audit.ActionView || got[1].IP != "10.0.0.1" {
			t.Fatalf("events: %+v", got)
		}
		n, err := db.AuditEventCount(ctx, t0.Add(time.Second), t0.Add(time.Hour))
		check(t, err)
		if n != 1 {
			t.Fatalf("count %d", n)
		}
		byPatient, err := db.AuditEventsOf(ctx, "p1", false, store.Page{})
		check(t, err)
		if len(byPatient) != 1 {
			t.Fatalf("patient's accesses: %+v", byPatient)
		}
		list, err := db.AuditImports(ctx, store.Page{})
		check(t, err)
		if len(list) != 1 || list[0].Events != 2 || list[0].Staff != 1 || list[0].BadRows != 1 || len(list[0].RowErrors) != 1 || list[0].RowErrors[0].Column != "time" {
			t.Fatalf("imports: %+v", list)
		}
		back, err := db.LatestAuditDirectory(ctx)
		check(t, err)
		if len(back.Patients) != 1 || back.Patients[0].LastName != "Quillfeather" || !back.Patients[0].VIP || back.Staff[0].ShiftStart != audit.NoClock || len(back.Encounters) != 1 {
			t.Fatalf("directory: %+v", back)
		}
		var raw string
		if err := e.raw.Get(&raw, "SELECT directory FROM audit_imports"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, "Quillfeather") || !strings.HasPrefix(raw, "enc1:") {
			t.Fatal("the rosters are stored in plaintext")
		}
	})
}

func TestAuditAlertsCasesAndThresholds(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		db := e.db
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		al := audit.Alert{UserID: "u1", PatientID: "p1", Rule: audit.RuleVIP, Score: 60, FirstTime: t0, LastTime: t0.Add(time.Hour), Events: 3, Explanation: "VIP"}
		saved, err := db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{al})
		check(t, err)
		if saved.Created != 1 || len(saved.NeedCase) != 1 {
			t.Fatalf("saved: %+v", saved)
		}
		id := saved.NeedCase[0].ID
		// Found again, wider: the same alert, still asking for a case
		// until one starts.
		al2 := al
		al2.LastTime, al2.Events, al2.Score = t0.Add(2*time.Hour), 5, 55
		saved, err = db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{al2})
		check(t, err)
		if saved.Created != 0 || saved.Updated != 1 || len(saved.NeedCase) != 1 || saved.NeedCase[0].ID != id {
			t.Fatalf("saved again: %+v", saved)
		}
		check(t, db.MarkCaseStarted(ctx, id))
		saved, err = db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{al2})
		check(t, err)
		if len(saved.NeedCase) != 0 {
			t.Fatalf("a started case is asked for again: %+v", saved)
		}
		a, err := db.AlertCase(ctx, id)
		check(t, err)
		if a.Score != 60 || a.Events != 5 || !a.LastTime.Equal(t0.Add(2*time.Hour)) || !a.FirstTime.Equal(t0) || a.State != audit.CaseOpen {
			t.Fatalf("alert: %+v", a)
		}

		a, err = db.DecideCase(ctx, audit.CaseDecision{AlertID: id, DecisionID: "d1", Disposition: audit.Escalate, Note: "ask HR about Quillfeather", Actor: "po", Role: "privacy_officer"})
		check(t, err)
		if a.State != audit.CaseEscalated {
			t.Fatalf("after escalate: %s", a.State)
		}
		a, err = db.DecideCase(ctx, audit.CaseDecision{AlertID: id, DecisionID: "d1", Disposition: audit.Escalate, Actor: "po"})
		check(t, err)
		if a.State != audit.CaseEscalated {
			t.Fatalf("a repeated decision moved the case: %s", a.State)
		}
		a, err = db.DecideCase(ctx, audit.CaseDecision{AlertID: id, DecisionID: "d2", Disposition: audit.Inappropriate, Note: "confirmed", Actor: "po"})
		check(t, err)
		if a.State != audit.CaseClosed || a.Disposition != audit.Inappropriate || a.DecidedBy != "po" {
			t.Fatalf("closed: %+v", a)
		}
		if _, err := db.DecideCase(ctx, audit.CaseDecision{AlertID: id, DecisionID: "d3", Disposition: audit.Appropriate, Actor: "po"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("deciding a closed case: %v", err)
		}
		ds, err := db.CaseDecisions(ctx, id)
		check(t, err)
		if len(ds) != 2 || ds[0].Note != "ask HR about Quillfeather" || ds[1].N != 2 || ds[1].State != audit.CaseClosed {
			t.Fatalf("decisions: %+v", ds)
		}
		var raw string
		if err := e.raw.Get(&raw, "SELECT note FROM audit_case_decisions WHERE n = 1"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, "Quillfeather") {
			t.Fatal("a case note is stored in plaintext")
		}
		// After the case closed, a later finding opens a new alert; an
		// overlapping one does not.
		saved, err = db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{al})
		check(t, err)
		if saved.Created != 0 {
			t.Fatalf("an overlapping finding opened a new alert: %+v", saved)
		}
		later := al
		later.FirstTime, later.LastTime = t0.Add(48*time.Hour), t0.Add(49*time.Hour)
		saved, err = db.SaveAlerts(ctx, audit.FromWatch, []audit.Alert{later})
		check(t, err)
		if saved.Created != 1 || saved.NeedCase[0].ID == id {
			t.Fatalf("a later finding: %+v", saved)
		}
		open, err := db.AlertCases(ctx, store.AlertFilter{States: []audit.CaseState{audit.CaseOpen}}, store.Page{})
		check(t, err)
		if len(open) != 1 || open[0].Source != audit.FromWatch {
			t.Fatalf("open alerts: %+v", open)
		}
		tune, err := db.TuningDecisions(ctx)
		check(t, err)
		if len(tune) != 1 || tune[0] != (audit.Decision{Rule: audit.RuleVIP, Score: 60, Disposition: audit.Inappropriate}) {
			t.Fatalf("tuning decisions: %+v", tune)
		}

		th, err := db.Thresholds(ctx)
		check(t, err)
		if th.For(audit.RuleVIP) != audit.DefaultThreshold {
			t.Fatalf("default threshold: %d", th.For(audit.RuleVIP))
		}
		check(t, db.ApplyThresholdChanges(ctx, []audit.ThresholdChange{
			{Rule: audit.RuleVIP, From: 50, To: 62, Reviewed: 12, Appropriate: 10, Confirmed: 2, Reason: "Raised"},
			{Rule: audit.RuleSelf, From: 50, To: 50, Reviewed: 3, Reason: "Kept"},
		}, t0))
		th, err = db.Thresholds(ctx)
		check(t, err)
		if th.For(audit.RuleVIP) != 62 || th.For(audit.RuleSelf) != audit.DefaultThreshold {
			t.Fatalf("tuned thresholds: %v", th)
		}
		hist, err := db.ThresholdHistory(ctx, store.Page{})
		check(t, err)
		if len(hist) != 1 || hist[0].To != 62 || hist[0].Reason != "Raised" || !hist[0].At.Equal(t0) {
			t.Fatalf("history: %+v", hist)
		}
	})
}

func TestAuditSignInsCursorsAndBaselines(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		db := e.db
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		for i, k := range []audit.SignInKind{audit.SignInFailure, audit.SignInSuccess, audit.SignInToken} {
			seq, err := db.RecordSignIn(ctx, audit.SignIn{Time: t0.Add(time.Duration(i) * time.Minute), Account: " Ana ", Kind: k, IP: "10.0.0.9", TokenID: "tk"})
			check(t, err)
			if seq != int64(i+1) {
				t.Fatalf("seq %d, want %d", seq, i+1)
			}
		}
		if _, err := db.RecordSignIn(ctx, audit.SignIn{Kind: audit.SignInFailure}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("sign-in without account: %v", err)
		}
		got, err := db.SignIns(ctx, t0.Add(30*time.Second), store.All)
		check(t, err)
		if len(got) != 2 || got[0].Seq != 2 || got[0].Account != "ana" || got[0].Kind != audit.SignInSuccess {
			t.Fatalf("sign-ins: %+v", got)
		}
		last, err := db.LastSignIns(ctx)
		check(t, err)
		if !last["ana"].Equal(t0.Add(2 * time.Minute)) {
			t.Fatalf("last sign-ins: %v", last)
		}
		seq, err := db.LastSignInSeq(ctx)
		check(t, err)
		if seq != 3 {
			t.Fatalf("last seq %d", seq)
		}

		pos, err := db.AuditCursor(ctx, store.CursorSignIns)
		check(t, err)
		if pos != 0 {
			t.Fatalf("fresh cursor %d", pos)
		}
		check(t, db.SetAuditCursor(ctx, store.CursorSignIns, 3))
		check(t, db.SetAuditCursor(ctx, store.CursorSignIns, 7))
		if pos, err = db.AuditCursor(ctx, store.CursorSignIns); err != nil || pos != 7 {
			t.Fatalf("cursor %d, %v", pos, err)
		}

		b, err := db.Baselines(ctx)
		check(t, err)
		if len(b.Users) != 0 {
			t.Fatalf("baselines before any scan: %+v", b)
		}
		check(t, db.SaveBaselines(ctx, &audit.Baselines{From: t0, Users: map[string]*audit.UserBaseline{"ana": {ActiveDays: 4}}}))
		b, err = db.Baselines(ctx)
		check(t, err)
		if b.Users["ana"].ActiveDays != 4 || !b.From.Equal(t0) {
			t.Fatalf("baselines: %+v", b)
		}

		for range 3 {
			_, err := db.AppendAccess(ctx, store.AccessEvent{Action: store.AccessViewClaim, Outcome: store.AccessAllowed, Username: "ana"})
			check(t, err)
		}
		after, err := db.AccessEventsAfter(ctx, 1, 10)
		check(t, err)
		if len(after) != 2 || after[0].Seq != 2 {
			t.Fatalf("access events after 1: %+v", after)
		}
	})
}
