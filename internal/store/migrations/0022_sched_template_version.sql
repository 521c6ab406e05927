-- A provider's template carries a version that every save bumps, so an
-- admin's edit based on an older version is refused instead of silently
-- overwriting another admin's (optimistic concurrency). Templates stored
-- before start at version 1.
ALTER TABLE sched_providers ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
