package scrub

import (
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// maxLines is how many service lines an 837P claim carries (LX, 50).
const maxLines = 50

// checkClaim runs every check that needs only claim ci itself.
func (r *run) checkClaim(ci int, c *claim.Claim, ctx Context) {
	dos := r.firstDOS // c.FirstServiceDate(), found by resolve
	p := r.claimPayer[ci]
	r.checkRequired(c)
	if p.edits.MBI && c.MemberID != "" {
		r.checkMBI(c)
	}
	r.checkProviders(c)
	age, ageKnown := r.checkClaimDates(c, p, dos, ctx)
	r.age, r.ageKnown = age, ageKnown
	r.checkDiagnoses(ci, c, dos, ctx, age, ageKnown)
	r.checkLines(ci, c, p, ctx, age, ageKnown)
	if c.HasTotal && c.TotalCharge != c.LineTotal() {
		r.add(rChgTotal, 0, claim.FieldTotalCharge,
			fmt.Sprintf("Claim total %s does not equal the sum of the line charges %s.", c.TotalCharge, c.LineTotal()),
			"Correct the claim total or the line charges; the 837P carries the sum of the lines.")
	}
	if !r.ref.POS.Known(c.PlaceOfService) {
		msg := "Place of service is missing."
		if c.PlaceOfService != "" {
			msg = fmt.Sprintf("Place of service %q is not a CMS place-of-service code.", c.PlaceOfService)
		}
		r.add(rPOS, 0, claim.FieldPlaceOfService, msg, "Enter the two-digit CMS place-of-service code (e.g. 11 office, 02/10 telehealth, 22 outpatient hospital).")
	}
	r.checkEligibility(c, dos, ctx)
	r.checkPayerRules(c, p, dos, ctx)
}

func (r *run) checkRequired(c *claim.Claim) {
	b := &c.Billing
	if b.NPI == "" {
		r.add(rReqBillingNPI, 0, claim.FieldBillingNPI, "Billing provider NPI is missing.", "Enter the billing provider's 10-digit NPI.")
	}
	if blank(b.Name) {
		r.add(rReqBillingName, 0, claim.FieldBillingName, "Billing provider name is missing.", "Enter the billing provider's name as enrolled with the payer.")
	}
	if field, what := missingAddress(&b.Address); field != "" {
		r.add(rReqBillingAddress, 0, field, "Billing provider address: "+what+".",
			"Enter the billing provider's street address, city, 2-letter state and 5- or 9-digit ZIP (no P.O. box).")
	}
	if b.TIN == "" {
		r.add(rReqTIN, 0, claim.FieldBillingTIN, "Billing provider TIN is missing.", "Enter the billing provider's 9-digit tax ID (EIN or SSN).")
	} else if len(b.TIN) != 9 || !digits(b.TIN) {
		r.add(rReqTIN, 0, claim.FieldBillingTIN, fmt.Sprintf("Billing provider TIN has %d characters; it must be 9 digits.", len(b.TIN)), "Enter the 9-digit tax ID without hyphens.")
	}
	if c.MemberID == "" {
		r.add(rReqMemberID, 0, claim.FieldMemberID, "Member ID is missing.", "Enter the member ID from the patient's insurance card.")
	}
	if c.PayerID == "" {
		r.add(rReqPayerID, 0, claim.FieldPayerID, "Payer ID is missing.", "Enter the payer's electronic payer ID (see the payer directory).")
	}
	p := &c.Patient
	if blank(p.LastName) {
		r.add(rReqPatientName, 0, claim.FieldPatientLastName, "Patient last name is missing.", "Enter the patient's last name as on the insurance card.")
	} else if blank(p.FirstName) {
		r.add(rReqPatientName, 0, claim.FieldPatientFirstName, "Patient first name is missing.", "Enter the patient's first name as on the insurance card.")
	}
	if p.DOB == 0 {
		r.add(rReqDOB, 0, claim.FieldPatientDOB, "Patient date of birth is missing.", "Enter the patient's date of birth.")
	}
	switch p.Sex {
	case claim.SexFemale, claim.SexMale, claim.SexUnknown:
	case "":
		r.add(rReqSex, 0, claim.FieldPatientSex, "Patient sex is missing.", "Enter F, M or U.")
	default:
		r.add(rReqSex, 0, claim.FieldPatientSex, fmt.Sprintf("Patient sex %q is not F, M or U.", string(p.Sex)), "Enter F, M or U.")
	}
	if len(c.Diagnoses) == 0 {
		r.add(rReqDiagnosis, 0, claim.FieldDx(1), "The claim has no diagnosis.", "Enter at least one ICD-10-CM diagnosis code.")
	}
	if len(c.Diagnoses) > claim.MaxDiagnoses {
		r.add(rReqTooManyDx, 0, claim.FieldDx(claim.MaxDiagnoses),
			fmt.Sprintf("The claim has %d diagnoses; an 837P carries at most %d.", len(c.Diagnoses), claim.MaxDiagnoses),
			"Keep the 12 diagnoses the lines point to, or split the services into two claims.")
	}
	if len(c.Lines) == 0 {
		r.add(rReqLines, 0, claim.FieldProcedureCode, "The claim has no service lines.", "Enter at least one service line.")
	}
	if len(c.Lines) > maxLines {
		r.add(rReqTooManyLines, maxLines+1, claim.FieldLineNumber,
			fmt.Sprintf("The claim has %d service lines; an 837P claim carries at most %d.", len(c.Lines), maxLines),
			"Split the services into claims of at most 50 lines.")
	}
	r.checkCoverage(c)
}

// checkCoverage checks what the 837P needs of the patient's address, the
// insured, the other payers, corrected claims, the service facility and
// drug lines. The 837P check (x12.Check837P) refuses the same claims; these
// findings say what to fill in.
func (r *run) checkCoverage(c *claim.Claim) {
	if blank(c.Patient.Address.Line1) {
		r.add(rReqPatientAddress, 0, claim.FieldPatientAddress, "Patient street address is missing.",
			"Enter the patient's street address, city, state and ZIP (payers reject claims without it).")
	} else if field, what := missingAddress(&c.Patient.Address); field != "" {
		r.add(rReqPatientAddress, 0, claim.FieldPatientZip, "Patient address: "+what+".", "Enter the patient's city, 2-letter state and 5- or 9-digit ZIP.")
	}
	if c.IsDependant() && (!c.Relationship.Valid() || blank(c.Insured.LastName) || blank(c.Insured.FirstName)) {
		r.add(rReqInsured, 0, claim.FieldInsuredLastName, "The patient is a dependant but the insured (subscriber) is not named, or the relationship is not a valid code.",
			"Enter the insured's name as on the card and the relationship (self, spouse, child, other).")
	}
	if c.FrequencyCode.NeedsOriginal() && blank(c.OriginalClaimNumber) {
		r.add(rReqOriginalClaim, 0, claim.FieldOriginalClaimNumber, fmt.Sprintf("Frequency %s (replacement or void) without the payer's original claim number.", c.FrequencyCode),
			"Enter the payer's claim control number (ICN/DCN) from the remittance of the original claim.")
	}
	if resp := c.Responsibility.Or(); resp != claim.Primary {
		prior := false
		for _, o := range c.OtherCoverage {
			if o.Responsibility.Rank() < resp.Rank() {
				prior = true
				if o.Adjudication == nil || o.Adjudication.PaidDate.IsZero() {
					r.add(rReqPriorPayer, 0, claim.FieldPriorPaid, fmt.Sprintf("Billed to the %s payer without what payer %s paid and when.", resp.Name(), o.PayerID),
						"Enter the primary's paid amount, paid date and adjustments from its remittance (835).")
				}
			}
		}
		if !prior {
			r.add(rReqPriorPayer, 0, claim.FieldOtherPayerID, fmt.Sprintf("Billed to the %s payer but no payer before it is named.", resp.Name()),
				"Enter the primary payer's ID, name and the patient's member ID there, with what it paid.")
		}
	}
	if claim.IsFacilityPOS(c.PlaceOfService) && (blank(c.Facility.Name) || blank(c.Facility.Address.Line1)) {
		r.add(rReqFacility, 0, claim.FieldFacilityName, fmt.Sprintf("Place of service %s is a facility but the service facility is not named.", c.PlaceOfService),
			"Enter the facility's name, street address, city, state and ZIP (and its NPI).")
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		if l.NDC == "" {
			continue
		}
		if !(l.NDCQuantity > 0) {
			r.add(rReqNDCQuantity, i+1, claim.FieldNDCQuantity, fmt.Sprintf("Line %d (%s) has an NDC but no drug quantity.", i+1, l.Procedure),
				"Enter the amount of drug given (e.g. 1 for one 1 mL vial): it is not the HCPCS units.")
		} else if !l.NDCUnit.Valid() {
			r.add(rReqNDCQuantity, i+1, claim.FieldNDCUnit, fmt.Sprintf("Line %d (%s) has an NDC quantity but no unit of measure.", i+1, l.Procedure),
				"Enter the unit: UN (unit), ML, GR (gram), ME (milligram) or F2 (international unit).")
		}
	}
}

// blank reports whether s is empty or white space; ASCII is checked
// without strings.TrimSpace's Unicode tables.
func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
		case c < 0x80:
			return false
		default:
			return strings.TrimSpace(s[i:]) == ""
		}
	}
	return true
}

func missingAddress(a *claim.Address) (claim.Field, string) {
	switch {
	case blank(a.Line1):
		return claim.FieldBillingAddress, "street address is missing"
	case blank(a.City):
		return claim.FieldBillingCity, "city is missing"
	case len(a.State) != 2 || !letters(a.State):
		return claim.FieldBillingState, fmt.Sprintf("state %q is not a 2-letter code", a.State)
	case !(len(a.Zip) == 5 || len(a.Zip) == 9) || !digits(a.Zip):
		return claim.FieldBillingZip, fmt.Sprintf("ZIP %q is not 5 or 9 digits", a.Zip)
	}
	return "", ""
}

const npiFix = "Check the NPI against NPPES (npiregistry.cms.hhs.gov); a typo usually breaks the check digit."

func (r *run) checkProviders(c *claim.Claim) {
	if c.Billing.NPI != "" && !r.npis.valid(c.Billing.NPI) {
		r.add(rNPIBilling, 0, claim.FieldBillingNPI, fmt.Sprintf("Billing NPI %s is not a valid NPI (10 digits, check digit).", c.Billing.NPI), npiFix)
	}
	if c.RenderingNPI != "" && !r.npis.valid(c.RenderingNPI) {
		r.add(rNPIRendering, 0, claim.FieldRenderingNPI, fmt.Sprintf("Rendering NPI %s is not a valid NPI (10 digits, check digit).", c.RenderingNPI), npiFix)
	}
	if c.ReferringNPI != "" && !r.npis.valid(c.ReferringNPI) {
		r.add(rNPIReferring, 0, claim.FieldReferringNPI, fmt.Sprintf("Referring NPI %s is not a valid NPI (10 digits, check digit).", c.ReferringNPI), npiFix)
	}
	if t := c.Billing.Taxonomy; t != "" {
		switch {
		case !refdata.ValidTaxonomyFormat(t):
			r.add(rTaxFormat, 0, claim.FieldBillingTaxonomy, fmt.Sprintf("Taxonomy %q is not a NUCC code (10 characters ending in X).", t),
				"Enter the provider's NUCC taxonomy code, e.g. 207Q00000X (family medicine).")
		case r.ref.Taxonomy.Complete() && !r.ref.Taxonomy.Known(t):
			r.add(rTaxUnknown, 0, claim.FieldBillingTaxonomy, fmt.Sprintf("Taxonomy %s is not in the NUCC code set.", t),
				"Use the taxonomy code the provider registered in NPPES.")
		}
	}
}

// ValidNPI reports whether s is a valid National Provider Identifier: 10
// digits starting with 1 or 2 whose last digit is the Luhn check digit of
// the first nine prefixed with 80840.
func ValidNPI(s string) bool {
	if len(s) != 10 || !digits(s) || (s[0] != '1' && s[0] != '2') {
		return false
	}
	sum := 24 // the Luhn contribution of the 80840 prefix
	for i := 8; i >= 0; i-- {
		d := int(s[i] - '0')
		if (8-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10-sum%10)%10 == int(s[9]-'0')
}

// checkClaimDates checks the patient's age on the first date of service and
// timely filing; it returns the age when it is known.
func (r *run) checkClaimDates(c *claim.Claim, p *payerSetup, dos claim.Date, ctx Context) (int, bool) {
	dob := c.Patient.DOB
	if ctx.Today != 0 && dos != 0 {
		if days := ctx.Today.DaysSince(dos); days > p.filingDays {
			r.add(rTimely, 0, claim.FieldDateFrom,
				fmt.Sprintf("Date of service %s is %d days ago; the filing limit for payer %s is %d days.", dos, days, c.PayerID, p.filingDays),
				"Do not submit unless you have proof of timely filing or a payer-approved exception (e.g. retroactive eligibility); otherwise write the charge off.")
		}
	}
	if dob == 0 || dos == 0 || dos < dob {
		if ctx.Today != 0 && dob > ctx.Today {
			r.add(rDateAge, 0, claim.FieldPatientDOB, "Patient date of birth is in the future.", "Correct the patient's date of birth.")
		}
		return 0, false
	}
	age := dos.YearsSince(dob)
	if age >= 150 {
		r.add(rDateAge, 0, claim.FieldPatientDOB, fmt.Sprintf("Patient would be %d years old on %s.", age, dos), "Correct the patient's date of birth (check the century).")
		return age, false
	}
	return age, true
}

func (r *run) checkLines(ci int, c *claim.Claim, p *payerSetup, ctx Context, age int, ageKnown bool) {
	dob := c.Patient.DOB
	var first, last claim.Date // the claim's dates of service, for the batch notices
	hcpcs := false
	for li := range c.Lines {
		if li >= maxLines {
			break
		}
		l := &c.Lines[li]
		n := li + 1
		k := int(r.lineStart[ci]) + li
		info, kind := r.infos[k], r.kinds[k]
		switch {
		case l.Procedure == "":
			r.add(rReqProcedure, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d has no procedure code.", n), "Enter the CPT or HCPCS code of the service.")
		case kind == procInvalid:
			r.add(rProcFormat, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d procedure %q is not a CPT or HCPCS code.", n, l.Procedure),
				"Enter a 5-character code: CPT (5 digits, or 4 digits and F/T/U/M) or HCPCS Level II (a letter and 4 digits).")
		case kind == procHCPCS:
			r.checkHCPCS(n, l, info)
		}
		if kind != procInvalid && (l.Procedure[4] == '9' || l.Procedure[4] == '0') && isNOC(l.Procedure) {
			r.add(rProcNOC, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d bills %s, a not-otherwise-classified code.", n, l.Procedure),
				"Use a specific code if one exists; otherwise add the description (and NDC for drugs) the payer requires.")
		}
		if l.From == 0 {
			r.add(rReqDOS, n, claim.FieldDateFrom, fmt.Sprintf("Line %d has no date of service.", n), "Enter the date the service was performed.")
		} else {
			if first == 0 || l.From < first {
				first = l.From
			}
			last = max(last, l.From)
			hcpcs = hcpcs || kind == procHCPCS
			if l.To != 0 && l.To < l.From {
				r.add(rDateToBefore, n, claim.FieldDateTo, fmt.Sprintf("Line %d service 'to' date %s is before its 'from' date %s.", n, l.To, l.From), "Correct the service dates.")
			}
			if ctx.Today != 0 && (l.From > ctx.Today || l.To > ctx.Today) {
				r.add(rDateFuture, n, claim.FieldDateFrom, fmt.Sprintf("Line %d date of service %s is in the future.", n, max(l.From, l.To)),
					"Bill services only after they are performed; correct the date if it is a typo.")
			}
			if dob != 0 && l.From < dob {
				r.add(rDateBeforeDOB, n, claim.FieldDateFrom, fmt.Sprintf("Line %d date of service %s is before the patient's date of birth.", n, l.From),
					"Correct the date of service or the patient's date of birth.")
			}
		}
		switch {
		case l.Units == 0:
			r.add(rReqUnits, n, claim.FieldUnits, fmt.Sprintf("Line %d has no units.", n), "Enter the units of service (1 for most services).")
		case l.Units < 0:
			r.add(rChgUnits, n, claim.FieldUnits, fmt.Sprintf("Line %d units %g are negative.", n, l.Units), "Enter a positive number of units; void or replace a claim to take services back.")
		}
		switch {
		case l.Charge == 0 && kind != procCPT2:
			r.add(rReqCharge, n, claim.FieldLineCharge, fmt.Sprintf("Line %d (%s) has no charge.", n, l.Procedure), "Enter the practice's charge for the service.")
		case l.Charge < 0:
			r.add(rChgNegative, n, claim.FieldLineCharge, fmt.Sprintf("Line %d charge %s is negative.", n, l.Charge), "Enter the full positive charge; adjustments belong in payment posting.")
		}
		if l.PlaceOfService != "" && l.PlaceOfService != c.PlaceOfService && !r.ref.POS.Known(l.PlaceOfService) {
			r.add(rPOS, n, claim.FieldPlaceOfService, fmt.Sprintf("Line %d place of service %q is not a CMS place-of-service code.", n, l.PlaceOfService),
				"Enter the two-digit CMS place-of-service code of the line (e.g. 11 office, 22 outpatient hospital).")
		}
		if l.RenderingNPI != "" && l.RenderingNPI != c.RenderingNPI && !r.npis.valid(l.RenderingNPI) {
			r.add(rNPIRendering, n, claim.FieldRenderingNPI, fmt.Sprintf("Line %d rendering NPI %s is not a valid NPI (10 digits, check digit).", n, l.RenderingNPI), npiFix)
		}
		if len(l.Modifiers) > 0 {
			r.checkModifiers(n, l)
		}
		r.checkPointers(n, l, len(c.Diagnoses))
		if info != nil {
			r.checkProcInfo(ci, c, p, li, info, age, ageKnown)
		}
	}
	if first != 0 {
		r.notices.claim(ci, c, first, last, hcpcs)
	}
}

// checkProcInfo runs the edits the reference data attaches to line li's
// code: MUE per line and MUE 0, the procedure rule pack.
func (r *run) checkProcInfo(ci int, c *claim.Claim, p *payerSetup, li int, info *refdata.ProcInfo, age int, ageKnown bool) {
	l := &c.Lines[li]
	n := li + 1
	if m := info.MUE; m.MAI != 0 && p.edits.MUE != payers.MUENone {
		switch {
		case m.Limit == 0 && p.edits.MUE == payers.MUEAll:
			r.add(rMUEZero, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d bills %s, whose MUE is 0: Medicare does not pay it, and payer %s applies every MUE.", n, l.Procedure, c.PayerID),
				"Do not bill this code to this payer: use the code the payer covers (e.g. G0438/G0439 for a Medicare wellness visit), or bill the patient with an advance beneficiary notice (modifier GA).")
		case m.Limit > 0 && m.MAI == 1 && l.Units > float64(m.Limit):
			r.add(rMUELine, n, claim.FieldUnits, fmt.Sprintf("Line %d bills %g units of %s; the MUE is %d per line (MAI 1).", n, l.Units, l.Procedure, m.Limit),
				"Bill at most the MUE on one line; if more were medically necessary, split them over lines with the right modifier and keep the documentation.")
		}
	}
	for _, e := range info.Edits {
		switch e.Kind {
		case refdata.EditAge:
			if ageKnown && (age < int(e.AgeMin) || age > int(e.AgeMax)) {
				r.add(rProcAge, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d: %s is for patients aged %s (%s); the patient is %d on %s.", n, l.Procedure, ageRange(e), e.Source, age, l.From),
					"Use the code of the patient's age band, or correct the date of birth.")
			}
		case refdata.EditSex:
			if sex := c.Patient.Sex; (sex == claim.SexFemale || sex == claim.SexMale) && sex[0] != e.Sex && indexOf(l.Modifiers, "KX") < 0 {
				r.add(rProcSex, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d: %s is a %s-only service (%s); the claim gives sex %s.", n, l.Procedure, sexWord(e.Sex), e.Source, string(sex)),
					"Check the code and the patient's sex; if the service fits the patient (e.g. a transgender patient), add modifier KX, as Medicare asks for gender-specific services.")
			}
		case refdata.EditPOSOnly, refdata.EditPOSNot:
			pos := c.LinePlaceOfService(li)
			if k, ok := posIndex(pos); ok && e.POS[k] != (e.Kind == refdata.EditPOSOnly) {
				rule := "is not billed at POS " + e.POSText
				if e.Kind == refdata.EditPOSOnly {
					rule = "is billed only at POS " + e.POSText
				}
				r.add(rPOSFamily, n, claim.FieldPlaceOfService, fmt.Sprintf("Line %d: %s %s (%s); the line's place of service is %s.", n, l.Procedure, rule, e.Source, pos),
					"Use the E/M family of the place where the patient was seen (e.g. 99221-99239 for an inpatient), or correct the place of service.")
			}
		case refdata.EditInstead:
			for oi := range c.Lines {
				o := &c.Lines[oi]
				if oi != li && oi < maxLines && o.From == l.From && refdata.KeyOf(o.Procedure) == e.Other {
					r.add(rProcCombined, n, claim.FieldProcedureCode, fmt.Sprintf("Lines %d and %d bill %s and %s on %s; the pair has one code: %s (%s).", n, oi+1, l.Procedure, o.Procedure, l.From, e.Combined, e.Source),
						fmt.Sprintf("Bill %s alone in place of %s and %s.", e.Combined, l.Procedure, o.Procedure))
					break
				}
			}
		case refdata.EditNDC:
			if p.edits.NDCDrugs && l.NDC == "" {
				r.add(rNDCRequired, n, claim.FieldNDC, fmt.Sprintf("Line %d bills the drug code %s without an NDC; payer %s requires the NDC on drug lines (%s).", n, l.Procedure, c.PayerID, e.Source),
					"Enter the 11-digit NDC of the drug given (from the vial or package), one line per NDC.")
			}
		}
	}
}

func ageRange(e *refdata.ProcEdit) string {
	switch {
	case e.AgeMax == 255:
		return fmt.Sprintf("%d and over", e.AgeMin)
	case e.AgeMin == e.AgeMax:
		return fmt.Sprintf("%d", e.AgeMin)
	}
	return fmt.Sprintf("%d–%d", e.AgeMin, e.AgeMax)
}

func sexWord(s byte) string {
	if s == 'M' {
		return "male"
	}
	return "female"
}

// posIndex returns a POS code's number.
func posIndex(pos string) (int, bool) {
	if len(pos) != 2 || pos[0] < '0' || pos[0] > '9' || pos[1] < '0' || pos[1] > '9' {
		return 0, false
	}
	return int(pos[0]-'0')*10 + int(pos[1]-'0'), true
}

func (r *run) checkHCPCS(n int, l *claim.Line, info *refdata.ProcInfo) {
	h := r.ref.HCPCS
	switch {
	case (info == nil || !info.InHCPCS) && h.Complete():
		if v := r.ref.Vintage("hcpcs"); v.Known() && l.From > v.Through {
			r.add(rProcStale, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s is not in the HCPCS list loaded (%s, through %s), which is older than the date of service %s: it may be a code added since.", n, l.Procedure, v.Label, v.Through, l.From),
				"Load the current quarter's HCPCS file and scrub again; if the code is still unknown, check it for a typo.")
			return
		}
		r.add(rProcUnknown, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s is not in the HCPCS Level II list.", n, l.Procedure), "Check the code for a typo and use a current HCPCS code.")
	case info == nil || !info.InHCPCS || l.From == 0:
	case info.HCPCS.Added != 0 && l.From < info.HCPCS.Added:
		r.add(rProcNotOnDOS, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s was added on %s, after the date of service %s.", n, l.Procedure, info.HCPCS.Added, l.From), "Use the code valid on the date of service.")
	case info.HCPCS.Terminated != 0 && l.From > info.HCPCS.Terminated:
		r.add(rProcNotOnDOS, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s was terminated on %s, before the date of service %s.", n, l.Procedure, info.HCPCS.Terminated, l.From), "Use the code that replaced it.")
	}
}

func (r *run) checkModifiers(n int, l *claim.Line) {
	mods := l.Modifiers
	if len(mods) > claim.MaxModifiers {
		r.add(rModTooMany, n, claim.FieldModifiers, fmt.Sprintf("Line %d has %d modifiers; at most %d fit on a line.", n, len(mods), claim.MaxModifiers),
			"Keep the 4 modifiers that affect payment (pricing modifiers first), or use 99 per the payer's policy.")
	}
	known := r.ref.Modifiers
	for k, m := range mods {
		switch {
		case len(m) != 2 || !alnum(m):
			r.add(rModFormat, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d modifier %q is not two letters or digits.", n, m), "Enter a 2-character CPT or HCPCS modifier.")
		case indexOf(mods[:k], m) >= 0:
			r.add(rModDuplicate, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d repeats modifier %s.", n, m), "Remove the repeated modifier.")
		case known.Known(m):
		case known.Complete():
			r.add(rModUnknown, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d modifier %s is not a known CPT/HCPCS modifier.", n, m), "Check the modifier for a typo.")
		default:
			r.add(rModNotBuiltIn, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d modifier %s is not in rcmbot's built-in list of %d common CPT/HCPCS modifiers (no full modifier list is loaded).", n, m, known.Len()),
				"Check the modifier for a typo; load the CMS modifier list (modifiers.csv) into the reference data to check every modifier.")
		}
	}
}

func (r *run) checkPointers(n int, l *claim.Line, ndx int) {
	ps := l.DxPointers
	if len(ps) == 0 {
		r.add(rPtrMissing, n, claim.FieldDxPointers, fmt.Sprintf("Line %d does not point to any diagnosis.", n), "Point the line to the diagnosis it treats (1–12 or A–L).")
		return
	}
	if len(ps) > 4 {
		r.add(rPtrTooMany, n, claim.FieldDxPointers, fmt.Sprintf("Line %d has %d diagnosis pointers; at most 4 fit on a line.", n, len(ps)), "Keep the 4 most relevant diagnoses, the primary one first.")
	}
	for k, p := range ps {
		if p < 1 || p > ndx || p > claim.MaxDiagnoses {
			r.add(rPtrDangling, n, claim.FieldDxPointers, fmt.Sprintf("Line %d points to diagnosis %s but the claim has %d diagnoses.", n, pointerName(p), min(ndx, claim.MaxDiagnoses)),
				"Point the line to a diagnosis listed on the claim.")
			continue
		}
		for _, q := range ps[:k] {
			if q == p {
				r.add(rPtrDuplicate, n, claim.FieldDxPointers, fmt.Sprintf("Line %d points to diagnosis %s twice.", n, pointerName(p)), "Remove the repeated pointer.")
				break
			}
		}
	}
}

// pointerName writes a pointer as the number and the letter staff may have typed: "2 (B)".
func pointerName(p int) string {
	if p >= 1 && p <= 26 {
		return fmt.Sprintf("%d (%c)", p, 'A'+p-1)
	}
	return fmt.Sprint(p)
}

func (r *run) checkEligibility(c *claim.Claim, dos claim.Date, ctx Context) {
	if ctx.Coverage == nil || c.PayerID == "" || c.MemberID == "" || dos == 0 {
		return
	}
	switch ctx.Coverage(c.PayerID, c.MemberID, dos) {
	case CoverageInactive:
		r.add(rEligInactive, 0, claim.FieldMemberID, fmt.Sprintf("Coverage with payer %s was not active on %s (stored eligibility result).", c.PayerID, dos),
			"Check eligibility again; bill the patient's other coverage or the patient if coverage had ended.")
	case CoverageMemberUnknown:
		r.add(rEligUnknown, 0, claim.FieldMemberID, fmt.Sprintf("Payer %s does not recognise the member ID (stored eligibility result).", c.PayerID),
			"Check the member ID, name and date of birth against the insurance card and re-run eligibility.")
	}
}

// checkMBI checks a Medicare member ID against the MBI format: 11
// characters, C A AN N A AN N A A N N (C: digit 1–9, N: digit, A: letter
// other than S, L, O, I, B, Z, AN: either). The message names positions,
// never the ID.
func (r *run) checkMBI(c *claim.Claim) {
	id := c.MemberID
	bad := mbiProblem(id)
	if bad == "" {
		return
	}
	r.add(rMBI, 0, claim.FieldMemberID, fmt.Sprintf("Payer %s is Medicare, and the member ID is not a Medicare Beneficiary Identifier: %s.", c.PayerID, bad),
		"Enter the patient's 11-character MBI from the red, white and blue Medicare card (no dashes); look it up in the MAC's portal if the patient has no card.")
}

const mbiLetters = "ACDEFGHJKMNPQRTUVWXY"

// mbiProblem says what is wrong with an MBI, or "" when it is one.
func mbiProblem(id string) string {
	if strings.Contains(id, "-") && len(strings.ReplaceAll(id, "-", "")) == 11 && mbiProblem(strings.ReplaceAll(id, "-", "")) == "" {
		return "it is written with dashes"
	}
	if len(id) != 11 {
		if len(id) >= 10 && len(id) <= 12 && digits(id[:9]) {
			return fmt.Sprintf("it has %d characters and starts with 9 digits, like a retired HICN (SSN-based Medicare number)", len(id))
		}
		return fmt.Sprintf("it has %d characters, not 11", len(id))
	}
	// Positions: C=1-9, N=0-9, A=letter, X=letter or digit.
	const pattern = "CAXNAXNAANN"
	for i := 0; i < 11; i++ {
		ch := id[i]
		isDigit := ch >= '0' && ch <= '9'
		isLetter := strings.IndexByte(mbiLetters, ch) >= 0
		ok := false
		switch pattern[i] {
		case 'C':
			ok = isDigit && ch != '0'
		case 'N':
			ok = isDigit
		case 'A':
			ok = isLetter
		case 'X':
			ok = isDigit || isLetter
		}
		if !ok {
			want := map[byte]string{'C': "a digit 1–9", 'N': "a digit", 'A': "a letter (not S, L, O, I, B or Z)", 'X': "a letter (not S, L, O, I, B or Z) or a digit"}[pattern[i]]
			return fmt.Sprintf("character %d must be %s", i+1, want)
		}
	}
	return ""
}

// procKind is the kind of a procedure code.
type procKind uint8

const (
	procInvalid procKind = iota
	procCPT1             // 5 digits
	procCPT2             // 4 digits + F (performance measurement)
	procCPT3             // 4 digits + T (emerging technology)
	procPLA              // 4 digits + U (proprietary laboratory analyses)
	procMAAA             // 4 digits + M (multianalyte assays)
	procHCPCS            // HCPCS Level II: letter + 4 digits
)

// keyAndKind returns a procedure code's CodeKey (refdata.KeyOf) and kind
// in one pass over its five characters: CPT Category I is five digits,
// Category II, III, PLA and MAAA four digits and F, T, U or M, HCPCS Level
// II a letter (A–V, not F, I, N, O) and four digits.
func keyAndKind(code string) (refdata.CodeKey, procKind) {
	if len(code) != 5 {
		return 0, procInvalid
	}
	var k uint32
	digitMask := 0 // bit i: character i is a digit
	for i := 0; i < 5; i++ {
		switch c := code[i]; {
		case c >= '0' && c <= '9':
			k = k*36 + uint32(c-'0')
			digitMask |= 1 << i
		case c >= 'A' && c <= 'Z':
			k = k*36 + uint32(c-'A'+10)
		default:
			return 0, procInvalid
		}
	}
	key := refdata.CodeKey(k + 1)
	switch digitMask {
	case 0b11111:
		return key, procCPT1
	case 0b01111:
		switch code[4] {
		case 'F':
			return key, procCPT2
		case 'T':
			return key, procCPT3
		case 'U':
			return key, procPLA
		case 'M':
			return key, procMAAA
		}
	case 0b11110:
		if hcpcsLetter[code[0]] {
			return key, procHCPCS
		}
	}
	return key, procInvalid
}

// hcpcsLetter marks the letters that start HCPCS Level II codes.
var hcpcsLetter = func() (h [256]bool) {
	for _, c := range "ABCDEGHJKLMPQRSTUV" {
		h[c] = true
	}
	return h
}()

// isEM reports whether code is a CPT evaluation and management service
// (99202–99499), the codes NCCI bypass rules treat apart.
func isEM(code string) bool {
	return len(code) == 5 && code[0] == '9' && code[1] == '9' && code >= "99202" && code <= "99499" && digits(code)
}

// isNOC reports whether code is a common not-otherwise-classified or
// unlisted code (payers want a description and often deny them, CARC 189).
// They all end in 9 or 0, which callers test first.
func isNOC(code string) bool {
	switch code {
	case "J3490", "J3590", "J9999", "J7599", "J7699", "J7799", "J8499", "J8999", "A9999", "E1399", "L2999",
		"L3999", "L8699", "A4649", "A0999", "99199", "99429", "99499", "64999", "20999", "29999", "76499",
		"96999", "97139", "97799", "84999", "87999", "17999", "19499", "69399", "92499", "93799":
		return true
	}
	return false
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return s != ""
}
