package refdata

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/shareddata"
)

var (
	sharedOnce sync.Once
	sharedData *Data
	sharedErr  error
)

// shared loads the full public code sets once (via internal/shareddata,
// which fails instead of skipping under RCMBOT_REQUIRE_SHARED).
func shared(t testing.TB) *Data {
	t.Helper()
	dir := shareddata.Dir(t, "codesets")
	sharedOnce.Do(func() { sharedData, sharedErr = Load(dir) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedData
}

func TestAddOnCodes(t *testing.T) {
	dos := claim.MustDate("2026-01-05")
	for name, d := range map[string]*Data{"starter": mustStarter(t), "shared": shared(t)} {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				addOn       string
				typ         AOCType
				primary     string
				has, hasNot bool
			}{
				{"11103", AOCListedOnly, "11102", true, false}, // tangential biopsy, each additional
				{"11103", AOCListedOnly, "17000", false, true},
				{"99417", AOCListedOnly, "99215", true, false}, // prolonged service: only with 99205/99215
				{"99417", AOCListedOnly, "99214", false, true},
				{"90472", AOCListedOnly, "G0008", true, false},
				{"96160", AOCListedAndMAC, "99213", true, false},
				{"76937", AOCContractor, "36556", false, true}, // type 2: no listed primaries
			}
			for _, c := range cases {
				a, ok := d.AOC.Lookup(KeyOf(c.addOn))
				if !ok || a.Type != c.typ {
					t.Errorf("%s: %+v, %v; want type %d", c.addOn, a, ok, c.typ)
					continue
				}
				if got := a.HasPrimary(KeyOf(c.primary), dos); got != c.has || got == c.hasNot && c.hasNot {
					t.Errorf("%s with %s: HasPrimary %v", c.addOn, c.primary, got)
				}
				if p := d.Proc.Lookup(KeyOf(c.addOn)); p == nil || p.AddOn == nil || p.AddOn.Type != c.typ {
					t.Errorf("%s: the procedure index does not carry the add-on edit", c.addOn)
				}
			}
			if _, ok := d.AOC.Lookup(KeyOf("99213")); ok {
				t.Error("99213 is not an add-on code")
			}
		})
	}
	if n := shared(t).AOC.Len(); n != 668 {
		t.Errorf("shared AOC file: %d add-on codes; want 668", n)
	}
}

// TestStarterPacksMatchPublicFiles checks the embedded AOC rows against
// the public file.
func TestStarterPacksMatchPublicFiles(t *testing.T) {
	st, full := mustStarter(t), shared(t)
	for k, a := range st.AOC.addOns {
		f, ok := full.AOC.Lookup(k)
		if !ok || f.Type != a.Type || !slices.Equal(f.Primaries, a.Primaries) {
			t.Errorf("starter AOC %s %+v; CMS file says %+v", k, a, f)
		}
	}
}

func TestProcedureRulePack(t *testing.T) {
	d := mustStarter(t)
	ed := func(code string, kind ProcEditKind) *ProcEdit {
		p := d.Proc.Lookup(KeyOf(code))
		if p == nil {
			t.Fatalf("%s: not in the procedure index", code)
		}
		for _, e := range p.Edits {
			if e.Kind == kind {
				return e
			}
		}
		t.Fatalf("%s: no edit of kind %d", code, kind)
		return nil
	}
	if e := ed("99385", EditAge); e.AgeMin != 18 || e.AgeMax != 39 || !strings.Contains(e.Source, "CPT") {
		t.Errorf("99385 age %+v", e)
	}
	if e := ed("99397", EditAge); e.AgeMin != 65 || e.AgeMax != 255 {
		t.Errorf("99397 age %+v", e)
	}
	if e := ed("55700", EditSex); e.Sex != 'M' {
		t.Errorf("55700 sex %+v", e)
	}
	if e := ed("99213", EditPOSNot); !e.POS[21] || e.POS[11] || e.POSText != "21, 31, 32, 51, 61" {
		t.Errorf("99213 POS %+v", e)
	}
	if e := ed("20610", EditInstead); e.Other != KeyOf("76942") || e.Combined != KeyOf("20611") {
		t.Errorf("20610 instead %+v", e)
	}
	ed("J1100", EditNDC)
	ed("J9999", EditNDC)
	for _, bad := range []string{
		"codes,edit,value,source\n99381,age,18,x\n",
		"codes,edit,value,source\n99381-99300,age,1-4,x\n",
		"codes,edit,value,source\nJ0100-K0100,ndc,,x\n",
		"codes,edit,value,source\n99381,size,1,x\n",
		"codes,edit,value,source\n99381,sex,X,x\n",
		"codes,edit,value,source\n99381,pos_only,1,x\n",
		"codes,edit,value,source\n99381,age,1-4,\n",
		"codes,edit,value,source\n00001-99999,ndc,,x\n",
	} {
		pe := newProcEdits()
		tb, err := newTextTable("p.csv", []byte(bad), procEditColumns...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pe.load(tb); err == nil || !strings.Contains(err.Error(), "p.csv:2:") {
			t.Errorf("%q: err = %v; want it to name the line", bad, err)
		}
	}
}

func TestExpandRanges(t *testing.T) {
	codes, err := expandCodeRange("J0120-J0125")
	if err != nil || len(codes) != 6 || codes[0].String() != "J0120" || codes[5].String() != "J0125" {
		t.Errorf("J0120-J0125: %v %v", codes, err)
	}
	if c, err := expandCodeRange("0001U-0003U"); err != nil || len(c) != 3 || c[2].String() != "0003U" {
		t.Errorf("0001U-0003U: %v %v", c, err)
	}
	for in, want := range map[string][]string{
		"G50.0-G50.1": {"G500", "G501"},
		"F17.2-":      {"F172"},
		"O24.4":       {"O244"},
	} {
		if got, err := expandICDRange(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v %v; want %v", in, got, err, want)
		}
	}
	got, err := expandICDRange("E08-E13")
	if err != nil || !slices.Contains(got, "E08") || !slices.Contains(got, "E10") || !slices.Contains(got, "E13") || slices.Contains(got, "E14") || slices.Contains(got, "E07") {
		t.Errorf("E08-E13: %v %v", got, err)
	}
	got, err = expandICDRange("O00-O9A")
	if err != nil || !slices.Contains(got, "O80") || !slices.Contains(got, "O9A") || slices.Contains(got, "O9B") || slices.Contains(got, "P00") {
		t.Errorf("O00-O9A: %v %v", got, err)
	}
	for _, bad := range []string{"E11-E1", "E13-E08", "E1-E9x", "A00-Z99"} {
		if _, err := expandICDRange(bad); err == nil {
			t.Errorf("%s expanded", bad)
		}
	}
}

func TestExcludes1(t *testing.T) {
	ex := mustStarter(t).Excludes1
	for _, c := range []struct {
		a, b      string
		conflict  bool
		unrelated bool
	}{
		{"E119", "E109", true, false}, {"E109", "E1165", true, false}, {"R7303", "E119", true, false}, {"E119", "R7303", true, false},
		{"Z331", "O80", true, false}, {"J45909", "J449", true, false}, {"J45909", "J441", false, false},
		{"R519", "G43909", true, true}, {"E119", "I10", false, false}, {"F329", "F339", true, false}, {"E119", "E119", false, false},
	} {
		p, ok := ex.Conflict(c.a, c.b)
		if ok != c.conflict || (ok && p.Unrelated != c.unrelated) {
			t.Errorf("%s / %s: %+v %v", c.a, c.b, p, ok)
		}
	}
	var got []Excludes1Match
	ex.Check([]string{"I10", "E119", "Z23", "R7303", "E109"}, func(m Excludes1Match) { got = append(got, m) })
	if len(got) != 3 || got[0].I != 1 || got[0].J != 3 || got[1].I != 1 || got[1].J != 4 || got[2].I != 3 || got[2].J != 4 {
		t.Errorf("Check: %+v", got)
	}
}

func TestVintagesAndCurrency(t *testing.T) {
	for name, want := range map[string]string{
		"ncci_ptp_practitioner_2024q3.csv.gz": "2024 Q3", "HCPC2025_JAN_ANWEB_v3.txt": "2025 Q1", "hcpcs_level2_2024_jul.csv": "2024 Q3",
		"MCR_MUE_PractitionerServices_Eff_10-01-2024.csv": "2024 Q4", "ccipra-v302r0-f1.xlsx": "2024 Q3", "aoc_2025-04-01.csv": "2025 Q2",
	} {
		if v, ok := quarterFromName(name); !ok || v.Label != want {
			t.Errorf("%s: %+v %v; want %s", name, v, ok, want)
		}
	}
	if _, ok := quarterFromName("mue.csv"); ok {
		t.Error("a name without a quarter")
	}
	if v := quarterOf(claim.MustDate("2024-08-15")); v.From != claim.MustDate("2024-07-01") || v.Through != claim.MustDate("2024-09-30") {
		t.Errorf("quarter %+v", v)
	}
	d := shared(t)
	status := func(day string) map[string]CurrencyStatus {
		out := map[string]CurrencyStatus{}
		for _, c := range d.Currency(claim.MustDate(day)) {
			out[c.Table] = c.Status
			if c.Message == "" {
				t.Errorf("%s: no message", c.Table)
			}
		}
		return out
	}
	if s := status("2024-08-15"); s["hcpcs"] != CurrencyCurrent || s["ncci_ptp"] != CurrencyCurrent || s["mue"] != CurrencyCurrent ||
		s["aoc"] != CurrencyCurrent || s["icd10cm"] != CurrencyCurrent || s["mce"] != CurrencyCurrent {
		t.Errorf("2024-08-15: %v", s)
	}
	if s := status("2026-12-04"); s["hcpcs"] != CurrencyStale || s["ncci_ptp"] != CurrencyStale || s["icd10cm"] != CurrencyStale {
		t.Errorf("2026-12-04: %v", s)
	}
	if s := status("2023-05-01"); s["icd10cm"] != CurrencyEarly || s["hcpcs"] != CurrencyEarly {
		t.Errorf("2023-05-01: %v", s)
	}
	if s := status("2025-03-01"); s["icd10cm"] != CurrencyMissing {
		t.Errorf("2025-03-01 (FY2025 not loaded): %v", s)
	}
	for _, c := range mustStarter(t).Currency(claim.MustDate("2026-01-05")) {
		if c.Status != CurrencyMissing {
			t.Errorf("starter %s: %s", c.Table, c.Status)
		}
	}
	// A file whose name tells no quarter: unknown, not current.
	dir := t.TempDir()
	write(t, filepath.Join(dir, "mue.csv"), "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator\n36415,2,3 x\n")
	u, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range u.Currency(claim.MustDate("2026-01-05")) {
		if c.Table == "mue" && c.Status != CurrencyUnknown {
			t.Errorf("unnamed MUE file: %+v", c)
		}
	}
}

// TestLookupCaches compares the caches with the tables they front, on the
// full PTP table and ICD-10-CM set, with many more pairs and codes than
// the caches hold.
func TestLookupCaches(t *testing.T) {
	d := shared(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var codes []CodeKey
	for k := range d.MUE.codes {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	pc := NewPTPCache(d.PTP)
	dates := []claim.Date{claim.MustDate("2019-06-01"), claim.MustDate("2024-08-01"), claim.MustDate("2026-01-05")}
	hits := 0
	for i := 0; i < 200_000; i++ {
		a, b := codes[rng.IntN(len(codes))], codes[rng.IntN(len(codes))]
		if i%3 == 0 { // pairs that are edits
			a, b = KeyOf("29881"), KeyOf("29877")
		}
		dos := dates[rng.IntN(len(dates))]
		ab1, ok1, ba1, okb1 := d.PTP.FindPair(a, b, dos)
		ab2, ok2, ba2, okb2 := pc.FindPair(a, b, dos)
		if ab1 != ab2 || ok1 != ok2 || ba1 != ba2 || okb1 != okb2 {
			t.Fatalf("%s/%s on %s: table %v %v %v %v, cache %v %v %v %v", a, b, dos, ab1, ok1, ba1, okb1, ab2, ok2, ba2, okb2)
		}
		ia, ib := pc.Indicators(a, b, dos)
		if want := indOf(ab1, ok1); ia != want {
			t.Fatalf("%s/%s on %s: Indicators ab %d; want %d", a, b, dos, ia, want)
		}
		if want := indOf(ba1, okb1); ib != want {
			t.Fatalf("%s/%s on %s: Indicators ba %d; want %d", a, b, dos, ib, want)
		}
		if ok1 || okb1 {
			hits++
		}
	}
	if hits < 60_000 {
		t.Errorf("only %d lookups found an edit", hits)
	}
	ic := NewICDCache(d.ICD10)
	all := d.ICD10.sorted
	for i := 0; i < 100_000; i++ {
		code := all[rng.IntN(len(all))]
		if i%7 == 0 {
			code += "9" // not a code
		}
		for _, dos := range dates {
			fy := d.ICD10.YearFor(dos)
			if a, b := d.ICD10.Lookup(code, fy), ic.Lookup(code, fy); a != b {
				t.Fatalf("%s in FY%d: table %+v, cache %+v", code, fy.Year, a, b)
			}
		}
	}
}

func indOf(e PTPEdit, ok bool) int8 {
	if !ok {
		return -1
	}
	return int8(e.ModifierIndicator)
}

func mustStarter(t testing.TB) *Data {
	t.Helper()
	d, err := Starter()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
