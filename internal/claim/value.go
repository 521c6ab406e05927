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
		return c.FrequencyCode
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
	return ""
}
