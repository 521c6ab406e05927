package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// claimFieldGroups are the claim-level fields the claim page shows, in
// sections.
var claimFieldGroups = []struct {
	Title  string
	Fields []claim.Field
}{
	{"Patient", []claim.Field{claim.FieldPatientID, claim.FieldPatientLastName, claim.FieldPatientFirstName, claim.FieldPatientDOB, claim.FieldPatientSex,
		claim.FieldPatientAddress, claim.FieldPatientCity, claim.FieldPatientState, claim.FieldPatientZip}},
	{"Coverage", []claim.Field{claim.FieldPayerID, claim.FieldPayerName, claim.FieldMemberID, claim.FieldGroupNumber, claim.FieldResponsibility, claim.FieldMSPType,
		claim.FieldPriorAuth}},
	{"Insured", []claim.Field{claim.FieldRelationship, claim.FieldInsuredLastName, claim.FieldInsuredFirstName, claim.FieldInsuredDOB,
		claim.FieldInsuredSex, claim.FieldInsuredAddress, claim.FieldInsuredCity, claim.FieldInsuredState, claim.FieldInsuredZip}},
	{"Other payer", []claim.Field{claim.FieldOtherPayerID, claim.FieldOtherPayerName, claim.FieldOtherMemberID, claim.FieldOtherGroupNumber,
		claim.FieldOtherRelationship, claim.FieldOtherInsuredDOB, claim.FieldOtherInsuredSex, claim.FieldOtherInsuredAddress,
		claim.FieldOtherInsuredCity, claim.FieldOtherInsuredState, claim.FieldOtherInsuredZip, claim.FieldPriorPaid, claim.FieldPriorPaidDate, claim.FieldPriorAdjustments}},
	{"Service facility", []claim.Field{claim.FieldFacilityName, claim.FieldFacilityNPI, claim.FieldFacilityAddress, claim.FieldFacilityCity,
		claim.FieldFacilityState, claim.FieldFacilityZip}},
	{"Billing provider", []claim.Field{claim.FieldBillingName, claim.FieldBillingNPI, claim.FieldBillingTIN, claim.FieldBillingTaxonomy,
		claim.FieldBillingAddress, claim.FieldBillingCity, claim.FieldBillingState, claim.FieldBillingZip}},
	{"Claim", []claim.Field{claim.FieldRenderingNPI, claim.FieldRenderingLastName, claim.FieldRenderingFirstName,
		claim.FieldReferringNPI, claim.FieldReferringLastName, claim.FieldReferringFirstName, claim.FieldPlaceOfService, claim.FieldFrequencyCode,
		claim.FieldOriginalClaimNumber, claim.FieldTotalCharge}},
}

// lineColumns are the service-line columns of the claim page.
var lineColumns = []claim.Field{claim.FieldDateFrom, claim.FieldDateTo, claim.FieldProcedureCode, claim.FieldModifiers,
	claim.FieldUnits, claim.FieldLineCharge, claim.FieldDxPointers, claim.FieldNDC, claim.FieldNDCQuantity, claim.FieldNDCUnit,
	claim.FieldLinePriorPaid, claim.FieldLinePriorAdjustments}

// fieldLabel names a field for people: "billing_npi" → "Billing NPI".
func fieldLabel(f claim.Field) string {
	if l, ok := fieldLabels[f]; ok {
		return l
	}
	s := strings.ReplaceAll(string(f), "_", " ")
	for _, w := range []string{"npi", "tin", "dob", "ndc", "id", "dx"} {
		s = replaceWord(s, w, strings.ToUpper(w))
	}
	return upperFirst(s)
}

var fieldLabels = map[claim.Field]string{
	claim.FieldPatientLastName: "Last name", claim.FieldPatientFirstName: "First name", claim.FieldPatientDOB: "Date of birth",
	claim.FieldPatientSex: "Sex", claim.FieldPatientID: "Patient ID", claim.FieldBillingName: "Name",
	claim.FieldBillingAddress: "Address", claim.FieldBillingCity: "City", claim.FieldBillingState: "State", claim.FieldBillingZip: "ZIP",
	claim.FieldPlaceOfService: "Place of service", claim.FieldDateFrom: "From", claim.FieldDateTo: "To",
	claim.FieldProcedureCode: "Procedure", claim.FieldDxPointers: "Dx pointers", claim.FieldLineCharge: "Charge",
	claim.FieldTotalCharge: "Total charge", claim.FieldFrequencyCode: "Frequency code", claim.FieldPriorAuth: "Prior authorization",
}

func replaceWord(s, w, repl string) string {
	parts := strings.Fields(s)
	for i, p := range parts {
		if p == w {
			parts[i] = repl
		}
	}
	return strings.Join(parts, " ")
}

// valueView is one value on the claim page, marked when a finding is
// about it.
type valueView struct {
	Field    claim.Field
	Label    string
	Value    string
	Severity string // "error", "warning" or "" (no finding)
	Notes    []store.Finding
	// Filled says the file left the value blank and the patient's stored
	// record filled it.
	Filled bool
}

type fieldSection struct {
	Title  string
	Values []valueView
}

type lineView struct {
	Number int
	Row    int
	Cells  []valueView
}

// correction is one input of the "correct a value" form.
type correction struct {
	Key   string // form key: field, or field@line
	Label string
	Value string
}

type claimPageData struct {
	Batch      store.Batch
	Rec        store.ClaimRecord
	Sections   []fieldSection
	Diagnoses  []valueView
	LineHeads  []string
	Lines      []lineView
	Charge     claim.Money
	Reviews    []store.ReviewAction
	CanReview  bool // the claim waits for review and the user may review
	Fixes      []correction
	AllFields  []claim.Field
	NextClaim  string // the next claim of the batch waiting for review
	LineCount  int
	UILink     string
	ReviewOpen bool // the batch is awaiting review
}

// worse is the more severe of two severities.
func worse(a string, b scrub.Severity) string {
	if a == string(scrub.SevError) || b == scrub.SevError {
		return string(scrub.SevError)
	}
	return string(b)
}

// findingsAbout returns the findings of rec about field f (line 0 for
// claim-level fields) and their worst severity.
func findingsAbout(rec *store.ClaimRecord, f claim.Field, line int, matches func(claim.Field) bool) ([]store.Finding, string) {
	var out []store.Finding
	sev := ""
	for _, fd := range rec.Findings {
		if fd.Field == "" || !matches(fd.Field) {
			continue
		}
		if claim.IsLineField(fd.Field) && fd.Line != line {
			continue
		}
		out = append(out, fd)
		sev = worse(sev, fd.Severity)
	}
	return out, sev
}

func sameField(f claim.Field) func(claim.Field) bool {
	return func(g claim.Field) bool { return g == f }
}

func isModifierField(f claim.Field) bool {
	if f == claim.FieldModifiers {
		return true
	}
	for n := 1; n <= claim.MaxModifiers; n++ {
		if f == claim.FieldModifier(n) {
			return true
		}
	}
	return false
}

// buildClaimView lays out a claim for its page, marking every value a
// finding is about.
func buildClaimView(rec *store.ClaimRecord) ([]fieldSection, []valueView, []lineView) {
	c := &rec.Claim
	var sections []fieldSection
	for _, g := range claimFieldGroups {
		sec := fieldSection{Title: g.Title}
		for _, f := range g.Fields {
			notes, sev := findingsAbout(rec, f, 0, sameField(f))
			sec.Values = append(sec.Values, valueView{Field: f, Label: fieldLabel(f), Value: c.Value(f, 0), Severity: sev, Notes: notes,
				Filled: slices.Contains(c.Filled, f)})
		}
		sections = append(sections, sec)
	}
	var dx []valueView
	for i := range c.Diagnoses {
		f := claim.FieldDx(i + 1)
		notes, sev := findingsAbout(rec, f, 0, func(g claim.Field) bool { return g == f || g == claim.FieldDiagnosisCodes })
		dx = append(dx, valueView{Field: f, Label: strconv.Itoa(i + 1), Value: c.Diagnoses[i], Severity: sev, Notes: notes})
	}
	if len(c.Diagnoses) == 0 {
		notes, sev := findingsAbout(rec, claim.FieldDx(1), 0, func(g claim.Field) bool { return strings.HasPrefix(string(g), "dx") || g == claim.FieldDiagnosisCodes })
		dx = append(dx, valueView{Field: claim.FieldDx(1), Label: "1", Severity: sev, Notes: notes})
	}
	var lines []lineView
	for i := range c.Lines {
		lv := lineView{Number: c.Lines[i].Number, Row: c.Lines[i].Row}
		for _, f := range lineColumns {
			match := sameField(f)
			if f == claim.FieldModifiers {
				match = isModifierField
			}
			notes, sev := findingsAbout(rec, f, c.Lines[i].Number, match)
			lv.Cells = append(lv.Cells, valueView{Field: f, Label: fieldLabel(f), Value: c.Value(f, i+1), Severity: sev, Notes: notes})
		}
		lines = append(lines, lv)
	}
	return sections, dx, lines
}

// fixesFor lists the values the findings point at, as correction inputs
// prefilled with the current value.
func fixesFor(rec *store.ClaimRecord) []correction {
	var out []correction
	seen := map[string]bool{}
	for _, fd := range rec.Findings {
		if fd.Field == "" {
			continue
		}
		key, label := string(fd.Field), fieldLabel(fd.Field)
		line := 0
		if claim.IsLineField(fd.Field) {
			line = fd.Line
			key += "@" + strconv.Itoa(line)
			label += " (line " + strconv.Itoa(line) + ")"
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, correction{Key: key, Label: label, Value: rec.Claim.Value(fd.Field, line)})
	}
	return out
}

// correctableFields are the fields the "another value" input offers.
var correctableFields = func() []claim.Field {
	var out []claim.Field
	for _, g := range claimFieldGroups {
		out = append(out, g.Fields...)
	}
	for n := 1; n <= claim.MaxDiagnoses; n++ {
		out = append(out, claim.FieldDx(n))
	}
	out = append(out, claim.FieldDateFrom, claim.FieldDateTo, claim.FieldProcedureCode)
	for n := 1; n <= claim.MaxModifiers; n++ {
		out = append(out, claim.FieldModifier(n))
	}
	return append(out, claim.FieldUnits, claim.FieldLineCharge, claim.FieldDxPointers, claim.FieldNDC)
}()

// loadClaimPage loads everything the claim page shows.
func (s *claimsWeb) loadClaimPage(r *http.Request, id auth.Identity) (claimPageData, error) {
	ctx := r.Context()
	b, err := s.liveBatch(r)
	if err != nil {
		return claimPageData{}, err
	}
	rec, err := s.db.Claim(ctx, b.ID, r.PathValue("claim"))
	if err != nil {
		return claimPageData{}, lookup(err, "claim "+r.PathValue("claim"))
	}
	d := claimPageData{Batch: b, Rec: rec, Charge: rec.Claim.LineTotal(), LineCount: len(rec.Claim.Lines), UILink: s.temporalUILink(b.WorkflowID)}
	d.Sections, d.Diagnoses, d.Lines = buildClaimView(&rec)
	d.LineHeads = make([]string, len(lineColumns))
	for i, f := range lineColumns {
		d.LineHeads[i] = fieldLabel(f)
	}
	if d.Reviews, err = s.db.ReviewActions(ctx, b.ID, rec.Claim.ID); err != nil {
		return d, err
	}
	slices.Reverse(d.Reviews) // newest first
	d.ReviewOpen = b.Status == batch.AwaitingReview
	d.CanReview = d.ReviewOpen && rec.State == batch.StatePending && can(id.User.Role, permReview) && s.claims != nil
	if d.CanReview {
		d.Fixes = fixesFor(&rec)
		d.AllFields = correctableFields
	}
	if d.ReviewOpen {
		pending, err := s.db.Claims(ctx, store.ClaimFilter{BatchID: b.ID, States: []batch.ReviewState{batch.StatePending}}, store.Page{Limit: 2})
		if err != nil {
			return d, err
		}
		for _, p := range pending {
			if p.Claim.ID != rec.Claim.ID {
				d.NextClaim = p.Claim.ID
				break
			}
		}
	}
	return d, nil
}

// reviewDone are the confirmations shown after a review action.
// (keyed by the state the action left the claim in, and correctedPending).
var reviewDone = map[string]string{
	string(batch.StateApproved):   "Claim approved: it will be submitted with the batch.",
	string(batch.StateOverridden): "Claim overridden: it will be submitted despite its findings, with your reason recorded.",
	string(batch.StateRejected):   "Claim rejected: it will not be submitted.",
	string(batch.StateCorrected):  "Correction saved and the claim re-scrubbed clean: it will be submitted with the batch.",
	correctedPending:              "Correction saved and the claim re-scrubbed, but it still has findings. Review them below.",
}

// correctedPending is the confirmation key of a correction that left
// findings.
const correctedPending = "corrected-pending"

func (s *claimsWeb) claimPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.renderClaim(w, r, id, http.StatusOK, "")
}

// renderClaim shows the claim page (with errMsg, if any, from a review
// that could not be applied), recording the view.
func (s *claimsWeb) renderClaim(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, errMsg string) {
	d, err := s.loadClaimPage(r, id)
	if err != nil {
		s.failErr(w, r, "claim "+r.PathValue("claim"), err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewClaim, batchID: d.Batch.ID, claimID: d.Rec.Claim.ID, patientID: d.Rec.PatientKey, detail: "claim page"}); err != nil {
		s.failAccess(w, r)
		return
	}
	v := newView(id, "Claim "+d.Rec.Claim.ID, "review", d)
	v.Flash = reviewDone[r.URL.Query().Get("done")]
	v.Error = errMsg
	s.page(w, status, "claim", v)
}

// reviewClaimForm applies one review action from the claim page.
func (s *claimsWeb) reviewClaimForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.claims == nil {
		s.failErr(w, r, "the review", errNoClaimsBot)
		return
	}
	batchID, claimID := r.PathValue("id"), r.PathValue("claim")
	a := batch.ReviewAction{ClaimID: claimID, Action: batch.Action(r.PostFormValue("action")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if a.Action == batch.Correct {
		rec, err := s.db.Claim(r.Context(), batchID, claimID)
		if err != nil {
			s.failErr(w, r, "claim "+claimID, lookup(err, "claim "+claimID))
			return
		}
		a.Fields = correctionsFromForm(r, &rec.Claim)
	}
	if err := a.Validate(); err != nil {
		s.renderClaim(w, r, id, http.StatusUnprocessableEntity, reviewFormMessage(a, err))
		return
	}
	outs, err := s.claims.Review(r.Context(), batchID, id.User.Username, string(id.User.Role), []batch.ReviewAction{a})
	if err != nil {
		if staffFacing(err) {
			s.renderClaim(w, r, id, statusOf(fault.CodeOf(err)), fault.MessageOf(err))
			return
		}
		s.failErr(w, r, "the review of claim "+claimID, err)
		return
	}
	state, _ := a.Action.State()
	done := string(state)
	for _, o := range outs {
		if o.ClaimID != claimID {
			continue
		}
		if o.Error != "" {
			s.renderClaim(w, r, id, http.StatusUnprocessableEntity, "The correction could not be applied: "+o.Error)
			return
		}
		if a.Action == batch.Correct && !o.Resolved {
			done = correctedPending
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/batches/%s/claims/%s?done=%s", batchID, claimID, done), http.StatusSeeOther)
}

// reviewFormMessage turns a validation error into advice for the form.
func reviewFormMessage(a batch.ReviewAction, err error) string {
	switch a.Action {
	case batch.Override:
		return "To override, say why the claim should go out despite its findings (the reason is recorded)."
	case batch.Correct:
		return "To correct the claim, change at least one value, then save."
	}
	return "That review action could not be applied: " + fault.MessageOf(err) + "."
}

// correctionsFromForm collects the changed values of the correct form:
// inputs named fix:FIELD or fix:FIELD@LINE whose value differs from the
// claim's, and the optional "another value" row.
func correctionsFromForm(r *http.Request, c *claim.Claim) map[string]string {
	out := map[string]string{}
	for key, vals := range r.PostForm {
		k, ok := strings.CutPrefix(key, "fix:")
		if !ok || len(vals) == 0 {
			continue
		}
		name, lineText, _ := strings.Cut(k, "@")
		line, _ := strconv.Atoi(lineText)
		v := strings.TrimSpace(vals[0])
		if v != c.Value(claim.Field(name), line) {
			out[k] = v
		}
	}
	if f := r.PostFormValue("other_field"); f != "" {
		key := f
		if claim.IsLineField(claim.Field(f)) {
			key += "@" + strings.TrimSpace(r.PostFormValue("other_line"))
		}
		out[key] = strings.TrimSpace(r.PostFormValue("other_value"))
	}
	return out
}

// claimJSON is one claim in the API.
type claimJSON struct {
	BatchID    string                    `json:"batch_id"`
	Claim      claim.Claim               `json:"claim"`
	Score      int                       `json:"score"`
	Tier       string                    `json:"tier"`
	State      string                    `json:"state"`
	Reviewer   string                    `json:"reviewer,omitempty"`
	Reason     string                    `json:"reason,omitempty"`
	ReviewedAt *time.Time                `json:"reviewed_at,omitempty"`
	Findings   []scrubfile.FindingReport `json:"findings"`
	Reviews    []reviewJSON              `json:"reviews"`
}

type reviewJSON struct {
	Action   string              `json:"action"`
	Reviewer string              `json:"reviewer"`
	Reason   string              `json:"reason,omitempty"`
	Changes  []store.FieldChange `json:"changes,omitempty"`
	At       time.Time           `json:"at"`
}

func (s *claimsWeb) apiClaim(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	ctx := r.Context()
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	rec, err := s.db.Claim(ctx, b.ID, r.PathValue("claim"))
	if err != nil {
		s.failErr(w, r, "claim "+r.PathValue("claim"), lookup(err, "claim "+r.PathValue("claim")))
		return
	}
	ras, err := s.db.ReviewActions(ctx, b.ID, rec.Claim.ID)
	if err != nil {
		s.failErr(w, r, "the review log of claim "+rec.Claim.ID, err)
		return
	}
	out := claimJSON{BatchID: b.ID, Claim: rec.Claim, Score: rec.Score, Tier: string(rec.Tier), State: string(rec.State),
		Reviewer: rec.Reviewer, Reason: rec.Reason, ReviewedAt: timePtr(rec.ReviewedAt), Findings: toFindingsJSON(rec.Findings), Reviews: []reviewJSON{}}
	for _, a := range ras {
		out.Reviews = append(out.Reviews, reviewJSON{Action: string(a.Action), Reviewer: a.Reviewer, Reason: a.Reason, Changes: a.Changes, At: a.At})
	}
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewClaim, batchID: b.ID, claimID: rec.Claim.ID, patientID: rec.PatientKey, detail: "claim (API)"}); err != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
