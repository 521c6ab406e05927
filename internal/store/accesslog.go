package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/mod/sumdb/tlog"
)

// AccessAction names what a user did with patient data.
type AccessAction string

// The PHI access actions rcmbot logs. Other packages may log others.
const (
	AccessViewClaim        AccessAction = "view_claim"
	AccessViewFindings     AccessAction = "view_findings"
	AccessDownloadWorkbook AccessAction = "download_workbook"
	AccessDownload837P     AccessAction = "download_837p"
	AccessExportFindings   AccessAction = "export_findings"
	AccessViewEligibility  AccessAction = "view_eligibility"
	AccessCodecDecode      AccessAction = "codec_decode"
)

// AccessOutcome is whether access was granted.
type AccessOutcome string

// The outcomes.
const (
	AccessAllowed AccessOutcome = "allowed"
	AccessDenied  AccessOutcome = "denied"
)

// AccessEvent is one entry of the PHI access log. Entries cannot be
// changed, deleted or replaced (the database rejects it), are
// hash-chained (Hash = SHA-256(PrevHash || canonical entry), checked by
// VerifyAuditChain) and are leaves of a Merkle tree whose signed
// checkpoints are kept outside the database (see accesstree.go and
// VerifyAccessLog), so that an edit by someone who owns the database and
// bypassed the triggers shows.
type AccessEvent struct {
	Seq        int64 // 1, 2, 3 ... assigned on append
	At         time.Time
	UserID     string
	Username   string
	Role       Role
	Action     AccessAction
	BatchID    string
	ClaimID    string
	PatientID  string // the one patient's key (claim.PatientKey); older entries: the account number
	ClientAddr string
	Outcome    AccessOutcome
	Detail     string // no PHI
	PrevHash   string // hex
	Hash       string // hex

	// Patients are the patient keys of every patient the access showed
	// (a page of claims, a sweep's results), and ShowedBatch the batch
	// whose every patient it showed (an export); see accesspatients.go.
	// AccessEvents and AccessEventsForPatient leave them empty.
	Patients    []string
	ShowedBatch string
}

// genesisHash is the PrevHash of the first entry.
var genesisHash = strings.Repeat("0", 64)

const accessCols = `seq, at, user_id, username, role, action, batch_id, claim_id, patient_id, client_addr,
	outcome, detail, prev_hash, hash`

func accessDest(e *AccessEvent) []any {
	return []any{&e.Seq, scanTime(&e.At), &e.UserID, &e.Username, &e.Role, &e.Action, &e.BatchID, &e.ClaimID,
		&e.PatientID, &e.ClientAddr, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash}
}

// chainHash returns the hash of e given its PrevHash. The canonical entry
// is the JSON array of its fields in column order, with At as stored, and
// the digest of the patients it showed when it names any.
func (e *AccessEvent) chainHash() string {
	fields := []any{e.Seq, e.At.UTC().Format(timeLayout), e.UserID, e.Username, e.Role, e.Action,
		e.BatchID, e.ClaimID, e.PatientID, e.ClientAddr, e.Outcome, e.Detail}
	if d := e.scopeDigest(); d != "" {
		fields = append(fields, d)
	}
	canon, _ := json.Marshal(fields)
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil))
}

// accessLockKey is the PostgreSQL transaction lock that serializes
// appends, so the chain has no forks. (SQLite serializes writers anyway.)
const accessLockKey = 0x72636d61756474 // "rcmaudt"

// AppendAccess appends an event to the PHI access log and returns it with
// Seq, At (if zero, now), PrevHash and Hash filled.
func (d *DB) AppendAccess(ctx context.Context, e AccessEvent) (AccessEvent, error) {
	if e.Action == "" || (e.Outcome != AccessAllowed && e.Outcome != AccessDenied) {
		return e, fmt.Errorf("append access event: an action and outcome allowed or denied are required: %w", ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Username = NormalizeUsername(e.Username)
	var size int64
	var root tlog.Hash
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if d.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", accessLockKey); err != nil {
				return err
			}
		}
		// The last entry, and how many hashes the tree stores (one round trip).
		var stored int64
		err := tx.QueryRowContext(ctx, "SELECT seq, hash, (SELECT COALESCE(MAX(idx) + 1, 0) FROM phi_access_tree) FROM phi_access_log ORDER BY seq DESC LIMIT 1").
			Scan(&e.Seq, &e.PrevHash, &stored)
		switch {
		case err == nil:
			e.Seq++
		case errors.Is(err, sql.ErrNoRows):
			e.Seq, e.PrevHash = 1, genesisHash
		default:
			return err
		}
		e.Hash = e.chainHash()
		_, err = exec(ctx, tx, "INSERT INTO phi_access_log ("+accessCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, ts(e.At), e.UserID, e.Username, e.Role, e.Action, e.BatchID, e.ClaimID, e.PatientID, e.ClientAddr,
			e.Outcome, e.Detail, e.PrevHash, e.Hash)
		if err != nil {
			return err
		}
		if err := insertScope(ctx, tx, &e); err != nil {
			return err
		}
		size, root, err = extendTree(ctx, tx, &e, stored)
		return err
	})
	if err == nil && d.audit != nil {
		err = d.signCheckpoint(size, root)
	}
	if err != nil {
		return e, fmt.Errorf("append access event %s: %w", e.Action, err)
	}
	return e, nil
}

// AccessFilter selects access events. Zero fields do not filter.
type AccessFilter struct {
	Username  string
	Action    AccessAction
	PatientID string
	ClaimID   string
	Outcome   AccessOutcome
	From      time.Time // inclusive
	To        time.Time // exclusive
}

// AccessEvents lists access events matching f, newest first.
func (d *DB) AccessEvents(ctx context.Context, f AccessFilter, p Page) ([]AccessEvent, error) {
	var c conditions
	if f.Username != "" {
		c.add("username = ?", NormalizeUsername(f.Username))
	}
	if f.Action != "" {
		c.add("action = ?", f.Action)
	}
	if f.PatientID != "" {
		c.add("patient_id = ?", f.PatientID)
	}
	if f.ClaimID != "" {
		c.add("claim_id = ?", f.ClaimID)
	}
	if f.Outcome != "" {
		c.add("outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		c.add("at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		c.add("at < ?", ts(f.To))
	}
	q := "SELECT " + accessCols + " FROM phi_access_log" + c.where()
	out, err := queryAll(ctx, d.r, accessDest, q+" ORDER BY seq DESC"+p.clause(), c.args...)
	if err != nil {
		return nil, fmt.Errorf("list access events: %w", err)
	}
	return out, nil
}

// ChainError says where the PHI access log's hash chain breaks.
type ChainError struct {
	Seq    int64  // the first entry that does not verify
	Reason string // what is wrong with it
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("PHI access log tampered with at entry %d: %s", e.Seq, e.Reason)
}

// VerifyAuditChain reads the whole PHI access log in order and checks
// that entries are numbered 1, 2, 3 ... without gaps, that each links to
// the previous entry's hash, and that each hash matches its content. It
// returns the number of entries verified, and a *ChainError at the first
// entry that fails. The chain is unkeyed: whoever owns the database can
// recompute it after an edit, and removing entries from the end leaves it
// intact. VerifyAccessLog checks against signed checkpoints kept outside
// the database, which catches both.
func (d *DB) VerifyAuditChain(ctx context.Context) (int64, error) {
	cur, err := d.openAccessCursor(ctx)
	if err != nil {
		return 0, fmt.Errorf("verify PHI access log: %w", err)
	}
	defer cur.close()
	var c chainCheck
	for {
		e, err := cur.next()
		if err == nil {
			err = c.check(&e)
		}
		if errors.Is(err, io.EOF) {
			return c.n, nil
		}
		if err != nil {
			if ce := (*ChainError)(nil); errors.As(err, &ce) {
				return c.n, err
			}
			return c.n, fmt.Errorf("verify PHI access log: %w", err)
		}
	}
}

// chainCheck follows the hash chain entry by entry.
type chainCheck struct {
	prev AccessEvent
	n    int64
}

// check returns a *ChainError when e does not follow the entries before.
func (c *chainCheck) check(e *AccessEvent) error {
	prevHash := c.prev.Hash
	if c.n == 0 {
		prevHash = genesisHash
	}
	switch {
	case e.Seq != c.prev.Seq+1:
		return &ChainError{Seq: c.prev.Seq + 1, Reason: fmt.Sprintf("entry missing (next entry is %d)", e.Seq)}
	case e.PrevHash != prevHash:
		return &ChainError{Seq: e.Seq, Reason: "link to the previous entry does not match"}
	case e.chainHash() != e.Hash:
		return &ChainError{Seq: e.Seq, Reason: "content does not match its hash"}
	}
	c.prev = *e
	c.n++
	return nil
}
