-- The patients of PHI accesses are append-only, like the log (0006).
CREATE TRIGGER phi_access_patients_no_change BEFORE UPDATE OR DELETE ON phi_access_patients
    FOR EACH ROW EXECUTE FUNCTION phi_access_log_append_only();
CREATE TRIGGER phi_access_patients_no_truncate BEFORE TRUNCATE ON phi_access_patients
    FOR EACH STATEMENT EXECUTE FUNCTION phi_access_log_append_only();
CREATE TRIGGER phi_access_batches_no_change BEFORE UPDATE OR DELETE ON phi_access_batches
    FOR EACH ROW EXECUTE FUNCTION phi_access_log_append_only();
CREATE TRIGGER phi_access_batches_no_truncate BEFORE TRUNCATE ON phi_access_batches
    FOR EACH STATEMENT EXECUTE FUNCTION phi_access_log_append_only();
