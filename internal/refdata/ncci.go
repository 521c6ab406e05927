package refdata

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// PTP is the NCCI procedure-to-procedure edit table: pairs of codes that
// are not paid together for the same patient, provider and date of service
// (the column-two code is denied) unless the modifier indicator lets an
// NCCI-associated modifier bypass the edit.
//
// Rows are sorted by the unordered code pair and indexed by an
// open-addressing hash table on that pair, so checking two lines costs one
// probe sequence whichever way round the edit is written, and the full
// practitioner table (2.5M rows) fits in about 80 MB.
type PTP struct {
	slots []uint64 // pair key per slot, 0 = empty
	spans []uint32 // per slot: first row << 10 | row count
	shift uint8    // 64 - log2(len(slots))
	rows  []ptpRow
	build []ptpBuild // rows while loading, before finish
}

type ptpRow struct {
	eff, del claim.Date // zero: always / never deleted
	col1Low  bool       // column 1 is the lower CodeKey of the pair
	ind      uint8      // modifier indicator 0, 1 or 9
}

type ptpBuild struct {
	key uint64
	row ptpRow
}

// PTPEdit is one edit in force.
type PTPEdit struct {
	Column1, Column2 CodeKey
	// ModifierIndicator is 0 (no modifier bypasses the edit) or 1 (an
	// NCCI-associated modifier may). Rows with indicator 9 (edit not
	// applicable) are never returned.
	ModifierIndicator uint8
	Effective         claim.Date
	Deleted           claim.Date // zero when the edit has not been deleted
}

func pairKey(a, b CodeKey) (uint64, bool) {
	if a < b {
		return uint64(a)<<32 | uint64(b), true
	}
	return uint64(b)<<32 | uint64(a), false
}

// maxPairRows bounds the rows one code pair may have (periods and
// directions); the span encoding holds up to 1023.
const maxPairRows = 1 << 10

func (t *PTP) slot(key uint64) int {
	if len(t.slots) == 0 {
		return -1
	}
	mask := len(t.slots) - 1
	for i := int((key * 0x9E3779B97F4A7C15) >> t.shift); ; i = (i + 1) & mask {
		switch t.slots[i] {
		case key:
			return i
		case 0:
			return -1
		}
	}
}

// Find returns the edit in force on dos with col1 in column 1 and col2 in
// column 2. An edit is in force from its effective date (blank: always)
// through its deletion date (inclusive: CMS deletes edits as of the last
// day of a quarter).
func (t *PTP) Find(col1, col2 CodeKey, dos claim.Date) (PTPEdit, bool) {
	if col1 == 0 || col2 == 0 || col1 == col2 {
		return PTPEdit{}, false
	}
	key, low := pairKey(col1, col2)
	s := t.slot(key)
	if s < 0 {
		return PTPEdit{}, false
	}
	first, n := t.spans[s]>>10, t.spans[s]&(maxPairRows-1)
	for _, r := range t.rows[first : first+n] {
		if r.col1Low != low || r.ind == 9 {
			continue
		}
		if (r.eff != 0 && dos < r.eff) || (r.del != 0 && dos > r.del) {
			continue
		}
		return PTPEdit{Column1: col1, Column2: col2, ModifierIndicator: r.ind, Effective: r.eff, Deleted: r.del}, true
	}
	return PTPEdit{}, false
}

// FindPair looks a pair up both ways round with one probe: the edit in
// force on dos with a in column 1 and b in column 2 (ab), and the one with
// b in column 1 and a in column 2 (ba).
func (t *PTP) FindPair(a, b CodeKey, dos claim.Date) (ab PTPEdit, okAB bool, ba PTPEdit, okBA bool) {
	if a == 0 || b == 0 || a == b {
		return
	}
	key, aLow := pairKey(a, b)
	s := t.slot(key)
	if s < 0 {
		return
	}
	first, n := t.spans[s]>>10, t.spans[s]&(maxPairRows-1)
	return pairEdits(t.rows[first:first+n], a, b, aLow, dos)
}

// pairEdits picks from the rows of one code pair the edits in force on
// dos in each direction (aLow: a is the lower code of the pair).
func pairEdits(rows []ptpRow, a, b CodeKey, aLow bool, dos claim.Date) (ab PTPEdit, okAB bool, ba PTPEdit, okBA bool) {
	for _, r := range rows {
		if r.ind == 9 || (r.eff != 0 && dos < r.eff) || (r.del != 0 && dos > r.del) {
			continue
		}
		e := PTPEdit{ModifierIndicator: r.ind, Effective: r.eff, Deleted: r.del}
		if r.col1Low == aLow && !okAB {
			e.Column1, e.Column2 = a, b
			ab, okAB = e, true
		} else if r.col1Low != aLow && !okBA {
			e.Column1, e.Column2 = b, a
			ba, okBA = e, true
		}
	}
	return
}

// Len returns the number of rows loaded.
func (t *PTP) Len() int { return len(t.rows) }

func newPTP(sizeHint int) *PTP {
	return &PTP{build: make([]ptpBuild, 0, sizeHint)}
}

// finish sorts the loaded rows by pair and builds the hash index.
func (t *PTP) finish() error {
	b := t.build
	t.build = nil
	slices.SortFunc(b, func(x, y ptpBuild) int { return cmp.Compare(x.key, y.key) })
	distinct := 0
	for i := range b {
		if i == 0 || b[i].key != b[i-1].key {
			distinct++
		}
	}
	size, bits := 8, 3
	for size < distinct+distinct/2 {
		size, bits = size*2, bits+1
	}
	t.slots = make([]uint64, size)
	t.spans = make([]uint32, size)
	t.shift = uint8(64 - bits)
	t.rows = make([]ptpRow, len(b))
	mask := size - 1
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j].key == b[i].key {
			t.rows[j] = b[j].row
			j++
		}
		if j-i >= maxPairRows {
			return fmt.Errorf("code pair %s/%s has %d rows (at most %d)", CodeKey(b[i].key>>32), CodeKey(uint32(b[i].key)), j-i, maxPairRows-1)
		}
		s := int((b[i].key * 0x9E3779B97F4A7C15) >> t.shift)
		for t.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.slots[s] = b[i].key
		t.spans[s] = uint32(i)<<10 | uint32(j-i)
		i = j
	}
	if len(b) >= 1<<22 {
		return fmt.Errorf("%d PTP rows: more than the index holds (%d)", len(b), 1<<22)
	}
	return nil
}

// ptpColumns are the CMS column headers (and tolerated variants).
var ptpColumns = [][]string{
	{"Column 1", "Column1", "col1", "column one"},
	{"Column 2", "Column2", "col2", "column two"},
	{"Modifier Indicator", "modifier", "ccmi", "modifier_indicator"},
}

// load appends the rows of one PTP table.
func (t *PTP) load(tb *table) (int, error) {
	c1, c2, cInd := tb.col(ptpColumns[0]...), tb.col(ptpColumns[1]...), tb.col(ptpColumns[2]...)
	cEff := tb.col("Effective Date", "effective", "eff_date", "effective_date")
	cDel := tb.col("Deletion Date", "deletion", "del_date", "deletion_date")
	return tb.each(func() (bool, error) {
		if err := t.addRow(tb.field(c1), tb.field(c2), tb.field(cInd), tb.field(cEff), tb.field(cDel)); err != nil {
			return false, tb.errorf("%v", err)
		}
		return true, nil
	})
}

func (t *PTP) addRow(col1, col2, ind, eff, del string) error {
	k1, k2 := KeyOf(strings.ToUpper(col1)), KeyOf(strings.ToUpper(col2))
	if k1 == 0 {
		return fmt.Errorf("column 1 code %q is not a 5-character CPT/HCPCS code", col1)
	}
	if k2 == 0 {
		return fmt.Errorf("column 2 code %q is not a 5-character CPT/HCPCS code", col2)
	}
	if k1 == k2 {
		return fmt.Errorf("column 1 and column 2 are both %s", col1)
	}
	var mi uint8
	switch ind {
	case "0", "1", "9":
		mi = ind[0] - '0'
	default:
		return fmt.Errorf("modifier indicator %q is not 0, 1 or 9", ind)
	}
	e, err := parseYMD(eff)
	if err != nil {
		return fmt.Errorf("effective date: %v", err)
	}
	d, err := parseYMD(del)
	if err != nil {
		return fmt.Errorf("deletion date: %v", err)
	}
	key, low := pairKey(k1, k2)
	t.build = append(t.build, ptpBuild{key: key, row: ptpRow{eff: e, del: d, col1Low: low, ind: mi}})
	return nil
}

// MUE is the Medically Unlikely Edit table (practitioner services): the
// most units of a code payable per patient per date of service.
type MUE struct {
	codes map[CodeKey]MUEEdit
}

// MUEEdit is one code's MUE.
type MUEEdit struct {
	Limit int32
	// MAI is the MUE adjudication indicator: 1 per claim line, 2 per day
	// (absolute, policy), 3 per day (clinical benchmark).
	MAI uint8
}

// Lookup returns the MUE of a code.
func (t *MUE) Lookup(k CodeKey) (MUEEdit, bool) {
	e, ok := t.codes[k]
	return e, ok
}

// Len returns the number of codes with an MUE.
func (t *MUE) Len() int { return len(t.codes) }

var mueColumns = [][]string{
	{"HCPCS/CPT Code", "hcpcs", "code", "hcpcs_code", "cpt"},
	{"Practitioner Services MUE Values", "mue values", "mue value", "mue", "practitioner mue values"},
	{"MUE Adjudication Indicator", "mai", "adjudication indicator"},
}

func (t *MUE) load(tb *table) (int, error) {
	cc, cv, ci := tb.col(mueColumns[0]...), tb.col(mueColumns[1]...), tb.col(mueColumns[2]...)
	return tb.each(func() (bool, error) {
		code := tb.field(cc)
		k := KeyOf(strings.ToUpper(code))
		if k == 0 {
			return false, tb.errorf("code %q is not a 5-character CPT/HCPCS code", code)
		}
		v, err := strconv.Atoi(tb.field(cv))
		if err != nil || v < 0 {
			return false, tb.errorf("MUE value %q is not a whole number of units", tb.field(cv))
		}
		ind := tb.field(ci)
		if ind == "" || ind[0] < '1' || ind[0] > '3' {
			return false, tb.errorf("MUE adjudication indicator %q does not start with 1, 2 or 3", ind)
		}
		t.codes[k] = MUEEdit{Limit: int32(v), MAI: ind[0] - '0'}
		return true, nil
	})
}

// HCPCS is the HCPCS Level II code list with the dates each code was added
// and terminated.
type HCPCS struct {
	codes    map[CodeKey]HCPCSCode
	complete bool
	latest   claim.Date // the latest added or termination date, for the file's vintage
}

// HCPCSCode is one Level II code's validity.
type HCPCSCode struct {
	Added, Terminated claim.Date // zero when not given / not terminated
}

// Lookup returns a code's entry.
func (t *HCPCS) Lookup(k CodeKey) (HCPCSCode, bool) {
	c, ok := t.codes[k]
	return c, ok
}

// Complete reports whether the list came from a full HCPCS file: only then
// is a Level II code missing from it invalid.
func (t *HCPCS) Complete() bool { return t.complete }

// Len returns the number of codes.
func (t *HCPCS) Len() int { return len(t.codes) }

func (t *HCPCS) load(tb *table) (int, error) {
	cc := tb.col("hcpcs_code", "hcpc", "hcpcs", "code")
	cAdd := tb.col("date_added", "add_dt", "add date", "added", "adddt")
	cTerm := tb.col("date_term", "term_dt", "term date", "terminated", "termdt")
	return tb.each(func() (bool, error) {
		code := tb.field(cc)
		k := KeyOf(strings.ToUpper(code))
		if k == 0 || code[0] < 'A' || code[0] > 'Z' {
			return false, tb.errorf("code %q is not a HCPCS Level II code (letter and 4 digits)", code)
		}
		add, err := parseYMD(tb.field(cAdd))
		if err != nil {
			return false, tb.errorf("added date: %v", err)
		}
		term, err := parseYMD(tb.field(cTerm))
		if err != nil {
			return false, tb.errorf("termination date: %v", err)
		}
		t.codes[k] = HCPCSCode{Added: add, Terminated: term}
		t.latest = max(t.latest, add, term)
		return true, nil
	})
}

// vintage tells the quarter of the HCPCS files from their names, else from
// the latest date they hold (a quarterly file adds codes as of its quarter).
func (t *HCPCS) vintage(files []string) (Vintage, bool) {
	if v, ok := quarterOfFiles(files); ok {
		return v, true
	}
	if t.latest == 0 {
		return Vintage{}, false
	}
	return quarterOf(t.latest), true
}
