// Package opaqueid makes the identifiers rcmbot gives batches, sweeps,
// check requests and other records: sortable by creation time and
// revealing nothing about the patient or file they stand for, so they may
// appear in workflow IDs, search attributes, URLs and logs.
package opaqueid

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is Crockford's base32 alphabet in lower case (no i, l, o, u).
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// New returns prefix followed by 26 characters: 48 bits of milliseconds
// since the Unix epoch and 80 random bits in Crockford base32, like a
// ULID. IDs sort by creation time: New("b-") names a batch.
//
// Workflow code must call it inside workflow.SideEffect: it reads the
// clock and crypto/rand.
func New(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	// 128 bits as 26 base32 digits (130 bits, top two zero).
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	out := make([]byte, len(prefix)+26)
	copy(out, prefix)
	for i := 25; i >= 0; i-- {
		out[len(prefix)+i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out)
}
