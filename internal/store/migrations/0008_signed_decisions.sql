-- Signed staff decisions kept as evidence of who decided (package
-- decision), and patient data sealed at rest.
--
-- signed_decisions.note is the signed note, sealed with the key ring (it
-- holds corrected values and reasons); review actions name the decision
-- they came from. claims.patient_id is no longer written: the patient is
-- indexed by its opaque patient_key only, and SealLegacyRows blanks it on
-- older rows as it seals their data.

CREATE TABLE signed_decisions (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    batch_id    TEXT REFERENCES batches (id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    signed_at   TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX signed_decisions_batch ON signed_decisions (batch_id, signed_at);

ALTER TABLE review_actions ADD COLUMN decision_id TEXT NOT NULL DEFAULT '';

DROP INDEX claims_patient;
