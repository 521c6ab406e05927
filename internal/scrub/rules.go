package scrub

import (
	"github.com/rcmbot/rcmbot/internal/claim"
)

// Rule describes one built-in edit. RULES.md documents them all.
type Rule struct {
	ID       string
	Category Category
	Severity Severity
	CARC     string
	Weight   int    // default points per finding
	Title    string // one line: what the rule checks
}

// The built-in rules; the index constants below point into this table.
var catalogue = [...]Rule{
	rReqBillingNPI:     {"REQ-001", CatRequired, SevError, "16", 40, "billing provider NPI present"},
	rReqBillingName:    {"REQ-002", CatRequired, SevError, "16", 30, "billing provider name present"},
	rReqBillingAddress: {"REQ-003", CatRequired, SevError, "16", 30, "billing provider street, city, state and 5- or 9-digit ZIP present"},
	rReqTIN:            {"REQ-004", CatRequired, SevError, "16", 30, "billing provider TIN present, 9 digits"},
	rReqMemberID:       {"REQ-005", CatRequired, SevError, "16", 40, "subscriber member ID present"},
	rReqPayerID:        {"REQ-006", CatRequired, SevError, "16", 40, "payer ID present"},
	rReqPatientName:    {"REQ-007", CatRequired, SevError, "16", 30, "patient last and first name present"},
	rReqDOB:            {"REQ-008", CatRequired, SevError, "16", 30, "patient date of birth present"},
	rReqSex:            {"REQ-009", CatRequired, SevError, "16", 20, "patient sex present and F, M or U"},
	rReqDiagnosis:      {"REQ-010", CatRequired, SevError, "16", 40, "at least one diagnosis"},
	rReqLines:          {"REQ-011", CatRequired, SevError, "16", 40, "at least one service line"},
	rReqProcedure:      {"REQ-012", CatRequired, SevError, "16", 40, "each line has a procedure code"},
	rReqDOS:            {"REQ-013", CatRequired, SevError, "16", 40, "each line has a date of service"},
	rReqUnits:          {"REQ-014", CatRequired, SevError, "16", 30, "each line has units"},
	rReqCharge:         {"REQ-015", CatRequired, SevError, "16", 30, "each line has a charge (Category II codes may be $0.00)"},
	rReqTooManyLines:   {"REQ-016", CatRequired, SevError, "16", 40, "at most 50 service lines (837P limit)"},
	rReqTooManyDx:      {"REQ-017", CatRequired, SevError, "16", 40, "at most 12 diagnoses (837P limit)"},
	rReqPatientAddress: {"REQ-018", CatRequired, SevError, "16", 30, "patient street, city, state and ZIP present (837P 2010BA/2010CA N3/N4)"},
	rReqInsured:        {"REQ-019", CatRequired, SevError, "16", 40, "a dependant's claim names the insured (subscriber) and a valid relationship"},
	rReqOriginalClaim:  {"REQ-020", CatRequired, SevError, "16", 40, "a replacement (7) or void (8) carries the payer's original claim number (REF*F8)"},
	rReqPriorPayer:     {"REQ-021", CatRequired, SevError, "16", 40, "a secondary or tertiary claim names the payers before it with what they paid and when"},
	rReqFacility:       {"REQ-022", CatRequired, SevError, "16", 30, "a claim at a facility place of service (21, 22, 23 …) names the service facility and its address"},
	rReqNDCQuantity:    {"REQ-023", CatRequired, SevError, "16", 30, "an NDC line carries the drug quantity and its unit (CTP04/CTP05), not the HCPCS units"},
	rMBI:               {"MBI-001", CatRequired, SevError, "16", 40, "a Medicare member ID is a Medicare Beneficiary Identifier (MBI format)"},
	rNDCRequired:       {"NDC-001", CatRequired, SevError, "16", 40, "a drug line billed to a payer that requires NDCs (Medicaid) carries one"},

	rNPIBilling:   {"NPI-001", CatNPI, SevError, "16", 40, "billing NPI is 10 digits with a valid check digit"},
	rNPIRendering: {"NPI-002", CatNPI, SevError, "16", 40, "rendering NPI is 10 digits with a valid check digit"},
	rNPIReferring: {"NPI-003", CatNPI, SevError, "16", 30, "referring NPI is 10 digits with a valid check digit"},

	rTaxFormat:  {"TAX-001", CatTaxonomy, SevError, "16", 20, "taxonomy code has the NUCC format (10 characters ending in X)"},
	rTaxUnknown: {"TAX-002", CatTaxonomy, SevError, "16", 20, "taxonomy code is in the NUCC code set (when the NUCC list is loaded)"},

	rICDFormat:        {"ICD-001", CatICD10, SevError, "146", 40, "diagnosis has the ICD-10-CM shape"},
	rICDUnknown:       {"ICD-002", CatICD10, SevError, "146", 40, "diagnosis exists in the ICD-10-CM set in force on the date of service"},
	rICDHeader:        {"ICD-003", CatICD10, SevError, "146", 40, "diagnosis is billable, not a category header"},
	rICDSeventh:       {"ICD-004", CatICD10, SevError, "146", 40, "codes that need a 7th character have one, with X placeholders"},
	rICDSequela:       {"ICD-005", CatICD10, SevError, "16", 30, "a sequela code (7th character S) is not the principal diagnosis"},
	rICDManifestation: {"ICD-006", CatICD10, SevError, "16", 30, "a manifestation code is not the principal diagnosis (MCE)"},
	rICDDuplicate:     {"ICD-007", CatICD10, SevWarning, "", 10, "no diagnosis appears twice"},
	rICDExternalFirst: {"ICD-008", CatICD10, SevError, "16", 40, "an external-cause code (V00–Y99) is not the first diagnosis"},
	rICDExcludes1:     {"ICD-009", CatICD10, SevError, "16", 30, "no two diagnoses form an Excludes1 pair (Excludes1 rule pack)"},
	rICDExcludes1Ok:   {"ICD-010", CatICD10, SevWarning, "16", 10, "no Excludes1 pair whose conditions may be coded together only when unrelated (guideline I.A.12.a)"},

	rProcFormat:     {"PRC-001", CatProcedure, SevError, "181", 40, "procedure code has a CPT (Cat I/II/III, PLA) or HCPCS Level II shape"},
	rProcUnknown:    {"PRC-002", CatProcedure, SevError, "181", 40, "HCPCS Level II code is in the HCPCS list (when loaded)"},
	rProcNotOnDOS:   {"PRC-003", CatProcedure, SevError, "181", 40, "HCPCS Level II code is valid on the date of service (added / terminated)"},
	rProcNOC:        {"PRC-004", CatProcedure, SevWarning, "189", 10, "not-otherwise-classified code: payers want a description and may ask for a specific code"},
	rProcStale:      {"PRC-005", CatProcedure, SevWarning, "181", 15, "HCPCS Level II code missing from a HCPCS list older than the date of service (it may be a newer code)"},
	rProcCombined:   {"PRC-006", CatProcedure, SevError, "97", 40, "two codes billed together that have a combined code (procedure rule pack: e.g. 20610 + 76942 is 20611)"},
	rAOCType1:       {"AOC-001", CatProcedure, SevError, "107", 40, "add-on code (CMS type 1) billed with one of its listed primary codes, same patient, provider and day"},
	rAOCType3:       {"AOC-002", CatProcedure, SevWarning, "107", 20, "add-on code (CMS type 3) billed with a listed primary code (contractors may allow others)"},
	rAOCType2:       {"AOC-003", CatProcedure, SevWarning, "107", 20, "add-on code (CMS type 2, no listed primaries) billed with some primary procedure"},
	rModFormat:      {"MOD-001", CatModifier, SevError, "4", 30, "modifier is two letters or digits"},
	rModUnknown:     {"MOD-002", CatModifier, SevError, "4", 30, "modifier is a known CPT/HCPCS modifier (when the modifier list is loaded)"},
	rModTooMany:     {"MOD-003", CatModifier, SevError, "4", 30, "at most 4 modifiers per line"},
	rModDuplicate:   {"MOD-004", CatModifier, SevError, "4", 20, "no modifier repeated on a line"},
	rModNotBuiltIn:  {"MOD-005", CatModifier, SevWarning, "4", 15, "modifier is in rcmbot's built-in list of CPT/HCPCS modifiers (no full modifier list loaded)"},
	rPOS:            {"POS-001", CatPOS, SevError, "5", 40, "place of service is a CMS POS code (on the claim and on each line that gives its own)"},
	rPOSFamily:      {"POS-002", CatPOS, SevError, "58", 40, "procedure is billed at a place of service its code family allows (procedure rule pack: office E/M not at inpatient POS ...)"},
	rPtrMissing:     {"PTR-001", CatDxPointer, SevError, "16", 30, "each line points to at least one diagnosis"},
	rPtrTooMany:     {"PTR-002", CatDxPointer, SevError, "16", 20, "at most 4 diagnosis pointers per line"},
	rPtrDangling:    {"PTR-003", CatDxPointer, SevError, "16", 30, "each pointer names a diagnosis on the claim (1–12 / A–L)"},
	rPtrDuplicate:   {"PTR-004", CatDxPointer, SevWarning, "", 10, "no pointer repeated on a line"},
	rDateFuture:     {"DT-001", CatDates, SevError, "16", 40, "date of service not in the future"},
	rDateBeforeDOB:  {"DT-002", CatDates, SevError, "16", 40, "date of service not before the date of birth"},
	rDateToBefore:   {"DT-003", CatDates, SevError, "16", 30, "service 'to' date not before the 'from' date"},
	rDateAge:        {"DT-004", CatDates, SevError, "16", 30, "patient age on the date of service is plausible (under 150)"},
	rTimely:         {"TF-001", CatTimelyFiling, SevError, "29", 80, "claim filed within the payer's limit (days from date of service; Medicare 365)"},
	rDupBatch:       {"DUP-001", CatDuplicate, SevError, "18", 60, "line is not an exact duplicate of another line in the batch"},
	rDupHistory:     {"DUP-002", CatDuplicate, SevError, "18", 60, "line is not an exact duplicate of a stored claim's line"},
	rDupSuspect:     {"DUP-003", CatDuplicate, SevWarning, "18", 20, "no other line for the same patient, date and code with a different charge or modifier"},
	rChgNegative:    {"CHG-001", CatCharges, SevError, "16", 40, "line charge is positive"},
	rChgUnits:       {"CHG-002", CatCharges, SevError, "16", 40, "units are positive"},
	rChgTotal:       {"CHG-003", CatCharges, SevError, "16", 30, "claim total equals the sum of the line charges"},
	rPTPNoBypass:    {"NCCI-PTP-001", CatNCCIPTP, SevError, "97", 50, "NCCI column-2 code billed with its column-1 code (modifier indicator 0: no bypass)"},
	rPTPNeedsMod:    {"NCCI-PTP-002", CatNCCIPTP, SevError, "97", 40, "NCCI column-2 code billed with its column-1 code without an NCCI-associated modifier (indicator 1)"},
	rPTPAfterCol2:   {"NCCI-PTP-003", CatNCCIPTP, SevWarning, "97", 20, "column-1 code billed after its column-2 code was billed on a stored claim"},
	rPTPEMNeeds25:   {"NCCI-PTP-004", CatNCCIPTP, SevError, "97", 40, "an E/M billed with a procedure it has an NCCI edit with carries 25 (or 57) on the E/M"},
	rPTPEM59:        {"NCCI-PTP-005", CatNCCIPTP, SevError, "4", 40, "59 or XE/XS/XP/XU is not on an E/M billed with a procedure (use 25 or 57)"},
	rPTPAuditSite:   {"NCCI-PTP-006", CatNCCIPTP, SevWarning, "97", 20, "an edit the payer's claim system bypasses is also bypassed under correct coding (the modifier on the column-2 code; anatomic modifiers that differ)"},
	rPTPPrefer59X:   {"NCCI-PTP-007", CatNCCIPTP, SevWarning, "", 5, "59 bypasses an NCCI edit where XE, XS, XP or XU would be more specific"},
	rMUELine:        {"MUE-001", CatMUE, SevError, "151", 40, "units on the line within the MUE (MAI 1, per line)"},
	rMUEDayPolicy:   {"MUE-002", CatMUE, SevError, "151", 40, "units per patient per day within the MUE (MAI 2, absolute)"},
	rMUEDayClinical: {"MUE-003", CatMUE, SevError, "151", 30, "units per patient per day within the MUE (MAI 3, clinical)"},
	rMUEZero:        {"MUE-004", CatMUE, SevError, "151", 40, "code with an MUE of 0 (not payable by Medicare) not billed to a payer that applies every MUE"},
	rProcAge:        {"PRA-001", CatAgeSex, SevError, "6", 40, "procedure fits the patient's age on the date of service (procedure rule pack: preventive visit age bands ...)"},
	rProcSex:        {"PRS-001", CatAgeSex, SevError, "7", 40, "procedure fits the patient's sex (procedure rule pack; modifier KX marks a gender-specific service that fits)"},
	rMCEAge:         {"MCE-001", CatAgeSex, SevError, "9", 40, "diagnosis fits the patient's age (MCE newborn, pediatric, maternity, adult)"},
	rMCESex:         {"MCE-002", CatAgeSex, SevError, "10", 40, "diagnosis fits the patient's sex (MCE)"},
	rEligInactive:   {"ELIG-001", CatEligibility, SevError, "27", 70, "coverage active on the date of service"},
	rEligUnknown:    {"ELIG-002", CatEligibility, SevError, "31", 70, "payer knows the member"},
}

const (
	rReqBillingNPI = iota
	rReqBillingName
	rReqBillingAddress
	rReqTIN
	rReqMemberID
	rReqPayerID
	rReqPatientName
	rReqDOB
	rReqSex
	rReqDiagnosis
	rReqLines
	rReqProcedure
	rReqDOS
	rReqUnits
	rReqCharge
	rReqTooManyLines
	rReqTooManyDx
	rReqPatientAddress
	rReqInsured
	rReqOriginalClaim
	rReqPriorPayer
	rReqFacility
	rReqNDCQuantity
	rMBI
	rNDCRequired
	rNPIBilling
	rNPIRendering
	rNPIReferring
	rTaxFormat
	rTaxUnknown
	rICDFormat
	rICDUnknown
	rICDHeader
	rICDSeventh
	rICDSequela
	rICDManifestation
	rICDDuplicate
	rICDExternalFirst
	rICDExcludes1
	rICDExcludes1Ok
	rProcFormat
	rProcUnknown
	rProcNotOnDOS
	rProcNOC
	rProcStale
	rProcCombined
	rAOCType1
	rAOCType3
	rAOCType2
	rModFormat
	rModUnknown
	rModTooMany
	rModDuplicate
	rModNotBuiltIn
	rPOS
	rPOSFamily
	rPtrMissing
	rPtrTooMany
	rPtrDangling
	rPtrDuplicate
	rDateFuture
	rDateBeforeDOB
	rDateToBefore
	rDateAge
	rTimely
	rDupBatch
	rDupHistory
	rDupSuspect
	rChgNegative
	rChgUnits
	rChgTotal
	rPTPNoBypass
	rPTPNeedsMod
	rPTPAfterCol2
	rPTPEMNeeds25
	rPTPEM59
	rPTPAuditSite
	rPTPPrefer59X
	rMUELine
	rMUEDayPolicy
	rMUEDayClinical
	rMUEZero
	rProcAge
	rProcSex
	rMCEAge
	rMCESex
	rEligInactive
	rEligUnknown
	numRules
)

// Catalogue returns the built-in rules in ID order of their families, for
// documentation and the CLI.
func Catalogue() []Rule { return append([]Rule(nil), catalogue[:]...) }

// finding builds a finding of built-in rule id (ClaimID and Row are filled in later).
func (s *Scrubber) finding(id int, line int, field claim.Field, msg, fix string) Finding {
	c := &catalogue[id]
	return Finding{Line: line, Category: c.Category, RuleID: c.ID, Severity: c.Severity, Field: field,
		Message: msg, Fix: fix, CARC: c.CARC, Points: s.weights[id]}
}

// add records a finding of built-in rule id on the claim being checked.
func (r *run) add(id int, line int, field claim.Field, msg, fix string) {
	r.out = append(r.out, r.s.finding(id, line, field, msg, fix))
}
