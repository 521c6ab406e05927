package invfile

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// The value parsers return a message saying what was expected; they never
// repeat the value.

var errNumber = errors.New("expected a number")

// parseNumber reads a spreadsheet number: "12", "12.5", "1,250", "$3.40",
// "1.2E+3", with surrounding spaces.
func parseNumber(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "$")
	t = strings.ReplaceAll(t, ",", "")
	t = strings.TrimSpace(t)
	if t == "" {
		return 0, errNumber
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errNumber
	}
	return f, nil
}

// parseDays reads a number of days: "14", "14 days", "14d", "2.5".
func parseDays(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, suffix := range []string{"days", "day", "d"} {
		if strings.HasSuffix(t, suffix) {
			t = strings.TrimSpace(strings.TrimSuffix(t, suffix))
			break
		}
	}
	return parseNumber(t)
}

// parseFraction reads a fill rate: a fraction ("0.95"), or a percentage
// ("95%", or a bare number from 50 to 100: no target is that low as a
// fraction, and "1.5" stays an error rather than becoming 1.5%).
func parseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSuffix(t, "%")
	f, err := parseNumber(t)
	if err != nil {
		return 0, err
	}
	if pct || (f >= 50 && f <= 100) {
		f /= 100
	}
	return f, nil
}
