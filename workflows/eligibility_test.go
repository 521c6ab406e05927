package workflows

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/blob/blobtest"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// The eligibility workflows run here with their real activities: a real
// SQLite store, the encrypted blob store, and the payer client talking
// over HTTP to the payer simulator. Only the workflow clock is the test
// suite's (time skipping), so retry delays of minutes take no time.

var sweepDate = claim.MustDate("2026-03-02")

type eligFixture struct {
	db   *store.DB
	ring *keyring.Ring
	sim  *sim.PayerSim
	acts *activities.Eligibility
	// asked counts the payer requests per patient (askKey).
	mu    sync.Mutex
	asked map[string]int
	// failOn makes the Nth payer call (1-based, counted over the fixture's
	// life) fail as a broken database connection would, once.
	failOn int
	calls  int
}

// askKey identifies one patient's question to a payer (family members
// and misspelt bookings share member IDs).
func askKey(payerID, memberID, first string, dob claim.Date) string {
	return payerID + "|" + memberID + "|" + first + "|" + dob.String()
}

// Check counts the question and passes it to the real client.
type countingPayer struct {
	f      *eligFixture
	client *payer.Client
}

func (c countingPayer) Check(ctx context.Context, req eligibility.Request) (*eligibility.Result, error) {
	c.f.mu.Lock()
	c.f.asked[askKey(req.PayerID, req.MemberID, req.FirstName, req.DOB)]++
	c.f.calls++
	fail := c.f.calls == c.f.failOn
	c.f.mu.Unlock()
	if fail {
		return nil, errors.New("write result: database connection lost")
	}
	return c.client.Check(ctx, req)
}

// gonePayer is a payer whose eligibility endpoint no longer exists (HTTP 404).
const gonePayer = "GONE1"

func newEligFixture(t *testing.T, cfg sim.PayerConfig) *eligFixture {
	t.Helper()
	db := storetest.Open(t)
	blobs, ring := blobtest.New(t)
	ps, err := sim.NewPayerSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ps)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	yaml := fmt.Sprintf(`payers:
  - {id: "01112", name: Medicare Part B, eligibility: {format: x12, rate_per_second: 200, burst: 20, concurrency: 48}}
  - {id: "60054", name: Aetna, eligibility: {format: json, rate_per_second: 200, burst: 20, concurrency: 48}}
  - {id: "87726", name: UnitedHealthcare, eligibility: {format: json, rate_per_second: 200, burst: 20, concurrency: 48}}
  - {id: "62308", name: Cigna, eligibility: {format: x12, rate_per_second: 200, burst: 20, concurrency: 48}}
  - {id: "SKCO0", name: State Medicaid, eligibility: {format: json, rate_per_second: 200, burst: 20, concurrency: 48}}
  - {id: %q, name: Retired Payer, eligibility: {format: json, url: %q}}
`, gonePayer, srv.URL+"/gone")
	if err := os.WriteFile(filepath.Join(dir, "payers.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	directory, err := payers.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &eligFixture{db: db, ring: ring, sim: ps, asked: map[string]int{}}
	f.acts = &activities.Eligibility{DB: db, Blobs: blobs, Ring: ring, Payers: directory,
		Payer:       countingPayer{f: f, client: payer.New(directory, payer.NewPool(), payer.Options{DefaultURL: srv.URL})},
		ProviderNPI: "1234567893", ProviderName: "Riverside Family Medicine", Rules: eligibility.DefaultRules}
	return f
}

// member returns the simulator's roster member of a profile at a payer.
func (f *eligFixture) member(t *testing.T, p sim.Profile, payerID string) sim.Member {
	t.Helper()
	for _, m := range f.sim.Roster() {
		if m.Profile == p && m.PayerID == payerID {
			return m
		}
	}
	t.Fatalf("no %s member at %s", p, payerID)
	return sim.Member{}
}

// request stores a one-off check request for m.
func (f *eligFixture) request(t *testing.T, m sim.Member) string {
	t.Helper()
	a, err := f.db.AddCheckRequest(context.Background(), store.Appointment{Date: sweepDate, PayerID: m.PayerID, PatientID: "PT-77",
		MemberID: m.ID, LastName: m.LastName, FirstName: m.FirstName, DOB: m.DOB, Source: "rita"})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// checkEnv is a test environment running EligibilityCheck with the real
// activities; starts records when each attempt at the payer began (on the
// workflow clock).
type checkEnv struct {
	*testsuite.TestWorkflowEnvironment
	starts []time.Time
}

func (f *eligFixture) checkEnv() *checkEnv {
	var s testsuite.WorkflowTestSuite
	e := &checkEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	e.RegisterWorkflow(EligibilityCheck)
	e.RegisterActivity(f.acts)
	e.OnActivity(f.acts.CheckEligibility, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.CheckInput) (eligibility.CheckOutcome, error) {
			e.starts = append(e.starts, e.Now())
			return f.acts.CheckEligibility(ctx, in)
		})
	return e
}

func (e *checkEnv) outcome(t *testing.T) eligibility.CheckOutcome {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var out eligibility.CheckOutcome
	if err := e.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// gaps returns the time between consecutive attempts.
func (e *checkEnv) gaps() []time.Duration {
	var out []time.Duration
	for i := 1; i < len(e.starts); i++ {
		out = append(out, e.starts[i].Sub(e.starts[i-1]))
	}
	return out
}

func (f *eligFixture) workItems(t *testing.T, sweepID string) []store.WorkItem {
	t.Helper()
	items, err := f.db.WorkItems(context.Background(), store.WorkItemOpen, sweepID, store.All)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// A 503 with Retry-After: 7 is retried exactly 7 seconds later (the
// activity's NextRetryDelay), then the answer is stored under the member
// key the claims scrubber looks up, with the raw 271 encrypted.
func TestEligibilityCheckHonoursRetryAfter(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	m := f.member(t, sim.ProfileActive, "60054")
	f.sim.SetFaults(sim.Faults{Payer: "60054", FaultPlan: sim.FaultPlan{ServerErrors: 1, RetryAfter: 7}})
	e := f.checkEnv()
	e.ExecuteWorkflow(EligibilityCheck, EligibilityCheckInput{RequestID: f.request(t, m)})
	out := e.outcome(t)
	if out.Status != eligibility.CheckActive || out.WorkItemID != "" {
		t.Fatalf("outcome %+v", out)
	}
	if g := e.gaps(); len(g) != 1 || g[0] != 7*time.Second {
		t.Fatalf("attempt gaps %v, want [7s]", g)
	}
	res, err := f.db.EligibilityResult(context.Background(), out.ResultID)
	if err != nil {
		t.Fatal(err)
	}
	if res.MemberKey != f.ring.Tag("member", "60054|"+m.ID) || res.PatientID != "PT-77" || res.DOS != sweepDate || res.RawRef == "" {
		t.Errorf("stored %+v", res)
	}
	if st := f.sim.Stats()["60054"]; st.ServerErrors != 1 || st.Answered != 1 {
		t.Errorf("simulator saw %+v", st)
	}
}

// A burst of two server errors without Retry-After is ridden out by the
// one retry layer, Temporal's: the retry policy's backoff (1 s, then 2 s),
// then the answer is stored. The payer client itself asks once per
// attempt.
func TestEligibilityCheckRidesOutServerErrors(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	m := f.member(t, sim.ProfileActive, "60054")
	f.sim.SetFaults(sim.Faults{Payer: "60054", FaultPlan: sim.FaultPlan{ServerErrors: 2}})
	e := f.checkEnv()
	e.ExecuteWorkflow(EligibilityCheck, EligibilityCheckInput{RequestID: f.request(t, m)})
	if out := e.outcome(t); out.Status != eligibility.CheckActive {
		t.Fatalf("outcome %+v", out)
	}
	if g := e.gaps(); len(g) != 2 || g[0] != time.Second || g[1] != 2*time.Second {
		t.Fatalf("attempt gaps %v, want [1s 2s]", g)
	}
	if st := f.sim.Stats()["60054"]; st.ServerErrors != 2 || st.Requests != 3 {
		t.Errorf("simulator saw %+v, want 3 requests, 2 of them errors", st)
	}
}

// AAA 42 twice, then an answer: the payer is asked again after one
// minute, then two (the delay doubles), and the answer is stored.
func TestEligibilityCheckUnavailableRetriedLater(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	f.sim.SetFaults(sim.Faults{Payer: "87726", Unavailable: 2})
	e := f.checkEnv()
	e.ExecuteWorkflow(EligibilityCheck, EligibilityCheckInput{RequestID: f.request(t, f.member(t, sim.ProfileInactive, "87726"))})
	out := e.outcome(t)
	if out.Status != eligibility.CheckInactive {
		t.Fatalf("outcome %+v", out)
	}
	if g := e.gaps(); len(g) != 2 || g[0] != time.Minute || g[1] != 2*time.Minute {
		t.Fatalf("attempt gaps %v, want [1m 2m]", g)
	}
}

// A payer that never answers: after MaxAttempts the question is kept as a
// pending result with a work item, and the scrubber sees no coverage.
func TestEligibilityCheckNeverAnswered(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	e := f.checkEnv()
	e.ExecuteWorkflow(EligibilityCheck, EligibilityCheckInput{RequestID: f.request(t, f.member(t, sim.ProfileUnavailable, "62308")), MaxAttempts: 3})
	out := e.outcome(t)
	if out.Status != eligibility.CheckPending || out.WorkItemID == "" || len(e.starts) != 3 {
		t.Fatalf("outcome %+v after %d attempts", out, len(e.starts))
	}
	items := f.workItems(t, "")
	if len(items) != 1 || items[0].ReasonCode != "unanswered" || items[0].ResultID != out.ResultID || items[0].PatientID != "PT-77" {
		t.Fatalf("work items %+v", items)
	}
	res, _ := f.db.EligibilityResult(context.Background(), out.ResultID)
	if _, err := f.db.LatestCoverage(context.Background(), "62308", res.MemberKey, sweepDate); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a pending answer counts as coverage: %v", err)
	}
}

// Permanent refusals are stored once, with a work item, and never retried.
func TestEligibilityCheckPermanentFailures(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	gone := f.member(t, sim.ProfileActive, "60054")
	gone.PayerID = gonePayer
	for _, tc := range []struct {
		name   string
		m      sim.Member
		status eligibility.CheckStatus
		code   string
	}{
		{"AAA 75 not found", f.member(t, sim.ProfileNotFound, "01112"), eligibility.CheckUnknownMember, "75"},
		{"AAA 72 invalid ID", f.member(t, sim.ProfileInvalidID, "60054"), eligibility.CheckUnknownMember, "72"},
		{"HTTP 404", gone, eligibility.CheckError, "http_404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := f.checkEnv()
			e.ExecuteWorkflow(EligibilityCheck, EligibilityCheckInput{RequestID: f.request(t, tc.m)})
			out := e.outcome(t)
			if out.Status != tc.status || out.WorkItemID == "" || len(e.starts) != 1 {
				t.Fatalf("outcome %+v after %d attempts", out, len(e.starts))
			}
			var wi *store.WorkItem
			for _, it := range f.workItems(t, "") {
				if it.ID == out.WorkItemID {
					wi = &it
				}
			}
			if wi == nil || wi.ReasonCode != tc.code || wi.Kind != eligibility.WorkItemKind || wi.PayerID != tc.m.PayerID {
				t.Fatalf("work item %+v", wi)
			}
			for _, phi := range []string{tc.m.ID, tc.m.LastName, tc.m.FirstName} {
				if strings.Contains(strings.ToLower(wi.Message), strings.ToLower(phi)) {
					t.Errorf("work item message %q carries patient data", wi.Message)
				}
			}
		})
	}
}

// A request that is not in the store fails the workflow without asking
// any payer or inventing a result.
func TestEligibilityCheckUnknownRequest(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	e := f.checkEnv()
	e.ExecuteWorkflow(EligibilityCheck, EligibilityCheckInput{RequestID: "ck-missing"})
	var app *temporal.ApplicationError
	if err := e.GetWorkflowError(); !errors.As(err, &app) || app.Type() != activities.ErrCheckRequest {
		t.Fatalf("workflow error %v", err)
	}
	if len(e.starts) != 1 || len(f.asked) != 0 {
		t.Errorf("%d attempts, payer asked %v", len(e.starts), f.asked)
	}
}

// importFixture stores the roster fixture's appointments of sweepDate,
// plus extra rows.
func (f *eligFixture) importFixture(t *testing.T, extra ...store.Appointment) []sim.FixtureRow {
	t.Helper()
	rows := sim.FixtureRows(sweepDate)
	var appts []store.Appointment
	for i, r := range rows {
		appts = append(appts, store.Appointment{Date: r.Appointment, PayerID: r.PayerID, PatientID: r.PatientID, MemberID: r.MemberID,
			LastName: r.LastName, FirstName: r.FirstName, DOB: r.DOB, Source: "roster.csv", SourceRow: i + 2})
	}
	if _, err := f.db.ReplaceRoster(context.Background(), append(appts, extra...)); err != nil {
		t.Fatal(err)
	}
	return rows
}

// sweepEnv runs EligibilitySweep with the real activities, recording each
// chunk's input, when it started, and how many chunks ran at once.
type sweepEnv struct {
	*testsuite.TestWorkflowEnvironment
	mu          sync.Mutex
	chunks      []activities.SweepChunk
	starts      []time.Time
	running     int
	maxRunning  int
	chunkErrors int
}

func (f *eligFixture) sweepEnv() *sweepEnv {
	var s testsuite.WorkflowTestSuite
	e := &sweepEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	e.RegisterWorkflow(EligibilitySweep)
	e.RegisterActivity(f.acts)
	e.OnActivity(f.acts.CheckSweepChunk, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SweepChunk) (activities.ChunkResult, error) {
			e.mu.Lock()
			e.chunks = append(e.chunks, in)
			e.starts = append(e.starts, e.Now())
			e.running++
			e.maxRunning = max(e.maxRunning, e.running)
			e.mu.Unlock()
			r, err := f.acts.CheckSweepChunk(ctx, in)
			e.mu.Lock()
			e.running--
			if err != nil {
				e.chunkErrors++
			}
			e.mu.Unlock()
			return r, err
		})
	return e
}

func (e *sweepEnv) progress(t *testing.T) eligibility.SweepProgress {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var p eligibility.SweepProgress
	if err := e.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// The fixture roster plus a second appointment of one member: 51
// appointments, 50 checks. Chunks of 4 run at most 3 at a time; the five
// members whose payer always answers AAA 42 are asked again in rounds 2
// and 3, each after the payers' largest delay (one minute), and then kept
// as pending with a work item; AAA 72/75 get work items at once.
func TestEligibilitySweepDedupesBoundsFanOutAndRetriesInRounds(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	rows := f.importFixture(t)
	twice := rows[0]
	f.importFixture(t, store.Appointment{Date: sweepDate, PayerID: twice.PayerID, PatientID: twice.PatientID, MemberID: twice.MemberID,
		LastName: twice.LastName, FirstName: twice.FirstName, DOB: twice.DOB, Source: "roster.csv", SourceRow: 99})
	e := f.sweepEnv()
	var mid eligibility.SweepProgress
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryProgress)
		if err == nil {
			err = v.Get(&mid)
		}
		if err != nil {
			t.Errorf("progress query: %v", err)
		}
	}, 30*time.Second)
	e.ExecuteWorkflow(EligibilitySweep, EligibilitySweepInput{SweepID: "sw-t1", Date: sweepDate, ChunkSize: 4, Parallel: 3, Rounds: 3})
	p := e.progress(t)

	if p.Status != eligibility.PhaseCompleted || p.Appointments != 51 || p.Members != 50 || p.Round != 3 {
		t.Fatalf("progress %+v", p)
	}
	want := fixtureCounts(rows)
	if p.Counts != want {
		t.Errorf("counts %+v\nwant   %+v", p.Counts, want)
	}
	if p.Checked != 50 || p.Unanswered != 5 || p.Flagged != p.Counts.Members-p.Counts.Active+countActiveFlagged(t, f, "sw-t1") {
		t.Errorf("tally %+v", p.SweepTally)
	}
	if mid.Status != eligibility.PhaseWaiting || mid.Round != 1 || mid.Retrying != 5 || mid.Checked != 45 {
		t.Errorf("progress while waiting: %+v", mid)
	}

	// Fan-out: 13 chunks in round 1, never more than 3 at once; then the
	// five retries in chunks of 4 per round, each round a minute after
	// the one before (the largest delay the payers asked for).
	rounds := map[int][]activities.SweepChunk{}
	first := map[int]time.Time{}
	for i, c := range e.chunks {
		if len(rounds[c.Round]) == 0 {
			first[c.Round] = e.starts[i]
		}
		rounds[c.Round] = append(rounds[c.Round], c)
	}
	if len(rounds[1]) != 13 || e.maxRunning > 3 || e.maxRunning < 2 {
		t.Errorf("%d round-1 chunks, at most %d at once", len(rounds[1]), e.maxRunning)
	}
	for r := 2; r <= 3; r++ {
		cs := rounds[r]
		if len(cs) != 2 || len(cs[0].Seqs)+len(cs[1].Seqs) != 5 || cs[0].Final != (r == 3) || cs[1].Final != (r == 3) {
			t.Fatalf("round %d chunks %+v", r, cs)
		}
		if gap := first[r].Sub(first[r-1]); gap != time.Minute {
			t.Errorf("round %d started %s after round %d, want 1m", r, gap, r-1)
		}
	}

	// Each member asked once (the twice-booked one too), AAA 42 ones three times.
	for _, r := range rows {
		want := 1
		if r.Expect == string(sim.ProfileUnavailable) {
			want = 3
		}
		if got := f.asked[askKey(r.PayerID, r.MemberID, r.FirstName, r.DOB)]; got != want {
			t.Errorf("%s member (%s) asked %d times, want %d", r.Expect, r.PatientID, got, want)
		}
	}
	items, err := f.db.SweepChecks(context.Background(), "sw-t1", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	for _, it := range items {
		if it.Appointment.MemberID == twice.MemberID {
			shared = it.Appointments
		}
	}
	if shared != 2 {
		t.Errorf("the twice-booked member's check covers %d appointments", shared)
	}
	// Round-robin plan: the first checks go to different payers in turn.
	if items[0].PayerID == items[1].PayerID || items[1].PayerID == items[2].PayerID {
		t.Errorf("plan does not interleave payers: %s %s %s", items[0].PayerID, items[1].PayerID, items[2].PayerID)
	}

	codes := map[string]int{}
	for _, wi := range f.workItems(t, "sw-t1") {
		codes[wi.ReasonCode]++
	}
	if codes["75"] != 6 || codes["72"] != 5 || codes["unanswered"] != 5 || len(codes) != 3 {
		t.Errorf("work items by reason: %v", codes)
	}
	sw, err := f.db.Sweep(context.Background(), "sw-t1")
	if err != nil {
		t.Fatal(err)
	}
	if sw.Status != eligibility.SweepCompleted || sw.WorklistRef == "" || sw.Counts != want || sw.CompletedAt.IsZero() {
		t.Errorf("stored sweep %+v", sw)
	}
}

// fixtureStatus is the status each fixture outcome ends in after the
// last round, and whether it differs from the file (a discrepancy).
var fixtureStatus = map[string]struct {
	status  eligibility.CheckStatus
	differs bool
}{
	"active": {eligibility.CheckActive, false}, "dependent": {eligibility.CheckActive, false},
	"high_deductible": {eligibility.CheckActive, true}, "other_payer": {eligibility.CheckActive, true},
	"id_changed": {eligibility.CheckActive, true}, "name_mismatch": {eligibility.CheckActive, true},
	"dob_mismatch": {eligibility.CheckActive, true}, "inactive": {eligibility.CheckInactive, true},
	"not_found": {eligibility.CheckUnknownMember, true}, "invalid_id": {eligibility.CheckUnknownMember, true},
	"wrong_payer": {eligibility.CheckUnknownMember, true}, "unavailable": {eligibility.CheckPending, false},
}

// fixtureCounts are the sweep counts the fixture rows should come to.
func fixtureCounts(rows []sim.FixtureRow) eligibility.SweepCounts {
	var c eligibility.SweepCounts
	for _, r := range rows {
		x := fixtureStatus[r.Expect]
		c.Members++
		c.Checked++
		switch x.status {
		case eligibility.CheckActive:
			c.Active++
		case eligibility.CheckInactive:
			c.Inactive++
		case eligibility.CheckUnknownMember:
			c.Unknown++
		default:
			c.Failed++
		}
		if x.differs {
			c.Discrepancies++
		}
	}
	return c
}

// countActiveFlagged counts active checks that still differ from the file
// (they are flagged too).
func countActiveFlagged(t *testing.T, f *eligFixture, sweepID string) int {
	t.Helper()
	n := 0
	err := f.db.EachSweepItem(context.Background(), sweepID, func(it store.SweepItem) error {
		if it.Status == eligibility.CheckActive && len(it.Flags) > 0 {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A chunk that fails midway (here: the database connection drops on the
// 47th payer call, after the five AAA 42 members were set aside) is
// retried by Temporal and resumes from its heartbeat: answers already
// stored are not asked again, and members set aside for a later round
// stay set aside.
func TestEligibilitySweepChunkResumesAfterFailure(t *testing.T) {
	f := newEligFixture(t, sim.PayerConfig{})
	rows := f.importFixture(t)
	f.acts.ChunkConcurrency = 1 // one check at a time: the failure point is exact
	f.failOn = 47
	e := f.sweepEnv()
	e.ExecuteWorkflow(EligibilitySweep, EligibilitySweepInput{SweepID: "sw-t2", Date: sweepDate, ChunkSize: 50, Parallel: 1, Rounds: 2})
	p := e.progress(t)
	if e.chunkErrors != 1 || p.Counts.Checked != 50 || p.Counts.Failed != 5 {
		t.Fatalf("%d chunk failures, counts %+v", e.chunkErrors, p.Counts)
	}
	var order []store.SweepItem
	check := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	check(f.db.EachSweepItem(context.Background(), "sw-t2", func(it store.SweepItem) error { order = append(order, it); return nil }))
	hit := order[46].Appointment // the 47th check asked
	failed := askKey(hit.PayerID, hit.MemberID, hit.FirstName, hit.DOB)
	for _, r := range rows {
		want := 1
		switch {
		case r.Expect == string(sim.ProfileUnavailable):
			want = 2 // once per round, however often the chunk restarted
		case askKey(r.PayerID, r.MemberID, r.FirstName, r.DOB) == failed:
			want = 2 // the call that failed, then the resumed one
		}
		if got := f.asked[askKey(r.PayerID, r.MemberID, r.FirstName, r.DOB)]; got != want {
			t.Errorf("%s member (%s) asked %d times, want %d", r.Expect, r.PatientID, got, want)
		}
	}
}

func TestNextBusinessDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ at, want string }{
		{"2026-03-02T02:00:00", "2026-03-03"}, // Monday → Tuesday
		{"2026-03-05T02:00:00", "2026-03-06"}, // Thursday → Friday
		{"2026-03-06T02:00:00", "2026-03-09"}, // Friday → Monday
		{"2026-03-07T02:00:00", "2026-03-09"}, // Saturday → Monday
		{"2026-03-08T02:00:00", "2026-03-09"}, // Sunday → Monday
		{"2026-12-31T23:59:00", "2027-01-01"}, // year end (holidays are not known)
	} {
		at, err := time.ParseInLocation("2006-01-02T15:04:05", tc.at, ny)
		if err != nil {
			t.Fatal(err)
		}
		if got := NextBusinessDay(at); got != claim.MustDate(tc.want) {
			t.Errorf("NextBusinessDay(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

// Without a date the sweep checks the next business day after the run's
// start in the practice's time zone: a run at Thursday 23:30 in Los
// Angeles (already Friday in UTC) checks Friday, and a Friday run checks
// Monday.
func TestEligibilitySweepDefaultsToNextBusinessDay(t *testing.T) {
	for _, tc := range []struct {
		start time.Time
		zone  string
		want  string
	}{
		{time.Date(2026, 3, 6, 7, 30, 0, 0, time.UTC), "America/Los_Angeles", "2026-03-06"},
		{time.Date(2026, 3, 6, 7, 30, 0, 0, time.UTC), "UTC", "2026-03-09"},
		{time.Date(2026, 3, 6, 7, 0, 0, 0, time.UTC), "America/New_York", "2026-03-09"},
	} {
		f := newEligFixture(t, sim.PayerConfig{})
		e := f.sweepEnv()
		e.SetStartTime(tc.start)
		e.ExecuteWorkflow(EligibilitySweep, EligibilitySweepInput{TimeZone: tc.zone})
		p := e.progress(t)
		if p.Date != claim.MustDate(tc.want) || p.Members != 0 || p.Status != eligibility.PhaseCompleted || p.SweepID == "" {
			t.Errorf("start %s in %s: %+v, want date %s", tc.start, tc.zone, p, tc.want)
		}
	}
	f := newEligFixture(t, sim.PayerConfig{})
	e := f.sweepEnv()
	e.ExecuteWorkflow(EligibilitySweep, EligibilitySweepInput{TimeZone: "Mars/Olympus"})
	if err := e.GetWorkflowError(); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}

// Large sweeps grow their chunks so one round never has more than
// MaxChunks activities: history stays bounded without continue-as-new.
func TestSweepChunksBoundHistory(t *testing.T) {
	w := &sweep{in: EligibilitySweepInput{}.withDefaults()}
	for _, tc := range []struct{ members, chunks, size int }{
		{0, 0, 50}, {49, 1, 50}, {5000, 100, 50}, {25_000, 500, 50}, {100_000, 500, 200}, {100_001, 498, 201},
	} {
		cs := w.firstRound(tc.members)
		covered := 0
		for i, c := range cs {
			if c.From != covered || c.To-c.From > tc.size || c.To <= c.From {
				t.Fatalf("%d members: chunk %d is %d..%d", tc.members, i, c.From, c.To)
			}
			covered = c.To
		}
		if len(cs) != tc.chunks || covered != tc.members || len(cs) > MaxChunks {
			t.Errorf("%d members: %d chunks covering %d, want %d", tc.members, len(cs), covered, tc.chunks)
		}
	}
}

// importAnswerable stores the fixture rows whose payer answers (no AAA 42
// members), so the only retries are the faults a test injects.
func (f *eligFixture) importAnswerable(t *testing.T) []sim.FixtureRow {
	t.Helper()
	var rows []sim.FixtureRow
	var appts []store.Appointment
	for i, r := range sim.FixtureRows(sweepDate) {
		if r.Expect == string(sim.ProfileUnavailable) {
			continue
		}
		rows = append(rows, r)
		appts = append(appts, store.Appointment{Date: r.Appointment, PayerID: r.PayerID, PatientID: r.PatientID, MemberID: r.MemberID,
			LastName: r.LastName, FirstName: r.FirstName, DOB: r.DOB, Source: "roster.csv", SourceRow: i + 2})
	}
	if _, err := f.db.ReplaceRoster(context.Background(), appts); err != nil {
		t.Fatal(err)
	}
	return rows
}

// A short Retry-After (here 503 with Retry-After: 1) is waited out inside
// the chunk, so the sweep needs no second round; 503s without one go to a
// second round after MinRoundDelay.
func TestEligibilitySweepServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter int
		rounds     int
		gap        time.Duration
	}{
		{"with Retry-After", 1, 1, 0},
		{"without Retry-After", 0, 2, MinRoundDelay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newEligFixture(t, sim.PayerConfig{})
			rows := f.importAnswerable(t)
			f.sim.SetFaults(sim.Faults{Payer: "60054", FaultPlan: sim.FaultPlan{ServerErrors: 3, RetryAfter: tc.retryAfter}})
			e := f.sweepEnv()
			e.ExecuteWorkflow(EligibilitySweep, EligibilitySweepInput{SweepID: "sw-5xx", Date: sweepDate, Rounds: 3})
			p := e.progress(t)
			if p.Round != tc.rounds || p.Counts.Checked != len(rows) || p.Counts.Failed != 0 {
				t.Fatalf("progress %+v", p)
			}
			if tc.gap > 0 {
				last := e.chunks[len(e.chunks)-1]
				if last.Round != 2 || len(last.Seqs) != 3 || e.starts[len(e.starts)-1].Sub(e.starts[0]) != tc.gap {
					t.Errorf("retry chunk %+v started %s after the first", last, e.starts[len(e.starts)-1].Sub(e.starts[0]))
				}
			}
			asked := 0
			for _, n := range f.asked {
				asked += n
			}
			if st := f.sim.Stats()["60054"]; st.ServerErrors != 3 || asked != len(rows)+3 {
				t.Errorf("simulator %+v, %d questions for %d members", st, asked, len(rows))
			}
		})
	}
}
