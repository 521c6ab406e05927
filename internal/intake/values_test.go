package intake

import (
	"slices"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func TestParseDate(t *testing.T) {
	d := claim.MustDate
	cases := []struct {
		in   string
		kind DateKind
		want claim.Date
	}{
		{"46027", ServiceDate, d("2026-01-05")},      // Excel serial
		{"46027.75", ServiceDate, d("2026-01-05")},   // serial with a time of day
		{"1", BirthDate, d("1900-01-01")},            // first serial
		{"59", BirthDate, d("1900-02-28")},           // before Excel's phantom 29 Feb 1900
		{"61", BirthDate, d("1900-03-01")},           // after it
		{"29221", BirthDate, d("1980-01-01")},        // a typical DOB serial
		{"01/05/2026", ServiceDate, d("2026-01-05")}, // MM/DD/YYYY
		{"1/5/2026", ServiceDate, d("2026-01-05")},   // M/D/YYYY
		{"1/5/26", ServiceDate, d("2026-01-05")},     // M/D/YY
		{"12/31/27", ServiceDate, d("2027-12-31")},   // within a year ahead of as-of: 2027
		{"1/1/28", ServiceDate, d("1928-01-01")},     // beyond: last century (the scorer flags it)
		{"01-05-2026", ServiceDate, d("2026-01-05")}, // dashes
		{"01.05.2026", ServiceDate, d("2026-01-05")}, // dots (still month first)
		{"2026-01-05", ServiceDate, d("2026-01-05")}, // ISO
		{"2026/1/5", ServiceDate, d("2026-01-05")},   // Y/M/D
		{"20260105", ServiceDate, d("2026-01-05")},   // YYYYMMDD
		{"01052026", ServiceDate, d("2026-01-05")},   // MMDDYYYY
		{"010526", ServiceDate, d("2026-01-05")},     // MMDDYY
		{"2026-01-05 00:00:00", ServiceDate, d("2026-01-05")},
		{"2026-01-05T08:30:00Z", ServiceDate, d("2026-01-05")},
		{"1/5/2026 0:00", ServiceDate, d("2026-01-05")},
		{"5-Jan-2026", ServiceDate, d("2026-01-05")},
		{"05-Jan-26", ServiceDate, d("2026-01-05")},
		{"Jan 5, 2026", ServiceDate, d("2026-01-05")},
		{"January 5 2026", ServiceDate, d("2026-01-05")},
		{"  3/1/2026 ", ServiceDate, d("2026-03-01")},
		{"", ServiceDate, 0},
		// Two-digit birth years never land after the as-of date (2026-03-15).
		{"3/14/26", BirthDate, d("2026-03-14")},
		{"3/16/26", BirthDate, d("1926-03-16")},
		{"7/4/45", BirthDate, d("1945-07-04")},
		{"7/4/05", BirthDate, d("2005-07-04")},
		{"120545", BirthDate, d("1945-12-05")},
		{"2/29/24", BirthDate, d("2024-02-29")},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in, c.kind, asOf, false)
		if err != nil || got != c.want {
			t.Errorf("ParseDate(%q, %v) = %v, %v; want %v", c.in, c.kind, got, err, c.want)
		}
	}
	if got, _ := ParseDate("44561", ServiceDate, asOf, true); got != d("2026-01-01") { // 1462 days after the 1900 system
		t.Errorf("1904 serial 44561 = %v; want 2026-01-01", got)
	}
	for _, bad := range []string{"2/30/2026", "13/01/2026", "60", "0", "abc", "2026-13-01", "1/5", "99999999",
		"12345678901", "1/5/126", "Foo 5, 2026", "5-Jan-126", "2026-01-05-01", "-46027", "46027e3", "31/12/2026"} {
		if got, err := ParseDate(bad, ServiceDate, asOf, false); err == nil || !isValueError(err) {
			t.Errorf("ParseDate(%q) = %v, %v; want a value error", bad, got, err)
		}
	}
}

func TestParseAmount(t *testing.T) {
	good := map[string]claim.Money{
		"125": 12500, "125.5": 12550, "$1,234.50": 123450, "(12.00)": -1200, "0.30000000000000004": 30,
		"1.2345E+3": 123450, "1E2": 10000, " 75 ": 7500, "($15.00)": -1500, "-$15.00": -1500, "$-15.00": -1500,
		// currency codes and decimal commas (European-locale exports)
		"135.00 USD": 13500, "USD 135.00": 13500, "usd 5": 500, "US$ 1,234.50": 123450, "$135.00 USD": 13500,
		"1.234,50": 123450, "1 234,50": 123450, "135,50": 13550, "12,34": 1234, "1.234.567,89": 123456789, "-1.234,50": -123450,
		"1,234": 123400,
	}
	for in, want := range good {
		got, ok, err := ParseAmount(in)
		if err != nil || !ok || got != want {
			t.Errorf("ParseAmount(%q) = %v, %v, %v; want %v", in, got, ok, err, want)
		}
	}
	if m, ok, err := ParseAmount("  "); m != 0 || ok || err != nil {
		t.Errorf("blank amount = %v %v %v", m, ok, err)
	}
	for _, bad := range []string{"abc", "$", "1e400", "NaN", "1.2.3", "135.00 EUR", "CAD 12", "1.23,45", "12,3456", "1,234,5", "USD"} {
		if _, _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) succeeded", bad)
		}
	}
	// A fraction of a cent is refused, not rounded (issue 14); float noise is not one.
	for _, sub := range []string{"12.345", "$1,234.505", "(0.001)", "1.2345E+1", "12.345 USD"} {
		if m, ok, err := ParseAmount(sub); err == nil || !isValueError(err) || ok || !strings.Contains(err.Error(), "fraction of a cent") {
			t.Errorf("ParseAmount(%q) = %v, %v, %v; want the fraction-of-a-cent value error", sub, m, ok, err)
		}
	}
	for in, want := range map[string]claim.Money{"12.340": 1234, "12.3400000000001": 1234, "1.2345E+2": 12345, "99.99000000000001": 9999} {
		if got, ok, err := ParseAmount(in); err != nil || !ok || got != want {
			t.Errorf("ParseAmount(%q) = %v, %v, %v; want %v", in, got, ok, err, want)
		}
	}
}

func TestParseUnits(t *testing.T) {
	for in, want := range map[string]float64{"1": 1, "2.5": 2.5, "1.0E+1": 10, "": 0, " 3 ": 3, "1,000": 1000} {
		if got, err := ParseUnits(in); err != nil || got != want {
			t.Errorf("ParseUnits(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"one", "NaN", "Inf", "1e9", "2 units"} {
		if _, err := ParseUnits(bad); err == nil {
			t.Errorf("ParseUnits(%q) succeeded", bad)
		}
	}
}

func TestParseProcedure(t *testing.T) {
	cases := []struct {
		in, code string
		mods     []string
	}{
		{"99213", "99213", nil}, {" j1100 ", "J1100", nil}, {"100", "00100", nil}, {"840", "00840", nil},
		{"99213-25", "99213", []string{"25"}}, {"99213 25 59", "99213", []string{"25", "59"}},
		{"20610:RT", "20610", []string{"RT"}}, {"0591T", "0591T", nil}, {"3074F", "3074F", nil},
		{"99213.0", "99213", nil}, {"", "", nil},
	}
	for _, c := range cases {
		code, mods, err := ParseProcedure(c.in)
		if err != nil || code != c.code || !slices.Equal(mods, c.mods) {
			t.Errorf("ParseProcedure(%q) = %q %v %v; want %q %v", c.in, code, mods, err, c.code, c.mods)
		}
	}
	for _, bad := range []string{"99213-ABC", "992 13", "99213/25", "OFFICE VISIT", "99213?"} {
		if _, _, err := ParseProcedure(bad); err == nil {
			t.Errorf("ParseProcedure(%q) succeeded", bad)
		}
	}
}

func TestParseDiagnosis(t *testing.T) {
	for in, want := range map[string]string{"E11.9": "E119", "e119": "E119", " S72.001A ": "S72001A", "T45.0X1A": "T450X1A", "": ""} {
		if got, err := ParseDiagnosis(in); err != nil || got != want {
			t.Errorf("ParseDiagnosis(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"11.9", "E11-9", "E11.9,I10", "DIABETES TYPE 2"} {
		if _, err := ParseDiagnosis(bad); err == nil {
			t.Errorf("ParseDiagnosis(%q) succeeded", bad)
		}
	}
	got, err := ParseCodeList("E11.9, i10; Z79.4 | E78.5", ParseDiagnosis)
	if err != nil || !slices.Equal(got, []string{"E119", "I10", "Z794", "E785"}) {
		t.Errorf("ParseCodeList = %v, %v", got, err)
	}
}

func TestParseModifier(t *testing.T) {
	for in, want := range map[string]string{"25": "25", "lt": "LT", "59.0": "59", "": ""} {
		if got, err := ParseModifier(in); err != nil || got != want {
			t.Errorf("ParseModifier(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"255", "L-", "X", "9"} {
		if _, err := ParseModifier(bad); err == nil {
			t.Errorf("ParseModifier(%q) succeeded", bad)
		}
	}
}

func TestParseSex(t *testing.T) {
	for in, want := range map[string]claim.Sex{"M": "M", "male": "M", "F": "F", "Female": "F", " f ": "F", "U": "U", "Unknown": "U", "": ""} {
		if got, err := ParseSex(in); err != nil || got != want {
			t.Errorf("ParseSex(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"X", "1", "mf"} {
		if _, err := ParseSex(bad); err == nil {
			t.Errorf("ParseSex(%q) succeeded", bad)
		}
	}
}

func TestParsePointers(t *testing.T) {
	cases := map[string][]int{
		"1": {1}, "1,2": {1, 2}, "1:2": {1, 2}, "1 2 3": {1, 2, 3}, "12": {1, 2}, "1234": {1, 2, 3, 4},
		"AB": {1, 2}, "a,b": {1, 2}, "ABCD": {1, 2, 3, 4}, "L": {12}, "10": {10}, "11": {11}, "1,12": {1, 12},
		"10,11,12": {10, 11, 12}, "1.2": {1, 2}, "": nil, "1; 3": {1, 3}, "A-C": {1, 3},
	}
	for in, want := range cases {
		if got, err := ParsePointers(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("ParsePointers(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "M", "13,1", "1,0", "A1", "102", "x"} {
		if got, err := ParsePointers(bad); err == nil {
			t.Errorf("ParsePointers(%q) = %v; want an error", bad, got)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	eq := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q; want %q", name, got, want)
		}
	}
	eq("IDText sci", IDText("1.234567893E+9"), "1234567893")
	eq("IDText float", IDText("1234567893.0"), "1234567893")
	eq("IDText text", IDText(" W123456789 "), "W123456789")
	eq("IDText leading zero kept", IDText("0012345"), "0012345")
	eq("IDText fraction kept", IDText("12.5"), "12.5")
	eq("TIN hyphen", ParseTIN("12-3456789"), "123456789")
	eq("TIN lost zero", ParseTIN("12345678"), "012345678")
	eq("TIN too short stays", ParseTIN("12345"), "12345")
	eq("zip", ParseZip("02134"), "02134")
	eq("zip lost zero", ParseZip("2134"), "02134")
	eq("zip+4", ParseZip("02134-1234"), "021341234")
	eq("zip+4 lost zero", ParseZip("21341234"), "021341234")
	eq("zip too short stays", ParseZip("21"), "21")
	eq("POS", ParsePOS("2"), "02")
	eq("POS 11", ParsePOS("11"), "11")
	eq("POS float", ParsePOS("11.0"), "11")
	eq("payer lost zero", ParsePayerID("1112"), "01112")
	eq("payer alnum", ParsePayerID(" skco0 "), "SKCO0")
	for in, want := range map[string]string{
		"12345-6789-01": "12345678901", "1234-5678-90": "01234567890", "12345-678-90": "12345067890",
		"12345-6789-1": "12345678901", "12345678901": "12345678901", "1234567890": "01234567890", "": "",
	} {
		got, err := ParseNDC(in)
		if err != nil || got != want {
			t.Errorf("ParseNDC(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"123", "12345-67890-1", "abcde-fghi-jk", "123456789012"} {
		if _, err := ParseNDC(bad); err == nil {
			t.Errorf("ParseNDC(%q) succeeded", bad)
		}
	}
	for in, want := range map[string]claim.Frequency{"": "", "1": "1", "7": "7", "8.0": "8"} {
		if got, err := ParseFrequency(in); err != nil || got != want {
			t.Errorf("ParseFrequency(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFrequency("6"); err == nil {
		t.Error("ParseFrequency(6) succeeded")
	}
}
