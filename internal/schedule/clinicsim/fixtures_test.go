package clinicsim

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/schedule/schedimport"
)

const committedFixtures = "../../../fixtures/scheduling"

// The committed fixtures are what the generator writes (regenerate with
// go run ./fixtures/scheduling/gen), every instance passes its check and
// plans, and the demo exports read back as the demo instance's data.
func TestCommittedFixtures(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFixtures(dir); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got, _ := os.ReadFile(p)
		want, err := os.ReadFile(filepath.Join(committedFixtures, rel))
		if err != nil {
			t.Errorf("%s is not committed: %v", rel, err)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator writes; run go run ./fixtures/scheduling/gen", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"issue-example.json", "demo-instance.json", "small/small-00.json"} {
		b, err := os.ReadFile(filepath.Join(committedFixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		in, err := schedule.ParseInstance(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := planner.Plan(planner.Compile(in)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestDemoExportsReadBack(t *testing.T) {
	demo := DemoInstance()
	o := schedimport.Options{AsOf: demo.Start}
	tm, err := schedimport.ReadTemplates(schedimport.File(filepath.Join(committedFixtures, "imports/templates.csv")), o)
	if err != nil || len(tm.Errors) > 0 || len(tm.Providers) != len(demo.Providers) {
		t.Fatalf("templates: %v %+v", err, tm)
	}
	for i, p := range tm.Providers {
		if len(p.Sessions) != len(demo.Providers[i].Sessions) || p.Sessions[0] != demo.Providers[i].Sessions[0] {
			t.Errorf("provider %s sessions %+v", p.ID, p.Sessions)
		}
	}
	ap, err := schedimport.ReadAppointments(schedimport.File(filepath.Join(committedFixtures, "imports/appointments.xlsx")), o)
	if err != nil || len(ap.Errors) > 0 || len(ap.Appointments) != len(demo.Existing) {
		t.Fatalf("appointments: %v %d errors, %d of %d", err, len(ap.Errors), len(ap.Appointments), len(demo.Existing))
	}
	for i, a := range ap.Appointments {
		e := demo.Existing[i]
		if a.ID != e.ID || a.Date != e.Date || a.Start != e.Start || a.BookedOn != e.BookedOn || a.PatientID != e.PatientID {
			t.Fatalf("appointment %d: %+v, want %+v", i, a, e)
		}
	}
	h, err := schedimport.ReadHistory(schedimport.File(filepath.Join(committedFixtures, "imports/history.csv")), o)
	if err != nil || len(h.Errors) > 0 || len(h.Visits) != len(demo.History) || h.Visits[7] != demo.History[7] {
		t.Fatalf("history: %v %+v", err, h.Errors)
	}
	bad, err := schedimport.ReadAppointments(schedimport.File(filepath.Join(committedFixtures, "imports/appointments-with-errors.csv")), o)
	if err != nil || len(bad.Appointments) != 1 || len(bad.Errors) != 5 {
		t.Fatalf("appointments with errors: %v %+v", err, bad)
	}
	b, err := schedimport.ReadBlocks(schedimport.File(filepath.Join(committedFixtures, "imports/blocked.csv")), o)
	if err != nil || len(b.Holidays) != 1 || len(b.Blocked["P2"]) != 1 {
		t.Fatalf("blocks: %v %+v", err, b)
	}
}
