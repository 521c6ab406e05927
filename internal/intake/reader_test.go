package intake

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
)

var header = []any{"Claim #", "Acct #", "Last Name", "First Name", "DOB", "Gender", "Member ID", "Payer ID",
	"Payer Name", "Billing Provider", "Billing NPI", "Tax ID", "Taxonomy", "Billing Address", "Billing City",
	"Billing State", "Billing Zip", "Rendering NPI", "POS", "DOS", "Thru", "CPT", "Mod 1", "Mod 2", "Units",
	"Charges", "Dx Pointer", "Dx 1", "Dx 2", "Dx 3", "Notes"}

// practiceRow is a fully filled claim-level prefix (columns A–S).
func practiceRow(id, acct, last, first string, dob any, sex string, member string, payer any) []any {
	return []any{id, acct, last, first, dob, sex, member, payer, "Aetna", "Testville Family Practice",
		1234567893, "12-3456789", "207q00000x", "100 Main St", "Testville", "ma", 2134, "1558598797", 11}
}

func TestReadXLSX(t *testing.T) {
	dob := time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{"Charge Detail Report"},
		{"Date range: 01/01/2026 - 01/31/2026"},
		{},
		header,
		append(practiceRow("C100", "A-1", "Testperson", "Alice", dob, "Female", "W123456789", 60054),
			46027, nil, "99214", "25", nil, 1, 150, "1,2", "E11.9", "i10", nil, "note kept"),
		append(make([]any, 19), "01/05/2026", "01/05/2026", "36415", nil, nil, "1", "$12.00", "A", nil, nil, nil),
		append(practiceRow("C101", "A-2", "Testsmith", "Bob", "7/4/45", "M", "1.23456789E+9", "1112"),
			"2026-01-06", nil, "100", "lt", nil, 2, "125.5", "1", "S72.001A", nil, nil),
		{"Total", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, 287.5},
	}
	path := writeXLSX(t, sheet{"Instructions", [][]any{{"Export your charges below."}}}, sheet{"Charges", rows})
	res := readAll(t, path, opts())

	l := res.Layout
	if l.Format != FormatXLSX || l.Sheet != "Charges" || l.HeaderRow != 4 || l.File != "claims.xlsx" {
		t.Fatalf("layout = %+v", l)
	}
	if c, ok := l.Column(claim.FieldProcedureCode); !ok || c.Letter != "V" || c.Header != "CPT" {
		t.Errorf("CPT column = %+v", c)
	}
	if c, _ := l.columnAt(30); c.Header != "Notes" || c.Field != "" {
		t.Errorf("unknown column = %+v", c)
	}
	if len(res.Claims) != 2 {
		t.Fatalf("claims = %d; want 2 (errors %v)", len(res.Claims), res.Errors)
	}
	// The footer row is reported, holding nothing; so are the text dates,
	// which no day above 12 tells apart (they were read month first).
	if len(res.Errors) != 2 || res.Errors[0].Row != 8 || res.Errors[0].ClaimID != "" || !strings.Contains(res.Errors[0].Message, "total") ||
		res.Errors[1].ClaimID != "" || res.Errors[1].Row != 6 || res.Errors[1].Column != "T" || !strings.Contains(res.Errors[1].Message, "month first") {
		t.Errorf("errors = %+v; want the footer on row 8 and the ambiguous dates", res.Errors)
	}

	a := res.Claims[0]
	want := claim.Claim{
		ID: "C100", Row: 5,
		Patient:  claim.Patient{ID: "A-1", LastName: "Testperson", FirstName: "Alice", DOB: claim.MustDate("1980-05-17"), Sex: "F"},
		MemberID: "W123456789", PayerID: "60054", PayerName: "Aetna",
		Billing: claim.Provider{Name: "Testville Family Practice", NPI: "1234567893", TIN: "123456789", Taxonomy: "207Q00000X",
			Address: claim.Address{Line1: "100 Main St", City: "Testville", State: "MA", Zip: "02134"}},
		RenderingNPI: "1558598797", PlaceOfService: "11", FrequencyCode: "1",
		Diagnoses: []string{"E119", "I10"},
	}
	if a.ID != want.ID || a.Row != want.Row || a.Patient != want.Patient || a.MemberID != want.MemberID ||
		a.PayerID != want.PayerID || a.Billing != want.Billing || a.RenderingNPI != want.RenderingNPI ||
		a.PlaceOfService != "11" || a.FrequencyCode != "1" || !slices.Equal(a.Diagnoses, want.Diagnoses) || a.HasTotal {
		t.Errorf("claim C100 =\n%+v\nwant\n%+v", a, want)
	}
	if len(a.Lines) != 2 {
		t.Fatalf("C100 lines = %+v", a.Lines)
	}
	l1, l2 := a.Lines[0], a.Lines[1]
	if l1.Number != 1 || l1.Row != 5 || l1.From != claim.MustDate("2026-01-05") || l1.To != l1.From || l1.Procedure != "99214" ||
		!slices.Equal(l1.Modifiers, []string{"25"}) || l1.Units != 1 || l1.Charge != 15000 || !slices.Equal(l1.DxPointers, []int{1, 2}) {
		t.Errorf("line 1 = %+v", l1)
	}
	if l2.Number != 2 || l2.Row != 6 || l2.Procedure != "36415" || l2.Charge != 1200 || !slices.Equal(l2.DxPointers, []int{1}) || l2.Units != 1 {
		t.Errorf("line 2 = %+v", l2)
	}

	b := res.Claims[1]
	if b.Patient.DOB != claim.MustDate("1945-07-04") || b.Patient.Sex != "M" || b.MemberID != "1234567890" || b.PayerID != "01112" {
		t.Errorf("claim C101 = %+v", b)
	}
	if ln := b.Lines[0]; ln.Procedure != "00100" || !slices.Equal(ln.Modifiers, []string{"LT"}) || ln.Units != 2 || ln.Charge != 12550 ||
		ln.From != claim.MustDate("2026-01-06") {
		t.Errorf("C101 line = %+v", ln)
	}
}

func TestReadCSVVariants(t *testing.T) {
	hdr := []string{"claim_id", "patient_last_name", "patient_first_name", "patient_dob", "member_id", "payer_id",
		"billing_npi", "service_date_from", "procedure_code", "modifiers", "units", "line_charge", "dx_pointers", "diagnosis_codes"}
	row1 := []string{"K1", "Testcase", "Zoë", "03/04/1970", "M1", "87726", "1234567893", "1/5/26", "99213", "25;59", "1", "75.00", "AB", "E11.9; I10"}
	cases := map[string][]byte{
		"comma.csv":     []byte(csvText(",", hdr, quoteSemicolons(row1))),
		"semicolon.csv": []byte(csvText(";", hdr, quoteSemicolons(row1))),
		"tab.csv":       []byte(csvText("\t", hdr, row1)),
		"pipe.csv":      []byte(csvText("|", hdr, row1)),
		"bom.csv":       append([]byte{0xEF, 0xBB, 0xBF}, csvText(",", hdr, quoteSemicolons(row1))...),
		"utf16.txt":     utf16LE(csvText("\t", hdr, row1)),
		"cp1252.csv":    bytes.ReplaceAll([]byte(csvText(",", hdr, quoteSemicolons(row1))), []byte("ë"), []byte{0xEB}),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			res := readAll(t, writeFile(t, name, body), opts())
			// 03/04/1970 and 1/5/26 could be read either way: reported, read month first.
			if len(res.Errors) != 1 || res.Errors[0].ClaimID != "" || len(res.Claims) != 1 {
				t.Fatalf("claims %d errors %+v", len(res.Claims), res.Errors)
			}
			c := res.Claims[0]
			if c.Patient.FirstName != "Zoë" || c.Patient.DOB != claim.MustDate("1970-03-04") || c.PayerID != "87726" ||
				!slices.Equal(c.Diagnoses, []string{"E119", "I10"}) {
				t.Errorf("claim = %+v", c)
			}
			ln := c.Lines[0]
			if ln.From != claim.MustDate("2026-01-05") || !slices.Equal(ln.Modifiers, []string{"25", "59"}) || ln.Charge != 7500 ||
				!slices.Equal(ln.DxPointers, []int{1, 2}) {
				t.Errorf("line = %+v", ln)
			}
			if res.Layout.Format != FormatCSV || res.Layout.Sheet != "" || res.Layout.HeaderRow != 1 {
				t.Errorf("layout = %+v", res.Layout)
			}
		})
	}
}

// quoteSemicolons quotes cells holding ; or , so they survive any delimiter.
func quoteSemicolons(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if strings.ContainsAny(c, ";,") {
			c = `"` + c + `"`
		}
		out[i] = c
	}
	return out
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

func TestCSVQuotedFields(t *testing.T) {
	body := "Claim ID,Last Name,First Name,DOB,Member ID,Payer ID,Billing NPI,DOS,CPT,Charges,Dx 1,Comment\n" +
		`Q1,"O""Test","Ann, Jr",1/2/1990,M9,60054,1234567893,1/5/2026,99212,"$1,050.00",J06.9,"line one` + "\n" + `line two"` + "\n" +
		"Q2,Test,Bo,1/2/1990,M9,60054,1234567893,1/6/2026,99212,50,J06.9,\n"
	res := readAll(t, writeFile(t, "q.csv", []byte(body)), opts())
	// Two notes without a claim: ambiguous dates, no units column.
	if len(res.Claims) != 2 || len(res.Errors) != 2 || len(HeldClaims(res.Errors)) != 0 {
		t.Fatalf("claims %d errors %v", len(res.Claims), res.Errors)
	}
	if c := res.Claims[0]; c.Patient.LastName != `O"Test` || c.Patient.FirstName != "Ann, Jr" || c.Lines[0].Charge != 105000 {
		t.Errorf("claim = %+v", c)
	}
	// Records, not lines, are rows: the second claim is on spreadsheet row 3.
	if res.Claims[1].Row != 3 {
		t.Errorf("row of Q2 = %d; want 3", res.Claims[1].Row)
	}
}

// baseHeader and baseRow make minimal valid CSV claims for error tests
// (units last; the date of birth's day above 12 tells the file is month first).
var baseHeader = []string{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Charges", "Dx Pointer", "Dx 1", "Dx 2", "Dx 3", "Units"}

// A row with a blank claim ID continues the claim above and, as exports
// do, leaves the claim-level cells blank.
func baseRow(id, dos, cpt, charge, ptr string, dx ...string) []string {
	r := []string{id, "Testlast", "Pat", "02/13/1975", "MEM" + id, "60054", "1234567893", dos, cpt, charge, ptr}
	if id == "" {
		r = []string{"", "", "", "", "", "", "", dos, cpt, charge, ptr}
	}
	for len(dx) < 3 {
		dx = append(dx, "")
	}
	return append(append(r, dx...), "1")
}

func TestRowErrorsHoldOnlyTheirClaim(t *testing.T) {
	body := csvText(",", baseHeader,
		baseRow("A1", "1/5/2026", "99213", "100", "1", "E11.9"),
		baseRow("B2", "2/30/2026", "99213", "100", "1", "E11.9"), // no 30 February
		baseRow("", "2/3/2026", "85025", "ten dollars", "1"),     // continues B2, bad charge
		baseRow("C3", "1/7/2026", "99212", "80", "1", "I10"),
	)
	res := readAll(t, writeFile(t, "e.csv", []byte(body)), opts())
	if len(res.Claims) != 3 {
		t.Fatalf("claims = %d", len(res.Claims))
	}
	if len(res.Errors) != 2 {
		t.Fatalf("errors = %+v", res.Errors)
	}
	e := res.Errors[0]
	if e.Sheet != "" || e.Row != 3 || e.Column != "H" || e.Header != "DOS" || e.Field != claim.FieldDateFrom ||
		e.Value != "2/30/2026" || e.ClaimID != "B2" || !strings.Contains(e.Message, "expected a date") {
		t.Errorf("date error = %+v", e)
	}
	if strings.Contains(e.Error(), "2/30/2026") || !strings.Contains(e.Error(), "row 3 column H (DOS) claim B2") {
		t.Errorf("Error() = %q: must name the cell and not carry the value", e.Error())
	}
	if e2 := res.Errors[1]; e2.Row != 4 || e2.Column != "J" || e2.Value != "ten dollars" || e2.ClaimID != "B2" {
		t.Errorf("charge error = %+v", e2)
	}
	held := HeldClaims(res.Errors)
	if !held["B2"] || held["A1"] || held["C3"] || len(held) != 1 {
		t.Errorf("held = %v", held)
	}
	// The held claim keeps what could be read.
	b := res.Claims[1]
	if len(b.Lines) != 2 || b.Lines[0].From != 0 || b.Lines[0].Procedure != "99213" || b.Lines[1].Procedure != "85025" || b.Lines[1].Charge != 0 {
		t.Errorf("held claim = %+v", b)
	}
}

func TestClaimLevelConflicts(t *testing.T) {
	r1 := baseRow("A1", "1/5/2026", "99213", "100", "1", "E11.9")
	r2 := baseRow("A1", "1/5/2026", "36415", "10", "1", "E11.9")
	r2[3] = "1975-02-13" // the same DOB written differently: agrees
	r3 := baseRow("A1", "1/5/2026", "85025", "20", "1", "E11.9")
	r3[4] = "OTHER"                                            // a different member ID: conflict
	r4 := baseRow("A1", "1/5/2026", "80053", "30", "1", "I10") // different diagnoses: conflict
	res := readAll(t, writeFile(t, "c.csv", []byte(csvText(",", baseHeader, r1, r2, r3, r4))), opts())
	if len(res.Claims) != 1 || len(res.Claims[0].Lines) != 4 {
		t.Fatalf("claims = %+v", res.Claims)
	}
	if len(res.Errors) != 2 {
		t.Fatalf("errors = %+v", res.Errors)
	}
	if e := res.Errors[0]; e.Row != 4 || e.Field != claim.FieldMemberID || !strings.Contains(e.Message, "row 2") {
		t.Errorf("member conflict = %+v", e)
	}
	if e := res.Errors[1]; e.Row != 5 || e.Field != claim.FieldDx(1) || e.Value != "I10" {
		t.Errorf("diagnosis conflict = %+v", e)
	}
	if res.Claims[0].MemberID != "MEMA1" {
		t.Errorf("member ID = %q; the first row's value stands", res.Claims[0].MemberID)
	}
}

// readChunks reads r to the end with Next(chunk), checking no chunk is
// larger than asked.
func readChunks(t *testing.T, r *Reader, chunk int) ([]claim.Claim, []RowError) {
	t.Helper()
	var claims []claim.Claim
	var errs []RowError
	for {
		c, e, err := r.Next(chunk)
		if errors.Is(err, io.EOF) {
			return claims, errs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(c) > chunk {
			t.Fatalf("chunk of %d returned %d claims", chunk, len(c))
		}
		claims = append(claims, c...)
		errs = append(errs, e...)
	}
}

// TestClaimRowsAnywhere reads a file sorted by something else than the
// claim: a claim's rows are gathered wherever they are.
func TestClaimRowsAnywhere(t *testing.T) {
	body := csvText(",", baseHeader,
		baseRow("A1", "1/5/2026", "99213", "100", "1", "E11.9"),
		baseRow("B2", "1/5/2026", "99213", "100", "1", "E11.9"),
		baseRow("A1", "1/5/2026", "36415", "10", "1", "E11.9"), // A1 again, after B2
		baseRow("", "1/5/2026", "85025", "10", "1"),            // and its continuation
		baseRow("C3", "1/5/2026", "99213", "100", "1", "E11.9"),
		baseRow("B2", "1/6/2026", "81002", "12", "1"), // B2 once more, at the end
	)
	for _, chunk := range []int{1, 2, 100} {
		r, err := NewReader(strings.NewReader(body), int64(len(body)), "n.csv", opts())
		if err != nil {
			t.Fatal(err)
		}
		got, errs := readChunks(t, r, chunk)
		r.Close()
		if len(got) != 3 || got[0].ID != "A1" || got[1].ID != "B2" || got[2].ID != "C3" || len(errs) != 0 {
			t.Fatalf("chunk %d: claims %v errors %+v", chunk, got, errs)
		}
		rows := func(c claim.Claim) []int {
			var out []int
			for _, l := range c.Lines {
				out = append(out, l.Row)
			}
			return out
		}
		if !slices.Equal(rows(got[0]), []int{2, 4, 5}) || !slices.Equal(rows(got[1]), []int{3, 7}) || got[0].Row != 2 || got[1].Row != 3 ||
			got[0].Lines[2].Number != 3 || got[1].Lines[1].Procedure != "81002" {
			t.Errorf("chunk %d: A1 rows %v, B2 rows %v", chunk, rows(got[0]), rows(got[1]))
		}
		if s := r.Stats(); s.Claims != 3 || s.Lines != 6 || s.Rows != 6 || s.RowErrors != 0 {
			t.Errorf("stats = %+v", s)
		}
	}
}

func TestBlankClaimIDAtTop(t *testing.T) {
	body := csvText(",", baseHeader, baseRow("", "1/5/2026", "99213", "100", "1", "E11.9"), baseRow("A1", "1/5/2026", "99213", "100", "1", "E11.9"))
	res := readAll(t, writeFile(t, "b.csv", []byte(body)), opts())
	if len(res.Claims) != 1 || len(res.Errors) != 1 || res.Errors[0].Row != 2 || res.Errors[0].ClaimID != "" {
		t.Errorf("claims %d errors %+v", len(res.Claims), res.Errors)
	}
}

func TestDiagnosisHolesAndPointers(t *testing.T) {
	body := csvText(",", baseHeader,
		baseRow("A1", "1/5/2026", "99213", "100", "1:3", "E11.9", "", "I10"), // dx2 blank: dx3 becomes position 2
		baseRow("", "1/5/2026", "36415", "10", "3"),
		baseRow("", "1/5/2026", "85025", "10", "2"),   // points at the blank dx2
		baseRow("", "1/5/2026", "80053", "10", "1:4"), // 4 is past dx3, the last filled: left for the scorer
	)
	res := readAll(t, writeFile(t, "d.csv", []byte(body)), opts())
	c := res.Claims[0]
	if !slices.Equal(c.Diagnoses, []string{"E119", "I10"}) {
		t.Fatalf("diagnoses = %v", c.Diagnoses)
	}
	got := [][]int{c.Lines[0].DxPointers, c.Lines[1].DxPointers, c.Lines[2].DxPointers, c.Lines[3].DxPointers}
	want := [][]int{{1, 2}, {2}, {}, {1, 4}}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("line %d pointers = %v; want %v", i+1, got[i], want[i])
		}
	}
	if len(res.Errors) != 1 || res.Errors[0].Row != 4 || res.Errors[0].Column != "K" || res.Errors[0].Value != "2" || res.Errors[0].ClaimID != "A1" {
		t.Errorf("errors = %+v", res.Errors)
	}
}

func TestPointerBeyondDiagnosesPassesThrough(t *testing.T) {
	body := csvText(",", baseHeader, baseRow("A1", "1/5/2026", "99213", "100", "1:5", "E11.9", "I10"))
	res := readAll(t, writeFile(t, "p.csv", []byte(body)), opts())
	if len(res.Errors) != 0 || !slices.Equal(res.Claims[0].Lines[0].DxPointers, []int{1, 5}) {
		t.Errorf("pointers %v errors %v: a pointer past the last diagnosis is the scorer's to flag", res.Claims[0].Lines[0].DxPointers, res.Errors)
	}
}

func TestClaimHeaderRowExport(t *testing.T) {
	// Some systems write a claim row (claim-level data only) above its lines.
	hdr := []string{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "Total Charge", "DOS", "CPT", "Units", "Charges", "Dx Codes"}
	body := csvText(",", hdr,
		[]string{"H1", "Testa", "Al", "1/1/1960", "X1", "01112", "1234567893", "130.00", "", "", "", "", "I10"},
		[]string{"", "", "", "", "", "", "", "", "1/5/2026", "99213", "1", "100", ""},
		[]string{"", "", "", "", "", "", "", "", "1/5/2026", "93000", "1", "30", ""},
	)
	res := readAll(t, writeFile(t, "h.csv", []byte(body)), opts())
	if len(res.Errors) != 1 || res.Errors[0].ClaimID != "" || len(res.Claims) != 1 { // 1/5/2026 either way
		t.Fatalf("claims %d errors %+v", len(res.Claims), res.Errors)
	}
	c := res.Claims[0]
	if len(c.Lines) != 2 || !c.HasTotal || c.TotalCharge != 13000 || c.LineTotal() != 13000 || c.PayerID != "01112" ||
		c.Lines[0].Number != 1 || c.Lines[1].Number != 2 || c.Lines[0].Row != 3 || c.Row != 2 {
		t.Errorf("claim = %+v", c)
	}
}

func TestUnitsDefault(t *testing.T) {
	// No units column: each line is one unit, and a row error without a
	// claim (on the header row) says so. A blank units cell in a file that
	// has the column stays 0 for the scorer to flag.
	hdr := baseHeader[:len(baseHeader)-1]
	row := baseRow("A1", "1/5/2026", "97110", "100", "1", "E11.9")
	res := readAll(t, writeFile(t, "u.csv", []byte(csvText(",", hdr, row[:len(row)-1]))), opts())
	if u := res.Claims[0].Lines[0].Units; u != 1 {
		t.Errorf("units without a column = %v", u)
	}
	if len(res.Errors) != 1 || res.Errors[0].Row != 1 || res.Errors[0].ClaimID != "" || res.Errors[0].Column != "" ||
		!strings.Contains(res.Errors[0].Message, "no units column") {
		t.Errorf("missing units column not reported: %+v", res.Errors)
	}
	row[len(row)-1] = ""
	res = readAll(t, writeFile(t, "u2.csv", []byte(csvText(",", baseHeader, row))), opts())
	if u := res.Claims[0].Lines[0].Units; u != 0 || len(res.Errors) != 0 {
		t.Errorf("blank units cell = %v, errors %v", u, res.Errors)
	}
}

func TestXLSXCellTypes(t *testing.T) {
	// Values Excel stores as numbers, text that looks like numbers, and a
	// date cell with a date style.
	hdr := []any{"Claim ID", "Last Name", "First Name", "Date of Birth", "Subscriber ID", "Payor ID", "Group NPI", "Date of Service",
		"HCPCS", "Billed Amount", "ICD-10 1", "Place of Service", "Billing Zip", "EIN", "NDC", "Qty", "Diagnosis Pointer", "Sex"}
	row := []any{1001, "Testova", "Ivy", time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC), 987654321012, 1112, 1558598797,
		time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC), "j1100", 12.3, "E78.5", 2, 2134, 12345678, 1234567890, 10, 1, "u"}
	res := readAll(t, writeXLSX(t, sheet{"Sheet1", [][]any{hdr, row}}), opts())
	if len(res.Errors) != 0 {
		t.Fatalf("errors %+v", res.Errors)
	}
	c := res.Claims[0]
	if c.ID != "1001" || c.Patient.DOB != claim.MustDate("1990-02-01") || c.MemberID != "987654321012" || c.PayerID != "01112" ||
		c.Billing.NPI != "1558598797" || c.PlaceOfService != "02" || c.Billing.Address.Zip != "02134" || c.Billing.TIN != "012345678" ||
		c.Patient.Sex != "U" {
		t.Errorf("claim = %+v", c)
	}
	ln := c.Lines[0]
	if ln.From != claim.MustDate("2026-01-09") || ln.Procedure != "J1100" || ln.Charge != 1230 || ln.NDC != "01234567890" || ln.Units != 10 {
		t.Errorf("line = %+v", ln)
	}
}

func TestDate1904Workbook(t *testing.T) {
	hdr := []any{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Charges", "Dx 1"}
	f := excelize.NewFile()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	_ = f.SetSheetRow("Sheet1", "A1", &hdr)
	row := []any{"Z1", "T", "P", 27759, "M", "60054", "1234567893", 44561, "99213", 100, "I10"} // 1980-01-01, 2026-01-01 in 1904 serials
	_ = f.SetSheetRow("Sheet1", "A2", &row)
	path := t.TempDir() + "/mac.xlsx"
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	res := readAll(t, path, opts())
	c := res.Claims[0]
	if !res.Layout.Date1904 || c.Patient.DOB != claim.MustDate("1980-01-01") || c.Lines[0].From != claim.MustDate("2026-01-01") {
		t.Errorf("1904 dates: layout %v dob %v dos %v", res.Layout.Date1904, c.Patient.DOB, c.Lines[0].From)
	}
}

func TestChunksAndSkip(t *testing.T) {
	var rows [][]string
	for i := range 23 {
		id := string(rune('A'+i%26)) + "x" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		rows = append(rows, baseRow(id, "1/5/2026", "99213", "100", "1", "E11.9"))
		if i%3 == 0 {
			rows = append(rows, baseRow("", "1/5/2026", "36415", "bad", "1"))
		}
	}
	body := csvText(",", append([][]string{baseHeader}, rows...)...)
	all := readAll(t, writeFile(t, "k.csv", []byte(body)), opts())
	if len(all.Claims) != 23 || len(all.Errors) != 8 {
		t.Fatalf("claims %d errors %d", len(all.Claims), len(all.Errors))
	}
	for _, chunk := range []int{1, 4, 7, 23, 100} {
		r, err := NewReader(strings.NewReader(body), int64(len(body)), "k.csv", opts())
		if err != nil {
			t.Fatal(err)
		}
		claims, errs := readChunks(t, r, chunk)
		var ids []string
		for _, x := range claims {
			ids = append(ids, x.ID)
		}
		if len(ids) != 23 || len(errs) != 8 || ids[0] != all.Claims[0].ID || ids[22] != all.Claims[22].ID {
			t.Errorf("chunk %d: %d claims %d errors", chunk, len(ids), len(errs))
		}
		r.Close()
	}
	// Resume: skip the first 10 claims; the rest, with their errors, follow.
	r, _ := NewReader(strings.NewReader(body), int64(len(body)), "k.csv", opts())
	defer r.Close()
	if err := r.Skip(10); err != nil {
		t.Fatal(err)
	}
	c, e, err := r.Next(100)
	if err != nil || len(c) != 13 || c[0].ID != all.Claims[10].ID {
		t.Fatalf("after skip: %d claims, first %q, %v", len(c), c[0].ID, err)
	}
	var wantErrs int
	for _, x := range all.Errors {
		if x.Row >= all.Claims[10].Row {
			wantErrs++
		}
	}
	if len(e) != wantErrs {
		t.Errorf("errors after skip = %d; want %d", len(e), wantErrs)
	}
	if _, _, err := r.Next(1); !errors.Is(err, io.EOF) {
		t.Errorf("after the end: %v", err)
	}
}

func TestNamedSheet(t *testing.T) {
	good := [][]any{{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Charges", "Dx 1"},
		{"S1", "T", "P", "1/1/1970", "M", "60054", "1234567893", "1/5/2026", "99213", 100, "I10"}}
	other := [][]any{{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Charges", "Dx 1"},
		{"O1", "T", "P", "1/1/1970", "M", "60054", "1234567893", "1/5/2026", "99213", 100, "I10"}}
	path := writeXLSX(t, sheet{"January", other}, sheet{"February", good})
	o := opts()
	o.Sheet = "February"
	res := readAll(t, path, o)
	if res.Layout.Sheet != "February" || res.Claims[0].ID != "S1" {
		t.Errorf("named sheet: %s %s", res.Layout.Sheet, res.Claims[0].ID)
	}
	res = readAll(t, path, opts())
	if res.Layout.Sheet != "January" {
		t.Errorf("default sheet = %s; want the first with a header", res.Layout.Sheet)
	}
	o.Sheet = "March"
	fe := fileError(t, path, o, NoSheet)
	if !strings.Contains(fe.Error(), `"January", "February"`) {
		t.Errorf("message = %q; want the sheet names", fe.Error())
	}
}

func TestFileErrors(t *testing.T) {
	o := opts()
	t.Run("pdf", func(t *testing.T) {
		fe := fileError(t, writeFile(t, "claims.xlsx", []byte("%PDF-1.7\n...")), o, NotSpreadsheet)
		if !strings.Contains(fe.Error(), "PDF") || !strings.Contains(fe.Error(), "claims.xlsx") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("xls", func(t *testing.T) {
		fe := fileError(t, writeFile(t, "old.xls", minimalCFB("Workbook")), o, NotSpreadsheet)
		if !strings.Contains(fe.Error(), ".xls") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("other OLE", func(t *testing.T) {
		fileError(t, writeFile(t, "x.doc", minimalCFB("WordDocument")), o, NotSpreadsheet)
	})
	t.Run("encrypted", func(t *testing.T) {
		f := excelize.NewFile()
		_ = f.SetCellValue("Sheet1", "A1", "Claim ID")
		path := t.TempDir() + "/locked.xlsx"
		if err := f.SaveAs(path, excelize.Options{Password: "secret"}); err != nil {
			t.Fatal(err)
		}
		fe := fileError(t, path, o, Encrypted)
		if !strings.Contains(fe.Error(), "password") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("binary", func(t *testing.T) {
		fileError(t, writeFile(t, "x.csv", []byte{0x89, 'P', 'N', 'G', 0, 0, 0, 13}), o, NotSpreadsheet)
	})
	t.Run("docx", func(t *testing.T) {
		fileError(t, writeFile(t, "x.xlsx", zipOf(t, map[string]string{"word/document.xml": "<w/>"})), o, NotSpreadsheet)
	})
	t.Run("ods", func(t *testing.T) {
		fileError(t, writeFile(t, "x.xlsx", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})), o, NotSpreadsheet)
	})
	t.Run("xlsb", func(t *testing.T) {
		fe := fileError(t, writeFile(t, "x.xlsx", zipOf(t, map[string]string{"xl/workbook.bin": "\x00"})), o, NotSpreadsheet)
		if !strings.Contains(fe.Error(), ".xlsb") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("html", func(t *testing.T) {
		fileError(t, writeFile(t, "x.xls", []byte("<html><table><tr><td>Claim</td></tr></table></html>")), o, NotSpreadsheet)
	})
	t.Run("damaged zip", func(t *testing.T) {
		fileError(t, writeFile(t, "x.xlsx", []byte("PK\x03\x04garbage")), o, Unreadable)
	})
	t.Run("broken workbook XML", func(t *testing.T) {
		fileError(t, writeFile(t, "x.xlsx", zipOf(t, map[string]string{"xl/workbook.xml": "<workbook"})), o, Unreadable)
	})
	t.Run("empty", func(t *testing.T) {
		fileError(t, writeFile(t, "x.csv", nil), o, NoHeader)
	})
	t.Run("too large", func(t *testing.T) {
		small := o
		small.Limits.MaxBytes = 100
		fe := fileError(t, writeFile(t, "big.csv", bytes.Repeat([]byte("a,b,c\n"), 100)), small, TooLarge)
		if !strings.Contains(fe.Error(), "600 bytes") || !strings.Contains(fe.Error(), "100 bytes") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("zip bomb", func(t *testing.T) {
		// A tiny zip that would decompress to 50 MiB of zeros.
		path := writeFile(t, "bomb.xlsx", zipOf(t, map[string]string{"xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": strings.Repeat("\x00", 50<<20)}))
		if fi, _ := os.Stat(path); fi.Size() > 1<<20 {
			t.Fatalf("bomb is %d bytes", fi.Size())
		}
		bomb := o
		bomb.Limits.MaxUnzippedBytes = 10 << 20
		fe := fileError(t, path, bomb, TooLarge)
		if !strings.Contains(fe.Error(), "decompresses") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("too many parts", func(t *testing.T) {
		parts := map[string]string{"xl/workbook.xml": "<workbook/>"}
		for i := range 30 {
			parts["xl/media/p"+string(rune('a'+i%26))+string(rune('a'+i/26))+".bin"] = "x"
		}
		many := o
		many.Limits.MaxZipEntries = 20
		fileError(t, writeFile(t, "many.xlsx", zipOf(t, parts)), many, TooLarge)
	})
	t.Run("no header", func(t *testing.T) {
		fe := fileError(t, writeXLSX(t, sheet{"Data", [][]any{{"a", "b"}, {1, 2}}}), o, NoHeader)
		if !strings.Contains(fe.Error(), `sheet "Data"`) {
			t.Errorf("%v", fe)
		}
		fileError(t, writeFile(t, "notes.csv", []byte("just some notes\nabout claims\n")), o, NoHeader)
	})
	t.Run("missing columns", func(t *testing.T) {
		body := "Claim #,Last Name,First Name,DOB,DOS,CPT,Charges,Dx 1,Notes\nA1,T,P,1/1/1970,1/5/2026,99213,100,I10,x\n"
		fe := fileError(t, writeFile(t, "m.csv", []byte(body)), o, MissingColumns)
		if !slices.Equal(fe.Missing, []claim.Field{claim.FieldMemberID, claim.FieldPayerID, claim.FieldBillingNPI}) {
			t.Errorf("missing = %v", fe.Missing)
		}
		for _, s := range []string{"member_id, payer_id, billing_npi", `"Claim #"`, `"Notes"`, "row 1"} {
			if !strings.Contains(fe.Error(), s) {
				t.Errorf("message %q lacks %q", fe.Error(), s)
			}
		}
	})
	t.Run("missing diagnosis", func(t *testing.T) {
		body := "Claim #,Last Name,First Name,DOB,Member ID,Payer ID,Billing NPI,DOS,CPT,Charges\n"
		fe := fileError(t, writeFile(t, "m.csv", []byte(body)), o, MissingColumns)
		if !strings.Contains(fe.Error(), "dx1 (or diagnosis_codes)") {
			t.Errorf("%v", fe)
		}
	})
	t.Run("duplicate column", func(t *testing.T) {
		body := "Claim #,Last Name,First Name,DOB,Member ID,Payer ID,Billing NPI,DOS,Date of Service,CPT,Charges,Dx 1\n"
		fe := fileError(t, writeFile(t, "d.csv", []byte(body)), o, BadHeader)
		if !strings.Contains(fe.Error(), `H ("DOS") and I ("Date of Service")`) {
			t.Errorf("%v", fe)
		}
	})
	t.Run("dx columns and list", func(t *testing.T) {
		body := "Claim #,Last Name,First Name,DOB,Member ID,Payer ID,Billing NPI,DOS,CPT,Charges,Dx 1,Diagnosis Codes\n"
		fileError(t, writeFile(t, "d.csv", []byte(body)), o, BadHeader)
	})
	t.Run("too many rows csv", func(t *testing.T) {
		rows := [][]string{baseHeader}
		for range 12 {
			rows = append(rows, baseRow("A1", "1/5/2026", "99213", "100", "1", "I10"))
		}
		few := o
		few.Limits.MaxRows = 10
		fe := fileError(t, writeFile(t, "r.csv", []byte(csvText(",", rows...))), few, TooManyRows)
		if !strings.Contains(fe.Error(), "limit is 10") {
			t.Errorf("%v", fe)
		}
	})
	rows := [][]any{header}
	for i := range 12 {
		rows = append(rows, append(practiceRow("A"+string(rune('a'+i)), "1", "T", "P", "1/1/1970", "F", "M", 60054), "1/5/2026", nil, "99213", nil, nil, 1, 100, "1", "I10"))
	}
	few := o
	few.Limits.MaxRows = 10
	t.Run("too many rows xlsx", func(t *testing.T) {
		// Excel records the used range in the sheet's dimension: the file
		// fails before any claim is read.
		path := rewriteZip(t, writeXLSX(t, sheet{"S", rows}), "xl/worksheets/sheet1.xml", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`<dimension ref="A1">`), []byte(`<dimension ref="A1:AD13">`), 1)
		})
		if _, err := Open(path, few); err == nil || err.(*FileError).Kind != TooManyRows {
			t.Fatalf("Open = %v; want TooManyRows", err)
		}
	})
	t.Run("too many rows found while streaming", func(t *testing.T) {
		// excelize leaves the dimension at "A1", which passes the up-front
		// check; the reader still stops at the limit.
		r, err := Open(writeXLSX(t, sheet{"S", rows}), few)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		_, _, err = r.Next(100)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Kind != TooManyRows {
			t.Fatalf("Next = %v; want TooManyRows", err)
		}
		if _, _, again := r.Next(1); again != err {
			t.Errorf("after failing, Next = %v", again)
		}
	})
}

// zipOf builds a zip from name → content.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewriteZip copies the zip at path with one entry changed by edit.
func rewriteZip(t testing.TB, path, entry string, edit func([]byte) []byte) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == entry {
			nb := edit(b)
			if bytes.Equal(nb, b) {
				t.Fatalf("edit of %s changed nothing", entry)
			}
			b, found = nb, true
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(b)
	}
	if !found {
		t.Fatalf("no %s in %s", entry, path)
	}
	_ = zw.Close()
	return writeFile(t, "rewritten.xlsx", buf.Bytes())
}

// TestCSVRowNumbersCountBlankLines checks CSV row numbers are the rows a
// spreadsheet shows: a blank line is a row (the record reader skips it),
// a line break inside quotes is not (issue 16's leftover).
func TestCSVRowNumbersCountBlankLines(t *testing.T) {
	c, err := NewCSVRows(strings.NewReader("\r\na,b\r\n\r\nc,d\r\n\"x\r\ny\",z\r\n\r\n\r\ne,f\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		n, rec, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d:%s", n, rec[0]))
	}
	if want := []string{"2:a", "4:c", "5:x\ny", "8:e"}; !slices.Equal(got, want) {
		t.Errorf("rows %q; want %q", got, want)
	}
	// And a row error names that row.
	path := writeFile(t, "blank.csv", []byte("Claim ID,Last Name,First Name,DOB,Member ID,Payer ID,Billing NPI,DOS,CPT,Units,Charges,Dx 1\n\nZ1,Testperson,Pat,1970-01-01,M1,60054,1234567893,13/45/2026,99213,1,100,I10\n"))
	res := readAll(t, path, opts())
	if len(res.Errors) != 1 || res.Errors[0].Row != 3 {
		t.Errorf("row errors %v; want one on row 3", res.Errors)
	}
}
