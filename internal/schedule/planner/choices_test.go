package planner_test

import (
	"math"
	"os"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// Each choice's cost is exactly what Evaluate says booking there adds,
// and they come cheapest first.
func TestChoices(t *testing.T) {
	in := clinicsim.SmallInstance(3)
	pb := planner.Compile(in)
	id := in.Requests[0].ID
	choices, err := pb.Choices(id, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(choices) != 5 {
		t.Fatalf("%d choices", len(choices))
	}
	all := func() *schedule.Plan {
		p := &schedule.Plan{}
		for _, r := range in.Requests {
			p.Unscheduled = append(p.Unscheduled, r.ID)
		}
		return p
	}
	none, err := planner.Evaluate(pb, all())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range choices {
		if i > 0 && c.Cost < choices[i-1].Cost {
			t.Errorf("choice %d cheaper than %d", i, i-1)
		}
		p := all()
		p.Unscheduled = p.Unscheduled[1:]
		p.Assignments = []schedule.Assignment{{RequestID: id, ProviderID: c.Slot.ProviderID, Date: c.Slot.Date, Start: c.Slot.Start, NoShowProbability: c.NoShow.P}}
		b, err := planner.Evaluate(pb, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := b.Cost - (none.Cost - in.Costs.Unscheduled); math.Abs(c.Cost-want) > 1e-9 {
			t.Errorf("choice %d at %+v: cost %.6f, Evaluate says %.6f", i, c.Slot, c.Cost, want)
		}
	}
	if _, err := pb.Choices("nope", 3); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown request: %v", err)
	}
}

func TestCheckBooking(t *testing.T) {
	b, err := os.ReadFile("../../../fixtures/scheduling/issue-example.json")
	if err != nil {
		t.Fatal(err)
	}
	in, err := schedule.ParseInstance(b)
	if err != nil {
		t.Fatal(err)
	}
	mon := claim.MustDate("2026-12-07")
	// Fill 08:00 (E1 is there) to the limit of two.
	in.Existing = append(in.Existing, schedule.Appointment{ID: "E2", ProviderID: "P1", Date: mon, Start: 8 * 60, VisitType: "FU", NoShowProbability: in.Existing[0].NoShowProbability})
	pb := planner.Compile(in)
	if err := pb.CheckBooking("R1", schedule.Slot{ProviderID: "P1", Date: mon, Start: 8*60 + 15}); err != nil {
		t.Errorf("free slot: %v", err)
	}
	if err := pb.CheckBooking("R1", schedule.Slot{ProviderID: "P1", Date: mon, Start: 8 * 60}); !fault.Is(err, fault.Conflict) {
		t.Errorf("full slot: %v", err)
	}
	if err := pb.CheckBooking("R1", schedule.Slot{ProviderID: "P1", Date: mon, Start: 8*60 + 5}); !fault.Is(err, fault.Invalid) {
		t.Errorf("off the slot grid: %v", err)
	}
	if err := pb.CheckBooking("R1", schedule.Slot{ProviderID: "P1", Date: claim.MustDate("2026-12-14"), Start: 8 * 60}); !fault.Is(err, fault.Invalid) {
		t.Errorf("outside the window: %v", err)
	}
}

// A freed early slot goes first to the urgent request, then to whoever
// gains most: an unbooked request gains its unscheduled cost, one booked
// later gains lead time.
func TestRankWaitlist(t *testing.T) {
	mon := claim.MustDate("2026-12-07")
	p := 0.1
	in := &schedule.Instance{Start: mon, Days: 5, SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 0, Costs: clinicsim.DefaultCosts,
		Providers:  []schedule.Provider{{ID: "P1", Sessions: []schedule.Window{{Weekday: 1, Start: 480, End: 600}, {Weekday: 5, Start: 480, End: 600}}}},
		VisitTypes: []schedule.VisitType{{ID: "FU", Minutes: 15}},
		Existing:   []schedule.Appointment{{ID: "E1", ProviderID: "P1", Date: mon.AddDays(4), Start: 480, VisitType: "FU", NoShowProbability: &p, RequestID: "LATE"}},
	}
	for _, r := range []struct {
		id string
		u  schedule.Urgency
	}{{"LATE", ""}, {"OPEN", ""}, {"URGENT", schedule.UrgencyUrgent}} {
		in.Requests = append(in.Requests, schedule.Request{ID: r.id, PatientID: "PT-" + r.id, VisitType: "FU", RequestedOn: mon.AddDays(-3),
			Earliest: mon, Latest: mon.AddDays(4), NoShowProbability: &p, Urgency: r.u})
	}
	if err := in.Check(); err != nil {
		t.Fatal(err)
	}
	offers, err := planner.Compile(in).RankWaitlist(schedule.Slot{ProviderID: "P1", Date: mon, Start: 540})
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 3 || offers[0].RequestID != "URGENT" || offers[1].RequestID != "OPEN" || offers[2].RequestID != "LATE" {
		t.Fatalf("offers %+v", offers)
	}
	if offers[2].Current == nil || offers[2].Current.Date != mon.AddDays(4) || offers[2].Delta > -1.9 || offers[2].Delta < -2.1 {
		t.Errorf("LATE: %+v (gains 4 days of lead time, 2.0)", offers[2])
	}
	if offers[1].Delta > -100 {
		t.Errorf("OPEN: %+v (gains its unscheduled cost)", offers[1])
	}
}

// A patient may choose an option that overbooks nobody, not an
// overbooking (staff confirm those) nor a slot that was not offered.
func TestPatientChoices(t *testing.T) {
	a := schedule.Slot{ProviderID: "P1", Date: claim.MustDate("2026-12-07"), Start: 9 * 60}
	b, c := a, a
	b.Start, c.Start = 9*60+15, 10*60
	options := []planner.Choice{{Slot: a, Overbooked: true}, {Slot: b}}
	if got := planner.PatientChoices(options); len(got) != 1 || got[0].Slot != b {
		t.Fatalf("patient choices %+v, want only %s", got, b)
	}
	for slot, want := range map[schedule.Slot]bool{a: false, b: true, c: false} {
		if planner.PatientMayChoose(options, slot) != want {
			t.Errorf("may the patient choose %s: want %t", slot, want)
		}
	}
}
