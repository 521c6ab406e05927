package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
)

// TestClaimsBatchEndToEnd uploads the demo workbook, lets the real workers
// scrub it on a real Temporal server, reviews every flagged claim through
// the review Update (approving warnings, overriding, correcting or
// rejecting errors), and follows the batch through 837P submission to the
// clearinghouse simulator's 999 and 277CA acknowledgements.
func TestClaimsBatchEndToEnd(t *testing.T) {
	s := Start(t, Options{Clearinghouse: ClearinghouseRejectingPrefix("CLM1002")})
	ctx := context.Background()
	b := s.SubmitDemo(t)
	c := b.Counts
	want := demoManifest(t)
	if c.Claims != want.Claims || c.Lines != want.Lines || c.Flagged == 0 || c.Clean < want.Claims*2/3 {
		t.Fatalf("counts after scrub: %+v, manifest %+v", c, want)
	}
	// Every scorer category shows up on the demo workbook.
	counts, err := s.DB.FindingCounts(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, fc := range counts {
		seen[fc.Category] = true
	}
	for _, cat := range scrub.Categories {
		if cat == scrub.CatEligibility {
			continue // no eligibility results stored in this test
		}
		if !seen[string(cat)] {
			t.Errorf("no finding of category %s", cat)
		}
	}

	// Progress query while waiting for review.
	p, err := s.Claims.Progress(ctx, b.ID)
	if err != nil || p.Status != batch.AwaitingReview || p.PendingReview != c.Flagged {
		t.Fatalf("progress: %+v %v", p, err)
	}

	flagged, err := s.DB.Claims(ctx, store.ClaimFilter{BatchID: b.ID, Flagged: true, WithFindings: true}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	// An approval of a claim with errors is refused by the workflow.
	var hold, review []store.ClaimRecord
	for _, r := range flagged {
		if r.Tier == scrub.TierHold {
			hold = append(hold, r)
		} else {
			review = append(review, r)
		}
	}
	if len(hold) == 0 || len(review) == 0 {
		t.Fatalf("want claims on hold and in review: %d / %d", len(hold), len(review))
	}
	_, err = s.Claims.Review(ctx, b.ID, "rita", "reviewer", []batch.ReviewAction{{ClaimID: hold[0].Claim.ID, Action: batch.Approve}})
	if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.MessageOf(err), "has errors") {
		t.Fatalf("approving a held claim: %v", err)
	}

	// A correction: fix the first held claim whose only problem is an NPI check digit, if any.
	var actions []batch.ReviewAction
	corrected := ""
	for _, r := range hold {
		if len(r.Findings) == 1 && r.Findings[0].RuleID == "NPI-001" && r.Findings[0].Field == "billing_npi" {
			actions = append(actions, batch.ReviewAction{ClaimID: r.Claim.ID, Action: batch.Correct,
				Fields: map[string]string{"billing_npi": "1234567893"}})
			corrected = r.Claim.ID
			break
		}
	}
	rejected := 0
	for i, r := range hold {
		if r.Claim.ID == corrected {
			continue
		}
		if i%2 == 0 {
			actions = append(actions, batch.ReviewAction{ClaimID: r.Claim.ID, Action: batch.Reject, Reason: "will rebill"})
			rejected++
		} else {
			actions = append(actions, batch.ReviewAction{ClaimID: r.Claim.ID, Action: batch.Override, Reason: "payer confirmed by phone"})
		}
	}
	for _, r := range review {
		actions = append(actions, batch.ReviewAction{ClaimID: r.Claim.ID, Action: batch.Approve})
	}
	out, err := s.Claims.Review(ctx, b.ID, "rita", "reviewer", actions)
	if err != nil {
		t.Fatal(err)
	}
	// Overrides of claims the 837P cannot carry are refused: reject those.
	var again []batch.ReviewAction
	for _, o := range out {
		switch {
		case o.Resolved || o.ClaimID == corrected:
		case strings.Contains(o.Error, "cannot be sent as an 837P"):
			again = append(again, batch.ReviewAction{ClaimID: o.ClaimID, Action: batch.Reject, Reason: "cannot be billed as is"})
			rejected++
		default:
			t.Errorf("outcome %+v", o)
		}
	}
	if len(again) == 0 {
		t.Error("no override was refused; the demo has claims the 837P cannot carry (0 units)")
	}
	if _, err := s.Claims.Review(ctx, b.ID, "rita", "reviewer", again); err != nil {
		t.Fatal(err)
	}

	// The workflow goes on to submit and collect acknowledgements.
	var res batch.Progress
	if err := s.Client.GetWorkflow(ctx, claimsbot.WorkflowID(b.ID), "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != batch.Completed || res.Outcome.Claims != c.Claims || res.Outcome.CleanClaimRate <= 0.5 ||
		res.Links.Web == "" || !strings.Contains(res.Links.Temporal, claimsbot.WorkflowID(b.ID)) {
		t.Fatalf("result: %+v", res)
	}
	subs, err := s.DB.SubmittedClaims(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSubmitted := c.Claims - rejected
	if corrected != "" && len(out) > 0 {
		for _, o := range out {
			if o.ClaimID == corrected && !o.Resolved {
				wantSubmitted--
			}
		}
	}
	if len(subs) != wantSubmitted || res.Submit.Claims != wantSubmitted {
		t.Errorf("submitted %d (result %d), want %d", len(subs), res.Submit.Claims, wantSubmitted)
	}
	accepted, payerRejected := 0, 0
	for _, sc := range subs {
		switch sc.Status {
		case store.SubmissionAccepted:
			accepted++
		case store.SubmissionRejected:
			payerRejected++
			if !strings.HasPrefix(sc.ClaimID, "CLM1002") {
				t.Errorf("claim %s rejected: %s %s", sc.ClaimID, sc.AckCategory, sc.Message)
			}
		default:
			t.Errorf("claim %s still %s", sc.ClaimID, sc.Status)
		}
	}
	if payerRejected == 0 || accepted == 0 || res.Acks.Accepted != accepted || res.Acks.Rejected != payerRejected {
		t.Errorf("acks: accepted %d rejected %d, result %+v", accepted, payerRejected, res.Acks)
	}
	// Exactly once: the clearinghouse received each claim one time.
	st := s.Clearinghouse.Stats()
	for id, n := range st.ClaimCounts {
		if n != 1 {
			t.Errorf("claim %s received %d times", id, n)
		}
	}
	if len(st.ClaimCounts) != wantSubmitted {
		t.Errorf("clearinghouse received %d claims, want %d", len(st.ClaimCounts), wantSubmitted)
	}

	// The annotated workbook marks the findings and lists them.
	var buf bytes.Buffer
	if err := s.Claims.WriteAnnotated(ctx, b.ID, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Findings")
	if err != nil || len(rows) < 2 {
		t.Fatalf("findings sheet: %d rows, %v", len(rows), err)
	}
	var x837 bytes.Buffer
	if err := s.Claims.Write837P(ctx, b.ID, &x837); err != nil || !strings.HasPrefix(x837.String(), "ISA*") {
		t.Fatalf("837P download: %v %.40q", err, x837.String())
	}
	saveHistory(t, s, claimsbot.WorkflowID(b.ID), "claims-batch-signed")
	final, err := s.DB.Batch(ctx, b.ID)
	if err != nil || final.Status != batch.Completed || final.Counts.Accepted != accepted {
		t.Errorf("final batch: %+v %v", final, err)
	}
}

// ClearinghouseRejectingPrefix configures the clearinghouse simulator to
// reject (277CA A7) every claim whose ID starts with prefix.
func ClearinghouseRejectingPrefix(prefix string) sim.ClearinghouseConfig {
	return sim.ClearinghouseConfig{RejectPrefix: prefix}
}

// manifest is the part of a demo fixture's expected.json the tests read.
type manifest struct {
	Claims int `json:"claims"`
	Lines  int `json:"lines"`
}

func demoManifest(t testing.TB) manifest {
	t.Helper()
	b, err := os.ReadFile(Fixture("demo-claims.xlsx.expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// saveHistory writes a workflow's history as JSON (the format `temporal
// workflow show --output json` writes) to fixtures/histories, with the
// test key ring that encrypted its payloads, when RCMBOT_UPDATE_HISTORIES
// is set: the replay test in package workflows replays it against the
// current workflow code to catch non-deterministic changes.
func saveHistory(t *testing.T, s *Stack, workflowID, name string) {
	saveRunHistory(t, s, workflowID, "", name)
}

// saveRunHistory is saveHistory of one run (runID; "" the latest), e.g.
// a run that continued as new.
func saveRunHistory(t *testing.T, s *Stack, workflowID, runID, name string) {
	if os.Getenv("RCMBOT_UPDATE_HISTORIES") == "" {
		return
	}
	ctx := context.Background()
	iter := s.Client.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	dir := Fixture("histories")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	keys, err := os.ReadFile(s.Config.KeysFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".keys"), keys, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %d events of %s to %s", len(h.Events), workflowID, dir)
}
