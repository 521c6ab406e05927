package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// errUploadTooLarge is what the upload's reader returns past the limit.
var errUploadTooLarge = errors.New("upload larger than the limit")

// sizeLimit fails the read that takes it past max bytes, so a bot reading
// the upload stops with an error instead of seeing a truncated file.
type sizeLimit struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded = true
		return 0, errUploadTooLarge
	}
	return n, err
}

// uploadTooLargeMessage says what the limit is and what to do.
func (s *Server) uploadTooLargeMessage() string {
	return fmt.Sprintf("The file is larger than the %s upload limit. Split it into smaller files (for example one per week) and upload each.",
		humanBytes(s.cfg.UploadMaxBytes))
}

// maxFileName bounds the stored file name.
const maxFileName = 200

// cleanFileName keeps the base name of an uploaded file, without control
// characters, at most maxFileName bytes.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" {
		return ""
	}
	for len(name) > maxFileName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// uploadError is an upload refused at the HTTP level (not multipart, over
// the size limit, interrupted, no file, a bad form token): its status and
// what to tell the user. Refusals by the claims bot are fault errors.
type uploadError struct {
	status int
	msg    string
}

func (e *uploadError) Error() string { return e.msg }

// receiveUpload streams the multipart request's "file" part to the claims
// bot. With formCSRF, the form's csrf_token part must come first and match
// the session (the browser form without JavaScript).
func (s *claimsWeb) receiveUpload(r *http.Request, id auth.Identity, formCSRF bool) (store.Batch, error) {
	if s.claims == nil {
		return store.Batch{}, fault.Errorf(fault.Unavailable, "The claims bot is not running in this rcmbot process, so files cannot be uploaded here. Tell your rcmbot administrator.")
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return store.Batch{}, &uploadError{http.StatusUnsupportedMediaType, "Send the file as multipart/form-data in a field named \"file\"."}
	}
	// The whole request may be a little larger than the file (boundaries,
	// the CSRF field); guard bounds a chunked body the same way.
	if r.ContentLength > s.cfg.UploadMaxBytes+multipartOverhead {
		return store.Batch{}, &uploadError{http.StatusRequestEntityTooLarge, s.uploadTooLargeMessage()}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return store.Batch{}, &uploadError{http.StatusBadRequest, "The upload could not be read. Choose the file again and retry."}
	}
	csrfChecked := !formCSRF || id.ViaToken()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return store.Batch{}, &uploadError{http.StatusBadRequest, "No file was sent. Choose a claims spreadsheet (.xlsx or .csv) and upload it."}
		}
		if err != nil {
			return store.Batch{}, s.multipartError(err)
		}
		switch part.FormName() {
		case csrfField:
			tok, err := readPart(part, 256)
			if err != nil {
				return store.Batch{}, s.multipartError(err)
			}
			csrfChecked = tokenEqual(string(tok), id.Session.CSRFToken)
		case "file":
			if !csrfChecked {
				return store.Batch{}, &uploadError{http.StatusForbidden, "This form has expired or did not come from rcmbot. Reload the page and try again."}
			}
			name := cleanFileName(part.FileName())
			if name == "" {
				return store.Batch{}, &uploadError{http.StatusBadRequest, "The file has no name. Choose a claims spreadsheet (.xlsx or .csv) and upload it."}
			}
			lim := &sizeLimit{r: part, left: s.cfg.UploadMaxBytes}
			b, err := s.claims.SubmitBatch(r.Context(), lim, name, id.User.Username)
			if lim.exceeded {
				return store.Batch{}, &uploadError{http.StatusRequestEntityTooLarge, s.uploadTooLargeMessage()}
			}
			if err != nil {
				return store.Batch{}, fmt.Errorf("submit batch: %w", err)
			}
			s.log.Info("web: batch uploaded", "batch", b.ID, "user", id.User.Username)
			return b, nil
		default:
			if _, err := readPart(part, maxPartBytes); err != nil {
				return store.Batch{}, s.multipartError(err)
			}
		}
	}
}

// errPartTooLarge is a form field (not the file) over its size limit.
var errPartTooLarge = errors.New("form field too large")

// readPart reads a form field of at most max bytes, refusing a larger one
// rather than reading (or skipping) the rest of it.
func readPart(part io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(part, max+1))
	if err == nil && int64(len(b)) > max {
		err = errPartTooLarge
	}
	return b, err
}

// multipartError is what to answer when the multipart body cannot be
// read: a field or the whole request over its limit, or an interrupted
// upload.
func (s *Server) multipartError(err error) *uploadError {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errPartTooLarge):
		return &uploadError{http.StatusRequestEntityTooLarge, fmt.Sprintf("A form field other than the file is larger than %s. Send only the file (and the form's token).", humanBytes(maxPartBytes))}
	case errors.As(err, &mbe):
		return &uploadError{http.StatusRequestEntityTooLarge, s.uploadTooLargeMessage()}
	}
	return &uploadError{http.StatusBadRequest, "The upload was interrupted. Check your connection and try again."}
}

// uploadResponse is the body of POST /api/v1/batches.
type uploadResponse struct {
	BatchID    string `json:"batch_id"`
	WorkflowID string `json:"workflow_id"`
	Status     string `json:"status"`
}

func (s *claimsWeb) apiUpload(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.receiveUpload(r, id, false)
	var ue *uploadError
	if errors.As(err, &ue) {
		s.fail(w, r, ue.status, ue.msg)
		return
	}
	if err != nil {
		s.failErr(w, r, "the upload", err)
		return
	}
	w.Header().Set("Location", "/api/v1/batches/"+b.ID)
	writeJSON(w, http.StatusAccepted, uploadResponse{BatchID: b.ID, WorkflowID: b.WorkflowID, Status: string(b.Status)})
}

type uploadPageData struct {
	MaxBytes int64
	MaxLabel string
}

func (s *claimsWeb) uploadPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.page(w, http.StatusOK, "upload", newView(id, "Upload claims", "upload", s.uploadData()))
}

func (s *claimsWeb) uploadData() uploadPageData {
	return uploadPageData{MaxBytes: s.cfg.UploadMaxBytes, MaxLabel: humanBytes(s.cfg.UploadMaxBytes)}
}

// uploadForm is the upload without JavaScript: a plain multipart form.
func (s *claimsWeb) uploadForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.receiveUpload(r, id, true)
	var ue *uploadError
	if errors.As(err, &ue) || staffFacing(err) {
		v := newView(id, "Upload claims", "upload", s.uploadData())
		status := statusOf(fault.CodeOf(err))
		v.Error = fault.MessageOf(err)
		if ue != nil {
			status, v.Error = ue.status, ue.msg
		}
		s.page(w, status, "upload", v)
		return
	}
	if err != nil {
		s.failErr(w, r, "the upload", err)
		return
	}
	http.Redirect(w, r, "/batches/"+b.ID, http.StatusSeeOther)
}

// countsJSON are a batch's tallies in the API.
type countsJSON struct {
	Claims        int         `json:"claims"`
	Lines         int         `json:"lines"`
	Clean         int         `json:"clean"`
	Flagged       int         `json:"flagged"`
	Errors        int         `json:"errors"`
	Warnings      int         `json:"warnings"`
	Approved      int         `json:"approved"`
	Rejected      int         `json:"rejected"`
	Overridden    int         `json:"overridden"`
	Unreviewed    int         `json:"unreviewed"`
	Submitted     int         `json:"submitted"`
	Accepted      int         `json:"accepted"`
	PayerRejected int         `json:"payer_rejected"`
	ChargesTotal  claim.Money `json:"charges_total"`
	ChargesHeld   claim.Money `json:"charges_held"`
	ChargesAtRisk claim.Money `json:"charges_at_risk"`
}

// batchJSON is a batch in the API.
type batchJSON struct {
	BatchID        string     `json:"batch_id"`
	FileName       string     `json:"file_name"`
	Status         string     `json:"status"`
	FailureReason  string     `json:"failure_reason,omitempty"`
	WorkflowID     string     `json:"workflow_id"`
	UploadedBy     string     `json:"uploaded_by"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	CompletedAt    *time.Time `json:"completed_at,omitempty"`
	Counts         countsJSON `json:"counts"`
	CleanClaimRate float64    `json:"clean_claim_rate"`
	// PendingReview comes from the running workflow's progress query.
	PendingReview *int `json:"pending_review,omitempty"`
	// ProvidersNeeded are the rendering NPIs to set up (POST
	// /api/v1/providers): the batch's held claims wait for them.
	ProvidersNeeded []batch.ProviderNeed `json:"providers_needed"`
	TemporalUIURL   string               `json:"temporal_ui_url,omitempty"`
	Links           map[string]string    `json:"links"`
}

func (s *claimsWeb) batchJSON(b store.Batch) batchJSON {
	c := b.Counts
	out := batchJSON{
		BatchID: b.ID, FileName: b.FileName, Status: string(b.Status), FailureReason: b.FailureReason,
		WorkflowID: b.WorkflowID, UploadedBy: b.UploadedBy, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		Counts: countsJSON{
			Claims: c.Claims, Lines: c.Lines, Clean: c.Clean, Flagged: c.Flagged, Errors: c.Errors, Warnings: c.Warnings,
			Approved: c.Approved, Rejected: c.Rejected, Overridden: c.Overridden, Unreviewed: c.Unreviewed,
			Submitted: c.Submitted, Accepted: c.Accepted, PayerRejected: c.PayerRejected,
			ChargesTotal: c.ChargesTotal, ChargesHeld: c.ChargesHeld, ChargesAtRisk: c.ChargesAtRisk,
		},
		CleanClaimRate: cleanRate(c),
		TemporalUIURL:  s.temporalUILink(b.WorkflowID),
		Links: map[string]string{
			"self":          "/api/v1/batches/" + b.ID,
			"page":          "/batches/" + b.ID,
			"findings":      "/api/v1/batches/" + b.ID + "/findings",
			"findings_csv":  "/api/v1/batches/" + b.ID + "/findings.csv",
			"annotated":     "/api/v1/batches/" + b.ID + "/annotated.xlsx",
			"x12_837p":      "/api/v1/batches/" + b.ID + "/837p",
			"submission":    "/api/v1/batches/" + b.ID + "/submission",
			"review_action": "/api/v1/batches/" + b.ID + "/review",
		},
	}
	if !b.CompletedAt.IsZero() {
		t := b.CompletedAt
		out.CompletedAt = &t
	}
	return out
}

// cleanRate is the share of claims that passed every edit untouched.
func cleanRate(c store.BatchCounts) float64 {
	if c.Claims == 0 {
		return 0
	}
	return float64(c.Clean) / float64(c.Claims)
}

// pageParam reads ?page= (1-based) into a store page of size n.
func pageParam(r *http.Request, n int) (store.Page, int) {
	p, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || p < 1 {
		p = 1
	}
	return store.Page{Limit: n, Offset: (p - 1) * n}, p
}

// listParams reads ?limit= and ?offset= for API lists.
func listParams(r *http.Request) store.Page {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	return store.Page{Limit: min(limit, store.MaxPageSize), Offset: max(offset, 0)}
}

func (s *claimsWeb) apiBatches(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	bs, err := s.db.Batches(r.Context(), listParams(r))
	if err != nil {
		s.failErr(w, r, "the batch list", err)
		return
	}
	out := make([]batchJSON, 0, len(bs))
	for _, b := range bs {
		out = append(out, s.batchJSON(b))
	}
	writeJSON(w, http.StatusOK, map[string]any{"batches": out})
}

// liveBatch returns a batch that exists and is not deleted.
// Unknown and deleted batches are fault.NotFound.
func (s *claimsWeb) liveBatch(r *http.Request) (store.Batch, error) {
	id := r.PathValue("id")
	b, err := s.db.Batch(r.Context(), id)
	if err == nil && !b.DeletedAt.IsZero() {
		err = fmt.Errorf("batch %s was deleted: %w", b.ID, store.ErrNotFound)
	}
	return b, lookup(err, "batch "+id)
}

// progress asks a batch's running workflow for its progress; nil when
// the batch is finished, there is no claims bot, or the query fails (the
// store's status is shown instead).
func (s *claimsWeb) progress(r *http.Request, b store.Batch) *batch.Progress {
	if s.claims == nil || b.Status.Finished() {
		return nil
	}
	p, err := s.claims.Progress(r.Context(), b.ID)
	if err != nil {
		s.log.Warn("web: batch progress query", "batch", b.ID, "err", err)
		return nil
	}
	return &p
}

func (s *claimsWeb) apiBatch(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	out := s.batchJSON(b)
	if p := s.progress(r, b); p != nil {
		out.PendingReview = &p.PendingReview
	}
	if out.ProvidersNeeded, err = s.db.ProviderNeeds(r.Context(), b.ID); err != nil {
		s.failErr(w, r, "batch "+b.ID, err)
		return
	}
	if out.ProvidersNeeded == nil {
		out.ProvidersNeeded = []batch.ProviderNeed{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *claimsWeb) apiDeleteBatch(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if err := s.deleteBatch(r, id); err != nil {
		s.failErr(w, r, "deleting batch "+r.PathValue("id"), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *claimsWeb) deleteBatch(r *http.Request, id auth.Identity) error {
	if s.claims == nil {
		return errNoClaimsBot
	}
	b, err := s.liveBatch(r)
	if err != nil {
		return err
	}
	if err := s.claims.DeleteBatch(r.Context(), b.ID); err != nil {
		return err
	}
	s.log.Info("web: batch deleted", "batch", b.ID, "user", id.User.Username)
	return nil
}

func (s *claimsWeb) deleteBatchForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if err := s.deleteBatch(r, id); err != nil {
		s.failErr(w, r, "deleting batch "+r.PathValue("id"), err)
		return
	}
	http.Redirect(w, r, "/batches?done=deleted", http.StatusSeeOther)
}

// errNoClaimsBot is returned when the process runs without the claims bot.
var errNoClaimsBot = fault.Errorf(fault.Unavailable, "The claims bot is not running in this rcmbot process. Tell your rcmbot administrator.")

// batchRow is one row of the batches page.
type batchRow struct {
	store.Batch
	CleanRate float64
	UILink    string
}

type batchesData struct {
	Batches []batchRow
	Page    int
	More    bool
}

const batchesPerPage = 50

func (s *claimsWeb) batchesPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	pg, n := pageParam(r, batchesPerPage+1)
	pg.Offset = (n - 1) * batchesPerPage
	bs, err := s.db.Batches(r.Context(), pg)
	if err != nil {
		s.failErr(w, r, "the batch list", err)
		return
	}
	d := batchesData{Page: n, More: len(bs) > batchesPerPage}
	for i, b := range bs {
		if i == batchesPerPage {
			break
		}
		d.Batches = append(d.Batches, batchRow{Batch: b, CleanRate: cleanRate(b.Counts), UILink: s.temporalUILink(b.WorkflowID)})
	}
	v := newView(id, "Batches", "batches", d)
	if r.URL.Query().Get("done") == "deleted" {
		v.Flash = "The batch and its uploaded file were deleted."
	}
	s.page(w, http.StatusOK, "batches", v)
}

// findingGroup is one category's findings on the batch page.
type findingGroup struct {
	Category string
	Errors   int
	Warnings int
	Total    int
	Findings []store.Finding // the first few, or the filtered page
}

type batchPageData struct {
	Batch     store.Batch
	CleanRate float64
	UILink    string
	Running   bool
	Progress  *batch.Progress

	Groups     []findingGroup // by category, errors first within each
	Filtered   bool           // a filter is applied: Groups holds one page of matches
	Filter     store.FindingFilter
	Categories []string
	Page       int
	More       bool

	Flagged       []store.ClaimRecord
	RowErrors     []store.RowError
	HasSubmission bool
	// ProvidersNeeded are the rendering NPIs the batch's held claims wait
	// for: one setup message for the batch.
	ProvidersNeeded []batch.ProviderNeed
	// WorkItems are the batch's open work items (a 277CA status rcmbot
	// cannot read, say).
	WorkItems []store.WorkItem
}

// findingsPerGroup is how many findings each category shows unfiltered.
const findingsPerGroup = 25

// findingsPerPage is the size of a filtered findings page.
const findingsPerPage = 200

func (s *claimsWeb) batchPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	ctx := r.Context()
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	d := batchPageData{Batch: b, CleanRate: cleanRate(b.Counts), UILink: s.temporalUILink(b.WorkflowID), Running: b.Status.Reading()}
	d.Progress = s.progress(r, b)
	if d.ProvidersNeeded, err = s.db.ProviderNeeds(ctx, b.ID); err == nil {
		d.WorkItems, err = s.db.WorkItems(ctx, store.WorkItemOpen, b.ID, store.Page{Limit: 200})
	}
	if err != nil {
		s.failErr(w, r, "batch "+b.ID, err)
		return
	}
	q := r.URL.Query()
	d.Filter = store.FindingFilter{Category: q.Get("category"), Severity: scrub.Severity(q.Get("severity")), ClaimID: strings.TrimSpace(q.Get("claim"))}
	d.Filtered = d.Filter != (store.FindingFilter{})

	counts, err := s.db.FindingCounts(ctx, b.ID)
	if err != nil {
		s.failErr(w, r, "the findings of batch "+b.ID, err)
		return
	}
	byCat := map[string]*findingGroup{}
	var order []string
	for _, c := range counts {
		g := byCat[c.Category]
		if g == nil {
			g = &findingGroup{Category: c.Category}
			byCat[c.Category] = g
			order = append(order, c.Category)
		}
		switch c.Severity {
		case scrub.SevError:
			g.Errors += c.Count
		case scrub.SevWarning:
			g.Warnings += c.Count
		}
		g.Total += c.Count
	}
	d.Categories = order
	if d.Filtered {
		pg, n := pageParam(r, findingsPerPage+1)
		pg.Offset = (n - 1) * findingsPerPage
		fs, err := s.db.Findings(ctx, b.ID, d.Filter, pg)
		if err != nil {
			s.failErr(w, r, "the findings of batch "+b.ID, err)
			return
		}
		d.Page, d.More = n, len(fs) > findingsPerPage
		if d.More {
			fs = fs[:findingsPerPage]
		}
		d.Groups = []findingGroup{{Category: d.Filter.Category, Total: len(fs), Findings: fs}}
	} else {
		for _, cat := range order {
			g := *byCat[cat]
			// Errors first: they are what payers deny.
			for _, sev := range []scrub.Severity{scrub.SevError, scrub.SevWarning} {
				if len(g.Findings) >= findingsPerGroup {
					break
				}
				fs, err := s.db.Findings(ctx, b.ID, store.FindingFilter{Category: cat, Severity: sev}, store.Page{Limit: findingsPerGroup - len(g.Findings)})
				if err != nil {
					s.failErr(w, r, "the findings of batch "+b.ID, err)
					return
				}
				g.Findings = append(g.Findings, fs...)
			}
			d.Groups = append(d.Groups, g)
		}
		if d.Flagged, err = s.db.Claims(ctx, store.ClaimFilter{BatchID: b.ID, Flagged: true}, store.Page{Limit: 100}); err != nil {
			s.failErr(w, r, "the flagged claims of batch "+b.ID, err)
			return
		}
		if d.RowErrors, err = s.db.RowErrors(ctx, b.ID, store.Page{Limit: 100}); err != nil {
			s.failErr(w, r, "the row errors of batch "+b.ID, err)
			return
		}
	}
	ics, err := s.db.Interchanges(ctx, b.ID, "")
	if err != nil {
		s.failErr(w, r, "the submissions of batch "+b.ID, err)
		return
	}
	d.HasSubmission = len(ics) > 0
	// Whom the page shows: the claims its findings, flagged list and row
	// errors name.
	var shown []string
	for _, g := range d.Groups {
		for _, f := range g.Findings {
			shown = append(shown, f.ClaimID)
		}
	}
	for _, e := range d.RowErrors {
		if e.ClaimID != "" {
			shown = append(shown, e.ClaimID)
		}
	}
	keys, err := s.db.PatientKeys(ctx, b.ID, shown)
	if err != nil {
		s.failErr(w, r, "the findings of batch "+b.ID, err)
		return
	}
	keys = append(keys, claimPatients(d.Flagged)...)
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewFindings, batchID: b.ID, claimID: d.Filter.ClaimID, patients: keys, detail: "batch page"}); err != nil {
		s.failAccess(w, r)
		return
	}
	s.page(w, http.StatusOK, "batch", newView(id, b.FileName, "batches", d))
}

// humanBytes writes a byte count as people read it: 50 MB, 512 KB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', -1, 64) + " KB"
	}
	return fmt.Sprintf("%d bytes", n)
}

// humanDuration writes a duration as people read it: 30 minutes, 1 hour.
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
