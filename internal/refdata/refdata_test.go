package refdata

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/shareddata"
	"github.com/xuri/excelize/v2"
)

// codesets returns the shared public code sets folder (../shared/codesets):
// skipped without it, failed under RCMBOT_REQUIRE_SHARED.
func codesets(t testing.TB) string {
	t.Helper()
	return shareddata.Dir(t, "codesets")
}

func key(t testing.TB, code string) CodeKey {
	t.Helper()
	k := KeyOf(code)
	if k == 0 {
		t.Fatalf("KeyOf(%q) = 0", code)
	}
	return k
}

func TestKeyOf(t *testing.T) {
	for _, c := range []string{"99213", "G0422", "0001U", "ZZZZZ", "00000", "1234F"} {
		if k := KeyOf(c); k == 0 || k.String() != c {
			t.Errorf("KeyOf(%q) = %d → %q", c, k, k.String())
		}
	}
	for _, c := range []string{"", "9921", "992133", "g0422", "99 13", "J-100"} {
		if k := KeyOf(c); k != 0 {
			t.Errorf("KeyOf(%q) = %d; want 0", c, k)
		}
	}
	if KeyOf("99213") == KeyOf("99214") {
		t.Error("collision")
	}
}

func TestStarter(t *testing.T) {
	d, err := Starter()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sources() {
		if !s.Starter || s.Rows == 0 || len(s.Files) != 0 {
			t.Errorf("source %+v: want a non-empty starter table", s)
		}
		if !strings.Contains(s.String(), "embedded starter set") {
			t.Errorf("String() = %q", s)
		}
	}
	if d.ICD10.Complete() || d.HCPCS.Complete() || d.Modifiers.Complete() || d.Taxonomy.Complete() {
		t.Error("starter tables must not claim to be complete")
	}
	fy := d.ICD10.YearFor(claim.MustDate("2026-03-02"))
	icd := []struct {
		code            string
		inSet, billable bool
	}{
		{"E11", true, false}, {"E119", true, true}, {"S72001A", true, true}, {"S72001", true, false},
		{"T450X1A", true, true}, {"M545", true, false}, {"M5450", true, true}, {"Q999", false, false},
	}
	for _, c := range icd {
		got := d.ICD10.Lookup(c.code, fy)
		if got.InSet != c.inSet || got.Billable != c.billable {
			t.Errorf("ICD %s: %+v; want in set %v billable %v", c.code, got, c.inSet, c.billable)
		}
	}
	if ch := d.ICD10.BillableChildren("S72001", fy, 5); strings.Join(ch, ",") != "S72001A,S72001D,S72001S" {
		t.Errorf("children of S72001: %v", ch)
	}
	if m := d.ICD10.Lookup("O80", fy).MCE; m.Age != AgeMaternity || m.AgeMin != 9 || m.AgeMax != 64 || m.Sex != 'F' {
		t.Errorf("O80 MCE: %+v", m)
	}
	if m := d.ICD10.Lookup("C61", fy).MCE; m.Sex != 'M' || m.Age != AgeNone {
		t.Errorf("C61 MCE: %+v", m)
	}
	if m := d.ICD10.Lookup("G63", fy).MCE; !m.Manifestation {
		t.Errorf("G63 MCE: %+v", m)
	}
	if !d.POS.Known("11") || d.POS.Name("02") == "" || d.POS.Known("28") || d.POS.Known("00") || d.POS.Known("1") {
		t.Error("POS lookups")
	}
	if !d.Modifiers.Known("59") || !d.Modifiers.NCCIAssociated("XS") || !d.Modifiers.NCCIAssociated("25") || d.Modifiers.NCCIAssociated("26") || d.Modifiers.Known("ZZ") {
		t.Error("modifier lookups")
	}
	if !d.Taxonomy.Known("207Q00000X") {
		t.Error("taxonomy 207Q00000X")
	}
	dos := claim.MustDate("2026-01-15")
	if e, ok := d.PTP.Find(key(t, "29881"), key(t, "29877"), dos); !ok || e.ModifierIndicator != 0 {
		t.Errorf("29881/29877: %+v %v", e, ok)
	}
	if _, ok := d.PTP.Find(key(t, "29877"), key(t, "29881"), dos); ok {
		t.Error("29877/29881 reversed must not match")
	}
	if e, ok := d.PTP.Find(key(t, "20610"), key(t, "76942"), dos); !ok || e.ModifierIndicator != 1 {
		t.Errorf("20610/76942: %+v %v", e, ok)
	}
	if _, ok := d.PTP.Find(key(t, "97140"), key(t, "97530"), dos); ok {
		t.Error("97140/97530 was deleted 2019-12-31")
	}
	if _, ok := d.PTP.Find(key(t, "97140"), key(t, "97530"), claim.MustDate("2019-12-31")); !ok {
		t.Error("97140/97530 is in force through its deletion date")
	}
	if m, ok := d.MUE.Lookup(key(t, "36415")); !ok || m.Limit != 2 || m.MAI != 3 {
		t.Errorf("MUE 36415: %+v", m)
	}
	if m, ok := d.MUE.Lookup(key(t, "A0425")); !ok || m.Limit != 250 || m.MAI != 1 {
		t.Errorf("MUE A0425: %+v", m)
	}
	if d.Payers == nil || d.Payers.Payer("01112") == nil {
		t.Error("starter payers")
	}
}

func TestFiscalYear(t *testing.T) {
	cases := map[string]int{"2025-09-30": 2025, "2025-10-01": 2026, "2026-09-30": 2026, "2024-01-01": 2024}
	for d, want := range cases {
		if got := FiscalYearOf(claim.MustDate(d)); got != want {
			t.Errorf("FiscalYearOf(%s) = %d; want %d", d, got, want)
		}
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// orderLine formats one order-file line.
func orderLine(n int, code string, billable bool, desc string) string {
	flag := "0"
	if billable {
		flag = "1"
	}
	short := desc
	if len(short) > 60 {
		short = short[:60]
	}
	return fmt.Sprintf("%05d %-7s %s %-60s %s\n", n, code, flag, short, desc)
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	// FY2022: M54.5 became a header, M54.50 was added.
	write(t, filepath.Join(dir, "icd10cm_order_2021.txt"),
		orderLine(1, "M545", true, "Low back pain")+orderLine(2, "E11", false, "Type 2 diabetes mellitus")+orderLine(3, "E119", true, "Type 2 diabetes mellitus without complications"))
	write(t, filepath.Join(dir, "icd10cm_order_2022.txt"),
		orderLine(1, "M545", false, "Low back pain")+orderLine(2, "M5450", true, "Low back pain, unspecified")+orderLine(3, "E119", true, "Type 2 diabetes mellitus without complications")+"\r\n")
	write(t, filepath.Join(dir, "codes", "hcpcs_2024.csv"), "\"hcpcs_code\",\"short_description\",\"date_term\",\"date_added\"\n\"G0402\",\"Initial preventive exam\",,\"2009-01-01\"\n\"G0117\",\"Glaucoma scrn hgh risk direc\",\"2023-12-31\",\"2002-01-01\"\n")
	write(t, filepath.Join(dir, "pos.csv"), "POS Code,POS Name\n11,Office\n2,Telehealth Provided Other than in Patient's Home\n28,Unassigned\n")
	write(t, filepath.Join(dir, "modifiers.csv"), "Modifier,Description\n25,Significant E/M\nxs,Separate structure\n")
	write(t, filepath.Join(dir, "taxonomy.csv"), "Code,Grouping,Classification\n207Q00000X,Allopathic & Osteopathic Physicians,Family Medicine\n")
	// Preamble lines before the header, columns in another order, an effective date.
	write(t, filepath.Join(dir, "ncci", "ncci_ptp_f1.txt"), "CPT only copyright 2024 American Medical Association.\n\nColumn 2\tColumn 1\tModifier Indicator\tEffective Date\tDeletion Date\n76942\t20610\t1\t20240101\t*\n29877\t29881\t0\t\t*\n")
	f := excelize.NewFile()
	rows := [][]any{{"CPT codes and descriptions only are copyright 2024 AMA"}, {"HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"}, {"36415", 2, "3 Date of Service Edit: Clinical", "CMS Policy"}, {"A0425", 250, "1 Line Edit", "Clinical: Data"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(filepath.Join(dir, "mue_2024q3.xlsx")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "payers.yaml"), "payers:\n  - id: P1\n    name: One\n    timely_filing_days: 120\n")

	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := map[string]bool{"icd10cm": true, "hcpcs": true, "pos": true, "modifiers": true, "taxonomy": true, "ncci_ptp": true, "mue": true, "payers": true, "mce": false,
		"aoc": false, "procedure_edits": false, "excludes1": false}
	for _, s := range d.Sources() {
		want, ok := fromFile[s.Table]
		if !ok {
			t.Errorf("unexpected table %s", s.Table)
			continue
		}
		if s.Starter == want {
			t.Errorf("%s: starter=%v; want files=%v (%+v)", s.Table, s.Starter, want, s)
		}
		if s.Table == "icd10cm" && s.Detail != "FY2021, FY2022" {
			t.Errorf("icd detail %q", s.Detail)
		}
	}
	i := d.ICD10
	fy21, fy22, fy26 := i.YearFor(claim.MustDate("2021-09-30")), i.YearFor(claim.MustDate("2021-10-01")), i.YearFor(claim.MustDate("2026-01-10"))
	if !i.Lookup("M545", fy21).Billable || i.Lookup("M545", fy22).Billable || !i.Lookup("M5450", fy22).Billable || i.Lookup("M5450", fy21).InSet {
		t.Error("M54.5 / M54.50 by fiscal year")
	}
	if fy26.Year != 2022 || fy26.Exact || !fy22.Exact {
		t.Errorf("year fallback: %+v %+v", fy26, fy22)
	}
	if old := i.YearFor(claim.MustDate("2015-10-01")); old.Year != 2021 || old.Exact {
		t.Errorf("before the first loaded year: %+v", old)
	}
	if !i.Complete() || i.Len() != 4 {
		t.Errorf("complete %v len %d", i.Complete(), i.Len())
	}
	if c, ok := d.HCPCS.Lookup(key(t, "G0117")); !ok || c.Terminated != claim.MustDate("2023-12-31") || c.Added != claim.MustDate("2002-01-01") {
		t.Errorf("HCPCS G0117: %+v", c)
	}
	if !d.POS.Known("02") || d.POS.Known("28") || d.POS.Len() != 2 {
		t.Error("POS file")
	}
	if !d.Modifiers.Known("XS") || d.Modifiers.Known("59") || !d.Modifiers.Complete() {
		t.Error("modifier file")
	}
	if e, ok := d.PTP.Find(key(t, "20610"), key(t, "76942"), claim.MustDate("2024-01-01")); !ok || e.ModifierIndicator != 1 {
		t.Error("PTP from text file")
	}
	if _, ok := d.PTP.Find(key(t, "20610"), key(t, "76942"), claim.MustDate("2023-12-31")); ok {
		t.Error("PTP edit before its effective date")
	}
	if m, ok := d.MUE.Lookup(key(t, "A0425")); !ok || m.MAI != 1 || m.Limit != 250 {
		t.Errorf("MUE xlsx: %+v", m)
	}
	if d.Payers.Payer("P1") == nil {
		t.Error("payers.yaml")
	}
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	cases := []struct{ file, body, want string }{
		{"icd10cm_order_2026.txt", orderLine(1, "E11", false, "x") + "00002 E119    7 Bad flag\n", "icd10cm_order_2026.txt:2: billable flag"},
		{"icd10cm_order.txt", orderLine(1, "E11", false, "x"), "fiscal year"},
		{"icd10cm_order_2026.txt", "00001 e11     0 lower case\n", "icd10cm_order_2026.txt:1: code"},
		{"ncci_ptp_1.csv", "Column 1,Column 2,Effective Date,Deletion Date,Modifier Indicator\n29881,29877,,*,0\n29881,2987,,*,0\n", "ncci_ptp_1.csv:3: column 2 code \"2987\""},
		{"ncci_ptp_1.csv", "Column 1,Column 2,Effective Date,Deletion Date,Modifier Indicator\n29881,29877,,20241341,0\n", "ncci_ptp_1.csv:2: deletion date"},
		{"ncci_ptp_1.csv", "Column 1,Column 2,Effective Date,Deletion Date,Modifier Indicator\n29881,29877,,*,5\n", "modifier indicator \"5\""},
		{"ncci_ptp_1.csv", "Col A,Col B\n1,2\n", "no header row"},
		{"mue.csv", "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator\n36415,two,3 Date\n", "mue.csv:2: MUE value \"two\""},
		{"mue.csv", "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator\n36415,2,Date of service\n", "mue.csv:2: MUE adjudication indicator"},
		{"pos.csv", "pos_code,pos_name\n11,Office\n111,Bad\n", "pos.csv:3: place of service"},
		{"taxonomy.csv", "Code\n207Q00000\n", "taxonomy.csv:2: taxonomy code"},
		{"hcpcs.csv", "hcpcs_code,date_added\n99213,2020-01-01\n", "hcpcs.csv:2: code \"99213\""},
		{"mce_v41.csv", "icd_code,icd_conflict_group,icd_conflict_rule\nO80,Age,\n", "mce_v41.csv:2: empty MCE rule"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		write(t, filepath.Join(dir, c.file), c.body)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: err = %v; want it to contain %q", c.file, c.body, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing directory must be an error")
	}
}

// TestStarterMatchesPublicCodesets checks every hand-typed starter row
// against the full public tables.
func TestStarterMatchesPublicCodesets(t *testing.T) {
	full, err := Load(codesets(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Starter()
	if err != nil {
		t.Fatal(err)
	}
	fy := full.ICD10.YearFor(claim.MustDate("2026-01-15"))
	for _, c := range st.ICD10.sorted {
		want := full.ICD10.Lookup(c, fy)
		got := st.ICD10.Lookup(c, st.ICD10.YearFor(claim.MustDate("2026-01-15")))
		if !want.InSet || want.Billable != got.Billable {
			t.Errorf("starter ICD %s: billable %v; FY2026 order file says in set %v billable %v", c, got.Billable, want.InSet, want.Billable)
		}
		if got.MCE != (MCE{}) && got.MCE != want.MCE {
			t.Errorf("starter MCE %s: %+v; MCE file says %+v", c, got.MCE, want.MCE)
		}
	}
	for i := 1; i < 100; i++ {
		code := string([]byte{byte('0' + i/10), byte('0' + i%10)})
		if st.POS.Known(code) != full.POS.Known(code) {
			t.Errorf("starter POS %s known %v; CMS list says %v", code, st.POS.Known(code), full.POS.Known(code))
		}
	}
	for k, e := range st.MUE.codes {
		if f, ok := full.MUE.Lookup(k); !ok || f != e {
			t.Errorf("starter MUE %s %+v; CMS table says %+v (%v)", k, e, f, ok)
		}
	}
	for code := range st.Taxonomy.codes {
		if !full.Taxonomy.Known(code) {
			t.Errorf("starter taxonomy %s is not in the NUCC list", code)
		}
	}
	for k, e := range st.HCPCS.codes {
		if f, ok := full.HCPCS.Lookup(k); !ok || f.Added != e.Added || f.Terminated != e.Terminated {
			t.Errorf("starter HCPCS %s %+v; CMS list says %+v (%v)", k, e, f, ok)
		}
	}
	// Every starter PTP row must exist in the full table with the same indicator and dates.
	for i, key := range st.PTP.slots {
		if key == 0 {
			continue
		}
		first, n := st.PTP.spans[i]>>10, st.PTP.spans[i]&(maxPairRows-1)
		for _, r := range st.PTP.rows[first : first+n] {
			found := false
			if s := full.PTP.slot(key); s >= 0 {
				ff, fn := full.PTP.spans[s]>>10, full.PTP.spans[s]&(maxPairRows-1)
				for _, f := range full.PTP.rows[ff : ff+fn] {
					found = found || f == r
				}
			}
			if !found {
				t.Errorf("starter PTP row %s/%s %+v is not in the CMS table", CodeKey(key>>32), CodeKey(uint32(key)), r)
			}
		}
	}
}

// TestLoadPublicCodesets loads the shared folder as a reference-data
// directory and checks the spot values its SOURCES.md lists.
func TestLoadPublicCodesets(t *testing.T) {
	d, err := Load(codesets(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sources() {
		// the shared folder has no modifier list and no rule packs
		if s.Table != "payers" && s.Table != "modifiers" && s.Table != "procedure_edits" && s.Table != "excludes1" && s.Starter {
			t.Errorf("%s came from the starter set", s.Table)
		}
		t.Log(s)
	}
	if got := strings.Join(func() []string {
		var s []string
		for _, y := range d.ICD10.Years() {
			s = append(s, strconv.Itoa(y))
		}
		return s
	}(), ","); got != "2024,2026" {
		t.Errorf("fiscal years %s", got)
	}
	fy := d.ICD10.YearFor(claim.MustDate("2026-02-01"))
	if d.ICD10.Lookup("E11", fy).Billable || !d.ICD10.Lookup("E119", fy).Billable || !d.ICD10.Lookup("S72001A", fy).Billable || d.ICD10.Lookup("M545", fy).Billable {
		t.Error("ICD spot checks")
	}
	if d.PTP.Len() != 2546017 || d.MUE.Len() < 14000 || !d.POS.Known("11") || !d.Taxonomy.Known("207Q00000X") {
		t.Errorf("sizes: ptp %d mue %d", d.PTP.Len(), d.MUE.Len())
	}
	if c, ok := d.HCPCS.Lookup(key(t, "J1100")); !ok || c.Terminated != 0 {
		t.Errorf("J1100: %+v %v", c, ok)
	}
}

// BenchmarkLoadNCCI loads the full practitioner PTP table (2.5M rows,
// gzip) and reports the heap it holds.
func BenchmarkLoadNCCI(b *testing.B) {
	src := filepath.Join(codesets(b), "ncci", "ncci_ptp_practitioner_2024q3.csv.gz")
	dir := b.TempDir()
	abs, _ := filepath.Abs(src)
	if err := os.Symlink(abs, filepath.Join(dir, filepath.Base(src))); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var heap float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		d, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.StartTimer()
		heap = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		if d.PTP.Len() != 2546017 {
			b.Fatalf("rows %d", d.PTP.Len())
		}
		runtime.KeepAlive(d)
	}
	b.ReportMetric(heap, "heap-MB")
}
