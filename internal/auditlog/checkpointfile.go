package auditlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
)

// CheckpointFile is an append-only file of signed checkpoints, kept
// outside the database: each append adds one signed note, and nothing in
// it is ever rewritten. Whoever owns the database but not this file (or
// a copy of it) cannot hide a change made before its last checkpoint.
// Appends from one process are serialised; each is one write(2) with
// O_APPEND, so processes sharing the file do not interleave notes.
type CheckpointFile struct {
	path string
	mu   sync.Mutex
}

// NewCheckpointFile returns the checkpoint file at path (created, mode
// 0600, on the first append, with its directory 0700).
func NewCheckpointFile(path string) *CheckpointFile { return &CheckpointFile{path: path} }

// Path returns the file's path.
func (f *CheckpointFile) Path() string { return f.path }

// AppendCheckpoint appends one signed checkpoint.
func (f *CheckpointFile) AppendCheckpoint(signed []byte) error {
	if !bytes.HasSuffix(signed, []byte("\n")) {
		return errors.New("checkpoint file: a signed note ends with a newline")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	w, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	_, err = w.Write(signed)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("checkpoint file %s: %w", f.path, err)
	}
	return nil
}

// ReadCheckpoints reads the checkpoints at path; a missing file has none.
// Each is named "FILE:LINE" after where it starts.
func ReadCheckpoints(path string) ([]Trusted, error) {
	r, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out, err := ParseCheckpoints(r, filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// ParseCheckpoints splits a stream of signed notes (one checkpoint file,
// or a single checkpoint) into checkpoints named source:LINE. A note is
// its text lines, a blank line and one or more signature lines ("— "):
// the next line that is not a signature starts the next note. What the
// notes say and who signed them is not checked here (Verify does).
func ParseCheckpoints(r io.Reader, source string) ([]Trusted, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []Trusted
	var cur strings.Builder
	start, line := 0, 0
	inSigs := false // past the blank line of the current note
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, Trusted{Source: fmt.Sprintf("%s:%d", source, start), Signed: []byte(cur.String())})
		}
		cur.Reset()
		inSigs = false
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		isSig := strings.HasPrefix(text, "— ")
		if inSigs && !isSig && text != "" {
			flush()
		}
		if cur.Len() == 0 {
			if text == "" {
				continue
			}
			start = line
		}
		if text == "" {
			inSigs = true
		}
		cur.WriteString(text + "\n")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	flush()
	return out, nil
}

// Sample returns at most n of cps (n ≥ 2): the last (the newest, which
// matters most: it covers the most records) and the rest spread evenly
// over the earlier ones, which say where a change lies. Verifying every
// checkpoint of a long-lived file would cost a signature check per entry
// of the log for no more evidence than this.
func Sample(cps []Trusted, n int) []Trusted {
	if len(cps) <= n {
		return cps
	}
	out := make([]Trusted, 0, n)
	for i := 0; i < n-1; i++ {
		out = append(out, cps[i*(len(cps)-1)/(n-1)])
	}
	return append(out, cps[len(cps)-1])
}

// ReadVerifier reads the audit verifier key (RCMBOT_AUDIT_VERIFIER_KEY),
// given inline ("name+hash+key") or as a file holding it; nil and no error
// when key is neither a key nor an existing file.
func ReadVerifier(key string) (note.Verifier, error) {
	if v, err := note.NewVerifier(key); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(key)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit verifier key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("audit verifier key %s: not a verifier key (want name+hash+key): %w", key, err)
	}
	return v, nil
}
