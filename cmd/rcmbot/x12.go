package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/x12"
)

// maxX12File bounds what `rcmbot x12 parse` reads into memory.
const maxX12File = 64 << 20

func newX12Cmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "x12",
		Short: "Read X12 EDI files (271, 999, 277CA, 270, 837P)",
	}
	var format string
	parse := &cobra.Command{
		Use:   "parse FILE [--format json]",
		Short: "Print an X12 file's transaction as JSON",
		Long: `Read an X12 5010 interchange and print it as JSON: a 271 eligibility answer
(benefits, AAA rejections, dates, messages), a 999 acknowledgement, a 277CA
claim acknowledgement, a 270 inquiry or an 837P claim file; other transaction
sets as their segments. The type comes from the file's ST01. Problems the
reader found (bad envelope counts, unreadable values) are listed in the
output rather than stopping it; only a file that is not X12 at all fails.

271s and 837Ps hold patient data: keep the output where patient data may be
kept.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" {
				return fmt.Errorf("--format %q: only json is supported", format)
			}
			fi, err := os.Stat(args[0])
			if err != nil {
				return err
			}
			if fi.Size() > maxX12File {
				return fmt.Errorf("%s is %d MB, more than the %d MB this command reads: split the interchange", args[0], fi.Size()>>20, maxX12File>>20)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			d, err := x12.Describe(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(d)
		},
	}
	parse.Flags().StringVar(&format, "format", "json", "output format (json)")
	cmd.AddCommand(parse)
	return cmd
}
