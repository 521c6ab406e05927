package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
)

func newRefdataCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "refdata",
		Short: "Load the reference data and say where each table came from",
		Long: `Load the reference-data directory (RCMBOT_REFDATA_DIR / --refdata) the way the
workers do, check the payer rules compile, and print for each table whether it
came from files (and which) or from the starter set embedded in rcmbot.

Drop the quarterly public files into the directory: icd10cm_order_YYYY.txt
(CMS/CDC order files, one per fiscal year), hcpcs*.csv, pos.csv, modifiers.csv,
taxonomy.csv (NUCC), ncci_ptp*.csv|xlsx|csv.gz, mue*.csv|xlsx, mce*.csv, plus
payers.yaml, rules/*.yaml and practice.yaml.`,
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
			out := cmd.OutOrStdout()
			for _, s := range ref.Sources() {
				fmt.Fprintln(out, s.String())
			}
			fmt.Fprintf(out, "practice %d providers from %s\n", len(pr.Providers), pr.Source)
			return nil
		},
	}
	config.Bind(cmd.Flags(), &a.cfg, "refdata")
	return cmd
}
