package web

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
)

// TestAccessLogPageChecksTheSeal: with the audit verifier key, the access
// log page's Verify checks the log against the signed checkpoints the
// web app's appends wrote outside the database, and shows a rewrite the
// database's owner made (guards dropped, chain recomputed) as tampering.
func TestAccessLogPageChecksTheSeal(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rcmbot.db")
	db, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(ring)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := auditlog.GenerateKey("rcmbot-audit-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	cps := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	db.SetAuditSigner(signer, auditlog.NewCheckpointFile(cps))
	h := newHarnessOn(t, db, func(_ *harness, o *Options) {
		o.AccessLogSeal = &AccessLogSeal{Verifier: v, Checkpoints: cps}
	})
	for _, u := range []string{"rita", "bill", "ana"} {
		if _, err := db.AppendAccess(ctx, store.AccessEvent{Username: u, Action: store.AccessViewClaim, ClaimID: "C-1", Outcome: store.AccessAllowed}); err != nil {
			t.Fatal(err)
		}
	}
	aud := h.signIn(store.RoleAuditor)
	if page := aud.get("/access-log?verify=1"); !strings.Contains(page.body, "verifies against 3 signed checkpoints kept outside the database: 3 entries") {
		t.Fatalf("sealed log: %s", page.body)
	}

	// The owner rewrites entry 2 and recomputes its hash with rcmbot's own chain.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("DROP TRIGGER phi_access_log_no_update"); err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(t.TempDir(), "forged.db")
	fdb, err := store.Open(ctx, "sqlite://"+forged)
	if err != nil {
		t.Fatal(err)
	}
	defer fdb.Close()
	if _, err := fdb.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := db.AccessEvents(ctx, store.AccessFilter{}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Seq == 2 {
			e.Username = "mallory"
		}
		if _, err := fdb.AppendAccess(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	fevs, err := fdb.AccessEvents(ctx, store.AccessFilter{}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range fevs {
		if _, err := raw.Exec("UPDATE phi_access_log SET username = ?, prev_hash = ?, hash = ? WHERE seq = ?", e.Username, e.PrevHash, e.Hash, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.VerifyAuditChain(ctx); err != nil {
		t.Fatalf("the recomputed chain verifies (the finding): %v", err)
	}
	page := aud.get("/access-log?verify=1")
	if !strings.Contains(page.body, "The PHI access log was tampered with") || !strings.Contains(page.body, "the change lies in records 1 to 1") {
		t.Errorf("rewritten log: %s", page.body)
	}

	// Without the seal the page says what it did not check.
	plain := newHarness(t)
	if page := plain.signIn(store.RoleAuditor).get("/access-log?verify=1"); !strings.Contains(page.body, "It was not checked against signed checkpoints") {
		t.Errorf("unsealed: %s", page.body)
	}
}
