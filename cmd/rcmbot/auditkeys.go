package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web"
)

// auditKeyName names the audit key in checkpoint signatures.
const auditKeyName = "rcmbot-audit"

// auditSigner loads the key that signs the PHI access log's checkpoints
// (RCMBOT_AUDIT_KEY_FILE); nil when the file does not exist.
func (a *app) auditSigner() (note.Signer, error) {
	b, err := os.ReadFile(a.cfg.AuditKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("audit signing key %s: not a signing key from `rcmbot audit keygen`", a.cfg.AuditKeyFile)
	}
	return s, nil
}

// auditVerifier loads the audit verifier key (RCMBOT_AUDIT_VERIFIER_KEY,
// inline or a file); nil when it names a file that does not exist.
func (a *app) auditVerifier() (note.Verifier, error) {
	return auditlog.ReadVerifier(a.cfg.AuditVerifierKey)
}

// sealAccessLog makes db sign a checkpoint of the PHI access log into the
// checkpoint file after every append, and returns what the access log
// page verifies with (nil without a verifier key). Without a signing key
// the log is only hash-chained, which whoever owns the database can
// recompute: a warning says so.
func (a *app) sealAccessLog(db *store.DB) (*web.AccessLogSeal, error) {
	s, err := a.auditSigner()
	if err != nil {
		return nil, err
	}
	if s == nil {
		a.log.Warn("no audit signing key: the PHI access log is not checkpointed, so whoever owns the database could rewrite it unseen; make one with `rcmbot audit keygen --out DIR` (RCMBOT_AUDIT_KEY_FILE)",
			"key_file", a.cfg.AuditKeyFile)
	} else {
		db.SetAuditSigner(s, auditlog.NewCheckpointFile(a.cfg.AuditCheckpoints))
	}
	v, err := a.auditVerifier()
	if err != nil || v == nil {
		return nil, err
	}
	return &web.AccessLogSeal{Verifier: v, Checkpoints: a.cfg.AuditCheckpoints}, nil
}

// ensureDevAuditKey makes the audit key pair on `rcmbot dev`'s first run,
// unless the signing key file exists.
func (a *app) ensureDevAuditKey() error {
	if _, err := os.Lstat(a.cfg.AuditKeyFile); err == nil {
		return nil
	}
	skey, vkey, err := auditlog.GenerateKey(auditKeyName)
	if err != nil {
		return err
	}
	if err := writeKeyFile(a.cfg.AuditKeyFile, skey+"\n", true); err != nil {
		return err
	}
	if _, err := note.NewVerifier(a.cfg.AuditVerifierKey); err == nil {
		return nil // given inline
	}
	return writeKeyFile(a.cfg.AuditVerifierKey, vkey+"\n", false)
}
