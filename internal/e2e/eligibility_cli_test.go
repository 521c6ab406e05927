package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/sim"
)

// TestEligibilityCommands runs the rcmbot binary against a stack: roster
// import (with a bad row), a one-off check printed as the JSON result
// model, a refused check, a sweep with --wait, the worklist, and x12 parse.
func TestEligibilityCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rcmbot")
	}
	s := Start(t, Options{})
	bin := filepath.Join(t.TempDir(), "rcmbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/rcmbot").CombinedOutput(); err != nil {
		t.Fatalf("build rcmbot: %v\n%s", err, out)
	}
	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), s.Env()...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		return o.String(), e.String(), code
	}

	// A roster of the fixture's answerable rows (no AAA 42 members, which
	// would hold the sweep for minutes) and one row with a bad date of birth.
	var b strings.Builder
	b.WriteString("MRN,Last Name,First Name,DOB,Member ID,Payer ID,Appt Date\n")
	var active sim.FixtureRow
	for _, r := range sim.FixtureRows(rosterDate) {
		if r.Expect == string(sim.ProfileUnavailable) {
			continue
		}
		if r.Expect == "active" && active.PatientID == "" {
			active = r
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s\n", r.PatientID, r.LastName, r.FirstName, r.DOB, r.MemberID, r.PayerID, r.Appointment)
	}
	b.WriteString("PT-9999,Quist,Ola,1980-02-30,W123456789,60054,2026-03-02\n")
	roster := filepath.Join(t.TempDir(), "monday.csv")
	if err := os.WriteFile(roster, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run("eligibility", "roster", roster)
	if code != 1 || !strings.Contains(out, "45 appointments imported for 2026-03-02") ||
		!strings.Contains(errOut, "monday.csv") || !strings.Contains(errOut, "row 47") || !strings.Contains(errOut, "1 rows were not imported") {
		t.Fatalf("roster: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = run("eligibility", "check", "--payer", active.PayerID, "--member", active.MemberID, "--last", active.LastName,
		"--first", active.FirstName, "--dob", active.DOB.String(), "--date", "2026-03-02", "--format", "json")
	var m eligibility.Result
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m.Status != eligibility.StatusActive || m.Subscriber.MemberID != active.MemberID ||
		m.DateOfService != rosterDate || strings.Contains(out, `"raw"`) {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = run("eligibility", "check", "--payer", "99999", "--member", "W1", "--last", "Quist", "--first", "Ola", "--dob", "1980-02-03")
	if code != 1 || !strings.Contains(errOut, "not in the payer directory") {
		t.Errorf("unknown payer: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = run("eligibility", "sweep", "--date", "2026-03-02", "--wait")
	if code != 0 || !strings.Contains(out, "for 2026-03-02 completed: 45 members, 45 checked") {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, out, errOut)
	}
	wl := filepath.Join(t.TempDir(), "worklist.xlsx")
	if out, errOut, code = run("eligibility", "worklist", "--date", "2026-03-02", "-o", wl); code != 0 {
		t.Fatalf("worklist: exit %d\n%s\n%s", code, out, errOut)
	}
	f, err := excelize.OpenFile(wl)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Worklist")
	f.Close()
	if err != nil || len(rows) != 46 || rows[1][1] != "Coverage inactive" {
		t.Errorf("worklist: %d rows, first %v, %v", len(rows), rows[1][:2], err)
	}

	sample := filepath.Join(Fixture("x12"), "demo.271")
	if _, err := os.Stat(sample); err != nil {
		t.Fatalf("no 271 fixture: %v", err)
	}
	out, errOut, code = run("x12", "parse", sample, "--format", "json")
	var d struct {
		Transaction string `json:"transaction"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Transaction != "271" {
		t.Errorf("x12 parse: exit %d\n%.300s\n%s", code, out, errOut)
	}
}
