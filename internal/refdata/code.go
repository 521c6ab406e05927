package refdata

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// CodeKey is a five-character CPT or HCPCS code packed into an integer
// (base 36, plus one), so the procedure tables are indexed by integers
// rather than strings. The zero CodeKey stands for "not a five-character
// alphanumeric code".
type CodeKey uint32

// KeyOf returns the CodeKey of an upper-case five-character code of digits
// and letters, or 0 for anything else.
func KeyOf(code string) CodeKey {
	if len(code) != 5 {
		return 0
	}
	var k uint32
	for i := 0; i < 5; i++ {
		c := code[i]
		switch {
		case c >= '0' && c <= '9':
			k = k*36 + uint32(c-'0')
		case c >= 'A' && c <= 'Z':
			k = k*36 + uint32(c-'A'+10)
		default:
			return 0
		}
	}
	return CodeKey(k + 1)
}

// String returns the code k was made from.
func (k CodeKey) String() string {
	if k == 0 {
		return ""
	}
	v := uint32(k - 1)
	var b [5]byte
	for i := 4; i >= 0; i-- {
		d := byte(v % 36)
		v /= 36
		if d < 10 {
			b[i] = '0' + d
		} else {
			b[i] = 'A' + d - 10
		}
	}
	return string(b[:])
}

// parseYMD reads a YYYYMMDD date (as NCCI files write them) or YYYY-MM-DD
// or M/D/YYYY (as spreadsheets and other CMS files do). The empty string
// and "*" are the zero Date.
func parseYMD(s string) (claim.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return 0, nil
	}
	if len(s) == 8 && isDigits(s) {
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[4:6])
		d, _ := strconv.Atoi(s[6:])
		return checkedDate(s, y, m, d)
	}
	if len(s) >= 10 && s[4] == '-' {
		d, err := claim.ParseDate(s[:10])
		if err != nil {
			return 0, fmt.Errorf("date %q is not YYYYMMDD or YYYY-MM-DD", s)
		}
		return d, nil
	}
	if parts := strings.Split(s, "/"); len(parts) == 3 && isDigits(parts[0]) && isDigits(parts[1]) && isDigits(parts[2]) && len(parts[2]) == 4 {
		m, _ := strconv.Atoi(parts[0])
		d, _ := strconv.Atoi(parts[1])
		y, _ := strconv.Atoi(parts[2])
		return checkedDate(s, y, m, d)
	}
	return 0, fmt.Errorf("date %q is not YYYYMMDD or YYYY-MM-DD", s)
}

func checkedDate(s string, y, m, d int) (claim.Date, error) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2999 {
		return 0, fmt.Errorf("date %q is out of range", s)
	}
	dt := claim.NewDate(y, time.Month(m), d)
	if yy, mm, dd := dt.YMD(); yy != y || int(mm) != m || dd != d {
		return 0, fmt.Errorf("date %q does not exist", s)
	}
	return dt, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
