package schedule

import (
	"errors"
	"fmt"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Clock is a time of day in whole minutes after midnight, 0 (00:00) to
// 1440 (24:00, allowed as the end of a session or window). Templates and
// appointments are in the clinic's local time, so no zone is carried.
type Clock int

// MinutesPerDay is 24:00 as a Clock.
const MinutesPerDay Clock = 24 * 60

// ErrClock is returned (wrapped) for text that is not a time of day.
var ErrClock = errors.New(`not a time of day (expected HH:MM, 24-hour, such as "08:00" or "13:30")`)

// ParseClock reads "HH:MM" (24-hour; one-digit hours allowed; "24:00" is
// the end of the day).
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) < 4 || len(s) > 5 || s[len(s)-3] != ':' {
		return 0, ErrClock
	}
	for _, c := range s[:len(s)-3] {
		if c < '0' || c > '9' {
			return 0, ErrClock
		}
		h = h*10 + int(c-'0')
	}
	for _, c := range s[len(s)-2:] {
		if c < '0' || c > '9' {
			return 0, ErrClock
		}
		m = m*10 + int(c-'0')
	}
	if m > 59 || h > 24 || h == 24 && m > 0 {
		return 0, ErrClock
	}
	return Clock(h*60 + m), nil
}

// String formats c as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText writes c as HH:MM.
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads HH:MM.
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Weekday is a day of the week as ISO 8601 and the instance format number
// it: 1 = Monday … 7 = Sunday.
type Weekday int

// The weekdays.
const (
	Monday Weekday = iota + 1
	Tuesday
	Wednesday
	Thursday
	Friday
	Saturday
	Sunday
)

// WeekdayOf returns the weekday of date d.
func WeekdayOf(d claim.Date) Weekday {
	wd := d.Time().Weekday()
	if wd == time.Sunday {
		return Sunday
	}
	return Weekday(wd)
}

// Valid reports whether w is 1 to 7.
func (w Weekday) Valid() bool { return w >= Monday && w <= Sunday }

// String returns the English name ("Monday").
func (w Weekday) String() string {
	if !w.Valid() {
		return fmt.Sprintf("weekday %d", int(w))
	}
	return time.Weekday(int(w) % 7).String()
}

// Window is a weekly time window: a weekday and the times [Start, End).
// Session templates and patients' preferred times are Windows.
type Window struct {
	Weekday Weekday `json:"weekday"`
	Start   Clock   `json:"start"`
	End     Clock   `json:"end"`
}

// Contains reports whether a start at t on weekday wd falls in w, that is
// on w's weekday and in [Start, End).
func (w Window) Contains(wd Weekday, t Clock) bool {
	return wd == w.Weekday && t >= w.Start && t < w.End
}

// Check returns why w is not a usable window, or nil.
func (w Window) Check() error {
	switch {
	case !w.Weekday.Valid():
		return errors.New("weekday must be 1 (Monday) to 7 (Sunday)")
	case w.Start < 0 || w.End > MinutesPerDay:
		return errors.New("times must be between 00:00 and 24:00")
	case w.End <= w.Start:
		return errors.New("end must be after start")
	}
	return nil
}

// String formats w as "Tuesday 08:00–10:00".
func (w Window) String() string { return fmt.Sprintf("%s %s–%s", w.Weekday, w.Start, w.End) }
