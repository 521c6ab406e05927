package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/fixtures/malformed"
)

// TestScrubRefusesMalformed runs `rcmbot scrub --out` on every failing
// file of the malformed corpus (the 450 MB shared-string bomb among them):
// each exits 1 with the reason on stderr, writes no annotated workbook and
// prints no report, rather than scrubbing a partial or empty batch.
func TestScrubRefusesMalformed(t *testing.T) {
	dir := t.TempDir()
	for _, c := range malformed.Cases() {
		if c.Kind == "" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(dir, c.Name)
			if err := os.WriteFile(path, c.Build(), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, c.Name+".annotated.xlsx")
			root := newRootCmd()
			var stdout, stderr bytes.Buffer
			root.SetOut(&stdout)
			root.SetErr(&stderr)
			root.SetArgs([]string{"scrub", path, "--out", out, "--format", "json"})
			err := root.Execute()
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 1 {
				t.Fatalf("scrub = %v; want exit status 1 (stdout %.200q)", err, stdout.String())
			}
			if !strings.Contains(stderr.String(), c.Reason) || stdout.Len() > 0 {
				t.Errorf("stderr %q, stdout %d bytes; want the reason (%q) and no report", stderr.String(), stdout.Len(), c.Reason)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("an annotated workbook was written for a failed file (%v)", err)
			}
		})
	}
}
