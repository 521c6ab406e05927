package schedimport

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// The value parsers read one cell; their errors say what was expected
// and never repeat the value.

var errTime = errors.New(`is not a time of day; expected 08:00, 8:00 AM, 1330 or an Excel time`)

// ParseTime reads a time of day as exports write it: "08:00", "8:00",
// "08:00:00", "8:00 AM", "8 pm", "0800", "1330", "8.30", or an Excel
// time (a fraction of a day, 0.375 for 09:00, possibly after a date
// serial, 46000.375). Seconds are dropped; "24:00" is the end of the day.
func ParseTime(s string) (schedule.Clock, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, errTime
	}
	if h, m, ok := strings.Cut(s, "."); ok && len(h) <= 2 && len(m) == 2 && allDigits(h) && allDigits(m) && h != "0" && h != "" {
		s = h + ":" + m // 8.30, as some exports write 8:30 (no Excel serial is that small)
	} else if f, err := strconv.ParseFloat(s, 64); err == nil && strings.Contains(s, ".") {
		if f < 0 || f > 3e6 {
			return 0, errTime
		}
		m := math.Round((f - math.Floor(f)) * 1440)
		return schedule.Clock(int(m) % 1440), nil
	}
	pm, am := strings.HasSuffix(s, "pm") || strings.HasSuffix(s, "p.m."), strings.HasSuffix(s, "am") || strings.HasSuffix(s, "a.m.")
	if pm || am {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "pm"), "am"), "p.m."), "a.m."))
	}
	var h, m int
	switch {
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		if len(parts) > 3 {
			return 0, errTime
		}
		var err1, err2 error
		h, err1 = strconv.Atoi(parts[0])
		m, err2 = strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil || len(parts[1]) != 2 {
			return 0, errTime
		}
	case allDigits(s) && (len(s) == 3 || len(s) == 4):
		h, _ = strconv.Atoi(s[:len(s)-2])
		m, _ = strconv.Atoi(s[len(s)-2:])
	case allDigits(s) && len(s) <= 2 && (am || pm):
		h, _ = strconv.Atoi(s)
	default:
		return 0, errTime
	}
	if am || pm {
		if h < 1 || h > 12 {
			return 0, errTime
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m > 0 {
		return 0, errTime
	}
	return schedule.Clock(h*60 + m), nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

var weekdays = map[string]schedule.Weekday{
	"mon": 1, "monday": 1, "mo": 1, "m": 1,
	"tue": 2, "tues": 2, "tuesday": 2, "tu": 2,
	"wed": 3, "weds": 3, "wednesday": 3, "we": 3, "w": 3,
	"thu": 4, "thur": 4, "thurs": 4, "thursday": 4, "th": 4, "r": 4,
	"fri": 5, "friday": 5, "fr": 5, "f": 5,
	"sat": 6, "saturday": 6, "sa": 6,
	"sun": 7, "sunday": 7, "su": 7,
	"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
}

// ParseWeekday reads a day of the week: a name or abbreviation in
// English (Mon, Tues, Thurs, Th …) or ISO number 1 (Monday) to 7.
func ParseWeekday(s string) (schedule.Weekday, error) {
	if wd, ok := weekdays[strings.Trim(strings.ToLower(strings.TrimSpace(s)), ".")]; ok {
		return wd, nil
	}
	return 0, errors.New("is not a day of the week; expected Monday … Sunday, Mon … Sun, or 1 (Monday) to 7")
}

// ParseOutcome reads an attendance status as systems export it: arrived
// (Arrived, Checked In, Checked Out, Completed, Kept, Seen, Show, Y …),
// no-show (No Show, NS, Missed, DNA, N …) or cancelled (Cancelled,
// Canceled, CX, Late Cancel, Rescheduled …).
func ParseOutcome(s string) (schedule.Outcome, error) {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	switch b.String() {
	case "arrived", "checkedin", "checkedout", "checkin", "checkout", "completed", "complete", "kept", "seen", "show", "showed", "shown",
		"attended", "yes", "y", "true", "present", "came":
		return schedule.OutcomeArrived, nil
	case "noshow", "noshowed", "ns", "missed", "dna", "didnotattend", "didnotarrive", "no", "n", "false", "absent", "nonattendance":
		return schedule.OutcomeNoShow, nil
	case "cancelled", "canceled", "cancel", "cx", "cnx", "latecancel", "latecancelled", "latecanceled", "lc", "rescheduled", "bumped":
		return schedule.OutcomeCancelled, nil
	}
	switch strings.TrimSpace(s) {
	case "1":
		return schedule.OutcomeArrived, nil
	case "0":
		return schedule.OutcomeNoShow, nil
	}
	return "", errors.New("is not an attendance status; expected arrived (Arrived, Checked Out, Show, Y), no-show (No Show, NS, N) or cancelled")
}

// ParseStatus reads an appointment status: scheduled (Booked,
// Scheduled, Pending, Confirmed …) or an outcome (see ParseOutcome).
func ParseStatus(s string) (schedule.AppointmentStatus, error) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "", "booked", "scheduled", "sched", "pending", "open", "active", "new":
		return schedule.StatusBooked, nil
	case "confirmed", "conf", "confirm":
		return schedule.StatusConfirmed, nil
	}
	o, err := ParseOutcome(s)
	if err != nil {
		return "", errors.New("is not an appointment status; expected Booked, Confirmed, Arrived, No Show or Cancelled")
	}
	return o.Status(), nil
}

// ParseProbability reads a probability: 0.12, 12% or 12 (a percentage
// when above 1).
func ParseProbability(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil || math.IsNaN(f) {
		return 0, errors.New("is not a probability; expected 0.12 or 12%")
	}
	if pct || f > 1 {
		f /= 100
	}
	if f < 0 || f > 1 {
		return 0, errors.New("must be between 0 and 1 (0% and 100%)")
	}
	return f, nil
}

// ParseDays reads a whole number of days, 0 or more.
func ParseDays(s string) (int, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > 100_000 {
		return 0, errors.New("is not a whole number of days (0 or more)")
	}
	return int(f), nil
}

// date reads a date cell with intake's date reader (Excel dates, US and
// ISO text).
func (r *rowReader) date(f string, required bool) claim.Date {
	v := r.get(f)
	if v == "" {
		if required {
			r.bad(f, "is empty; every row needs it")
		}
		return 0
	}
	d, err := intake.ParseDate(v, intake.ServiceDate, r.asOf, r.t.Date1904)
	if err != nil {
		r.bad(f, "is not a date: "+err.Error())
	}
	return d
}

// value reads field f with parse when the cell is not blank (a blank
// required cell is an error).
func value[T any](r *rowReader, f string, required bool, parse func(string) (T, error)) T {
	var zero T
	v := r.get(f)
	if v == "" {
		if required {
			r.bad(f, "is empty; every row needs it")
		}
		return zero
	}
	x, err := parse(v)
	if err != nil {
		r.bad(f, err.Error())
		return zero
	}
	return x
}
