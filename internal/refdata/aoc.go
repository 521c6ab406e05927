package refdata

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// AOC is the NCCI add-on code edit table: which codes are add-on codes
// (services performed only in addition to a primary service) and which
// primary codes each one may be billed with, for the same patient,
// practitioner and date of service.
//
// CMS defines three edit types:
//
//	1  the primary codes listed are the only ones: the add-on is paid
//	   only if one of them is paid too
//	2  CMS lists no primary codes (the file writes CCCCC): each contractor
//	   keeps its own list
//	3  some primary codes are listed, but contractors may allow others
type AOC struct {
	addOns map[CodeKey]AddOn
	build  []aocRow // rows while loading, before finish
}

// AOCType is an add-on code's CMS edit type (1, 2 or 3).
type AOCType uint8

// The CMS add-on code edit types.
const (
	AOCListedOnly   AOCType = 1 // primaries listed; no others allowed
	AOCContractor   AOCType = 2 // no primaries listed (CCCCC)
	AOCListedAndMAC AOCType = 3 // primaries listed; contractors may allow others
)

// AddOn is one add-on code's edit.
type AddOn struct {
	Type AOCType
	// Primaries are the listed primary codes in code order (none for type 2).
	Primaries []AOCPrimary
	// Effective and Deleted bound the add-on code itself (zero: always / never).
	Effective, Deleted claim.Date
}

// AOCPrimary is one listed primary code of an add-on code, with the dates
// the pairing is in force (zero: always / never deleted).
type AOCPrimary struct {
	Code               CodeKey
	Effective, Deleted claim.Date
}

// InForce reports whether the pairing applies on dos.
func (p AOCPrimary) InForce(dos claim.Date) bool { return inForce(p.Effective, p.Deleted, dos) }

// InForce reports whether the add-on code's edit applies on dos.
func (a AddOn) InForce(dos claim.Date) bool { return inForce(a.Effective, a.Deleted, dos) }

// HasPrimary reports whether k is one of the listed primaries in force on dos.
func (a AddOn) HasPrimary(k CodeKey, dos claim.Date) bool {
	i, ok := slices.BinarySearchFunc(a.Primaries, k, func(p AOCPrimary, k CodeKey) int { return cmp.Compare(p.Code, k) })
	for ; ok && i < len(a.Primaries) && a.Primaries[i].Code == k; i++ {
		if a.Primaries[i].InForce(dos) {
			return true
		}
	}
	return false
}

func inForce(eff, del, dos claim.Date) bool {
	return (eff == 0 || dos >= eff) && (del == 0 || dos <= del)
}

type aocRow struct {
	addOn, primary CodeKey // primary 0 for CCCCC
	typ            AOCType
	eff, del       claim.Date // of the add-on code
	pEff, pDel     claim.Date // of the pairing
}

// aocPlaceholder is what the AOC file writes for "no specific primary code" (type 2).
const aocPlaceholder = "CCCCC"

// aocColumns are the column headers of the shared packaging and of CMS's own files.
var aocColumns = [][]string{
	{"add_on_code", "Add-on Code", "addon", "add on code"},
	{"primary_code", "Primary Code", "primary"},
	{"aoc_edit_type", "AOC Edit Type", "edit type", "type"},
}

func newAOC() *AOC { return &AOC{addOns: make(map[CodeKey]AddOn)} }

// Lookup returns the edit of an add-on code.
func (t *AOC) Lookup(k CodeKey) (AddOn, bool) {
	a, ok := t.addOns[k]
	return a, ok
}

// Len returns the number of add-on codes.
func (t *AOC) Len() int { return len(t.addOns) }

func (t *AOC) load(tb *table) (int, error) {
	cAdd, cPrim, cType := tb.col(aocColumns[0]...), tb.col(aocColumns[1]...), tb.col(aocColumns[2]...)
	cEff := tb.col("Add-On Code Effective Date", "add_on_effective_date", "effective date", "effective")
	cDel := tb.col("Add-On Code Deletion Date", "add_on_deletion_date", "deletion date", "deletion")
	cPEff := tb.col("Primary Code Effective Date", "primary_effective_date")
	cPDel := tb.col("Primary Code Deletion Date", "primary_deletion_date")
	return tb.each(func() (bool, error) {
		add := strings.ToUpper(tb.field(cAdd))
		k := KeyOf(add)
		if k == 0 {
			return false, tb.errorf("add-on code %q is not a 5-character CPT/HCPCS code", tb.field(cAdd))
		}
		row := aocRow{addOn: k}
		switch ty := tb.field(cType); ty {
		case "1", "2", "3":
			row.typ = AOCType(ty[0] - '0')
		default:
			return false, tb.errorf("AOC edit type %q is not 1, 2 or 3", ty)
		}
		prim := strings.ToUpper(tb.field(cPrim))
		if prim != aocPlaceholder {
			if row.primary = KeyOf(prim); row.primary == 0 {
				return false, tb.errorf("primary code %q is not a 5-character CPT/HCPCS code (or CCCCC)", tb.field(cPrim))
			}
		}
		var err error
		for _, d := range []struct {
			col int
			to  *claim.Date
		}{{cEff, &row.eff}, {cDel, &row.del}, {cPEff, &row.pEff}, {cPDel, &row.pDel}} {
			if *d.to, err = parseYMD(tb.field(d.col)); err != nil {
				return false, tb.errorf("%v", err)
			}
		}
		t.build = append(t.build, row)
		return true, nil
	})
}

// finish groups the loaded rows by add-on code.
func (t *AOC) finish() error {
	b := t.build
	t.build = nil
	slices.SortStableFunc(b, func(x, y aocRow) int {
		return cmp.Or(cmp.Compare(x.addOn, y.addOn), cmp.Compare(x.primary, y.primary))
	})
	for i := 0; i < len(b); {
		j := i
		a := AddOn{Type: b[i].typ, Effective: b[i].eff, Deleted: b[i].del}
		for ; j < len(b) && b[j].addOn == b[i].addOn; j++ {
			if b[j].typ != a.Type {
				return fmt.Errorf("add-on code %s has edit types %d and %d", b[i].addOn, a.Type, b[j].typ)
			}
			if b[j].primary != 0 {
				a.Primaries = append(a.Primaries, AOCPrimary{Code: b[j].primary, Effective: b[j].pEff, Deleted: b[j].pDel})
			}
		}
		t.addOns[b[i].addOn] = a
		i = j
	}
	return nil
}
