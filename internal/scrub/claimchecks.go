package scrub

import (
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// maxLines is how many service lines an 837P claim carries (LX, 50).
const maxLines = 50

// checkClaim runs every check that needs only the claim itself.
func (s *Scrubber) checkClaim(c *claim.Claim, ctx Context) {
	dos := c.FirstServiceDate()
	s.checkRequired(c)
	s.checkProviders(c)
	age, ageKnown := s.checkClaimDates(c, dos, ctx)
	s.checkDiagnoses(c, dos, ctx, age, ageKnown)
	s.checkLines(c, ctx)
	if c.HasTotal && c.TotalCharge != c.LineTotal() {
		s.add(rChgTotal, 0, claim.FieldTotalCharge,
			fmt.Sprintf("Claim total %s does not equal the sum of the line charges %s.", c.TotalCharge, c.LineTotal()),
			"Correct the claim total or the line charges; the 837P carries the sum of the lines.")
	}
	if !s.ref.POS.Known(c.PlaceOfService) {
		msg := "Place of service is missing."
		if c.PlaceOfService != "" {
			msg = fmt.Sprintf("Place of service %q is not a CMS place-of-service code.", c.PlaceOfService)
		}
		s.add(rPOS, 0, claim.FieldPlaceOfService, msg, "Enter the two-digit CMS place-of-service code (e.g. 11 office, 02/10 telehealth, 22 outpatient hospital).")
	}
	s.checkEligibility(c, dos, ctx)
	s.checkPayerRules(c, dos, ctx)
}

func (s *Scrubber) checkRequired(c *claim.Claim) {
	b := &c.Billing
	if b.NPI == "" {
		s.add(rReqBillingNPI, 0, claim.FieldBillingNPI, "Billing provider NPI is missing.", "Enter the billing provider's 10-digit NPI.")
	}
	if strings.TrimSpace(b.Name) == "" {
		s.add(rReqBillingName, 0, claim.FieldBillingName, "Billing provider name is missing.", "Enter the billing provider's name as enrolled with the payer.")
	}
	if field, what := missingAddress(&b.Address); field != "" {
		s.add(rReqBillingAddress, 0, field, "Billing provider address: "+what+".",
			"Enter the billing provider's street address, city, 2-letter state and 5- or 9-digit ZIP (no P.O. box).")
	}
	if b.TIN == "" {
		s.add(rReqTIN, 0, claim.FieldBillingTIN, "Billing provider TIN is missing.", "Enter the billing provider's 9-digit tax ID (EIN or SSN).")
	} else if len(b.TIN) != 9 || !digits(b.TIN) {
		s.add(rReqTIN, 0, claim.FieldBillingTIN, fmt.Sprintf("Billing provider TIN has %d characters; it must be 9 digits.", len(b.TIN)), "Enter the 9-digit tax ID without hyphens.")
	}
	if c.MemberID == "" {
		s.add(rReqMemberID, 0, claim.FieldMemberID, "Member ID is missing.", "Enter the member ID from the patient's insurance card.")
	}
	if c.PayerID == "" {
		s.add(rReqPayerID, 0, claim.FieldPayerID, "Payer ID is missing.", "Enter the payer's electronic payer ID (see the payer directory).")
	}
	p := &c.Patient
	if strings.TrimSpace(p.LastName) == "" {
		s.add(rReqPatientName, 0, claim.FieldPatientLastName, "Patient last name is missing.", "Enter the patient's last name as on the insurance card.")
	} else if strings.TrimSpace(p.FirstName) == "" {
		s.add(rReqPatientName, 0, claim.FieldPatientFirstName, "Patient first name is missing.", "Enter the patient's first name as on the insurance card.")
	}
	if p.DOB == 0 {
		s.add(rReqDOB, 0, claim.FieldPatientDOB, "Patient date of birth is missing.", "Enter the patient's date of birth.")
	}
	switch p.Sex {
	case claim.SexFemale, claim.SexMale, claim.SexUnknown:
	case "":
		s.add(rReqSex, 0, claim.FieldPatientSex, "Patient sex is missing.", "Enter F, M or U.")
	default:
		s.add(rReqSex, 0, claim.FieldPatientSex, fmt.Sprintf("Patient sex %q is not F, M or U.", string(p.Sex)), "Enter F, M or U.")
	}
	if len(c.Diagnoses) == 0 {
		s.add(rReqDiagnosis, 0, claim.FieldDx(1), "The claim has no diagnosis.", "Enter at least one ICD-10-CM diagnosis code.")
	}
	if len(c.Diagnoses) > claim.MaxDiagnoses {
		s.add(rReqTooManyDx, 0, claim.FieldDx(claim.MaxDiagnoses),
			fmt.Sprintf("The claim has %d diagnoses; an 837P carries at most %d.", len(c.Diagnoses), claim.MaxDiagnoses),
			"Keep the 12 diagnoses the lines point to, or split the services into two claims.")
	}
	if len(c.Lines) == 0 {
		s.add(rReqLines, 0, claim.FieldProcedureCode, "The claim has no service lines.", "Enter at least one service line.")
	}
	if len(c.Lines) > maxLines {
		s.add(rReqTooManyLines, maxLines+1, claim.FieldLineNumber,
			fmt.Sprintf("The claim has %d service lines; an 837P claim carries at most %d.", len(c.Lines), maxLines),
			"Split the services into claims of at most 50 lines.")
	}
}

func missingAddress(a *claim.Address) (claim.Field, string) {
	switch {
	case strings.TrimSpace(a.Line1) == "":
		return claim.FieldBillingAddress, "street address is missing"
	case strings.TrimSpace(a.City) == "":
		return claim.FieldBillingCity, "city is missing"
	case len(a.State) != 2 || !letters(a.State):
		return claim.FieldBillingState, fmt.Sprintf("state %q is not a 2-letter code", a.State)
	case !(len(a.Zip) == 5 || len(a.Zip) == 9) || !digits(a.Zip):
		return claim.FieldBillingZip, fmt.Sprintf("ZIP %q is not 5 or 9 digits", a.Zip)
	}
	return "", ""
}

func (s *Scrubber) checkProviders(c *claim.Claim) {
	const fix = "Check the NPI against NPPES (npiregistry.cms.hhs.gov); a typo usually breaks the check digit."
	if c.Billing.NPI != "" && !ValidNPI(c.Billing.NPI) {
		s.add(rNPIBilling, 0, claim.FieldBillingNPI, fmt.Sprintf("Billing NPI %s is not a valid NPI (10 digits, check digit).", c.Billing.NPI), fix)
	}
	if c.RenderingNPI != "" && !ValidNPI(c.RenderingNPI) {
		s.add(rNPIRendering, 0, claim.FieldRenderingNPI, fmt.Sprintf("Rendering NPI %s is not a valid NPI (10 digits, check digit).", c.RenderingNPI), fix)
	}
	if c.ReferringNPI != "" && !ValidNPI(c.ReferringNPI) {
		s.add(rNPIReferring, 0, claim.FieldReferringNPI, fmt.Sprintf("Referring NPI %s is not a valid NPI (10 digits, check digit).", c.ReferringNPI), fix)
	}
	if t := c.Billing.Taxonomy; t != "" {
		switch {
		case !refdata.ValidTaxonomyFormat(t):
			s.add(rTaxFormat, 0, claim.FieldBillingTaxonomy, fmt.Sprintf("Taxonomy %q is not a NUCC code (10 characters ending in X).", t),
				"Enter the provider's NUCC taxonomy code, e.g. 207Q00000X (family medicine).")
		case s.ref.Taxonomy.Complete() && !s.ref.Taxonomy.Known(t):
			s.add(rTaxUnknown, 0, claim.FieldBillingTaxonomy, fmt.Sprintf("Taxonomy %s is not in the NUCC code set.", t),
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
func (s *Scrubber) checkClaimDates(c *claim.Claim, dos claim.Date, ctx Context) (int, bool) {
	dob := c.Patient.DOB
	if ctx.Today != 0 && dos != 0 {
		limit := 0
		if p := s.ref.Payers.Payer(c.PayerID); p != nil {
			limit = p.FilingLimitDays()
		} else {
			limit = 365
		}
		if days := ctx.Today.DaysSince(dos); days > limit {
			s.add(rTimely, 0, claim.FieldDateFrom,
				fmt.Sprintf("Date of service %s is %d days ago; the filing limit for payer %s is %d days.", dos, days, c.PayerID, limit),
				"Do not submit unless you have proof of timely filing or a payer-approved exception (e.g. retroactive eligibility); otherwise write the charge off.")
		}
	}
	if dob == 0 || dos == 0 || dos < dob {
		if ctx.Today != 0 && dob > ctx.Today {
			s.add(rDateAge, 0, claim.FieldPatientDOB, "Patient date of birth is in the future.", "Correct the patient's date of birth.")
		}
		return 0, false
	}
	age := dos.YearsSince(dob)
	if age >= 150 {
		s.add(rDateAge, 0, claim.FieldPatientDOB, fmt.Sprintf("Patient would be %d years old on %s.", age, dos), "Correct the patient's date of birth (check the century).")
		return age, false
	}
	return age, true
}

func (s *Scrubber) checkDiagnoses(c *claim.Claim, dos claim.Date, ctx Context, age int, ageKnown bool) {
	if len(c.Diagnoses) == 0 {
		return
	}
	icd := s.ref.ICD10
	if dos == 0 {
		dos = ctx.Today
	}
	if dos == 0 {
		dos = claim.NewDate(2100, 1, 1) // no date at all: the latest loaded set
	}
	fy := icd.YearFor(dos)
	sex := c.Patient.Sex
	for k, dx := range c.Diagnoses {
		if k >= claim.MaxDiagnoses {
			break
		}
		n := k + 1
		if !icdShape(dx) {
			s.add(rICDFormat, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %q is not an ICD-10-CM code.", n, dx),
				"Enter an ICD-10-CM code (a letter, then digits; e.g. E11.9); ICD-9 codes are not accepted.")
			continue
		}
		if dupOf := indexOf(c.Diagnoses[:k], dx); dupOf >= 0 {
			s.add(rICDDuplicate, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s repeats diagnosis %d.", n, dotted(dx), dupOf+1),
				"Remove the repeated diagnosis and re-point the lines to the first one.")
			continue
		}
		info := icd.Lookup(dx, fy)
		switch {
		case info.InSet && info.Billable:
		case info.InSet:
			s.headerCode(n, dx, fy)
		case info.Known:
			s.add(rICDUnknown, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s is not in the FY%d ICD-10-CM code set in force on %s.", n, dotted(dx), fy.Year, dos),
				"Use the code valid on the date of service (codes change every 1 October).")
			s.softenIfApprox(fy)
		default:
			if fixd := placeholderFix(icd, dx, fy); fixd != "" {
				s.add(rICDSeventh, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s lacks the X placeholder before its 7th character.", n, dx),
					fmt.Sprintf("Use %s.", dotted(fixd)))
			} else if icd.Complete() {
				s.add(rICDUnknown, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s is not an ICD-10-CM code in the FY%d code set (in force on %s).", n, dx, fy.Year, dos),
					"Check the code for a typo and use a billable ICD-10-CM code valid on the date of service.")
				s.softenIfApprox(fy)
			}
		}
		if n == 1 {
			if len(dx) == 7 && dx[6] == 'S' && (dx[0] == 'S' || dx[0] == 'T' || dx[0] == 'M') {
				s.add(rICDSequela, 0, claim.FieldDx(1), fmt.Sprintf("Principal diagnosis %s is a sequela code (7th character S).", dotted(dx)),
					"List the condition treated (the sequela's nature) first and the injury's sequela code after it.")
			}
			if info.MCE.Manifestation {
				s.add(rICDManifestation, 0, claim.FieldDx(1), fmt.Sprintf("Principal diagnosis %s is a manifestation code.", dotted(dx)),
					"List the underlying condition first and the manifestation code after it.")
			}
		}
		m := info.MCE
		if m.Age != refdata.AgeNone && ageKnown && (age < int(m.AgeMin) || age > int(m.AgeMax)) {
			s.add(rMCEAge, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %s is a %s diagnosis (ages %d–%d) but the patient is %d on %s.", dotted(dx), m.Age, m.AgeMin, m.AgeMax, age, dos),
				"Check the diagnosis code and the patient's date of birth.")
		}
		if m.Sex != 0 && (sex == claim.SexFemale || sex == claim.SexMale) && byte(sex[0]) != m.Sex {
			want := "female"
			if m.Sex == 'M' {
				want = "male"
			}
			s.add(rMCESex, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %s is for %s patients only; the claim gives sex %s.", dotted(dx), want, string(sex)),
				"Check the diagnosis code and the patient's sex.")
		}
	}
}

// headerCode reports a non-billable code: one that needs a 7th character,
// or a category header, with its billable children suggested.
func (s *Scrubber) headerCode(n int, dx string, fy refdata.FiscalYear) {
	kids := s.ref.ICD10.BillableChildren(dx, fy, 6)
	if len(dx) < 7 && len(kids) > 0 && len(kids[0]) == 7 && len(dx) >= 6 {
		s.add(rICDSeventh, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s needs a 7th character (e.g. A initial encounter, D subsequent, S sequela).", n, dotted(dx)),
			"Use one of: "+joinDotted(kids)+".")
		return
	}
	fix := "Use a more specific billable code under " + dotted(dx) + "."
	if len(kids) > 0 {
		fix = "Use a billable code, e.g. " + joinDotted(kids) + "."
	}
	s.add(rICDHeader, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s is a category header, not billable in FY%d.", n, dotted(dx), fy.Year), fix)
	s.softenIfApprox(fy)
}

// softenIfApprox turns the last finding into a warning when the date of
// service's own fiscal year is not loaded and a neighbouring year was used.
func (s *Scrubber) softenIfApprox(fy refdata.FiscalYear) {
	if fy.Exact {
		return
	}
	f := &s.out[len(s.out)-1]
	f.Severity = SevWarning
	f.Message += fmt.Sprintf(" (Checked against FY%d: the order file for the date of service's fiscal year is not loaded.)", fy.Year)
}

// placeholderFix finds the billable code a 7th-character code written
// without its X placeholders stands for (T4501A → T450X1A), or "".
func placeholderFix(icd *refdata.ICD10, dx string, fy refdata.FiscalYear) string {
	if len(dx) < 4 || len(dx) > 6 {
		return ""
	}
	last := dx[len(dx)-1]
	if last < 'A' || last > 'Z' || last == 'X' {
		return ""
	}
	pad := "XXX"[:7-len(dx)]
	for p := 3; p < len(dx); p++ {
		cand := dx[:p] + pad + dx[p:]
		if info := icd.Lookup(cand, fy); info.InSet && info.Billable {
			return cand
		}
	}
	return ""
}

func (s *Scrubber) checkLines(c *claim.Claim, ctx Context) {
	dob := c.Patient.DOB
	for li := range c.Lines {
		if li >= maxLines {
			break
		}
		l := &c.Lines[li]
		n := li + 1
		kind := classifyProcedure(l.Procedure)
		switch {
		case l.Procedure == "":
			s.add(rReqProcedure, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d has no procedure code.", n), "Enter the CPT or HCPCS code of the service.")
		case kind == procInvalid:
			s.add(rProcFormat, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d procedure %q is not a CPT or HCPCS code.", n, l.Procedure),
				"Enter a 5-character code: CPT (5 digits, or 4 digits and F/T/U/M) or HCPCS Level II (a letter and 4 digits).")
		case kind == procHCPCS:
			s.checkHCPCS(n, l)
		}
		if kind != procInvalid && isNOC(l.Procedure) {
			s.add(rProcNOC, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d bills %s, a not-otherwise-classified code.", n, l.Procedure),
				"Use a specific code if one exists; otherwise add the description (and NDC for drugs) the payer requires.")
		}
		if l.From == 0 {
			s.add(rReqDOS, n, claim.FieldDateFrom, fmt.Sprintf("Line %d has no date of service.", n), "Enter the date the service was performed.")
		} else {
			if l.To != 0 && l.To < l.From {
				s.add(rDateToBefore, n, claim.FieldDateTo, fmt.Sprintf("Line %d service 'to' date %s is before its 'from' date %s.", n, l.To, l.From), "Correct the service dates.")
			}
			if ctx.Today != 0 && (l.From > ctx.Today || l.To > ctx.Today) {
				s.add(rDateFuture, n, claim.FieldDateFrom, fmt.Sprintf("Line %d date of service %s is in the future.", n, max(l.From, l.To)),
					"Bill services only after they are performed; correct the date if it is a typo.")
			}
			if dob != 0 && l.From < dob {
				s.add(rDateBeforeDOB, n, claim.FieldDateFrom, fmt.Sprintf("Line %d date of service %s is before the patient's date of birth.", n, l.From),
					"Correct the date of service or the patient's date of birth.")
			}
		}
		switch {
		case l.Units == 0:
			s.add(rReqUnits, n, claim.FieldUnits, fmt.Sprintf("Line %d has no units.", n), "Enter the units of service (1 for most services).")
		case l.Units < 0:
			s.add(rChgUnits, n, claim.FieldUnits, fmt.Sprintf("Line %d units %g are negative.", n, l.Units), "Enter a positive number of units; void or replace a claim to take services back.")
		}
		switch {
		case l.Charge == 0 && kind != procCPT2:
			s.add(rReqCharge, n, claim.FieldLineCharge, fmt.Sprintf("Line %d (%s) has no charge.", n, l.Procedure), "Enter the practice's charge for the service.")
		case l.Charge < 0:
			s.add(rChgNegative, n, claim.FieldLineCharge, fmt.Sprintf("Line %d charge %s is negative.", n, l.Charge), "Enter the full positive charge; adjustments belong in payment posting.")
		}
		s.checkModifiers(n, l)
		s.checkPointers(n, l, len(c.Diagnoses))
		if k := refdata.KeyOf(l.Procedure); k != 0 {
			if e, ok := s.ref.MUE.Lookup(k); ok && e.MAI == 1 && l.Units > float64(e.Limit) {
				s.add(rMUELine, n, claim.FieldUnits, fmt.Sprintf("Line %d bills %g units of %s; the MUE is %d per line (MAI 1).", n, l.Units, l.Procedure, e.Limit),
					"Bill at most the MUE on one line; if more were medically necessary, split them over lines with the right modifier and keep the documentation.")
			}
		}
	}
}

func (s *Scrubber) checkHCPCS(n int, l *claim.Line) {
	h, ok := s.ref.HCPCS.Lookup(refdata.KeyOf(l.Procedure))
	switch {
	case !ok && s.ref.HCPCS.Complete():
		s.add(rProcUnknown, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s is not in the HCPCS Level II list.", n, l.Procedure), "Check the code for a typo and use a current HCPCS code.")
	case ok && l.From != 0 && h.Added != 0 && l.From < h.Added:
		s.add(rProcNotOnDOS, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s was added on %s, after the date of service %s.", n, l.Procedure, h.Added, l.From), "Use the code valid on the date of service.")
	case ok && l.From != 0 && h.Terminated != 0 && l.From > h.Terminated:
		s.add(rProcNotOnDOS, n, claim.FieldProcedureCode, fmt.Sprintf("Line %d HCPCS code %s was terminated on %s, before the date of service %s.", n, l.Procedure, h.Terminated, l.From), "Use the code that replaced it.")
	}
}

func (s *Scrubber) checkModifiers(n int, l *claim.Line) {
	mods := l.Modifiers
	if len(mods) > claim.MaxModifiers {
		s.add(rModTooMany, n, claim.FieldModifiers, fmt.Sprintf("Line %d has %d modifiers; at most %d fit on a line.", n, len(mods), claim.MaxModifiers),
			"Keep the 4 modifiers that affect payment (pricing modifiers first), or use 99 per the payer's policy.")
	}
	for k, m := range mods {
		switch {
		case len(m) != 2 || !alnum(m):
			s.add(rModFormat, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d modifier %q is not two letters or digits.", n, m), "Enter a 2-character CPT or HCPCS modifier.")
		case indexOf(mods[:k], m) >= 0:
			s.add(rModDuplicate, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d repeats modifier %s.", n, m), "Remove the repeated modifier.")
		case s.ref.Modifiers.Complete() && !s.ref.Modifiers.Known(m):
			s.add(rModUnknown, n, claim.FieldModifier(k+1), fmt.Sprintf("Line %d modifier %s is not a known CPT/HCPCS modifier.", n, m), "Check the modifier for a typo.")
		}
	}
}

func (s *Scrubber) checkPointers(n int, l *claim.Line, ndx int) {
	ps := l.DxPointers
	if len(ps) == 0 {
		s.add(rPtrMissing, n, claim.FieldDxPointers, fmt.Sprintf("Line %d does not point to any diagnosis.", n), "Point the line to the diagnosis it treats (1–12 or A–L).")
		return
	}
	if len(ps) > 4 {
		s.add(rPtrTooMany, n, claim.FieldDxPointers, fmt.Sprintf("Line %d has %d diagnosis pointers; at most 4 fit on a line.", n, len(ps)), "Keep the 4 most relevant diagnoses, the primary one first.")
	}
	for k, p := range ps {
		if p < 1 || p > ndx || p > claim.MaxDiagnoses {
			s.add(rPtrDangling, n, claim.FieldDxPointers, fmt.Sprintf("Line %d points to diagnosis %s but the claim has %d diagnoses.", n, pointerName(p), min(ndx, claim.MaxDiagnoses)),
				"Point the line to a diagnosis listed on the claim.")
			continue
		}
		for _, q := range ps[:k] {
			if q == p {
				s.add(rPtrDuplicate, n, claim.FieldDxPointers, fmt.Sprintf("Line %d points to diagnosis %s twice.", n, pointerName(p)), "Remove the repeated pointer.")
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

func (s *Scrubber) checkEligibility(c *claim.Claim, dos claim.Date, ctx Context) {
	if ctx.Coverage == nil || c.PayerID == "" || c.MemberID == "" || dos == 0 {
		return
	}
	switch ctx.Coverage(c.PayerID, c.MemberID, dos) {
	case CoverageInactive:
		s.add(rEligInactive, 0, claim.FieldMemberID, fmt.Sprintf("Coverage with payer %s was not active on %s (stored eligibility result).", c.PayerID, dos),
			"Check eligibility again; bill the patient's other coverage or the patient if coverage had ended.")
	case CoverageMemberUnknown:
		s.add(rEligUnknown, 0, claim.FieldMemberID, fmt.Sprintf("Payer %s does not recognise the member ID (stored eligibility result).", c.PayerID),
			"Check the member ID, name and date of birth against the insurance card and re-run eligibility.")
	}
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

func classifyProcedure(code string) procKind {
	if len(code) != 5 {
		return procInvalid
	}
	if digits(code[1:4]) {
		if c := code[0]; c >= '0' && c <= '9' {
			switch code[4] {
			case 'F':
				return procCPT2
			case 'T':
				return procCPT3
			case 'U':
				return procPLA
			case 'M':
				return procMAAA
			}
			if code[4] >= '0' && code[4] <= '9' {
				return procCPT1
			}
			return procInvalid
		}
		if code[4] >= '0' && code[4] <= '9' && strings.IndexByte("ABCDEGHJKLMPQRSTUV", code[0]) >= 0 {
			return procHCPCS
		}
	}
	return procInvalid
}

// isNOC reports whether code is a common not-otherwise-classified or
// unlisted code (payers want a description and often deny them, CARC 189).
func isNOC(code string) bool {
	switch code {
	case "J3490", "J3590", "J9999", "J7599", "J7699", "J7799", "J8499", "J8999", "A9999", "E1399", "L2999",
		"L3999", "L8699", "A4649", "A0999", "99199", "99429", "99499", "64999", "20999", "29999", "76499",
		"96999", "97139", "97799", "84999", "87999", "17999", "19499", "69399", "92499", "93799":
		return true
	}
	return false
}

// icdShape reports whether dx looks like an ICD-10-CM code without the dot.
func icdShape(dx string) bool {
	if len(dx) < 3 || len(dx) > 7 || dx[0] < 'A' || dx[0] > 'Z' {
		return false
	}
	return alnum(dx[1:])
}

// dotted writes an ICD-10-CM code with its dot, as staff read it: E119 → E11.9.
func dotted(dx string) string {
	if len(dx) <= 3 {
		return dx
	}
	return dx[:3] + "." + dx[3:]
}

func joinDotted(codes []string) string {
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(dotted(c))
	}
	return b.String()
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
