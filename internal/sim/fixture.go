package sim

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
)

// DefaultSeed is the payer simulator's seed when none is given; the
// committed roster fixtures are generated with it.
const DefaultSeed int64 = 20260302

// FixtureRow is one appointment of the roster fixture with the outcome the
// payer simulator (DefaultSeed) gives it.
type FixtureRow struct {
	PatientID   string
	LastName    string
	FirstName   string
	DOB         claim.Date
	MemberID    string
	PayerID     string
	Appointment claim.Date
	// Expect names the outcome: a Profile, or a discrepancy the row was
	// made to show (name_mismatch, dob_mismatch, wrong_payer).
	Expect string
}

// FixtureRows returns the roster fixture's appointments on date: for every
// payer of the starter directory one roster member of each profile, then
// rows that differ from what the payer has on file (a misspelt first name,
// a date of birth a day off, a member sent to the wrong payer) and two
// member IDs that are not on the roster (answered by HashProfile).
func FixtureRows(date claim.Date) []FixtureRow {
	var ids []string
	for _, p := range payers.Starter().Payers {
		ids = append(ids, p.ID)
	}
	var rows []FixtureRow
	add := func(m Member, expect string) {
		rows = append(rows, FixtureRow{PatientID: fmt.Sprintf("PT-%04d", len(rows)+1), LastName: m.LastName, FirstName: m.FirstName,
			DOB: m.DOB, MemberID: m.ID, PayerID: m.PayerID, Appointment: date, Expect: expect})
	}
	roster := Roster(DefaultSeed, ids, 1)
	for _, m := range roster {
		add(m, string(m.Profile))
	}
	var actives []Member
	for _, m := range roster {
		if m.Profile == ProfileActive {
			actives = append(actives, m)
		}
	}
	typo := actives[0]
	typo.FirstName = typo.FirstName[:len(typo.FirstName)-1] // "Dolores" → "Dolore"
	add(typo, "name_mismatch")
	off := actives[1]
	off.DOB = off.DOB.AddDays(1)
	add(off, "dob_mismatch")
	wrong := actives[2]
	wrong.PayerID = actives[3].PayerID
	add(wrong, "wrong_payer")
	for _, id := range []string{"W990000001", "W990000002"} {
		add(Member{ID: id, PayerID: "60054", LastName: "Underhill", FirstName: "Soren", DOB: claim.MustDate("1984-07-21")},
			string(HashProfile(DefaultSeed, id)))
	}
	return rows
}

// fixtureHeader is the roster fixture's header row: the synonyms a
// scheduling export uses, and the expected outcome (ignored by readers).
var fixtureHeader = []string{"Patient ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Appointment Date", "Expected Outcome"}

// WriteRosterFixtures writes roster.csv and roster.xlsx into dir.
func WriteRosterFixtures(dir string, date claim.Date) error {
	rows := FixtureRows(date)
	if err := writeFixtureCSV(filepath.Join(dir, "roster.csv"), rows); err != nil {
		return err
	}
	return writeFixtureXLSX(filepath.Join(dir, "roster.xlsx"), rows)
}

func usDate(d claim.Date) string {
	y, m, dd := d.YMD()
	return fmt.Sprintf("%02d/%02d/%04d", int(m), dd, y)
}

func writeFixtureCSV(path string, rows []FixtureRow) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write roster fixture: %w", err)
	}
	w := csv.NewWriter(f)
	w.Write(fixtureHeader)
	for _, r := range rows {
		w.Write([]string{r.PatientID, r.LastName, r.FirstName, usDate(r.DOB), r.MemberID, r.PayerID, usDate(r.Appointment), r.Expect})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func writeFixtureXLSX(path string, rows []FixtureRow) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "Appointments"
	if err := x.SetSheetName(x.GetSheetName(0), sheet); err != nil {
		return err
	}
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	header := make([]any, len(fixtureHeader))
	for i, h := range fixtureHeader {
		header[i] = h
	}
	if err := x.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	for i, r := range rows {
		cell := fmt.Sprintf("A%d", i+2)
		vals := []any{r.PatientID, r.LastName, r.FirstName, r.DOB.Time(), r.MemberID, r.PayerID, r.Appointment.Time(), r.Expect}
		if err := x.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
		for _, col := range []string{"D", "G"} {
			c := fmt.Sprintf("%s%d", col, i+2)
			if err := x.SetCellStyle(sheet, c, c, dateStyle); err != nil {
				return err
			}
		}
	}
	// A fixed creation time keeps the file the same on every run.
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	if err := x.SetDocProps(&excelize.DocProperties{Created: fixed, Modified: fixed, Creator: "rcmbot fixtures"}); err != nil {
		return err
	}
	if err := x.SaveAs(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
