package claim

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	good := map[string]Money{
		"125": 12500, "125.5": 12550, "$1,234.50": 123450, " 0.30000000000000004 ": 30,
		"(12.00)": -1200, "-12": -1200, ".5": 50, "1,000": 100000, "$0.005": 1, "99.994": 9999,
	}
	for in, want := range good {
		got, err := ParseMoney(in)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "$", "1,23", "12,3456.00", "1.2.3", "1e5", "--5", "12345678901234"} {
		if _, err := ParseMoney(in); !errors.Is(err, ErrMoney) {
			t.Errorf("ParseMoney(%q) err = %v; want ErrMoney", in, err)
		}
	}
}

func TestMoneyFormat(t *testing.T) {
	cases := []struct {
		m         Money
		str, x12s string
	}{{12550, "125.50", "125.5"}, {12500, "125.00", "125"}, {5, "0.05", "0.05"}, {-305, "-3.05", "-3.05"}, {0, "0.00", "0"}}
	for _, c := range cases {
		if c.m.String() != c.str || c.m.X12() != c.x12s {
			t.Errorf("%d: String %q X12 %q; want %q %q", c.m, c.m.String(), c.m.X12(), c.str, c.x12s)
		}
	}
	for f, want := range map[float64]Money{125.5: 12550, 0.1 + 0.2: 30, -12.5: -1250, 1234.567: 123457} {
		if got := MoneyFromFloat(f); got != want {
			t.Errorf("MoneyFromFloat(%v) = %v; want %v", f, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	d := MustDate("2026-03-01")
	if d.String() != "2026-03-01" || d.Compact() != "20260301" {
		t.Fatalf("format: %s %s", d, d.Compact())
	}
	if got := d.AddDays(-1).String(); got != "2026-02-28" {
		t.Errorf("AddDays: %s", got)
	}
	if y, m, dd := d.YMD(); y != 2026 || m != time.March || dd != 1 {
		t.Errorf("YMD: %d %d %d", y, m, dd)
	}
	birth := MustDate("2000-03-01")
	if a := d.YearsSince(birth); a != 26 {
		t.Errorf("age on birthday = %d", a)
	}
	if a := d.AddDays(-1).YearsSince(birth); a != 25 {
		t.Errorf("age day before = %d", a)
	}
	if MustDate("0001-01-01").IsZero() || !Date(0).IsZero() {
		t.Error("zero date confusion")
	}
	if NewDate(1970, 1, 1).Time() != time.Unix(0, 0).UTC() {
		t.Error("epoch")
	}
	for from, want := range map[string]string{"2026-11-26": "2026-11-27", "2026-11-27": "2026-11-30", "2026-11-28": "2026-11-30", "2026-11-29": "2026-11-30"} {
		if got := MustDate(from).NextBusinessDay().String(); got != want {
			t.Errorf("NextBusinessDay(%s) = %s; want %s", from, got, want)
		}
	}
	if _, err := ParseDate("03/01/2026"); !errors.Is(err, ErrDate) {
		t.Errorf("ParseDate non-ISO: %v", err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	c := Claim{ID: "C1", Patient: Patient{DOB: MustDate("1980-05-17")}, TotalCharge: 12345,
		Lines: []Line{{Number: 1, From: MustDate("2026-01-05"), Charge: 5000, DxPointers: []int{1}}}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Claim
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Patient.DOB != c.Patient.DOB || back.TotalCharge != 12345 || back.Lines[0].From != c.Lines[0].From {
		t.Errorf("round trip lost data: %s", b)
	}
	if back.LineTotal() != 5000 || back.FirstServiceDate() != MustDate("2026-01-05") {
		t.Error("derived values")
	}
}

func TestScan(t *testing.T) {
	var d Date
	if err := d.Scan("2026-01-02T00:00:00Z"); err != nil || d.String() != "2026-01-02" {
		t.Errorf("scan %v %v", d, err)
	}
	var m Money
	if err := m.Scan(int64(42)); err != nil || m != 42 {
		t.Errorf("scan money %v %v", m, err)
	}
}

func TestValue(t *testing.T) {
	c := Claim{ID: "C1", Patient: Patient{DOB: MustDate("1961-05-17")}, Diagnoses: []string{"E119", "I10"}, HasTotal: true, TotalCharge: 14000,
		Billing: Provider{Address: Address{Line1: "100 Main St", Zip: "021341234"}},
		Lines:   []Line{{Number: 1, From: MustDate("2026-11-02"), Procedure: "99213", Modifiers: []string{"25", "59"}, Units: 1.5, Charge: 12500, DxPointers: []int{1, 2}}}}
	cases := []struct {
		f    Field
		line int
		want string
	}{
		{FieldClaimID, 0, "C1"}, {FieldPatientDOB, 0, "1961-05-17"}, {FieldDx(2), 0, "I10"}, {FieldDx(3), 0, ""},
		{FieldDiagnosisCodes, 0, "E119,I10"}, {FieldTotalCharge, 0, "140.00"}, {FieldBillingZip, 0, "021341234"},
		{FieldModifier(2), 1, "59"}, {FieldModifiers, 1, "25,59"}, {FieldUnits, 1, "1.5"}, {FieldLineCharge, 1, "125.00"},
		{FieldDxPointers, 1, "1,2"}, {FieldDateTo, 1, ""}, {FieldLineCharge, 2, ""}, {Field("nope"), 0, ""},
	}
	for _, tc := range cases {
		if got := c.Value(tc.f, tc.line); got != tc.want {
			t.Errorf("Value(%s, %d) = %q; want %q", tc.f, tc.line, got, tc.want)
		}
	}
}

// TestYMDMatchesTime checks the integer calendar against package time over
// four centuries either side of today.
func TestYMDMatchesTime(t *testing.T) {
	for d := NewDate(1600, time.January, 1); d < NewDate(2400, time.January, 1); d += 13 {
		y, m, dd := d.Time().Date()
		if gy, gm, gd := d.YMD(); gy != y || gm != m || gd != dd {
			t.Fatalf("YMD(%d) = %d-%d-%d; time says %d-%d-%d", d, gy, gm, gd, y, m, dd)
		}
	}
	for _, s := range []string{"0001-01-01", "2000-02-29", "2024-02-29", "2100-03-01", "1900-02-28"} {
		d := MustDate(s)
		y, m, dd := d.YMD()
		if NewDate(y, m, dd) != d {
			t.Errorf("%s round trip", s)
		}
	}
}
