package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/decision"
)

// run runs rcmbot in-process with args and the environment env, and
// returns its standard output.
func runKeys(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("rcmbot %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// TestDecisionKeysRotate: `rcmbot keys decision rotate` replaces the
// signing key and keeps the old public key, so workers accept decisions
// signed by either while the web app restarts.
func TestDecisionKeysRotate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"RCMBOT_DATA_DIR": dir}
	a := &app{}
	a.cfg.DecisionKeyFile, a.cfg.DecisionPublicKeysFile = filepath.Join(dir, "decision.key"), filepath.Join(dir, "decision.pub")
	if err := a.ensureDevDecisionKeys(); err != nil {
		t.Fatal(err)
	}
	first, err := a.decisionSigner()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ensureDevDecisionKeys(); err != nil { // a second dev run keeps the pair
		t.Fatal(err)
	}
	runKeys(t, env, "keys", "decision", "rotate")
	second, err := a.decisionSigner()
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.decisionVerifier()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, s := range []*decision.Signer{first, second} {
		signed, err := s.Sign("claims.review", "wf", "rita", "reviewer", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Open(signed, "claims.review", "wf", now, nil); err != nil {
			t.Errorf("key %d not accepted after rotation: %v", i+1, err)
		}
	}
	pub := runKeys(t, env, "keys", "decision", "public")
	if text, _ := os.ReadFile(a.cfg.DecisionPublicKeysFile); len(decision.ParseKeys(string(text))) != 2 || !strings.Contains(string(text), strings.TrimSpace(pub)) {
		t.Errorf("public key file after rotation:\n%s\nsigning key's public key %s", text, pub)
	}
	for _, f := range []string{a.cfg.DecisionKeyFile, a.cfg.DecisionPublicKeysFile} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi.Mode(), err)
		}
	}
}

// TestTightenDataDir: a data directory and database that existed before
// rcmbot started with loose modes are made owner-only, with a warning.
func TestTightenDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "rcmbot.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	var log bytes.Buffer
	a := testApp(&log)
	a.cfg.DataDir, a.cfg.DBURL = dir, "sqlite://"+db
	if err := a.tightenDataDir(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, db: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
		}
	}
	if n := strings.Count(log.String(), "tightened permissions"); n != 2 {
		t.Errorf("%d warnings, want 2:\n%s", n, log.String())
	}
	log.Reset()
	if err := a.tightenDataDir(); err != nil || log.Len() != 0 {
		t.Errorf("second run: %v\n%s", err, log.String())
	}
}

// testApp is an app logging to w.
func testApp(w *bytes.Buffer) *app {
	return &app{log: slog.New(slog.NewTextHandler(w, nil))}
}
