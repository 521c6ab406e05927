package x12

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Document271 is a parsed 271 interchange.
type Document271 struct {
	Header Header `json:"header"`
	// Responses holds one entry per 271 transaction set.
	Responses []Eligibility271 `json:"responses"`
	// Problems lists envelope problems and values that could not be read
	// (dates, amounts, segments out of place); what can be read still is.
	Problems []Problem `json:"problems,omitempty"`
}

// Eligibility271 is one 271 transaction set: information sources (payers),
// the receivers (providers) they answer, and the subscribers and
// dependents asked about.
type Eligibility271 struct {
	// Control is ST02 as read; Write271 numbers transaction sets itself.
	Control   string      `json:"control,omitempty"`
	Purpose   string      `json:"purpose"`   // BHT02: 11 response, 06 confirmation
	Reference string      `json:"reference"` // BHT03, the inquiry's reference
	Sources   []Source271 `json:"sources"`
}

// Source271 is an information source, loops 2000A and 2100A.
type Source271 struct {
	Entity Entity271 `json:"entity"`
	// Rejections are AAA segments of loops 2000A/2100A: the payer could not
	// answer at all (e.g. 42 unable to respond now).
	Rejections []Rejection   `json:"rejections,omitempty"`
	Receivers  []Receiver271 `json:"receivers,omitempty"`
}

// Receiver271 is an information receiver (the provider), loops 2000B/2100B.
type Receiver271 struct {
	Entity      Entity271   `json:"entity"`
	Rejections  []Rejection `json:"rejections,omitempty"` // AAA of 2100B (e.g. 50 provider ineligible)
	Subscribers []Member271 `json:"subscribers,omitempty"`
}

// Member271 is a subscriber (loops 2000C/2100C/2110C) or a dependent
// (2000D/2100D/2110D).
type Member271 struct {
	Traces     []Trace     `json:"traces,omitempty"` // TRN
	Entity     Entity271   `json:"entity"`           // NM1 (IL subscriber, 03 dependent), N3/N4, REF, PRV, INS, HI, MPI
	DOB        claim.Date  `json:"dob"`              // DMG02 (D8)
	Sex        string      `json:"sex,omitempty"`    // DMG03
	Rejections []Rejection `json:"rejections,omitempty"`
	// Dates are the DTP segments of 2100C/D: 346 plan begin, 347 plan
	// end, 291 plan, 307 eligibility, 356/357 eligibility begin/end …
	Dates    []DateRef `json:"dates,omitempty"`
	Benefits []Benefit `json:"benefits,omitempty"`
	// Dependents is filled for subscribers only.
	Dependents []Member271 `json:"dependents,omitempty"`
}

// MemberID returns NM109 when NM108 is MI (member identification number).
func (m *Member271) MemberID() string {
	if m.Entity.IDQualifier == "MI" {
		return m.Entity.ID
	}
	return ""
}

// Relationship returns INS02, the dependent's relationship to the
// subscriber (01 spouse, 19 child, 18 self …), or "".
func (m *Member271) Relationship() string {
	for _, s := range m.Entity.Extra {
		if s.ID == "INS" && len(s.Elements) > 1 {
			return s.Elements[1]
		}
	}
	return ""
}

// Entity271 is a name with what the 271 says about it: NM1, N3/N4, PER,
// REF, and segments the model does not break down (PRV, INS, HI, MPI …)
// kept as they came.
type Entity271 struct {
	EntityID    string       `json:"entity_id,omitempty"`   // NM101: PR, 1P, IL, 03, P3 …
	EntityType  string       `json:"entity_type,omitempty"` // NM102: 1 person, 2 organisation
	Name        string       `json:"name,omitempty"`        // NM103: last or organisation name
	First       string       `json:"first,omitempty"`       // NM104
	Middle      string       `json:"middle,omitempty"`      // NM105
	Suffix      string       `json:"suffix,omitempty"`      // NM107
	IDQualifier string       `json:"id_qualifier,omitempty"`
	ID          string       `json:"id,omitempty"`       // NM109
	Relation    string       `json:"relation,omitempty"` // NM110 entity relationship code (2120)
	Address     *Address271  `json:"address,omitempty"`  // N3/N4
	Contacts    []Contact    `json:"contacts,omitempty"`
	Refs        []Ref        `json:"refs,omitempty"`
	Extra       []RawSegment `json:"extra,omitempty"`
}

// Address271 is an N3/N4 pair.
type Address271 struct {
	Line1   string `json:"line1,omitempty"`
	Line2   string `json:"line2,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
}

// Contact is a PER segment: a contact function, name and up to three
// communication numbers.
type Contact struct {
	Function string          `json:"function"` // PER01: IC information contact
	Name     string          `json:"name,omitempty"`
	Numbers  []ContactNumber `json:"numbers,omitempty"`
}

// ContactNumber is one communication number of a PER segment.
type ContactNumber struct {
	Qualifier string `json:"qualifier"` // TE phone, EM email, UR URL, FX fax …
	Number    string `json:"number"`
}

// Ref is a REF segment.
type Ref struct {
	Qualifier   string `json:"qualifier"` // REF01: 18 plan number, 6P group number, 1W member ID …
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
}

// Rejection is an AAA segment: the request was not (fully) answered.
type Rejection struct {
	Valid string `json:"valid"` // AAA01: Y request valid but not answered, N invalid
	// Reason is AAA03: 42 unable to respond now, 72 invalid member ID,
	// 73 invalid name, 75 subscriber not found, 58 invalid DOB …
	Reason string `json:"reason"`
	// FollowUp is AAA04: C correct and resubmit, N do not resubmit,
	// P resubmit original, R resubmit later, W wait, X contact payer.
	FollowUp string `json:"follow_up,omitempty"`
}

// Trace is a TRN segment.
type Trace struct {
	Type       string `json:"type"`   // TRN01: 1 current (payer's), 2 referenced (the inquiry's)
	Number     string `json:"number"` // TRN02
	Originator string `json:"originator,omitempty"`
	Secondary  string `json:"secondary,omitempty"` // TRN04
}

// DateRef is a DTP segment. Value is kept as written; From and To are
// filled for D8 (both the same day) and RD8 dates.
type DateRef struct {
	Qualifier string     `json:"qualifier"` // 346 plan begin, 347 plan end, 291 plan, 307 eligibility, 356/357 …
	Format    string     `json:"format"`    // D8 or RD8 (others kept as text)
	Value     string     `json:"value"`
	From      claim.Date `json:"from,omitempty"`
	To        claim.Date `json:"to,omitempty"`
}

// Benefit is an EB segment with the segments of its 2110C/D loop.
type Benefit struct {
	// Info is EB01: 1 active coverage, 6 inactive, A co-insurance, B co-pay,
	// C deductible, G out-of-pocket, I non-covered, L primary care
	// provider, R other payer, V cannot process … unknown codes are kept.
	Info          string   `json:"info"`
	CoverageLevel string   `json:"coverage_level,omitempty"` // EB02: IND, FAM, EMP …
	ServiceTypes  []string `json:"service_types,omitempty"`  // EB03 repetitions: 30, 98, 86, 88 …
	InsuranceType string   `json:"insurance_type,omitempty"` // EB04: HM, PR, MB …
	Plan          string   `json:"plan,omitempty"`           // EB05 plan coverage description
	Period        string   `json:"period,omitempty"`         // EB06: 23 calendar year, 29 remaining, 27 visit …
	// Amount is EB07, nil when absent.
	Amount *claim.Money `json:"amount,omitempty"`
	// Percent is EB08 as written, a decimal fraction (".2" = 20%).
	Percent           string        `json:"percent,omitempty"`
	QuantityQualifier string        `json:"quantity_qualifier,omitempty"` // EB09: VS visits, DY days …
	Quantity          string        `json:"quantity,omitempty"`           // EB10
	AuthRequired      string        `json:"auth_required,omitempty"`      // EB11: Y, N, U
	InNetwork         string        `json:"in_network,omitempty"`         // EB12: Y in, N out, W both, U unknown
	Procedure         *Procedure271 `json:"procedure,omitempty"`          // EB13
	DiagnosisPointers []string      `json:"diagnosis_pointers,omitempty"` // EB14
	Limits            []HSD         `json:"limits,omitempty"`             // HSD
	Refs              []Ref         `json:"refs,omitempty"`
	Dates             []DateRef     `json:"dates,omitempty"`
	Rejections        []Rejection   `json:"rejections,omitempty"`
	Messages          []string      `json:"messages,omitempty"` // MSG01
	// Entities are the LS/LE 2120 loops: PCP (P3), other payer (PR) …
	Entities []Entity271 `json:"entities,omitempty"`
	// Extra keeps segments of the loop the model does not break down (III).
	Extra []RawSegment `json:"extra,omitempty"`
}

// PercentValue returns EB08 as a number (0.2 for 20%).
func (b *Benefit) PercentValue() (float64, error) {
	return strconv.ParseFloat(b.Percent, 64)
}

// Procedure271 is a composite medical procedure identifier (EB13).
type Procedure271 struct {
	Qualifier   string   `json:"qualifier"` // HC, AD, CJ, ID, IV, N4, ZZ
	Code        string   `json:"code"`
	Modifiers   []string `json:"modifiers,omitempty"`
	Description string   `json:"description,omitempty"` // EB13-7
}

// HSD is a health care services delivery segment (visit limits and the like).
type HSD struct {
	QuantityQualifier string `json:"quantity_qualifier,omitempty"` // HSD01
	Quantity          string `json:"quantity,omitempty"`           // HSD02
	UnitBasis         string `json:"unit_basis,omitempty"`         // HSD03
	SampleSize        string `json:"sample_size,omitempty"`        // HSD04
	Period            string `json:"period,omitempty"`             // HSD05
	Periods           string `json:"periods,omitempty"`            // HSD06
	Frequency         string `json:"frequency,omitempty"`          // HSD07
	Pattern           string `json:"pattern,omitempty"`            // HSD08
}

// RawSegment is a segment kept as read: its ID and data elements
// (Elements[0] is the first data element, composites and repetitions as
// written with the document's delimiters replaced by the defaults : ^).
type RawSegment struct {
	ID       string   `json:"id"`
	Elements []string `json:"elements"`
}

// Trace returns the subscriber or dependent whose TRN02 is number (the
// inquiry's trace number echoed back), or nil.
func (d *Document271) Trace(number string) *Member271 {
	for ri := range d.Responses {
		for si := range d.Responses[ri].Sources {
			for rci := range d.Responses[ri].Sources[si].Receivers {
				subs := d.Responses[ri].Sources[si].Receivers[rci].Subscribers
				for i := range subs {
					if m := subs[i].traced(number); m != nil {
						return m
					}
				}
			}
		}
	}
	return nil
}

func (m *Member271) traced(number string) *Member271 {
	for _, t := range m.Traces {
		if t.Number == number {
			return m
		}
	}
	for i := range m.Dependents {
		if d := m.Dependents[i].traced(number); d != nil {
			return d
		}
	}
	return nil
}

// Parse271 reads a 271 interchange. Every segment lands somewhere: values
// the model names go in their fields, the rest in Extra; codes are kept as
// written, known or not. Problems (envelope, misplaced segments,
// unreadable dates or amounts) are in Document271.Problems; the error is
// for data that is not an interchange or holds no 271.
func Parse271(data []byte) (*Document271, error) {
	ic, err := parseLenient(data)
	if err != nil {
		return nil, err
	}
	doc := &Document271{Header: ic.Header, Problems: ic.Problems}
	for _, tx := range ic.Transactions() {
		if tx.Code() != "271" {
			continue
		}
		doc.Problems = append(doc.Problems, checkHL(tx)...)
		p := parser271{doc: doc, resp: Eligibility271{Control: tx.Control()}}
		for i := range tx.Segments {
			p.segment(&tx.Segments[i])
		}
		doc.Responses = append(doc.Responses, p.resp)
	}
	if len(doc.Responses) == 0 {
		return nil, fmt.Errorf("x12: the interchange holds no 271 transaction set (found %s)", transactionCodes(ic))
	}
	return doc, nil
}

// parser271 walks one 271 transaction set, keeping the loop it is in.
type parser271 struct {
	doc  *Document271
	resp Eligibility271
	// The open loops, innermost last; nil when not open. Pointers go into
	// resp's slices and are refreshed after every append.
	src  *Source271
	rcv  *Receiver271
	sub  *Member271
	dep  *Member271
	ben  *Benefit
	ent  *Entity271 // the open 2120 entity
	inLS bool
}

func (p *parser271) problem(s *Segment, el int, code, msg string) {
	p.doc.Problems = append(p.doc.Problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Element: el, Code: code, Message: msg})
}

// member returns the innermost open subscriber or dependent.
func (p *parser271) member() *Member271 {
	if p.dep != nil {
		return p.dep
	}
	return p.sub
}

// entity returns the entity segments currently describe: the open 2120
// entity, else the innermost level's.
func (p *parser271) entity() *Entity271 {
	switch {
	case p.inLS && p.ent != nil:
		return p.ent
	case p.member() != nil:
		return &p.member().Entity
	case p.rcv != nil:
		return &p.rcv.Entity
	case p.src != nil:
		return &p.src.Entity
	}
	return nil
}

func (p *parser271) segment(s *Segment) {
	if !validSegmentID(s.ID) {
		return // Parse reported it; there is nothing to keep it as
	}
	switch s.ID {
	case "BHT":
		p.resp.Purpose, p.resp.Reference = s.El(2), s.El(3)
		return
	case "HL":
		p.hl(s)
		return
	case "LS":
		if p.ben == nil {
			p.problem(s, 0, "2", "LS outside an eligibility benefit (EB) loop")
			return
		}
		p.inLS, p.ent = true, nil
		return
	case "LE":
		if !p.inLS {
			p.problem(s, 0, "2", "LE without LS")
		}
		p.inLS, p.ent = false, nil
		return
	}
	if p.src == nil {
		p.problem(s, 0, "2", "segment before the first hierarchical level (HL)")
		return
	}
	if p.ben != nil && !p.inLS {
		p.benefitSegment(s)
		return
	}
	if p.inLS && s.ID == "NM1" {
		p.ben.Entities = append(p.ben.Entities, Entity271{})
		p.ent = &p.ben.Entities[len(p.ben.Entities)-1]
	}
	m := p.member()
	switch s.ID {
	case "AAA":
		r := rejection(s)
		switch {
		case p.inLS:
			p.ben.Rejections = append(p.ben.Rejections, r)
		case m != nil:
			m.Rejections = append(m.Rejections, r)
		case p.rcv != nil:
			p.rcv.Rejections = append(p.rcv.Rejections, r)
		default:
			p.src.Rejections = append(p.src.Rejections, r)
		}
	case "TRN", "DMG", "DTP", "EB":
		if m == nil || p.inLS {
			p.problem(s, 0, "2", s.ID+" outside a subscriber or dependent loop")
			p.entity().Extra = append(p.entity().Extra, raw(s))
			return
		}
		p.memberSegment(m, s)
	default:
		p.entitySegment(p.entity(), s)
	}
}

// hl opens a hierarchical level: 20 source, 21 receiver, 22 subscriber,
// 23 dependent.
func (p *parser271) hl(s *Segment) {
	p.ben, p.ent, p.inLS = nil, nil, false
	switch s.El(3) {
	case "20":
		p.resp.Sources = append(p.resp.Sources, Source271{})
		p.src = &p.resp.Sources[len(p.resp.Sources)-1]
		p.rcv, p.sub, p.dep = nil, nil, nil
	case "21":
		if p.src == nil {
			p.problem(s, 3, "7", "receiver level (21) without an information source level (20)")
			p.resp.Sources = append(p.resp.Sources, Source271{})
			p.src = &p.resp.Sources[len(p.resp.Sources)-1]
		}
		p.src.Receivers = append(p.src.Receivers, Receiver271{})
		p.rcv = &p.src.Receivers[len(p.src.Receivers)-1]
		p.sub, p.dep = nil, nil
	case "22":
		if p.rcv == nil {
			p.problem(s, 3, "7", "subscriber level (22) without a receiver level (21)")
			p.hl(&Segment{ID: "HL", Elements: []string{"HL", "", "", "21"}, Pos: s.Pos})
		}
		p.rcv.Subscribers = append(p.rcv.Subscribers, Member271{})
		p.sub = &p.rcv.Subscribers[len(p.rcv.Subscribers)-1]
		p.dep = nil
	case "23":
		if p.sub == nil {
			p.problem(s, 3, "7", "dependent level (23) without a subscriber level (22)")
			p.hl(&Segment{ID: "HL", Elements: []string{"HL", "", "", "22"}, Pos: s.Pos})
		}
		p.sub.Dependents = append(p.sub.Dependents, Member271{})
		p.dep = &p.sub.Dependents[len(p.sub.Dependents)-1]
	default:
		p.problem(s, 3, "7", fmt.Sprintf("hierarchical level code %q is not one of 20, 21, 22, 23; its segments are kept with the enclosing level", s.El(3)))
	}
}

func (p *parser271) memberSegment(m *Member271, s *Segment) {
	switch s.ID {
	case "TRN":
		m.Traces = append(m.Traces, Trace{Type: s.El(1), Number: s.El(2), Originator: s.El(3), Secondary: s.El(4)})
	case "DMG":
		f := s.El(1)
		if f == "D8" || f == "" {
			m.DOB = readDate(s, 2, &p.doc.Problems)
		} else {
			p.problem(s, 1, "7", fmt.Sprintf("date format %q: DMG dates are D8", f))
		}
		m.Sex = s.El(3)
		if (f != "D8" && f != "") || s.Len() > 3 {
			// Keep what the fields cannot hold; Write271 writes it as is.
			m.Entity.Extra = append(m.Entity.Extra, raw(s))
		}
	case "DTP":
		m.Dates = append(m.Dates, readDateRef(s, &p.doc.Problems))
	case "EB":
		m.Benefits = append(m.Benefits, p.benefit(s))
		p.ben = &m.Benefits[len(m.Benefits)-1]
	}
}

func (p *parser271) benefitSegment(s *Segment) {
	b := p.ben
	switch s.ID {
	case "EB":
		m := p.member()
		m.Benefits = append(m.Benefits, p.benefit(s))
		p.ben = &m.Benefits[len(m.Benefits)-1]
	case "HSD":
		b.Limits = append(b.Limits, HSD{s.El(1), s.El(2), s.El(3), s.El(4), s.El(5), s.El(6), s.El(7), s.El(8)})
	case "REF":
		b.Refs = append(b.Refs, ref(s))
	case "DTP":
		b.Dates = append(b.Dates, readDateRef(s, &p.doc.Problems))
	case "AAA":
		b.Rejections = append(b.Rejections, rejection(s))
	case "MSG":
		b.Messages = append(b.Messages, s.El(1))
	default:
		b.Extra = append(b.Extra, raw(s))
	}
}

func (p *parser271) entitySegment(e *Entity271, s *Segment) {
	switch s.ID {
	case "NM1":
		*e = Entity271{EntityID: s.El(1), EntityType: s.El(2), Name: s.El(3), First: s.El(4), Middle: s.El(5),
			Suffix: s.El(7), IDQualifier: s.El(8), ID: s.El(9), Relation: s.El(10), Extra: e.Extra}
	case "N3":
		a := e.address()
		a.Line1, a.Line2 = s.El(1), s.El(2)
	case "N4":
		a := e.address()
		a.City, a.State, a.Zip, a.Country = s.El(1), s.El(2), s.El(3), s.El(4)
	case "PER":
		c := Contact{Function: s.El(1), Name: s.El(2)}
		for i := 3; i+1 <= s.Len(); i += 2 {
			c.Numbers = append(c.Numbers, ContactNumber{Qualifier: s.El(i), Number: s.El(i + 1)})
		}
		e.Contacts = append(e.Contacts, c)
	case "REF":
		e.Refs = append(e.Refs, ref(s))
	default:
		e.Extra = append(e.Extra, raw(s))
	}
}

func (e *Entity271) address() *Address271 {
	if e.Address == nil {
		e.Address = &Address271{}
	}
	return e.Address
}

func (p *parser271) benefit(s *Segment) Benefit {
	b := Benefit{Info: s.El(1), CoverageLevel: s.El(2), ServiceTypes: s.Reps(3), InsuranceType: s.El(4), Plan: s.El(5),
		Period: s.El(6), Percent: s.El(8), QuantityQualifier: s.El(9), Quantity: s.El(10), AuthRequired: s.El(11),
		InNetwork: s.El(12), DiagnosisPointers: s.Components(14)}
	if v := s.El(7); v != "" {
		if m, err := parseAmount(v); err == nil {
			b.Amount = &m
		} else {
			p.problem(s, 7, "6", fmt.Sprintf("EB07 %q is not an amount", v))
		}
	}
	if s.El(13) != "" {
		pr := procedure(s, 13)
		b.Procedure = &pr
	}
	return b
}

// readDate reads element i of s as a D8 date, recording a problem when it
// is not one.
func readDate(s *Segment, i int, problems *[]Problem) claim.Date {
	v := s.El(i)
	if v == "" {
		return 0
	}
	dt, ok := parseD8(v)
	if !ok {
		*problems = append(*problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Element: i, Code: "8",
			Message: "not a CCYYMMDD date"})
	}
	return dt
}

// readDateRef reads a DTP segment; D8 and RD8 values are parsed (a problem
// is recorded when they do not parse), other formats kept as text.
func readDateRef(s *Segment, problems *[]Problem) DateRef {
	r := DateRef{Qualifier: s.El(1), Format: s.El(2), Value: s.El(3)}
	var ok bool
	switch r.Format {
	case "D8":
		r.From, ok = parseD8(r.Value)
		r.To = r.From
	case "RD8":
		from, to, _ := strings.Cut(r.Value, "-")
		var ok2 bool
		r.From, ok = parseD8(from)
		r.To, ok2 = parseD8(to)
		ok = ok && ok2 && r.To >= r.From
	default:
		return r // kept as text
	}
	if !ok {
		*problems = append(*problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Element: 3, Code: "8",
			Message: fmt.Sprintf("DTP%s value is not a valid %s date", r.Qualifier, r.Format)})
		r.From, r.To = 0, 0
	}
	return r
}

// parseD8 reads CCYYMMDD.
func parseD8(v string) (claim.Date, bool) {
	if len(v) != 8 || !isDigits(v) {
		return 0, false
	}
	d, err := claim.ParseDate(v[:4] + "-" + v[4:6] + "-" + v[6:])
	return d, err == nil
}

func rejection(s *Segment) Rejection {
	return Rejection{Valid: s.El(1), Reason: s.El(3), FollowUp: s.El(4)}
}

func ref(s *Segment) Ref { return Ref{Qualifier: s.El(1), ID: s.El(2), Description: s.El(3)} }

// raw keeps s as a RawSegment with the default component and repetition
// separators, so it can be written back with any delimiters.
func raw(s *Segment) RawSegment {
	r := RawSegment{ID: s.ID}
	for _, e := range s.Elements[1:] {
		if s.delims.Component != DefaultDelimiters.Component {
			e = strings.ReplaceAll(e, one(s.delims.Component), one(DefaultDelimiters.Component))
		}
		if s.delims.Repetition != 0 && s.delims.Repetition != DefaultDelimiters.Repetition {
			e = strings.ReplaceAll(e, one(s.delims.Repetition), one(DefaultDelimiters.Repetition))
		}
		r.Elements = append(r.Elements, e)
	}
	return r
}

// Write271 writes responses as a 271 interchange, one transaction set
// each, in the guide's segment order. Control numbers come from env.
func Write271(out io.Writer, env Envelope, responses []Eligibility271) error {
	if len(responses) == 0 {
		return fmt.Errorf("271: no responses to write")
	}
	if err := checkKept(responses); err != nil {
		return err
	}
	w, err := newWriter(out, env)
	if err != nil {
		return err
	}
	w.open("HB", VersionEligibility)
	for i := range responses {
		r := &responses[i]
		ctrl := w.st("271", VersionEligibility)
		w.bht("0022", r.Purpose, r.Reference, "")
		hl := 0
		next := func(parent int, code string, children bool) int {
			hl++
			p := ""
			if parent > 0 {
				p = strconv.Itoa(parent)
			}
			w.seg("HL", strconv.Itoa(hl), p, code, boolDigit(children))
			return hl
		}
		for si := range r.Sources {
			src := &r.Sources[si]
			sh := next(0, "20", len(src.Receivers) > 0)
			w.entity271(&src.Entity, src.Rejections)
			for ri := range src.Receivers {
				rcv := &src.Receivers[ri]
				rh := next(sh, "21", len(rcv.Subscribers) > 0)
				w.entity271(&rcv.Entity, rcv.Rejections)
				for mi := range rcv.Subscribers {
					sub := &rcv.Subscribers[mi]
					mh := next(rh, "22", len(sub.Dependents) > 0)
					w.member271(sub)
					for di := range sub.Dependents {
						next(mh, "23", false)
						w.member271(&sub.Dependents[di])
					}
				}
			}
		}
		w.se(ctrl)
	}
	return w.close()
}

// checkKept refuses kept segments whose ID is not a segment identifier:
// written, they would break the segment count.
func checkKept(responses []Eligibility271) error {
	check := func(segs []RawSegment) error {
		for _, s := range segs {
			if !validSegmentID(s.ID) {
				return fmt.Errorf("271: kept segment ID %q is not a segment identifier", s.ID)
			}
		}
		return nil
	}
	var member func(m *Member271) error
	member = func(m *Member271) error {
		errs := []error{check(m.Entity.Extra)}
		for i := range m.Benefits {
			b := &m.Benefits[i]
			errs = append(errs, check(b.Extra))
			for j := range b.Entities {
				errs = append(errs, check(b.Entities[j].Extra))
			}
		}
		for i := range m.Dependents {
			errs = append(errs, member(&m.Dependents[i]))
		}
		return errors.Join(errs...)
	}
	var errs []error
	for _, r := range responses {
		for _, src := range r.Sources {
			errs = append(errs, check(src.Entity.Extra))
			for _, rcv := range src.Receivers {
				errs = append(errs, check(rcv.Entity.Extra))
				for i := range rcv.Subscribers {
					errs = append(errs, member(&rcv.Subscribers[i]))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// extraRank orders kept segments within an entity as the guide does:
// PRV, then a kept DMG, then INS and HI, then DTP (not kept: a field),
// then the rest (MPI …).
func extraRank(id string) int {
	switch id {
	case "PRV":
		return 0
	case "DMG":
		return 1
	case "INS", "HI":
		return 2
	}
	return 3
}

// entity271 writes NM1, REF, N3, N4, PER and AAA, then kept PRV
// segments, for a source, a receiver or a 2120 entity.
func (w *writer) entity271(e *Entity271, rej []Rejection) {
	w.entityHead(e)
	w.rejections(rej)
	w.extras(e.Extra, 0, 3)
}

func (w *writer) entityHead(e *Entity271) {
	w.seg("NM1", e.EntityID, e.EntityType, e.Name, e.First, e.Middle, "", e.Suffix, e.IDQualifier, e.ID, e.Relation)
	for _, r := range e.Refs {
		w.seg("REF", r.Qualifier, r.ID, r.Description)
	}
	if a := e.Address; a != nil {
		if a.Line1 != "" || a.Line2 != "" {
			w.seg("N3", a.Line1, a.Line2)
		}
		if a.City != "" || a.State != "" || a.Zip != "" || a.Country != "" {
			w.seg("N4", a.City, a.State, a.Zip, a.Country)
		}
	}
	for _, c := range e.Contacts {
		w.start("PER")
		w.el(c.Function)
		w.el(c.Name)
		for _, n := range c.Numbers {
			w.el(n.Qualifier)
			w.el(n.Number)
		}
		w.end()
	}
}

func (w *writer) rejections(rej []Rejection) {
	for _, r := range rej {
		w.seg("AAA", r.Valid, "", r.Reason, r.FollowUp)
	}
}

// extras writes the kept segments whose rank is in [lo, hi].
func (w *writer) extras(segs []RawSegment, lo, hi int) {
	for _, s := range segs {
		if r := extraRank(s.ID); r < lo || r > hi {
			continue
		}
		w.start(s.ID)
		for _, e := range s.Elements {
			w.rawData(e)
		}
		w.end()
	}
}

// rawData writes a kept element, turning the default component and
// repetition separators back into the writer's.
func (w *writer) rawData(e string) {
	parts := strings.Split(e, one(DefaultDelimiters.Repetition))
	w.buf = append(w.buf, w.d.Element)
	for i, rep := range parts {
		if i > 0 {
			w.buf = append(w.buf, w.d.Repetition)
		}
		for j, c := range strings.Split(rep, one(DefaultDelimiters.Component)) {
			if j > 0 {
				w.buf = append(w.buf, w.d.Component)
			}
			w.buf = w.clean(w.buf, c)
		}
	}
	w.mark()
}

func (w *writer) member271(m *Member271) {
	for _, t := range m.Traces {
		w.seg("TRN", t.Type, t.Number, t.Originator, t.Secondary)
	}
	w.entityHead(&m.Entity)
	w.rejections(m.Rejections)
	w.extras(m.Entity.Extra, 0, 0)
	hasDMG := false
	for _, s := range m.Entity.Extra {
		hasDMG = hasDMG || s.ID == "DMG"
	}
	if (!m.DOB.IsZero() || m.Sex != "") && !hasDMG {
		f := "D8"
		if m.DOB.IsZero() {
			f = ""
		}
		w.seg("DMG", f, m.DOB.Compact(), m.Sex)
	}
	w.extras(m.Entity.Extra, 1, 2)
	w.dates(m.Dates)
	w.extras(m.Entity.Extra, 3, 3)
	for i := range m.Benefits {
		w.benefit271(&m.Benefits[i])
	}
}

func (w *writer) dates(ds []DateRef) {
	for _, d := range ds {
		w.seg("DTP", d.Qualifier, d.Format, d.Value)
	}
}

func (w *writer) benefit271(b *Benefit) {
	w.start("EB")
	for _, v := range []string{b.Info, b.CoverageLevel} {
		w.el(v)
	}
	w.reps(b.ServiceTypes)
	for _, v := range []string{b.InsuranceType, b.Plan, b.Period} {
		w.el(v)
	}
	if b.Amount != nil {
		w.raw(b.Amount.X12())
	} else {
		w.raw("")
	}
	for _, v := range []string{b.Percent, b.QuantityQualifier, b.Quantity, b.AuthRequired, b.InNetwork} {
		w.el(v)
	}
	if p := b.Procedure; p != nil {
		w.procedure(*p)
	} else {
		w.raw("")
	}
	w.comp(b.DiagnosisPointers...)
	w.end()
	for _, h := range b.Limits {
		w.seg("HSD", h.QuantityQualifier, h.Quantity, h.UnitBasis, h.SampleSize, h.Period, h.Periods, h.Frequency, h.Pattern)
	}
	for _, r := range b.Refs {
		w.seg("REF", r.Qualifier, r.ID, r.Description)
	}
	w.dates(b.Dates)
	w.rejections(b.Rejections)
	for _, m := range b.Messages {
		w.seg("MSG", m)
	}
	w.extras(b.Extra, 0, 3)
	if len(b.Entities) > 0 {
		w.seg("LS", "2120")
		for i := range b.Entities {
			w.entity271(&b.Entities[i], nil)
		}
		w.seg("LE", "2120")
	}
}

// procedure reads a composite medical procedure identifier: qualifier,
// code, up to four modifiers, description.
func procedure(s *Segment, i int) Procedure271 {
	c := s.Components(i)
	var p Procedure271
	if len(c) > 0 {
		p.Qualifier = c[0]
	}
	if len(c) > 1 {
		p.Code = c[1]
	}
	p.Modifiers = append(p.Modifiers, c[min(2, len(c)):min(len(c), 6)]...)
	if len(c) > 6 {
		p.Description = c[6]
	}
	return p
}

// procedure writes a composite medical procedure identifier.
func (w *writer) procedure(p Procedure271) {
	parts := make([]string, 6, 7)
	parts[0], parts[1] = p.Qualifier, p.Code
	copy(parts[2:], p.Modifiers)
	w.comp(append(parts, p.Description)...)
}
