package store

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// timeLayout is how timestamps are stored: UTC, fixed width, microseconds.
// Fixed width makes text comparison agree with time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts returns t as a query argument: fixed-width UTC text, or NULL for the
// zero time. Precision below a microsecond is dropped.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// now returns the current time at the precision the store keeps, so a
// value written and read back compares equal.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// timeDest scans a stored timestamp (or NULL, as the zero time) into *t.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time:
		*d.t = v.UTC()
		return nil
	default:
		return fmt.Errorf("scan timestamp: unsupported type %T", src)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan timestamp %q: %w", s, err)
	}
	*d.t = t.UTC()
	return nil
}

// scanTime returns a scan target for a stored timestamp.
func scanTime(t *time.Time) timeDest { return timeDest{t} }

// crockford is Crockford's base32 alphabet in lower case (no i, l, o, u).
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns prefix followed by 26 characters: 48 bits of milliseconds
// since the Unix epoch and 80 random bits in Crockford base32, like a
// ULID. IDs sort by creation time and reveal nothing about their subject:
// NewID("b-") names a batch.
func NewID(prefix string) string {
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
