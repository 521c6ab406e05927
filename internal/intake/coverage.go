package intake

import (
	"strings"
	"unicode"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// relationshipWords are the words exports write for the patient's
// relationship to the insured (CMS-1500 box 6: self, spouse, child, other).
var relationshipWords = map[string]claim.Relationship{
	"self": claim.RelationshipSelf, "patient": claim.RelationshipSelf, "same": claim.RelationshipSelf,
	"subscriber": claim.RelationshipSelf, "insured": claim.RelationshipSelf,
	"spouse": claim.RelationshipSpouse, "wife": claim.RelationshipSpouse, "husband": claim.RelationshipSpouse,
	"child": claim.RelationshipChild, "son": claim.RelationshipChild, "daughter": claim.RelationshipChild,
	"stepchild": claim.RelationshipChild, "step child": claim.RelationshipChild,
	"employee": claim.RelationshipEmployee, "unknown": claim.RelationshipUnknown,
	"organ donor": claim.RelationshipOrganDonor, "cadaver donor": claim.RelationshipCadaver,
	"life partner": claim.RelationshipLifePartner, "domestic partner": claim.RelationshipLifePartner,
	"other": claim.RelationshipOther, "other relationship": claim.RelationshipOther,
}

// ParseRelationship reads the patient's relationship to the insured: an
// X12 individual relationship code (18, 01, 19, 20, 21, 39, 40, 53, G8;
// "1" as Excel writes 01) or a word (self, spouse, child, other …).
// Blank gives "" (self).
func ParseRelationship(s string) (claim.Relationship, error) {
	w := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if w == "" {
		return "", nil
	}
	if r, ok := relationshipWords[w]; ok {
		return r, nil
	}
	code := claim.Relationship(padDigits(integral(strings.ToUpper(w)), 2, 1))
	if code.Valid() {
		return code, nil
	}
	return "", errValue("expected the patient's relationship to the insured: self, spouse, child, other, or an X12 code (18 self, 01 spouse, 19 child, G8 other)")
}

// ParseResponsibility reads the billed payer's place in the coverage
// order: P, S, T, primary, secondary, tertiary, 1, 2 or 3. Blank gives "".
func ParseResponsibility(s string) (claim.Responsibility, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "p", "primary", "1", "1st", "first":
		return claim.Primary, nil
	case "s", "secondary", "2", "2nd", "second":
		return claim.Secondary, nil
	case "t", "tertiary", "3", "3rd", "third":
		return claim.Tertiary, nil
	}
	return "", errValue("expected the payer's responsibility: P (primary), S (secondary) or T (tertiary)")
}

// ndcUnitWords maps the units of measure exports write to CTP05-1 codes.
var ndcUnitWords = map[string]claim.NDCUnit{
	"un": claim.NDCUnitUnit, "unit": claim.NDCUnitUnit, "units": claim.NDCUnitUnit, "each": claim.NDCUnitUnit, "ea": claim.NDCUnitUnit,
	"ml": claim.NDCUnitMilliliter, "milliliter": claim.NDCUnitMilliliter, "milliliters": claim.NDCUnitMilliliter, "millilitre": claim.NDCUnitMilliliter,
	"gr": claim.NDCUnitGram, "g": claim.NDCUnitGram, "gram": claim.NDCUnitGram, "grams": claim.NDCUnitGram,
	"me": claim.NDCUnitMilligram, "mg": claim.NDCUnitMilligram, "milligram": claim.NDCUnitMilligram, "milligrams": claim.NDCUnitMilligram,
	"f2": claim.NDCUnitInternational, "iu": claim.NDCUnitInternational, "international unit": claim.NDCUnitInternational,
	"international units": claim.NDCUnitInternational,
}

// ParseNDCUnit reads a drug's unit of measure: the 837P codes UN, ML, GR,
// ME, F2 or the words (unit, each, ml, gram, mg, IU …). Blank gives "".
func ParseNDCUnit(s string) (claim.NDCUnit, error) {
	w := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if w == "" {
		return "", nil
	}
	if u, ok := ndcUnitWords[w]; ok {
		return u, nil
	}
	return "", errValue("expected the drug's unit of measure: UN (unit), ML, GR (gram), ME (milligram) or F2 (international unit)")
}

// ParseNDCQuantity reads a drug quantity: a number above 0 with at most
// three decimals' worth of meaning (CTP04). Blank gives 0.
func ParseNDCQuantity(s string) (float64, error) {
	q, err := ParseUnits(s)
	if err != nil || q < 0 || (q == 0 && strings.TrimSpace(s) != "") {
		return 0, errValue("expected the drug quantity given, a number above 0 such as 1 or 0.5")
	}
	return q, nil
}

// ParseAdjustments reads a prior payer's claim adjustments, each a group
// code, a reason code and an amount, separated by semicolons or new
// lines: "CO-45 25.00; PR-1 10.00" (also "CO45 25", "CO-45: 25.00").
// Blank gives nil.
func ParseAdjustments(s string) ([]claim.Adjustment, error) {
	var out []claim.Adjustment
	bad := errValue("expected adjustments as group-reason amount separated by semicolons, such as CO-45 25.00; PR-1 10.00 (groups CO, CR, OA, PI, PR)")
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(part) < 3 {
			return nil, bad
		}
		g := claim.AdjustmentGroup(strings.ToUpper(part[:2]))
		rest := strings.TrimLeft(part[2:], "- ")
		i := strings.IndexFunc(rest, func(r rune) bool { return r == ' ' || r == ':' || r == '=' || r == '\t' })
		if !g.Valid() || i <= 0 {
			return nil, bad
		}
		reason := strings.ToUpper(rest[:i])
		if len(reason) > 5 || !alnum(reason) {
			return nil, bad
		}
		amt, ok, err := ParseAmount(strings.TrimLeftFunc(rest[i:], func(r rune) bool { return r == ':' || r == '=' || unicode.IsSpace(r) }))
		if err != nil || !ok {
			return nil, bad
		}
		out = append(out, claim.Adjustment{Group: g, Reason: reason, Amount: amt})
	}
	return out, nil
}

// errLinePaid marks a line payment that cannot be read.
var errLinePaid = errValue("expected the amount the primary paid on the line, such as 80.00")

// parseLinePrior reads the primary's decision on a line: its payment
// and adjustments ("CO-45 25.00; PR-1 10.00"). Both blank give nil; an
// adjustment without a payment is a payment of 0.
func parseLinePrior(paid, adjustments string) (*claim.LineAdjudication, error) {
	if strings.TrimSpace(paid) == "" && strings.TrimSpace(adjustments) == "" {
		return nil, nil
	}
	m, _, err := ParseAmount(paid)
	if err != nil {
		return nil, errLinePaid
	}
	adj, err := ParseAdjustments(adjustments)
	if err != nil {
		return nil, err
	}
	return &claim.LineAdjudication{Paid: m, Adjustments: adj}, nil
}

// ParseMSPType reads the Medicare secondary payer type (SBR05): 12, 13,
// 14, 15, 16, 41, 42, 43 or 47. Blank gives "".
func ParseMSPType(s string) (claim.MSPType, error) {
	t := claim.MSPType(integral(strings.TrimSpace(s)))
	if t == "" || t.Valid() {
		return t, nil
	}
	return "", errValue("expected the Medicare secondary payer type: 12 working aged, 13 ESRD, 14 no-fault, 15 workers' compensation, 16 public health, 41 black lung, 42 VA, 43 disabled, 47 other liability")
}
