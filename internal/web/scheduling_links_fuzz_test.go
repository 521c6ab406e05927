package web

import (
	"testing"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// FuzzChoiceSlot: whatever a patient's browser posts as the chosen time,
// choiceSlot returns a slot that writes back to the same fields, or a
// fault.Invalid error; it never panics.
func FuzzChoiceSlot(f *testing.F) {
	for _, s := range []string{"2026-12-07 10:30 P1", "", "soon", "2026-12-07 25:00 P1", "2026-02-30 10:30 P1", "2026-12-07 10:30", " 2026-12-07\t08:00  P-2 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		slot, err := choiceSlot(v)
		if err != nil {
			if fault.CodeOf(err) != fault.Invalid {
				t.Fatalf("%q: %v is not fault.Invalid", v, err)
			}
			return
		}
		again, err := choiceSlot(slot.Date.String() + " " + slot.Start.String() + " " + slot.ProviderID)
		if err != nil || again != slot {
			t.Fatalf("%q read as %+v, which reads back as %+v (%v)", v, slot, again, err)
		}
		if slot.Start < 0 || slot.Start >= schedule.MinutesPerDay {
			t.Fatalf("%q: start %d out of the day", v, slot.Start)
		}
	})
}
