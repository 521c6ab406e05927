package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The instance is decoded field by field, not with one json.Unmarshal,
// so that every message can name the record and the field and none
// carries the offending value (encoding/json and claim.ParseDate quote
// it).

// field is one key of a JSON object: how to decode it and whether it
// must be there.
type field struct {
	name     string
	required bool
	decode   func(json.RawMessage) error // returns a message saying what was expected
}

// badValue is a field value that could not be read; its text says what
// was expected and never repeats the value.
type badValue string

// Error returns the message.
func (e badValue) Error() string { return string(e) }

// decodeObject decodes raw, a JSON object, into fields. where names the
// object in messages (`request "R3"`; "" for the instance itself).
func decodeObject(raw json.RawMessage, where string, fields []field) error {
	if where != "" {
		where += ": "
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return fmt.Errorf("%smust be a JSON object", where)
	}
	var unknown []string
	for k := range m {
		if !slices.ContainsFunc(fields, func(f field) bool { return f.name == k }) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("%sunknown field %q", where, unknown[0])
	}
	for _, f := range fields {
		v, ok := m[f.name]
		if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if f.required {
				return fmt.Errorf("%sfield %s is missing", where, f.name)
			}
			continue
		}
		if err := f.decode(v); err != nil {
			var le listError
			if errors.As(err, &le) {
				return le.error // the element names itself
			}
			return fmt.Errorf("%sfield %s: %w", where, f.name, err)
		}
	}
	return nil
}

// decodeList decodes a JSON array, naming each element with label(i, raw).
func decodeList(raw json.RawMessage, each func(i int, elem json.RawMessage) error) error {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return badValue("must be a list")
	}
	for i, e := range elems {
		if err := each(i, e); err != nil {
			return err
		}
	}
	return nil
}

// idOf returns the "id" of a JSON object when it can be read, for labels.
func idOf(raw json.RawMessage) string {
	var o struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	s, _ := o.ID.(string)
	return s
}

func str(dst *string) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		if json.Unmarshal(v, dst) != nil {
			return badValue("must be a string")
		}
		*dst = strings.TrimSpace(*dst)
		return nil
	}
}

func strs(dst *[]string) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		if json.Unmarshal(v, dst) != nil {
			return badValue("must be a list of strings")
		}
		return nil
	}
}

func date(dst *claim.Date) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return badValue("must be a date written as a string, YYYY-MM-DD")
		}
		d, err := claim.ParseDate(s)
		if err != nil {
			return badValue("not a date (expected YYYY-MM-DD)")
		}
		*dst = d
		return nil
	}
}

func clock(dst *Clock) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return badValue(`must be a time written as a string, "HH:MM"`)
		}
		c, err := ParseClock(s)
		if err != nil {
			return err
		}
		*dst = c
		return nil
	}
}

func integer(dst *int) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var f float64
		if json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return badValue("must be a whole number")
		}
		*dst = int(f)
		return nil
	}
}

func number(dst *float64) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		if json.Unmarshal(v, dst) != nil {
			return badValue("must be a number")
		}
		return nil
	}
}

func numberPtr(dst **float64) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var f float64
		if err := number(&f)(v); err != nil {
			return err
		}
		*dst = &f
		return nil
	}
}

func boolean(dst **bool) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return badValue("must be true or false")
		}
		*dst = &b
		return nil
	}
}

func windows(dst *[]Window) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var out []Window
		err := decodeList(v, func(i int, e json.RawMessage) error {
			var w Window
			err := decodeObject(e, fmt.Sprintf("[%d]", i), []field{
				{"weekday", true, integerAs(&w.Weekday)},
				{"start", true, clock(&w.Start)},
				{"end", true, clock(&w.End)},
			})
			if err != nil {
				return err
			}
			if err := w.Check(); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, w)
			return nil
		})
		*dst = out
		return err
	}
}

func exceptions(dst *[]Exception) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var out []Exception
		err := decodeList(v, func(i int, e json.RawMessage) error {
			var x Exception
			var kind string
			err := decodeObject(e, fmt.Sprintf("[%d]", i), []field{
				{"date", true, date(&x.Date)},
				{"start", false, clock(&x.Start)},
				{"end", false, clock(&x.End)},
				{"kind", false, str(&kind)},
			})
			if err != nil {
				return err
			}
			x.Kind = ExceptionKind(kind)
			if err := x.check(); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, x)
			return nil
		})
		*dst = out
		return err
	}
}

func integerAs[T ~int](dst *T) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var n int
		if err := integer(&n)(v); err != nil {
			return err
		}
		*dst = T(n)
		return nil
	}
}
