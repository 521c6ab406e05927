package auditdemo

import (
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
)

func testConfig() Config {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		loc = time.FixedZone("EST", -5*3600)
	}
	return Config{Seed: 13, End: time.Date(2026, time.March, 20, 9, 30, 0, 0, loc), Location: loc}
}

// TestDemoFlagsExactlyThePlantedCases writes the demo, reads it back with
// the import's parsers, scans it with the real rules and finds an alert
// for every planted case with its rule, and none elsewhere.
func TestDemoFlagsExactlyThePlantedCases(t *testing.T) {
	cfg := testConfig()
	started := time.Now()
	d := Generate(cfg)
	src, err := d.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated and wrote %d accesses, %d staff, %d patients, %d encounters in %s",
		len(d.Events), len(d.Staff), len(d.Patients), len(d.Encounters), time.Since(started).Round(time.Millisecond))

	staff, errs, err := audit.ReadStaff(src.Staff)
	if err != nil || len(errs) > 0 || len(staff) != len(d.Staff) {
		t.Fatalf("staff.csv: %d of %d read, %v %v", len(staff), len(d.Staff), errs, err)
	}
	pats, errs, err := audit.ReadPatients(src.Patients)
	if err != nil || len(errs) > 0 || len(pats) != len(d.Patients) {
		t.Fatalf("patients.csv: %d of %d read, %v %v", len(pats), len(d.Patients), errs, err)
	}
	encs, errs, err := audit.ReadEncounters(src.Encounters, cfg.Location)
	if err != nil || len(errs) > 0 || len(encs) != len(d.Encounters) {
		t.Fatalf("encounters.csv: %d of %d read, %v %v", len(encs), len(d.Encounters), errs, err)
	}
	r, err := audit.OpenAccessLog(src.AccessLog, cfg.Location)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := d.Events[n]; !e.Time.Equal(want.Time) || e.UserID != want.UserID || e.PatientID != want.PatientID || e.Action != want.Action {
			t.Fatalf("access.csv row %d reads as %+v, generated %+v", n+2, e, want)
		}
		n++
	}
	if n != len(d.Events) || len(r.RowErrors()) > 0 {
		t.Fatalf("access.csv: %d of %d read, %v", n, len(d.Events), r.RowErrors())
	}

	checkFlagged(t, d, src, cfg)
	// Every weekday rcmbot dev may start on gives the same cases.
	for i := 1; i < 7; i++ {
		c := cfg
		c.End = cfg.End.AddDate(0, 0, i)
		d := Generate(c)
		src, err := d.WriteFiles(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		checkFlagged(t, d, src, c)
	}
}

// checkFlagged scans the demo with the real rules and holds the alerts to
// the planted cases: each flagged by its rule, no alert elsewhere.
func checkFlagged(t *testing.T, d *Demo, src audit.Sources, cfg Config) {
	t.Helper()
	res, _, err := audit.ScanFiles(src, audit.Options{Location: cfg.Location})
	if err != nil {
		t.Fatal(err)
	}
	pairs, users := map[[2]string]bool{}, map[string]bool{}
	for _, c := range d.Cases {
		if c.PatientID == "" {
			users[c.UserID] = true
		} else {
			pairs[[2]string{c.UserID, c.PatientID}] = true
		}
	}
	found := map[Case]bool{}
	for _, a := range res.Alerts {
		found[Case{Rule: a.Rule, UserID: a.UserID, PatientID: a.PatientID}] = true
		if a.PatientID != "" && !pairs[[2]string{a.UserID, a.PatientID}] || a.PatientID == "" && !users[a.UserID] {
			t.Errorf("ending %s: alert on no planted case: %s %s %s (score %d): %s", cfg.End.Format(time.DateOnly), a.Rule, a.UserID, a.PatientID, a.Score, a.Explanation)
		}
	}
	for _, c := range d.Cases {
		if !found[c] {
			t.Errorf("ending %s: planted case not flagged by %s: user %s patient %q", cfg.End.Format(time.DateOnly), c.Rule, c.UserID, c.PatientID)
		}
	}
	if len(d.Cases) != 8 {
		t.Errorf("%d planted cases, want 8", len(d.Cases))
	}
	t.Logf("ending %s: %d accesses, %.3f explained, %d alerts on %d planted cases", cfg.End.Format(time.DateOnly), res.Events, res.ExplainedFraction(), len(res.Alerts), len(d.Cases))
}

// TestDemoDeterministic: the same seed and end give the same demo.
func TestDemoDeterministic(t *testing.T) {
	if a, b := Generate(testConfig()), Generate(testConfig()); !reflect.DeepEqual(a, b) {
		t.Error("two demos from the same seed differ")
	}
}
