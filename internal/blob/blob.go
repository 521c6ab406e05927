// Package blob stores files encrypted at rest in rcmbot's data directory:
// uploaded spreadsheets and raw payer responses, referenced from workflows
// by an opaque ref (the claim-check pattern) instead of travelling in
// Temporal payloads.
//
// # Layout
//
// A store is a directory (mode 0700) with one subdirectory per kind
// ("upload", "payer-response", ...), each holding files (mode 0600) named by
// a random 128-bit ID. A ref is "kind/ID": it says nothing about the file's
// name or content. Callers keep the original file name, if they need it, in
// their own (encrypted or access-controlled) records.
//
// # Format
//
// A blob file is a header followed by segments:
//
//	"RCMB" | version 0x01 | key ID length | key ID | 32-byte random salt
//	segment 0 | segment 1 | ... | final segment
//
// Each segment is up to 64 KiB of plaintext sealed with AES-256-GCM (16-byte
// tag). Every segment before the last holds exactly 64 KiB; the last holds
// 0 to 64 KiB-1 bytes. The per-file key is derived from the key ring's key
// (named in the header) and the salt, so nonces can be a counter: segment
// index (8 bytes, big-endian, after 3 zero bytes) and a final flag (last
// byte 1 on the final segment), the STREAM construction that age and Tink
// use. The header and the ref are the associated data of every segment.
// So any change is detected on reading: a flipped bit or a swapped key ID
// fails authentication, reordered segments fail (wrong index), a truncated
// file fails (no final segment, or a short segment that is not final),
// appended data fails, and a file copied over another ref's path fails.
//
// Streaming keeps memory bounded: Put and Open hold one segment at a time,
// whatever the file's size.
package blob

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/keyring"
)

const (
	magic       = "RCMB"
	version     = 1
	saltSize    = 32
	segmentSize = 64 << 10
	tagSize     = 16
	purpose     = "blob/v1"
	tempPrefix  = ".put-"
	idLen       = 26 // rand.Text: 128 bits in base32
	maxKindLen  = 32
	// staleTemp is how old an unfinished Put's temporary file must be
	// before Sweep removes it; a running Put touches its file constantly.
	staleTemp = time.Hour
)

// ErrNotFound reports a ref with no blob (never stored, deleted or swept).
var ErrNotFound = errors.New("blob not found")

// ErrCorrupt reports a blob that fails authentication or is malformed.
var ErrCorrupt = errors.New("blob corrupted or tampered with")

// Store is an encrypted blob store. It is safe for concurrent use.
type Store struct {
	dir  string
	ring *keyring.Ring
}

// New opens the store in dir, creating it with mode 0700 if needed. It
// refuses an existing dir that other users can access. New blobs are sealed
// with ring's active key; blobs sealed with any key in ring can be read.
func New(dir string, ring *keyring.Ring) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("blob store: %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("blob store %s is accessible to other users (mode %04o): run chmod 700 %s", dir, perm, dir)
	}
	return &Store{dir: dir, ring: ring}, nil
}

// CheckKind reports whether kind is a valid blob kind: 1 to 32 lower-case
// letters, digits and '-', starting with a letter.
func CheckKind(kind string) error {
	ok := kind != "" && len(kind) <= maxKindLen && kind[0] >= 'a' && kind[0] <= 'z'
	for _, c := range kind {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
	}
	if !ok {
		return fmt.Errorf("blob kind %q: use 1-%d lower-case letters, digits or '-', starting with a letter", kind, maxKindLen)
	}
	return nil
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// path returns the file of ref, checking that ref is well formed (so that
// no ref can name a file outside the store).
func (s *Store) path(ref string) (string, error) {
	kind, id, ok := strings.Cut(ref, "/")
	if !ok || CheckKind(kind) != nil || !validID(id) {
		return "", fmt.Errorf("blob ref %q is malformed: want kind/ID as returned by Put", ref)
	}
	return filepath.Join(s.dir, kind, id), nil
}

// header returns the file header for a blob sealed with keyID and salt.
func header(keyID string, salt []byte) []byte {
	h := make([]byte, 0, len(magic)+2+len(keyID)+saltSize)
	h = append(h, magic...)
	h = append(h, version, byte(len(keyID)))
	h = append(h, keyID...)
	return append(h, salt...)
}

// nonce returns the nonce of segment i.
func nonce(dst []byte, i uint64, final bool) []byte {
	clear(dst)
	binary.BigEndian.PutUint64(dst[3:11], i)
	if final {
		dst[11] = 1
	}
	return dst
}

// Put encrypts everything r yields into a new blob of the given kind and
// returns its ref and plaintext size. The blob appears only once complete:
// on error, or if ctx is cancelled, nothing is left behind. Put does not
// limit size; wrap r (http.MaxBytesReader, io.LimitReader) to enforce one.
func (s *Store) Put(ctx context.Context, kind string, r io.Reader) (ref string, size int64, err error) {
	if err := CheckKind(kind); err != nil {
		return "", 0, err
	}
	dir := filepath.Join(s.dir, kind)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	id := rand.Text()
	ref = kind + "/" + id

	salt := make([]byte, saltSize)
	rand.Read(salt)
	keyID := s.ring.ActiveID()
	aead, err := s.ring.DeriveAEAD(keyID, salt, purpose)
	if err != nil {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	hdr := header(keyID, salt)
	ad := append(bytes.Clone(hdr), ref...)

	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(hdr); err != nil {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	buf := make([]byte, segmentSize+tagSize)
	nb := make([]byte, aead.NonceSize())
	for i := uint64(0); ; i++ {
		if err = ctx.Err(); err != nil {
			return "", 0, fmt.Errorf("put %s: %w", kind, err)
		}
		n, rerr := io.ReadFull(r, buf[:segmentSize])
		final := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !final {
			return "", 0, fmt.Errorf("put %s: read input: %w", kind, rerr)
		}
		size += int64(n)
		ct := aead.Seal(buf[:0], nonce(nb, i, final), buf[:n], ad)
		if _, err = f.Write(ct); err != nil {
			return "", 0, fmt.Errorf("put %s: %w", kind, err)
		}
		if final {
			break
		}
	}
	if err = f.Sync(); err != nil {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	if err = f.Close(); err != nil {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, id)); err != nil {
		return "", 0, fmt.Errorf("put %s: %w", kind, err)
	}
	return ref, size, nil
}

// Open returns a reader of the blob's plaintext, decrypting and verifying
// one segment at a time. A Read returns an error wrapping ErrCorrupt as soon
// as a segment fails authentication or the file ends early; data already
// returned came from segments that did verify, but the blob as a whole is
// only proven intact when Read returns io.EOF. Callers that act on content
// (parsing a spreadsheet) must treat any error as "the whole blob is bad".
func (s *Store) Open(ref string) (io.ReadCloser, error) {
	p, err := s.path(ref)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", ref, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", ref, err)
	}
	rd, err := s.reader(ref, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", ref, err)
	}
	return rd, nil
}

// reader reads f's header and returns a decrypting reader positioned at
// the first segment.
func (s *Store) reader(ref string, f *os.File) (*reader, error) {
	fixed := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(f, fixed); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if string(fixed[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: not an rcmbot blob", ErrCorrupt)
	}
	if fixed[len(magic)] != version {
		return nil, fmt.Errorf("%w: unsupported format version %d (written by a newer rcmbot?)", ErrCorrupt, fixed[len(magic)])
	}
	rest := make([]byte, int(fixed[len(magic)+1])+saltSize)
	if _, err := io.ReadFull(f, rest); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	keyID, salt := string(rest[:len(rest)-saltSize]), rest[len(rest)-saltSize:]
	if err := keyring.CheckID(keyID); err != nil {
		return nil, fmt.Errorf("%w: header key ID: %v", ErrCorrupt, err)
	}
	aead, err := s.ring.DeriveAEAD(keyID, salt, purpose)
	if err != nil {
		return nil, err
	}
	ad := append(append(fixed, rest...), ref...)
	return &reader{f: f, aead: aead, ad: ad, buf: make([]byte, segmentSize+tagSize), nonce: make([]byte, aead.NonceSize())}, nil
}

// reader decrypts a blob segment by segment.
type reader struct {
	f       *os.File
	aead    cipher.AEAD
	ad      []byte
	buf     []byte // one sealed segment; decrypted in place
	nonce   []byte
	pending []byte // decrypted bytes not yet returned
	i       uint64 // index of the next segment
	done    bool   // final segment verified
	err     error  // sticky
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// next reads and verifies one segment. A full-size sealed segment is never
// final; anything shorter must be the final one.
func (r *reader) next() error {
	n, err := io.ReadFull(r.f, r.buf)
	var final bool
	switch {
	case err == nil:
	case err == io.ErrUnexpectedEOF && n >= tagSize:
		final = true
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w: truncated at segment %d", ErrCorrupt, r.i)
	default:
		return err
	}
	plain, err := r.aead.Open(r.buf[:0], nonce(r.nonce, r.i, final), r.buf[:n], r.ad)
	if err != nil {
		return fmt.Errorf("%w: segment %d fails authentication (altered, reordered or truncated)", ErrCorrupt, r.i)
	}
	r.pending, r.done = plain, final
	r.i++
	return nil
}

func (r *reader) Close() error { return r.f.Close() }

// Delete removes the blob. Deleting a blob that does not exist is not an
// error, so a retried cleanup succeeds.
func (s *Store) Delete(ref string) error {
	p, err := s.path(ref)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", ref, err)
	}
	return nil
}

// Size returns the blob's plaintext size, computed from the file's length
// without decrypting. It is not authenticated: a damaged file can report a
// wrong size, which Open then detects.
func (s *Store) Size(ref string) (int64, error) {
	p, err := s.path(ref)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("blob %s: %w", ref, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("blob %s: %w", ref, err)
	}
	defer f.Close()
	fixed := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(f, fixed); err != nil || string(fixed[:len(magic)]) != magic {
		return 0, fmt.Errorf("blob %s: %w: bad header", ref, ErrCorrupt)
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("blob %s: %w", ref, err)
	}
	body := fi.Size() - int64(len(fixed)+int(fixed[len(magic)+1])+saltSize)
	full := body / (segmentSize + tagSize)
	last := body - full*(segmentSize+tagSize) - tagSize
	if last < 0 {
		return 0, fmt.Errorf("blob %s: %w: truncated", ref, ErrCorrupt)
	}
	return full*segmentSize + last, nil
}

// Sweep deletes the blobs of kind (all kinds if kind is "") created more
// than olderThan ago, judged by file modification time, which Put sets and
// nothing else changes. It also removes temporary files left by Puts that
// were interrupted at least an hour ago. olderThan must be positive. It returns the number of blobs
// deleted; files it did not create are left alone.
func (s *Store) Sweep(ctx context.Context, kind string, olderThan time.Duration) (int, error) {
	if olderThan <= 0 {
		return 0, fmt.Errorf("sweep: retention %v would delete everything; give a positive duration", olderThan)
	}
	kinds := []string{kind}
	if kind == "" {
		entries, err := os.ReadDir(s.dir)
		if err != nil {
			return 0, fmt.Errorf("sweep: %w", err)
		}
		kinds = kinds[:0]
		for _, e := range entries {
			if e.IsDir() && CheckKind(e.Name()) == nil {
				kinds = append(kinds, e.Name())
			}
		}
	} else if err := CheckKind(kind); err != nil {
		return 0, err
	}
	now := time.Now()
	removed := 0
	for _, k := range kinds {
		entries, err := os.ReadDir(filepath.Join(s.dir, k))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("sweep %s: %w", k, err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return removed, fmt.Errorf("sweep: %w", err)
			}
			name := e.Name()
			isTemp := strings.HasPrefix(name, tempPrefix)
			if !e.Type().IsRegular() || !isTemp && !validID(name) {
				continue
			}
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return removed, fmt.Errorf("sweep %s: %w", k, err)
			}
			age := now.Sub(fi.ModTime())
			if isTemp && age < staleTemp || !isTemp && age < olderThan {
				continue
			}
			if err := os.Remove(filepath.Join(s.dir, k, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("sweep %s: %w", k, err)
			}
			if !isTemp {
				removed++
			}
		}
	}
	return removed, nil
}
