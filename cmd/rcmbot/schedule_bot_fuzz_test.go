package main

import (
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/fault"
)

// FuzzParseVisitTypes: --visit-type values never crash the parser; what
// it accepts has an ID and minutes above 0, what it refuses is a staff
// error naming the flag.
func FuzzParseVisitTypes(f *testing.F) {
	for _, s := range []string{"FU=15", "NEW=30,LONG=45", "=", "FU=", "=15", "FU=-1", "FU=1e3", "A=B=C", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		types, err := parseVisitTypes(strings.Split(s, ","))
		if err != nil {
			if fault.CodeOf(err) != fault.Invalid || !strings.Contains(fault.MessageOf(err), "--visit-type") {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		for _, v := range types {
			if v.ID == "" || v.Minutes <= 0 {
				t.Fatalf("%q accepted as %+v", s, v)
			}
		}
	})
}
