package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/config"
)

func newWorkerCmd(a *app) *cobra.Command {
	var queues string
	var stopTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run Temporal workers for the bots' task queues",
		Long: `Run Temporal workers for one or more bots. Each bot has its own task queue
(` + strings.Join(bots.Queues(), ", ") + `), so bots can be scaled and deployed
separately: run 'rcmbot worker --queues claims' on some machines and
'rcmbot worker --queues eligibility' on others, or all queues in one process.

On SIGINT or SIGTERM the workers stop polling and running activities get
--stop-timeout to finish; Temporal retries whatever did not.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var qs []string
			for _, q := range strings.Split(queues, ",") {
				if q = strings.TrimSpace(q); q != "" {
					qs = append(qs, q)
				}
			}
			k, err := a.connect(ctx, false)
			if err != nil {
				return err
			}
			defer k.Close()
			env := a.env(k.db, k.ring)
			if env.Verifier, err = a.decisionVerifier(); err != nil {
				return err
			}
			deps, err := bots.Build(env)
			if err != nil {
				return err
			}
			if err := bots.RunWorkers(ctx, k.c, qs, deps, a.log, stopTimeout); err != nil {
				return fmt.Errorf("workers: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&queues, "queues", strings.Join(bots.Queues(), ","), "comma-separated task queues to serve")
	cmd.Flags().DurationVar(&stopTimeout, "stop-timeout", 30*time.Second, "how long running activities may finish after a stop signal")
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "keys", "keys-file",
		"decision-public-keys", "decision-public-keys-file", "refdata", "timezone",
		"eligibility-url", "clearinghouse-url", "supplier-url", "submitter-id", "receiver-id", "x12-usage")
	return cmd
}
