-- Appointments the eligibility bot checks, and the plan of each sweep.
--
-- appointments stands in for the scheduling system: rows imported from a
-- roster spreadsheet (kind 'roster'; a later import of the same dates
-- cancels the rows it no longer lists) and one-off check requests (kind
-- 'check'). Workflows carry only the opaque id; the patient's identity
-- stays here.
CREATE TABLE appointments (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    appt_date     TEXT NOT NULL,
    payer_id      TEXT NOT NULL,
    patient_id    TEXT NOT NULL DEFAULT '',
    member_id     TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    dob           TEXT NOT NULL,
    provider_npi  TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    source_row    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    cancelled_at  TEXT
);
CREATE INDEX appointments_date ON appointments (appt_date, kind, cancelled_at);

-- One row per distinct member/payer checked by a sweep (appointments of the
-- same member at the same payer share it), numbered 0..n-1 so the sweep
-- workflow can hand out chunks by number.
CREATE TABLE eligibility_sweep_checks (
    sweep_id       TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    appointment_id TEXT NOT NULL,
    appointments   INTEGER NOT NULL DEFAULT 1,
    payer_id       TEXT NOT NULL,
    result_id      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT '',
    flags          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sweep_id, seq)
);
