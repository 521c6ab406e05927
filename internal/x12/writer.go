package x12

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Envelope is what the ISA and GS segments of a written interchange say.
// One interchange holds one functional group; its transaction sets are
// numbered from TransactionControl up.
type Envelope struct {
	SenderQualifier   string `json:"sender_qualifier"`   // ISA05; "ZZ" (mutually defined) when empty
	SenderID          string `json:"sender_id"`          // ISA06, at most 15 characters
	ReceiverQualifier string `json:"receiver_qualifier"` // ISA07; "ZZ" when empty
	ReceiverID        string `json:"receiver_id"`        // ISA08, at most 15 characters
	// AppSender and AppReceiver are GS02 and GS03; empty means SenderID
	// and ReceiverID.
	AppSender   string `json:"app_sender,omitempty"`
	AppReceiver string `json:"app_receiver,omitempty"`

	// InterchangeControl is ISA13 (= IEA02), 1–999999999, written as 9 digits.
	InterchangeControl int `json:"interchange_control"`
	// GroupControl is GS06 (= GE02), 1–999999999.
	GroupControl int `json:"group_control"`
	// TransactionControl is ST02 (= SE02) of the first transaction set,
	// 1–999999999, written with at least 4 digits; later sets count up.
	TransactionControl int `json:"transaction_control"`

	// Usage is ISA15: "T" for test data, "P" for production. Empty means T.
	Usage string `json:"usage"`
	// AckRequested sets ISA14 (a TA1 interchange acknowledgement is wanted).
	AckRequested bool `json:"ack_requested"`
	// Time is written as ISA09/ISA10, GS04/GS05 and BHT04/BHT05. It is
	// required, so output depends on the caller only.
	Time time.Time `json:"time"`

	// Delimiters to write; the zero value means DefaultDelimiters.
	Delimiters Delimiters `json:"delimiters"`
	// Newline writes a line feed after every segment terminator.
	Newline bool `json:"newline"`
}

const maxControl = 999999999

// check validates e and returns a copy with defaults filled in.
func (e Envelope) check() (Envelope, error) {
	if e.Delimiters == (Delimiters{}) {
		e.Delimiters = DefaultDelimiters
	}
	if err := e.Delimiters.validate(); err != nil {
		return e, fmt.Errorf("envelope delimiters: %w", err)
	}
	if e.Delimiters.Repetition == 0 {
		return e, errors.New("envelope delimiters: 5010 needs a repetition separator (ISA11)")
	}
	if e.Delimiters.Segment == '\n' && e.Newline {
		return e, errors.New("envelope: Newline with a line-feed segment terminator would write empty segments")
	}
	if e.SenderQualifier == "" {
		e.SenderQualifier = "ZZ"
	}
	if e.ReceiverQualifier == "" {
		e.ReceiverQualifier = "ZZ"
	}
	if e.Usage == "" {
		e.Usage = "T"
	}
	var errs []error
	for _, f := range []struct {
		name, v string
		max     int
	}{{"ISA05 sender qualifier", e.SenderQualifier, 2}, {"ISA06 sender ID", e.SenderID, 15},
		{"ISA07 receiver qualifier", e.ReceiverQualifier, 2}, {"ISA08 receiver ID", e.ReceiverID, 15}} {
		if f.v == "" || len(f.v) > f.max {
			errs = append(errs, fmt.Errorf("envelope %s must be 1–%d characters, not %q", f.name, f.max, f.v))
		}
		for i := 0; i < len(f.v); i++ {
			if c := f.v[i]; c < ' ' || c > '~' || e.Delimiters.has(c) {
				errs = append(errs, fmt.Errorf("envelope %s %q holds a character that is not printable ASCII or is a delimiter", f.name, f.v))
				break
			}
		}
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"InterchangeControl (ISA13)", e.InterchangeControl}, {"GroupControl (GS06)", e.GroupControl}, {"TransactionControl (ST02)", e.TransactionControl}} {
		if c.v < 1 || c.v > maxControl {
			errs = append(errs, fmt.Errorf("envelope %s must be 1–%d, not %d", c.name, maxControl, c.v))
		}
	}
	if e.Usage != "T" && e.Usage != "P" {
		errs = append(errs, fmt.Errorf("envelope Usage (ISA15) must be T or P, not %q", e.Usage))
	}
	if e.Time.IsZero() {
		errs = append(errs, errors.New("envelope Time is required (ISA09/ISA10, GS04/GS05)"))
	}
	return e, errors.Join(errs...)
}

// writer writes segments with one set of delimiters, cleaning data values
// of characters that would break the structure.
type writer struct {
	bw  *bufio.Writer
	env Envelope
	d   Delimiters

	buf  []byte // the segment being built
	keep int    // len(buf) up to the last non-empty element
	inST bool
	// count is the number of segments written since ST (ST included).
	count int
	// sets counts the transaction sets written in the group.
	sets int
}

// newWriter checks env and returns a writer for out.
func newWriter(out io.Writer, env Envelope) (*writer, error) {
	env, err := env.check()
	if err != nil {
		return nil, err
	}
	return &writer{bw: bufio.NewWriterSize(out, 32<<10), env: env, d: env.Delimiters}, nil
}

// open writes ISA and GS for a group of functional ID fid (GS01) and
// implementation version (GS08).
func (w *writer) open(fid, version string) {
	e := &w.env
	ack := "0"
	if e.AckRequested {
		ack = "1"
	}
	w.start("ISA")
	for _, v := range []string{"00", pad("", 10), "00", pad("", 10), pad(e.SenderQualifier, 2), pad(e.SenderID, 15),
		pad(e.ReceiverQualifier, 2), pad(e.ReceiverID, 15), e.Time.Format("060102"), e.Time.Format("1504"),
		one(w.d.Repetition), "00501", fmt.Sprintf("%09d", e.InterchangeControl), ack, e.Usage, one(w.d.Component)} {
		w.raw(v)
	}
	w.endKeep()
	sender, receiver := e.AppSender, e.AppReceiver
	if sender == "" {
		sender = e.SenderID
	}
	if receiver == "" {
		receiver = e.ReceiverID
	}
	w.seg("GS", fid, sender, receiver, e.Time.Format("20060102"), e.Time.Format("1504"),
		strconv.Itoa(e.GroupControl), "X", version)
}

// st starts a transaction set and returns its control number.
func (w *writer) st(code, version string) string {
	ctrl := fmt.Sprintf("%04d", w.env.TransactionControl+w.sets)
	w.inST = true
	w.count = 0
	w.seg("ST", code, ctrl, version)
	return ctrl
}

// se ends the transaction set started by st.
func (w *writer) se(ctrl string) {
	w.seg("SE", strconv.Itoa(w.count+1), ctrl)
	w.inST = false
	w.sets++
}

// close writes GE and IEA and flushes.
func (w *writer) close() error {
	w.seg("GE", strconv.Itoa(w.sets), strconv.Itoa(w.env.GroupControl))
	w.seg("IEA", "1", fmt.Sprintf("%09d", w.env.InterchangeControl))
	return w.bw.Flush()
}

// bht writes the beginning-of-hierarchical-transaction segment with the
// envelope's time.
func (w *writer) bht(structure, purpose, ref, txType string) {
	w.seg("BHT", structure, purpose, ref, w.env.Time.Format("20060102"), w.env.Time.Format("1504"), txType)
}

// seg writes a segment whose elements are all simple data values.
func (w *writer) seg(id string, els ...string) {
	w.start(id)
	for _, v := range els {
		w.el(v)
	}
	w.end()
}

func (w *writer) start(id string) {
	w.buf = append(w.buf[:0], id...)
	w.keep = len(w.buf)
}

// el appends a data element, cleaned.
func (w *writer) el(v string) {
	w.buf = append(w.buf, w.d.Element)
	w.buf = w.clean(w.buf, v)
	w.mark()
}

// raw appends an element the writer composed itself, unchanged.
func (w *writer) raw(v string) {
	w.buf = append(w.buf, w.d.Element)
	w.buf = append(w.buf, v...)
	w.mark()
}

// comp appends a composite element: cleaned components joined by the
// component separator, trailing empty components dropped.
func (w *writer) comp(parts ...string) {
	w.list(w.d.Component, parts)
}

// reps appends a repeated element: cleaned values joined by the
// repetition separator.
func (w *writer) reps(vals []string) {
	w.list(w.d.Repetition, vals)
}

func (w *writer) list(sep byte, parts []string) {
	w.buf = append(w.buf, w.d.Element)
	keep := len(w.buf)
	for i, p := range parts {
		if i > 0 {
			w.buf = append(w.buf, sep)
		}
		w.buf = w.clean(w.buf, p)
		if p != "" {
			keep = len(w.buf)
		}
	}
	w.buf = w.buf[:keep]
	w.mark()
}

// mark records the end of the last element if it was not empty.
func (w *writer) mark() {
	if w.buf[len(w.buf)-1] != w.d.Element {
		w.keep = len(w.buf)
	}
}

// end drops trailing empty elements and writes the segment.
func (w *writer) end() {
	w.buf = w.buf[:w.keep]
	w.endKeep()
}

// endKeep writes the segment as built (ISA keeps its padded fields).
func (w *writer) endKeep() {
	w.buf = append(w.buf, w.d.Segment)
	if w.env.Newline {
		w.buf = append(w.buf, '\n')
	}
	w.bw.Write(w.buf) // errors surface at Flush
	if w.inST {
		w.count++
	}
}

// clean appends v to dst as X12 data: delimiters and control characters
// become spaces, accented letters lose their accents, other non-ASCII
// characters are dropped, runs of spaces collapse, and leading and
// trailing spaces go. Case is kept: writers upper-case names and
// addresses themselves (upper) and leave identifiers as given.
func (w *writer) clean(dst []byte, v string) []byte {
	if w.plain(v) {
		return append(dst, v...)
	}
	start := len(dst)
	space := true // at the start: drop leading spaces
	add := func(c byte) {
		if c < ' ' || c == 0x7f || w.d.has(c) {
			c = ' '
		}
		if c == ' ' {
			if space {
				return
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			add(c)
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(v[i:])
		for _, b := range []byte(norm.NFD.String(v[i : i+n])) {
			if b < utf8.RuneSelf {
				add(b)
			}
		}
		i += n
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// plain reports whether clean would leave v as it is: printable ASCII, no
// delimiter, no leading, trailing or double space.
func (w *writer) plain(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || w.d.has(c) {
			if c != ' ' || i == 0 || i == len(v)-1 || v[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// pad right-pads s with spaces to n characters (ISA fields are fixed width).
func pad(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}

// upper upper-cases names and addresses, as the implementation guides'
// examples and most payers' systems expect them.
func upper(s string) string { return strings.ToUpper(s) }
