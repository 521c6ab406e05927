-- The PHI access log: append-only (see the triggers in 0006) and
-- hash-chained: hash = SHA-256(prev_hash || canonical row), see accesslog.go.

CREATE TABLE phi_access_log (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    username    TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    batch_id    TEXT NOT NULL DEFAULT '',
    claim_id    TEXT NOT NULL DEFAULT '',
    patient_id  TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX phi_access_log_at ON phi_access_log (at);
CREATE INDEX phi_access_log_user ON phi_access_log (username, at);
CREATE INDEX phi_access_log_patient ON phi_access_log (patient_id, at);
