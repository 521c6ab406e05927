package invfile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/intake"
)

// FileError says why a file cannot be used at all. Its message names the
// file and what to fix, never a cell's value.
type FileError struct {
	File   string
	Reason string
	Err    error // underlying cause, if any
}

func (e *FileError) Error() string { return e.File + ": " + e.Reason }

// Unwrap returns the underlying cause.
func (e *FileError) Unwrap() error { return e.Err }

// fileError turns intake's refusal of a file into a FileError (intake's
// own message speaks of claims files).
func fileError(err error) error {
	var fe *intake.FileError
	if errors.As(err, &fe) {
		return &FileError{File: fe.File, Reason: fe.Reason, Err: fe}
	}
	return err
}

// RowError is a row that could not be read; the row is left out (and, in
// an item master, so is its item). Error() names file, sheet, row, column
// and what was expected; the value is not part of it (it may reach logs),
// Value keeps it for the person fixing the file.
type RowError struct {
	File    string `json:"file"`
	Sheet   string `json:"sheet,omitempty"`
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"` // letter, "" for the whole row
	Header  string `json:"header,omitempty"` // the column's header text
	Field   Field  `json:"field,omitempty"`
	SKU     string `json:"sku,omitempty"` // the item the row is about, when it could be read
	Message string `json:"message"`
	Value   string `json:"-"`
}

func (e RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Sheet != "" {
		fmt.Fprintf(&b, " sheet %q", e.Sheet)
	}
	fmt.Fprintf(&b, " row %d", e.Row)
	if e.Column != "" {
		fmt.Fprintf(&b, " column %s (%s)", e.Column, e.Header)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}
