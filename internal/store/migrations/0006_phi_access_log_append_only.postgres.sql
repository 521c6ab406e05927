-- Reject any change to the PHI access log once written (TRUNCATE too).
CREATE FUNCTION phi_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'phi_access_log is append-only';
END;
$$;
CREATE TRIGGER phi_access_log_no_change BEFORE UPDATE OR DELETE ON phi_access_log
    FOR EACH ROW EXECUTE FUNCTION phi_access_log_append_only();
CREATE TRIGGER phi_access_log_no_truncate BEFORE TRUNCATE ON phi_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION phi_access_log_append_only();
