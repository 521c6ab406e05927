package refdata

import (
	"fmt"
	"strings"
)

// Excludes1 holds ICD-10-CM Excludes1 pairs: two conditions the Tabular
// List says are never coded together ("not coded here"). The public
// distribution carries them only inside the tabular XML; rcmbot embeds a
// starter pack of common pairs typed from the FY2026 Tabular List
// (starter/excludes1.csv, documented in starter/SOURCES.md), and an
// excludes1*.csv in the reference-data directory replaces it.
//
// Pairs apply both ways round, to every code under the prefixes named.
type Excludes1 struct {
	byCat [26 * 36 * 36][]excl1 // by the first code's category
	// toBits has bit (c mod 64) set for each category c that some pair
	// under the first category leads to: most pairs are ruled out by it.
	toBits [26 * 36 * 36]uint64
	rows   int
}

// Excludes1Pair is one matched Excludes1 note.
type Excludes1Pair struct {
	Code, Excluded string // the prefixes as written, e.g. "E11", "E08-E09"
	// Unrelated reports a pair the pack marks warning: the conditions may
	// be coded together when they are unrelated (ICD-10-CM guideline
	// I.A.12.a); otherwise the pair is never valid.
	Unrelated bool
	Note      string
}

type excl1 struct {
	from, to string // prefixes without the dot
	toCat    int    // the category of to, compared before the prefixes
	pair     *Excludes1Pair
}

var excludes1Columns = [][]string{{"code"}, {"excluded", "excludes1"}, {"severity"}, {"note", "source"}}

func newExcludes1() *Excludes1 { return &Excludes1{} }

// Len returns the number of pairs loaded.
func (t *Excludes1) Len() int { return t.rows }

// catIndex returns the category slot of an ICD-10-CM code (no dot), or -1.
func catIndex(code string) int {
	if len(code) < 3 || code[0] < 'A' || code[0] > 'Z' {
		return -1
	}
	b, c := alnum36(code[1]), alnum36(code[2])
	if b < 0 || c < 0 {
		return -1
	}
	return int(code[0]-'A')*36*36 + b*36 + c
}

// Conflict returns the Excludes1 pair a and b (codes without the dot) fall
// under, if any.
func (t *Excludes1) Conflict(a, b string) (*Excludes1Pair, bool) {
	return t.conflict(a, catIndex(a), b, catIndex(b))
}

func (t *Excludes1) conflict(a string, i int, b string, j int) (*Excludes1Pair, bool) {
	if i < 0 || j < 0 || t.toBits[i]&(1<<(j&63)) == 0 {
		return nil, false
	}
	for _, e := range t.byCat[i] {
		if e.toCat == j && strings.HasPrefix(a, e.from) && strings.HasPrefix(b, e.to) {
			return e.pair, true
		}
	}
	return nil, false
}

// Excludes1Match is a pair of a claim's diagnoses that an Excludes1 note
// separates: positions I < J in the list checked.
type Excludes1Match struct {
	I, J int
	Pair *Excludes1Pair
}

// Check calls fn for every pair of codes in dx (at most 12) that an
// Excludes1 note separates, in order.
func (t *Excludes1) Check(dx []string, fn func(Excludes1Match)) {
	var cats [12]int
	any := false
	n := min(len(dx), len(cats))
	for i := 0; i < n; i++ {
		cats[i] = catIndex(dx[i])
		any = any || (cats[i] >= 0 && len(t.byCat[cats[i]]) > 0)
	}
	if !any {
		return
	}
	for i := 0; i < n; i++ {
		if cats[i] < 0 || len(t.byCat[cats[i]]) == 0 {
			continue
		}
		for j := i + 1; j < n; j++ {
			if dx[j] == dx[i] {
				continue
			}
			if p, ok := t.conflict(dx[i], cats[i], dx[j], cats[j]); ok {
				fn(Excludes1Match{I: i, J: j, Pair: p})
			}
		}
	}
}

func (t *Excludes1) load(tb *table) (int, error) {
	cc, cx, cs, cn := tb.col(excludes1Columns[0]...), tb.col(excludes1Columns[1]...), tb.col(excludes1Columns[2]...), tb.col(excludes1Columns[3]...)
	return tb.each(func() (bool, error) {
		p := &Excludes1Pair{Code: strings.ToUpper(tb.field(cc)), Excluded: strings.ToUpper(tb.field(cx)), Note: strings.Clone(tb.field(cn))}
		switch s := strings.ToLower(tb.field(cs)); s {
		case "error", "":
		case "warning":
			p.Unrelated = true
		default:
			return false, tb.errorf("severity %q is not error or warning", tb.field(cs))
		}
		as, err := expandICDRange(p.Code)
		if err != nil {
			return false, tb.errorf("code: %v", err)
		}
		bs, err := expandICDRange(p.Excluded)
		if err != nil {
			return false, tb.errorf("excluded: %v", err)
		}
		for _, a := range as {
			for _, b := range bs {
				t.add(a, b, p)
				t.add(b, a, p)
			}
		}
		t.rows++
		return true, nil
	})
}

func (t *Excludes1) add(from, to string, p *Excludes1Pair) {
	i, j := catIndex(from), catIndex(to)
	t.byCat[i] = append(t.byCat[i], excl1{from: from, to: to, toCat: j, pair: p})
	t.toBits[i] |= 1 << (j & 63)
}

// expandICDRange reads an ICD-10-CM prefix ("E11", "O24.4", "F17.2-") or a
// range of prefixes of one length that differ in the last character
// ("E08-E13", "O00-O9A", "G50.0-G50.1"), and returns the prefixes without
// dots.
func expandICDRange(s string) ([]string, error) {
	s = strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(s), ".", ""), "-")
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	for _, c := range []string{lo, hi} {
		if !validICDShape([]byte(c)) {
			return nil, fmt.Errorf("%q is not an ICD-10-CM code, prefix or range", s)
		}
	}
	if len(lo) != len(hi) || lo > hi {
		return nil, fmt.Errorf("range %q: both ends must have the same length, low end first", s)
	}
	// Count up the characters after the longest common prefix, in the
	// order ICD-10-CM sorts them (digits, then letters).
	p := 0
	for p < len(lo) && lo[p] == hi[p] {
		p++
	}
	if p == len(lo) {
		return []string{lo}, nil
	}
	if p < 1 || len(lo)-p > 2 {
		return nil, fmt.Errorf("range %q spans too much: keep the letter and all but the last two characters", s)
	}
	var out []string
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var walk func(prefix string)
	walk = func(prefix string) {
		if len(prefix) == len(lo) {
			if prefix >= lo && prefix <= hi {
				out = append(out, prefix)
			}
			return
		}
		for i := 0; i < len(alphabet); i++ {
			next := prefix + alphabet[i:i+1]
			if next > hi[:len(next)] {
				return
			}
			if next >= lo[:len(next)] {
				walk(next)
			}
		}
	}
	walk(lo[:p])
	return out, nil
}
