package claim

import "strconv"

// Field names a claim or line value by its canonical spreadsheet column.
// Intake maps header cells to Fields; scrub findings name the Field they
// are about; the annotated workbook turns (row, Field) back into a cell.
type Field string

// Claim-level fields. Every line row may repeat them, or only the claim's
// first row may carry them.
const (
	FieldClaimID          Field = "claim_id"
	FieldPatientID        Field = "patient_id"
	FieldPatientLastName  Field = "patient_last_name"
	FieldPatientFirstName Field = "patient_first_name"
	FieldPatientDOB       Field = "patient_dob"
	FieldPatientSex       Field = "patient_sex"
	FieldMemberID         Field = "member_id"
	FieldGroupNumber      Field = "group_number"
	FieldPayerID          Field = "payer_id"
	FieldPayerName        Field = "payer_name"
	FieldBillingName      Field = "billing_provider_name"
	FieldBillingNPI       Field = "billing_npi"
	FieldBillingTIN       Field = "billing_tin"
	FieldBillingTaxonomy  Field = "billing_taxonomy"
	FieldBillingAddress   Field = "billing_address"
	FieldBillingCity      Field = "billing_city"
	FieldBillingState     Field = "billing_state"
	FieldBillingZip       Field = "billing_zip"
	FieldRenderingNPI     Field = "rendering_npi"
	FieldReferringNPI     Field = "referring_npi"
	FieldPlaceOfService   Field = "place_of_service"
	FieldFrequencyCode    Field = "frequency_code"
	FieldPriorAuth        Field = "prior_auth"
	FieldTotalCharge      Field = "total_charge"
	// FieldDiagnosisCodes is the single comma-separated alternative to dx1..dx12.
	FieldDiagnosisCodes Field = "diagnosis_codes"
)

// Line-level fields.
const (
	FieldLineNumber    Field = "line_number"
	FieldDateFrom      Field = "service_date_from"
	FieldDateTo        Field = "service_date_to"
	FieldProcedureCode Field = "procedure_code"
	// FieldModifiers is the single comma-separated alternative to modifier1..modifier4.
	FieldModifiers  Field = "modifiers"
	FieldUnits      Field = "units"
	FieldLineCharge Field = "line_charge"
	FieldDxPointers Field = "dx_pointers"
	FieldNDC        Field = "ndc"
)

// MaxDiagnoses is how many diagnoses an 837P claim carries (HI, 12 codes).
const MaxDiagnoses = 12

// MaxModifiers is how many modifiers an 837P line carries (SV101-3..6).
const MaxModifiers = 4

// FieldDx returns the field of the n-th diagnosis, 1-based: dx1 .. dx12.
func FieldDx(n int) Field { return Field("dx" + strconv.Itoa(n)) }

// FieldModifier returns the field of the n-th modifier, 1-based: modifier1 .. modifier4.
func FieldModifier(n int) Field { return Field("modifier" + strconv.Itoa(n)) }

// IsLineField reports whether f is a per-line field (as opposed to claim level).
func IsLineField(f Field) bool {
	switch f {
	case FieldLineNumber, FieldDateFrom, FieldDateTo, FieldProcedureCode, FieldModifiers,
		FieldUnits, FieldLineCharge, FieldDxPointers, FieldNDC:
		return true
	}
	for n := 1; n <= MaxModifiers; n++ {
		if f == FieldModifier(n) {
			return true
		}
	}
	return false
}
