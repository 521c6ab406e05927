package x12

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// VersionEligibility is the implementation guide of 270 inquiries and 271
// responses (GS08, ST03).
const VersionEligibility = "005010X279A1"

// DefaultServiceType is the EQ01 of an inquiry that names none: 30,
// health benefit plan coverage.
const DefaultServiceType = "30"

// Envelope270 is everything a 270 interchange says besides the inquiries.
type Envelope270 struct {
	Envelope
	// BatchID is BHT03; the interchange control number when empty.
	BatchID string `json:"batch_id"`
	// Originator is TRN03 of every inquiry: the requester's 10-character
	// trace assigning entity ID, "1" followed by its EIN.
	Originator string `json:"originator"`
}

// Inquiry270 is one eligibility question about one subscriber.
type Inquiry270 struct {
	// TraceNumber is TRN02; the payer echoes it in the 271 (TRN*2), which is
	// how answers are matched to questions.
	TraceNumber string `json:"trace_number"`
	PayerID     string `json:"payer_id"`
	PayerName   string `json:"payer_name"`
	// ProviderName and ProviderNPI identify the requesting provider
	// (an organisation, NM1*1P*2).
	ProviderName string     `json:"provider_name"`
	ProviderNPI  string     `json:"provider_npi"`
	MemberID     string     `json:"member_id"`
	LastName     string     `json:"last_name"`
	FirstName    string     `json:"first_name"`
	DOB          claim.Date `json:"dob"`
	Sex          claim.Sex  `json:"sex,omitempty"`
	// ServiceDate is the date asked about (DTP*291); none means today at the payer.
	ServiceDate claim.Date `json:"service_date"`
	// ServiceTypes are EQ01 codes, one EQ each; none means 30.
	ServiceTypes []string `json:"service_types,omitempty"`
	// TraceOriginator is TRN03; empty means Envelope270.Originator.
	TraceOriginator string `json:"trace_originator,omitempty"`
	// Dependent is set by Parse270 for an inquiry about a dependent (loop
	// 2000D): the names, DOB and sex are the dependent's, MemberID the
	// subscriber's. Write270 writes subscriber inquiries only.
	Dependent bool `json:"dependent,omitempty"`
}

// check returns why q cannot be written (naming the inquiry by position
// and trace number only).
func (q *Inquiry270) check(i int) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("270 inquiry %d (trace %s): %s", i+1, q.TraceNumber, fmt.Sprintf(format, args...)))
	}
	if q.TraceNumber == "" || len(q.TraceNumber) > 50 {
		bad("the trace number (TRN02) must be 1–50 characters")
	}
	if q.PayerID == "" || q.PayerName == "" {
		bad("the payer needs an ID and a name")
	}
	if q.ProviderName == "" || !validNPI(q.ProviderNPI) {
		bad("the provider needs a name and a 10-digit NPI")
	}
	if q.MemberID == "" || q.LastName == "" {
		bad("the subscriber needs a member ID and a last name")
	}
	switch q.Sex {
	case "", claim.SexFemale, claim.SexMale, claim.SexUnknown:
	default:
		bad("sex %q must be F, M or U", q.Sex)
	}
	if q.Dependent {
		bad("dependent inquiries are not written: ask with the dependent's own member ID")
	}
	if o := q.TraceOriginator; o != "" && (len(o) != 10 || !allAlnum(o)) {
		bad("the trace originator (TRN03) must be 10 letters or digits")
	}
	for _, st := range q.ServiceTypes {
		if len(st) < 1 || len(st) > 2 || !allAlnum(st) {
			bad("service type %q must be a 1–2 character code", st)
		}
	}
	return errors.Join(errs...)
}

// Write270 writes inquiries as a 270 interchange: one transaction set per
// payer and provider (in order of first appearance), each with the
// payer's information source loop, the provider's receiver loop and one
// subscriber loop per inquiry, in the order given.
func Write270(out io.Writer, env Envelope270, inquiries []Inquiry270) error {
	var errs []error
	if len(inquiries) == 0 {
		errs = append(errs, errors.New("270: no inquiries to write"))
	}
	if len(env.Originator) != 10 || !allAlnum(env.Originator) {
		errs = append(errs, fmt.Errorf("270: Originator (TRN03) must be 10 letters or digits, \"1\" followed by the EIN; got %q", env.Originator))
	}
	for i := range inquiries {
		errs = append(errs, inquiries[i].check(i))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	w, err := newWriter(out, env.Envelope)
	if err != nil {
		return err
	}
	if env.BatchID == "" {
		env.BatchID = strconv.Itoa(env.InterchangeControl)
	}
	ptrs := make([]*Inquiry270, len(inquiries))
	for i := range inquiries {
		ptrs[i] = &inquiries[i]
	}
	w.open("HS", VersionEligibility)
	// One transaction set per payer and provider: the guide allows several
	// in one, but validators built on its loop tables (pyx12) do not.
	for _, set := range groupBy(ptrs, func(q *Inquiry270) [4]string {
		return [4]string{q.PayerID, q.PayerName, q.ProviderNPI, q.ProviderName}
	}) {
		ctrl := w.st("270", VersionEligibility)
		w.bht("0022", "13", env.BatchID, "")
		first := set[0]
		w.seg("HL", "1", "", "20", "1")
		w.seg("NM1", "PR", "2", upper(first.PayerName), "", "", "", "", "PI", first.PayerID)
		w.seg("HL", "2", "1", "21", "1")
		w.seg("NM1", "1P", "2", upper(first.ProviderName), "", "", "", "", "XX", first.ProviderNPI)
		for i, q := range set {
			w.seg("HL", strconv.Itoa(i+3), "2", "22", "0")
			w.seg("TRN", "1", q.TraceNumber, cmp.Or(q.TraceOriginator, env.Originator))
			w.seg("NM1", "IL", "1", upper(q.LastName), upper(q.FirstName), "", "", "", "MI", q.MemberID)
			if !q.DOB.IsZero() {
				w.seg("DMG", "D8", q.DOB.Compact(), string(q.Sex))
			}
			if !q.ServiceDate.IsZero() {
				w.seg("DTP", "291", "D8", q.ServiceDate.Compact())
			}
			types := q.ServiceTypes
			if len(types) == 0 {
				types = []string{DefaultServiceType}
			}
			for _, st := range types {
				w.seg("EQ", st)
			}
		}
		w.se(ctrl)
	}
	return w.close()
}

// groupBy splits items by key into groups in order of first appearance,
// keeping the items' order within each group.
func groupBy[T any, K comparable](items []T, key func(T) K) [][]T {
	index := map[K]int{}
	var out [][]T
	for _, it := range items {
		k := key(it)
		j, ok := index[k]
		if !ok {
			j = len(out)
			index[k] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], it)
	}
	return out
}

// Document270 is a parsed 270 interchange.
type Document270 struct {
	Header    Header       `json:"header"`
	Inquiries []Inquiry270 `json:"inquiries"`
	Problems  []Problem    `json:"problems,omitempty"`
}

// Parse270 reads the inquiries of a 270 interchange (what a payer, or the
// payer simulator, receives): one Inquiry270 per subscriber or dependent
// loop, with its payer and provider. Problems are in
// Document270.Problems; the error is for data that is not an interchange
// or holds no 270.
func Parse270(data []byte) (*Document270, error) {
	ic, err := parseLenient(data)
	if err != nil {
		return nil, err
	}
	doc := &Document270{Header: ic.Header, Problems: ic.Problems}
	found := false
	for _, tx := range ic.Transactions() {
		if tx.Code() != "270" {
			continue
		}
		found = true
		doc.Problems = append(doc.Problems, checkHL(tx)...)
		var payer, provider [2]string // ID, name
		var cur *Inquiry270
		var subscriberID string
		for i := range tx.Segments {
			s := &tx.Segments[i]
			switch s.ID {
			case "HL":
				cur = nil
				if lvl := s.El(3); lvl == "22" || lvl == "23" {
					doc.Inquiries = append(doc.Inquiries, Inquiry270{PayerID: payer[0], PayerName: payer[1],
						ProviderNPI: provider[0], ProviderName: provider[1], Dependent: lvl == "23"})
					cur = &doc.Inquiries[len(doc.Inquiries)-1]
					if cur.Dependent {
						cur.MemberID = subscriberID
					}
				}
			case "NM1":
				switch {
				case s.El(1) == "PR":
					payer = [2]string{s.El(9), s.El(3)}
				case s.El(1) == "1P":
					provider = [2]string{s.El(9), s.El(3)}
				case cur != nil:
					cur.LastName, cur.FirstName = s.El(3), s.El(4)
					if s.El(8) == "MI" {
						cur.MemberID = s.El(9)
					}
					if !cur.Dependent {
						subscriberID = cur.MemberID
					}
				}
			case "TRN":
				if cur != nil {
					cur.TraceNumber, cur.TraceOriginator = s.El(2), s.El(3)
				}
			case "DMG":
				if cur != nil {
					cur.DOB = readDate(s, 2, &doc.Problems)
					cur.Sex = claim.Sex(s.El(3))
				}
			case "DTP":
				if cur != nil && s.El(1) == "291" {
					r := readDateRef(s, &doc.Problems)
					cur.ServiceDate = r.From
				}
			case "EQ":
				if cur != nil {
					cur.ServiceTypes = append(cur.ServiceTypes, s.Reps(1)...)
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("x12: the interchange holds no 270 transaction set (found %s)", transactionCodes(ic))
	}
	return doc, nil
}
