package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/x12"
	"github.com/rcmbot/rcmbot/workflows"
)

// storeClaims is the ClaimsBot these tests use until package claimsbot
// (the claims bot over Temporal) is plugged in. It runs a batch in this
// process with the parts the bot's activities use — intake reads the file,
// scrub scores the claims with the starter reference data, x12 writes the
// 837P — and keeps everything in the real store. It stands in for the
// workflow only: a goroutine moves the batch through parsing, scrubbing,
// awaiting_review, submitting and completed (acknowledging every sent claim
// as accepted), and Review applies actions directly, refusing what the
// workflow's validator refuses (a batch not awaiting review, a claim not
// pending, approving a held claim) and, per claim, what the review
// activity refuses (sending a claim the 837P cannot carry).
type storeClaims struct {
	db    *store.DB
	delay time.Duration // pause at each status, so pages can show progress

	mu       sync.Mutex // guards scrubber and files
	scrubber *scrub.Scrubber
	files    map[string][]byte // uploads by batch ID (the real bot keeps them encrypted on disk)
	wg       sync.WaitGroup
}

func newStoreClaims(t testing.TB, db *store.DB, delay time.Duration) *storeClaims {
	t.Helper()
	ref, err := refdata.Starter()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scrub.New(ref, scrub.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := &storeClaims{db: db, delay: delay, scrubber: sc, files: map[string][]byte{}}
	t.Cleanup(c.wg.Wait) // before the database closes
	return c
}

// fileError is a refused upload, as claimsbot.FileError.
type fileError struct{ msg string }

func (e *fileError) Error() string       { return e.msg }
func (e *fileError) UserMessage() string { return e.msg }

func (c *storeClaims) SubmitBatch(ctx context.Context, file io.Reader, fileName, uploadedBy string) (store.Batch, error) {
	data, err := io.ReadAll(file)
	if err != nil {
		return store.Batch{}, fmt.Errorf("read upload %s: %w", fileName, err)
	}
	rd, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), fileName, intake.Options{})
	var fe *intake.FileError
	if errors.As(err, &fe) {
		return store.Batch{}, &fileError{fe.Error()}
	}
	if err != nil {
		return store.Batch{}, err
	}
	rd.Close()
	id := store.NewID("b-")
	b, err := c.db.CreateBatch(ctx, store.NewBatch{ID: id, FileName: fileName, UploadRef: "memory/" + id, WorkflowID: "claims-batch-" + id, UploadedBy: uploadedBy})
	if err != nil {
		return store.Batch{}, err
	}
	c.mu.Lock()
	c.files[id] = data
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := c.run(context.Background(), id, data, fileName); err != nil {
			c.db.SetBatchStatus(context.Background(), id, store.BatchFailed, err.Error())
		}
	}()
	return b, nil
}

func (c *storeClaims) pause() { time.Sleep(c.delay) }

// run parses, scrubs and stores a batch, then waits for review or submits.
func (c *storeClaims) run(ctx context.Context, id string, data []byte, name string) error {
	c.pause()
	rd, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), name, intake.Options{})
	if err != nil {
		return err
	}
	defer rd.Close()
	var claims []claim.Claim
	var rowErrs []intake.RowError
	for {
		cs, es, err := rd.Next(500)
		claims, rowErrs = append(claims, cs...), append(rowErrs, es...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := c.db.SetBatchStatus(ctx, id, store.BatchScrubbing, ""); err != nil {
		return err
	}
	c.pause()
	c.mu.Lock()
	rep := c.scrubber.Scrub(claims, scrub.Context{Today: claim.DateOf(time.Now())})
	c.mu.Unlock()
	held := intake.HeldClaims(rowErrs)
	env := envelope(claims, 1)
	recs := make([]store.ClaimRecord, len(claims))
	for i := range claims {
		structural(env, &claims[i], &rep.Results[i])
		recs[i] = record(rd.Layout(), claims[i], rep.Results[i], held[claims[i].ID])
	}
	if err := c.db.SaveClaims(ctx, id, 0, recs); err != nil {
		return err
	}
	var serrs []store.RowError
	for _, e := range rowErrs {
		serrs = append(serrs, store.RowError{Sheet: e.Sheet, Row: e.Row, Column: e.Column, Header: e.Header, Value: e.Value, Message: e.Message, ClaimID: e.ClaimID})
	}
	if err := c.db.SaveRowErrors(ctx, id, 0, serrs); err != nil {
		return err
	}
	counts, err := c.db.RecountBatch(ctx, id)
	if err != nil {
		return err
	}
	if counts.Flagged > 0 {
		return c.db.SetBatchStatus(ctx, id, store.BatchAwaitingReview, "")
	}
	return c.submit(ctx, id)
}

// envelope is the 837P envelope the real bot writes with: the practice
// file, plus a name for any other provider the test files name.
func envelope(claims []claim.Claim, isa int64) *x12.Envelope837 {
	p := practice.Starter()
	env := &x12.Envelope837{
		Envelope:      x12.Envelope{SenderID: "RCMBOT", ReceiverID: "CLEARINGHOUSE", InterchangeControl: int(isa), GroupControl: int(isa), TransactionControl: 1, Time: time.Now()},
		Submitter:     p.Submitter,
		Receiver:      p.Receiver,
		Practitioners: p.Practitioners(),
	}
	for _, c := range claims {
		for _, npi := range []string{c.RenderingNPI, c.ReferringNPI} {
			if _, ok := env.Practitioners[npi]; npi != "" && !ok {
				env.Practitioners[npi] = x12.Practitioner{LastName: "PRACTITIONER", FirstName: "TEST"}
			}
		}
	}
	return env
}

// structural adds what the 837P would refuse to a scrub result, as the
// real scrub does (scrubfile.Not837P): one error per refused field the
// scorer has not flagged, and the claim is held.
func structural(env *x12.Envelope837, c *claim.Claim, res *scrub.Result) {
	err := x12.Check837P(env, c)
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var ce *x12.ClaimError
		if !errors.As(e, &ce) || slices.ContainsFunc(res.Findings, func(f scrub.Finding) bool { return f.Field == ce.Field && f.Line == ce.Line }) {
			continue
		}
		row := c.Row
		if ce.Line > 0 && ce.Line <= len(c.Lines) {
			row = c.Lines[ce.Line-1].Row
		}
		res.Findings = append(res.Findings, scrub.Finding{ClaimID: c.ID, Line: ce.Line, Category: scrub.CatRequired, RuleID: "X12-837P-001",
			Severity: scrub.SevError, Field: ce.Field, Message: "Cannot be sent as an 837P: " + ce.Msg, CARC: "16", Points: 40, Row: row})
		res.Score = min(100, res.Score+40)
		res.Tier = scrub.TierHold
	}
}

// record turns a scrub result into what the store keeps.
func record(l *intake.Layout, c claim.Claim, res scrub.Result, held bool) store.ClaimRecord {
	rec := store.ClaimRecord{Claim: c, Score: res.Score, Tier: store.Tier(res.Tier), State: store.StateClean}
	for _, f := range res.Findings {
		col := ""
		if cc, ok := l.Column(f.Field); ok {
			col = cc.Letter
		}
		rec.Findings = append(rec.Findings, store.Finding{Line: f.Line, Category: string(f.Category), RuleID: f.RuleID,
			Severity: store.Severity(f.Severity), Field: f.Field, Message: f.Message, Fix: f.Fix, CARC: f.CARC, Points: f.Points,
			Row: f.Row, Column: col})
	}
	if held && rec.Tier == store.TierClean {
		rec.Tier = store.TierHold
	}
	if rec.Tier != store.TierClean {
		rec.State = store.StatePending
	}
	return rec
}

// submit writes the submittable claims as one 837P, records it in the
// ledger as sent and accepted, and completes the batch.
func (c *storeClaims) submit(ctx context.Context, id string) error {
	if err := c.db.SetBatchStatus(ctx, id, store.BatchSubmitting, ""); err != nil {
		return err
	}
	c.pause()
	recs, err := c.db.ClaimsToSubmit(ctx, id, store.All)
	if err != nil {
		return err
	}
	n, err := c.db.NextControlNumber(ctx, "isa")
	if err != nil {
		return err
	}
	all := make([]claim.Claim, len(recs))
	for i, r := range recs {
		all[i] = r.Claim
	}
	env := envelope(all, n)
	var claims []claim.Claim
	var ids []string
	for _, r := range recs {
		if x12.Check837P(env, &r.Claim) == nil {
			claims, ids = append(claims, r.Claim), append(ids, r.Claim.ID)
		}
	}
	if len(claims) > 0 {
		var buf bytes.Buffer
		if _, err := x12.Write837P(&buf, *env, claims); err != nil {
			return err
		}
		ic, err := c.db.ReserveInterchange(ctx, store.Interchange{BatchID: id, ControlNumber: n, GroupNumber: n, IdempotencyKey: id + "-1",
			PayerID: claims[0].PayerID, Content: buf.String()}, ids)
		if err != nil {
			return err
		}
		if err := c.db.MarkInterchangeSent(ctx, ic.ID); err != nil {
			return err
		}
		if err := c.db.RecordInterchangeAck(ctx, ic.ID, store.InterchangeAck{Code: "A"}); err != nil {
			return err
		}
		for _, cid := range ids {
			if err := c.db.RecordClaimAck(ctx, id, cid, store.ClaimAck{Status: store.SubmissionAccepted, Category: "A2", Code: "20", PayerClaimNumber: "PCN" + cid}); err != nil {
				return err
			}
		}
	}
	if _, err := c.db.RecountBatch(ctx, id); err != nil {
		return err
	}
	return c.db.SetBatchStatus(ctx, id, store.BatchCompleted, "")
}

func (c *storeClaims) Progress(ctx context.Context, batchID string) (workflows.BatchProgress, error) {
	b, err := c.db.Batch(ctx, batchID)
	if err != nil {
		return workflows.BatchProgress{}, err
	}
	pending, err := c.db.Claims(ctx, store.ClaimFilter{BatchID: batchID, States: []store.ReviewState{store.StatePending}}, store.All)
	if err != nil {
		return workflows.BatchProgress{}, err
	}
	return workflows.BatchProgress{BatchID: batchID, Status: string(b.Status), PendingReview: len(pending)}, nil
}

// reviewRejected is a review the workflow's validator refuses.
type reviewRejected struct{ msg string }

func (e *reviewRejected) Error() string       { return e.msg }
func (e *reviewRejected) UserMessage() string { return e.msg }

func (c *storeClaims) Review(ctx context.Context, batchID, reviewer string, actions []activities.ReviewAction) ([]activities.ReviewOutcome, error) {
	b, err := c.db.Batch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if b.Status != store.BatchAwaitingReview {
		return nil, &reviewRejected{fmt.Sprintf("batch %s is %s, not awaiting review", batchID, b.Status)}
	}
	recs := make([]store.ClaimRecord, len(actions))
	for i, a := range actions {
		if err := a.Validate(); err != nil {
			return nil, &reviewRejected{fmt.Sprintf("action %d (claim %s): %v", i+1, a.ClaimID, err)}
		}
		rec, err := c.db.Claim(ctx, batchID, a.ClaimID)
		if err != nil || rec.State != store.StatePending {
			return nil, &reviewRejected{fmt.Sprintf("action %d: claim %s is not awaiting review in batch %s", i+1, a.ClaimID, batchID)}
		}
		if rec.Tier == store.TierHold && a.Action == activities.ActionApprove {
			return nil, &reviewRejected{fmt.Sprintf("action %d: claim %s has errors that will get it denied: correct it, reject it, or override with a reason", i+1, a.ClaimID)}
		}
		recs[i] = rec
	}
	outs := make([]activities.ReviewOutcome, len(actions))
	for i, a := range actions {
		out, err := c.apply(ctx, batchID, reviewer, a, recs[i])
		if err != nil {
			return nil, err
		}
		outs[i] = out
	}
	counts, err := c.db.RecountBatch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if counts.Unreviewed == 0 {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := c.submit(context.Background(), batchID); err != nil {
				c.db.SetBatchStatus(context.Background(), batchID, store.BatchFailed, err.Error())
			}
		}()
	}
	return outs, nil
}

func (c *storeClaims) apply(ctx context.Context, batchID, reviewer string, a activities.ReviewAction, rec store.ClaimRecord) (activities.ReviewOutcome, error) {
	ra := store.ReviewAction{BatchID: batchID, ClaimID: a.ClaimID, Action: store.ReviewActionKind(a.Action), Reviewer: reviewer, Reason: a.Reason}
	if a.Action == activities.ActionApprove || a.Action == activities.ActionOverride {
		// "Send it" is refused when the 837P cannot carry the claim, as
		// the real activity refuses it.
		if err := x12.Check837P(envelope([]claim.Claim{rec.Claim}, 1), &rec.Claim); err != nil {
			return activities.ReviewOutcome{ClaimID: a.ClaimID, State: string(rec.State), Tier: string(rec.Tier), Findings: len(rec.Findings),
				Error: "cannot be sent as an 837P (" + err.Error() + "): correct the claim or reject it"}, nil
		}
	}
	if a.Action != activities.ActionCorrect {
		if err := c.db.ApplyReview(ctx, ra); err != nil {
			return activities.ReviewOutcome{}, err
		}
		state := map[string]string{activities.ActionApprove: "approved", activities.ActionOverride: "overridden", activities.ActionReject: "rejected"}[a.Action]
		return activities.ReviewOutcome{ClaimID: a.ClaimID, State: state, Resolved: true, Findings: len(rec.Findings)}, nil
	}
	changes, err := applyFields(&rec.Claim, a.Fields)
	if err != nil {
		return activities.ReviewOutcome{ClaimID: a.ClaimID, State: "pending", Error: err.Error()}, nil
	}
	ra.Changes = changes
	if err := c.db.ApplyReview(ctx, ra); err != nil {
		return activities.ReviewOutcome{}, err
	}
	c.mu.Lock()
	res := c.scrubber.Rescrub([]claim.Claim{rec.Claim}, 0, scrub.Context{Today: claim.DateOf(time.Now())})
	c.mu.Unlock()
	structural(envelope([]claim.Claim{rec.Claim}, 1), &rec.Claim, &res)
	updated := record(&intake.Layout{}, rec.Claim, res, false)
	// Keep the cells the old findings pointed at: the layout of the file
	// is what maps fields to columns.
	for i := range updated.Findings {
		for _, old := range rec.Findings {
			if old.Field == updated.Findings[i].Field {
				updated.Findings[i].Column = old.Column
			}
		}
	}
	updated.State = store.StateCorrected
	if updated.Tier != store.TierClean {
		updated.State = store.StatePending
	}
	if err := c.db.UpdateClaim(ctx, store.ClaimRecord{BatchID: batchID, Claim: updated.Claim, Score: updated.Score, Tier: updated.Tier,
		State: updated.State, Findings: updated.Findings}); err != nil {
		return activities.ReviewOutcome{}, err
	}
	return activities.ReviewOutcome{ClaimID: a.ClaimID, State: string(updated.State), Resolved: updated.State == store.StateCorrected,
		Tier: string(updated.Tier), Findings: len(updated.Findings)}, nil
}

// applyFields sets corrected values on a claim, for the fields reviewers
// correct most; others are refused with a reason.
func applyFields(c *claim.Claim, fields map[string]string) ([]store.FieldChange, error) {
	var out []store.FieldChange
	for key, v := range fields {
		name, lineText, _ := strings.Cut(key, "@")
		f := claim.Field(name)
		line, _ := strconv.Atoi(lineText)
		from := c.Value(f, line)
		if claim.IsLineField(f) && (line < 1 || line > len(c.Lines)) {
			return nil, fmt.Errorf("%s: the claim has no line %q", name, lineText)
		}
		switch {
		case f == claim.FieldBillingNPI:
			c.Billing.NPI = strings.TrimSpace(v)
		case f == claim.FieldRenderingNPI:
			c.RenderingNPI = strings.TrimSpace(v)
		case f == claim.FieldPlaceOfService:
			c.PlaceOfService = intake.ParsePOS(v)
		case strings.HasPrefix(name, "dx"):
			n, err := strconv.Atoi(strings.TrimPrefix(name, "dx"))
			dx, perr := intake.ParseDiagnosis(v)
			if err != nil || n < 1 || n > len(c.Diagnoses) || perr != nil {
				return nil, fmt.Errorf("%s: not a diagnosis position or code", name)
			}
			c.Diagnoses[n-1] = dx
		case f == claim.FieldProcedureCode:
			code, _, err := intake.ParseProcedure(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			c.Lines[line-1].Procedure = code
		case f == claim.FieldUnits:
			u, err := intake.ParseUnits(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			c.Lines[line-1].Units = u
		case f == claim.FieldLineCharge:
			m, err := claim.ParseMoney(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			c.Lines[line-1].Charge = m
		default:
			return nil, fmt.Errorf("%s cannot be corrected in review; fix it in the practice system and upload again", name)
		}
		out = append(out, store.FieldChange{Field: f, Line: line, From: from, To: c.Value(f, line)})
	}
	return out, nil
}

func (c *storeClaims) upload(id string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.files[id]
	if !ok {
		return nil, fmt.Errorf("upload of batch %s: %w", id, store.ErrNotFound)
	}
	return data, nil
}

// WriteAnnotated writes the uploaded workbook (a CSV becomes a sheet) with
// every offending cell filled red (error) or amber (warning), and a
// Findings sheet.
func (c *storeClaims) WriteAnnotated(ctx context.Context, batchID string, w io.Writer) error {
	b, err := c.db.Batch(ctx, batchID)
	if err != nil {
		return err
	}
	data, err := c.upload(batchID)
	if err != nil {
		return err
	}
	rd, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), b.FileName, intake.Options{})
	if err != nil {
		return err
	}
	l := rd.Layout()
	rd.Close()
	var f *excelize.File
	sheet := l.Sheet
	if l.Format == intake.FormatXLSX {
		if f, err = excelize.OpenReader(bytes.NewReader(data)); err != nil {
			return err
		}
	} else {
		f, sheet = excelize.NewFile(), "Sheet1"
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		for row := 1; ; row++ {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			vals := make([]any, len(rec))
			for i, v := range rec {
				vals[i] = v
			}
			if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(row), &vals); err != nil {
				return err
			}
		}
	}
	defer f.Close()
	red, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F8B4B4"}}})
	if err != nil {
		return err
	}
	amber, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE8B2"}}})
	if err != nil {
		return err
	}
	if _, err := f.NewSheet("Findings"); err != nil {
		return err
	}
	head := []any{"Claim", "Line", "Category", "Rule", "Severity", "Message", "Fix", "CARC", "Cell"}
	if err := f.SetSheetRow("Findings", "A1", &head); err != nil {
		return err
	}
	fs, err := c.db.Findings(ctx, batchID, store.FindingFilter{}, store.All)
	if err != nil {
		return err
	}
	for i, fd := range fs {
		cell := ""
		if fd.Column != "" && fd.Row > 0 {
			cell = fd.Column + strconv.Itoa(fd.Row)
			style := amber
			if fd.Severity == store.SeverityError {
				style = red
			}
			if err := f.SetCellStyle(sheet, cell, cell, style); err != nil {
				return err
			}
		}
		row := []any{fd.ClaimID, fd.Line, fd.Category, fd.RuleID, string(fd.Severity), fd.Message, fd.Fix, fd.CARC, cell}
		if err := f.SetSheetRow("Findings", "A"+strconv.Itoa(i+2), &row); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func (c *storeClaims) Write837P(ctx context.Context, batchID string, w io.Writer) error {
	ics, err := c.db.Interchanges(ctx, batchID, "")
	if err != nil {
		return err
	}
	for _, ic := range ics {
		if _, err := io.WriteString(w, ic.Content); err != nil {
			return err
		}
	}
	return nil
}

func (c *storeClaims) DeleteBatch(ctx context.Context, batchID string) error {
	c.mu.Lock()
	delete(c.files, batchID)
	c.mu.Unlock()
	return c.db.DeleteBatch(ctx, batchID)
}

// wait blocks until the batch has left parsing and scrubbing (and
// submitting), failing the test after a while.
func (c *storeClaims) wait(t testing.TB, id string, want ...store.BatchStatus) store.Batch {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := c.db.Batch(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range want {
			if b.Status == s {
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s is %s after 30s, want %v (%s)", id, b.Status, want, b.FailureReason)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storeEligibility is the EligibilityBot these tests use until the
// eligibility bot's own is plugged in: it asks the real payer client,
// talking to the payer simulator over HTTP, and stores each answer in the
// real store, as the EligibilityCheck workflow's activity does.
type storeEligibility struct {
	db     *store.DB
	client *payer.Client
	sim    *sim.PayerSim
}

func newStoreEligibility(t testing.TB, db *store.DB) *storeEligibility {
	t.Helper()
	ps, err := sim.NewPayerSim(sim.PayerConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ps)
	t.Cleanup(srv.Close)
	return &storeEligibility{db: db, sim: ps, client: payer.New(payers.Starter(), payer.NewPool(), payer.Options{DefaultURL: srv.URL})}
}

func (e *storeEligibility) Check(ctx context.Context, req eligibility.Request, requestedBy string) (store.EligibilityResult, error) {
	// The practice's own NPI and name when the form leaves them out.
	if req.ProviderNPI == "" {
		req.ProviderNPI, req.ProviderName = "1234567893", "TEST CLINIC"
	}
	return e.check(ctx, req, "", "")
}

func (e *storeEligibility) check(ctx context.Context, req eligibility.Request, sweepID, patientID string) (store.EligibilityResult, error) {
	res, err := e.client.Check(ctx, req)
	var pe *payer.PermanentError
	var re *payer.RetryableError
	status := store.EligibilityError
	switch {
	case err == nil:
		status = map[eligibility.Status]store.EligibilityStatus{
			eligibility.StatusActive: store.EligibilityActive, eligibility.StatusInactive: store.EligibilityInactive,
			eligibility.StatusUnknownMember: store.EligibilityUnknownMember, eligibility.StatusRetryLater: store.EligibilityPending,
		}[res.Status]
		if status == "" {
			status = store.EligibilityError
		}
	case errors.As(err, &pe):
		res = &eligibility.Result{Status: eligibility.StatusError, Reason: pe.Reason, DateOfService: req.DateOfService}
		if strings.Contains(pe.Reason, "72") || strings.Contains(pe.Reason, "75") {
			res.Status, status = eligibility.StatusUnknownMember, store.EligibilityUnknownMember
		}
	case errors.As(err, &re):
		res, status = &eligibility.Result{Status: eligibility.StatusRetryLater, Reason: re.Reason, DateOfService: req.DateOfService}, store.EligibilityPending
	default:
		return store.EligibilityResult{}, err
	}
	res.Raw = nil // kept encrypted in blob storage by the real bot
	model, err := json.Marshal(res)
	if err != nil {
		return store.EligibilityResult{}, err
	}
	key := sha256.Sum256([]byte(req.PayerID + "|" + req.MemberID))
	return e.db.SaveEligibilityResult(ctx, store.EligibilityResult{SweepID: sweepID, PatientID: patientID, PayerID: req.PayerID,
		MemberKey: hex.EncodeToString(key[:]), DOS: req.DateOfService, Status: status, Result: model})
}

// sweep checks every simulator roster member of one payer for a date, as
// the nightly sweep does, and returns the sweep.
func (e *storeEligibility) sweep(t testing.TB, date claim.Date, payerID string) store.Sweep {
	t.Helper()
	ctx := context.Background()
	sw, err := e.db.CreateSweep(ctx, store.Sweep{Date: date, WorkflowID: "eligibility-sweep-" + date.String()})
	if err != nil {
		t.Fatal(err)
	}
	var counts store.SweepCounts
	for i, m := range e.sim.Roster() {
		if m.PayerID != payerID {
			continue
		}
		counts.Members++
		r, err := e.check(ctx, eligibility.Request{PayerID: m.PayerID, MemberID: m.ID, FirstName: m.FirstName, LastName: m.LastName, DOB: m.DOB,
			DateOfService: date, ProviderNPI: "1234567893", ProviderName: "TEST CLINIC"}, sw.ID, fmt.Sprintf("P%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		counts.Checked++
		switch r.Status {
		case store.EligibilityActive:
			counts.Active++
		case store.EligibilityInactive:
			counts.Inactive++
		case store.EligibilityUnknownMember:
			counts.Unknown++
			if _, err := e.db.AddWorkItem(ctx, store.WorkItem{Kind: "eligibility", SweepID: sw.ID, ResultID: r.ID, PatientID: r.PatientID,
				PayerID: r.PayerID, ReasonCode: "75", Message: "The payer does not know this member: check the member ID with the patient."}); err != nil {
				t.Fatal(err)
			}
		default:
			counts.Failed++
		}
	}
	if err := e.db.UpdateSweep(ctx, sw.ID, store.SweepCompleted, counts, ""); err != nil {
		t.Fatal(err)
	}
	sw, err = e.db.Sweep(ctx, sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

func (e *storeEligibility) SweepResults(ctx context.Context, date claim.Date) (store.Sweep, []store.EligibilityResult, error) {
	sws, err := e.db.SweepsForDate(ctx, date)
	if err != nil {
		return store.Sweep{}, nil, err
	}
	if len(sws) == 0 {
		return store.Sweep{}, nil, fmt.Errorf("sweep for %s: %w", date, store.ErrNotFound)
	}
	rs, err := e.db.EligibilityResults(ctx, store.EligibilityFilter{SweepID: sws[0].ID}, store.All)
	return sws[0], rs, err
}

func (e *storeEligibility) WriteWorklist(ctx context.Context, date claim.Date, w io.Writer) error {
	_, rs, err := e.SweepResults(ctx, date)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	head := []any{"Patient", "Payer", "Status", "What to do"}
	if err := f.SetSheetRow("Sheet1", "A1", &head); err != nil {
		return err
	}
	for i, r := range rs {
		var m eligibility.Result
		_ = json.Unmarshal(r.Result, &m)
		row := []any{r.PatientID, r.PayerID, string(r.Status), m.Reason}
		if err := f.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+2), &row); err != nil {
			return err
		}
	}
	return f.Write(w)
}

var (
	_ ClaimsBot      = (*storeClaims)(nil)
	_ EligibilityBot = (*storeEligibility)(nil)
)
