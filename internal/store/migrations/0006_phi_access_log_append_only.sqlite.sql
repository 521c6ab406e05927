-- Reject any change to the PHI access log once written.
CREATE TRIGGER phi_access_log_no_update BEFORE UPDATE ON phi_access_log
BEGIN
    SELECT RAISE(ABORT, 'phi_access_log is append-only');
END;
CREATE TRIGGER phi_access_log_no_delete BEFORE DELETE ON phi_access_log
BEGIN
    SELECT RAISE(ABORT, 'phi_access_log is append-only');
END;
