// Package shareddata finds the public reference files that live beside
// the repository, in ../shared (code sets under codesets/, X12 samples
// under x12-samples/), for tests and benchmarks. They are not committed:
// their licences allow use, not redistribution inside rcmbot.
//
// A test that needs them calls Dir. Where they are absent the test is
// skipped, unless RCMBOT_REQUIRE_SHARED is set (CI sets it, and CI has
// ../shared beside the clone): then it fails, so a missing directory can
// never hide behind a skip.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names the directory holding the shared files, overriding the
// search beside the module root.
const EnvDir = "RCMBOT_SHARED"

// EnvRequire, when set to anything, turns a missing shared directory into
// a test failure.
const EnvRequire = "RCMBOT_REQUIRE_SHARED"

// Find returns the path of sub inside the shared directory, or false when
// it does not exist. The shared directory is $RCMBOT_SHARED, or "shared"
// beside the root of the module containing the working directory.
func Find(sub string) (string, bool) {
	root := os.Getenv(EnvDir)
	if root == "" {
		mod, ok := moduleRoot()
		if !ok {
			return "", false
		}
		root = filepath.Join(filepath.Dir(mod), "shared")
	}
	p := filepath.Join(root, sub)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// Dir returns the path of sub inside the shared directory. When it is
// missing, Dir skips the test, or fails it under RCMBOT_REQUIRE_SHARED.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	p, ok := Find(sub)
	if ok {
		return p
	}
	msg := "shared reference files not found: " + sub + " (put them in ../shared beside the repository, or set " + EnvDir + ")"
	if os.Getenv(EnvRequire) != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// moduleRoot walks up from the working directory to the directory that
// holds go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
