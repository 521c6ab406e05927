package x12

import (
	"slices"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Coverage in the 837P (005010X222A1): the subscriber (2000B/2010BA), the
// patient when a dependant (2000C/2010CA), the other payers (2320, 2330A,
// 2330B), and what else issue 15 added to a claim (REF*F8, 2310C, the
// NDC's own quantity).

// filingIndicators are the claim filing indicator codes (SBR09).
var filingIndicators = []string{"11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM",
	"LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ"}

// medicareIndicators are the filing indicators of traditional Medicare.
var medicareIndicators = []string{"MA", "MB"}

// FilingIndicator returns the claim filing indicator (SBR09) of a payer:
// env.FilingIndicators' entry, and false when the payer has none.
func (e *Envelope837) FilingIndicator(payerID string) (string, bool) {
	f, ok := e.FilingIndicators[payerID]
	return f, ok && f != ""
}

// checkCoverage adds to Check837P the rules of the coverage loops.
func checkCoverage(env *Envelope837, c *claim.Claim, bad func(int, claim.Field, string, ...any)) {
	resp := c.Responsibility.Or()
	if !resp.Valid() {
		bad(0, claim.FieldResponsibility, "payer responsibility %q must be P, S or T (SBR01)", c.Responsibility)
	}
	switch f, ok := env.FilingIndicator(c.PayerID); {
	case !ok:
		bad(0, claim.FieldPayerID, "payer %s has no claim filing indicator (SBR09: MB Medicare Part B, MC Medicaid, CI commercial, BL, HM …): add claim_filing_indicator to the payer directory", c.PayerID)
	case !slices.Contains(filingIndicators, f):
		bad(0, claim.FieldPayerID, "payer %s has claim filing indicator %q, which is not an SBR09 code", c.PayerID, f)
	case resp != claim.Primary && slices.Contains(medicareIndicators, f) && !c.MSPType.Valid():
		bad(0, claim.FieldMSPType, "Medicare billed as a secondary payer needs the Medicare secondary payer type (SBR05: 12 working aged, 13 ESRD, 14 no-fault, 15 workers' compensation, 43 disabled, 47 other liability …)")
	}
	if c.MSPType != "" && (!c.MSPType.Valid() || resp == claim.Primary) {
		bad(0, claim.FieldMSPType, "Medicare secondary payer type %q applies only to a claim billed to Medicare as secondary or tertiary, with one of the SBR05 codes", c.MSPType)
	}
	if c.IsDependant() {
		// 2010BA names the insured; 2010CA carries the patient's address and DMG.
		checkDependant(c, bad)
		if a := c.Patient.Address; a.Line1 == "" {
			bad(0, claim.FieldPatientAddress, "the patient has no street address; a dependant's claim needs it (2010CA N3)")
		}
	} else if a := c.Patient.Address; a.Line1 == "" {
		bad(0, claim.FieldPatientAddress, "the patient is the subscriber and has no street address (2010BA N3 is required when the patient is the subscriber)")
	}
	if a := c.Patient.Address; a.Line1 != "" && !validCityStateZip(a) {
		bad(0, claim.FieldPatientZip, "the patient address needs a city, a 2-letter state and a 5- or 9-digit ZIP code (N4)")
	}
	checkOtherCoverage(env, c, resp, bad)
	if c.FrequencyCode.NeedsOriginal() && c.OriginalClaimNumber == "" {
		bad(0, claim.FieldOriginalClaimNumber, "frequency code %s (replacement/void) needs the payer's claim control number of the original claim (REF*F8)", c.FrequencyCode)
	}
	checkFacility(env, c, bad)
	if hasLinePrior(c) && linePayer(c) == nil {
		bad(0, claim.FieldLinePriorPaid, "the lines carry a prior payer's payments but the claim names no prior payer that adjudicated it (2320 AMT*D)")
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		switch {
		case l.NDC == "" && (l.NDCQuantity != 0 || l.NDCUnit != ""):
			bad(i+1, claim.FieldNDC, "the line gives a drug quantity or unit but no NDC (2410 LIN03)")
		case l.NDC == "":
		case !(l.NDCQuantity > 0) || l.NDCQuantity > 9999999:
			bad(i+1, claim.FieldNDCQuantity, "the NDC needs the quantity of drug given (CTP04), above 0; it is not the HCPCS units")
		case !l.NDCUnit.Valid():
			bad(i+1, claim.FieldNDCUnit, "the NDC needs its unit of measure (CTP05-1): UN, ML, GR, ME or F2")
		}
	}
}

// checkDependant checks the patient's relationship and the insured of a
// dependant's claim (2010BA NM1*IL, 2000C PAT).
func checkDependant(c *claim.Claim, bad func(int, claim.Field, string, ...any)) {
	if !c.Relationship.Valid() {
		bad(0, claim.FieldRelationship, "relationship %q is not an X12 individual relationship code (18 self, 01 spouse, 19 child, G8 other …)", c.Relationship)
		return
	}
	in := &c.Insured
	if in.LastName == "" || in.FirstName == "" {
		bad(0, claim.FieldInsuredLastName, "the patient is a dependant: the claim needs the insured's last and first name (2010BA NM103/NM104)")
	}
	if a := in.Address; a.Line1 != "" && !validCityStateZip(a) {
		bad(0, claim.FieldInsuredZip, "the insured's address needs a city, a 2-letter state and a 5- or 9-digit ZIP code (2010BA N4)")
	}
	switch in.Sex {
	case "", claim.SexFemale, claim.SexMale, claim.SexUnknown:
	default:
		bad(0, claim.FieldInsuredSex, "insured sex %q must be F, M or U", in.Sex)
	}
}

// checkOtherCoverage checks the other payers (2320/2330): each named, in
// a place of its own, with a filing indicator; a secondary or tertiary
// claim has the adjudication of every payer before it, balanced against
// the claim total.
func checkOtherCoverage(env *Envelope837, c *claim.Claim, resp claim.Responsibility, bad func(int, claim.Field, string, ...any)) {
	if len(c.OtherCoverage) > 10 {
		bad(0, claim.FieldOtherPayerID, "the claim names %d other payers; loop 2320 repeats at most 10 times", len(c.OtherCoverage))
	}
	seen := map[claim.Responsibility]bool{resp: true}
	before := map[claim.Responsibility]bool{}
	for _, o := range c.OtherCoverage {
		r := o.Responsibility
		switch {
		case !r.Valid():
			bad(0, claim.FieldOtherPayerID, "other payer %s has responsibility %q; it must be P, S or T (2320 SBR01)", o.PayerID, r)
		case seen[r]:
			bad(0, claim.FieldOtherPayerID, "two of the claim's payers are both %s: each payer has its own place in the order", r)
		}
		seen[r] = true
		if o.PayerID == "" || o.PayerName == "" || o.MemberID == "" {
			bad(0, claim.FieldOtherPayerID, "the other payer needs its payer ID, name and the member ID (2330B NM109, NM103; 2330A NM109)")
		}
		if !o.Relationship.IsSelf() && (!o.Relationship.Valid() || o.Insured.LastName == "") {
			bad(0, claim.FieldOtherRelationship, "the other coverage's insured is not the patient: give a valid relationship code and the insured's name (2330A)")
		}
		if a := o.Insured.Address; (a != claim.Address{}) && (a.Line1 == "" || !validCityStateZip(a)) {
			bad(0, claim.FieldOtherInsuredZip, "the other coverage's insured's address needs a street, a city, a 2-letter state and a 5- or 9-digit ZIP code (2330A N3/N4)")
		}
		if s := o.Insured.Sex; s != "" && s != claim.SexFemale && s != claim.SexMale && s != claim.SexUnknown {
			bad(0, claim.FieldOtherInsuredSex, "the other coverage's insured's sex %q must be F, M or U", s)
		}
		if _, ok := env.FilingIndicator(o.PayerID); !ok && o.PayerID != "" {
			bad(0, claim.FieldOtherPayerID, "other payer %s has no claim filing indicator (2320 SBR09): add claim_filing_indicator to the payer directory", o.PayerID)
		}
		if r.Rank() >= resp.Rank() {
			if o.Adjudication != nil {
				bad(0, claim.FieldPriorPaid, "payer %s comes after the one billed and cannot have adjudicated the claim yet", o.PayerID)
			}
			continue
		}
		before[r] = true
		a := o.Adjudication
		if a == nil {
			bad(0, claim.FieldPriorPaid, "the claim is billed to the %s payer: it needs what payer %s paid and when (2320 AMT*D, 2330B DTP*573)", resp.Name(), o.PayerID)
			continue
		}
		if a.PaidDate.IsZero() {
			bad(0, claim.FieldPriorPaidDate, "payer %s's adjudication needs its paid date (2330B DTP*573)", o.PayerID)
		}
		total := a.Paid + adjustmentsTotal(a.Adjustments, 0, claim.FieldPriorAdjustments, bad)
		if lp := linePayer(c); lp != nil && lp.PayerID == o.PayerID && hasLinePrior(c) {
			total += checkLinePrior(c, a.Paid, bad)
		}
		if total != c.LineTotal() {
			bad(0, claim.FieldPriorAdjustments, "payer %s's paid amount and adjustments add up to %s, not the claim total %s: the 2320 (and 2430) amounts must balance the claim", o.PayerID, total, c.LineTotal())
		}
	}
	for _, need := range []claim.Responsibility{claim.Primary, claim.Secondary} {
		if need.Rank() < resp.Rank() && !before[need] {
			bad(0, claim.FieldOtherPayerID, "the claim is billed to the %s payer but names no %s payer (loop 2320)", resp.Name(), need.Name())
		}
	}
}

// adjustmentsTotal checks adjustments (CAS) and returns their sum.
func adjustmentsTotal(adj []claim.Adjustment, line int, f claim.Field, bad func(int, claim.Field, string, ...any)) claim.Money {
	var total claim.Money
	for _, a := range adj {
		total += a.Amount
		if !a.Group.Valid() || a.Reason == "" || len(a.Reason) > 5 {
			bad(line, f, "adjustment %s-%s must have a group (CO, CR, OA, PI, PR) and a reason code (CAS)", a.Group, a.Reason)
		}
	}
	return total
}

// checkLinePrior checks the prior payer's line decisions (2430): each
// line it decided balances (charge = paid + adjustments), and the lines'
// payments add up to the claim-level paid amount. It returns the sum of
// the line adjustments.
func checkLinePrior(c *claim.Claim, paid claim.Money, bad func(int, claim.Field, string, ...any)) claim.Money {
	var linePaid, lineAdj claim.Money
	for i := range c.Lines {
		l := &c.Lines[i]
		if l.Prior == nil {
			continue
		}
		adj := adjustmentsTotal(l.Prior.Adjustments, i+1, claim.FieldLinePriorAdjustments, bad)
		if l.Prior.Paid+adj != l.Charge {
			bad(i+1, claim.FieldLinePriorAdjustments, "the prior payer's line payment %s and adjustments %s do not add up to the line charge %s (2430 SVD02 + CAS = SV102)", l.Prior.Paid, adj, l.Charge)
		}
		linePaid += l.Prior.Paid
		lineAdj += adj
	}
	if linePaid != paid {
		bad(0, claim.FieldLinePriorPaid, "the prior payer's line payments add up to %s, not its paid amount %s (Σ 2430 SVD02 = 2320 AMT*D)", linePaid, paid)
	}
	return lineAdj
}

// linePayer is the payer line adjudications (2430) belong to: the first
// other payer before the one billed that adjudicated the claim.
func linePayer(c *claim.Claim) *claim.Coverage {
	var best *claim.Coverage
	resp := c.Responsibility.Or()
	for i := range c.OtherCoverage {
		o := &c.OtherCoverage[i]
		if o.Adjudication != nil && o.Responsibility.Rank() < resp.Rank() && (best == nil || o.Responsibility.Rank() < best.Responsibility.Rank()) {
			best = o
		}
	}
	return best
}

func hasLinePrior(c *claim.Claim) bool {
	return slices.ContainsFunc(c.Lines, func(l claim.Line) bool { return l.Prior != nil })
}

// linePrior837 writes loop 2430 for a line the prior payer decided: SVD
// with the payer, amount, procedure and units, CAS by group, DTP*573.
func (w *writer) linePrior837(c *claim.Claim, l *claim.Line) {
	p := linePayer(c)
	if l.Prior == nil || p == nil {
		return
	}
	w.start("SVD")
	w.el(p.PayerID)
	w.raw(l.Prior.Paid.X12())
	w.comp(append([]string{"HC", l.Procedure}, l.Modifiers...)...)
	w.raw("")
	w.raw(units(l.Units))
	w.end()
	w.cas(l.Prior.Adjustments)
	w.seg("DTP", "573", "D8", p.Adjudication.PaidDate.Compact())
}

// checkFacility checks the service facility (2310C) and that a facility
// place of service has one.
func checkFacility(env *Envelope837, c *claim.Claim, bad func(int, claim.Field, string, ...any)) {
	f := env.Facility(c)
	if f.IsZero() {
		if claim.IsFacilityPOS(c.PlaceOfService) {
			bad(0, claim.FieldFacilityName, "place of service %s is a facility: the claim needs the service facility's name and address (loop 2310C)", c.PlaceOfService)
		}
		return
	}
	if f.Name == "" {
		bad(0, claim.FieldFacilityName, "the service facility has no name (2310C NM103)")
	}
	if f.NPI != "" && !validNPI(f.NPI) {
		bad(0, claim.FieldFacilityNPI, "service facility NPI %q must be 10 digits", f.NPI)
	}
	switch a := f.Address; {
	case a.Line1 == "":
		bad(0, claim.FieldFacilityAddress, "the service facility has no street address (2310C N3)")
	case isPOBox(a.Line1) || isPOBox(a.Line2):
		bad(0, claim.FieldFacilityAddress, "the service facility address is a post office box; 2310C needs where the services were given")
	case !validCityStateZip(a):
		bad(0, claim.FieldFacilityZip, "the service facility address needs a city, a 2-letter state and a 5- or 9-digit ZIP code (2310C N4)")
	}
}

// coverageLimits are the element limits of the coverage loops.
func coverageLimits(env *Envelope837, c *claim.Claim) []elementLimit {
	in, f := &c.Insured, env.Facility(c)
	l := []elementLimit{
		{claim.FieldInsuredLastName, 0, "insured's last name", "2010BA NM103", in.LastName, 60},
		{claim.FieldInsuredFirstName, 0, "insured's first name", "2010BA NM104", in.FirstName, 35},
		{claim.FieldPatientLastName, 0, "patient middle name", "NM105", c.Patient.MiddleName, 25},
		{claim.FieldInsuredLastName, 0, "insured's middle name", "NM105", in.MiddleName, 25},
		{claim.FieldInsuredAddress, 0, "insured's address line 1", "2010BA N301", in.Address.Line1, 55},
		{claim.FieldInsuredAddress, 0, "insured's address line 2", "2010BA N302", in.Address.Line2, 55},
		{claim.FieldInsuredCity, 0, "insured's city", "2010BA N401", in.Address.City, 30},
		{claim.FieldOriginalClaimNumber, 0, "original claim number", "REF*F8 REF02", c.OriginalClaimNumber, 50},
		{claim.FieldFacilityName, 0, "service facility name", "2310C NM103", f.Name, 60},
		{claim.FieldFacilityAddress, 0, "service facility address line 1", "2310C N301", f.Address.Line1, 55},
		{claim.FieldFacilityAddress, 0, "service facility address line 2", "2310C N302", f.Address.Line2, 55},
		{claim.FieldFacilityCity, 0, "service facility city", "2310C N401", f.Address.City, 30},
	}
	for _, o := range c.OtherCoverage {
		l = append(l,
			elementLimit{claim.FieldOtherPayerName, 0, "other payer name", "2330B NM103", o.PayerName, 60},
			elementLimit{claim.FieldOtherPayerID, 0, "other payer ID", "2330B NM109", o.PayerID, 80},
			elementLimit{claim.FieldOtherMemberID, 0, "other member ID", "2330A NM109", o.MemberID, 80},
			elementLimit{claim.FieldOtherGroupNumber, 0, "other group number", "2320 SBR03", o.GroupNumber, 50},
			elementLimit{claim.FieldOtherRelationship, 0, "other insured's last name", "2330A NM103", o.Insured.LastName, 60},
			elementLimit{claim.FieldOtherRelationship, 0, "other insured's first name", "2330A NM104", o.Insured.FirstName, 35},
			elementLimit{claim.FieldOtherInsuredAddress, 0, "other insured's address line 1", "2330A N301", o.Insured.Address.Line1, 55},
			elementLimit{claim.FieldOtherInsuredAddress, 0, "other insured's address line 2", "2330A N302", o.Insured.Address.Line2, 55},
			elementLimit{claim.FieldOtherInsuredCity, 0, "other insured's city", "2330A N401", o.Insured.Address.City, 30})
	}
	return l
}

// subscriber837 writes loop 2000B (and 2000C when the patient is a
// dependant) for claims of one subscriber and patient, then the claims;
// hl is the last HL01 written, and the last written is returned.
func (w *writer) subscriber837(env *Envelope837, hl int, sub []*claim.Claim) int {
	c := sub[0]
	dependant := c.IsDependant()
	parent := strconv.Itoa(hl + 1)
	children := "0"
	if dependant {
		children = "1"
	}
	w.seg("HL", parent, "1", "22", children)
	rel := ""
	if !dependant {
		rel = string(claim.RelationshipSelf)
	}
	filing, _ := env.FilingIndicator(c.PayerID) // checked by Check837P
	w.seg("SBR", string(c.Responsibility.Or()), rel, c.GroupNumber, "", string(c.MSPType), "", "", "", filing)
	s := c.Subscriber()
	w.person("IL", s, "MI", c.MemberID)
	// 2010BA N3/N4 and DMG: "required when the patient is the subscriber
	// or considered to be the subscriber; if not required, do not send"
	// (X12 RFIs 1496 and 2281): a dependant's address and DMG go in 2010CA.
	if !dependant && s.Address.Line1 != "" {
		w.address(s.Address)
	}
	if !dependant && !s.DOB.IsZero() {
		w.seg("DMG", "D8", s.DOB.Compact(), string(orUnknown(s.Sex)))
	}
	w.seg("NM1", "PR", "2", upper(c.PayerName), "", "", "", "", "PI", c.PayerID)
	hl++
	if dependant {
		hl++
		w.seg("HL", strconv.Itoa(hl), parent, "23", "0")
		w.seg("PAT", string(c.Relationship))
		p := &c.Patient
		w.person("QC", p, "", "")
		w.address(p.Address)
		w.seg("DMG", "D8", p.DOB.Compact(), string(orUnknown(p.Sex)))
	}
	for _, c := range sub {
		w.claim837(env, c)
	}
	return hl
}

// person writes an NM1 of a person: last, first and middle name, suffix,
// and the ID when given.
func (w *writer) person(entity string, p *claim.Patient, qual, id string) {
	w.seg("NM1", entity, "1", upper(p.LastName), upper(p.FirstName), upper(p.MiddleName), "", upper(p.Suffix), qual, id)
}

func orUnknown(s claim.Sex) claim.Sex {
	if s == "" {
		return claim.SexUnknown
	}
	return s
}

// facility837 writes loop 2310C, facility f of claim c, when the claim
// names a service facility whose address is not the billing provider's.
func (w *writer) facility837(f claim.Facility, c *claim.Claim) {
	if f.IsZero() || (f.Address == c.Billing.Address && !claim.IsFacilityPOS(c.PlaceOfService)) {
		return
	}
	if f.NPI != "" {
		w.seg("NM1", "77", "2", upper(f.Name), "", "", "", "", "XX", f.NPI)
	} else {
		w.seg("NM1", "77", "2", upper(f.Name))
	}
	w.address(f.Address)
}

// otherPayers837 writes loops 2320, 2330A and 2330B for each other payer,
// in payment order.
func (w *writer) otherPayers837(env *Envelope837, c *claim.Claim) {
	others := slices.Clone(c.OtherCoverage)
	slices.SortStableFunc(others, func(a, b claim.Coverage) int { return a.Responsibility.Rank() - b.Responsibility.Rank() })
	for i := range others {
		o := &others[i]
		rel := o.Relationship
		if rel == "" {
			rel = claim.RelationshipSelf
		}
		filing, _ := env.FilingIndicator(o.PayerID)
		w.seg("SBR", string(o.Responsibility), string(rel), o.GroupNumber, "", "", "", "", "", filing)
		if a := o.Adjudication; a != nil {
			w.cas(a.Adjustments)
			w.seg("AMT", "D", a.Paid.X12())
		}
		w.seg("OI", "", "", "Y", "", "", "Y")
		insured := &c.Patient
		if !rel.IsSelf() {
			insured = &o.Insured
		}
		w.person("IL", insured, "MI", o.MemberID)
		if insured != &c.Patient && insured.Address.Line1 != "" {
			w.address(insured.Address) // 2330A N3/N4, situational
		}
		w.seg("NM1", "PR", "2", upper(o.PayerName), "", "", "", "", "PI", o.PayerID)
		if lp := linePayer(c); o.Adjudication != nil && !(lp != nil && lp.PayerID == o.PayerID && hasLinePrior(c)) {
			a := o.Adjudication
			w.seg("DTP", "573", "D8", a.PaidDate.Compact()) // else in each 2430
		}
	}
}

// cas writes the adjustments as CAS segments, one per group with up to
// six reason/amount pairs each, groups in the order first given.
func (w *writer) cas(adj []claim.Adjustment) {
	var groups []claim.AdjustmentGroup
	for _, a := range adj {
		if !slices.Contains(groups, a.Group) {
			groups = append(groups, a.Group)
		}
	}
	for _, g := range groups {
		n := 0
		for _, a := range adj {
			if a.Group != g {
				continue
			}
			if n%6 == 0 {
				if n > 0 {
					w.end()
				}
				w.start("CAS")
				w.el(string(g))
			}
			w.el(a.Reason)
			w.raw(a.Amount.X12())
			w.raw("") // CAS04 quantity
			n++
		}
		w.end()
	}
}
