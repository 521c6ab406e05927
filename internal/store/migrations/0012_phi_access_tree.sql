-- The PHI access log's Merkle tree (issue 14): every entry is a leaf of a
-- tree built as golang.org/x/mod/sumdb/tlog builds it, and the tree's
-- size and root are signed into checkpoints kept outside the database
-- (see internal/auditlog and AccessEvent.record). This table holds the
-- tree's stored hashes, numbered as tlog.StoredHashIndex numbers them
-- (hex SHA-256), so inclusion and consistency proofs can be made without
-- rehashing the log. It is append-only (0013).

CREATE TABLE phi_access_tree (
    idx  BIGINT PRIMARY KEY,
    hash TEXT NOT NULL
);
