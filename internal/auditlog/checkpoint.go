package auditlog

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the tree: its origin (which log),
// size and root, and when it was taken. Its text is the C2SP
// tlog-checkpoint format with one extension line:
//
//	rcmbot audit log
//	1234
//	base64(root)
//	time 2025-03-04T05:00:00Z
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Time   time.Time
}

// Text returns the checkpoint's signed text.
func (c Checkpoint) Text() string {
	s := fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
	if !c.Time.IsZero() {
		s += "time " + c.Time.UTC().Format(time.RFC3339) + "\n"
	}
	return s
}

func (c Checkpoint) when() string {
	if c.Time.IsZero() {
		return fmt.Sprintf("size %d", c.Size)
	}
	return c.Time.UTC().Format(time.RFC3339)
}

// ParseCheckpoint reads a checkpoint's text (without signatures).
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || !strings.HasSuffix(text, "\n") {
		return Checkpoint{}, errors.New("not a checkpoint: want an origin, a size and a root hash on three lines")
	}
	var c Checkpoint
	c.Origin = lines[0]
	if !validOrigin(c.Origin) {
		return Checkpoint{}, errors.New("checkpoint: the origin line is empty or padded")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return Checkpoint{}, errors.New("checkpoint: the size line is not a decimal count")
	}
	c.Size = n
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return Checkpoint{}, errors.New("checkpoint: the root line is not a base64 SHA-256 hash")
	}
	copy(c.Root[:], root)
	for _, ext := range lines[3:] {
		if v, ok := strings.CutPrefix(ext, "time "); ok {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return Checkpoint{}, errors.New("checkpoint: the time line is not RFC 3339")
			}
			c.Time = t
		}
	}
	return c, nil
}

// Sign returns the checkpoint as a signed note.
func Sign(c Checkpoint, signer note.Signer) ([]byte, error) {
	if !validOrigin(c.Origin) {
		return nil, errors.New("checkpoint: the origin must be one line")
	}
	return note.Sign(&note.Note{Text: c.Text()}, signer)
}

// OpenCheckpoint verifies a signed checkpoint with the audit key and
// returns it. A checkpoint signed by any other key, or not at all, is
// refused: anyone can compute a tree, only the key holder can sign one.
func OpenCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unknown *note.UnknownVerifierError
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &invalid):
			return Checkpoint{}, &Mismatch{What: "the checkpoint's signature is invalid: its text was changed"}
		case errors.As(err, &unknown), errors.As(err, &unverified):
			return Checkpoint{}, &Mismatch{What: "the checkpoint is not signed by the audit key"}
		}
		return Checkpoint{}, &Mismatch{What: "not a signed checkpoint: " + err.Error()}
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, &Mismatch{What: err.Error()}
	}
	return c, nil
}

// Checkpoint signs the log's current tree.
func (l *Log) Checkpoint(ctx context.Context, origin string, t time.Time, signer note.Signer) ([]byte, Checkpoint, error) {
	root, err := l.Root(ctx, l.size)
	if err != nil {
		return nil, Checkpoint{}, err
	}
	c := Checkpoint{Origin: origin, Size: l.size, Root: root, Time: t.UTC().Truncate(time.Second)}
	msg, err := Sign(c, signer)
	return msg, c, err
}

// GenerateKey returns a new ed25519 signing key and its verifier key in
// the note package's text forms ("PRIVATE+KEY+name+hash+data",
// "name+hash+data"). The signing key belongs outside the database (the
// key file or secret store the worker reads); the verifier key goes to
// whoever verifies.
func GenerateKey(name string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, name)
}
