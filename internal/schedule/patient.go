package schedule

import (
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Patient is what the scheduling bot keeps about a patient beyond their
// ID: how to reach them for reminders and offers, and when they like to
// come. All of it is patient data: it stays in the store and in
// encrypted payloads, never in logs, workflow IDs or error strings.
type Patient struct {
	ID        string   `json:"id"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Preferred []Window `json:"preferred,omitempty"` // copied into their requests
	// Insurance on file: booked visits are checked with the payer.
	Insurance
}

// At returns the moment a slot starts in the clinic's time zone.
func (s Slot) At(loc *time.Location) time.Time {
	y, m, d := s.Date.YMD()
	return time.Date(y, m, d, int(s.Start)/60, int(s.Start)%60, 0, 0, loc)
}

// SlotOf returns the slot an appointment starts in (its own start time;
// for the slot grid see Session.SlotOf).
func (a *Appointment) SlotOf() Slot {
	return Slot{ProviderID: a.ProviderID, Date: a.Date, Start: a.Start}
}

// ReminderTimes returns when to remind the patient of an appointment
// starting at slot: each lead (72 h, 24 h …) before the start, in the
// clinic's zone, earliest first, leaving out the moments not after now
// (an appointment booked tomorrow gets no 72-hour reminder).
func ReminderTimes(slot Slot, leads []time.Duration, loc *time.Location, now time.Time) []time.Time {
	start := slot.At(loc)
	var out []time.Time
	for _, l := range leads {
		if t := start.Add(-l); t.After(now) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(out, func(a, b time.Time) bool { return a.Equal(b) })
}

// DateIn returns the calendar date of t in loc (the date an appointment
// made at t was booked on).
func DateIn(t time.Time, loc *time.Location) claim.Date { return claim.DateOf(t.In(loc)) }
