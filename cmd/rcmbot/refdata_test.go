package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/shareddata"
)

// TestRefdataCurrency runs `rcmbot refdata` on the shared code sets and
// checks it says which code sets cover the day asked about.
func TestRefdataCurrency(t *testing.T) {
	dir := shareddata.Dir(t, "codesets")
	for day, want := range map[string]string{"2024-08-15": "current", "2026-12-04": "stale"} {
		root := newRootCmd()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{"refdata", "--refdata", dir, "--on", day})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		var ncci []string
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, "ncci_ptp ") && strings.Contains(line, "2024 Q3") {
				ncci = strings.Fields(line)
			}
		}
		if !strings.Contains(out.String(), "code sets on "+day) || len(ncci) < 2 || ncci[1] != want {
			t.Errorf("%s: want ncci_ptp %s:\n%s", day, want, out.String())
		}
	}
}

// TestScrubJSONNotices: the pinned report gains "notices" (extended, not
// renamed) and says once that the dates of service are after the loaded
// code sets.
func TestScrubJSONNotices(t *testing.T) {
	dir := shareddata.Dir(t, "codesets")
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"scrub", filepath.Join("..", "..", "fixtures", "demo-claims.csv"), "--refdata", dir, "--format", "json", "--as-of", "2026-11-30"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		File         string            `json:"file"`
		Summary      map[string]any    `json:"summary"`
		IntakeErrors []json.RawMessage `json:"intake_errors"`
		Claims       []json.RawMessage `json:"claims"`
		Notices      []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Claims  int    `json:"claims"`
		} `json:"notices"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, n := range rep.Notices {
		codes[n.Code] = n.Claims
	}
	if rep.File != "demo-claims.csv" || len(rep.Claims) != 100 || codes["icd10cm_year_not_loaded"] == 0 || codes["ncci_ptp_stale"] == 0 {
		t.Errorf("file %q, %d claims, notices %v", rep.File, len(rep.Claims), codes)
	}
}
