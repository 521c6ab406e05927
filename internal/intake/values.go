package intake

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The value parsers below read one cell each. They return a message that
// says what was expected (for RowError.Message) on failure, never the
// value itself: the caller keeps the value in RowError.Value.

// errValue is a parse failure with a staff-facing explanation.
type errValue string

func (e errValue) Error() string { return string(e) }

// Two-digit years. A service date written M/D/YY takes the century that
// puts it no later than one year after the as-of date (as of 2026, "27"
// is 2027 and "28" is 1928); a date of birth takes the century that does
// not put it after the as-of date.
const serviceYearLead = 1

// DateKind says which pivot a two-digit year uses.
type DateKind int

// Date kinds.
const (
	ServiceDate DateKind = iota // a date of service
	BirthDate                   // a date of birth: never in the future
)

// Excel's serial-date range: 1 is 1900-01-01, 2958465 is 9999-12-31.
const maxSerial = 2958465

var (
	excelEpoch1900 = claim.NewDate(1899, time.December, 30)
	excelEpoch1904 = claim.NewDate(1904, time.January, 1)
)

// monthNames maps English month names and abbreviations to months.
var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

const dateExpect = "expected a date such as 01/31/2026, 1/31/26, 2026-01-31, 20260131 or an Excel date"

// DateOrder says in which order a file writes the day and the month of
// its numeric dates.
type DateOrder uint8

// The date orders.
const (
	MonthFirst DateOrder = iota // 01/31/2026, as US exports write dates
	DayFirst                    // 31/01/2026
)

// String names the order as Layout's JSON writes it.
func (o DateOrder) String() string {
	if o == DayFirst {
		return "day_first"
	}
	return "month_first"
}

// MarshalText writes the order's name.
func (o DateOrder) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads "day_first" or "month_first" ("" is month first).
func (o *DateOrder) UnmarshalText(b []byte) error {
	switch string(b) {
	case "day_first":
		*o = DayFirst
	case "month_first", "":
		*o = MonthFirst
	default:
		return errors.New("date order must be day_first or month_first")
	}
	return nil
}

// ParseDate reads a date as billing exports write it: an Excel serial
// number (46053, 46053.5), MM/DD/YYYY or M/D/YY (also with - or .),
// YYYY-MM-DD or YYYY/MM/DD, YYYYMMDD, MMDDYYYY, MMDDYY, "31-Jan-2026",
// "Jan 31, 2026", each optionally followed by a time ("2026-01-31
// 00:00:00", "2026-01-31T00:00:00Z"). Blank gives the zero Date. asOf
// (today when zero) resolves two-digit years (see DateKind); date1904
// selects the 1904 serial-date system of some Mac workbooks. Month and day
// are read in US order; ParseDateOrder reads files written day first.
func ParseDate(s string, kind DateKind, asOf claim.Date, date1904 bool) (claim.Date, error) {
	return ParseDateOrder(s, kind, asOf, date1904, MonthFirst)
}

// ParseDateOrder is ParseDate for a file whose numeric dates put the day
// and month in order (31/01/2026, 31012026 when DayFirst).
func ParseDateOrder(s string, kind DateKind, asOf claim.Date, date1904 bool, order DateOrder) (claim.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if asOf == 0 {
		asOf = claim.DateOf(time.Now())
	}
	s = stripTime(s)
	if d, ok, err := parseNumericDate(s, kind, asOf, date1904, order); ok {
		return d, err
	}
	if d, ok := parseSeparatedDate(s, kind, asOf, order); ok {
		return d, nil
	}
	if d, ok := parseMonthNameDate(s, kind, asOf); ok {
		return d, nil
	}
	return 0, errValue(dateExpect)
}

// stripTime drops a time of day after a date: "2026-01-31 00:00:00",
// "1/31/2026 0:00", "2026-01-31T08:00:00Z".
func stripTime(s string) string {
	if i := strings.IndexByte(s, 'T'); i == 10 && len(s) > 10 && s[4] == '-' {
		return s[:i]
	}
	if i := strings.IndexByte(s, ' '); i > 0 && strings.Contains(s[i:], ":") {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// parseNumericDate reads all-digit forms: Excel serials, YYYYMMDD,
// MMDDYYYY, MMDDYY. ok is false when s is not all digits (with an
// optional fraction for serials).
func parseNumericDate(s string, kind DateKind, asOf claim.Date, date1904 bool, order DateOrder) (claim.Date, bool, error) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if !allDigits(intPart) || (hasFrac && !allDigits(frac)) || intPart == "" {
		return 0, false, nil
	}
	if !hasFrac {
		switch len(intPart) {
		case 8:
			if d, ok := ymd(atoi(intPart[:4]), atoi(intPart[4:6]), atoi(intPart[6:])); ok && looksLikeYear(intPart[:4]) {
				return d, true, nil
			}
			m, dd := order.monthDay(atoi(intPart[:2]), atoi(intPart[2:4]))
			if d, ok := ymd(atoi(intPart[4:]), m, dd); ok {
				return d, true, nil
			}
			return 0, true, errValue(dateExpect)
		case 6:
			m, dd := order.monthDay(atoi(intPart[:2]), atoi(intPart[2:4]))
			y := resolveYear(atoi(intPart[4:]), m, dd, kind, asOf)
			if d, ok := ymd(y, m, dd); ok {
				return d, true, nil
			}
			return 0, true, errValue(dateExpect)
		}
	}
	if len(intPart) > 7 {
		return 0, true, errValue(dateExpect)
	}
	n := atoi(intPart)
	if n < 1 || n > maxSerial {
		return 0, true, errValue(dateExpect)
	}
	if date1904 {
		return excelEpoch1904.AddDays(n), true, nil
	}
	if n < 60 {
		// Excel counts a 29 February 1900 that never was; serials before
		// it are one day off the modern epoch.
		return excelEpoch1900.AddDays(n + 1), true, nil
	}
	if n == 60 {
		return 0, true, errValue("Excel date 60 is 29 February 1900, which does not exist; " + dateExpect)
	}
	return excelEpoch1900.AddDays(n), true, nil
}

func looksLikeYear(s string) bool { return strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20") }

// monthDay returns the month and day of a date whose first two numbers
// are a and b.
func (o DateOrder) monthDay(a, b int) (month, day int) {
	if o == DayFirst {
		return b, a
	}
	return a, b
}

// dateParts splits M/D/Y, M-D-Y or M.D.Y (or the day-first forms) into its
// three numbers; ok is false for other text, Y-M-D included.
func dateParts(s string) (p [3]string, ok bool) {
	var sep byte
	for _, c := range []byte{'/', '-', '.'} {
		if strings.Count(s, string(c)) == 2 {
			sep = c
			break
		}
	}
	if sep == 0 {
		return p, false
	}
	i := strings.IndexByte(s, sep)
	j := i + 1 + strings.IndexByte(s[i+1:], sep)
	p = [3]string{s[:i], s[i+1 : j], s[j+1:]}
	for _, x := range p {
		if x == "" || len(x) > 4 || !allDigits(x) {
			return p, false
		}
	}
	return p, true
}

// dateOrderVote says what one date cell tells about its file's date
// order: DayFirst when its first number is a day above 12, MonthFirst
// when its second is, and ambiguous when both numbers could be the month
// (03/04/2026). Serials, ISO dates and month names tell nothing.
func dateOrderVote(s string) (vote DateOrder, decides, ambiguous bool) {
	p, ok := dateParts(stripTime(strings.TrimSpace(s)))
	if !ok || len(p[0]) > 2 || len(p[1]) > 2 || (len(p[2]) != 2 && len(p[2]) != 4) {
		return MonthFirst, false, false
	}
	a, b := atoi(p[0]), atoi(p[1])
	switch {
	case a > 12 && a <= 31 && b >= 1 && b <= 12:
		return DayFirst, true, false
	case b > 12 && b <= 31 && a >= 1 && a <= 12:
		return MonthFirst, true, false
	}
	return MonthFirst, false, a != b && a >= 1 && b >= 1 && a <= 12 && b <= 12
}

// parseSeparatedDate reads M/D/Y, M-D-Y, M.D.Y with a 2- or 4-digit year
// (D/M/Y when order is DayFirst), and Y-M-D, Y/M/D with a 4-digit year.
func parseSeparatedDate(s string, kind DateKind, asOf claim.Date, order DateOrder) (claim.Date, bool) {
	p, ok := dateParts(s)
	if !ok {
		return 0, false
	}
	if len(p[0]) == 4 { // Y-M-D
		return ymd(atoi(p[0]), atoi(p[1]), atoi(p[2]))
	}
	if len(p[0]) > 2 || len(p[1]) > 2 {
		return 0, false
	}
	m, d := order.monthDay(atoi(p[0]), atoi(p[1]))
	switch len(p[2]) {
	case 4:
		return ymd(atoi(p[2]), m, d)
	case 2:
		return ymd(resolveYear(atoi(p[2]), m, d, kind, asOf), m, d)
	}
	return 0, false
}

// parseMonthNameDate reads "31-Jan-2026", "31 Jan 26", "Jan 31, 2026" and
// "January 31 2026".
func parseMonthNameDate(s string, kind DateKind, asOf claim.Date) (claim.Date, bool) {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '-' || r == ',' || r == '/' })
	if len(f) != 3 {
		return 0, false
	}
	var day, year string
	var mon time.Month
	if m, ok := monthNames[strings.TrimSuffix(f[1], ".")]; ok {
		day, mon, year = f[0], m, f[2]
	} else if m, ok := monthNames[strings.TrimSuffix(f[0], ".")]; ok {
		mon, day, year = m, f[1], f[2]
	} else {
		return 0, false
	}
	if !allDigits(day) || !allDigits(year) || len(day) > 2 || day == "" {
		return 0, false
	}
	switch len(year) {
	case 4:
		return ymd(atoi(year), int(mon), atoi(day))
	case 2:
		return ymd(resolveYear(atoi(year), int(mon), atoi(day), kind, asOf), int(mon), atoi(day))
	}
	return 0, false
}

// resolveYear turns a two-digit year into a four-digit one (see DateKind).
func resolveYear(yy, m, d int, kind DateKind, asOf claim.Date) int {
	ay, _, _ := asOf.YMD()
	y := 2000 + yy
	if kind == BirthDate {
		if dt, ok := ymd(y, m, d); (ok && dt > asOf) || (!ok && y > ay) {
			y -= 100
		}
	} else if y > ay+serviceYearLead {
		y -= 100
	}
	return y
}

// ymd returns the date for year, month, day when they form a real date
// between 1900 and 2199.
func ymd(y, m, d int) (claim.Date, bool) {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31 April, 29 February of a common year
		return 0, false
	}
	return claim.DateOf(t), true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && n < 1e8; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseAmount reads money: a spreadsheet number ("125.5",
// "1.2345E+3"), "$1,234.50", "(12.00)", "-$12.00", "$-12.00", with a
// US dollar code ("135.00 USD", "USD 135.00"), or with a decimal comma as
// European-locale exports write it ("1.234,50", "1 234,50", "135,50").
// Blank gives 0 and ok false. An amount with a fraction of a cent
// ("12.345") is a value error rather than rounded: what the practice meant
// to bill is not for rcmbot to guess. The binary noise of a spreadsheet
// number ("0.30000000000000004") is not a fraction of a cent.
func ParseAmount(s string) (m claim.Money, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	const expect = "expected an amount such as 125.00, $1,234.50 or 135.00 USD"
	s, cur := stripCurrency(s)
	if !cur {
		return 0, false, errValue("expected an amount in US dollars, such as 125.00 or 135.00 USD")
	}
	if rest, ok := strings.CutPrefix(s, "$-"); ok { // "$-15.00", as some exports write a credit
		s = "-$" + rest
	}
	s = decimalComma(s)
	m, err = claim.ParseMoney(s)
	if err == nil {
		if subCent(s) {
			return 0, false, errValue(errSubCent)
		}
		return m, true, nil
	}
	// Spreadsheet numbers in exponent form, as raw xlsx values may be written.
	if strings.ContainsAny(s, "eE") {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) < 1e13 {
			if subCent(s) {
				return 0, false, errValue(errSubCent)
			}
			return claim.MoneyFromFloat(f), true, nil
		}
	}
	return 0, false, errValue(expect)
}

const errSubCent = "the amount has a fraction of a cent (more than two decimal places); claims are billed in whole cents: round it in the file and upload again"

// subCent reports whether an amount ParseMoney or ParseFloat read is
// written with a fraction of a cent, beyond the noise of binary floating
// point.
func subCent(s string) bool {
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r == '.', r == 'e', r == 'E', r == '+':
			return r
		}
		return -1 // $ , ( ) - and spaces
	}, s)
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return false
	}
	cents := math.Abs(f) * 100
	return math.Abs(cents-math.Round(cents)) > max(1e-7, 1e-9*cents)
}

// stripCurrency removes a US dollar code before or after an amount
// ("135.00 USD", "USD 135.00", "US$ 135.00"); ok is false when another
// currency's code (three letters) is written instead.
func stripCurrency(s string) (string, bool) {
	u := strings.ToUpper(s)
	for _, code := range []string{"US$", "USD"} {
		if strings.HasPrefix(u, code) {
			return strings.TrimSpace(s[len(code):]), true
		}
		if strings.HasSuffix(u, code) {
			return strings.TrimSpace(s[:len(s)-len(code)]), true
		}
	}
	if len(u) > 3 && (letters(u[:3]) || letters(u[len(u)-3:])) {
		return s, false
	}
	return s, true
}

// decimalComma rewrites an amount written with a decimal comma
// ("1.234,50", "1 234,50", "135,5") as ParseMoney reads it ("1234.50");
// anything else is returned unchanged. A comma followed by three digits
// stays a US thousands separator ("1,234").
func decimalComma(s string) string {
	i := strings.LastIndexByte(s, ',')
	if i < 0 || strings.IndexByte(s[i:], '.') >= 0 {
		return s
	}
	frac := s[i+1:]
	if frac = strings.TrimRight(frac, ")"); len(frac) < 1 || len(frac) > 2 || !allDigits(frac) {
		return s
	}
	intPart := s[:i]
	if strings.IndexByte(intPart, ',') >= 0 {
		return s
	}
	// Thousands separators before the comma: dots or spaces, groups of three.
	var b strings.Builder
	groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == '.' || r == ' ' || r == '\u00a0' || r == '\u202f' })
	for k, g := range groups {
		digitsFrom := strings.IndexFunc(g, func(r rune) bool { return r >= '0' && r <= '9' })
		if k > 0 && (len(g) != 3 || !allDigits(g)) || digitsFrom < 0 {
			return s
		}
		b.WriteString(g)
	}
	b.WriteByte('.')
	b.WriteString(s[i+1:])
	return b.String()
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

// ParseUnits reads a unit count: "1", "2.5", "1.0E+1". Blank gives 0.
func ParseUnits(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e6 {
		return 0, errValue("expected a number of units such as 1 or 2.5")
	}
	return f, nil
}

// Code normalises a code cell (procedure, modifier, payer ID, POS...):
// spaces trimmed, upper case.
func Code(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ParseProcedure reads a CPT/HCPCS cell. Excel turns anesthesia codes
// (00100–01999) into the numbers 100–1999, so those get their leading
// zeros back; any other all-digit code shorter than five digits ("9921",
// a code typed short) is left as it is for the scorer to flag. Exports
// that append modifiers to the code ("99213-25", "99213 25 59",
// "99213:25") have them split off and returned separately.
func ParseProcedure(s string) (code string, mods []string, err error) {
	s = integral(Code(s))
	if s == "" {
		return "", nil, nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == ' ' || r == ':' })
	if len(parts) > 1 && len(parts[0]) == 5 {
		for _, p := range parts[1:] {
			if len(p) != 2 || !alnum(p) {
				return "", nil, errValue("expected one CPT/HCPCS code such as 99213 or J1100, optionally followed by modifiers (99213-25)")
			}
		}
		code, mods = parts[0], parts[1:]
	} else {
		code = s
	}
	if !alnum(code) || len(code) > 7 {
		return "", nil, errValue("expected a CPT/HCPCS code such as 99213 or J1100")
	}
	if allDigits(code) && len(code) < 5 {
		if n := atoi(code); n >= 100 && n <= 1999 {
			code = strings.Repeat("0", 5-len(code)) + code
		}
	}
	return code, mods, nil
}

// ParseDiagnosis reads one ICD-10-CM code, with or without the dot, and
// returns it upper case without the dot. Whether the code exists is the
// scorer's business; here it only has to look like a code.
func ParseDiagnosis(s string) (string, error) {
	c := strings.ReplaceAll(Code(s), ".", "")
	c = strings.ReplaceAll(c, " ", "")
	if c == "" {
		return "", nil
	}
	if !alnum(c) || len(c) > 8 || c[0] < 'A' || c[0] > 'Z' {
		return "", errValue("expected an ICD-10-CM code such as E11.9 or E119")
	}
	return c, nil
}

// ParseCodeList splits a cell holding several codes ("E11.9, I10",
// "25;59", "25 59") and applies parse to each.
func ParseCodeList(s string, parse func(string) (string, error)) ([]string, error) {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '|' || r == '\n' }) {
		c, err := parse(p)
		if err != nil {
			return nil, err
		}
		if c != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// ParseModifier reads one modifier ("25", "lt", Excel's number 59).
func ParseModifier(s string) (string, error) {
	c := integral(Code(s))
	if c == "" {
		return "", nil
	}
	if len(c) != 2 || !alnum(c) {
		return "", errValue("expected a two-character modifier such as 25, 59 or LT")
	}
	return c, nil
}

// ParseSex reads M, F, U or the words (male, female, unknown).
func ParseSex(s string) (claim.Sex, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "m", "male", "man":
		return claim.SexMale, nil
	case "f", "female", "woman":
		return claim.SexFemale, nil
	case "u", "unknown", "unk", "not specified", "unspecified":
		return claim.SexUnknown, nil
	}
	return "", errValue("expected M, F or U (or Male, Female, Unknown)")
}

// ParsePointers reads diagnosis pointers: "1,2", "1:2", "1 2", "12"
// (one digit per pointer, the CMS-1500 way; "10" and "11" are read as
// single pointers since digit by digit they would be invalid), letters
// "AB", "A,B" (A–L, CMS-1500 box 21). Blank gives nil.
func ParsePointers(s string) ([]int, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return nil, nil
	}
	const expect = "expected diagnosis pointers such as 1,2 or 12 or AB (1–12 or A–L)"
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ':' || r == ';' || r == ' ' || r == '.' || r == '-' || r == '/'
	})
	var out []int
	for _, p := range parts {
		switch {
		case allDigits(p):
			if len(parts) > 1 || p == "10" || p == "11" {
				n := atoi(p)
				if len(p) > 2 || n < 1 || n > claim.MaxDiagnoses {
					return nil, errValue(expect)
				}
				out = append(out, n)
				continue
			}
			for i := 0; i < len(p); i++ {
				n := int(p[i] - '0')
				if n == 0 {
					return nil, errValue(expect)
				}
				out = append(out, n)
			}
		default:
			for i := 0; i < len(p); i++ {
				c := p[i]
				if c < 'A' || c > 'L' {
					return nil, errValue(expect)
				}
				out = append(out, int(c-'A')+1)
			}
		}
	}
	return out, nil
}

// ParsePointer reads the one diagnosis pointer of a numbered pointer
// column ("Diagnosis Pointer 2"): 1–12 or A–L.
func ParsePointer(s string) (int, error) {
	s = strings.ToUpper(integral(strings.TrimSpace(s)))
	switch {
	case allDigits(s) && s != "" && len(s) <= 2 && atoi(s) >= 1 && atoi(s) <= claim.MaxDiagnoses:
		return atoi(s), nil
	case len(s) == 1 && s[0] >= 'A' && s[0] <= 'L':
		return int(s[0]-'A') + 1, nil
	}
	return 0, errValue("expected one diagnosis pointer, 1–12 or A–L")
}

// IDText reads an identifier Excel may have stored as a number (NPI,
// member ID, group number): "1234567893", "1.234567893E+9" and
// "1234567893.0" all give "1234567893". Anything else is trimmed only.
func IDText(s string) string { return integral(strings.TrimSpace(s)) }

// integral rewrites a number-looking cell holding a whole number as plain
// digits; other text is returned unchanged.
func integral(s string) string {
	if s == "" || !(s[0] >= '0' && s[0] <= '9') {
		return s
	}
	if allDigits(s) {
		return s
	}
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= 1e15 {
		return s
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// padDigits restores leading zeros Excel dropped from an all-digit value
// that should be width long, when at least min digits are left (so a value
// typed too short is left for the scorer to flag rather than padded into
// something plausible).
func padDigits(s string, width, min int) string {
	if allDigits(s) && len(s) < width && len(s) >= min {
		return strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// ParseTIN reads an EIN: "12-3456789" → "123456789"; a number Excel
// stripped of its leading zero (12345678) gets it back.
func ParseTIN(s string) string {
	t := strings.ReplaceAll(IDText(s), "-", "")
	t = strings.ReplaceAll(t, " ", "")
	return padDigits(t, 9, 7)
}

// ParseZip reads a ZIP code: "02134", "02134-1234" → "021341234", and
// Excel's 2134 → "02134" (and 8-digit ZIP+4 numbers back to 9 digits).
func ParseZip(s string) string {
	z := strings.ReplaceAll(IDText(s), "-", "")
	z = strings.ReplaceAll(z, " ", "")
	if len(z) <= 5 {
		return padDigits(z, 5, 3)
	}
	return padDigits(z, 9, 7)
}

// ParsePOS reads a place-of-service code; Excel's 2 becomes "02".
func ParsePOS(s string) string { return padDigits(integral(Code(s)), 2, 1) }

// ParsePayerID reads a payer ID; an all-digit ID Excel shortened (01112 →
// 1112) gets its leading zeros back to the usual five characters.
func ParsePayerID(s string) string { return padDigits(integral(Code(s)), 5, 3) }

// ParseNDC reads a National Drug Code and returns the 11-digit 5-4-2 form
// the 837P carries: hyphenated 4-4-2, 5-3-2 and 5-4-1 forms are padded in
// the right segment; a 10-digit number Excel stripped of its leading zero
// gets it back.
func ParseNDC(s string) (string, error) {
	t := IDText(s)
	if t == "" {
		return "", nil
	}
	const expect = "expected an NDC such as 12345-6789-01 or 12345678901"
	if p := strings.Split(t, "-"); len(p) == 3 {
		widths := [3]int{5, 4, 2}
		var b strings.Builder
		for i, seg := range p {
			if !allDigits(seg) || seg == "" || len(seg) > widths[i] {
				return "", errValue(expect)
			}
			b.WriteString(strings.Repeat("0", widths[i]-len(seg)) + seg)
		}
		if n := len(p[0]) + len(p[1]) + len(p[2]); n < 10 {
			return "", errValue(expect)
		}
		return b.String(), nil
	}
	t = strings.ReplaceAll(t, " ", "")
	if !allDigits(t) || len(t) < 10 || len(t) > 11 {
		return "", errValue(expect)
	}
	return padDigits(t, 11, 10), nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// isValueError reports whether err came from a value parser.
func isValueError(err error) bool {
	var ev errValue
	return errors.As(err, &ev)
}
