package intake

import (
	"fmt"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// dateVotes collects what a file's date cells say about its date order
// (see "How rows become claims" in assemble.go).
type dateVotes struct {
	dayFirst, monthFirst dateExample // the first cell that decides each way
	ambiguous            dateExample // the first cell that could be read either way
}

// dateExample is a date cell, by row and cell index.
type dateExample struct {
	row, col int
	example  string // what the cell means both ways, for messages (no value)
}

func (e dateExample) found() bool { return e.row != 0 }

// note counts one date cell.
func (v *dateVotes) note(row, col int, s string) {
	if s == "" {
		return
	}
	order, decides, ambiguous := dateOrderVote(s)
	switch {
	case decides && order == DayFirst && !v.dayFirst.found():
		v.dayFirst = dateExample{row: row, col: col}
	case decides && order == MonthFirst && !v.monthFirst.found():
		v.monthFirst = dateExample{row: row, col: col}
	case ambiguous && !v.ambiguous.found():
		v.ambiguous = dateExample{row: row, col: col}
	}
}

// order returns the file's date order: day first only when some date says
// so and none says otherwise.
func (v *dateVotes) order() DateOrder {
	if v.dayFirst.found() && !v.monthFirst.found() {
		return DayFirst
	}
	return MonthFirst
}

// conflict reports a file that writes dates both ways.
func (v *dateVotes) conflict() bool { return v.dayFirst.found() && v.monthFirst.found() }

// ambiguousNote returns the cell to report when no date decides the order
// and some could be read either way.
func (v *dateVotes) ambiguousNote() (dateExample, bool) {
	if v.dayFirst.found() || v.monthFirst.found() || !v.ambiguous.found() {
		return dateExample{}, false
	}
	e := v.ambiguous
	e.example = "03/04/2026 is 4 March"
	return e, true
}

// date reads a date cell in the file's date order. In a file that writes
// dates both ways, a date that could be read either way is an error;
// others are read the way their numbers allow.
func (r *Reader) date(s string, kind DateKind) (claim.Date, error) {
	order := MonthFirst // corrections typed in review (no layout) are read the US way
	if r.layout != nil {
		order = r.layout.DateOrder
	}
	if r.dates.conflict() {
		vote, decides, ambiguous := dateOrderVote(s)
		if ambiguous {
			return 0, errValue(fmt.Sprintf("cannot tell the day from the month: this file writes dates day first (row %d) and month first (row %d); write this date as YYYY-MM-DD",
				r.dates.dayFirst.row, r.dates.monthFirst.row))
		}
		if decides {
			order = vote
		}
	}
	return ParseDateOrder(s, kind, r.opts.AsOf, r.date1904, order)
}
