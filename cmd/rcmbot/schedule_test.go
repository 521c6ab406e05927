package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const example = "../../fixtures/scheduling/issue-example.json"

// TestScheduleCommands runs `rcmbot schedule plan` and `evaluate` in
// process.
func TestScheduleCommands(t *testing.T) {
	run := func(t *testing.T, args ...string) (string, string, error) {
		t.Helper()
		root := newRootCmd()
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs(args)
		err := root.Execute()
		return out.String(), errOut.String(), err
	}
	t.Run("plan", func(t *testing.T) { testSchedulePlan(t, run) })
	t.Run("bad instance", func(t *testing.T) { testSchedulePlanBadInstance(t, run) })
}

type runFunc func(t *testing.T, args ...string) (string, string, error)

// `rcmbot schedule plan` prints the issue's output format, and `rcmbot
// schedule evaluate` agrees with its expected cost.
func testSchedulePlan(t *testing.T, run runFunc) {
	out, errOut, err := run(t, "schedule", "plan", "--instance", example, "--format", "json")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	var plan struct {
		Assignments []struct {
			RequestID         string   `json:"request_id"`
			ProviderID        string   `json:"provider_id"`
			Date              string   `json:"date"`
			Start             string   `json:"start"`
			NoShowProbability *float64 `json:"no_show_probability"`
		} `json:"assignments"`
		Unscheduled  []string `json:"unscheduled"`
		ExpectedCost *float64 `json:"expected_cost"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(plan.Assignments) != 1 || plan.Unscheduled == nil || plan.ExpectedCost == nil {
		t.Fatalf("plan %s", out)
	}
	a := plan.Assignments[0]
	if a.RequestID != "R1" || a.ProviderID != "P1" || a.Date != "2026-12-07" || a.NoShowProbability == nil || *a.NoShowProbability != 0.2 {
		t.Errorf("assignment %+v", a)
	}
	p := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(p, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err = run(t, "schedule", "evaluate", "--instance", example, "--plan", p)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	var b struct{ Cost float64 }
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.Cost != *plan.ExpectedCost {
		t.Errorf("evaluate: %v cost %v, plan %v", err, b.Cost, *plan.ExpectedCost)
	}
	if out, _, err := run(t, "schedule", "plan", "--instance", example, "--format", "table"); err != nil || !strings.Contains(out, "expected cost") {
		t.Errorf("table: %v\n%s", err, out)
	}
}

// A bad instance exits 1 with one line naming the field and the request.
func testSchedulePlanBadInstance(t *testing.T, run runFunc) {
	b, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(p, bytes.Replace(b, []byte(`"latest": "2026-12-11"`), []byte(`"latest": "2026-12-01"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, "schedule", "plan", "--instance", p, "--format", "json")
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || out != "" {
		t.Fatalf("err %v, out %q", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `request "R1": field latest: before earliest`) {
		t.Errorf("stderr %q", errOut)
	}
	// An infeasible plan is refused by evaluate, naming the request.
	plan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(plan, []byte(`{"assignments":[{"request_id":"R1","provider_id":"P1","date":"2026-12-07","start":"08:07","no_show_probability":0.2}],"unscheduled":[],"expected_cost":0}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err = run(t, "schedule", "evaluate", "--instance", example, "--plan", plan)
	if !errors.As(err, &ee) || !strings.Contains(errOut, `request "R1": start is not a slot boundary`) {
		t.Errorf("evaluate infeasible: %v %q", err, errOut)
	}
}
