package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/auditlog"
)

func newAuditVerifyCmd(*app) *cobra.Command {
	var export, key string
	var checkpoints []string
	cmd := &cobra.Command{
		Use:   "verify --export FILE --checkpoint FILE [--checkpoint FILE ...] --key VERIFIER-KEY",
		Short: "Prove an audit-log export against signed checkpoints kept outside the database",
		Long: `Verify an export of rcmbot's tamper-evident audit log (the PHI access log and the
privacy officer's case decisions) offline, against checkpoints kept outside the
database (files, emails, Temporal history), each signed with the audit key.

A complete export is rebuilt record by record: every checkpoint's signed root
must come out at its size (so every record is included and the log only ever
grew). A partial export (one patient's records, say) carries an inclusion proof
per record and consistency proofs from the checkpoints' sizes. Editing a
record, deleting and renumbering records, cutting off the tail, or rewriting
everything with recomputed hashes is each reported, with where the change lies
when several checkpoints are given.

--key is the verifier key ("name+hash+key", from 'rcmbot audit keygen') or a
file holding it. Exit status 0 when the export verifies, 1 when tampering is
found, 2 when a file cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fail := func(err error) error {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{code: 2}
			}
			v, err := readVerifier(key)
			if err != nil {
				return fail(err)
			}
			var trusted []auditlog.Trusted
			for _, p := range checkpoints {
				b, err := os.ReadFile(p)
				if err != nil {
					return fail(fmt.Errorf("checkpoint: %w", err))
				}
				trusted = append(trusted, auditlog.Trusted{Source: filepath.Base(p), Signed: b})
			}
			f, err := os.Open(export)
			if err != nil {
				return fail(fmt.Errorf("export: %w", err))
			}
			defer f.Close()
			rep, err := auditlog.Verify(f, v, trusted)
			if err != nil {
				return fail(fmt.Errorf("%s: %w", filepath.Base(export), err))
			}
			w := cmd.OutOrStdout()
			kind := "complete"
			if !rep.Complete {
				kind = "partial"
			}
			fmt.Fprintf(w, "%s: %s export of log %q, tree of %d records, %d records read\n", filepath.Base(export), kind, rep.Origin, rep.Size, rep.Records)
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
				return nil
			}
			fmt.Fprintln(w, "TAMPERING DETECTED:")
			for _, p := range rep.Problems {
				fmt.Fprintln(w, "  - "+p)
			}
			return exitError{code: 1}
		},
	}
	cmd.Flags().StringVar(&export, "export", "", "the audit-log export (JSON lines)")
	cmd.Flags().StringArrayVar(&checkpoints, "checkpoint", nil, "a signed checkpoint kept outside the database (repeatable)")
	cmd.Flags().StringVar(&key, "key", "", "the audit verifier key, or a file holding it")
	for _, f := range []string{"export", "checkpoint", "key"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// readVerifier reads a verifier key given inline or as a file.
func readVerifier(key string) (note.Verifier, error) {
	text := key
	if b, err := os.ReadFile(key); err == nil {
		text = strings.TrimSpace(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--key: %w", err)
	}
	v, err := note.NewVerifier(text)
	if err != nil {
		return nil, fmt.Errorf("--key: not a verifier key (want name+hash+key, or a file holding one): %w", err)
	}
	return v, nil
}

func newAuditKeygenCmd(*app) *cobra.Command {
	var name, out string
	cmd := &cobra.Command{
		Use:   "keygen [--name NAME] [--out DIR]",
		Short: "Make the ed25519 key that signs audit-log checkpoints",
		Long: `Make a new audit signing key and its verifier key. The signing key signs the
audit log's checkpoints and must be kept outside the database (the worker's key
file or secret store): with it anyone could sign a rewritten log. The verifier
key is public: give it to whoever verifies exports ('rcmbot audit verify --key').
--out DIR writes audit-signing.key (mode 0600) and audit.vkey there; otherwise
both are printed.`,
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
