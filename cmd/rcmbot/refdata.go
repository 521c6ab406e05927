package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
)

func newRefdataCmd(a *app) *cobra.Command {
	var on string
	cmd := &cobra.Command{
		Use:   "refdata",
		Short: "Load the reference data and say where each table came from",
		Long: `Load the reference-data directory (RCMBOT_REFDATA_DIR / --refdata) the way the
workers do, check the payer rules compile, and print for each table whether it
came from files (and which) or from the starter set embedded in rcmbot.

Drop the quarterly public files into the directory: icd10cm_order_YYYY.txt
(CMS/CDC order files, one per fiscal year), hcpcs*.csv, pos.csv, modifiers.csv,
taxonomy.csv (NUCC), ncci_ptp*.csv|xlsx|csv.gz, mue*.csv|xlsx, aoc*.csv (NCCI
add-on code edits), mce*.csv, procedure_edits*.csv and excludes1*.csv (rule
packs replacing the embedded ones), plus payers.yaml, rules/*.yaml and
practice.yaml.

Then it says, for each dated code set (ICD-10-CM fiscal year, MCE, HCPCS,
NCCI PTP, MUE and add-on code quarters), whether the loaded files cover today
(in RCMBOT_TIMEZONE; --on another day): current, stale (a newer period has
started), not_yet, missing (starter set) or unknown (the file name tells no
period). Name quarterly files with their quarter (e.g. mue_2024q3.csv).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ref, err := refdata.Load(a.cfg.RefdataDir)
			if err != nil {
				return err
			}
			if _, err := scrub.New(ref, scrub.Config{}); err != nil {
				return err
			}
			pr, err := practice.Load(a.cfg.RefdataDir)
			if err != nil {
				return err
			}
			day := claim.DateOf(time.Now().In(a.cfg.Location()))
			if on != "" {
				if day, err = claim.ParseDate(on); err != nil {
					return fmt.Errorf("--on: %w", err)
				}
			}
			out := cmd.OutOrStdout()
			for _, s := range ref.Sources() {
				fmt.Fprintln(out, s.String())
			}
			fmt.Fprintf(out, "practice %d providers from %s\n\ncode sets on %s:\n", len(pr.Providers), pr.Source, day)
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			for _, c := range ref.Currency(day) {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Table, c.Status, c.Vintage, c.Message)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&on, "on", "", "report which code sets cover this day (YYYY-MM-DD) instead of today")
	config.Bind(cmd.Flags(), &a.cfg, "refdata", "timezone")
	return cmd
}
