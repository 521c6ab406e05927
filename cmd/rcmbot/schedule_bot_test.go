package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestScheduleImportCommands: the demo's exports from the command line
// on a real SQLite store (no Temporal needed); a file with bad rows
// exits 2 naming each row, an unknown kind exits 1.
func TestScheduleImportCommands(t *testing.T) {
	sqliteDataDir(t)
	imports := filepath.Join("..", "..", "fixtures", "scheduling", "imports")
	out, errOut, code := run(t, "schedule", "import", "templates", filepath.Join(imports, "templates.csv"), "--visit-type", "FU=15", "--visit-type", "NEW=30", "--visit-type", "LONG=45")
	if code != 0 || !strings.Contains(out, "3 stored, 0 rows refused") {
		t.Fatalf("templates: %d %q %q", code, out, errOut)
	}
	out, errOut, code = run(t, "schedule", "import", "history", filepath.Join(imports, "history.csv"))
	if code != 0 || !strings.Contains(out, "600 stored") {
		t.Fatalf("history: %d %q %q", code, out, errOut)
	}
	out, errOut, code = run(t, "schedule", "import", "appointments", filepath.Join(imports, "appointments-with-errors.csv"))
	if code != 2 || !strings.Contains(out, "1 stored, 5 rows refused") || strings.Count(errOut, "appointments-with-errors.csv") != 5 || !strings.Contains(errOut, "row 3") {
		t.Fatalf("appointments with errors: %d %q %q", code, out, errOut)
	}
	if _, errOut, code = run(t, "schedule", "import", "rooms", filepath.Join(imports, "history.csv")); code != 1 || !strings.Contains(errOut, "Unknown kind") {
		t.Fatalf("unknown kind: %d %q", code, errOut)
	}
	if _, errOut, code = run(t, "schedule", "import", "templates", filepath.Join(imports, "templates.csv"), "--visit-type", "FU"); code != 1 || !strings.Contains(errOut, "ID=MINUTES") {
		t.Fatalf("bad --visit-type: %d %q", code, errOut)
	}
	if out, _, code = run(t, "schedule", "list", "--format", "json"); code != 0 || !strings.Contains(out, `"requests": []`) {
		t.Fatalf("list: %d %q", code, out)
	}
	if out, _, code = run(t, "schedule", "list", "--day", "2026-12-07"); code != 0 || !strings.Contains(out, "X1") || !strings.Contains(out, "2026-12-07 08:00 (P1)") {
		t.Fatalf("list --day: %d %q", code, out)
	}
	if _, errOut, code = run(t, "schedule", "list", "--day", "monday"); code != 1 || !strings.Contains(errOut, "not a date") {
		t.Fatalf("list --day monday: %d %q", code, errOut)
	}
}
