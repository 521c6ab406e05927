-- Appends only at the end (issue 14). SQLite fires no DELETE trigger for
-- the row INSERT OR REPLACE (REPLACE INTO) removes, so 0006's triggers let
-- a replace rewrite any entry: a row may now only be inserted as the next
-- entry, which an existing seq never is. UPSERT's DO UPDATE fires the
-- UPDATE triggers. (phi_access_patients and phi_access_batches need no
-- such trigger: every column is their key, so a REPLACE can only write
-- the row it removes.)
CREATE TRIGGER phi_access_log_append_at_end BEFORE INSERT ON phi_access_log
WHEN NEW.seq <> COALESCE((SELECT MAX(seq) FROM phi_access_log), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'phi_access_log is append-only: a new entry must be the next');
END;
-- The tree's hashes (0012) are append-only too.
CREATE TRIGGER phi_access_tree_append_at_end BEFORE INSERT ON phi_access_tree
WHEN NEW.idx <> COALESCE((SELECT MAX(idx) FROM phi_access_tree), -1) + 1
BEGIN
    SELECT RAISE(ABORT, 'phi_access_tree is append-only: a new hash must be the next');
END;
CREATE TRIGGER phi_access_tree_no_update BEFORE UPDATE ON phi_access_tree
BEGIN
    SELECT RAISE(ABORT, 'phi_access_tree is append-only');
END;
CREATE TRIGGER phi_access_tree_no_delete BEFORE DELETE ON phi_access_tree
BEGIN
    SELECT RAISE(ABORT, 'phi_access_tree is append-only');
END;
