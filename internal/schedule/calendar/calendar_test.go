package calendar

import (
	"math"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
)

var (
	mon = claim.MustDate("2026-12-07")
	p1  = schedule.Provider{ID: "P1", Sessions: []schedule.Window{{Weekday: schedule.Monday, Start: 8 * 60, End: 9 * 60}, {Weekday: schedule.Tuesday, Start: 8 * 60, End: 9 * 60}},
		Blocked: []schedule.Exception{{Date: mon, Start: 8*60 + 30, End: 9 * 60}}}
)

func p(v float64) *float64 { return &v }

func TestBuildMarksFreeBookedOverbookedBlocked(t *testing.T) {
	var history []schedule.Attendance
	for i := range 50 {
		o := schedule.OutcomeArrived
		if i%3 == 0 {
			o = schedule.OutcomeNoShow
		}
		history = append(history, schedule.Attendance{PatientID: "A", Date: mon.AddDays(-60 + i), Start: 8 * 60, LeadDays: 30, Outcome: o})
	}
	model := noshow.Fit(history)
	appts := []schedule.Appointment{
		{ID: "a1", ProviderID: "P1", Date: mon, Start: 8 * 60, VisitType: "FU", PatientID: "A", BookedOn: mon.AddDays(-30)},
		{ID: "a2", ProviderID: "P1", Date: mon, Start: 8 * 60, VisitType: "FU", Status: schedule.StatusConfirmed},
		{ID: "a3", ProviderID: "P1", Date: mon, Start: 8*60 + 15, VisitType: "FU", Status: schedule.StatusCancelled},
		{ID: "a4", ProviderID: "P2", Date: mon, Start: 8 * 60, VisitType: "FU"},
	}
	w := Build(p1, nil, appts, model, mon, 3, 15)
	if len(w.Days) != 3 || len(w.Days[0].Cells) != 4 || len(w.Days[1].Cells) != 4 || len(w.Days[2].Cells) != 0 {
		t.Fatalf("days: %+v", w.Days)
	}
	states := []SlotState{}
	for _, c := range w.Days[0].Cells {
		states = append(states, c.State)
	}
	want := []SlotState{SlotOverbooked, SlotFree, SlotBlocked, SlotBlocked}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("Monday's slots %v, want %v", states, want)
		}
	}
	first := w.Days[0].Cells[0].Entries[0]
	if first.Appointment.ID != "a1" || first.Risk.Base == 0 || !strings.Contains(first.Risk.String(), "clinic") {
		t.Fatalf("risk of a1: %+v (%s)", first, first.Risk)
	}
	if c := w.Days[0].Cells[1]; len(c.Entries) != 1 || c.Entries[0].Appointment.ID != "a3" {
		t.Fatalf("a cancelled appointment leaves the slot free but listed: %+v", c)
	}
}

func TestSummarize(t *testing.T) {
	appts := []schedule.Appointment{
		{ProviderID: "P1", Date: mon, Start: 8 * 60, Status: schedule.StatusArrived, BookedOn: mon.AddDays(-4)},
		{ProviderID: "P1", Date: mon, Start: 8*60 + 15, Status: schedule.StatusNoShow, BookedOn: mon.AddDays(-10)},
		{ProviderID: "P1", Date: mon.AddDays(1), Start: 8 * 60, Status: schedule.StatusCancelled},
		{ProviderID: "P1", Date: mon.AddDays(1), Start: 8 * 60, Status: schedule.StatusBooked, NoShowProbability: p(0.1)},
		{ProviderID: "P1", Date: mon.AddDays(9), Start: 8 * 60, Status: schedule.StatusBooked},
	}
	r := Summarize([]schedule.Provider{p1}, []schedule.Exception{{Date: mon.AddDays(8)}}, appts,
		[]schedule.OfferState{schedule.OfferExpired, schedule.OfferAccepted}, mon, mon.AddDays(6), 15)
	// Monday: 2 slots (the block takes 08:30–09:00); Tuesday 4.
	if r.Slots != 6 || r.Booked != 3 || r.Visits != 2 || r.NoShows != 1 || r.Cancellations != 1 || r.Offers != 2 || r.Fills != 1 {
		t.Fatalf("report: %+v", r)
	}
	if math.Abs(r.NoShowRate-0.5) > 1e-9 || math.Abs(r.MeanLeadDays-7) > 1e-9 || math.Abs(r.CapacityUsed-0.5) > 1e-9 || len(r.Days) != 7 {
		t.Fatalf("rates: %+v", r)
	}
}
