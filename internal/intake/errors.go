package intake

import (
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// FileErrorKind classifies why a whole file was refused.
type FileErrorKind string

// The ways a file fails as a whole. Nothing from such a file is used.
const (
	NotSpreadsheet FileErrorKind = "not_spreadsheet" // not xlsx or csv (xls, pdf, docx, binary)
	Encrypted      FileErrorKind = "encrypted"       // password-protected workbook
	NoSheet        FileErrorKind = "no_sheet"        // the named sheet does not exist
	NoHeader       FileErrorKind = "no_header"       // no header row in the first rows of any sheet
	MissingColumns FileErrorKind = "missing_columns" // required columns absent
	BadHeader      FileErrorKind = "bad_header"      // two columns mean the same field
	TooLarge       FileErrorKind = "too_large"       // over the upload or decompressed size limit
	TooManyRows    FileErrorKind = "too_many_rows"   // over the row limit
	Unreadable     FileErrorKind = "unreadable"      // damaged: the xlsx or csv structure cannot be read
	NoClaims       FileErrorKind = "no_claims"       // a header but no claim below it
)

// FileError says why a claims file was refused as a whole (a "failed
// file", in clearinghouse terms). Its message names the file and what to
// fix; it carries header texts and sheet names but no cell values, so it
// may be logged.
type FileError struct {
	File   string        // base name of the file
	Kind   FileErrorKind // why, for programs
	Reason string        // why, for people: what is wrong and what to do
	// Missing lists the required columns absent (Kind MissingColumns);
	// Headers the header texts that were found.
	Missing []claim.Field
	Headers []string
	Err     error // underlying cause, if any
}

func (e *FileError) Error() string {
	return fmt.Sprintf("claims file %q: %s", e.File, e.Reason)
}

// Unwrap returns the underlying cause.
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(file string, kind FileErrorKind, err error, format string, args ...any) *FileError {
	return &FileError{File: file, Kind: kind, Reason: fmt.Sprintf(format, args...), Err: err}
}

// RowError is a value that could not be read (a "rejected claim" in
// clearinghouse terms: fix it in place). The claim it belongs to is held
// with whatever else could be read; every other claim goes on.
//
// Value holds the cell's content for the staff report and may be patient
// data: it is deliberately not part of Error(), which may be logged.
type RowError struct {
	Sheet   string      // sheet name; "" for CSV
	Row     int         // row number as the spreadsheet shows it (1-based)
	Column  string      // column letter, "" when the error is about the whole row
	Header  string      // that column's header text
	Field   claim.Field // the field the column holds, "" for none
	Value   string      // the cell as read: for the staff report only (may be PHI)
	Message string      // what is wrong and what is expected (no PHI)
	// ClaimID names the claim the row belongs to; that claim is held. It
	// may name a claim returned in an earlier chunk (see Reader.Next). ""
	// when the row belongs to no claim.
	ClaimID string
}

// Error describes the error without the cell value.
func (e RowError) Error() string {
	var b strings.Builder
	if e.Sheet != "" {
		fmt.Fprintf(&b, "sheet %q ", e.Sheet)
	}
	fmt.Fprintf(&b, "row %d", e.Row)
	if e.Column != "" {
		fmt.Fprintf(&b, " column %s", e.Column)
		if e.Header != "" {
			fmt.Fprintf(&b, " (%s)", e.Header)
		}
	}
	if e.ClaimID != "" {
		fmt.Fprintf(&b, " claim %s", e.ClaimID)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}

// Cell returns the error's cell reference ("D17"), or "" for a whole-row error.
func (e RowError) Cell() string {
	if e.Column == "" {
		return ""
	}
	return fmt.Sprintf("%s%d", e.Column, e.Row)
}

// HeldClaims returns the IDs of the claims the row errors hold.
func HeldClaims(errs []RowError) map[string]bool {
	held := make(map[string]bool)
	for _, e := range errs {
		if e.ClaimID != "" {
			held[e.ClaimID] = true
		}
	}
	return held
}
