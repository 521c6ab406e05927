package eligibility

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadRosterCSVSynonymsAndFormats(t *testing.T) {
	p := writeFile(t, "roster.csv", "\ufeffMRN,Patient,D.O.B.,Subscriber ID,Payor ID,Appt Date,Notes\n"+
		"P-1001,\"Fairweather, Dolores\",03/04/1971,w884412907,60054,2026-03-02,first visit\n"+
		",,,,,,\n"+
		"P-1002,\"Okafor, Nneka\",7/9/05,912003311,87726,20260302,\n")
	r, err := ReadRoster(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 0 || len(r.Appointments) != 2 {
		t.Fatalf("%+v", r)
	}
	a := r.Appointments[0]
	want := Appointment{Row: 2, PatientID: "P-1001", MemberID: "W884412907", PayerID: "60054", LastName: "Fairweather",
		FirstName: "Dolores", DOB: claim.MustDate("1971-03-04"), Date: claim.MustDate("2026-03-02")}
	if a != want {
		t.Errorf("row 2\n got %+v\nwant %+v", a, want)
	}
	if b := r.Appointments[1]; b.Row != 4 || b.DOB != claim.MustDate("2005-07-09") || b.Date != claim.MustDate("2026-03-02") {
		t.Errorf("row 4: %+v", b)
	}
}

func TestReadRosterXLSX(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"Patient Account No", "Last Name", "First Name", "Date of Birth", "Member ID", "Payer ID", "Date of Service"},
		{"P-1", "Lee", "Ann", claim.MustDate("1980-05-17").Time(), "ABC123", "01112", claim.MustDate("2026-03-02").Time()},
		{"P-2", "Nguyen", "Bao", "12/31/1999", "XYZ9", "62308", "3/2/26"},
		{"P-3", "", "Cy", "13/45/1999", "Q1", "62308", "tomorrow"},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	_ = f.SetCellStyle(sh, "D2", "D2", style)
	_ = f.SetCellStyle(sh, "G2", "G2", style)
	p := filepath.Join(t.TempDir(), "roster.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, err := ReadRoster(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Appointments) != 2 {
		t.Fatalf("appointments %+v errors %+v", r.Appointments, r.Errors)
	}
	if a := r.Appointments[0]; a.DOB != claim.MustDate("1980-05-17") || a.Date != claim.MustDate("2026-03-02") || a.PatientID != "P-1" {
		t.Errorf("excel dates: %+v", a)
	}
	if a := r.Appointments[1]; a.DOB != claim.MustDate("1999-12-31") || a.Date != claim.MustDate("2026-03-02") {
		t.Errorf("text dates: %+v", a)
	}
	// Row 4 has three bad cells: each is reported, none loses the others.
	if len(r.Errors) != 3 {
		t.Fatalf("errors %+v", r.Errors)
	}
	cols := []string{}
	for _, e := range r.Errors {
		if e.Row != 4 || e.Sheet != sh || e.File != "roster.xlsx" {
			t.Errorf("error position %+v", e)
		}
		cols = append(cols, e.Column)
		if strings.Contains(e.Error(), "13/45/1999") {
			t.Errorf("error string carries the value: %s", e.Error())
		}
	}
	if strings.Join(cols, "|") != "Last Name|Date of Birth|Date of Service" {
		t.Errorf("columns %q", cols)
	}
	if !strings.Contains(r.Errors[1].Error(), `roster.xlsx sheet "Sheet1" row 4 column "Date of Birth": is not a date: expected a date such as 01/31/2026`) || r.Errors[1].Value != "13/45/1999" {
		t.Errorf("error text %q value %q", r.Errors[1].Error(), r.Errors[1].Value)
	}
}

func TestReadRosterFileErrors(t *testing.T) {
	cases := map[string]struct{ name, body, want string }{
		"missing columns": {"r.csv", "Member ID,Name\nA,\"B, C\"\n", "lacks payer_id, patient_dob, appointment_date (headers found: Member ID, Name)"},
		"no name":         {"r.csv", "Member ID,Payer,DOB,DOS,Last Name\n", "patient_last_name and patient_first_name (or patient_name)"},
		"empty":           {"r.csv", "\n\n", "no header row"},
		"wrong type":      {"r.pdf", "%PDF", "not an .xlsx or .csv file"},
		"not a zip":       {"r.xlsx", "Member,Payer\n", "not a readable xlsx workbook"},
		"bad quoting":     {"r.csv", "Member ID,Payer,DOB,DOS,Patient\n\"A,B\n", "r.csv line"},
	}
	for name, c := range cases {
		_, err := ReadRoster(writeFile(t, c.name, c.body))
		if !errors.Is(err, ErrRosterFile) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: %v; want ErrRosterFile naming the file and %q", name, err, c.want)
		}
	}
	if _, err := ReadRoster(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadRosterRowErrors(t *testing.T) {
	p := writeFile(t, "r.csv", "Member ID,Payer ID,DOB,Appointment Date,Patient Name\n"+
		"M1,60054,01/01/1990,03/02/2026,No Comma Here\n"+
		",60054,02/30/1990,03/02/2026,\"Lee, Ann\"\n"+
		"M3,60054,01/01/2099,03/02/2026,\"Lee, Ann\"\n"+
		"M4,60054,01/01/1990,03/02/2026,\"Lee, Ann\"\n")
	r, err := ReadRoster(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Appointments) != 1 || r.Appointments[0].MemberID != "M4" || r.Appointments[0].Row != 5 {
		t.Errorf("good rows %+v", r.Appointments)
	}
	var got []string
	for _, e := range r.Errors {
		got = append(got, e.Error())
	}
	want := []string{
		`r.csv row 2 column "Patient Name": expected the patient's name as "LAST, FIRST"`,
		`r.csv row 3 column "Member ID": is empty; every appointment needs it`,
		`r.csv row 3 column "DOB": is not a date: expected a date such as 01/31/2026, 1/31/26, 2026-01-31, 20260131 or an Excel date`,
		`r.csv row 4 column "DOB": date of birth is in the future`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("row errors\n got %q\nwant %q", got, want)
	}
}

func FuzzReadRosterCSV(f *testing.F) {
	f.Add([]byte("Member ID,Payer ID,DOB,Appointment Date,Patient Name\nM1,60054,01/01/1990,03/02/2026,\"Lee, Ann\"\n"))
	f.Add([]byte("\ufeffMRN,Last,First,D.O.B.,Policy #,Payor,DOS\n1,A,B,46000,X,Y,2026-03-02\n,,,,,,\n"))
	f.Add([]byte("a,b\n\"unterminated\n"))
	f.Add([]byte("Member ID,Payer ID,DOB,Appointment Date,Patient Name\nM1,60054,01/01/1990,03/02/2026,\"Lee,\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readRosterCSV(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			if !errors.Is(err, ErrRosterFile) {
				t.Fatalf("file error without ErrRosterFile: %v", err)
			}
			return
		}
		for _, a := range r.Appointments {
			if a.MemberID == "" || a.PayerID == "" || a.LastName == "" || a.FirstName == "" || a.DOB == 0 || a.Date == 0 || a.Row < 2 {
				t.Fatalf("incomplete appointment accepted: %+v", a)
			}
		}
		for _, e := range r.Errors {
			if e.Row < 2 || e.Column == "" || e.Message == "" {
				t.Fatalf("row error without position: %+v", e)
			}
		}
	})
}
