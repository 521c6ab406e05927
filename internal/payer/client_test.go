package payer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/sim"
)

const seed = 20260302

// directory writes a payers.yaml pointing every payer at url.
func directory(t testing.TB, url string) *payers.Directory {
	t.Helper()
	dir := t.TempDir()
	yaml := "payers:\n" +
		"  - id: \"60054\"\n    name: Aetna\n    eligibility: {format: json, url: " + url + ", rate_per_second: 100, burst: 10, concurrency: 8, timeout: 2s}\n" +
		"  - id: \"87726\"\n    name: UnitedHealthcare\n    eligibility: {format: json, url: " + url + ", rate_per_second: 100, burst: 10, concurrency: 3, timeout: 300ms}\n" +
		"  - id: \"62308\"\n    name: Cigna\n    eligibility: {format: x12, url: " + url + ", rate_per_second: 100, burst: 10, concurrency: 8, timeout: 2s}\n" +
		"  - id: \"01112\"\n    name: Medicare\n    eligibility: {format: x12, url: " + url + ", rate_per_second: 100, burst: 10, concurrency: 8, timeout: 2s}\n" +
		"  - id: SKCO0\n    name: Medicaid\n    eligibility: {format: json, url: " + url + ", rate_per_second: 100, burst: 10, concurrency: 3, timeout: 10s}\n"
	if err := os.WriteFile(filepath.Join(dir, "payers.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := payers.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type fixture struct {
	sim    *sim.PayerSim
	srv    *httptest.Server
	client *Client
	pool   *Pool
}

func newFixture(t testing.TB, cfg sim.PayerConfig, opts Options) *fixture {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = seed
	}
	s, err := sim.NewPayerSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	pool := NewPool()
	return &fixture{sim: s, srv: srv, pool: pool, client: New(directory(t, srv.URL), pool, opts)}
}

// member returns a roster member of payer with profile p.
func (f *fixture) member(t testing.TB, payer string, p sim.Profile) sim.Member {
	t.Helper()
	for _, m := range f.sim.Roster() {
		if m.PayerID == payer && m.Profile == p {
			return m
		}
	}
	t.Fatalf("no %s member for payer %s", p, payer)
	return sim.Member{}
}

func request(m sim.Member) eligibility.Request {
	return eligibility.Request{PayerID: m.PayerID, ProviderNPI: "1234567893", ProviderName: "Riverside Family Medicine",
		MemberID: m.ID, FirstName: m.FirstName, LastName: m.LastName, DOB: m.DOB,
		DateOfService: claim.MustDate("2026-03-02")}
}

// noPHI fails when err's text carries the member's identity.
func noPHI(t *testing.T, err error, m sim.Member) {
	t.Helper()
	if err == nil {
		return
	}
	s := strings.ToUpper(err.Error())
	for _, v := range []string{m.ID, strings.ToUpper(m.FirstName), strings.ToUpper(m.LastName), m.DOB.Compact(), m.DOB.String()} {
		if strings.Contains(s, v) {
			t.Errorf("error %q carries patient data", err)
		}
	}
}

// Every simulator profile, through both wire formats: Aetna (60054)
// speaks JSON, Cigna (62308) X12.
func TestCheckOutcomes(t *testing.T) {
	f := newFixture(t, sim.PayerConfig{}, Options{})
	cases := []outcome{
		{sim.ProfileActive, eligibility.StatusActive, false, false},
		{sim.ProfileHighDeductible, eligibility.StatusActive, false, false},
		{sim.ProfileDependent, eligibility.StatusActive, false, false},
		{sim.ProfileOtherPayer, eligibility.StatusActive, false, false},
		{sim.ProfileIDChanged, eligibility.StatusActive, false, false},
		{sim.ProfileInactive, eligibility.StatusInactive, false, false},
		{sim.ProfileNotFound, eligibility.StatusUnknownMember, true, false},
		{sim.ProfileInvalidID, eligibility.StatusUnknownMember, true, false},
		{sim.ProfileUnavailable, eligibility.StatusRetryLater, false, true},
	}
	for _, payer := range []string{"60054", "62308"} {
		format := map[string]string{"60054": "json", "62308": "x12"}[payer]
		for _, c := range cases {
			checkOutcome(t, f, payer, format, c)
		}
	}
	if st := f.sim.Stats(); st["60054"].JSON != 9 || st["62308"].X12 != 9 {
		t.Errorf("simulator saw %+v", st)
	}
}

// outcome is what a check of a member with a profile must conclude.
type outcome struct {
	profile   sim.Profile
	status    eligibility.Status
	permanent bool
	retryable bool
}

func checkOutcome(t *testing.T, f *fixture, payer, format string, c outcome) {
	t.Helper()
	ctx := context.Background()
	m := f.member(t, payer, c.profile)
	req := request(m)
	res, err := f.client.Check(ctx, req)
	if res == nil {
		t.Fatalf("%s: no result (%v)", c.profile, err)
	}
	after, retryable := RetryAfter(err)
	if res.Status != c.status || IsPermanent(err) != c.permanent || retryable != c.retryable {
		t.Errorf("%s %s: status %s err %v; want %s permanent=%v retryable=%v", format, c.profile, res.Status, err, c.status, c.permanent, c.retryable)
	}
	if retryable && after != time.Minute {
		t.Errorf("%s: AAA 42 retry after %s; want the 1m default", c.profile, after)
	}
	noPHI(t, err, m)
	if len(res.ControlNumber) != 9 || res.Format != format || len(res.Raw) == 0 {
		t.Errorf("%s: control %q format %q raw %d bytes", c.profile, res.ControlNumber, res.Format, len(res.Raw))
	}
	ds := eligibility.Discrepancies(req, *res)
	kinds := map[eligibility.DiscrepancyKind]bool{}
	for _, d := range ds {
		kinds[d.Kind] = true
	}
	want := map[sim.Profile]eligibility.DiscrepancyKind{sim.ProfileHighDeductible: eligibility.HighDeductible,
		sim.ProfileOtherPayer: eligibility.OtherCoverage, sim.ProfileIDChanged: eligibility.MemberIDMismatch,
		sim.ProfileInactive: eligibility.InactiveCoverage, sim.ProfileNotFound: eligibility.UnknownMember,
		sim.ProfileInvalidID: eligibility.UnknownMember}[c.profile]
	if want != "" && (!kinds[want] || len(ds) != 1) || want == "" && len(ds) != 0 {
		t.Errorf("%s: discrepancies %+v; want only %q", c.profile, ds, want)
	}
	if c.profile == sim.ProfileDependent && (res.Patient == nil || res.Patient.Relationship != "19" || res.Subscriber.MemberID != m.ID) {
		t.Errorf("dependent: patient %+v subscriber %+v", res.Patient, res.Subscriber)
	}
}

func TestCheckHonoursRetryAfterOn429(t *testing.T) {
	// The payer accepts 1 request a second; our limit is far higher.
	f := newFixture(t, sim.PayerConfig{Rate: 1, Burst: 1}, Options{})
	m := f.member(t, "60054", sim.ProfileActive)
	ctx := context.Background()
	if _, err := f.client.Check(ctx, request(m)); err != nil {
		t.Fatal(err)
	}
	res, err := f.client.Check(ctx, request(m))
	var re *RetryableError
	if res != nil || !errors.As(err, &re) || re.Status != http.StatusTooManyRequests || re.After != time.Second {
		t.Fatalf("second request: %v %v; want a 429 retryable after 1s", res, err)
	}
	if st := f.pool.Stats("60054"); st.Throttled != 1 || st.Requests != 2 {
		t.Errorf("pool stats %+v", st)
	}
	// Check asks once: the one retry layer is the caller's (the
	// activity's NextRetryDelay is the Retry-After, see package
	// activities; the workflow tests retry through Temporal). After the
	// Retry-After the payer answers.
	time.Sleep(re.After)
	if res, err := f.client.Check(ctx, request(m)); err != nil || res.Status != eligibility.StatusActive {
		t.Fatalf("after the Retry-After: %v", err)
	}
	if st := f.pool.Stats("60054"); st.Requests != 3 {
		t.Errorf("Check sent %d requests for 3 calls", st.Requests)
	}
}

func TestCheckServerErrorsAreRetryable(t *testing.T) {
	f := newFixture(t, sim.PayerConfig{}, Options{})
	m := f.member(t, "60054", sim.ProfileActive)
	f.sim.SetFaults(sim.Faults{Payer: "60054", FaultPlan: sim.FaultPlan{ServerErrors: 1, RetryAfter: 7}})
	_, err := f.client.Check(context.Background(), request(m))
	var re *RetryableError
	if !errors.As(err, &re) || re.Status != http.StatusServiceUnavailable || re.After != 7*time.Second {
		t.Fatalf("503: %v", err)
	}
	f.sim.SetFaults(sim.Faults{Payer: "60054", FaultPlan: sim.FaultPlan{ServerErrorRate: 1}})
	if _, err := f.client.Check(context.Background(), request(m)); !errors.As(err, &re) || re.Status != 500 || re.After != 0 {
		t.Fatalf("500: %v", err)
	}
	// Check does not retry by itself: each call is one request (the
	// workflow tests ride out a burst through Temporal's retry policy).
	f.sim.SetFaults(sim.Faults{Payer: "60054", FaultPlan: sim.FaultPlan{ServerErrors: 2}})
	for i := 0; i < 2; i++ {
		if _, err := f.client.Check(context.Background(), request(m)); !errors.As(err, &re) || re.Status != http.StatusServiceUnavailable {
			t.Fatalf("burst error %d: %v", i+1, err)
		}
	}
	if _, err := f.client.Check(context.Background(), request(m)); err != nil {
		t.Fatalf("after a 2-error burst: %v", err)
	}
	if st := f.sim.Stats()["60054"]; st.ServerErrors != 4 {
		t.Errorf("simulator counted %d server errors; want 4", st.ServerErrors)
	}
}

func TestCheckTimeoutIsRetryable(t *testing.T) {
	f := newFixture(t, sim.PayerConfig{Hang: 5 * time.Second}, Options{})
	m := f.member(t, "87726", sim.ProfileActive) // 87726 has a 300ms timeout
	f.sim.SetFaults(sim.Faults{FaultPlan: sim.FaultPlan{Hangs: 1}})
	start := time.Now()
	_, err := f.client.Check(context.Background(), request(m))
	if _, ok := RetryAfter(err); !ok || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Fatalf("hang: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s; the timeout is 300ms", d)
	}
	// The caller's own cancellation is not a payer failure.
	f.sim.SetFaults(sim.Faults{FaultPlan: sim.FaultPlan{Hangs: 1}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = f.client.Check(ctx, request(m))
	if _, ok := RetryAfter(err); ok || IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller cancel: %v", err)
	}
}

func TestCheckPermanentFailures(t *testing.T) {
	f := newFixture(t, sim.PayerConfig{}, Options{})
	m := f.member(t, "60054", sim.ProfileActive)
	ctx := context.Background()
	// 404: the payer's URL is wrong.
	bad := New(directory(t, f.srv.URL+"/wrong"), NewPool(), Options{})
	_, err := bad.Check(ctx, request(m))
	var pe *PermanentError
	if !errors.As(err, &pe) || pe.Status != http.StatusNotFound {
		t.Errorf("404: %v", err)
	}
	// Requests that cannot succeed are not sent at all.
	req := request(m)
	req.PayerID = "NOPE"
	if _, err := f.client.Check(ctx, req); !IsPermanent(err) || !strings.Contains(err.Error(), "not in the payer directory") {
		t.Errorf("unknown payer: %v", err)
	}
	req = request(m)
	req.ControlNumber = "12"
	if _, err := f.client.Check(ctx, req); !IsPermanent(err) {
		t.Errorf("bad control number: %v", err)
	}
	if st := f.sim.Stats()["60054"]; st.Requests != 0 {
		t.Errorf("requests that cannot succeed were sent: %+v", st)
	}
}

func TestConcurrencyCap(t *testing.T) {
	f := newFixture(t, sim.PayerConfig{LatencyMin: 150 * time.Millisecond, LatencyMax: 150 * time.Millisecond}, Options{})
	var wg sync.WaitGroup
	m := f.member(t, "SKCO0", sim.ProfileActive) // concurrency 3
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.client.Check(context.Background(), request(m)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if st := f.sim.Stats()["SKCO0"]; st.MaxInFlight != 3 || st.Answered != 12 {
		t.Errorf("in flight at most %d (want exactly the cap, 3), answered %d", st.MaxInFlight, st.Answered)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"3": 3 * time.Second, " 120 ": 2 * time.Minute, "0": 0, "-4": 0, "soon": 0, "": 0,
		"Mon, 02 Mar 2026 12:00:30 GMT": 30 * time.Second,
		"Mon, 02 Mar 2026 11:00:00 GMT": 0, // in the past
		"99999999999":                   24 * time.Hour,
	}
	for in, want := range cases {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s; want %s", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for status, want := range map[int]string{200: "", 204: "", 400: "permanent", 401: "permanent", 404: "permanent",
		408: "retryable", 409: "permanent", 422: "permanent", 429: "retryable", 500: "retryable", 502: "retryable", 503: "retryable", 504: "retryable"} {
		err := Classify(status, "", time.Now(), "test")
		got := ""
		if _, ok := RetryAfter(err); ok {
			got = "retryable"
		} else if IsPermanent(err) {
			got = "permanent"
		}
		if got != want {
			t.Errorf("HTTP %d: %s; want %s", status, got, want)
		}
	}
}
