package schedule

import "github.com/rcmbot/rcmbot/internal/claim"

// Plan is the planner's answer for an instance, in the JSON format of
// issue 11: the assignments, the requests left unscheduled and the plan's
// expected cost. Every request of the instance appears in exactly one of
// Assignments and Unscheduled. Assignments are listed in service order
// within each provider-session: for two assignments starting in the same
// slot, the one listed first is served first (after existing
// appointments starting there), as the cost model requires.
type Plan struct {
	Assignments  []Assignment `json:"assignments"`
	Unscheduled  []string     `json:"unscheduled"`
	ExpectedCost float64      `json:"expected_cost"`
	// Breakdown (an extension of the format) splits the expected cost
	// into its terms.
	Breakdown *Breakdown `json:"breakdown,omitempty"`
}

// Assignment books one request into one slot.
type Assignment struct {
	RequestID  string     `json:"request_id"`
	ProviderID string     `json:"provider_id"`
	Date       claim.Date `json:"date"`
	Start      Clock      `json:"start"`
	// NoShowProbability is the probability the planner priced the booking
	// with: the request's own, or the no-show model's for this slot.
	NoShowProbability float64 `json:"no_show_probability"`
	// NoShowReason (an extension) is the model's explanation, for staff,
	// when the probability was estimated.
	NoShowReason string `json:"no_show_reason,omitempty"`
	// Overbooked (an extension) marks a booking into a slot where another
	// appointment (existing, or listed earlier) already starts: what a
	// person confirms before it is booked.
	Overbooked bool `json:"overbooked,omitempty"`
}

// Breakdown is a plan's expected cost term by term.
type Breakdown struct {
	Cost             float64 `json:"cost"`              // the expected cost: the sum of the terms below, weighted
	WaitMinutes      float64 `json:"wait_minutes"`      // E[Σ wait] over all sessions
	IdleMinutes      float64 `json:"idle_minutes"`      // E[Σ idle], every session of the horizon
	OvertimeMinutes  float64 `json:"overtime_minutes"`  // E[Σ overtime]
	LeadDays         int     `json:"lead_days"`         // Σ over assignments of date − requested_on
	PreferenceMisses int     `json:"preference_misses"` // assignments outside every preferred window
	Unscheduled      int     `json:"unscheduled"`       // requests left out
	Booked           int     `json:"booked"`            // assignments
	Overbooked       int     `json:"overbooked"`        // assignments into a slot where another appointment already starts
	Sessions         int     `json:"sessions"`          // provider-sessions in the horizon
}

// CostOf returns the weighted sum of the terms.
func (b *Breakdown) CostOf(c Costs) float64 {
	return c.WaitPerMinute*b.WaitMinutes + c.IdlePerMinute*b.IdleMinutes + c.OvertimePerMinute*b.OvertimeMinutes +
		c.LeadTimePerDay*float64(b.LeadDays) + c.PreferenceMiss*float64(b.PreferenceMisses) + c.Unscheduled*float64(b.Unscheduled)
}
