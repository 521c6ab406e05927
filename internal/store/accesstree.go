package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/rcmbot/rcmbot/internal/auditlog"
)

// The PHI access log is tamper-evident against whoever owns the database
// (issue 14): every entry is also a leaf of a Merkle tree (internal/auditlog,
// over golang.org/x/mod/sumdb/tlog) whose stored hashes are in
// phi_access_tree, appended in the entry's transaction; and, once
// SetAuditSigner has been called, every append signs a checkpoint of the
// tree (its size and root) with a key the database does not hold and hands
// it to a sink outside the database (an append-only file). Editing an
// entry, deleting entries and renumbering the rest, cutting off the tail,
// or rewriting everything with recomputed hashes each changes the root at
// some size a checkpoint signed, which VerifyAccessLog shows.

// AccessLogOrigin names the PHI access log in its signed checkpoints.
const AccessLogOrigin = "rcmbot PHI access log"

// CheckpointSink keeps signed checkpoints of the PHI access log outside the
// database (auditlog.CheckpointFile is one).
type CheckpointSink interface {
	AppendCheckpoint(signed []byte) error
}

// auditSigner signs the access log's checkpoints.
type auditSigner struct {
	signer note.Signer
	sink   CheckpointSink
}

// SetAuditSigner makes every later append to the PHI access log sign a
// checkpoint of the log with signer and append it to sink, after the
// entry commits. Call it before the DB is used. A failure to sign or keep
// the checkpoint fails the append (the entry stays recorded; the next
// append's checkpoint covers it). A nil signer stops signing.
func (d *DB) SetAuditSigner(signer note.Signer, sink CheckpointSink) {
	d.audit = nil
	if signer != nil {
		d.audit = &auditSigner{signer: signer, sink: sink}
	}
}

// accessBody is the canonical text of an entry in the Merkle tree: every
// field of the row, and the patients and batch it showed.
type accessBody struct {
	Seq         int64         `json:"seq"`
	At          string        `json:"at"`
	UserID      string        `json:"user_id"`
	Username    string        `json:"username"`
	Role        Role          `json:"role"`
	Action      AccessAction  `json:"action"`
	BatchID     string        `json:"batch_id"`
	ClaimID     string        `json:"claim_id"`
	PatientID   string        `json:"patient_id"`
	ClientAddr  string        `json:"client_addr"`
	Outcome     AccessOutcome `json:"outcome"`
	Detail      string        `json:"detail"`
	Patients    []string      `json:"patients,omitempty"`
	ShowedBatch string        `json:"showed_batch,omitempty"`
}

// record returns e as a record of the tamper-evident log: index Seq-1,
// body the JSON of its fields (patients sorted, each once).
func (e *AccessEvent) record() auditlog.Record {
	keys := slices.Clone(e.Patients)
	slices.Sort(keys)
	b, _ := json.Marshal(accessBody{Seq: e.Seq, At: e.At.UTC().Format(timeLayout), UserID: e.UserID, Username: e.Username,
		Role: e.Role, Action: e.Action, BatchID: e.BatchID, ClaimID: e.ClaimID, PatientID: e.PatientID,
		ClientAddr: e.ClientAddr, Outcome: e.Outcome, Detail: e.Detail, Patients: slices.Compact(keys), ShowedBatch: e.ShowedBatch})
	return auditlog.Record{Index: e.Seq - 1, Kind: auditlog.KindAccess, Body: string(b)}
}

// treeHashes is the tree's auditlog.HashStore in phi_access_tree, read and
// written through q (a transaction when appending).
type treeHashes struct{ q execer }

// ReadHashes returns the stored hashes at indexes.
func (t treeHashes) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	for start := 0; start < len(indexes); start += maxParams {
		part := indexes[start:min(start+maxParams, len(indexes))]
		args := make([]any, len(part))
		for i, x := range part {
			args[i] = x
		}
		err := each(ctx, t.q, func(r *treeRow) []any { return []any{&r.idx, &r.hash} }, func(r treeRow) error {
			b, err := hex.DecodeString(r.hash)
			if err != nil || len(b) != tlog.HashSize {
				return fmt.Errorf("phi_access_tree %d: not a hex SHA-256 hash", r.idx)
			}
			found[r.idx] = tlog.Hash(b)
			return nil
		}, "SELECT idx, hash FROM phi_access_tree WHERE idx IN ("+placeholders(len(part))+")", args...)
		if err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("phi_access_tree: stored hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}

type treeRow struct {
	idx  int64
	hash string
}

// AppendHashes stores hashes at start, start+1, ...
func (t treeHashes) AppendHashes(ctx context.Context, start int64, hashes []tlog.Hash) error {
	rows := make([][]any, len(hashes))
	for i, h := range hashes {
		rows[i] = []any{start + int64(i), hex.EncodeToString(h[:])}
	}
	return insertRows(ctx, t.q, "phi_access_tree", []string{"idx", "hash"}, rows, "")
}

// treeSize returns the number of entries the stored tree holds.
func treeSize(ctx context.Context, q execer) (int64, error) {
	var stored int64
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM phi_access_tree").Scan(&stored); err != nil {
		return 0, err
	}
	return treeSizeOf(stored)
}

// treeSizeOf returns the number of entries whose tree stores stored hashes.
func treeSizeOf(stored int64) (int64, error) {
	// StoredHashCount grows with n and exceeds it: search n in [0, stored].
	n := int64(sort.Search(int(stored)+1, func(n int) bool { return tlog.StoredHashCount(int64(n)) >= stored }))
	if tlog.StoredHashCount(n) != stored {
		return 0, fmt.Errorf("phi_access_tree holds %d hashes, which is no whole tree: hashes were removed", stored)
	}
	return n, nil
}

// extendTree appends e to the tree in tx, whose stored hashes number
// stored (none when the log is empty), after first adding entries the
// tree lacks (those written before it existed), and returns the tree's
// size and root after e.
func extendTree(ctx context.Context, tx execer, e *AccessEvent, stored int64) (int64, tlog.Hash, error) {
	if e.Seq == 1 {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM phi_access_tree").Scan(&stored); err != nil {
			return 0, tlog.Hash{}, err
		}
	}
	size, err := treeSizeOf(stored)
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	if size > e.Seq-1 {
		return 0, tlog.Hash{}, fmt.Errorf("phi_access_tree holds %d entries but the log only %d: entries were removed", size, e.Seq-1)
	}
	hs := &cachedHashes{under: treeHashes{tx}, have: map[int64]tlog.Hash{}}
	l := auditlog.Open(hs, size)
	if size < e.Seq-1 {
		legacy, err := accessEventsBetween(ctx, tx, size+1, e.Seq-1)
		if err != nil {
			return 0, tlog.Hash{}, err
		}
		for i := range legacy {
			if err := l.Append(ctx, legacy[i].record()); err != nil {
				return 0, tlog.Hash{}, err
			}
		}
	}
	// The roots of the tree's perfect subtrees are what the new leaf
	// merges with and what the new root is made of: one read for both.
	if _, err := hs.ReadHashes(ctx, subtreeRoots(l.Size())); err != nil {
		return 0, tlog.Hash{}, err
	}
	if err := l.Append(ctx, e.record()); err != nil {
		return 0, tlog.Hash{}, err
	}
	root, err := l.Root(ctx, l.Size())
	return l.Size(), root, err
}

// subtreeRoots returns the stored indexes of the roots of the perfect
// subtrees a tree of n leaves is made of, largest first.
func subtreeRoots(n int64) []int64 {
	var out []int64
	var k int64
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			out = append(out, tlog.StoredHashIndex(level, k>>level))
			k += 1 << level
		}
	}
	return out
}

// cachedHashes remembers the hashes one append reads and writes, so the
// tree is read once per append.
type cachedHashes struct {
	under treeHashes
	have  map[int64]tlog.Hash
}

// ReadHashes returns the hashes at indexes, reading those not yet seen.
func (c *cachedHashes) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	var miss []int64
	for _, x := range indexes {
		if _, ok := c.have[x]; !ok {
			miss = append(miss, x)
		}
	}
	if len(miss) > 0 {
		hs, err := c.under.ReadHashes(ctx, miss)
		if err != nil {
			return nil, err
		}
		for i, x := range miss {
			c.have[x] = hs[i]
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = c.have[x]
	}
	return out, nil
}

// AppendHashes stores hashes at start, start+1, ... and remembers them.
func (c *cachedHashes) AppendHashes(ctx context.Context, start int64, hashes []tlog.Hash) error {
	if err := c.under.AppendHashes(ctx, start, hashes); err != nil {
		return err
	}
	for i, h := range hashes {
		c.have[start+int64(i)] = h
	}
	return nil
}

// accessEventsBetween reads entries from..to with their scopes, in order,
// one query at a time (a transaction has one connection).
func accessEventsBetween(ctx context.Context, q execer, from, to int64) ([]AccessEvent, error) {
	evs, err := queryAll(ctx, q, accessDest, "SELECT "+accessCols+" FROM phi_access_log WHERE seq >= ? AND seq <= ? ORDER BY seq", from, to)
	if err != nil {
		return nil, err
	}
	if int64(len(evs)) != to-from+1 {
		return nil, fmt.Errorf("phi_access_log: entries %d to %d are not all there", from, to)
	}
	scopes, err := queryAll(ctx, q, scopeDest, scopeQuery, from, to, from, to)
	if err != nil {
		return nil, err
	}
	for _, s := range scopes {
		e := &evs[s.seq-from]
		if s.kind == "b" {
			e.ShowedBatch = s.val
		} else {
			e.Patients = append(e.Patients, s.val)
		}
	}
	return evs, nil
}

// signCheckpoint signs the tree of size and root and hands it to the sink.
func (d *DB) signCheckpoint(size int64, root tlog.Hash) error {
	msg, err := auditlog.Sign(auditlog.Checkpoint{Origin: AccessLogOrigin, Size: size, Root: root, Time: now()}, d.audit.signer)
	if err != nil {
		return fmt.Errorf("sign the access log's checkpoint: %w", err)
	}
	if err := d.audit.sink.AppendCheckpoint(msg); err != nil {
		return fmt.Errorf("keep the access log's checkpoint: %w", err)
	}
	return nil
}

// accessCursor reads the PHI access log in order with each entry's
// scope, up to the last entry there was when it was opened.
type accessCursor struct {
	ctx    context.Context
	q      execer
	rows   *sql.Rows
	scopes *scopeCursor
}

func (d *DB) openAccessCursor(ctx context.Context) (*accessCursor, error) {
	var last int64
	if err := d.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM phi_access_log").Scan(&last); err != nil {
		return nil, err
	}
	scopes, err := d.openScopes(ctx, last)
	if err != nil {
		return nil, err
	}
	rows, err := d.r.QueryContext(ctx, d.r.Rebind("SELECT "+accessCols+" FROM phi_access_log WHERE seq <= ? ORDER BY seq"), last)
	if err != nil {
		scopes.rows.Close()
		return nil, err
	}
	return &accessCursor{ctx: ctx, q: d.r, rows: rows, scopes: scopes}, nil
}

// next returns the next entry, or io.EOF after the last.
func (c *accessCursor) next() (AccessEvent, error) {
	var e AccessEvent
	if !c.rows.Next() {
		if err := c.rows.Err(); err != nil {
			return e, err
		}
		if err := c.scopes.rest(); err != nil {
			return e, err
		}
		return e, c.orphans()
	}
	if err := c.rows.Scan(accessDest(&e)...); err != nil {
		return e, err
	}
	return e, c.scopes.take(&e)
}

// orphans returns io.EOF, or a *ChainError when patient records name an
// entry after the log's last (one statement: one snapshot of both).
func (c *accessCursor) orphans() error {
	var seq sql.NullInt64
	err := c.q.QueryRowContext(c.ctx, `SELECT MIN(seq) FROM (SELECT seq FROM phi_access_patients UNION ALL SELECT seq FROM phi_access_batches) s
		WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM phi_access_log)`).Scan(&seq)
	switch {
	case err != nil:
		return err
	case seq.Valid:
		return &ChainError{Seq: seq.Int64, Reason: "patient records for an entry that is not in the log"}
	}
	return io.EOF
}

func (c *accessCursor) close() {
	c.rows.Close()
	c.scopes.rows.Close()
}

// VerifyAccessLog checks the PHI access log, as it is in the database,
// against signed checkpoints kept outside it (trusted: from the
// checkpoint file, say; read them before calling, so none covers entries
// not yet read), all signed by the audit key v: it rebuilds the Merkle
// tree entry by entry and compares its root at each checkpoint's size
// with the signed one, so an edited, removed, reordered or renumbered
// entry, a cut-off tail and a wholesale rewrite each show, however the
// hashes in the database were recomputed. It also checks the hash chain
// (VerifyAuditChain), which names the first entry whose row no longer
// matches its own hash. Evidence of tampering goes into the report's
// Problems; an error means the log could not be read. A log with entries
// but no checkpoint is a problem too: nothing outside the database vouches
// for it.
func (d *DB) VerifyAccessLog(ctx context.Context, v note.Verifier, trusted []auditlog.Trusted) (*auditlog.Report, error) {
	cur, err := d.openAccessCursor(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify PHI access log: %w", err)
	}
	defer cur.close()
	var chain chainCheck
	var broken error // the first *ChainError
	rep, err := auditlog.VerifyRecords(func() (auditlog.Record, error) {
		e, err := cur.next()
		if ce := (*ChainError)(nil); errors.As(err, &ce) {
			broken = cmp.Or(broken, err)
			return auditlog.Record{}, io.EOF
		}
		if err != nil {
			return auditlog.Record{}, err
		}
		if broken == nil {
			broken = chain.check(&e)
		}
		return e.record(), nil
	}, v, trusted, AccessLogOrigin, nil)
	if err != nil {
		return nil, fmt.Errorf("verify PHI access log: %w", err)
	}
	if broken != nil {
		rep.Problems = append(rep.Problems, broken.Error())
	}
	if len(trusted) == 0 && rep.Records > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("no signed checkpoint vouches for the %d entries: set the audit signing key (RCMBOT_AUDIT_KEY_FILE) and check the checkpoint file", rep.Records))
	}
	return rep, nil
}

// ExportAccessLog writes a complete export of the PHI access log in
// auditlog's export format, for `rcmbot audit verify` to check offline.
// With own (the latest checkpoint kept outside the database), the export
// covers the entries it signed and carries it; oldSizes are sizes of
// earlier checkpoints to prove consistency from. It returns the number of
// entries exported.
func (d *DB) ExportAccessLog(ctx context.Context, w io.Writer, own *auditlog.Checkpoint, signed []byte, oldSizes []int64) (int64, error) {
	size, err := treeSize(ctx, d.r)
	if err != nil {
		return 0, fmt.Errorf("export PHI access log: %w", err)
	}
	if own != nil {
		if own.Size > size {
			return 0, &auditlog.Mismatch{What: fmt.Sprintf("the access log's tree holds %d entries but its latest checkpoint covers %d: entries were removed", size, own.Size)}
		}
		size = own.Size
	}
	cur, err := d.openAccessCursor(ctx)
	if err != nil {
		return 0, fmt.Errorf("export PHI access log: %w", err)
	}
	defer cur.close()
	err = auditlog.ExportLog(ctx, w, auditlog.Open(treeHashes{d.r}, size), AccessLogOrigin, signed, oldSizes, func() (auditlog.Record, error) {
		e, err := cur.next()
		if err != nil {
			return auditlog.Record{}, err
		}
		return e.record(), nil
	})
	if err != nil {
		return 0, fmt.Errorf("export PHI access log: %w", err)
	}
	return size, nil
}
