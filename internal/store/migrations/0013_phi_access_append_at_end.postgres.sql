-- Appends only at the end (issue 14). INSERT ... ON CONFLICT DO UPDATE
-- fires 0006's UPDATE trigger; an entry may now also only be inserted as
-- the next one, so no insert (with or without ON CONFLICT) lands among or
-- on existing entries.
CREATE FUNCTION phi_access_log_append_at_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> COALESCE((SELECT MAX(seq) FROM phi_access_log), 0) + 1 THEN
        RAISE EXCEPTION 'phi_access_log is append-only: a new entry must be the next';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER phi_access_log_append_at_end BEFORE INSERT ON phi_access_log
    FOR EACH ROW EXECUTE FUNCTION phi_access_log_append_at_end();

-- The tree's hashes (0012) are append-only too.
CREATE FUNCTION phi_access_tree_append_at_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.idx <> COALESCE((SELECT MAX(idx) FROM phi_access_tree), -1) + 1 THEN
        RAISE EXCEPTION 'phi_access_tree is append-only: a new hash must be the next';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER phi_access_tree_append_at_end BEFORE INSERT ON phi_access_tree
    FOR EACH ROW EXECUTE FUNCTION phi_access_tree_append_at_end();
CREATE TRIGGER phi_access_tree_no_change BEFORE UPDATE OR DELETE ON phi_access_tree
    FOR EACH ROW EXECUTE FUNCTION phi_access_log_append_only();
CREATE TRIGGER phi_access_tree_no_truncate BEFORE TRUNCATE ON phi_access_tree
    FOR EACH STATEMENT EXECUTE FUNCTION phi_access_log_append_only();
