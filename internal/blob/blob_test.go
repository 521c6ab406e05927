package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/rcmbot/rcmbot/internal/keyring"
)

func newRing(t testing.TB) *keyring.Ring {
	t.Helper()
	r, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newStore(t testing.TB, ring *keyring.Ring) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := New(dir, ring)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func put(t testing.TB, s *Store, kind string, data []byte) string {
	t.Helper()
	ref, size, err := s.Put(context.Background(), kind, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(data)) {
		t.Fatalf("Put size %d, want %d", size, len(data))
	}
	return ref
}

func readAll(s *Store, ref string) ([]byte, error) {
	rc, err := s.Open(ref)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

var refPattern = regexp.MustCompile(`^upload/[A-Z2-7]{26}$`)

func TestRoundTrip(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	for _, n := range []int{0, 1, segmentSize - 1, segmentSize, segmentSize + 1, 2*segmentSize + 17, 5 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := randomBytes(n)
			ref := put(t, s, "upload", data)
			if !refPattern.MatchString(ref) {
				t.Errorf("ref %q is not kind/ID", ref)
			}
			got, err := readAll(s, ref)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes differing from the %d written", len(got), n)
			}
			rc, err := s.Open(ref)
			if err != nil {
				t.Fatal(err)
			}
			// Exercises odd read sizes, EOF behaviour and repeated reads.
			if err := iotest.TestReader(rc, data); err != nil {
				t.Error(err)
			}
			rc.Close()
			if size, err := s.Size(ref); err != nil || size != int64(n) {
				t.Errorf("Size = %d, %v; want %d", size, err, n)
			}
			fi, err := os.Stat(filepath.Join(dir, ref))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("blob mode %04o, want 0600", fi.Mode().Perm())
			}
			hdr := int64(len(magic) + 2 + len(s.ring.ActiveID()) + saltSize)
			segments := int64(n/segmentSize + 1)
			if want := hdr + int64(n) + segments*tagSize; fi.Size() != want {
				t.Errorf("file is %d bytes, want %d", fi.Size(), want)
			}
		})
	}
	for _, d := range []string{dir, filepath.Join(dir, "upload")} {
		if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %04o, want 0700", d, fi.Mode().Perm())
		}
	}
}

func TestPlaintextNotOnDisk(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	text := bytes.Repeat([]byte("Oyelaran-Whitfield,Margarethe,1957-11-23,W4815162342\n"), 3000)
	ref := put(t, s, "upload", text)
	raw, err := os.ReadFile(filepath.Join(dir, ref))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Oyelaran", "Margarethe", "1957-11-23", "W4815162342"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("blob file contains %q", s)
		}
	}
}

func TestSmallReads(t *testing.T) {
	s, _ := newStore(t, newRing(t))
	data := randomBytes(3*segmentSize + 5)
	// Put from a reader that returns a byte at a time.
	ref, size, err := s.Put(context.Background(), "upload", iotest.OneByteReader(bytes.NewReader(data)))
	if err != nil || size != int64(len(data)) {
		t.Fatalf("Put: %d, %v", size, err)
	}
	rc, err := s.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(iotest.OneByteReader(rc))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("byte-wise read: %d bytes, %v", len(got), err)
	}
}

// tamper stores a 2.5-segment blob, applies f to its file and reads it.
func tamper(t *testing.T, f func(file []byte, hdr int) []byte) error {
	t.Helper()
	s, dir := newStore(t, newRing(t))
	ref := put(t, s, "upload", randomBytes(2*segmentSize+segmentSize/2))
	path := filepath.Join(dir, ref)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdr := len(magic) + 2 + len(s.ring.ActiveID()) + saltSize
	if err := os.WriteFile(path, f(file, hdr), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = readAll(s, ref)
	return err
}

func TestTamperingDetected(t *testing.T) {
	const seg = segmentSize + tagSize
	flip := func(i func(hdr int) int) func([]byte, int) []byte {
		return func(b []byte, hdr int) []byte { b[i(hdr)] ^= 0x04; return b }
	}
	tests := []struct {
		name string
		f    func(file []byte, hdr int) []byte
		want string
	}{
		{"magic", flip(func(int) int { return 0 }), "not an rcmbot blob"},
		{"version", flip(func(int) int { return 4 }), "unsupported format version"},
		{"salt", flip(func(hdr int) int { return hdr - 1 }), "segment 0 fails authentication"},
		{"segment 0 first byte", flip(func(hdr int) int { return hdr }), "segment 0 fails"},
		{"segment 1 middle", flip(func(hdr int) int { return hdr + seg + seg/2 }), "segment 1 fails"},
		{"segment 1 tag", flip(func(hdr int) int { return hdr + 2*seg - 1 }), "segment 1 fails"},
		{"final segment", flip(func(hdr int) int { return hdr + 2*seg + 3 }), "segment 2 fails"},
		{"final segment dropped", func(b []byte, hdr int) []byte { return b[:hdr+2*seg] }, "truncated at segment 2"},
		{"truncated mid-segment", func(b []byte, hdr int) []byte { return b[:hdr+seg+100] }, "segment 1 fails"},
		{"last bytes cut", func(b []byte, hdr int) []byte { return b[:len(b)-1] }, "segment 2 fails"},
		{"only header", func(b []byte, hdr int) []byte { return b[:hdr] }, "truncated at segment 0"},
		{"fewer bytes than a tag", func(b []byte, hdr int) []byte { return b[:hdr+5] }, "truncated at segment 0"},
		{"cut in header", func(b []byte, hdr int) []byte { return b[:hdr-3] }, "header"},
		{"segments swapped", func(b []byte, hdr int) []byte {
			out := append([]byte{}, b[:hdr]...)
			out = append(out, b[hdr+seg:hdr+2*seg]...)
			out = append(out, b[hdr:hdr+seg]...)
			return append(out, b[hdr+2*seg:]...)
		}, "segment 0 fails"},
		{"segment repeated", func(b []byte, hdr int) []byte {
			out := append([]byte{}, b[:hdr+seg]...)
			return append(out, b[hdr:]...)
		}, "segment 1 fails"},
		{"data appended", func(b []byte, _ int) []byte { return append(b, "more"...) }, "segment 2 fails"},
		{"final flag forged by truncating to a full segment", func(b []byte, hdr int) []byte { return b[:hdr+seg] }, "truncated at segment 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tamper(t, tt.f)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
}

func TestKeyIDInHeader(t *testing.T) {
	ring := newRing(t)
	s, dir := newStore(t, ring)
	ref := put(t, s, "upload", []byte("x"))
	path := filepath.Join(dir, ref)
	b, _ := os.ReadFile(path)
	id := ring.ActiveID()
	// Replace the key ID with another valid one of the same length.
	other := "z" + id[1:]
	copy(b[len(magic)+2:], other)
	os.WriteFile(path, b, 0o600)
	_, err := readAll(s, ref)
	var uk *keyring.UnknownKeyError
	if !errors.As(err, &uk) || uk.ID != other {
		t.Errorf("swapped key ID: %v, want UnknownKeyError naming %s", err, other)
	}
	// A key ID that is not one.
	copy(b[len(magic)+2:], "../"+id[3:])
	os.WriteFile(path, b, 0o600)
	if _, err := readAll(s, ref); !errors.Is(err, ErrCorrupt) {
		t.Errorf("garbage key ID: %v", err)
	}
}

func TestBlobBoundToRef(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	a := put(t, s, "upload", []byte("claims file A"))
	b := put(t, s, "upload", []byte("claims file B"))
	fa, _ := os.ReadFile(filepath.Join(dir, a))
	if err := os.WriteFile(filepath.Join(dir, b), fa, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(s, b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("blob A copied over B read as B: %v", err)
	}
	// Moving a blob to another kind fails too.
	if err := os.MkdirAll(filepath.Join(dir, "payer-response"), 0o700); err != nil {
		t.Fatal(err)
	}
	moved := "payer-response/" + strings.TrimPrefix(a, "upload/")
	os.Rename(filepath.Join(dir, a), filepath.Join(dir, moved))
	if _, err := readAll(s, moved); !errors.Is(err, ErrCorrupt) {
		t.Errorf("blob moved to another kind: %v", err)
	}
}

func TestRotation(t *testing.T) {
	r1 := newRing(t)
	s1, dir := newStore(t, r1)
	old := randomBytes(segmentSize + 9)
	oldRef := put(t, s1, "upload", old)

	r2, err := r1.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := New(dir, r2)
	if err != nil {
		t.Fatal(err)
	}
	cur := randomBytes(100)
	curRef := put(t, s2, "upload", cur)
	raw, _ := os.ReadFile(filepath.Join(dir, curRef))
	if !bytes.Contains(raw[:64], []byte(r2.ActiveID())) {
		t.Error("new blob's header does not name the new key")
	}
	for ref, want := range map[string][]byte{oldRef: old, curRef: cur} {
		if got, err := readAll(s2, ref); err != nil || !bytes.Equal(got, want) {
			t.Errorf("rotated store reading %s: %v", ref, err)
		}
	}
	_, err = readAll(s1, curRef)
	var uk *keyring.UnknownKeyError
	if !errors.As(err, &uk) || uk.ID != r2.ActiveID() || !strings.Contains(err.Error(), curRef) {
		t.Errorf("old ring reading new blob: %v, want UnknownKeyError naming %s and the ref", err, r2.ActiveID())
	}
}

func TestDelete(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	ref := put(t, s, "upload", []byte("to be deleted"))
	keep := put(t, s, "upload", []byte("kept"))
	if err := s.Delete(ref); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Delete: %v, want ErrNotFound", err)
	}
	if _, err := s.Size(ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("Size after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ref); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if got, err := readAll(s, keep); err != nil || string(got) != "kept" {
		t.Errorf("other blob after Delete: %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ref)); !os.IsNotExist(err) {
		t.Errorf("file still there: %v", err)
	}
}

func TestMalformedRefs(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	secret := filepath.Join(filepath.Dir(dir), "keys.txt")
	os.WriteFile(secret, []byte("keep me"), 0o600)
	for _, ref := range []string{
		"", "upload", "upload/", "upload/abc", "../keys.txt", "upload/../../keys.txt",
		"Upload/AAAAAAAAAAAAAAAAAAAAAAAAAA", "upload/aaaaaaaaaaaaaaaaaaaaaaaaaa",
		"upload/AAAAAAAAAAAAAAAAAAAAAAAAAA/x", "/upload/AAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		if _, err := s.Open(ref); err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("Open(%q): %v", ref, err)
		}
		if err := s.Delete(ref); err == nil {
			t.Errorf("Delete(%q) succeeded", ref)
		}
	}
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("file outside the store touched: %v", err)
	}
	for _, kind := range []string{"", "Upload", "up/load", "..", "1upload", strings.Repeat("a", 33)} {
		if _, _, err := s.Put(context.Background(), kind, strings.NewReader("x")); err == nil {
			t.Errorf("Put with kind %q succeeded", kind)
		}
	}
}

func TestSweep(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	ctx := context.Background()
	oldUpload := put(t, s, "upload", []byte("old upload"))
	newUpload := put(t, s, "upload", []byte("new upload"))
	oldResponse := put(t, s, "payer-response", []byte("old 271"))
	age := func(rel string, d time.Duration) {
		t.Helper()
		ts := time.Now().Add(-d)
		if err := os.Chtimes(filepath.Join(dir, rel), ts, ts); err != nil {
			t.Fatal(err)
		}
	}
	age(oldUpload, 91*24*time.Hour)
	age(oldResponse, 91*24*time.Hour)
	// Leftovers of interrupted Puts and a stranger's file.
	for name, d := range map[string]time.Duration{".put-stale": 2 * time.Hour, ".put-running": time.Minute, "README": 1000 * time.Hour} {
		os.WriteFile(filepath.Join(dir, "upload", name), []byte("x"), 0o600)
		age(filepath.Join("upload", name), d)
	}

	n, err := s.Sweep(ctx, "upload", 90*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("Sweep upload = %d, %v; want 1", n, err)
	}
	if _, err := s.Open(oldUpload); !errors.Is(err, ErrNotFound) {
		t.Errorf("old upload survived: %v", err)
	}
	if _, err := readAll(s, newUpload); err != nil {
		t.Errorf("new upload swept: %v", err)
	}
	if _, err := readAll(s, oldResponse); err != nil {
		t.Errorf("payer response swept by an upload sweep: %v", err)
	}
	for name, want := range map[string]bool{".put-stale": false, ".put-running": true, "README": true} {
		_, err := os.Stat(filepath.Join(dir, "upload", name))
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", name, got, want)
		}
	}

	n, err = s.Sweep(ctx, "", 90*24*time.Hour)
	if err != nil || n != 1 {
		t.Errorf("Sweep all = %d, %v; want 1 (the payer response)", n, err)
	}
	if _, err := s.Sweep(ctx, "", 0); err == nil {
		t.Error("Sweep with zero retention accepted")
	}
	if n, err := s.Sweep(ctx, "never-used", time.Hour); err != nil || n != 0 {
		t.Errorf("Sweep of an unused kind = %d, %v", n, err)
	}
}

// failingReader yields data then fails; with cancel set, it cancels a
// context once half its data has been read and carries on.
type failingReader struct {
	data   []byte
	cancel context.CancelFunc
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errors.New("connection reset by peer")
	}
	n := copy(p, r.data[:min(len(r.data), 4096)])
	r.data = r.data[n:]
	if r.cancel != nil && len(r.data) < segmentSize {
		r.cancel()
	}
	return n, nil
}

func TestPutLeavesNothingOnFailure(t *testing.T) {
	s, dir := newStore(t, newRing(t))
	_, _, err := s.Put(context.Background(), "upload", &failingReader{data: randomBytes(3 * segmentSize)})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("Put with failing input: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _, err = s.Put(ctx, "upload", &failingReader{data: randomBytes(3 * segmentSize), cancel: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Put: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "upload"))
	if len(entries) != 0 {
		t.Errorf("files left after failed Puts: %v", entries)
	}
}

func TestNewRefusesOpenDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	if _, err := New(dir, newRing(t)); err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Errorf("New on a 0755 dir: %v", err)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	if _, err := New(file, newRing(t)); err == nil {
		t.Error("New on a file succeeded")
	}
}

func FuzzOpen(f *testing.F) {
	ring := newRing(f)
	s, dir := newStore(f, ring)
	ref := put(f, s, "upload", []byte("seed blob content"))
	valid, err := os.ReadFile(filepath.Join(dir, ref))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add([]byte("RCMB\x01\x00"))
	f.Add([]byte("RCMB\x01\xff"))
	f.Fuzz(func(t *testing.T, file []byte) {
		if err := os.WriteFile(filepath.Join(dir, ref), file, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(s, ref)
		if err == nil && !bytes.Equal(file, valid) {
			t.Fatalf("forged blob accepted: %q", got)
		}
		s.Size(ref) // must not panic
	})
}

func benchData(b *testing.B, n int) []byte {
	b.Helper()
	// Spreadsheet-like bytes; content does not affect AES-GCM speed.
	return bytes.Repeat([]byte("C0001234,99213,25,1,150.00,Z00.00\n"), n/34+1)[:n]
}

// BenchmarkPut measures encrypting a 50 MB upload to disk. B/op shows that
// memory stays at one segment however large the upload.
func BenchmarkPut(b *testing.B) {
	s, _ := newStore(b, newRing(b))
	data := benchData(b, 50<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ref, _, err := s.Put(context.Background(), "upload", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Delete(ref)
		b.StartTimer()
	}
}

// BenchmarkOpen measures decrypting a 50 MB blob from disk.
func BenchmarkOpen(b *testing.B) {
	s, _ := newStore(b, newRing(b))
	ref, _, err := s.Put(context.Background(), "upload", bytes.NewReader(benchData(b, 50<<20)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(50 << 20)
	b.ReportAllocs()
	for b.Loop() {
		rc, err := s.Open(ref)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}
