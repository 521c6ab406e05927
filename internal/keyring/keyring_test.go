package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fixedKey is bytes 0..31; the known-answer values below were computed from
// it independently (Python hmac/hashlib, HKDF per RFC 5869).
var fixedKey = func() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

const fixedKeyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func entry(t testing.TB) (string, string) {
	t.Helper()
	id, enc := NewEntry()
	return id, enc
}

func mustParse(t testing.TB, text string) *Ring {
	t.Helper()
	r, err := Parse("test", text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return r
}

func TestParseForms(t *testing.T) {
	id1, k1 := entry(t)
	id2, k2 := entry(t)
	tests := []struct {
		name, text string
	}{
		{"inline", fmt.Sprintf("active=%s;tag=%s;%s=%s;%s=%s", id2, id1, id1, k1, id2, k2)},
		{"inline with spaces and trailing ;", fmt.Sprintf(" active = %s ; tag=%s ; %s = %s ;%s=%s; ", id2, id1, id1, k1, id2, k2)},
		{"file", fmt.Sprintf("# rcmbot keys\n\nactive=%s\ntag=%s\n%s=%s\n%s=%s\n", id2, id1, id1, k1, id2, k2)},
		{"file with CRLF", fmt.Sprintf("active=%s\r\ntag=%s\r\n%s=%s\r\n%s=%s\r\n", id2, id1, id1, k1, id2, k2)},
		{"mixed", fmt.Sprintf("active=%s;tag=%s\n%s=%s;%s=%s", id2, id1, id1, k1, id2, k2)},
		{"upper-case directives", fmt.Sprintf("ACTIVE=%s;Tag=%s;%s=%s;%s=%s", id2, id1, id1, k1, id2, k2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.text)
			if r.ActiveID() != id2 || r.TagID() != id1 {
				t.Errorf("active, tag = %s, %s; want %s, %s", r.ActiveID(), r.TagID(), id2, id1)
			}
			if got := strings.Join(r.IDs(), ","); got != id1+","+id2 {
				t.Errorf("IDs = %s", got)
			}
		})
	}
}

func TestSingleKeyNeedsNoTag(t *testing.T) {
	r := mustParse(t, "active=k1;k1="+fixedKeyB64)
	if r.TagID() != "k1" {
		t.Errorf("TagID = %q, want k1", r.TagID())
	}
}

func TestParseErrors(t *testing.T) {
	_, k1 := entry(t)
	_, k2 := entry(t)
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "no keys"},
		{"only comments", "# nothing\n\n", "no keys"},
		{"bare key", k1, "longer than 32 characters"},
		{"bare key without padding", strings.TrimRight(k1, "="), "not NAME=VALUE"},
		{"key where ID belongs", "active=" + k1, "longer than 32"},
		{"ID with slash", "a/b=" + k1, "character other than"},
		{"ID starting with dash", "-a=" + k1, "does not start with a letter or digit"},
		{"reserved ID", "active=tag", "reserved"},
		{"no active", "k1=" + k1, "no active key; add active=ID naming one of k1"},
		{"active undefined", "active=k9;k1=" + k1, `active key "k9" is not defined`},
		{"active twice", "active=k1;active=k1;k1=" + k1, "active= given twice"},
		{"duplicate ID", "active=k1;k1=" + k1 + ";k1=" + k2, `key "k1" defined twice`},
		{"not base64", "active=k1;k1=" + strings.Repeat("!", 44), `key "k1" is not standard base64`},
		{"URL-safe base64", "active=k1;k1=" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)), `key "k1" is not standard base64`},
		{"128-bit key", "active=k1;k1=" + short, `key "k1" is 16 bytes, AES-256 needs 32`},
		{"same key twice", "active=k2;tag=k1;k1=" + k1 + ";k2=" + k1, `key "k2" is the same key as "k1"`},
		{"two keys without tag", "active=k2;k1=" + k1 + ";k2=" + k2, "tag=ID is required"},
		{"tag undefined", "active=k1;tag=k0;k1=" + k1, `tag key "k0" is not defined`},
		{"where: line", "active=k1\nk1=" + k1 + "\nnonsense", "test line 3: not NAME=VALUE"},
		{"where: entry", "active=k1;k1=" + k1 + ";nonsense", "test entry 3: not NAME=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test", tt.text)
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			assertNoSecret(t, err.Error(), k1, k2, short)
		})
	}
}

// assertNoSecret fails if s contains any of the keys or a 16-character
// stretch of one.
func assertNoSecret(t *testing.T, s string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		k = strings.TrimRight(k, "=")
		for i := 0; i+16 <= len(k); i++ {
			if strings.Contains(s, k[i:i+16]) {
				t.Fatalf("text contains key material: %q", s)
			}
		}
	}
}

func TestSealOpen(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"patient":"Jane Q Doe","dob":"1961-04-12","member":"W123456789"}`)
	aad := []byte("ctx")
	ct, id := r.Seal(msg, aad)
	if id != r.ActiveID() {
		t.Errorf("Seal key ID %q, want active %q", id, r.ActiveID())
	}
	if len(ct) != len(msg)+28 {
		t.Errorf("ciphertext %d bytes, want %d", len(ct), len(msg)+28)
	}
	if bytes.Contains(ct, []byte("Jane")) {
		t.Fatal("ciphertext contains plaintext")
	}
	ct2, _ := r.Seal(msg, aad)
	if bytes.Equal(ct[:12], ct2[:12]) {
		t.Error("two seals used the same nonce")
	}
	got, err := r.Open(id, ct, aad)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v", got, err)
	}

	if _, err := r.Open(id, ct, []byte("other ctx")); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("Open with other aad: %v, want ErrAuthFailed", err)
	}
	for _, i := range []int{0, 11, 12, len(ct) / 2, len(ct) - 1} {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := r.Open(id, bad, aad); !errors.Is(err, ErrAuthFailed) {
			t.Errorf("Open with byte %d flipped: %v, want ErrAuthFailed", i, err)
		}
	}
	if _, err := r.Open(id, ct[:20], aad); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("Open of truncated ciphertext: %v, want ErrAuthFailed", err)
	}

	_, err = r.Open("k-gone", ct, aad)
	var uk *UnknownKeyError
	if !errors.As(err, &uk) || uk.ID != "k-gone" {
		t.Fatalf("Open with unknown key: %v, want UnknownKeyError for k-gone", err)
	}
	// It names the key the data asked for, never the ring's own (the
	// error can reach whoever sent the data).
	if !strings.Contains(err.Error(), `key "k-gone" is not in the key ring`) || strings.Contains(err.Error(), r.ActiveID()) {
		t.Errorf("unknown key error %q should name the missing key and not the ring's active one", err)
	}
}

func TestRotation(t *testing.T) {
	r1, err := New()
	if err != nil {
		t.Fatal(err)
	}
	old, oldID := r1.Seal([]byte("sealed before rotation"), nil)
	r2, err := r1.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if r2.ActiveID() == oldID || len(r2.IDs()) != 2 {
		t.Fatalf("after Rotate: %v", r2)
	}
	if r2.TagID() != r1.TagID() || r2.Tag("member", "W123456789") != r1.Tag("member", "W123456789") {
		t.Error("Rotate changed tags")
	}
	if got, err := r2.Open(oldID, old, nil); err != nil || string(got) != "sealed before rotation" {
		t.Fatalf("rotated ring opens old data: %q, %v", got, err)
	}
	ct, newID := r2.Seal([]byte("after"), nil)
	if newID != r2.ActiveID() {
		t.Errorf("sealed with %s, want %s", newID, r2.ActiveID())
	}
	var uk *UnknownKeyError
	if _, err := r1.Open(newID, ct, nil); !errors.As(err, &uk) || uk.ID != newID {
		t.Errorf("old ring opening new data: %v, want UnknownKeyError naming %s", err, newID)
	}
}

func TestTagKnownAnswer(t *testing.T) {
	r := mustParse(t, "active=k1;k1="+fixedKeyB64)
	for _, tt := range []struct{ kind, value, want string }{
		{"member", "AETNA|W123456789", "zgrm6tnpmh3gyq2g5v6mix5jwa"},
		{"", "x", "carg4olsfe6qhnlndnudvwqe4e"},
	} {
		if got := r.Tag(tt.kind, tt.value); got != tt.want {
			t.Errorf("Tag(%q, %q) = %s, want %s", tt.kind, tt.value, got, tt.want)
		}
	}
}

func TestTagProperties(t *testing.T) {
	id, k := entry(t)
	r := mustParse(t, fmt.Sprintf("active=%s;%s=%s", id, id, k))
	other, err := New()
	if err != nil {
		t.Fatal(err)
	}
	a := r.Tag("member", "W123456789")
	if !regexp.MustCompile(`^[a-z2-7]{26}$`).MatchString(a) {
		t.Errorf("tag %q is not 26 lower-case base32 characters", a)
	}
	if b := r.Tag("member", "W123456789"); a != b {
		t.Error("Tag is not deterministic")
	}
	if r.Tag("patient", "W123456789") == a {
		t.Error("different kinds give the same tag")
	}
	// Length prefixing keeps kind and value apart.
	if r.Tag("ab", "c") == r.Tag("a", "bc") {
		t.Error("kind/value boundary is ambiguous")
	}
	if other.Tag("member", "W123456789") == a {
		t.Error("different rings give the same tag")
	}
	// The tag key follows tag=, not active=.
	id2, k2 := entry(t)
	rotated := mustParse(t, fmt.Sprintf("active=%s;tag=%s;%s=%s;%s=%s", id2, id, id, k, id2, k2))
	if rotated.Tag("member", "W123456789") != a {
		t.Error("adding an active key changed the tag")
	}
	retagged := mustParse(t, fmt.Sprintf("active=%s;tag=%s;%s=%s;%s=%s", id2, id2, id, k, id2, k2))
	if retagged.Tag("member", "W123456789") == a {
		t.Error("tag= pointing at another key gave the same tag")
	}
}

func TestDeriveAEAD(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef0123456789abcdef")
	a1, err := r.DeriveAEAD(r.ActiveID(), salt, "blob/v1")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := r.DeriveAEAD(r.ActiveID(), salt, "blob/v1")
	nonce := make([]byte, a1.NonceSize())
	ct := a1.Seal(nil, nonce, []byte("x"), nil)
	if _, err := a2.Open(nil, nonce, ct, nil); err != nil {
		t.Fatalf("same inputs derive different keys: %v", err)
	}
	for name, args := range map[string]struct {
		salt    []byte
		purpose string
	}{
		"other salt":    {[]byte("another salt"), "blob/v1"},
		"other purpose": {salt, "blob/v2"},
	} {
		b, err := r.DeriveAEAD(r.ActiveID(), args.salt, args.purpose)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Open(nil, nonce, ct, nil); err == nil {
			t.Errorf("%s derives the same key", name)
		}
	}
	// Seal uses its own derived key: its output does not open under a
	// derived key with the same (empty) salt.
	sealed, _ := r.Seal([]byte("x"), nil)
	d, _ := r.DeriveAEAD(r.ActiveID(), nil, "seal/v1")
	if _, err := d.Open(nil, sealed[:12], sealed[12:], nil); err == nil {
		t.Error("Seal's key is reachable through DeriveAEAD")
	}
	if _, err := r.DeriveAEAD(r.ActiveID(), nil, ""); err == nil {
		t.Error("empty purpose accepted")
	}
	var uk *UnknownKeyError
	if _, err := r.DeriveAEAD("nope", salt, "blob/v1"); !errors.As(err, &uk) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestPrintingShowsNoKeys(t *testing.T) {
	r := mustParse(t, "active=k1;k1="+fixedKeyB64)
	outputs := []string{
		fmt.Sprint(r), fmt.Sprintf("%v %+v %#v %s", r, r, r, r),
		fmt.Sprintf("%v %+v %#v", *r, *r, *r),
	}
	//lint:ignore SA9005 the point: marshalling a ring must show no key material
	j, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))
	rawDecimal := strings.Trim(fmt.Sprint(fixedKey), "[]")
	for _, out := range outputs {
		assertNoSecret(t, out, fixedKeyB64)
		if strings.Contains(out, rawDecimal[:20]) || strings.Contains(out, fmt.Sprintf("%x", fixedKey)[:16]) {
			t.Errorf("output shows raw key bytes: %s", out)
		}
	}
	if got := r.String(); got != "keyring(active=k1 tag=k1 keys=k1)" {
		t.Errorf("String = %q", got)
	}
}

func TestNewEntry(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		id, enc := NewEntry()
		if err := CheckID(id); err != nil {
			t.Fatalf("NewEntry ID %q: %v", id, err)
		}
		if !regexp.MustCompile(`^k\d{8}-[a-z2-7]{6}$`).MatchString(id) {
			t.Errorf("ID %q does not look like kYYYYMMDD-xxxxxx", id)
		}
		if seen[id] || seen[enc] {
			t.Fatal("NewEntry repeated itself")
		}
		seen[id], seen[enc] = true, true
		mustParse(t, "active="+id+";"+id+"="+enc)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	id, k := entry(t)
	file := filepath.Join(dir, "keys.txt")
	if err := os.WriteFile(file, []byte("active="+id+"\n"+id+"="+k+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, err := Load("", file)
	if err != nil || fromFile.ActiveID() != id {
		t.Fatalf("Load from file: %v, %v", fromFile, err)
	}
	id2, k2 := entry(t)
	inline, err := Load("active="+id2+";"+id2+"="+k2, file)
	if err != nil || inline.ActiveID() != id2 {
		t.Fatalf("inline should win over the file: %v, %v", inline, err)
	}
	if _, err := Load("", filepath.Join(dir, "missing.txt")); err == nil || !strings.Contains(err.Error(), "does not exist: create it") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load("  ", ""); err == nil || !strings.Contains(err.Error(), "set RCMBOT_KEYS or RCMBOT_KEYS_FILE") {
		t.Errorf("nothing configured: %v", err)
	}
	if err := os.WriteFile(file, []byte("active="+id+"\n"+id+"="+k[:20]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("", file); err == nil || !strings.Contains(err.Error(), file+" line 2") {
		t.Errorf("bad file error should name file and line: %v", err)
	}
}

func TestLoadOrCreateDevFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "dev", "keys.txt")
	r1, err := LoadOrCreateDevFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Dir(path))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode %04o, want 0700", di.Mode().Perm())
	}
	ct, id := r1.Seal([]byte("dev"), nil)
	r2, err := LoadOrCreateDevFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r2.Open(id, ct, nil); err != nil || string(got) != "dev" {
		t.Fatalf("second run does not read the same ring: %v", err)
	}
	if r1.Tag("m", "1") != r2.Tag("m", "1") {
		t.Error("tags differ between runs")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("world-readable dev ring: %v", err)
	}
}

func TestLoadOrCreateDevFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.txt")
	const n = 8
	tags := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := LoadOrCreateDevFile(path)
			errs[i] = err
			if err == nil {
				tags[i] = r.Tag("m", "1")
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		if tags[i] != tags[0] {
			t.Fatal("concurrent first runs created different rings")
		}
	}
}

func TestRotateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.txt")
	r1, err := LoadOrCreateDevFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ct, oldID := r1.Seal([]byte("old"), nil)
	newID, err := RotateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ActiveID() != newID || newID == oldID {
		t.Errorf("active = %s, RotateFile said %s (old %s)", r2.ActiveID(), newID, oldID)
	}
	if got, err := r2.Open(oldID, ct, nil); err != nil || string(got) != "old" {
		t.Errorf("old data after RotateFile: %v", err)
	}
	if r2.Tag("m", "1") != r1.Tag("m", "1") {
		t.Error("RotateFile changed tags")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("rotated file mode %04o", fi.Mode().Perm())
	}
}

func FuzzParse(f *testing.F) {
	f.Add("active=k1;k1=" + fixedKeyB64)
	f.Add("active=k2\ntag=k1\nk1=" + fixedKeyB64 + "\nk2=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	f.Add(fixedKeyB64)
	f.Add("active=" + fixedKeyB64)
	f.Add("# c\n\n;;=;==\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Parse("fuzz", text)
		if err != nil {
			// Values longer than any ID may be keys: never echo them.
			for _, tok := range strings.FieldsFunc(text, func(c rune) bool { return c == ';' || c == '\n' || c == '=' || c == ' ' || c == '\r' || c == '\t' }) {
				if len(tok) > maxIDLen && strings.Contains(err.Error(), tok) {
					t.Fatalf("error echoes a %d-character value: %v", len(tok), err)
				}
			}
			return
		}
		again, err := Parse("fuzz", r.text())
		if err != nil {
			t.Fatalf("reparsing rendered ring: %v", err)
		}
		if again.String() != r.String() || again.Tag("k", "v") != r.Tag("k", "v") {
			t.Fatalf("render/parse round trip changed the ring: %v vs %v", again, r)
		}
	})
}
