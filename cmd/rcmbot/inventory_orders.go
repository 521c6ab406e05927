package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/invbench"
	"github.com/rcmbot/rcmbot/internal/inventorybot"
	"github.com/rcmbot/rcmbot/internal/store"
)

// The inventory bot's commands that use the database and the workers:
// import, review, orders, approve, reject, receive.

// bindInventory binds the settings the inventory bot's commands read.
func bindInventory(a *app, cmd *cobra.Command) {
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "keys", "keys-file", "decision-key", "decision-key-file", "timezone",
		"po-approval-limit", "upload-max-bytes", "max-rows", "max-unzipped-bytes")
}

// inventoryNeeds is what a bot's command needs besides the database (the
// inventory and access-monitoring commands share it).
type inventoryNeeds int

const (
	needStore    inventoryNeeds = iota // imports and listings
	needTemporal                       // starting a review or scan
	needSigning                        // staff decisions: Temporal and the decision signing key
)

// botEnv opens what a bot's front door needs: the database, and as needs
// says the Temporal client (nil for needStore) and the signing key.
func (a *app) botEnv(ctx context.Context, needs inventoryNeeds) (bots.Env, client.Client, func(), error) {
	ring, err := a.openRing(false)
	if err != nil {
		return bots.Env{}, nil, nil, err
	}
	db, err := a.openDB(ctx, ring, false)
	if err != nil {
		return bots.Env{}, nil, nil, err
	}
	env := a.env(db, ring)
	if needs == needStore {
		return env, nil, func() { db.Close() }, nil
	}
	if needs == needSigning {
		if env.Signer, err = a.decisionSigner(); err != nil {
			db.Close()
			return env, nil, nil, err
		}
	}
	c, err := a.dialTemporal(ctx, ring)
	if err != nil {
		db.Close()
		return env, nil, nil, err
	}
	return env, c, func() { c.Close(); db.Close() }, nil
}

// inventoryService opens the inventory front door (see botEnv).
func (a *app) inventoryService(ctx context.Context, needs inventoryNeeds) (*inventorybot.Service, func(), error) {
	env, c, closeAll, err := a.botEnv(ctx, needs)
	if err != nil {
		return nil, nil, err
	}
	return bots.InventoryService(env, c), closeAll, nil
}

func newInventoryImportCmd(a *app) *cobra.Command {
	var supplierID, location string
	cmd := &cobra.Command{
		Use:   "import items|usage|counts FILE",
		Short: "Import an item master, a usage export or a cycle count (.csv or .xlsx)",
		Long: `Import a spreadsheet into the inventory bot's store (headers in any case, common
synonyms accepted; see 'rcmbot inventory policy --help' for the item columns).

  items   the item master: items added or replaced; suppliers it names are
          added. --supplier names the supplier of rows without supplier_id;
          --location takes the on_hand column as a count of that supply room.
  usage   daily usage (date, sku, quantity): a day imported again is replaced.
  counts  a cycle count (sku, location, counted; lot, expires, date optional):
          each lot is set to what was counted. The same file again changes nothing.

Exit status: 0 when every row was used; 1 with a one-line reason when the file
cannot be used at all; 2 when some rows were refused — each is printed on
stderr with file, sheet, row, column and why, and the other rows are stored.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, path := args[0], args[1]
			if kind != "items" && kind != "usage" && kind != "counts" {
				return fmt.Errorf("import %q: want items, usage or counts", kind)
			}
			svc, closeAll, err := a.inventoryService(cmd.Context(), needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			name := filepath.Base(path)
			var res inventorybot.ImportResult
			switch kind {
			case "items":
				res, err = svc.ImportItems(cmd.Context(), f, fi.Size(), name, inventorybot.ItemImport{Supplier: supplierID, Location: location})
			case "usage":
				res, err = svc.ImportUsage(cmd.Context(), f, fi.Size(), name)
			default:
				res, err = svc.ImportCounts(cmd.Context(), f, fi.Size(), name)
			}
			if err != nil {
				return userFacing(cmd, err)
			}
			for _, e := range res.Errors {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d stored", name, res.Stored)
			if res.Repeated > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), ", %d already imported", res.Repeated)
			}
			fmt.Fprintf(cmd.OutOrStdout(), ", %d rows refused\n", len(res.Errors))
			if res.StockOuts > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%g units of demand on %d item-days were more than the lots on the shelf held (recorded as lost)\n", res.Unmet, res.StockOuts)
			}
			if len(res.Errors) > 0 {
				return exitError{code: 2}
			}
			return nil
		},
	}
	bindInventory(a, cmd)
	cmd.Flags().StringVar(&supplierID, "supplier", "", "items: the supplier of rows that name none")
	cmd.Flags().StringVar(&location, "location", "", "items: take on_hand as a count of this supply room")
	return cmd
}

func newInventoryReviewCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Start an inventory review now (what the inventory-nightly Schedule runs)",
		Long: `Start the InventoryReview workflow: recompute every item's forecast and policy
from stored usage, compute positions, propose one purchase order per supplier
(each runs its own PurchaseOrder workflow: approval above RCMBOT_PO_APPROVAL_LIMIT,
sent to the supplier, received), and list lots to use first and items at risk.
The workers (rcmbot worker or rcmbot dev) must run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.inventoryService(cmd.Context(), needTemporal)
			if err != nil {
				return err
			}
			defer closeAll()
			id, err := svc.StartReview(cmd.Context())
			if err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
	bindInventory(a, cmd)
	return cmd
}

func newInventoryOrdersCmd(a *app) *cobra.Command {
	var statuses []string
	cmd := &cobra.Command{
		Use:   "orders",
		Short: "List purchase orders, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.inventoryService(cmd.Context(), needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			want := make([]inventory.POStatus, len(statuses))
			for i, s := range statuses {
				want[i] = inventory.POStatus(s)
			}
			pos, err := svc.Orders(cmd.Context(), store.All, want...)
			if err != nil {
				return err
			}
			return printOrders(cmd.OutOrStdout(), pos)
		},
	}
	bindInventory(a, cmd)
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "only orders in these statuses (awaiting_approval, awaiting_supplier, sent, backordered, ...)")
	return cmd
}

func printOrders(w io.Writer, pos []store.StoredPO) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tSUPPLIER\tSTATUS\tCREATED\tEXPECTED\tTOTAL\tLINES\tNOTE")
	for _, po := range pos {
		var lines []string
		for _, l := range po.Lines {
			s := fmt.Sprintf("%s×%g", l.SKU, l.Quantity)
			if l.Received > 0 {
				s += fmt.Sprintf(" (%g in)", l.Received)
			}
			if l.Status == inventory.LineCancelled || l.Status == inventory.LineBackordered {
				s += " " + string(l.Status)
			}
			lines = append(lines, s)
		}
		expected := ""
		if !po.Expected.IsZero() {
			expected = po.Expected.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", po.Number, po.SupplierID, po.Status, po.Created, expected, po.Total(), strings.Join(lines, ", "), po.Reason)
	}
	return tw.Flush()
}

// decisionFlags are who decides, as recorded with a signed decision.
type decisionFlags struct{ by, role string }

func (d *decisionFlags) bind(cmd *cobra.Command, role string) {
	cmd.Flags().StringVar(&d.by, "by", "", "who decides (recorded; default cli:USER)")
	cmd.Flags().StringVar(&d.role, "role", role, "the decider's role, recorded with the decision")
}

func (d *decisionFlags) actor() string {
	if d.by == "" {
		return cliUser()
	}
	return d.by
}

// decide runs a signed decision on an order and prints the order after it.
func (a *app) decide(cmd *cobra.Command, send func(*inventorybot.Service) (inventory.PurchaseOrder, error)) error {
	svc, closeAll, err := a.inventoryService(cmd.Context(), needSigning)
	if err != nil {
		return err
	}
	defer closeAll()
	po, err := send(svc)
	if err != nil {
		return userFacing(cmd, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %s\n", po.Number, po.Status, po.Total())
	return nil
}

func newInventoryApproveCmd(a *app) *cobra.Command {
	var d decisionFlags
	var qty []string
	cmd := &cobra.Command{
		Use:   "approve PO [--qty SKU=N]...",
		Short: "Approve a purchase order awaiting approval, optionally editing quantities (signed as you)",
		Long: `Approve an order over the approval limit, signed with the decision key
(RCMBOT_DECISION_KEY) as the web app signs it: the workflow records you (cli:USER,
or --by) and refuses the decision unless your role is admin or purchaser.
--qty SKU=N replaces a line's quantity first (0 removes the line).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			edits := map[inventory.SKU]float64{}
			for _, q := range qty {
				sku, n, ok := strings.Cut(q, "=")
				var v float64
				if _, err := fmt.Sscan(n, &v); !ok || sku == "" || err != nil {
					return userFacing(cmd, fault.Errorf(fault.Invalid, "--qty %q: want SKU=QUANTITY, such as GLV-M=200", q))
				}
				edits[inventory.SKU(sku)] = v
			}
			return a.decide(cmd, func(s *inventorybot.Service) (inventory.PurchaseOrder, error) {
				return s.Approve(cmd.Context(), args[0], d.actor(), d.role, edits)
			})
		},
	}
	bindInventory(a, cmd)
	d.bind(cmd, inventory.RoleAdmin)
	cmd.Flags().StringSliceVar(&qty, "qty", nil, "SKU=QUANTITY to order instead of the proposed quantity (repeat)")
	return cmd
}

func newInventoryRejectCmd(a *app) *cobra.Command {
	var d decisionFlags
	var reason string
	cmd := &cobra.Command{
		Use:   "reject PO --reason TEXT",
		Short: "Reject a purchase order awaiting approval (signed as you)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.decide(cmd, func(s *inventorybot.Service) (inventory.PurchaseOrder, error) {
				return s.Reject(cmd.Context(), args[0], d.actor(), d.role, reason)
			})
		},
	}
	bindInventory(a, cmd)
	d.bind(cmd, inventory.RoleAdmin)
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func newInventoryReceiveCmd(a *app) *cobra.Command {
	var d decisionFlags
	var sku, location, lot string
	var qty float64
	cmd := &cobra.Command{
		Use:   "receive PO --sku SKU --qty N",
		Short: "Record a delivery against a purchase order (signed as you)",
		Long: `Record what arrived of one item on an order, into --location (default main),
under --lot (default the PO number). A partial delivery leaves the rest
expected; the order closes when everything arrived.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if sku == "" || !(qty > 0) {
				return userFacing(cmd, fault.Errorf(fault.Invalid, "--sku and a --qty above 0 are required"))
			}
			note := inventory.ReceiptNote{Location: location, Lot: lot, Quantities: map[inventory.SKU]float64{inventory.SKU(sku): qty}}
			return a.decide(cmd, func(s *inventorybot.Service) (inventory.PurchaseOrder, error) {
				return s.Receive(cmd.Context(), args[0], d.actor(), d.role, note)
			})
		},
	}
	bindInventory(a, cmd)
	d.bind(cmd, inventory.RoleAdmin)
	cmd.Flags().StringVar(&sku, "sku", "", "the item received")
	cmd.Flags().Float64Var(&qty, "qty", 0, "how many arrived")
	cmd.Flags().StringVar(&location, "location", "main", "the supply room it went to")
	cmd.Flags().StringVar(&lot, "lot", "", "the lot number on the delivery (default: the PO number)")
	return cmd
}

// writeInventoryDemo writes the demo item master and two years of usage
// ending yesterday into the data directory, for `rcmbot dev`'s "Try it".
func (a *app) writeInventoryDemo() (string, error) {
	dir := filepath.Join(a.cfg.DataDir, "demo-inventory")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	today := claim.DateOf(time.Now().In(a.cfg.Location()))
	if err := invbench.WriteDemo(dir, 24, 1, today.String()); err != nil {
		return "", fmt.Errorf("write demo inventory: %w", err)
	}
	return dir, nil
}
