// Package blobtest gives tests a real encrypted blob store in a temporary
// directory, under a fresh key ring.
package blobtest

import (
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/keyring"
)

// New returns a blob store in t's temporary directory and the key ring it
// encrypts with (tests use the ring's keyed hashes too).
func New(t testing.TB) (*blob.Store, *keyring.Ring) {
	t.Helper()
	ring, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.New(filepath.Join(t.TempDir(), "blobs"), ring)
	if err != nil {
		t.Fatal(err)
	}
	return blobs, ring
}
