package x12

import (
	"fmt"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Document837 is what Read837P finds in an 837P interchange: enough for a
// clearinghouse to acknowledge it claim by claim.
type Document837 struct {
	Header Header            `json:"header"`
	Claims []Claim837Summary `json:"claims"`
	// Problems holds the envelope problems and those found reading the
	// claims (HL links, amounts); empty for a sound interchange.
	Problems []Problem `json:"problems,omitempty"`
}

// Claim837Summary is one claim (loop 2300) of a received 837P.
type Claim837Summary struct {
	Transaction string      `json:"transaction"` // ST02 of its transaction set
	Reference   string      `json:"reference"`   // BHT03 of its transaction set
	ClaimID     string      `json:"claim_id"`    // CLM01, the patient control number
	Charge      claim.Money `json:"charge"`      // CLM02
	LineTotal   claim.Money `json:"line_total"`  // Σ SV102
	Lines       int         `json:"lines"`       // SV1 segments
	PayerID     string      `json:"payer_id"`    // 2010BB NM109
	BillingNPI  string      `json:"billing_npi"` // 2010AA NM109
	// Responsibility is the 2000B SBR01 (P, S, T); Relationship the
	// patient's relationship to the subscriber: "18" from SBR02, or PAT01
	// of a dependant's 2000C.
	Responsibility string `json:"responsibility,omitempty"`
	Relationship   string `json:"relationship,omitempty"`
	Frequency      string `json:"frequency,omitempty"`      // CLM05-3
	OriginalClaim  string `json:"original_claim,omitempty"` // REF*F8
	// OtherPayers are the 2330B payer IDs, in order; FacilityNPI the
	// 2310C NM109 (Facility says whether a 2310C loop is present).
	OtherPayers []string `json:"other_payers,omitempty"`
	Facility    bool     `json:"facility,omitempty"`
	FacilityNPI string   `json:"facility_npi,omitempty"`
	// Segment is the position of the CLM segment in the interchange.
	Segment int `json:"segment"`
}

// Balanced reports whether CLM02 equals the sum of the line charges.
func (c *Claim837Summary) Balanced() bool { return c.Charge == c.LineTotal }

// Read837P reads the claims of an 837 interchange (professional, but any
// 837 with CLM and SV1 reads). Envelope and content problems are returned
// in Document837.Problems; the error is for data that is not an
// interchange or holds no 837 transaction set.
func Read837P(data []byte) (*Document837, error) {
	ic, err := parseLenient(data)
	if err != nil {
		return nil, err
	}
	doc := &Document837{Header: ic.Header, Problems: ic.Problems}
	found := false
	for _, tx := range ic.Transactions() {
		if tx.Code() != "837" {
			continue
		}
		found = true
		doc.Problems = append(doc.Problems, checkHL(tx)...)
		var cur *Claim837Summary
		var billing, payer, ref, resp, rel string
		for i := range tx.Segments {
			s := &tx.Segments[i]
			switch s.ID {
			case "BHT":
				ref = s.El(3)
			case "HL":
				cur = nil
			case "SBR":
				if cur == nil { // 2000B, not a 2320 other subscriber
					resp, rel = s.El(1), s.El(2)
				}
			case "PAT":
				rel = s.El(1)
			case "REF":
				if cur != nil && s.El(1) == "F8" {
					cur.OriginalClaim = s.El(2)
				}
			case "NM1":
				switch s.El(1) {
				case "85":
					billing = s.El(9)
				case "PR":
					if cur == nil { // 2010BB, not a 2330B other payer
						payer = s.El(9)
					} else {
						cur.OtherPayers = append(cur.OtherPayers, s.El(9))
					}
				case "77":
					if cur != nil {
						cur.Facility, cur.FacilityNPI = true, s.El(9)
					}
				}
			case "CLM":
				doc.Claims = append(doc.Claims, Claim837Summary{Transaction: tx.Control(), Reference: ref, ClaimID: s.El(1),
					PayerID: payer, BillingNPI: billing, Segment: s.Pos, Responsibility: resp, Relationship: rel,
					Frequency: s.Comp(5, 3)})
				cur = &doc.Claims[len(doc.Claims)-1]
				cur.Charge = amount(s, 2, &doc.Problems)
			case "SV1":
				if cur == nil {
					doc.Problems = append(doc.Problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: "SV1", Code: "2",
						Message: "service line before any claim (CLM)"})
					continue
				}
				cur.Lines++
				cur.LineTotal += amount(s, 2, &doc.Problems)
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("x12: the interchange holds no 837 transaction set (found %s)", transactionCodes(ic))
	}
	return doc, nil
}

// parseLenient is Parse for the transaction readers: envelope problems stay
// in ic.Problems instead of failing the read.
func parseLenient(data []byte) (*Interchange, error) {
	ic, err := Parse(data)
	if ic == nil {
		return nil, err
	}
	return ic, nil
}

// amount reads element i of s as money, recording a problem (and returning
// 0) when it is not one.
func amount(s *Segment, i int, problems *[]Problem) claim.Money {
	v := s.El(i)
	if v == "" {
		return 0
	}
	m, err := parseAmount(v)
	if err != nil {
		*problems = append(*problems, Problem{Level: LevelSegment, Segment: s.Pos, ID: s.ID, Element: i, Code: "6",
			Message: fmt.Sprintf("%q is not an amount", v)})
	}
	return m
}

// parseAmount reads an X12 decimal amount (R type): digits with an
// optional leading minus and decimal point, no thousands separators.
func parseAmount(v string) (claim.Money, error) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9') && c != '.' && !(c == '-' && i == 0) {
			return 0, fmt.Errorf("%q is not an X12 amount", v)
		}
	}
	return claim.ParseMoney(v)
}

// checkHL checks the hierarchical levels of a transaction set: HL01 counts
// 1, 2, 3 …, HL02 names an earlier level, and HL04 (has children) agrees
// with what follows.
func checkHL(tx *Transaction) []Problem {
	var out []Problem
	seen := map[string]bool{}
	parents := map[string]bool{}
	n := 0
	for i := range tx.Segments {
		s := &tx.Segments[i]
		if s.ID != "HL" {
			continue
		}
		n++
		if s.El(1) != strconv.Itoa(n) {
			out = append(out, Problem{Level: LevelSegment, Segment: s.Pos, ID: "HL", Element: 1, Code: "7",
				Message: fmt.Sprintf("HL01 is %q; hierarchical IDs count up from 1 and this is level %d", s.El(1), n)})
		}
		if p := s.El(2); p != "" {
			if !seen[p] {
				out = append(out, Problem{Level: LevelSegment, Segment: s.Pos, ID: "HL", Element: 2, Code: "7",
					Message: fmt.Sprintf("HL02 parent %q is not an earlier HL01", p)})
			}
			parents[p] = true
		}
		seen[s.El(1)] = true
	}
	for i := range tx.Segments {
		s := &tx.Segments[i]
		if s.ID != "HL" {
			continue
		}
		hasChildren := parents[s.El(1)]
		switch s.El(4) {
		case "1":
			if !hasChildren {
				out = append(out, Problem{Level: LevelSegment, Segment: s.Pos, ID: "HL", Element: 4, Code: "7",
					Message: fmt.Sprintf("HL04 says level %s has children but none names it as parent", s.El(1))})
			}
		case "0":
			if hasChildren {
				out = append(out, Problem{Level: LevelSegment, Segment: s.Pos, ID: "HL", Element: 4, Code: "7",
					Message: fmt.Sprintf("HL04 says level %s has no children but a later HL names it as parent", s.El(1))})
			}
		}
	}
	return out
}

// transactionCodes lists the ST01 codes in ic, for error messages.
func transactionCodes(ic *Interchange) string {
	codes := ""
	for _, tx := range ic.Transactions() {
		if codes != "" {
			codes += ", "
		}
		codes += tx.Code()
	}
	if codes == "" {
		return "none"
	}
	return codes
}
