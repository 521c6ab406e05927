-- The practice's providers and facilities, set up in the app (issue 15):
-- the rendering and referring providers claims files name only by NPI,
-- and the places services are rendered. batch_provider_needs is, per
-- batch, the rendering NPIs its held claims lack a provider for.

CREATE TABLE providers (
    npi          TEXT PRIMARY KEY,
    entity       TEXT NOT NULL,
    last_name    TEXT NOT NULL DEFAULT '',
    first_name   TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    taxonomy     TEXT NOT NULL DEFAULT '',
    line1        TEXT NOT NULL DEFAULT '',
    line2        TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT '',
    zip          TEXT NOT NULL DEFAULT '',
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);

CREATE TABLE facilities (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    npi        TEXT NOT NULL DEFAULT '',
    line1      TEXT NOT NULL DEFAULT '',
    line2      TEXT NOT NULL DEFAULT '',
    city       TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT '',
    zip        TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);

CREATE TABLE batch_provider_needs (
    batch_id TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    npi      TEXT NOT NULL,
    claims   INTEGER NOT NULL,
    PRIMARY KEY (batch_id, npi)
);
CREATE INDEX batch_provider_needs_npi ON batch_provider_needs (npi);
