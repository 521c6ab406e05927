package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

func newBatchCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "batch",
		Short: "Submit claims spreadsheets to the claims bot and follow their batches",
	}
	config.Bind(cmd.PersistentFlags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.PersistentFlags(), &a.cfg, "db-url", "temporal-ui-url", "public-url",
		"keys", "keys-file", "decision-key", "decision-key-file", "timezone", "upload-max-bytes", "max-rows", "max-unzipped-bytes", "review-reminder", "review-deadline")
	var wait bool
	var by string
	submit := &cobra.Command{
		Use:   "submit FILE",
		Short: "Upload a claims file (.xlsx or .csv) and start its ClaimsBatch workflow",
		Long: `Upload a claims file as the web app's Upload page does: the file is checked
(type, limits, header, required columns), stored encrypted, and its batch's
ClaimsBatch workflow started. Flagged claims then wait in the review queue.
With --wait, follow the batch until it needs review, completes or fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, closeAll, err := a.claimsService(ctx)
			if err != nil {
				return err
			}
			defer closeAll()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			if by == "" {
				by = cliUser()
			}
			b, err := svc.SubmitBatch(ctx, f, filepath.Base(args[0]), by)
			if err != nil {
				return userFacing(cmd, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "batch %s started\n  web:      %s/batches/%s\n  temporal: %s\n", b.ID, a.cfg.PublicURL, b.ID,
				temporalx.UILink(a.cfg.TemporalUIURL, a.cfg.TemporalNamespace, b.WorkflowID))
			if !wait {
				return nil
			}
			b, err = waitBatch(ctx, svc.DB, b.ID, out)
			if err != nil {
				return err
			}
			printBatch(out, b)
			if b.Status == batch.Failed {
				return exitError{code: 1}
			}
			return nil
		},
	}
	submit.Flags().BoolVar(&wait, "wait", false, "wait until the batch needs review, completes or fails")
	submit.Flags().StringVar(&by, "by", "", "who uploads (shown in the web app; default cli:USER)")
	status := &cobra.Command{
		Use:   "status BATCH",
		Short: "Show a batch's status and counts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openDB(ctx, nil, false)
			if err != nil {
				return err
			}
			defer db.Close()
			b, err := db.Batch(ctx, args[0])
			if err != nil {
				return err
			}
			printBatch(cmd.OutOrStdout(), b)
			return nil
		},
	}
	var claims []string
	var action, reason, role string
	review := &cobra.Command{
		Use:   "review BATCH --claim ID... --action approve|override|reject --reason TEXT",
		Short: "Approve, override or reject flagged claims, as the review queue does (signed as you)",
		Long: `Send a review decision to the batch's workflow, signed with the decision key
(RCMBOT_DECISION_KEY) as the web app signs the review queue's: the workflow
records you (cli:USER, or --by) as the reviewer and refuses the claims it would
refuse in the queue (approving a claim with errors, a claim not waiting). Use
the web app to correct values.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, closeAll, err := a.claimsService(ctx)
			if err != nil {
				return err
			}
			defer closeAll()
			if by == "" {
				by = cliUser()
			}
			acts := make([]batch.ReviewAction, len(claims))
			for i, c := range claims {
				acts[i] = batch.ReviewAction{ClaimID: c, Action: batch.Action(action), Reason: reason}
				if err := acts[i].Validate(); err != nil {
					return userFacing(cmd, err)
				}
			}
			outs, err := svc.Review(ctx, args[0], by, role, acts)
			if err != nil {
				return userFacing(cmd, err)
			}
			failed := false
			for _, o := range outs {
				if o.Error != "" {
					failed = true
					fmt.Fprintf(cmd.ErrOrStderr(), "claim %s: %s\n", o.ClaimID, o.Error)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "claim %s: %s\n", o.ClaimID, o.State)
			}
			if failed {
				return exitError{code: 1}
			}
			return nil
		},
	}
	review.Flags().StringSliceVar(&claims, "claim", nil, "claim ID to review (repeat, or comma-separated)")
	review.Flags().StringVar(&action, "action", "", "approve, override or reject")
	review.Flags().StringVar(&reason, "reason", "", "why (required to override)")
	review.Flags().StringVar(&by, "by", "", "who reviews (recorded; default cli:USER)")
	review.Flags().StringVar(&role, "role", "admin", "the reviewer's role, recorded with the decision")
	_ = review.MarkFlagRequired("claim")
	_ = review.MarkFlagRequired("action")
	cmd.AddCommand(submit, status, review)
	return cmd
}

// claimsService opens what the claims bot's front door needs.
func (a *app) claimsService(ctx context.Context) (*claimsbot.Service, func(), error) {
	k, err := a.connect(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	env := a.env(k.db, k.ring)
	if env.Signer, err = a.decisionSigner(); err != nil {
		k.Close()
		return nil, nil, err
	}
	svc, err := bots.ClaimsService(env, k.c)
	if err != nil {
		k.Close()
		return nil, nil, err
	}
	return svc, k.Close, nil
}

// waitBatch polls a batch until it stops moving on its own.
func waitBatch(ctx context.Context, db *store.DB, id string, out io.Writer) (store.Batch, error) {
	last := batch.Status("")
	for {
		b, err := db.Batch(ctx, id)
		if err != nil {
			return b, err
		}
		if b.Status != last {
			fmt.Fprintf(out, "  %s\n", b.Status)
			last = b.Status
		}
		switch b.Status {
		case batch.AwaitingReview, batch.Completed, batch.Failed:
			return b, nil
		}
		select {
		case <-ctx.Done():
			return b, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func printBatch(w io.Writer, b store.Batch) {
	c := b.Counts
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "batch\t%s (%s)\n", b.ID, b.FileName)
	fmt.Fprintf(tw, "status\t%s\n", b.Status)
	if b.FailureReason != "" {
		fmt.Fprintf(tw, "reason\t%s\n", b.FailureReason)
	}
	fmt.Fprintf(tw, "claims / lines\t%d / %d\n", c.Claims, c.Lines)
	fmt.Fprintf(tw, "clean / flagged\t%d / %d (%d errors, %d warnings)\n", c.Clean, c.Flagged, c.Errors, c.Warnings)
	fmt.Fprintf(tw, "awaiting review\t%d\n", c.Unreviewed)
	fmt.Fprintf(tw, "submitted / accepted / rejected\t%d / %d / %d\n", c.Submitted, c.Accepted, c.PayerRejected)
	if c.Claims > 0 {
		fmt.Fprintf(tw, "clean-claim rate\t%.1f%%\n", 100*float64(c.Clean)/float64(c.Claims))
	}
	fmt.Fprintf(tw, "charges at risk / held\t$%s / $%s\n", c.ChargesAtRisk, c.ChargesHeld)
	tw.Flush()
}
