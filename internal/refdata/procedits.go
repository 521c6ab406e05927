package refdata

import (
	"fmt"
	"strconv"
	"strings"
)

// ProcEditKind names a procedure rule-pack edit.
type ProcEditKind uint8

// The procedure rule-pack edits (procedure_edits.csv, column "edit").
const (
	// EditAge: the code is for patients aged AgeMin–AgeMax (whole years,
	// inclusive) on the date of service ("age", value "18-39", "65-").
	EditAge ProcEditKind = iota + 1
	// EditSex: the code is for one sex only ("sex", value F or M).
	EditSex
	// EditPOSOnly: the code is billed only at the listed places of service
	// ("pos_only", value "31 32").
	EditPOSOnly
	// EditPOSNot: the code is not billed at the listed places of service
	// ("pos_not", value "21 31 32").
	EditPOSNot
	// EditInstead: billed with Other on the same day, the pair is coded as
	// Combined ("instead", value "76942 20611").
	EditInstead
	// EditNDC: a physician-administered drug code, whose line needs an NDC
	// for payers that require one ("ndc", no value).
	EditNDC
)

var procEditNames = map[string]ProcEditKind{
	"age": EditAge, "sex": EditSex, "pos_only": EditPOSOnly, "pos_not": EditPOSNot, "instead": EditInstead, "ndc": EditNDC,
}

// ProcEdit is one rule-pack edit on a procedure code.
type ProcEdit struct {
	Kind           ProcEditKind
	AgeMin, AgeMax uint8     // EditAge
	Sex            byte      // EditSex: 'F' or 'M'
	POS            [100]bool // EditPOSOnly, EditPOSNot: by POS number
	POSText        string    // the POS list as written, for messages
	Other          CodeKey   // EditInstead
	Combined       CodeKey   // EditInstead
	// Source says where the edit comes from (a CPT guideline, a CMS
	// manual), for the finding's message.
	Source string
}

// ProcEdits is the procedure rule pack: age, sex and place-of-service
// edits on procedure codes, combination codes and the drug codes that need
// an NDC, each row with its source. Unlike the CMS tables it is not a
// public file: rcmbot embeds a starter pack (starter/procedure_edits.csv,
// sources in starter/SOURCES.md) and a procedure_edits*.csv in the
// reference-data directory replaces it.
type ProcEdits struct {
	byCode map[CodeKey][]*ProcEdit
	rows   int
}

// For returns the edits on a code.
func (t *ProcEdits) For(k CodeKey) []*ProcEdit { return t.byCode[k] }

// Len returns the number of rule-pack rows.
func (t *ProcEdits) Len() int { return t.rows }

// maxRangeCodes bounds how many codes one rule-pack range may name.
const maxRangeCodes = 10_000

var procEditColumns = [][]string{{"codes", "code"}, {"edit"}, {"value"}, {"source"}}

func newProcEdits() *ProcEdits { return &ProcEdits{byCode: make(map[CodeKey][]*ProcEdit)} }

func (t *ProcEdits) load(tb *table) (int, error) {
	cc, ce, cv, cs := tb.col(procEditColumns[0]...), tb.col(procEditColumns[1]...), tb.col(procEditColumns[2]...), tb.col(procEditColumns[3]...)
	return tb.each(func() (bool, error) {
		codes, err := expandCodeRange(strings.ToUpper(tb.field(cc)))
		if err != nil {
			return false, tb.errorf("codes: %v", err)
		}
		kind, ok := procEditNames[strings.ToLower(tb.field(ce))]
		if !ok {
			return false, tb.errorf("edit %q is not age, sex, pos_only, pos_not, instead or ndc", tb.field(ce))
		}
		e := &ProcEdit{Kind: kind, Source: strings.Clone(tb.field(cs))}
		if e.Source == "" {
			return false, tb.errorf("the source is blank: say where the edit comes from")
		}
		if err := e.parseValue(strings.ToUpper(tb.field(cv))); err != nil {
			return false, tb.errorf("value %q: %v", tb.field(cv), err)
		}
		for _, k := range codes {
			t.byCode[k] = append(t.byCode[k], e)
		}
		t.rows++
		return true, nil
	})
}

func (e *ProcEdit) parseValue(v string) error {
	switch e.Kind {
	case EditAge:
		lo, hi, ok := strings.Cut(v, "-")
		if !ok {
			return fmt.Errorf("want an age range such as 18-39, 65- or -17")
		}
		a, b := 0, 255
		var err error
		if lo != "" {
			if a, err = strconv.Atoi(lo); err != nil {
				return fmt.Errorf("want whole years")
			}
		}
		if hi != "" {
			if b, err = strconv.Atoi(hi); err != nil {
				return fmt.Errorf("want whole years")
			}
		}
		if a < 0 || b > 255 || a > b {
			return fmt.Errorf("want 0 ≤ from ≤ to ≤ 255")
		}
		e.AgeMin, e.AgeMax = uint8(a), uint8(b)
	case EditSex:
		if v != "F" && v != "M" {
			return fmt.Errorf("want F or M")
		}
		e.Sex = v[0]
	case EditPOSOnly, EditPOSNot:
		fs := strings.Fields(v)
		if len(fs) == 0 {
			return fmt.Errorf("want place-of-service codes separated by spaces")
		}
		for _, p := range fs {
			if len(p) != 2 || !isDigits(p) {
				return fmt.Errorf("%q is not a 2-digit place-of-service code", p)
			}
			e.POS[int(p[0]-'0')*10+int(p[1]-'0')] = true
		}
		e.POSText = strings.Join(fs, ", ")
	case EditInstead:
		fs := strings.Fields(v)
		if len(fs) != 2 || KeyOf(fs[0]) == 0 || KeyOf(fs[1]) == 0 {
			return fmt.Errorf("want the other code and the combined code, such as 76942 20611")
		}
		e.Other, e.Combined = KeyOf(fs[0]), KeyOf(fs[1])
	case EditNDC:
		if v != "" {
			return fmt.Errorf("the ndc edit takes no value")
		}
	}
	return nil
}

// expandCodeRange reads "99381" or "99381-99387": codes of five characters
// whose last numeric run counts up with the same letters around it
// (J0120-J9999, 0001U-0099U).
func expandCodeRange(s string) ([]CodeKey, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	if KeyOf(lo) == 0 || KeyOf(hi) == 0 {
		return nil, fmt.Errorf("%q is not a 5-character code or a range of them", s)
	}
	// The digits that count: the longest digit run whose surroundings
	// are the same in both ends.
	start, end := -1, -1
	for i := 0; i < 5; i++ {
		if lo[i] >= '0' && lo[i] <= '9' && hi[i] >= '0' && hi[i] <= '9' {
			if start < 0 {
				start = i
			}
			end = i + 1
		} else if start >= 0 {
			break
		}
	}
	if start < 0 || lo[:start] != hi[:start] || lo[end:] != hi[end:] {
		return nil, fmt.Errorf("range %q: both ends must differ only in their digits", s)
	}
	a, _ := strconv.Atoi(lo[start:end])
	b, _ := strconv.Atoi(hi[start:end])
	if a > b || b-a >= maxRangeCodes {
		return nil, fmt.Errorf("range %q is reversed or names more than %d codes", s, maxRangeCodes)
	}
	out := make([]CodeKey, 0, b-a+1)
	w := end - start
	for n := a; n <= b; n++ {
		d := strconv.Itoa(n)
		out = append(out, KeyOf(lo[:start]+strings.Repeat("0", w-len(d))+d+lo[end:]))
	}
	return out, nil
}
