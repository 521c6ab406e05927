package web

import (
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// The findings report is scrubfile's pinned shape (the JSON of `rcmbot
// scrub --format json`) plus the batch ID, each claim's review state and
// each intake error's claim.
type findingsReport struct {
	BatchID      string                 `json:"batch_id"`
	File         string                 `json:"file"`
	Summary      scrubfile.Summary      `json:"summary"`
	IntakeErrors []intakeErrorWithClaim `json:"intake_errors"`
	// Claims follow, streamed one at a time.
}

type intakeErrorWithClaim struct {
	scrubfile.IntakeError
	ClaimID string `json:"claim_id,omitempty"`
}

type claimFindings struct {
	scrubfile.ClaimReport
	State string `json:"state"`
}

func toFindingsJSON(fs []store.Finding) []scrubfile.FindingReport {
	out := make([]scrubfile.FindingReport, 0, len(fs))
	for _, f := range fs {
		out = append(out, scrubfile.FindingReport{Line: f.Line, Category: f.Category, RuleID: f.RuleID, Severity: string(f.Severity),
			Field: string(f.Field), Row: f.Row, Column: f.Column, Message: f.Message, Fix: f.Fix, CARC: f.CARC})
	}
	return out
}

// apiFindings streams the findings report: every claim of the batch in
// file order, with its findings, one claim in memory at a time.
func (s *claimsWeb) apiFindings(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	ctx := r.Context()
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	rows, err := s.db.RowErrors(ctx, b.ID, store.All)
	if err != nil {
		s.failErr(w, r, "the findings of batch "+b.ID, err)
		return
	}
	c := b.Counts
	head := findingsReport{BatchID: b.ID, File: b.FileName, IntakeErrors: []intakeErrorWithClaim{},
		Summary: scrubfile.Summary{Claims: c.Claims, Lines: c.Lines, Clean: c.Clean, Flagged: c.Flagged,
			Errors: c.Errors, Warnings: c.Warnings, ChargesAtRisk: c.ChargesAtRisk}}
	for _, e := range rows {
		head.IntakeErrors = append(head.IntakeErrors, intakeErrorWithClaim{
			IntakeError: scrubfile.IntakeError{Sheet: e.Sheet, Row: e.Row, Column: e.Column, Value: e.Value, Message: e.Message}, ClaimID: e.ClaimID})
	}
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewFindings, batchID: b.ID, showedBatch: b.ID, detail: "findings report (API)"}); err != nil {
		s.failAccess(w, r)
		return
	}
	hb, _ := json.Marshal(head)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// Reopen the object to append the claims array.
	w.Write(hb[:len(hb)-1])
	w.Write([]byte(`,"claims":[`))
	first := true
	err = s.db.EachClaim(ctx, store.ClaimFilter{BatchID: b.ID, WithFindings: true}, func(rec store.ClaimRecord) error {
		cb, err := json.Marshal(claimFindings{State: string(rec.State), ClaimReport: scrubfile.ClaimReport{
			ClaimID: rec.Claim.ID, Score: rec.Score, Tier: string(rec.Tier), Findings: toFindingsJSON(rec.Findings)}})
		if err != nil {
			return err
		}
		if !first {
			w.Write([]byte{','})
		}
		first = false
		_, err = w.Write(cb)
		return err
	})
	if err != nil {
		// Headers are sent: cut the connection so the client sees a
		// broken response, not a short report.
		s.log.Error("web: findings report", "batch", b.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	w.Write([]byte("]}\n"))
}

// csvSafe keeps a spreadsheet from running a cell as a formula: text that
// starts with = + - @ (or a tab or carriage return) gets a leading quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// apiFindingsCSV exports a batch's findings as CSV, one row per finding.
func (s *claimsWeb) apiFindingsCSV(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	fs, err := s.db.Findings(r.Context(), b.ID, store.FindingFilter{}, store.All)
	if err != nil {
		s.failErr(w, r, "the findings of batch "+b.ID, err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessExportFindings, batchID: b.ID, showedBatch: b.ID, detail: "findings CSV"}); err != nil {
		s.failAccess(w, r)
		return
	}
	setDownload(w, "text/csv; charset=utf-8", baseName(b.FileName)+"-findings.csv")
	cw := csv.NewWriter(w)
	cw.Write([]string{"claim_id", "line", "cell", "category", "rule_id", "severity", "field", "message", "fix", "carc"})
	for _, f := range fs {
		cell := ""
		if f.Column != "" && f.Row > 0 {
			cell = f.Column + strconv.Itoa(f.Row)
		}
		cw.Write([]string{csvSafe(f.ClaimID), strconv.Itoa(f.Line), cell, f.Category, f.RuleID, string(f.Severity), string(f.Field),
			csvSafe(f.Message), csvSafe(f.Fix), f.CARC})
	}
	cw.Flush()
}

// setDownload sets the headers of a file download.
func setDownload(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
}

// baseName is a file name without its extension, for download names.
func baseName(name string) string {
	b := strings.TrimSuffix(name, filepath.Ext(name))
	if b == "" {
		return "batch"
	}
	return b
}

// download sets its headers on the first write, so a bot that fails before
// writing anything still gets a proper error response.
type download struct {
	w           http.ResponseWriter
	contentType string
	name        string
	started     bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		setDownload(d.w, d.contentType, d.name)
	}
	return d.w.Write(p)
}

// serveDownload records the access, then lets write produce the file.
func (s *claimsWeb) serveDownload(w http.ResponseWriter, r *http.Request, id auth.Identity, b store.Batch, e phiEvent, contentType, name string, write func(*download) error) {
	if s.claims == nil {
		s.failErr(w, r, "the download", errNoClaimsBot)
		return
	}
	if err := s.recordAccess(r, id, e); err != nil {
		s.failAccess(w, r)
		return
	}
	d := &download{w: w, contentType: contentType, name: name}
	if err := write(d); err != nil {
		if !d.started {
			s.failErr(w, r, "the download of batch "+b.ID, err)
			return
		}
		s.log.Error("web: download failed midway", "batch", b.ID, "action", e.action, "err", err)
		panic(http.ErrAbortHandler)
	}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *claimsWeb) apiAnnotated(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	switch {
	case b.Status == batch.Failed && b.Counts.Claims == 0:
		s.failErr(w, r, "the annotated workbook", fault.Errorf(fault.Conflict, "The file could not be read, so there is no annotated workbook: the batch page says why."))
		return
	case b.Status.Reading():
		s.failErr(w, r, "the annotated workbook", fault.Errorf(fault.Conflict, "The annotated workbook is ready once the file has been read and scrubbed. Wait for the batch to finish scrubbing."))
		return
	}
	s.serveDownload(w, r, id, b, phiEvent{action: store.AccessDownloadWorkbook, batchID: b.ID, showedBatch: b.ID, detail: "annotated workbook"},
		xlsxType, baseName(b.FileName)+"-annotated.xlsx", func(d *download) error {
			return s.claims.WriteAnnotated(r.Context(), b.ID, d)
		})
}

func (s *claimsWeb) api837P(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	ics, err := s.db.Interchanges(r.Context(), b.ID, "")
	if err != nil {
		s.failErr(w, r, "the submissions of batch "+b.ID, err)
		return
	}
	if len(ics) == 0 {
		s.failErr(w, r, "the 837P", fault.Errorf(fault.NotFound, "This batch has not submitted any claims yet, so there is no 837P. It is built when the batch moves on from review."))
		return
	}
	s.serveDownload(w, r, id, b, phiEvent{action: store.AccessDownload837P, batchID: b.ID, showedBatch: b.ID, detail: strconv.Itoa(len(ics)) + " interchanges"},
		"application/edi-x12", baseName(b.FileName)+"-837P.x12", func(d *download) error {
			return s.claims.Write837P(r.Context(), b.ID, d)
		})
}

type submissionJSON struct {
	BatchID      string            `json:"batch_id"`
	Interchanges []interchangeJSON `json:"interchanges"`
	Claims       []submittedJSON   `json:"claims"`
}

type interchangeJSON struct {
	ID            string     `json:"interchange_id"`
	ControlNumber int64      `json:"control_number"`
	PayerID       string     `json:"payer_id"`
	Status        string     `json:"status"`
	AckCode       string     `json:"ack_code,omitempty"`
	AckDetail     string     `json:"ack_detail,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	AckedAt       *time.Time `json:"acked_at,omitempty"`
}

type submittedJSON struct {
	ClaimID          string     `json:"claim_id"`
	InterchangeID    string     `json:"interchange_id"`
	Status           string     `json:"status"`
	AckCategory      string     `json:"ack_category,omitempty"`
	AckCode          string     `json:"ack_code,omitempty"`
	PayerClaimNumber string     `json:"payer_claim_number,omitempty"`
	Message          string     `json:"message,omitempty"`
	QueuedAt         time.Time  `json:"queued_at"`
	SentAt           *time.Time `json:"sent_at,omitempty"`
	AckedAt          *time.Time `json:"acked_at,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiSubmission is the batch's submission ledger: each interchange with
// its 999, each claim with its 277CA status. It names claims and payers,
// not patients, so it is not a PHI access.
func (s *claimsWeb) apiSubmission(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	ctx := r.Context()
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	ics, err := s.db.Interchanges(ctx, b.ID, "")
	if err != nil {
		s.failErr(w, r, "the submissions of batch "+b.ID, err)
		return
	}
	scs, err := s.db.SubmittedClaims(ctx, b.ID)
	if err != nil {
		s.failErr(w, r, "the submissions of batch "+b.ID, err)
		return
	}
	out := submissionJSON{BatchID: b.ID, Interchanges: []interchangeJSON{}, Claims: []submittedJSON{}}
	for _, ic := range ics {
		out.Interchanges = append(out.Interchanges, interchangeJSON{ID: ic.ID, ControlNumber: ic.ControlNumber, PayerID: ic.PayerID,
			Status: string(ic.Status), AckCode: ic.AckCode, AckDetail: ic.AckDetail, CreatedAt: ic.CreatedAt,
			SentAt: timePtr(ic.SentAt), AckedAt: timePtr(ic.AckedAt)})
	}
	for _, c := range scs {
		out.Claims = append(out.Claims, submittedJSON{ClaimID: c.ClaimID, InterchangeID: c.InterchangeID, Status: string(c.Status),
			AckCategory: c.AckCategory, AckCode: c.AckCode, PayerClaimNumber: c.PayerClaimNumber, Message: c.Message,
			QueuedAt: c.QueuedAt, SentAt: timePtr(c.SentAt), AckedAt: timePtr(c.AckedAt)})
	}
	writeJSON(w, http.StatusOK, out)
}
