// Package calendar lays a provider's appointments over their template
// for the front desk — each slot free, booked, overbooked or blocked,
// each appointment with its no-show risk and the factors behind it — and
// sums the scheduling report: capacity used, no-show rate, lead time and
// waitlist fills, per day.
package calendar

import (
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
)

// SlotState is what the calendar shows in a slot.
type SlotState string

// Slot states.
const (
	SlotFree       SlotState = "free"
	SlotBooked     SlotState = "booked"
	SlotOverbooked SlotState = "overbooked" // more than one appointment starts in it
	SlotBlocked    SlotState = "blocked"    // a holiday or a block of the provider's
)

// Entry is an appointment in a slot, with its no-show estimate.
type Entry struct {
	Appointment schedule.Appointment `json:"appointment"`
	Risk        noshow.Estimate      `json:"risk"`
}

// Cell is one slot of a day.
type Cell struct {
	Start   schedule.Clock `json:"start"`
	State   SlotState      `json:"state"`
	Entries []Entry        `json:"entries,omitempty"` // holding appointments first, then those with an outcome
}

// Day is a provider's day: its slots (empty when the template has no
// session that weekday).
type Day struct {
	Date  claim.Date `json:"date"`
	Cells []Cell     `json:"cells"`
}

// Week is one provider's calendar over some days.
type Week struct {
	ProviderID  string `json:"provider_id"`
	SlotMinutes int    `json:"slot_minutes"`
	Days        []Day  `json:"days"`
}

// Build lays appts (any status; those of other providers are ignored)
// over provider p's template from start for days, less the holidays and
// p's blocks, with slots of slotMinutes. Each appointment's risk is the
// model's estimate, with its factors (the lead time from its booked-on
// date when known).
func Build(p schedule.Provider, holidays []schedule.Exception, appts []schedule.Appointment, model *noshow.Model, start claim.Date, days, slotMinutes int) Week {
	w := Week{ProviderID: p.ID, SlotMinutes: slotMinutes}
	h := schedule.Horizon{Start: start, Days: days}
	sessions := schedule.Sessions([]schedule.Provider{p}, holidays, h)
	for d := range days {
		date := start.AddDays(d)
		day := Day{Date: date, Cells: []Cell{}}
		for _, win := range p.Sessions {
			if win.Weekday != schedule.WeekdayOf(date) {
				continue
			}
			for t := win.Start; t < win.End; t += schedule.Clock(slotMinutes) {
				c := Cell{Start: t, State: SlotBlocked}
				if slices.ContainsFunc(sessions, func(s schedule.Session) bool { return s.Date == date && s.OnBoundary(t, slotMinutes) }) {
					c.State = SlotFree
				}
				day.Cells = append(day.Cells, c)
			}
		}
		slices.SortFunc(day.Cells, func(a, b Cell) int { return int(a.Start - b.Start) })
		w.Days = append(w.Days, day)
	}
	for _, a := range appts {
		if a.ProviderID != p.ID || !h.Contains(a.Date) {
			continue
		}
		day := &w.Days[a.Date.DaysSince(start)]
		i := slices.IndexFunc(day.Cells, func(c Cell) bool { return a.Start >= c.Start && a.Start < c.Start+schedule.Clock(slotMinutes) })
		if i < 0 {
			continue // off the template (changed since it was booked): listed in the day's appointments elsewhere
		}
		lead := -1
		if !a.BookedOn.IsZero() {
			lead = a.Date.DaysSince(a.BookedOn)
		}
		risk := model.Estimate(noshow.Features{PatientID: a.PatientID, VisitType: a.VisitType, Weekday: schedule.WeekdayOf(a.Date), Start: a.Start, LeadDays: lead})
		c := &day.Cells[i]
		c.Entries = append(c.Entries, Entry{Appointment: a, Risk: risk})
	}
	for d := range w.Days {
		for i := range w.Days[d].Cells {
			c := &w.Days[d].Cells[i]
			slices.SortStableFunc(c.Entries, func(a, b Entry) int { return boolRank(!a.Appointment.Holds()) - boolRank(!b.Appointment.Holds()) })
			holding := 0
			for _, e := range c.Entries {
				if e.Appointment.Holds() {
					holding++
				}
			}
			switch {
			case holding > 1:
				c.State = SlotOverbooked
			case holding == 1:
				c.State = SlotBooked
			}
		}
	}
	return w
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DayStat is one day of the report.
type DayStat struct {
	Date    claim.Date `json:"date"`
	Slots   int        `json:"slots"`    // slots in the providers' sessions
	Booked  int        `json:"booked"`   // appointments holding a slot or with an outcome other than cancelled
	Visits  int        `json:"visits"`   // arrivals and no-shows
	NoShows int        `json:"no_shows"` //
}

// Report is the scheduling report over a range of days.
type Report struct {
	From, To claim.Date `json:"-"`
	Slots    int        `json:"slots"`
	Booked   int        `json:"booked"`
	// CapacityUsed is Booked ÷ Slots (0 with no slots).
	CapacityUsed float64 `json:"capacity_used"`
	Visits       int     `json:"visits"`
	NoShows      int     `json:"no_shows"`
	// NoShowRate is NoShows ÷ Visits (0 with no visits).
	NoShowRate float64 `json:"no_show_rate"`
	// MeanLeadDays is the mean of date − booked-on over the appointments
	// with a booked-on date.
	MeanLeadDays  float64   `json:"mean_lead_days"`
	Cancellations int       `json:"cancellations"`
	Offers        int       `json:"waitlist_offers"`
	Fills         int       `json:"waitlist_fills"` // offers accepted
	Days          []DayStat `json:"days"`
}

// Summarize sums the report of the days from first to last: the slots of
// the providers' sessions (less holidays and blocks), the appointments
// on those days, and the waitlist offers made over them (their states).
func Summarize(providers []schedule.Provider, holidays []schedule.Exception, appts []schedule.Appointment, offers []schedule.OfferState,
	first, last claim.Date, slotMinutes int) Report {
	r := Report{From: first, To: last}
	days := last.DaysSince(first) + 1
	if days < 1 {
		return r
	}
	h := schedule.Horizon{Start: first, Days: days}
	r.Days = make([]DayStat, days)
	for i := range r.Days {
		r.Days[i].Date = first.AddDays(i)
	}
	for _, s := range schedule.Sessions(providers, holidays, h) {
		r.Days[s.Date.DaysSince(first)].Slots += len(s.Slots(slotMinutes))
	}
	lead, leads := 0, 0
	for _, a := range appts {
		if !h.Contains(a.Date) {
			continue
		}
		d := &r.Days[a.Date.DaysSince(first)]
		switch a.Status {
		case schedule.StatusCancelled:
			r.Cancellations++
			continue
		case schedule.StatusArrived:
			d.Visits++
		case schedule.StatusNoShow:
			d.Visits++
			d.NoShows++
		}
		d.Booked++
		if !a.BookedOn.IsZero() {
			lead += a.Date.DaysSince(a.BookedOn)
			leads++
		}
	}
	for _, d := range r.Days {
		r.Slots += d.Slots
		r.Booked += d.Booked
		r.Visits += d.Visits
		r.NoShows += d.NoShows
	}
	if r.Slots > 0 {
		r.CapacityUsed = float64(r.Booked) / float64(r.Slots)
	}
	if r.Visits > 0 {
		r.NoShowRate = float64(r.NoShows) / float64(r.Visits)
	}
	if leads > 0 {
		r.MeanLeadDays = float64(lead) / float64(leads)
	}
	for _, o := range offers {
		r.Offers++
		if o == schedule.OfferAccepted {
			r.Fills++
		}
	}
	return r
}
