package refdata

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// firstFY is the fiscal year of bit 0 in the per-code year masks; a mask
// holds 64 fiscal years (FY2000–FY2063).
const firstFY = 2000

// ICD10 is the ICD-10-CM code set for one or more fiscal years, with the
// Medicare Code Editor's age, sex and manifestation edits attached to the
// codes. A fiscal year's set is in force from 1 October of the previous
// calendar year to 30 September.
type ICD10 struct {
	codes  map[string]icdEntry
	sorted []string // every code, sorted, for finding a header's children
	years  uint64   // bit (fy-firstFY) set for each loaded fiscal year
	// use maps each fiscal year (bit) to the loaded year that stands in
	// for it: itself when loaded, else the nearest earlier loaded year,
	// else the earliest.
	use      [64]int8
	complete bool
}

type icdEntry struct {
	exists, billable uint64 // fiscal-year masks
	mce              MCE
}

// MCE is the Medicare Code Editor's edits on one diagnosis code.
type MCE struct {
	Age    AgeEdit // AgeNone when the code has no age edit
	AgeMin uint8   // inclusive bounds in years, for Age != AgeNone
	AgeMax uint8
	// Sex is 'F' or 'M' for codes valid for one sex only, else 0.
	Sex byte
	// Manifestation codes describe the manifestation of an underlying
	// disease and may not be the principal diagnosis.
	Manifestation bool
}

// AgeEdit names an MCE age group.
type AgeEdit uint8

// The MCE age groups.
const (
	AgeNone AgeEdit = iota
	AgeNewborn
	AgePediatric
	AgeMaternity
	AgeAdult
)

// String returns the MCE name of the age group.
func (a AgeEdit) String() string {
	return [...]string{"", "newborn", "pediatric", "maternity", "adult"}[a]
}

// FiscalYear is the ICD-10-CM code set used to check a date of service.
type FiscalYear struct {
	Year  int  // the fiscal year whose set is used
	Exact bool // Year is the date of service's own fiscal year (false: the nearest loaded one)
	Of    int  // the date of service's own fiscal year
	bit   int8
}

// ICDCode is what the code set says about one diagnosis code.
type ICDCode struct {
	// Known reports that the code is in some loaded fiscal year.
	Known bool
	// InSet reports that it is in the fiscal year checked; Billable that
	// it is billable (the order file's flag 1) there.
	InSet, Billable bool
	MCE             MCE
}

// FiscalYearOf returns the federal fiscal year a date falls in: 1 October
// 2025 is in FY2026.
func FiscalYearOf(d claim.Date) int {
	y, m, _ := d.YMD()
	if m >= 10 {
		return y + 1
	}
	return y
}

// YearFor returns the code set to check a date of service against.
func (t *ICD10) YearFor(dos claim.Date) FiscalYear {
	fy := FiscalYearOf(dos)
	b := fy - firstFY
	if b < 0 {
		b = 0
	} else if b > 63 {
		b = 63
	}
	u := t.use[b]
	return FiscalYear{Year: firstFY + int(u), Exact: int(u) == fy-firstFY, Of: fy, bit: u}
}

// Lookup returns what the fiscal year's set says about code (upper case,
// without the dot).
func (t *ICD10) Lookup(code string, fy FiscalYear) ICDCode {
	e, ok := t.codes[code]
	if !ok {
		return ICDCode{}
	}
	return t.entryCode(e, fy)
}

func (t *ICD10) entryCode(e icdEntry, fy FiscalYear) ICDCode {
	m := uint64(1) << fy.bit
	return ICDCode{Known: e.exists != 0, InSet: e.exists&m != 0, Billable: e.billable&m != 0, MCE: e.mce}
}

// BillableChildren returns up to max codes under code (longer codes it
// prefixes) that are billable in the fiscal year, in code order.
func (t *ICD10) BillableChildren(code string, fy FiscalYear, max int) []string {
	m := uint64(1) << fy.bit
	var out []string
	for i := sort.SearchStrings(t.sorted, code); i < len(t.sorted) && len(out) < max; i++ {
		c := t.sorted[i]
		if !strings.HasPrefix(c, code) {
			break
		}
		if c != code && t.codes[c].billable&m != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Complete reports whether the set came from full order files rather than
// the starter set: only then is a code missing from it invalid.
func (t *ICD10) Complete() bool { return t.complete }

// HasYear reports whether fiscal year fy's own order file is loaded (the
// starter set counts for every year).
func (t *ICD10) HasYear(fy int) bool {
	b := fy - firstFY
	return b >= 0 && b < 64 && t.years&(1<<b) != 0
}

// Years returns the loaded fiscal years, ascending.
func (t *ICD10) Years() []int {
	var ys []int
	for b := 0; b < 64; b++ {
		if t.years&(1<<b) != 0 {
			ys = append(ys, firstFY+b)
		}
	}
	return ys
}

// Len returns the number of distinct codes across the loaded years.
func (t *ICD10) Len() int { return len(t.sorted) }

func newICD10() *ICD10 { return &ICD10{codes: make(map[string]icdEntry, 100_000)} }

// add records a code in the fiscal years of mask.
func (t *ICD10) add(code []byte, mask uint64, billable bool) {
	e := t.codes[string(code)]
	e.exists |= mask
	if billable {
		e.billable |= mask
	}
	t.codes[string(code)] = e
}

// finish builds the sorted code list and the year map once every file is in.
func (t *ICD10) finish() {
	t.sorted = t.sorted[:0]
	for c, e := range t.codes {
		if e.exists != 0 {
			t.sorted = append(t.sorted, c)
		}
	}
	slices.Sort(t.sorted)
	first := int8(-1)
	for b := 0; b < 64; b++ {
		if t.years&(1<<b) != 0 {
			first = int8(b)
			break
		}
	}
	last := first
	for b := 0; b < 64; b++ {
		if t.years&(1<<b) != 0 {
			last = int8(b)
		}
		if last < 0 {
			t.use[b] = 0
		} else {
			t.use[b] = last
		}
	}
}

var yearInName = regexp.MustCompile(`(20\d\d)`)

// fiscalYearFromName reads the fiscal year from an order file's name,
// e.g. icd10cm_order_2026.txt.
func fiscalYearFromName(path string) (int, error) {
	m := yearInName.FindAllString(filepath.Base(path), -1)
	if len(m) == 0 {
		return 0, fmt.Errorf("%s: cannot tell the fiscal year from the file name; name it like icd10cm_order_2026.txt", path)
	}
	fy, _ := strconv.Atoi(m[len(m)-1])
	if fy < firstFY || fy >= firstFY+64 {
		return 0, fmt.Errorf("%s: fiscal year %d is outside %d–%d", path, fy, firstFY, firstFY+63)
	}
	return fy, nil
}

// loadOrderFile adds one fiscal year's order file.
func (t *ICD10) loadOrderFile(path string) (int, error) {
	fy, err := fiscalYearFromName(path)
	if err != nil {
		return 0, err
	}
	mask := uint64(1) << (fy - firstFY)
	if t.years&mask != 0 {
		return 0, fmt.Errorf("%s: a second order file for FY%d", path, fy)
	}
	t.years |= mask
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, line := 0, 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		code, billable, err := parseOrderLine(b)
		if err != nil {
			return 0, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		t.add(code, mask, billable)
		n++
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%s: no codes", path)
	}
	return n, nil
}

// parseOrderLine reads one line of the CMS/CDC ICD-10-CM order file:
// columns 1–5 order number, 7–13 code (no dot, space padded), 15 billable
// flag (0 header, 1 billable), 17–76 short and 78– long description. The
// returned code aliases b's memory.
func parseOrderLine(b []byte) (code []byte, billable bool, err error) {
	b = bytes.TrimRight(b, "\r")
	if len(b) < 15 {
		return nil, false, errors.New("line too short for the order-file layout (order number, code, billable flag)")
	}
	for _, c := range b[:5] {
		if c < '0' || c > '9' {
			return nil, false, fmt.Errorf("order number %q is not 5 digits", b[:5])
		}
	}
	if b[5] != ' ' || b[13] != ' ' {
		return nil, false, errors.New("columns 6 and 14 must be blank (fixed-width order-file layout)")
	}
	raw := bytes.TrimRight(b[6:13], " ")
	if !validICDShape(raw) {
		return nil, false, fmt.Errorf("code %q is not an ICD-10-CM code", b[6:13])
	}
	switch b[14] {
	case '0':
	case '1':
		billable = true
	default:
		return nil, false, fmt.Errorf("billable flag %q is not 0 or 1", b[14:15])
	}
	return raw, billable, nil
}

// validICDShape checks a code without the dot: a letter, then two to six
// letters or digits (the second character is a digit except in a few
// recent categories such as QA0).
func validICDShape(c []byte) bool {
	if len(c) < 3 || len(c) > 7 || c[0] < 'A' || c[0] > 'Z' {
		return false
	}
	for _, x := range c[1:] {
		if !(x >= '0' && x <= '9' || x >= 'A' && x <= 'Z') {
			return false
		}
	}
	return true
}

// addMCE attaches an MCE edit to a code, creating an entry for codes not
// (yet) in the set.
func (t *ICD10) addMCE(code string, apply func(*MCE)) {
	e := t.codes[code]
	apply(&e.mce)
	t.codes[code] = e
}

// loadMCE reads an MCE diagnosis-edit table: code, conflict group and rule
// text (e.g. "Maternity (Ages 9-64)", "Female Only", "Manifestation (Not
// Allowed as Principal Diagnosis)"). Rules other than age, sex and
// manifestation (inpatient-only MCE edits) are skipped.
func (t *ICD10) loadMCE(tb *table) (int, error) {
	cCode := tb.col("icd_code", "code", "diagnosis code", "dx code")
	cRule := tb.col("icd_conflict_rule", "rule", "edit", "conflict rule")
	return tb.each(func() (bool, error) {
		code := strings.ToUpper(strings.ReplaceAll(tb.field(cCode), ".", ""))
		if !validICDShape([]byte(code)) {
			return false, tb.errorf("code %q is not an ICD-10-CM code", tb.field(cCode))
		}
		apply, err := parseMCERule(tb.field(cRule))
		if err != nil {
			return false, tb.errorf("%v", err)
		}
		if apply != nil {
			t.addMCE(code, apply)
		}
		return apply != nil, nil
	})
}

var ageRange = regexp.MustCompile(`(\d+)\s*[-–]\s*(\d+)`)

// parseMCERule turns an MCE rule text into an edit; nil for rules rcmbot
// does not apply to professional claims.
func parseMCERule(rule string) (func(*MCE), error) {
	r := strings.ToLower(rule)
	age := func(kind AgeEdit, lo, hi uint8) (func(*MCE), error) {
		if m := ageRange.FindStringSubmatch(r); m != nil {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if a > b || b > 255 {
				return nil, fmt.Errorf("age range %q is not lo-hi", m[0])
			}
			lo, hi = uint8(a), uint8(b)
		}
		return func(e *MCE) { e.Age, e.AgeMin, e.AgeMax = kind, lo, hi }, nil
	}
	switch {
	case strings.Contains(r, "newborn") || strings.Contains(r, "perinatal"):
		return func(e *MCE) { e.Age, e.AgeMin, e.AgeMax = AgeNewborn, 0, 0 }, nil
	case strings.Contains(r, "pediatric"):
		return age(AgePediatric, 0, 17)
	case strings.Contains(r, "maternity"):
		return age(AgeMaternity, 9, 64)
	case strings.Contains(r, "adult"):
		return age(AgeAdult, 15, 124)
	case strings.Contains(r, "female"):
		return func(e *MCE) { e.Sex = 'F' }, nil
	case strings.Contains(r, "male"):
		return func(e *MCE) { e.Sex = 'M' }, nil
	case strings.Contains(r, "manifestation"):
		return func(e *MCE) { e.Manifestation = true }, nil
	case strings.TrimSpace(r) == "":
		return nil, errors.New("empty MCE rule")
	}
	return nil, nil
}
