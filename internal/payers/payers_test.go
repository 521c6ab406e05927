package payers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStarter(t *testing.T) {
	d := Starter()
	if len(d.Payers) < 4 {
		t.Fatalf("starter has %d payers", len(d.Payers))
	}
	mcr := d.Payer("01112")
	if mcr == nil || mcr.FilingLimitDays() != 365 || mcr.Eligibility.Format != FormatX12 {
		t.Fatalf("medicare payer: %+v", mcr)
	}
	if a := d.Payer("60054"); a == nil || a.FilingLimitDays() != 90 || len(a.Rules) == 0 || a.Rules[0].Source == "" {
		t.Fatalf("aetna payer: %+v", a)
	}
	if fi := d.FilingIndicators(); fi["01112"] != "MB" || fi["60054"] != "CI" {
		t.Errorf("filing indicators: %v", fi)
	}
	if d.Payer("nope") != nil {
		t.Error("unknown payer found")
	}
}

func TestLoadDirectoryAndRuleFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "payers.yaml"), "payers:\n  - id: P1\n    name: One\n")
	write(t, filepath.Join(dir, "rules", "p1.yaml"), "payer: P1\nrules:\n  - id: R1\n    when: 'true'\n")
	write(t, filepath.Join(dir, "rules", "all.yaml"), "payer: '*'\nrules:\n  - id: R2\n    when: 'false'\n")
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Payer("P1")
	if p == nil || p.FilingLimitDays() != MedicareTimelyFilingDays || p.Eligibility.Format != FormatJSON {
		t.Fatalf("defaults: %+v", p)
	}
	if len(p.Rules) != 1 || !strings.HasSuffix(p.Rules[0].Source, "p1.yaml") || len(d.Rules) != 1 {
		t.Fatalf("rules: %+v / %+v", p.Rules, d.Rules)
	}
}

func TestLoadWithoutPayersFileUsesStarter(t *testing.T) {
	d, err := Load(t.TempDir())
	if err != nil || d.Source != "embedded" {
		t.Fatalf("%v %v", d, err)
	}
}

func TestLoadErrorsNameFileAndProblem(t *testing.T) {
	cases := map[string]string{
		"payers:\n  - id: P1\n    nmae: typo\n":                          "nmae",
		"payers:\n  - id: P1\n  - id: P1\n":                              "appears twice",
		"payers:\n  - name: no id\n":                                     "has no id",
		"payers:\n  - id: P1\n    eligibility:\n      format: edifact\n": "edifact",
		"payers:\n  - id: P1\n    rules:\n      - when: 'true'\n":        "rule 1 has no id",
		"payers: [\n": "payers.yaml",
	}
	for body, want := range cases {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "payers.yaml"), body)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "payers.yaml") {
			t.Errorf("Load(%q) error = %v; want it to name the file and %q", body, err, want)
		}
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules", "x.yaml"), "payer: NOPE\nrules: []\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unknown payer in rule file: %v", err)
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
