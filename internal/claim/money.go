package claim

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount of US dollars held as integer cents, so sums and
// comparisons (CLM02 = ΣSV102) are exact.
type Money int64

// Cents returns m as a number of cents.
func (m Money) Cents() int64 { return int64(m) }

// String formats m with two decimals and no thousands separator, as X12
// and CSV want it: "1234.50", "-3.05", "0.00".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// X12 formats m the way X12 amounts are written: no trailing zeros and no
// trailing decimal point ("125", "125.5", "0.05").
func (m Money) X12() string {
	s := m.String()
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Float returns m in dollars as a float64, for spreadsheets and charts only.
func (m Money) Float() float64 { return float64(m) / 100 }

// ErrMoney is returned (wrapped) by ParseMoney for text that is not an amount.
var ErrMoney = errors.New("not an amount of money (expected e.g. 125.00 or $1,234.50)")

// ParseMoney reads an amount as billing exports write it: "125", "125.5",
// "$1,234.50", "(12.00)" or "-12.00" for negatives, surrounding spaces
// allowed. More than two decimals are rounded half away from zero
// (spreadsheets store 0.1+0.2 as 0.30000000000000004).
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		neg = true
		t = strings.TrimSpace(t[1 : len(t)-1])
	}
	if strings.HasPrefix(t, "-") {
		neg = !neg
		t = strings.TrimSpace(t[1:])
	}
	t = strings.TrimPrefix(t, "$")
	t = strings.TrimSpace(t)
	if t == "" {
		return 0, fmt.Errorf("%q: %w", s, ErrMoney)
	}
	// Thousands separators are allowed only between groups of three digits
	// before the decimal point.
	intPart, frac, hasFrac := strings.Cut(t, ".")
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		for i, g := range groups {
			if (i == 0 && (len(g) == 0 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, fmt.Errorf("%q: %w", s, ErrMoney)
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" {
		intPart = "0"
	}
	if hasFrac && frac == "" && intPart == "" {
		return 0, fmt.Errorf("%q: %w", s, ErrMoney)
	}
	if !allDigits(intPart) || !allDigits(frac) || len(intPart) > 13 {
		return 0, fmt.Errorf("%q: %w", s, ErrMoney)
	}
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, ErrMoney)
	}
	cents := whole * 100
	if len(frac) > 0 {
		digits := frac
		for len(digits) < 3 {
			digits += "0"
		}
		// digits holds at least three digits: two cents digits and one to round on.
		c, _ := strconv.Atoi(digits[:2])
		cents += int64(c)
		if digits[2] >= '5' {
			cents++
		}
	}
	if neg {
		cents = -cents
	}
	return Money(cents), nil
}

// MoneyFromFloat converts a spreadsheet number in dollars to Money, rounding
// half away from zero to the cent.
func MoneyFromFloat(f float64) Money {
	if f < 0 {
		return -Money(int64(-f*100 + 0.5))
	}
	return Money(int64(f*100 + 0.5))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MarshalText writes m as "1234.50" (JSON strings, so no float rounding).
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads what MarshalText writes (and anything ParseMoney takes).
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Value stores m as an integer number of cents.
func (m Money) Value() (driver.Value, error) { return int64(m), nil }

// Scan reads an integer number of cents.
func (m *Money) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*m = Money(v)
	case nil:
		*m = 0
	case []byte:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return fmt.Errorf("scan money: %w", err)
		}
		*m = Money(n)
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("scan money: %w", err)
		}
		*m = Money(n)
	default:
		return fmt.Errorf("scan money: unsupported type %T", src)
	}
	return nil
}
