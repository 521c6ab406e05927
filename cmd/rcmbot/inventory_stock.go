package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
)

// printJSON writes v indented (the same documents as the REST API).
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newInventoryItemsCmd(a *app) *cobra.Command {
	var asJSON bool
	var sku string
	var days int
	cmd := &cobra.Command{
		Use:   "items",
		Short: "List items with stock against their reorder point (or one item with --sku)",
		Long: `List every item's on hand, on order, reorder point, order-up-to level, forecast
and status (at_risk, below_reorder_point, ok). The policy (reorder point,
order-up-to level, forecast) is the one the last inventory review stored, with
when it was computed; an item no review has planned as it stands (new, or
changed in the item master since) gets one computed now from stored usage, as
the review would ("now" in POLICY COMPUTED). On hand and
on order are as they stand now; nothing is ordered. --sku shows one item with
its last --days of usage (--json for the document
GET /api/v1/inventory/items[/{sku}] returns).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.inventoryService(cmd.Context(), needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			w := cmd.OutOrStdout()
			if sku != "" {
				det, err := svc.Item(cmd.Context(), inventory.SKU(sku), days)
				if err != nil {
					return userFacing(cmd, err)
				}
				if asJSON {
					return printJSON(w, det)
				}
				fmt.Fprintf(w, "%s %s: %s, on hand %g, on order %g, reorder point %g, order up to %g, forecast %.1f/day (%s, %s), policy computed %s\n",
					det.Item.SKU, det.Item.Description, det.Status, det.Position.OnHand, det.Position.OnOrder, det.ReorderPoint, det.OrderUpTo,
					det.DailyMean, det.DemandClass, det.ForecastMethod, policyComputed(det.Policy, svc.Location))
				for i, q := range det.Usage.Qty {
					fmt.Fprintf(w, "%s\t%g\n", det.Usage.Start.AddDays(i), q)
				}
				return nil
			}
			st, err := svc.Items(cmd.Context())
			if err != nil {
				return userFacing(cmd, err)
			}
			if asJSON {
				return printJSON(w, st)
			}
			tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SKU\tSTATUS\tON HAND\tON ORDER\tREORDER POINT\tORDER UP TO\tFORECAST/DAY\tSTOCK-OUT RISK\tPOLICY COMPUTED")
			for _, it := range st.Items {
				fmt.Fprintf(tw, "%s\t%s\t%g\t%g\t%g\t%g\t%.1f\t%.1f%%\t%s\n", it.Item.SKU, it.Status, it.Position.OnHand, it.Position.OnOrder,
					it.ReorderPoint, it.OrderUpTo, it.DailyMean, 100*it.StockoutRisk, policyComputed(it.Policy, svc.Location))
			}
			return tw.Flush()
		},
	}
	bindInventory(a, cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&sku, "sku", "", "show this item with its usage")
	cmd.Flags().IntVar(&days, "days", 90, "days of usage shown with --sku")
	return cmd
}

// policyComputed says when an item's policy was computed, in loc (UTC
// when nil): the review's time, or "now" when no review's policy fits it.
func policyComputed(p review.Policy, loc *time.Location) string {
	if p.Source == review.PolicyComputedNow {
		return "now"
	}
	if loc == nil {
		loc = time.UTC
	}
	return p.ComputedAt.In(loc).Format("2006-01-02 15:04 MST")
}

func newInventoryLotsCmd(a *app) *cobra.Command {
	var asJSON bool
	var days int
	cmd := &cobra.Command{
		Use:   "lots",
		Short: "List lots expiring within --days, in use-first order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.inventoryService(cmd.Context(), needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			ex, err := svc.ExpiringLots(cmd.Context(), days)
			if err != nil {
				return userFacing(cmd, err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ex)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SKU\tLOT\tROOM\tQUANTITY\tEXPIRES\tDAYS LEFT\tVALUE")
			for _, l := range ex.Lots {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%s\t%d\t$%.2f\n", l.SKU, l.Number, l.Location, l.Quantity, l.Expires, l.DaysLeft, l.Value)
			}
			return tw.Flush()
		},
	}
	bindInventory(a, cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&days, "days", 30, "the use-first window, days (1 to 365)")
	return cmd
}

func newInventoryReportCmd(a *app) *cobra.Command {
	var asJSON bool
	var weeks int
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Fill rate, stock value, waste from expiry, stock-outs and turns over the last --weeks",
		Long: `The inventory report of the last --weeks (from Monday that many weeks back,
through today), week by week and in total. What each figure measures is in the
web app's Inventory report page and in internal/inventory/report.go.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.inventoryService(cmd.Context(), needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			today := claim.DateOf(time.Now().In(a.cfg.Location()))
			monday := today.AddDays(-((int(today.Time().Weekday()) + 6) % 7))
			rep, err := svc.Report(cmd.Context(), monday.AddDays(-7*(weeks-1)), today)
			if err != nil {
				return userFacing(cmd, err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WEEK\tUSED\tLOST (EST.)\tFILL RATE\tSTOCK VALUE\tWASTE\tSTOCK-OUT DAYS\tTURNS")
			row := func(name string, f inventory.ReportFigures) {
				fmt.Fprintf(tw, "%s\t%g\t%.1f\t%.1f%%\t$%.2f\t$%.2f\t%d\t%.1f\n", name, f.Used, f.Lost, 100*f.FillRate, f.StockValue, f.WasteValue, f.StockoutDays, f.Turns)
			}
			for _, wk := range rep.Weeks {
				row(wk.Start.String(), wk.ReportFigures)
			}
			row("total", rep.Total)
			return tw.Flush()
		},
	}
	bindInventory(a, cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&weeks, "weeks", 12, "weeks reported")
	return cmd
}
