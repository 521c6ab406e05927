package x12

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Version277CA is the implementation guide of 277CA claim acknowledgements.
const Version277CA = "005010X214"

// Document277CA is a parsed 277CA interchange.
type Document277CA struct {
	Header   Header        `json:"header"`
	Reports  []Report277CA `json:"reports"` // one per 277 transaction set
	Problems []Problem     `json:"problems,omitempty"`
}

// Report277CA is one 277CA transaction set: who acknowledges (2000A),
// to whom (2000B), and per billing provider (2000C) the claims (2000D).
type Report277CA struct {
	Control    string     `json:"control,omitempty"`     // ST02 as read; Write277CA numbers its own
	Reference  string     `json:"reference"`             // BHT03
	Payer      Entity277  `json:"payer"`                 // 2100A: payer (PR) or clearinghouse (AY)
	PayerTrace string     `json:"payer_trace,omitempty"` // 2200A TRN02
	Received   claim.Date `json:"received"`              // 2200A DTP*050
	Processed  claim.Date `json:"processed"`             // 2200A DTP*009
	Receiver   Entity277  `json:"receiver"`              // 2100B: the submitter (41)
	// ReceiverTrace is 2200B TRN02: the submitter's batch reference (the
	// 837's BHT03).
	ReceiverTrace  string        `json:"receiver_trace,omitempty"`
	ReceiverStatus []Status277   `json:"receiver_status,omitempty"` // 2200B STC
	Totals         *Totals277    `json:"totals,omitempty"`          // 2200B QTY/AMT, as read
	Providers      []Provider277 `json:"providers"`
}

// Totals277 are the accepted and rejected counts and amounts of a 277CA
// level (2200B QTY*90/AA, 2200C QTY*QA/QC, AMT*YU/YY). Write277CA
// computes them from the claims; Parse277CA reads what the sender wrote.
type Totals277 struct {
	Accepted       int         `json:"accepted"`
	Rejected       int         `json:"rejected"`
	AcceptedAmount claim.Money `json:"accepted_amount"`
	RejectedAmount claim.Money `json:"rejected_amount"`
}

// Provider277 is a billing provider (2000C/2100C/2200C) and its claims.
type Provider277 struct {
	Entity   Entity277        `json:"entity"`
	Trace    string           `json:"trace,omitempty"`    // 2200C TRN02
	Statuses []Status277      `json:"statuses,omitempty"` // 2200C STC: provider-level rejections
	Totals   *Totals277       `json:"totals,omitempty"`
	Claims   []ClaimStatus277 `json:"claims"`
}

// Entity277 is an NM1 segment.
type Entity277 struct {
	EntityID    string `json:"entity_id"`   // NM101: PR, AY, 41, 85, QC, IL …
	EntityType  string `json:"entity_type"` // NM102: 1 person, 2 organisation
	Name        string `json:"name,omitempty"`
	First       string `json:"first,omitempty"`
	Middle      string `json:"middle,omitempty"`
	Suffix      string `json:"suffix,omitempty"`
	IDQualifier string `json:"id_qualifier,omitempty"`
	ID          string `json:"id,omitempty"`
}

// ClaimStatus277 is one claim's acknowledgement (2000D/2100D/2200D).
type ClaimStatus277 struct {
	Patient Entity277 `json:"patient"` // NM1*QC (or IL in a 277 status response)
	// PatientControlNumber is TRN02: the claim's CLM01 as submitted.
	PatientControlNumber string      `json:"patient_control_number"`
	Statuses             []Status277 `json:"statuses"`
	// Refs are the REF segments: 1K payer claim control number, D9
	// clearinghouse trace number, BLT bill type, EJ patient account …
	Refs  []Ref           `json:"refs,omitempty"`
	Dates []DateRef       `json:"dates,omitempty"` // DTP*472 service period
	Lines []LineStatus277 `json:"lines,omitempty"`
}

// LineStatus277 is a service line's acknowledgement (2220D).
type LineStatus277 struct {
	Procedure Procedure271 `json:"procedure"`         // SVC01
	Charge    claim.Money  `json:"charge"`            // SVC02
	Revenue   string       `json:"revenue,omitempty"` // SVC04
	Units     string       `json:"units,omitempty"`   // SVC07
	Statuses  []Status277  `json:"statuses"`
	Refs      []Ref        `json:"refs,omitempty"`  // REF*FJ line item control number
	Dates     []DateRef    `json:"dates,omitempty"` // DTP*472
}

// Status277 is an STC segment.
type Status277 struct {
	StatusCode
	// Date is STC02, not used (and not written) at billing provider level.
	Date   claim.Date `json:"date"`
	Action string     `json:"action,omitempty"` // STC03: WQ accepted, U rejected
	// Amount is STC04, the total claim charge; not used (and not written)
	// at service line level, where SVC02 carries the charge.
	Amount *claim.Money `json:"amount,omitempty"`
	// More holds STC10 and STC11, further status codes of the same claim.
	More    []StatusCode `json:"more,omitempty"`
	Message string       `json:"message,omitempty"` // STC12
}

// StatusCode is a health care claim status composite (STC01, STC10, STC11).
type StatusCode struct {
	// Category is the claim status category: A1 received, A2 accepted
	// into adjudication, A3 returned as unprocessable, A6 missing
	// information, A7 invalid information, A8 relational field error …
	Category string `json:"category"`
	Code     string `json:"code,omitempty"`   // claim status code (e.g. 20 accepted for processing, 562 NPI)
	Entity   string `json:"entity,omitempty"` // entity identifier the status is about (85 billing provider, IL …)
	CodeList string `json:"code_list,omitempty"`
}

// Outcome is what a 277CA says of a claim, at any of its levels: the one
// vocabulary the claims bot records acknowledgements in.
type Outcome string

// The outcomes of an acknowledgement, by health care claim status category
// (code list 507).
const (
	OutcomeAccepted Outcome = "accepted" // A2 accepted into adjudication
	OutcomeSplit    Outcome = "split"    // A5 accepted, split by the payer (note it)
	OutcomePending  Outcome = "pending"  // A0 forwarded, A1 received: not yet accepted
	OutcomeRejected Outcome = "rejected" // A3, A4, A6, A7, A8
	// OutcomeUnknown is a category the code list does not give a 277CA
	// (or none at all): the claim stays pending and staff look at it.
	OutcomeUnknown Outcome = "unknown"
)

// CategoryOutcome maps a claim status category (STC01-1) to its outcome.
func CategoryOutcome(category string) Outcome {
	switch category {
	case "A2":
		return OutcomeAccepted
	case "A5":
		return OutcomeSplit
	case "A0", "A1":
		return OutcomePending
	case "A3", "A4", "A6", "A7", "A8":
		return OutcomeRejected
	}
	return OutcomeUnknown
}

// Accepted reports whether the payer took the claim into adjudication
// (accepted or split).
func (o Outcome) Accepted() bool { return o == OutcomeAccepted || o == OutcomeSplit }

// rank orders outcomes for combining a level's statuses: a rejection wins,
// then acceptance, then pending; unknown is what is left.
func (o Outcome) rank() int {
	switch o {
	case OutcomeRejected:
		return 4
	case OutcomeAccepted, OutcomeSplit:
		return 3
	case OutcomePending:
		return 2
	}
	return 1
}

// outcomeOf reads a level's STC segments (with STC10/STC11): rejected if
// any code rejects, else accepted (or split) if one accepts, else pending
// if one says received or forwarded, else unknown. It returns the status
// that decided, nil when there is none.
func outcomeOf(statuses []Status277) (Outcome, *Status277) {
	out, by := OutcomeUnknown, (*Status277)(nil)
	for i := range statuses {
		s := &statuses[i]
		for _, code := range append([]StatusCode{s.StatusCode}, s.More...) {
			o := CategoryOutcome(code.Category)
			if by == nil || o.rank() > out.rank() {
				out, by = o, s
			}
		}
	}
	return out, by
}

// Outcome reads the claim's own status categories (see outcomeOf); the
// information receiver's and billing provider's statuses are applied by
// Document277CA.Acknowledgements.
func (c *ClaimStatus277) Outcome() Outcome {
	o, _ := outcomeOf(c.Statuses)
	return o
}

// Charge returns the claim's total charge (STC04 of its first status).
func (c *ClaimStatus277) Charge() claim.Money {
	for _, s := range c.Statuses {
		if s.Amount != nil {
			return *s.Amount
		}
	}
	return 0
}

// Ref returns the ID of the claim's first REF with qualifier q (1K payer
// claim control number, D9 clearinghouse trace), or "".
func (c *ClaimStatus277) Ref(q string) string {
	for _, r := range c.Refs {
		if r.Qualifier == q {
			return r.ID
		}
	}
	return ""
}

// Claims returns every claim of the report, in order.
func (r *Report277CA) Claims() []*ClaimStatus277 {
	var out []*ClaimStatus277
	for pi := range r.Providers {
		for ci := range r.Providers[pi].Claims {
			out = append(out, &r.Providers[pi].Claims[ci])
		}
	}
	return out
}

// AckLevel is the 277CA level whose status decided a claim's outcome.
type AckLevel string

// The levels of a 277CA that carry statuses (STC).
const (
	AckClaim    AckLevel = "claim"                // 2200D
	AckProvider AckLevel = "billing provider"     // 2200C, HL 19
	AckReceiver AckLevel = "information receiver" // 2200B, HL 21
)

// Acknowledgement is what a 277CA says of one claim, all levels applied.
type Acknowledgement struct {
	ClaimID string   `json:"claim_id"` // CLM01 = 2200D TRN02
	Outcome Outcome  `json:"outcome"`
	Level   AckLevel `json:"level"`
	// Status is the STC that decided (zero when the claim has none).
	Status           Status277 `json:"status"`
	PayerClaimNumber string    `json:"payer_claim_number,omitempty"` // REF*1K
}

// Acknowledgements applies the 277CA to the claims of the 837P it answers
// (sent, as Read837P reads the interchange; nil when unknown). A rejection
// at the information receiver level (2200B) applies to every claim of the
// transaction sets its TRN02 names (the 837's BHT03; every sent claim when
// it names none of them), one at the billing provider level (2200C) to
// every claim listed under it and every such sent claim of that billing
// NPI; a claim listed is otherwise decided by its own statuses. Claims the
// 277CA neither lists nor rejects as a group are left out: no answer yet.
// Each claim is answered once, in order of first mention.
func (d *Document277CA) Acknowledgements(sent []Claim837Summary) []Acknowledgement {
	var out []Acknowledgement
	index := map[string]int{}
	add := func(a Acknowledgement) {
		if a.ClaimID == "" {
			return
		}
		if i, ok := index[a.ClaimID]; ok {
			if a.Outcome.rank() > out[i].Outcome.rank() {
				out[i] = a
			}
			return
		}
		index[a.ClaimID] = len(out)
		out = append(out, a)
	}
	for ri := range d.Reports {
		r := &d.Reports[ri]
		var scope []Claim837Summary
		for _, c := range sent {
			if r.ReceiverTrace != "" && c.Reference == r.ReceiverTrace {
				scope = append(scope, c)
			}
		}
		if len(scope) == 0 {
			scope = sent
		}
		recv, recvBy := outcomeOf(r.ReceiverStatus)
		for pi := range r.Providers {
			p := &r.Providers[pi]
			prov, provBy := outcomeOf(p.Statuses)
			for ci := range p.Claims {
				c := &p.Claims[ci]
				a := Acknowledgement{ClaimID: c.PatientControlNumber, Level: AckClaim, PayerClaimNumber: c.Ref("1K")}
				var by *Status277
				switch {
				case recv == OutcomeRejected:
					a.Outcome, a.Level, by = recv, AckReceiver, recvBy
				case prov == OutcomeRejected:
					a.Outcome, a.Level, by = prov, AckProvider, provBy
				default:
					a.Outcome, by = outcomeOf(c.Statuses)
				}
				if by != nil {
					a.Status = *by
				}
				add(a)
			}
			if prov == OutcomeRejected && recv != OutcomeRejected && p.Entity.ID != "" {
				for _, c := range scope {
					if c.BillingNPI == p.Entity.ID {
						add(Acknowledgement{ClaimID: c.ClaimID, Outcome: prov, Level: AckProvider, Status: *provBy})
					}
				}
			}
		}
		if recv == OutcomeRejected {
			for _, c := range scope {
				add(Acknowledgement{ClaimID: c.ClaimID, Outcome: recv, Level: AckReceiver, Status: *recvBy})
			}
		}
	}
	return out
}

// ErrClaimStatus277 is returned by Parse277CA for a 277 health care claim
// status response (005010X212, the answer to a 276): it says where claims
// stand in adjudication, not whether they were accepted into it, and has
// no acknowledgement levels to apply.
var ErrClaimStatus277 = errors.New("x12: this 277 is a claim status response (005010X212), not a 277CA claim acknowledgement (005010X214)")

// VersionClaimStatus277 is the implementation guide of 277 claim status
// responses.
const VersionClaimStatus277 = "005010X212"

// claimStatusShape reports whether a 277 transaction set is a claim status
// response: X212 in GS08 or ST03, or the subscriber and dependent levels
// (HL 22, 23) that a 277CA does not have.
func claimStatusShape(g *Group, tx *Transaction) bool {
	if g.Version() == VersionClaimStatus277 || tx.ST.El(3) == VersionClaimStatus277 {
		return true
	}
	for i := range tx.Segments {
		if s := &tx.Segments[i]; s.ID == "HL" && (s.El(3) == "22" || s.El(3) == "23") {
			return true
		}
	}
	return false
}

// Parse277CA reads a 277CA interchange. Problems are in
// Document277CA.Problems; the error is for data that is not an
// interchange, holds no 277, or is a claim status response
// (ErrClaimStatus277).
func Parse277CA(data []byte) (*Document277CA, error) {
	ic, err := parseLenient(data)
	if err != nil {
		return nil, err
	}
	doc := &Document277CA{Header: ic.Header, Problems: ic.Problems}
	for gi := range ic.Groups {
		for ti := range ic.Groups[gi].Transactions {
			if tx := &ic.Groups[gi].Transactions[ti]; tx.Code() == "277" && claimStatusShape(&ic.Groups[gi], tx) {
				return nil, ErrClaimStatus277
			}
		}
	}
	for _, tx := range ic.Transactions() {
		if tx.Code() != "277" {
			continue
		}
		doc.Problems = append(doc.Problems, checkHL(tx)...)
		p := parser277{doc: doc, rep: Report277CA{Control: tx.Control()}}
		for i := range tx.Segments {
			p.segment(&tx.Segments[i])
		}
		doc.Reports = append(doc.Reports, p.rep)
	}
	if len(doc.Reports) == 0 {
		return nil, fmt.Errorf("x12: the interchange holds no 277 transaction set (found %s)", transactionCodes(ic))
	}
	return doc, nil
}

// parser277 walks one 277 transaction set.
type parser277 struct {
	doc   *Document277CA
	rep   Report277CA
	level string // 20, 21, 19, PT
	prov  *Provider277
	clm   *ClaimStatus277
	line  *LineStatus277
}

func (p *parser277) problem(s *Segment, el int, code, msg string) {
	p.doc.Problems = append(p.doc.Problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Element: el, Code: code, Message: msg})
}

func (p *parser277) segment(s *Segment) {
	switch s.ID {
	case "BHT":
		p.rep.Reference = s.El(3)
		return
	case "HL":
		p.hl(s)
		return
	}
	switch p.level {
	case "20":
		switch s.ID {
		case "NM1":
			p.rep.Payer = entity277(s)
		case "TRN":
			p.rep.PayerTrace = s.El(2)
		case "DTP":
			switch s.El(1) {
			case "050":
				p.rep.Received = readDate(s, 3, &p.doc.Problems)
			case "009":
				p.rep.Processed = readDate(s, 3, &p.doc.Problems)
			default:
				p.problem(s, 1, "7", fmt.Sprintf("DTP01 %q is not a date the information source level carries (050, 009)", s.El(1)))
			}
		default:
			p.unexpected(s)
		}
	case "21":
		switch s.ID {
		case "NM1":
			p.rep.Receiver = entity277(s)
		case "TRN":
			p.rep.ReceiverTrace = s.El(2)
		case "STC":
			p.rep.ReceiverStatus = append(p.rep.ReceiverStatus, p.status(s))
		case "QTY", "AMT":
			p.rep.Totals = p.total(p.rep.Totals, s)
		default:
			p.unexpected(s)
		}
	case "19":
		switch s.ID {
		case "NM1":
			p.prov.Entity = entity277(s)
		case "TRN":
			p.prov.Trace = s.El(2)
		case "STC":
			p.prov.Statuses = append(p.prov.Statuses, p.status(s))
		case "QTY", "AMT":
			p.prov.Totals = p.total(p.prov.Totals, s)
		default:
			p.unexpected(s)
		}
	case "PT":
		p.claimSegment(s)
	default:
		p.problem(s, 0, "2", "segment before the first known hierarchical level (HL 20, 21, 19, PT)")
	}
}

func (p *parser277) unexpected(s *Segment) {
	p.problem(s, 0, "2", fmt.Sprintf("%s is not expected at hierarchical level %s", s.ID, p.level))
}

// hl opens a level: 20 information source, 21 receiver, 19 provider, PT
// patient.
func (p *parser277) hl(s *Segment) {
	p.clm, p.line = nil, nil
	switch code := s.El(3); code {
	case "20", "21":
		p.level = code
	case "19":
		p.level = "19"
		p.rep.Providers = append(p.rep.Providers, Provider277{})
		p.prov = &p.rep.Providers[len(p.rep.Providers)-1]
	case "PT":
		p.level = "PT"
		if p.prov == nil {
			p.problem(s, 3, "7", "patient level without a billing provider level (19)")
			p.rep.Providers = append(p.rep.Providers, Provider277{})
			p.prov = &p.rep.Providers[len(p.rep.Providers)-1]
		}
		p.prov.Claims = append(p.prov.Claims, ClaimStatus277{})
		p.clm = &p.prov.Claims[len(p.prov.Claims)-1]
	default:
		p.level = ""
		p.problem(s, 3, "7", fmt.Sprintf("hierarchical level code %q is not one of 20, 21, 19, PT", code))
	}
}

func (p *parser277) claimSegment(s *Segment) {
	c := p.clm
	if s.ID == "SVC" {
		c.Lines = append(c.Lines, LineStatus277{Procedure: procedure(s, 1), Charge: amount(s, 2, &p.doc.Problems),
			Revenue: s.El(4), Units: s.El(7)})
		p.line = &c.Lines[len(c.Lines)-1]
		return
	}
	if l := p.line; l != nil {
		switch s.ID {
		case "STC":
			l.Statuses = append(l.Statuses, p.status(s))
		case "REF":
			l.Refs = append(l.Refs, ref(s))
		case "DTP":
			l.Dates = append(l.Dates, readDateRef(s, &p.doc.Problems))
		default:
			p.unexpected(s)
		}
		return
	}
	switch s.ID {
	case "NM1":
		c.Patient = entity277(s)
	case "TRN":
		c.PatientControlNumber = s.El(2)
	case "STC":
		c.Statuses = append(c.Statuses, p.status(s))
	case "REF":
		c.Refs = append(c.Refs, ref(s))
	case "DTP":
		c.Dates = append(c.Dates, readDateRef(s, &p.doc.Problems))
	default:
		p.unexpected(s)
	}
}

func (p *parser277) status(s *Segment) Status277 {
	st := Status277{StatusCode: statusCode(s, 1), Date: readDate(s, 2, &p.doc.Problems), Action: s.El(3), Message: s.El(12)}
	if s.El(4) != "" {
		m := amount(s, 4, &p.doc.Problems)
		st.Amount = &m
	}
	for _, i := range []int{10, 11} {
		if s.El(i) != "" {
			st.More = append(st.More, statusCode(s, i))
		}
	}
	return st
}

func statusCode(s *Segment, i int) StatusCode {
	return StatusCode{Category: s.Comp(i, 1), Code: s.Comp(i, 2), Entity: s.Comp(i, 3), CodeList: s.Comp(i, 4)}
}

// total adds a QTY or AMT segment to t (creating it).
func (p *parser277) total(t *Totals277, s *Segment) *Totals277 {
	if t == nil {
		t = &Totals277{}
	}
	switch s.ID + "*" + s.El(1) {
	case "QTY*90", "QTY*QA":
		t.Accepted = p.count(s)
	case "QTY*AA", "QTY*QC":
		t.Rejected = p.count(s)
	case "AMT*YU":
		t.AcceptedAmount = amount(s, 2, &p.doc.Problems)
	case "AMT*YY":
		t.RejectedAmount = amount(s, 2, &p.doc.Problems)
	default:
		p.problem(s, 1, "7", fmt.Sprintf("%s01 qualifier %q is not one a 277CA total uses", s.ID, s.El(1)))
	}
	return t
}

func (p *parser277) count(s *Segment) int {
	n, err := strconv.Atoi(s.El(2))
	if err != nil {
		p.problem(s, 2, "6", fmt.Sprintf("%q is not a count", s.El(2)))
	}
	return n
}

func entity277(s *Segment) Entity277 {
	return Entity277{EntityID: s.El(1), EntityType: s.El(2), Name: s.El(3), First: s.El(4), Middle: s.El(5),
		Suffix: s.El(7), IDQualifier: s.El(8), ID: s.El(9)}
}

// Write277CA writes reports as a 277CA interchange, one transaction set
// each. The QTY/AMT totals at the receiver and provider levels are
// computed from the claims' outcomes and charges (Totals fields in the
// reports are ignored).
func Write277CA(out io.Writer, env Envelope, reports []Report277CA) error {
	if len(reports) == 0 {
		return fmt.Errorf("277CA: no reports to write")
	}
	for i := range reports {
		for _, c := range reports[i].Claims() {
			if c.PatientControlNumber == "" || len(c.Statuses) == 0 {
				return fmt.Errorf("277CA: report %d: every claim needs a patient control number (TRN02) and a status (STC)", i+1)
			}
		}
	}
	w, err := newWriter(out, env)
	if err != nil {
		return err
	}
	w.open("HN", Version277CA)
	for i := range reports {
		r := &reports[i]
		ctrl := w.st("277", Version277CA)
		w.bht("0085", "08", r.Reference, "TH")
		w.seg("HL", "1", "", "20", "1")
		w.entity277(r.Payer)
		w.seg("TRN", "1", r.PayerTrace)
		w.seg("DTP", "050", "D8", r.Received.Compact())
		w.seg("DTP", "009", "D8", r.Processed.Compact())
		w.seg("HL", "2", "1", "21", boolDigit(len(r.Providers) > 0))
		w.entity277(r.Receiver)
		w.seg("TRN", "2", r.ReceiverTrace)
		for _, s := range r.ReceiverStatus {
			w.status277(s, stcFull)
		}
		w.totals277(tally(r.Claims()), "90", "AA")
		hl := 2
		for pi := range r.Providers {
			pr := &r.Providers[pi]
			hl++
			ph := strconv.Itoa(hl)
			w.seg("HL", ph, "2", "19", boolDigit(len(pr.Claims) > 0))
			w.entity277(pr.Entity)
			w.seg("TRN", "1", pr.Trace)
			for _, s := range pr.Statuses {
				w.status277(s, stcProvider)
			}
			claims := make([]*ClaimStatus277, len(pr.Claims))
			for ci := range pr.Claims {
				claims[ci] = &pr.Claims[ci]
			}
			w.totals277(tally(claims), "QA", "QC")
			for _, c := range claims {
				hl++
				w.seg("HL", strconv.Itoa(hl), ph, "PT")
				w.entity277(c.Patient)
				w.seg("TRN", "2", c.PatientControlNumber)
				for _, s := range c.Statuses {
					w.status277(s, stcFull)
				}
				for _, rf := range c.Refs {
					w.seg("REF", rf.Qualifier, rf.ID, rf.Description)
				}
				w.dates(c.Dates)
				for _, l := range c.Lines {
					w.start("SVC")
					w.procedure(l.Procedure)
					w.raw(l.Charge.X12())
					w.raw("")
					w.el(l.Revenue)
					w.raw("")
					w.raw("")
					w.el(l.Units)
					w.end()
					for _, s := range l.Statuses {
						w.status277(s, stcLine)
					}
					for _, rf := range l.Refs {
						w.seg("REF", rf.Qualifier, rf.ID, rf.Description)
					}
					w.dates(l.Dates)
				}
			}
		}
		w.se(ctrl)
	}
	return w.close()
}

// tally counts accepted (or pending) and rejected claims and their charges.
func tally(claims []*ClaimStatus277) Totals277 {
	var t Totals277
	for _, c := range claims {
		if c.Outcome() == OutcomeRejected {
			t.Rejected++
			t.RejectedAmount += c.Charge()
		} else {
			t.Accepted++
			t.AcceptedAmount += c.Charge()
		}
	}
	return t
}

// totals277 writes QTY and AMT for a level with claims under it.
func (w *writer) totals277(t Totals277, accepted, rejected string) {
	if t.Accepted > 0 {
		w.seg("QTY", accepted, strconv.Itoa(t.Accepted))
	}
	if t.Rejected > 0 {
		w.seg("QTY", rejected, strconv.Itoa(t.Rejected))
	}
	if t.Accepted > 0 {
		w.seg("AMT", "YU", t.AcceptedAmount.X12())
	}
	if t.Rejected > 0 {
		w.seg("AMT", "YY", t.RejectedAmount.X12())
	}
}

func (w *writer) entity277(e Entity277) {
	w.seg("NM1", e.EntityID, e.EntityType, e.Name, e.First, e.Middle, "", e.Suffix, e.IDQualifier, e.ID)
}

// The 277CA levels differ in the STC elements they use.
const (
	stcFull     = iota // 2200B, 2200D: all of STC01–STC04, STC10–STC12
	stcProvider        // 2200C: no STC02 date
	stcLine            // 2220D: no STC04 amount (SVC02 has the charge)
)

// status277 writes an STC with the elements level uses.
func (w *writer) status277(s Status277, level int) {
	w.start("STC")
	w.comp(s.Category, s.Code, s.Entity, s.CodeList)
	if level == stcProvider {
		w.raw("")
	} else {
		w.el(s.Date.Compact())
	}
	w.el(s.Action)
	if s.Amount != nil && level != stcLine {
		w.raw(s.Amount.X12())
	} else {
		w.raw("")
	}
	for range 5 { // STC05–STC09 are not used in a 277CA
		w.raw("")
	}
	for i := range 2 {
		if i < len(s.More) {
			m := s.More[i]
			w.comp(m.Category, m.Code, m.Entity, m.CodeList)
		} else {
			w.raw("")
		}
	}
	w.el(s.Message)
	w.end()
}
