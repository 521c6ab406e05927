package workflows

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/sim/simtest"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// schedEnv runs the scheduling workflows in the Temporal test suite on
// the real activities: a real SQLite store and a real SMTP sink. The
// eligibility bot's EligibilityCheck is a stand-in that only notes which
// checks were started (the eligibility bot's own tests run the real one).
type schedEnv struct {
	*testsuite.TestWorkflowEnvironment
	db      *store.DB
	sink    *sim.SMTPSink
	signer  *decision.Signer
	checks  []string
	request store.SchedRequest
	updates int
}

// The clinic: provider P1 sees patients Monday to Friday 08:00–12:00;
// the test starts on Thursday 2026-12-03 08:00 UTC.
var (
	schedStart = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	schedMon   = claim.MustDate("2026-12-07")
	mon9       = schedule.Slot{ProviderID: "P1", Date: schedMon, Start: 9 * 60}
)

func newSchedEnv(t *testing.T) *schedEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &schedEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment(), db: storetest.Open(t)}
	e.SetStartTime(schedStart)
	var verifier *decision.Verifier
	e.signer, verifier = decisionKeys(t, e.Now)
	var port int
	e.sink, port = simtest.SMTPSink(t, sim.SMTPSinkConfig{})
	sender, err := mail.New(mail.Settings{Host: "127.0.0.1", Port: port, TLS: mail.TLSNone, From: "clinic@practice.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sc := &Scheduling{Decisions: verifier}
	e.RegisterWorkflow(sc.AppointmentRequest)
	e.RegisterWorkflow(sc.WaitlistFill)
	e.RegisterWorkflow(sc.SchedulingNightly)
	e.RegisterWorkflowWithOptions(func(ctx workflow.Context, in EligibilityCheckInput) (eligibility.CheckOutcome, error) {
		e.checks = append(e.checks, workflow.GetInfo(ctx).WorkflowExecution.ID)
		return eligibility.CheckOutcome{}, nil
	}, workflow.RegisterOptions{Name: "EligibilityCheck"})
	e.RegisterActivity(&activities.Scheduling{DB: e.db, Mail: sender, PublicURL: "https://rcmbot.test"})
	ctx := context.Background()
	must(t, e.db.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Sessions: weekdays(8*60, 12*60)}}))
	must(t, e.db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}}))
	must(t, e.db.SavePatients(ctx, []schedule.Patient{
		{ID: "MRN1", FirstName: "Ana", LastName: "Lopez", Email: "ana@example.test",
			Insurance: schedule.Insurance{PayerID: "60054", MemberID: "W1", DOB: claim.MustDate("1980-01-02")}},
		{ID: "MRN2", LastName: "Kim", Email: "kim@example.test"},
		{ID: "MRN3", LastName: "Osei", Email: "osei@example.test"},
	}))
	e.request = e.addRequest(t, "MRN1", schedule.RequestOpen)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func weekdays(start, end schedule.Clock) []schedule.Window {
	var out []schedule.Window
	for d := schedule.Monday; d <= schedule.Friday; d++ {
		out = append(out, schedule.Window{Weekday: d, Start: start, End: end})
	}
	return out
}

func (e *schedEnv) addRequest(t *testing.T, patient string, status schedule.RequestStatus) store.SchedRequest {
	t.Helper()
	r, err := e.db.AddRequest(context.Background(), schedule.Request{PatientID: patient, VisitType: "FU", RequestedOn: claim.DateOf(schedStart),
		Earliest: schedMon, Latest: schedMon.AddDays(4)}, "desk")
	must(t, err)
	if status != schedule.RequestOpen {
		must(t, e.db.SetRequestStatus(context.Background(), r.ID, status))
	}
	return r
}

// decide sends a signed decision as an Update to workflow wfID after a
// delay and keeps its outcome in *result.
func (e *schedEnv) decide(t *testing.T, after time.Duration, wfID, update string, kind decision.Kind, role string, payload func() any, result *error) {
	e.RegisterDelayedCallback(func() {
		signed, err := e.signer.Sign(kind, wfID, "dana", role, payload())
		if err != nil {
			t.Fatal(err)
		}
		cb := &testsuite.TestUpdateCallback{OnReject: func(err error) { *result = err }, OnComplete: func(_ any, err error) { *result = err }}
		e.updates++
		if err := e.UpdateWorkflowByID(wfID, update, fmt.Sprint("u", e.updates), cb, SchedulingDecisionRequest{Decision: signed}); err != nil {
			*result = err
		}
	}, after)
}

// mail is the messages in the sink whose subject starts with subject.
func (e *schedEnv) mail(subject string) []sim.SinkMessage {
	var out []sim.SinkMessage
	for _, m := range e.sink.Messages() {
		if strings.HasPrefix(m.Subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

const optionsSubject = "Choose your appointment time"

func (e *schedEnv) run(t *testing.T, wf string, in any) {
	t.Helper()
	e.ExecuteWorkflow(wf, in)
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
}

func (e *schedEnv) state(t *testing.T) AppointmentRequestState {
	t.Helper()
	var st AppointmentRequestState
	must(t, e.GetWorkflowResult(&st))
	return st
}

// A choice books the visit, starts its eligibility check, and the
// patient is reminded 72 and 24 hours ahead by email through the sink;
// the front desk marks the arrival, which joins the history. Unsigned
// roles, a slot outside the window and a second outcome are refused.
func TestAppointmentRequestChooseBookRemindAttend(t *testing.T) {
	e := newSchedEnv(t)
	wfID := activities.AppointmentRequestWorkflowID(e.request.ID)
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
	var biller, outside, chosen, arrived, again error
	book := func(slot schedule.Slot) func() any { return func() any { return schedule.Booking{Slot: slot} } }
	e.decide(t, time.Hour, wfID, UpdateChooseSlot, schedule.DecisionBooking, "biller", book(mon9), &biller)
	e.decide(t, time.Hour, wfID, UpdateChooseSlot, schedule.DecisionBooking, schedule.RoleFrontDesk,
		book(schedule.Slot{ProviderID: "P1", Date: schedMon.AddDays(7), Start: 9 * 60}), &outside)
	e.decide(t, 2*time.Hour, wfID, UpdateChooseSlot, schedule.DecisionBooking, schedule.RoleFrontDesk, book(mon9), &chosen)
	arrive := func() any { return schedule.AttendanceNote{Outcome: schedule.OutcomeArrived} }
	visit := mon9.At(time.UTC)
	e.decide(t, visit.Sub(schedStart)+5*time.Minute, wfID, UpdateAttendance, schedule.DecisionAttendance, schedule.RoleFrontDesk, arrive, &arrived)
	e.decide(t, visit.Sub(schedStart)+5*time.Minute, wfID, UpdateAttendance, schedule.DecisionAttendance, schedule.RoleFrontDesk, arrive, &again)
	e.run(t, AppointmentRequestWorkflow, AppointmentRequestInput{RequestID: e.request.ID, Settings: SchedulingSettings{TimeZone: "UTC"}})
	st := e.state(t)
	if biller == nil || !strings.Contains(biller.Error(), "front desk") {
		t.Errorf("a biller's choice: %v", biller)
	}
	if outside == nil || !strings.Contains(outside.Error(), "outside the request's window") {
		t.Errorf("a slot outside the window: %v", outside)
	}
	if chosen != nil || arrived != nil {
		t.Fatalf("choice %v, arrival %v", chosen, arrived)
	}
	if again == nil {
		t.Error("a second outcome was accepted")
	}
	if len(st.Options) == 0 || st.Appointment == nil || st.Appointment.SlotOf() != mon9 || st.Outcome != schedule.OutcomeArrived {
		t.Fatalf("state: %+v", st)
	}
	if len(e.checks) != 1 || e.checks[0] != activities.EligibilityCheckWorkflowID(st.Appointment.ID) || st.Eligibility != e.checks[0] {
		t.Fatalf("eligibility checks started: %v (state %q)", e.checks, st.Eligibility)
	}
	msgs := e.mail("Appointment reminder: ")
	if len(msgs) != 2 || st.Reminders != 2 {
		t.Fatalf("%d reminders in the sink, %d counted, want 2", len(msgs), st.Reminders)
	}
	ap, err := e.db.SchedAppointment(context.Background(), st.Appointment.ID)
	must(t, err)
	for _, m := range msgs {
		if m.To[0] != "ana@example.test" || !strings.Contains(m.Text, "Monday, December 7, 2026 at 9:00 AM") ||
			!strings.Contains(m.Text, "https://rcmbot.test/scheduling/a/"+ap.Token+"?answer=cancel") {
			t.Errorf("reminder: %+v", m)
		}
		if strings.Contains(m.Text, "Lopez") || strings.Contains(m.Subject, "Lopez") || strings.Contains(m.Text, "FU") {
			t.Errorf("the reminder names the patient or visit: %q", m.Text)
		}
	}
	h, err := e.db.History(context.Background(), schedMon)
	must(t, err)
	if len(h) != 1 || h[0].AppointmentID != ap.ID || h[0].Outcome != schedule.OutcomeArrived || h[0].LeadDays != 4 {
		t.Fatalf("history: %+v", h)
	}
}

// The patient chooses through the options link: the email carries the
// link and nothing about the patient; a decision for the patient may
// book only one of the times offered that overbooks nobody, and books it
// through the same Update as the front desk's.
func TestPatientChoosesThroughTheOptionsLink(t *testing.T) {
	e := newSchedEnv(t)
	ctx := context.Background()
	// P1's 09:00 on Monday is taken: the planner may offer it as an
	// overbooking, which the patient may not choose.
	_, err := e.db.BookAppointment(ctx, store.Booking{Seats: 2, Appointment: schedule.Appointment{ID: "sa-other", PatientID: "MRN3", ProviderID: "P1",
		Date: schedMon, Start: 9 * 60, VisitType: "FU", BookedOn: claim.DateOf(schedStart)}})
	must(t, err)
	wfID := activities.AppointmentRequestWorkflowID(e.request.ID)
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
	var offered []planner.Choice
	var notOffered, chosen error
	pick := func(offer bool) func() any {
		return func() any {
			r, err := e.db.SchedRequest(ctx, e.request.ID)
			must(t, err)
			offered = r.Options
			if offer {
				return schedule.Booking{Slot: planner.PatientChoices(r.Options)[0].Slot}
			}
			for day := schedMon; day <= r.Latest; day = day.AddDays(1) {
				for start := schedule.Clock(8 * 60); start < 12*60; start += 15 {
					if s := (schedule.Slot{ProviderID: "P1", Date: day, Start: start}); !planner.PatientMayChoose(r.Options, s) {
						return schedule.Booking{Slot: s, Overbook: true}
					}
				}
			}
			t.Fatal("every slot of the week was offered")
			return nil
		}
	}
	e.decide(t, time.Hour, wfID, UpdateChooseSlot, schedule.DecisionBooking, schedule.RolePatient, pick(false), &notOffered)
	e.decide(t, 2*time.Hour, wfID, UpdateChooseSlot, schedule.DecisionBooking, schedule.RolePatient, pick(true), &chosen)
	e.run(t, AppointmentRequestWorkflow, AppointmentRequestInput{RequestID: e.request.ID, Settings: SchedulingSettings{TimeZone: "UTC"}})
	st := e.state(t)
	if notOffered == nil || !strings.Contains(notOffered.Error(), "only one of the times offered") {
		t.Errorf("a patient's choice of a time not offered: %v", notOffered)
	}
	if chosen != nil || st.Appointment == nil || st.Appointment.SlotOf() != planner.PatientChoices(offered)[0].Slot {
		t.Fatalf("the patient's choice: %v, state %+v", chosen, st)
	}
	token, err := e.db.RequestLinkToken(ctx, e.request.ID)
	must(t, err)
	msgs := e.mail(optionsSubject)
	if len(msgs) != 1 || msgs[0].To[0] != "ana@example.test" || !strings.Contains(msgs[0].Text, "https://rcmbot.test/scheduling/r/"+token) {
		t.Fatalf("options emails: %+v", msgs)
	}
	if strings.Contains(msgs[0].Text, "Lopez") || strings.Contains(msgs[0].Text, "FU") || strings.Contains(msgs[0].Text, "P1") {
		t.Errorf("the options email names the patient, visit or provider: %q", msgs[0].Text)
	}
	var sawOverbooking bool
	for _, o := range offered {
		sawOverbooking = sawOverbooking || o.Overbooked
	}
	t.Logf("%d options offered, %d to the patient (an overbooking among them: %t)", len(offered), len(planner.PatientChoices(offered)), sawOverbooking)
}

// Nobody chooses: after ChooseWait the request goes to the waitlist.
func TestAppointmentRequestExpiresToTheWaitlist(t *testing.T) {
	e := newSchedEnv(t)
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: activities.AppointmentRequestWorkflowID(e.request.ID)})
	e.run(t, AppointmentRequestWorkflow, AppointmentRequestInput{RequestID: e.request.ID, Settings: SchedulingSettings{TimeZone: "UTC", ChooseWait: 48 * time.Hour}})
	st := e.state(t)
	r, err := e.db.SchedRequest(context.Background(), e.request.ID)
	must(t, err)
	if st.Status != schedule.RequestWaitlisted || r.Status != schedule.RequestWaitlisted || len(r.Options) == 0 || st.Appointment != nil {
		t.Fatalf("state %+v, stored %s with %d options", st, r.Status, len(r.Options))
	}
	if len(e.mail("Appointment reminder: ")) != 0 || len(e.checks) != 0 {
		t.Fatal("an unbooked request sent a reminder or started a check")
	}
	if len(e.mail(optionsSubject)) != 1 {
		t.Fatal("the patient was not sent the options link")
	}
}

// A patient cancels through the reminder's link: the slot is freed, and
// the WaitlistFill the cancellation starts offers it to the waitlist.
func TestCancellationStartsTheWaitlistFill(t *testing.T) {
	e := newSchedEnv(t)
	waiting := e.addRequest(t, "MRN2", schedule.RequestWaitlisted)
	wfID := activities.AppointmentRequestWorkflowID(e.request.ID)
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
	var chosen, cancelled error
	e.decide(t, time.Hour, wfID, UpdateChooseSlot, schedule.DecisionBooking, schedule.RoleFrontDesk, func() any { return schedule.Booking{Slot: mon9} }, &chosen)
	e.decide(t, 3*time.Hour, wfID, UpdateAttendance, schedule.DecisionAttendance, schedule.RolePatient,
		func() any { return schedule.AttendanceNote{Outcome: schedule.OutcomeCancelled} }, &cancelled)
	e.run(t, AppointmentRequestWorkflow, AppointmentRequestInput{RequestID: e.request.ID, Settings: SchedulingSettings{TimeZone: "UTC"}})
	st := e.state(t)
	if chosen != nil || cancelled != nil || st.Outcome != schedule.OutcomeCancelled {
		t.Fatalf("choice %v, cancellation %v, state %+v", chosen, cancelled, st)
	}
	offers, err := e.db.SchedOffers(context.Background(), schedStart)
	must(t, err)
	if len(offers) != 1 || offers[0].RequestID != waiting.ID || offers[0].Slot != mon9 ||
		offers[0].WorkflowID != activities.WaitlistFillWorkflowID(st.Appointment.ID) {
		t.Fatalf("offers: %+v", offers)
	}
}

// WaitlistFill offers the slot to one request at a time: the first offer
// expires unanswered, the second is accepted and books the slot, and the
// accepted request's AppointmentRequest takes over its reminders.
func TestWaitlistFillExpireThenAccept(t *testing.T) {
	e := newSchedEnv(t)
	first := e.addRequest(t, "MRN2", schedule.RequestWaitlisted)
	second := e.addRequest(t, "MRN3", schedule.RequestWaitlisted)
	wfID := activities.WaitlistFillWorkflowID("sa-gone")
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
	var stale, accepted error
	offerTo := func(req string, accept bool) func() any {
		return func() any {
			offers, err := e.db.SchedOffers(context.Background(), schedStart)
			must(t, err)
			for _, o := range offers {
				if o.RequestID == req {
					return schedule.OfferAnswer{OfferID: o.ID, Accept: accept}
				}
			}
			return schedule.OfferAnswer{OfferID: "of-none", Accept: accept}
		}
	}
	set := SchedulingSettings{TimeZone: "UTC", OfferWait: 2 * time.Hour}
	e.decide(t, 3*time.Hour, wfID, UpdateAnswerOffer, schedule.DecisionOffer, schedule.RolePatient, offerTo("none", true), &stale)
	e.decide(t, 3*time.Hour, wfID, UpdateAnswerOffer, schedule.DecisionOffer, schedule.RolePatient, offerTo(second.ID, true), &accepted)
	e.run(t, WaitlistFillWorkflow, WaitlistFillInput{Slot: mon9, Settings: set})
	var st WaitlistFillState
	must(t, e.GetWorkflowResult(&st))
	if stale == nil || accepted != nil {
		t.Fatalf("stale answer %v, acceptance %v", stale, accepted)
	}
	if len(st.Offers) != 2 || st.Offers[0].RequestID != first.ID || st.Offers[0].State != schedule.OfferExpired || st.Offers[1].State != schedule.OfferAccepted ||
		st.Offers[1].RequestID != second.ID || st.Booked == nil || st.Booked.Appointment.SlotOf() != mon9 {
		t.Fatalf("state: %+v", st)
	}
	r, err := e.db.SchedRequest(context.Background(), second.ID)
	must(t, err)
	if r.Status != schedule.RequestBooked {
		t.Fatalf("accepted request is %s", r.Status)
	}
	if u, _ := e.db.SchedRequest(context.Background(), first.ID); u.Status != schedule.RequestWaitlisted {
		t.Fatalf("the request whose offer expired is %s", u.Status)
	}
	stored, err := e.db.SchedOffer(context.Background(), st.Offers[0].OfferID)
	must(t, err)
	if stored.State != schedule.OfferExpired || !st.Offers[0].Emailed {
		t.Fatalf("expired offer stored as %s, emailed %t", stored.State, st.Offers[0].Emailed)
	}
	if n := len(e.mail("An earlier appointment is available")); n != 2 {
		t.Fatalf("%d offer emails, want 2", n)
	}
}

// The nightly plan proposes slots to every request not yet booked,
// waitlisted ones included, and books nothing.
func TestSchedulingNightlyProposesAndBooksNothing(t *testing.T) {
	e := newSchedEnv(t)
	e.addRequest(t, "MRN2", schedule.RequestWaitlisted)
	e.run(t, SchedulingNightlyWorkflow, SchedulingNightlyInput{TimeZone: "UTC", Days: 10})
	var res activities.PlanAheadResult
	must(t, e.GetWorkflowResult(&res))
	if res.Requests != 2 || res.Proposed != 2 || res.Waitlisted != 1 || res.Unscheduled != 0 {
		t.Fatalf("plan: %+v", res)
	}
	booked, err := e.db.SchedAppointments(context.Background(), schedMon, schedMon.AddDays(10))
	must(t, err)
	reqs, err := e.db.SchedRequests(context.Background(), store.All)
	must(t, err)
	if len(booked) != 0 || reqs[0].Status != schedule.RequestProposed || reqs[1].Status != schedule.RequestWaitlisted || len(reqs[1].Options) != 1 {
		t.Fatalf("booked %d, requests %+v", len(booked), reqs)
	}
}
