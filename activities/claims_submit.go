package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/clearinghouse"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// SubmissionStore is what submission needs of the database.
type SubmissionStore interface {
	ClaimsToSubmit(ctx context.Context, batchID string, p store.Page) ([]store.ClaimRecord, error)
	NextControlNumber(ctx context.Context, kind string) (int64, error)
	ReserveInterchange(ctx context.Context, ic store.Interchange, claimIDs []string) (store.Interchange, error)
	Interchanges(ctx context.Context, batchID string, status store.InterchangeStatus) ([]store.Interchange, error)
	MarkInterchangeSent(ctx context.Context, id string) error
	RecordInterchangeAck(ctx context.Context, id string, ack store.InterchangeAck) error
	RecordClaimAck(ctx context.Context, batchID, claimID string, ack store.ClaimAck) error
	AddWorkItem(ctx context.Context, w store.WorkItem) (store.WorkItem, error)
	Providers(ctx context.Context, p store.Page) ([]provider.Provider, error)
	Facilities(ctx context.Context) ([]provider.Facility, error)
	SubmittedClaims(ctx context.Context, batchID string) ([]store.SubmittedClaim, error)
	RecountBatch(ctx context.Context, id string) (store.BatchCounts, error)
}

// Submission is how claims reach the clearinghouse.
type Submission struct {
	DB       SubmissionStore
	Client   *clearinghouse.Client
	Practice *practice.Practice
	Payers   *payers.Directory
	// SenderID and ReceiverID are ISA06 and ISA08; Usage is ISA15 (T or P).
	SenderID, ReceiverID, Usage string
	// MaxClaims bounds the claims read and sent per round (0 or more than
	// store.MaxPageSize = store.MaxPageSize): each round's claims go out
	// in one interchange per payer, so memory stays bounded.
	MaxClaims int
	// Now stamps the interchanges; nil means time.Now.
	Now func() time.Time
}

// Envelope returns the 837P envelope for the given control numbers: every
// 837P rcmbot writes, and the structural check the scrub applies, use it.
// Rendering and referring providers are named from practice.yaml and the
// providers set up in the store (which win where both name an NPI); the
// facilities set up fill a service facility a claim names by NPI only.
func (s *Submission) Envelope(ctx context.Context, isa, gs int64, at time.Time) (x12.Envelope837, error) {
	env := s.Practice.Envelope837(x12.Envelope{SenderID: s.SenderID, ReceiverID: s.ReceiverID, Usage: s.Usage,
		InterchangeControl: int(isa), GroupControl: int(gs), TransactionControl: 1, Time: at, Newline: true}, s.Payers)
	ps, err := s.DB.Providers(ctx, store.All)
	if err != nil {
		return env, err
	}
	env.Practitioners = provider.Practitioners(env.Practitioners, ps)
	fs, err := s.DB.Facilities(ctx)
	if err != nil {
		return env, err
	}
	env.Facilities = provider.FacilitiesByNPI(fs)
	return env, nil
}

// SubmitBatch sends the batch's clean, approved, overridden and corrected
// claims as 837P, exactly once per claim: every interchange is recorded in
// the ledger with its claims and an idempotency key before it is sent, a
// claim in the ledger is never put in another interchange, and a retry
// first re-sends (same key, same bytes) whatever was reserved but not
// confirmed sent, which the clearinghouse answers without receiving the
// claims again.
func (a *Claims) SubmitBatch(ctx context.Context, in BatchRef) (batch.SubmitResult, error) {
	s := a.Submit
	var res batch.SubmitResult
	reserved, err := s.DB.Interchanges(ctx, in.BatchID, store.InterchangeReserved)
	if err != nil {
		return res, err
	}
	for _, ic := range reserved {
		if err := a.send(ctx, ic, &res); err != nil {
			return res, err
		}
	}
	max := s.MaxClaims
	if max <= 0 || max > store.MaxPageSize {
		max = store.MaxPageSize
	}
	check, err := s.Envelope(ctx, 1, 1, time.Time{})
	if err != nil {
		return res, err
	}
	skipped := 0 // unwritable claims stay in ClaimsToSubmit: page past them
	for {
		recs, err := s.DB.ClaimsToSubmit(ctx, in.BatchID, store.Page{Limit: max, Offset: skipped})
		if err != nil {
			return res, err
		}
		if len(recs) == 0 {
			break
		}
		byPayer := map[string][]claim.Claim{}
		for _, r := range recs {
			if err := x12.Check837P(&check, &r.Claim); err != nil {
				// Review refuses to approve such claims; one approved before
				// a practice-file change may still slip through: it stays
				// unsubmitted and is counted, the rest go out.
				res.Unsubmittable++
				skipped++
				a.log().Warn("claim cannot be written as 837P", "batch_id", in.BatchID, "claim_id", r.Claim.ID)
				continue
			}
			byPayer[r.Claim.PayerID] = append(byPayer[r.Claim.PayerID], r.Claim)
		}
		payerIDs := make([]string, 0, len(byPayer))
		for id := range byPayer {
			payerIDs = append(payerIDs, id)
		}
		sort.Strings(payerIDs)
		for _, pid := range payerIDs {
			ic, err := a.reserve(ctx, in.BatchID, pid, byPayer[pid])
			if err != nil {
				return res, err
			}
			if err := a.send(ctx, ic, &res); err != nil {
				return res, err
			}
		}
	}
	counts, err := s.DB.RecountBatch(ctx, in.BatchID)
	if err != nil {
		return res, err
	}
	res.Ledgered = counts.Submitted
	return res, nil
}

// reserve writes one interchange and records it, with its claims, before
// anything is sent.
func (a *Claims) reserve(ctx context.Context, batchID, payerID string, claims []claim.Claim) (store.Interchange, error) {
	s := a.Submit
	isa, err := s.DB.NextControlNumber(ctx, "isa")
	if err != nil {
		return store.Interchange{}, err
	}
	gs, err := s.DB.NextControlNumber(ctx, "gs")
	if err != nil {
		return store.Interchange{}, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	env, err := s.Envelope(ctx, isa, gs, now().UTC())
	if err != nil {
		return store.Interchange{}, err
	}
	env.BatchID = batchID
	var buf bytes.Buffer
	if _, err := x12.Write837P(&buf, env, claims); err != nil {
		// Every claim passed Check837P above; this is a defect in the writer.
		return store.Interchange{}, temporal.NewNonRetryableApplicationError(
			"claims approved for submission cannot be written as 837P: "+err.Error(), ErrUnsubmittable, nil)
	}
	ids := make([]string, len(claims))
	for i := range claims {
		ids[i] = claims[i].ID
	}
	ic := store.Interchange{BatchID: batchID, ControlNumber: isa, GroupNumber: gs, PayerID: payerID,
		IdempotencyKey: fmt.Sprintf("rcmbot-%s-%09d", batchID, isa), Content: buf.String()}
	return s.DB.ReserveInterchange(ctx, ic, ids)
}

// send posts a reserved interchange and records its 999.
func (a *Claims) send(ctx context.Context, ic store.Interchange, res *batch.SubmitResult) error {
	s := a.Submit
	ack, err := s.Client.Submit(ctx, ic.IdempotencyKey, []byte(ic.Content))
	if err != nil {
		return remoteError("submit interchange "+strconv.FormatInt(ic.ControlNumber, 10), err)
	}
	if err := s.DB.MarkInterchangeSent(ctx, ic.ID); err != nil {
		return err
	}
	doc, err := x12.Read837P([]byte(ic.Content))
	if err != nil {
		return fmt.Errorf("read back interchange %d: %w", ic.ControlNumber, err)
	}
	setClaims := map[string][]string{}
	for _, c := range doc.Claims {
		setClaims[c.Transaction] = append(setClaims[c.Transaction], c.ClaimID)
		res.ClaimsCharge += c.Charge
	}
	rec := store.InterchangeAck{Code: "A", Detail: "accepted"}
	switch {
	case ack.GroupRejected():
		// AK9 rejected the group: every transaction set, named or not.
		rec.Code, rec.Detail = "R", "functional group rejected (999 AK9)"
	case !ack.Accepted():
		// IK5 per transaction set: only the rejected sets' claims.
		rejected := ack.RejectedSets()
		for _, set := range rejected {
			rec.RejectedClaimIDs = append(rec.RejectedClaimIDs, setClaims[set]...)
		}
		rec.Code, rec.Detail = "P", fmt.Sprintf("transaction sets rejected: %s", strings.Join(rejected, ", "))
		if len(rec.RejectedClaimIDs) == len(doc.Claims) {
			rec.Code, rec.RejectedClaimIDs = "R", nil
		}
	}
	if err := s.DB.RecordInterchangeAck(ctx, ic.ID, rec); err != nil {
		return err
	}
	res.Interchanges++
	res.Claims += len(doc.Claims)
	if rec.Code == "A" {
		res.Accepted999++
	} else {
		res.Rejected999++
	}
	activity.RecordHeartbeat(ctx, res.Interchanges)
	return nil
}

// CollectAcknowledgements fetches the 277CA of every sent interchange that
// still has claims without one, records each claim's outcome and counts
// the batch's claims by status. Interchanges whose 277CA is not ready yet
// leave their claims pending; the workflow asks again later.
func (a *Claims) CollectAcknowledgements(ctx context.Context, in BatchRef) (batch.AckResult, error) {
	s := a.Submit
	subs, err := s.DB.SubmittedClaims(ctx, in.BatchID)
	if err != nil {
		return batch.AckResult{}, err
	}
	waiting := map[string]bool{} // interchange IDs with claims sent (no 277CA yet) or pending
	for _, sc := range subs {
		if sc.Status == store.SubmissionSent || sc.Status == store.SubmissionPending {
			waiting[sc.InterchangeID] = true
		}
	}
	ics, err := s.DB.Interchanges(ctx, in.BatchID, "")
	if err != nil {
		return batch.AckResult{}, err
	}
	for _, ic := range ics {
		if !waiting[ic.ID] {
			continue
		}
		ack, err := s.Client.Fetch277CA(ctx, strconv.FormatInt(ic.ControlNumber, 10))
		if errors.Is(err, clearinghouse.ErrNotReady) {
			continue
		}
		if err != nil {
			return batch.AckResult{}, remoteError("fetch 277CA", err)
		}
		// The 837P as sent says which claims a receiver- or provider-level
		// rejection covers (its BHT03 and billing NPIs).
		sent, err := x12.Read837P([]byte(ic.Content))
		if err != nil {
			return batch.AckResult{}, fmt.Errorf("read back interchange %d: %w", ic.ControlNumber, err)
		}
		for _, a := range ack.Doc.Acknowledgements(sent.Claims) {
			if err := recordAck(ctx, s.DB, in.BatchID, ic, a); err != nil {
				return batch.AckResult{}, err
			}
		}
		activity.RecordHeartbeat(ctx, ic.ID)
	}
	if subs, err = s.DB.SubmittedClaims(ctx, in.BatchID); err != nil {
		return batch.AckResult{}, err
	}
	var res batch.AckResult
	for _, sc := range subs {
		switch sc.Status { // sent, queued and pending are pending
		case store.SubmissionAccepted:
			res.Accepted++
		case store.SubmissionRejected:
			res.Rejected++
		default:
			res.Pending++
		}
	}
	if _, err := s.DB.RecountBatch(ctx, in.BatchID); err != nil {
		return res, err
	}
	return res, nil
}

// recordAck stores one claim's acknowledgement in the ledger; a status
// category rcmbot cannot read leaves the claim pending and opens a work
// item for staff (once per claim and interchange). Claims the 277CA names
// that this batch did not send are ignored.
func recordAck(ctx context.Context, db SubmissionStore, batchID string, ic store.Interchange, a x12.Acknowledgement) error {
	rec := claimAck(a)
	if err := db.RecordClaimAck(ctx, batchID, a.ClaimID, rec); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	if a.Outcome != x12.OutcomeUnknown {
		return nil
	}
	_, err := db.AddWorkItem(ctx, store.WorkItem{ID: "wi-277-" + ic.ID + "-" + a.ClaimID, Kind: batch.WorkItemKind,
		SweepID: batchID, ResultID: a.ClaimID, PayerID: ic.PayerID, ReasonCode: "277CA_" + a.Status.Category,
		Message: fmt.Sprintf("the 277CA gave claim status category %q, which rcmbot cannot read: the claim stays pending; read the 277CA and follow the claim up with the clearinghouse", a.Status.Category)})
	return err
}

// claimAck is the ledger's record of an acknowledgement: accepted (A2, and
// A5 with a note), rejected (with the level that rejected it), or pending
// (A0, A1, and categories rcmbot cannot read).
func claimAck(a x12.Acknowledgement) store.ClaimAck {
	st := a.Status
	rec := store.ClaimAck{Status: store.SubmissionPending, PayerClaimNumber: a.PayerClaimNumber,
		Category: st.Category, Code: st.Code, Message: st.Message}
	note := ""
	switch a.Outcome {
	case x12.OutcomeAccepted:
		rec.Status = store.SubmissionAccepted
	case x12.OutcomeSplit:
		rec.Status, note = store.SubmissionAccepted, "accepted; the payer split the claim (277CA A5)"
	case x12.OutcomeRejected:
		rec.Status = store.SubmissionRejected
		if a.Level != x12.AckClaim {
			note = fmt.Sprintf("rejected at the %s level of the 277CA (%s)", a.Level, st.Category)
		}
	case x12.OutcomePending:
		note = fmt.Sprintf("received, not yet accepted into adjudication (277CA %s)", st.Category)
	default:
		note = fmt.Sprintf("the 277CA status category %q is not one rcmbot reads; the claim stays pending", st.Category)
	}
	if note != "" {
		rec.Message = strings.TrimSuffix(note+": "+st.Message, ": ")
	}
	return rec
}

// remoteError turns a clearinghouse client error into what Temporal should
// do: retry after the delay the server asked for, retry with backoff, or
// stop (a permanent refusal fails the submission with its reason).
func remoteError(what string, err error) error {
	if payer.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(what+": "+err.Error(), ErrClearinghouseRefused, nil)
	}
	if d, ok := payer.RetryAfter(err); ok && d > 0 {
		return temporal.NewApplicationErrorWithOptions(what+": "+err.Error(), ErrClearinghouseBusy,
			temporal.ApplicationErrorOptions{NextRetryDelay: d})
	}
	return fmt.Errorf("%s: %w", what, err)
}
