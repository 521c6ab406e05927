package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/store"
)

func newAuditVerifyCmd(a *app) *cobra.Command {
	var export, key string
	var checkpoints []string
	cmd := &cobra.Command{
		Use:   "verify [--export FILE] [--checkpoint FILE ...] [--key VERIFIER-KEY]",
		Short: "Prove the PHI access log, or an export of it, against signed checkpoints kept outside the database",
		Long: `Verify rcmbot's tamper-evident audit log against checkpoints kept outside the
database (the checkpoint file the web app writes after every access, copies of
it, emails, Temporal history), each signed with the audit key.

Without --export, the PHI access log in the database (--db-url) is read entry
by entry and checked against the checkpoint file (RCMBOT_AUDIT_CHECKPOINTS);
with --export, an export ('rcmbot audit export') is checked offline.

A complete log or export is rebuilt record by record: every checkpoint's signed
root must come out at its size (so every record is included and the log only
ever grew). A partial export (one patient's records, say) carries an inclusion
proof per record and consistency proofs from the checkpoints' sizes. Editing a
record, deleting and renumbering records, cutting off the tail, or rewriting
everything with recomputed hashes is each reported, with where the change lies.
A checkpoint file holds one checkpoint per entry; the newest and up to 255 spread
over the rest are checked.

--checkpoint is a file of one or more signed checkpoints (repeatable; default
RCMBOT_AUDIT_CHECKPOINTS). --key is the verifier key ("name+hash+key", from
'rcmbot audit keygen') or a file holding it (default RCMBOT_AUDIT_VERIFIER_KEY).
Exit status 0 when the log verifies, 1 when tampering is found, 2 when a file
or the database cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fail := func(err error) error {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{code: 2}
			}
			v, trusted, err := a.auditTrust(key, checkpoints)
			if err != nil {
				return fail(err)
			}
			var rep *auditlog.Report
			title := "the PHI access log in the database"
			if export == "" {
				db, err := a.openDB(cmd.Context(), nil, false)
				if err != nil {
					return fail(err)
				}
				defer db.Close()
				if rep, err = db.VerifyAccessLog(cmd.Context(), v, trusted); err != nil {
					return fail(err)
				}
			} else {
				f, err := os.Open(export)
				if err != nil {
					return fail(fmt.Errorf("export: %w", err))
				}
				defer f.Close()
				if rep, err = auditlog.Verify(f, v, trusted); err != nil {
					return fail(fmt.Errorf("%s: %w", filepath.Base(export), err))
				}
				kind := "complete"
				if !rep.Complete {
					kind = "partial"
				}
				title = fmt.Sprintf("%s: %s export", filepath.Base(export), kind)
			}
			if !printReport(cmd.OutOrStdout(), title, rep) {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&export, "export", "", "an audit-log export (JSON lines) to verify instead of the database")
	cmd.Flags().StringArrayVar(&checkpoints, "checkpoint", nil, "a file of signed checkpoints kept outside the database (repeatable; default RCMBOT_AUDIT_CHECKPOINTS)")
	cmd.Flags().StringVar(&key, "key", "", "the audit verifier key, or a file holding it (default RCMBOT_AUDIT_VERIFIER_KEY)")
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "audit-verifier-key", "audit-checkpoints")
	return cmd
}

// maxChecked bounds the checkpoints one verification checks.
const maxChecked = 256

// auditTrust loads the verifier key (key, else RCMBOT_AUDIT_VERIFIER_KEY)
// and the checkpoints of files (else RCMBOT_AUDIT_CHECKPOINTS), sampled.
func (a *app) auditTrust(key string, files []string) (note.Verifier, []auditlog.Trusted, error) {
	if key == "" {
		key = a.cfg.AuditVerifierKey
	}
	v, err := auditlog.ReadVerifier(key)
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, nil, fmt.Errorf("no audit verifier key: %s does not exist (--key, RCMBOT_AUDIT_VERIFIER_KEY; 'rcmbot audit keygen' makes one)", key)
	}
	if len(files) == 0 {
		files = []string{a.cfg.AuditCheckpoints}
	}
	var trusted []auditlog.Trusted
	for _, p := range files {
		if _, err := os.Stat(p); err != nil {
			return nil, nil, fmt.Errorf("checkpoint: %w", err)
		}
		cps, err := auditlog.ReadCheckpoints(p)
		if err != nil {
			return nil, nil, fmt.Errorf("checkpoint: %w", err)
		}
		trusted = append(trusted, cps...)
	}
	return v, auditlog.Sample(trusted, maxChecked), nil
}

// printReport prints a verification report and reports whether it found
// nothing wrong.
func printReport(w io.Writer, title string, rep *auditlog.Report) bool {
	fmt.Fprintf(w, "%s: log %q, tree of %d records, %d records read\n", title, rep.Origin, rep.Size, rep.Records)
	for _, c := range rep.Checks {
		mark := "FAIL"
		if c.OK {
			mark = "ok"
		}
		when := ""
		if !c.Time.IsZero() {
			when = " signed " + c.Time.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "  %-4s %s (%d records%s): %s\n", mark, c.Source, c.Size, when, c.Detail)
	}
	if rep.OK() {
		fmt.Fprintln(w, "verified: every record is in the signed trees and the log only grew")
		return true
	}
	fmt.Fprintln(w, "TAMPERING DETECTED:")
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "  - "+p)
	}
	return false
}

func newAuditExportCmd(a *app) *cobra.Command {
	var out, key string
	var checkpoints []string
	cmd := &cobra.Command{
		Use:   "export --out FILE [--checkpoint FILE ...] [--key VERIFIER-KEY]",
		Short: "Export the PHI access log for offline verification",
		Long: `Write the PHI access log as a complete audit-log export (JSON lines: a header,
then one record per entry) that 'rcmbot audit verify --export' checks offline.
The export covers the entries the newest checkpoint in the checkpoint file
signed, carries that checkpoint, and proves consistency from the sizes of the
others checked. Entries appended after it are left for the next export.
Exit status 0 when written, 1 when the log has fewer entries than the
checkpoint signed (tampering), 2 when something cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fail := func(err error) error {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{code: 2}
			}
			v, trusted, err := a.auditTrust(key, checkpoints)
			if err != nil {
				return fail(err)
			}
			var own *auditlog.Checkpoint
			var signed []byte
			var sizes []int64
			for _, t := range trusted {
				c, err := auditlog.OpenCheckpoint(t.Signed, v)
				if err != nil || c.Origin != store.AccessLogOrigin {
					continue
				}
				sizes = append(sizes, c.Size)
				if own == nil || c.Size >= own.Size {
					own, signed = &c, t.Signed
				}
			}
			if own == nil {
				return fail(errors.New("no checkpoint of the PHI access log signed by the audit key: nothing to export against"))
			}
			db, err := a.openDB(cmd.Context(), nil, false)
			if err != nil {
				return fail(err)
			}
			defer db.Close()
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return fail(err)
			}
			n, err := db.ExportAccessLog(cmd.Context(), f, own, signed, sizes)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if auditlog.IsMismatch(err) {
				fmt.Fprintln(cmd.ErrOrStderr(), "TAMPERING DETECTED: "+err.Error())
				return exitError{code: 1}
			}
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d entries to %s (checkpoint signed %s)\n", n, out, own.Time.UTC().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the export file to write (mode 0600: it holds patient keys)")
	cmd.Flags().StringArrayVar(&checkpoints, "checkpoint", nil, "a file of signed checkpoints (repeatable; default RCMBOT_AUDIT_CHECKPOINTS)")
	cmd.Flags().StringVar(&key, "key", "", "the audit verifier key, or a file holding it (default RCMBOT_AUDIT_VERIFIER_KEY)")
	_ = cmd.MarkFlagRequired("out")
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "audit-verifier-key", "audit-checkpoints")
	return cmd
}

func newAuditKeygenCmd(*app) *cobra.Command {
	var name, out string
	cmd := &cobra.Command{
		Use:   "keygen [--name NAME] [--out DIR]",
		Short: "Make the ed25519 key that signs audit-log checkpoints",
		Long: `Make a new audit signing key and its verifier key. The signing key signs the
audit log's checkpoints and must be kept outside the database (the web app's key
file, RCMBOT_AUDIT_KEY_FILE, or secret store): with it anyone could sign a
rewritten log. The verifier key is public: give it to whoever verifies
(RCMBOT_AUDIT_VERIFIER_KEY, 'rcmbot audit verify --key').
--out DIR writes audit-signing.key (mode 0600) and audit.vkey there (the names
the settings default to in the data directory); otherwise both are printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			skey, vkey, err := auditlog.GenerateKey(name)
			if err != nil {
				return err
			}
			if out == "" {
				fmt.Fprintf(cmd.OutOrStdout(), "signing key (keep outside the database): %s\nverifier key: %s\n", skey, vkey)
				return nil
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, "audit-signing.key"), []byte(skey+"\n"), 0o600); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, "audit.vkey"), []byte(vkey+"\n"), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n", filepath.Join(out, "audit-signing.key"), filepath.Join(out, "audit.vkey"))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "rcmbot-audit", "the key's name (it appears in every signature)")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the two key files to")
	return cmd
}
