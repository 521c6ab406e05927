-- The access-monitoring bot (issue 13): imported EHR access logs, rcmbot's
-- own sign-in events, alerts and their cases, per-rule thresholds with
-- their history, and the watch's cursors.

-- One import of an EHR access log with its rosters and encounters. The
-- rosters and encounters are kept sealed (patient names, addresses, dates
-- of birth), as one JSON document the scan loads; row_errors holds the
-- bad rows found (file, row, column and why: never a value).
CREATE TABLE audit_imports (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL DEFAULT '',
    events      BIGINT NOT NULL,
    first_at    TEXT,
    last_at     TEXT,
    staff       INTEGER NOT NULL,
    patients    INTEGER NOT NULL,
    encounters  INTEGER NOT NULL,
    bad_rows    INTEGER NOT NULL,
    row_errors  TEXT NOT NULL DEFAULT '[]',
    directory   TEXT NOT NULL DEFAULT ''
);

-- The imported accesses, one row per good row of the access log.
CREATE TABLE audit_events (
    import_id   TEXT NOT NULL REFERENCES audit_imports (id) ON DELETE CASCADE,
    n           BIGINT NOT NULL,
    at          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    patient_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    workstation TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, n)
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_patient ON audit_events (patient_id, at);
CREATE INDEX audit_events_user ON audit_events (user_id, at);

-- rcmbot's own sign-ins: password sign-ins (success, failure, lockout)
-- and API-token use. seq is assigned on append, 1, 2, 3 ...
CREATE TABLE audit_sign_ins (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    account     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    client_addr TEXT NOT NULL DEFAULT '',
    agent       TEXT NOT NULL DEFAULT '',
    token_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_sign_ins_at ON audit_sign_ins (at);
CREATE INDEX audit_sign_ins_account ON audit_sign_ins (account, at);

-- Alerts, each with its case: one per (rule, user, patient, address) key
-- while its case is open; a finding after the case closed opens another.
CREATE TABLE audit_alerts (
    id           TEXT PRIMARY KEY,
    alert_key    TEXT NOT NULL,
    rule         TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    patient_id   TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    score        INTEGER NOT NULL,
    first_at     TEXT NOT NULL,
    last_at      TEXT NOT NULL,
    events       INTEGER NOT NULL,
    explanation  TEXT NOT NULL,
    source       TEXT NOT NULL,
    state        TEXT NOT NULL,
    disposition  TEXT NOT NULL DEFAULT '',
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TEXT,
    reminded_at  TEXT,
    case_started BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX audit_alerts_key ON audit_alerts (alert_key, created_at);
CREATE INDEX audit_alerts_state ON audit_alerts (state, score);
CREATE INDEX audit_alerts_patient ON audit_alerts (patient_id);
CREATE INDEX audit_alerts_user ON audit_alerts (user_id);

-- A case's decisions, in order (an escalation, then the closing one).
-- The note is sealed: it may name the patient.
CREATE TABLE audit_case_decisions (
    alert_id    TEXT NOT NULL REFERENCES audit_alerts (id),
    decision_id TEXT NOT NULL UNIQUE,
    n           INTEGER NOT NULL,
    disposition TEXT NOT NULL,
    state       TEXT NOT NULL,
    note        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (alert_id, n)
);

-- Each rule's threshold when tuned away from the default, and every
-- tuning verdict that moved or kept one, with its reason.
CREATE TABLE audit_thresholds (
    rule       TEXT PRIMARY KEY,
    threshold  INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE audit_threshold_changes (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    rule        TEXT NOT NULL,
    from_value  INTEGER NOT NULL,
    to_value    INTEGER NOT NULL,
    reviewed    INTEGER NOT NULL,
    appropriate INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL,
    reason      TEXT NOT NULL
);

-- Where the watch has read up to (the PHI access log's and the sign-ins'
-- seq), and the baselines the last scan learned (JSON, no patient data).
CREATE TABLE audit_cursors (
    name       TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE audit_baselines (
    id         INTEGER PRIMARY KEY,
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
