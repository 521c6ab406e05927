package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// scrubX12 runs `rcmbot scrub --x12` on the demo claims and returns the
// 837P's ISA13 and its BHT03s.
func scrubX12(t *testing.T, out string) (string, []string) {
	t.Helper()
	root := newRootCmd()
	root.SetOut(&bytes.Buffer{})
	root.SetArgs([]string{"scrub", filepath.Join("..", "..", "fixtures", "demo-claims.csv"), "--x12", out, "--as-of", "2026-03-02"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := x12.Read837P(data)
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	var refs []string
	seen := map[string]bool{}
	for _, c := range doc.Claims {
		if !seen[c.Reference] {
			seen[c.Reference] = true
			refs = append(refs, c.Reference)
		}
	}
	return doc.Header.Control, refs
}

// Two runs of `rcmbot scrub --x12` write different ISA13s and BHT03s: from
// the counter file in the state directory without a store, from the
// submission ledger with one.
func TestScrubX12ControlNumbersPersist(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("RCMBOT_DB_URL", "sqlite://"+filepath.Join(dir, "none", "rcmbot.db"))
	check := func(t *testing.T) (string, string) {
		isa1, refs1 := scrubX12(t, filepath.Join(dir, "a.837"))
		isa2, refs2 := scrubX12(t, filepath.Join(dir, "b.837"))
		if isa1 == isa2 {
			t.Errorf("both runs wrote ISA13 %s", isa1)
		}
		all := map[string]bool{}
		for _, r := range append(refs1, refs2...) {
			if all[r] {
				t.Errorf("BHT03 %s repeated", r)
			}
			all[r] = true
		}
		if len(refs1) == 0 {
			t.Fatal("no transaction sets")
		}
		return isa1, isa2
	}
	t.Run("counter file", func(t *testing.T) {
		isa1, isa2 := check(t)
		if isa1 != "000000001" || isa2 != "000000002" {
			t.Errorf("ISA13s %s %s, want 1 and 2 from a new counter", isa1, isa2)
		}
		b, err := os.ReadFile(filepath.Join(dir, "state", "rcmbot", "control-numbers.json"))
		if err != nil || !strings.Contains(string(b), `"isa":2`) {
			t.Errorf("counter file %s %v", b, err)
		}
	})
	t.Run("submission ledger", func(t *testing.T) {
		path := filepath.Join(dir, "rcmbot.db")
		db, err := store.Open(context.Background(), "sqlite://"+path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		for range 41 { // the claims bot has sent 41 interchanges
			if _, err := db.NextControlNumber(context.Background(), "isa"); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		t.Setenv("RCMBOT_DB_URL", "sqlite://"+path)
		isa1, isa2 := check(t)
		if isa1 != "000000042" || isa2 != "000000043" {
			t.Errorf("ISA13s %s %s, want 42 and 43 from the ledger", isa1, isa2)
		}
	})
}

func TestCounterFileRefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (counterFile{path: path}).NextControlNumber(context.Background(), "isa"); err == nil || !strings.Contains(err.Error(), "fix or remove it") {
		t.Errorf("garbage counter: %v", err)
	}
	if err := os.WriteFile(path, []byte(`{"isa":999999999}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := (counterFile{path: path}).NextControlNumber(context.Background(), "isa"); err != nil || n != 1 {
		t.Errorf("after the largest control number: %d %v, want 1", n, err)
	}
}

// `rcmbot scrub` names rendering providers from the store as the bot does,
// and says once for the file which NPIs to set up.
func TestScrubReadsStoredProviders(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "demo-claims.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Every claim rendered by a doctor practice.yaml does not name.
	file := filepath.Join(dir, "claims.csv")
	text := strings.NewReplacer(",1299000012,", ",1300000001,", ",1477000016,", ",1300000001,", ",1299000020,", ",1300000001,",
		",1388000014,", ",1300000001,", ",1388000022,", ",1300000001,").Replace(string(src))
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	scrub := func() (string, string) {
		root := newRootCmd()
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs([]string{"scrub", file, "--format", "json", "--as-of", "2026-11-29"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String()
	}
	path := filepath.Join(dir, "rcmbot.db")
	t.Setenv("RCMBOT_DB_URL", "sqlite://"+path)
	before, note := scrub()
	if !strings.Contains(note, "claims are held because their rendering provider is not set up: add 1300000001") || strings.Count(note, "note:") != 1 {
		t.Errorf("stderr %q", note)
	}
	db, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveProviders(context.Background(), []provider.Provider{{NPI: "1300000001", Entity: provider.Individual, LastName: "NEWDOC"}}, "test"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	after, note := scrub()
	if note != "" || strings.Count(after, "has no name") != 0 || strings.Count(before, "1300000001 has no name") == 0 {
		t.Errorf("after the provider is set up: stderr %q, %d findings before", note, strings.Count(before, "1300000001 has no name"))
	}
}

// `rcmbot scrub` fills a service facility named by NPI only from the
// facilities set up in the store, as the bot does.
func TestScrubReadsStoredFacilities(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "coverage-claims.csv"))
	if err != nil {
		t.Fatal(err)
	}
	const full = "Testville General Hospital,1499000010,500 Hospital Dr,Testville,MA,02134"
	if !strings.Contains(string(src), full) {
		t.Fatal("coverage-claims.csv no longer has the POS 22 claim at Testville General")
	}
	file := filepath.Join(dir, "claims.csv")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(src), full, ",1499000010,,,,")), 0o600); err != nil {
		t.Fatal(err)
	}
	scrub := func() string {
		root := newRootCmd()
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs([]string{"scrub", file, "--format", "json", "--as-of", "2026-11-29"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	path := filepath.Join(dir, "rcmbot.db")
	t.Setenv("RCMBOT_DB_URL", "sqlite://"+path)
	db, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if before := scrub(); !strings.Contains(before, "no street address (2310C N3)") {
		t.Errorf("a facility named by NPI only, none set up: no 2310C finding in %s", before)
	}
	if db, err = store.Open(context.Background(), "sqlite://"+path); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFacility(context.Background(), provider.Facility{Name: "Testville General Hospital", NPI: "1499000010",
		Address: claim.Address{Line1: "500 Hospital Dr", City: "Testville", State: "MA", Zip: "02134"}}, "test"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if after := scrub(); strings.Contains(after, "2310C") {
		t.Errorf("after the facility is set up: %s", after)
	}
}
