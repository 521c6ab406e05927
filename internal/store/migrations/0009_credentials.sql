-- Credentials that end when they should (issue 14).
--
-- Failed sign-ins are counted per account and client address, so guesses
-- from one place lock that place out, never the account everywhere; the
-- per-account count and lock of 0004 are dropped. Passwords someone else
-- set (generated, reset by an administrator) must be changed at the next
-- sign-in. API tokens expire; tokens issued before carry no expiry and
-- are treated as expiring 90 days after they were created (auth).

CREATE TABLE login_failures (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_addr  TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    last_at      TEXT NOT NULL,
    locked_until TEXT,
    PRIMARY KEY (user_id, client_addr)
);

ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;

ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
