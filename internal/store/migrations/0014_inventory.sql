-- The inventory bot: supply items, suppliers, supply rooms, lots with
-- expiry dates, every stock movement, and purchase orders with their
-- lines. Quantities are DOUBLE PRECISION (items are counted in units that
-- may be fractional: mL); money per unit too (gloves cost fractions of a
-- cent), order totals are integer cents.
CREATE TABLE inventory_items (
    sku               TEXT PRIMARY KEY,
    description       TEXT NOT NULL DEFAULT '',
    unit              TEXT NOT NULL DEFAULT '',
    criticality       TEXT NOT NULL DEFAULT '',
    supplier_id       TEXT NOT NULL DEFAULT '',
    unit_cost         DOUBLE PRECISION NOT NULL,
    order_cost        DOUBLE PRECISION NOT NULL DEFAULT 0,
    lead_time_days    DOUBLE PRECISION NOT NULL,
    lead_time_sd_days DOUBLE PRECISION NOT NULL DEFAULT 0,
    order_multiple    DOUBLE PRECISION NOT NULL DEFAULT 0,
    min_order_qty     DOUBLE PRECISION NOT NULL DEFAULT 0,
    shelf_life_days   INTEGER NOT NULL DEFAULT 0,
    target_fill_rate  DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated_at        TEXT NOT NULL
);

CREATE TABLE inventory_suppliers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL DEFAULT '',
    lead_time_days    DOUBLE PRECISION NOT NULL DEFAULT 0,
    lead_time_sd_days DOUBLE PRECISION NOT NULL DEFAULT 0,
    cutoff_seconds    INTEGER NOT NULL DEFAULT 0,
    updated_at        TEXT NOT NULL
);

CREATE TABLE inventory_locations (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT ''
);

-- One row per lot of an item at a location; quantity is what is on the
-- shelf now (movements say how it got there). lot_number '' is stock whose
-- lot is not tracked.
CREATE TABLE inventory_lots (
    sku         TEXT NOT NULL REFERENCES inventory_items (sku),
    location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    lot_number  TEXT NOT NULL DEFAULT '',
    quantity    DOUBLE PRECISION NOT NULL,
    received    TEXT,
    expires     TEXT,
    PRIMARY KEY (sku, location_id, lot_number)
);
CREATE INDEX inventory_lots_expires ON inventory_lots (expires);

-- Every change to stock, append-only. id is the caller's idempotency key
-- (a usage export's day and item, a count sheet's line, a receipt), so a
-- retried import or activity records a movement once.
CREATE TABLE inventory_movements (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL DEFAULT '',
    lot_number  TEXT NOT NULL DEFAULT '',
    day         TEXT NOT NULL,
    quantity    DOUBLE PRECISION NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
CREATE INDEX inventory_movements_kind_day ON inventory_movements (kind, day, sku);
CREATE INDEX inventory_movements_sku ON inventory_movements (sku, day);

-- Purchase orders: number is the business key the supplier deduplicates
-- on. workflow_id is the PurchaseOrder workflow that owns it.
CREATE TABLE purchase_orders (
    number      TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    created     TEXT NOT NULL,
    expected    TEXT,
    total_cents BIGINT NOT NULL DEFAULT 0,
    reason      TEXT NOT NULL DEFAULT '',
    workflow_id TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX purchase_orders_status ON purchase_orders (status, created);

CREATE TABLE purchase_order_lines (
    po_number   TEXT NOT NULL REFERENCES purchase_orders (number) ON DELETE CASCADE,
    sku         TEXT NOT NULL,
    quantity    DOUBLE PRECISION NOT NULL,
    unit_cost   DOUBLE PRECISION NOT NULL,
    status      TEXT NOT NULL,
    backordered DOUBLE PRECISION NOT NULL DEFAULT 0,
    received    DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (po_number, sku)
);
