package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/store"
)

// TestAuditVerifyDatabaseAndExport: the web app's wiring (sealAccessLog
// with the key `rcmbot audit keygen` wrote into the data directory)
// checkpoints every access; `rcmbot audit verify` checks the database and
// `rcmbot audit export` an export of it, and both report a rewrite made
// behind the triggers; an export refuses a log cut below its checkpoint.
func TestAuditVerifyDatabaseAndExport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, _, code := run(t, "audit", "keygen", "--out", dir); code != 0 {
		t.Fatal("keygen failed")
	}
	a := &app{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := config.Load(&a.cfg, nil, func(k string) string { return map[string]string{"RCMBOT_DATA_DIR": dir}[k] }); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, a.cfg.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seal, err := a.sealAccessLog(db)
	if err != nil || seal == nil {
		t.Fatalf("seal: %v %v", seal, err)
	}
	for _, u := range []string{"rita", "bill", "ana", "rita", "bill"} {
		if _, err := db.AppendAccess(ctx, store.AccessEvent{Username: u, Action: store.AccessViewClaim, ClaimID: "C-1", PatientID: "a:1", Outcome: store.AccessAllowed}); err != nil {
			t.Fatal(err)
		}
	}
	dd := []string{"--data-dir", dir}
	if out, errOut, code := run(t, append([]string{"audit", "verify"}, dd...)...); code != 0 || !strings.Contains(out, "verified") || !strings.Contains(out, "5 records read") {
		t.Fatalf("clean database: exit %d\n%s%s", code, out, errOut)
	}
	export := filepath.Join(t.TempDir(), "export.jsonl")
	if out, errOut, code := run(t, append([]string{"audit", "export", "--out", export}, dd...)...); code != 0 || !strings.Contains(out, "wrote 5 entries") {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	verifyExport := append([]string{"audit", "verify", "--export", export}, dd...)
	if out, _, code := run(t, verifyExport...); code != 0 || !strings.Contains(out, "complete export") {
		t.Fatalf("export verify: exit %d\n%s", code, out)
	}

	// The owner edits entry 3 behind the triggers.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "rcmbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{"DROP TRIGGER phi_access_log_no_update", "DROP TRIGGER phi_access_log_no_delete",
		"DROP TRIGGER phi_access_tree_no_delete", "UPDATE phi_access_log SET username = 'mallory' WHERE seq = 3"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if out, _, code := run(t, append([]string{"audit", "verify"}, dd...)...); code != 1 || !strings.Contains(out, "TAMPERING DETECTED") || !strings.Contains(out, "the change lies in records 2 to 2") {
		t.Errorf("edited database: exit %d\n%s", code, out)
	}
	if _, _, code := run(t, append([]string{"audit", "export", "--out", export}, dd...)...); code != 0 {
		t.Fatal("export of the edited log")
	}
	if out, _, code := run(t, verifyExport...); code != 1 || !strings.Contains(out, "TAMPERING DETECTED") {
		t.Errorf("edited export: exit %d\n%s", code, out)
	}
	// Cut off the tail: the export refuses, the verification reports it.
	for _, q := range []string{"DELETE FROM phi_access_log WHERE seq > 3", "DELETE FROM phi_access_tree WHERE idx >= 4"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, errOut, code := run(t, append([]string{"audit", "export", "--out", export}, dd...)...); code != 1 || !strings.Contains(errOut, "entries were removed") {
		t.Errorf("export of a cut log: exit %d %s", code, errOut)
	}
	if out, _, code := run(t, append([]string{"audit", "verify"}, dd...)...); code != 1 || !strings.Contains(out, "records at the end were cut off") {
		t.Errorf("cut database: exit %d\n%s", code, out)
	}
	// No verifier key: a clear error, exit 2.
	os.Remove(filepath.Join(dir, "audit.vkey"))
	if _, errOut, code := run(t, append([]string{"audit", "verify"}, dd...)...); code != 2 || !strings.Contains(errOut, "no audit verifier key") {
		t.Errorf("no key: exit %d %s", code, errOut)
	}
}

// TestDevMakesTheAuditKey: `rcmbot dev`'s first run makes the audit key
// pair in the data directory (signing key 0600), later runs keep it, and
// without a signing key the web app's wiring checkpoints nothing.
func TestDevMakesTheAuditKey(t *testing.T) {
	dir := t.TempDir()
	a := &app{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := config.Load(&a.cfg, nil, func(k string) string { return map[string]string{"RCMBOT_DATA_DIR": dir}[k] }); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), a.cfg.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if seal, err := a.sealAccessLog(db); err != nil || seal != nil {
		t.Errorf("no keys yet: %v %v", seal, err)
	}
	if err := a.ensureDevAuditKey(); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(a.cfg.AuditKeyFile)
	if fi, serr := os.Stat(a.cfg.AuditKeyFile); err != nil || serr != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key file: %v %v", err, serr)
	}
	if err := a.ensureDevAuditKey(); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(a.cfg.AuditKeyFile); string(again) != string(key) {
		t.Error("a second run replaced the signing key")
	}
	if seal, err := a.sealAccessLog(db); err != nil || seal == nil || seal.Checkpoints != filepath.Join(dir, "audit-checkpoints.log") {
		t.Errorf("seal: %+v %v", seal, err)
	}
	// A damaged key file is an error that does not echo its content.
	os.WriteFile(a.cfg.AuditKeyFile, []byte("PRIVATE+KEY+damaged\n"), 0o600)
	if _, err := a.sealAccessLog(db); err == nil || strings.Contains(err.Error(), "damaged") {
		t.Errorf("bad key file: %v", err)
	}
}
