package planner_test

import (
	"os"
	"testing"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// Any instance ParseInstance accepts plans without crashing, and the
// plan passes Evaluate and never costs more than FCFS. (Big instances
// are skipped to keep each input fast.)
func FuzzPlan(f *testing.F) {
	ex, err := os.ReadFile("../../../fixtures/scheduling/issue-example.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ex)
	f.Add([]byte(`{"start":"2026-12-07","days":2,"slot_minutes":10,"service_cv":0,"max_overbook_per_slot":2,
"costs":{"wait_per_minute":0,"idle_per_minute":0,"overtime_per_minute":0,"lead_time_per_day":0,"preference_miss":0,"unscheduled":0},
"providers":[{"id":"A","sessions":[{"weekday":1,"start":"23:00","end":"24:00"}],"blocked":[{"date":"2026-12-07","start":"23:10","end":"23:20"}]}],
"visit_types":[{"id":"V","minutes":25}],"existing":[{"id":"E","provider_id":"A","date":"2026-12-07","start":"23:05","visit_type":"V","no_show_probability":1}],
"requests":[{"id":"R","patient_id":"P","visit_type":"V","requested_on":"2026-12-01","earliest":"2026-12-01","latest":"2026-12-30","no_show_probability":0}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := schedule.ParseInstance(data)
		if err != nil || len(in.Requests) > 12 || len(in.Sessions()) > 20 || len(in.Existing) > 40 {
			return
		}
		pb := planner.Compile(in)
		plan, err := planner.Plan(pb)
		if err != nil {
			t.Fatal(err)
		}
		fcfs, err := pb.Apply(planner.FCFS())
		if err != nil {
			t.Fatal(err)
		}
		if plan.ExpectedCost > fcfs.ExpectedCost+1e-6 {
			t.Fatalf("plan %v worse than FCFS %v", plan.ExpectedCost, fcfs.ExpectedCost)
		}
	})
}
