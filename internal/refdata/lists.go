package refdata

import (
	"strings"
)

// POS is the CMS Place of Service code set (two digits, 01–99).
type POS struct {
	names [100]string // "" for codes not in the set
	n     int
}

// Name returns the name of a POS code, or "" when the code is not in the set.
func (t *POS) Name(code string) string {
	if len(code) != 2 || !isDigits(code) {
		return ""
	}
	return t.names[int(code[0]-'0')*10+int(code[1]-'0')]
}

// Known reports whether code is in the set.
func (t *POS) Known(code string) bool { return t.Name(code) != "" }

// Len returns the number of codes.
func (t *POS) Len() int { return t.n }

func (t *POS) load(tb *table) (int, error) {
	cc := tb.col("pos_code", "code", "place of service code", "pos")
	cn := tb.col("pos_name", "name", "place of service name", "description")
	_, err := tb.each(func() (bool, error) {
		code := tb.field(cc)
		if len(code) == 1 && isDigits(code) {
			code = "0" + code // spreadsheets drop the leading zero
		}
		if len(code) != 2 || !isDigits(code) || code == "00" {
			return false, tb.errorf("place of service %q is not a code 01–99", tb.field(cc))
		}
		name := tb.field(cn)
		if name == "" {
			name = code
		}
		if strings.EqualFold(name, "unassigned") {
			return false, nil // CMS lists unassigned codes: they are not valid on a claim
		}
		i := int(code[0]-'0')*10 + int(code[1]-'0')
		if t.names[i] == "" {
			t.n++
		}
		t.names[i] = strings.Clone(name)
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	return t.n, nil
}

// modIndex maps a two-character modifier of digits and letters to 0–1295,
// or -1.
func modIndex(m string) int {
	if len(m) != 2 {
		return -1
	}
	a, b := alnum36(m[0]), alnum36(m[1])
	if a < 0 || b < 0 {
		return -1
	}
	return a*36 + b
}

func alnum36(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// ncciAssociated are the modifiers that may bypass an NCCI PTP edit with
// modifier indicator 1 (NCCI Policy Manual, chapter I, section E):
// anatomic, global surgery and the distinct-service modifiers.
var ncciAssociated = []string{
	"E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
	"TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9",
	"LT", "RT", "LC", "LD", "LM", "RC", "RI",
	"24", "25", "57", "58", "78", "79",
	"27", "59", "91", "XE", "XS", "XP", "XU",
}

// Modifiers is the set of known CPT and HCPCS modifiers.
type Modifiers struct {
	known    [36 * 36]bool
	ncci     [36 * 36]bool
	n        int
	complete bool
}

func newModifiers() *Modifiers {
	m := &Modifiers{}
	for _, c := range ncciAssociated {
		m.ncci[modIndex(c)] = true
	}
	return m
}

// Known reports whether m is in the set.
func (t *Modifiers) Known(m string) bool {
	i := modIndex(m)
	return i >= 0 && t.known[i]
}

// NCCIAssociated reports whether m may bypass an NCCI PTP edit whose
// modifier indicator is 1.
func (t *Modifiers) NCCIAssociated(m string) bool {
	i := modIndex(m)
	return i >= 0 && t.ncci[i]
}

// Complete reports whether the set came from a full modifier file: only
// then is a modifier missing from it invalid.
func (t *Modifiers) Complete() bool { return t.complete }

// Len returns the number of modifiers.
func (t *Modifiers) Len() int { return t.n }

func (t *Modifiers) load(tb *table) (int, error) {
	cc := tb.col("modifier", "code", "mod")
	_, err := tb.each(func() (bool, error) {
		code := strings.ToUpper(tb.field(cc))
		i := modIndex(code)
		if i < 0 {
			return false, tb.errorf("modifier %q is not two letters or digits", tb.field(cc))
		}
		if !t.known[i] {
			t.n++
		}
		t.known[i] = true
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	return t.n, nil
}

// Taxonomy is the NUCC Health Care Provider Taxonomy code set.
type Taxonomy struct {
	codes    map[string]struct{}
	complete bool
}

// Known reports whether code is in the set.
func (t *Taxonomy) Known(code string) bool {
	_, ok := t.codes[code]
	return ok
}

// Complete reports whether the set came from the NUCC file: only then is a
// code missing from it invalid.
func (t *Taxonomy) Complete() bool { return t.complete }

// Len returns the number of codes.
func (t *Taxonomy) Len() int { return len(t.codes) }

// ValidTaxonomyFormat reports whether code has the NUCC shape: ten
// characters, letters and digits, ending in X (e.g. 207Q00000X).
func ValidTaxonomyFormat(code string) bool {
	if len(code) != 10 || code[9] != 'X' {
		return false
	}
	for i := 0; i < 9; i++ {
		if alnum36(code[i]) < 0 {
			return false
		}
	}
	return true
}

func (t *Taxonomy) load(tb *table) (int, error) {
	cc := tb.col("code", "taxonomy code", "taxonomy", "provider taxonomy code")
	return tb.each(func() (bool, error) {
		code := strings.ToUpper(tb.field(cc))
		if !ValidTaxonomyFormat(code) {
			return false, tb.errorf("taxonomy code %q is not 10 characters ending in X", tb.field(cc))
		}
		t.codes[code] = struct{}{}
		return true, nil
	})
}
