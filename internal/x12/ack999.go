package x12

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Version999 is the implementation guide of 999 acknowledgements.
const Version999 = "005010X231A1"

// Status codes of IK501 (transaction set) and AK901 (functional group).
const (
	AckAccepted          = "A" // accepted
	AckAcceptedWithError = "E" // accepted, but errors were noted
	AckPartial           = "P" // group only: some transaction sets accepted
	AckRejected          = "R" // rejected
)

// Document999 is a parsed 999 interchange.
type Document999 struct {
	Header Header `json:"header"`
	// Acks holds one acknowledgement per 999 transaction set, each for one
	// functional group of the acknowledged interchange.
	Acks     []Ack999  `json:"acks"`
	Problems []Problem `json:"problems,omitempty"`
}

// Ack999 acknowledges one functional group (AK1 … AK9).
type Ack999 struct {
	Control      string           `json:"control,omitempty"` // ST02 as read; Write999 numbers its own
	GroupID      string           `json:"group_id"`          // AK101: HC, HS …
	GroupControl string           `json:"group_control"`     // AK102: GS06 of the group acknowledged
	Version      string           `json:"version,omitempty"` // AK103: GS08 of the group acknowledged
	Transactions []TransactionAck `json:"transactions"`
	Status       string           `json:"status"`   // AK901: A, E, P, R
	Included     int              `json:"included"` // AK902: transaction sets in the group (GE01)
	Received     int              `json:"received"` // AK903
	Accepted     int              `json:"accepted"` // AK904
	// Errors are AK905–AK909, functional group syntax error codes (3 GE
	// missing, 4 GS06/GE02 mismatch, 5 wrong transaction set count …).
	Errors []string `json:"errors,omitempty"`
}

// TransactionAck acknowledges one transaction set (AK2 … IK5).
type TransactionAck struct {
	Code     string         `json:"code"`              // AK201: 837, 270 …
	Control  string         `json:"control"`           // AK202: its ST02
	Version  string         `json:"version,omitempty"` // AK203
	Segments []SegmentError `json:"segments,omitempty"`
	Status   string         `json:"status"` // IK501: A, E, R
	// Errors are IK502–IK506, transaction set syntax error codes (2 SE
	// missing, 3 control number mismatch, 4 segment count, 5 segments in
	// error …).
	Errors []string `json:"errors,omitempty"`
}

// SegmentError is an IK3 segment: a segment in error, its context and
// the elements in error.
type SegmentError struct {
	ID       string `json:"id"`             // IK301
	Position int    `json:"position"`       // IK302: from ST = 1
	Loop     string `json:"loop,omitempty"` // IK303: loop ID, e.g. 2300
	// Code is IK304: 1 unrecognised segment, 2 unexpected, 3 required
	// segment missing, 8 segment has data element errors …
	Code     string         `json:"code"`
	Context  []ErrorContext `json:"context,omitempty"` // CTX after IK3
	Elements []ElementError `json:"elements,omitempty"`
}

// ErrorContext is a CTX segment. Business unit context (a claim) is
// Name "CLM01" with the claim ID as Reference; segment context names the
// segment that triggered a situational requirement.
type ErrorContext struct {
	Name      string `json:"name"`                 // CTX01-1
	Reference string `json:"reference,omitempty"`  // CTX01-2
	SegmentID string `json:"segment_id,omitempty"` // CTX02
	Position  string `json:"position,omitempty"`   // CTX03
	Loop      string `json:"loop,omitempty"`       // CTX04
	Element   string `json:"element,omitempty"`    // CTX05, position in segment
}

// ElementError is an IK4 segment.
type ElementError struct {
	Position   int    `json:"position"`             // IK401-1
	Component  int    `json:"component,omitempty"`  // IK401-2
	Repetition int    `json:"repetition,omitempty"` // IK401-3
	Reference  string `json:"reference,omitempty"`  // IK402: data element reference number
	// Code is IK403: 1 required element missing, 2 conditional missing,
	// 4 too short, 5 too long, 6 invalid character, 7 invalid code value,
	// 8 invalid date, 9 invalid time …
	Code  string `json:"code"`
	Value string `json:"value,omitempty"` // IK404: copy of the bad data
}

// Acknowledge builds the 999 acknowledgement of a parsed interchange from
// its Problems: per functional group an Ack999 with one TransactionAck per
// transaction set, accepted when nothing is wrong with it, rejected (with
// IK3/IK4 details and IK5 codes) otherwise; the group is accepted,
// partially accepted or rejected accordingly. Interchange-level problems
// belong in a TA1 and are not reported here. Callers may add their own
// rejections to the result before writing it.
func Acknowledge(ic *Interchange) []Ack999 {
	var acks []Ack999
	for gi := range ic.Groups {
		g := &ic.Groups[gi]
		ack := Ack999{GroupID: g.FunctionalID(), GroupControl: g.Control(), Version: g.Version(),
			Included: len(g.Transactions), Received: len(g.Transactions)}
		if n, err := strconv.Atoi(g.GE.El(1)); err == nil && g.GE.ID == "GE" {
			ack.Included = n
		}
		lo, hi := g.GS.Pos, g.GE.Pos
		if hi == 0 {
			hi = g.lastPos()
		}
		for _, p := range ic.Problems {
			if p.Level == LevelGroup && p.Segment >= lo && p.Segment <= hi && p.Code != "" {
				ack.Errors = appendCode(ack.Errors, p.Code)
			}
		}
		for ti := range g.Transactions {
			ta := ackTransaction(ic, &g.Transactions[ti])
			if ta.Status == AckAccepted {
				ack.Accepted++
			}
			ack.Transactions = append(ack.Transactions, ta)
		}
		switch {
		case len(ack.Errors) > 0 || ack.Accepted == 0:
			ack.Status = AckRejected
		case ack.Accepted < ack.Received:
			ack.Status = AckPartial
		default:
			ack.Status = AckAccepted
		}
		acks = append(acks, ack)
	}
	return acks
}

// lastPos is the position of the group's last segment.
func (g *Group) lastPos() int {
	if n := len(g.Transactions); n > 0 {
		t := &g.Transactions[n-1]
		if t.SE.Pos > 0 {
			return t.SE.Pos
		}
		if len(t.Segments) > 0 {
			return t.Segments[len(t.Segments)-1].Pos
		}
		return t.ST.Pos
	}
	return g.GS.Pos
}

func ackTransaction(ic *Interchange, t *Transaction) TransactionAck {
	ta := TransactionAck{Code: t.Code(), Control: t.Control(), Version: t.ST.El(3), Status: AckAccepted}
	lo, hi := t.ST.Pos, t.SE.Pos
	if hi == 0 {
		hi = lo + len(t.Segments)
	}
	segErrors := false
	for _, p := range ic.Problems {
		if p.Segment < lo || p.Segment > hi {
			continue
		}
		switch p.Level {
		case LevelTransaction:
			ta.Errors = appendCode(ta.Errors, cmp.Or(p.Code, "5"))
		case LevelSegment:
			segErrors = true
			se := SegmentError{ID: p.ID, Position: p.Segment - lo + 1, Code: cmp.Or(p.Code, "8")}
			if p.Element > 0 {
				se.Code = "8"
				se.Elements = []ElementError{{Position: p.Element, Code: cmp.Or(p.Code, "7")}}
			}
			ta.Segments = append(ta.Segments, se)
		}
	}
	if segErrors {
		ta.Errors = appendCode(ta.Errors, "5")
	}
	if len(ta.Errors) > 0 {
		ta.Status = AckRejected
	}
	return ta
}

func appendCode(codes []string, c string) []string {
	if slices.Contains(codes, c) || len(codes) == 5 {
		return codes
	}
	return append(codes, c)
}

// Write999 writes acks as a 999 interchange, one transaction set each.
func Write999(out io.Writer, env Envelope, acks []Ack999) error {
	if len(acks) == 0 {
		return fmt.Errorf("999: no acknowledgements to write")
	}
	for i := range acks {
		if acks[i].GroupID == "" || acks[i].GroupControl == "" || acks[i].Status == "" {
			return fmt.Errorf("999: acknowledgement %d needs AK101 group ID, AK102 group control number and AK901 status", i+1)
		}
		for j, t := range acks[i].Transactions {
			if t.Code == "" || t.Control == "" || t.Status == "" {
				return fmt.Errorf("999: acknowledgement %d transaction %d needs AK201 code, AK202 control number and IK501 status", i+1, j+1)
			}
		}
	}
	w, err := newWriter(out, env)
	if err != nil {
		return err
	}
	w.open("FA", Version999)
	for i := range acks {
		a := &acks[i]
		ctrl := w.st("999", Version999)
		w.seg("AK1", a.GroupID, a.GroupControl, a.Version)
		for _, t := range a.Transactions {
			w.seg("AK2", t.Code, t.Control, t.Version)
			for _, s := range t.Segments {
				w.seg("IK3", s.ID, strconv.Itoa(s.Position), s.Loop, s.Code)
				w.contexts(s.Context)
				for _, e := range s.Elements {
					w.start("IK4")
					w.comp(strconv.Itoa(e.Position), positive(e.Component), positive(e.Repetition))
					w.el(e.Reference)
					w.el(e.Code)
					w.el(e.Value)
					w.end()
				}
			}
			w.start("IK5")
			w.el(t.Status)
			for _, c := range t.Errors {
				w.el(c)
			}
			w.end()
		}
		w.start("AK9")
		for _, v := range []string{a.Status, strconv.Itoa(a.Included), strconv.Itoa(a.Received), strconv.Itoa(a.Accepted)} {
			w.el(v)
		}
		for _, c := range a.Errors {
			w.el(c)
		}
		w.end()
		w.se(ctrl)
	}
	return w.close()
}

func (w *writer) contexts(cs []ErrorContext) {
	for _, c := range cs {
		w.start("CTX")
		w.comp(c.Name, c.Reference)
		w.el(c.SegmentID)
		w.el(c.Position)
		w.el(c.Loop)
		w.el(c.Element)
		w.end()
	}
}

// positive formats n, or "" for zero.
func positive(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Parse999 reads a 999 interchange. Problems (envelope, unreadable
// numbers, misplaced segments) are in Document999.Problems; the error is
// for data that is not an interchange or holds no 999.
func Parse999(data []byte) (*Document999, error) {
	ic, err := parseLenient(data)
	if err != nil {
		return nil, err
	}
	doc := &Document999{Header: ic.Header, Problems: ic.Problems}
	for _, tx := range ic.Transactions() {
		if tx.Code() != "999" {
			continue
		}
		ack := Ack999{Control: tx.Control()}
		var ta *TransactionAck
		var se *SegmentError
		num := func(s *Segment, i int) int {
			v := s.El(i)
			if v == "" {
				return 0
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				doc.Problems = append(doc.Problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Element: i, Code: "6",
					Message: fmt.Sprintf("%q is not a number", v)})
			}
			return n
		}
		misplaced := func(s *Segment, what string) {
			doc.Problems = append(doc.Problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Code: "2",
				Message: s.ID + " outside " + what})
		}
		for i := range tx.Segments {
			s := &tx.Segments[i]
			switch s.ID {
			case "AK1":
				ack.GroupID, ack.GroupControl, ack.Version = s.El(1), s.El(2), s.El(3)
			case "AK2":
				ack.Transactions = append(ack.Transactions, TransactionAck{Code: s.El(1), Control: s.El(2), Version: s.El(3)})
				ta, se = &ack.Transactions[len(ack.Transactions)-1], nil
			case "IK3":
				if ta == nil {
					misplaced(s, "a transaction set response (AK2)")
					continue
				}
				ta.Segments = append(ta.Segments, SegmentError{ID: s.El(1), Position: num(s, 2), Loop: s.El(3), Code: s.El(4)})
				se = &ta.Segments[len(ta.Segments)-1]
			case "CTX":
				if se == nil {
					misplaced(s, "a segment error (IK3)")
					continue
				}
				se.Context = append(se.Context, ErrorContext{Name: s.Comp(1, 1), Reference: s.Comp(1, 2), SegmentID: s.El(2),
					Position: s.El(3), Loop: s.El(4), Element: s.El(5)})
			case "IK4":
				if se == nil {
					misplaced(s, "a segment error (IK3)")
					continue
				}
				pos := &Segment{ID: "IK4", Elements: []string{"IK4", s.Comp(1, 1), s.Comp(1, 2), s.Comp(1, 3)}, Pos: s.Pos}
				se.Elements = append(se.Elements, ElementError{Position: num(pos, 1), Component: num(pos, 2), Repetition: num(pos, 3),
					Reference: s.El(2), Code: s.El(3), Value: s.El(4)})
			case "IK5":
				if ta == nil {
					misplaced(s, "a transaction set response (AK2)")
					continue
				}
				ta.Status = s.El(1)
				ta.Errors = nonEmpty(s.Elements[min(2, len(s.Elements)):])
				ta, se = nil, nil
			case "AK9":
				ack.Status = s.El(1)
				ack.Included, ack.Received, ack.Accepted = num(s, 2), num(s, 3), num(s, 4)
				ack.Errors = nonEmpty(s.Elements[min(5, len(s.Elements)):])
			default:
				misplaced(s, "the 999 segments this reader knows")
			}
		}
		doc.Acks = append(doc.Acks, ack)
	}
	if len(doc.Acks) == 0 {
		return nil, fmt.Errorf("x12: the interchange holds no 999 transaction set (found %s)", transactionCodes(ic))
	}
	return doc, nil
}

// nonEmpty returns the non-empty strings of ss (nil when none).
func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
