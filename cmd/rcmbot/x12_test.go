package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/shareddata"
)

func runX12Parse(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetArgs(append([]string{"x12", "parse"}, args...))
	err := root.Execute()
	return out.String(), err
}

// `rcmbot x12 parse` of a 271 prints the eligibility bot's reading of it
// too: in the JSON ("answer") and as text.
func TestX12Parse271Answer(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "x12", "demo.271")
	out, err := runX12Parse(t, demo, "--date", "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Transaction string              `json:"transaction"`
		Document    json.RawMessage     `json:"document"`
		Answer      *eligibility.Result `json:"answer"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	a := got.Answer
	if got.Transaction != "271" || len(got.Document) == 0 || a == nil || a.Status != eligibility.StatusActive || !a.MemberFound || !a.CoverageActive ||
		a.DateOfService.String() != "2026-03-02" || a.Plan.Name != "OPEN CHOICE PPO" {
		t.Fatalf("answer %+v", a)
	}
	if a.CoInsurance.InNetwork == nil || *a.CoInsurance.InNetwork != 0.2 || a.CoInsurance.OutNetwork == nil || *a.CoInsurance.OutNetwork != 0.4 ||
		a.Deductible.IndividualRemaining.InNetwork == nil || a.Deductible.IndividualRemaining.InNetwork.String() != "1212.34" ||
		a.CoPay.OutNetwork == nil || a.CoPay.OutNetwork.String() != "60.00" || len(a.Raw) != 0 {
		t.Errorf("figures %+v %+v %+v", a.CoInsurance, a.Deductible, a.CoPay)
	}
	// Before the plan began: found, not active.
	out, err = runX12Parse(t, demo, "--date", "2025-12-31", "--format", "text")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"member found:    yes", "active on 2025-12-31: no"} {
		if !strings.Contains(out, line) {
			t.Errorf("text lacks %q:\n%s", line, out)
		}
	}
	out, err = runX12Parse(t, demo, "--date", "2026-03-02", "--format", "text")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"active on 2026-03-02: yes",
		"co-insurance     0.2 (20%)                      0.4 (40%)",
		"deductible       $1212.34 of $1500.00 left      $3000.00 of $3000.00 left",
		"out of pocket    $5100.00 of $6000.00 left      -",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("text lacks %q:\n%s", line, out)
		}
	}
	// The LinuxForHealth sample (Apache-2.0): co-pays in and out of network.
	dir := shareddata.Dir(t, "x12-samples")
	out, err = runX12Parse(t, filepath.Join(dir, "lfh", "271_005010X279A1", "subscriber-health-benefit-check.271"), "--format", "text")
	if err != nil || !strings.Contains(out, "co-pay           $10.00                         $30.00") || !strings.Contains(out, "member found:    yes") {
		t.Errorf("lfh sample: %v\n%s", err, out)
	}
	// Text is for 271s only.
	if _, err := runX12Parse(t, filepath.Join("..", "..", "fixtures", "x12", "accepted.999"), "--format", "text"); err == nil || !strings.Contains(err.Error(), "271s only") {
		t.Errorf("999 as text: %v", err)
	}
}
