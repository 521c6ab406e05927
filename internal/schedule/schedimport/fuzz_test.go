package schedimport

import (
	"bytes"
	"strings"
	"testing"
)

// The readers never crash on any upload and never put a cell value in
// an error string.
func FuzzReadExports(f *testing.F) {
	f.Add([]byte("Appt ID,Doctor,Appt Date,Appt Time,Appt Type\nA1,P1,12/07/2026,9:00 AM,FU\n"))
	f.Add([]byte("Resource,Day,From,To\nP1,Mon,8:00,12:00\nP1,Tue,25:00,x\n"))
	f.Add([]byte("Patient ID,Date,Time,Outcome,Lead Days\nPT1,2026-10-01,9:00,NS,12\nPT1,,,,\n"))
	f.Add([]byte("Date,Provider,Start,End\n12/24/2026,,,\n"))
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Add([]byte("\xff\xfeP\x00r\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		size := int64(len(data))
		// A value long enough not to occur in the fixed wording by chance
		// must not be in the error (the header text aside).
		check := func(errs []RowError) {
			for _, e := range errs {
				text := strings.Replace(e.Error(), "("+e.Header+")", "", 1)
				if len(e.Value) >= 8 && strings.Contains(text, e.Value) {
					t.Fatalf("value %q in error %q", e.Value, e.Error())
				}
			}
		}
		if a, err := ReadAppointments(Upload(r, size, "f.csv"), asOf); err == nil {
			check(a.Errors)
		}
		if tm, err := ReadTemplates(Upload(r, size, "f.csv"), asOf); err == nil {
			check(tm.Errors)
		}
		if h, err := ReadHistory(Upload(r, size, "f.csv"), asOf); err == nil {
			check(h.Errors)
		}
		if b, err := ReadBlocks(Upload(r, size, "f.csv"), asOf); err == nil {
			check(b.Errors)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"08:00", "8:00 PM", "0.375", "1330", "8.30", "24:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseTime(s)
		if err == nil && (c < 0 || c > 1440) {
			t.Fatalf("ParseTime(%q) = %d", s, c)
		}
	})
}
