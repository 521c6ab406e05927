// Command rcmbot runs the rcmbot revenue-cycle bots: the Temporal workers,
// the web app and REST API, the development stack, and offline tools such
// as `rcmbot scrub`. `rcmbot --help` lists the commands; every command's
// --help explains it. Settings are documented in one place: `rcmbot config`.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "rcmbot:", err)
		os.Exit(1)
	}
}

// exitError ends the process with a specific status after the command has
// already printed its own message.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// app is what every command shares: the loaded configuration and a logger.
type app struct {
	cfg config.Config
	log *slog.Logger
}

func newRootCmd() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:   "rcmbot",
		Short: "Revenue-cycle automation bots for healthcare providers",
		Long: `rcmbot runs bots (Temporal workflows) that do billing-office work: scrub claim
spreadsheets before submission, hold flagged claims for human review, send clean
claims as X12 837P, and check patients' eligibility the night before visits.

Start everything locally with 'rcmbot dev'. Settings come from flags, then
environment variables, then defaults: 'rcmbot config' lists them all.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.Load(&a.cfg, cmd.Flags(), nil); err != nil {
				return err
			}
			log, err := logging.New(os.Stderr, a.cfg.LogLevel, a.cfg.LogFormat)
			if err != nil {
				return err
			}
			a.log = log
			slog.SetDefault(log)
			return nil
		},
	}
	config.Bind(root.PersistentFlags(), &a.cfg, "data-dir", "log-level", "log-format", "codec-allow-plaintext")
	root.AddCommand(commands(a)...)
	return root
}

// commands lists every subcommand. Add new ones here.
func commands(a *app) []*cobra.Command {
	return []*cobra.Command{
		newDevCmd(a),
		newWorkerCmd(a),
		newWebCmd(a),
		newUsersCmd(a),
		newSetupCmd(a),
		newMigrateCmd(a),
		newSchedulesCmd(a),
		newKeysCmd(a),
		newScrubCmd(a),
		newBatchCmd(a),
		newProvidersCmd(a),
		newRefdataCmd(a),
		newEligibilityCmd(a),
		newInventoryCmd(a),
		newX12Cmd(a),
		newScheduleCmd(a),
		newPayerSimCmd(a),
		newClearinghouseSimCmd(a),
		newSupplierSimCmd(a),
		newSMTPSinkCmd(a),
		newAuditCmd(a),
		newConfigCmd(a),
	}
}

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print every setting, its environment variable, flag and current value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return config.PrintTable(cmd.OutOrStdout(), &a.cfg)
		},
	}
	return cmd
}
