package web

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// errNoAuditBot is returned when the process runs without the
// access-monitoring bot.
var errNoAuditBot = fault.Errorf(fault.Unavailable, "The access-monitoring bot is not running in this rcmbot process. Tell your rcmbot administrator.")

// alertStates reads ?state=: open and escalated by default, "all" for every case.
func alertStates(q url.Values) []audit.CaseState {
	switch st := q.Get("state"); st {
	case "", "waiting":
		return []audit.CaseState{audit.CaseOpen, audit.CaseEscalated}
	case "all":
		return nil
	default:
		return []audit.CaseState{audit.CaseState(st)}
	}
}

// alertsPageData is the alert queue.
type alertsPageData struct {
	Available bool
	State     string
	Alerts    []audit.Case
}

// available answers 503 without the bot; it reports whether to go on.
func (s *auditWeb) available(w http.ResponseWriter, r *http.Request, what string) bool {
	if s.audit == nil {
		s.failErr(w, r, what, errNoAuditBot)
		return false
	}
	return true
}

func (s *auditWeb) alertsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Access alerts", "audit", nil)
	d := alertsPageData{Available: s.audit != nil, State: r.URL.Query().Get("state")}
	if s.audit != nil {
		var err error
		if d.Alerts, err = s.audit.Alerts(r.Context(), store.AlertFilter{States: alertStates(r.URL.Query())}, store.Page{Limit: 200}); err != nil {
			s.failErr(w, r, "the access alerts", err)
			return
		}
		if s.recordAccess(r, id, phiEvent{action: accessViewAccessAlerts, detail: fmt.Sprintf("alert queue, %d alerts", len(d.Alerts))}) != nil {
			s.failAccess(w, r)
			return
		}
	}
	v.Data = d
	s.page(w, http.StatusOK, "audit_alerts", v)
}

// alertPageData is one alert with its case, evidence and decision form.
type alertPageData struct {
	reports.AlertView
	Dispositions []audit.Disposition
	Outcome      *audit.CaseOutcome // after a decision on this page
}

func (s *auditWeb) alertPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.renderAlert(w, r, id, http.StatusOK, "", nil)
}

func (s *auditWeb) renderAlert(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, errMsg string, out *audit.CaseOutcome) {
	if !s.available(w, r, "the access alert") {
		return
	}
	al, err := s.audit.Alert(r.Context(), r.PathValue("alert"))
	if err != nil {
		s.failErr(w, r, "the access alert", err)
		return
	}
	if s.recordAccess(r, id, phiEvent{action: accessViewAccessAlerts, detail: "alert " + al.ID}) != nil {
		s.failAccess(w, r)
		return
	}
	v := newView(id, "Access alert "+al.ID, "audit", alertPageData{AlertView: al, Dispositions: audit.Dispositions, Outcome: out})
	v.Error = errMsg
	if out != nil {
		v.Flash = "Decision recorded: the case is " + string(out.State) + "."
	}
	s.page(w, status, "audit_alert", v)
}

func (s *auditWeb) decideForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if !s.available(w, r, "the decision") {
		return
	}
	cn := audit.CaseNote{Disposition: audit.Disposition(r.PostFormValue("disposition")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	out, err := s.audit.Decide(r.Context(), r.PathValue("alert"), id.User.Username, string(id.User.Role), cn)
	if err != nil {
		if !staffFacing(err) {
			s.failErr(w, r, "the decision", err)
			return
		}
		s.renderAlert(w, r, id, statusOf(fault.CodeOf(err)), fault.MessageOf(err), nil)
		return
	}
	s.renderAlert(w, r, id, http.StatusOK, "", &out)
}

// patientPageData is the per-patient access report.
type patientPageData struct {
	PatientID string
	Accesses  []reports.PatientAccess
}

func (s *auditWeb) patientReport(w http.ResponseWriter, r *http.Request, id auth.Identity) (patientPageData, bool) {
	d := patientPageData{PatientID: r.PathValue("patient")}
	if !s.available(w, r, "the patient access report") {
		return d, false
	}
	var err error
	if d.Accesses, err = s.audit.PatientReport(r.Context(), d.PatientID); err != nil {
		s.failErr(w, r, "the patient access report", err)
		return d, false
	}
	if s.recordAccess(r, id, phiEvent{action: accessPatientLookup, detail: fmt.Sprintf("patient access report, %d accesses", len(d.Accesses))}) != nil {
		s.failAccess(w, r)
		return d, false
	}
	return d, true
}

func (s *auditWeb) patientPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if d, ok := s.patientReport(w, r, id); ok {
		s.page(w, http.StatusOK, "audit_patient", newView(id, "Who opened this patient's record", "audit", d))
	}
}

func (s *auditWeb) apiPatient(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if d, ok := s.patientReport(w, r, id); ok {
		writeJSON(w, http.StatusOK, map[string]any{"patient_id": d.PatientID, "accesses": d.Accesses})
	}
}

// userPageData is one user's timeline and alerts.
type userPageData struct {
	UserID   string
	Days     int
	Timeline []reports.TimelineEntry
	Alerts   []audit.Case
}

// userTimelineDays is how far back the user timeline looks.
const userTimelineDays = 30

func (s *auditWeb) userData(w http.ResponseWriter, r *http.Request, id auth.Identity) (userPageData, bool) {
	d := userPageData{UserID: r.PathValue("user"), Days: userTimelineDays}
	if !s.available(w, r, "the user timeline") {
		return d, false
	}
	var err error
	if d.Timeline, err = s.audit.UserTimeline(r.Context(), d.UserID, d.Days); err == nil {
		d.Alerts, err = s.audit.Alerts(r.Context(), store.AlertFilter{UserID: d.UserID}, store.Page{Limit: 200})
	}
	if err != nil {
		s.failErr(w, r, "the user timeline", err)
		return d, false
	}
	if s.recordAccess(r, id, phiEvent{action: accessViewAccessAlerts, detail: fmt.Sprintf("user timeline, %d accesses", len(d.Timeline))}) != nil {
		s.failAccess(w, r)
		return d, false
	}
	return d, true
}

func (s *auditWeb) userPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if d, ok := s.userData(w, r, id); ok {
		s.page(w, http.StatusOK, "audit_user", newView(id, "Access timeline of "+d.UserID, "audit", d))
	}
}

func (s *auditWeb) apiUser(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if d, ok := s.userData(w, r, id); ok {
		writeJSON(w, http.StatusOK, map[string]any{"user_id": d.UserID, "days": d.Days, "timeline": d.Timeline, "alerts": d.Alerts})
	}
}

func (s *auditWeb) posturePage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if !s.available(w, r, "the security posture") {
		return
	}
	recs, err := s.audit.Posture(r.Context(), s.now())
	if err != nil {
		s.failErr(w, r, "the security posture", err)
		return
	}
	s.page(w, http.StatusOK, "audit_posture", newView(id, "Security posture", "audit-posture", recs))
}

func (s *auditWeb) apiPosture(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if !s.available(w, r, "the security posture") {
		return
	}
	recs, err := s.audit.Posture(r.Context(), s.now())
	if err != nil {
		s.failErr(w, r, "the security posture", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"checks": recs})
}

// reviewMonth reads ?month=YYYY-MM (this month when empty).
func (s *auditWeb) reviewMonth(r *http.Request) (time.Time, error) {
	m := r.URL.Query().Get("month")
	if m == "" {
		return s.now(), nil
	}
	t, err := time.ParseInLocation("2006-01", m, s.cfg.Location())
	if err != nil {
		return t, fault.Errorf(fault.Invalid, "The month %q is not a month: use YYYY-MM, such as 2026-03.", m)
	}
	return t, nil
}

func (s *auditWeb) monthly(w http.ResponseWriter, r *http.Request) (reports.ActivityReview, bool) {
	var rev reports.ActivityReview
	if !s.available(w, r, "the activity review") {
		return rev, false
	}
	day, err := s.reviewMonth(r)
	if err == nil {
		rev, err = s.audit.MonthlyReview(r.Context(), day)
	}
	if err != nil {
		s.failErr(w, r, "the activity review", err)
		return rev, false
	}
	return rev, true
}

// activityReviewData is the monthly activity review with the user access review.
type activityReviewData struct {
	Review   reports.ActivityReview
	ByRule   []reports.RuleCount
	Accounts []reports.AccountReview
	Charts   []chart
}

// reviewCharts draws the month's alerts by rule and its dispositions.
func reviewCharts(rev reports.ActivityReview) []chart {
	count := func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
	var rules []string
	var alerts []float64
	for _, rc := range rev.ByRule() {
		rules = append(rules, string(rc.Rule.ID))
		alerts = append(alerts, float64(rc.Count))
	}
	var disps []string
	var decided []float64
	for _, d := range audit.Dispositions {
		disps = append(disps, string(d))
		decided = append(decided, float64(rev.Dispositions[d]))
	}
	return []chart{
		newChart("alerts-by-rule", "Alerts by rule", "Alerts raised this month per detection rule.",
			rules, []chartSeries{{Name: "alerts", Values: alerts}}, count, 0, nil),
		newChart("dispositions", "Dispositions", "The privacy officer's latest disposition of this month's alerts.",
			disps, []chartSeries{{Name: "alerts", Values: decided}}, count, 0, nil),
	}
}

func (s *auditWeb) reviewPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rev, ok := s.monthly(w, r)
	if !ok {
		return
	}
	accounts, err := s.audit.UserReview(r.Context(), s.now())
	if err != nil {
		s.failErr(w, r, "the user access review", err)
		return
	}
	s.page(w, http.StatusOK, "audit_review", newView(id, "Activity review "+rev.Month, "audit-review", activityReviewData{Review: rev, ByRule: rev.ByRule(), Accounts: accounts, Charts: reviewCharts(rev)}))
}

// reviewFile downloads the monthly review as xlsx or PDF.
func (s *auditWeb) reviewFile(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	rev, ok := s.monthly(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	ext, ctype, write := "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", reports.WriteReviewXLSX
	if strings.HasSuffix(r.URL.Path, ".pdf") {
		ext, ctype, write = "pdf", "application/pdf", reports.WriteReviewPDF
	}
	if err := write(&buf, rev); err != nil {
		s.failErr(w, r, "the activity review", err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "activity-review-" + rev.Month + "." + ext}))
	_, _ = w.Write(buf.Bytes())
}

func (s *auditWeb) apiMonthly(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if rev, ok := s.monthly(w, r); ok {
		writeJSON(w, http.StatusOK, rev)
	}
}

func (s *auditWeb) apiUserReview(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if !s.available(w, r, "the user access review") {
		return
	}
	accounts, err := s.audit.UserReview(r.Context(), s.now())
	if err != nil {
		s.failErr(w, r, "the user access review", err)
		return
	}
	if s.recordAccess(r, id, phiEvent{action: accessViewAccessAlerts, detail: "user access review"}) != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": accounts})
}

func (s *auditWeb) apiAlerts(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if !s.available(w, r, "the access alerts") {
		return
	}
	list, err := s.audit.Alerts(r.Context(), store.AlertFilter{States: alertStates(r.URL.Query())}, store.Page{Limit: store.MaxPageSize})
	if err != nil {
		s.failErr(w, r, "the access alerts", err)
		return
	}
	if s.recordAccess(r, id, phiEvent{action: accessViewAccessAlerts, detail: fmt.Sprintf("alert list, %d alerts", len(list))}) != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list})
}

func (s *auditWeb) apiAlert(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if !s.available(w, r, "the access alert") {
		return
	}
	al, err := s.audit.Alert(r.Context(), r.PathValue("alert"))
	if err != nil {
		s.failErr(w, r, "the access alert", err)
		return
	}
	if s.recordAccess(r, id, phiEvent{action: accessViewAccessAlerts, detail: "alert " + al.ID}) != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, al)
}

func (s *auditWeb) apiDecide(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if !s.available(w, r, "the decision") {
		return
	}
	var cn audit.CaseNote
	if !s.readJSON(w, r, &cn, `{"disposition": "appropriate|inappropriate|needs_education|escalate", "note": "what was found and done"}`) {
		return
	}
	out, err := s.audit.Decide(r.Context(), r.PathValue("alert"), id.User.Username, string(id.User.Role), cn)
	if err != nil {
		s.failErr(w, r, "the decision", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
