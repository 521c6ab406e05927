package refdata

import "github.com/rcmbot/rcmbot/internal/claim"

// Lookup caches
//
// The full NCCI PTP table (about 80 MB) and the ICD-10-CM code set are far
// larger than a processor's caches, so each lookup of a code pair or a
// diagnosis costs a trip to main memory, while a practice bills a few
// hundred codes over and over. PTPCache and ICDCache are small
// direct-mapped caches in front of them, one per goroutine (they are not
// safe for concurrent use; the tables behind them are). They give exactly
// the answers of the tables: TestLookupCaches compares them.

// ptpCacheSlots is the number of code pairs a PTPCache holds.
const ptpCacheSlots = 1 << 12

// ptpCacheRows is how many rows of a pair a cache slot keeps; pairs with
// more are read from the table.
const ptpCacheRows = 3

// PTPCache caches the rows of recently looked-up code pairs.
type PTPCache struct {
	t     *PTP
	slots []ptpCacheSlot
}

type ptpCacheSlot struct {
	key  uint64 // pair key; 0 empty
	n    uint16 // rows of the pair (0: no edit)
	from uint32 // first row in the table, when n > ptpCacheRows
	rows [ptpCacheRows]ptpRow
}

// NewPTPCache returns an empty cache in front of t.
func NewPTPCache(t *PTP) *PTPCache {
	return &PTPCache{t: t, slots: make([]ptpCacheSlot, ptpCacheSlots)}
}

// Table returns the table the cache is in front of.
func (c *PTPCache) Table() *PTP { return c.t }

// FindPair is PTP.FindPair through the cache.
func (c *PTPCache) FindPair(a, b CodeKey, dos claim.Date) (ab PTPEdit, okAB bool, ba PTPEdit, okBA bool) {
	if a == 0 || b == 0 || a == b {
		return
	}
	rows, aLow := c.rows(a, b)
	return pairEdits(rows, a, b, aLow, dos)
}

// Indicators returns the modifier indicators of the edits in force on dos
// with a in column 1 and b in column 2 (ab) and the other way round (ba);
// -1 where there is none. It is FindPair for callers that need only the
// indicators.
func (c *PTPCache) Indicators(a, b CodeKey, dos claim.Date) (ab, ba int8) {
	ab, ba = -1, -1
	if a == 0 || b == 0 || a == b {
		return
	}
	rows, aLow := c.rows(a, b)
	for _, r := range rows {
		if r.ind == 9 || (r.eff != 0 && dos < r.eff) || (r.del != 0 && dos > r.del) {
			continue
		}
		if r.col1Low == aLow {
			if ab < 0 {
				ab = int8(r.ind)
			}
		} else if ba < 0 {
			ba = int8(r.ind)
		}
	}
	return
}

// rows returns the table rows of the pair (a, b), through the cache, and
// whether a is the pair's lower code.
func (c *PTPCache) rows(a, b CodeKey) ([]ptpRow, bool) {
	key, aLow := pairKey(a, b)
	sl := &c.slots[(key*0x9E3779B97F4A7C15)>>(64-12)]
	if sl.key != key {
		sl.key, sl.n, sl.from = key, 0, 0
		if s := c.t.slot(key); s >= 0 {
			first, n := c.t.spans[s]>>10, c.t.spans[s]&(maxPairRows-1)
			sl.n, sl.from = uint16(n), first
			if n <= ptpCacheRows {
				copy(sl.rows[:], c.t.rows[first:first+n])
			}
		}
	}
	if sl.n > ptpCacheRows {
		return c.t.rows[sl.from : sl.from+uint32(sl.n)], aLow
	}
	return sl.rows[:sl.n], aLow
}

// icdCacheSlots is the number of diagnosis codes an ICDCache holds.
const icdCacheSlots = 1 << 11

// ICDCache caches recently looked-up diagnosis codes.
type ICDCache struct {
	t     *ICD10
	slots []icdCacheSlot
}

type icdCacheSlot struct {
	key   uint64 // packed code; 0 empty
	found bool
	e     icdEntry
}

// NewICDCache returns an empty cache in front of t.
func NewICDCache(t *ICD10) *ICDCache {
	return &ICDCache{t: t, slots: make([]icdCacheSlot, icdCacheSlots)}
}

// packICD packs a code of up to 7 letters and digits into 6 bits per
// character (plus a length marker), or returns 0.
func packICD(code string) uint64 {
	if len(code) == 0 || len(code) > 7 {
		return 0
	}
	k := uint64(1)
	for i := 0; i < len(code); i++ {
		v := alnumCode[code[i]]
		if v == 0 {
			return 0
		}
		k = k<<6 | uint64(v)
	}
	return k
}

// alnumCode numbers digits 1–10 and upper-case letters 11–36; 0 for anything else.
var alnumCode = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(c-'0') + 1
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = uint8(c-'A') + 11
	}
	return t
}()

// Lookup is ICD10.Lookup through the cache.
func (c *ICDCache) Lookup(code string, fy FiscalYear) ICDCode {
	k := packICD(code)
	if k == 0 {
		return c.t.Lookup(code, fy)
	}
	sl := &c.slots[(k*0x9E3779B97F4A7C15)>>(64-11)]
	if sl.key != k {
		e, ok := c.t.codes[code]
		sl.key, sl.found, sl.e = k, ok, e
	}
	if !sl.found {
		return ICDCode{}
	}
	return c.t.entryCode(sl.e, fy)
}
