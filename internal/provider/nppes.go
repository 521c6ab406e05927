package provider

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The NPPES NPI file's columns rcmbot reads (CMS's public "NPPES
// Downloadable File", npidata_pfile_*.csv); others are ignored.
const (
	ColNPI          = "NPI"
	ColEntityType   = "Entity Type Code"
	ColOrganisation = "Provider Organization Name (Legal Business Name)"
	ColLastName     = "Provider Last Name (Legal Name)"
	ColFirstName    = "Provider First Name"
	ColTaxonomy     = "Healthcare Provider Taxonomy Code_1"
	ColLine1        = "Provider First Line Business Practice Location Address"
	ColLine2        = "Provider Second Line Business Practice Location Address"
	ColCity         = "Provider Business Practice Location Address City Name"
	ColState        = "Provider Business Practice Location Address State Name"
	ColZip          = "Provider Business Practice Location Address Postal Code"
)

// MaxImportRows bounds an import: a practice's providers, not the
// nation's (the full NPPES file has millions of rows: filter it first).
const MaxImportRows = 10000

// RowError is a row of an import that cannot be used: file, row (1 = the
// header), column letter and header, and why. It never carries the value.
type RowError struct {
	File    string `json:"file"`
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Header  string `json:"header,omitempty"`
	Message string `json:"message"`
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s, row %d: %s", e.File, e.Row, e.Message)
	}
	return fmt.Sprintf("%s, row %d, column %s (%s): %s", e.File, e.Row, e.Column, e.Header, e.Message)
}

// FileError is an import that cannot be read as a whole (not CSV, a
// required column missing, too many rows).
type FileError struct {
	File    string
	Message string
}

func (e *FileError) Error() string { return e.File + ": " + e.Message }

// ReadNPPES reads providers from a CSV with NPPES NPI file headers
// (NPI and Entity Type Code required, the name, taxonomy and practice
// location columns used when present). Rows that cannot be used are
// RowErrors, one per problem, and the rest are returned; an NPI twice in
// the file is an error on its second row. The error is a *FileError.
func ReadNPPES(r io.Reader, file string) ([]Provider, []RowError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, &FileError{File: file, Message: "could not be read: " + err.Error()}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, &FileError{File: file, Message: "is not a CSV file with a header row"}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{ColNPI, ColEntityType} {
		if _, ok := col[need]; !ok {
			return nil, nil, &FileError{File: file, Message: fmt.Sprintf("has no %q column (the NPPES NPI file's headers are expected)", need)}
		}
	}
	var out []Provider
	var rowErrs []RowError
	seen := map[string]int{}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return out, rowErrs, &FileError{File: file, Message: fmt.Sprintf("row %d is not valid CSV: %v", row, pe.Err)}
			}
			return out, rowErrs, &FileError{File: file, Message: "could not be read: " + err.Error()}
		}
		if row-1 > MaxImportRows {
			return nil, nil, &FileError{File: file, Message: fmt.Sprintf("has more than %d providers: keep the practice's rows only", MaxImportRows)}
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		p := Provider{NPI: get(ColNPI), LastName: get(ColLastName), FirstName: get(ColFirstName), Organisation: get(ColOrganisation),
			Taxonomy: get(ColTaxonomy), Address: claim.Address{Line1: get(ColLine1), Line2: get(ColLine2), City: get(ColCity),
				State: get(ColState), Zip: get(ColZip)}}
		switch code := get(ColEntityType); code {
		case "1":
			p.Entity = Individual
		case "2":
			p.Entity = Organisation
		case "":
			// NPPES leaves it empty for deactivated NPIs.
		default:
			rowErrs = append(rowErrs, RowError{File: file, Row: row, Column: columnLetter(col[ColEntityType]), Header: ColEntityType,
				Message: "must be 1 (individual) or 2 (organisation)"})
			continue
		}
		p.Normalize()
		if err := p.Validate(); err != nil {
			for _, fe := range fieldErrors(err) {
				h := headerOf(fe.Field)
				if fe.Field == FieldEntity {
					fe.Message = "is empty: NPPES leaves it so for deactivated NPIs; give 1 (individual) or 2 (organisation)"
				}
				rowErrs = append(rowErrs, RowError{File: file, Row: row, Column: columnLetter(colOf(col, h)), Header: h, Message: fe.Message})
			}
			continue
		}
		if first, dup := seen[p.NPI]; dup {
			rowErrs = append(rowErrs, RowError{File: file, Row: row, Column: columnLetter(col[ColNPI]), Header: ColNPI,
				Message: fmt.Sprintf("the same NPI is on row %d", first)})
			continue
		}
		seen[p.NPI] = row
		out = append(out, p)
	}
	return out, rowErrs, nil
}

// fieldErrors unjoins Validate's error.
func fieldErrors(err error) []FieldError {
	var out []FieldError
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var fe *FieldError
		if errors.As(e, &fe) {
			out = append(out, *fe)
		}
	}
	walk(err)
	return out
}

// headerOf is the NPPES column a field comes from.
func headerOf(f Field) string {
	switch f {
	case FieldNPI:
		return ColNPI
	case FieldEntity:
		return ColEntityType
	case FieldLastName:
		return ColLastName
	case FieldFirstName:
		return ColFirstName
	case FieldOrganisation:
		return ColOrganisation
	case FieldTaxonomy:
		return ColTaxonomy
	case FieldAddress:
		return ColLine1
	}
	return ""
}

func colOf(col map[string]int, header string) int {
	if i, ok := col[header]; ok {
		return i
	}
	return -1
}

// columnLetter is the spreadsheet letter of a 0-based column ("" for -1).
func columnLetter(i int) string {
	if i < 0 {
		return ""
	}
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// ImportResult is what an import did: providers saved, the rows left out
// and why, and how many waiting batches were told to re-scrub.
type ImportResult struct {
	Saved     int        `json:"saved"`
	RowErrors []RowError `json:"row_errors"`
	Batches   int        `json:"batches_rescrubbed"`
}
