-- The scheduling bot: providers' weekly templates (with their blocked
-- dates and hours), clinic holidays, visit types, patients' contact,
-- preferences and insurance, appointment requests, booked appointments,
-- the slot holds that keep a slot from being booked twice, waitlist
-- offers and attendance history. Templates and preferences are JSON in
-- the domain's own format (schedule.Provider, schedule.Window).
CREATE TABLE sched_providers (
    id         TEXT PRIMARY KEY,
    template   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sched_holidays (
    holiday_date TEXT PRIMARY KEY,
    kind         TEXT NOT NULL
);

CREATE TABLE sched_visit_types (
    id           TEXT PRIMARY KEY,
    minutes      INTEGER NOT NULL,
    provider_ids TEXT NOT NULL DEFAULT ''
);

-- PHI: names, contact, date of birth and insurance.
CREATE TABLE sched_patients (
    id         TEXT PRIMARY KEY,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    dob        TEXT,
    payer_id   TEXT NOT NULL DEFAULT '',
    member_id  TEXT NOT NULL DEFAULT '',
    preferred  TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);

CREATE TABLE sched_requests (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL,
    visit_type    TEXT NOT NULL,
    requested_on  TEXT NOT NULL,
    earliest      TEXT NOT NULL,
    latest        TEXT NOT NULL,
    provider_ids  TEXT NOT NULL DEFAULT '',
    preferred     TEXT NOT NULL DEFAULT '',
    urgency       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    options       TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX sched_requests_status ON sched_requests (status, created_at);

-- Every appointment ever booked, whatever became of it. A booked visit
-- of an insured patient also has a row (same id, kind 'booked') in
-- appointments, which the eligibility sweep reads.
CREATE TABLE sched_appointments (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL DEFAULT '',
    patient_id  TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    appt_date   TEXT NOT NULL,
    start_min   INTEGER NOT NULL,
    visit_type  TEXT NOT NULL,
    booked_on   TEXT,
    status      TEXT NOT NULL,
    no_show_p   DOUBLE PRECISION,
    link_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX sched_appointments_day ON sched_appointments (appt_date, provider_id);
CREATE INDEX sched_appointments_request ON sched_appointments (request_id);
CREATE UNIQUE INDEX sched_appointments_token ON sched_appointments (link_token);

-- One row per appointment holding a slot: seat 0 is the slot's first
-- patient, seats 1.. its overbookings. The primary key is what keeps two
-- concurrent bookings out of one seat; cancelling or recording an outcome
-- deletes the hold.
CREATE TABLE sched_slot_holds (
    provider_id    TEXT NOT NULL,
    appt_date      TEXT NOT NULL,
    start_min      INTEGER NOT NULL,
    seat           INTEGER NOT NULL,
    appointment_id TEXT NOT NULL UNIQUE,
    PRIMARY KEY (provider_id, appt_date, start_min, seat)
);

-- Offers of a freed slot to waitlisted requests, one at a time.
CREATE TABLE sched_offers (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    appt_date   TEXT NOT NULL,
    start_min   INTEGER NOT NULL,
    state       TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX sched_offers_request ON sched_offers (request_id);

-- Attendance history: imported, and each outcome the front desk records
-- (id = the appointment's, so recording it again changes nothing).
CREATE TABLE sched_attendance (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL,
    provider_id TEXT NOT NULL DEFAULT '',
    visit_type  TEXT NOT NULL DEFAULT '',
    visit_date  TEXT NOT NULL,
    start_min   INTEGER NOT NULL,
    lead_days   INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX sched_attendance_date ON sched_attendance (visit_date);
