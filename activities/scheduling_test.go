package activities

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/sim/simtest"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// schedFixture is the scheduling activities on a real SQLite store and a
// real SMTP sink.
type schedFixture struct {
	a    *Scheduling
	db   *store.DB
	sink *sim.SMTPSink
	env  *testsuite.TestActivityEnvironment
}

var (
	schedMonday = claim.MustDate("2026-12-07")
	slot9       = schedule.Slot{ProviderID: "P1", Date: schedMonday, Start: 9 * 60}
)

func newSchedFixture(t *testing.T) *schedFixture {
	t.Helper()
	db := storetest.Open(t)
	sink, port := simtest.SMTPSink(t, sim.SMTPSinkConfig{})
	sender, err := mail.New(mail.Settings{Host: "127.0.0.1", Port: port, TLS: mail.TLSNone, From: "clinic@practice.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := &Scheduling{DB: db, Mail: sender, PublicURL: "https://rcmbot.test"}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	ctx := context.Background()
	var sessions []schedule.Window
	for d := schedule.Monday; d <= schedule.Friday; d++ {
		sessions = append(sessions, schedule.Window{Weekday: d, Start: 8 * 60, End: 12 * 60})
	}
	check := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	check(db.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Sessions: sessions}}))
	check(db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}}))
	check(db.SavePatients(ctx, []schedule.Patient{{ID: "MRN1", LastName: "Lopez", Email: "ana@example.test"}, {ID: "MRN2", LastName: "Kim"}}))
	return &schedFixture{a: a, db: db, sink: sink, env: env}
}

func (f *schedFixture) request(t *testing.T, patient string) store.SchedRequest {
	t.Helper()
	r, err := f.db.AddRequest(context.Background(), schedule.Request{PatientID: patient, VisitType: "FU", RequestedOn: schedMonday.AddDays(-4),
		Earliest: schedMonday, Latest: schedMonday.AddDays(4)}, "desk")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *schedFixture) book(id, request string, slot schedule.Slot, overbook bool) (Booked, error) {
	return f.bookIn(f.env, id, request, slot, overbook)
}

// bookIn runs Book in env: goroutines booking at once each need their
// own (a test activity environment is not safe for concurrent use).
func (f *schedFixture) bookIn(env *testsuite.TestActivityEnvironment, id, request string, slot schedule.Slot, overbook bool) (Booked, error) {
	v, err := env.ExecuteActivity(f.a.Book, BookInput{AppointmentID: id, RequestID: request, Booking: schedule.Booking{Slot: slot, Overbook: overbook},
		BookedOn: schedMonday.AddDays(-3)})
	var b Booked
	if err == nil {
		err = v.Get(&b)
	}
	return b, err
}

func appErrType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}

// Options come from the planner and are stored for the request queue;
// the no-show estimate explains itself from the history.
func TestProposeOptionsExplainsTheRisk(t *testing.T) {
	f := newSchedFixture(t)
	var visits []schedule.Attendance
	for i := range 40 {
		o := schedule.OutcomeArrived
		if i%4 == 0 {
			o = schedule.OutcomeNoShow
		}
		visits = append(visits, schedule.Attendance{PatientID: "MRN" + string(rune('A'+i%7)), Date: schedMonday.AddDays(-100 + i), Start: 9 * 60, LeadDays: i % 20, Outcome: o, VisitType: "FU"})
	}
	if _, err := f.db.AddHistory(context.Background(), visits); err != nil {
		t.Fatal(err)
	}
	r := f.request(t, "MRN1")
	v, err := f.env.ExecuteActivity(f.a.ProposeOptions, ProposeInput{RequestID: r.ID, AsOf: schedMonday, Options: 3})
	if err != nil {
		t.Fatal(err)
	}
	var p Proposal
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	if len(p.Options) != 3 || p.Status != schedule.RequestProposed || p.Options[0].NoShow.Base == 0 || !strings.Contains(p.Options[0].NoShow.String(), "clinic") {
		t.Fatalf("proposal: %+v", p)
	}
	stored, err := f.db.SchedRequest(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != schedule.RequestProposed || len(stored.Options) != 3 || stored.Options[0].Slot != p.Options[0].Slot {
		t.Fatalf("stored: %s %+v", stored.Status, stored.Options)
	}
	_, err = f.env.ExecuteActivity(f.a.ProposeOptions, ProposeInput{RequestID: "rq-none", AsOf: schedMonday})
	if appErrType(err) != ErrSchedule || !strings.Contains(err.Error(), "rq-none is not stored") {
		t.Fatalf("unknown request: %v", err)
	}
}

// Booking is idempotent under its ID, checks the window and templates,
// asks for a confirmed overbooking, and two concurrent bookings of the
// last seat book one.
func TestBookChecksRoomAndBooksOnce(t *testing.T) {
	f := newSchedFixture(t)
	r1, r2, r3 := f.request(t, "MRN1"), f.request(t, "MRN2"), f.request(t, "MRN1")
	b, err := f.book("sa-1", r1.ID, slot9, false)
	if err != nil || b.Appointment.SlotOf() != slot9 || b.Appointment.NoShowProbability == nil {
		t.Fatalf("book: %+v %v", b, err)
	}
	if again, err := f.book("sa-1", r1.ID, slot9, false); err != nil || again.Appointment.ID != "sa-1" {
		t.Fatalf("booking again: %+v %v", again, err)
	}
	if _, err := f.book("sa-2", r2.ID, slot9, false); appErrType(err) != ErrSlotTaken || !strings.Contains(err.Error(), "confirm the overbooking") {
		t.Fatalf("unconfirmed overbooking: %v", err)
	}
	if _, err := f.book("sa-2", r2.ID, schedule.Slot{ProviderID: "P1", Date: schedMonday, Start: 13 * 60}, false); appErrType(err) != ErrSchedule {
		t.Fatalf("a slot off the template: %v", err)
	}
	if _, err := f.book("sa-2", r2.ID, schedule.Slot{ProviderID: "P1", Date: schedMonday.AddDays(7), Start: 9 * 60}, false); appErrType(err) != ErrSchedule {
		t.Fatalf("a slot outside the window: %v", err)
	}
	// One overbooking seat left: two requests race for it.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, r := range []string{r2.ID, r3.ID} {
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestActivityEnvironment()
		env.RegisterActivity(f.a)
		wg.Go(func() { _, errs[i] = f.bookIn(env, "sa-race-"+r, r, slot9, true) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case appErrType(err) != ErrSlotTaken:
			t.Fatalf("race: %v", err)
		}
	}
	held, err := f.db.SchedAppointments(context.Background(), schedMonday, schedMonday)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || len(held) != 2 {
		t.Fatalf("%d bookings won the last seat, %d appointments hold the slot", won, len(held))
	}
}

// A reminder reaches the SMTP sink without patient data; a cancelled
// appointment and a patient without an address get none.
func TestSendReminderThroughTheSink(t *testing.T) {
	f := newSchedFixture(t)
	r1, r2 := f.request(t, "MRN1"), f.request(t, "MRN2")
	if _, err := f.book("sa-1", r1.ID, slot9, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.book("sa-2", r2.ID, schedule.Slot{ProviderID: "P1", Date: schedMonday, Start: 10 * 60}, false); err != nil {
		t.Fatal(err)
	}
	sent := func(id string) bool {
		v, err := f.env.ExecuteActivity(f.a.SendReminder, VisitReminderInput{AppointmentID: id, Lead: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var ok bool
		if err := v.Get(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !sent("sa-1") || sent("sa-2") {
		t.Fatal("a reminder went to the wrong patients")
	}
	msgs := f.sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ana@example.test" || !strings.Contains(msgs[0].Text, "/scheduling/a/") || strings.Contains(msgs[0].Text, "Lopez") {
		t.Fatalf("sink: %+v", msgs)
	}
	if _, err := f.env.ExecuteActivity(f.a.RecordAttendance, AttendanceInput{AppointmentID: "sa-1", Outcome: schedule.OutcomeCancelled}); err != nil {
		t.Fatal(err)
	}
	if sent("sa-1") {
		t.Fatal("a cancelled appointment was reminded")
	}
	if _, err := f.env.ExecuteActivity(f.a.RecordAttendance, AttendanceInput{AppointmentID: "sa-1", Outcome: schedule.OutcomeArrived}); appErrType(err) != ErrSchedule {
		t.Fatalf("an arrival over a cancellation: %v", err)
	}
}

// The waitlist is ranked for a freed slot; a slot with no room has no
// one to offer it to.
func TestRankWaitlistForAFreedSlot(t *testing.T) {
	f := newSchedFixture(t)
	w := f.request(t, "MRN2")
	if err := f.db.SetRequestStatus(context.Background(), w.ID, schedule.RequestWaitlisted); err != nil {
		t.Fatal(err)
	}
	rank := func() []planner.Offer {
		v, err := f.env.ExecuteActivity(f.a.RankWaitlist, RankInput{Slot: slot9})
		if err != nil {
			t.Fatal(err)
		}
		var out []planner.Offer
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := rank(); len(got) != 1 || got[0].RequestID != w.ID || got[0].Delta >= 0 {
		t.Fatalf("ranked: %+v", got)
	}
	r1, r3 := f.request(t, "MRN1"), f.request(t, "MRN1")
	if _, err := f.book("sa-1", r1.ID, slot9, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.book("sa-3", r3.ID, slot9, true); err != nil {
		t.Fatal(err)
	}
	if got := rank(); len(got) != 0 {
		t.Fatalf("a full slot was offered: %+v", got)
	}
}

// The nightly plan overbooks where no-shows are likely and only
// proposes it: a full morning of patients who rarely come gets a
// waitlisted request as an overbooking, which books only once confirmed.
func TestPlanAheadProposesOverbookingForStaff(t *testing.T) {
	f := newSchedFixture(t)
	ctx := context.Background()
	f.a.Clinic = Clinic{SlotMinutes: 15, MaxOverbookPerSlot: 1}
	var history []schedule.Attendance
	var booked []store.SchedAppointment
	for i := range 16 {
		patient := "NS" + string(rune('A'+i))
		for v := range 10 {
			o := schedule.OutcomeNoShow
			if v == 0 {
				o = schedule.OutcomeArrived
			}
			history = append(history, schedule.Attendance{PatientID: patient, Date: schedMonday.AddDays(-200 + 10*v + i%10), Start: 9 * 60, LeadDays: 10, Outcome: o, VisitType: "FU"})
		}
		ap, err := f.db.BookAppointment(ctx, store.Booking{Seats: 2, Appointment: schedule.Appointment{ID: "sa-ns" + patient, PatientID: patient, ProviderID: "P1",
			Date: schedMonday, Start: schedule.Clock(8*60 + 15*i), VisitType: "FU", BookedOn: schedMonday.AddDays(-10)}})
		if err != nil {
			t.Fatal(err)
		}
		booked = append(booked, ap)
	}
	if _, err := f.db.AddHistory(ctx, history); err != nil {
		t.Fatal(err)
	}
	r, err := f.db.AddRequest(ctx, schedule.Request{PatientID: "MRN1", VisitType: "FU", RequestedOn: schedMonday.AddDays(-4), Earliest: schedMonday, Latest: schedMonday}, "desk")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetRequestStatus(ctx, r.ID, schedule.RequestWaitlisted); err != nil {
		t.Fatal(err)
	}
	v, err := f.env.ExecuteActivity(f.a.PlanAhead, PlanAheadInput{AsOf: schedMonday.AddDays(-1), Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	var res PlanAheadResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	stored, err := f.db.SchedRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Proposed != 1 || res.Overbooked != 1 || res.Waitlisted != 1 || len(stored.Options) == 0 || !stored.Options[0].Overbooked ||
		stored.Status != schedule.RequestWaitlisted || stored.Options[0].NoShow.Base == 0 {
		t.Fatalf("plan %+v, request %s %+v", res, stored.Status, stored.Options)
	}
	if all, _ := f.db.SchedAppointments(ctx, schedMonday, schedMonday); len(all) != len(booked) {
		t.Fatalf("the nightly plan booked: %d appointments", len(all))
	}
	slot := stored.Options[0].Slot
	if _, err := f.book("sa-ob", r.ID, slot, false); appErrType(err) != ErrSlotTaken {
		t.Fatalf("unconfirmed overbooking: %v", err)
	}
	if b, err := f.book("sa-ob", r.ID, slot, true); err != nil || b.Appointment.SlotOf() != slot {
		t.Fatalf("confirmed overbooking: %+v %v", b, err)
	}
}

// A mail server that refuses for good or for now: fixed messages that
// never carry the address, refused for good not retried.
func TestSendReminderFailuresNameNoAddress(t *testing.T) {
	f := newSchedFixture(t)
	r := f.request(t, "MRN1")
	if _, err := f.book("sa-1", r.ID, slot9, false); err != nil {
		t.Fatal(err)
	}
	f.sink.SetFaults(sim.SinkFaults{PermFail: 1})
	_, err := f.env.ExecuteActivity(f.a.SendReminder, VisitReminderInput{AppointmentID: "sa-1"})
	if appErrType(err) != ErrMailRefused || strings.Contains(err.Error(), "ana@") {
		t.Fatalf("permanent refusal: %v", err)
	}
	f.sink.SetFaults(sim.SinkFaults{TempFail: 1})
	_, err = f.env.ExecuteActivity(f.a.SendReminder, VisitReminderInput{AppointmentID: "sa-1"})
	if appErrType(err) != ErrMailBusy || strings.Contains(err.Error(), "ana@") {
		t.Fatalf("temporary refusal: %v", err)
	}
}
