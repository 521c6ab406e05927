package claim

import (
	"strconv"
	"strings"
)

// Value returns the claim's value of field f as text, as a spreadsheet
// would show it (dates YYYY-MM-DD, money 125.00, lists comma separated);
// line is the 1-based line for line fields. Unknown fields and missing
// lines give "".
func (c *Claim) Value(f Field, line int) string {
	if IsLineField(f) {
		if line < 1 || line > len(c.Lines) {
			return ""
		}
		l := &c.Lines[line-1]
		switch f {
		case FieldLineNumber:
			return strconv.Itoa(l.Number)
		case FieldDateFrom:
			return l.From.String()
		case FieldDateTo:
			return l.To.String()
		case FieldProcedureCode:
			return l.Procedure
		case FieldModifiers:
			return strings.Join(l.Modifiers, ",")
		case FieldUnits:
			return strconv.FormatFloat(l.Units, 'f', -1, 64)
		case FieldLineCharge:
			return l.Charge.String()
		case FieldDxPointers:
			ps := make([]string, len(l.DxPointers))
			for i, p := range l.DxPointers {
				ps[i] = strconv.Itoa(p)
			}
			return strings.Join(ps, ",")
		case FieldNDC:
			return l.NDC
		case FieldNDCQuantity:
			if l.NDCQuantity == 0 {
				return ""
			}
			return strconv.FormatFloat(l.NDCQuantity, 'f', -1, 64)
		case FieldNDCUnit:
			return string(l.NDCUnit)
		case FieldLinePriorPaid:
			if l.Prior == nil {
				return ""
			}
			return l.Prior.Paid.String()
		case FieldLinePriorAdjustments:
			if l.Prior == nil {
				return ""
			}
			return FormatAdjustments(l.Prior.Adjustments)
		}
		for n := 1; n <= MaxModifiers; n++ {
			if f == FieldModifier(n) {
				if n <= len(l.Modifiers) {
					return l.Modifiers[n-1]
				}
				return ""
			}
		}
		return ""
	}
	for n := 1; n <= MaxDiagnoses; n++ {
		if f == FieldDx(n) {
			if n <= len(c.Diagnoses) {
				return c.Diagnoses[n-1]
			}
			return ""
		}
	}
	switch f {
	case FieldClaimID:
		return c.ID
	case FieldPatientID:
		return c.Patient.ID
	case FieldPatientLastName:
		return c.Patient.LastName
	case FieldPatientFirstName:
		return c.Patient.FirstName
	case FieldPatientDOB:
		return c.Patient.DOB.String()
	case FieldPatientSex:
		return string(c.Patient.Sex)
	case FieldMemberID:
		return c.MemberID
	case FieldGroupNumber:
		return c.GroupNumber
	case FieldPayerID:
		return c.PayerID
	case FieldPayerName:
		return c.PayerName
	case FieldBillingName:
		return c.Billing.Name
	case FieldBillingNPI:
		return c.Billing.NPI
	case FieldBillingTIN:
		return c.Billing.TIN
	case FieldBillingTaxonomy:
		return c.Billing.Taxonomy
	case FieldBillingAddress:
		return strings.TrimSpace(c.Billing.Address.Line1 + " " + c.Billing.Address.Line2)
	case FieldBillingCity:
		return c.Billing.Address.City
	case FieldBillingState:
		return c.Billing.Address.State
	case FieldBillingZip:
		return c.Billing.Address.Zip
	case FieldRenderingNPI:
		return c.RenderingNPI
	case FieldReferringNPI:
		return c.ReferringNPI
	case FieldPlaceOfService:
		return c.PlaceOfService
	case FieldFrequencyCode:
		return string(c.FrequencyCode)
	case FieldPriorAuth:
		return c.PriorAuth
	case FieldTotalCharge:
		if !c.HasTotal {
			return ""
		}
		return c.TotalCharge.String()
	case FieldDiagnosisCodes:
		return strings.Join(c.Diagnoses, ",")
	}
	return c.coverageValue(f)
}

// coverageValue is Value for the fields of issue 15: the patient's
// address, the insured, the other coverage and its adjudication, the
// original claim number and the service facility.
func (c *Claim) coverageValue(f Field) string {
	if v, ok := addressValue(f, &c.Patient.Address, FieldPatientAddress, FieldPatientCity, FieldPatientState, FieldPatientZip); ok {
		return v
	}
	if v, ok := addressValue(f, &c.Insured.Address, FieldInsuredAddress, FieldInsuredCity, FieldInsuredState, FieldInsuredZip); ok {
		return v
	}
	if v, ok := addressValue(f, &c.Facility.Address, FieldFacilityAddress, FieldFacilityCity, FieldFacilityState, FieldFacilityZip); ok {
		return v
	}
	var o Coverage
	if len(c.OtherCoverage) > 0 {
		o = c.OtherCoverage[0]
	}
	if v, ok := addressValue(f, &o.Insured.Address, FieldOtherInsuredAddress, FieldOtherInsuredCity, FieldOtherInsuredState, FieldOtherInsuredZip); ok {
		return v
	}
	var adj Adjudication
	if o.Adjudication != nil {
		adj = *o.Adjudication
	}
	switch f {
	case FieldRelationship:
		return string(c.Relationship)
	case FieldInsuredLastName:
		return c.Insured.LastName
	case FieldInsuredFirstName:
		return c.Insured.FirstName
	case FieldInsuredDOB:
		return c.Insured.DOB.String()
	case FieldInsuredSex:
		return string(c.Insured.Sex)
	case FieldResponsibility:
		return string(c.Responsibility)
	case FieldMSPType:
		return string(c.MSPType)
	case FieldOtherPayerID:
		return o.PayerID
	case FieldOtherPayerName:
		return o.PayerName
	case FieldOtherMemberID:
		return o.MemberID
	case FieldOtherGroupNumber:
		return o.GroupNumber
	case FieldOtherRelationship:
		return string(o.Relationship)
	case FieldOtherInsuredDOB:
		return o.Insured.DOB.String()
	case FieldOtherInsuredSex:
		return string(o.Insured.Sex)
	case FieldPriorPaid:
		if o.Adjudication == nil {
			return ""
		}
		return adj.Paid.String()
	case FieldPriorPaidDate:
		return adj.PaidDate.String()
	case FieldPriorAdjustments:
		return FormatAdjustments(adj.Adjustments)
	case FieldOriginalClaimNumber:
		return c.OriginalClaimNumber
	case FieldFacilityName:
		return c.Facility.Name
	case FieldFacilityNPI:
		return c.Facility.NPI
	case FieldRenderingLastName:
		return c.Rendering.LastName
	case FieldRenderingFirstName:
		return c.Rendering.FirstName
	case FieldReferringLastName:
		return c.Referring.LastName
	case FieldReferringFirstName:
		return c.Referring.FirstName
	}
	return ""
}

// addressValue returns the part of a that f names when f is one of the
// four address fields given.
func addressValue(f Field, a *Address, line, city, state, zip Field) (string, bool) {
	switch f {
	case line:
		return strings.TrimSpace(a.Line1 + " " + a.Line2), true
	case city:
		return a.City, true
	case state:
		return a.State, true
	case zip:
		return a.Zip, true
	}
	return "", false
}

// FormatAdjustments writes adjustments as "CO-45 25.00; PR-1 10.00", the
// form the prior_adjustments column takes.
func FormatAdjustments(adj []Adjustment) string {
	parts := make([]string, len(adj))
	for i, a := range adj {
		parts[i] = string(a.Group) + "-" + a.Reason + " " + a.Amount.String()
	}
	return strings.Join(parts, "; ")
}
