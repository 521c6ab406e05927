// Package schedulingbot is the scheduling bot's front door: the web app
// and the CLI import templates, blocked days, existing appointments and
// attendance history through it, store appointment requests and start
// their AppointmentRequest workflows, send the signed choices, attendance
// and waitlist answers to the workflows, answer patients' reminder links,
// and read the calendar, the request queue, the waitlist and the report.
package schedulingbot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/schedule/schedimport"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/workflows"
)

// TaskQueue is the scheduling bot's task queue.
const TaskQueue = workflows.SchedulingBot

// RequestWorkflowID is the AppointmentRequest workflow ID of a request.
func RequestWorkflowID(requestID string) string {
	return activities.AppointmentRequestWorkflowID(requestID)
}

// FillWorkflowID is the WaitlistFill workflow ID of the slot a cancelled
// appointment freed.
func FillWorkflowID(appointmentID string) string {
	return activities.WaitlistFillWorkflowID(appointmentID)
}

// PlanWorkflowID is the ID of a plan-ahead run started by hand.
func PlanWorkflowID(id string) string { return "scheduling-plan-" + id }

// Service is the scheduling bot's front door.
type Service struct {
	DB       *store.DB
	Temporal client.Client // nil: imports and lists only
	// Decisions signs choices, attendance and offer answers; nil refuses
	// them.
	Decisions *decision.Signer
	Location  *time.Location
	// Settings go to every workflow started here.
	Settings workflows.SchedulingSettings
	// Clinic is the planning settings (the overbooking limit bounds
	// imported appointments per slot too).
	Clinic activities.Clinic
	// Files bounds imported files.
	Files schedimport.Options
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Today is the clinic's date now.
func (s *Service) Today() claim.Date { return schedule.DateIn(s.now(), s.location()) }

func (s *Service) temporal() (client.Client, error) {
	if s.Temporal == nil {
		return nil, fault.Errorf(fault.Unavailable, "The scheduling bot is not running here (no Temporal connection).")
	}
	return s.Temporal, nil
}

func (s *Service) settings() workflows.SchedulingSettings {
	set := s.Settings
	if set.TimeZone == "" {
		set.TimeZone = s.location().String()
	}
	return set
}

// Request stores a request (and the patient's contact and insurance,
// when given: new or changed) and starts its AppointmentRequest workflow,
// which plans the options. A request without a patient or a visit type,
// of an unknown visit type or with an impossible window is a
// fault.Invalid error before anything is stored.
func (s *Service) Request(ctx context.Context, r schedule.Request, patient *schedule.Patient, by string) (store.SchedRequest, error) {
	c, err := s.temporal()
	if err != nil {
		return store.SchedRequest{}, err
	}
	if patient != nil {
		if r.PatientID == "" {
			r.PatientID = patient.ID
		}
		if patient.ID != r.PatientID {
			return store.SchedRequest{}, fault.Errorf(fault.Invalid, "The request and the patient details name different patients.")
		}
	}
	if r.RequestedOn.IsZero() {
		r.RequestedOn = s.Today()
	}
	if r.Earliest.IsZero() {
		r.Earliest = r.RequestedOn
	}
	if err := s.checkRequest(ctx, &r); err != nil {
		return store.SchedRequest{}, err
	}
	if patient != nil {
		if err := s.DB.SavePatients(ctx, []schedule.Patient{*patient}); err != nil {
			return store.SchedRequest{}, invalid(err)
		}
	}
	stored, err := s.DB.AddRequest(ctx, r, by)
	if err != nil {
		return stored, invalid(err)
	}
	if err := s.start(ctx, c, stored.ID, nil); err != nil {
		return stored, err
	}
	return stored, nil
}

// checkRequest refuses what the planner cannot book, naming the field.
func (s *Service) checkRequest(ctx context.Context, r *schedule.Request) error {
	switch {
	case r.PatientID == "":
		return fault.Errorf(fault.Invalid, "Say which patient the request is for.")
	case r.VisitType == "":
		return fault.Errorf(fault.Invalid, "Say which visit type the request is for.")
	case r.Latest.IsZero():
		return fault.Errorf(fault.Invalid, "Give the latest date the visit may be on.")
	case r.Latest < r.Earliest:
		return fault.Errorf(fault.Invalid, "The latest date is before the earliest.")
	case r.Latest < s.Today():
		return fault.Errorf(fault.Invalid, "The latest date has passed.")
	case !r.Urgency.Valid():
		return fault.Errorf(fault.Invalid, "Urgency must be routine, soon or urgent.")
	}
	for i, w := range r.Preferred {
		if err := w.Check(); err != nil {
			return fault.Errorf(fault.Invalid, "Preferred window %d: %v.", i+1, err)
		}
	}
	types, err := s.DB.VisitTypes(ctx)
	if err != nil {
		return err
	}
	for _, v := range types {
		if v.ID == r.VisitType {
			return nil
		}
	}
	return fault.Errorf(fault.Invalid, "There is no visit type %q: import or add it first.", r.VisitType)
}

// invalid turns the store's refusal of a value into a staff error.
func invalid(err error) error {
	if errors.Is(err, store.ErrInvalid) {
		return fault.Wrap(err, fault.Invalid, "%s", err.Error())
	}
	return err
}

// start starts a request's workflow (a new run when an earlier one ended:
// a waitlisted request chosen for later); one running already is used as
// it is.
func (s *Service) start(ctx context.Context, c client.Client, requestID string, booked *activities.Booked) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       RequestWorkflowID(requestID),
		TaskQueue:                TaskQueue,
		StaticSummary:            "appointment request " + requestID,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.AttrBot.ValueSet(workflows.SchedulingBot),
			temporalx.AttrBatchID.ValueSet(requestID)),
	}, workflows.AppointmentRequestWorkflow, workflows.AppointmentRequestInput{RequestID: requestID, Booked: booked, Settings: s.settings()})
	if err != nil {
		return fmt.Errorf("start appointment request %s: %w", requestID, err)
	}
	return nil
}

// Requests lists requests in the statuses given (all when none), oldest
// first, with their proposed options.
func (s *Service) Requests(ctx context.Context, page store.Page, statuses ...schedule.RequestStatus) ([]store.SchedRequest, error) {
	return s.DB.SchedRequests(ctx, page, statuses...)
}

// GetRequest returns one request; an unknown ID is fault.NotFound.
func (s *Service) GetRequest(ctx context.Context, id string) (store.SchedRequest, error) {
	r, err := s.DB.SchedRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, fault.Wrap(err, fault.NotFound, "There is no appointment request %s.", id)
	}
	return r, err
}

// Book signs actor's choice of a slot for a request and sends it to the
// request's workflow (starting a new run for a request whose workflow
// ended: waitlisted, or proposed by the nightly plan), waiting for the
// booking. Overbook confirms a booking into a slot another appointment
// starts in.
func (s *Service) Book(ctx context.Context, requestID string, slot schedule.Slot, overbook bool, actor, role string) (store.SchedAppointment, error) {
	var out store.SchedAppointment
	c, err := s.temporal()
	if err != nil {
		return out, err
	}
	r, err := s.GetRequest(ctx, requestID)
	if err != nil {
		return out, err
	}
	if r.Status == schedule.RequestBooked || r.Status == schedule.RequestWithdrawn {
		return out, fault.Errorf(fault.Conflict, "Request %s is %s.", requestID, r.Status)
	}
	if err := s.start(ctx, c, requestID, nil); err != nil {
		return out, err
	}
	if err := s.awaitProposed(ctx, c, requestID); err != nil {
		return out, err
	}
	var booked activities.Booked
	if err := s.decide(ctx, RequestWorkflowID(requestID), workflows.UpdateChooseSlot, schedule.DecisionBooking, actor, role,
		schedule.Booking{Slot: slot, Overbook: overbook}, &booked); err != nil {
		return out, err
	}
	return s.DB.SchedAppointment(ctx, booked.Appointment.ID)
}

// awaitProposed waits (up to 20 s) until the request's workflow has its
// options and takes a choice.
func (s *Service) awaitProposed(ctx context.Context, c client.Client, requestID string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st workflows.AppointmentRequestState
		v, err := c.QueryWorkflow(ctx, RequestWorkflowID(requestID), "", workflows.QueryAppointmentRequest)
		if err == nil {
			err = v.Get(&st)
		}
		switch {
		case err == nil && st.Status != schedule.RequestOpen:
			return nil
		case err != nil && !isNotReady(err):
			return fmt.Errorf("request %s: %w", requestID, err)
		case time.Now().After(deadline):
			return fault.Errorf(fault.Unavailable, "The options for request %s are still being planned: try again in a moment.", requestID)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// isNotReady reports a query the workflow could not answer yet (its
// first task not run).
func isNotReady(err error) bool {
	var q *serviceerror.QueryFailed
	var nf *serviceerror.NotFound
	return errors.As(err, &q) || errors.As(err, &nf)
}

// Attend signs actor's record of an appointment's outcome (arrived,
// no-show, cancelled) and sends it to its request's workflow. An
// appointment no workflow follows (imported, or whose workflow ended) is
// recorded directly; cancelling one starts the waitlist fill of its slot.
func (s *Service) Attend(ctx context.Context, appointmentID string, o schedule.Outcome, actor, role string) (schedule.Appointment, error) {
	var out schedule.Appointment
	if !o.Valid() {
		return out, fault.Errorf(fault.Invalid, "The outcome must be arrived, no_show or cancelled.")
	}
	if !schedule.CanBook(role) && !(role == schedule.RolePatient && o == schedule.OutcomeCancelled) {
		return out, fault.Errorf(fault.Forbidden, "Only the front desk or an admin may record attendance.")
	}
	c, err := s.temporal()
	if err != nil {
		return out, err
	}
	ap, err := s.Appointment(ctx, appointmentID)
	if err != nil {
		return out, err
	}
	if ap.RequestID != "" {
		err := s.decide(ctx, RequestWorkflowID(ap.RequestID), workflows.UpdateAttendance, schedule.DecisionAttendance, actor, role,
			schedule.AttendanceNote{Outcome: o}, &out)
		if !errors.Is(err, temporalx.ErrNotRunning) {
			return out, err
		}
	}
	stored, err := s.DB.RecordOutcome(ctx, appointmentID, o)
	if errors.Is(err, store.ErrConflict) {
		return stored.Appointment, fault.Wrap(err, fault.Conflict, "Appointment %s has another outcome recorded already.", appointmentID)
	}
	if err != nil {
		return stored.Appointment, err
	}
	if o == schedule.OutcomeCancelled {
		_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: FillWorkflowID(appointmentID), TaskQueue: TaskQueue,
			StaticSummary: "waitlist fill for " + appointmentID, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
			workflows.WaitlistFillWorkflow, workflows.WaitlistFillInput{Slot: stored.SlotOf(), Settings: s.settings()})
		if err != nil {
			return stored.Appointment, fmt.Errorf("start the waitlist fill of %s: %w", appointmentID, err)
		}
	}
	return stored.Appointment, nil
}

// Appointment returns one appointment; an unknown ID is fault.NotFound.
func (s *Service) Appointment(ctx context.Context, id string) (store.SchedAppointment, error) {
	ap, err := s.DB.SchedAppointment(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ap, fault.Wrap(err, fault.NotFound, "There is no appointment %s.", id)
	}
	return ap, err
}

// linkActor is who answered through a link: the patient, named by no
// more than the link.
const linkActor = "patient (email link)"

// LinkAppointment returns the appointment of a reminder link; an unknown
// link is fault.NotFound.
func (s *Service) LinkAppointment(ctx context.Context, token string) (schedule.Appointment, error) {
	ap, err := s.DB.SchedAppointmentByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return ap.Appointment, errBadLink(err)
	}
	return ap.Appointment, err
}

// Offer returns a waitlist offer; an unknown one is fault.NotFound.
func (s *Service) Offer(ctx context.Context, id string) (store.SchedOffer, error) {
	o, err := s.DB.SchedOffer(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return o, errBadLink(err)
	}
	return o, err
}

// RespondToReminder applies a patient's answer to a reminder link: the
// appointment confirmed, or cancelled (its slot offered to the
// waitlist). An unknown link is fault.NotFound.
func (s *Service) RespondToReminder(ctx context.Context, token string, a schedule.LinkAnswer) (schedule.Appointment, error) {
	ap, err := s.DB.SchedAppointmentByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return schedule.Appointment{}, errBadLink(err)
	}
	if err != nil {
		return schedule.Appointment{}, err
	}
	switch a {
	case schedule.AnswerConfirm:
		got, err := s.DB.ConfirmAppointment(ctx, ap.ID)
		if errors.Is(err, store.ErrConflict) {
			return got.Appointment, fault.Wrap(err, fault.Conflict, "This appointment is %s and cannot be confirmed.", ap.Status)
		}
		return got.Appointment, err
	case schedule.AnswerCancel:
		if !ap.Status.Holds() {
			return ap.Appointment, nil
		}
		return s.Attend(ctx, ap.ID, schedule.OutcomeCancelled, linkActor, schedule.RolePatient)
	}
	return ap.Appointment, fault.Errorf(fault.Invalid, "The answer must be confirm or cancel.")
}

// errBadLink is a patient's link that leads nowhere.
func errBadLink(err error) error {
	return fault.Wrap(err, fault.NotFound, "This link is not valid. Please call the clinic.")
}

// RequestLink returns the request of an options link; an unknown link
// is fault.NotFound.
func (s *Service) RequestLink(ctx context.Context, token string) (store.SchedRequest, error) {
	r, err := s.DB.SchedRequestByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return r, errBadLink(err)
	}
	return r, err
}

// RespondToOptions books the slot a patient chose through the request's
// options link: a decision signed for the patient (role patient) and
// sent through the same choose Update as the front desk's, whose
// validator lets a patient choose only an offered time that overbooks
// nobody. A request booked or closed already is fault.Conflict.
func (s *Service) RespondToOptions(ctx context.Context, token string, slot schedule.Slot) (store.SchedAppointment, error) {
	r, err := s.RequestLink(ctx, token)
	if err != nil {
		return store.SchedAppointment{}, err
	}
	switch {
	case r.Status == schedule.RequestBooked:
		return store.SchedAppointment{}, fault.Errorf(fault.Conflict, "This appointment request is booked already.")
	case r.Status != schedule.RequestProposed:
		return store.SchedAppointment{}, fault.Errorf(fault.Conflict, "These times are no longer offered. Please call the clinic.")
	case !planner.PatientMayChoose(r.Options, slot):
		return store.SchedAppointment{}, fault.Errorf(fault.Invalid, "Choose one of the times shown.")
	}
	return s.Book(ctx, r.ID, slot, false, linkActor, schedule.RolePatient)
}

// AnswerOffer signs an answer to a waitlist offer (by the patient through
// the offer's link, or the front desk for them) and sends it to the
// offer's WaitlistFill workflow.
func (s *Service) AnswerOffer(ctx context.Context, offerID string, accept bool, actor, role string) (store.SchedOffer, error) {
	o, err := s.Offer(ctx, offerID)
	if err != nil {
		return o, err
	}
	if o.State != schedule.OfferPending {
		return o, fault.Errorf(fault.Conflict, "This offer is %s.", o.State)
	}
	var st workflows.WaitlistFillState
	err = s.decide(ctx, o.WorkflowID, workflows.UpdateAnswerOffer, schedule.DecisionOffer, actor, role,
		schedule.OfferAnswer{OfferID: offerID, Accept: accept}, &st)
	if errors.Is(err, temporalx.ErrNotRunning) {
		return o, fault.Wrap(err, fault.Conflict, "This offer has ended.")
	}
	if err != nil {
		return o, err
	}
	return s.DB.SchedOffer(ctx, offerID)
}

// RespondToOffer applies a patient's answer through an offer's link.
func (s *Service) RespondToOffer(ctx context.Context, offerID string, a schedule.LinkAnswer) (store.SchedOffer, error) {
	if a != schedule.AnswerAccept && a != schedule.AnswerDecline {
		return store.SchedOffer{}, fault.Errorf(fault.Invalid, "The answer must be accept or decline.")
	}
	return s.AnswerOffer(ctx, offerID, a == schedule.AnswerAccept, linkActor, schedule.RolePatient)
}

// decide signs a decision for workflow wfID and sends it as the Update
// name, turning refusals into staff errors (temporalx.UpdateDecision; a
// workflow no longer running wraps temporalx.ErrNotRunning).
func (s *Service) decide(ctx context.Context, wfID, update string, kind decision.Kind, actor, role string, payload, out any) error {
	c, err := s.temporal()
	if err != nil {
		return err
	}
	if s.Decisions == nil {
		return fault.Errorf(fault.Unavailable, "Decisions cannot be sent: this rcmbot has no key to sign them with (RCMBOT_DECISION_KEY). Tell your rcmbot administrator.")
	}
	signed, err := s.Decisions.Sign(kind, wfID, actor, role, payload)
	if err != nil {
		return fmt.Errorf("sign decision for %s: %w", wfID, err)
	}
	return temporalx.UpdateDecision(ctx, c, wfID, update, workflows.SchedulingDecisionRequest{Decision: signed}, out,
		"This request or visit is no longer open in the scheduling bot.", activities.ErrSlotTaken)
}

// PlanAhead starts the nightly re-plan now and returns its workflow ID.
func (s *Service) PlanAhead(ctx context.Context) (string, error) {
	c, err := s.temporal()
	if err != nil {
		return "", err
	}
	id := PlanWorkflowID(opaqueid.New("pl-"))
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: TaskQueue, StaticSummary: "scheduling plan ahead"},
		workflows.SchedulingNightlyWorkflow, workflows.SchedulingNightlyInput{TimeZone: s.location().String()}); err != nil {
		return "", fmt.Errorf("start the scheduling plan: %w", err)
	}
	return id, nil
}
