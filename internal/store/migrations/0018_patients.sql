-- Patients and their coverage, kept between uploads so that the next
-- claims file can leave out what rcmbot already knows (issue 15).
-- patient_key is the claim's opaque patient key (claim.PatientKey: the
-- tag of the practice's account number, else of the payer and member ID);
-- data is the patient record (name, DOB, sex, address, coverages in
-- order) as JSON, sealed like claims.data.
CREATE TABLE patients (
    patient_key TEXT PRIMARY KEY,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
