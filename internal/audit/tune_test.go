package audit_test

import (
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/audit"
)

func decisions(rule audit.RuleID, appropriate, confirmed []int) []audit.Decision {
	var out []audit.Decision
	for _, s := range appropriate {
		out = append(out, audit.Decision{Rule: rule, Score: s, Disposition: audit.Appropriate})
	}
	for i, s := range confirmed {
		d := []audit.Disposition{audit.Inappropriate, audit.NeedsEducation, audit.Escalate}[i%3]
		out = append(out, audit.Decision{Rule: rule, Score: s, Disposition: d})
	}
	return out
}

func change(t *testing.T, cs []audit.ThresholdChange, rule audit.RuleID) audit.ThresholdChange {
	t.Helper()
	for _, c := range cs {
		if c.Rule == rule {
			return c
		}
	}
	t.Fatalf("no change for %s in %+v", rule, cs)
	return audit.ThresholdChange{}
}

func TestTune(t *testing.T) {
	cur := audit.DefaultThresholds()
	var ds []audit.Decision
	// Co-worker: appropriate alerts score 50–57, confirmed ones 60 and up.
	ds = append(ds, decisions(audit.RuleCoworker, []int{50, 52, 55, 57, 51, 53, 50}, []int{60, 65, 80})...)
	// VIP: appropriate alerts as high as confirmed ones: keep.
	ds = append(ds, decisions(audit.RuleVIP, []int{60, 75, 60, 61, 62, 75}, []int{60, 60, 75, 62})...)
	// Self-access: every one confirmed: lower a step.
	ds = append(ds, decisions(audit.RuleSelf, nil, []int{90, 90, 90, 90, 90, 90, 90, 90, 90, 90})...)
	// Neighbour: too few decisions.
	ds = append(ds, decisions(audit.RuleNeighbour, []int{50, 50}, nil)...)
	// Off-hours: every reviewed alert appropriate, far above: capped step.
	ds = append(ds, decisions(audit.RuleOffHours, []int{50, 60, 70, 80, 90, 90, 90, 90, 90, 90}, nil)...)
	cs := audit.Tune(cur, ds)

	c := change(t, cs, audit.RuleCoworker)
	if c.From != 50 || c.To != 58 || c.Appropriate != 7 || c.Confirmed != 3 || !strings.Contains(c.Reason, "Every confirmed alert (lowest score 60) would still be raised") {
		t.Errorf("co-worker %+v", c)
	}
	if c := change(t, cs, audit.RuleVIP); c.Changed() || !strings.Contains(c.Reason, "as high as confirmed ones") {
		t.Errorf("VIP %+v", c)
	}
	if c := change(t, cs, audit.RuleSelf); c.To != 45 {
		t.Errorf("self %+v", c)
	}
	if c := change(t, cs, audit.RuleNeighbour); c.Changed() || !strings.Contains(c.Reason, "tuning waits for 10") {
		t.Errorf("neighbour %+v", c)
	}
	if c := change(t, cs, audit.RuleOffHours); c.To != 65 || !strings.Contains(c.Reason, "capped") {
		t.Errorf("off-hours %+v", c)
	}
	for _, c := range cs {
		if c.Rule == audit.RuleFamily {
			t.Errorf("a rule without decisions was reported: %+v", c)
		}
	}
	after := cur.Apply(cs)
	if after.For(audit.RuleCoworker) != 58 || after.For(audit.RuleFamily) != audit.DefaultThreshold || cur.For(audit.RuleCoworker) != 50 {
		t.Errorf("Apply: %v (before %v)", after, cur)
	}
	// Tuning again with the same decisions settles: nothing below the
	// new threshold is left to silence.
	if c := change(t, audit.Tune(after, ds), audit.RuleCoworker); c.Changed() {
		t.Errorf("second tuning moved co-worker again: %+v", c)
	}
}

func TestVocabularies(t *testing.T) {
	for _, d := range audit.Dispositions {
		if got, err := audit.ParseDisposition(string(d)); err != nil || got != d {
			t.Errorf("disposition %q", d)
		}
	}
	if _, err := audit.ParseDisposition("fine"); err == nil {
		t.Error("unknown disposition parsed")
	}
	if s, _ := audit.CaseOpen.After(audit.Escalate); s != audit.CaseEscalated {
		t.Errorf("escalate → %s", s)
	}
	if s, _ := audit.CaseEscalated.After(audit.Inappropriate); s != audit.CaseClosed {
		t.Errorf("escalated then decided → %s", s)
	}
	if _, err := audit.CaseClosed.After(audit.Appropriate); err == nil {
		t.Error("a closed case took a disposition")
	}
	for _, r := range audit.Rules {
		if id, err := audit.ParseRuleID(string(r.ID)); err != nil || id != r.ID || r.Title == "" || r.About == "" {
			t.Errorf("rule %+v", r)
		}
	}
	if len(audit.Rules) != 15 {
		t.Errorf("%d rules", len(audit.Rules))
	}
	for _, s := range []string{"07:00", "7:00", "0700", "19:30:00", "7:00 PM", "7 pm", "12:00 am"} {
		if _, err := audit.ParseClock(s); err != nil {
			t.Errorf("ParseClock(%q): %v", s, err)
		}
	}
	for _, s := range []string{"25:00", "7:5", "13 pm", "noon", "7:"} {
		if _, err := audit.ParseClock(s); err == nil {
			t.Errorf("ParseClock(%q) accepted", s)
		}
	}
	if c, _ := audit.ParseClock("7:00 PM"); c != 19*60 || c.String() != "19:00" {
		t.Errorf("7 PM = %v", c)
	}
	if c, _ := audit.ParseClock("12:00 am"); c != 0 {
		t.Errorf("12 am = %v", c)
	}
}
