package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// errNoEligibilityBot is returned when the process runs without the
// eligibility bot.
var errNoEligibilityBot = fault.Errorf(fault.Unavailable, "The eligibility bot is not running in this rcmbot process. Tell your rcmbot administrator.")

// today is the practice's calendar date now.
func (s *Server) today() claim.Date {
	return claim.DateOf(s.now().In(s.cfg.Location()))
}

// eligibilityResultJSON is a stored result in the API.
type eligibilityResultJSON struct {
	ID            string          `json:"id"`
	SweepID       string          `json:"sweep_id,omitempty"`
	PatientID     string          `json:"patient_id,omitempty"`
	PayerID       string          `json:"payer_id"`
	DateOfService claim.Date      `json:"date_of_service"`
	Status        string          `json:"status"`
	CheckedAt     time.Time       `json:"checked_at"`
	Result        json.RawMessage `json:"result"`
}

func toResultJSON(r store.EligibilityResult) eligibilityResultJSON {
	raw := r.Result
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	return eligibilityResultJSON{ID: r.ID, SweepID: r.SweepID, PatientID: r.PatientID, PayerID: r.PayerID, DateOfService: r.DOS,
		Status: string(r.Status), CheckedAt: r.CheckedAt, Result: raw}
}

func (s *eligibilityWeb) apiCheck(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.eligibility == nil {
		s.failErr(w, r, "the eligibility check", errNoEligibilityBot)
		return
	}
	var q eligibility.Request
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		s.fail(w, r, http.StatusBadRequest, `Send a JSON eligibility request: {"payer_id","member_id","first_name","last_name","dob":"YYYY-MM-DD","date_of_service":"YYYY-MM-DD","provider_npi","provider_name"}. `+jsonProblem(err))
		return
	}
	res, err := s.eligibility.Check(r.Context(), q, id.User.Username)
	if err != nil {
		s.failErr(w, r, "the eligibility check", err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewEligibility, patients: s.resultPatients(res), detail: "check " + res.ID + " (API)"}); err != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, toResultJSON(res))
}

// dateParam reads the {date} path value (YYYY-MM-DD).
func dateParam(r *http.Request) (claim.Date, error) {
	d, err := claim.ParseDate(r.PathValue("date"))
	if err != nil {
		return 0, fault.Errorf(fault.Invalid, "%q is not a date: write it as YYYY-MM-DD.", r.PathValue("date"))
	}
	return d, nil
}

type sweepJSON struct {
	ID            string                  `json:"id"`
	Date          claim.Date              `json:"date"`
	Status        string                  `json:"status"`
	Counts        eligibility.SweepCounts `json:"counts"`
	WorkflowID    string                  `json:"workflow_id"`
	TemporalUIURL string                  `json:"temporal_ui_url,omitempty"`
	StartedAt     time.Time               `json:"started_at"`
	CompletedAt   *time.Time              `json:"completed_at,omitempty"`
}

func (s *eligibilityWeb) apiSweep(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.eligibility == nil {
		s.failErr(w, r, "the eligibility sweep", errNoEligibilityBot)
		return
	}
	date, err := dateParam(r)
	if err != nil {
		s.failErr(w, r, "the eligibility sweep", err)
		return
	}
	sw, results, err := s.eligibility.SweepResults(r.Context(), date)
	if err != nil {
		s.failErr(w, r, "the eligibility sweep for "+date.String(), err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewEligibility, batchID: sw.ID, patients: s.sweepPatients(results),
		detail: fmt.Sprintf("sweep %s: %d results (API)", date, len(results))}); err != nil {
		s.failAccess(w, r)
		return
	}
	out := struct {
		Date    claim.Date              `json:"date"`
		Sweep   sweepJSON               `json:"sweep"`
		Results []eligibilityResultJSON `json:"results"`
	}{Date: date, Results: []eligibilityResultJSON{},
		Sweep: sweepJSON{ID: sw.ID, Date: sw.Date, Status: string(sw.Status), Counts: sw.Counts, WorkflowID: sw.WorkflowID,
			TemporalUIURL: s.temporalUILink(sw.WorkflowID), StartedAt: sw.StartedAt, CompletedAt: timePtr(sw.CompletedAt)}}
	for _, res := range results {
		out.Results = append(out.Results, toResultJSON(res))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *eligibilityWeb) apiWorklist(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.eligibility == nil {
		s.failErr(w, r, "the worklist", errNoEligibilityBot)
		return
	}
	date, err := dateParam(r)
	if err != nil {
		s.failErr(w, r, "the worklist", err)
		return
	}
	// The worklist lists every patient checked for the date.
	sw, results, err := s.eligibility.SweepResults(r.Context(), date)
	if err != nil {
		s.failErr(w, r, "the worklist for "+date.String(), err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: accessDownloadWorklist, batchID: sw.ID, patients: s.sweepPatients(results), detail: "worklist " + date.String()}); err != nil {
		s.failAccess(w, r)
		return
	}
	d := &download{w: w, contentType: xlsxType, name: "eligibility-worklist-" + date.String() + ".xlsx"}
	if err := s.eligibility.WriteWorklist(r.Context(), date, d); err != nil {
		if !d.started {
			s.failErr(w, r, "the worklist for "+date.String(), err)
			return
		}
		s.log.Error("web: worklist failed midway", "date", date, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// resultRow is one eligibility result on the page, with the model's
// reason decoded.
type resultRow struct {
	store.EligibilityResult
	Model *eligibility.Result
}

func decodeResult(r store.EligibilityResult) resultRow {
	row := resultRow{EligibilityResult: r}
	var m eligibility.Result
	if len(r.Result) > 0 && json.Unmarshal(r.Result, &m) == nil {
		row.Model = &m
	}
	return row
}

type eligibilityPageData struct {
	Date      claim.Date
	Sweep     *store.Sweep
	SweepLink string
	Results   []resultRow
	WorkItems []store.WorkItem
	Problems  int
	Form      checkForm
	Payers    []payerOption
	Available bool // an eligibility bot is connected
}

type payerOption struct{ ID, Name string }

// checkForm is the "check now" form's values, kept when it is shown again.
type checkForm struct {
	PayerID, MemberID, FirstName, LastName, DOB, DOS, ProviderNPI, ProviderName string
}

func (s *eligibilityWeb) payerOptions() []payerOption {
	if s.payers == nil {
		return nil
	}
	var out []payerOption
	for _, p := range s.payers.Payers {
		out = append(out, payerOption{ID: p.ID, Name: p.Name})
	}
	return out
}

func (s *eligibilityWeb) eligibilityPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	date := s.today().NextBusinessDay()
	v := newView(id, "Eligibility", "eligibility", nil)
	if q := r.URL.Query().Get("date"); q != "" {
		d, err := claim.ParseDate(q)
		if err != nil {
			v.Error = fmt.Sprintf("%q is not a date; showing %s instead. Pick a date with the date field.", q, date)
		} else {
			date = d
		}
	}
	s.renderEligibility(w, r, id, http.StatusOK, v, date, checkForm{DOS: s.today().String()})
}

func (s *eligibilityWeb) renderEligibility(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view, date claim.Date, form checkForm) {
	d := eligibilityPageData{Date: date, Form: form, Payers: s.payerOptions(), Available: s.eligibility != nil}
	var shown []string // patient keys of the results the page lists
	if s.eligibility != nil {
		sw, results, err := s.eligibility.SweepResults(r.Context(), date)
		switch {
		case fault.Is(err, fault.NotFound):
		case err != nil:
			s.failErr(w, r, "the eligibility results for "+date.String(), err)
			return
		default:
			d.Sweep = &sw
			d.SweepLink = s.temporalUILink(sw.WorkflowID)
			shown = s.sweepPatients(results)
			for _, res := range results {
				row := decodeResult(res)
				if res.Status != eligibility.CheckActive {
					d.Problems++
				}
				d.Results = append(d.Results, row)
			}
			if d.WorkItems, err = s.db.WorkItems(r.Context(), store.WorkItemOpen, sw.ID, store.Page{Limit: 200}); err != nil {
				s.failErr(w, r, "the eligibility work items", err)
				return
			}
		}
	}
	if d.Sweep != nil {
		if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewEligibility, batchID: d.Sweep.ID, patients: shown,
			detail: fmt.Sprintf("sweep %s: %d results", date, len(d.Results))}); err != nil {
			s.failAccess(w, r)
			return
		}
	}
	v.Data = d
	s.page(w, status, "eligibility", v)
}

type resultPageData struct {
	Date claim.Date
	Row  resultRow
}

func (s *eligibilityWeb) eligibilityResultPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.eligibility == nil {
		s.failErr(w, r, "the eligibility result", errNoEligibilityBot)
		return
	}
	date, err := dateParam(r)
	if err != nil {
		s.failErr(w, r, "the eligibility result", err)
		return
	}
	_, results, err := s.eligibility.SweepResults(r.Context(), date)
	if err != nil {
		s.failErr(w, r, "the eligibility results for "+date.String(), err)
		return
	}
	for _, res := range results {
		if res.ID == r.PathValue("rid") {
			s.showResult(w, r, id, date, res, "eligibility result")
			return
		}
	}
	s.failErr(w, r, "eligibility result "+r.PathValue("rid"), lookup(store.ErrNotFound, "eligibility result "+r.PathValue("rid")))
}

func (s *eligibilityWeb) showResult(w http.ResponseWriter, r *http.Request, id auth.Identity, date claim.Date, res store.EligibilityResult, detail string) {
	if err := s.recordAccess(r, id, phiEvent{action: store.AccessViewEligibility, batchID: res.SweepID, patients: s.resultPatients(res), detail: detail + " " + res.ID}); err != nil {
		s.failAccess(w, r)
		return
	}
	s.page(w, http.StatusOK, "eligibility_result", newView(id, "Eligibility result", "eligibility", resultPageData{Date: date, Row: decodeResult(res)}))
}

// checkNow runs one eligibility check from the page and shows its result.
func (s *eligibilityWeb) checkNow(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	f := checkForm{
		PayerID: r.PostFormValue("payer_id"), MemberID: r.PostFormValue("member_id"), FirstName: r.PostFormValue("first_name"),
		LastName: r.PostFormValue("last_name"), DOB: r.PostFormValue("dob"), DOS: r.PostFormValue("date_of_service"),
		ProviderNPI: r.PostFormValue("provider_npi"), ProviderName: r.PostFormValue("provider_name"),
	}
	v := newView(id, "Eligibility", "eligibility", nil)
	date := s.today().NextBusinessDay()
	if s.eligibility == nil {
		v.Error = errNoEligibilityBot.Message
		s.renderEligibility(w, r, id, http.StatusServiceUnavailable, v, date, f)
		return
	}
	q := eligibility.Request{PayerID: f.PayerID, MemberID: f.MemberID, FirstName: f.FirstName, LastName: f.LastName,
		ProviderNPI: f.ProviderNPI, ProviderName: f.ProviderName}
	var bad []string
	if f.DOB != "" {
		if d, err := claim.ParseDate(f.DOB); err != nil {
			bad = append(bad, "date of birth")
		} else {
			q.DOB = d
		}
	}
	if f.DOS != "" {
		if d, err := claim.ParseDate(f.DOS); err != nil {
			bad = append(bad, "date of service")
		} else {
			q.DateOfService = d
		}
	}
	var err error
	if len(bad) > 0 {
		err = fault.Errorf(fault.Invalid, "Write the %s as YYYY-MM-DD (or use the date picker).", strings.Join(bad, " and "))
	} else {
		var res store.EligibilityResult
		res, err = s.eligibility.Check(r.Context(), q, id.User.Username)
		if err == nil {
			s.showResult(w, r, id, q.DateOfService, res, "check")
			return
		}
	}
	v.Error = fault.MessageOf(err)
	if !staffFacing(err) {
		s.log.Error("web: eligibility check", "err", err)
		v.Error = "The check could not be completed. Try again in a minute; if it keeps failing, tell your rcmbot administrator."
	}
	s.renderEligibility(w, r, id, http.StatusUnprocessableEntity, v, date, f)
}

// sweepPatients are the patient keys of a sweep's results.
func (s *eligibilityWeb) sweepPatients(results []store.EligibilityResult) []string {
	var keys []string
	for _, res := range results {
		keys = append(keys, s.resultPatients(res)...)
	}
	return keys
}
