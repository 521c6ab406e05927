package workbook

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
)

var asOf = claim.MustDate("2026-03-15")

// upload writes a small claims workbook the way a practice exports it: an
// instructions sheet first, a title row, then the header on row 3.
func upload(t testing.TB) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", "Read me")
	_ = f.SetCellValue("Read me", "A1", "Charges exported for rcmbot")
	if _, err := f.NewSheet("Charges"); err != nil {
		t.Fatal(err)
	}
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4, Font: &excelize.Font{Italic: true}})
	rows := [][]any{
		{"January charges"},
		{},
		{"Claim #", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Mod 1", "Charges", "Dx Pointer", "Dx 1", "Dx 2", "Notes", "Units"},
		{"C1", "Testwood", "Ann", time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), "M1", "60054", "1234567890", time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), "99213", nil, 135.0, "1", "E11", "I10", "=HYPERLINK(\"http://x\")", 1},
		{nil, nil, nil, nil, nil, nil, nil, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), "36415", "Z9", 15.0, "1", nil, nil, "@SUM(1)", 1},
		{"C2", "Testfield", "Bo", time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC), nil, "87726", "1234567893", "2/30/2026", "99212", nil, 95.0, "1", "J06.9", nil, "+1", 1},
		{"C3", "Testmore", "Cy", time.Date(1990, 7, 8, 0, 0, 0, 0, time.UTC), "M3", "62308", "1234567893", time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), "99212", nil, 95.0, "1", "K21.9", nil, "-2", 1},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("Charges", "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	_ = f.SetCellStyle("Charges", "D4", "D7", dateStyle)
	_ = f.SetCellStyle("Charges", "H4", "H7", dateStyle)
	_ = f.SetCellStyle("Charges", "K4", "K7", money)
	_ = f.SetColWidth("Charges", "O", "O", 30)
	_ = f.MergeCell("Charges", "A1", "C1")
	path := filepath.Join(t.TempDir(), "jan.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// annotate reads path with intake, marks it and returns the opened output.
func annotate(t testing.TB, path string, marks []Mark, sum Summary) (*excelize.File, *intake.Result, string) {
	t.Helper()
	res, err := intake.ReadFile(path, intake.Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "annotated.xlsx")
	if err := WriteFile(out, Input{Path: path, Layout: res.Layout, Marks: marks, RowErrors: res.Errors, Summary: sum}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, res, out
}

func fill(t testing.TB, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fill.Color) == 0 {
		return ""
	}
	c := strings.ToUpper(st.Fill.Color[0])
	if len(c) == 8 { // ARGB
		c = c[2:]
	}
	return c
}

func comments(t testing.TB, f *excelize.File, sheet string) map[string]string {
	t.Helper()
	cs, err := f.GetComments(sheet)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, c := range cs {
		var b strings.Builder
		b.WriteString(c.Text)
		for _, p := range c.Paragraph {
			b.WriteString(p.Text)
		}
		m[c.Cell] = b.String()
	}
	return m
}

func TestAnnotateXLSX(t *testing.T) {
	path := upload(t)
	marks := []Mark{
		{ClaimID: "C1", Row: 4, Field: claim.FieldRenderingNPI, Severity: Error, Category: "npi", RuleID: "NPI-CHECK", Message: "no rendering column", Fix: "add it"},
		{ClaimID: "C1", Row: 4, Field: claim.FieldBillingNPI, Severity: Error, Category: "npi", RuleID: "NPI-CHECK-DIGIT", Message: "NPI 1234567890 fails the check digit", Fix: "Correct the NPI.", CARC: "16"},
		{ClaimID: "C1", Row: 4, Field: claim.FieldBillingNPI, Severity: Warning, Category: "npi", RuleID: "NPI-OTHER", Message: "second finding on the cell"},
		{ClaimID: "C1", Row: 4, Field: claim.FieldDx(1), Severity: Error, Category: "icd10", RuleID: "ICD10-HEADER", Message: "E11 is a category", Fix: "Use E11.9"},
		{ClaimID: "C1", Line: 2, Row: 5, Field: claim.FieldModifier(1), Severity: Warning, Category: "modifier", RuleID: "MOD-UNKNOWN", Message: "=cmd|' /C calc'!A0", Fix: "+Remove it"},
		{ClaimID: "C2", Row: 6, Field: claim.FieldMemberID, Severity: Error, Category: "required", RuleID: "REQ-MEMBER", Message: "member ID is blank", Fix: "Enter it"},
		{ClaimID: "C3", Row: 0, Severity: Warning, Category: "duplicate", RuleID: "DUP-HISTORY", Message: "billed before"},
	}
	sum := Summary{Claims: 3, Lines: 4, Clean: 1, Flagged: 2, Errors: 4, Warnings: 3, ChargesAtRisk: 24500,
		ChargesAtRiskByCategory: map[string]claim.Money{"npi": 15000, "required": 9500}}
	f, res, out := annotate(t, path, marks, sum)

	if got := f.GetSheetList(); strings.Join(got, ",") != "Read me,Charges,Findings,Summary" {
		t.Fatalf("sheets = %v", got)
	}
	if f.GetActiveSheetIndex() != 1 {
		t.Errorf("active sheet %d; want the claims sheet", f.GetActiveSheetIndex())
	}
	// Values, formats and widths are copied.
	if v, _ := f.GetCellValue("Read me", "A1"); v != "Charges exported for rcmbot" {
		t.Errorf("other sheet A1 = %q", v)
	}
	if v, _ := f.GetCellValue("Charges", "A3"); v != "Claim #" {
		t.Errorf("header = %q", v)
	}
	if v, _ := f.GetCellValue("Charges", "D4", excelize.Options{RawCellValue: true}); v != "25570" {
		t.Errorf("DOB serial = %q", v)
	}
	if v, _ := f.GetCellValue("Charges", "D4"); v != "01-02-70" {
		t.Errorf("DOB shown as %q; want the date format kept", v)
	}
	if id, _ := f.GetCellStyle("Charges", "K6"); id == 0 {
		t.Error("money style lost")
	} else if st, _ := f.GetStyle(id); st.NumFmt != 4 || st.Font == nil || !st.Font.Italic {
		t.Errorf("money style = %+v", st)
	}
	if w, _ := f.GetColWidth("Charges", "O"); w < 29 || w > 31 {
		t.Errorf("width of O = %v", w)
	}
	if mc, _ := f.GetMergeCells("Charges"); len(mc) != 1 || mc[0].GetStartAxis() != "A1" {
		t.Errorf("merged cells = %v", mc)
	}
	if p, _ := f.GetPanes("Charges"); !p.Freeze || p.YSplit != 3 {
		t.Errorf("panes = %+v", p)
	}

	// Fills: worst severity wins; unmarked cells have none.
	for ref, want := range map[string]string{"G4": errorFill, "M4": errorFill, "J5": warningFill, "E6": errorFill, "H6": errorFill, "A4": errorFill, "I4": "", "B6": ""} {
		if got := fill(t, f, "Charges", ref); got != want {
			t.Errorf("fill %s = %q; want %q", ref, got, want)
		}
	}
	cm := comments(t, f, "Charges")
	if c := cm["G4"]; !strings.Contains(c, "ERROR NPI-CHECK-DIGIT (npi): NPI 1234567890 fails the check digit") ||
		!strings.Contains(c, "Fix: Correct the NPI.") || !strings.Contains(c, "WARNING NPI-OTHER") || strings.Index(c, "ERROR") > strings.Index(c, "WARNING") {
		t.Errorf("comment G4 = %q", c)
	}
	if c := cm["A4"]; !strings.Contains(c, "NPI-CHECK") || !strings.Contains(c, "the file has no rendering_npi column") {
		t.Errorf("comment for a field without a column = %q", c)
	}
	if c := cm["H6"]; !strings.Contains(c, "INTAKE-VALUE") || !strings.Contains(c, "expected a date") {
		t.Errorf("row error comment = %q", c)
	}
	if c := cm["J5"]; !strings.Contains(c, "line 2") {
		t.Errorf("line comment = %q", c)
	}
	if len(cm) != 6 {
		t.Errorf("comments on %d cells: %v", len(cm), cm)
	}

	// Findings: every mark and row error, sorted by row, with its cell.
	rows, err := f.GetRows("Findings")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(marks)+len(res.Errors) {
		t.Fatalf("findings rows = %d", len(rows))
	}
	if strings.Join(rows[0], "|") != strings.Join(findingsHeader, "|") {
		t.Errorf("findings header %v", rows[0])
	}
	if r := rows[1]; r[0] != "C1" || r[3] != "NPI-CHECK" || r[8] != "A4" {
		t.Errorf("first finding %v", r)
	}
	last := rows[len(rows)-1]
	if last[0] != "C3" || last[3] != "DUP-HISTORY" || len(last) > 8 && last[8] != "" {
		t.Errorf("unplaced finding last: %v", last)
	}
	if tables, _ := f.GetTables("Findings"); len(tables) != 1 || tables[0].Range != "A1:J9" {
		t.Errorf("tables = %+v", tables)
	}
	if p, _ := f.GetPanes("Findings"); !p.Freeze || p.YSplit != 1 {
		t.Errorf("findings panes = %+v", p)
	}

	// Summary.
	sr, _ := f.GetRows("Summary")
	flat := ""
	for _, r := range sr {
		flat += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"Claims|3", "Clean-claim rate|33.33%", "Charges at risk|245.00", "npi|3|2|1|1|150.00",
		"required|1|1|0|1|95.00", "intake|1|1|0|1", "Values that could not be read (claims held)|1"} {
		if !strings.Contains(flat, want) {
			t.Errorf("summary lacks %q:\n%s", want, flat)
		}
	}
	assertNoFormulas(t, out)
}

// assertNoFormulas checks that no worksheet in the file has a formula.
func assertNoFormulas(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") {
			continue
		}
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.Contains(string(b), "<f>") || strings.Contains(string(b), "<f ") {
			t.Errorf("%s has a formula", zf.Name)
		}
	}
}

func TestTextIsNeverAFormula(t *testing.T) {
	path := upload(t)
	f, _, _ := annotate(t, path, []Mark{{ClaimID: "C1", Row: 4, Field: claim.FieldPatientLastName, Severity: Error, Category: "required",
		RuleID: "@RULE", Message: "=1+1", Fix: "-2+3"}}, Summary{})
	for sheet, refs := range map[string][]string{"Charges": {"O4", "O5", "O6", "O7"}, "Findings": {"D2", "F2", "G2"}} {
		for _, ref := range refs {
			if fm, _ := f.GetCellFormula(sheet, ref); fm != "" {
				t.Errorf("%s!%s has formula %q", sheet, ref, fm)
			}
			v, _ := f.GetCellValue(sheet, ref)
			if v == "" || !strings.ContainsAny(v[:1], "=+-@") {
				t.Errorf("%s!%s = %q; want the text kept", sheet, ref, v)
			}
		}
	}
}

func TestAnnotateCSV(t *testing.T) {
	body := "Claim #,Last Name,First Name,DOB,Member ID,Payer ID,Billing NPI,DOS,CPT,Charges,Dx 1,Zip\n" +
		"Q1,Test,Ann,1/2/1970,M1,60054,1234567893,1/5/2026,99213,135,E11,02134\n" +
		"Q2,Test,=cmd,1/2/1970,,60054,1234567893,1/5/2026,99213,135,E11.9,02134\n"
	path := filepath.Join(t.TempDir(), "up.csv")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _, out := annotate(t, path, []Mark{
		{ClaimID: "Q1", Row: 2, Field: claim.FieldDx(1), Severity: Error, Category: "icd10", RuleID: "ICD10-HEADER", Message: "E11 is a header"},
		{ClaimID: "Q1", Row: 2, Field: claim.FieldDateTo, Severity: Warning, Category: "dates", RuleID: "D", Message: "to-date"},
		{ClaimID: "Q2", Row: 3, Field: claim.FieldMemberID, Severity: Error, Category: "required", RuleID: "REQ", Message: "member ID blank"},
	}, Summary{Claims: 2})
	if got := f.GetSheetList(); strings.Join(got, ",") != "Claims,Findings,Summary" {
		t.Fatalf("sheets %v", got)
	}
	if v, _ := f.GetCellValue("Claims", "L2"); v != "02134" {
		t.Errorf("zip = %q; CSV values are copied as text", v)
	}
	if v, _ := f.GetCellValue("Claims", "C3"); v != "=cmd" {
		t.Errorf("C3 = %q", v)
	}
	if fill(t, f, "Claims", "K2") != errorFill || fill(t, f, "Claims", "E3") != errorFill || fill(t, f, "Claims", "K3") != "" {
		t.Error("CSV fills wrong")
	}
	if c := comments(t, f, "Claims")["H2"]; !strings.Contains(c, "to-date") || strings.Contains(c, "no service_date_to column") {
		t.Errorf("a to-date finding in a file without a to-date column goes on the DOS cell: %q", c)
	}
	if id, _ := f.GetCellStyle("Claims", "A1"); id == 0 {
		t.Error("CSV header not bold")
	}
	assertNoFormulas(t, out)
}

func TestMarkedRowMissingFromOriginal(t *testing.T) {
	// A finding can point at a row the sheet leaves empty (a blank row
	// between claims): the cell is still marked.
	path := upload(t)
	f, _, _ := annotate(t, path, []Mark{{ClaimID: "C3", Row: 9, Field: claim.FieldProcedureCode, Severity: Warning, Category: "x", RuleID: "X", Message: "m"}}, Summary{})
	if fill(t, f, "Charges", "I9") != warningFill {
		t.Error("row 9 not marked")
	}
	if _, ok := comments(t, f, "Charges")["I9"]; !ok {
		t.Error("row 9 has no comment")
	}
}

func TestErrors(t *testing.T) {
	if err := Write(io.Discard, Input{}); err == nil {
		t.Error("no layout accepted")
	}
	path := upload(t)
	res, err := intake.ReadFile(path, intake.Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	l := *res.Layout
	l.Sheet = "Gone"
	if err := Write(io.Discard, Input{Path: path, Layout: &l}); err == nil || !strings.Contains(err.Error(), `no sheet "Gone"`) {
		t.Errorf("missing sheet: %v", err)
	}
	if err := Write(io.Discard, Input{Path: filepath.Join(t.TempDir(), "nope.xlsx"), Layout: res.Layout}); err == nil {
		t.Error("missing file accepted")
	}
	if err := Write(io.Discard, Input{Path: path, Layout: res.Layout, MaxUnzippedBytes: 100}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("unzip limit: %v", err)
	}
}

func TestCommentCap(t *testing.T) {
	path := upload(t)
	res, err := intake.ReadFile(path, intake.Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	var marks []Mark
	for _, f := range []claim.Field{claim.FieldPatientLastName, claim.FieldPatientFirstName, claim.FieldMemberID} {
		marks = append(marks, Mark{ClaimID: "C1", Row: 4, Field: f, Severity: Warning, Category: "x", RuleID: "X", Message: "m"})
	}
	out := filepath.Join(t.TempDir(), "a.xlsx")
	if err := WriteFile(out, Input{Path: path, Layout: res.Layout, Marks: marks, MaxComments: 2}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cm := comments(t, f, "Charges")
	if len(cm) != 2 || cm["B4"] == "" || cm["C4"] == "" {
		t.Errorf("comments %v; want the first two cells", cm)
	}
	if fill(t, f, "Charges", "E4") != warningFill {
		t.Error("cell past the cap not filled")
	}
	rows, _ := f.GetRows("Summary")
	found := false
	for _, r := range rows {
		if len(r) == 2 && strings.HasPrefix(r[0], "Marked cells without a comment") && r[1] == "1" {
			found = true
		}
	}
	if !found {
		t.Errorf("summary does not count the uncommented cell: %v", rows)
	}
}

// TestAnnotateDemo annotates the committed demo workbook with its intake
// row errors: the held claim's unreadable date is marked on the sheet.
func TestAnnotateDemo(t *testing.T) {
	f, res, out := annotate(t, "../../fixtures/demo-claims.xlsx", nil, Summary{Claims: 250})
	if len(res.Errors) == 0 {
		t.Fatal("the demo has intake row errors")
	}
	cm := comments(t, f, res.Layout.Sheet)
	for _, e := range res.Errors {
		ref := e.Cell()
		if fill(t, f, res.Layout.Sheet, ref) != errorFill || !strings.Contains(cm[ref], "INTAKE-VALUE") {
			t.Errorf("row error at %s not marked: %q", ref, cm[ref])
		}
		if v, _ := f.GetCellValue(res.Layout.Sheet, ref); v != e.Value {
			t.Errorf("%s = %q; want the original %q", ref, v, e.Value)
		}
	}
	// The copy has every row of the original.
	src, err := excelize.OpenFile("../../fixtures/demo-claims.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want, _ := src.GetRows(res.Layout.Sheet, excelize.Options{RawCellValue: true})
	got, _ := f.GetRows(res.Layout.Sheet, excelize.Options{RawCellValue: true})
	if len(got) != len(want) {
		t.Fatalf("rows %d; want %d", len(got), len(want))
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("row %d differs:\n got %v\nwant %v", i+1, got[i], want[i])
		}
	}
	assertNoFormulas(t, out)
}

func TestLayoutColumnFor(t *testing.T) {
	layout := func(headers ...string) *intake.Layout {
		body := strings.Join(headers, ",") + "\n"
		r, err := intake.NewReader(strings.NewReader(body), int64(len(body)), "h.csv", intake.Options{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		return r.Layout()
	}
	list := layout("Claim #", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Charges", "Diagnosis Codes", "Modifiers")
	cols := layout("Claim #", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "Thru", "CPT", "Charges", "Dx 1", "Dx 2", "Mod 1", "Mod 2")
	cases := []struct {
		l    *intake.Layout
		f    claim.Field
		want string
	}{
		{list, claim.FieldDx(2), "K"}, {list, claim.FieldModifier(3), "L"}, {list, claim.FieldDateTo, "H"},
		{cols, claim.FieldDiagnosisCodes, "L"}, {cols, claim.FieldModifiers, "N"}, {cols, claim.FieldDateTo, "I"},
		{cols, claim.FieldDx(2), "M"}, {cols, claim.FieldBillingTIN, ""}, {cols, "", ""},
	}
	for _, c := range cases {
		got, ok := c.l.ColumnFor(c.f)
		if got.Letter != c.want || ok != (c.want != "") {
			t.Errorf("ColumnFor(%s) = %q %v; want %q", c.f, got.Letter, ok, c.want)
		}
	}
}
