package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// SchedulingBot is the scheduling bot's name: the RcmBot search
// attribute of its runs, the Bot of its Schedules and its task queue.
const SchedulingBot = "scheduling"

// Workflow type names of the scheduling bot.
const (
	AppointmentRequestWorkflow = "AppointmentRequest"
	WaitlistFillWorkflow       = "WaitlistFill"
	SchedulingNightlyWorkflow  = "SchedulingNightly"
)

// Names of the scheduling workflows' handlers.
const (
	// UpdateChooseSlot takes a SchedulingDecisionRequest (a signed
	// schedule.Booking) and returns the activities.Booked appointment.
	UpdateChooseSlot = "choose"
	// UpdateAttendance takes a SchedulingDecisionRequest (a signed
	// schedule.AttendanceNote) and returns the schedule.Appointment.
	UpdateAttendance = "attendance"
	// UpdateAnswerOffer takes a SchedulingDecisionRequest (a signed
	// schedule.OfferAnswer) and returns the WaitlistFillState.
	UpdateAnswerOffer = "answer-offer"
	// QueryAppointmentRequest returns an AppointmentRequestState.
	QueryAppointmentRequest = "appointment-request"
	// QueryWaitlistFill returns a WaitlistFillState.
	QueryWaitlistFill = "waitlist-fill"
)

// SchedulingSettings are the waits of the scheduling workflows. Zero
// values take the defaults.
type SchedulingSettings struct {
	// ReminderLeads are how long before a visit the patient is reminded
	// [72 h, 24 h].
	ReminderLeads []time.Duration `json:"reminder_leads,omitempty"`
	// ChooseWait is how long the options wait for a choice before the
	// request goes to the waitlist [7 days].
	ChooseWait time.Duration `json:"choose_wait,omitempty"`
	// OfferWait is how long one waitlist offer stands [4 h].
	OfferWait time.Duration `json:"offer_wait,omitempty"`
	// AttendanceGrace is how long after a visit's start its attendance
	// may still be recorded [48 h].
	AttendanceGrace time.Duration `json:"attendance_grace,omitempty"`
	// Options is how many options a request is proposed [5]; MaxOffers
	// how many waitlisted requests one freed slot is offered to [10].
	Options   int    `json:"options,omitempty"`
	MaxOffers int    `json:"max_offers,omitempty"`
	TimeZone  string `json:"time_zone,omitempty"` // IANA name; "" = UTC
}

// Defaults of SchedulingSettings.
const (
	DefaultChooseWait      = 7 * 24 * time.Hour
	DefaultOfferWait       = 4 * time.Hour
	DefaultAttendanceGrace = 48 * time.Hour
	DefaultOptions         = 5
	DefaultMaxOffers       = 10
)

// DefaultReminderLeads are the reminders' lead times: 72 and 24 hours.
func DefaultReminderLeads() []time.Duration { return []time.Duration{72 * time.Hour, 24 * time.Hour} }

func (s SchedulingSettings) withDefaults() SchedulingSettings {
	if len(s.ReminderLeads) == 0 {
		s.ReminderLeads = DefaultReminderLeads()
	}
	if s.ChooseWait <= 0 {
		s.ChooseWait = DefaultChooseWait
	}
	if s.OfferWait <= 0 {
		s.OfferWait = DefaultOfferWait
	}
	if s.AttendanceGrace <= 0 {
		s.AttendanceGrace = DefaultAttendanceGrace
	}
	if s.Options <= 0 {
		s.Options = DefaultOptions
	}
	if s.MaxOffers <= 0 {
		s.MaxOffers = DefaultMaxOffers
	}
	return s
}

// AppointmentRequestInput starts the workflow of one stored request.
// Booked, when set, is an appointment booked already (a waitlist offer
// accepted): the workflow goes straight to its eligibility check,
// reminders and attendance.
type AppointmentRequestInput struct {
	RequestID string             `json:"request_id"`
	Booked    *activities.Booked `json:"booked,omitempty"`
	Settings  SchedulingSettings `json:"settings"`
}

// SchedulingDecisionRequest is the argument of the choose, attendance
// and answer-offer Updates: a decision signed by the front door for the
// workflow's ID.
type SchedulingDecisionRequest struct {
	Decision decision.Signed `json:"decision"`
}

// AppointmentRequestState is the query's answer and the workflow's
// result: IDs, slots and statuses, no patient data.
type AppointmentRequestState struct {
	Request     schedule.Request       `json:"request"`
	Status      schedule.RequestStatus `json:"status"`
	Options     []planner.Choice       `json:"options"`
	Appointment *schedule.Appointment  `json:"appointment,omitempty"`
	// Eligibility is the EligibilityCheck workflow started for the visit
	// ("" for a patient without insurance on file).
	Eligibility string           `json:"eligibility,omitempty"`
	Reminders   int              `json:"reminders"` // reminders sent
	Outcome     schedule.Outcome `json:"outcome,omitempty"`
}

// Scheduling holds the scheduling bot's workflows and the public keys
// that open staff decisions (never from a workflow's input).
type Scheduling struct {
	// Decisions opens choices, attendance and offer answers; nil refuses
	// every one.
	Decisions *decision.Verifier
}

// AppointmentRequest runs one request: the planner's options → a choice
// (the choose Update, signed: staff; validator: the request's window and
// providers, a confirmed overbooking) → booked idempotently (the store
// refuses a slot with no room left) → the visit's EligibilityCheck
// workflow started on the eligibility queue → reminders at the lead
// times → attendance (the attendance Update: arrived, no-show,
// cancelled; the patient may cancel through the reminder's link) → the
// outcome in the history. A cancellation starts WaitlistFill for the
// freed slot. A request nobody chooses for within ChooseWait goes to the
// waitlist.
func (s *Scheduling) AppointmentRequest(ctx workflow.Context, in AppointmentRequestInput) (AppointmentRequestState, error) {
	w := &appointmentRequest{in: in, set: in.Settings.withDefaults(), decisionGate: decisionGate{decisions: s.Decisions}}
	return w.run(ctx)
}

type appointmentRequest struct {
	in  AppointmentRequestInput
	set SchedulingSettings
	decisionGate
	state AppointmentRequestState
	busy  bool
	acts  *activities.Scheduling
}

func (w *appointmentRequest) run(ctx workflow.Context) (AppointmentRequestState, error) {
	w.state.Request.ID, w.state.Status, w.state.Options = w.in.RequestID, schedule.RequestOpen, []planner.Choice{}
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(SchedulingBot), temporalx.AttrBatchID.ValueSet(w.in.RequestID))
	if err := workflow.SetQueryHandler(ctx, QueryAppointmentRequest, func() (AppointmentRequestState, error) { return w.state, nil }); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateChooseSlot, w.choose,
		workflow.UpdateHandlerOptions{Validator: w.validateChoice}); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAttendance, w.attend,
		workflow.UpdateHandlerOptions{Validator: w.validateAttendance}); err != nil {
		return w.state, err
	}
	if w.in.Booked != nil {
		w.booked(*w.in.Booked)
	} else if done, err := w.propose(ctx); err != nil || done {
		return w.finish(ctx, err)
	}
	if w.state.Appointment == nil {
		return w.finish(ctx, nil)
	}
	if err := w.startEligibility(ctx); err != nil {
		return w.finish(ctx, err)
	}
	if err := w.remind(ctx); err != nil {
		return w.finish(ctx, err)
	}
	visit, err := w.visitTime(ctx)
	if err != nil {
		return w.finish(ctx, err)
	}
	if _, err := workflow.AwaitWithTimeout(ctx, max(visit.Add(w.set.AttendanceGrace).Sub(workflow.Now(ctx)), time.Second),
		func() bool { return w.state.Outcome != "" && !w.busy }); err != nil {
		return w.finish(ctx, err)
	}
	if w.state.Outcome == schedule.OutcomeCancelled {
		if err := w.startWaitlistFill(ctx); err != nil {
			return w.finish(ctx, err)
		}
	}
	return w.finish(ctx, nil)
}

// finish lets running handlers end, then returns the state.
func (w *appointmentRequest) finish(ctx workflow.Context, err error) (AppointmentRequestState, error) {
	if aerr := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err == nil {
		err = aerr
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Appointment request %s** — %s", w.in.RequestID, w.state.Status))
	return w.state, err
}

// propose plans the options and waits for a choice; it reports whether
// the workflow is done (nothing to book, or no choice in time).
func (w *appointmentRequest) propose(ctx workflow.Context) (bool, error) {
	today, err := dateIn(ctx, w.set.TimeZone, workflow.Now(ctx))
	if err != nil {
		return true, err
	}
	var p activities.Proposal
	if err := workflow.ExecuteActivity(schedulingActivity(ctx, "propose options"), w.acts.ProposeOptions,
		activities.ProposeInput{RequestID: w.in.RequestID, AsOf: today, Options: w.set.Options}).Get(ctx, &p); err != nil {
		return true, err
	}
	w.state.Request, w.state.Status, w.state.Options = p.Request, p.Status, p.Options
	if p.Status != schedule.RequestProposed {
		return true, nil
	}
	if err := w.sendOptions(ctx); err != nil {
		return true, err
	}
	chosen, err := workflow.AwaitWithTimeout(ctx, w.set.ChooseWait, func() bool { return w.state.Appointment != nil && !w.busy })
	if err != nil || chosen {
		return false, err
	}
	if err := workflow.Await(ctx, func() bool { return !w.busy }); err != nil || w.state.Appointment != nil {
		return false, err
	}
	w.state.Status = schedule.RequestWaitlisted
	return true, workflow.ExecuteActivity(schedulingActivity(ctx, "waitlist the request"), w.acts.SetRequestStatus,
		activities.RequestStatusInput{RequestID: w.in.RequestID, Status: schedule.RequestWaitlisted}).Get(ctx, nil)
}

func (w *appointmentRequest) booked(b activities.Booked) {
	ap := b.Appointment
	w.state.Appointment = &ap
	w.state.Status = schedule.RequestBooked
	if b.Checked {
		w.state.Eligibility = activities.EligibilityCheckWorkflowID(ap.ID)
	}
}

// startEligibility starts the visit's EligibilityCheck on the
// eligibility queue, as the eligibility front door would, and leaves it
// running on its own (a check started before, by a retry or by hand, is
// not started again).
func (w *appointmentRequest) startEligibility(ctx workflow.Context) error {
	if w.state.Eligibility == "" {
		return nil
	}
	ap := w.state.Appointment
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            w.state.Eligibility,
		TaskQueue:             EligibilityBot,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         "Eligibility check " + ap.ID,
		TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.AttrBot.ValueSet(EligibilityBot), temporalx.AttrBatchID.ValueSet(ap.ID)),
	})
	err := workflow.ExecuteChildWorkflow(cctx, EligibilityCheck, EligibilityCheckInput{RequestID: ap.ID}).GetChildWorkflowExecution().Get(ctx, nil)
	if err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return fmt.Errorf("start the eligibility check of %s: %w", ap.ID, err)
	}
	return nil
}

// visitTime is the moment the visit starts, in the clinic's zone.
func (w *appointmentRequest) visitTime(ctx workflow.Context) (time.Time, error) {
	times, err := w.reminderTimes(ctx, []time.Duration{0}, time.Time{})
	if err != nil || len(times) == 0 {
		return time.Time{}, err
	}
	return times[0], nil
}

// reminderTimes is schedule.ReminderTimes in the clinic's zone, kept in
// the history (the zone's rules are read from the machine).
func (w *appointmentRequest) reminderTimes(ctx workflow.Context, leads []time.Duration, after time.Time) ([]time.Time, error) {
	slot := w.state.Appointment.SlotOf()
	var out []time.Time
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		loc, err := time.LoadLocation(w.set.TimeZone)
		if err != nil {
			return []time.Time(nil)
		}
		return schedule.ReminderTimes(slot, leads, loc, after)
	}).Get(&out)
	if err == nil && out == nil && len(leads) > 0 && after.IsZero() {
		err = temporal.NewNonRetryableApplicationError(fmt.Sprintf("time zone %q is not an IANA name: fix RCMBOT_TIMEZONE", w.set.TimeZone), ErrBadTimeZone, nil)
	}
	return out, err
}

// remind sends the reminders still ahead, each at its time, until an
// outcome is recorded. A reminder that cannot be sent is logged and
// skipped: it never fails the booking.
func (w *appointmentRequest) remind(ctx workflow.Context) error {
	times, err := w.reminderTimes(ctx, w.set.ReminderLeads, workflow.Now(ctx))
	if err != nil {
		return err
	}
	visit, err := w.visitTime(ctx)
	if err != nil {
		return err
	}
	for _, t := range times {
		recorded, err := workflow.AwaitWithTimeout(ctx, max(t.Sub(workflow.Now(ctx)), time.Millisecond), func() bool { return w.state.Outcome != "" })
		if err != nil {
			return err
		}
		if recorded {
			return nil
		}
		var sent bool
		err = workflow.ExecuteActivity(w.mailing(ctx), w.acts.SendReminder,
			activities.VisitReminderInput{AppointmentID: w.state.Appointment.ID, Lead: visit.Sub(t).Round(time.Minute)}).Get(ctx, &sent)
		if temporal.IsCanceledError(err) {
			return err
		}
		if err != nil {
			workflow.GetLogger(ctx).Warn("appointment reminder not sent", "appointment_id", w.state.Appointment.ID, "error", err.Error())
		}
		if sent {
			w.state.Reminders++
		}
	}
	return nil
}

// versionOptionsEmail marks runs that email the patient the options link
// (histories from before it replay without the activity).
const versionOptionsEmail = "options-email"

// sendOptions emails the patient the link to choose among the options.
// An email that cannot be sent is logged: staff still book by hand.
func (w *appointmentRequest) sendOptions(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, versionOptionsEmail, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	var sent bool
	err := workflow.ExecuteActivity(w.mailing(ctx), w.acts.SendOptions, activities.OptionsEmailInput{RequestID: w.in.RequestID}).Get(ctx, &sent)
	if temporal.IsCanceledError(err) {
		return err
	}
	if err != nil {
		workflow.GetLogger(ctx).Warn("appointment options not sent", "request_id", w.in.RequestID, "error", err.Error())
	}
	return nil
}

// startWaitlistFill offers the slot a cancellation freed to the
// waitlist, in a workflow of its own.
func (w *appointmentRequest) startWaitlistFill(ctx workflow.Context) error {
	ap := w.state.Appointment
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            activities.WaitlistFillWorkflowID(ap.ID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         "waitlist fill for " + ap.ID,
	})
	err := workflow.ExecuteChildWorkflow(cctx, WaitlistFillWorkflow, WaitlistFillInput{Slot: ap.SlotOf(), Settings: w.in.Settings}).
		GetChildWorkflowExecution().Get(ctx, nil)
	if err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return fmt.Errorf("start the waitlist fill of %s: %w", ap.ID, err)
	}
	return nil
}

// validateChoice refuses, before anything reaches the history, a choice
// not signed by a front door for this workflow, from a role that may not
// book, when nothing is to be chosen, outside the request's window or
// providers, or into an overbooked option nobody confirmed.
func (w *appointmentRequest) validateChoice(ctx workflow.Context, req SchedulingDecisionRequest) error {
	var b schedule.Booking
	d, err := w.open(ctx, req.Decision, schedule.DecisionBooking, &b)
	if err != nil {
		return err
	}
	if d.Role == schedule.RolePatient && !planner.PatientMayChoose(w.state.Options, b.Slot) {
		return fmt.Errorf("request %s: a patient may choose only one of the times offered", w.in.RequestID)
	}
	if !schedule.CanBook(d.Role) && d.Role != schedule.RolePatient {
		return fmt.Errorf("request %s: only the front desk, an admin or the patient (through the options link) may book", w.in.RequestID)
	}
	return w.checkChoice(b)
}

func (w *appointmentRequest) checkChoice(b schedule.Booking) error {
	switch {
	case w.busy:
		return fmt.Errorf("request %s is being booked: try again", w.in.RequestID)
	case w.state.Appointment != nil || w.state.Status != schedule.RequestProposed:
		return fmt.Errorf("request %s is %s: there is nothing to choose", w.in.RequestID, w.state.Status)
	}
	if err := w.state.Request.Fits(b.Slot); err != nil {
		return err
	}
	for _, o := range w.state.Options {
		if o.Slot == b.Slot && o.Overbooked && !b.Overbook {
			return fmt.Errorf("request %s: %s is an overbooking; confirm it to book there", w.in.RequestID, b.Slot)
		}
	}
	return nil
}

// choose books a validated choice under an appointment ID kept in the
// history (a retried booking books once) and returns it.
func (w *appointmentRequest) choose(ctx workflow.Context, req SchedulingDecisionRequest) (activities.Booked, error) {
	var b schedule.Booking
	if _, err := w.read(ctx, req.Decision, &b); err != nil {
		return activities.Booked{}, err
	}
	if err := w.checkChoice(b); err != nil {
		return activities.Booked{}, err
	}
	w.busy = true
	defer func() { w.busy = false }()
	var id string
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return opaqueid.New("sa-") }).Get(&id); err != nil {
		return activities.Booked{}, err
	}
	today, err := dateIn(ctx, w.set.TimeZone, workflow.Now(ctx))
	if err != nil {
		return activities.Booked{}, err
	}
	var out activities.Booked
	if err := workflow.ExecuteActivity(schedulingActivity(ctx, "book"), w.acts.Book, activities.BookInput{AppointmentID: id, RequestID: w.in.RequestID,
		Booking: b, BookedOn: today, Decision: req.Decision}).Get(ctx, &out); err != nil {
		return out, err
	}
	w.booked(out)
	workflow.GetLogger(ctx).Info("appointment booked", "request_id", w.in.RequestID, "appointment_id", id)
	return out, nil
}

// validateAttendance refuses an unsigned or forged outcome, one from a
// role that may not record it (a patient may only cancel), and one for a
// request with no appointment or an outcome already.
func (w *appointmentRequest) validateAttendance(ctx workflow.Context, req SchedulingDecisionRequest) error {
	var note schedule.AttendanceNote
	d, err := w.open(ctx, req.Decision, schedule.DecisionAttendance, &note)
	if err != nil {
		return err
	}
	if !schedule.CanBook(d.Role) && !(d.Role == schedule.RolePatient && note.Outcome == schedule.OutcomeCancelled) {
		return fmt.Errorf("request %s: only the front desk or an admin may record attendance", w.in.RequestID)
	}
	return w.checkAttendance(note)
}

func (w *appointmentRequest) checkAttendance(note schedule.AttendanceNote) error {
	switch {
	case !note.Outcome.Valid():
		return fmt.Errorf("request %s: the outcome must be arrived, no_show or cancelled", w.in.RequestID)
	case w.busy:
		return fmt.Errorf("request %s is being updated: try again", w.in.RequestID)
	case w.state.Appointment == nil:
		return fmt.Errorf("request %s has no appointment booked", w.in.RequestID)
	case w.state.Outcome != "":
		return fmt.Errorf("appointment %s is %s already", w.state.Appointment.ID, w.state.Outcome)
	}
	return nil
}

// attend records a validated outcome.
func (w *appointmentRequest) attend(ctx workflow.Context, req SchedulingDecisionRequest) (schedule.Appointment, error) {
	var note schedule.AttendanceNote
	if _, err := w.read(ctx, req.Decision, &note); err != nil {
		return schedule.Appointment{}, err
	}
	if err := w.checkAttendance(note); err != nil {
		return schedule.Appointment{}, err
	}
	w.busy = true
	defer func() { w.busy = false }()
	var ap schedule.Appointment
	if err := workflow.ExecuteActivity(schedulingActivity(ctx, "record attendance"), w.acts.RecordAttendance, activities.AttendanceInput{
		AppointmentID: w.state.Appointment.ID, Outcome: note.Outcome, Decision: req.Decision}).Get(ctx, &ap); err != nil {
		return ap, err
	}
	w.state.Appointment = &ap
	w.state.Outcome = note.Outcome
	return ap, nil
}

// mailing is a reminder's options: retried for an hour while the mail
// server is down, not at all when it refuses the address.
func (w *appointmentRequest) mailing(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrMailRefused, activities.ErrSchedule}},
		Summary: "send a reminder",
	})
}

// schedulingActivity is the options of the scheduling bot's store and
// planning activities: retried on a database hiccup, never on a refusal.
func schedulingActivity(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 20,
			NonRetryableErrorTypes: []string{activities.ErrSchedule, activities.ErrSlotTaken, activities.ErrMailRefused}},
		Summary: summary,
	})
}

// WaitlistFillInput offers one freed slot to the waitlist.
type WaitlistFillInput struct {
	Slot     schedule.Slot      `json:"slot"`
	Settings SchedulingSettings `json:"settings"`
}

// WaitlistOffer is one offer a WaitlistFill made.
type WaitlistOffer struct {
	OfferID   string              `json:"offer_id"`
	RequestID string              `json:"request_id"`
	State     schedule.OfferState `json:"state"`
	Expires   time.Time           `json:"expires"`
	Emailed   bool                `json:"emailed"`
}

// WaitlistFillState is the query's answer and the workflow's result.
type WaitlistFillState struct {
	Slot   schedule.Slot      `json:"slot"`
	Offers []WaitlistOffer    `json:"offers"`
	Booked *activities.Booked `json:"booked,omitempty"`
}

// WaitlistFill offers a freed slot to the waitlisted requests ranked for
// it (most urgent, then the largest fall in expected cost), one at a
// time: each offer stands for OfferWait (a timer) and is answered by the
// answer-offer Update (signed: the patient through the offer's link, or
// the front desk for them). The first acceptance books the slot (the
// store refuses a slot booked meanwhile) and starts the request's
// AppointmentRequest workflow for its reminders and attendance; a
// decline or an expiry passes the slot to the next request.
func (s *Scheduling) WaitlistFill(ctx workflow.Context, in WaitlistFillInput) (WaitlistFillState, error) {
	w := &waitlistFill{in: in, set: in.Settings.withDefaults(), decisionGate: decisionGate{decisions: s.Decisions}}
	return w.run(ctx)
}

type waitlistFill struct {
	in  WaitlistFillInput
	set SchedulingSettings
	decisionGate
	state    WaitlistFillState
	answered bool
	busy     bool
	acts     *activities.Scheduling
}

func (w *waitlistFill) run(ctx workflow.Context) (WaitlistFillState, error) {
	w.state = WaitlistFillState{Slot: w.in.Slot, Offers: []WaitlistOffer{}}
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(SchedulingBot))
	if err := workflow.SetQueryHandler(ctx, QueryWaitlistFill, func() (WaitlistFillState, error) { return w.state, nil }); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAnswerOffer, w.answer,
		workflow.UpdateHandlerOptions{Validator: w.validateAnswer}); err != nil {
		return w.state, err
	}
	var ranked []planner.Offer
	if err := workflow.ExecuteActivity(schedulingActivity(ctx, "rank the waitlist"), w.acts.RankWaitlist,
		activities.RankInput{Slot: w.in.Slot}).Get(ctx, &ranked); err != nil {
		return w.state, err
	}
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	for _, r := range ranked[:min(len(ranked), w.set.MaxOffers)] {
		var id string
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return opaqueid.New("of-") }).Get(&id); err != nil {
			return w.state, err
		}
		o := WaitlistOffer{OfferID: id, RequestID: r.RequestID, State: schedule.OfferPending, Expires: workflow.Now(ctx).Add(w.set.OfferWait)}
		if err := workflow.ExecuteActivity(schedulingActivity(ctx, "offer the slot"), w.acts.MakeOffer, activities.OfferInput{OfferID: id,
			RequestID: r.RequestID, Slot: w.in.Slot, Expires: o.Expires, WorkflowID: wfID}).Get(ctx, &o.Emailed); err != nil {
			// The offer is stored; a patient the email did not reach is
			// reached by the front desk, who answer for them.
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || app.Type() != activities.ErrMailRefused && app.Type() != activities.ErrMailBusy {
				return w.state, err
			}
		}
		w.state.Offers = append(w.state.Offers, o)
		w.answered = false
		got, err := workflow.AwaitWithTimeout(ctx, w.set.OfferWait, func() bool { return w.answered && !w.busy })
		if err != nil {
			return w.state, err
		}
		if !got {
			if err := workflow.Await(ctx, func() bool { return !w.busy }); err != nil {
				return w.state, err
			}
		}
		cur := &w.state.Offers[len(w.state.Offers)-1]
		if cur.State == schedule.OfferPending {
			cur.State = schedule.OfferExpired
			if err := workflow.ExecuteActivity(schedulingActivity(ctx, "close the offer"), w.acts.CloseOffer,
				activities.CloseOfferInput{OfferID: id, State: schedule.OfferExpired}).Get(ctx, nil); err != nil {
				return w.state, err
			}
		}
		if w.state.Booked != nil || cur.State == schedule.OfferWithdrawn {
			break
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.state, err
	}
	if b := w.state.Booked; b != nil {
		if err := w.startRequest(ctx, *b); err != nil {
			return w.state, err
		}
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Waitlist fill** %s — %d offers, booked: %t", w.in.Slot, len(w.state.Offers), w.state.Booked != nil))
	return w.state, nil
}

// startRequest hands the booked request to its AppointmentRequest
// workflow (a new run under the request's workflow ID) for its
// eligibility check, reminders and attendance.
func (w *waitlistFill) startRequest(ctx workflow.Context, b activities.Booked) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            activities.AppointmentRequestWorkflowID(b.Appointment.RequestID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:         "appointment request " + b.Appointment.RequestID,
	})
	err := workflow.ExecuteChildWorkflow(cctx, AppointmentRequestWorkflow, AppointmentRequestInput{RequestID: b.Appointment.RequestID,
		Booked: &b, Settings: w.in.Settings}).GetChildWorkflowExecution().Get(ctx, nil)
	if err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return fmt.Errorf("start the request of %s: %w", b.Appointment.ID, err)
	}
	return nil
}

// validateAnswer refuses an unsigned or forged answer, one from a role
// that may not answer, and an answer to an offer that is not the one
// pending.
func (w *waitlistFill) validateAnswer(ctx workflow.Context, req SchedulingDecisionRequest) error {
	var ans schedule.OfferAnswer
	d, err := w.open(ctx, req.Decision, schedule.DecisionOffer, &ans)
	if err != nil {
		return err
	}
	if !schedule.CanBook(d.Role) && d.Role != schedule.RolePatient {
		return fmt.Errorf("offer %s: only the patient, the front desk or an admin may answer", ans.OfferID)
	}
	return w.checkAnswer(ans)
}

func (w *waitlistFill) checkAnswer(ans schedule.OfferAnswer) error {
	n := len(w.state.Offers)
	switch {
	case w.busy:
		return fmt.Errorf("offer %s is being answered: try again", ans.OfferID)
	case n == 0 || w.state.Offers[n-1].OfferID != ans.OfferID || w.state.Offers[n-1].State != schedule.OfferPending || w.answered:
		return fmt.Errorf("offer %s is no longer open", ans.OfferID)
	}
	return nil
}

// answer applies a validated answer: an acceptance books the slot for
// the request (a slot taken meanwhile withdraws the offer), a decline
// passes it on.
func (w *waitlistFill) answer(ctx workflow.Context, req SchedulingDecisionRequest) (WaitlistFillState, error) {
	var ans schedule.OfferAnswer
	if _, err := w.read(ctx, req.Decision, &ans); err != nil {
		return w.state, err
	}
	if err := w.checkAnswer(ans); err != nil {
		return w.state, err
	}
	w.busy = true
	defer func() { w.busy, w.answered = false, true }()
	cur := &w.state.Offers[len(w.state.Offers)-1]
	state := schedule.OfferDeclined
	var bookErr error
	if ans.Accept {
		var apID string
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return opaqueid.New("sa-") }).Get(&apID); err != nil {
			return w.state, err
		}
		today, err := dateIn(ctx, w.set.TimeZone, workflow.Now(ctx))
		if err != nil {
			return w.state, err
		}
		var b activities.Booked
		bookErr = workflow.ExecuteActivity(schedulingActivity(ctx, "book the offer"), w.acts.Book, activities.BookInput{AppointmentID: apID,
			RequestID: cur.RequestID, Booking: schedule.Booking{Slot: w.in.Slot, Overbook: true}, BookedOn: today}).Get(ctx, &b)
		state = schedule.OfferAccepted
		if bookErr != nil {
			state = schedule.OfferWithdrawn
		} else {
			w.state.Booked = &b
		}
	}
	if err := workflow.ExecuteActivity(schedulingActivity(ctx, "close the offer"), w.acts.CloseOffer,
		activities.CloseOfferInput{OfferID: cur.OfferID, State: state, Decision: req.Decision}).Get(ctx, nil); err != nil {
		return w.state, err
	}
	cur.State = state
	return w.state, bookErr
}

// SchedulingNightlyInput is the nightly Schedule's argument.
type SchedulingNightlyInput struct {
	TimeZone string `json:"time_zone,omitempty"`
	Days     int    `json:"days,omitempty"` // days planned ahead [14]
}

// SchedulingNightly re-plans the coming days before the eligibility
// sweep: every request not yet booked (the waitlist's too, filling gaps)
// planned at the lowest expected cost, overbooking where a no-show is
// likely, each given its planned slot as its first option for staff to
// confirm in the request queue. Nothing is booked without a person.
func (s *Scheduling) SchedulingNightly(ctx workflow.Context, in SchedulingNightlyInput) (activities.PlanAheadResult, error) {
	var out activities.PlanAheadResult
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(SchedulingBot))
	today, err := dateIn(ctx, in.TimeZone, workflow.GetInfo(ctx).WorkflowStartTime)
	if err != nil {
		return out, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 20 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: []string{activities.ErrSchedule}},
		Summary: "plan the coming days",
	})
	var acts *activities.Scheduling
	if err := workflow.ExecuteActivity(actx, acts.PlanAhead, activities.PlanAheadInput{AsOf: today, Days: in.Days}).Get(ctx, &out); err != nil {
		return out, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Scheduling plan %s** — %d requests, %d proposed (%d overbooked, %d from the waitlist), %d unscheduled",
		today, out.Requests, out.Proposed, out.Overbooked, out.Waitlisted, out.Unscheduled))
	return out, nil
}
