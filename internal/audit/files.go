package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/intake"
)

// RowError is an input row that could not be read. The row is skipped
// (or, for a roster, kept without the value) and reported; its message
// names the file, row and column and never the value, so it may be logged.
type RowError struct {
	File   string // base name of the file
	Row    int    // the row as the file shows it: its line in a CSV file
	Column string // the column's name ("time"); "" when about the whole row
	Letter string // the column's spreadsheet letter
	Reason string // what is wrong and what is expected
}

// Error names the file, row and column and says what is wrong (no value).
func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s row %d: %s", e.File, e.Row, e.Reason)
	}
	return fmt.Sprintf("%s row %d, column %s (%s): %s", e.File, e.Row, e.Letter, e.Column, e.Reason)
}

// colSpec is one column of a fixed file layout.
type colSpec struct {
	name     string
	required bool
	synonyms []string
}

// fileSpec is a fixed file layout. Headers are matched after
// intake.NormalizeHeader, so case, spaces and punctuation do not matter.
type fileSpec struct {
	what string
	cols []colSpec
}

// The columns of access.csv, in the order of the acc* indexes.
const (
	accTime = iota
	accUser
	accPatient
	accAction
	accWorkstation
	accIP
)

var accessSpec = fileSpec{"access log", []colSpec{
	{"time", true, []string{"timestamp", "date time", "datetime", "access time", "event time", "accessed at", "time stamp"}},
	{"user_id", true, []string{"user", "userid", "username", "user name", "login", "employee id", "staff id", "user login"}},
	{"patient_id", true, []string{"patient", "mrn", "medical record number", "patient mrn", "patient number"}},
	{"action", true, []string{"event", "activity", "access type", "event type", "operation"}},
	{"workstation", false, []string{"device", "terminal", "computer", "host", "hostname", "machine", "workstation id"}},
	{"ip", false, []string{"ip address", "address", "source ip", "client ip", "client address", "remote address", "ip addr"}},
}}

const (
	stfUser = iota
	stfLast
	stfFirst
	stfDept
	stfRole
	stfAddress
	stfZIP
	stfHire
	stfTerm
	stfShiftStart
	stfShiftEnd
)

var staffSpec = fileSpec{"staff roster", []colSpec{
	{"user_id", true, []string{"user", "userid", "username", "login", "employee id", "staff id"}},
	{"last_name", true, []string{"surname", "last", "family name", "lastname"}},
	{"first_name", false, []string{"first", "given name", "firstname"}},
	{"department", true, []string{"dept", "unit", "department name"}},
	{"role", true, []string{"job title", "position", "title", "job"}},
	{"address", false, []string{"street", "street address", "address 1", "address line 1", "home address"}},
	{"zip", false, []string{"zip code", "postal code", "zipcode", "postcode"}},
	{"hire_date", false, []string{"hired", "start date", "date hired", "hire"}},
	{"termination_date", false, []string{"term date", "terminated", "end date", "termination", "last day"}},
	{"shift_start", false, []string{"shift begin", "shift from", "start time"}},
	{"shift_end", false, []string{"shift stop", "shift to", "end time"}},
}}

const (
	patID = iota
	patLast
	patFirst
	patDOB
	patAddress
	patZIP
	patVIP
	patEmployee
)

var patientSpec = fileSpec{"patient roster", []colSpec{
	{"patient_id", true, []string{"patient", "mrn", "medical record number", "patient mrn", "patient number"}},
	{"last_name", true, []string{"surname", "last", "family name", "lastname", "patient last name"}},
	{"first_name", false, []string{"first", "given name", "firstname", "patient first name"}},
	{"dob", false, []string{"date of birth", "birth date", "birthdate", "patient dob"}},
	{"address", false, []string{"street", "street address", "address 1", "address line 1", "home address"}},
	{"zip", false, []string{"zip code", "postal code", "zipcode", "postcode"}},
	{"vip", false, []string{"vip flag", "is vip", "confidential", "restricted"}},
	{"employee_user_id", false, []string{"employee user id", "employee id", "staff user id", "employee", "staff id"}},
}}

const (
	encPatient = iota
	encUser
	encDept
	encStart
	encEnd
	encKind
)

var encounterSpec = fileSpec{"encounters file", []colSpec{
	{"patient_id", true, []string{"patient", "mrn", "medical record number", "patient mrn", "patient number"}},
	{"user_id", false, []string{"user", "userid", "provider", "provider user id", "clinician", "staff id"}},
	{"department", true, []string{"dept", "unit", "department name", "service"}},
	{"start", true, []string{"start time", "begin", "from", "admit", "admitted", "start date"}},
	{"end", false, []string{"end time", "to", "discharge", "discharged", "end date"}},
	{"kind", true, []string{"type", "encounter type", "encounter kind", "category"}},
}}

// headerScanRows is how many rows from the top may hold the header.
const headerScanRows = 20

// rowSource yields rows with their numbers, then io.EOF. A *rowFault is
// a bad row that reading may go on after; any other error is fatal.
type rowSource interface {
	next() (int, [][]byte, error)
	close() error
}

type rowFault struct {
	row    int
	reason string
}

func (f *rowFault) Error() string { return f.reason }

// fastSource reads plain UTF-8 comma-separated text with csvScanner.
type fastSource struct {
	sc *csvScanner
	f  *os.File
}

func (s *fastSource) next() (int, [][]byte, error) {
	line, cells, err := s.sc.next()
	if err == nil {
		return line, cells, nil
	}
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return pe.StartLine, nil, &rowFault{pe.StartLine, fmt.Sprintf("the row cannot be read as CSV (%v at line %d); check its quotes", pe.Err, pe.Line)}
	case errors.Is(err, errRecordTooLong):
		return line, nil, &rowFault{line, err.Error()}
	}
	return line, cells, err
}

func (s *fastSource) close() error { return s.f.Close() }

// tableSource reads anything else (xlsx, other encodings and delimiters)
// through intake.Table.
type tableSource struct {
	t          *intake.Table
	cells      [][]byte
	headerRead bool // the table's first row, which it takes as its header, was returned
}

// next returns the table's rows from its first: openTable finds the
// header among them itself.
func (s *tableSource) next() (int, [][]byte, error) {
	row, cells := s.t.HeaderRow, s.t.Header
	if s.headerRead {
		var err error
		if row, cells, err = s.t.Next(); err != nil {
			return row, nil, err
		}
	}
	s.headerRead = true
	s.cells = s.cells[:0]
	for _, c := range cells {
		s.cells = append(s.cells, []byte(c))
	}
	return row, s.cells, nil
}

func (s *tableSource) close() error { return s.t.Close() }

// openRows opens a table file: plain CSV with the fast scanner, anything
// else intake reads with intake.
func openRows(path string) (rowSource, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "%s cannot be opened", name)
	}
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, fault.Wrap(err, fault.Invalid, "%s cannot be read", name)
	}
	if n == 0 {
		f.Close()
		return nil, fault.Errorf(fault.Invalid, "%s is empty", name)
	}
	if intake.PlainCSV(head[:n]) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return &fastSource{sc: newCSVScanner(f, csvBufferSize), f: f}, nil
	}
	f.Close()
	t, err := intake.OpenTable(path, intake.TableOptions{
		Limits:   intake.Limits{MaxBytes: math.MaxInt64 / 2, MaxRows: math.MaxInt},
		IsHeader: func([]string) bool { return true }, // openTable finds the header
	})
	if err != nil {
		var fe *intake.FileError
		if errors.As(err, &fe) {
			return nil, fault.Wrap(err, fault.Invalid, "%s: %s", name, fe.Reason)
		}
		return nil, fault.Wrap(err, fault.Invalid, "%s cannot be read", name)
	}
	return &tableSource{t: t}, nil
}

// table is an open file of a fixed layout with its header found.
type table struct {
	file    string
	spec    *fileSpec
	src     rowSource
	idx     []int // column → cell index, -1 when absent
	letters []string
}

// openTable opens a file and finds its header: the first of the top rows
// that has every required column.
func openTable(path string, spec *fileSpec) (*table, error) {
	src, err := openRows(path)
	if err != nil {
		return nil, err
	}
	t := &table{file: filepath.Base(path), spec: spec, src: src}
	var first []string
	for range headerScanRows {
		row, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rf *rowFault
		if errors.As(err, &rf) {
			continue
		}
		if err != nil {
			src.close()
			return nil, t.fatal(err)
		}
		idx, dup := matchHeader(spec, cells)
		if first == nil {
			first = headerTexts(cells)
		}
		if dup != "" {
			src.close()
			return nil, fault.Errorf(fault.Invalid, "%s row %d: %s", t.file, row, dup)
		}
		if idx == nil {
			continue
		}
		t.idx = idx
		t.letters = make([]string, len(spec.cols))
		for i, c := range idx {
			if c >= 0 {
				t.letters[i] = intake.ColumnLetter(c)
			}
		}
		return t, nil
	}
	src.close()
	var req []string
	for _, c := range spec.cols {
		if c.required {
			req = append(req, c.name)
		}
	}
	return nil, fault.Errorf(fault.Invalid, "%s: no header row with the %s columns %s in its first %d rows (the first row has: %s)",
		t.file, spec.what, strings.Join(req, ", "), headerScanRows, strings.Join(first, ", "))
}

func headerTexts(cells [][]byte) []string {
	var out []string
	for _, c := range cells {
		if s := strings.TrimSpace(string(c)); s != "" {
			out = append(out, strconv.Quote(s))
		}
	}
	return out
}

// matchHeader maps header cells to the spec's columns. It returns nil
// when a required column is missing, and a message when two cells name
// the same column.
func matchHeader(spec *fileSpec, cells [][]byte) ([]int, string) {
	idx := make([]int, len(spec.cols))
	for i := range idx {
		idx[i] = -1
	}
	for ci, cell := range cells {
		key := intake.NormalizeHeader(string(cell))
		if key == "" {
			continue
		}
		for k, col := range spec.cols {
			if !headerMatches(key, col) {
				continue
			}
			if idx[k] >= 0 {
				return nil, fmt.Sprintf("columns %s and %s both mean %s; rename or delete one of them",
					intake.ColumnLetter(idx[k]), intake.ColumnLetter(ci), col.name)
			}
			idx[k] = ci
			break
		}
	}
	for k, col := range spec.cols {
		if col.required && idx[k] < 0 {
			return nil, ""
		}
	}
	return idx, ""
}

func headerMatches(key string, col colSpec) bool {
	if key == intake.NormalizeHeader(col.name) {
		return true
	}
	for _, s := range col.synonyms {
		if key == intake.NormalizeHeader(s) {
			return true
		}
	}
	return false
}

func (t *table) fatal(err error) error {
	var fe *intake.FileError
	if errors.As(err, &fe) {
		return fault.Wrap(err, fault.Invalid, "%s: %s", t.file, fe.Reason)
	}
	return fault.Wrap(err, fault.Invalid, "%s cannot be read", t.file)
}

// row is one data row of a table.
type row struct {
	t     *table
	n     int
	cells [][]byte
}

// next returns the next non-blank data row. Rows that cannot be read at
// all are appended to errs and skipped.
func (t *table) next(errs *[]RowError) (row, error) {
	for {
		n, cells, err := t.src.next()
		if err == nil {
			if r := (row{t: t, n: n, cells: cells}); !r.blank() {
				return r, nil
			}
			continue
		}
		var rf *rowFault
		if errors.As(err, &rf) {
			*errs = append(*errs, RowError{File: t.file, Row: rf.row, Reason: rf.reason})
			continue
		}
		if errors.Is(err, io.EOF) {
			return row{}, io.EOF
		}
		return row{}, t.fatal(err)
	}
}

func (r row) blank() bool {
	for _, c := range r.cells {
		if len(bytes.TrimSpace(c)) > 0 {
			return false
		}
	}
	return true
}

// get returns column k's cell, trimmed; nil when the file has no such column.
func (r row) get(k int) []byte {
	i := r.t.idx[k]
	if i < 0 || i >= len(r.cells) {
		return nil
	}
	return bytes.TrimSpace(r.cells[i])
}

func (r row) str(k int) string { return string(r.get(k)) }

func (r row) err(k int, format string, args ...any) RowError {
	return RowError{File: r.t.file, Row: r.n, Column: r.t.spec.cols[k].name, Letter: r.t.letters[k], Reason: fmt.Sprintf(format, args...)}
}

// readAll reads every row of a roster or encounters file with parse.
func readAll(path string, spec *fileSpec, parse func(row, *[]RowError)) ([]RowError, error) {
	t, err := openTable(path, spec)
	if err != nil {
		return nil, err
	}
	defer t.src.close()
	var errs []RowError
	for {
		r, err := t.next(&errs)
		if errors.Is(err, io.EOF) {
			return errs, nil
		}
		if err != nil {
			return errs, err
		}
		parse(r, &errs)
	}
}

// asOf is the date two-digit years in rosters resolve against.
func asOf() claim.Date { return claim.DateOf(time.Now()) }

// ReadStaff reads the staff roster (staff.csv or .xlsx). A row without a
// user_id, or repeating one, is skipped; a value that cannot be read is
// left blank; both are reported.
func ReadStaff(path string) ([]Staff, []RowError, error) {
	var out []Staff
	seen := make(map[string]int)
	today := asOf()
	errs, err := readAll(path, &staffSpec, func(r row, errs *[]RowError) {
		s := Staff{UserID: r.str(stfUser), LastName: r.str(stfLast), FirstName: r.str(stfFirst), Department: r.str(stfDept),
			Role: r.str(stfRole), Address: r.str(stfAddress), ZIP: r.str(stfZIP), ShiftStart: NoClock, ShiftEnd: NoClock}
		if s.UserID == "" {
			*errs = append(*errs, r.err(stfUser, "the user_id is empty; the row is skipped"))
			return
		}
		if first, dup := seen[s.UserID]; dup {
			*errs = append(*errs, r.err(stfUser, "this user_id is already on row %d; the row is skipped", first))
			return
		}
		seen[s.UserID] = r.n
		for _, c := range []struct {
			k   int
			dst *claim.Date
		}{{stfHire, &s.HireDate}, {stfTerm, &s.TerminationDate}} {
			d, err := intake.ParseDate(r.str(c.k), intake.ServiceDate, today, false)
			if err != nil {
				*errs = append(*errs, r.err(c.k, "%v", err))
			}
			*c.dst = d
		}
		for _, c := range []struct {
			k   int
			dst *Clock
		}{{stfShiftStart, &s.ShiftStart}, {stfShiftEnd, &s.ShiftEnd}} {
			v, err := ParseClock(r.str(c.k))
			if err != nil {
				*errs = append(*errs, r.err(c.k, "%v", err))
			}
			*c.dst = v
		}
		if (s.ShiftStart == NoClock) != (s.ShiftEnd == NoClock) {
			*errs = append(*errs, r.err(stfShiftEnd, "give both shift_start and shift_end, or neither; the shift is ignored"))
			s.ShiftStart, s.ShiftEnd = NoClock, NoClock
		}
		if !s.HireDate.IsZero() && !s.TerminationDate.IsZero() && s.TerminationDate < s.HireDate {
			*errs = append(*errs, r.err(stfTerm, "the termination date is before the hire date"))
		}
		out = append(out, s)
	})
	return out, errs, err
}

// ReadPatients reads the patient roster (patients.csv or .xlsx).
func ReadPatients(path string) ([]Patient, []RowError, error) {
	var out []Patient
	seen := make(map[string]int)
	today := asOf()
	errs, err := readAll(path, &patientSpec, func(r row, errs *[]RowError) {
		p := Patient{PatientID: r.str(patID), LastName: r.str(patLast), FirstName: r.str(patFirst), Address: r.str(patAddress),
			ZIP: r.str(patZIP), EmployeeUserID: r.str(patEmployee)}
		if p.PatientID == "" {
			*errs = append(*errs, r.err(patID, "the patient_id is empty; the row is skipped"))
			return
		}
		if first, dup := seen[p.PatientID]; dup {
			*errs = append(*errs, r.err(patID, "this patient_id is already on row %d; the row is skipped", first))
			return
		}
		seen[p.PatientID] = r.n
		var err error
		if p.DOB, err = intake.ParseDate(r.str(patDOB), intake.BirthDate, today, false); err != nil {
			*errs = append(*errs, r.err(patDOB, "%v", err))
		}
		if p.VIP, err = parseBool(r.str(patVIP)); err != nil {
			*errs = append(*errs, r.err(patVIP, "%v", err))
		}
		out = append(out, p)
	})
	return out, errs, err
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "no", "n", "0", "f":
		return false, nil
	case "true", "yes", "y", "1", "t", "vip":
		return true, nil
	}
	return false, errors.New("expected true or false")
}

// ReadEncounters reads the encounters file (encounters.csv or .xlsx).
// Times of an xlsx workbook may also be Excel date-times, read in loc.
func ReadEncounters(path string, loc *time.Location) ([]Encounter, []RowError, error) {
	var out []Encounter
	errs, err := eachEncounter(path, loc, func(e *rawEncounter) {
		out = append(out, Encounter{PatientID: string(e.patient), UserID: string(e.user), Department: string(e.dept),
			Start: e.start.In(loc), End: e.end.In(loc), Kind: e.kind})
	})
	return out, errs, err
}

// rawEncounter is a good row of an encounters file; the byte fields alias
// the reader's buffer until the next row.
type rawEncounter struct {
	patient, user, dept []byte
	start, end          time.Time
	kind                EncounterKind
}

// eachEncounter streams the good rows of an encounters file to f.
func eachEncounter(path string, loc *time.Location, f func(*rawEncounter)) ([]RowError, error) {
	if loc == nil {
		loc = time.UTC
	}
	var e rawEncounter
	return readAll(path, &encounterSpec, func(r row, errs *[]RowError) {
		e = rawEncounter{patient: r.get(encPatient), user: r.get(encUser), dept: r.get(encDept)}
		bad := false
		if len(e.patient) == 0 {
			*errs, bad = append(*errs, r.err(encPatient, "the patient_id is empty")), true
		}
		if len(e.dept) == 0 {
			*errs, bad = append(*errs, r.err(encDept, "the department is empty")), true
		}
		var ok bool
		if e.kind, ok = kindOf(r.get(encKind)); !ok {
			*errs, bad = append(*errs, r.err(encKind, "not an encounter kind: expected one of %s", joinStrings(EncounterKinds))), true
		}
		if e.start, ok = cellTime(r.get(encStart), loc); !ok {
			*errs, bad = append(*errs, r.err(encStart, "%s", timeExpect)), true
		}
		if end := r.get(encEnd); len(end) == 0 {
			e.end = e.start
		} else if e.end, ok = cellTime(end, loc); !ok {
			*errs, bad = append(*errs, r.err(encEnd, "%s", timeExpect)), true
		} else if e.end.Before(e.start) {
			*errs, bad = append(*errs, r.err(encEnd, "the end is before the start")), true
		}
		if !bad {
			f(&e)
		}
	})
}

const timeExpect = "expected an RFC 3339 time with an offset, such as 2025-03-04T08:15:00-05:00"

// cellTime reads an RFC 3339 time, or an Excel date-time serial (which
// workbooks store) in loc.
func cellTime(b []byte, loc *time.Location) (time.Time, bool) {
	if sec, nsec, ok := parseTime(b); ok {
		return time.Unix(sec, int64(nsec)), true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 1 || f > 2958465 || math.IsNaN(f) {
		return time.Time{}, false
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	d := time.Date(1899, time.December, 30, 0, 0, 0, 0, loc).AddDate(0, 0, int(days))
	return d.Add(time.Duration(secs) * time.Second), true
}

// AccessReader streams an access log (access.csv or .xlsx). Bad rows are
// skipped and kept in RowErrors.
type AccessReader struct {
	t    *table
	loc  *time.Location
	errs []RowError
}

// OpenAccessLog opens an access log and finds its header. loc reads the
// Excel date-times of a workbook (RFC 3339 times carry their offset).
func OpenAccessLog(path string, loc *time.Location) (*AccessReader, error) {
	if loc == nil {
		loc = time.UTC
	}
	t, err := openTable(path, &accessSpec)
	if err != nil {
		return nil, err
	}
	return &AccessReader{t: t, loc: loc}, nil
}

// next reads the next good row into raw, whose fields then alias the
// reader's buffer until the following call.
func (r *AccessReader) next(raw *rawAccess) error {
	for {
		row, err := r.t.next(&r.errs)
		if err != nil {
			return err
		}
		if r.parse(row, raw) {
			return nil
		}
	}
}

func (r *AccessReader) parse(row row, raw *rawAccess) bool {
	tb := row.get(accTime)
	sec, _, ok := parseTime(tb)
	if !ok {
		t, tok := cellTime(tb, r.loc)
		if !tok || len(tb) == 0 {
			r.errs = append(r.errs, row.err(accTime, "%s", timeExpect))
			return false
		}
		sec = t.Unix()
	}
	raw.sec = sec
	if raw.user = row.get(accUser); len(raw.user) == 0 {
		r.errs = append(r.errs, row.err(accUser, "the user_id is empty"))
		return false
	}
	a, ok := actionOf(row.get(accAction))
	if !ok {
		r.errs = append(r.errs, row.err(accAction, "expected one of %s", joinStrings(Actions)))
		return false
	}
	raw.action = a
	raw.patient = row.get(accPatient)
	if len(raw.patient) == 0 && !a.patientOptional() {
		r.errs = append(r.errs, row.err(accPatient, "the patient_id is empty; only search, export and print may name no patient"))
		return false
	}
	raw.workstation, raw.addr = row.get(accWorkstation), lowerASCII(row.get(accIP))
	return true
}

// Next returns the next good access, or io.EOF.
func (r *AccessReader) Next() (Event, error) {
	var raw rawAccess
	if err := r.next(&raw); err != nil {
		return Event{}, err
	}
	return Event{Time: time.Unix(raw.sec, 0).In(r.loc), UserID: string(raw.user), PatientID: string(raw.patient),
		Action: raw.action, Workstation: string(raw.workstation), IP: string(raw.addr)}, nil
}

// RowErrors returns the rows skipped so far.
func (r *AccessReader) RowErrors() []RowError { return r.errs }

// Close releases the file.
func (r *AccessReader) Close() error { return r.t.src.close() }

// lowerASCII lower-cases b (an IPv6 address's hex digits), allocating only
// when it holds an upper-case letter.
func lowerASCII(b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			return bytes.ToLower(b)
		}
	}
	return b
}

// ImportResult says what an import stored and which rows it skipped
// (each naming file, row and column, never a value).
type ImportResult struct {
	ImportID   string     `json:"import_id"`
	Events     int64      `json:"events"`
	Staff      int        `json:"staff"`
	Patients   int        `json:"patients"`
	Encounters int        `json:"encounters"`
	Errors     []RowError `json:"errors,omitempty"`
	// ScanID is the scan the import started ("" without Temporal).
	ScanID string `json:"scan_id,omitempty"`
}
