package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/eligibilitybot"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/workflows"
)

// rosterDate is the date of the committed roster fixtures.
var rosterDate = claim.MustDate("2026-03-02")

// eligibilityService builds the stack's eligibility front door, as
// `rcmbot dev` does.
func eligibilityService(t testing.TB, s *Stack) *eligibilitybot.Service {
	t.Helper()
	svc, err := bots.EligibilityService(bots.Env{Config: s.Config, DB: s.DB, Ring: s.Ring, Log: s.Log}, s.Client)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// fixtureOutcome is, for each Expected Outcome of the roster fixture, the
// stored status after the sweep, the discrepancy the check must flag (""
// none) and the work item's reason code ("" none).
var fixtureOutcome = map[string]struct {
	status eligibility.CheckStatus
	flag   eligibility.DiscrepancyKind
	work   string
}{
	"active":          {eligibility.CheckActive, "", ""},
	"dependent":       {eligibility.CheckActive, "", ""},
	"high_deductible": {eligibility.CheckActive, eligibility.HighDeductible, ""},
	"other_payer":     {eligibility.CheckActive, eligibility.OtherCoverage, ""},
	"id_changed":      {eligibility.CheckActive, eligibility.MemberIDMismatch, ""},
	"name_mismatch":   {eligibility.CheckActive, eligibility.NameMismatch, ""},
	"dob_mismatch":    {eligibility.CheckActive, eligibility.DOBMismatch, ""},
	"inactive":        {eligibility.CheckInactive, eligibility.InactiveCoverage, ""},
	"not_found":       {eligibility.CheckUnknownMember, eligibility.UnknownMember, "75"},
	"invalid_id":      {eligibility.CheckUnknownMember, eligibility.UnknownMember, "72"},
	"wrong_payer":     {eligibility.CheckUnknownMember, eligibility.UnknownMember, "75"},
	"unavailable":     {eligibility.CheckPending, "", "unanswered"},
}

// TestEligibilitySweepEndToEnd imports the roster fixture, sweeps
// 2026-03-02 on a real Temporal server with the real workers against the
// payer simulator, and checks every row's outcome against the fixture's
// Expected Outcome column, the work items, the worklist (problems first),
// the encrypted raw answers, and that a claim scrubbed afterwards for the
// inactive member gets the eligibility finding while an active member's
// claim does not.
func TestEligibilitySweepEndToEnd(t *testing.T) {
	s := Start(t, Options{AsOf: rosterDate.AddDays(1)})
	ctx := context.Background()
	svc := eligibilityService(t, s)
	// Members whose payer always answers AAA 42 are asked in a second
	// round two seconds later (instead of after the payer's minute), then
	// kept as pending.
	svc.SweepTuning = workflows.EligibilitySweepInput{Rounds: 2, MaxRoundDelay: 2 * time.Second, ChunkSize: 8, Parallel: 3}

	imp, err := svc.ImportRoster(ctx, Fixture("eligibility/roster.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows := sim.FixtureRows(rosterDate)
	if imp.Added != len(rows) || len(imp.Errors) != 0 || !slices.Equal(imp.Dates, []claim.Date{rosterDate}) {
		t.Fatalf("import: %+v", imp)
	}
	id, err := svc.Sweep(ctx, rosterDate)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	p, err := svc.WaitSweep(wctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != eligibility.PhaseCompleted || p.Members != len(rows) || p.Counts.Checked != len(rows) || p.Round != 2 {
		t.Fatalf("sweep: %+v", p)
	}
	saveHistory(t, s, eligibilitybot.SweepWorkflowID(id), "eligibility-sweep")
	sw, results, err := svc.SweepResults(ctx, rosterDate)
	if err != nil {
		t.Fatal(err)
	}
	if sw.ID != id || sw.Status != eligibility.SweepCompleted || len(results) != len(rows) || sw.WorkflowID != eligibilitybot.SweepWorkflowID(id) {
		t.Fatalf("stored sweep %+v with %d results", sw, len(results))
	}

	// Every row reaches its expected outcome.
	byPatient := map[string]store.SweepItem{}
	if err := s.DB.EachSweepItem(ctx, id, func(it store.SweepItem) error { byPatient[it.Appointment.PatientID] = it; return nil }); err != nil {
		t.Fatal(err)
	}
	work := map[string]string{} // patient ID → work item reason
	items, err := s.DB.WorkItems(ctx, store.WorkItemOpen, id, store.All)
	if err != nil {
		t.Fatal(err)
	}
	for _, wi := range items {
		work[wi.PatientID] = wi.ReasonCode
	}
	for _, r := range rows {
		want, ok := fixtureOutcome[r.Expect]
		if !ok {
			t.Fatalf("no expectation for %q", r.Expect)
		}
		it, ok := byPatient[r.PatientID]
		if !ok {
			t.Errorf("%s (%s): not checked", r.PatientID, r.Expect)
			continue
		}
		if it.Status != want.status || (want.flag == "") != (len(it.Flags) == 0) || want.flag != "" && !slices.Contains(it.Flags, string(want.flag)) {
			t.Errorf("%s (%s, payer %s): status %s flags %v, want %s and %q", r.PatientID, r.Expect, r.PayerID, it.Status, it.Flags, want.status, want.flag)
		}
		if work[r.PatientID] != want.work {
			t.Errorf("%s (%s): work item %q, want %q", r.PatientID, r.Expect, work[r.PatientID], want.work)
		}
	}
	if len(items) != len(work) {
		t.Errorf("%d work items for %d patients", len(items), len(work))
	}

	// Raw answers are stored encrypted: the blob holds no member ID.
	var answered store.EligibilityResult
	for _, r := range results {
		if r.Status == eligibility.CheckActive && r.RawRef != "" {
			answered = r
			break
		}
	}
	if answered.ID == "" {
		t.Fatal("no active result with a raw answer")
	}
	ap := byPatient[answered.PatientID].Appointment
	raw, err := os.ReadFile(filepath.Join(s.DataDir, "blobs", filepath.FromSlash(answered.RawRef)))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(ap.MemberID)) || bytes.Contains(bytes.ToUpper(raw), []byte(strings.ToUpper(ap.LastName))) {
		t.Error("the raw payer answer is stored in plaintext")
	}
	if strings.Contains(string(answered.Result), `"raw"`) {
		t.Error("the stored result model still holds the raw answer")
	}

	checkWorklist(t, svc, len(rows))
	checkClaimsSeeCoverage(t, s, rows)
}

// checkWorklist reads the front-desk worklist: one row per check,
// priorities never decreasing, inactive coverage first and the clean
// rows last.
func checkWorklist(t *testing.T, svc *eligibilitybot.Service, n int) {
	t.Helper()
	var buf bytes.Buffer
	if err := svc.WriteWorklist(context.Background(), rosterDate, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Worklist")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || rows[0][0] != "Priority" || rows[0][1] != "Problem" {
		t.Fatalf("worklist has %d rows, header %v", len(rows), rows[0])
	}
	prev := "0"
	var problems []string
	for _, r := range rows[1:] {
		if r[0] < prev {
			t.Fatalf("worklist not problems first: priority %s after %s", r[0], prev)
		}
		prev = r[0]
		if len(problems) == 0 || problems[len(problems)-1] != r[1] {
			problems = append(problems, r[1])
		}
		if r[1] != "OK" && r[2] == "" {
			t.Errorf("problem row %v says nothing to do", r[:4])
		}
	}
	want := []string{"Coverage inactive", "Member not found", "Not verified", "Details differ", "High deductible", "OK"}
	if !slices.Equal(problems, want) {
		t.Errorf("worklist sections %v, want %v", problems, want)
	}
}

// checkClaimsSeeCoverage submits a small claims file through the claims
// bot with a date of service on the swept date: the inactive member's
// claim gets the eligibility finding, the active member's does not.
func checkClaimsSeeCoverage(t *testing.T, s *Stack, rows []sim.FixtureRow) {
	t.Helper()
	var inactive, active sim.FixtureRow
	for _, r := range rows {
		switch {
		case r.Expect == "inactive" && inactive.PatientID == "":
			inactive = r
		case r.Expect == "active" && active.PatientID == "":
			active = r
		}
	}
	csv := "Encounter ID,Acct #,Last Name,First Name,Date of Birth,Sex,Member ID,Group Number,Payor ID,Insurance,Practice Name,Group NPI,EIN,Taxonomy Code,Practice Address,Practice City,Practice State,Practice Zip,Rendering Provider NPI,Referring Provider NPI,Place of Service,Authorization #,Claim Total,Diagnosis Codes,Date of Service,To Date,CPT,Modifiers,Units,Charges,Diagnosis Pointer,NDC\n"
	for i, r := range []sim.FixtureRow{inactive, active} {
		y, m, d := r.DOB.YMD()
		csv += strings.Join([]string{fmt.Sprintf("CLM90000%d", i+1), r.PatientID, r.LastName, r.FirstName,
			fmt.Sprintf("%02d/%02d/%04d", int(m), d, y), "F", r.MemberID, "", r.PayerID, "",
			"Sample Internal Medicine Group", "1765000009", "317654321", "207R00000X", "250 Oak Ave Suite 3", "Exampleton", "OH", "43004",
			"1388000014", "", "11", "", "195.00", "\"E119, I10\"", "03/02/2026", "03/02/2026", "99214", "", "1", "$195.00", "\"1,2\"", ""}, ",") + "\n"
	}
	b, err := s.Claims.SubmitBatch(context.Background(), strings.NewReader(csv), "march.csv", "tester")
	if err != nil {
		t.Fatal(err)
	}
	b = s.WaitStatus(t, b.ID, 2*time.Minute, batch.AwaitingReview, batch.Failed, batch.Completed)
	if b.Status == batch.Failed {
		t.Fatalf("claims batch failed: %s", b.FailureReason)
	}
	findings, err := s.DB.Findings(context.Background(), b.ID, store.FindingFilter{Category: string(scrub.CatEligibility)}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	var claims []string
	for _, f := range findings {
		claims = append(claims, f.ClaimID+":"+f.RuleID)
	}
	if !slices.Equal(claims, []string{"CLM900001:ELIG-001"}) {
		t.Errorf("eligibility findings %v, want only the inactive member's claim CLM900001 (ELIG-001)", claims)
	}
}

// The nightly Schedule is created from bots.Schedules, and triggering it
// (`rcmbot schedules trigger eligibility-nightly`) runs a sweep of the
// next business day in the practice's time zone.
func TestEligibilityNightlyScheduleTrigger(t *testing.T) {
	s := Start(t, Options{})
	ctx := context.Background()
	schedules := bots.Schedules(s.Config)
	if err := temporalx.Apply(ctx, s.Client, s.Config.TimeZone, schedules); err != nil {
		t.Fatal(err)
	}
	sts, err := temporalx.Describe(ctx, s.Client, schedules)
	if err != nil {
		t.Fatal(err)
	}
	loc := s.Config.Location()
	i := slices.IndexFunc(sts, func(st temporalx.ScheduleStatus) bool { return st.ID == bots.EligibilityNightly })
	if i < 0 || len(sts[i].NextRuns) == 0 {
		t.Fatalf("schedules: %+v", sts)
	}
	next := sts[i].NextRuns[0].In(loc)
	if next.Hour() != 2 || next.Minute() != 0 || next.Weekday() == time.Friday || next.Weekday() == time.Saturday {
		t.Errorf("next nightly run at %s, want 02:00 on Sunday to Thursday", next)
	}
	want := workflows.NextBusinessDay(time.Now().In(loc))
	if err := temporalx.Trigger(ctx, s.Client, bots.EligibilityNightly); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		sweeps, err := s.DB.SweepsForDate(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		if len(sweeps) == 1 && sweeps[0].Status == eligibility.SweepCompleted {
			if !strings.HasPrefix(sweeps[0].WorkflowID, bots.EligibilityNightly) {
				t.Errorf("sweep run by %s", sweeps[0].WorkflowID)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no completed sweep for %s after triggering the schedule", want)
}
