package intake

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// TestExportHeaderVariants swaps each header text that practice-management
// exports use (as listed in issue 16) into a working file and checks the
// claim reads the same.
func TestExportHeaderVariants(t *testing.T) {
	hdr := []string{"Claim ID", "Patient ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Units", "Charges", "Dx Pointer", "Dx 1"}
	row := []string{"V1", "PA9", "Testlast", "Pat", "02/13/1975", "W77", "60054", "1234567893", "01/15/2026", "97110", "3", "135.00", "1", "M54.50"}
	variants := map[string][]string{
		"Dx 1":       {"ICD 1", "ICD1", "ICD-10 Diagnosis 1"},
		"Dx Pointer": {"Diagnosis Pointer 1"},
		"Payer ID":   {"Primary Insurance Payer ID"},
		"Member ID":  {"Subscriber Member ID", "Insured's ID"},
		"Patient ID": {"Pt Account #"},
		"Units":      {"Units of Service"},
		"DOS":        {"Svc Dt"},
		"CPT":        {"CPT Code 1", "Procedure Code 1"},
	}
	for canonical, alts := range variants {
		at := slices.Index(hdr, canonical)
		for _, alt := range alts {
			t.Run(alt, func(t *testing.T) {
				h := slices.Clone(hdr)
				h[at] = alt
				res := readAll(t, writeFile(t, "v.csv", []byte(csvText(",", h, row))), opts())
				if len(res.Claims) != 1 || len(res.Errors) != 0 {
					t.Fatalf("claims %d errors %+v", len(res.Claims), res.Errors)
				}
				c := res.Claims[0]
				l := c.Lines[0]
				if c.Patient.ID != "PA9" || c.MemberID != "W77" || c.PayerID != "60054" || !slices.Equal(c.Diagnoses, []string{"M5450"}) ||
					l.Procedure != "97110" || l.Units != 3 || l.From != claim.MustDate("2026-01-15") || !slices.Equal(l.DxPointers, []int{1}) {
					t.Errorf("claim %+v", c)
				}
				if col, ok := res.Layout.Column(mustField(t, alt)); !ok || col.Header != alt {
					t.Errorf("layout does not name %q: %+v", alt, res.Layout.Columns)
				}
			})
		}
	}
}

func mustField(t *testing.T, h string) claim.Field {
	t.Helper()
	f, ok := FieldForHeader(h)
	if !ok {
		t.Fatalf("FieldForHeader(%q) unknown", h)
	}
	return f
}

func TestSplitPersonName(t *testing.T) {
	good := map[string]PersonName{
		"DOE, JANE":                     {Last: "DOE", First: "JANE"},
		"Doe,Jane":                      {Last: "Doe", First: "Jane"},
		"DOE, JANE A":                   {Last: "DOE", First: "JANE", Middle: "A"},
		"DOE, JANE A.":                  {Last: "DOE", First: "JANE", Middle: "A"},
		"  DE LA CRUZ ,  MARIA  ELENA ": {Last: "DE LA CRUZ", First: "MARIA", Middle: "ELENA"},
		"O'BRIEN, SEAN":                 {Last: "O'BRIEN", First: "SEAN"},
		"SMITH-JONES, MARY-ANN":         {Last: "SMITH-JONES", First: "MARY-ANN"},
		"DOE JR, JOHN":                  {Last: "DOE", First: "JOHN", Suffix: "JR"},
		"DOE, JOHN, III":                {Last: "DOE", First: "JOHN", Suffix: "III"},
		"DOE, JOHN Q SR.":               {Last: "DOE", First: "JOHN", Middle: "Q", Suffix: "SR"},
	}
	for in, want := range good {
		got, err := SplitPersonName(in)
		if err != nil || got != want {
			t.Errorf("SplitPersonName(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		back, err := SplitPersonName(got.String())
		if err != nil || back != got {
			t.Errorf("%q does not round-trip: %q → %+v %v", in, got.String(), back, err)
		}
	}
	for _, bad := range []string{"JANE DOE", "DOE,", ", JANE", "DOE, JANE, MD", "", ","} {
		_, err := SplitPersonName(bad)
		if !isValueError(err) || (len(bad) > 3 && strings.Contains(err.Error(), bad)) {
			t.Errorf("SplitPersonName(%q) err = %v; want a value error without the name", bad, err)
		}
	}
}

// TestPatientNameColumn reads a single "Patient Name" column (Tebra/Kareo,
// AdvancedMD, eClinicalWorks exports).
func TestPatientNameColumn(t *testing.T) {
	hdr := []string{"Claim ID", "Patient Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Units", "Charges", "Dx Pointer", "Dx 1"}
	body := csvText(",", hdr,
		quoteSemicolons([]string{"N1", "TESTWOOD JR, ALICE B.", "02/13/1975", "W1", "60054", "1234567893", "01/15/2026", "99213", "1", "135", "1", "I10"}),
		quoteSemicolons([]string{"N1", "Testwood Jr, Alice B", "", "", "", "", "01/15/2026", "36415", "1", "15", "1", ""}), // the same name, other case: agrees
		quoteSemicolons([]string{"N2", "ALICE TESTFIELD", "02/14/1975", "W2", "60054", "1234567893", "01/15/2026", "99213", "1", "135", "1", "I10"}),
		quoteSemicolons([]string{"N3", "TESTBROOK, ZED", "02/15/1975", "W3", "60054", "1234567893", "01/15/2026", "99213", "1", "135", "1", "I10"}),
		quoteSemicolons([]string{"N3", "TESTMORE, ZED", "", "", "", "", "01/15/2026", "36415", "1", "15", "1", ""}), // another name on the same claim
	)
	res := readAll(t, writeFile(t, "n.csv", []byte(body)), opts())
	if len(res.Claims) != 3 {
		t.Fatalf("claims %d", len(res.Claims))
	}
	p := res.Claims[0].Patient
	if p.LastName != "TESTWOOD" || p.FirstName != "ALICE" || p.MiddleName != "B" || p.Suffix != "JR" {
		t.Errorf("patient %+v", p)
	}
	if len(res.Errors) != 2 {
		t.Fatalf("errors %+v", res.Errors)
	}
	for i, want := range []struct {
		row   int
		claim string
		msg   string
	}{{4, "N2", "LAST, FIRST"}, {6, "N3", "differs"}} {
		e := res.Errors[i]
		if e.Row != want.row || e.ClaimID != want.claim || e.Column != "B" || e.Field != FieldPatientName || !strings.Contains(e.Message, want.msg) ||
			strings.Contains(e.Error(), "TEST") {
			t.Errorf("error %d = %+v (%s)", i, e, e.Error())
		}
	}
	// The name column stands in for the last- and first-name columns.
	if c, ok := res.Layout.ColumnFor(claim.FieldPatientLastName); !ok || c.Letter != "B" {
		t.Errorf("ColumnFor(last name) = %+v %v", c, ok)
	}
	// Both a name column and last/first columns: refused.
	hdr2 := append(slices.Clone(hdr), "Last Name")
	fe := fileError(t, writeFile(t, "n2.csv", []byte(csvText(",", hdr2))), opts(), BadHeader)
	if !strings.Contains(fe.Reason, "Patient Name") || !strings.Contains(fe.Reason, "Last Name") {
		t.Errorf("reason %q", fe.Reason)
	}
}

func TestPerLineRenderingAndPOS(t *testing.T) {
	hdr := []string{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "Rendering NPI", "POS", "DOS", "CPT", "Units", "Charges", "Dx Pointer", "Dx 1"}
	body := csvText(",", hdr,
		[]string{"R1", "Testlast", "Pat", "02/13/1975", "W1", "60054", "1234567893", "1558598797", "11", "01/15/2026", "99213", "1", "135", "1", "I10"},
		[]string{"R1", "", "", "", "", "", "", "1234567893", "22", "01/15/2026", "71046", "1", "120", "1", ""},
		[]string{"R1", "", "", "", "", "", "", "", "", "01/15/2026", "36415", "1", "15", "1", ""},
	)
	res := readAll(t, writeFile(t, "r.csv", []byte(body)), opts())
	if len(res.Claims) != 1 || len(res.Errors) != 0 {
		t.Fatalf("claims %d errors %+v", len(res.Claims), res.Errors)
	}
	c := res.Claims[0]
	if c.RenderingNPI != "1558598797" || c.PlaceOfService != "11" {
		t.Errorf("claim rendering %q POS %q", c.RenderingNPI, c.PlaceOfService)
	}
	if l := c.Lines[0]; l.RenderingNPI != "" || l.PlaceOfService != "" {
		t.Errorf("line 1 repeats the claim's values: %+v", l)
	}
	if l := c.Lines[1]; l.RenderingNPI != "1234567893" || l.PlaceOfService != "22" || c.LineRenderingNPI(1) != "1234567893" || c.LinePlaceOfService(1) != "22" {
		t.Errorf("line 2 = %+v", l)
	}
	if c.LineRenderingNPI(2) != "1558598797" || c.LinePlaceOfService(2) != "11" {
		t.Errorf("line 3 inherits: %q %q", c.LineRenderingNPI(2), c.LinePlaceOfService(2))
	}
}

func TestPointerColumns(t *testing.T) {
	hdr := []string{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Units", "Charges",
		"Diagnosis Pointer 1", "Diagnosis Pointer 2", "Diagnosis Pointer 3", "Dx 1", "Dx 2", "Dx 3"}
	body := csvText(",", hdr,
		[]string{"P1", "Testlast", "Pat", "02/13/1975", "W1", "60054", "1234567893", "01/15/2026", "99213", "1", "135", "1", "C", "", "I10", "E11.9", "E78.5"},
		[]string{"P1", "", "", "", "", "", "", "01/15/2026", "36415", "1", "15", "", "2", "", "", "", ""},
		[]string{"P1", "", "", "", "", "", "", "01/15/2026", "80061", "1", "55", "13", "", "", "", "", ""},
	)
	res := readAll(t, writeFile(t, "p.csv", []byte(body)), opts())
	if len(res.Claims) != 1 || len(res.Errors) != 1 {
		t.Fatalf("claims %d errors %+v", len(res.Claims), res.Errors)
	}
	ls := res.Claims[0].Lines
	if !slices.Equal(ls[0].DxPointers, []int{1, 3}) || !slices.Equal(ls[1].DxPointers, []int{2}) {
		t.Errorf("pointers %v %v", ls[0].DxPointers, ls[1].DxPointers)
	}
	// One pointer per numbered column: "13" there is not a pointer 1–12 (A–L).
	if e := res.Errors[0]; e.Row != 4 || e.Column != "L" || e.ClaimID != "P1" {
		t.Errorf("error %+v", e)
	}
	fe := fileError(t, writeFile(t, "p2.csv", []byte(csvText(",", append(slices.Clone(hdr), "Dx Pointer")))), opts(), BadHeader)
	if !strings.Contains(fe.Reason, "pointer") {
		t.Errorf("reason %q", fe.Reason)
	}
}

func TestWideProcedureColumnsRefused(t *testing.T) {
	hdr := []string{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT Code 1", "Charges", "Dx 1", "CPT Code 2"}
	fe := fileError(t, writeFile(t, "w.csv", []byte(csvText(",", hdr))), opts(), BadHeader)
	if !strings.Contains(fe.Reason, "CPT Code 2") || !strings.Contains(fe.Reason, "one row per") {
		t.Errorf("reason %q", fe.Reason)
	}
}

// TestDateOrderPerFile: a day above 12 in the first place makes the whole
// file day first; dates both ways make the ambiguous ones errors; no
// deciding date is reported.
func TestDateOrderPerFile(t *testing.T) {
	hdr := []string{"Claim ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Billing NPI", "DOS", "CPT", "Units", "Charges", "Dx Pointer", "Dx 1"}
	mk := func(id, dob, dos string) []string {
		return []string{id, "Testlast", "Pat", dob, "W" + id, "60054", "1234567893", dos, "99213", "1", "135", "1", "I10"}
	}
	read := func(rows ...[]string) *Result {
		return readAll(t, writeFile(t, "d.csv", []byte(csvText(",", append([][]string{hdr}, rows...)...))), opts())
	}
	// 25/09/1975 can only be day first: 10/09/2026 is then 10 September.
	res := read(mk("D1", "25/09/1975", "10/09/2026"), mk("D2", "01/02/1980", "11.03.26"))
	if len(res.Errors) != 0 || res.Layout.DateOrder != DayFirst {
		t.Fatalf("errors %+v order %v", res.Errors, res.Layout.DateOrder)
	}
	if c := res.Claims[0]; c.Patient.DOB != claim.MustDate("1975-09-25") || c.Lines[0].From != claim.MustDate("2026-09-10") {
		t.Errorf("D1 %v %v", c.Patient.DOB, c.Lines[0].From)
	}
	if c := res.Claims[1]; c.Patient.DOB != claim.MustDate("1980-02-01") || c.Lines[0].From != claim.MustDate("2026-03-11") {
		t.Errorf("D2 %v %v", c.Patient.DOB, c.Lines[0].From)
	}
	// The same file month first.
	res = read(mk("M1", "09/25/1975", "10/09/2026"))
	if res.Layout.DateOrder != MonthFirst || res.Claims[0].Lines[0].From != claim.MustDate("2026-10-09") || len(res.Errors) != 0 {
		t.Errorf("month first: %v %v %+v", res.Layout.DateOrder, res.Claims[0].Lines[0].From, res.Errors)
	}
	// Both ways: each date that could be read either way is a row error
	// holding its claim; the others are read as their numbers allow.
	res = read(mk("B1", "25/09/1975", "01/15/2026"), mk("B2", "03/04/1980", "01/16/2026"), mk("B3", "02/13/1981", "20/01/2026"))
	if len(res.Errors) != 1 || res.Errors[0].ClaimID != "B2" || res.Errors[0].Column != "D" || !strings.Contains(res.Errors[0].Message, "day first (row 2)") ||
		!strings.Contains(res.Errors[0].Message, "month first (row 2)") {
		t.Fatalf("errors %+v", res.Errors)
	}
	if c := res.Claims[0]; c.Patient.DOB != claim.MustDate("1975-09-25") || c.Lines[0].From != claim.MustDate("2026-01-15") {
		t.Errorf("B1 %v %v", c.Patient.DOB, c.Lines[0].From)
	}
	if c := res.Claims[2]; c.Lines[0].From != claim.MustDate("2026-01-20") {
		t.Errorf("B3 %v", c.Lines[0].From)
	}
	// Nothing decides: read month first, reported once without a claim.
	res = read(mk("A1", "03/04/1980", "01/05/2026"), mk("A2", "01/01/1980", "02/03/2026"))
	if len(res.Errors) != 1 || res.Errors[0].ClaimID != "" || res.Errors[0].Row != 2 || res.Errors[0].Column != "H" ||
		res.Claims[0].Patient.DOB != claim.MustDate("1980-03-04") {
		t.Errorf("ambiguous: %+v %v", res.Errors, res.Claims[0].Patient.DOB)
	}
}

func TestMoneyFormsInAFile(t *testing.T) {
	body := csvText(";", baseHeader,
		baseRow("E1", "1/15/2026", "99213", "135.00 USD", "1", "I10"),
		baseRow("", "1/15/2026", "80053", "1.234,50", "1"),
		baseRow("", "1/15/2026", "36415", "15,00", "1"),
	)
	res := readAll(t, writeFile(t, "m.csv", []byte(body)), opts())
	if len(res.Errors) != 0 || len(res.Claims) != 1 {
		t.Fatalf("claims %d errors %+v", len(res.Claims), res.Errors)
	}
	ls := res.Claims[0].Lines
	if ls[0].Charge != 13500 || ls[1].Charge != 123450 || ls[2].Charge != 1500 {
		t.Errorf("charges %v %v %v", ls[0].Charge, ls[1].Charge, ls[2].Charge)
	}
	bad := csvText(",", baseHeader, baseRow("E2", "1/15/2026", "99213", "250.00 EUR", "1", "I10"))
	res = readAll(t, writeFile(t, "m2.csv", []byte(bad)), opts())
	if len(res.Errors) != 1 || res.Errors[0].ClaimID != "E2" || !strings.Contains(res.Errors[0].Message, "US dollars") || strings.Contains(res.Errors[0].Message, "250") {
		t.Errorf("errors %+v", res.Errors)
	}
}

func TestShortProcedureNotPadded(t *testing.T) {
	for in, want := range map[string]string{"9921": "9921", "100": "00100", "1999": "01999", "99": "99", "2000": "2000", "840": "00840"} {
		if got, _, err := ParseProcedure(in); err != nil || got != want {
			t.Errorf("ParseProcedure(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzPersonName: a name either splits into a non-blank last and first
// name that round-trip, or is refused with a message that does not echo it.
func FuzzPersonName(f *testing.F) {
	for _, s := range []string{"DOE, JANE", "DOE JR, JOHN Q.", "DOE, JOHN, III", "JANE DOE", ",", "a,b,c,d", " , x", "Ñúñez, José"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := SplitPersonName(s)
		if err != nil {
			if !isValueError(err) {
				t.Fatalf("%q: %v is not a value error", s, err)
			}
			return
		}
		if strings.TrimSpace(n.Last) == "" || strings.TrimSpace(n.First) == "" || strings.Contains(n.First, " ") {
			t.Fatalf("%q → %+v", s, n)
		}
		back, err := SplitPersonName(n.String())
		if err != nil || back != n {
			t.Fatalf("%q → %+v → %q → %+v %v", s, n, n.String(), back, err)
		}
	})
}

// FuzzMoney: every accepted amount is normalised (it prints and parses
// back to itself), and currency codes other than US dollars are refused.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{"135.00 USD", "USD 1,234.50", "1.234,50", "1 234,50", "12,34", "(1.234,50)", "-$12", "€12", "12 EUR", "1e3", "1.2.3,4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok, err := ParseAmount(s)
		if err != nil {
			if !isValueError(err) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if !ok {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q: no amount and no error", s)
			}
			return
		}
		back, ok2, err := ParseAmount(m.String())
		if err != nil || !ok2 || back != m {
			t.Fatalf("%q → %v → %v %v", s, m, back, err)
		}
		if u := strings.ToUpper(s); strings.Contains(u, "EUR") || strings.Contains(u, "CAD") {
			t.Fatalf("%q accepted as %v", s, m)
		}
	})
}

// FuzzDateOrder: a date cell that decides the order cannot be read in the
// other; an ambiguous one reads as two different dates (or not at all).
func FuzzDateOrder(f *testing.F) {
	for _, s := range []string{"25/09/2026", "09/25/2026", "03/04/2026", "3.4.26", "31-12-1999", "12/31/1999", "2026-01-05", "46027", "13/13/2026", "0/5/2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		order, decides, ambiguous := dateOrderVote(s)
		if decides && ambiguous {
			t.Fatalf("%q both decides and is ambiguous", s)
		}
		dm, errM := ParseDateOrder(s, ServiceDate, asOf, false, MonthFirst)
		dd, errD := ParseDateOrder(s, ServiceDate, asOf, false, DayFirst)
		for _, e := range []error{errM, errD} {
			var ev errValue
			if e != nil && !errors.As(e, &ev) {
				t.Fatalf("%q: %v", s, e)
			}
		}
		// A deciding date cannot be read the other way: its number above
		// 12 is no month.
		if decides {
			wrong := errD
			if order == DayFirst {
				wrong = errM
			}
			if wrong == nil {
				t.Fatalf("%q decides %v yet reads the other way too (%v / %v)", s, order, dm, dd)
			}
		}
		// Ambiguous: both orders read it (unless the year is out of range)
		// and give different dates.
		if ambiguous && (errM == nil) != (errD == nil) || ambiguous && errM == nil && dm == dd {
			t.Fatalf("%q is ambiguous but reads %v/%v (%v, %v)", s, dm, dd, errM, errD)
		}
	})
}
