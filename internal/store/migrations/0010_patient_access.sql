-- "Who saw patient X?": the patients each PHI access showed (issue 14).
--
-- Patients are opaque patient keys (claim.PatientKey: keyed tags of the
-- practice's account number or of payer and member ID), never plaintext.
-- phi_access_patients lists the patients an access showed (a page of
-- claims, one claim, a sweep's results); phi_access_batches marks an
-- access that showed every patient of a batch (an export, a download),
-- resolved through batch_patients, which SaveClaims fills and which, like
-- these tables, is kept when the batch is deleted. Entries are bound into
-- the access log's hash chain (see AccessEvent.chainHash).

CREATE TABLE phi_access_patients (
    seq         BIGINT NOT NULL,
    patient_key TEXT NOT NULL,
    PRIMARY KEY (patient_key, seq)
);
CREATE INDEX phi_access_patients_seq ON phi_access_patients (seq);

CREATE TABLE phi_access_batches (
    seq      BIGINT NOT NULL,
    batch_id TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE batch_patients (
    batch_id    TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    PRIMARY KEY (patient_key, batch_id)
);
CREATE INDEX batch_patients_batch ON batch_patients (batch_id);
