package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditBotCommands: import (stored, bad rows named, exit 2), alerts,
// reports and the monthly review as PDF and xlsx, on a real SQLite store
// (no Temporal needed with --no-scan).
func TestAuditBotCommands(t *testing.T) {
	write := sqliteDataDir(t)
	access := write("access.csv", "time,user_id,patient_id,action,workstation,ip\n2026-03-02T09:30:00Z,nurse1,p1,view,ed-1,10.0.0.1\n2026-03-02T09:31:00Z,nurse1,p1,shred,ed-1,10.0.0.1\n")
	staff := write("staff.csv", "user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end\nnurse1,Adeyemi,Tola,ED,nurse,1 Oak St,02134,2020-01-01,,,\n")
	out, errOut, code := run(t, "audit", "import", "--access-log", access, "--staff", staff, "--label", "March", "--no-scan")
	if code != 2 || !strings.Contains(errOut, "access.csv") || !strings.Contains(errOut, "row 3") || strings.Contains(errOut, "shred") {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	var res struct {
		ImportID string `json:"import_id"`
		Events   int    `json:"events"`
		Staff    int    `json:"staff"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Events != 1 || res.Staff != 1 || res.ImportID == "" {
		t.Fatalf("import result %q: %v", out, err)
	}
	if out, errOut, code := run(t, "audit", "import", "--access-log", write("bad.csv", "who,what\n"), "--no-scan"); code != 1 || !strings.Contains(errOut, "bad.csv") {
		t.Fatalf("unreadable log: %d %s %s", code, out, errOut)
	}
	if out, _, code := run(t, "audit", "alerts", "--state", ""); code != 0 || !strings.HasPrefix(out, "ALERT") {
		t.Fatalf("alerts: %d %s", code, out)
	}
	if out, _, code := run(t, "audit", "report", "users"); code != 0 || !strings.Contains(out, "[") {
		t.Fatalf("users: %d %s", code, out)
	}
	if out, _, code := run(t, "audit", "report", "monthly", "--month", "2026-03"); code != 0 || !strings.Contains(out, `"imported_events": 1`) {
		t.Fatalf("monthly: %d %s", code, out)
	}
	for _, f := range []string{"pdf", "xlsx"} {
		p := filepath.Join(t.TempDir(), "review."+f)
		if out, errOut, code := run(t, "audit", "report", "monthly", "--month", "2026-03", "--format", f, "--out", p); code != 0 {
			t.Fatalf("%s: %d %s %s", f, code, out, errOut)
		}
		if fi, err := os.Stat(p); err != nil || fi.Size() < 500 {
			t.Errorf("%s report: %v", f, err)
		}
	}
	if _, errOut, code := run(t, "audit", "report", "monthly", "--month", "March"); code == 0 || !strings.Contains(errOut, "YYYY-MM") {
		t.Errorf("a bad month: %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "audit", "case", "al-missing"); code == 0 || !strings.Contains(errOut, "no access alert") {
		t.Errorf("unknown case: %d %s", code, errOut)
	}
}
