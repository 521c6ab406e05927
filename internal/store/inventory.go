package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
)

// The inventory bot's rows: items, suppliers, supply rooms, lots,
// movements and purchase orders (migration 0014). Stock on the shelf is
// the lots' quantities; every change to a lot goes with a movement under
// the caller's idempotency key, in one transaction, so a retried import
// or activity changes stock once.

const itemCols = `sku, description, unit, criticality, supplier_id, unit_cost, order_cost, lead_time_days, lead_time_sd_days,
	order_multiple, min_order_qty, shelf_life_days, target_fill_rate`

func itemDest(it *inventory.Item) []any {
	return []any{&it.SKU, &it.Description, &it.Unit, &it.Criticality, &it.SupplierID, &it.UnitCost, &it.OrderCost,
		&it.LeadTime.MeanDays, &it.LeadTime.SDDays, &it.OrderMultiple, &it.MinOrderQty, &it.ShelfLifeDays, &it.TargetFillRate}
}

// UpsertItems stores an item master: new SKUs are added, known ones
// replaced. An item that fails inventory.Item.Validate refuses the whole
// list (ErrInvalid, naming the SKU and field). All or nothing.
func (d *DB) UpsertItems(ctx context.Context, items []inventory.Item) error {
	for _, it := range items {
		if err := it.Validate(); err != nil {
			return fmt.Errorf("store items: item %s: %v: %w", it.SKU, err, ErrInvalid)
		}
	}
	at := ts(now())
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, it := range items {
			_, err := exec(ctx, tx, `INSERT INTO inventory_items (`+itemCols+`, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (sku) DO UPDATE SET description = excluded.description, unit = excluded.unit, criticality = excluded.criticality,
				supplier_id = excluded.supplier_id, unit_cost = excluded.unit_cost, order_cost = excluded.order_cost,
				lead_time_days = excluded.lead_time_days, lead_time_sd_days = excluded.lead_time_sd_days,
				order_multiple = excluded.order_multiple, min_order_qty = excluded.min_order_qty,
				shelf_life_days = excluded.shelf_life_days, target_fill_rate = excluded.target_fill_rate, updated_at = excluded.updated_at`,
				it.SKU, it.Description, it.Unit, it.Criticality, it.SupplierID, it.UnitCost, it.OrderCost, it.LeadTime.MeanDays,
				it.LeadTime.SDDays, it.OrderMultiple, it.MinOrderQty, it.ShelfLifeDays, it.TargetFillRate, at)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store items: %w", err)
	}
	return nil
}

// InventoryItems returns every item, in SKU order.
func (d *DB) InventoryItems(ctx context.Context) ([]inventory.Item, error) {
	out, err := queryAll(ctx, d.r, itemDest, "SELECT "+itemCols+" FROM inventory_items ORDER BY sku")
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	return out, nil
}

// UpsertSuppliers stores suppliers, replacing known IDs.
func (d *DB) UpsertSuppliers(ctx context.Context, sups []inventory.Supplier) error {
	at := ts(now())
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, s := range sups {
			if s.ID == "" {
				return fmt.Errorf("a supplier has no ID: %w", ErrInvalid)
			}
			_, err := exec(ctx, tx, `INSERT INTO inventory_suppliers (id, name, lead_time_days, lead_time_sd_days, cutoff_seconds, updated_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, lead_time_days = excluded.lead_time_days,
				lead_time_sd_days = excluded.lead_time_sd_days, cutoff_seconds = excluded.cutoff_seconds, updated_at = excluded.updated_at`,
				s.ID, s.Name, s.LeadTime.MeanDays, s.LeadTime.SDDays, int64(s.Cutoff/time.Second), at)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store suppliers: %w", err)
	}
	return nil
}

// Suppliers returns every supplier, in ID order.
func (d *DB) Suppliers(ctx context.Context) ([]inventory.Supplier, error) {
	out, err := queryAll(ctx, d.r, func(s *inventory.Supplier) []any {
		return []any{&s.ID, &s.Name, &s.LeadTime.MeanDays, &s.LeadTime.SDDays, durationSeconds{&s.Cutoff}}
	}, "SELECT id, name, lead_time_days, lead_time_sd_days, cutoff_seconds FROM inventory_suppliers ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list suppliers: %w", err)
	}
	return out, nil
}

// durationSeconds scans whole seconds into a time.Duration.
type durationSeconds struct{ d *time.Duration }

func (s durationSeconds) Scan(src any) error {
	var n int64
	switch v := src.(type) {
	case int64:
		n = v
	case int32:
		n = int64(v)
	case nil:
	default:
		return fmt.Errorf("scan seconds: unsupported type %T", src)
	}
	*s.d = time.Duration(n) * time.Second
	return nil
}

// RecordUsage stores daily usage, one usage movement per day and item,
// and issues it from the item's lots first-expiring-first
// (inventory.IssueFEFO: not from lots received or counted after the day)
// as issue movements; the demand the lots could not meet is recorded on
// the usage movement as unmet (left NULL when the item's stock that day
// is unknown: before its first count or receipt). A day and item already
// stored is replaced: its earlier issues are put back on their lots and
// the new quantity issued, so importing a corrected or repeated export
// never doubles a day; issues from lots counted since the day stand (the
// count already took them in). All in one transaction. It returns how
// many day-item rows it wrote.
func (d *DB) RecordUsage(ctx context.Context, ref string, usage []inventory.Usage) (int, error) {
	sum := map[dayItem]float64{}
	var keys []dayItem
	for _, u := range usage {
		if u.SKU == "" || u.Day.IsZero() || !(u.Quantity >= 0) {
			return 0, fmt.Errorf("record usage: a row needs an item, a day and a quantity of zero or more: %w", ErrInvalid)
		}
		k := dayItem{u.Day, u.SKU}
		if _, ok := sum[k]; !ok {
			keys = append(keys, k)
		}
		sum[k] += u.Quantity
	}
	if len(keys) == 0 {
		return 0, nil
	}
	slices.SortFunc(keys, func(a, b dayItem) int { return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.sku, b.sku)) })
	at := ts(now())
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockStock(ctx, tx); err != nil {
			return err
		}
		is, err := loadIssuer(ctx, tx, keys)
		if err != nil {
			return err
		}
		usageRows := make([][]any, 0, len(keys))
		for _, k := range keys {
			var unmet any // NULL: the day's stock is not known
			if u, known := is.issue(k, sum[k], ref, at); known {
				unmet = u
			}
			usageRows = append(usageRows, []any{"u-" + k.day.String() + "-" + string(k.sku), inventory.MoveUsage, k.sku, "", "", k.day, -sum[k], ref, at, unmet})
		}
		return is.write(ctx, tx, usageRows)
	})
	if err != nil {
		return 0, fmt.Errorf("record usage: %w", err)
	}
	return len(keys), nil
}

// stockLockKey is the PostgreSQL advisory lock that RecordUsage,
// ApplyCount and RecordReceipt hold while they change lots: usage reads
// the lots, allocates in memory and writes quantities back, which must
// not interleave with another change (SQLite's write transactions are
// serial already).
const stockLockKey = 0x72636d73746b // "rcmstk"

func (d *DB) lockStock(ctx context.Context, tx *sqlx.Tx) error {
	if d.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", stockLockKey)
	return err
}

// dayItem is a day's usage of one item: the key a usage movement is
// stored under.
type dayItem struct {
	day claim.Date
	sku inventory.SKU
}

// lotKey names a lot.
type lotKey struct {
	sku           inventory.SKU
	location, lot string
}

// issuer holds, while RecordUsage runs, the lots of the items it records
// and the issue movements already stored for its days and items, and
// collects what it changes.
type issuer struct {
	lots    map[inventory.SKU][]*inventory.Lot
	byKey   map[lotKey]*inventory.Lot
	old     map[dayItem][]inventory.Movement
	oldIDs  map[dayItem][]string
	changed map[lotKey]bool
	drop    []string // issue movements replaced
	rows    [][]any  // new issue movements
}

func loadIssuer(ctx context.Context, tx *sqlx.Tx, keys []dayItem) (*issuer, error) {
	is := &issuer{lots: map[inventory.SKU][]*inventory.Lot{}, byKey: map[lotKey]*inventory.Lot{}, old: map[dayItem][]inventory.Movement{},
		oldIDs: map[dayItem][]string{}, changed: map[lotKey]bool{}}
	want := map[dayItem]bool{}
	for _, k := range keys {
		want[k] = true
		is.lots[k.sku] = nil
	}
	lots, err := queryAll(ctx, tx, func(l *inventory.Lot) []any {
		return []any{&l.SKU, &l.Location, &l.Number, &l.Quantity, &l.Received, &l.Expires, &l.Counted}
	}, `SELECT sku, location_id, lot_number, quantity, received, expires, counted FROM inventory_lots ORDER BY sku, location_id, lot_number`)
	if err != nil {
		return nil, err
	}
	for i := range lots {
		l := &lots[i]
		if _, ok := is.lots[l.SKU]; ok {
			is.lots[l.SKU] = append(is.lots[l.SKU], l)
			is.byKey[lotKey{l.SKU, l.Location, l.Number}] = l
		}
	}
	type stored struct {
		id string
		m  inventory.Movement
	}
	old, err := queryAll(ctx, tx, func(o *stored) []any {
		return []any{&o.id, &o.m.SKU, &o.m.Location, &o.m.Lot, &o.m.Day, &o.m.Quantity}
	}, `SELECT id, sku, location_id, lot_number, day, quantity FROM inventory_movements WHERE kind = ? AND day >= ? AND day <= ? ORDER BY id`,
		inventory.MoveIssue, keys[0].day, keys[len(keys)-1].day)
	if err != nil {
		return nil, err
	}
	for _, o := range old {
		if k := (dayItem{o.m.Day, o.m.SKU}); want[k] {
			is.old[k] = append(is.old[k], o.m)
			is.oldIDs[k] = append(is.oldIDs[k], o.id)
		}
	}
	return is, nil
}

// issue replaces the issues of day and item k with q units issued
// first-expiring-first, and returns the demand left unmet and whether the
// item's stock that day is known.
func (is *issuer) issue(k dayItem, q float64, ref string, at any) (float64, bool) {
	kept := 0.0
	put := map[lotKey]float64{} // earlier issues put back, per lot
	var putIDs []string
	for i, m := range is.old[k] {
		lk := lotKey{m.SKU, m.Location, m.Lot}
		l := is.byKey[lk]
		if l != nil && l.Counted > k.day {
			kept -= m.Quantity // a count since took it in: it stands
			continue
		}
		if l != nil {
			l.Quantity -= m.Quantity
			is.changed[lk] = true
		}
		put[lk] -= m.Quantity
		putIDs = append(putIDs, is.oldIDs[k][i])
	}
	lots := make([]inventory.Lot, len(is.lots[k.sku]))
	for i, l := range is.lots[k.sku] {
		lots[i] = *l
	}
	issues, unmet, known := inventory.IssueFEFO(lots, max(q-kept, 0), k.day)
	same := len(issues) == len(put)
	for _, x := range issues {
		lk := lotKey{k.sku, x.Lot.Location, x.Lot.Number}
		is.byKey[lk].Quantity -= x.Quantity
		is.changed[lk] = true
		same = same && put[lk] == x.Quantity
	}
	if same { // the day is issued as before: its stored movements stand
		return unmet, known
	}
	is.drop = append(is.drop, putIDs...)
	for _, x := range issues {
		is.rows = append(is.rows, []any{"i-" + k.day.String() + "-" + string(k.sku) + "@" + x.Lot.Location + "/" + x.Lot.Number,
			inventory.MoveIssue, k.sku, x.Lot.Location, x.Lot.Number, k.day, -x.Quantity, ref, at})
	}
	return unmet, known
}

// write stores the usage movements, replaces the issue movements and sets
// the lots changed.
func (is *issuer) write(ctx context.Context, tx *sqlx.Tx, usageRows [][]any) error {
	for start := 0; start < len(is.drop); start += 500 {
		chunk := is.drop[start:min(start+500, len(is.drop))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if _, err := exec(ctx, tx, "DELETE FROM inventory_movements WHERE id IN ("+placeholders(len(chunk))+")", args...); err != nil {
			return err
		}
	}
	if err := insertRows(ctx, tx, "inventory_movements", append(slices.Clone(movementColumns), "unmet"), usageRows,
		" ON CONFLICT (id) DO UPDATE SET quantity = excluded.quantity, reference = excluded.reference, recorded_at = excluded.recorded_at, unmet = excluded.unmet"); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "inventory_movements", movementColumns, is.rows, ""); err != nil {
		return err
	}
	changed := make([]lotKey, 0, len(is.changed))
	for lk := range is.changed {
		changed = append(changed, lk)
	}
	slices.SortFunc(changed, func(a, b lotKey) int {
		return cmp.Or(cmp.Compare(a.sku, b.sku), cmp.Compare(a.location, b.location), cmp.Compare(a.lot, b.lot))
	})
	for _, lk := range changed {
		if err := execOne(ctx, tx, "UPDATE inventory_lots SET quantity = ? WHERE sku = ? AND location_id = ? AND lot_number = ?",
			is.byKey[lk].Quantity, lk.sku, lk.location, lk.lot); err != nil {
			return err
		}
	}
	return nil
}

// UnmetBetween returns, for days first … last (inclusive), the demand
// recorded as unmet on each day and item whose stock was known (zero when
// the lots met it all), by day then SKU. Days and items without a record
// (stock unknown to the store) are left out.
func (d *DB) UnmetBetween(ctx context.Context, first, last claim.Date) ([]inventory.Usage, error) {
	out, err := queryAll(ctx, d.r, func(u *inventory.Usage) []any { return []any{&u.Day, &u.SKU, &u.Quantity} },
		`SELECT day, sku, unmet FROM inventory_movements WHERE kind = ? AND day >= ? AND day <= ? AND unmet IS NOT NULL ORDER BY day, sku`,
		inventory.MoveUsage, first, last)
	if err != nil {
		return nil, fmt.Errorf("read unmet demand: %w", err)
	}
	return out, nil
}

var movementColumns = []string{"id", "kind", "sku", "location_id", "lot_number", "day", "quantity", "reference", "recorded_at"}

// UsageBetween returns the daily usage of every item on days first …
// last (inclusive), as positive quantities, by day then SKU.
func (d *DB) UsageBetween(ctx context.Context, first, last claim.Date) ([]inventory.Usage, error) {
	out, err := queryAll(ctx, d.r, func(u *inventory.Usage) []any { return []any{&u.Day, &u.SKU, &u.Quantity} },
		`SELECT day, sku, -quantity FROM inventory_movements WHERE kind = ? AND day >= ? AND day <= ? ORDER BY day, sku`,
		inventory.MoveUsage, first, last)
	if err != nil {
		return nil, fmt.Errorf("read usage: %w", err)
	}
	return out, nil
}

// Movements returns an item's movements in the order they were recorded.
func (d *DB) Movements(ctx context.Context, sku inventory.SKU) ([]inventory.Movement, error) {
	out, err := queryAll(ctx, d.r, func(m *inventory.Movement) []any {
		return []any{&m.Kind, &m.SKU, &m.Location, &m.Lot, &m.Day, &m.Quantity, &m.Reference}
	}, `SELECT kind, sku, location_id, lot_number, day, quantity, reference FROM inventory_movements WHERE sku = ? ORDER BY recorded_at, id`, sku)
	if err != nil {
		return nil, fmt.Errorf("list movements of %s: %w", sku, err)
	}
	return out, nil
}

// StockMovements returns every item's stock movements (receipts, counts,
// issues for usage, adjustments, waste: every kind but usage, which is
// demand) on days up to last, by day
// then SKU: on hand on a day is their running sum.
func (d *DB) StockMovements(ctx context.Context, last claim.Date) ([]inventory.Movement, error) {
	out, err := queryAll(ctx, d.r, func(m *inventory.Movement) []any {
		return []any{&m.Kind, &m.SKU, &m.Location, &m.Lot, &m.Day, &m.Quantity, &m.Reference}
	}, `SELECT kind, sku, location_id, lot_number, day, quantity, reference FROM inventory_movements WHERE kind <> ? AND day <= ? ORDER BY day, sku, recorded_at, id`,
		inventory.MoveUsage, last)
	if err != nil {
		return nil, fmt.Errorf("list stock movements: %w", err)
	}
	return out, nil
}

// CountResult says what ApplyCount changed.
type CountResult struct {
	Lines    int     // count lines applied
	Repeated int     // lines already applied by an earlier import of the same sheet
	Change   float64 // Σ counted − on the shelf before (the shrinkage when negative)
}

// ApplyCount sets lots to what a cycle count found: each lot (SKU,
// location, lot number) gets the counted Quantity, and a count movement
// records the difference. ref names the sheet: applying the same sheet
// again changes nothing. Every SKU must be a known item (ErrNotFound
// naming it). All or nothing.
func (d *DB) ApplyCount(ctx context.Context, ref string, day claim.Date, lots []inventory.Lot) (CountResult, error) {
	var res CountResult
	if ref == "" || day.IsZero() {
		return res, fmt.Errorf("apply count: a sheet reference and a day are required: %w", ErrInvalid)
	}
	at := ts(now())
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockStock(ctx, tx); err != nil {
			return err
		}
		for i, l := range lots {
			if l.SKU == "" || l.Location == "" || !(l.Quantity >= 0) {
				return fmt.Errorf("line %d: a count needs an item, a location and a quantity of zero or more: %w", i+1, ErrInvalid)
			}
			if err := knownItem(ctx, tx, l.SKU); err != nil {
				return fmt.Errorf("line %d: %w", i+1, err)
			}
			id := fmt.Sprintf("c-%s-%d", ref, i)
			var n int
			if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM inventory_movements WHERE id = ?"), id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				res.Repeated++
				continue
			}
			var before float64
			err := tx.QueryRowContext(ctx, tx.Rebind(`SELECT COALESCE(SUM(quantity), 0) FROM inventory_lots WHERE sku = ? AND location_id = ? AND lot_number = ?`),
				l.SKU, l.Location, l.Number).Scan(&before)
			if err != nil {
				return err
			}
			received := l.Received
			if received.IsZero() {
				received = day
			}
			if err := putLot(ctx, tx, l, received, day, l.Quantity, false); err != nil {
				return err
			}
			if _, err := exec(ctx, tx, "INSERT INTO inventory_movements ("+strings.Join(movementColumns, ", ")+") VALUES ("+placeholders(len(movementColumns))+")",
				id, inventory.MoveCount, l.SKU, l.Location, l.Number, day, l.Quantity-before, ref, at); err != nil {
				return err
			}
			res.Lines++
			res.Change += l.Quantity - before
		}
		return nil
	})
	if err != nil {
		return CountResult{}, fmt.Errorf("apply count %s: %w", ref, err)
	}
	return res, nil
}

func knownItem(ctx context.Context, tx *sqlx.Tx, sku inventory.SKU) error {
	var n int
	if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM inventory_items WHERE sku = ?"), sku).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("item %s is not in the item master: %w", sku, ErrNotFound)
	}
	return nil
}

// putLot sets (add false) or adds to (add true) a lot's quantity, creating
// the lot and its location as needed; a count (counted not zero) moves the
// lot's last count day on to it.
func putLot(ctx context.Context, tx *sqlx.Tx, l inventory.Lot, received, counted claim.Date, q float64, add bool) error {
	if _, err := exec(ctx, tx, "INSERT INTO inventory_locations (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", l.Location, l.Location); err != nil {
		return err
	}
	set := "quantity = excluded.quantity"
	if add {
		set = "quantity = inventory_lots.quantity + excluded.quantity"
	}
	_, err := exec(ctx, tx, `INSERT INTO inventory_lots (sku, location_id, lot_number, quantity, received, expires, counted) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sku, location_id, lot_number) DO UPDATE SET `+set+`,
		expires = COALESCE(excluded.expires, inventory_lots.expires),
		counted = CASE WHEN inventory_lots.counted IS NULL OR excluded.counted > inventory_lots.counted THEN excluded.counted ELSE inventory_lots.counted END`,
		l.SKU, l.Location, l.Number, q, received, l.Expires, counted)
	return err
}

// Lots returns every lot with stock on the shelf, by SKU, location and lot.
func (d *DB) Lots(ctx context.Context) ([]inventory.Lot, error) {
	out, err := queryAll(ctx, d.r, func(l *inventory.Lot) []any {
		return []any{&l.SKU, &l.Location, &l.Number, &l.Quantity, &l.Received, &l.Expires, &l.Counted}
	}, `SELECT sku, location_id, lot_number, quantity, received, expires, counted FROM inventory_lots WHERE quantity > 0 ORDER BY sku, location_id, lot_number`)
	if err != nil {
		return nil, fmt.Errorf("list lots: %w", err)
	}
	return out, nil
}

// Locations returns the supply rooms stock has been counted or received in.
func (d *DB) Locations(ctx context.Context) ([]inventory.Location, error) {
	out, err := queryAll(ctx, d.r, func(l *inventory.Location) []any { return []any{&l.ID, &l.Name} },
		"SELECT id, name FROM inventory_locations ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	return out, nil
}

var policyColumns = []string{"sku", "demand_class", "forecast_method", "daily_mean", "reorder_point", "order_up_to", "safety_stock",
	"expected_fill_rate", "lead_days", "daily_variance", "level_error", "reviewed", "computed_at", "item_key"}

// SavePolicies stores the policies a review computed (migration 0020),
// replacing every stored one: a review covers every item, and an item it
// did not plan has no stored policy. All or nothing.
func (d *DB) SavePolicies(ctx context.Context, pols []review.Policy) error {
	rows := make([][]any, len(pols))
	for i, p := range pols {
		if p.SKU == "" || p.Reviewed.IsZero() || p.ComputedAt.IsZero() {
			return fmt.Errorf("store policies: a policy needs an item, the day reviewed and when it was computed: %w", ErrInvalid)
		}
		rows[i] = []any{p.SKU, p.DemandClass, p.ForecastMethod, p.DailyMean, p.ReorderPoint, p.OrderUpTo, p.SafetyStock, p.ExpectedFill,
			p.LeadDays, p.Risk.DailyVariance, p.Risk.LevelError, p.Reviewed, ts(p.ComputedAt), p.ItemKey}
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, "DELETE FROM inventory_policies"); err != nil {
			return err
		}
		return insertRows(ctx, tx, "inventory_policies", policyColumns, rows, "")
	})
	if err != nil {
		return fmt.Errorf("store policies: %w", err)
	}
	return nil
}

// Policies returns the stored policies (review.PolicyFromReview) by SKU:
// every item's, or the one SKU's when given.
func (d *DB) Policies(ctx context.Context, sku inventory.SKU) (map[inventory.SKU]review.Policy, error) {
	q, args := "SELECT "+strings.Join(policyColumns, ", ")+" FROM inventory_policies", []any(nil)
	if sku != "" {
		q, args = q+" WHERE sku = ?", []any{sku}
	}
	list, err := queryAll(ctx, d.r, func(p *review.Policy) []any {
		return []any{&p.SKU, &p.DemandClass, &p.ForecastMethod, &p.DailyMean, &p.ReorderPoint, &p.OrderUpTo, &p.SafetyStock, &p.ExpectedFill,
			&p.LeadDays, &p.Risk.DailyVariance, &p.Risk.LevelError, &p.Reviewed, scanTime(&p.ComputedAt), &p.ItemKey}
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	out := make(map[inventory.SKU]review.Policy, len(list))
	for _, p := range list {
		p.Risk.DailyMean, p.Source = p.DailyMean, review.PolicyFromReview
		out[p.SKU] = p
	}
	return out, nil
}

// StoredPO is a purchase order as stored: the order and the workflow that
// owns it.
type StoredPO struct {
	inventory.PurchaseOrder
	WorkflowID string
	UpdatedAt  time.Time
}

// ProposePurchaseOrder stores a proposed order under its number; a number
// already stored keeps the stored order (a retried review drafts the same
// orders) and reports created false.
func (d *DB) ProposePurchaseOrder(ctx context.Context, po inventory.PurchaseOrder, workflowID string) (created bool, err error) {
	if po.Number == "" || po.SupplierID == "" || len(po.Lines) == 0 {
		return false, fmt.Errorf("propose purchase order: a number, a supplier and lines are required: %w", ErrInvalid)
	}
	at := ts(now())
	err = d.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := exec(ctx, tx, `INSERT INTO purchase_orders (number, supplier_id, status, created, expected, total_cents, reason, workflow_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO NOTHING`,
			po.Number, po.SupplierID, po.Status, po.Created, po.Expected, po.Total(), po.Reason, workflowID, at, at)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		created = true
		return putLines(ctx, tx, po)
	})
	if err != nil {
		return false, fmt.Errorf("propose purchase order %s: %w", po.Number, err)
	}
	return created, nil
}

func putLines(ctx context.Context, tx *sqlx.Tx, po inventory.PurchaseOrder) error {
	if _, err := exec(ctx, tx, "DELETE FROM purchase_order_lines WHERE po_number = ?", po.Number); err != nil {
		return err
	}
	rows := make([][]any, len(po.Lines))
	for i, l := range po.Lines {
		rows[i] = []any{po.Number, l.SKU, l.Quantity, l.UnitCost, l.Status, l.Backordered, l.Received}
	}
	return insertRows(ctx, tx, "purchase_order_lines", []string{"po_number", "sku", "quantity", "unit_cost", "status", "backordered", "received"}, rows, "")
}

// SavePurchaseOrder replaces a stored order's status, expected day,
// reason and lines with po's (the PurchaseOrder workflow's state after a
// step). The order must exist (ErrNotFound).
func (d *DB) SavePurchaseOrder(ctx context.Context, po inventory.PurchaseOrder) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error { return savePO(ctx, tx, po) })
	if err != nil {
		return fmt.Errorf("save purchase order %s: %w", po.Number, err)
	}
	return nil
}

func savePO(ctx context.Context, tx *sqlx.Tx, po inventory.PurchaseOrder) error {
	if err := execOne(ctx, tx, "UPDATE purchase_orders SET status = ?, expected = ?, total_cents = ?, reason = ?, updated_at = ? WHERE number = ?",
		po.Status, po.Expected, po.Total(), po.Reason, ts(now()), po.Number); err != nil {
		return err
	}
	return putLines(ctx, tx, po)
}

// Receipt is a delivery against a purchase order: the quantities received
// per item, into which supply room, on which day.
type Receipt struct {
	ID       string // idempotency key: a receipt recorded again changes nothing
	Day      claim.Date
	Location string
	Lot      string // the lot number on the delivery; "" uses the PO number
	Qty      map[inventory.SKU]float64
}

// RecordReceipt stores po (already moved on by po.Receive) and puts the
// received quantities on the shelf as lots, with receipt movements, in one
// transaction. A receipt whose ID was recorded before changes nothing and
// reports false.
func (d *DB) RecordReceipt(ctx context.Context, po inventory.PurchaseOrder, r Receipt) (bool, error) {
	if r.ID == "" || r.Location == "" || r.Day.IsZero() {
		return false, fmt.Errorf("record receipt on %s: an ID, a location and a day are required: %w", po.Number, ErrInvalid)
	}
	lot := r.Lot
	if lot == "" {
		lot = po.Number
	}
	items, err := d.InventoryItems(ctx)
	if err != nil {
		return false, err
	}
	shelf := map[inventory.SKU]int{}
	for _, it := range items {
		shelf[it.SKU] = it.ShelfLifeDays
	}
	done := false
	at := ts(now())
	err = d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockStock(ctx, tx); err != nil {
			return err
		}
		skus := make([]inventory.SKU, 0, len(r.Qty))
		for sku := range r.Qty {
			skus = append(skus, sku)
		}
		slices.Sort(skus)
		if len(skus) == 0 {
			return fmt.Errorf("nothing received: %w", ErrInvalid)
		}
		var n int
		if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM inventory_movements WHERE id = ?"),
			"r-"+r.ID+"-"+string(skus[0])).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		for _, sku := range skus {
			q := r.Qty[sku]
			l := inventory.Lot{SKU: sku, Location: r.Location, Number: lot}
			l.Expires = inventory.ExpiryFor(inventory.Item{ShelfLifeDays: shelf[sku]}, r.Day)
			if err := putLot(ctx, tx, l, r.Day, 0, q, true); err != nil {
				return err
			}
			if _, err := exec(ctx, tx, "INSERT INTO inventory_movements ("+strings.Join(movementColumns, ", ")+") VALUES ("+placeholders(len(movementColumns))+")",
				"r-"+r.ID+"-"+string(sku), inventory.MoveReceipt, sku, r.Location, lot, r.Day, q, po.Number, at); err != nil {
				return err
			}
		}
		done = true
		return savePO(ctx, tx, po)
	})
	if err != nil {
		return false, fmt.Errorf("record receipt on %s: %w", po.Number, err)
	}
	return done, nil
}

const poCols = "number, supplier_id, status, created, expected, reason, workflow_id, updated_at"

func poDest(p *StoredPO) []any {
	return []any{&p.Number, &p.SupplierID, &p.Status, &p.Created, &p.Expected, &p.Reason, &p.WorkflowID, scanTime(&p.UpdatedAt)}
}

// PurchaseOrder returns one stored order with its lines.
func (d *DB) PurchaseOrder(ctx context.Context, number string) (StoredPO, error) {
	po, err := queryOne(ctx, d.r, poDest, "SELECT "+poCols+" FROM purchase_orders WHERE number = ?", number)
	if err == nil {
		err = d.loadLines(ctx, []*StoredPO{&po})
	}
	if err != nil {
		return po, fmt.Errorf("get purchase order %s: %w", number, err)
	}
	return po, nil
}

// PurchaseOrders lists orders in the given statuses (every order when
// none is given), newest first, with their lines.
func (d *DB) PurchaseOrders(ctx context.Context, page Page, statuses ...inventory.POStatus) ([]StoredPO, error) {
	q := "SELECT " + poCols + " FROM purchase_orders"
	args := make([]any, len(statuses))
	for i, s := range statuses {
		args[i] = s
	}
	if len(statuses) > 0 {
		q += " WHERE status IN (" + placeholders(len(statuses)) + ")"
	}
	out, err := queryAll(ctx, d.r, poDest, q+" ORDER BY created DESC, number"+page.clause(), args...)
	if err == nil {
		ptrs := make([]*StoredPO, len(out))
		for i := range out {
			ptrs[i] = &out[i]
		}
		err = d.loadLines(ctx, ptrs)
	}
	if err != nil {
		return nil, fmt.Errorf("list purchase orders: %w", err)
	}
	return out, nil
}

func (d *DB) loadLines(ctx context.Context, pos []*StoredPO) error {
	for _, po := range pos {
		lines, err := queryAll(ctx, d.r, func(l *inventory.POLine) []any {
			return []any{&l.SKU, &l.Quantity, &l.UnitCost, &l.Status, &l.Backordered, &l.Received}
		}, "SELECT sku, quantity, unit_cost, status, backordered, received FROM purchase_order_lines WHERE po_number = ? ORDER BY sku", po.Number)
		if err != nil {
			return err
		}
		po.Lines = lines
	}
	return nil
}

// OnOrder returns, per SKU, what open purchase orders will still deliver.
func (d *DB) OnOrder(ctx context.Context) (map[inventory.SKU]float64, error) {
	pos, err := d.PurchaseOrders(ctx, All, inventory.POApproved, inventory.POAwaitingSupplier, inventory.POSent, inventory.POAcknowledged,
		inventory.POBackordered, inventory.POPartiallyReceived)
	if err != nil {
		return nil, err
	}
	out := map[inventory.SKU]float64{}
	for _, po := range pos {
		for sku, q := range po.PurchaseOrder.OnOrder() {
			out[sku] += q
		}
	}
	return out, nil
}
