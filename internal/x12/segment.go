package x12

import (
	"fmt"
	"strings"
)

// Delimiters are the four separators an interchange declares in its ISA
// segment: the element separator (ISA's 4th character), the repetition
// separator (ISA11), the component separator (ISA16) and the segment
// terminator (the character after ISA16).
type Delimiters struct {
	Element    byte `json:"element"`
	Repetition byte `json:"repetition"` // 0 when ISA11 declares none (a letter, as 4010 files have)
	Component  byte `json:"component"`
	Segment    byte `json:"segment"`
}

// DefaultDelimiters are the delimiters rcmbot writes unless told otherwise:
// * for elements, ^ for repetitions, : for components and ~ after segments.
var DefaultDelimiters = Delimiters{Element: '*', Repetition: '^', Component: ':', Segment: '~'}

// validate reports whether d can delimit an interchange: all present
// separators distinct, none a letter, digit or space.
func (d Delimiters) validate() error {
	seps := []struct {
		name string
		c    byte
	}{{"element separator", d.Element}, {"component separator", d.Component}, {"segment terminator", d.Segment}}
	if d.Repetition != 0 {
		seps = append(seps, struct {
			name string
			c    byte
		}{"repetition separator", d.Repetition})
	}
	for i, s := range seps {
		if isAlnum(s.c) || s.c == ' ' || s.c == 0 || s.c >= 0x80 {
			return fmt.Errorf("the %s %q is a letter, digit, space, non-ASCII or missing", s.name, s.c)
		}
		for _, t := range seps[:i] {
			if s.c == t.c {
				return fmt.Errorf("the %s and the %s are both %q", t.name, s.name, s.c)
			}
		}
	}
	return nil
}

// has reports whether c is one of d's separators.
func (d Delimiters) has(c byte) bool {
	return c == d.Element || c == d.Component || c == d.Segment || (d.Repetition != 0 && c == d.Repetition)
}

// Segment is one segment of an interchange, split into its data elements.
// Element, component and repetition numbers are 1-based as in the
// implementation guides: s.El(3) is NM103.
type Segment struct {
	// ID is the segment identifier, e.g. "NM1".
	ID string `json:"id"`
	// Elements holds the ID at index 0 and data element i at index i, as
	// written (components and repetitions not yet split).
	Elements []string `json:"elements"`
	// Pos is the segment's position in its interchange, ISA being 1.
	Pos int `json:"pos"`
	// Offset is the byte offset of the segment's first character in the
	// parsed data.
	Offset int `json:"-"`

	delims Delimiters
}

// El returns data element i (1-based), or "" when the segment is shorter.
func (s *Segment) El(i int) string {
	if i <= 0 || i >= len(s.Elements) {
		return ""
	}
	return s.Elements[i]
}

// Len returns the number of data elements the segment carries (trailing
// empty elements are usually omitted by senders).
func (s *Segment) Len() int {
	if len(s.Elements) == 0 {
		return 0
	}
	return len(s.Elements) - 1
}

// Components returns data element i split on the component separator. An
// absent element yields nil.
func (s *Segment) Components(i int) []string {
	e := s.El(i)
	if e == "" {
		return nil
	}
	return strings.Split(e, one(s.delims.Component))
}

// Comp returns component j (1-based) of data element i, or "".
func (s *Segment) Comp(i, j int) string {
	e := s.El(i)
	for k := 1; ; k++ {
		c, rest, more := strings.Cut(e, one(s.delims.Component))
		if k == j {
			return c
		}
		if !more {
			return ""
		}
		e = rest
	}
}

// Reps returns data element i split on the repetition separator (one value
// when the interchange declares none). An absent element yields nil.
func (s *Segment) Reps(i int) []string {
	e := s.El(i)
	if e == "" {
		return nil
	}
	if s.delims.Repetition == 0 {
		return []string{e}
	}
	return strings.Split(e, one(s.delims.Repetition))
}

// String returns the segment as written, without its terminator.
func (s *Segment) String() string {
	return strings.Join(s.Elements, one(s.delims.Element))
}

// validSegmentID reports whether id looks like an X12 segment identifier:
// two or three upper-case letters and digits, starting with a letter.
func validSegmentID(id string) bool {
	if len(id) < 2 || len(id) > 3 || id[0] < 'A' || id[0] > 'Z' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if !isAlnum(id[i]) || (id[i] >= 'a' && id[i] <= 'z') {
			return false
		}
	}
	return true
}

// one returns the one-byte string of c (string(c) would UTF-8 encode
// bytes from 0x80 up).
func one(c byte) string { return string([]byte{c}) }

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
