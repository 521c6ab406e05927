package schedimport

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

var asOf = Options{AsOf: claim.MustDate("2026-12-01")}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Templates with synonyms, a title row above the header, several
// spellings of days and times; bad rows are row errors naming the cell,
// and the other rows are kept.
func TestReadTemplates(t *testing.T) {
	p := write(t, "templates.csv", `Provider schedule export,,,
Resource,Day of Week,From,Until
P1,Mon,8:00 AM,12:00 PM
P1,Monday,13:00,17:00
P2,Tues,0800,1200
P2,Thursday,1:00 pm,5:00 pm
P2,Funday,08:00,12:00
P1,Mon,11:00,13:00
P3,3,08:00,07:00
,Fri,08:00,12:00
`)
	got, err := ReadTemplates(File(p), asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Providers) != 2 || len(got.Providers[0].Sessions) != 2 || len(got.Providers[1].Sessions) != 2 {
		t.Fatalf("providers %+v", got.Providers)
	}
	if w := got.Providers[1].Sessions[1]; w != (schedule.Window{Weekday: schedule.Thursday, Start: 13 * 60, End: 17 * 60}) {
		t.Errorf("P2 Thursday: %+v", w)
	}
	want := []struct {
		row    int
		column string
		in     string
	}{{7, "B", "not a day of the week"}, {8, "C", "overlaps another session"}, {9, "D", "end must be after start"}, {10, "A", "is empty"}}
	if len(got.Errors) != len(want) {
		t.Fatalf("errors %+v", got.Errors)
	}
	for i, w := range want {
		e := got.Errors[i]
		if e.Row != w.row || e.Column != w.column || !strings.Contains(e.Message, w.in) {
			t.Errorf("error %d: %+v, want row %d column %s %q", i, e, w.row, w.column, w.in)
		}
		if !strings.Contains(e.Error(), "templates.csv row") {
			t.Errorf("error %q does not name file and row", e.Error())
		}
	}
	if e := got.Errors[0]; e.Value != "Funday" || strings.Contains(e.Error(), "Funday") {
		t.Errorf("the value belongs in Value, never in Error(): %+v / %q", e, e.Error())
	}
}

// An xlsx appointments export with Excel dates and times, statuses and
// percentages; patient data never reaches an error string.
func TestReadAppointmentsXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"Appt ID", "Doctor", "Appt Date", "Appt Time", "Appt Type", "MRN", "Date Booked", "Status", "No-Show Risk"},
		{"A1", "P1", 46363, 0.375, "FU", "MRN-SECRET-1", 46350, "Scheduled", "12%"},
		{"A2", "P1", "12/08/2026", "9:15 AM", "NEW", "MRN-SECRET-2", "", "Confirmed", ""},
		{"A3", "P2", "2026-12-08", "25:00", "FU", "MRN-SECRET-3", "", "", ""},
		{"A1", "P2", "2026-12-09", "10:00", "FU", "MRN-SECRET-4", "", "", ""},
		{"A5", "P2", "2026-12-09", "10:00", "FU", "MRN-SECRET-5", "2026-12-10", "", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "appts.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadAppointments(File(p), asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Appointments) != 2 {
		t.Fatalf("appointments %+v errors %+v", got.Appointments, got.Errors)
	}
	a := got.Appointments[0]
	if a.Date != claim.MustDate("2026-12-07") || a.Start != 9*60 || a.BookedOn != claim.MustDate("2026-11-24") || *a.NoShowProbability != 0.12 ||
		a.Status != schedule.StatusBooked || a.PatientID != "MRN-SECRET-1" {
		t.Errorf("first appointment %+v", a)
	}
	if got.Appointments[1].Start != 9*60+15 || got.Appointments[1].Status != schedule.StatusConfirmed {
		t.Errorf("second appointment %+v", got.Appointments[1])
	}
	if len(got.Errors) != 3 || got.Errors[0].Row != 4 || got.Errors[0].Column != "D" || got.Errors[1].Column != "A" || got.Errors[2].Column != "G" {
		t.Fatalf("errors %+v", got.Errors)
	}
	for _, e := range got.Errors {
		if strings.Contains(e.Error(), "SECRET") || e.Sheet != "Sheet1" {
			t.Errorf("error %q", e.Error())
		}
	}
}

// History: outcomes in several spellings, lead time from a booked-on
// date, cancellations kept as such.
func TestReadHistory(t *testing.T) {
	p := write(t, "history.csv", "Patient ID,Visit Date,Time,Show/No Show,Booked On,Appt Type\n"+
		"PT1,2026-10-01,09:00,Checked Out,2026-09-20,FU\n"+
		"PT1,2026-10-15,09:00,NS,2026-09-01,FU\n"+
		"PT2,2026-10-16,14:30,Cancelled,2026-10-10,NEW\n"+
		"PT2,2026-10-17,14:30,maybe,2026-10-10,NEW\n")
	got, err := ReadHistory(File(p), asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Visits) != 3 || len(got.Errors) != 1 || got.Errors[0].Column != "D" {
		t.Fatalf("visits %+v errors %+v", got.Visits, got.Errors)
	}
	want := []schedule.Outcome{schedule.OutcomeArrived, schedule.OutcomeNoShow, schedule.OutcomeCancelled}
	for i, v := range got.Visits {
		if v.Outcome != want[i] {
			t.Errorf("visit %d outcome %q, want %q", i, v.Outcome, want[i])
		}
	}
	if got.Visits[0].LeadDays != 11 || got.Visits[1].LeadDays != 44 {
		t.Errorf("lead days %d, %d", got.Visits[0].LeadDays, got.Visits[1].LeadDays)
	}
}

// Files that fail as a whole name themselves as what they hold.
func TestFailedFiles(t *testing.T) {
	var fe *intake.FileError
	_, err := ReadHistory(File(write(t, "h.csv", "Patient ID,Visit Date,Time,Outcome\nPT1,2026-10-01,09:00,Y\n")), asOf)
	if !errors.As(err, &fe) || fe.Kind != intake.MissingColumns || !strings.Contains(err.Error(), `attendance history file "h.csv"`) ||
		!strings.Contains(err.Error(), "lead_days or booked_on") {
		t.Errorf("missing lead column: %v", err)
	}
	_, err = ReadAppointments(File(write(t, "a.csv", "nothing,to,see\n1,2,3\n")), asOf)
	if !errors.As(err, &fe) || fe.Kind != intake.NoHeader {
		t.Errorf("no header: %v", err)
	}
	_, err = ReadTemplates(File(write(t, "t.csv", "Provider,Resource,Day,Start,End\n")), asOf)
	if !errors.As(err, &fe) || fe.Kind != intake.BadHeader || !strings.Contains(err.Error(), "both mean provider_id") {
		t.Errorf("two provider columns: %v", err)
	}
	_, err = ReadBlocks(File(write(t, "b.pdf", "%PDF-1.4 ...")), asOf)
	if !errors.As(err, &fe) || fe.Kind != intake.NotSpreadsheet || !strings.Contains(err.Error(), `blocked days file "b.pdf": this is a PDF`) {
		t.Errorf("pdf: %v", err)
	}
}

func TestReadBlocks(t *testing.T) {
	p := write(t, "blocks.csv", "Date,Provider,Start,End,Reason\n12/24/2026,,,,holiday\n12/08/2026,P1,10:00,11:00,meeting\n12/09/2026,P2,,,leave\n12/10/2026,,10:00,11:00,\n")
	got, err := ReadBlocks(File(p), asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Holidays) != 1 || len(got.Blocked["P1"]) != 1 || !got.Blocked["P2"][0].WholeDay() || len(got.Errors) != 1 {
		t.Fatalf("%+v", got)
	}
	providers := []schedule.Provider{{ID: "P1"}}
	holidays, unknown := ApplyBlocks(providers, got)
	if len(holidays) != 1 || len(providers[0].Blocked) != 1 || len(unknown) != 1 || unknown[0] != "P2" {
		t.Errorf("apply: %v %+v %v", holidays, providers, unknown)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]schedule.Clock{"08:00": 480, "8:00": 480, "8:00 AM": 480, "12:00 pm": 720, "12:30 AM": 30, "1:15 PM": 795,
		"0800": 480, "1330": 810, "0.375": 540, "46000.5": 720, "08:00:00": 480, "8 am": 480, "24:00": 1440, "8.30": 510} {
		if got, err := ParseTime(in); err != nil || got != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "25:00", "8:5", "13:00 pm", "noon", "8:60", "-0.5", "12345"} {
		if _, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) accepted", in)
		}
	}
}
