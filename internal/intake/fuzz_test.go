package intake

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// FuzzValues runs every cell parser on the same text: none may panic, and
// what they accept must be normalised.
func FuzzValues(f *testing.F) {
	for _, s := range []string{"46027", "01/05/2026", "1/5/26", "2026-01-05", "20260105", "Jan 5, 2026", "5-Jan-26",
		"$1,234.50", "(12.00)", "1.2345E+3", "99213-25", "100", "E11.9", "1,2", "AB", "10", "12-3456789", "02134-1234",
		"1234-5678-90", "1.234567893E+9", "Female", "", " ", "60", "2/29/24", "-1", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []DateKind{ServiceDate, BirthDate} {
			for _, d1904 := range []bool{false, true} {
				d, err := ParseDate(s, kind, asOf, d1904)
				if err == nil && d != 0 {
					if y, _, _ := d.YMD(); y < 1900 || y > 10000 {
						t.Errorf("ParseDate(%q) = %v: out of range", s, d)
					}
				}
				if err != nil && !isValueError(err) {
					t.Errorf("ParseDate(%q) error %v is not a value error", s, err)
				}
			}
		}
		if d, err := ParseDate(s, BirthDate, asOf, false); err == nil && d > asOf && !strings.ContainsAny(s, "0123456789") {
			t.Errorf("birth date %v after as-of from %q", d, s)
		}
		if m, ok, err := ParseAmount(s); err == nil && ok {
			back, err := claim.ParseMoney(m.String())
			if err != nil || back != m {
				t.Errorf("ParseAmount(%q) = %v does not round-trip: %v %v", s, m, back, err)
			}
		}
		if u, err := ParseUnits(s); err == nil && (u != u || u > 1e6 || u < -1e6) {
			t.Errorf("ParseUnits(%q) = %v", s, u)
		}
		if code, mods, err := ParseProcedure(s); err == nil {
			if code != strings.ToUpper(code) || strings.ContainsAny(code, " -:") {
				t.Errorf("ParseProcedure(%q) = %q", s, code)
			}
			for _, m := range mods {
				if len(m) != 2 {
					t.Errorf("ParseProcedure(%q) modifier %q", s, m)
				}
			}
		}
		if dx, err := ParseDiagnosis(s); err == nil && strings.ContainsAny(dx, ". ") {
			t.Errorf("ParseDiagnosis(%q) = %q", s, dx)
		}
		if m, err := ParseModifier(s); err == nil && m != "" && len(m) != 2 {
			t.Errorf("ParseModifier(%q) = %q", s, m)
		}
		if ps, err := ParsePointers(s); err == nil {
			for _, p := range ps {
				if p < 1 || p > claim.MaxDiagnoses {
					t.Errorf("ParsePointers(%q) = %v", s, ps)
				}
			}
		}
		if ndc, err := ParseNDC(s); err == nil && ndc != "" && (len(ndc) != 11 || !allDigits(ndc)) {
			t.Errorf("ParseNDC(%q) = %q", s, ndc)
		}
		_, _ = ParseSex(s)
		_, _ = ParseFrequency(s)
		_ = ParseTIN(s)
		_ = ParseZip(s)
		_ = ParsePOS(s)
		_ = ParsePayerID(s)
		_ = IDText(s)
		_, _ = FieldForHeader(s)
	})
}

// FuzzCSV reads arbitrary bytes as a claims file: it either fails as a
// whole with a *FileError or yields claims whose rows and errors are
// consistent. It must never panic.
func FuzzCSV(f *testing.F) {
	f.Add([]byte(csvText(",", baseHeader, baseRow("A1", "1/5/2026", "99213", "100", "1", "E11.9"), baseRow("", "1/5/2026", "36415", "x", "2"))))
	f.Add([]byte(csvText(";", baseHeader, baseRow("A1", "2/30/2026", "99213", "100", "AB", "E11.9", "I10"))))
	f.Add([]byte("Claim #\tLast Name\tFirst Name\tDOB\tMember ID\tPayer ID\tBilling NPI\tDOS\tCPT\tCharges\tDx 1\nA\tB\tC\t1/1/70\tM\t1\t2\t3\t4\t5\t6\n"))
	f.Add([]byte("\xef\xbb\xbfclaim_id,\"patient_last_name\nx\",patient_first_name\n\"unterminated"))
	f.Add([]byte("\xff\xfeC\x00,\x00"))
	f.Add([]byte("Total,,\n,,,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o := opts()
		o.Limits.MaxRows = 1000
		r, err := NewReader(bytes.NewReader(b), int64(len(b)), "fuzz.csv", o)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("open error %v (%T) is not a *FileError", err, err)
			}
			return
		}
		defer r.Close()
		lastRow := 0
		for {
			cs, es, err := r.Next(3)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next error %v is not a *FileError", err)
				}
				return
			}
			for _, c := range cs {
				if c.ID == "" || c.Row <= r.Layout().HeaderRow || c.Row <= lastRow {
					t.Fatalf("claim %q on row %d after row %d", c.ID, c.Row, lastRow)
				}
				lastRow = c.Row
				for i, l := range c.Lines {
					if l.Number != i+1 || l.Row < c.Row {
						t.Fatalf("line %+v of claim on row %d", l, c.Row)
					}
				}
			}
			for _, e := range es {
				// Notes on the whole file sit on the header row, holding nothing.
				if e.Row < r.Layout().HeaderRow || (e.Row == r.Layout().HeaderRow && (e.ClaimID != "" || e.Column != "")) || e.Message == "" {
					t.Fatalf("row error %+v", e)
				}
			}
		}
	})
}
