package x12

import (
	"fmt"
	"strconv"
	"strings"
)

// Interchange is one parsed ISA…IEA envelope.
type Interchange struct {
	Delimiters Delimiters `json:"delimiters"`
	Header     Header     `json:"header"`
	// Segments holds every segment from ISA to IEA in order; Groups and
	// Transactions slice into it.
	Segments []Segment `json:"-"`
	Groups   []Group   `json:"groups"`
	// Problems lists what is wrong with the envelope (control numbers,
	// counts, missing trailers, stray segments). Parse also returns them
	// as an *EnvelopeError.
	Problems []Problem `json:"problems,omitempty"`
}

// Header holds the ISA fields, trimmed of their fixed-width padding.
type Header struct {
	SenderQualifier   string `json:"sender_qualifier"`   // ISA05
	SenderID          string `json:"sender_id"`          // ISA06
	ReceiverQualifier string `json:"receiver_qualifier"` // ISA07
	ReceiverID        string `json:"receiver_id"`        // ISA08
	Date              string `json:"date"`               // ISA09, YYMMDD
	Time              string `json:"time"`               // ISA10, HHMM
	Version           string `json:"version"`            // ISA12, 00501
	Control           string `json:"control"`            // ISA13, 9 digits
	AckRequested      string `json:"ack_requested"`      // ISA14, 0 or 1
	Usage             string `json:"usage"`              // ISA15, T test or P production
}

// Group is one functional group, GS…GE.
type Group struct {
	GS           Segment       `json:"-"`
	GE           Segment       `json:"-"`
	Transactions []Transaction `json:"transactions"`
}

// FunctionalID returns GS01 (HC for 837, HS 270, HB 271, FA 999, HN 277).
func (g *Group) FunctionalID() string { return g.GS.El(1) }

// Control returns the group control number, GS06.
func (g *Group) Control() string { return g.GS.El(6) }

// Version returns the implementation convention reference, GS08.
func (g *Group) Version() string { return g.GS.El(8) }

// Transaction is one transaction set, ST…SE.
type Transaction struct {
	ST Segment `json:"-"`
	SE Segment `json:"-"`
	// Segments are the segments between ST and SE.
	Segments []Segment `json:"-"`
}

// Code returns the transaction set identifier, ST01 (837, 270, 271 …).
func (t *Transaction) Code() string { return t.ST.El(1) }

// Control returns the transaction set control number, ST02.
func (t *Transaction) Control() string { return t.ST.El(2) }

// Level says which envelope layer a Problem belongs to, which decides how
// an acknowledgement reports it (TA1, AK9 or IK5/IK3).
type Level string

// The levels of a Problem.
const (
	LevelInterchange Level = "interchange"
	LevelGroup       Level = "group"
	LevelTransaction Level = "transaction"
	LevelSegment     Level = "segment"
)

// Problem is one defect found in an interchange.
type Problem struct {
	Level Level `json:"level"`
	// Segment is the segment's position in the interchange (ISA = 1), 0
	// when the problem is not tied to one segment.
	Segment int    `json:"segment,omitempty"`
	ID      string `json:"segment_id,omitempty"`
	// Element is the 1-based data element, 0 for the whole segment.
	Element int `json:"element,omitempty"`
	// Code is the X12 code an acknowledgement carries for the problem:
	// a TA1 note code (TA105) at interchange level, AK905 at group level,
	// IK502 at transaction level, IK304 (or IK403 when Element is set) at
	// segment level. Empty when the standard has no code for it.
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	switch {
	case p.Segment > 0 && p.Element > 0:
		return fmt.Sprintf("segment %d (%s%02d): %s", p.Segment, p.ID, p.Element, p.Message)
	case p.Segment > 0:
		return fmt.Sprintf("segment %d (%s): %s", p.Segment, p.ID, p.Message)
	}
	return p.Message
}

// EnvelopeError is returned by Parse when the interchange could be read but
// its envelope is inconsistent. The Interchange is returned as well.
type EnvelopeError struct {
	Problems []Problem
}

func (e *EnvelopeError) Error() string {
	const show = 5
	var b strings.Builder
	fmt.Fprintf(&b, "x12: %d envelope problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteByte('s')
	}
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-show)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// SyntaxError is returned when data cannot be read as an interchange at all
// (no ISA, unusable delimiters). No Interchange comes with it.
type SyntaxError struct {
	Offset int // byte offset in the data
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("x12: not a readable interchange at byte %d: %s", e.Offset, e.Msg)
}

// isaWidths are the fixed widths of ISA01..ISA16.
var isaWidths = [17]int{0, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1}

// isaLength is the length of an ISA segment including its terminator.
const isaLength = 106

// Parse reads one interchange. On a readable interchange it returns it,
// with an *EnvelopeError when Problems is not empty; data that is not an
// interchange gives a *SyntaxError and no Interchange. Data after the IEA
// other than white space is a problem (use ParseAll for files holding
// several interchanges). Parse never panics.
func Parse(data []byte) (*Interchange, error) {
	s := string(data)
	start := skipSpace(s, 0)
	ic, end, err := parseOne(s, start)
	if err != nil {
		return nil, err
	}
	if rest := skipSpace(s, end); rest < len(s) {
		ic.problem(LevelInterchange, 0, "", "022",
			fmt.Sprintf("%d bytes follow the IEA segment; an interchange ends with IEA", len(s)-rest))
	}
	return ic, ic.err()
}

// ParseAll reads every interchange in data, one after another. It stops at
// the first unreadable one (returning those read so far and the
// *SyntaxError); envelope problems are reported per interchange and joined
// into one *EnvelopeError.
func ParseAll(data []byte) ([]*Interchange, error) {
	s := string(data)
	var out []*Interchange
	var problems []Problem
	for pos := skipSpace(s, 0); pos < len(s); pos = skipSpace(s, pos) {
		ic, end, err := parseOne(s, pos)
		if err != nil {
			return out, err
		}
		out = append(out, ic)
		problems = append(problems, ic.Problems...)
		pos = end
	}
	if len(out) == 0 {
		return nil, &SyntaxError{Msg: "no data"}
	}
	if len(problems) > 0 {
		return out, &EnvelopeError{Problems: problems}
	}
	return out, nil
}

func (ic *Interchange) err() error {
	if len(ic.Problems) == 0 {
		return nil
	}
	return &EnvelopeError{Problems: ic.Problems}
}

func (ic *Interchange) problem(l Level, seg int, id, code, msg string) {
	switch {
	case len(ic.Problems) < MaxProblems:
		ic.Problems = append(ic.Problems, Problem{Level: l, Segment: seg, ID: id, Code: code, Message: msg})
	case len(ic.Problems) == MaxProblems:
		ic.Problems = append(ic.Problems, Problem{Level: LevelInterchange, Message: fmt.Sprintf("more than %d problems: only the first %d are listed", MaxProblems, MaxProblems)})
	}
}

// Bounds on what reading an interchange may cost, whatever the data: the
// reader keeps 64 bytes per segment and 16 per element besides one copy of
// the data, so the shortest well-formed segments are the worst case, about
// 21 bytes allocated per input byte (BenchmarkParseHostile measures it; a
// valid 837P costs under 8).
const (
	// MaxProblems is how many problems an interchange lists; past it, one
	// more says the rest are not listed, and segments whose reading
	// adds problems stop the read (a SyntaxError): the data is not an
	// interchange.
	MaxProblems = 200
	// MaxElements is the most data elements a segment may carry; no
	// segment of the 005010 guides has more than 30. The rest of a longer
	// segment is dropped and reported.
	MaxElements = 64
)

// skipSpace returns the first position at or after i that is not white
// space (or a byte order mark).
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\r' || s[i] == '\n' || s[i] == '\t':
			i++
		case strings.HasPrefix(s[i:], "\ufeff"):
			i += 3
		default:
			return i
		}
	}
	return i
}

// readISA finds the delimiters in the ISA segment starting at s[start:] and
// returns them with the position just after the ISA terminator.
func readISA(s string, start int) (Delimiters, int, error) {
	var d Delimiters
	if !strings.HasPrefix(s[start:], "ISA") {
		return d, 0, &SyntaxError{Offset: start, Msg: "an interchange starts with an ISA segment"}
	}
	if len(s)-start < isaLength {
		return d, 0, &SyntaxError{Offset: start, Msg: fmt.Sprintf("the file ends %d characters into the ISA segment; an ISA segment is %d characters", len(s)-start, isaLength)}
	}
	d.Element = s[start+3]
	// ISA16 follows the 16th element separator; the segment terminator
	// follows ISA16. Count separators rather than trusting fixed offsets,
	// so an ISA with a mis-padded field is still read (and reported).
	seps := 0
	i := start + 3
	limit := min(len(s), start+isaLength+40)
	for ; i < limit && seps < 16; i++ {
		if s[i] == d.Element {
			seps++
		}
	}
	if seps < 16 || i+1 >= len(s) {
		return d, 0, &SyntaxError{Offset: start, Msg: fmt.Sprintf("the ISA segment needs 16 elements separated by %q", d.Element)}
	}
	d.Component = s[i]
	d.Segment = s[i+1]
	end := i + 2
	isa := strings.Split(s[start:i+1], one(d.Element))
	if rep := isa[11]; len(rep) == 1 && !isAlnum(rep[0]) && rep[0] != ' ' && rep[0] != 0 && rep[0] < 0x80 {
		d.Repetition = rep[0]
	}
	if err := d.validate(); err != nil {
		return d, 0, &SyntaxError{Offset: start, Msg: "ISA delimiters: " + err.Error()}
	}
	return d, end, nil
}

// parseOne reads the interchange starting at s[start:] and returns it with
// the position after its last segment.
func parseOne(s string, start int) (*Interchange, int, error) {
	d, pos, err := readISA(s, start)
	if err != nil {
		return nil, 0, err
	}
	ic := &Interchange{Delimiters: d}
	// Size the segments and their elements from the data up to the IEA,
	// so neither grows by copying; but no more than well-formed segments
	// (5 bytes or more: "LX*1~") and elements (2: a character and its
	// separator) can need, so data of one-character segments, which fails
	// early, costs no more than the shortest well-formed ones.
	region := s[pos:]
	if i := strings.Index(region, one(d.Segment)+"IEA"); i >= 0 {
		region = region[:i+1]
	}
	nseg := min(strings.Count(region, one(d.Segment))+2, len(region)/5+16)
	ic.Segments = make([]Segment, 0, nseg)
	arena := make([]string, 0, min(strings.Count(region, one(d.Element))+nseg, len(region)/2+16))
	ic.Segments = append(ic.Segments, Segment{
		ID: "ISA", Elements: strings.Split(s[start:pos-1], one(d.Element)), Pos: 1, Offset: start, delims: d,
	})
	ic.checkISA(pos - start)
	for {
		pos = skipLineEnds(s, pos)
		if pos >= len(s) {
			break
		}
		if strings.HasPrefix(s[pos:], "ISA") && len(s)-pos > 3 && !isAlnum(s[pos+3]) {
			break // the next interchange; IEA is missing
		}
		end := strings.IndexByte(s[pos:], d.Segment)
		text := ""
		next := len(s)
		if end < 0 {
			text = s[pos:]
		} else {
			text = s[pos : pos+end]
			next = pos + end + 1
		}
		if d.Segment == '\n' {
			text = strings.TrimSuffix(text, "\r")
		}
		if text == "" {
			pos = next
			continue
		}
		var els []string
		els, arena = splitInto(arena, text, d.Element)
		seg := Segment{ID: els[0], Elements: els, Pos: len(ic.Segments) + 1, Offset: pos, delims: d}
		if len(els) > MaxElements+1 {
			seg.Elements = els[: MaxElements+1 : MaxElements+1]
			ic.problem(LevelSegment, seg.Pos, seg.ID[:min(len(seg.ID), 3)], "8",
				fmt.Sprintf("the segment has %d data elements; no segment has more than %d, and the rest were not read", len(els)-1, MaxElements))
		}
		ic.Segments = append(ic.Segments, seg)
		if !validSegmentID(seg.ID) {
			// At most 3 characters of it: a line of free text read as an ID
			// could carry patient data into error messages.
			ic.problem(LevelSegment, seg.Pos, seg.ID[:min(len(seg.ID), 3)], "1", "not a segment identifier (2–3 upper-case letters and digits)")
		}
		if end < 0 {
			ic.problem(LevelSegment, seg.Pos, seg.ID, "", fmt.Sprintf("the data ends without a segment terminator %q", d.Segment))
		}
		pos = next
		if len(ic.Problems) > MaxProblems {
			return nil, 0, &SyntaxError{Offset: seg.Offset, Msg: fmt.Sprintf("more than %d problems by segment %d: this is not an interchange that can be read", MaxProblems, seg.Pos)}
		}
		if seg.ID == "IEA" {
			break
		}
	}
	ic.structure()
	return ic, pos, nil
}

// splitInto splits text at sep into elements appended to arena and
// returns them (capped, so appending to them never overwrites the next
// segment's) with the arena.
func splitInto(arena []string, text string, sep byte) ([]string, []string) {
	start := len(arena)
	for {
		i := strings.IndexByte(text, sep)
		if i < 0 {
			arena = append(arena, text)
			break
		}
		arena = append(arena, text[:i])
		text = text[i+1:]
	}
	return arena[start:len(arena):len(arena)], arena
}

// skipLineEnds skips the line ends (and stray spaces or tabs) some senders
// put after each segment terminator; segment IDs never start with them.
func skipLineEnds(s string, i int) int {
	for i < len(s) && (s[i] == '\r' || s[i] == '\n' || s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// checkISA fills the Header and reports fixed-width and value problems.
func (ic *Interchange) checkISA(length int) {
	isa := &ic.Segments[0]
	h := &ic.Header
	h.SenderQualifier = strings.TrimSpace(isa.El(5))
	h.SenderID = strings.TrimSpace(isa.El(6))
	h.ReceiverQualifier = strings.TrimSpace(isa.El(7))
	h.ReceiverID = strings.TrimSpace(isa.El(8))
	h.Date = isa.El(9)
	h.Time = isa.El(10)
	h.Version = isa.El(12)
	h.Control = isa.El(13)
	h.AckRequested = isa.El(14)
	h.Usage = isa.El(15)
	if length != isaLength {
		for i := 1; i <= 16; i++ {
			if n := len(isa.El(i)); n != isaWidths[i] {
				ic.Problems = append(ic.Problems, Problem{Level: LevelInterchange, Segment: 1, ID: "ISA", Element: i, Code: "024",
					Message: fmt.Sprintf("ISA%02d is %d characters; ISA fields are fixed width and ISA%02d has %d", i, n, i, isaWidths[i])})
			}
		}
		ic.problem(LevelInterchange, 1, "ISA", "024", fmt.Sprintf("the ISA segment is %d characters; it must be %d", length, isaLength))
	}
	if !isDigits(h.Control) || len(h.Control) != 9 {
		ic.problem(LevelInterchange, 1, "ISA", "018", "ISA13 interchange control number must be 9 digits")
	}
	if h.Usage != "T" && h.Usage != "P" {
		ic.problem(LevelInterchange, 1, "ISA", "020", "ISA15 usage indicator must be T (test) or P (production)")
	}
}

// structure splits the segments into groups and transactions and checks
// control numbers and counts.
func (ic *Interchange) structure() {
	var g *Group
	txStart := -1 // index in ic.Segments of the open ST, or -1
	var ieaSeen bool
	closeTx := func(upto int, why string) {
		if txStart < 0 {
			return
		}
		st := ic.Segments[txStart]
		ic.problem(LevelTransaction, st.Pos, "ST", "2", fmt.Sprintf("transaction set %s has no SE trailer (%s)", st.El(2), why))
		g.Transactions = append(g.Transactions, Transaction{ST: st, Segments: ic.Segments[txStart+1 : upto]})
		txStart = -1
	}
	closeGroup := func(why string) {
		if g == nil {
			return
		}
		ic.problem(LevelGroup, g.GS.Pos, "GS", "3", fmt.Sprintf("functional group %s has no GE trailer (%s)", g.GS.El(6), why))
		ic.Groups = append(ic.Groups, *g)
		g = nil
	}
	for i := 1; i < len(ic.Segments); i++ {
		seg := ic.Segments[i]
		switch seg.ID {
		case "GS":
			closeTx(i, "a GS follows")
			closeGroup("another GS follows")
			g = &Group{GS: seg}
			if c := seg.El(6); !isDigits(c) || len(c) > 9 {
				ic.problem(LevelGroup, seg.Pos, "GS", "6", "GS06 group control number must be 1–9 digits")
			}
		case "ST":
			closeTx(i, "another ST follows")
			if g == nil {
				ic.problem(LevelGroup, seg.Pos, "ST", "", "transaction set outside a functional group (no GS before it)")
				g = &Group{}
			}
			txStart = i
			ic.checkST(g, seg)
		case "SE":
			if txStart < 0 {
				ic.problem(LevelSegment, seg.Pos, "SE", "2", "SE without a matching ST")
				continue
			}
			st := ic.Segments[txStart]
			count := i - txStart + 1
			if seg.El(1) != strconv.Itoa(count) {
				ic.problem(LevelTransaction, seg.Pos, "SE", "4",
					fmt.Sprintf("SE01 says %q segments but transaction set %s has %d (ST to SE)", seg.El(1), st.El(2), count))
			}
			if seg.El(2) != st.El(2) {
				ic.problem(LevelTransaction, seg.Pos, "SE", "3", fmt.Sprintf("SE02 %q does not match ST02 %q", seg.El(2), st.El(2)))
			}
			g.Transactions = append(g.Transactions, Transaction{ST: st, SE: seg, Segments: ic.Segments[txStart+1 : i]})
			txStart = -1
		case "GE":
			closeTx(i, "a GE follows")
			if g == nil {
				ic.problem(LevelGroup, seg.Pos, "GE", "3", "GE without a matching GS")
				continue
			}
			g.GE = seg
			if seg.El(1) != strconv.Itoa(len(g.Transactions)) {
				ic.problem(LevelGroup, seg.Pos, "GE", "5",
					fmt.Sprintf("GE01 says %q transaction sets but group %s has %d", seg.El(1), g.GS.El(6), len(g.Transactions)))
			}
			if seg.El(2) != g.GS.El(6) {
				ic.problem(LevelGroup, seg.Pos, "GE", "4", fmt.Sprintf("GE02 %q does not match GS06 %q", seg.El(2), g.GS.El(6)))
			}
			ic.Groups = append(ic.Groups, *g)
			g = nil
		case "IEA":
			ieaSeen = true
			closeTx(i, "the IEA follows")
			closeGroup("the IEA follows")
			if seg.El(1) != strconv.Itoa(len(ic.Groups)) {
				ic.problem(LevelInterchange, seg.Pos, "IEA", "021",
					fmt.Sprintf("IEA01 says %q functional groups but the interchange has %d", seg.El(1), len(ic.Groups)))
			}
			if c := ic.Header.Control; seg.El(2) != c {
				ic.problem(LevelInterchange, seg.Pos, "IEA", "001", fmt.Sprintf("IEA02 %q does not match ISA13 %q", seg.El(2), c))
			}
		default:
			if txStart < 0 {
				ic.problem(LevelSegment, seg.Pos, seg.ID, "2", "segment outside a transaction set (not between ST and SE)")
			}
		}
	}
	if !ieaSeen {
		closeTx(len(ic.Segments), "the data ends")
		closeGroup("the data ends")
		ic.problem(LevelInterchange, 0, "", "023", "the interchange has no IEA trailer (the data ends early)")
	}
}

// checkST checks ST01 and ST02, including ST02's uniqueness in its group.
func (ic *Interchange) checkST(g *Group, st Segment) {
	if c := st.El(1); len(c) != 3 || !isDigits(c) {
		ic.problem(LevelTransaction, st.Pos, "ST", "6", "ST01 transaction set identifier must be 3 digits")
	}
	c := st.El(2)
	if len(c) < 4 || len(c) > 9 {
		ic.problem(LevelTransaction, st.Pos, "ST", "7", "ST02 transaction set control number must be 4–9 characters")
	}
	for _, t := range g.Transactions {
		if t.ST.El(2) == c {
			ic.problem(LevelTransaction, st.Pos, "ST", "23", fmt.Sprintf("ST02 %q repeats in functional group %s", c, g.GS.El(6)))
		}
	}
}

// Transactions returns every transaction set in the interchange, in order.
func (ic *Interchange) Transactions() []*Transaction {
	var out []*Transaction
	for gi := range ic.Groups {
		for ti := range ic.Groups[gi].Transactions {
			out = append(out, &ic.Groups[gi].Transactions[ti])
		}
	}
	return out
}

// DetectTransaction returns ST01 of the first transaction set in data
// ("837", "271" …) without parsing the whole interchange; "" when there is
// none.
func DetectTransaction(data []byte) string {
	s := string(data)
	d, pos, err := readISA(s, skipSpace(s, 0))
	if err != nil {
		return ""
	}
	for pos < len(s) {
		pos = skipLineEnds(s, pos)
		seg, rest, _ := strings.Cut(s[pos:], one(d.Segment))
		if id, els, ok := strings.Cut(seg, one(d.Element)); ok && id == "ST" {
			code, _, _ := strings.Cut(els, one(d.Element))
			return code
		}
		pos = len(s) - len(rest)
		if rest == "" {
			break
		}
	}
	return ""
}
