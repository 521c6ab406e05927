package eligibility

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
)

// Appointment is one roster row: a patient booked on a date, with the
// insurance the practice has on file.
type Appointment struct {
	Row         int        `json:"row"` // 1-based spreadsheet row
	PatientID   string     `json:"patient_id"`
	MemberID    string     `json:"member_id"`
	PayerID     string     `json:"payer_id"`
	LastName    string     `json:"last_name"`
	FirstName   string     `json:"first_name"`
	DOB         claim.Date `json:"dob"`
	Date        claim.Date `json:"date"`                   // appointment date = date of service
	ProviderNPI string     `json:"provider_npi,omitempty"` // optional column
}

// Request returns the eligibility request for the appointment (provider
// fields are the caller's).
func (a *Appointment) Request() Request {
	return Request{PayerID: a.PayerID, MemberID: a.MemberID, FirstName: a.FirstName, LastName: a.LastName,
		DOB: a.DOB, DateOfService: a.Date, ProviderNPI: a.ProviderNPI}
}

// Roster is what ReadRoster read: the good rows, and an error for each row
// that could not be read (those rows are left out; nothing else is).
type Roster struct {
	File         string        `json:"file"`
	Sheet        string        `json:"sheet,omitempty"`
	Appointments []Appointment `json:"appointments"`
	Errors       []RowError    `json:"errors,omitempty"`
}

// RowError is a roster cell that could not be read. Error() names file,
// sheet, row, column and what is expected but not the value, which may be
// patient data; Value holds it for the person fixing the file.
type RowError struct {
	File    string `json:"file"`
	Sheet   string `json:"sheet,omitempty"`
	Row     int    `json:"row"`
	Column  string `json:"column"` // header text as in the file
	Value   string `json:"value"`
	Message string `json:"message"`
}

func (e *RowError) Error() string {
	where := e.File
	if e.Sheet != "" {
		where += " sheet " + strconv.Quote(e.Sheet)
	}
	return fmt.Sprintf("%s row %d column %q: %s", where, e.Row, e.Column, e.Message)
}

// rosterField is a canonical roster column.
type rosterField int

const (
	colMemberID rosterField = iota
	colPayerID
	colLastName
	colFirstName
	colPatientName // "LAST, FIRST" in one column
	colDOB
	colDate
	colPatientID
	colProviderNPI
)

var rosterFieldNames = map[rosterField]string{
	colMemberID: "member_id", colPayerID: "payer_id", colLastName: "patient_last_name",
	colFirstName: "patient_first_name", colPatientName: "patient_name", colDOB: "patient_dob",
	colDate: "appointment_date", colPatientID: "patient_id", colProviderNPI: "provider_npi",
}

// rosterOnly maps the headers (normalised as intake normalises them) that
// mean something else, or nothing, on a claims sheet: the appointment
// date, a one-column patient name, a bare "Payer". Every other header is
// read with intake's synonyms (Member ID, Subscriber ID, Payor ID, DOB,
// Patient Account No, MRN, Rendering NPI ...).
var rosterOnly = func() map[string]rosterField {
	m := map[string]rosterField{}
	for f, names := range map[rosterField][]string{
		colDate:        {"Appointment Date", "Appointment", "Appt Date", "Appt", "Visit Date", "Scheduled Date", "Scheduled", "Date"},
		colPatientName: {"Patient Name", "Patient", "Name", "Pt Name", "Patient Full Name"},
		colPayerID:     {"Payer", "Payor", "Insurance Payer ID", "Carrier ID"},
	} {
		for _, n := range names {
			m[intake.NormalizeHeader(n)] = f
		}
	}
	return m
}()

// claimColumns maps the claim fields intake recognises to roster columns.
var claimColumns = map[claim.Field]rosterField{
	claim.FieldMemberID: colMemberID, claim.FieldPayerID: colPayerID, claim.FieldPatientLastName: colLastName,
	claim.FieldPatientFirstName: colFirstName, claim.FieldPatientDOB: colDOB, claim.FieldDateFrom: colDate,
	claim.FieldPatientID: colPatientID, claim.FieldRenderingNPI: colProviderNPI, claim.FieldBillingNPI: colProviderNPI,
}

// rosterColumn returns the roster column a header cell names.
func rosterColumn(h string) (rosterField, bool) {
	if f, ok := rosterOnly[intake.NormalizeHeader(h)]; ok {
		return f, true
	}
	if cf, ok := intake.FieldForHeader(h); ok {
		f, ok := claimColumns[cf]
		return f, ok
	}
	return 0, false
}

// Roster limits: a day's roster is hundreds of rows; these stop a wrong
// or hostile file early.
const (
	MaxRosterRows     = 100_000
	maxUnzippedBytes  = 200 << 20
	maxUnzippedXMLRaw = 100 << 20
)

// ErrRosterFile is wrapped by every file-level roster error.
var ErrRosterFile = errors.New("roster file cannot be read")

// ReadRoster reads an appointment roster from an .xlsx (first sheet) or
// .csv file. The header row may use the synonyms scheduling exports use
// ("Member ID", "Subscriber ID", "Payor ID", "DOB", "Appt Date", "MRN"...),
// in any case and punctuation; unknown columns are ignored. Required:
// member ID, payer ID, date of birth, appointment date, and the patient's
// name (last and first, or one "LAST, FIRST" column). Dates may be Excel
// dates, MM/DD/YYYY, M/D/YY, YYYY-MM-DD or YYYYMMDD.
//
// A file that cannot be read as a whole returns an error wrapping
// ErrRosterFile that says why; a row with a bad value becomes a RowError
// in Roster.Errors and the other rows are still read.
func ReadRoster(path string) (*Roster, error) {
	name := filepath.Base(path)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		return readRosterXLSX(path, name)
	case ".csv", ".txt":
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", name, ErrRosterFile, err)
		}
		defer f.Close()
		return readRosterCSV(f, name)
	}
	return nil, fmt.Errorf("%s: %w: not an .xlsx or .csv file", name, ErrRosterFile)
}

func readRosterXLSX(path, name string) (*Roster, error) {
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true,
		UnzipSizeLimit: maxUnzippedBytes, UnzipXMLSizeLimit: maxUnzippedXMLRaw})
	if err != nil {
		return nil, fmt.Errorf("%s: %w: not a readable xlsx workbook (%v)", name, ErrRosterFile, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: %w: the workbook has no sheets", name, ErrRosterFile)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%s sheet %q: %w: %v", name, sheets[0], ErrRosterFile, err)
	}
	defer rows.Close()
	r := newRosterReader(name, sheets[0])
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	for rows.Next() {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("%s sheet %q row %d: %w: %v", name, sheets[0], r.row+1, ErrRosterFile, err)
		}
		if err := r.add(cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%s sheet %q: %w: %v", name, sheets[0], ErrRosterFile, err)
	}
	return r.finish()
}

func readRosterCSV(rd io.Reader, name string) (*Roster, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxUnzippedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrRosterFile, err)
	}
	if len(b) > maxUnzippedBytes {
		return nil, fmt.Errorf("%s: %w: larger than %d MB", name, ErrRosterFile, maxUnzippedBytes>>20)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	r := newRosterReader(name, "")
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s line %d: %w: %v", name, pe.Line, ErrRosterFile, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w: %w", name, ErrRosterFile, err)
		}
		if err := r.add(rec); err != nil {
			return nil, err
		}
	}
	return r.finish()
}

// rosterReader turns rows into appointments, whichever the file type.
type rosterReader struct {
	out      Roster
	row      int                 // rows seen so far = 1-based number of the current row
	cols     map[rosterField]int // column index of each field, once the header is read
	headers  []string
	today    claim.Date
	date1904 bool // the workbook counts serial dates from 1904
}

func newRosterReader(file, sheet string) *rosterReader {
	return &rosterReader{out: Roster{File: file, Sheet: sheet, Appointments: []Appointment{}}, today: claim.DateOf(time.Now())}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (r *rosterReader) add(cells []string) error {
	r.row++
	if blank(cells) {
		return nil
	}
	if r.cols == nil {
		return r.header(cells)
	}
	if len(r.out.Appointments)+len(r.out.Errors) >= MaxRosterRows {
		return fmt.Errorf("%s: %w: more than %d rows", r.out.File, ErrRosterFile, MaxRosterRows)
	}
	get := func(f rosterField) string {
		i, ok := r.cols[f]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i])
	}
	a := Appointment{Row: r.row, PatientID: get(colPatientID), MemberID: strings.ToUpper(get(colMemberID)),
		PayerID: strings.ToUpper(get(colPayerID)), LastName: get(colLastName), FirstName: get(colFirstName),
		ProviderNPI: get(colProviderNPI)}
	var errs []RowError
	bad := func(f rosterField, msg string) {
		errs = append(errs, RowError{File: r.out.File, Sheet: r.out.Sheet, Row: r.row, Column: r.headers[r.cols[f]], Value: get(f), Message: msg})
	}
	if _, ok := r.cols[colPatientName]; ok && (a.LastName == "" || a.FirstName == "") {
		last, first, ok := strings.Cut(get(colPatientName), ",")
		a.LastName, a.FirstName = strings.TrimSpace(last), strings.TrimSpace(first)
		if !ok || a.LastName == "" || a.FirstName == "" {
			bad(colPatientName, `expected the patient's name as "LAST, FIRST"`)
		}
	}
	for _, req := range []struct {
		f rosterField
		v string
	}{{colMemberID, a.MemberID}, {colPayerID, a.PayerID}, {colLastName, a.LastName}, {colFirstName, a.FirstName}} {
		if _, ok := r.cols[req.f]; ok && req.v == "" {
			bad(req.f, "is empty; every appointment needs it")
		}
	}
	var err error
	if a.DOB, err = parseRosterDate(get(colDOB), intake.BirthDate, r.today, r.date1904); err != nil {
		bad(colDOB, err.Error())
	} else if a.DOB > r.today {
		bad(colDOB, "date of birth is in the future")
	}
	if a.Date, err = parseRosterDate(get(colDate), intake.ServiceDate, r.today, r.date1904); err != nil {
		bad(colDate, err.Error())
	}
	if len(errs) > 0 {
		r.out.Errors = append(r.out.Errors, errs...)
		return nil
	}
	r.out.Appointments = append(r.out.Appointments, a)
	return nil
}

// header reads the header row: every required column must be there.
func (r *rosterReader) header(cells []string) error {
	r.cols = map[rosterField]int{}
	r.headers = cells
	for i, c := range cells {
		if f, ok := rosterColumn(c); ok {
			if _, dup := r.cols[f]; !dup {
				r.cols[f] = i
			}
		}
	}
	var missing []string
	for _, f := range []rosterField{colMemberID, colPayerID, colDOB, colDate} {
		if _, ok := r.cols[f]; !ok {
			missing = append(missing, rosterFieldNames[f])
		}
	}
	_, last := r.cols[colLastName]
	_, first := r.cols[colFirstName]
	_, full := r.cols[colPatientName]
	if !full && !(last && first) {
		missing = append(missing, "patient_last_name and patient_first_name (or patient_name)")
	}
	if len(missing) > 0 {
		found := slices.DeleteFunc(slices.Clone(cells), func(s string) bool { return strings.TrimSpace(s) == "" })
		return fmt.Errorf("%s: %w: row %d is taken as the header and lacks %s (headers found: %s)",
			r.out.File, ErrRosterFile, r.row, strings.Join(missing, ", "), strings.Join(found, ", "))
	}
	return nil
}

func (r *rosterReader) finish() (*Roster, error) {
	if r.cols == nil {
		return nil, fmt.Errorf("%s: %w: the file is empty (no header row)", r.out.File, ErrRosterFile)
	}
	return &r.out, nil
}

// parseRosterDate reads a roster date as intake reads claim dates (Excel
// serials, MM/DD/YYYY, M/D/YY, ISO, YYYYMMDD ...); blank is an error.
func parseRosterDate(s string, kind intake.DateKind, today claim.Date, date1904 bool) (claim.Date, error) {
	if strings.TrimSpace(s) == "" {
		return 0, errors.New("is empty; expected a date such as 03/15/2026")
	}
	d, err := intake.ParseDate(s, kind, today, date1904)
	if err != nil {
		return 0, fmt.Errorf("is not a date: %w", err)
	}
	return d, nil
}
