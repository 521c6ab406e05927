package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/auditlog"
)

// run runs rcmbot with args and returns what it printed and its exit status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code := 0
	var ee exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		t.Fatalf("rcmbot %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

var auditDemo = filepath.Join("..", "..", "fixtures", "audit")

func scanArgs(dir string) []string {
	return []string{"audit", "scan", "--access-log", filepath.Join(dir, "access.csv"), "--staff", filepath.Join(dir, "staff.csv"),
		"--patients", filepath.Join(dir, "patients.csv"), "--encounters", filepath.Join(dir, "encounters.csv"), "--format", "json",
		"--timezone", "America/New_York"}
}

func TestAuditScanJSON(t *testing.T) {
	out, errOut, code := run(t, scanArgs(auditDemo)...)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, ",") != "alerts,events,explained_fraction" {
		t.Errorf("top-level keys %v", keys)
	}
	var rep struct {
		Events            int                          `json:"events"`
		ExplainedFraction float64                      `json:"explained_fraction"`
		Alerts            []map[string]json.RawMessage `json:"alerts"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Events < 10000 || rep.ExplainedFraction < 0.9 || rep.ExplainedFraction > 1 || len(rep.Alerts) == 0 {
		t.Errorf("events %d, explained %v, %d alerts", rep.Events, rep.ExplainedFraction, len(rep.Alerts))
	}
	want := "events,explanation,first_time,last_time,patient_id,rule,score,user_id"
	for _, a := range rep.Alerts {
		var ks []string
		for k := range a {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		if strings.Join(ks, ",") != want {
			t.Fatalf("alert keys %v, want %s", ks, want)
		}
	}
	// The labelled cases of the auditDemo are among the alerts.
	var labels struct {
		Units []struct {
			UserID    string `json:"user_id"`
			PatientID string `json:"patient_id"`
		} `json:"units"`
	}
	b, _ := os.ReadFile(filepath.Join(auditDemo, "labels.json"))
	if err := json.Unmarshal(b, &labels); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, u := range labels.Units {
		for _, a := range rep.Alerts {
			var user, patient string
			json.Unmarshal(a["user_id"], &user)
			json.Unmarshal(a["patient_id"], &patient)
			if user == u.UserID && (u.PatientID == "" || patient == u.PatientID) {
				found++
				break
			}
		}
	}
	if found < len(labels.Units)*9/10 {
		t.Errorf("%d of %d labelled cases alerted", found, len(labels.Units))
	}
}

func TestAuditScanBadRows(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"staff.csv", "patients.csv", "encounters.csv"} {
		b, _ := os.ReadFile(filepath.Join(auditDemo, name))
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "access.csv"), []byte("time,user_id,patient_id,action,workstation,ip\n2025-03-04T08:00:00Z,U0001,P000001,view,,\nyesterday,U0001,P000002,view,,\n"), 0o644)
	out, errOut, code := run(t, scanArgs(dir)...)
	if code != 2 || !strings.Contains(errOut, "access.csv row 3, column A (time)") || strings.Contains(errOut, "yesterday") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, `"events": 1`) {
		t.Errorf("the good row was not scanned: %s", out)
	}
	os.WriteFile(filepath.Join(dir, "access.csv"), []byte("nothing,to,see\n"), 0o644)
	if _, errOut, code := run(t, scanArgs(dir)...); code != 1 || !strings.Contains(errOut, "no header row") {
		t.Errorf("a file without a header: exit %d, %q", code, errOut)
	}
}

func TestAuditVerifyDemo(t *testing.T) {
	log := filepath.Join(auditDemo, "log")
	args := func(export string) []string {
		return []string{"audit", "verify", "--export", filepath.Join(log, export), "--checkpoint", filepath.Join(log, "checkpoint-day1.txt"),
			"--checkpoint", filepath.Join(log, "checkpoint-day2.txt"), "--key", filepath.Join(log, "audit.vkey")}
	}
	if out, _, code := run(t, args("export.jsonl")...); code != 0 || !strings.Contains(out, "verified") {
		t.Errorf("auditDemo export: exit %d\n%s", code, out)
	}
	if out, _, code := run(t, args("export-edited.jsonl")...); code != 1 || !strings.Contains(out, "TAMPERING DETECTED") {
		t.Errorf("edited export: exit %d\n%s", code, out)
	}
	if _, _, code := run(t, "audit", "verify", "--export", "nope.jsonl", "--checkpoint", "x", "--key", "not a key"); code != 2 {
		t.Errorf("unreadable input: exit %d", code)
	}
}

func TestAuditKeygen(t *testing.T) {
	dir := t.TempDir()
	if _, _, code := run(t, "audit", "keygen", "--out", dir); code != 0 {
		t.Fatalf("exit %d", code)
	}
	fi, err := os.Stat(filepath.Join(dir, "audit-signing.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("signing key file: %v %v", fi, err)
	}
	if _, err := auditlog.ReadVerifier(filepath.Join(dir, "audit.vkey")); err != nil {
		t.Error(err)
	}
}
