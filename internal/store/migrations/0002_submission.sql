-- The submission ledger: interchanges (837P files) and the claims each
-- carries, exactly once per claim; control numbers; acknowledgements.

CREATE TABLE control_numbers (
    kind        TEXT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE interchanges (
    id              TEXT PRIMARY KEY,
    batch_id        TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    control_number  BIGINT NOT NULL,
    group_number    BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payer_id        TEXT NOT NULL DEFAULT '',
    content         TEXT NOT NULL DEFAULT '',
    blob_ref        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    ack_code        TEXT NOT NULL DEFAULT '',
    ack_detail      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    acked_at        TEXT
);
CREATE INDEX interchanges_batch ON interchanges (batch_id, status);

CREATE TABLE submitted_claims (
    batch_id           TEXT NOT NULL,
    claim_id           TEXT NOT NULL,
    interchange_id     TEXT NOT NULL REFERENCES interchanges (id) ON DELETE CASCADE,
    status             TEXT NOT NULL,
    ack_category       TEXT NOT NULL DEFAULT '',
    ack_code           TEXT NOT NULL DEFAULT '',
    payer_claim_number TEXT NOT NULL DEFAULT '',
    message            TEXT NOT NULL DEFAULT '',
    queued_at          TEXT NOT NULL,
    sent_at            TEXT,
    acked_at           TEXT,
    PRIMARY KEY (batch_id, claim_id),
    FOREIGN KEY (batch_id, claim_id) REFERENCES claims (batch_id, claim_id) ON DELETE CASCADE
);
CREATE INDEX submitted_claims_interchange ON submitted_claims (interchange_id);
CREATE INDEX submitted_claims_claim ON submitted_claims (claim_id, queued_at);
