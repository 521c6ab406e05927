// Package keyring holds rcmbot's AES-256 keys: the key ring that encrypts
// Temporal payloads, stored files and anything else rcmbot keeps at rest.
//
// A ring has one or more keys, each under a short ID, and names one of them
// active. New data is sealed with the active key and carries the key's ID;
// data sealed under an older key still opens as long as that key stays in the
// ring. Rotating therefore means adding a new key and making it active, never
// removing the old one while data sealed with it is retained.
//
// # Text format
//
// RCMBOT_KEYS and the key file (RCMBOT_KEYS_FILE) hold the same entries,
// separated by ';' or newlines:
//
//	active=k2
//	tag=k1
//	k1=BASE64KEY
//	k2=BASE64KEY
//
// A key ID is 1 to 32 letters, digits, '.', '_' or '-', starting with a
// letter or digit. A key is 32 bytes in standard base64 (44 characters);
// `rcmbot keys new` prints a fresh ID=KEY entry. Blank lines and lines
// starting with '#' are ignored.
//
// # Derived keys
//
// The ring never uses a configured key directly. Each purpose gets its own
// key derived with HKDF-SHA256 from the configured one, with a distinct info
// string: payload sealing ("rcmbot/keyring/seal/v1"), identifier tags
// ("rcmbot/keyring/tag/v1") and callers' purposes (DeriveAEAD,
// "rcmbot/derived/"+purpose). A key leaked for one purpose reveals nothing
// about the others.
//
// # Tags
//
// Tag makes deterministic opaque identifiers (hashed member keys for
// indexing and dedupe). Its key is derived from the key named by tag=ID, not
// from the active key, so rotating the encryption key does not change any
// tag. With a single key, tag= may be left out and that key is used; as soon
// as a ring holds two keys tag= is required, so that adding a key can never
// silently change every tag. Changing tag= changes every tag: stored tags
// must then be recomputed.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// KeySize is the size of every key in bytes (AES-256).
const KeySize = 32

// maxIDLen keeps key IDs shorter than an encoded key (44 characters), so
// that a key pasted where an ID belongs never passes as an ID and is never
// echoed in an error.
const maxIDLen = 32

// HKDF info strings; see the package documentation.
const (
	infoSeal    = "rcmbot/keyring/seal/v1"
	infoTag     = "rcmbot/keyring/tag/v1"
	infoDerived = "rcmbot/derived/"
)

// ErrAuthFailed reports ciphertext that does not authenticate: it was
// corrupted or tampered with, or sealed under a different key that carries
// the same ID.
var ErrAuthFailed = errors.New("message authentication failed: data corrupted or tampered with, or sealed under a different key with this ID")

// UnknownKeyError reports data sealed under a key the ring does not hold.
// Its message names only the key the data names: the ring's own key IDs
// (the active one among them) are not told to whoever sent the data;
// operators see them with `rcmbot config` and in the key file.
type UnknownKeyError struct {
	ID string // the key ID the data names
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("key %q is not in the key ring: add the key that sealed this data to RCMBOT_KEYS or the key file", e.ID)
}

// Ring is an immutable key ring, safe for concurrent use. All key material
// sits behind pointers, so printing a Ring with any fmt verb shows IDs or
// addresses, never keys; use *Ring, whose String lists the IDs.
type Ring struct {
	active string
	tagID  string
	ids    []string // in the order they were given
	keys   map[string]*key
	tagKey *[KeySize]byte
}

// key is one configured key and the AEAD derived from it for Seal/Open.
type key struct {
	raw  [KeySize]byte
	seal cipher.AEAD
}

func newKey(raw []byte) (*key, error) {
	k := &key{}
	copy(k.raw[:], raw)
	sk, err := hkdf.Key(sha256.New, k.raw[:], nil, infoSeal, KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive sealing key: %w", err)
	}
	block, err := aes.NewCipher(sk)
	if err != nil {
		return nil, err
	}
	k.seal, err = cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// build assembles a ring from parsed parts; tagID may be empty when there is
// exactly one key. Callers have validated IDs and sizes.
func build(active, tagID string, ids []string, raw map[string][]byte) (*Ring, error) {
	r := &Ring{active: active, tagID: tagID, ids: ids, keys: make(map[string]*key, len(ids))}
	for _, id := range ids {
		k, err := newKey(raw[id])
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		r.keys[id] = k
	}
	if r.tagID == "" {
		r.tagID = ids[0]
	}
	tk, err := hkdf.Key(sha256.New, r.keys[r.tagID].raw[:], nil, infoTag, KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive tag key: %w", err)
	}
	r.tagKey = (*[KeySize]byte)(tk)
	return r, nil
}

// New returns a ring holding one freshly generated key, active and used for
// tags. It suits tests and throwaway setups; persistent data needs a ring
// loaded from configuration.
func New() (*Ring, error) {
	id, raw := generate()
	return build(id, "", []string{id}, map[string][]byte{id: raw})
}

// NewEntry generates a key and returns its ID and its base64 encoding, the
// two halves of an "ID=KEY" entry (what `rcmbot keys new` prints). It cannot
// fail: crypto/rand aborts the process rather than return weak randomness.
func NewEntry() (id, encoded string) {
	id, raw := generate()
	return id, base64.StdEncoding.EncodeToString(raw)
}

// generate makes a random key and an ID of the form kYYYYMMDD-xxxxxx, which
// sorts by creation date and is unique with overwhelming probability.
func generate() (string, []byte) {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never returns an error; aborts the process if the OS cannot supply randomness
	id := "k" + time.Now().UTC().Format("20060102") + "-" + strings.ToLower(rand.Text()[:6])
	return id, raw
}

// Rotate returns a copy of r with a freshly generated key added and made
// active. Tags keep their key, so they do not change.
func (r *Ring) Rotate() (*Ring, error) {
	id, raw := generate()
	if _, dup := r.keys[id]; dup {
		return nil, fmt.Errorf("rotate: generated key ID %q already exists; try again", id)
	}
	ids := append(slices.Clone(r.ids), id)
	raws := map[string][]byte{id: raw}
	for _, kid := range r.ids {
		raws[kid] = r.keys[kid].raw[:]
	}
	return build(id, r.tagID, ids, raws)
}

// ActiveID returns the ID of the key new data is sealed with.
func (r *Ring) ActiveID() string { return r.active }

// TagID returns the ID of the key tags are derived from.
func (r *Ring) TagID() string { return r.tagID }

// IDs returns the IDs of all keys, in configuration order.
func (r *Ring) IDs() []string { return slices.Clone(r.ids) }

// String describes the ring by its key IDs; it never shows key material.
func (r *Ring) String() string {
	return fmt.Sprintf("keyring(active=%s tag=%s keys=%s)", r.active, r.tagID, strings.Join(r.ids, ","))
}

// GoString is String, so that %#v shows no key material either.
func (r *Ring) GoString() string { return r.String() }

func (r *Ring) lookup(id string) (*key, error) {
	k, ok := r.keys[id]
	if !ok {
		return nil, &UnknownKeyError{ID: id}
	}
	return k, nil
}

// Seal encrypts plaintext with AES-256-GCM under the active key and a random
// 96-bit nonce, authenticating aad too. It returns the ciphertext (nonce
// first, tag last: 28 bytes longer than plaintext) and the ID of the key
// used, which the caller stores next to the ciphertext for Open.
//
// Random nonces allow about 2^32 messages per key before the chance of a
// repeat becomes a concern; rotate well before that.
func (r *Ring) Seal(plaintext, aad []byte) (ciphertext []byte, keyID string) {
	return r.keys[r.active].seal.Seal(nil, nil, plaintext, aad), r.active
}

// Open decrypts ciphertext made by Seal under the key keyID with the same
// aad. It fails with an *UnknownKeyError when the ring lacks keyID, and with
// ErrAuthFailed when the ciphertext or aad were altered.
func (r *Ring) Open(keyID string, ciphertext, aad []byte) ([]byte, error) {
	k, err := r.lookup(keyID)
	if err != nil {
		return nil, err
	}
	plaintext, err := k.seal.Open(nil, nil, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("open with key %q: %w", keyID, ErrAuthFailed)
	}
	return plaintext, nil
}

// DeriveAEAD returns an AES-256-GCM AEAD keyed with HKDF-SHA256 of key keyID,
// salt and "rcmbot/derived/"+purpose. The caller owns nonce management: use a
// fresh random salt per object and counter nonces within it (as package blob
// does), or random nonces for few messages.
func (r *Ring) DeriveAEAD(keyID string, salt []byte, purpose string) (cipher.AEAD, error) {
	if purpose == "" {
		return nil, errors.New("derive key: empty purpose")
	}
	k, err := r.lookup(keyID)
	if err != nil {
		return nil, err
	}
	dk, err := hkdf.Key(sha256.New, k.raw[:], salt, infoDerived+purpose, KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive key for %s: %w", purpose, err)
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// tagEncoding is lower-case base32 without padding: short, case-stable and
// safe in file names, URLs and search attributes.
var tagEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Tag returns a deterministic opaque identifier for value within kind (for
// example kind "member" and a payer+member ID): HMAC-SHA256 under the tag key
// of the length-prefixed kind followed by value, truncated to 128 bits and
// written as 26 lower-case base32 characters. Equal inputs give equal tags;
// different kinds give unrelated tags for the same value. Tag does not
// normalise: callers trim and case-fold values themselves if equal IDs can be
// spelled differently.
func (r *Ring) Tag(kind, value string) string {
	m := hmac.New(sha256.New, r.tagKey[:])
	m.Write(binary.AppendUvarint(nil, uint64(len(kind))))
	m.Write([]byte(kind))
	m.Write([]byte(value))
	return tagEncoding.EncodeToString(m.Sum(nil)[:16])
}

// sameKey reports whether two rings entries hold equal key material.
func sameKey(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
