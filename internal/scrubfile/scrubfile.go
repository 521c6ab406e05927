// Package scrubfile puts the pieces of a claims-file scrub together the
// same way for the ClaimsBatch workflow's activities and for the offline
// `rcmbot scrub` command: the scorer's findings, plus a finding for every
// value intake could not read and for everything the 837P implementation
// guide would refuse; each finding located on its spreadsheet cell; the
// report in the pinned JSON shape; and the marks and summary of the
// annotated workbook.
package scrubfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/workbook"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// Rule IDs of the findings this package adds to the scorer's.
const (
	RuleUnreadable = "INTAKE-001"   // a cell intake could not read
	RuleNot837P    = "X12-837P-001" // the 837P would refuse the claim
)

// Points of the findings this package adds: both stop the claim.
const (
	unreadablePoints = 100
	not837PPoints    = 40
)

// Assess completes the scorer's results (one per claim, in claim order)
// with the findings the scorer cannot see: values intake could not read
// (rowErrs; their claims are held) and what Check837P refuses under env
// (nil env skips it) that the scorer has not already flagged on the same
// field. Claims gaining findings are put on hold.
func Assess(claims []claim.Claim, results []scrub.Result, rowErrs []intake.RowError, env *x12.Envelope837) {
	byClaim := map[string][]intake.RowError{}
	for _, e := range rowErrs {
		if e.ClaimID != "" {
			byClaim[e.ClaimID] = append(byClaim[e.ClaimID], e)
		}
	}
	for i := range results {
		r := &results[i]
		c := &claims[i]
		var extra []scrub.Finding
		for _, e := range byClaim[c.ID] {
			extra = append(extra, unreadable(c.ID, e))
		}
		if env != nil {
			extra = append(extra, Not837P(env, c, r.Findings)...)
		}
		if len(extra) == 0 {
			continue
		}
		for _, f := range extra {
			r.Score += f.Points
		}
		r.Score = min(r.Score, 100)
		r.Findings = append(r.Findings, extra...)
		r.Tier = scrub.TierHold
	}
}

// Not837P returns a finding for each reason Check837P refuses c under env,
// except on fields the findings in have already flag (same field, same
// line): an approved claim must always be writable, but staff should not
// read the same problem twice.
func Not837P(env *x12.Envelope837, c *claim.Claim, have []scrub.Finding) []scrub.Finding {
	err := x12.Check837P(env, c)
	if err == nil {
		return nil
	}
	type key struct {
		f    claim.Field
		line int
	}
	flagged := map[key]bool{}
	for _, f := range have {
		flagged[key{f.Field, f.Line}] = true
	}
	var out []scrub.Finding
	for _, e := range unjoin(err) {
		var ce *x12.ClaimError
		if !errors.As(e, &ce) || flagged[key{ce.Field, ce.Line}] {
			continue
		}
		flagged[key{ce.Field, ce.Line}] = true
		out = append(out, scrub.Finding{ClaimID: c.ID, Line: ce.Line, Category: scrub.CatRequired, RuleID: RuleNot837P,
			Severity: scrub.SevError, Field: ce.Field, Message: "Cannot be sent as an 837P: " + ce.Msg,
			Fix:  "Correct the value so the claim meets the 837P implementation guide (a provider's name: set the provider up under Providers, and the claim is re-scrubbed).",
			CARC: "16", Points: not837PPoints, Row: rowOf(c, ce.Line)})
	}
	return out
}

// ProvidersNeeded returns, for the claims the scrub did not pass (results
// in claim order), the rendering NPIs (of the claim or a line, other than
// the billing NPI, with a valid check digit) that env names no provider
// for, with how many such claims name each, by NPI: one message for a
// batch instead of one per claim. Invalid NPIs are the claims' own errors.
func ProvidersNeeded(env *x12.Envelope837, claims []claim.Claim, results []scrub.Result) []batch.ProviderNeed {
	if env == nil {
		return nil
	}
	count := map[string]int{}
	for i := range claims {
		if results[i].Tier == scrub.TierClean {
			continue
		}
		for _, npi := range UnknownRendering(env, &claims[i]) {
			count[npi]++
		}
	}
	out := make([]batch.ProviderNeed, 0, len(count))
	for npi, n := range count {
		out = append(out, batch.ProviderNeed{NPI: npi, Claims: n})
	}
	slices.SortFunc(out, func(a, b batch.ProviderNeed) int { return strings.Compare(a.NPI, b.NPI) })
	return out
}

// UnknownRendering returns the distinct rendering NPIs of c (claim and
// lines, other than the billing NPI, with a valid check digit) that
// neither the claims file nor env names.
func UnknownRendering(env *x12.Envelope837, c *claim.Claim) []string {
	var out []string
	for i := -1; i < len(c.Lines); i++ {
		npi := c.RenderingNPI
		if i >= 0 {
			npi = c.Lines[i].RenderingNPI
		}
		if npi == "" || npi == c.Billing.NPI || !scrub.ValidNPI(npi) || env.Practitioner(c, npi).LastName != "" || slices.Contains(out, npi) {
			continue
		}
		out = append(out, npi)
	}
	return out
}

// unreadable presents a value intake could not read as a finding on its
// claim: the claim is as good as missing that value until it is corrected.
func unreadable(claimID string, e intake.RowError) scrub.Finding {
	return scrub.Finding{ClaimID: claimID, Category: scrub.CatRequired, RuleID: RuleUnreadable, Severity: scrub.SevError,
		Field: e.Field, Row: e.Row, Points: unreadablePoints, CARC: "16",
		Message: fmt.Sprintf("The value in column %s (%s) could not be read: %s", e.Column, e.Header, e.Message),
		Fix:     "Correct the value in the review queue, or in the practice-management system and upload again."}
}

func rowOf(c *claim.Claim, line int) int {
	if line > 0 && line <= len(c.Lines) {
		return c.Lines[line-1].Row
	}
	return c.Row
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Column returns the spreadsheet column letter findings about f are shown
// on (see intake.Layout.ColumnFor), or "".
func Column(layout *intake.Layout, f claim.Field) string {
	if layout == nil {
		return ""
	}
	if col, ok := layout.ColumnFor(f); ok {
		return col.Letter
	}
	return ""
}

// Report is the pinned JSON shape of `rcmbot scrub --format json` (and of
// the REST API's findings report).
type Report struct {
	File         string        `json:"file"`
	Summary      Summary       `json:"summary"`
	IntakeErrors []IntakeError `json:"intake_errors"`
	Claims       []ClaimReport `json:"claims"`
	// Notices say once for the file where the reference data did not
	// cover its dates of service (scrub.Report.Notices).
	Notices []scrub.Notice `json:"notices"`
}

// Summary counts a scrubbed file.
type Summary struct {
	Claims        int         `json:"claims"`
	Lines         int         `json:"lines"`
	Clean         int         `json:"clean"`
	Flagged       int         `json:"flagged"`
	Errors        int         `json:"errors"`
	Warnings      int         `json:"warnings"`
	ChargesAtRisk claim.Money `json:"charges_at_risk"`
}

// IntakeError is a value intake could not read.
type IntakeError struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// ClaimReport is one claim's verdict.
type ClaimReport struct {
	ClaimID  string          `json:"claim_id"`
	Score    int             `json:"score"`
	Tier     string          `json:"tier"`
	Findings []FindingReport `json:"findings"`
}

// FindingReport is one finding, located on its cell.
type FindingReport struct {
	Line     int    `json:"line"`
	Category string `json:"category"`
	RuleID   string `json:"rule_id"`
	Severity string `json:"severity"`
	Field    string `json:"field"`
	Row      int    `json:"row"`
	Column   string `json:"column"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
	CARC     string `json:"carc"`
}

// NewReport builds the report of a scrubbed file (results as completed by
// Assess, in claim order).
func NewReport(layout *intake.Layout, claims []claim.Claim, results []scrub.Result, rowErrs []intake.RowError) Report {
	rep := Report{IntakeErrors: []IntakeError{}, Claims: make([]ClaimReport, 0, len(results)), Notices: []scrub.Notice{}}
	if layout != nil {
		rep.File = layout.File
	}
	rep.Summary = summarize(claims, results)
	for _, e := range rowErrs {
		rep.IntakeErrors = append(rep.IntakeErrors, IntakeError{Sheet: e.Sheet, Row: e.Row, Column: e.Column, Value: e.Value, Message: e.Message})
	}
	for _, r := range results {
		cr := ClaimReport{ClaimID: r.ClaimID, Score: r.Score, Tier: string(r.Tier), Findings: make([]FindingReport, 0, len(r.Findings))}
		for _, f := range r.Findings {
			cr.Findings = append(cr.Findings, FindingReport{Line: f.Line, Category: string(f.Category), RuleID: f.RuleID,
				Severity: string(f.Severity), Field: string(f.Field), Row: f.Row, Column: Column(layout, f.Field),
				Message: f.Message, Fix: f.Fix, CARC: f.CARC})
		}
		rep.Claims = append(rep.Claims, cr)
	}
	return rep
}

func summarize(claims []claim.Claim, results []scrub.Result) Summary {
	var t Tally
	for i := range results {
		t.Add(&claims[i], &results[i])
	}
	return t.Summary
}

// Tally adds up scrubbed claims one at a time, so a batch's figures can be
// computed while its claims stream past.
type Tally struct {
	Summary
	byCategory map[string]claim.Money
}

// Add counts one claim and its verdict.
func (t *Tally) Add(c *claim.Claim, r *scrub.Result) {
	t.Claims++
	t.Lines += len(c.Lines)
	if r.Tier == scrub.TierClean {
		t.Clean++
	} else {
		t.Flagged++
	}
	if r.Tier == scrub.TierHold {
		t.ChargesAtRisk += c.LineTotal()
	}
	var cats []string
	for _, f := range r.Findings {
		if f.Severity == scrub.SevError {
			t.Errors++
		} else {
			t.Warnings++
		}
		if !slices.Contains(cats, string(f.Category)) {
			cats = append(cats, string(f.Category))
		}
	}
	if len(cats) > 0 && t.byCategory == nil {
		t.byCategory = map[string]claim.Money{}
	}
	for _, cat := range cats {
		t.byCategory[cat] += c.LineTotal()
	}
}

// Workbook returns the annotated workbook's Summary sheet figures.
func (t *Tally) Workbook() workbook.Summary {
	s := t.Summary
	by := map[string]claim.Money{}
	for k, v := range t.byCategory {
		by[k] = v
	}
	return workbook.Summary{Claims: s.Claims, Lines: s.Lines, Clean: s.Clean, Flagged: s.Flagged, Errors: s.Errors,
		Warnings: s.Warnings, ChargesAtRisk: s.ChargesAtRisk, ChargesAtRiskByCategory: by}
}

// Marks converts results into the annotated workbook's marks.
func Marks(results []scrub.Result) []workbook.Mark {
	var out []workbook.Mark
	for i := range results {
		out = AppendMarks(out, &results[i])
	}
	return out
}

// AppendMarks appends one result's marks to marks.
func AppendMarks(marks []workbook.Mark, r *scrub.Result) []workbook.Mark {
	for _, f := range r.Findings {
		marks = append(marks, workbook.Mark{ClaimID: r.ClaimID, Line: f.Line, Row: f.Row, Field: f.Field,
			Severity: workbook.Severity(f.Severity), Category: string(f.Category), RuleID: f.RuleID,
			Message: f.Message, Fix: f.Fix, CARC: f.CARC})
	}
	return marks
}

// WorkbookSummary returns the annotated workbook's Summary sheet figures.
func WorkbookSummary(claims []claim.Claim, results []scrub.Result) workbook.Summary {
	var t Tally
	for i := range results {
		t.Add(&claims[i], &results[i])
	}
	return t.Workbook()
}

// RowErrorsWithoutClaim returns the row errors that belong to no claim:
// the others are already findings on their claims (see Assess).
func RowErrorsWithoutClaim(errs []intake.RowError) []intake.RowError {
	var out []intake.RowError
	for _, e := range errs {
		if e.ClaimID == "" {
			out = append(out, e)
		}
	}
	return out
}
