package practice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStarterAndLoad(t *testing.T) {
	p := Starter()
	if p.Submitter.ID == "" || len(p.Practitioners()) < 5 || p.Practitioners()["1477000016"].LastName != "Fictus" {
		t.Fatalf("starter: %+v", p)
	}
	if got, err := Load(t.TempDir()); err != nil || got.Source != "embedded" {
		t.Fatalf("empty dir: %v %v", got, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "practice.yaml"), []byte(`submitter: {name: A, id: B, contact_name: C, email: d@example.org}
receiver: {name: E, id: F}
providers: [{npi: "1234567893", last_name: Doe}]
`), 0o644)
	got, err := Load(dir)
	if err != nil || got.Source != filepath.Join(dir, "practice.yaml") || got.Practitioners()["1234567893"].LastName != "Doe" {
		t.Fatalf("load: %+v %v", got, err)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]string{
		"submitter: {name: A, id: B}\nreceiver: {name: E, id: F}\n":                                                                      "contact_name",
		"submitter: {name: A, id: B, contact_name: C, phone: '1'}\nreceiver: {name: E}\n":                                                "receiver",
		"submitter: {name: A, id: B, contact_name: C, phone: '1'}\nreceiver: {name: E, id: F}\nproviders: [{npi: '12', last_name: X}]\n": "not 10 digits",
		"submitter: {name: A, id: B, contact_name: C, phone: '1'}\nreceiver: {name: E, id: F}\nproviders: [{npi: '1234567893'}]\n":       "last_name",
		"submitter: {name: A, id: B, contact_name: C, phone: '1', fax: '2'}\nreceiver: {name: E, id: F}\n":                               "fax",
	}
	for body, want := range cases {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "practice.yaml"), []byte(body), 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "practice.yaml") {
			t.Errorf("%q: %v (want %q)", body, err, want)
		}
	}
}
