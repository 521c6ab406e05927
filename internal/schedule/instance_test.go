package schedule_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

func example(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../../fixtures/scheduling/issue-example.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The issue's example instance reads as written.
func TestParseIssueExample(t *testing.T) {
	in, err := schedule.ParseInstance(example(t))
	if err != nil {
		t.Fatal(err)
	}
	r := in.Requests[0]
	if in.Days != 5 || in.SlotMinutes != 15 || in.ServiceCV != 0.35 || in.MaxOverbookPerSlot != 1 || in.Costs.Unscheduled != 120 ||
		len(in.Providers[0].Sessions) != 1 || in.Providers[0].Sessions[0] != (schedule.Window{Weekday: schedule.Monday, Start: 480, End: 720}) ||
		r.RequestedOn != claim.MustDate("2026-12-04") || *r.NoShowProbability != 0.2 || r.Preferred[0].Weekday != schedule.Tuesday ||
		in.History[0].Outcome != schedule.OutcomeNoShow || in.History[0].LeadDays != 12 || *in.Existing[0].NoShowProbability != 0.1 {
		t.Errorf("read %+v", in)
	}
	if got := len(in.Sessions()); got != 1 {
		t.Errorf("%d sessions in the horizon, want 1 (Monday only)", got)
	}
	// It survives a JSON round trip.
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := schedule.ParseInstance(b)
	if err != nil {
		t.Fatalf("round trip: %v\n%s", err, b)
	}
	if again.History[0] != in.History[0] || again.Requests[0].Latest != r.Latest {
		t.Errorf("round trip changed the instance")
	}
}

// Bad instances are refused with one line naming the record and field,
// never the value.
func TestBadInstances(t *testing.T) {
	cases := []struct {
		name, edit, want string
	}{
		{"unknown provider", `"provider_ids": ["P1"]|"provider_ids": ["P9"]`, `request "R1": field provider_ids: unknown provider "P9"`},
		{"duplicate request", `"no_show_probability": 0.2}]|"no_show_probability": 0.2}, {"id": "R1", "patient_id": "PT2", "visit_type": "FU", "requested_on": "2026-12-04", "earliest": "2026-12-07", "latest": "2026-12-11"}]`,
			`request "R1": duplicate id`},
		{"request in both lists", `{"id": "R1", "patient_id"|{"id": "E1", "patient_id"`, `request "E1": field id: also the id of an existing appointment`},
		{"latest before earliest", `"latest": "2026-12-11"|"latest": "2026-12-06"`, `request "R1": field latest: before earliest`},
		{"window outside horizon", `"earliest": "2026-12-07", "latest": "2026-12-11"|"earliest": "2026-12-14", "latest": "2026-12-18"`, `request "R1": fields earliest and latest: the window lies outside the horizon`},
		{"existing outside horizon", `"date": "2026-12-07", "start": "08:00", "visit_type": "FU"|"date": "2026-12-14", "start": "08:00", "visit_type": "FU"`, `existing appointment "E1": field date: outside the horizon`},
		{"existing off template", `"date": "2026-12-07", "start": "08:00", "visit_type": "FU"|"date": "2026-12-07", "start": "13:00", "visit_type": "FU"`, `existing appointment "E1": field start: not inside a session`},
		{"bad time", `"start": "08:00", "end": "12:00"|"start": "8 o'clock", "end": "12:00"`, `provider "P1": field sessions: [0]: field start: not a time of day`},
		{"bad date", `"requested_on": "2026-12-04"|"requested_on": "12/04/2026"`, `request "R1": field requested_on: not a date`},
		{"unknown visit type", `"visit_type": "FU", "requested_on"|"visit_type": "XRAY", "requested_on"`, `request "R1": field visit_type: unknown visit type`},
		{"probability", `"no_show_probability": 0.2|"no_show_probability": 1.2`, `request "R1": field no_show_probability: must be between 0 and 1`},
		{"string probability", `"no_show_probability": 0.2|"no_show_probability": "0.2"`, `request "R1": field no_show_probability: must be a number`},
		{"unknown field", `"slot_minutes": 15|"slot_minutes": 15, "slot_length": 15`, `unknown field "slot_length"`},
		{"missing cost", `"unscheduled": 120.0|"unscheduled_cost": 120.0`, `costs: unknown field "unscheduled_cost"`},
		{"days", `"days": 5|"days": 0`, `field days: must be 1 to 366`},
		{"overlapping sessions", `[{"weekday": 1, "start": "08:00", "end": "12:00"}]|[{"weekday": 1, "start": "08:00", "end": "12:00"}, {"weekday": 1, "start": "11:00", "end": "13:00"}]`, `provider "P1": sessions[1] overlaps sessions[0] on Monday`},
		{"nothing to estimate from", `"no_show_probability": 0.2}]|"no_show_probability": null}], "x": 1`, `unknown field "x"`},
		{"not json", `{|[`, `must be a JSON object`},
	}
	base := string(example(t))
	for _, c := range cases {
		from, to, _ := strings.Cut(c.edit, "|")
		if !strings.Contains(base, from) {
			t.Fatalf("%s: the example lacks %q", c.name, from)
		}
		_, err := schedule.ParseInstance([]byte(strings.Replace(base, from, to, 1)))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := fault.MessageOf(err)
		if !fault.Is(err, fault.Invalid) || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q, want it to contain %q", c.name, msg, c.want)
		}
		if strings.Contains(msg, "PT1") || strings.Contains(msg, "12/04/2026") || strings.Contains(msg, "o'clock") {
			t.Errorf("%s: a value in %q", c.name, msg)
		}
	}
	// A probability to estimate and no history to estimate it from.
	noHistory := strings.Replace(strings.Replace(base, `"no_show_probability": 0.2}`, `"urgency": "soon"}`, 1), `"history": [{"patient_id": "PT1", "date": "2026-10-01", "start": "09:00", "lead_days": 12, "showed": false}]`, `"history": []`, 1)
	if _, err := schedule.ParseInstance([]byte(noHistory)); err == nil || !strings.Contains(fault.MessageOf(err), `request "R1": field no_show_probability is missing and the history has no arrivals or no-shows`) {
		t.Errorf("no history: %v", err)
	}
}

// Holidays and blocks remove sessions or cut them.
func TestSessionsWithExceptions(t *testing.T) {
	p := schedule.Provider{ID: "P1", Sessions: []schedule.Window{{Weekday: schedule.Monday, Start: 480, End: 720}, {Weekday: schedule.Tuesday, Start: 480, End: 720}},
		Blocked: []schedule.Exception{{Date: claim.MustDate("2026-12-08"), Start: 570, End: 600}}}
	got := schedule.Sessions([]schedule.Provider{p}, []schedule.Exception{{Date: claim.MustDate("2026-12-14")}}, schedule.Horizon{Start: claim.MustDate("2026-12-07"), Days: 14})
	// Mondays 7th and 14th (a holiday), Tuesdays 8th (cut at 09:30–10:00) and 15th.
	if len(got) != 4 || got[1].Start != 480 || got[1].End != 570 || got[2].Start != 600 || got[2].SlotBase != 480 || got[3].Date != claim.MustDate("2026-12-15") {
		t.Fatalf("sessions %+v", got)
	}
	if slots := got[2].Slots(15); slots[0] != 600 || len(slots) != 8 {
		t.Errorf("slots after the block: %v", slots)
	}
	if s := got[1]; s.SlotOf(575, 15) != 570 || s.OnBoundary(575, 15) {
		t.Errorf("slot arithmetic")
	}
}

func TestClockAndWeekday(t *testing.T) {
	for in, want := range map[string]schedule.Clock{"08:00": 480, "8:05": 485, "24:00": 1440, "00:00": 0} {
		if got, err := schedule.ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"24:01", "8:5", "0800", "", "-1:00", "12:60"} {
		if _, err := schedule.ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) accepted", in)
		}
	}
	if wd := schedule.WeekdayOf(claim.MustDate("2026-12-13")); wd != schedule.Sunday || wd.String() != "Sunday" {
		t.Errorf("2026-12-13 is %v", wd)
	}
}

func FuzzParseInstance(f *testing.F) {
	f.Add(example(f))
	f.Add([]byte(`{"start": "2026-12-07", "days": 1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"start": "2026-12-07", "days": 5, "slot_minutes": 15, "service_cv": 0, "max_overbook_per_slot": 0, "costs": {}, "providers": [], "visit_types": []}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := schedule.ParseInstance(data)
		if err != nil {
			if !fault.Is(err, fault.Invalid) || strings.Contains(fault.MessageOf(err), "\n") {
				t.Fatalf("error %v is not one Invalid line", err)
			}
			return
		}
		if err := in.Check(); err != nil {
			t.Fatalf("parsed instance fails Check: %v", err)
		}
	})
}
