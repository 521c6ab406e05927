-- Eligibility results, nightly sweeps and work items for staff.
-- member_key is a keyed hash of the member ID the caller computes; the raw
-- member ID lives only inside the result JSON.

CREATE TABLE eligibility_sweeps (
    id            TEXT PRIMARY KEY,
    sweep_date    TEXT NOT NULL,
    status        TEXT NOT NULL,
    members       INTEGER NOT NULL DEFAULT 0,
    checked       INTEGER NOT NULL DEFAULT 0,
    active        INTEGER NOT NULL DEFAULT 0,
    inactive      INTEGER NOT NULL DEFAULT 0,
    unknown       INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    discrepancies INTEGER NOT NULL DEFAULT 0,
    workflow_id   TEXT NOT NULL DEFAULT '',
    worklist_ref  TEXT NOT NULL DEFAULT '',
    started_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    completed_at  TEXT
);
CREATE INDEX eligibility_sweeps_date ON eligibility_sweeps (sweep_date, started_at);

CREATE TABLE eligibility_results (
    id         TEXT PRIMARY KEY,
    sweep_id   TEXT NOT NULL DEFAULT '',
    patient_id TEXT NOT NULL DEFAULT '',
    payer_id   TEXT NOT NULL,
    member_key TEXT NOT NULL,
    dos        TEXT NOT NULL,
    status     TEXT NOT NULL,
    result     TEXT NOT NULL DEFAULT '',
    raw_ref    TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL
);
CREATE INDEX eligibility_results_member ON eligibility_results (payer_id, member_key, dos, checked_at);
CREATE INDEX eligibility_results_sweep ON eligibility_results (sweep_id);
CREATE INDEX eligibility_results_dos ON eligibility_results (dos);

CREATE TABLE work_items (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    sweep_id    TEXT NOT NULL DEFAULT '',
    result_id   TEXT NOT NULL DEFAULT '',
    patient_id  TEXT NOT NULL DEFAULT '',
    payer_id    TEXT NOT NULL DEFAULT '',
    reason_code TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX work_items_status ON work_items (status, created_at);
