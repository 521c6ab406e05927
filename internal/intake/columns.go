package intake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// synonyms lists, for each canonical field, the header texts practice-
// management exports use for it (Kareo/Tebra, AdvancedMD, athenaOne,
// eClinicalWorks, NextGen, CMS-1500 box names). The canonical name itself
// always matches. Headers are compared after normalising (see
// NormalizeHeader), so "Claim #", "claim no" and "CLAIM_NO" are one entry.
var synonyms = map[claim.Field][]string{
	claim.FieldClaimID: {"Claim ID", "Claim #", "Claim No", "Claim Number", "Claim Nbr", "Encounter ID",
		"Encounter #", "Encounter Number", "Encounter No", "Visit ID", "Visit #", "Visit Number", "Ticket #",
		"Ticket Number", "Ticket No", "Charge Ticket", "Superbill #", "Superbill Number",
		"Patient Control Number", "Patient Control No", "Patient Control #", "PCN", "Claim Key"},
	claim.FieldPatientID: {"Patient ID", "Patient Account No", "Patient Account Number", "Patient Account #",
		"Patient Acct #", "Patient Acct No", "Account #", "Account No", "Account Number", "Acct #", "Acct No",
		"Acct Number", "MRN", "Medical Record Number", "Medical Record #", "Patient #", "Patient Number",
		"Chart #", "Chart Number", "Chart No", "Pt ID", "Pt Acct #", "Pt Account #", "Pt Account No", "Person Number", "Person #"},
	claim.FieldPatientLastName: {"Patient Last Name", "Last Name", "Pt Last Name", "Patient Last", "Last",
		"Surname", "Patient LName", "LName", "Patient Surname", "Pat Last Name"},
	claim.FieldPatientFirstName: {"Patient First Name", "First Name", "Pt First Name", "Patient First", "First",
		"Given Name", "Patient FName", "FName", "Pat First Name"},
	claim.FieldPatientDOB: {"Patient DOB", "DOB", "Date of Birth", "Birth Date", "Birthdate", "Pt DOB",
		"Patient Date of Birth", "Patient Birth Date", "Patient Birthdate", "Pat DOB"},
	claim.FieldPatientSex: {"Patient Sex", "Sex", "Gender", "Patient Gender", "Pt Sex", "Pt Gender",
		"Administrative Sex", "Birth Sex", "Pat Sex"},
	claim.FieldMemberID: {"Member ID", "Member #", "Member No", "Member Number", "Subscriber ID", "Subscriber #",
		"Subscriber No", "Subscriber Number", "Policy #", "Policy No", "Policy Number", "Policy ID",
		"Insurance ID", "Insurance #", "Ins ID", "Insured ID", "Insured's ID Number", "Insured ID Number",
		"Primary Policy #", "Primary Policy Number", "Primary Member ID", "Primary Insurance Policy #",
		"Primary Insurance ID", "Medicare ID", "MBI", "Medicaid ID", "Patient Insurance ID", "Certificate Number",
		"Subscriber Member ID", "Insured's ID", "Insured ID #", "Primary Insurance Member ID", "Primary Subscriber ID"},
	claim.FieldGroupNumber: {"Group Number", "Group #", "Group No", "Group ID", "Group", "Insurance Group",
		"Insurance Group #", "Insurance Group Number", "Policy Group", "Policy Group Number", "Primary Group #",
		"Primary Group Number", "Insured's Policy Group"},
	claim.FieldPayerID: {"Payer ID", "Payor ID", "Payer Code", "Payor Code", "Payer #", "Payor #",
		"Electronic Payer ID", "EDI Payer ID", "EDI Payor ID", "Insurance Payer ID", "Ins Payer ID",
		"Primary Payer ID", "Primary Payor ID", "Carrier ID", "Carrier Code", "Insurance Code", "CPID", "Payer EDI ID",
		"Primary Insurance Payer ID", "Primary Insurance Payor ID", "Insurance Payor ID"},
	claim.FieldPayerName: {"Payer Name", "Payor Name", "Payer", "Payor", "Insurance", "Insurance Name",
		"Insurance Company", "Insurance Company Name", "Primary Insurance", "Primary Insurance Name",
		"Primary Payer", "Primary Payor", "Primary Carrier", "Carrier", "Carrier Name", "Insurance Plan",
		"Plan Name", "Ins Name", "Insurance Carrier"},
	claim.FieldBillingName: {"Billing Provider Name", "Billing Provider", "Billing Name", "Billing Prov Name",
		"Practice Name", "Practice", "Billing Entity", "Billing Organization", "Organization Name"},
	claim.FieldBillingNPI: {"Billing NPI", "Billing Provider NPI", "Billing Prov NPI", "Bill NPI", "Group NPI",
		"Practice NPI", "Organization NPI", "Org NPI", "Type 2 NPI", "Billing Provider ID"},
	claim.FieldBillingTIN: {"Billing TIN", "Billing Tax ID", "Billing EIN", "Tax ID", "Tax ID Number", "TaxID",
		"TIN", "EIN", "FEIN", "Federal Tax ID", "Federal Tax ID Number", "Federal Tax ID #", "Fed Tax ID",
		"Practice Tax ID", "Employer ID Number"},
	claim.FieldBillingTaxonomy: {"Billing Taxonomy", "Billing Taxonomy Code", "Billing Provider Taxonomy",
		"Taxonomy", "Taxonomy Code", "Provider Taxonomy", "Provider Taxonomy Code", "Specialty Taxonomy"},
	claim.FieldBillingAddress: {"Billing Address", "Billing Address 1", "Billing Address Line 1", "Billing Street",
		"Billing Addr", "Billing Addr 1", "Billing Provider Address", "Practice Address", "Practice Address 1",
		"Billing Street Address"},
	claim.FieldBillingCity:  {"Billing City", "Billing Provider City", "Practice City"},
	claim.FieldBillingState: {"Billing State", "Billing St", "Billing Provider State", "Practice State"},
	claim.FieldBillingZip: {"Billing Zip", "Billing Zip Code", "Billing ZIP+4", "Billing Postal Code",
		"Billing Provider Zip", "Practice Zip", "Practice Zip Code"},
	claim.FieldRenderingNPI: {"Rendering NPI", "Rendering Provider NPI", "Rendering Prov NPI", "Rend NPI",
		"Provider NPI", "Servicing NPI", "Servicing Provider NPI", "Performing NPI", "Performing Provider NPI",
		"Treating NPI", "Treating Provider NPI", "Individual NPI", "Type 1 NPI"},
	claim.FieldReferringNPI: {"Referring NPI", "Referring Provider NPI", "Referring Prov NPI", "Ref NPI",
		"Ref Provider NPI", "Referring Physician NPI"},
	claim.FieldPlaceOfService: {"Place of Service", "Place of Service Code", "POS", "POS Code", "Place of Svc",
		"Place Of Svc Code", "Facility POS"},
	claim.FieldFrequencyCode: {"Frequency Code", "Frequency", "Claim Frequency", "Claim Frequency Code",
		"Claim Frequency Type Code", "Freq Code", "Freq", "Resubmission Code"},
	claim.FieldPriorAuth: {"Prior Auth", "Prior Auth #", "Prior Auth No", "Prior Auth Number",
		"Prior Authorization", "Prior Authorization #", "Prior Authorization Number", "Authorization",
		"Authorization #", "Authorization No", "Authorization Number", "Auth", "Auth #", "Auth No",
		"Auth Number", "PA #", "PA Number", "Prior Auth Code"},
	claim.FieldTotalCharge: {"Total Charge", "Total Charges", "Claim Total", "Claim Total Charge", "Total Billed",
		"Total Billed Amount", "Claim Charge", "Claim Charges", "Total Claim Charge", "Total Claim Charges",
		"Claim Amount", "Claim Billed Amount", "Total Amount"},
	claim.FieldDiagnosisCodes: {"Diagnosis Codes", "Diagnosis Code", "Diagnoses", "Diagnosis", "Dx Codes",
		"Dx Code", "Dx", "Dxs", "ICD-10 Codes", "ICD10 Codes", "ICD Codes", "ICD-10", "ICD10", "ICD-10-CM",
		"ICD-10-CM Codes", "Diag Codes", "Diagnosis List"},
	claim.FieldLineNumber: {"Line Number", "Line #", "Line No", "Line", "Line Item", "Line Seq", "Seq",
		"Sequence", "Svc Line", "Service Line", "Service Line #", "Charge Line"},
	claim.FieldDateFrom: {"Service Date From", "DOS", "DOS From", "From DOS", "Date of Service",
		"Date of Service From", "From Date", "From", "Date From", "Service Date", "Service From", "Service From Date",
		"Service Start Date", "Service Begin Date", "Svc Date", "Svc From", "Begin DOS", "Start DOS", "Visit Date",
		"Encounter Date", "FromDate", "Line DOS", "Date of Svc", "Svc Dt", "Service Dt", "DOS Dt"},
	claim.FieldDateTo: {"Service Date To", "DOS To", "To DOS", "Date of Service To", "To Date", "To", "Date To",
		"Thru", "Thru Date", "Through", "Through Date", "Service To", "Service To Date", "Service Thru",
		"Service End Date", "Svc To", "End DOS", "ToDate", "Date of Service Thru"},
	claim.FieldProcedureCode: {"Procedure Code", "Procedure", "Proc", "Proc Code", "Proc Cd", "CPT",
		"CPT Code", "CPT-4", "CPT4", "HCPCS", "HCPCS Code", "CPT/HCPCS", "CPT/HCPCS Code", "HCPCS/CPT",
		"CPT HCPCS", "Service Code", "Svc Code", "Billing Code", "Charge Code", "Code"},
	claim.FieldModifiers: {"Modifiers", "Modifier", "Mods", "Mod", "CPT Modifiers", "Procedure Modifiers",
		"Modifier Codes", "Proc Modifiers"},
	claim.FieldUnits: {"Units", "Unit", "Qty", "Quantity", "Days/Units", "Days or Units", "Days Units",
		"Units/Days", "Service Units", "Svc Units", "Billed Units", "Unit Count", "Procedure Units", "Units of Service",
		"Unit of Service", "Service Unit Count"},
	claim.FieldLineCharge: {"Line Charge", "Line Charges", "Charges", "Charge", "Charge Amt", "Charge Amount",
		"Billed Amount", "Billed Amt", "Billed", "Billed Charge", "Billed Charges", "Amount Billed", "Amount",
		"Fee", "Line Amount", "Line Billed Amount", "Service Charge", "Procedure Charge", "Line Total",
		"Charge Amount Billed"},
	claim.FieldDxPointers: {"Dx Pointers", "Dx Pointer", "Dx Ptr", "Dx Ptrs", "Diagnosis Pointer",
		"Diagnosis Pointers", "Diag Pointer", "Diag Pointers", "Diagnosis Ref", "ICD Pointer", "ICD Pointers",
		"Pointer", "Pointers", "Dx Link", "Diagnosis Link"},
	claim.FieldNDC: {"NDC", "NDC Code", "NDC Number", "NDC #", "NDC No", "National Drug Code", "Drug Code",
		"NDC 11"},
	claim.FieldNDCQuantity: {"NDC Quantity", "NDC Qty", "NDC Units", "Drug Quantity", "Drug Qty", "NDC Unit Quantity"},
	claim.FieldNDCUnit: {"NDC Unit", "NDC Unit of Measure", "NDC UOM", "NDC Measure", "Drug Unit", "Drug Unit of Measure",
		"Drug UOM", "NDC Unit Code"},
	claim.FieldLinePriorPaid: {"Primary Line Paid", "Primary Line Paid Amount", "Line Paid by Primary", "Prior Payer Line Paid",
		"Other Payer Line Paid", "Line Prior Paid"},
	claim.FieldLinePriorAdjustments: {"Primary Line Adjustments", "Primary Line CAS", "Prior Payer Line Adjustments",
		"Other Payer Line Adjustments", "Line Prior Adjustments", "Line CAS"},
	claim.FieldPatientAddress: {"Patient Address", "Patient Address 1", "Patient Address Line 1", "Patient Street",
		"Patient Street Address", "Pt Address", "Address", "Address 1", "Address Line 1", "Street Address", "Street"},
	claim.FieldPatientCity:  {"Patient City", "Pt City", "City"},
	claim.FieldPatientState: {"Patient State", "Pt State", "State"},
	claim.FieldPatientZip: {"Patient Zip", "Patient Zip Code", "Patient Postal Code", "Pt Zip", "Zip", "Zip Code",
		"Postal Code"},
	claim.FieldRelationship: {"Relationship", "Patient Relationship", "Relationship to Insured", "Patient Relationship to Insured",
		"Pt Rel to Insured", "Rel to Insured", "Insured Relationship", "Relationship to Subscriber", "Subscriber Relationship",
		"Patient Relationship to Subscriber", "Relation to Insured", "Primary Relationship"},
	claim.FieldInsuredLastName:  {"Insured Last Name", "Subscriber Last Name", "Insured's Last Name", "Policy Holder Last Name"},
	claim.FieldInsuredFirstName: {"Insured First Name", "Subscriber First Name", "Insured's First Name", "Policy Holder First Name"},
	claim.FieldInsuredDOB: {"Insured DOB", "Subscriber DOB", "Insured Date of Birth", "Subscriber Date of Birth",
		"Insured's Date of Birth", "Insured Birth Date", "Subscriber Birth Date", "Policy Holder DOB"},
	claim.FieldInsuredSex: {"Insured Sex", "Subscriber Sex", "Insured Gender", "Subscriber Gender", "Insured's Sex"},
	claim.FieldInsuredAddress: {"Insured Address", "Subscriber Address", "Insured's Address", "Insured Address 1",
		"Subscriber Address 1", "Insured Street"},
	claim.FieldInsuredCity:  {"Insured City", "Subscriber City", "Insured's City"},
	claim.FieldInsuredState: {"Insured State", "Subscriber State", "Insured's State"},
	claim.FieldInsuredZip:   {"Insured Zip", "Insured Zip Code", "Subscriber Zip", "Subscriber Zip Code", "Insured's Zip Code"},
	claim.FieldResponsibility: {"Payer Responsibility", "Responsibility", "Payer Sequence", "Payer Order", "Insurance Sequence",
		"Insurance Order", "Coverage Order", "COB Order", "Insurance Level", "Payer Level", "Billed Insurance", "Bill Insurance"},
	claim.FieldMSPType: {"MSP Type", "MSP Type Code", "MSP Code", "Medicare Secondary Payer Type", "Medicare Secondary Type",
		"Medicare Secondary Payer Code", "Insurance Type Code"},
	claim.FieldOtherPayerID: {"Secondary Payer ID", "Secondary Payor ID", "Secondary Insurance Payer ID", "Secondary Payer Code",
		"Other Payer ID", "Other Payor ID", "COB Payer ID"},
	claim.FieldOtherPayerName: {"Secondary Payer", "Secondary Payer Name", "Secondary Payor", "Secondary Insurance",
		"Secondary Insurance Name", "Secondary Carrier", "Other Payer", "Other Payer Name", "Other Insurance", "Other Insurance Name"},
	claim.FieldOtherMemberID: {"Secondary Member ID", "Secondary Policy #", "Secondary Policy Number", "Secondary Subscriber ID",
		"Secondary Insurance ID", "Secondary Insurance Member ID", "Secondary Insured ID", "Other Member ID", "Other Insured ID",
		"Other Insured's Policy", "Other Policy Number"},
	claim.FieldOtherGroupNumber: {"Secondary Group #", "Secondary Group Number", "Secondary Group", "Other Group Number",
		"Other Insured's Group"},
	claim.FieldOtherRelationship: {"Secondary Relationship", "Secondary Relationship to Insured", "Other Relationship",
		"Other Insured Relationship"},
	claim.FieldPriorPaid: {"Primary Paid", "Primary Paid Amount", "Primary Paid Amt", "Primary Payment", "Primary Payment Amount",
		"Paid by Primary", "Prior Payer Paid", "Prior Paid", "Prior Paid Amount", "Other Payer Paid", "Other Payer Paid Amount",
		"COB Paid Amount"},
	claim.FieldPriorPaidDate: {"Primary Paid Date", "Primary Payment Date", "Primary Adjudication Date", "Primary Remit Date",
		"Prior Paid Date", "Prior Payer Paid Date", "Other Payer Paid Date", "COB Paid Date"},
	claim.FieldPriorAdjustments: {"Primary Adjustments", "Primary CAS", "Primary Adjustment Codes", "Prior Adjustments",
		"Prior Payer Adjustments", "Other Payer Adjustments", "COB Adjustments", "CAS"},
	claim.FieldOriginalClaimNumber: {"Original Claim Number", "Original Claim #", "Original Claim ID", "Original Claim Ref",
		"Payer Claim Number", "Payer Claim #", "Payer Claim ID", "Payer Claim Control Number", "Claim Control Number",
		"ICN", "Original ICN", "DCN", "Original Reference Number", "Original Ref No"},
	claim.FieldFacilityName: {"Facility Name", "Facility", "Service Facility", "Service Facility Name", "Service Location",
		"Service Location Name", "Location Name"},
	claim.FieldFacilityNPI: {"Facility NPI", "Service Facility NPI", "Service Location NPI", "Location NPI"},
	claim.FieldFacilityAddress: {"Facility Address", "Facility Address 1", "Service Facility Address", "Service Location Address",
		"Location Address", "Facility Street"},
	claim.FieldFacilityCity:  {"Facility City", "Service Facility City", "Service Location City", "Location City"},
	claim.FieldFacilityState: {"Facility State", "Service Facility State", "Service Location State", "Location State"},
	claim.FieldFacilityZip: {"Facility Zip", "Facility Zip Code", "Service Facility Zip", "Service Location Zip",
		"Location Zip"},
	claim.FieldOtherInsuredDOB: {"Secondary Insured DOB", "Secondary Subscriber DOB", "Secondary Insured Date of Birth",
		"Secondary Subscriber Date of Birth", "Other Insured DOB", "Other Insured's Date of Birth", "Other Insured Date of Birth"},
	claim.FieldOtherInsuredSex: {"Secondary Insured Sex", "Secondary Subscriber Sex", "Secondary Insured Gender",
		"Secondary Subscriber Gender", "Other Insured Sex", "Other Insured's Sex"},
	claim.FieldOtherInsuredAddress: {"Secondary Insured Address", "Secondary Subscriber Address", "Secondary Insured Address 1",
		"Other Insured Address", "Other Insured's Address"},
	claim.FieldOtherInsuredCity:  {"Secondary Insured City", "Secondary Subscriber City", "Other Insured City"},
	claim.FieldOtherInsuredState: {"Secondary Insured State", "Secondary Subscriber State", "Other Insured State"},
	claim.FieldOtherInsuredZip: {"Secondary Insured Zip", "Secondary Insured Zip Code", "Secondary Subscriber Zip",
		"Other Insured Zip", "Other Insured Zip Code"},
	claim.FieldRenderingLastName: {"Rendering Provider Last Name", "Rendering Last Name", "Rendering Provider Last",
		"Rendering Physician Last Name", "Servicing Provider Last Name", "Performing Provider Last Name", "Rendering Prov Last Name"},
	claim.FieldRenderingFirstName: {"Rendering Provider First Name", "Rendering First Name", "Rendering Provider First",
		"Rendering Physician First Name", "Servicing Provider First Name", "Performing Provider First Name", "Rendering Prov First Name"},
	claim.FieldReferringLastName: {"Referring Provider Last Name", "Referring Last Name", "Referring Provider Last",
		"Referring Physician Last Name", "Ref Provider Last Name"},
	claim.FieldReferringFirstName: {"Referring Provider First Name", "Referring First Name", "Referring Provider First",
		"Referring Physician First Name", "Ref Provider First Name"},
}

// dxStems are header stems followed by the diagnosis number ("Dx 1",
// "ICD-10 1", "ICD1", "Diagnosis Code 12") or letter ("Dx A" as on the
// CMS-1500, box 21 A–L).
var dxStems = []string{"Dx", "Dx Code", "DX", "Diagnosis", "Diagnosis Code", "Diag", "Diag Code", "ICD-10",
	"ICD10", "ICD-10 Code", "ICD10 Code", "ICD Code", "ICD-10-CM", "Diagnosis Code ICD-10", "ICD",
	"ICD-10 Diagnosis", "ICD10 Diagnosis", "ICD Diagnosis", "ICD-10 Dx"}

// modifierStems are the stems of "Modifier 1" .. "Modifier 4".
var modifierStems = []string{"Modifier", "Mod", "Modifier Code", "CPT Modifier", "Proc Modifier", "Procedure Modifier"}

// pointerStems are the stems of the per-line pointer columns "Diagnosis
// Pointer 1" .. "Diagnosis Pointer 4" (CMS-1500 box 24E holds four).
var pointerStems = []string{"Diagnosis Pointer", "Dx Pointer", "Dx Ptr", "Diag Pointer", "ICD Pointer", "Pointer"}

// procedureStems numbered 1 name the procedure ("CPT Code 1"); numbered 2
// and up they mean a file with one row per claim and the lines across
// (wideProcedureField), which intake refuses with advice.
var procedureStems = []string{"CPT Code", "CPT", "Procedure Code", "Procedure", "Proc Code", "HCPCS Code", "CPT/HCPCS"}

// numberedTaken are stem-and-number headers that already mean something
// else: "ICD 10" is the ICD-10 diagnosis list, "CPT 4" the procedure code.
var numberedTaken = map[string]bool{"ICD 10": true, "CPT 4": true}

// Fields intake reads that are not claim fields of their own.
const (
	// FieldPatientName is a single patient name column in "LAST, FIRST
	// MIDDLE" form, as Tebra/Kareo, AdvancedMD and eClinicalWorks export
	// it; it fills the patient's last, first and middle names and suffix.
	FieldPatientName claim.Field = "patient_name"
	// FieldInsuredName is the insured's name in one "LAST, FIRST" cell,
	// FieldOtherInsuredName the other coverage's insured's.
	FieldInsuredName      claim.Field = "insured_name"
	FieldOtherInsuredName claim.Field = "other_insured_name"
	// FieldRenderingName and FieldReferringName are the rendering and
	// referring providers' names in one "LAST, FIRST" cell.
	FieldRenderingName claim.Field = "rendering_name"
	FieldReferringName claim.Field = "referring_name"
	// wideProcedureField marks "CPT Code 2", "Procedure Code 3"...
	wideProcedureField claim.Field = "procedure_code_n"
)

// FieldDxPointer returns the field of the n-th per-line pointer column
// (dx_pointer1 .. dx_pointer4): together they are the line's dx_pointers.
func FieldDxPointer(n int) claim.Field { return claim.Field("dx_pointer" + strconv.Itoa(n)) }

// maxPointerColumns is how many pointer columns a line may have (box 24E).
const maxPointerColumns = 4

// composite describes a column that holds several claim fields in one
// cell. Issue-15 style additions (an insured's name) go in composites.
type composite struct {
	// covers lists the fields the column stands in for (for the required
	// columns, and for marking findings about them on the annotated workbook).
	covers []claim.Field
	// set parses the cell into c; text writes c's value back in the
	// column's form, so rows of one claim can be compared.
	set  func(c *claim.Claim, raw string) error
	text func(c *claim.Claim) string
}

var composites = map[claim.Field]composite{
	FieldPatientName: {
		covers: []claim.Field{claim.FieldPatientLastName, claim.FieldPatientFirstName},
		set: func(c *claim.Claim, raw string) error {
			n, err := SplitPersonName(raw)
			if err != nil {
				return err
			}
			p := &c.Patient
			p.LastName, p.FirstName, p.MiddleName, p.Suffix = n.Last, n.First, n.Middle, n.Suffix
			return nil
		},
		text: func(c *claim.Claim) string {
			p := &c.Patient
			return PersonName{Last: p.LastName, First: p.FirstName, Middle: p.MiddleName, Suffix: p.Suffix}.String()
		},
	},
	FieldInsuredName: nameComposite([]claim.Field{claim.FieldInsuredLastName, claim.FieldInsuredFirstName},
		func(c *claim.Claim) *claim.Patient { return &c.Insured }),
	FieldOtherInsuredName: nameComposite(nil, func(c *claim.Claim) *claim.Patient { return &otherCoverage(c).Insured }),
	FieldRenderingName: practitionerComposite([]claim.Field{claim.FieldRenderingLastName, claim.FieldRenderingFirstName},
		func(c *claim.Claim) *claim.Practitioner { return &c.Rendering }),
	FieldReferringName: practitionerComposite([]claim.Field{claim.FieldReferringLastName, claim.FieldReferringFirstName},
		func(c *claim.Claim) *claim.Practitioner { return &c.Referring }),
}

// practitionerComposite is a "LAST, FIRST M, MD" provider name column
// filling the practitioner who(c).
func practitionerComposite(covers []claim.Field, who func(*claim.Claim) *claim.Practitioner) composite {
	return composite{
		covers: covers,
		set: func(c *claim.Claim, raw string) error {
			p, err := ParsePractitionerName(raw)
			if err != nil {
				return err
			}
			*who(c) = p
			return nil
		},
		text: func(c *claim.Claim) string {
			p := who(c)
			return PersonName{Last: p.LastName, First: p.FirstName, Middle: p.MiddleName}.String()
		},
	}
}

// nameComposite is a "LAST, FIRST M" column filling the person who(c).
func nameComposite(covers []claim.Field, who func(*claim.Claim) *claim.Patient) composite {
	return composite{
		covers: covers,
		set: func(c *claim.Claim, raw string) error {
			n, err := SplitPersonName(raw)
			if err != nil {
				return err
			}
			p := who(c)
			p.LastName, p.FirstName, p.MiddleName, p.Suffix = n.Last, n.First, n.Middle, n.Suffix
			return nil
		},
		text: func(c *claim.Claim) string {
			if len(c.OtherCoverage) == 0 && covers == nil {
				return ""
			}
			p := who(c)
			return PersonName{Last: p.LastName, First: p.FirstName, Middle: p.MiddleName, Suffix: p.Suffix}.String()
		},
	}
}

// otherCoverage returns the claim's first other coverage, adding it when
// the claim has none.
func otherCoverage(c *claim.Claim) *claim.Coverage {
	if len(c.OtherCoverage) == 0 {
		c.OtherCoverage = []claim.Coverage{{}}
	}
	return &c.OtherCoverage[0]
}

var compositeSynonyms = map[claim.Field][]string{
	FieldPatientName: {"Patient Name", "Patient", "Pt Name", "Patient Full Name", "Patient Name (Last, First)",
		"Patient (Last, First)", "Patient Last, First", "Patient Name Last First", "Pat Name"},
	FieldInsuredName: {"Insured Name", "Insured's Name", "Subscriber Name", "Subscriber", "Insured", "Policy Holder",
		"Policy Holder Name", "Policyholder", "Insured Name (Last, First)", "Subscriber Full Name"},
	FieldOtherInsuredName: {"Secondary Insured Name", "Secondary Subscriber Name", "Secondary Insured", "Other Insured Name",
		"Other Insured's Name", "Other Insured", "Secondary Policy Holder"},
	FieldRenderingName: {"Rendering Provider", "Rendering Provider Name", "Rendering Provider (Last, First)", "Rendering Physician",
		"Rendering Physician Name", "Rendering Name", "Rendering Prov Name", "Servicing Provider", "Servicing Provider Name",
		"Performing Provider", "Performing Provider Name", "Treating Provider", "Treating Provider Name"},
	FieldReferringName: {"Referring Provider", "Referring Provider Name", "Referring Provider (Last, First)", "Referring Physician",
		"Referring Physician Name", "Referring Name", "Referring Prov Name", "Ref Provider", "Ref Provider Name", "Referred By"},
}

// extraDx are single-diagnosis headers that mean dx1 or dx2.
var extraDx = map[string]int{
	"Primary Diagnosis": 1, "Principal Diagnosis": 1, "Primary Dx": 1, "Principal Dx": 1,
	"Primary ICD-10": 1, "Primary Diagnosis Code": 1, "Secondary Diagnosis": 2, "Secondary Dx": 2,
}

// headerIndex maps a normalised header text to its field.
var headerIndex = buildHeaderIndex()

func buildHeaderIndex() map[string]claim.Field {
	idx := make(map[string]claim.Field)
	add := func(text string, f claim.Field) {
		k := NormalizeHeader(text)
		if prev, ok := idx[k]; ok && prev != f {
			panic(fmt.Sprintf("intake: header synonym %q means both %s and %s", text, prev, f))
		}
		if k == "" {
			panic(fmt.Sprintf("intake: header synonym %q normalises to nothing", text))
		}
		idx[k] = f
	}
	for f, names := range synonyms {
		add(string(f), f)
		for _, n := range names {
			add(n, f)
		}
	}
	for n := 1; n <= claim.MaxDiagnoses; n++ {
		f := claim.FieldDx(n)
		add(string(f), f)
		letter := string(rune('A' + n - 1))
		for _, s := range dxStems {
			if h := s + " " + strconv.Itoa(n); !numberedTaken[h] {
				add(h, f)
			}
			add(s+" "+letter, f)
		}
	}
	for n := 1; n <= claim.MaxModifiers; n++ {
		f := claim.FieldModifier(n)
		add(string(f), f)
		for _, s := range modifierStems {
			add(s+" "+strconv.Itoa(n), f)
		}
	}
	for text, n := range extraDx {
		add(text, claim.FieldDx(n))
	}
	for n := 1; n <= maxPointerColumns; n++ {
		f := FieldDxPointer(n)
		add(string(f), f)
		for _, s := range pointerStems {
			add(s+" "+strconv.Itoa(n), f)
		}
	}
	for _, s := range procedureStems {
		add(s+" 1", claim.FieldProcedureCode)
		for n := 2; n <= 20; n++ {
			if h := s + " " + strconv.Itoa(n); !numberedTaken[h] {
				add(h, wideProcedureField)
			}
		}
	}
	for f, names := range compositeSynonyms {
		add(string(f), f)
		for _, n := range names {
			add(n, f)
		}
	}
	return idx
}

// NormalizeHeader reduces a header cell to the key synonyms are matched on:
// lower case, "#" read as "no", "&" as "and", everything that is not a
// letter or digit dropped. "Claim #", "CLAIM_NO" and "claim no." all give
// "claimno"; "Days/Units" gives "daysunits".
func NormalizeHeader(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	for _, r := range strings.ToLower(h) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '#':
			b.WriteString("no")
		case r == '&':
			b.WriteString("and")
		}
	}
	k := b.String()
	// "Claim Number", "Claim Nbr", "Claim Num" mean "Claim No".
	for _, long := range []string{"number", "nbr", "num"} {
		if strings.HasSuffix(k, long) {
			return strings.TrimSuffix(k, long) + "no"
		}
	}
	return k
}

// FieldForHeader returns the canonical field a header cell names, and
// false for a header rcmbot does not know (the column is kept and ignored).
func FieldForHeader(h string) (claim.Field, bool) {
	f, ok := headerIndex[NormalizeHeader(h)]
	return f, ok
}

// Required lists the columns a claims file must have; a file without one of
// them fails as a whole. A diagnosis column means dx1 or diagnosis_codes;
// a patient name column (FieldPatientName) stands for the last and first
// names. Other columns are optional: their absence leaves the value blank
// for the scorer's "required" edits to report per claim (units default to
// 1 when the file has no units column at all, and a row error without a
// claim says so).
var Required = []claim.Field{
	claim.FieldClaimID, claim.FieldPatientLastName, claim.FieldPatientFirstName, claim.FieldPatientDOB,
	claim.FieldMemberID, claim.FieldPayerID, claim.FieldBillingNPI, claim.FieldDateFrom,
	claim.FieldProcedureCode, claim.FieldLineCharge, claim.FieldDx(1),
}

// Column is one header cell of the claims sheet.
type Column struct {
	Index  int         `json:"index"`           // 0-based position in the row
	Letter string      `json:"letter"`          // spreadsheet column letter: "A", "AB"
	Header string      `json:"header"`          // the header text as written
	Field  claim.Field `json:"field,omitempty"` // the canonical field, "" for a column rcmbot does not read
}

// Layout describes where a claims file keeps its data: the sheet, the header
// row and which column holds each field. The annotated workbook uses it to
// turn a (row, field) pair back into a cell. It marshals to JSON, so a
// workflow can store it between the parse and annotate steps.
type Layout struct {
	File      string `json:"file"`       // base name of the uploaded file
	Format    Format `json:"format"`     // FormatXLSX or FormatCSV
	Sheet     string `json:"sheet"`      // sheet name; "" for CSV
	HeaderRow int    `json:"header_row"` // 1-based row number of the header
	// Columns lists every header cell, known or not, in sheet order.
	Columns []Column `json:"columns"`
	// Delimiter is the CSV field separator that was detected (0 for xlsx).
	Delimiter rune `json:"delimiter,omitempty"`
	// Date1904 reports an xlsx workbook that counts serial dates from 1904.
	Date1904 bool `json:"date1904,omitempty"`
	// DateOrder is how the file writes numeric dates (day_first when its
	// dates show it, else month_first), known once the file has been read.
	DateOrder DateOrder `json:"date_order,omitempty"`

	byField map[claim.Field]int // field → index into Columns
	atIndex []int               // cell index → index into Columns, -1 for none
}

// index builds the lookup tables (again, after JSON decoding).
func (l *Layout) index() {
	if l.byField != nil {
		return
	}
	l.byField = make(map[claim.Field]int)
	n := 0
	if len(l.Columns) > 0 {
		n = l.Columns[len(l.Columns)-1].Index + 1
	}
	l.atIndex = make([]int, n)
	for i := range l.atIndex {
		l.atIndex[i] = -1
	}
	for i, c := range l.Columns {
		if c.Field != "" {
			l.byField[c.Field] = i
		}
		if c.Index >= 0 && c.Index < n {
			l.atIndex[c.Index] = i
		}
	}
}

// columnAt returns the column at 0-based cell index i.
func (l *Layout) columnAt(i int) (Column, bool) {
	l.index()
	if i < 0 || i >= len(l.atIndex) || l.atIndex[i] < 0 {
		return Column{}, false
	}
	return l.Columns[l.atIndex[i]], true
}

// Column returns the column holding field f.
func (l *Layout) Column(f claim.Field) (Column, bool) {
	l.index()
	i, ok := l.byField[f]
	if !ok {
		return Column{}, false
	}
	return l.Columns[i], true
}

// ColumnFor returns the column holding f, or the one that stands in for
// it when the file has none: the diagnosis list for dx2, the modifier
// columns and list for each other, the from-date for a file without a
// to-date. Findings about f are shown on that column.
func (l *Layout) ColumnFor(f claim.Field) (Column, bool) {
	if c, ok := l.Column(f); ok || f == "" {
		return c, ok
	}
	var alt []claim.Field
	switch {
	case strings.HasPrefix(string(f), "dx"):
		alt = []claim.Field{claim.FieldDiagnosisCodes}
	case f == claim.FieldDiagnosisCodes:
		alt = []claim.Field{claim.FieldDx(1)}
	case strings.HasPrefix(string(f), "modifier"):
		alt = []claim.Field{claim.FieldModifiers, claim.FieldModifier(1)}
	case f == claim.FieldDateTo:
		alt = []claim.Field{claim.FieldDateFrom}
	case f == claim.FieldDxPointers:
		alt = []claim.Field{FieldDxPointer(1)}
	case f == claim.FieldPatientLastName || f == claim.FieldPatientFirstName:
		alt = []claim.Field{FieldPatientName}
	case f == claim.FieldInsuredLastName || f == claim.FieldInsuredFirstName:
		alt = []claim.Field{FieldInsuredName, claim.FieldRelationship}
	case f == claim.FieldOtherRelationship:
		alt = []claim.Field{FieldOtherInsuredName}
	case f == claim.FieldOtherInsuredZip || f == claim.FieldOtherInsuredCity || f == claim.FieldOtherInsuredState:
		alt = []claim.Field{claim.FieldOtherInsuredAddress, FieldOtherInsuredName}
	case f == claim.FieldPatientZip || f == claim.FieldPatientCity || f == claim.FieldPatientState:
		alt = []claim.Field{claim.FieldPatientAddress}
	case f == claim.FieldFacilityName:
		alt = []claim.Field{claim.FieldFacilityAddress, claim.FieldPlaceOfService}
	case f == claim.FieldRenderingLastName || f == claim.FieldRenderingFirstName:
		alt = []claim.Field{FieldRenderingName, claim.FieldRenderingNPI}
	case f == claim.FieldReferringLastName || f == claim.FieldReferringFirstName:
		alt = []claim.Field{FieldReferringName, claim.FieldReferringNPI}
	}
	for _, a := range alt {
		if c, ok := l.Column(a); ok {
			return c, true
		}
	}
	return Column{}, false
}

// Cell returns the cell reference ("D17") of field f on a sheet row, and
// false when the file has no column for f.
func (l *Layout) Cell(f claim.Field, row int) (string, bool) {
	c, ok := l.Column(f)
	if !ok || row < 1 {
		return "", false
	}
	return c.Letter + strconv.Itoa(row), true
}

// Headers returns the header texts in sheet order.
func (l *Layout) Headers() []string {
	h := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		h[i] = c.Header
	}
	return h
}

// ColumnLetter returns the spreadsheet letter of a 0-based column index:
// 0 → "A", 25 → "Z", 26 → "AA".
func ColumnLetter(i int) string {
	var buf [8]byte
	n := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		buf[n] = byte('A' + (i-1)%26)
	}
	return string(buf[n:])
}

// newLayout maps a header row. It returns the layout and, when two columns
// name the same field, an error naming both.
func newLayout(cells []string) (*Layout, error) {
	l := &Layout{}
	seen := make(map[claim.Field]int)
	for i, h := range cells {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		c := Column{Index: i, Letter: ColumnLetter(i), Header: h}
		if f, ok := FieldForHeader(h); ok {
			if j, dup := seen[f]; dup {
				prev := l.Columns[j]
				return nil, fmt.Errorf("columns %s (%q) and %s (%q) both mean %s; rename or delete one of them",
					prev.Letter, prev.Header, c.Letter, h, f)
			}
			c.Field = f
			seen[f] = len(l.Columns)
		}
		l.Columns = append(l.Columns, c)
	}
	l.index()
	return l, nil
}

// firstDxColumn returns the first of the dx1..dx12 columns the layout has.
func (l *Layout) firstDxColumn() (Column, bool) {
	for n := 1; n <= claim.MaxDiagnoses; n++ {
		if c, ok := l.Column(claim.FieldDx(n)); ok {
			return c, true
		}
	}
	return Column{}, false
}

// missing returns the required fields the layout lacks.
func (l *Layout) missing() []claim.Field {
	var m []claim.Field
	for _, f := range Required {
		if _, ok := l.Column(f); ok {
			continue
		}
		if f == claim.FieldDx(1) {
			if _, ok := l.Column(claim.FieldDiagnosisCodes); ok {
				continue
			}
		}
		if l.coveredByComposite(f) {
			continue
		}
		m = append(m, f)
	}
	return m
}

// coveredByComposite reports whether a composite column of the layout
// holds f.
func (l *Layout) coveredByComposite(f claim.Field) bool {
	for cf, c := range composites {
		if _, ok := l.Column(cf); ok && slices.Contains(c.covers, f) {
			return true
		}
	}
	return false
}

// headerConflict says why the layout's columns cannot be read together, or "".
func (l *Layout) headerConflict() string {
	if c, ok := l.Column(wideProcedureField); ok {
		return fmt.Sprintf("column %s (%q) numbers the procedure codes across the row: rcmbot reads one row per service line. Export the charges with one row per line (the claim's columns repeated or left blank below its first line)", c.Letter, c.Header)
	}
	for cf, comp := range composites {
		cc, ok := l.Column(cf)
		if !ok {
			continue
		}
		for _, f := range comp.covers {
			if other, dup := l.Column(f); dup {
				return fmt.Sprintf("columns %s (%q) and %s (%q) both give %s; keep one of them", cc.Letter, cc.Header, other.Letter, other.Header, f)
			}
		}
	}
	if p, ok := l.Column(claim.FieldDxPointers); ok {
		if q, ok2 := l.Column(FieldDxPointer(1)); ok2 {
			return fmt.Sprintf("columns %s (%q) and %s (%q) both hold diagnosis pointers; keep either the one pointer column or the numbered ones", p.Letter, p.Header, q.Letter, q.Header)
		}
	}
	return ""
}
