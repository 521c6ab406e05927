package clinicsim

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// SmallFixtures is how many of the benchmark's small instances
// WriteFixtures writes.
const SmallFixtures = 10

// DemoInstance is the demo for `rcmbot schedule plan`: three providers
// over the week of 7 December 2026, 45% booked, 30 requests, 600 past
// visits to estimate no-show probabilities from.
func DemoInstance() *schedule.Instance {
	c := NewClinic(ClinicConfig{Seed: 7, Providers: 3, Patients: 300, PatientSpread: 0.8})
	in := c.Instance(InstanceConfig{Seed: 7, Start: claim.MustDate("2026-12-07"), Days: 5, Requests: 30, Fill: 0.45, History: 600})
	in.Holidays = []schedule.Exception{}
	in.Providers[1].Blocked = []schedule.Exception{{Date: claim.MustDate("2026-12-09"), Start: 13 * 60, End: 15 * 60, Kind: schedule.ExceptionBlocked}}
	// Existing appointments in the blocked hours would not be in a session.
	var kept []schedule.Appointment
	for _, a := range in.Existing {
		if !(a.ProviderID == in.Providers[1].ID && a.Date == claim.MustDate("2026-12-09") && a.Start >= 13*60 && a.Start < 15*60) {
			kept = append(kept, a)
		}
	}
	in.Existing = kept
	return in
}

// WriteFixtures writes the scheduling fixtures into dir (see
// fixtures/scheduling/README.md): the demo instance, the 400-request
// planning-time instance, the first SmallFixtures small instances, and
// the demo's data as the exports schedimport reads, plus one with
// deliberate mistakes. Output is deterministic.
func WriteFixtures(dir string) error {
	demo := DemoInstance()
	files := map[string][]byte{}
	var err error
	if files["demo-instance.json"], err = instanceJSON(demo, true); err != nil {
		return err
	}
	if files["large-400.json"], err = instanceJSON(LargeInstance(), false); err != nil {
		return err
	}
	for i := range SmallFixtures {
		if files[fmt.Sprintf("small/small-%02d.json", i)], err = instanceJSON(SmallInstance(uint64(i)), true); err != nil {
			return err
		}
	}
	files["imports/templates.csv"] = csvOf(templateRows(demo))
	files["imports/blocked.csv"] = csvOf([][]string{{"Date", "Provider", "Start", "End", "Reason"},
		{"12/25/2026", "", "", "", "holiday"}, {"12/09/2026", demo.Providers[1].ID, "1:00 PM", "3:00 PM", "meeting"}})
	files["imports/history.csv"] = csvOf(historyRows(demo))
	files["imports/appointments-with-errors.csv"] = csvOf([][]string{
		{"Appt ID", "Doctor", "Appt Date", "Appt Time", "Appt Type", "MRN", "Status"},
		{"X1", "P1", "12/07/2026", "8:00 AM", "FU", "PT00001", "Scheduled"},
		{"X2", "P1", "12/32/2026", "8:15 AM", "FU", "PT00002", "Scheduled"},
		{"X3", "", "12/07/2026", "8:30 AM", "FU", "PT00003", "Scheduled"},
		{"X4", "P1", "12/07/2026", "8:77", "FU", "PT00004", "Scheduled"},
		{"X1", "P2", "12/08/2026", "9:00 AM", "NEW", "PT00005", "Scheduled"},
		{"X6", "P2", "12/08/2026", "9:30 AM", "NEW", "PT00006", "Maybe"},
	})
	if files["imports/appointments.xlsx"], err = appointmentsXLSX(demo); err != nil {
		return err
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// instanceJSON writes an instance with empty lists rather than nulls.
func instanceJSON(in *schedule.Instance, indent bool) ([]byte, error) {
	for i := range in.Requests {
		r := &in.Requests[i]
		if r.ProviderIDs == nil {
			r.ProviderIDs = []string{}
		}
		if r.Preferred == nil {
			r.Preferred = []schedule.Window{}
		}
	}
	if in.Existing == nil {
		in.Existing = []schedule.Appointment{}
	}
	if in.History == nil {
		in.History = []schedule.Attendance{}
	}
	if !indent {
		b, err := json.Marshal(in)
		return append(b, '\n'), err
	}
	// One field per line, one record per line: readable and diffable.
	var b bytes.Buffer
	fields := []struct {
		name string
		v    any
	}{{"start", in.Start}, {"days", in.Days}, {"slot_minutes", in.SlotMinutes}, {"service_cv", in.ServiceCV},
		{"max_overbook_per_slot", in.MaxOverbookPerSlot}, {"costs", in.Costs}, {"providers", in.Providers}, {"visit_types", in.VisitTypes},
		{"existing", in.Existing}, {"requests", in.Requests}, {"history", in.History}}
	if len(in.Holidays) > 0 {
		fields = append(fields, struct {
			name string
			v    any
		}{"holidays", in.Holidays})
	}
	b.WriteString("{\n")
	for i, f := range fields {
		fmt.Fprintf(&b, "  %q: ", f.name)
		if err := writeValue(&b, f.v); err != nil {
			return nil, err
		}
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// writeValue writes v as compact JSON, a list as one element per line.
func writeValue(b *bytes.Buffer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var elems []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &elems) != nil || len(elems) == 0 {
		b.Write(raw)
		return nil
	}
	b.WriteString("[\n")
	for i, e := range elems {
		b.WriteString("    ")
		b.Write(e)
		if i < len(elems)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ]")
	return nil
}

func csvOf(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows) // a bytes.Buffer does not fail
	return b.Bytes()
}

func templateRows(in *schedule.Instance) [][]string {
	rows := [][]string{{"Resource", "Day of Week", "Start Time", "End Time"}}
	for _, p := range in.Providers {
		for _, s := range p.Sessions {
			rows = append(rows, []string{p.ID, s.Weekday.String()[:3], twelveHour(s.Start), twelveHour(s.End)})
		}
	}
	return rows
}

func twelveHour(c schedule.Clock) string {
	h, m := int(c)/60, int(c)%60
	suffix := "AM"
	if h >= 12 {
		suffix = "PM"
	}
	if h%12 == 0 {
		return fmt.Sprintf("12:%02d %s", m, suffix)
	}
	return fmt.Sprintf("%d:%02d %s", h%12, m, suffix)
}

func historyRows(in *schedule.Instance) [][]string {
	rows := [][]string{{"Appt ID", "Patient ID", "Visit Date", "Time", "Provider", "Appt Type", "Lead Days", "Show/No Show"}}
	for _, a := range in.History {
		status := map[schedule.Outcome]string{schedule.OutcomeArrived: "Checked Out", schedule.OutcomeNoShow: "No Show", schedule.OutcomeCancelled: "Cancelled"}[a.Outcome]
		y, mo, d := a.Date.YMD()
		rows = append(rows, []string{a.AppointmentID, a.PatientID, fmt.Sprintf("%02d/%02d/%d", int(mo), d, y), a.Start.String(), a.ProviderID,
			a.VisitType, fmt.Sprint(a.LeadDays), status})
	}
	return rows
}

// appointmentsXLSX writes the demo's existing appointments as a
// scheduling system's xlsx export: Excel dates and times, a title above
// the header.
func appointmentsXLSX(in *schedule.Instance) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	created := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC).Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "rcmbot scheduling fixtures", Created: created, Modified: created}); err != nil {
		return nil, err
	}
	const sheet = "Appointments"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, err
	}
	timeStyle, err := f.NewStyle(&excelize.Style{NumFmt: 18})
	if err != nil {
		return nil, err
	}
	set := func(col, row int, v any) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	if err := set(1, 1, "Appointment list, week of 12/07/2026"); err != nil {
		return nil, err
	}
	for i, h := range []string{"Appt ID", "Doctor", "Appt Date", "Appt Time", "Appt Type", "MRN", "Date Booked", "Status"} {
		if err := set(i+1, 3, h); err != nil {
			return nil, err
		}
	}
	serial := func(d claim.Date) float64 { return float64(d.DaysSince(claim.NewDate(1899, time.December, 30))) }
	for i, a := range in.Existing {
		row := 4 + i
		for col, v := range []any{a.ID, a.ProviderID, serial(a.Date), float64(a.Start) / 1440, a.VisitType, a.PatientID, serial(a.BookedOn), "Scheduled"} {
			if err := set(col+1, row, v); err != nil {
				return nil, err
			}
		}
		for _, c := range []struct {
			col   int
			style int
		}{{3, dateStyle}, {4, timeStyle}, {7, dateStyle}} {
			cell, _ := excelize.CoordinatesToCellName(c.col, row)
			if err := f.SetCellStyle(sheet, cell, cell, c.style); err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
