package claim

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day or zone (a date of service,
// a date of birth). It counts days since 0001-01-01 plus one, so the zero
// Date means "not given" and comparisons and differences are integer
// arithmetic.
type Date int32

// epochDays is the day count of 0001-01-01 relative to the Unix epoch.
var epochDays = int64(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)

// NewDate returns the Date for year y, month m and day d. Out-of-range
// values are normalised the way time.Date normalises them.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(u.Unix()/86400 - epochDays + 1)
}

// IsZero reports whether d is the zero Date ("not given").
func (d Date) IsZero() bool { return d == 0 }

// Time returns d as midnight UTC. The zero Date gives the zero time.Time.
func (d Date) Time() time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Unix((int64(d)-1+epochDays)*86400, 0).UTC()
}

// YMD returns d's year, month and day. It is integer arithmetic on the
// proleptic Gregorian calendar (H. Hinnant's civil_from_days), as
// time.Time.Date is, without building a time.Time: the scrubber asks for
// it several times per claim.
func (d Date) YMD() (int, time.Month, int) {
	if d == 0 {
		return time.Time{}.Date()
	}
	z := int64(d) - 1 + epochDays + 719468 // days since 0000-03-01
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100) // [0, 365]
	mp := (5*doy + 2) / 153                  // [0, 11], March first
	day := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(day)
}

// AddDays returns d moved n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// NextBusinessDay returns the first Monday-to-Friday date after d:
// Friday, Saturday and Sunday give Monday. Holidays are not known.
func (d Date) NextBusinessDay() Date {
	d++
	for wd := d.Time().Weekday(); wd == time.Saturday || wd == time.Sunday; wd = d.Time().Weekday() {
		d++
	}
	return d
}

// DaysSince returns the number of days from e to d (negative when d is earlier).
func (d Date) DaysSince(e Date) int { return int(d - e) }

// YearsSince returns the whole years from birth to d, as age is counted:
// someone born 2000-03-01 is 25 on 2025-03-01 and 24 the day before.
func (d Date) YearsSince(birth Date) int {
	y1, m1, d1 := birth.YMD()
	y2, m2, d2 := d.YMD()
	age := y2 - y1
	if m2 < m1 || (m2 == m1 && d2 < d1) {
		age--
	}
	return age
}

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// Compact formats d as YYYYMMDD, as X12 D8 dates are written.
func (d Date) Compact() string {
	if d == 0 {
		return ""
	}
	return d.Time().Format("20060102")
}

// ErrDate is returned (wrapped) by ParseDate for text that is not a date.
var ErrDate = errors.New("not a date (expected YYYY-MM-DD)")

// ParseDate reads an ISO date, YYYY-MM-DD. Spreadsheet formats (serials,
// MM/DD/YYYY, M/D/YY) are intake's business, not this package's.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, ErrDate)
	}
	return DateOf(t), nil
}

// MustDate is ParseDate for constants in tests and tables; it panics on bad input.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// MarshalText writes d as YYYY-MM-DD ("" for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; the empty string is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores d as YYYY-MM-DD text, or NULL for the zero Date.
func (d Date) Value() (driver.Value, error) {
	if d == 0 {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads YYYY-MM-DD text, a time.Time or NULL.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = 0
	case time.Time:
		*d = DateOf(v)
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("scan date: unsupported type %T", src)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if s == "" {
		*d = 0
		return nil
	}
	if len(s) > 10 {
		s = s[:10] // tolerate a time part written by a driver
	}
	v, err := ParseDate(s)
	if err != nil {
		return fmt.Errorf("scan date: %w", err)
	}
	*d = v
	return nil
}
