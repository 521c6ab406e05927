package synth

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/audit"
)

var update = flag.Bool("update", false, "rewrite the demo data set under fixtures/audit")

const fixtureDir = "../../../fixtures/audit"

func digest(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := make(map[string][32]byte)
	for _, name := range []string{"access.csv", "staff.csv", "patients.csv", "encounters.csv", "labels.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = sha256.Sum256(b)
	}
	return out
}

// TestDeterministic: the same seed gives the same files.
func TestDeterministic(t *testing.T) {
	cfg := DemoConfig()
	a, b := t.TempDir(), t.TempDir()
	if _, err := Generate(cfg).WriteFiles(a); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(cfg).WriteFiles(b); err != nil {
		t.Fatal(err)
	}
	da, db := digest(t, a), digest(t, b)
	for name := range da {
		if da[name] != db[name] {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
}

// TestCommittedDemo: fixtures/audit is what DemoConfig generates
// (regenerate with go test ./internal/audit/synth -run TestCommittedDemo -update).
func TestCommittedDemo(t *testing.T) {
	dir := t.TempDir()
	if *update {
		dir = fixtureDir
	}
	if _, err := Generate(DemoConfig()).WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	want, got := digest(t, dir), digest(t, fixtureDir)
	for name := range want {
		if want[name] != got[name] {
			t.Errorf("fixtures/audit/%s is not what DemoConfig generates; run with -update", name)
		}
	}
}

// TestScanFindsTheScenarios runs the offline scan on the demo hospital
// and a second, larger one, and holds it to the benchmark's goals.
func TestScanFindsTheScenarios(t *testing.T) {
	mid := DefaultConfig()
	mid.StaffScale, mid.Patients, mid.Days, mid.Load, mid.Instances, mid.Seed = 0.6, 8000, 28, 0.3, 6, 7
	for name, cfg := range map[string]Config{"demo": DemoConfig(), "mid": mid} {
		t.Run(name, func(t *testing.T) {
			h := Generate(cfg)
			src, err := h.WriteFiles(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			opts := audit.Options{Location: cfg.Location}
			res, base, err := audit.ScanFiles(src, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.RowErrors) > 0 {
				t.Errorf("row errors in generated files: %v", res.RowErrors[:min(3, len(res.RowErrors))])
			}
			ev := Evaluate(h, res.Alerts)
			if r := ev.Overall.Recall(); r < 0.9 {
				t.Errorf("recall %.3f; missed %v", r, ev.Missed)
			}
			if ev.FalsePer100StaffDays > 1 {
				t.Errorf("%.2f false alerts per 100 staff per day (%v)", ev.FalsePer100StaffDays, ev.FalseByRule)
			}
			if ev.TrapAlerts > 0 {
				t.Errorf("%d alerts on trap users", ev.TrapAlerts)
			}
			// Legitimate accesses explained: judge the injected ones alone
			// against the same baselines and take them out.
			dir, _, err := audit.LoadDirectory(src, opts)
			if err != nil {
				t.Fatal(err)
			}
			j := audit.NewJudge(dir, base, opts)
			for _, e := range h.Injected() {
				j.Add(e)
			}
			inj := j.Result()
			legit := float64(res.Explained-inj.Explained) / float64(res.WithPatient-inj.WithPatient)
			if legit < 0.94 {
				t.Errorf("%.3f of legitimate accesses explained", legit)
			}
			t.Logf("recall %.3f, false %.2f per 100 staff-days, legitimate explained %.3f, %d accesses",
				ev.Overall.Recall(), ev.FalsePer100StaffDays, legit, res.Events)
		})
	}
}

func TestEvaluateCountsFalseAlerts(t *testing.T) {
	h := &Hospital{Config: DemoConfig(), Staff: make([]audit.Staff, 100),
		Units: []Unit{{Scenario: Family, UserID: "U1", PatientID: "P1"}, {Scenario: Family, UserID: "U2", PatientID: "P2"}}}
	ev := Evaluate(h, []audit.Alert{{UserID: "U1", PatientID: "P1", Rule: audit.RuleFamily}, {UserID: "U3", PatientID: "P9", Rule: audit.RuleVIP}})
	if ev.Overall.Detected != 1 || ev.Overall.Units != 2 || ev.FalseAlerts != 1 || ev.FalseByRule[audit.RuleVIP] != 1 {
		t.Errorf("%+v", ev)
	}
	if !bytes.Equal([]byte(ev.Missed[0].UserID), []byte("U2")) {
		t.Errorf("missed %v", ev.Missed)
	}
}
