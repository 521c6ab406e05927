package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/decision"
)

// decisionKeyName names rcmbot's decision keys in signed notes.
const decisionKeyName = "rcmbot-decisions"

// decisionSigner loads the key the web app and CLI sign staff decisions
// with: RCMBOT_DECISION_KEY, else the key file.
func (a *app) decisionSigner() (*decision.Signer, error) {
	key := a.cfg.DecisionKey
	if key == "" {
		b, err := os.ReadFile(a.cfg.DecisionKeyFile)
		if err != nil {
			return nil, fmt.Errorf("decision signing key: %w (set RCMBOT_DECISION_KEY or RCMBOT_DECISION_KEY_FILE; `rcmbot keys decision new` makes a pair)", err)
		}
		key = string(b)
	}
	return decision.NewSigner(key, nil)
}

// decisionVerifier loads the public keys workers accept staff decisions
// from: RCMBOT_DECISION_PUBLIC_KEYS, else the public key file.
func (a *app) decisionVerifier() (*decision.Verifier, error) {
	text := a.cfg.DecisionPublicKeys
	if text == "" {
		b, err := os.ReadFile(a.cfg.DecisionPublicKeysFile)
		if err != nil {
			return nil, fmt.Errorf("decision public keys: %w (set RCMBOT_DECISION_PUBLIC_KEYS or RCMBOT_DECISION_PUBLIC_KEYS_FILE)", err)
		}
		text = string(b)
	}
	return decision.NewVerifier(0, decision.ParseKeys(text)...)
}

// ensureDevDecisionKeys makes a decision key pair on `rcmbot dev`'s first
// run (as the dev key ring is made), unless keys are configured inline or
// the key file exists.
func (a *app) ensureDevDecisionKeys() error {
	if a.cfg.DecisionKey != "" || a.cfg.DecisionPublicKeys != "" {
		return nil
	}
	if _, err := os.Lstat(a.cfg.DecisionKeyFile); err == nil {
		return nil
	}
	priv, pub, err := decision.GenerateKey(decisionKeyName)
	if err != nil {
		return err
	}
	if err := writeKeyFile(a.cfg.DecisionKeyFile, priv+"\n", true); err != nil {
		return err
	}
	return appendPublicKey(a.cfg.DecisionPublicKeysFile, pub)
}

// writeKeyFile writes text to path through a temporary file, mode 0600;
// with exclusive, an existing path is left alone.
func writeKeyFile(path, text string, exclusive bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".decision-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if exclusive {
		if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// appendPublicKey adds pub to the public key file, keeping the keys listed
// before (decisions they signed still verify while they are young).
func appendPublicKey(path, pub string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	keys := decision.ParseKeys(string(old))
	for _, k := range keys {
		if k == pub {
			return nil
		}
	}
	keys = append(keys, pub)
	return writeKeyFile(path, "# decision public keys workers accept (rcmbot keys decision)\n"+strings.Join(keys, "\n")+"\n", false)
}

// newDecisionKeysCmd is `rcmbot keys decision`: the keys that sign and
// verify staff decisions.
func newDecisionKeysCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "decision",
		Short: "Make and rotate the keys that sign staff decisions (reviews, approvals)",
		Long: `Staff decisions (a claims review, later approvals and case dispositions) are
signed by the web app and CLI with a private key and checked by the workers'
workflows with the public keys, so that nobody who merely reaches the Temporal
frontend can act as a reviewer. The web app and CLI need the private key
(RCMBOT_DECISION_KEY or the key file); workers need only the public keys
(RCMBOT_DECISION_PUBLIC_KEYS or the public key file).`,
	}
	newPair := &cobra.Command{
		Use:   "new",
		Short: "Print a new key pair: the private key on stdout, the public key on stderr",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			priv, pub, err := decision.GenerateKey(decisionKeyName)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "public key (RCMBOT_DECISION_PUBLIC_KEYS on workers): %s\nprivate key (RCMBOT_DECISION_KEY on the web app and CLI), keep it secret:\n", pub)
			fmt.Fprintln(cmd.OutOrStdout(), priv)
			return nil
		},
	}
	public := &cobra.Command{
		Use:   "public",
		Short: "Print the public key of the configured signing key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key := a.cfg.DecisionKey
			if key == "" {
				b, err := os.ReadFile(a.cfg.DecisionKeyFile)
				if err != nil {
					return err
				}
				key = string(b)
			}
			pub, err := decision.PublicKey(key)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), pub)
			return nil
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the signing key file with a new key and add its public key to the public key file",
		Long: `Make a new signing key, add its public key to the public key file (the old
public keys stay, so decisions signed just before still verify) and replace the
private key file. Restart workers first (they read the public keys at start),
then the web app. Remove an old public key once it has signed nothing for longer
than a decision's lifetime (ten minutes).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			priv, pub, err := decision.GenerateKey(decisionKeyName)
			if err != nil {
				return err
			}
			if err := appendPublicKey(a.cfg.DecisionPublicKeysFile, pub); err != nil {
				return err
			}
			if err := writeKeyFile(a.cfg.DecisionKeyFile, priv+"\n", false); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "new decision key %s written to %s; its public key added to %s\nrestart the workers, then the web app\n",
				pub, a.cfg.DecisionKeyFile, a.cfg.DecisionPublicKeysFile)
			return nil
		},
	}
	config.Bind(cmd.PersistentFlags(), &a.cfg, "decision-key", "decision-key-file", "decision-public-keys-file")
	cmd.AddCommand(newPair, public, rotate)
	return cmd
}
