package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
)

func TestRosterIsDeterministic(t *testing.T) {
	a := Roster(1, []string{"60054", "01112"}, 2)
	b := Roster(1, []string{"60054", "01112"}, 2)
	if !reflect.DeepEqual(a, b) || len(a) != 2*len(Profiles)*2 {
		t.Fatalf("roster differs between runs or has %d members", len(a))
	}
	if reflect.DeepEqual(a, Roster(2, []string{"60054", "01112"}, 2)) {
		t.Error("another seed gave the same roster")
	}
	// A member is the same whatever the roster's size.
	if !reflect.DeepEqual(Roster(1, []string{"60054"}, 1)[0], a[0]) {
		t.Error("first member depends on perProfile")
	}
	for _, m := range a {
		switch {
		case m.PayerID == "60054" && (len(m.ID) != 10 || m.ID[0] != 'W'):
			t.Errorf("Aetna ID %q", m.ID)
		case m.PayerID == "01112" && len(m.ID) != 11:
			t.Errorf("MBI %q", m.ID)
		case m.Profile == ProfileDependent && (m.Subscriber == nil || m.Subscriber.ID != m.ID || m.DOB < claim.MustDate("2008-01-01")):
			t.Errorf("dependent %+v", m)
		}
	}
}

func TestHashProfileSpreadsAsDocumented(t *testing.T) {
	counts := map[Profile]int{}
	for i := 0; i < 20000; i++ {
		counts[HashProfile(DefaultSeed, "Z"+strconv.Itoa(i))]++
	}
	want := map[Profile]float64{ProfileActive: .58, ProfileHighDeductible: .10, ProfileDependent: .08, ProfileInactive: .08,
		ProfileOtherPayer: .05, ProfileNotFound: .06, ProfileInvalidID: .03, ProfileIDChanged: .02}
	for p, share := range want {
		got := float64(counts[p]) / 20000
		if got < share-0.015 || got > share+0.015 {
			t.Errorf("%s: %.3f of IDs; want about %.2f", p, got, share)
		}
	}
	if counts[ProfileUnavailable] != 0 {
		t.Error("AAA 42 chosen by hash")
	}
	if HashProfile(DefaultSeed, "w123") != HashProfile(DefaultSeed, " W123 ") {
		t.Error("hash depends on case or spaces")
	}
}

func post(t *testing.T, url, ctype string, body []byte) *http.Response {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPayerSimAdminAndErrors(t *testing.T) {
	s, err := NewPayerSim(PayerConfig{PayerRates: "60054=2:1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	m, _ := s.Member("60054", Roster(DefaultSeed, []string{"60054"}, 1)[0].ID)
	req := eligibility.NewJSONRequest(&eligibility.Request{PayerID: "60054", ProviderNPI: "1234567893", MemberID: m.ID,
		FirstName: m.FirstName, LastName: m.LastName, DOB: m.DOB, DateOfService: claim.MustDate("2026-03-02"), ControlNumber: "000000001"})
	body, _ := json.Marshal(req)

	// Inject one AAA 42 through the admin endpoint.
	if r := post(t, srv.URL+"/admin/faults", "application/json", []byte(`{"payer":"60054","unavailable":1}`)); r.StatusCode != 200 {
		t.Fatalf("set faults: %s", r.Status)
	}
	r := post(t, srv.URL+"/eligibility/v3", "application/json", body)
	raw, _ := io.ReadAll(r.Body)
	res, err := eligibility.FromJSON(raw, &eligibility.Request{})
	if err != nil || res.Status != eligibility.StatusRetryLater {
		t.Fatalf("AAA 42 fault: %v %+v", err, res)
	}
	// The payer's own rate (2/s, burst 1) throttles the next request.
	r = post(t, srv.URL+"/eligibility/v3", "application/json", body)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("rate override: %s Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	for _, bad := range []string{`{"unavailable_rate":2}`, `{"bogus":1}`, `{"server_errors":-1}`} {
		if r := post(t, srv.URL+"/admin/faults", "application/json", []byte(bad)); r.StatusCode != http.StatusBadRequest {
			t.Errorf("faults %s: %s", bad, r.Status)
		}
	}
	if r := post(t, srv.URL+"/eligibility/v3", "application/json", []byte(`{"controlNumber":"1"}`)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad JSON request: %s", r.Status)
	}
	if r := post(t, srv.URL+"/x12/270", "application/edi-x12", []byte("ISA*garbage")); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad 270: %s", r.Status)
	}
	resp, err := http.Get(srv.URL + "/admin/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]PayerStats
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	if st := stats["60054"]; st.Requests != 2 || st.Answered != 1 || st.Throttled != 1 || st.Unavailable != 1 {
		t.Errorf("stats %+v", st)
	}
	for _, bad := range []string{"60054", "60054=x", "=5", "60054=5:0"} {
		if _, err := NewPayerSim(PayerConfig{PayerRates: bad}); err == nil {
			t.Errorf("PayerRates %q accepted", bad)
		}
	}
	if _, err := NewPayerSim(PayerConfig{Latency: "gamma"}); err == nil {
		t.Error("unknown latency distribution accepted")
	}
}

func TestLatencyStaysInBounds(t *testing.T) {
	for _, dist := range []string{"uniform", "lognormal"} {
		s, err := NewPayerSim(PayerConfig{LatencyMin: 100 * time.Millisecond, LatencyMax: 800 * time.Millisecond, Latency: dist})
		if err != nil {
			t.Fatal(err)
		}
		var sum time.Duration
		for i := 0; i < 2000; i++ {
			d := s.latency()
			if d < 100*time.Millisecond || d > 800*time.Millisecond {
				t.Fatalf("%s: %s out of bounds", dist, d)
			}
			sum += d
		}
		mean := sum / 2000
		lo, hi := 420*time.Millisecond, 480*time.Millisecond // uniform: 450 ms
		if dist == "lognormal" {
			lo, hi = 260*time.Millisecond, 340*time.Millisecond // median at √(100·800) ≈ 283 ms
		}
		if mean < lo || mean > hi {
			t.Errorf("%s: mean %s; want %s–%s", dist, mean, lo, hi)
		}
	}
}

// The committed fixtures are what the generator writes.
func TestRosterFixturesAreCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRosterFixtures(dir, claim.MustDate("2026-03-02")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"roster.csv", "roster.xlsx"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "eligibility", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("fixtures/eligibility/%s is stale: run go run ./fixtures/eligibility/gen", name)
		}
	}
}
