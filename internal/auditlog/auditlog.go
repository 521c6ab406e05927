// Package auditlog is rcmbot's tamper-evident audit log: every record
// (a PHI access, a privacy officer's case decision) is a leaf of a Merkle
// tree built the way Go's checksum database and Certificate Transparency
// build theirs (golang.org/x/mod/sumdb/tlog, RFC 6962 hashing), and the
// tree's size and root are signed into checkpoints with an ed25519 key
// (golang.org/x/mod/sumdb/note) that is kept outside the database.
//
// What that buys against someone who owns the database: editing a record,
// deleting records and renumbering the rest, cutting off the tail, or
// rewriting everything and recomputing every hash each change the root of
// the tree at some size a checkpoint already signed, and without the
// signing key no new valid checkpoint can be made. A checkpoint kept
// outside the database (a file, an email, Temporal history) then shows
// the change. Only records appended after the last such checkpoint are at
// risk, so checkpoints should be taken often.
//
// Proofs: an inclusion proof shows one record is in a signed tree without
// the rest of the log; a consistency proof shows a later tree extends an
// earlier one, record for record. Export writes a log (or a selection of
// records with their inclusion proofs) as JSON lines, and Verify checks an
// export offline against trusted checkpoints.
//
// The tree's hashes are kept behind HashStore (the database implements
// it); the records themselves are wherever their rows are, and the caller
// turns each row into its Record deterministically.
package auditlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// Kind says what a record is.
type Kind string

// The kinds rcmbot logs. Kinds are lower-case letters and underscores.
const (
	KindAccess   Kind = "phi_access"    // an entry of the PHI access log
	KindDecision Kind = "case_decision" // a privacy officer's disposition of an alert
	KindSignIn   Kind = "sign_in"       // a sign-in event
)

func (k Kind) valid() bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// Record is one entry of the log: its position (0, 1, 2 ...), its kind
// and its body, the canonical text of the row it stands for (JSON the
// caller produces the same way every time from the same row). The body
// may hold patient IDs but should hold no more PHI than the row does.
type Record struct {
	Index int64  `json:"index"`
	Kind  Kind   `json:"kind"`
	Body  string `json:"body"`
}

// leafPrefix versions the leaf encoding.
const leafPrefix = "rcmbot-auditlog/v1\n"

// Hash returns the record's leaf hash: the RFC 6962 hash of
// "rcmbot-auditlog/v1\n" + kind + "\n" + body. The index is not hashed:
// a record's position is fixed by the tree itself.
func (r Record) Hash() tlog.Hash {
	return tlog.RecordHash([]byte(leafPrefix + string(r.Kind) + "\n" + r.Body))
}

func (r Record) check() error {
	if !r.Kind.valid() {
		return fmt.Errorf("record %d: kind %q is not lower-case letters and underscores", r.Index, r.Kind)
	}
	if r.Index < 0 {
		return fmt.Errorf("record %d: negative index", r.Index)
	}
	return nil
}

// HashStore keeps the tree's stored hashes, numbered as
// tlog.StoredHashIndex numbers them. It is append-only: AppendHashes adds
// hashes at start, start+1, ..., where start is the number stored so far.
// The database implements it in a table no one may update or delete from.
type HashStore interface {
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	AppendHashes(ctx context.Context, start int64, hashes []tlog.Hash) error
}

// MemoryHashes is a HashStore in memory (tests, offline tools).
type MemoryHashes struct {
	mu     sync.Mutex
	hashes []tlog.Hash
}

// ReadHashes returns the hashes at indexes.
func (m *MemoryHashes) ReadHashes(_ context.Context, indexes []int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("stored hash %d does not exist (%d stored)", x, len(m.hashes))
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// AppendHashes adds hashes at start, which must be the number stored.
func (m *MemoryHashes) AppendHashes(_ context.Context, start int64, hashes []tlog.Hash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if start != int64(len(m.hashes)) {
		return fmt.Errorf("append at stored hash %d, but %d are stored", start, len(m.hashes))
	}
	m.hashes = append(m.hashes, hashes...)
	return nil
}

// Set overwrites a stored hash: what an attacker with the database can do
// (tests use it to show it is detected).
func (m *MemoryHashes) Set(index int64, h tlog.Hash) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hashes[index] = h
}

// Log is the Merkle tree over the records appended so far. It is not safe
// for concurrent appends: the database serialises them.
type Log struct {
	store HashStore
	size  int64
}

// Open returns the log whose first size records' hashes are in store.
func Open(store HashStore, size int64) *Log { return &Log{store: store, size: size} }

// Size returns the number of records in the tree.
func (l *Log) Size() int64 { return l.size }

func (l *Log) reader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return l.store.ReadHashes(ctx, indexes)
	})
}

// Append adds records, which must be numbered Size(), Size()+1, ....
func (l *Log) Append(ctx context.Context, recs ...Record) error {
	for _, r := range recs {
		if err := r.check(); err != nil {
			return err
		}
		if r.Index != l.size {
			return fmt.Errorf("record %d appended to a log of %d records", r.Index, l.size)
		}
		hashes, err := tlog.StoredHashesForRecordHash(l.size, r.Hash(), l.reader(ctx))
		if err != nil {
			return fmt.Errorf("append record %d: %w", r.Index, err)
		}
		if err := l.store.AppendHashes(ctx, tlog.StoredHashIndex(0, l.size), hashes); err != nil {
			return fmt.Errorf("append record %d: %w", r.Index, err)
		}
		l.size++
	}
	return nil
}

// Root returns the tree's root hash at size (≤ Size()).
func (l *Log) Root(ctx context.Context, size int64) (tlog.Hash, error) {
	if size < 0 || size > l.size {
		return tlog.Hash{}, fmt.Errorf("tree size %d: the log has %d records", size, l.size)
	}
	return tlog.TreeHash(size, l.reader(ctx))
}

// ProveRecord returns the proof that record index is in the tree of size.
func (l *Log) ProveRecord(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	if size > l.size {
		return nil, fmt.Errorf("tree size %d: the log has %d records", size, l.size)
	}
	return tlog.ProveRecord(size, index, l.reader(ctx))
}

// ProveTree returns the proof that the tree of size extends the tree of oldSize.
func (l *Log) ProveTree(ctx context.Context, oldSize, size int64) (tlog.TreeProof, error) {
	if size > l.size {
		return nil, fmt.Errorf("tree size %d: the log has %d records", size, l.size)
	}
	return tlog.ProveTree(size, oldSize, l.reader(ctx))
}

// CheckRecord reports whether a record (as read back from its row) still
// hashes to the leaf the tree holds for it: an edit of the row made behind
// the log's back fails here, before any checkpoint is consulted.
func (l *Log) CheckRecord(ctx context.Context, r Record) error {
	if r.Index < 0 || r.Index >= l.size {
		return fmt.Errorf("record %d is not in the tree of %d records", r.Index, l.size)
	}
	hs, err := l.store.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, r.Index)})
	if err != nil {
		return err
	}
	if hs[0] != r.Hash() {
		return &Mismatch{What: fmt.Sprintf("record %d does not match the hash the tree holds for it: the row was changed", r.Index)}
	}
	return nil
}

// Check reports whether the tree's leaves still make the root a trusted
// checkpoint signed: it rebuilds the tree from the stored leaf hashes, so
// rewritten hashes and records cut off both show. (Rows edited behind the
// log's back show in CheckRecord, or in VerifyRecords over the rows.)
func (l *Log) Check(ctx context.Context, c Checkpoint) error {
	if c.Size > l.size {
		return &Mismatch{What: fmt.Sprintf("the log has %d records but the checkpoint of %s covers %d: records were removed", l.size, c.when(), c.Size)}
	}
	var f frontier
	const batch = 4096
	idx := make([]int64, 0, batch)
	for i := int64(0); i < c.Size; i += batch {
		idx = idx[:0]
		for j := i; j < min(i+batch, c.Size); j++ {
			idx = append(idx, tlog.StoredHashIndex(0, j))
		}
		hs, err := l.store.ReadHashes(ctx, idx)
		if err != nil {
			return err
		}
		for _, h := range hs {
			f.add(h)
		}
	}
	if f.root() != c.Root {
		return &Mismatch{What: fmt.Sprintf("the tree of the first %d records does not have the root the checkpoint of %s signed: records up to %d were changed", c.Size, c.when(), c.Size)}
	}
	return nil
}

// Mismatch is evidence of tampering (as opposed to an error reading the log).
type Mismatch struct{ What string }

// Error says what does not match.
func (m *Mismatch) Error() string { return m.What }

// IsMismatch reports whether err is evidence of tampering.
func IsMismatch(err error) bool {
	var m *Mismatch
	return errors.As(err, &m)
}

// validOrigin reports whether s can be a checkpoint origin line.
func validOrigin(s string) bool {
	return s != "" && !strings.ContainsAny(s, "\n\r") && strings.TrimSpace(s) == s
}
