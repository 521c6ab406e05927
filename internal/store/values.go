package store

import (
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
