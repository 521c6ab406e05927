package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

func newMigrateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (embedded in the binary)",
		Long: `Apply the SQL migrations embedded in rcmbot to the database named by
RCMBOT_DB_URL (SQLite or PostgreSQL). Applied migrations are recorded, so
running it again does nothing; several processes may run it at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The key ring seals rows written before patient data was
			// encrypted; without it only the schema is migrated.
			ring, err := a.openRing(false)
			if err != nil {
				a.log.Warn("migrate without the key ring", "err", err)
				ring = nil
			}
			db, err := a.openDB(cmd.Context(), ring, true)
			if err != nil {
				return err
			}
			defer db.Close()
			all, err := db.AppliedMigrations(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database is at migration %d of %d\n", len(all), len(all))
			return nil
		},
	}
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "keys", "keys-file")
	return cmd
}

func newKeysCmd(a *app) *cobra.Command {
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Create and rotate the encryption keys (payloads, stored files) and the decision signing keys",
	}
	var ring bool
	newCmd := &cobra.Command{
		Use:   "new",
		Short: "Print a fresh key entry (ID=BASE64KEY), or with --ring a whole one-key ring",
		Long: `Print a fresh AES-256 key as ID=BASE64KEY. Add it to RCMBOT_KEYS (or the key
file) and set active=ID to rotate: new payloads use it, older ones still decrypt
while their key stays in the ring. With --ring, print a complete ring for
RCMBOT_KEYS ("active=ID;tag=ID;ID=KEY").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, key := keyring.NewEntry()
			if ring {
				fmt.Fprintf(cmd.OutOrStdout(), "active=%s;tag=%s;%s=%s\n", id, id, id, key)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s=%s\n", id, key)
			return nil
		},
	}
	newCmd.Flags().BoolVar(&ring, "ring", false, "print a complete one-key ring")
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Add a new key to the key file and make it active (old keys stay for decryption)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := keyring.RotateFile(a.cfg.KeysFile)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "key %s added to %s and made active; restart workers and web servers to use it\n", id, a.cfg.KeysFile)
			return nil
		},
	}
	config.Bind(rotate.Flags(), &a.cfg, "keys-file")
	keys.AddCommand(newCmd, rotate, newKeysTLSCmd(), newDecisionKeysCmd(a))
	return keys
}

func newSchedulesCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "Create, list, trigger and pause the bots' Temporal Schedules",
		Long: `Each bot declares its recurring runs (e.g. the nightly eligibility sweep);
'apply' makes Temporal's Schedules match them (idempotent, run at start-up by
'rcmbot dev' and 'rcmbot setup'). Times are in the practice time zone
(RCMBOT_TIMEZONE); overlapping runs are skipped.`,
	}
	config.Bind(cmd.PersistentFlags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.PersistentFlags(), &a.cfg, "keys", "keys-file", "timezone")
	withClient := func(run func(cmd *cobra.Command, args []string, c client.Client) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			ring, err := a.openRing(false)
			if err != nil {
				return err
			}
			c, err := a.dialTemporal(cmd.Context(), ring)
			if err != nil {
				return err
			}
			defer c.Close()
			return run(cmd, args, c)
		}
	}
	apply := &cobra.Command{
		Use: "apply", Short: "Create or update every bot's schedule", Args: cobra.NoArgs,
		RunE: withClient(func(cmd *cobra.Command, _ []string, c client.Client) error {
			if err := temporalx.Apply(cmd.Context(), c, a.cfg.TimeZone, bots.Schedules(&a.cfg)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d schedules applied\n", len(bots.Schedules(&a.cfg)))
			return nil
		}),
	}
	list := &cobra.Command{
		Use: "list", Short: "Show each schedule with its next runs and last outcome", Args: cobra.NoArgs,
		RunE: withClient(func(cmd *cobra.Command, _ []string, c client.Client) error {
			sts, err := temporalx.Describe(cmd.Context(), c, bots.Schedules(&a.cfg))
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCHEDULE\tSTATE\tNEXT RUN\tLAST RUN\tLAST RESULT")
			loc := a.cfg.Location()
			for _, s := range sts {
				state := "active"
				if s.Paused {
					state = "paused"
				}
				next, last := "-", "-"
				if len(s.NextRuns) > 0 {
					next = s.NextRuns[0].In(loc).Format(time.DateTime + " MST")
				}
				if !s.LastRun.IsZero() {
					last = s.LastRun.In(loc).Format(time.DateTime + " MST")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, state, next, last, dash(s.LastResult))
			}
			return tw.Flush()
		}),
	}
	trigger := &cobra.Command{
		Use: "trigger SCHEDULE", Short: "Run a schedule's workflow now", Args: cobra.ExactArgs(1),
		RunE: withClient(func(cmd *cobra.Command, args []string, c client.Client) error {
			if err := temporalx.Trigger(cmd.Context(), c, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schedule %s triggered\n", args[0])
			return nil
		}),
	}
	var note string
	pause := &cobra.Command{
		Use: "pause SCHEDULE", Short: "Pause a schedule (with --note saying why)", Args: cobra.ExactArgs(1),
		RunE: withClient(func(cmd *cobra.Command, args []string, c client.Client) error {
			if err := temporalx.SetPaused(cmd.Context(), c, args[0], true, note); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schedule %s paused\n", args[0])
			return nil
		}),
	}
	pause.Flags().StringVar(&note, "note", "paused from the command line", "why the schedule is paused (shown in the Temporal UI)")
	resume := &cobra.Command{
		Use: "resume SCHEDULE", Short: "Resume a paused schedule", Args: cobra.ExactArgs(1),
		RunE: withClient(func(cmd *cobra.Command, args []string, c client.Client) error {
			if err := temporalx.SetPaused(cmd.Context(), c, args[0], false, "resumed from the command line"); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schedule %s resumed\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(apply, list, trigger, pause, resume)
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
