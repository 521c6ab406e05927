package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/calendar"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// errNoSchedulingBot is returned when the process runs without the
// scheduling bot.
var errNoSchedulingBot = fault.Errorf(fault.Unavailable, "The scheduling bot is not running in this rcmbot process. Tell your rcmbot administrator.")

// patientKeys are the access-log keys of the patients a page names.
func (s *schedulingWeb) patientKeys(ids []string) []string {
	if s.tags == nil {
		return nil
	}
	seen := map[string]bool{}
	var keys []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			keys = append(keys, claim.AccountKey(s.tags, id))
		}
	}
	return keys
}

func weekPatients(w calendar.Week) []string {
	var ids []string
	for _, d := range w.Days {
		for _, c := range d.Cells {
			for _, e := range c.Entries {
				ids = append(ids, e.Appointment.PatientID)
			}
		}
	}
	return ids
}

func requestPatients(reqs []store.SchedRequest) []string {
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = r.PatientID
	}
	return ids
}

// calendarQuery reads ?provider=, ?start= (a date; default this week's
// Monday) and ?days= (default 7).
func (s *schedulingWeb) calendarQuery(r *http.Request, providers []schedule.Provider) (string, claim.Date, int, error) {
	q := r.URL.Query()
	id := q.Get("provider")
	if id == "" && len(providers) > 0 {
		id = providers[0].ID
	}
	today := claim.DateOf(s.now().In(s.cfg.Location()))
	start := today.AddDays(-(int(schedule.WeekdayOf(today)) - 1))
	if v := q.Get("start"); v != "" {
		d, err := claim.ParseDate(v)
		if err != nil {
			return id, start, 0, fault.Errorf(fault.Invalid, "The start date %q is not a date: write it as YYYY-MM-DD.", v)
		}
		start = d
	}
	days := 7
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return id, start, 0, fault.Errorf(fault.Invalid, "days must be a whole number.")
		}
		days = n
	}
	return id, start, days, nil
}

// calendarPageData is a provider's week.
type calendarPageData struct {
	Available bool
	Providers []schedule.Provider
	Provider  string
	Prev      claim.Date
	Next      claim.Date
	Week      calendar.Week
}

func (s *schedulingWeb) calendarPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	d := calendarPageData{Available: s.scheduling != nil}
	v := newView(id, "Scheduling calendar", "scheduling", nil)
	if s.scheduling != nil {
		var err error
		if d.Providers, err = s.scheduling.Providers(r.Context()); err != nil {
			s.failErr(w, r, "the providers", err)
			return
		}
		var start claim.Date
		var days int
		d.Provider, start, days, err = s.calendarQuery(r, d.Providers)
		if err == nil && d.Provider != "" {
			d.Week, err = s.scheduling.Week(r.Context(), d.Provider, start, days)
		}
		if err != nil {
			s.failErr(w, r, "the calendar", err)
			return
		}
		d.Prev, d.Next = start.AddDays(-7), start.AddDays(7)
		if err := s.recordAccess(r, id, phiEvent{action: accessViewSchedule, patients: s.patientKeys(weekPatients(d.Week)),
			detail: "calendar " + d.Provider + " from " + start.String()}); err != nil {
			s.failAccess(w, r)
			return
		}
	}
	v.Data = d
	s.page(w, http.StatusOK, "scheduling_calendar", v)
}

// requestsPageData is the request queue.
type requestsPageData struct {
	Available bool
	Requests  []store.SchedRequest // open and proposed
	Today     claim.Date
}

func (s *schedulingWeb) requestsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Appointment requests", "scheduling-requests", nil)
	switch r.URL.Query().Get("done") {
	case "book":
		v.Flash = "Request " + r.URL.Query().Get("rid") + " booked: the patient is reminded by email and the eligibility check runs."
	case "request":
		v.Flash = "Request " + r.URL.Query().Get("rid") + " stored: its options are being planned."
	}
	s.renderRequests(w, r, id, http.StatusOK, v)
}

func (s *schedulingWeb) renderRequests(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view) {
	d := requestsPageData{Available: s.scheduling != nil, Today: claim.DateOf(s.now().In(s.cfg.Location()))}
	if s.scheduling != nil {
		var err error
		if d.Requests, err = s.scheduling.Requests(r.Context(), store.Page{Limit: 200}, schedule.RequestOpen, schedule.RequestProposed); err != nil {
			s.failErr(w, r, "the requests", err)
			return
		}
		if err := s.recordAccess(r, id, phiEvent{action: accessViewSchedule, patients: s.patientKeys(requestPatients(d.Requests)), detail: "request queue"}); err != nil {
			s.failAccess(w, r)
			return
		}
	}
	v.Data = d
	s.page(w, status, "scheduling_requests", v)
}

// decided redirects after a decision, or shows the page again with the
// refusal.
func (s *schedulingWeb) decided(w http.ResponseWriter, r *http.Request, id auth.Identity, back string, err error, again func(int, view)) {
	if err == nil {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if !staffFacing(err) {
		s.failErr(w, r, "the scheduling decision", err)
		return
	}
	v := newView(id, "Appointment requests", "scheduling-requests", nil)
	v.Error = fault.MessageOf(err)
	again(statusOf(fault.CodeOf(err)), v)
}

// slotForm reads a slot from a form: provider, date, start (HH:MM).
func slotForm(r *http.Request) (schedule.Slot, error) {
	d, err := claim.ParseDate(strings.TrimSpace(r.PostFormValue("date")))
	if err != nil {
		return schedule.Slot{}, fault.Errorf(fault.Invalid, "The slot's date is not a date (YYYY-MM-DD).")
	}
	t, err := schedule.ParseClock(strings.TrimSpace(r.PostFormValue("start")))
	if err != nil {
		return schedule.Slot{}, fault.Errorf(fault.Invalid, "The slot's start is not a time of day (HH:MM).")
	}
	return schedule.Slot{ProviderID: strings.TrimSpace(r.PostFormValue("provider")), Date: d, Start: t}, nil
}

func (s *schedulingWeb) bookRequest(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the booking", errNoSchedulingBot)
		return
	}
	rid := r.PathValue("rid")
	slot, err := slotForm(r)
	if err == nil {
		_, err = s.scheduling.Book(r.Context(), rid, slot, r.PostFormValue("overbook") == "1", id.User.Username, string(id.User.Role))
	}
	s.decided(w, r, id, "/scheduling/requests?done=book&rid="+url.QueryEscape(rid), err, func(status int, v view) { s.renderRequests(w, r, id, status, v) })
}

// addRequest stores a request from the queue's form.
func (s *schedulingWeb) addRequest(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the request", errNoSchedulingBot)
		return
	}
	req := schedule.Request{PatientID: strings.TrimSpace(r.PostFormValue("patient_id")), VisitType: strings.TrimSpace(r.PostFormValue("visit_type")),
		Urgency: schedule.Urgency(r.PostFormValue("urgency"))}
	if p := strings.TrimSpace(r.PostFormValue("provider")); p != "" {
		req.ProviderIDs = []string{p}
	}
	var err error
	for _, f := range []struct {
		name string
		dst  *claim.Date
	}{{"earliest", &req.Earliest}, {"latest", &req.Latest}} {
		if v := strings.TrimSpace(r.PostFormValue(f.name)); v != "" && err == nil {
			if *f.dst, err = claim.ParseDate(v); err != nil {
				err = fault.Errorf(fault.Invalid, "The %s date is not a date (YYYY-MM-DD).", f.name)
			}
		}
	}
	var stored store.SchedRequest
	if err == nil {
		stored, err = s.scheduling.Request(r.Context(), req, nil, id.User.Username)
	}
	s.decided(w, r, id, "/scheduling/requests?done=request&rid="+url.QueryEscape(stored.ID), err, func(status int, v view) { s.renderRequests(w, r, id, status, v) })
}

func (s *schedulingWeb) markAttendance(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the attendance", errNoSchedulingBot)
		return
	}
	_, err := s.scheduling.Attend(r.Context(), r.PathValue("aid"), schedule.Outcome(r.PostFormValue("outcome")), id.User.Username, string(id.User.Role))
	back := "/scheduling?provider=" + url.QueryEscape(r.PostFormValue("provider")) + "&start=" + url.QueryEscape(r.PostFormValue("week"))
	s.decided(w, r, id, back, err, func(status int, v view) { s.renderRequests(w, r, id, status, v) })
}

// waitlistPageData is the waitlist and the offers made.
type waitlistPageData struct {
	Available bool
	Requests  []store.SchedRequest
	Offers    []store.SchedOffer
}

func (s *schedulingWeb) waitlistPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.renderWaitlist(w, r, id, http.StatusOK, newView(id, "Waitlist", "scheduling-waitlist", nil))
}

func (s *schedulingWeb) renderWaitlist(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view) {
	d := waitlistPageData{Available: s.scheduling != nil}
	if s.scheduling != nil {
		var err error
		if d.Requests, d.Offers, err = s.scheduling.Waitlist(r.Context()); err != nil {
			s.failErr(w, r, "the waitlist", err)
			return
		}
		if err := s.recordAccess(r, id, phiEvent{action: accessViewSchedule, patients: s.patientKeys(requestPatients(d.Requests)), detail: "waitlist"}); err != nil {
			s.failAccess(w, r)
			return
		}
	}
	v.Data = d
	s.page(w, status, "scheduling_waitlist", v)
}

func (s *schedulingWeb) answerOffer(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the offer", errNoSchedulingBot)
		return
	}
	_, err := s.scheduling.AnswerOffer(r.Context(), r.PathValue("oid"), r.PostFormValue("accept") == "1", id.User.Username, string(id.User.Role))
	s.decided(w, r, id, "/scheduling/waitlist", err, func(status int, v view) { s.renderWaitlist(w, r, id, status, v) })
}

// reportQuery is the report's range: ?weeks= back from this week's
// Monday through today.
func (s *schedulingWeb) reportQuery(r *http.Request) (claim.Date, claim.Date, int) {
	from, weeks := s.reportRange(r)
	return claim.DateOf(from), claim.DateOf(s.now().In(s.cfg.Location())), weeks
}

// schedulingReportData is the report and its charts.
type schedulingReportData struct {
	Available bool
	Weeks     int
	Choices   []int
	Report    calendar.Report
	Charts    []chart
}

func (s *schedulingWeb) reportPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	d := schedulingReportData{Available: s.scheduling != nil, Choices: []int{4, 12, 26, 52}}
	if s.scheduling != nil {
		from, to, weeks := s.reportQuery(r)
		var err error
		if d.Report, err = s.scheduling.Report(r.Context(), from, to); err != nil {
			s.failErr(w, r, "the scheduling report", err)
			return
		}
		d.Weeks, d.Charts = weeks, schedulingCharts(d.Report)
	}
	s.page(w, http.StatusOK, "scheduling_report", newView(id, "Scheduling report", "scheduling-report", d))
}

// schedulingCharts draws the report by week: capacity used and no-show
// rate.
func schedulingCharts(rep calendar.Report) []chart {
	var labels []string
	var used, noShow []float64
	for i := 0; i < len(rep.Days); i += 7 {
		var slots, booked, visits, missed int
		for _, d := range rep.Days[i:min(i+7, len(rep.Days))] {
			slots, booked, visits, missed = slots+d.Slots, booked+d.Booked, visits+d.Visits, missed+d.NoShows
		}
		labels = append(labels, rep.Days[i].Date.Time().Format("Jan 2"))
		used = append(used, ratio(booked, slots))
		noShow = append(noShow, ratio(missed, visits))
	}
	pctFmt := func(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + "%" }
	return []chart{
		newChart("capacity", "Capacity used", "Appointments booked (or seen) per slot of the providers' sessions, per week.",
			labels, []chartSeries{{Name: "capacity used", Values: used}}, pctFmt, 0, nil),
		newChart("noshow", "No-show rate", "No-shows per visit that was due (arrivals and no-shows), per week.",
			labels, []chartSeries{{Name: "no-show rate", Values: noShow}}, pctFmt, 1, nil),
	}
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (s *schedulingWeb) apiCalendar(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the calendar", errNoSchedulingBot)
		return
	}
	providers, err := s.scheduling.Providers(r.Context())
	if err != nil {
		s.failErr(w, r, "the providers", err)
		return
	}
	pid, start, days, err := s.calendarQuery(r, providers)
	var wk calendar.Week
	if err == nil {
		wk, err = s.scheduling.Week(r.Context(), pid, start, days)
	}
	if err != nil {
		s.failErr(w, r, "the calendar", err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: accessViewSchedule, patients: s.patientKeys(weekPatients(wk)), detail: "calendar " + pid + " (API)"}); err != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, wk)
}

func (s *schedulingWeb) apiRequests(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the requests", errNoSchedulingBot)
		return
	}
	var statuses []schedule.RequestStatus
	for _, st := range r.URL.Query()["status"] {
		statuses = append(statuses, schedule.RequestStatus(st))
	}
	reqs, err := s.scheduling.Requests(r.Context(), store.Page{Limit: store.MaxPageSize}, statuses...)
	if err != nil {
		s.failErr(w, r, "the requests", err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: accessViewSchedule, patients: s.patientKeys(requestPatients(reqs)), detail: "requests (API)"}); err != nil {
		s.failAccess(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": apiRequestList(reqs)})
}

// apiRequest is a request as the API writes it.
type apiRequest struct {
	schedule.Request
	Status  schedule.RequestStatus `json:"status"`
	Options json.RawMessage        `json:"options"`
}

func apiRequestList(reqs []store.SchedRequest) []apiRequest {
	out := make([]apiRequest, len(reqs))
	for i, r := range reqs {
		opts, err := json.Marshal(r.Options)
		if err != nil || r.Options == nil {
			opts = json.RawMessage("[]")
		}
		out[i] = apiRequest{Request: r.Request, Status: r.Status, Options: opts}
	}
	return out
}

func (s *schedulingWeb) apiAddRequest(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the request", errNoSchedulingBot)
		return
	}
	var in struct {
		schedule.Request
		Patient *schedule.Patient `json:"patient"`
	}
	if !s.readJSON(w, r, &in, `{"patient_id", "visit_type", "earliest", "latest", "provider_ids", "preferred", "urgency", "patient": {...}}`) {
		return
	}
	stored, err := s.scheduling.Request(r.Context(), in.Request, in.Patient, id.User.Username)
	if err != nil {
		s.failErr(w, r, "the request", err)
		return
	}
	writeJSON(w, http.StatusCreated, apiRequestList([]store.SchedRequest{stored})[0])
}

func (s *schedulingWeb) apiBook(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the booking", errNoSchedulingBot)
		return
	}
	var in schedule.Booking
	if !s.readJSON(w, r, &in, `{"slot": {"provider_id", "date", "start"}, "overbook": false}`) {
		return
	}
	ap, err := s.scheduling.Book(r.Context(), r.PathValue("rid"), in.Slot, in.Overbook, id.User.Username, string(id.User.Role))
	if err != nil {
		s.failErr(w, r, "the booking", err)
		return
	}
	writeJSON(w, http.StatusOK, ap.Appointment)
}

func (s *schedulingWeb) apiAttendance(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the attendance", errNoSchedulingBot)
		return
	}
	var in schedule.AttendanceNote
	if !s.readJSON(w, r, &in, `{"outcome": "arrived" | "no_show" | "cancelled"}`) {
		return
	}
	ap, err := s.scheduling.Attend(r.Context(), r.PathValue("aid"), in.Outcome, id.User.Username, string(id.User.Role))
	if err != nil {
		s.failErr(w, r, "the attendance", err)
		return
	}
	writeJSON(w, http.StatusOK, ap)
}

func (s *schedulingWeb) apiWaitlist(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the waitlist", errNoSchedulingBot)
		return
	}
	reqs, offers, err := s.scheduling.Waitlist(r.Context())
	if err != nil {
		s.failErr(w, r, "the waitlist", err)
		return
	}
	if err := s.recordAccess(r, id, phiEvent{action: accessViewSchedule, patients: s.patientKeys(requestPatients(reqs)), detail: "waitlist (API)"}); err != nil {
		s.failAccess(w, r)
		return
	}
	type offer struct {
		ID        string              `json:"id"`
		RequestID string              `json:"request_id"`
		Slot      schedule.Slot       `json:"slot"`
		State     schedule.OfferState `json:"state"`
	}
	out := make([]offer, len(offers))
	for i, o := range offers {
		out[i] = offer{ID: o.ID, RequestID: o.RequestID, Slot: o.Slot, State: o.State}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": apiRequestList(reqs), "offers": out})
}

func (s *schedulingWeb) apiAnswerOffer(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the offer", errNoSchedulingBot)
		return
	}
	var in struct {
		Accept bool `json:"accept"`
	}
	if !s.readJSON(w, r, &in, `{"accept": true}`) {
		return
	}
	o, err := s.scheduling.AnswerOffer(r.Context(), r.PathValue("oid"), in.Accept, id.User.Username, string(id.User.Role))
	if err != nil {
		s.failErr(w, r, "the offer", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": o.ID, "state": o.State})
}

func (s *schedulingWeb) apiReport(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the scheduling report", errNoSchedulingBot)
		return
	}
	from, to, _ := s.reportQuery(r)
	rep, err := s.scheduling.Report(r.Context(), from, to)
	if err != nil {
		s.failErr(w, r, "the scheduling report", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
