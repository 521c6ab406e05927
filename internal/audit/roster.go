package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Event is one access to patient data: a row of an EHR access log or an
// entry of rcmbot's PHI access log.
type Event struct {
	Time        time.Time
	UserID      string
	PatientID   string // "" for a search or a list export or print
	Action      Action
	Workstation string // the device, as the log names it; may be ""
	IP          string // the network address; may be ""
}

// Staff is a member of staff from the HR roster (staff.csv).
type Staff struct {
	UserID     string
	LastName   string
	FirstName  string
	Department string
	Role       string
	Address    string
	ZIP        string
	HireDate   claim.Date // zero when not given
	// TerminationDate is the last day employed; zero while employed.
	TerminationDate claim.Date
	// ShiftStart and ShiftEnd bound the rostered shift; a ShiftEnd
	// earlier than ShiftStart wraps past midnight. NoClock when not given.
	ShiftStart, ShiftEnd Clock
}

// Patient is a patient from the patient roster (patients.csv).
type Patient struct {
	PatientID string
	LastName  string
	FirstName string
	DOB       claim.Date
	Address   string
	ZIP       string
	VIP       bool
	// EmployeeUserID is the patient's own user ID when the patient is on staff.
	EmployeeUserID string
}

// Encounter is a care relationship (encounters.csv, or what rcmbot holds:
// claims and their providers, reviews, eligibility checks, appointments).
type Encounter struct {
	PatientID  string
	UserID     string // "" for a department-level encounter
	Department string
	Start, End time.Time // End is Start for a point in time
	Kind       EncounterKind
}

// Clock is a time of day in minutes after midnight, in the practice's
// time zone.
type Clock int16

// NoClock is a Clock that was not given.
const NoClock Clock = -1

// ParseClock reads a time of day: "07:00", "7:00", "0700", "19:30:00",
// "7:00 PM", "7 pm". Blank gives NoClock.
func ParseClock(s string) (Clock, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return NoClock, nil
	}
	const expect = "expected a time of day such as 07:00, 19:30 or 7:00 PM"
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	if pm || am {
		s = strings.TrimSpace(s[:len(s)-2])
	}
	var h, m int
	hs, ms, colon := strings.Cut(s, ":")
	if !colon && len(s) == 4 && !pm && !am {
		hs, ms = s[:2], s[2:]
	}
	if rest, ok := strings.CutSuffix(ms, ":00"); ok && len(ms) == 5 {
		ms = rest
	}
	if !allDigits(hs) || len(hs) == 0 || len(hs) > 2 || (ms != "" && (!allDigits(ms) || len(ms) != 2)) || (colon && ms == "") {
		return NoClock, fmt.Errorf("%s", expect)
	}
	h = atoi(hs)
	if ms != "" {
		m = atoi(ms)
	}
	if pm || am {
		if h < 1 || h > 12 {
			return NoClock, fmt.Errorf("%s", expect)
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return NoClock, fmt.Errorf("%s", expect)
	}
	return Clock((h*60 + m) % (24 * 60)), nil
}

// String formats c as HH:MM.
func (c Clock) String() string {
	if c < 0 {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", c/60, c%60)
}

// inShift reports whether minute-of-day m falls within the shift from
// start to end, widened by slack minutes each side; end before start
// wraps past midnight.
func inShift(m, start, end, slack int) bool {
	if start < 0 || end < 0 {
		return false
	}
	const day = 24 * 60
	lo := start - slack
	length := (end - start + day) % day
	if length == 0 {
		length = day
	}
	length += 2 * slack
	if length >= day {
		return true
	}
	return (m-lo+2*day)%day < length
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// addressWords maps street-address words to one spelling, so "12 Oak
// Street, Apt. 4", "12 OAK ST #4" and "12 oak st apt 4" compare equal.
var addressWords = map[string]string{
	"street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd",
	"lane": "ln", "court": "ct", "place": "pl", "terrace": "ter", "circle": "cir", "highway": "hwy", "parkway": "pkwy",
	"square": "sq", "trail": "trl", "way": "way", "north": "n", "south": "s", "east": "e", "west": "w",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
	"apartment": "apt", "unit": "apt", "suite": "apt", "ste": "apt", "no": "apt", "number": "apt",
}

var addressPunctuation = strings.NewReplacer("#", " apt ", ".", " ", ",", " ", "-", " ", "'", "", "/", " ")

// NormalizeAddress returns a street address in a canonical form (lower
// case, punctuation dropped, common words abbreviated one way, "#4" read
// as "apt 4") and the street alone (without house number and apartment),
// which neighbours share.
func NormalizeAddress(s string) (full, street string) {
	s = addressPunctuation.Replace(strings.ToLower(s))
	words := strings.Fields(s)
	out := make([]string, 0, len(words))
	for _, w := range words {
		if r, ok := addressWords[w]; ok {
			w = r
		}
		if w == "apt" && len(out) > 0 && out[len(out)-1] == "apt" {
			continue
		}
		out = append(out, w)
	}
	full = strings.Join(out, " ")
	st := out
	if len(st) > 0 && startsWithDigit(st[0]) {
		st = st[1:]
	}
	for i, w := range st {
		if w == "apt" {
			st = st[:i]
			break
		}
	}
	return full, strings.Join(st, " ")
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// NormalizeZIP returns the five-digit ZIP code of s ("02134-1234" →
// "02134"), or "" when s holds none.
func NormalizeZIP(s string) string {
	d := make([]byte, 0, 5)
	for i := 0; i < len(s) && len(d) < 5; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		} else if s[i] == '-' {
			break
		}
	}
	if len(d) < 5 {
		if len(d) == 4 { // Excel dropped the leading zero
			return "0" + string(d)
		}
		return ""
	}
	return string(d)
}

// NormalizeSurname returns the letters of a surname in lower case, so
// "O'Brien", "OBRIEN" and "o brien" compare equal.
func NormalizeSurname(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
