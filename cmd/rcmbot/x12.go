package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// maxX12File bounds what `rcmbot x12 parse` reads into memory.
const maxX12File = 64 << 20

// parsed is what `rcmbot x12 parse` prints: the file as its reader models
// it and, for a 271, the answer as the eligibility bot reads it.
type parsed struct {
	*x12.Description
	Answer *eligibility.Result `json:"answer,omitempty"`
}

func newX12Cmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "x12",
		Short: "Read X12 EDI files (271, 999, 277CA, 270, 837P)",
	}
	var format, date string
	parse := &cobra.Command{
		Use:   "parse FILE [--format json|text]",
		Short: "Print an X12 file's transaction as JSON (and a 271's answer)",
		Long: `Read an X12 5010 interchange and print it as JSON: a 271 eligibility answer
(benefits, AAA rejections, dates, messages), a 999 acknowledgement, a 277CA
claim acknowledgement, a 270 inquiry or an 837P claim file; other transaction
sets (and 277 claim status responses, X212) as their segments. The type comes
from the file's ST01. Problems the reader found (bad envelope counts,
unreadable values) are listed in the output rather than stopping it; only a
file that is not X12 at all fails.

A 271 is also interpreted the way the eligibility bot reads it ("answer"):
member found, coverage active on the date of service (--date, else the 271's
own date, else today), plan, co-pays, co-insurance as a fraction, deductibles
and out-of-pocket maximums with what remains, in and out of network.
--format text prints that answer as a few readable lines.

271s and 837Ps hold patient data: keep the output where patient data may be
kept.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" && format != "text" {
				return fmt.Errorf("--format %q: want json or text", format)
			}
			dos := claim.DateOf(time.Now().In(a.cfg.Location()))
			if date != "" {
				d, err := claim.ParseDate(date)
				if err != nil {
					return fmt.Errorf("--date: %w", err)
				}
				dos = d
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
			out := parsed{Description: d}
			if d.Transaction == "271" {
				req := eligibility.Request{DateOfService: dos}
				if date == "" {
					req.DateOfService = 0 // the 271's own date first
				}
				ans, err := eligibility.FromX12(data, &req)
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				if ans.DateOfService == 0 {
					req.DateOfService = dos
					if ans, err = eligibility.FromX12(data, &req); err != nil {
						return fmt.Errorf("%s: %w", args[0], err)
					}
				}
				ans.Raw = nil
				out.Answer = ans
			}
			if format == "text" {
				if out.Answer == nil {
					return fmt.Errorf("--format text reads 271s only; %s is a %s: use --format json", args[0], d.Transaction)
				}
				printResult(cmd.OutOrStdout(), "", out.Answer)
				return nil
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	parse.Flags().StringVar(&format, "format", "json", "output format: json, or text (a 271's answer)")
	parse.Flags().StringVar(&date, "date", "", "date of service a 271's coverage is judged on (YYYY-MM-DD)")
	cmd.AddCommand(parse)
	return cmd
}

// printResult writes an eligibility answer for a person to read (the
// stored result's ID last, when it has one): `rcmbot eligibility check`
// and `rcmbot x12 parse --format text` of a 271.
func printResult(w io.Writer, id string, r *eligibility.Result) {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(w, "status:          %s (%s)\n", r.Status, r.Reason)
	fmt.Fprintf(w, "member found:    %s\n", yes(r.MemberFound))
	fmt.Fprintf(w, "active on %s: %s\n", r.DateOfService, yes(r.CoverageActive))
	fmt.Fprintf(w, "payer:           %s\n", dashed(strings.TrimSpace(r.Payer.Name+" "+r.Payer.ID)))
	p := r.Plan
	fmt.Fprintf(w, "plan:            %s\n", dashed(strings.Join(nonEmpty(p.Name, p.InsuranceType, p.Number, p.GroupNumber), " · ")))
	if p.Begin != 0 || p.End != 0 {
		fmt.Fprintf(w, "plan dates:      %s to %s\n", dateOrDash(p.Begin), dateOrDash(p.End))
	}
	fmt.Fprintf(w, "%-16s %-30s %s\n", "", "in network", "out of network")
	fmt.Fprintf(w, "%-16s %-30s %s\n", "co-pay", money(r.CoPay.InNetwork), money(r.CoPay.OutNetwork))
	fmt.Fprintf(w, "%-16s %-30s %s\n", "co-insurance", fraction(r.CoInsurance.InNetwork), fraction(r.CoInsurance.OutNetwork))
	for _, acc := range []struct {
		name string
		a    eligibility.Accumulator
	}{{"deductible", r.Deductible}, {"out of pocket", r.OutOfPocket}} {
		fmt.Fprintf(w, "%-16s %-30s %s\n", acc.name, remaining(acc.a.IndividualRemaining.InNetwork, acc.a.IndividualTotal.InNetwork),
			remaining(acc.a.IndividualRemaining.OutNetwork, acc.a.IndividualTotal.OutNetwork))
		if acc.a.FamilyTotal != (eligibility.Amount{}) || acc.a.FamilyRemaining != (eligibility.Amount{}) {
			fmt.Fprintf(w, "%-16s %-30s %s\n", "  family", remaining(acc.a.FamilyRemaining.InNetwork, acc.a.FamilyTotal.InNetwork),
				remaining(acc.a.FamilyRemaining.OutNetwork, acc.a.FamilyTotal.OutNetwork))
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "rejection:       AAA %s %s (%s)\n", e.Code, e.Description, e.FollowUpDescription)
	}
	for _, op := range r.OtherPayers {
		fmt.Fprintf(w, "other payer:     %s %s %s\n", op.Order, op.ID, op.Name)
	}
	for _, m := range r.Messages {
		fmt.Fprintf(w, "message:         %s\n", m)
	}
	if id != "" {
		fmt.Fprintf(w, "result:          %s\n", id)
	}
}

func money(m *claim.Money) string {
	if m == nil {
		return "-"
	}
	return "$" + m.String()
}

// fraction shows a co-insurance as the fraction the model holds (0.2) and
// as a percentage.
func fraction(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%g (%g%%)", *f, *f*100)
}

// remaining shows what remains of a total: "$200.00 of $500.00 left".
func remaining(left, total *claim.Money) string {
	switch {
	case left != nil && total != nil:
		return money(left) + " of " + money(total) + " left"
	case left != nil:
		return money(left) + " left"
	case total != nil:
		return money(total)
	}
	return "-"
}

func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
