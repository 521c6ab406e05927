package keyring

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Parse reads a key ring in the text format described in the package
// documentation. source names where the text came from ("RCMBOT_KEYS", a
// file name) in errors. Errors say which line or entry is wrong and how to fix
// it; they never contain key material, nor text that might be key material.
func Parse(source, text string) (*Ring, error) {
	var (
		active, tagID string
		ids           []string
		raw           = map[string][]byte{}
	)
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for ln, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entries := strings.Split(line, ";")
		for en, entry := range entries {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			where := source
			if len(lines) > 1 {
				where += fmt.Sprintf(" line %d", ln+1)
			}
			if len(entries) > 1 {
				where += fmt.Sprintf(" entry %d", en+1)
			}
			name, value, ok := strings.Cut(entry, "=")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok {
				return nil, fmt.Errorf("%s: not NAME=VALUE; write ID=BASE64KEY, active=ID or tag=ID", where)
			}
			switch strings.ToLower(name) {
			case "active", "tag":
				if err := CheckID(value); err != nil {
					return nil, fmt.Errorf("%s: %s=: %w", where, name, err)
				}
				dst := &active
				if strings.ToLower(name) == "tag" {
					dst = &tagID
				}
				if *dst != "" {
					return nil, fmt.Errorf("%s: %s= given twice; keep one", where, name)
				}
				*dst = value
				continue
			}
			if err := CheckID(name); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if _, dup := raw[name]; dup {
				return nil, fmt.Errorf("%s: key %q defined twice; each ID names one key", where, name)
			}
			k, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return nil, fmt.Errorf("%s: key %q is not standard base64; generate one with `rcmbot keys new`", where, name)
			}
			if len(k) != KeySize {
				return nil, fmt.Errorf("%s: key %q is %d bytes, AES-256 needs %d; generate one with `rcmbot keys new`", where, name, len(k), KeySize)
			}
			for _, other := range ids {
				if sameKey(raw[other], k) {
					return nil, fmt.Errorf("%s: key %q is the same key as %q; a new key must be newly generated (`rcmbot keys new`)", where, name, other)
				}
			}
			ids = append(ids, name)
			raw[name] = k
		}
	}
	switch {
	case len(ids) == 0:
		return nil, fmt.Errorf("%s: no keys; add an entry ID=BASE64KEY (`rcmbot keys new` prints one) and active=ID", source)
	case active == "":
		return nil, fmt.Errorf("%s: no active key; add active=ID naming one of %s", source, strings.Join(ids, ", "))
	case raw[active] == nil:
		return nil, fmt.Errorf("%s: active key %q is not defined; add %s=BASE64KEY or name one of %s", source, active, active, strings.Join(ids, ", "))
	case tagID != "" && raw[tagID] == nil:
		return nil, fmt.Errorf("%s: tag key %q is not defined; tag= must name the key hashed identifiers were made with, one of %s", source, tagID, strings.Join(ids, ", "))
	case tagID == "" && len(ids) > 1:
		return nil, fmt.Errorf("%s: tag=ID is required once the ring holds more than one key: name the key hashed identifiers were made with (the first key, if tag= was never set); changing it changes every hashed identifier", source)
	}
	return build(active, tagID, ids, raw)
}

// CheckID reports whether id is a valid key ID (see the package
// documentation). Its errors never repeat id, which may be a mistyped key.
func CheckID(id string) error {
	if id == "" {
		return errors.New("empty key ID")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("key ID longer than %d characters (is a key where an ID belongs?)", maxIDLen)
	}
	for i, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("key ID has a character other than letters, digits, '.', '_' or '-' (or does not start with a letter or digit)")
		}
	}
	if l := strings.ToLower(id); l == "active" || l == "tag" {
		return fmt.Errorf("%q is reserved and cannot be a key ID", id)
	}
	return nil
}

// LoadFile reads a key ring file. It does not check the file's permissions:
// mounted secrets are often world-readable inside their container.
func LoadFile(path string) (*Ring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key file %s does not exist: create it with `rcmbot keys new` (see `rcmbot config` for RCMBOT_KEYS_FILE), or set RCMBOT_KEYS", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	return Parse(path, string(b))
}

// Load returns the ring from inline text (RCMBOT_KEYS) when it is not empty,
// otherwise from the file at path (RCMBOT_KEYS_FILE).
func Load(inline, path string) (*Ring, error) {
	if strings.TrimSpace(inline) != "" {
		return Parse("RCMBOT_KEYS", inline)
	}
	if path == "" {
		return nil, errors.New("no key ring: set RCMBOT_KEYS or RCMBOT_KEYS_FILE (`rcmbot keys new` prints a key)")
	}
	return LoadFile(path)
}

// LoadOrCreateDevFile reads the development key ring at path, creating it
// with one new key (mode 0600, directory 0700) if it does not exist yet. The
// file is created atomically, so concurrent first runs agree on one ring. It
// refuses a ring file that other users may read or write.
func LoadOrCreateDevFile(path string) (*Ring, error) {
	if err := createExclusive(path); err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("dev key ring: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("dev key ring %s is accessible to other users (mode %04o): run chmod 600 %s", path, perm, path)
		}
	}
	return LoadFile(path)
}

// createExclusive writes a new one-key ring to path unless path exists.
func createExclusive(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return nil
	}
	r, err := New()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key ring directory: %w", err)
	}
	tmp, err := writeTemp(dir, r.text())
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// Link fails if path appeared meanwhile; then the other writer's ring wins.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create dev key ring: %w", err)
	}
	return nil
}

// RotateFile adds a newly generated key to the key file at path and makes it
// active, pinning tag= so identifiers keep their values. The file is
// replaced atomically with mode 0600; comments in it are not kept. It
// returns the new key's ID. Running workers keep the old active key until
// they restart; both keys open data either way.
func RotateFile(path string) (string, error) {
	r, err := LoadFile(path)
	if err != nil {
		return "", err
	}
	nr, err := r.Rotate()
	if err != nil {
		return "", err
	}
	tmp, err := writeTemp(filepath.Dir(path), nr.text())
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("replace key file: %w", err)
	}
	return nr.ActiveID(), nil
}

// writeTemp writes text to a new 0600 file in dir, synced, and returns its
// name.
func writeTemp(dir, text string) (string, error) {
	f, err := os.CreateTemp(dir, ".keys-*")
	if err != nil {
		return "", fmt.Errorf("write key ring: %w", err)
	}
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write key ring: %w", err)
	}
	return f.Name(), nil
}

// text renders the ring in the file format. It is the only way key material
// leaves the package, and it is unexported on purpose: a Ring has no
// MarshalText, so encoding/json and friends cannot print it.
func (r *Ring) text() string {
	var b strings.Builder
	b.WriteString("# rcmbot key ring: keep secret, keep every key that sealed retained data.\n")
	b.WriteString("# To rotate, add a new key (`rcmbot keys new`) and make it active; keep tag= as it is.\n")
	fmt.Fprintf(&b, "active=%s\ntag=%s\n", r.active, r.tagID)
	for _, id := range r.ids {
		fmt.Fprintf(&b, "%s=%s\n", id, base64.StdEncoding.EncodeToString(r.keys[id].raw[:]))
	}
	return b.String()
}
