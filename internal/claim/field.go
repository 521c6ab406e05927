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

// Claim-level fields of the patient's address, the coverage billed and
// its insured, the other coverage, corrected claims and the service
// facility (issue 15).
const (
	FieldPatientAddress Field = "patient_address"
	FieldPatientCity    Field = "patient_city"
	FieldPatientState   Field = "patient_state"
	FieldPatientZip     Field = "patient_zip"
	// FieldRelationship is the patient's relationship to the insured of
	// the coverage billed (18 self, 01 spouse, 19 child, G8 other …).
	FieldRelationship     Field = "relationship"
	FieldInsuredLastName  Field = "insured_last_name"
	FieldInsuredFirstName Field = "insured_first_name"
	FieldInsuredDOB       Field = "insured_dob"
	FieldInsuredSex       Field = "insured_sex"
	FieldInsuredAddress   Field = "insured_address"
	FieldInsuredCity      Field = "insured_city"
	FieldInsuredState     Field = "insured_state"
	FieldInsuredZip       Field = "insured_zip"
	// FieldResponsibility is the billed payer's place in the coverage
	// order: P primary, S secondary, T tertiary.
	FieldResponsibility Field = "payer_responsibility"
	// FieldMSPType is the Medicare secondary payer type (SBR05).
	FieldMSPType Field = "msp_type"
	// The other coverage (the first of Claim.OtherCoverage).
	FieldOtherPayerID      Field = "other_payer_id"
	FieldOtherPayerName    Field = "other_payer_name"
	FieldOtherMemberID     Field = "other_member_id"
	FieldOtherGroupNumber  Field = "other_group_number"
	FieldOtherRelationship Field = "other_relationship"
	// The other coverage's insured (2330A), when not the patient.
	FieldOtherInsuredDOB     Field = "other_insured_dob"
	FieldOtherInsuredSex     Field = "other_insured_sex"
	FieldOtherInsuredAddress Field = "other_insured_address"
	FieldOtherInsuredCity    Field = "other_insured_city"
	FieldOtherInsuredState   Field = "other_insured_state"
	FieldOtherInsuredZip     Field = "other_insured_zip"
	// The other payer's adjudication: paid amount, paid date and the
	// adjustments as "CO-45 25.00; PR-1 10.00".
	FieldPriorPaid        Field = "prior_paid"
	FieldPriorPaidDate    Field = "prior_paid_date"
	FieldPriorAdjustments Field = "prior_adjustments"
	// FieldOriginalClaimNumber is the payer's claim control number a
	// replacement or void refers to.
	FieldOriginalClaimNumber Field = "original_claim_number"
	FieldFacilityName        Field = "facility_name"
	FieldFacilityNPI         Field = "facility_npi"
	FieldFacilityAddress     Field = "facility_address"
	FieldFacilityCity        Field = "facility_city"
	FieldFacilityState       Field = "facility_state"
	FieldFacilityZip         Field = "facility_zip"
	// The rendering and referring providers' names, when the file has them.
	FieldRenderingLastName  Field = "rendering_last_name"
	FieldRenderingFirstName Field = "rendering_first_name"
	FieldReferringLastName  Field = "referring_last_name"
	FieldReferringFirstName Field = "referring_first_name"
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
	// FieldNDCQuantity and FieldNDCUnit are the drug quantity and its unit (CTP04, CTP05-1).
	FieldNDCQuantity Field = "ndc_quantity"
	FieldNDCUnit     Field = "ndc_unit"
	// FieldLinePriorPaid and FieldLinePriorAdjustments are the prior
	// payer's payment and adjustments on the line (837P loop 2430).
	FieldLinePriorPaid        Field = "line_prior_paid"
	FieldLinePriorAdjustments Field = "line_prior_adjustments"
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
		FieldUnits, FieldLineCharge, FieldDxPointers, FieldNDC, FieldNDCQuantity, FieldNDCUnit,
		FieldLinePriorPaid, FieldLinePriorAdjustments:
		return true
	}
	for n := 1; n <= MaxModifiers; n++ {
		if f == FieldModifier(n) {
			return true
		}
	}
	return false
}
