package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The patients an access showed (see AccessEvent.Patients): answering
// "who saw patient X, when and why" needs them per patient, kept as long
// as the access log and after the batch is deleted.
//
// A patient is its opaque patient key (claim.PatientKey), never a
// plaintext identifier. An access that showed a set of patients (a page
// of claims, a claim, a sweep's results) lists them in
// phi_access_patients: a page of 250 claims is one event and 250 short
// rows. One that showed every patient of a batch (an export, a download)
// names the batch in phi_access_batches, and batch_patients (written as
// claims are saved, kept when the batch is deleted) says who was in it.

// scopeDigest binds an event's patients and batch scope into its chain
// hash: SHA-256 of the sorted keys and the batch, hex. Events that name
// none have no digest, so entries written before kept their hashes.
func (e *AccessEvent) scopeDigest() string {
	if len(e.Patients) == 0 && e.ShowedBatch == "" {
		return ""
	}
	keys := slices.Clone(e.Patients)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	h.Write([]byte("batch\x00" + e.ShowedBatch))
	return hex.EncodeToString(h.Sum(nil))
}

// insertScope records the patients and batch an appended event showed.
func insertScope(ctx context.Context, tx *sqlx.Tx, e *AccessEvent) error {
	keys := slices.Clone(e.Patients)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, []any{e.Seq, k})
	}
	if err := insertRows(ctx, tx, "phi_access_patients", []string{"seq", "patient_key"}, rows, ""); err != nil {
		return err
	}
	if e.ShowedBatch == "" {
		return nil
	}
	_, err := exec(ctx, tx, "INSERT INTO phi_access_batches (seq, batch_id) VALUES (?, ?)", e.Seq, e.ShowedBatch)
	return err
}

// insertBatchPatients records that the patients keys are in a batch.
func insertBatchPatients(ctx context.Context, tx *sqlx.Tx, batchID string, keys []string) error {
	keys = distinct(keys)
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			rows = append(rows, []any{batchID, k})
		}
	}
	return insertRows(ctx, tx, "batch_patients", []string{"batch_id", "patient_key"}, rows, " ON CONFLICT DO NOTHING")
}

// scopeCursor walks every event's recorded scope in seq order, beside the
// log, for VerifyAuditChain and VerifyAccessLog.
type scopeCursor struct {
	rows *sql.Rows
	have bool
	scopeRow
	err error
}

// scopeRow is one patient ("p") or batch ("b") an event showed.
type scopeRow struct {
	seq  int64
	kind string // "b" batch, "p" patient
	val  string
}

func scopeDest(r *scopeRow) []any { return []any{&r.seq, &r.kind, &r.val} }

// scopeQuery selects the scopes of entries ? to ? (twice), in seq order.
const scopeQuery = `SELECT seq, 'p', patient_key FROM phi_access_patients WHERE seq >= ? AND seq <= ?
	UNION ALL SELECT seq, 'b', batch_id FROM phi_access_batches WHERE seq >= ? AND seq <= ? ORDER BY 1, 2, 3`

// openScopes walks the scopes of entries up to last.
func (d *DB) openScopes(ctx context.Context, last int64) (*scopeCursor, error) {
	rows, err := d.r.QueryContext(ctx, d.r.Rebind(scopeQuery), 1, last, 1, last)
	if err != nil {
		return nil, err
	}
	c := &scopeCursor{rows: rows}
	c.next()
	return c, nil
}

func (c *scopeCursor) next() {
	c.have = c.rows.Next()
	if c.have {
		c.err = c.rows.Scan(&c.seq, &c.kind, &c.val)
	} else {
		c.err = c.rows.Err()
	}
}

// take fills e's scope from the rows of seq e.Seq. Rows for a seq before
// it belong to no entry: an error naming it.
func (c *scopeCursor) take(e *AccessEvent) error {
	for c.have && c.err == nil && c.seq <= e.Seq {
		if c.seq < e.Seq {
			return &ChainError{Seq: c.seq, Reason: "patient records for an entry that is not in the log"}
		}
		if c.kind == "b" {
			e.ShowedBatch = c.val
		} else {
			e.Patients = append(e.Patients, c.val)
		}
		c.next()
	}
	return c.err
}

// rest reports rows left after the last entry.
func (c *scopeCursor) rest() error {
	if c.err != nil {
		return c.err
	}
	if c.have {
		return &ChainError{Seq: c.seq, Reason: "patient records for an entry that is not in the log"}
	}
	return nil
}

// AccessEventsForPatient lists the accesses that showed the patient known
// by any of keys (its patient keys: see claim.PatientKey and
// claim.AccountKey), newest first: the events that named it, listed it
// among the patients they showed, or showed a whole batch it was in.
func (d *DB) AccessEventsForPatient(ctx context.Context, keys []string, p Page) ([]AccessEvent, error) {
	keys = distinct(keys)
	if len(keys) == 0 {
		return nil, fmt.Errorf("access events for a patient: no patient key: %w", ErrInvalid)
	}
	in := "(" + placeholders(len(keys)) + ")"
	args := make([]any, 0, 3*len(keys))
	for range 3 {
		for _, k := range keys {
			args = append(args, k)
		}
	}
	q := "SELECT " + prefixed("e.", accessCols) + ` FROM phi_access_log e WHERE e.patient_id IN ` + in + `
		OR e.seq IN (SELECT seq FROM phi_access_patients WHERE patient_key IN ` + in + `)
		OR e.seq IN (SELECT a.seq FROM phi_access_batches a JOIN batch_patients b ON b.batch_id = a.batch_id
			WHERE b.patient_key IN ` + in + `)
		ORDER BY e.seq DESC` + p.clause()
	out, err := queryAll(ctx, d.r, accessDest, q, args...)
	if err != nil {
		return nil, fmt.Errorf("access events for a patient: %w", err)
	}
	return out, nil
}

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// PatientKeys returns the patient keys of the given claims of a batch
// (each patient once), for recording whom a page showed. Claims that do
// not exist are left out.
func (d *DB) PatientKeys(ctx context.Context, batchID string, claimIDs []string) ([]string, error) {
	claimIDs = distinct(claimIDs)
	var out []string
	for start := 0; start < len(claimIDs); start += maxParams - 1 {
		part := claimIDs[start:min(start+maxParams-1, len(claimIDs))]
		args := []any{batchID}
		for _, id := range part {
			args = append(args, id)
		}
		keys, err := queryAll(ctx, d.r, func(k *string) []any { return []any{k} },
			"SELECT DISTINCT patient_key FROM claims WHERE batch_id = ? AND claim_id IN ("+placeholders(len(part))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("patient keys of batch %s: %w", batchID, err)
		}
		out = append(out, keys...)
	}
	return distinct(out), nil
}
