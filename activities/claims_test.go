package activities

import (
	"context"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/blob/blobtest"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/clearinghouse"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// claimsAsOf is "today" for the claims below (dates of service ten days
// earlier).
var claimsAsOf = claim.MustDate("2026-03-02")

// threeClaims is a claims file: C1001 is clean, C1002 has an invalid
// billing NPI (an error finding on cell K3), and C1003 has units that
// cannot be read (a row error on cell Z4 that holds the claim and keeps
// it out of any 837P).
const threeClaims = `claim_id,patient_id,patient_last_name,patient_first_name,patient_dob,patient_sex,member_id,payer_id,payer_name,billing_provider_name,billing_npi,billing_tin,billing_taxonomy,billing_address,billing_city,billing_state,billing_zip,rendering_npi,place_of_service,frequency_code,dx1,line_number,service_date_from,service_date_to,procedure_code,units,line_charge,dx_pointers,patient_address,patient_city,patient_state,patient_zip
C1001,P501,Doe,Jane,1980-02-14,F,MEM1001,60054,Aetna,Sunrise Family Clinic,1234567893,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,J06.9,1,2026-02-20,2026-02-20,99213,1,125.00,1,1 Test Ln,Springfield,IL,62704
C1002,P502,Roe,Richard,1975-07-01,M,MEM1002,60054,Aetna,Sunrise Family Clinic,1234567890,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,I10,1,2026-02-20,2026-02-20,99214,1,180.00,1,1 Test Ln,Springfield,IL,62704
C1003,P503,Poe,Edgar,1990-10-20,M,MEM1003,60054,Aetna,Sunrise Family Clinic,1234567893,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,R51.9,1,2026-02-20,2026-02-20,99212,abc,95.00,1,1 Test Ln,Springfield,IL,62704
`

// claimsFixture is the claims activities over a real SQLite store, an
// encrypted blob store, the starter reference data and practice file, and
// a clearinghouse simulator serving real HTTP.
type claimsFixture struct {
	a     *Claims
	db    *store.DB
	blobs *blob.Store
	ch    *sim.ClearinghouseSim
	env   *testsuite.TestActivityEnvironment
}

func newClaimsFixture(t *testing.T, cfg sim.ClearinghouseConfig) *claimsFixture {
	t.Helper()
	db := storetest.Open(t)
	blobs, ring := blobtest.New(t)
	ref, err := refdata.Starter()
	if err != nil {
		t.Fatal(err)
	}
	scrubber, err := scrub.New(ref, scrub.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sim.NewClearinghouseSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ch)
	t.Cleanup(srv.Close)
	a := &Claims{DB: db, Blobs: blobs, Ring: ring, Scrubber: scrubber,
		Submit: &Submission{DB: db, Client: clearinghouse.New(clearinghouse.Options{URL: srv.URL, Timeout: 5 * time.Second}),
			Practice: practice.Starter(), Payers: ref.Payers, SenderID: "RCMBOT", ReceiverID: "CLEARINGHOUSE", Usage: "T"}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return &claimsFixture{a: a, db: db, blobs: blobs, ch: ch, env: env}
}

// upload stores a file as a new batch's upload, made on claimsAsOf (a
// correction is re-scrubbed as of the batch's creation date), and
// returns the batch ID.
func (f *claimsFixture) upload(t *testing.T, name, content string) string {
	t.Helper()
	ref, _, err := f.blobs.Put(context.Background(), "upload", strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.db.CreateBatch(context.Background(), store.NewBatch{FileName: name, UploadRef: ref, UploadedBy: "biller",
		CreatedAt: claimsAsOf.Time().Add(15 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// run executes an activity in the fixture's test environment and returns
// its result, failing the test on an error.
func run[T any](t *testing.T, f *claimsFixture, activity, in any) T {
	t.Helper()
	var out T
	v, err := f.env.ExecuteActivity(activity, in)
	if err == nil {
		err = v.Get(&out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *claimsFixture) scrub(t *testing.T, batchID string) batch.ScrubResult {
	t.Helper()
	return run[batch.ScrubResult](t, f, f.a.ScrubBatch, ScrubInput{BatchID: batchID, AsOf: claimsAsOf})
}

func (f *claimsFixture) review(t *testing.T, batchID string, actions ...batch.ReviewAction) []batch.ReviewOutcome {
	t.Helper()
	return run[[]batch.ReviewOutcome](t, f, f.a.ApplyReview, ReviewInput{BatchID: batchID, Reviewer: "rita", Actions: actions})
}

func (f *claimsFixture) claim(t *testing.T, batchID, claimID string) store.ClaimRecord {
	t.Helper()
	rec, err := f.db.Claim(context.Background(), batchID, claimID)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func appError(err error) *temporal.ApplicationError {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app
	}
	return nil
}

// ScrubBatch reads the stored upload, scrubs every claim and saves claims,
// findings (with the cell they are about) and row errors, and reports the
// flagged claims for the workflow; running it again changes nothing.
func TestScrubBatchSavesClaimsFindingsAndRowErrors(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	id := f.upload(t, "monday.csv", threeClaims)
	res := f.scrub(t, id)
	if res.Claims != 3 || res.Clean != 1 || res.FlaggedCount != 2 || res.Parse.Claims != 3 || res.Parse.RowErrors != 1 || res.Parse.Held != 1 {
		t.Fatalf("scrub result %+v", res)
	}
	if len(res.Flagged) != 2 || res.Flagged[0] != (batch.FlaggedClaim{ID: "C1002", Hold: true}) || res.Flagged[1] != (batch.FlaggedClaim{ID: "C1003", Hold: true}) {
		t.Errorf("flagged %+v", res.Flagged)
	}
	if c := f.claim(t, id, "C1001"); c.Tier != scrub.TierClean || c.State != batch.StateClean || len(c.Findings) != 0 {
		t.Errorf("C1001 stored as %s/%s with %d findings", c.Tier, c.State, len(c.Findings))
	}
	c := f.claim(t, id, "C1002")
	if c.Tier != scrub.TierHold || c.State != batch.StatePending {
		t.Errorf("C1002 stored as %s/%s", c.Tier, c.State)
	}
	var npi *store.Finding
	for i := range c.Findings {
		if c.Findings[i].Field == claim.FieldBillingNPI {
			npi = &c.Findings[i]
		}
	}
	if npi == nil || npi.Severity != scrub.SevError || npi.Row != 3 || npi.Column != "K" {
		t.Errorf("billing NPI finding %+v, want an error on K3", npi)
	}
	rows, err := f.db.RowErrors(context.Background(), id, store.All)
	if err != nil || len(rows) != 1 || rows[0].Row != 4 || rows[0].Column != "Z" || rows[0].ClaimID != "C1003" {
		t.Errorf("row errors %+v %v", rows, err)
	}
	b, err := f.db.Batch(context.Background(), id)
	if err != nil || b.Status != batch.Scrubbing || b.Counts.Claims != 3 || b.Counts.Flagged != 2 {
		t.Errorf("batch after scrub %+v %v", b, err)
	}

	// A retry (same file, same as-of date) saves nothing twice.
	again := f.scrub(t, id)
	if again.Claims != 3 || again.FlaggedCount != 2 || again.Errors != res.Errors {
		t.Errorf("retried scrub %+v, first %+v", again, res)
	}
	if rows, _ := f.db.RowErrors(context.Background(), id, store.All); len(rows) != 1 {
		t.Errorf("%d row errors after a retry", len(rows))
	}
}

// A retried ScrubBatch resumes from its heartbeat: chunks already saved
// are not saved again.
func TestScrubBatchResumesFromHeartbeat(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	f.a.ChunkSize = 1
	id := f.upload(t, "monday.csv", threeClaims)
	// The first attempt saved chunks 0 and 1 before the worker died.
	f.env.SetHeartbeatDetails(2)
	res := f.scrub(t, id)
	if res.Claims != 1 {
		t.Fatalf("resumed scrub stored %d claims, want only the last chunk's 1", res.Claims)
	}
	if _, err := f.db.Claim(context.Background(), id, "C1001"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("chunk 0 was saved again: %v", err)
	}
	if c := f.claim(t, id, "C1003"); c.State != batch.StatePending {
		t.Errorf("chunk 2's claim %+v", c)
	}
}

// A file that cannot be used as a whole fails for good with ErrFailedFile
// and a reason staff can act on. The reason names the file, whose name may
// be a patient's: it is in the error's details (a payload, encrypted), and
// the message the SDK logs names only the batch and the kind of failure.
func TestScrubBatchRefusesUnusableFiles(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	const name = "DOE_JANE_DOB_1980-01-02_MRN12345.pdf"
	_, err := f.env.ExecuteActivity(f.a.ScrubBatch, ScrubInput{BatchID: f.upload(t, name, "%PDF-1.7\n"), AsOf: claimsAsOf})
	app := appError(err)
	var reason string
	if app == nil || app.Type() != ErrFailedFile || !app.NonRetryable() || app.Details(&reason) != nil || !strings.Contains(reason, name) {
		t.Errorf("PDF: %v (details %q)", err, reason)
	}
	for _, s := range []string{"DOE", "JANE", "1980", "MRN12345"} {
		if app != nil && strings.Contains(app.Error(), s) {
			t.Errorf("the logged error %q names the file (%s)", app.Error(), s)
		}
	}
	// An upload the retention sweep already removed.
	b, err := f.db.CreateBatch(context.Background(), store.NewBatch{FileName: "old.csv"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.env.ExecuteActivity(f.a.ScrubBatch, ScrubInput{BatchID: b.ID, AsOf: claimsAsOf})
	if app := appError(err); app == nil || app.Type() != ErrFailedFile || !strings.Contains(app.Message(), "upload the file again") {
		t.Errorf("purged upload: %v", err)
	}
}

// ApplyReview records each decision once, refuses to send what the 837P
// cannot carry, and re-scrubs corrections: a fix that clears the findings
// resolves the claim, an unreadable value leaves it as it was.
func TestApplyReview(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	id := f.upload(t, "monday.csv", threeClaims)
	f.scrub(t, id)

	// C1003's units cannot be read: overriding it would send nothing.
	out := f.review(t, id, batch.ReviewAction{ClaimID: "C1003", Action: batch.Override, Reason: "units confirmed"})
	if len(out) != 1 || out[0].Resolved || out[0].State != batch.StatePending || !strings.Contains(out[0].Error, "cannot be sent as an 837P") {
		t.Fatalf("override of an unsendable claim: %+v", out)
	}
	// An unreadable correction leaves the claim unchanged and pending.
	out = f.review(t, id, batch.ReviewAction{ClaimID: "C1002", Action: batch.Correct, Fields: map[string]string{"units@1": "lots"}})
	if len(out) != 1 || out[0].Resolved || !strings.Contains(out[0].Error, "units@1") {
		t.Fatalf("unreadable correction: %+v", out)
	}
	if c := f.claim(t, id, "C1002"); c.State != batch.StatePending || c.Claim.Lines[0].Units != 1 {
		t.Errorf("C1002 after an unreadable correction: %s, units %v", c.State, c.Claim.Lines[0].Units)
	}
	// Correcting the billing NPI re-scrubs the claim clean.
	out = f.review(t, id, batch.ReviewAction{ClaimID: "C1002", Action: batch.Correct, Fields: map[string]string{"billing_npi": "1234567893"}})
	if len(out) != 1 || !out[0].Resolved || out[0].State != batch.StateCorrected || out[0].Tier != scrub.TierClean || out[0].Findings != 0 {
		t.Fatalf("correction: %+v", out)
	}
	if c := f.claim(t, id, "C1002"); c.Claim.Billing.NPI != "1234567893" || c.State != batch.StateCorrected || len(c.Findings) != 0 {
		t.Errorf("C1002 after correction: %s %s %d findings", c.Claim.Billing.NPI, c.State, len(c.Findings))
	}
	// Rejecting C1003 resolves it.
	out = f.review(t, id, batch.ReviewAction{ClaimID: "C1003", Action: batch.Reject, Reason: "units missing"})
	if len(out) != 1 || !out[0].Resolved || out[0].State != batch.StateRejected {
		t.Fatalf("reject: %+v", out)
	}
	// The refused override was not logged; the rejection was, once, under
	// an ID derived from the workflow run and activity (a retried activity
	// writes the same ID, which the store keeps once).
	log, err := f.db.ReviewActions(context.Background(), id, "C1003")
	if err != nil || len(log) != 1 || log[0].Reviewer != "rita" || log[0].Action != batch.Reject || log[0].Reason != "units missing" ||
		!strings.HasPrefix(log[0].ID, "ra-default-test-run-id-") {
		t.Errorf("review log of C1003 %+v %v", log, err)
	}
	corrections, _ := f.db.ReviewActions(context.Background(), id, "C1002")
	if len(corrections) != 1 || len(corrections[0].Changes) != 1 || corrections[0].Changes[0].From != "1234567890" || corrections[0].Changes[0].To != "1234567893" {
		t.Errorf("review log of C1002 %+v", corrections)
	}
	b, _ := f.db.Batch(context.Background(), id)
	if b.Counts.Unreviewed != 0 || b.Counts.Rejected != 1 {
		t.Errorf("counts after review %+v", b.Counts)
	}
}

// reviewed is a batch whose review is done: C1001 clean, C1002 corrected,
// C1003 rejected.
func (f *claimsFixture) reviewed(t *testing.T) string {
	t.Helper()
	id := f.upload(t, "monday.csv", threeClaims)
	f.scrub(t, id)
	f.review(t, id,
		batch.ReviewAction{ClaimID: "C1002", Action: batch.Correct, Fields: map[string]string{"billing_npi": "1234567893"}},
		batch.ReviewAction{ClaimID: "C1003", Action: batch.Reject})
	return id
}

func (f *claimsFixture) submit(t *testing.T, batchID string) (batch.SubmitResult, error) {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.a.SubmitBatch, BatchRef{BatchID: batchID})
	var res batch.SubmitResult
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

// SubmitBatch sends the clean and corrected claims as one 837P to the
// clearinghouse, records the 999, and sends each claim once however often
// it runs: a busy clearinghouse's Retry-After becomes the next retry
// delay, and the retry re-sends the reserved interchange with its key.
func TestSubmitBatchSendsEachClaimOnce(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	id := f.reviewed(t)

	f.ch.SetFaults(sim.FaultPlan{ServerErrors: 1, RetryAfter: 7})
	_, err := f.submit(t, id)
	if app := appError(err); app == nil || app.Type() != ErrClearinghouseBusy || app.NonRetryable() || app.NextRetryDelay() != 7*time.Second {
		t.Fatalf("busy clearinghouse: %v", err)
	}
	reserved, err := f.db.Interchanges(context.Background(), id, store.InterchangeReserved)
	if err != nil || len(reserved) != 1 {
		t.Fatalf("reserved before sending: %+v %v", reserved, err)
	}

	res, err := f.submit(t, id) // the retry
	if err != nil {
		t.Fatal(err)
	}
	if res.Interchanges != 1 || res.Claims != 2 || res.Accepted999 != 1 || res.ClaimsCharge != claim.Money(30500) {
		t.Errorf("submit result %+v", res)
	}
	if res, err := f.submit(t, id); err != nil || res.Claims != 0 || res.Interchanges != 0 || res.Ledgered != 2 {
		t.Errorf("a second run sent %+v (%v)", res, err)
	}
	st := f.ch.Stats()
	if st.ClaimCounts["C1001"] != 1 || st.ClaimCounts["C1002"] != 1 || st.ClaimCounts["C1003"] != 0 || len(st.Duplicates) != 0 {
		t.Errorf("clearinghouse received %v (duplicates %v)", st.ClaimCounts, st.Duplicates)
	}
	subs, err := f.db.SubmittedClaims(context.Background(), id)
	if err != nil || len(subs) != 2 || subs[0].Status != store.SubmissionSent {
		t.Errorf("ledger %+v %v", subs, err)
	}
}

// A clearinghouse that refuses the interchange for good fails the
// submission without retrying, with its reason.
func TestSubmitBatchStopsOnARefusal(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{MaxBody: 10})
	_, err := f.submit(t, f.reviewed(t))
	if app := appError(err); app == nil || app.Type() != ErrClearinghouseRefused || !app.NonRetryable() || !strings.Contains(app.Message(), "413") {
		t.Errorf("refused submission: %v", err)
	}
}

// CollectAcknowledgements leaves claims pending while the 277CA is not
// ready, then records each claim's outcome.
func TestCollectAcknowledgements(t *testing.T) {
	collect := func(t *testing.T, f *claimsFixture, id string) batch.AckResult {
		t.Helper()
		return run[batch.AckResult](t, f, f.a.CollectAcknowledgements, BatchRef{BatchID: id})
	}
	t.Run("not ready", func(t *testing.T) {
		f := newClaimsFixture(t, sim.ClearinghouseConfig{AckDelay: time.Hour})
		id := f.reviewed(t)
		if _, err := f.submit(t, id); err != nil {
			t.Fatal(err)
		}
		if res := collect(t, f, id); res != (batch.AckResult{Pending: 2}) {
			t.Errorf("before the 277CA: %+v", res)
		}
	})
	t.Run("ready", func(t *testing.T) {
		f := newClaimsFixture(t, sim.ClearinghouseConfig{AckDelay: time.Millisecond, RejectPrefix: "C1002"})
		id := f.reviewed(t)
		if _, err := f.submit(t, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if res := collect(t, f, id); res != (batch.AckResult{Accepted: 1, Rejected: 1}) {
			t.Errorf("after the 277CA: %+v", res)
		}
		subs, err := f.db.SubmittedClaims(context.Background(), id)
		if err != nil || len(subs) != 2 {
			t.Fatalf("ledger %+v %v", subs, err)
		}
		for _, s := range subs {
			want := store.SubmissionAccepted
			if s.ClaimID == "C1002" {
				want = store.SubmissionRejected
			}
			if s.Status != want {
				t.Errorf("claim %s is %s, want %s", s.ClaimID, s.Status, want)
			}
		}
		b, _ := f.db.Batch(context.Background(), id)
		if b.Counts.Accepted != 1 || b.Counts.PayerRejected != 1 {
			t.Errorf("batch counts %+v", b.Counts)
		}
	})
}

// A rejection at the information receiver (2200B) or billing provider
// level (2200C), with the claims under it not listed, rejects every claim
// under it; A1 leaves a claim pending, and a category outside the code list leaves it pending
// with one work item, also when collected again.
func TestCollectAcknowledgementsAppliesLevelsAndCategories(t *testing.T) {
	collect := func(t *testing.T, f *claimsFixture, id string) batch.AckResult {
		t.Helper()
		return run[batch.AckResult](t, f, f.a.CollectAcknowledgements, BatchRef{BatchID: id})
	}
	ledger := func(t *testing.T, f *claimsFixture, id string) map[string]store.SubmittedClaim {
		t.Helper()
		subs, err := f.db.SubmittedClaims(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.SubmittedClaim{}
		for _, s := range subs {
			out[s.ClaimID] = s
		}
		return out
	}
	t.Run("billing provider rejected", func(t *testing.T) {
		// Both claims are billed by 1234567893 (threeClaims, C1002 corrected).
		f := newClaimsFixture(t, sim.ClearinghouseConfig{AckDelay: time.Millisecond, RejectProviders: "1234567893"})
		id := f.reviewed(t)
		if _, err := f.submit(t, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if res := collect(t, f, id); res != (batch.AckResult{Rejected: 2}) {
			t.Errorf("after the 277CA: %+v", res)
		}
		for cid, s := range ledger(t, f, id) {
			if s.Status != store.SubmissionRejected || s.AckCategory != "A7" || s.AckCode != "562" ||
				!strings.Contains(s.Message, "billing provider level") {
				t.Errorf("claim %s: %+v", cid, s)
			}
		}
	})
	t.Run("information receiver rejected", func(t *testing.T) {
		// The fixture submits as RCMBOT (ISA06).
		f := newClaimsFixture(t, sim.ClearinghouseConfig{AckDelay: time.Millisecond, RejectSubmitters: "RCMBOT"})
		id := f.reviewed(t)
		if _, err := f.submit(t, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if res := collect(t, f, id); res != (batch.AckResult{Rejected: 2}) {
			t.Errorf("after the 277CA: %+v", res)
		}
		for cid, s := range ledger(t, f, id) {
			if s.Status != store.SubmissionRejected || s.AckCategory != "A3" || s.AckCode != "24" ||
				!strings.Contains(s.Message, "information receiver level") {
				t.Errorf("claim %s: %+v", cid, s)
			}
		}
	})
	t.Run("pending and unknown", func(t *testing.T) {
		f := newClaimsFixture(t, sim.ClearinghouseConfig{AckDelay: time.Millisecond, PendingPrefix: "C1001", UnknownPrefix: "C1002"})
		id := f.reviewed(t)
		if _, err := f.submit(t, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		for range 2 {
			if res := collect(t, f, id); res != (batch.AckResult{Pending: 2}) {
				t.Errorf("after the 277CA: %+v", res)
			}
		}
		l := ledger(t, f, id)
		if s := l["C1001"]; s.Status != store.SubmissionPending || s.AckCategory != "A1" || !strings.Contains(s.Message, "not yet accepted") {
			t.Errorf("A1: %+v", s)
		}
		if s := l["C1002"]; s.Status != store.SubmissionPending || s.AckCategory != "R9" {
			t.Errorf("R9: %+v", s)
		}
		items, err := f.db.WorkItems(context.Background(), store.WorkItemOpen, id, store.All)
		if err != nil || len(items) != 1 || items[0].Kind != batch.WorkItemKind || items[0].ResultID != "C1002" || items[0].ReasonCode != "277CA_R9" {
			t.Fatalf("work items %+v %v", items, err)
		}
	})
}

// FinishBatch records the final status (and a failure's reason) and
// returns the figures staff read.
func TestFinishBatch(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{AckDelay: time.Millisecond})
	id := f.reviewed(t)
	if _, err := f.submit(t, id); err != nil {
		t.Fatal(err)
	}
	out := run[batch.Outcome](t, f, f.a.FinishBatch, FinishInput{BatchID: id, Status: batch.Completed})
	// The corrected claim re-scrubbed clean counts as clean (tier), as the
	// batch list does.
	if out.Claims != 3 || out.Clean != 2 || out.CleanClaimRate != 2.0/3 || out.Submitted != 2 || out.Unsubmitted != 1 || out.ChargesHeld != claim.Money(9500) {
		t.Errorf("outcome %+v", out)
	}
	b, err := f.db.Batch(context.Background(), id)
	if err != nil || b.Status != batch.Completed || b.CompletedAt.IsZero() {
		t.Errorf("batch %+v %v", b, err)
	}

	failed := f.upload(t, "claims.pdf", "%PDF")
	if _, err := f.env.ExecuteActivity(f.a.FinishBatch, FinishInput{BatchID: failed, Status: batch.Failed, Reason: "claims.pdf is not an xlsx or csv file"}); err != nil {
		t.Fatal(err)
	}
	if b, err := f.db.Batch(context.Background(), failed); err != nil || b.Status != batch.Failed || b.FailureReason != "claims.pdf is not an xlsx or csv file" {
		t.Errorf("failed batch %+v %v", b, err)
	}
}

// A rendering NPI nobody set up holds its claims with one need for the
// batch; once the provider is saved, RescrubForProviders makes them clean
// and the batch needs nothing more.
func TestRescrubForProviders(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	ctx := context.Background()
	// C1001 and C1002 (C1002's billing NPI corrected below) name a
	// rendering NPI that neither practice.yaml nor the store knows.
	content := strings.ReplaceAll(threeClaims, ",1299000012,", ",1300000001,")
	content = strings.Replace(content, "Sunrise Family Clinic,1234567890,", "Sunrise Family Clinic,1234567893,", 1)
	id := f.upload(t, "monday.csv", content)
	res := f.scrub(t, id)
	if !reflect.DeepEqual(res.ProvidersNeeded, []batch.ProviderNeed{{NPI: "1300000001", Claims: 3}}) {
		t.Fatalf("providers needed %+v", res.ProvidersNeeded)
	}
	if needs, err := f.db.ProviderNeeds(ctx, id); err != nil || len(needs) != 1 {
		t.Fatalf("stored needs %+v %v", needs, err)
	}
	if c := f.claim(t, id, "C1001"); c.Tier != scrub.TierHold || c.State != batch.StatePending {
		t.Fatalf("C1001 before: %s %s", c.Tier, c.State)
	}
	// Nothing set up yet: the re-scrub changes nothing.
	out := run[RescrubResult](t, f, f.a.RescrubForProviders, BatchRef{BatchID: id})
	if len(out.Outcomes) != 3 || out.Outcomes[0].Resolved || len(out.ProvidersNeeded) != 1 {
		t.Fatalf("re-scrub without the provider: %+v", out)
	}
	if err := f.db.SaveProviders(ctx, []provider.Provider{{NPI: "1300000001", Entity: provider.Individual, LastName: "NEWDOC", FirstName: "PAT"}}, "ana"); err != nil {
		t.Fatal(err)
	}
	out = run[RescrubResult](t, f, f.a.RescrubForProviders, BatchRef{BatchID: id})
	resolved := map[string]bool{}
	for _, o := range out.Outcomes {
		resolved[o.ClaimID] = o.Resolved
	}
	// C1003 has units that cannot be read: still held.
	if !reflect.DeepEqual(resolved, map[string]bool{"C1001": true, "C1002": true, "C1003": false}) || len(out.ProvidersNeeded) != 0 {
		t.Fatalf("re-scrub with the provider: %+v", out)
	}
	if c := f.claim(t, id, "C1001"); c.Tier != scrub.TierClean || c.State != batch.StateClean {
		t.Errorf("C1001 after: %s %s", c.Tier, c.State)
	}
	if c := f.claim(t, id, "C1003"); !slices.ContainsFunc(c.Findings, func(f store.Finding) bool { return f.RuleID == scrubfile.RuleUnreadable }) {
		t.Errorf("C1003 lost its unreadable cell: %+v", c.Findings)
	}
	if needs, err := f.db.ProviderNeeds(ctx, id); err != nil || len(needs) != 0 {
		t.Errorf("stored needs after %+v %v", needs, err)
	}
	sub, err := f.submit(t, id)
	if err != nil || sub.Claims != 2 {
		t.Errorf("submitted %+v %v", sub, err)
	}
}
