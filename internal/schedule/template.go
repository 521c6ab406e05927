package schedule

import (
	"errors"
	"fmt"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Provider is a clinician with a weekly template of sessions and the
// exceptions to it.
type Provider struct {
	ID string `json:"id"`
	// Sessions is the weekly template: on each of its weekdays the
	// provider sees patients from Start to End. Sessions of one weekday
	// must not overlap.
	Sessions []Window `json:"sessions"`
	// Blocked lists the dates (or hours of a date) the template does not
	// apply: leave, meetings, surgery days. An extension of the instance
	// format of issue 11.
	Blocked []Exception `json:"blocked,omitempty"`
	// Version is the stored template's version, which every save bumps
	// (0: not stored). An edit carries the version it was based on and
	// is refused if the template changed since; it is not part of the
	// template itself (imports ignore it).
	Version int `json:"version,omitempty"`
}

// Exception removes a whole date, or the hours [Start, End) of it, from a
// provider's template (Provider.Blocked) or from every provider's
// (Instance.Holidays, whole days only).
type Exception struct {
	Date  claim.Date    `json:"date"`
	Start Clock         `json:"start,omitempty"` // with End: the hours removed; both 00:00 means the whole day
	End   Clock         `json:"end,omitempty"`
	Kind  ExceptionKind `json:"kind,omitempty"` // "" reads as blocked
}

// WholeDay reports whether e removes the whole date.
func (e Exception) WholeDay() bool { return e.Start == 0 && e.End == 0 }

// Check returns why p's template cannot be used, or nil: bad windows,
// overlapping sessions on one weekday, bad exceptions.
func (p *Provider) Check() error {
	for i, s := range p.Sessions {
		if err := s.Check(); err != nil {
			return fmt.Errorf("sessions[%d]: %w", i, err)
		}
		for j, t := range p.Sessions[:i] {
			if t.Weekday == s.Weekday && t.Start < s.End && s.Start < t.End {
				return fmt.Errorf("sessions[%d] overlaps sessions[%d] on %s", i, j, s.Weekday)
			}
		}
	}
	for i, e := range p.Blocked {
		if err := e.check(); err != nil {
			return fmt.Errorf("blocked[%d]: %w", i, err)
		}
	}
	return nil
}

func (e Exception) check() error {
	switch {
	case e.Date.IsZero():
		return errors.New("date is missing")
	case e.Kind != "" && e.Kind != ExceptionHoliday && e.Kind != ExceptionBlocked:
		return errors.New(`kind must be "holiday" or "blocked"`)
	case e.WholeDay():
		return nil
	case e.Start < 0 || e.End > MinutesPerDay || e.End <= e.Start:
		return errors.New("end must be after start, both between 00:00 and 24:00")
	}
	return nil
}

// VisitType is a kind of visit and how long it is booked for.
type VisitType struct {
	ID      string `json:"id"`
	Minutes int    `json:"minutes"`
	// ProviderIDs lists the providers who offer it; empty means all. An
	// extension of the instance format of issue 11.
	ProviderIDs []string `json:"provider_ids,omitempty"`
}

// OfferedBy reports whether provider id offers the visit type.
func (v *VisitType) OfferedBy(id string) bool {
	return len(v.ProviderIDs) == 0 || slices.Contains(v.ProviderIDs, id)
}

// Horizon is the run of calendar dates a plan covers: Days dates from Start.
type Horizon struct {
	Start claim.Date
	Days  int
}

// Last returns the horizon's last date.
func (h Horizon) Last() claim.Date { return h.Start.AddDays(h.Days - 1) }

// Contains reports whether d is in the horizon.
func (h Horizon) Contains(d claim.Date) bool { return d >= h.Start && d <= h.Last() }

// Session is one provider-session on one date: the provider sees
// patients from Start to End, and slots start every slot length from
// SlotBase (the template's start, which a block of the first hours moves
// Start past but not SlotBase).
type Session struct {
	ProviderID string     `json:"provider_id"`
	Date       claim.Date `json:"date"`
	Start      Clock      `json:"start"`
	End        Clock      `json:"end"`
	SlotBase   Clock      `json:"slot_base"`
}

// Minutes returns the session's length.
func (s *Session) Minutes() int { return int(s.End - s.Start) }

// Slots returns the slot start times of s for slots of slotMinutes: the
// times SlotBase + k·slotMinutes in [Start, End).
func (s *Session) Slots(slotMinutes int) []Clock {
	var out []Clock
	for t := s.firstSlot(slotMinutes); t < s.End; t += Clock(slotMinutes) {
		out = append(out, t)
	}
	return out
}

func (s *Session) firstSlot(slotMinutes int) Clock {
	k := (int(s.Start-s.SlotBase) + slotMinutes - 1) / slotMinutes
	return s.SlotBase + Clock(k*slotMinutes)
}

// SlotOf returns the start of the slot that a start at t falls in.
func (s *Session) SlotOf(t Clock, slotMinutes int) Clock {
	return s.SlotBase + Clock(int(t-s.SlotBase)/slotMinutes*slotMinutes)
}

// OnBoundary reports whether t is a slot start of s.
func (s *Session) OnBoundary(t Clock, slotMinutes int) bool {
	return t >= s.Start && t < s.End && int(t-s.SlotBase)%slotMinutes == 0
}

// Sessions expands the providers' templates over the horizon, less the
// holidays (every provider) and each provider's blocks. The result is
// ordered by provider (in the order given), date and start time. A block
// of some hours cuts a session in two; each part is a session of its own
// (the provider starts afresh after the block).
func Sessions(providers []Provider, holidays []Exception, h Horizon) []Session {
	var out []Session
	for pi := range providers {
		p := &providers[pi]
		for day := 0; day < h.Days; day++ {
			date := h.Start.AddDays(day)
			wd := WeekdayOf(date)
			var todays []Window
			for _, w := range p.Sessions {
				if w.Weekday == wd {
					todays = append(todays, w)
				}
			}
			slices.SortFunc(todays, func(a, b Window) int { return int(a.Start - b.Start) })
			var cuts []Exception
			for _, e := range slices.Concat(holidays, p.Blocked) {
				if e.Date == date {
					cuts = append(cuts, e)
				}
			}
			for _, w := range todays {
				for _, iv := range subtract(w.Start, w.End, cuts) {
					out = append(out, Session{ProviderID: p.ID, Date: date, Start: iv[0], End: iv[1], SlotBase: w.Start})
				}
			}
		}
	}
	return out
}

// subtract returns what is left of [start, end) after removing the
// exceptions' hours (a whole-day exception removes everything).
func subtract(start, end Clock, cuts []Exception) [][2]Clock {
	left := [][2]Clock{{start, end}}
	for _, c := range cuts {
		if c.WholeDay() {
			return nil
		}
		var next [][2]Clock
		for _, iv := range left {
			if c.End <= iv[0] || c.Start >= iv[1] {
				next = append(next, iv)
				continue
			}
			if c.Start > iv[0] {
				next = append(next, [2]Clock{iv[0], c.Start})
			}
			if c.End < iv[1] {
				next = append(next, [2]Clock{c.End, iv[1]})
			}
		}
		left = next
	}
	return left
}
