-- Batches of uploaded claims, their claims, service lines, scrub findings,
-- intake row errors and the review log. Timestamps are fixed-width UTC text
-- (see package store), dates YYYY-MM-DD text, money integer cents.

CREATE TABLE batches (
    id               TEXT PRIMARY KEY,
    file_name        TEXT NOT NULL,
    upload_ref       TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    failure_reason   TEXT NOT NULL DEFAULT '',
    claims           INTEGER NOT NULL DEFAULT 0,
    lines            INTEGER NOT NULL DEFAULT 0,
    clean            INTEGER NOT NULL DEFAULT 0,
    flagged          INTEGER NOT NULL DEFAULT 0,
    errors           INTEGER NOT NULL DEFAULT 0,
    warnings         INTEGER NOT NULL DEFAULT 0,
    approved         INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    overridden       INTEGER NOT NULL DEFAULT 0,
    submitted        INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0,
    payer_rejected   INTEGER NOT NULL DEFAULT 0,
    unreviewed       INTEGER NOT NULL DEFAULT 0,
    charges_total    BIGINT NOT NULL DEFAULT 0,
    charges_held     BIGINT NOT NULL DEFAULT 0,
    charges_at_risk  BIGINT NOT NULL DEFAULT 0,
    workflow_id      TEXT NOT NULL DEFAULT '',
    uploaded_by      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    completed_at     TEXT,
    upload_purged_at TEXT,
    deleted_at       TEXT
);
CREATE INDEX batches_created ON batches (created_at);

-- Chunks already saved, so a retried activity does not save one twice.
CREATE TABLE batch_chunks (
    batch_id    TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (batch_id, kind, chunk_index)
);

CREATE TABLE claims (
    batch_id      TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    claim_id      TEXT NOT NULL,
    chunk_index   INTEGER NOT NULL,
    chunk_pos     INTEGER NOT NULL,
    patient_id    TEXT NOT NULL DEFAULT '',
    patient_key   TEXT NOT NULL DEFAULT '',
    payer_id      TEXT NOT NULL DEFAULT '',
    billing_npi   TEXT NOT NULL DEFAULT '',
    first_dos     TEXT,
    total_charge  BIGINT NOT NULL DEFAULT 0,
    line_count    INTEGER NOT NULL DEFAULT 0,
    score         INTEGER NOT NULL DEFAULT 0,
    tier          TEXT NOT NULL,
    state         TEXT NOT NULL,
    errors        INTEGER NOT NULL DEFAULT 0,
    warnings      INTEGER NOT NULL DEFAULT 0,
    reviewer      TEXT NOT NULL DEFAULT '',
    review_reason TEXT NOT NULL DEFAULT '',
    reviewed_at   TEXT,
    data          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (batch_id, claim_id)
);
CREATE INDEX claims_order ON claims (batch_id, chunk_index, chunk_pos);
CREATE INDEX claims_state ON claims (state, tier);
CREATE INDEX claims_patient ON claims (patient_id);
CREATE INDEX claims_payer_dos ON claims (payer_id, first_dos);

CREATE TABLE claim_lines (
    batch_id       TEXT NOT NULL,
    claim_id       TEXT NOT NULL,
    line_no        INTEGER NOT NULL,
    patient_key    TEXT NOT NULL DEFAULT '',
    payer_id       TEXT NOT NULL DEFAULT '',
    dos_from       TEXT,
    dos_to         TEXT,
    procedure_code TEXT NOT NULL DEFAULT '',
    modifiers      TEXT NOT NULL DEFAULT '',
    units          DOUBLE PRECISION NOT NULL DEFAULT 0,
    charge         BIGINT NOT NULL DEFAULT 0,
    rendering_npi  TEXT NOT NULL DEFAULT '',
    billing_npi    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, claim_id, line_no),
    FOREIGN KEY (batch_id, claim_id) REFERENCES claims (batch_id, claim_id) ON DELETE CASCADE
);
CREATE INDEX claim_lines_patient_dos ON claim_lines (patient_key, dos_from);

CREATE TABLE findings (
    batch_id     TEXT NOT NULL,
    claim_id     TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    line_no      INTEGER NOT NULL DEFAULT 0,
    category     TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    severity     TEXT NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL DEFAULT '',
    fix          TEXT NOT NULL DEFAULT '',
    carc         TEXT NOT NULL DEFAULT '',
    points       INTEGER NOT NULL DEFAULT 0,
    sheet_row    INTEGER NOT NULL DEFAULT 0,
    sheet_column TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, claim_id, seq),
    FOREIGN KEY (batch_id, claim_id) REFERENCES claims (batch_id, claim_id) ON DELETE CASCADE
);
CREATE INDEX findings_category ON findings (batch_id, category, severity);

CREATE TABLE row_errors (
    batch_id     TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    chunk_index  INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    sheet        TEXT NOT NULL DEFAULT '',
    sheet_row    INTEGER NOT NULL DEFAULT 0,
    sheet_column TEXT NOT NULL DEFAULT '',
    header       TEXT NOT NULL DEFAULT '',
    cell_value   TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL,
    claim_id     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, chunk_index, seq)
);

CREATE TABLE review_actions (
    id             TEXT PRIMARY KEY,
    batch_id       TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    claim_id       TEXT NOT NULL,
    action         TEXT NOT NULL,
    reviewer       TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    changed_fields TEXT NOT NULL DEFAULT '',
    at             TEXT NOT NULL
);
CREATE INDEX review_actions_claim ON review_actions (batch_id, claim_id, at);
CREATE INDEX review_actions_at ON review_actions (at);
