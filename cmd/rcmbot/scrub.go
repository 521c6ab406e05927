package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/workbook"
	"github.com/rcmbot/rcmbot/internal/x12"
)

func newScrubCmd(a *app) *cobra.Command {
	var format, out, x12Out, sheet, asOf string
	cmd := &cobra.Command{
		Use:   "scrub FILE",
		Short: "Scrub a claims spreadsheet offline and report every finding (no Temporal needed)",
		Long: `Read a claims file (.xlsx or .csv, one row per service line), scrub every claim
with the same intake, rules and 837P checks the claims bot uses, and print the
findings: --format json (the pinned report shape) or table. Optionally write the
annotated workbook (--out) and the clean claims as an X12 837P (--x12).

Exit status 0 when the file was scrubbed, findings or not; 1 with a one-line
reason when the file failed as a whole (not a spreadsheet, no header row,
missing required columns, over the limits).

Reference data comes from --refdata DIR (files laid out like the public
distributions: icd10cm_order_YYYY.txt, ncci_ptp*.csv, mue*.csv, payers.yaml,
practice.yaml ...); missing files fall back to the embedded starter set.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			today := claim.DateOf(time.Now().In(a.cfg.Location()))
			if asOf != "" {
				d, err := claim.ParseDate(asOf)
				if err != nil {
					return fmt.Errorf("--as-of: %w", err)
				}
				today = d
			}
			opts := intake.Options{Sheet: sheet, AsOf: today, Limits: intake.Limits{
				MaxBytes: a.cfg.UploadMaxBytes, MaxRows: a.cfg.MaxRows, MaxUnzippedBytes: a.cfg.MaxUnzippedBytes}}
			setup, err := a.storedSetup(cmd.Context())
			if err != nil {
				return err
			}
			res, err := scrubFile(args[0], a.cfg.RefdataDir, opts, today, setup)
			if err != nil {
				var fe *intake.FileError
				if errors.As(err, &fe) {
					fmt.Fprintln(cmd.ErrOrStderr(), fe.Error())
					return exitError{code: 1}
				}
				return err
			}
			if out != "" {
				if err := workbook.WriteFile(out, workbook.Input{Path: args[0], Layout: res.layout, Marks: scrubfile.Marks(res.results),
					RowErrors: scrubfile.RowErrorsWithoutClaim(res.rowErrs), Summary: scrubfile.WorkbookSummary(res.claims, res.results),
					MaxUnzippedBytes: a.cfg.MaxUnzippedBytes}); err != nil {
					return fmt.Errorf("write annotated workbook: %w", err)
				}
			}
			if x12Out != "" {
				if err := res.write837P(cmd.Context(), a, x12Out); err != nil {
					return err
				}
			}
			rep := scrubfile.NewReport(res.layout, res.claims, res.results, res.rowErrs)
			rep.Notices = append(rep.Notices, res.notices...)
			if res.setup != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: "+res.setup)
			}
			switch format {
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			case "table":
				return printTable(cmd.OutOrStdout(), rep)
			default:
				return fmt.Errorf("--format %q: want json or table", format)
			}
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: json or table")
	cmd.Flags().StringVar(&out, "out", "", "write the annotated workbook (xlsx) to this path")
	cmd.Flags().StringVar(&x12Out, "x12", "", "write the clean claims as an X12 837P to this path")
	cmd.Flags().StringVar(&sheet, "sheet", "", "sheet to read (default: the first with a header row)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "judge dates as of this day (YYYY-MM-DD; default today in RCMBOT_TIMEZONE)")
	config.Bind(cmd.Flags(), &a.cfg, "refdata", "timezone", "upload-max-bytes", "max-rows", "max-unzipped-bytes",
		"submitter-id", "receiver-id", "x12-usage")
	return cmd
}

// scrubbed is a scrubbed file.
type scrubbed struct {
	layout   *intake.Layout
	claims   []claim.Claim
	results  []scrub.Result
	notices  []scrub.Notice
	rowErrs  []intake.RowError
	practice *practice.Practice
	ref      *refdata.Data
	// stored is what is set up in the store; setup says which rendering
	// NPIs hold claims for want of one (one line for the file).
	stored providerSetup
	setup  string
}

// envelope is the 837P envelope with the practice's and the store's
// provider names and the store's facilities.
func (s *scrubbed) envelope(env x12.Envelope) x12.Envelope837 {
	e := s.practice.Envelope837(env, s.ref.Payers)
	e.Practitioners = provider.Practitioners(e.Practitioners, s.stored.providers)
	e.Facilities = provider.FacilitiesByNPI(s.stored.facilities)
	return e
}

// scrubFile reads and scrubs a claims file with the claims bot's pieces.
// Rendering and referring providers are named from the file, practice.yaml
// and stored (what is set up in the store, when one is configured), which
// also fills service facilities named by NPI only.
func scrubFile(path, refdataDir string, opts intake.Options, today claim.Date, stored providerSetup) (*scrubbed, error) {
	r, err := intake.Open(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := &scrubbed{layout: r.Layout()}
	for {
		cs, es, err := r.Next(1000)
		s.claims = append(s.claims, cs...)
		s.rowErrs = append(s.rowErrs, es...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if s.ref, err = refdata.Load(refdataDir); err != nil {
		return nil, err
	}
	if s.practice, err = practice.Load(refdataDir); err != nil {
		return nil, err
	}
	scrubber, err := scrub.New(s.ref, scrub.Config{})
	if err != nil {
		return nil, err
	}
	rep := scrubber.Scrub(s.claims, scrub.Context{Today: today})
	s.results, s.notices = rep.Results, rep.Notices
	s.stored = stored
	env := s.envelope(x12.Envelope{})
	scrubfile.Assess(s.claims, s.results, s.rowErrs, &env)
	if needs := scrubfile.ProvidersNeeded(&env, s.claims, s.results); len(needs) > 0 {
		npis := make([]string, len(needs))
		held := 0
		for i, n := range needs {
			npis[i], held = n.NPI, held+n.Claims
		}
		s.setup = fmt.Sprintf("%d claims are held because their rendering provider is not set up: add %s (rcmbot providers add, or the Providers page) and scrub again",
			held, strings.Join(npis, ", "))
	}
	return s, nil
}

// write837P writes the clean claims as one 837P interchange, numbered
// from a counter that persists across runs (see openControlNumbers).
func (s *scrubbed) write837P(ctx context.Context, a *app, path string) error {
	var clean []claim.Claim
	for i, r := range s.results {
		if r.Tier == scrub.TierClean {
			clean = append(clean, s.claims[i])
		}
	}
	if len(clean) == 0 {
		return errors.New("no clean claims to write as 837P")
	}
	counter, release, err := a.openControlNumbers(ctx)
	if err != nil {
		return err
	}
	defer release()
	isa, err := counter.NextControlNumber(ctx, "isa")
	if err != nil {
		return err
	}
	gs, err := counter.NextControlNumber(ctx, "gs")
	if err != nil {
		return err
	}
	cfg := &a.cfg
	env := s.envelope(x12.Envelope{SenderID: cfg.SubmitterID, ReceiverID: cfg.ReceiverID, Usage: cfg.X12Usage,
		InterchangeControl: int(isa), GroupControl: int(gs), TransactionControl: 1, Time: time.Now().UTC(), Newline: true})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := x12.Write837P(f, env, clean); err != nil {
		f.Close()
		return fmt.Errorf("write 837P: %w", err)
	}
	return f.Close()
}

func printTable(w io.Writer, rep scrubfile.Report) error {
	s := rep.Summary
	fmt.Fprintf(w, "%s: %d claims, %d lines, %d clean, %d flagged (%d errors, %d warnings), charges at risk $%s\n",
		rep.File, s.Claims, s.Lines, s.Clean, s.Flagged, s.Errors, s.Warnings, s.ChargesAtRisk)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLAIM\tTIER\tSCORE\tCELL\tSEVERITY\tRULE\tMESSAGE")
	for _, c := range rep.Claims {
		for _, f := range c.Findings {
			cell := ""
			if f.Row > 0 {
				cell = fmt.Sprintf("%s%d", f.Column, f.Row)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", c.ClaimID, c.Tier, c.Score, cell, f.Severity, f.RuleID, f.Message)
		}
	}
	for _, e := range rep.IntakeErrors {
		fmt.Fprintf(tw, "-\t-\t-\t%s%d\terror\tINTAKE\t%s\n", e.Column, e.Row, e.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range rep.Notices {
		fmt.Fprintf(w, "note: %s\n", n.Message)
	}
	return nil
}
