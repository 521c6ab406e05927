package clearinghouse

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/shareddata"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/x12"
)

func claimFor(id, payerID, payerName string, charges ...claim.Money) claim.Claim {
	dos := claim.MustDate("2026-02-16")
	c := claim.Claim{ID: id, MemberID: "W884412907", PayerID: payerID, PayerName: payerName,
		Patient: claim.Patient{ID: "P" + id, LastName: "Fairweather", FirstName: "Dolores", DOB: claim.MustDate("1971-03-04"), Sex: claim.SexFemale,
			Address: claim.Address{Line1: "12 Elm St", City: "Springfield", State: "IL", Zip: "62704"}},
		Billing: claim.Provider{Name: "Riverside Family Medicine", NPI: "1234567893", TIN: "371234567", Taxonomy: "207Q00000X",
			Address: claim.Address{Line1: "100 Main St", City: "Springfield", State: "IL", Zip: "627011234"}},
		PlaceOfService: "11", FrequencyCode: "1", Diagnoses: []string{"E119", "I10"}}
	for i, ch := range charges {
		c.Lines = append(c.Lines, claim.Line{Number: i + 1, From: dos, To: dos, Procedure: "99213", Units: 1, Charge: ch, DxPointers: []int{1}})
	}
	return c
}

func write837(t *testing.T, icn int, claims ...claim.Claim) []byte {
	t.Helper()
	env := x12.Envelope837{Envelope: x12.Envelope{SenderID: "RCMBOT", ReceiverID: "CLEARINGHOUSE", InterchangeControl: icn,
		GroupControl: icn, TransactionControl: 1, Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		Submitter:        x12.Submitter{Name: "RCMBOT", ID: "RCMBOT", ContactName: "Billing Office", Phone: "8005551212"},
		Receiver:         x12.Party{Name: "CLEARINGHOUSE", ID: "CLEARINGHOUSE"},
		FilingIndicators: map[string]string{"60054": "CI", "87726": "CI"}}
	var buf bytes.Buffer
	if _, err := x12.Write837P(&buf, env, claims); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newSim(t *testing.T, cfg sim.ClearinghouseConfig) (*sim.ClearinghouseSim, *httptest.Server) {
	t.Helper()
	s, err := sim.NewClearinghouseSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func TestSubmitAnd277CARoundTrip(t *testing.T) {
	s, srv := newSim(t, sim.ClearinghouseConfig{AckDelay: 300 * time.Millisecond, RejectPayers: "87726", RejectPrefix: "REJ"})
	c := New(Options{URL: srv.URL})
	ctx := context.Background()
	doc := write837(t, 101,
		claimFor("C1001", "60054", "Aetna", 12500, 4000),
		claimFor("C1002", "87726", "UnitedHealthcare", 9000),
		claimFor("REJ-7", "60054", "Aetna", 5000),
		claimFor("C1004", "60054", "Aetna", 7000))
	// An unbalanced claim: CLM02 no longer equals the line charge.
	doc = bytes.Replace(doc, []byte("CLM*C1004*70*"), []byte("CLM*C1004*75*"), 1)
	ack, err := c.Submit(ctx, "batch-1/icn-101", doc)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Interchange != "000000101" || !ack.Accepted() || len(ack.RejectedSets()) != 0 || !bytes.HasPrefix(ack.Raw, []byte("ISA*")) {
		t.Fatalf("999: %+v", ack)
	}
	if g := ack.Doc.Acks[0]; g.GroupID != "HC" || g.GroupControl != "101" || g.Status != "A" {
		t.Errorf("999 group: %+v", g)
	}

	_, err = c.Fetch277CA(ctx, ack.Interchange)
	after, retryable := payer.RetryAfter(err)
	if !retryable || !errors.Is(err, ErrNotReady) || after != time.Second {
		t.Fatalf("early 277CA fetch: %v (after %s)", err, after)
	}
	time.Sleep(350 * time.Millisecond)
	rep, err := c.Fetch277CA(ctx, ack.Interchange)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]x12.Outcome{}
	codes := map[string]string{}
	for _, r := range rep.Doc.Reports {
		for _, cl := range r.Claims() {
			outcomes[cl.PatientControlNumber] = cl.Outcome()
			codes[cl.PatientControlNumber] = cl.Statuses[0].Category + ":" + cl.Statuses[0].Code
		}
	}
	want := map[string]string{"C1001": "A2:20", "C1002": "A3:116", "REJ-7": "A7:21", "C1004": "A7:178"}
	for id, code := range want {
		if codes[id] != code {
			t.Errorf("claim %s: 277CA status %s; want %s", id, codes[id], code)
		}
	}
	if outcomes["C1001"] != x12.OutcomeAccepted || outcomes["C1002"] != x12.OutcomeRejected {
		t.Errorf("outcomes %v", outcomes)
	}
	if st := s.Stats(); st.Claims != 4 || st.Accepted != 1 || st.Rejected != 3 {
		t.Errorf("stats %+v", st)
	}
	// Asking again returns the same report.
	again, err := c.Fetch277CA(ctx, "101")
	if err != nil || !bytes.Equal(again.Raw, rep.Raw) {
		t.Errorf("second fetch differs: %v", err)
	}
	if _, err := c.Fetch277CA(ctx, "999999"); !payer.IsPermanent(err) {
		t.Errorf("unknown interchange: %v", err)
	}
}

func TestSubmitIsIdempotent(t *testing.T) {
	s, srv := newSim(t, sim.ClearinghouseConfig{})
	c := New(Options{URL: srv.URL})
	ctx := context.Background()
	doc := write837(t, 202, claimFor("C2001", "60054", "Aetna", 10000), claimFor("C2002", "60054", "Aetna", 20000))
	first, err := c.Submit(ctx, "key-202", doc)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Submit(ctx, "key-202", doc)
	if err != nil || !bytes.Equal(first.Raw, second.Raw) {
		t.Fatalf("replay differs: %v", err)
	}
	st := s.Stats()
	if st.Submissions != 1 || st.Replays != 1 || st.Claims != 2 || st.ClaimCounts["C2001"] != 1 || len(st.Duplicates) != 0 {
		t.Errorf("after a replay: %+v", st)
	}
	// The same key with another body is a caller bug: permanent.
	other := write837(t, 203, claimFor("C2003", "60054", "Aetna", 10000))
	if _, err := c.Submit(ctx, "key-202", other); !payer.IsPermanent(err) || !strings.Contains(err.Error(), "422") {
		t.Errorf("key reuse: %v", err)
	}
	// A new key for an interchange already received is a duplicate interchange: permanent, nothing counted.
	if _, err := c.Submit(ctx, "key-202-again", doc); !payer.IsPermanent(err) || !strings.Contains(err.Error(), "already received") {
		t.Errorf("duplicate ICN: %v", err)
	}
	if st := s.Stats(); st.Claims != 2 || len(st.Duplicates) != 0 {
		t.Errorf("claims counted twice: %+v", st)
	}
	// Without a key nothing is sent.
	if _, err := c.Submit(ctx, "", doc); !payer.IsPermanent(err) {
		t.Errorf("no key: %v", err)
	}
	resp, err := http.Post(srv.URL+"/claims/837", "application/edi-x12", bytes.NewReader(doc))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("raw post without key: %v %v", resp.Status, err)
	}
	resp.Body.Close()
}

func TestSubmitRetriesAfterServerErrorsCountOnce(t *testing.T) {
	s, srv := newSim(t, sim.ClearinghouseConfig{Hang: 5 * time.Second})
	c := New(Options{URL: srv.URL, Timeout: 300 * time.Millisecond})
	ctx := context.Background()
	doc := write837(t, 303, claimFor("C3001", "60054", "Aetna", 10000))
	s.SetFaults(sim.FaultPlan{ServerErrors: 1, RetryAfter: 3})
	_, err := c.Submit(ctx, "key-303", doc)
	var re *payer.RetryableError
	if !errors.As(err, &re) || re.Status != http.StatusServiceUnavailable || re.After != 3*time.Second {
		t.Fatalf("503: %v", err)
	}
	s.SetFaults(sim.FaultPlan{Hangs: 1})
	if _, err := c.Submit(ctx, "key-303", doc); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	} else if _, ok := payer.RetryAfter(err); !ok {
		t.Fatalf("hang not retryable: %v", err)
	}
	if _, err := c.Submit(ctx, "key-303", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, "key-303", doc); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.ClaimCounts["C3001"] != 1 || st.ServerErrors != 1 || st.Hung != 1 || st.Submissions != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSubmitEnvelopeProblems(t *testing.T) {
	_, srv := newSim(t, sim.ClearinghouseConfig{})
	c := New(Options{URL: srv.URL})
	ctx := context.Background()
	// IEA02 differs from ISA13: the interchange is refused outright.
	doc := write837(t, 404, claimFor("C4001", "60054", "Aetna", 10000))
	broken := bytes.Replace(doc, []byte("IEA*1*000000404"), []byte("IEA*1*000000405"), 1)
	if _, err := c.Submit(ctx, "key-404", broken); !payer.IsPermanent(err) || !strings.Contains(err.Error(), "interchange rejected") {
		t.Errorf("broken ISA/IEA: %v", err)
	}
	// A wrong SE01 segment count: the 999 rejects the transaction set and no claim is received.
	doc = write837(t, 405, claimFor("C4051", "60054", "Aetna", 10000))
	bad := bytes.Replace(doc, []byte("~SE*"), []byte("~SE*9"), 1)
	ack, err := c.Submit(ctx, "key-405", bad)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Accepted() || len(ack.RejectedSets()) != 1 {
		t.Errorf("999 should reject the set: %+v", ack.Doc)
	}
	if _, err := c.Fetch277CA(ctx, "405"); !payer.IsPermanent(err) || !strings.Contains(err.Error(), "rejected every transaction set") {
		t.Errorf("277CA of a rejected interchange: %v", err)
	}
	if _, err := c.Submit(ctx, "key-406", []byte("not x12")); !payer.IsPermanent(err) {
		t.Errorf("garbage: %v", err)
	}
}

// The imsweb 999 samples (BSD-3-Clause, ../shared/x12-samples/imsweb):
// IK5 rejects one transaction set (AK9 R with the set named); without the
// IK5 loop the group's AK9 R still rejects every set.
func TestAck999Levels(t *testing.T) {
	dir := shareddata.Dir(t, "x12-samples")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "imsweb", "837_5010", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	parse := func(b []byte) *Ack999 {
		doc, err := x12.Parse999(b)
		if err != nil {
			t.Fatal(err)
		}
		return &Ack999{Doc: doc}
	}
	if a := parse(read("x12_999_accepted.txt")); !a.Accepted() || a.GroupRejected() || len(a.RejectedSets()) != 0 {
		t.Errorf("accepted sample: %+v", a.Doc)
	}
	rejected := read("x12_999_rejected.txt")
	if a := parse(rejected); a.Accepted() || !a.GroupRejected() || !slices.Equal(a.RejectedSets(), []string{"0028"}) {
		t.Errorf("rejected sample: %v %v", a.GroupRejected(), a.RejectedSets())
	}
	var kept [][]byte
	for _, seg := range bytes.Split(rejected, []byte("~")) {
		if id := string(bytes.TrimSpace(seg)); !strings.HasPrefix(id, "AK2*") && !strings.HasPrefix(id, "IK") {
			kept = append(kept, seg)
		}
	}
	noIK5 := bytes.Replace(bytes.Join(kept, []byte("~")), []byte("SE*7*"), []byte("SE*4*"), 1)
	if a := parse(noIK5); a.Accepted() || !a.GroupRejected() || len(a.RejectedSets()) != 0 || len(a.Doc.Problems) != 0 {
		t.Errorf("AK9 R alone: %v %v %v", a.GroupRejected(), a.RejectedSets(), a.Doc.Problems)
	}
	// AK9 P: some sets accepted, the group is not rejected as a whole.
	partial := bytes.Replace(rejected, []byte("AK9*R*1*1*0"), []byte("AK9*P*2*2*1"), 1)
	if a := parse(partial); a.GroupRejected() || !slices.Equal(a.RejectedSets(), []string{"0028"}) {
		t.Errorf("AK9 P: %v %v", a.GroupRejected(), a.RejectedSets())
	}
}
