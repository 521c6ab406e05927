package inventory

import (
	"fmt"
	"testing"
)

func TestIssueFEFO(t *testing.T) {
	a := Lot{Location: "room-1", Number: "A", Quantity: 4, Received: day("2026-01-01"), Expires: day("2026-04-01")}
	b := Lot{Location: "room-2", Number: "B", Quantity: 6, Received: day("2026-01-01"), Expires: day("2026-03-01")}
	none := Lot{Location: "room-1", Number: "N", Quantity: 10, Received: day("2026-01-01")}
	late := Lot{Location: "room-1", Number: "L", Quantity: 9, Received: day("2026-02-10"), Expires: day("2026-02-20")}
	counted := Lot{Location: "room-2", Number: "C", Quantity: 9, Received: day("2026-01-01"), Counted: day("2026-02-05"), Expires: day("2026-02-15")}
	empty := Lot{Location: "room-1", Number: "E", Quantity: 0, Received: day("2026-01-01"), Counted: day("2026-02-01")}
	for _, tc := range []struct {
		name  string
		lots  []Lot
		q     float64
		on    string
		want  string // lot:quantity issued, in order
		unmet float64
		known bool
	}{
		{"first expiring first, across rooms", []Lot{a, b, none}, 8, "2026-02-01", "B:6 A:2", 0, true},
		{"lots without expiry last", []Lot{none, a, b}, 15, "2026-02-01", "B:6 A:4 N:5", 0, true},
		{"beyond the lots: unmet", []Lot{a, b}, 13, "2026-02-01", "B:6 A:4", 3, true},
		{"expired lot skipped", []Lot{a, b}, 5, "2026-03-01", "A:4", 1, true},
		{"received after the day: untouched", []Lot{late, a}, 5, "2026-02-01", "A:4", 1, true},
		{"received on the day: used", []Lot{late, a}, 5, "2026-02-10", "L:5", 0, true},
		{"counted after the day: untouched", []Lot{counted, none}, 3, "2026-02-04", "N:3", 0, true},
		{"counted on the day: used", []Lot{counted, none}, 3, "2026-02-05", "C:3", 0, true},
		{"counted empty: a stock-out", []Lot{empty}, 2, "2026-02-02", "", 2, true},
		{"no lot known yet: not a stock-out", []Lot{late, counted}, 2, "2026-02-01", "", 0, false},
		{"no lots at all", nil, 2, "2026-02-01", "", 0, false},
		{"zero demand", []Lot{a}, 0, "2026-02-01", "", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			issues, unmet, known := IssueFEFO(tc.lots, tc.q, day(tc.on))
			got := ""
			var sum float64
			for i, is := range issues {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("%s:%g", is.Lot.Number, is.Quantity)
				sum += is.Quantity
			}
			if got != tc.want || unmet != tc.unmet || known != tc.known {
				t.Errorf("issued %q unmet %v known %v; want %q, %v, %v", got, unmet, known, tc.want, tc.unmet, tc.known)
			}
			if known && sum+unmet != tc.q {
				t.Errorf("issued %v + unmet %v ≠ demand %v", sum, unmet, tc.q)
			}
		})
	}
	// The caller's lots are not changed.
	lots := []Lot{a, b}
	IssueFEFO(lots, 100, day("2026-02-01"))
	if lots[0] != a || lots[1] != b {
		t.Errorf("lots changed: %+v", lots)
	}
}
