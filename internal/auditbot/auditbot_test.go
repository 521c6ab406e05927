package auditbot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sources writes a small hospital: a nurse with an appointment, a clerk
// terminated on March 1 who opens the VIP's record on March 3, and a bad
// row in the access log.
func sources(t *testing.T) audit.Sources {
	dir := t.TempDir()
	return audit.Sources{
		Staff: write(t, dir, "staff.csv", "user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end\n"+
			"nurse1,Adeyemi,Tola,ED,nurse,1 Oak St,02134,2020-01-01,,07:00,19:00\n"+
			"clerk9,Brandt,Kai,Billing,clerk,9 Elm St,02135,2019-01-01,2026-03-01,,\n"),
		Patients: write(t, dir, "patients.csv", "patient_id,last_name,first_name,dob,address,zip,vip,employee_user_id\n"+
			"p1,Ng,Lee,1980-02-03,5 Pine St,02139,false,\n"+
			"vip,Star,Rae,1975-05-06,1 Hill Rd,02140,true,\n"),
		Encounters: write(t, dir, "encounters.csv", "patient_id,user_id,department,start,end,kind\n"+
			"p1,nurse1,ED,2026-03-02T09:00:00-05:00,2026-03-02T10:00:00-05:00,appointment\n"),
		AccessLog: write(t, dir, "access.csv", "time,user_id,patient_id,action,workstation,ip\n"+
			"2026-03-02T09:30:00-05:00,nurse1,p1,view,ed-1,10.0.0.1\n"+
			"not a time,nurse1,p1,view,ed-1,10.0.0.1\n"+
			"2026-03-03T22:10:00-05:00,clerk9,vip,view,bill-3,10.0.0.9\n"),
	}
}

func TestImportStoresEverythingReadableAndNamesTheBadRows(t *testing.T) {
	db := storetest.Open(t)
	s := &Service{DB: db}
	ctx := context.Background()
	res, err := s.Import(ctx, sources(t), "March", "po")
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 2 || res.Staff != 2 || res.Patients != 2 || res.Encounters != 1 || len(res.Errors) != 1 || res.ScanID != "" {
		t.Fatalf("import: %+v", res)
	}
	if e := res.Errors[0]; e.File != "access.csv" || e.Row != 3 || e.Column != "time" || strings.Contains(e.Error(), "not a time") {
		t.Errorf("bad row: %+v (%s)", e, e.Error())
	}
	imps, _ := db.AuditImports(ctx, store.All)
	if len(imps) != 1 || imps[0].Events != 2 || imps[0].BadRows != 1 || imps[0].Label != "March" {
		t.Fatalf("imports: %+v", imps)
	}
	// A file that cannot be read stores nothing.
	bad := sources(t)
	bad.AccessLog = write(t, t.TempDir(), "access.csv", "when,who\n1,2\n")
	if _, err := s.Import(ctx, bad, "", "po"); !fault.Is(err, fault.Invalid) {
		t.Fatalf("an access log without its columns: %v", err)
	}
	if imps, _ := db.AuditImports(ctx, store.All); len(imps) != 1 {
		t.Errorf("a refused import was stored: %d imports", len(imps))
	}
	if _, err := s.StartScan(ctx, ""); !fault.Is(err, fault.Unavailable) {
		t.Errorf("a scan without Temporal: %v", err)
	}

	// The per-patient report says why each access happened.
	rep, err := s.PatientReport(ctx, "p1")
	if err != nil || len(rep) != 1 || !strings.HasPrefix(rep[0].Why, "Explained") {
		t.Fatalf("p1's report: %+v %v", rep, err)
	}
	rep, err = s.PatientReport(ctx, "vip")
	if err != nil || len(rep) != 1 || rep[0].UserID != "clerk9" || !strings.Contains(rep[0].Why, "no alert") {
		t.Fatalf("the VIP's report before any scan: %+v %v", rep, err)
	}
	al := audit.Alert{UserID: "clerk9", PatientID: "vip", Rule: audit.RuleVIP, Score: 70, FirstTime: rep[0].Time, LastTime: rep[0].Time, Events: 1, Explanation: "VIP"}
	saved, _ := db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{al})
	if _, err := db.DecideCase(ctx, audit.CaseDecision{AlertID: saved.NeedCase[0].ID, DecisionID: "d1", Disposition: audit.Inappropriate, Note: "n", Actor: "po"}); err != nil {
		t.Fatal(err)
	}
	rep, _ = s.PatientReport(ctx, "vip")
	if !strings.Contains(rep[0].Why, "found it inappropriate") {
		t.Errorf("the VIP's report after the case: %q", rep[0].Why)
	}

	review, err := s.UserReview(ctx, time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var clerk *reports.AccountReview
	for i := range review {
		if review[i].UserID == "clerk9" {
			clerk = &review[i]
		}
	}
	if clerk == nil || clerk.Action != reports.ActionRevokeEHR {
		t.Fatalf("user review: %+v", review)
	}

	v, err := s.Alert(ctx, saved.NeedCase[0].ID)
	if err != nil || len(v.Timeline) != 1 || v.Timeline[0].Source != "EHR" || len(v.Decisions) != 1 || v.Threshold != audit.DefaultThreshold {
		t.Fatalf("alert view: %+v %v", v, err)
	}
	if _, err := s.Alert(ctx, "al-nope"); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown alert: %v", err)
	}
}

func TestMonthlyReviewAndItsWorkbookAndPDF(t *testing.T) {
	db := storetest.Open(t)
	s := &Service{DB: db}
	ctx := context.Background()
	now := time.Now().UTC()
	for _, r := range []audit.RuleID{audit.RuleVIP, audit.RuleVIP, audit.RuleBruteForce} {
		if _, err := db.SaveAlerts(ctx, audit.FromScan, []audit.Alert{{UserID: "u-" + string(r) + now.String(), Rule: r, Score: 60, FirstTime: now, LastTime: now, Events: 1, Explanation: "x"}}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	open, _ := db.AlertCases(ctx, store.AlertFilter{Rule: audit.RuleBruteForce}, store.All)
	if _, err := db.DecideCase(ctx, audit.CaseDecision{AlertID: open[0].ID, DecisionID: "d", Disposition: audit.Appropriate, Actor: "po", At: open[0].CreatedAt.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordSignIn(ctx, audit.SignIn{Account: "ana", Kind: audit.SignInFailure}); err != nil {
		t.Fatal(err)
	}
	r, err := s.MonthlyReview(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.Alerts != 3 || r.AlertsByRule[audit.RuleVIP] != 2 || r.Closed != 1 || r.Open != 2 || r.Dispositions[audit.Appropriate] != 1 ||
		r.FailedSignIns != 1 || r.MedianHoursToClose < 2.99 || r.MedianHoursToClose > 3.01 {
		t.Fatalf("review: %+v", r)
	}
	var x bytes.Buffer
	if err := reports.WriteReviewXLSX(&x, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Alerts by rule")
	if len(rows) != 3 || rows[1][0] != "VIP" || rows[1][1] != "2" {
		t.Errorf("alerts by rule sheet: %v", rows)
	}
	var p bytes.Buffer
	if err := reports.WriteReviewPDF(&p, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.Bytes(), []byte("%PDF-")) || p.Len() < 1000 {
		t.Errorf("pdf: %d bytes", p.Len())
	}
}
