-- The patients of PHI accesses are append-only, like the log (0006).
CREATE TRIGGER phi_access_patients_no_update BEFORE UPDATE ON phi_access_patients
BEGIN
    SELECT RAISE(ABORT, 'phi_access_patients is append-only');
END;
CREATE TRIGGER phi_access_patients_no_delete BEFORE DELETE ON phi_access_patients
BEGIN
    SELECT RAISE(ABORT, 'phi_access_patients is append-only');
END;
CREATE TRIGGER phi_access_batches_no_update BEFORE UPDATE ON phi_access_batches
BEGIN
    SELECT RAISE(ABORT, 'phi_access_batches is append-only');
END;
CREATE TRIGGER phi_access_batches_no_delete BEFORE DELETE ON phi_access_batches
BEGIN
    SELECT RAISE(ABORT, 'phi_access_batches is append-only');
END;
