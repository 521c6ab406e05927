package planner_test

import (
	"math"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

var monday = claim.MustDate("2026-12-07")

func ptr(p float64) *float64 { return &p }

// tiny is one provider with a Monday 08:00–10:00 and a Tuesday
// 08:00–09:00 session, an existing 30-minute visit at Monday 08:00 and
// requests A (15 min, prefers Tuesday) and B (30 min).
func tiny() *schedule.Instance {
	return &schedule.Instance{Start: monday, Days: 2, SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 2, Costs: clinicsim.DefaultCosts,
		Providers:  []schedule.Provider{{ID: "P1", Sessions: []schedule.Window{{Weekday: 1, Start: 480, End: 600}, {Weekday: 2, Start: 480, End: 540}}}, {ID: "P2"}},
		VisitTypes: []schedule.VisitType{{ID: "FU", Minutes: 15}, {ID: "NEW", Minutes: 30}},
		Existing:   []schedule.Appointment{{ID: "E1", ProviderID: "P1", Date: monday, Start: 480, VisitType: "NEW", NoShowProbability: ptr(0.1)}},
		Requests: []schedule.Request{
			{ID: "A", PatientID: "PA", VisitType: "FU", RequestedOn: monday.AddDays(-4), Earliest: monday, Latest: monday.AddDays(1),
				Preferred: []schedule.Window{{Weekday: 2, Start: 480, End: 540}}, NoShowProbability: ptr(0.2)},
			{ID: "B", PatientID: "PB", VisitType: "NEW", RequestedOn: monday.AddDays(-2), Earliest: monday, Latest: monday, NoShowProbability: ptr(0.3)},
		}}
}

func assign(id string, d claim.Date, start schedule.Clock, p float64) schedule.Assignment {
	return schedule.Assignment{RequestID: id, ProviderID: "P1", Date: d, Start: start, NoShowProbability: p}
}

// The cost model term by term, recomputed by hand: ties in service order
// (existing first, then the order of assignments), every session of the
// horizon idle unless served, lead time and preference misses.
func TestEvaluateByHand(t *testing.T) {
	in := tiny()
	if err := in.Check(); err != nil {
		t.Fatal(err)
	}
	pb := planner.Compile(in)
	e := cost.New(in.ServiceCV, cost.DefaultStep)
	existing := cost.Visit{At: 0, Minutes: 30, NoShow: 0.1}
	a := cost.Visit{At: 0, Minutes: 15, NoShow: 0.2}
	b := cost.Visit{At: 0, Minutes: 30, NoShow: 0.3}
	tuesday := e.Session(60, nil) // empty: idle 60
	for _, c := range []struct {
		plan  []schedule.Assignment
		order []cost.Visit
	}{
		{[]schedule.Assignment{assign("A", monday, 480, 0.2), assign("B", monday, 480, 0.3)}, []cost.Visit{existing, a, b}},
		{[]schedule.Assignment{assign("B", monday, 480, 0.3), assign("A", monday, 480, 0.2)}, []cost.Visit{existing, b, a}},
	} {
		got, err := planner.Evaluate(pb, &schedule.Plan{Assignments: c.plan, Unscheduled: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		mon := e.Session(120, c.order)
		want := mon.Add(tuesday)
		// Lead 4 + 2 days; A misses its Tuesday preference.
		wantCost := want.Wait + 2*want.Idle + 3*want.Overtime + 0.5*6 + 5
		if math.Abs(got.WaitMinutes-want.Wait) > 1e-9 || math.Abs(got.IdleMinutes-want.Idle) > 1e-9 || got.LeadDays != 6 ||
			got.PreferenceMisses != 1 || math.Abs(got.Cost-wantCost) > 1e-9 || got.Overbooked != 2 || got.Sessions != 2 {
			t.Errorf("plan %+v: got %+v, want %+v cost %.4f", c.plan, got, want, wantCost)
		}
	}
	// Nothing booked: every session idle but for the existing visit, both
	// requests at the unscheduled cost.
	got, err := planner.Evaluate(pb, &schedule.Plan{Unscheduled: []string{"A", "B"}})
	if err != nil {
		t.Fatal(err)
	}
	mon := e.Session(120, []cost.Visit{existing})
	if math.Abs(got.IdleMinutes-(mon.Idle+60)) > 1e-9 || math.Abs(got.Cost-(mon.Wait+2*(mon.Idle+60)+3*mon.Overtime+240)) > 1e-9 {
		t.Errorf("empty plan %+v", got)
	}
}

// Every feasibility rule is enforced, naming the request and the rule.
func TestEvaluateFeasibility(t *testing.T) {
	in := tiny()
	in.MaxOverbookPerSlot = 1
	pb := planner.Compile(in)
	tue := monday.AddDays(1)
	cases := []struct {
		name string
		plan schedule.Plan
		want string
	}{
		{"off the grid", schedule.Plan{Assignments: []schedule.Assignment{assign("A", monday, 485, 0.2)}, Unscheduled: []string{"B"}}, "not a slot boundary"},
		{"after the session", schedule.Plan{Assignments: []schedule.Assignment{assign("B", monday, 585, 0.3)}, Unscheduled: []string{"A"}}, "end after the session"},
		{"outside the window", schedule.Plan{Assignments: []schedule.Assignment{assign("B", tue, 480, 0.3)}, Unscheduled: []string{"A"}}, "window"},
		{"outside the horizon", schedule.Plan{Assignments: []schedule.Assignment{assign("A", monday.AddDays(7), 480, 0.2)}, Unscheduled: []string{"B"}}, "horizon"},
		{"slot full", schedule.Plan{Assignments: []schedule.Assignment{assign("A", monday, 480, 0.2), assign("B", monday, 480, 0.3)}}, "more than 1 + max_overbook_per_slot"},
		{"twice", schedule.Plan{Assignments: []schedule.Assignment{assign("A", monday, 495, 0.2), assign("A", monday, 510, 0.2)}, Unscheduled: []string{"B"}}, "assigned twice"},
		{"both lists", schedule.Plan{Assignments: []schedule.Assignment{assign("A", monday, 495, 0.2)}, Unscheduled: []string{"A", "B"}}, "both assigned and unscheduled"},
		{"missing", schedule.Plan{Unscheduled: []string{"A"}}, `"B": neither assigned nor unscheduled`},
		{"unknown", schedule.Plan{Unscheduled: []string{"A", "B", "C"}}, `"C": listed as unscheduled but not a request`},
		{"probability", schedule.Plan{Assignments: []schedule.Assignment{assign("A", monday, 495, 1.5)}, Unscheduled: []string{"B"}}, "between 0 and 1"},
		{"provider", schedule.Plan{Assignments: []schedule.Assignment{{RequestID: "A", ProviderID: "P2", Date: monday, Start: 480}}, Unscheduled: []string{"B"}}, "slot boundary"},
	}
	for _, c := range cases {
		_, err := planner.Evaluate(pb, &c.plan)
		if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
