package audit_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readAccess(t *testing.T, path string) ([]audit.Event, []audit.RowError) {
	t.Helper()
	r, err := audit.OpenAccessLog(path, ny)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []audit.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, r.RowErrors()
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

func TestAccessLogHeadersAndRows(t *testing.T) {
	// A title row, headers in another order and case, a synonym, an extra
	// column, a quoted field, a BOM, CRLF line ends.
	csv := "\xEF\xBB\xBFAccess report March\r\n" +
		"Action,USER_ID,Patient ID,Timestamp,Workstation,IP Address,Department\r\n" +
		"view,u1,P1,2025-03-04T08:15:00-05:00,WS-1,10.0.0.1,\"Cardiology, 2nd floor\"\r\n" +
		"EXPORT,u1,,2025-03-04T13:15:00Z,WS-1,FE80::1,\r\n" +
		"\r\n" +
		"view,u2,P2,2025-03-04 08:15,WS-2,10.0.0.2,\r\n" + // no offset
		"peek,u2,P2,2025-03-04T08:15:00Z,WS-2,10.0.0.2,\r\n" + // unknown action
		"view,u2,,2025-03-04T08:15:00Z,WS-2,10.0.0.2,\r\n" + // view without a patient
		",,P3,2025-03-04T08:15:00Z,,,\r\n" // no user, no action
	events, errs := readAccess(t, writeFile(t, "access.csv", csv))
	if len(events) != 2 {
		t.Fatalf("read %d events: %+v (errors %v)", len(events), events, errs)
	}
	want := audit.Event{Time: time.Date(2025, 3, 4, 8, 15, 0, 0, ny), UserID: "u1", PatientID: "P1", Action: audit.ActionView, Workstation: "WS-1", IP: "10.0.0.1"}
	if got := events[0]; !got.Time.Equal(want.Time) || got.UserID != want.UserID || got.PatientID != want.PatientID || got.Action != want.Action || got.Workstation != want.Workstation || got.IP != want.IP {
		t.Errorf("event %+v, want %+v", got, want)
	}
	if events[1].Action != audit.ActionExport || events[1].PatientID != "" || events[1].IP != "fe80::1" {
		t.Errorf("list export %+v", events[1])
	}
	wantErrs := []struct {
		row    int
		column string
	}{{6, "time"}, {7, "action"}, {8, "patient_id"}, {9, "user_id"}}
	if len(errs) != len(wantErrs) {
		t.Fatalf("row errors %v", errs)
	}
	for i, w := range wantErrs {
		e := errs[i]
		if e.File != "access.csv" || e.Row != w.row || e.Column != w.column || e.Letter == "" {
			t.Errorf("row error %d: %+v, want row %d column %s", i, e, w.row, w.column)
		}
		for _, value := range []string{"peek", "2025-03-04 08:15", "u2", "P2", "P3"} {
			if strings.Contains(e.Error(), value) {
				t.Errorf("row error %q shows the value %q", e.Error(), value)
			}
		}
	}
}

func TestFilesFailingAsAWhole(t *testing.T) {
	for name, content := range map[string]string{
		"no header":   "a,b,c\n1,2,3\n",
		"duplicate":   "time,user_id,patient_id,action,user\n",
		"missing col": "time,user_id,action\n",
		"empty":       "",
	} {
		_, err := audit.OpenAccessLog(writeFile(t, "access.csv", content), nil)
		if err == nil || !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "access.csv") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := audit.OpenAccessLog(writeFile(t, "access.csv", "%PDF-1.4\n\x00\x01binary"), nil); err == nil {
		t.Error("a PDF was read as an access log")
	}
}

func TestRosters(t *testing.T) {
	staff := "User ID,Surname,First Name,Dept,Job Title,Street Address,Zip Code,Hired,Term Date,Shift Start,Shift End,Badge\n" +
		"u1,Quorvane,Alex,Medicine,nurse,\"12 Oak Street, Apt. 4\",2134,2019-05-01,,19:00,7:00,B1\n" +
		"u2,Smith,Blair,Cardiology,physician,1 Elm St,01201,05/01/2018,3/31/2025,,,B2\n" +
		"u3,Lee,Casey,Billing,coder,,,not a date,,8:00 AM,,B3\n" +
		"u1,Again,Dup,Medicine,nurse,,,,,,,B4\n" +
		",NoID,X,Medicine,nurse,,,,,,,B5\n"
	got, errs, err := audit.ReadStaff(writeFile(t, "staff.csv", staff))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d staff: %+v", len(got), got)
	}
	u1 := got[0]
	if u1.ShiftStart != 19*60 || u1.ShiftEnd != 7*60 || u1.ZIP != "2134" || u1.Address != "12 Oak Street, Apt. 4" || u1.HireDate != claim.NewDate(2019, 5, 1) {
		t.Errorf("u1 %+v", u1)
	}
	if got[1].TerminationDate != claim.NewDate(2025, 3, 31) || got[1].ShiftStart != audit.NoClock {
		t.Errorf("u2 %+v", got[1])
	}
	if !got[2].HireDate.IsZero() || got[2].ShiftStart != audit.NoClock {
		t.Errorf("u3 keeps what could be read, blanks the rest: %+v", got[2])
	}
	var cols []string
	for _, e := range errs {
		cols = append(cols, e.Column)
		if strings.Contains(e.Error(), "not a date") || strings.Contains(e.Error(), "Again") {
			t.Errorf("a row error shows a value: %s", e.Error())
		}
	}
	if strings.Join(cols, ",") != "hire_date,shift_end,user_id,user_id" {
		t.Errorf("row errors %v", errs)
	}

	patients := "MRN,Last Name,First,DOB,Address,ZIP,VIP,Employee ID\n" +
		"P1,Quorvane,Sam,01/02/1980,12 OAK ST #4,02134,true,\n" +
		"P2,Smith,Ray,1990-02-03,,,no,u2\n" +
		"P3,Lee,Kim,1975-01-01,,,maybe,\n"
	pats, errs, err := audit.ReadPatients(writeFile(t, "patients.csv", patients))
	if err != nil || len(pats) != 3 || !pats[0].VIP || pats[1].EmployeeUserID != "u2" || len(errs) != 1 || errs[0].Column != "vip" {
		t.Errorf("patients %+v errors %v %v", pats, errs, err)
	}

	encs := "patient_id,user_id,department,start,end,kind\n" +
		"P1,u2,Cardiology,2025-03-04T09:00:00-05:00,2025-03-04T09:30:00-05:00,Appointment\n" +
		"P1,,Medicine,2025-03-04T10:00:00-05:00,,ADMISSION\n" +
		"P2,,Medicine,2025-03-04T10:00:00-05:00,2025-03-03T10:00:00-05:00,admission\n" +
		"P2,,Medicine,yesterday,,admission\n" +
		"P3,,,2025-03-04T10:00:00Z,,visit\n"
	got2, errs, err := audit.ReadEncounters(writeFile(t, "encounters.csv", encs), ny)
	if err != nil || len(got2) != 2 || got2[1].End != got2[1].Start || got2[0].Kind != audit.KindAppointment {
		t.Errorf("encounters %+v %v", got2, err)
	}
	cols = nil
	for _, e := range errs {
		cols = append(cols, e.Column)
	}
	if strings.Join(cols, ",") != "end,start,department,kind" {
		t.Errorf("encounter row errors %v", errs)
	}
}

func TestWorkbooksAndOtherDelimiters(t *testing.T) {
	dir := t.TempDir()
	x := excelize.NewFile()
	rows := [][]any{
		{"Staff roster"},
		{"user_id", "last_name", "department", "role", "hire_date"},
		{"u1", "Quorvane", "Medicine", "nurse", "2020-01-02"},
		{"u2", "Smith", "Cardiology", "physician", 43831}, // an Excel date: 2020-01-01
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "staff.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	staff, errs, err := audit.ReadStaff(path)
	if err != nil || len(errs) > 0 || len(staff) != 2 || staff[1].HireDate != claim.NewDate(2020, 1, 1) {
		t.Fatalf("xlsx roster: %+v %v %v", staff, errs, err)
	}
	semi := "time;user_id;patient_id;action\n2025-03-04T08:15:00Z;u1;P1;view\n"
	events, errs2 := readAccess(t, writeFile(t, "access.csv", semi))
	if len(events) != 1 || len(errs2) > 0 || events[0].PatientID != "P1" {
		t.Errorf("semicolon access log: %+v %v", events, errs2)
	}
	utf16 := "\xFF\xFEt\x00i\x00m\x00e\x00,\x00u\x00s\x00e\x00r\x00_\x00i\x00d\x00,\x00p\x00a\x00t\x00i\x00e\x00n\x00t\x00_\x00i\x00d\x00,\x00a\x00c\x00t\x00i\x00o\x00n\x00\n\x00"
	if _, err := audit.OpenAccessLog(writeFile(t, "access.csv", utf16), nil); err != nil {
		t.Errorf("UTF-16 access log header: %v", err)
	}
}

func TestScanFilesReportsBadRowsAndKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	src := audit.Sources{
		AccessLog:  write("access.csv", "time,user_id,patient_id,action,workstation,ip\n2025-03-04T08:15:00Z,u1,P1,view,,\nbad,u1,P1,view,,\n"),
		Staff:      write("staff.csv", "user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end\nu1,A,B,Medicine,nurse,,,,,,\n"),
		Patients:   write("patients.csv", "patient_id,last_name,first_name,dob,address,zip,vip,employee_user_id\nP1,C,D,,,,yes,\n"),
		Encounters: write("encounters.csv", "patient_id,user_id,department,start,end,kind\nP1,,Medicine,2025-03-04T00:00:00Z,2025-03-05T00:00:00Z,admission\nP1,,Medicine,2025-03-04T00:00:00Z,,party\n"),
	}
	res, _, err := audit.ScanFiles(src, audit.Options{Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 1 || res.Explained != 1 || len(res.RowErrors) != 2 {
		t.Errorf("events %d explained %d row errors %v", res.Events, res.Explained, res.RowErrors)
	}
}

func TestScanFilesProgress(t *testing.T) {
	var b strings.Builder
	b.WriteString("time,user_id,patient_id,action\n")
	for range audit.ProgressEvery + 5 {
		b.WriteString("2025-03-04T08:15:00Z,u1,P1,view\n")
	}
	var calls [][2]int
	opts := audit.Options{Progress: func(pass, rows int) { calls = append(calls, [2]int{pass, rows}) }}
	if _, _, err := audit.ScanFiles(audit.Sources{AccessLog: writeFile(t, "access.csv", b.String())}, opts); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] != [2]int{1, audit.ProgressEvery} || calls[1] != [2]int{2, audit.ProgressEvery} {
		t.Errorf("progress calls %v", calls)
	}
}
