-- Each item's forecast and policy as the last inventory review computed
-- them (review.Policy), so the items pages read them instead of
-- recomputing every item's policy on each view. A review replaces the
-- whole table; an item imported since has no row until the next review.
-- daily_variance and level_error are the demand model the stock-out risk
-- is worked out from with the stock on hand of the moment; item_key is
-- what of the item the policy was computed from (review.ItemKey), so a
-- policy computed before the item master changed it is not used.
CREATE TABLE inventory_policies (
    sku                TEXT PRIMARY KEY REFERENCES inventory_items (sku),
    demand_class       TEXT NOT NULL,
    forecast_method    TEXT NOT NULL,
    daily_mean         DOUBLE PRECISION NOT NULL,
    reorder_point      DOUBLE PRECISION NOT NULL,
    order_up_to        DOUBLE PRECISION NOT NULL,
    safety_stock       DOUBLE PRECISION NOT NULL,
    expected_fill_rate DOUBLE PRECISION NOT NULL,
    lead_days          INTEGER NOT NULL,
    daily_variance     DOUBLE PRECISION NOT NULL,
    level_error        DOUBLE PRECISION NOT NULL,
    reviewed           TEXT NOT NULL,
    computed_at        TEXT NOT NULL,
    item_key           TEXT NOT NULL
);
