package refdata

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Vintage is the period a loaded table is current for: CMS replaces the
// HCPCS, NCCI and MUE files every quarter and ICD-10-CM and the MCE every
// fiscal year.
type Vintage struct {
	Label   string     // "2024 Q3", "FY2026"; "" when unknown
	From    claim.Date // first day the table is current
	Through claim.Date // last day it is current
}

// Known reports whether the vintage could be told.
func (v Vintage) Known() bool { return v.Through != 0 }

// Covers reports whether day falls within the vintage.
func (v Vintage) Covers(day claim.Date) bool { return v.Known() && day >= v.From && day <= v.Through }

// quarterOf returns the calendar quarter holding d.
func quarterOf(d claim.Date) Vintage {
	y, m, _ := d.YMD()
	q := (int(m)-1)/3 + 1
	from := claim.NewDate(y, time.Month(3*(q-1)+1), 1)
	return Vintage{Label: fmt.Sprintf("%d Q%d", y, q), From: from, Through: claim.NewDate(y, time.Month(3*q+1), 1).AddDays(-1)}
}

// fiscalYear returns the vintage of ICD-10-CM (or MCE) fiscal year fy.
func fiscalYear(fy int) Vintage {
	return Vintage{Label: "FY" + strconv.Itoa(fy), From: claim.NewDate(fy-1, time.October, 1), Through: claim.NewDate(fy, time.September, 30)}
}

var (
	nameQuarter   = regexp.MustCompile(`(20\d\d)[ _.-]?q([1-4])`)
	nameYearMonth = regexp.MustCompile(`(20\d\d)[ _.-]?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)`)
	nameMonthYear = regexp.MustCompile(`(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[ _.-]?(20\d\d)`)
	nameMDY       = regexp.MustCompile(`(0[1-9]|1[0-2])[_.-](0[1-9]|[12]\d|3[01])[_.-](20\d\d)`)
	nameYMD       = regexp.MustCompile(`(20\d\d)[_.-](0[1-9]|1[0-2])[_.-](0[1-9]|[12]\d|3[01])`)
	nameNCCIVer   = regexp.MustCompile(`v(\d\d)(\d)r\d`)
	nameFY        = regexp.MustCompile(`fy[ _-]?(20\d\d)`)
)

var monthAbbr = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// quarterFromName tells the quarter of a CMS quarterly file from its name:
// "..._2024q3", "HCPC2024_JUL_...", "..._Eff_07-01-2024", "..._2024-07-01",
// or the NCCI version "v302r0" (version 30.2: 1994 + 30, third quarter).
func quarterFromName(path string) (Vintage, bool) {
	n := strings.ToLower(filepath.Base(path))
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	if m := nameQuarter.FindStringSubmatch(n); m != nil {
		return quarterOf(claim.NewDate(atoi(m[1]), time.Month(3*atoi(m[2])-2), 1)), true
	}
	if m := nameMDY.FindStringSubmatch(n); m != nil {
		return quarterOf(claim.NewDate(atoi(m[3]), time.Month(atoi(m[1])), 1)), true
	}
	if m := nameYMD.FindStringSubmatch(n); m != nil {
		return quarterOf(claim.NewDate(atoi(m[1]), time.Month(atoi(m[2])), 1)), true
	}
	if m := nameYearMonth.FindStringSubmatch(n); m != nil {
		return quarterOf(claim.NewDate(atoi(m[1]), monthAbbr[m[2]], 1)), true
	}
	if m := nameMonthYear.FindStringSubmatch(n); m != nil {
		return quarterOf(claim.NewDate(atoi(m[2]), monthAbbr[m[1]], 1)), true
	}
	if m := nameNCCIVer.FindStringSubmatch(n); m != nil && atoi(m[2]) <= 3 {
		return quarterOf(claim.NewDate(1994+atoi(m[1]), time.Month(3*atoi(m[2])+1), 1)), true
	}
	return Vintage{}, false
}

// quarterOfFiles returns the latest quarter the files' names tell, or
// false when no name tells one.
func quarterOfFiles(files []string) (Vintage, bool) {
	var best Vintage
	for _, f := range files {
		if v, ok := quarterFromName(f); ok && v.Through > best.Through {
			best = v
		}
	}
	return best, best.Known()
}

// fiscalYearFromFiles reads "fy2024" from the files' names (the MCE).
func fiscalYearFromFiles(files []string) (Vintage, bool) {
	best := 0
	for _, f := range files {
		if m := nameFY.FindStringSubmatch(strings.ToLower(filepath.Base(f))); m != nil {
			best = max(best, func() int { v, _ := strconv.Atoi(m[1]); return v }())
		}
	}
	if best == 0 {
		return Vintage{}, false
	}
	return fiscalYear(best), true
}

// CurrencyStatus says whether a code set covers a day.
type CurrencyStatus string

// The currency statuses.
const (
	CurrencyCurrent CurrencyStatus = "current" // the loaded file covers the day
	CurrencyStale   CurrencyStatus = "stale"   // the day is after the period the loaded file covers
	CurrencyEarly   CurrencyStatus = "not_yet" // the loaded file starts after the day
	CurrencyMissing CurrencyStatus = "missing" // no file: the embedded starter set stands in
	CurrencyUnknown CurrencyStatus = "unknown" // the file's period cannot be told from its name
)

// Currency is one dated code set's status on a day, for `rcmbot refdata`
// and the web app's reference-data page.
type Currency struct {
	Table   string         `json:"table"`   // icd10cm, mce, hcpcs, ncci_ptp, mue, aoc
	Status  CurrencyStatus `json:"status"`  // current, stale, not_yet, missing or unknown
	Vintage string         `json:"vintage"` // the loaded period: "FY2026", "2024 Q3" ("" when unknown or missing)
	// Through is the last day the loaded file is current for (zero when unknown).
	Through claim.Date `json:"through,omitempty"`
	Message string     `json:"message"` // one line for staff: what is loaded and what to do
}

// datedTables are the code sets Currency reports besides ICD-10-CM.
var datedTables = []struct{ table, what, cadence string }{
	{"mce", "Medicare Code Editor edits", "fiscal year"},
	{"hcpcs", "HCPCS Level II codes", "quarter"},
	{"ncci_ptp", "NCCI PTP edits", "quarter"},
	{"mue", "MUEs", "quarter"},
	{"aoc", "NCCI add-on code edits", "quarter"},
}

// Currency returns, for each dated code set (ICD-10-CM, MCE, HCPCS, NCCI
// PTP, MUE, add-on codes), whether the loaded data covers day, in a fixed
// order.
func (d *Data) Currency(day claim.Date) []Currency {
	out := []Currency{d.icdCurrency(day)}
	for _, t := range datedTables {
		src := d.source(t.table)
		v := src.Vintage
		c := Currency{Table: t.table, Vintage: v.Label, Through: v.Through}
		switch {
		case src.Starter:
			c.Status, c.Vintage, c.Through = CurrencyMissing, "", 0
			c.Message = fmt.Sprintf("No file of %s is loaded: the embedded starter set stands in. Add the current file to the reference-data directory.", t.what)
		case !v.Known():
			c.Status = CurrencyUnknown
			c.Message = fmt.Sprintf("The period of the %s file cannot be told from its name; name it with its quarter (e.g. _2024q3) so staleness can be checked.", t.what)
		case day > v.Through:
			c.Status = CurrencyStale
			c.Message = fmt.Sprintf("The %s loaded are those of %s (through %s); %s needs the file of its own %s.", t.what, v.Label, v.Through, day, t.cadence)
		case day < v.From:
			c.Status = CurrencyEarly
			c.Message = fmt.Sprintf("The %s loaded are those of %s, which starts after %s.", t.what, v.Label, day)
		default:
			c.Status = CurrencyCurrent
			c.Message = fmt.Sprintf("The %s loaded are those of %s (through %s).", t.what, v.Label, v.Through)
		}
		out = append(out, c)
	}
	return out
}

// Vintage returns the period the named table's files are current for (the
// zero Vintage for a starter table or one whose period is unknown).
func (d *Data) Vintage(table string) Vintage {
	src := d.source(table)
	if src.Starter {
		return Vintage{}
	}
	return src.Vintage
}

func (d *Data) source(table string) Source {
	for _, s := range d.sources {
		if s.Table == table {
			return s
		}
	}
	return Source{Table: table, Starter: true}
}

func fyList(ys []int) string {
	s := make([]string, len(ys))
	for i, y := range ys {
		s[i] = "FY" + strconv.Itoa(y)
	}
	return strings.Join(s, ", ")
}

func (d *Data) icdCurrency(day claim.Date) Currency {
	c := Currency{Table: "icd10cm"}
	fy := FiscalYearOf(day)
	ys := d.ICD10.Years()
	switch {
	case !d.ICD10.Complete():
		c.Status = CurrencyMissing
		c.Message = "No ICD-10-CM order file is loaded: the embedded starter set stands in. Add icd10cm_order_YYYY.txt for each fiscal year you bill."
		return c
	case d.ICD10.HasYear(fy):
		v := fiscalYear(fy)
		c.Status, c.Vintage, c.Through = CurrencyCurrent, v.Label, v.Through
		c.Message = fmt.Sprintf("FY%d is loaded (in force %s to %s).", fy, v.From, v.Through)
		return c
	}
	last := fiscalYear(ys[len(ys)-1])
	c.Vintage, c.Through = last.Label, last.Through
	switch {
	case fy > ys[len(ys)-1]:
		c.Status = CurrencyStale
		c.Message = fmt.Sprintf("FY%d (in force from %s) is not loaded; the latest loaded is FY%d. Add icd10cm_order_%d.txt.", fy, fiscalYear(fy).From, ys[len(ys)-1], fy)
	case fy < ys[0]:
		c.Status = CurrencyEarly
		c.Message = fmt.Sprintf("FY%d is not loaded; the loaded years start at FY%d. Add icd10cm_order_%d.txt to check older dates of service.", fy, ys[0], fy)
	default:
		c.Status = CurrencyMissing
		c.Message = fmt.Sprintf("FY%d is not loaded (loaded: %s). Add icd10cm_order_%d.txt.", fy, fyList(ys), fy)
	}
	return c
}
