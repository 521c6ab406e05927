package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

func newUsersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Add, list and disable the people who sign in to rcmbot, and issue API tokens",
		Long: `Manage rcmbot's users. Roles:

  biller    uploads claims files, views batches, runs eligibility checks
  reviewer  a biller who also approves, overrides, rejects and corrects claims
  admin     a reviewer who also manages users, schedules and deletes batches
  auditor   reads everything, including the PHI access log; changes nothing

Passwords and tokens are shown once and stored only as hashes. Administrators
can do the same on the web app's Users page.`,
	}
	config.Bind(cmd.PersistentFlags(), &a.cfg, "db-url")
	withDB := func(run func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			db, err := a.openDB(cmd.Context(), nil, false)
			if err != nil {
				return err
			}
			defer db.Close()
			return run(cmd.Context(), cmd, args, db)
		}
	}

	var role, name string
	var fromStdin bool
	add := &cobra.Command{
		Use:   "add USERNAME --role ROLE",
		Short: "Add a user; prints a generated password once (or reads one with --password-stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: withDB(func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
			pw := ""
			if fromStdin {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read the password from standard input: %w", err)
				}
				pw = strings.TrimRight(line, "\r\n")
			}
			// A generated password must be changed at the first sign-in; one
			// read from standard input is the user's own (automation).
			u, pw, err := auth.CreateAccount(ctx, db, auth.NewAccount{Username: args[0], DisplayName: name, Role: store.Role(role), Password: pw})
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("there is already a user %q", store.NormalizeUsername(args[0]))
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "user %s added as %s\n", u.Username, u.Role)
			if !fromStdin {
				fmt.Fprintf(out, "initial password (shown once; rcmbot asks them for a new one at their first sign-in): %s\n", pw)
			}
			return nil
		}),
	}
	add.Flags().StringVar(&role, "role", "", "biller, reviewer, admin, auditor, purchaser, front_desk or privacy_officer (required)")
	add.Flags().StringVar(&name, "name", "", "the person's full name, shown in the web app")
	add.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the initial password from the first line of standard input")
	_ = add.MarkFlagRequired("role")

	list := &cobra.Command{
		Use: "list", Short: "List users with their role and status", Args: cobra.NoArgs,
		RunE: withDB(func(ctx context.Context, cmd *cobra.Command, _ []string, db *store.DB) error {
			us, err := db.Users(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			locks, err := db.LockedLogins(ctx, now)
			if err != nil {
				return err
			}
			lockedAt := map[string]int{}
			for _, l := range locks {
				lockedAt[l.UserID]++
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tSTATUS\tAPI TOKENS\tADDED")
			for _, u := range us {
				status := "active"
				switch {
				case u.Disabled:
					status = "disabled"
				case lockedAt[u.ID] > 0:
					status = fmt.Sprintf("locked at %d address(es)", lockedAt[u.ID])
				case u.MustChangePassword:
					status = "new password pending"
				}
				toks, err := db.APITokens(ctx, u.ID)
				if err != nil {
					return err
				}
				live := 0
				for _, t := range toks {
					if t.RevokedAt.IsZero() && now.Before(auth.TokenExpiry(t)) {
						live++
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", u.Username, dash(u.DisplayName), u.Role, status, live, u.CreatedAt.In(a.cfg.Location()).Format(time.DateOnly))
			}
			return tw.Flush()
		}),
	}

	setDisabled := func(disabled bool) func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
		return func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
			u, err := db.UserByUsername(ctx, args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("there is no user %q (see `rcmbot users list`)", store.NormalizeUsername(args[0]))
			}
			if err != nil {
				return err
			}
			if err := db.SetUserDisabled(ctx, u.ID, disabled); err != nil {
				return err
			}
			if disabled {
				fmt.Fprintf(cmd.OutOrStdout(), "user %s disabled: signed out everywhere, API tokens refused\n", u.Username)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "user %s enabled\n", u.Username)
			}
			return nil
		}
	}
	disable := &cobra.Command{Use: "disable USERNAME", Short: "Disable a user: ends their sessions, refuses their API tokens", Args: cobra.ExactArgs(1),
		RunE: withDB(setDisabled(true))}
	enable := &cobra.Command{Use: "enable USERNAME", Short: "Enable a disabled user again", Args: cobra.ExactArgs(1),
		RunE: withDB(setDisabled(false))}

	user := func(ctx context.Context, db *store.DB, name string) (store.User, error) {
		u, err := db.UserByUsername(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return u, fmt.Errorf("there is no user %q (see `rcmbot users list`)", store.NormalizeUsername(name))
		}
		return u, err
	}
	var tokenName string
	var tokenLife time.Duration
	token := &cobra.Command{
		Use:   "token USERNAME",
		Short: "Issue an API token for a user (REST API, codec server); prints it once",
		Long: `Issue a bearer token that acts as the user, with the user's role, for the REST
API (Authorization: Bearer TOKEN) and the codec server (e.g. temporal workflow
show --codec-endpoint URL/codec --codec-auth "Bearer TOKEN"). Only its hash is
stored: copy it now. It expires after --expires (90 days unless said, at most a
year); 'rcmbot users tokens' lists a user's tokens and 'rcmbot users revoke-token'
ends one. Disabling the user stops them all.`,
		Args: cobra.ExactArgs(1),
		RunE: withDB(func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
			u, err := user(ctx, db, args[0])
			if err != nil {
				return err
			}
			if u.Disabled {
				return fmt.Errorf("user %s is disabled; enable it first", u.Username)
			}
			tok, t, err := auth.IssueAPIToken(ctx, db, u.ID, tokenName, tokenLife, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "API token %s for %s (%s), valid until %s; shown once:\n", t.ID, u.Username, u.Role,
				t.ExpiresAt.In(a.cfg.Location()).Format(time.DateTime))
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		}),
	}
	token.Flags().StringVar(&tokenName, "name", "api", "what the token is for, e.g. \"codec server\" or \"nightly export\"")
	token.Flags().DurationVar(&tokenLife, "expires", auth.DefaultTokenLifetime, "how long the token works (at most 8784h, a year)")

	tokens := &cobra.Command{
		Use: "tokens USERNAME", Short: "List a user's API tokens with their expiry and last use", Args: cobra.ExactArgs(1),
		RunE: withDB(func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
			u, err := user(ctx, db, args[0])
			if err != nil {
				return err
			}
			ts, err := db.APITokens(ctx, u.ID)
			if err != nil {
				return err
			}
			loc, now := a.cfg.Location(), time.Now()
			at := func(t time.Time) string {
				if t.IsZero() {
					return "-"
				}
				return t.In(loc).Format(time.DateTime)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TOKEN\tNAME\tSTATUS\tCREATED\tEXPIRES\tLAST USED")
			for _, t := range ts {
				status := "active"
				switch exp := auth.TokenExpiry(t); {
				case !t.RevokedAt.IsZero():
					status = "revoked " + at(t.RevokedAt)
				case !now.Before(exp):
					status = "expired"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, dash(t.Name), status, at(t.CreatedAt), at(auth.TokenExpiry(t)), at(t.LastUsedAt))
			}
			return tw.Flush()
		}),
	}
	revoke := &cobra.Command{
		Use: "revoke-token TOKEN-ID", Short: "Revoke one API token (its ID from 'rcmbot users tokens'): it stops working at once", Args: cobra.ExactArgs(1),
		RunE: withDB(func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
			t, err := db.APIToken(ctx, args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("there is no API token %q (see `rcmbot users tokens USERNAME`)", args[0])
			}
			if err != nil {
				return err
			}
			if err := db.RevokeAPIToken(ctx, t.ID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "API token %s revoked\n", t.ID)
			return nil
		}),
	}
	unlock := &cobra.Command{
		Use: "unlock USERNAME", Short: "Lift the sign-in locks a user's failed attempts left at any address", Args: cobra.ExactArgs(1),
		RunE: withDB(func(ctx context.Context, cmd *cobra.Command, args []string, db *store.DB) error {
			u, err := user(ctx, db, args[0])
			if err != nil {
				return err
			}
			if err := db.ClearLoginFailures(ctx, u.ID, ""); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "sign-in locks of %s lifted\n", u.Username)
			return nil
		}),
	}

	cmd.AddCommand(add, list, disable, enable, token, tokens, revoke, unlock)
	return cmd
}
