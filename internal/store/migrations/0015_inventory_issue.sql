-- Usage draws stock down: a day's usage of an item is issued from its lots
-- first-expiring-first as issue movements, and the demand the lots could
-- not meet is recorded on the usage movement.
--
-- inventory_lots.counted is the day of a lot's last cycle count: usage of
-- earlier days is already in the count and is not issued from the lot.
-- Lots counted before this migration get the day of their last count.
ALTER TABLE inventory_lots ADD COLUMN counted TEXT;
UPDATE inventory_lots SET counted = (
    SELECT MAX(m.day) FROM inventory_movements m
    WHERE m.kind = 'count' AND m.sku = inventory_lots.sku
      AND m.location_id = inventory_lots.location_id AND m.lot_number = inventory_lots.lot_number);

-- inventory_movements.unmet, on usage movements: the demand no usable lot
-- could meet (a stock-out). NULL when the item's stock that day is not
-- known to the store (usage recorded before this migration, or before the
-- item's first count or receipt): the report estimates those days.
ALTER TABLE inventory_movements ADD COLUMN unmet DOUBLE PRECISION;
