package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/inventory/invbench"
	"github.com/rcmbot/rcmbot/internal/inventory/invfile"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
)

func newInventoryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Forecast supply usage and compute reorder policies",
		Long: `The inventory bot forecasts each supply item's daily usage, sets a reorder
point and order-up-to level that meet the item's target fill rate at the least
annual cost, and proposes purchase orders.

  policy   compute every item's policy offline from items.csv and usage.csv
  bench    run the policy benchmark against min/max rules and the floor
  import   import an item master, a usage export or a cycle count
  review   start the review now (the inventory-nightly Schedule runs it nightly)
  orders   list purchase orders
  approve  approve (and edit) an order awaiting approval; reject rejects it
  withdraw withdraw an order the supplier has not taken, with a reason
  receive  record a delivery against an order
  items    items with stock against their reorder point (--sku: one, with its usage)
  lots     lots expiring soon, use-first
  report   fill rate, stock value, waste from expiry, stock-outs, turns`,
	}
	cmd.AddCommand(newInventoryPolicyCmd(a), newInventoryBenchCmd(a), newInventoryImportCmd(a), newInventoryReviewCmd(a),
		newInventoryOrdersCmd(a), newInventoryApproveCmd(a), newInventoryRejectCmd(a), newInventoryWithdrawCmd(a), newInventoryReceiveCmd(a),
		newInventoryItemsCmd(a), newInventoryLotsCmd(a), newInventoryReportCmd(a))
	return cmd
}

// offlineLimits bound the files the offline tools read from local disk:
// a usage export of two years for 10,000 items is 7.3 million rows.
var offlineLimits = intake.Limits{MaxBytes: 4 << 30, MaxRows: 50_000_000, MaxUnzippedBytes: 4 << 30}

func newInventoryPolicyCmd(_ *app) *cobra.Command {
	var itemsPath, usagePath, format string
	var seed uint64
	var workers int
	cmd := &cobra.Command{
		Use:   "policy --items items.csv --usage usage.csv",
		Short: "Compute each item's reorder point and order-up-to level (no Temporal needed)",
		Long: `Read an item master and a daily usage export (.csv or .xlsx), forecast each
item's demand (method chosen per item by backtest), and print its policy.

items.csv columns (headers in any case; common synonyms such as "Item Code",
"Unit Price", "Lead Time (days)", "MOQ", "Pack Size" also work; extra columns
are ignored):
  sku, description, unit_cost, order_cost, lead_time_days, lead_time_sd_days,
  order_multiple, min_order_qty, shelf_life_days (empty: does not expire),
  target_fill_rate (a fraction such as 0.95), on_hand
usage.csv columns: date, sku, quantity (daily consumption; a day without a
row is zero; every item's history runs from the file's first date to its last).

What the numbers mean: review daily after the day's demand; when the inventory
position (on hand + on order) is at or below reorder_point, order
max(order_up_to − position, min_order_qty) rounded up to order_multiple; an
order placed on day t with lead time L is usable on day t+L; unmet demand is
lost; stock is issued first-expiring-first and a lot expires shelf_life_days
after receipt. The policy minimises expected annual cost (holding 25% of unit
cost a year, order_cost per order, expired units) subject to the fill rate.

--format json prints {"items": [{"sku", "demand_class", "forecast_method",
"daily_mean", "reorder_point", "order_up_to", "safety_stock",
"expected_fill_rate", ...}], "errors": [...]}.

Exit status: 0 when every row was used; 1 with a one-line reason when a file
cannot be used at all (not a spreadsheet, no header, a required column
missing); 2 when some rows were refused — each is printed on stderr with file,
row, column and why, the items they concern are left out, and the rest are
printed as usual.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if itemsPath == "" || usagePath == "" {
				return errors.New("--items and --usage are both required")
			}
			if format != "json" && format != "table" {
				return fmt.Errorf("--format %q: want json or table", format)
			}
			o := invfile.Options{Limits: offlineLimits}
			items, err := readLocal(itemsPath, func(r io.ReaderAt, size int64, name string) (*invfile.Items, error) {
				return invfile.ReadItems(r, size, name, o)
			})
			if err == nil && len(items.Items) == 0 && len(items.Errors) == 0 {
				err = &invfile.FileError{File: filepath.Base(itemsPath), Reason: "the item file has a header but no items"}
			}
			var usage *invfile.UsageHistory
			if err == nil {
				usage, err = readLocal(usagePath, func(r io.ReaderAt, size int64, name string) (*invfile.UsageHistory, error) {
					return invfile.ReadUsageHistory(r, size, name, o)
				})
			}
			if err != nil {
				var fe *invfile.FileError
				if errors.As(err, &fe) {
					fmt.Fprintln(cmd.ErrOrStderr(), "rcmbot inventory policy:", fe.Error())
					return exitError{code: 1}
				}
				return err
			}
			rep := invfile.NewPolicyReport(items, usage, policy.Options{Seed: seed}, workers)
			for _, e := range rep.Errors {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else if err := printPolicyTable(cmd.OutOrStdout(), rep); err != nil {
				return err
			}
			if len(rep.Errors) > 0 {
				return exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&itemsPath, "items", "", "item master (.csv or .xlsx)")
	cmd.Flags().StringVar(&usagePath, "usage", "", "daily usage export (.csv or .xlsx)")
	cmd.Flags().StringVar(&format, "format", "table", "output: json or table")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the simulated futures the optimizer scores policies on")
	cmd.Flags().IntVar(&workers, "workers", 0, "items computed at once (default: one per CPU)")
	return cmd
}

// readLocal opens a local file and hands it to read.
func readLocal[T any](path string, read func(io.ReaderAt, int64, string) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, &invfile.FileError{File: filepath.Base(path), Reason: "cannot be opened", Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return zero, &invfile.FileError{File: filepath.Base(path), Reason: "cannot be opened", Err: err}
	}
	return read(f, fi.Size(), filepath.Base(path))
}

func printPolicyTable(w io.Writer, rep invfile.PolicyReport) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SKU\tCLASS\tMETHOD\tDAILY MEAN\tREORDER AT\tORDER UP TO\tSAFETY STOCK\tFILL (EXP)\tTARGET\tCOST/YR\tORDER NOW\t")
	for _, l := range rep.Items {
		note := ""
		if !l.Feasible {
			note = " (expiry cap)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.0f\t%.0f\t%.1f\t%.1f%%%s\t%.1f%%\t%.2f\t%.0f\t\n", l.SKU, l.DemandClass, l.ForecastMethod,
			l.DailyMean, l.ReorderPoint, l.OrderUpTo, l.SafetyStock, 100*l.ExpectedFillRate, note, 100*l.TargetFillRate,
			l.ExpectedAnnualCost, l.OrderNow)
	}
	return tw.Flush()
}

func newInventoryBenchCmd(_ *app) *cobra.Command {
	var settingsPath, format, seedList string
	var items, workers int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the inventory policy benchmark (200 synthetic items, two years)",
		Long: `Simulate synthetic supply items (smooth, erratic, intermittent, lumpy,
trending and shifting demand; random lead times; some with a shelf life) over
two years: the first to fit, the second to evaluate under the policy semantics
(see 'rcmbot inventory policy --help'). Compared: rcmbot's policy (recomputed
every refit_days), min/max as Odoo users set it (min = mean usage over the lead
time, max = min + 30 days of usage), the same with a rule-of-thumb safety stock
(half the lead-time usage; and peak daily usage × longest lead time − average
lead-time usage), and the floor: the best static (s,S) found by grid search on
the true demand process.

Settings come from --settings (JSON: seed, items, days, eval_days, start,
refit_days, floor_runs, workers; fixtures/inventory/bench.json is the committed
benchmark); --items and --seed override. Prints Markdown tables (--format md)
or the whole report (--format json). A run of 200 items takes about 12 s of
CPU.

One run of 200 items is one draw: --seeds 1-10 (or a list, 1,4,7) runs each
seed, prints each seed's goals and scores all their items pooled.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := invbench.DefaultSettings
			if settingsPath != "" {
				var err error
				if s, err = invbench.LoadSettings(settingsPath); err != nil {
					return err
				}
			}
			if items > 0 {
				s.Items = items
			}
			if cmd.Flags().Changed("seed") {
				s.Seed = seed
			}
			if workers > 0 {
				s.Workers = workers
			}
			if format != "md" && format != "json" {
				return fmt.Errorf("--format %q: want md or json", format)
			}
			var rep interface{ WriteMarkdown(io.Writer) error }
			if seedList != "" {
				if cmd.Flags().Changed("seed") {
					return errors.New("--seed and --seeds: give one")
				}
				list, err := parseSeeds(seedList)
				if err != nil {
					return err
				}
				r := invbench.RunSeeds(s, list)
				rep = &r
			} else {
				r := invbench.Run(s)
				rep = &r
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.WriteMarkdown(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&seedList, "seeds", "", "run several seeds and pool them: a range (1-10) or a list (1,4,7)")
	cmd.Flags().StringVar(&settingsPath, "settings", "", "benchmark settings (JSON); default: 200 items, seed 1")
	cmd.Flags().StringVar(&format, "format", "md", "output: md or json")
	cmd.Flags().IntVar(&items, "items", 0, "number of items (overrides the settings)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed (overrides the settings)")
	cmd.Flags().IntVar(&workers, "workers", 0, "items computed at once (default: one per CPU)")
	return cmd
}

// maxSeeds bounds --seeds (each seed is a whole benchmark run).
const maxSeeds = 100

// parseSeeds reads --seeds: a range "a-b" or a comma-separated list.
func parseSeeds(v string) ([]uint64, error) {
	bad := func(why string) error {
		return fmt.Errorf("--seeds %q: %s (want a range such as 1-10 or a list such as 1,4,7)", v, why)
	}
	var out []uint64
	if a, b, ok := strings.Cut(v, "-"); ok {
		lo, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
		hi, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
		if err1 != nil || err2 != nil || hi < lo {
			return nil, bad("not a range of whole numbers")
		}
		if hi-lo >= maxSeeds {
			return nil, bad(fmt.Sprintf("more than %d seeds", maxSeeds))
		}
		for s := lo; s <= hi; s++ {
			out = append(out, s)
		}
		return out, nil
	}
	for f := range strings.SplitSeq(v, ",") {
		s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, bad(fmt.Sprintf("%q is not a whole number", f))
		}
		out = append(out, s)
	}
	if len(out) > maxSeeds {
		return nil, bad(fmt.Sprintf("more than %d seeds", maxSeeds))
	}
	return out, nil
}
