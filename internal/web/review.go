package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// maxReviewActions bounds one review request (the API and the bulk form).
const maxReviewActions = 500

// reviewRequestJSON is one element of POST /api/v1/batches/{id}/review.
type reviewRequestJSON struct {
	ClaimID string            `json:"claim_id"`
	Action  batch.Action      `json:"action"`
	Reason  string            `json:"reason,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
}

type reviewResponseJSON struct {
	BatchID  string                `json:"batch_id"`
	Reviewer string                `json:"reviewer"`
	Outcomes []batch.ReviewOutcome `json:"outcomes"`
}

// apiReview applies review actions to one batch's flagged claims; the
// reviewer is the authenticated user.
func (s *claimsWeb) apiReview(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.claims == nil {
		s.failErr(w, r, "the review", errNoClaimsBot)
		return
	}
	var reqs []reviewRequestJSON
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reqs); err != nil {
		s.fail(w, r, http.StatusBadRequest, `Send a JSON array of review actions: [{"claim_id":"...","action":"approve|override|reject|correct","reason":"...","fields":{"field":"value"}}]. `+jsonProblem(err))
		return
	}
	if len(reqs) == 0 || len(reqs) > maxReviewActions {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("Send between 1 and %d review actions.", maxReviewActions))
		return
	}
	actions := make([]batch.ReviewAction, len(reqs))
	for i, q := range reqs {
		actions[i] = batch.ReviewAction{ClaimID: strings.TrimSpace(q.ClaimID), Action: q.Action, Reason: strings.TrimSpace(q.Reason), Fields: q.Fields}
		if err := actions[i].Validate(); err != nil {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("Action %d (claim %s): %s.", i+1, actions[i].ClaimID, fault.MessageOf(err)))
			return
		}
	}
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	outs, err := s.claims.Review(r.Context(), b.ID, id.User.Username, string(id.User.Role), actions)
	if err != nil {
		s.failErr(w, r, "the review of batch "+b.ID, err)
		return
	}
	writeJSON(w, http.StatusOK, reviewResponseJSON{BatchID: b.ID, Reviewer: id.User.Username, Outcomes: outs})
}

// jsonProblem describes a JSON decoding error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("Field %q has the wrong type (want %s).", te.Field, te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "The body has a field rcmbot does not know: " + strings.TrimPrefix(err.Error(), "json: ") + "."
	}
	return "The body could not be read."
}

// queueRow is one flagged claim in the review queue.
type queueRow struct {
	Batch      store.Batch
	Rec        store.ClaimRecord
	DOS        claim.Date
	Charge     claim.Money
	Categories []string
}

// activity is one entry of the review log, with the batch it belongs to.
type activity struct {
	store.ReviewAction
	FileName string
}

type reviewPageData struct {
	Rows      []queueRow
	Batches   []store.Batch // awaiting review
	Batch     string        // ?batch= filter
	Activity  []activity
	Truncated bool
	CanReview bool
}

// queuePerBatch bounds the claims listed per batch.
const queuePerBatch = 500

// loadQueue reads the flagged claims waiting for review in every batch
// awaiting review (or the one chosen), and the recent review log.
func (s *claimsWeb) loadQueue(r *http.Request, id auth.Identity) (reviewPageData, error) {
	ctx := r.Context()
	d := reviewPageData{Batch: r.URL.Query().Get("batch"), CanReview: can(id.User.Role, permReview) && s.claims != nil}
	all, err := s.db.Batches(ctx, store.All)
	if err != nil {
		return d, err
	}
	for _, b := range all {
		if b.Status == batch.AwaitingReview {
			d.Batches = append(d.Batches, b)
		}
	}
	for _, b := range d.Batches {
		if d.Batch != "" && b.ID != d.Batch {
			continue
		}
		recs, err := s.db.Claims(ctx, store.ClaimFilter{BatchID: b.ID, States: []batch.ReviewState{batch.StatePending}, Flagged: true, WithFindings: true},
			store.Page{Limit: queuePerBatch})
		if err != nil {
			return d, err
		}
		d.Truncated = d.Truncated || len(recs) == queuePerBatch
		for _, rec := range recs {
			row := queueRow{Batch: b, Rec: rec, DOS: rec.Claim.FirstServiceDate(), Charge: rec.Claim.LineTotal()}
			for _, f := range rec.Findings {
				if !slices.Contains(row.Categories, f.Category) {
					row.Categories = append(row.Categories, f.Category)
				}
			}
			d.Rows = append(d.Rows, row)
		}
		ras, err := s.db.ReviewActions(ctx, b.ID, "")
		if err != nil {
			return d, err
		}
		for _, a := range ras {
			d.Activity = append(d.Activity, activity{ReviewAction: a, FileName: b.FileName})
		}
	}
	slices.SortFunc(d.Activity, func(a, b activity) int { return b.At.Compare(a.At) })
	if len(d.Activity) > 30 {
		d.Activity = d.Activity[:30]
	}
	return d, nil
}

func (s *claimsWeb) reviewPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Review queue", "review", nil)
	if n := r.URL.Query().Get("done"); n != "" {
		if k, err := strconv.Atoi(n); err == nil {
			v.Flash = fmt.Sprintf("%d %s updated.", k, plural(k, "claim", "claims"))
		}
	}
	s.renderQueue(w, r, id, http.StatusOK, v)
}

// renderQueue loads the queue into v, records the view and renders it.
func (s *claimsWeb) renderQueue(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view) {
	d, err := s.loadQueue(r, id)
	if err != nil {
		s.failErr(w, r, "the review queue", err)
		return
	}
	if len(d.Rows) > 0 {
		keys := make([]string, len(d.Rows))
		for i, row := range d.Rows {
			keys[i] = row.Rec.PatientKey
		}
		if err := s.recordAccess(r, id, phiEvent{action: accessViewReviewQueue, batchID: d.Batch, patients: keys,
			detail: fmt.Sprintf("%d flagged claims in %d batches", len(d.Rows), len(d.Batches))}); err != nil {
			s.failAccess(w, r)
			return
		}
	}
	v.Data = d
	s.page(w, status, "review", v)
}

// reviewForm applies one action to the claims selected in the queue
// (inputs named "claim" holding BATCH/CLAIM), one review Update per batch.
func (s *claimsWeb) reviewForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.claims == nil {
		s.failErr(w, r, "the review", errNoClaimsBot)
		return
	}
	v := newView(id, "Review queue", "review", nil)
	action := batch.Action(r.PostFormValue("action"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	selected := r.PostForm["claim"]
	switch {
	case len(selected) == 0:
		v.Error = "Select at least one claim, then choose what to do with it."
	case len(selected) > maxReviewActions:
		v.Error = fmt.Sprintf("Select at most %d claims at a time.", maxReviewActions)
	case action != batch.Approve && action != batch.Override && action != batch.Reject:
		v.Error = "Choose approve, override or reject for the selected claims. To correct a value, open the claim."
	case action == batch.Override && reason == "":
		v.Error = "To override, say why the selected claims should go out despite their findings (the reason is recorded)."
	}
	if v.Error != "" {
		s.renderQueue(w, r, id, http.StatusUnprocessableEntity, v)
		return
	}
	byBatch := map[string][]batch.ReviewAction{}
	var order []string
	for _, sel := range selected {
		batchID, claimID, ok := strings.Cut(sel, "/")
		if !ok || batchID == "" || claimID == "" {
			continue
		}
		if _, seen := byBatch[batchID]; !seen {
			order = append(order, batchID)
		}
		byBatch[batchID] = append(byBatch[batchID], batch.ReviewAction{ClaimID: claimID, Action: action, Reason: reason})
	}
	done := 0
	var problems []string
	for _, batchID := range order {
		outs, err := s.claims.Review(r.Context(), batchID, id.User.Username, string(id.User.Role), byBatch[batchID])
		if err != nil {
			msg := fault.MessageOf(err)
			if !staffFacing(err) {
				s.log.Error("web: bulk review", "batch", batchID, "err", err)
				msg = "the review could not be sent; try again"
			}
			problems = append(problems, fmt.Sprintf("batch %s: %s", batchID, msg))
			continue
		}
		for _, o := range outs {
			if o.Error != "" {
				problems = append(problems, fmt.Sprintf("claim %s: %s", o.ClaimID, o.Error))
				continue
			}
			done++
		}
	}
	if len(problems) == 0 {
		http.Redirect(w, r, "/review?done="+strconv.Itoa(done), http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if done == 0 {
		status = http.StatusUnprocessableEntity
	}
	v.Flash = ""
	if done > 0 {
		v.Flash = fmt.Sprintf("%d %s updated.", done, plural(done, "claim", "claims"))
	}
	v.Error = "Some claims were not updated — " + strings.Join(problems, "; ") + "."
	s.renderQueue(w, r, id, status, v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
