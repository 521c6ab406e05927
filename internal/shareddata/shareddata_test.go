package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindUsesTheEnvironmentFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "codesets", "ncci"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvDir, dir)
	p, ok := Find("codesets/ncci")
	if !ok || p != filepath.Join(dir, "codesets", "ncci") {
		t.Fatalf("Find = %q, %v", p, ok)
	}
	if _, ok := Find("codesets/missing"); ok {
		t.Fatal("Find reports a directory that does not exist")
	}
}

func TestFindBesideTheModuleRoot(t *testing.T) {
	t.Setenv(EnvDir, "")
	mod, ok := moduleRoot()
	if !ok {
		t.Fatal("no module root above the working directory")
	}
	want := filepath.Join(filepath.Dir(mod), "shared", "codesets")
	p, ok := Find("codesets")
	if _, err := os.Stat(want); err == nil {
		if !ok || p != want {
			t.Fatalf("Find = %q, %v; want %q", p, ok, want)
		}
	} else if ok {
		t.Fatalf("Find = %q although %s does not exist", p, want)
	}
}
