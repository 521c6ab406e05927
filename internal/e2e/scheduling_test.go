package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
	"github.com/rcmbot/rcmbot/workflows"
)

// TestSchedulingRequestToReminder runs the scheduling bot on the real
// stack (Temporal dev server, every queue's workers, SQLite, the payer
// simulator and the SMTP sink): a request is planned, a front-desk
// choice books it, the visit's EligibilityCheck runs on the eligibility
// queue and stores an answer, the visit joins what the nightly sweep
// checks, and the reminder email reaches the sink with its links.
func TestSchedulingRequestToReminder(t *testing.T) {
	s := Start(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svc := s.Scheduling
	loc := s.Config.Location()
	var all []schedule.Window
	for d := schedule.Monday; d <= schedule.Sunday; d++ {
		all = append(all, schedule.Window{Weekday: d, Start: 0, End: schedule.MinutesPerDay})
	}
	if err := s.DB.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Sessions: all}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}}); err != nil {
		t.Fatal(err)
	}
	tomorrow := svc.Today().AddDays(1)
	slot := schedule.Slot{ProviderID: "P1", Date: tomorrow, Start: 10 * 60}
	// One reminder, due 15 seconds from now: the visit's start less the
	// time to it.
	svc.Settings.ReminderLeads = []time.Duration{time.Until(slot.At(loc)) - 15*time.Second}
	patient := &schedule.Patient{ID: "PT-0010", FirstName: "Ottilie", LastName: "Kincaid", Email: "patient10@example.test",
		Insurance: schedule.Insurance{PayerID: "60054", MemberID: "W209288559", DOB: claim.MustDate("1975-12-23")}}
	req, err := svc.Request(ctx, schedule.Request{PatientID: patient.ID, VisitType: "FU", Earliest: tomorrow, Latest: tomorrow.AddDays(2)}, patient, "desk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Book(ctx, req.ID, slot, false, "dana", "biller"); err == nil || !strings.Contains(err.Error(), "front desk") {
		t.Fatalf("a biller booked: %v", err)
	}
	ap, err := svc.Book(ctx, req.ID, slot, false, "dana", schedule.RoleFrontDesk)
	if err != nil {
		t.Fatal(err)
	}
	if ap.SlotOf() != slot || !ap.Checked || ap.Status != schedule.StatusBooked {
		t.Fatalf("booked: %+v", ap)
	}
	if _, err := svc.Book(ctx, req.ID, slot, false, "dana", schedule.RoleFrontDesk); err == nil {
		t.Fatal("a booked request was booked again")
	}
	stored, err := svc.GetRequest(ctx, req.ID)
	if err != nil || stored.Status != schedule.RequestBooked || len(stored.Options) == 0 {
		t.Fatalf("request: %+v %v", stored, err)
	}

	// The eligibility bot checked the visit, as its front door would.
	var outcome eligibility.CheckOutcome
	if err := temporaltest.Result(ctx, s.Client, activities.EligibilityCheckWorkflowID(ap.ID), &outcome); err != nil {
		t.Fatalf("eligibility check of the booked visit: %v", err)
	}
	res, err := s.DB.EligibilityResult(ctx, outcome.ResultID)
	if err != nil || res.Status == "" {
		t.Fatalf("eligibility result: %+v %v", res, err)
	}
	sweep, err := s.DB.SweepAppointments(ctx, tomorrow)
	if err != nil || len(sweep) != 1 || sweep[0].ID != ap.ID || sweep[0].Kind != store.AppointmentBooked {
		t.Fatalf("the nightly sweep's appointments: %+v %v", sweep, err)
	}

	// The reminder reaches the SMTP sink, naming no patient.
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	m, err := s.Mail.Wait(wctx, func(m sim.SinkMessage) bool {
		return len(m.To) == 1 && m.To[0] == patient.Email && strings.HasPrefix(m.Subject, "Appointment reminder")
	})
	if err != nil {
		t.Fatalf("no reminder in the sink: %v", err)
	}
	full, err := svc.Appointment(ctx, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "/scheduling/a/"+full.Token+"?answer=confirm") || !strings.Contains(m.Text, "10:00 AM") ||
		strings.Contains(m.Text, "Kincaid") || strings.Contains(m.Subject, "Kincaid") {
		t.Fatalf("reminder: %+v", m)
	}

	// The front desk marks the arrival: the visit joins the history.
	if _, err := svc.Attend(ctx, ap.ID, schedule.OutcomeArrived, "dana", schedule.RoleFrontDesk); err != nil {
		t.Fatal(err)
	}
	h, err := s.DB.History(ctx, tomorrow)
	if err != nil || len(h) != 1 || h[0].Outcome != schedule.OutcomeArrived {
		t.Fatalf("history: %+v %v", h, err)
	}
	// The request's workflow ends with the outcome.
	wfID := schedulingbot.RequestWorkflowID(req.ID)
	var final workflows.AppointmentRequestState
	if err := s.Client.GetWorkflow(ctx, wfID, "").Get(ctx, &final); err != nil || final.Outcome != schedule.OutcomeArrived || final.Reminders != 1 {
		t.Fatalf("the request's workflow: %+v %v", final, err)
	}
	saveHistory(t, s, wfID, "appointment-request")
}
