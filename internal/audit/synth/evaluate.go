package synth

import "github.com/rcmbot/rcmbot/internal/audit"

// Score is the recall of one scenario.
type Score struct {
	Units    int `json:"units"`
	Detected int `json:"detected"`
}

// Recall is Detected/Units (1 with no units).
func (s Score) Recall() float64 {
	if s.Units == 0 {
		return 1
	}
	return float64(s.Detected) / float64(s.Units)
}

// Evaluation is how a scan's alerts compare with the labels.
type Evaluation struct {
	Overall     Score              `json:"overall"`
	PerScenario map[Scenario]Score `json:"per_scenario"`
	Alerts      int                `json:"alerts"`
	// FalseAlerts match no unit; TrapAlerts are those on trap users.
	FalseAlerts int `json:"false_alerts"`
	TrapAlerts  int `json:"trap_alerts"`
	// FalsePer100StaffDays is false alerts per 100 staff per day of log.
	FalsePer100StaffDays float64              `json:"false_per_100_staff_days"`
	FalseByRule          map[audit.RuleID]int `json:"false_by_rule"`
	Missed               []Unit               `json:"missed,omitempty"`
	TrueByRule           map[audit.RuleID]int `json:"true_by_rule"`
}

// Evaluate matches alerts with the hospital's units. A pair unit is
// detected by any alert on that (user, patient); a user-level unit by any
// alert on that user that overlaps the days of the injected accesses
// (within a day). Every other alert is false.
func Evaluate(h *Hospital, alerts []audit.Alert) Evaluation {
	ev := Evaluation{PerScenario: make(map[Scenario]Score), FalseByRule: make(map[audit.RuleID]int),
		TrueByRule: make(map[audit.RuleID]int), Alerts: len(alerts)}
	pairs := make(map[[2]string]int)
	users := make(map[string]int)
	for i, u := range h.Units {
		if u.Scenario.userLevel() {
			users[u.UserID] = i
		} else {
			pairs[[2]string{u.UserID, u.PatientID}] = i
		}
	}
	// When each user-level unit happened.
	spans := make(map[int][2]int64)
	for _, e := range h.events {
		if e.unit >= 0 && h.Units[e.unit].Scenario.userLevel() {
			s, ok := spans[int(e.unit)]
			if !ok {
				s = [2]int64{e.sec, e.sec}
			}
			s[0], s[1] = min(s[0], e.sec), max(s[1], e.sec)
			spans[int(e.unit)] = s
		}
	}
	traps := make(map[string]bool)
	for _, t := range h.Traps {
		traps[t.UserID] = true
	}
	detected := make(map[int]bool)
	for _, a := range alerts {
		if i, ok := pairs[[2]string{a.UserID, a.PatientID}]; ok && a.PatientID != "" {
			detected[i] = true
			ev.TrueByRule[a.Rule]++
			continue
		}
		if i, ok := users[a.UserID]; ok {
			s := spans[i]
			if a.FirstTime.Unix() <= s[1]+oneDay && a.LastTime.Unix() >= s[0]-oneDay {
				detected[i] = true
				ev.TrueByRule[a.Rule]++
				continue
			}
		}
		ev.FalseAlerts++
		ev.FalseByRule[a.Rule]++
		if traps[a.UserID] {
			ev.TrapAlerts++
		}
	}
	for i, u := range h.Units {
		s := ev.PerScenario[u.Scenario]
		s.Units++
		ev.Overall.Units++
		if detected[i] {
			s.Detected++
			ev.Overall.Detected++
		} else {
			ev.Missed = append(ev.Missed, u)
		}
		ev.PerScenario[u.Scenario] = s
	}
	staffDays := float64(len(h.Staff)) * float64(h.Config.Days)
	ev.FalsePer100StaffDays = float64(ev.FalseAlerts) / staffDays * 100
	return ev
}
