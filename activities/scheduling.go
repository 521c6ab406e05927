package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/store"
)

// Error types of the scheduling activities (temporal.ApplicationError.Type).
const (
	// ErrSchedule is a request, appointment or calendar the activities
	// cannot plan or book: unknown, outside its window, off the
	// templates. Not retried; the message is for staff.
	ErrSchedule = "Schedule"
	// ErrSlotTaken is a slot that has no room left (booked meanwhile, or
	// an overbooking nobody confirmed). Not retried.
	ErrSlotTaken = "SlotTaken"
)

// SchedulingStore is what the scheduling activities need of the database.
type SchedulingStore interface {
	Templates(ctx context.Context) ([]schedule.Provider, error)
	Holidays(ctx context.Context) ([]schedule.Exception, error)
	VisitTypes(ctx context.Context) ([]schedule.VisitType, error)
	SchedPatient(ctx context.Context, id string) (schedule.Patient, error)
	SchedRequest(ctx context.Context, id string) (store.SchedRequest, error)
	SchedRequests(ctx context.Context, page store.Page, statuses ...schedule.RequestStatus) ([]store.SchedRequest, error)
	RequestLinkToken(ctx context.Context, id string) (string, error)
	ProposeOptions(ctx context.Context, id string, options []planner.Choice) error
	SetRequestStatus(ctx context.Context, id string, status schedule.RequestStatus) error
	BookAppointment(ctx context.Context, b store.Booking) (store.SchedAppointment, error)
	SchedAppointment(ctx context.Context, id string) (store.SchedAppointment, error)
	SchedAppointments(ctx context.Context, first, last claim.Date) ([]store.SchedAppointment, error)
	RecordOutcome(ctx context.Context, id string, o schedule.Outcome) (store.SchedAppointment, error)
	History(ctx context.Context, since claim.Date) ([]schedule.Attendance, error)
	AddOffer(ctx context.Context, o store.SchedOffer) error
	SetOfferState(ctx context.Context, id string, state schedule.OfferState) error
	RecordDecision(ctx context.Context, sd store.SignedDecision) error
}

// Clinic is how the clinic plans: the instance settings of issue 11
// (slot length, service-time variability, overbooking limit, cost
// weights) and how much history the no-show model learns from.
type Clinic struct {
	SlotMinutes        int            `json:"slot_minutes"`
	ServiceCV          float64        `json:"service_cv"`
	MaxOverbookPerSlot int            `json:"max_overbook_per_slot"`
	Costs              schedule.Costs `json:"costs"`
	HistoryDays        int            `json:"history_days"`
}

// DefaultClinic is the clinic of issue 11's example instance: 15-minute
// slots, service CV 0.35, one overbooking per slot, its cost weights,
// two years of history.
func DefaultClinic() Clinic {
	return Clinic{SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 1, HistoryDays: 730,
		Costs: schedule.Costs{WaitPerMinute: 1, IdlePerMinute: 2, OvertimePerMinute: 3, LeadTimePerDay: 0.5, PreferenceMiss: 5, Unscheduled: 120}}
}

// Scheduling holds the scheduling bot's activities.
type Scheduling struct {
	DB     SchedulingStore
	Mail   Mailer
	Clinic Clinic
	// PublicURL is the web app's address, for the links in reminders and
	// offers.
	PublicURL string
	// Location is the clinic's time zone (appointment times are local).
	Location *time.Location
	Log      *slog.Logger
}

func (a *Scheduling) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

func (a *Scheduling) location() *time.Location {
	if a.Location == nil {
		return time.UTC
	}
	return a.Location
}

// refuse is a staff-facing refusal that is not retried.
func refuse(kind string, err error) error {
	return temporal.NewNonRetryableApplicationError(fault.MessageOf(err), kind, err)
}

// ProposeInput asks for a request's options.
type ProposeInput struct {
	RequestID string     `json:"request_id"`
	AsOf      claim.Date `json:"as_of"`             // the first date offered
	Options   int        `json:"options,omitempty"` // how many (0: 5)
}

// Proposal is a request (no patient data beyond its IDs and window, for
// the workflow's validator) and the options proposed for it.
type Proposal struct {
	Request schedule.Request       `json:"request"`
	Status  schedule.RequestStatus `json:"status"`
	Options []planner.Choice       `json:"options"`
}

// ProposeOptions plans a request's best options on the calendar as it
// stands (cheapest first, each with what it adds to the expected cost and
// its no-show estimate) and stores them for the request queue. A request
// booked or withdrawn already is returned as it is, without options.
func (a *Scheduling) ProposeOptions(ctx context.Context, in ProposeInput) (Proposal, error) {
	r, err := a.request(ctx, in.RequestID)
	if err != nil {
		return Proposal{}, err
	}
	out := Proposal{Request: r.Request, Status: r.Status, Options: []planner.Choice{}}
	if r.Status == schedule.RequestBooked || r.Status == schedule.RequestWithdrawn {
		return out, nil
	}
	start := max(in.AsOf, r.Earliest)
	if start > r.Latest {
		return out, refuse(ErrSchedule, fault.Errorf(fault.Invalid, "request %s: its window ended on %s", r.ID, r.Latest))
	}
	pb, err := a.problem(ctx, start, r.Latest.DaysSince(start)+1, []schedule.Request{r.Request})
	if err != nil {
		return out, err
	}
	n := in.Options
	if n <= 0 {
		n = 5
	}
	if out.Options, err = pb.Choices(r.ID, n); err != nil {
		return out, refuse(ErrSchedule, err)
	}
	if err := a.DB.ProposeOptions(ctx, r.ID, out.Options); err != nil {
		return out, err
	}
	out.Status = schedule.RequestProposed
	a.log().Info("scheduling options proposed", "request_id", r.ID, "options", len(out.Options))
	return out, nil
}

func (a *Scheduling) request(ctx context.Context, id string) (store.SchedRequest, error) {
	r, err := a.DB.SchedRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, refuse(ErrSchedule, fault.Errorf(fault.NotFound, "request %s is not stored", id))
	}
	return r, err
}

// BookInput books a chosen slot for a request under an appointment ID
// the workflow chose (retries book once).
type BookInput struct {
	AppointmentID string           `json:"appointment_id"`
	RequestID     string           `json:"request_id"`
	Booking       schedule.Booking `json:"booking"`
	BookedOn      claim.Date       `json:"booked_on"`
	// Decision is the signed choice, recorded as evidence of who booked.
	Decision decision.Signed `json:"decision"`
}

// Booked is a booked appointment (IDs, slot, status; no patient data)
// and whether the eligibility bot is to check it.
type Booked struct {
	Appointment schedule.Appointment `json:"appointment"`
	Checked     bool                 `json:"checked"`
}

// Book records the signed choice and books the request into the slot:
// checked against the templates, the request's window and the slot's
// room on the calendar as it is now (ErrSchedule, ErrSlotTaken), an
// overbooking only when the choice confirms it, and held in the store in
// one transaction (whose seat key keeps concurrent bookings apart).
// Retried, it returns the appointment booked the first time.
func (a *Scheduling) Book(ctx context.Context, in BookInput) (Booked, error) {
	if err := a.recordDecision(ctx, in.Decision); err != nil {
		return Booked{}, err
	}
	if ap, err := a.DB.SchedAppointment(ctx, in.AppointmentID); err == nil {
		return Booked{Appointment: ap.Appointment, Checked: ap.Checked}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Booked{}, err
	}
	r, err := a.request(ctx, in.RequestID)
	if err != nil {
		return Booked{}, err
	}
	slot := in.Booking.Slot
	if err := r.Fits(slot); err != nil {
		return Booked{}, refuse(ErrSchedule, err)
	}
	pb, err := a.problem(ctx, slot.Date, 1, []schedule.Request{r.Request})
	if err != nil {
		return Booked{}, err
	}
	if err := pb.CheckBooking(r.ID, slot); err != nil {
		if fault.CodeOf(err) == fault.Conflict {
			return Booked{}, refuse(ErrSlotTaken, err)
		}
		return Booked{}, refuse(ErrSchedule, err)
	}
	for _, e := range pb.Instance.Existing {
		if e.SlotOf() == slot && !in.Booking.Overbook {
			return Booked{}, refuse(ErrSlotTaken, fault.Errorf(fault.Conflict,
				"request %s: another appointment starts at %s; confirm the overbooking to book it there", r.ID, slot))
		}
	}
	est := pb.Estimate(&r.Request, slot.Date, slot.Start)
	ap, err := a.DB.BookAppointment(ctx, store.Booking{Seats: 1 + a.clinic().MaxOverbookPerSlot, Appointment: schedule.Appointment{
		ID: in.AppointmentID, RequestID: r.ID, PatientID: r.PatientID, ProviderID: slot.ProviderID, Date: slot.Date, Start: slot.Start,
		VisitType: r.VisitType, BookedOn: in.BookedOn, NoShowProbability: &est.P}})
	if errors.Is(err, store.ErrConflict) {
		return Booked{}, refuse(ErrSlotTaken, fault.Errorf(fault.Conflict, "request %s: the slot %s was booked meanwhile; choose another", r.ID, slot))
	}
	if err != nil {
		return Booked{}, err
	}
	a.log().Info("appointment booked", "request_id", r.ID, "appointment_id", ap.ID, "provider_id", slot.ProviderID,
		"date", slot.Date.String(), "overbooked", in.Booking.Overbook, "eligibility", ap.Checked)
	return Booked{Appointment: ap.Appointment, Checked: ap.Checked}, nil
}

// recordDecision keeps a signed decision as evidence (nothing for an
// empty one: a decision the bot made itself, such as a waitlist move
// accepted through an offer, is recorded by its answer).
func (a *Scheduling) recordDecision(ctx context.Context, s decision.Signed) error {
	if s.Note == "" {
		return nil
	}
	d, err := decision.Read(s, nil)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("a scheduling decision cannot be read", ErrSchedule, err)
	}
	return a.DB.RecordDecision(ctx, store.SignedDecision{ID: store.DecisionID(d), Kind: d.Kind, Subject: d.Subject,
		Actor: d.Actor, Role: d.Role, SignedAt: d.At, Note: s.Note})
}

// RequestStatusInput moves a request (expired unchosen: waitlisted).
type RequestStatusInput struct {
	RequestID string                 `json:"request_id"`
	Status    schedule.RequestStatus `json:"status"`
}

// SetRequestStatus moves a request to a status.
func (a *Scheduling) SetRequestStatus(ctx context.Context, in RequestStatusInput) error {
	err := a.DB.SetRequestStatus(ctx, in.RequestID, in.Status)
	if errors.Is(err, store.ErrNotFound) {
		return refuse(ErrSchedule, fault.Errorf(fault.NotFound, "request %s is not stored", in.RequestID))
	}
	return err
}

// AttendanceInput records an appointment's outcome.
type AttendanceInput struct {
	AppointmentID string           `json:"appointment_id"`
	Outcome       schedule.Outcome `json:"outcome"`
	Decision      decision.Signed  `json:"decision"`
}

// RecordAttendance records the signed decision and the outcome: the
// appointment's status, its slot freed, the visit in the history (the
// no-show model's next fit learns from it). Recording it again changes
// nothing.
func (a *Scheduling) RecordAttendance(ctx context.Context, in AttendanceInput) (schedule.Appointment, error) {
	if err := a.recordDecision(ctx, in.Decision); err != nil {
		return schedule.Appointment{}, err
	}
	ap, err := a.DB.RecordOutcome(ctx, in.AppointmentID, in.Outcome)
	switch {
	case errors.Is(err, store.ErrConflict):
		return ap.Appointment, refuse(ErrSchedule, fault.Errorf(fault.Conflict, "appointment %s has another outcome recorded already", in.AppointmentID))
	case errors.Is(err, store.ErrNotFound):
		return ap.Appointment, refuse(ErrSchedule, fault.Errorf(fault.NotFound, "appointment %s is not stored", in.AppointmentID))
	case err != nil:
		return ap.Appointment, err
	}
	a.log().Info("attendance recorded", "appointment_id", ap.ID, "outcome", string(in.Outcome))
	return ap.Appointment, nil
}

// VisitReminderInput sends one reminder of an appointment.
type VisitReminderInput struct {
	AppointmentID string        `json:"appointment_id"`
	Lead          time.Duration `json:"lead"` // how long before the visit it is sent (72 h, 24 h)
}

// SendReminder emails the patient a reminder of the appointment with
// links to confirm or cancel it. It returns false, sending nothing, for
// an appointment no longer holding its slot or a patient without an
// email address. The message names no patient, provider or visit type:
// only the date and time and the links.
func (a *Scheduling) SendReminder(ctx context.Context, in VisitReminderInput) (bool, error) {
	ap, err := a.DB.SchedAppointment(ctx, in.AppointmentID)
	if errors.Is(err, store.ErrNotFound) {
		return false, refuse(ErrSchedule, fault.Errorf(fault.NotFound, "appointment %s is not stored", in.AppointmentID))
	}
	if err != nil || !ap.Status.Holds() {
		return false, err
	}
	to, err := a.email(ctx, ap.PatientID)
	if err != nil || to == "" {
		return false, err
	}
	when := ap.SlotOf().At(a.location())
	link := a.PublicURL + "/scheduling/a/" + ap.Token
	text := fmt.Sprintf("This is a reminder of your appointment at the clinic on %s at %s.\n\nConfirm you are coming: %s?answer=confirm\nCancel it: %s?answer=cancel\n\nIf you cannot come, please cancel so that another patient can have the time.\n",
		when.Format("Monday, January 2, 2006"), when.Format("3:04 PM"), link, link)
	if err := a.send(ctx, mail.Message{To: []string{to}, Subject: "Appointment reminder: " + when.Format("Mon Jan 2, 3:04 PM"), Text: text}); err != nil {
		return false, err
	}
	a.log().Info("appointment reminder sent", "appointment_id", ap.ID, "lead", in.Lead.String())
	return true, nil
}

// OptionsEmailInput names the request whose proposed options are emailed.
type OptionsEmailInput struct {
	RequestID string `json:"request_id"`
}

// SendOptions emails the patient a link to the request's proposed
// options (the page lists the times, a button books one). It returns
// false, sending nothing, for a request no longer proposed, without an
// option the patient may choose (overbookings are staff's to confirm),
// or of a patient without an email address. The message names no
// patient, provider or visit type: only the link.
func (a *Scheduling) SendOptions(ctx context.Context, in OptionsEmailInput) (bool, error) {
	r, err := a.DB.SchedRequest(ctx, in.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return false, refuse(ErrSchedule, fault.Errorf(fault.NotFound, "request %s is not stored", in.RequestID))
	}
	if err != nil || r.Status != schedule.RequestProposed || len(planner.PatientChoices(r.Options)) == 0 {
		return false, err
	}
	to, err := a.email(ctx, r.PatientID)
	if err != nil || to == "" {
		return false, err
	}
	token, err := a.DB.RequestLinkToken(ctx, r.ID)
	if err != nil {
		return false, err
	}
	text := fmt.Sprintf("The clinic has found times for the appointment you asked for.\n\nChoose the one that suits you: %s/scheduling/r/%s\n\nIf none suits you, please call the clinic.\n", a.PublicURL, token)
	if err := a.send(ctx, mail.Message{To: []string{to}, Subject: "Choose your appointment time", Text: text}); err != nil {
		return false, err
	}
	a.log().Info("appointment options sent", "request_id", r.ID)
	return true, nil
}

// email is the patient's address ("" when none is on file).
func (a *Scheduling) email(ctx context.Context, patientID string) (string, error) {
	if patientID == "" {
		return "", nil
	}
	p, err := a.DB.SchedPatient(ctx, patientID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return p.Email, err
}

// send sends m to a patient (see sendMail).
func (a *Scheduling) send(ctx context.Context, m mail.Message) error {
	return sendMail(ctx, a.Mail, m, "the mail server refused the message for good: check the patient's email address")
}

// RankInput ranks the waitlist for a freed slot.
type RankInput struct {
	Slot schedule.Slot `json:"slot"`
}

// RankWaitlist returns the waitlisted requests that may be booked into a
// freed slot, best first (most urgent, then the largest fall in expected
// cost), on the calendar of the slot's day as it is now. A slot with no
// room left (booked again meanwhile) has nobody to offer it to.
func (a *Scheduling) RankWaitlist(ctx context.Context, in RankInput) ([]planner.Offer, error) {
	waiting, err := a.DB.SchedRequests(ctx, store.All, schedule.RequestWaitlisted)
	if err != nil {
		return nil, err
	}
	var reqs []schedule.Request
	for _, r := range waiting {
		if r.Fits(in.Slot) == nil {
			reqs = append(reqs, r.Request)
		}
	}
	pb, err := a.problem(ctx, in.Slot.Date, 1, reqs)
	if err != nil {
		return nil, err
	}
	offers, err := pb.RankWaitlist(in.Slot)
	switch {
	case fault.CodeOf(err) == fault.Conflict:
		return []planner.Offer{}, nil
	case err != nil:
		return nil, refuse(ErrSchedule, err)
	}
	return offers, nil
}

// OfferInput offers a freed slot to one waitlisted request.
type OfferInput struct {
	OfferID    string        `json:"offer_id"`
	RequestID  string        `json:"request_id"`
	Slot       schedule.Slot `json:"slot"`
	Expires    time.Time     `json:"expires"`
	WorkflowID string        `json:"workflow_id"`
}

// MakeOffer stores the offer and emails the patient a link to accept or
// decline it before it expires; it returns whether the email was sent (a
// patient without an address is reached by the front desk, who answer
// for them).
func (a *Scheduling) MakeOffer(ctx context.Context, in OfferInput) (bool, error) {
	if err := a.DB.AddOffer(ctx, store.SchedOffer{ID: in.OfferID, RequestID: in.RequestID, Slot: in.Slot,
		WorkflowID: in.WorkflowID, Expires: in.Expires}); err != nil {
		return false, err
	}
	r, err := a.request(ctx, in.RequestID)
	if err != nil {
		return false, err
	}
	to, err := a.email(ctx, r.PatientID)
	if err != nil || to == "" {
		return false, err
	}
	when := in.Slot.At(a.location())
	link := a.PublicURL + "/scheduling/o/" + in.OfferID
	text := fmt.Sprintf("An earlier appointment has become free at the clinic: %s at %s.\n\nTake it: %s?answer=accept\nKeep your place on the waiting list: %s?answer=decline\n\nThe offer stands until %s; the first to take it gets it.\n",
		when.Format("Monday, January 2, 2006"), when.Format("3:04 PM"), link, link, in.Expires.In(a.location()).Format("Mon Jan 2, 3:04 PM"))
	if err := a.send(ctx, mail.Message{To: []string{to}, Subject: "An earlier appointment is available", Text: text}); err != nil {
		return false, err
	}
	return true, nil
}

// CloseOfferInput records how an offer ended.
type CloseOfferInput struct {
	OfferID  string              `json:"offer_id"`
	State    schedule.OfferState `json:"state"`
	Decision decision.Signed     `json:"decision"`
}

// CloseOffer records the signed answer (if any) and the offer's end.
func (a *Scheduling) CloseOffer(ctx context.Context, in CloseOfferInput) error {
	if err := a.recordDecision(ctx, in.Decision); err != nil {
		return err
	}
	return a.DB.SetOfferState(ctx, in.OfferID, in.State)
}

// PlanAheadInput re-plans the coming days.
type PlanAheadInput struct {
	AsOf claim.Date `json:"as_of"` // plans from the day after
	Days int        `json:"days"`  // how many days (0: 14)
}

// PlanAheadResult counts what the nightly plan proposed.
type PlanAheadResult struct {
	Requests    int     `json:"requests"`    // open, proposed and waitlisted requests planned
	Proposed    int     `json:"proposed"`    // requests given the plan's slot as their first option
	Overbooked  int     `json:"overbooked"`  // of them, into a slot another appointment starts in: for staff to confirm
	Waitlisted  int     `json:"waitlisted"`  // of them, from the waitlist (gaps filled)
	Unscheduled int     `json:"unscheduled"` // requests the plan left out
	Cost        float64 `json:"expected_cost"`
}

// PlanAhead plans every request not yet booked into the coming days at
// the lowest expected cost (the planner of issue 11, overbooking where a
// no-show is likely) and proposes each request its planned slot as its
// first option, marked overbooked where it is: staff confirm in the
// request queue; nothing is booked here.
func (a *Scheduling) PlanAhead(ctx context.Context, in PlanAheadInput) (PlanAheadResult, error) {
	days := in.Days
	if days <= 0 {
		days = 14
	}
	start := in.AsOf.AddDays(1)
	reqs, err := a.DB.SchedRequests(ctx, store.All, schedule.RequestOpen, schedule.RequestProposed, schedule.RequestWaitlisted)
	if err != nil {
		return PlanAheadResult{}, err
	}
	h := schedule.Horizon{Start: start, Days: days}
	var plan []schedule.Request
	status := map[string]store.SchedRequest{}
	for _, r := range reqs {
		if r.Latest >= h.Start && r.Earliest <= h.Last() {
			plan = append(plan, r.Request)
			status[r.ID] = r
		}
	}
	out := PlanAheadResult{Requests: len(plan)}
	if len(plan) == 0 {
		return out, nil
	}
	pb, err := a.problem(ctx, start, days, plan)
	if err != nil {
		return out, err
	}
	p, err := planner.Plan(pb)
	if err != nil {
		return out, refuse(ErrSchedule, err)
	}
	out.Unscheduled, out.Cost = len(p.Unscheduled), p.ExpectedCost
	for _, as := range p.Assignments {
		r := status[as.RequestID]
		choice := planner.Choice{Slot: schedule.Slot{ProviderID: as.ProviderID, Date: as.Date, Start: as.Start}, LeadDays: r.LeadDays(as.Date),
			Overbooked: as.Overbooked, PreferenceMiss: r.Misses(schedule.WeekdayOf(as.Date), as.Start), NoShow: pb.Estimate(&r.Request, as.Date, as.Start)}
		options := []planner.Choice{choice}
		for _, o := range r.Options {
			if o.Slot != choice.Slot {
				options = append(options, o)
			}
		}
		if err := a.DB.ProposeOptions(ctx, r.ID, options); err != nil {
			return out, err
		}
		out.Proposed++
		if as.Overbooked {
			out.Overbooked++
		}
		if r.Status == schedule.RequestWaitlisted {
			out.Waitlisted++
		}
	}
	a.log().Info("scheduling plan ahead", "from", start.String(), "days", days, "requests", out.Requests, "proposed", out.Proposed,
		"overbooked", out.Overbooked, "from_waitlist", out.Waitlisted, "unscheduled", out.Unscheduled)
	return out, nil
}

// AppointmentRequestWorkflowID is the ID of a request's AppointmentRequest
// workflow (request IDs are opaque).
func AppointmentRequestWorkflowID(requestID string) string { return "scheduling-request-" + requestID }

// WaitlistFillWorkflowID is the ID of the WaitlistFill workflow of the
// slot a cancelled appointment freed (appointment IDs are opaque).
func WaitlistFillWorkflowID(appointmentID string) string { return "scheduling-fill-" + appointmentID }
