package web

import (
	"context"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/calendar"
	"github.com/rcmbot/rcmbot/internal/store"
)

// SchedulingBot is the front door of the scheduling bot (package
// schedulingbot). Errors follow ClaimsBot's conventions: fault errors are
// shown, others are logged.
type SchedulingBot interface {
	// Request stores a request (and the patient's details, when given)
	// and starts its workflow, which plans the options.
	Request(ctx context.Context, r schedule.Request, patient *schedule.Patient, by string) (store.SchedRequest, error)
	// Requests lists requests in the given statuses, oldest first.
	Requests(ctx context.Context, page store.Page, statuses ...schedule.RequestStatus) ([]store.SchedRequest, error)
	// Book signs actor's choice of a slot and waits for the booking.
	Book(ctx context.Context, requestID string, slot schedule.Slot, overbook bool, actor, role string) (store.SchedAppointment, error)
	// Attend signs actor's record of an appointment's outcome.
	Attend(ctx context.Context, appointmentID string, o schedule.Outcome, actor, role string) (schedule.Appointment, error)
	// AnswerOffer signs an answer to a waitlist offer for the patient.
	AnswerOffer(ctx context.Context, offerID string, accept bool, actor, role string) (store.SchedOffer, error)
	// Providers lists the providers and their templates.
	Providers(ctx context.Context) ([]schedule.Provider, error)
	// Week is a provider's calendar from start for days; an unknown
	// provider is fault.NotFound.
	Week(ctx context.Context, providerID string, start claim.Date, days int) (calendar.Week, error)
	// Waitlist lists the waitlisted requests and the recent offers.
	Waitlist(ctx context.Context) ([]store.SchedRequest, []store.SchedOffer, error)
	// Report sums the scheduling report of the days from first to last.
	Report(ctx context.Context, first, last claim.Date) (calendar.Report, error)
	// LinkAppointment returns the appointment of a reminder link.
	LinkAppointment(ctx context.Context, token string) (schedule.Appointment, error)
	// RespondToReminder confirms or cancels it for the patient.
	RespondToReminder(ctx context.Context, token string, a schedule.LinkAnswer) (schedule.Appointment, error)
	// Offer returns a waitlist offer.
	Offer(ctx context.Context, id string) (store.SchedOffer, error)
	// RespondToOffer accepts or declines it for the patient.
	RespondToOffer(ctx context.Context, id string, a schedule.LinkAnswer) (store.SchedOffer, error)
	// RequestLink returns the request of a patient's options link.
	RequestLink(ctx context.Context, token string) (store.SchedRequest, error)
	// RespondToOptions books the time the patient chose through it.
	RespondToOptions(ctx context.Context, token string, slot schedule.Slot) (store.SchedAppointment, error)
	// Provider returns a provider's template (known false: not stored
	// yet, the template empty).
	Provider(ctx context.Context, id string) (p schedule.Provider, known bool, err error)
	// SaveTemplate replaces a provider's template, based on version
	// p.Version (a newer stored one is fault.Conflict).
	SaveTemplate(ctx context.Context, p schedule.Provider) (schedule.Provider, error)
	// EditTemplate adds or removes one session or block of a template,
	// based on the version the admin saw (a newer stored one is
	// fault.Conflict).
	EditTemplate(ctx context.Context, id string, version int, e schedule.TemplateEdit) (schedule.Provider, error)
	// VisitTypes lists the visit types.
	VisitTypes(ctx context.Context) ([]schedule.VisitType, error)
	// SaveVisitType adds a visit type or changes it.
	SaveVisitType(ctx context.Context, v schedule.VisitType) (schedule.VisitType, error)
}

// schedulingWeb serves the scheduling bot: the calendar, the request
// queue, the waitlist and the report, as pages and as the JSON API.
type schedulingWeb struct {
	*Server
	scheduling SchedulingBot
}

// Scheduling is the scheduling bot in the web app, over its front door.
func Scheduling(front SchedulingBot) Bot {
	return Bot{mount: func(s *Server, h handle) { (&schedulingWeb{Server: s, scheduling: front}).routes(h) },
		public: func(s *Server, m registrar) { (&schedulingWeb{Server: s, scheduling: front}).patientRoutes(m) }}
}

// accessViewSchedule: the calendar, request queue or waitlist, which
// name patients (by the practice's patient ID).
const accessViewSchedule store.AccessAction = "view_schedule"

// routes registers the scheduling bot's pages. The front desk and admins
// book and mark attendance; everyone who views sees the calendar.
func (s *schedulingWeb) routes(h handle) {
	h("GET /scheduling", route{perm: permView, phi: accessViewSchedule}, s.calendarPage)
	h("GET /scheduling/requests", route{perm: permView, phi: accessViewSchedule}, s.requestsPage)
	h("POST /scheduling/requests", route{perm: permBook, phi: accessViewSchedule}, s.addRequest)
	h("POST /scheduling/requests/{rid}/book", route{perm: permBook, phi: accessViewSchedule}, s.bookRequest)
	h("POST /scheduling/appointments/{aid}/attendance", route{perm: permBook, phi: accessViewSchedule}, s.markAttendance)
	h("GET /scheduling/waitlist", route{perm: permView, phi: accessViewSchedule}, s.waitlistPage)
	h("POST /scheduling/offers/{oid}/answer", route{perm: permBook, phi: accessViewSchedule}, s.answerOffer)
	h("GET /scheduling/report", route{perm: permView}, s.reportPage)
	h("GET /scheduling/templates/{pid}", route{perm: permOperate}, s.templatePage)
	h("POST /scheduling/templates/{pid}/sessions", route{perm: permOperate}, s.editSessions)
	h("POST /scheduling/templates/{pid}/blocked", route{perm: permOperate}, s.editBlocked)
	h("POST /scheduling/visit-types", route{perm: permOperate}, s.saveVisitType)

	h("GET /api/v1/scheduling/calendar", route{perm: permView, phi: accessViewSchedule}, s.apiCalendar)
	h("GET /api/v1/scheduling/requests", route{perm: permView, phi: accessViewSchedule}, s.apiRequests)
	h("POST /api/v1/scheduling/requests", route{perm: permBook, phi: accessViewSchedule}, s.apiAddRequest)
	h("POST /api/v1/scheduling/requests/{rid}/book", route{perm: permBook, phi: accessViewSchedule}, s.apiBook)
	h("POST /api/v1/scheduling/appointments/{aid}/attendance", route{perm: permBook, phi: accessViewSchedule}, s.apiAttendance)
	h("GET /api/v1/scheduling/waitlist", route{perm: permView, phi: accessViewSchedule}, s.apiWaitlist)
	h("POST /api/v1/scheduling/offers/{oid}/answer", route{perm: permBook, phi: accessViewSchedule}, s.apiAnswerOffer)
	h("GET /api/v1/scheduling/report", route{perm: permView}, s.apiReport)
	h("GET /api/v1/scheduling/templates/{pid}", route{perm: permOperate}, s.apiTemplate)
	h("PUT /api/v1/scheduling/templates/{pid}", route{perm: permOperate}, s.apiSaveTemplate)
	h("GET /api/v1/scheduling/visit-types", route{perm: permOperate}, s.apiVisitTypes)
	h("PUT /api/v1/scheduling/visit-types/{vid}", route{perm: permOperate}, s.apiSaveVisitType)
}

// patientRoutes registers the pages a patient reaches from a reminder,
// options or offer email, without signing in: the link's token (80 random bits)
// is the credential, the page shows only the appointment's date and time,
// and only a POST from the page acts (a mail scanner fetching the link
// changes nothing).
func (s *schedulingWeb) patientRoutes(m registrar) {
	m.HandleFunc("GET /scheduling/a/{token}", s.reminderLink)
	m.HandleFunc("POST /scheduling/a/{token}", s.reminderAnswer)
	m.HandleFunc("GET /scheduling/r/{token}", s.optionsLink)
	m.HandleFunc("POST /scheduling/r/{token}", s.optionsAnswer)
	m.HandleFunc("GET /scheduling/o/{oid}", s.offerLink)
	m.HandleFunc("POST /scheduling/o/{oid}", s.offerAnswer)
}
