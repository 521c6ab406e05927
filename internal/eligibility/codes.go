package eligibility

import "strings"

// Service type codes (X12 EB03/EQ01) the summary uses.
const (
	ServiceTypePlan        = "30" // health benefit plan coverage
	ServiceTypeOfficeVisit = "98" // professional (physician) visit - office
)

// EB01 eligibility or benefit information codes.
const (
	BenefitActive        = "1"
	BenefitInactive      = "6"
	BenefitCoInsurance   = "A"
	BenefitCoPay         = "B"
	BenefitDeductible    = "C"
	BenefitOutOfPocket   = "G"
	BenefitNonCovered    = "I"
	BenefitPCP           = "L"
	BenefitOtherPayer    = "R"
	BenefitCannotProcess = "V"
)

// benefitNames gives the meaning of EB01 codes (X12 1390).
var benefitNames = map[string]string{
	"1": "Active Coverage", "2": "Active - Full Risk Capitation", "3": "Active - Services Capitated",
	"4": "Active - Services Capitated to Primary Care Physician", "5": "Active - Pending Investigation",
	"6": "Inactive", "7": "Inactive - Pending Eligibility Update", "8": "Inactive - Pending Investigation",
	"A": "Co-Insurance", "B": "Co-Payment", "C": "Deductible", "CB": "Coverage Basis",
	"D": "Benefit Description", "E": "Exclusions", "F": "Limitations", "G": "Out of Pocket (Stop Loss)",
	"H": "Unlimited", "I": "Non-Covered", "J": "Cost Containment", "K": "Reserve", "L": "Primary Care Provider",
	"M": "Pre-existing Condition", "MC": "Managed Care Coordinator", "N": "Services Restricted to Following Provider",
	"O": "Not Deemed a Medical Necessity", "P": "Benefit Disclaimer", "Q": "Second Surgical Opinion Required",
	"R": "Other or Additional Payor", "S": "Prior Year(s) History", "T": "Card(s) Reported Lost/Stolen",
	"U": "Contact Following Entity for Eligibility or Benefit Information", "V": "Cannot Process",
	"W": "Other Source of Data", "X": "Health Care Facility", "Y": "Spend Down",
}

// BenefitName returns the meaning of an EB01 code, or "" for a code X12
// does not define.
func BenefitName(code string) string { return benefitNames[code] }

// isActiveCode and isInactiveCode report whether an EB01 code states
// active (1-5) or inactive (6-8) coverage.
func isActiveCode(code string) bool   { return code >= "1" && code <= "5" && len(code) == 1 }
func isInactiveCode(code string) bool { return code >= "6" && code <= "8" && len(code) == 1 }

// EB06 time period qualifiers the summary reads.
const (
	PeriodCalendarYear = "23"
	PeriodYearToDate   = "24"
	PeriodContract     = "25"
	PeriodServiceYear  = "22"
	PeriodVisit        = "27"
	PeriodRemaining    = "29"
	PeriodLifetime     = "32"
	PeriodLifetimeLeft = "33"
)

// isTotalPeriod reports whether EB06 states the amount for a whole benefit
// period (as opposed to what remains of it).
func isTotalPeriod(p string) bool {
	switch p {
	case PeriodCalendarYear, PeriodContract, PeriodServiceYear, PeriodLifetime, "":
		return true
	}
	return false
}

func isRemainingPeriod(p string) bool { return p == PeriodRemaining || p == PeriodLifetimeLeft }

// isFamilyLevel reports whether EB02 describes family (rather than
// individual) coverage.
func isFamilyLevel(level string) bool {
	switch level {
	case "FAM", "ECH", "ESP", "E1D", "E2D", "E3D", "E5D", "E6D", "E7D", "E8D", "E9D", "DEP", "CHD", "SPC":
		return true
	}
	return false
}

// AAA03 reject reason codes the classification distinguishes.
const (
	RejectUnableToRespond = "42" // unable to respond at current time
	RejectInvalidMemberID = "72" // invalid/missing subscriber/insured ID
	RejectMemberNotFound  = "75" // subscriber/insured not found
	RejectNoResponse      = "80" // no response received - transaction terminated
)

// rejectNames gives the meaning of AAA03 codes (X12 901).
var rejectNames = map[string]string{
	"04": "Authorized Quantity Exceeded", "15": "Required Application Data Missing",
	"41": "Authorization/Access Restrictions", "42": "Unable to Respond at Current Time",
	"43": "Invalid/Missing Provider Identification", "44": "Invalid/Missing Provider Name",
	"45": "Invalid/Missing Provider Specialty", "46": "Invalid/Missing Provider Phone Number",
	"47": "Invalid/Missing Provider State", "48": "Invalid/Missing Referring Provider Identification Number",
	"49": "Provider is Not Primary Care Physician", "50": "Provider Ineligible for Inquiries",
	"51": "Provider Not on File", "52": "Service Dates Not Within Provider Plan Enrollment",
	"53": "Inquired Benefit Inconsistent with Provider Type", "54": "Inappropriate Product/Service ID Qualifier",
	"55": "Inappropriate Product/Service ID", "56": "Inappropriate Date", "57": "Invalid/Missing Date(s) of Service",
	"58": "Invalid/Missing Date-of-Birth", "60": "Date of Birth Follows Date(s) of Service",
	"61": "Date of Death Precedes Date(s) of Service", "62": "Date of Service Not Within Allowable Inquiry Period",
	"63": "Date of Service in Future", "64": "Invalid/Missing Patient ID", "65": "Invalid/Missing Patient Name",
	"66": "Invalid/Missing Patient Gender Code", "67": "Patient Not Found", "68": "Duplicate Patient ID Number",
	"69": "Inconsistent with Patient's Age", "70": "Inconsistent with Patient's Gender",
	"71": "Patient Birth Date Does Not Match That for the Patient on the Database",
	"72": "Invalid/Missing Subscriber/Insured ID", "73": "Invalid/Missing Subscriber/Insured Name",
	"74": "Invalid/Missing Subscriber/Insured Gender Code", "75": "Subscriber/Insured Not Found",
	"76": "Duplicate Subscriber/Insured ID Number", "77": "Subscriber Found, Patient Not Found",
	"78": "Subscriber/Insured Not in Group/Plan Identified", "79": "Invalid Participant Identification",
	"80": "No Response received - Transaction Terminated", "97": "Invalid or Missing Provider Address",
	"T4": "Payer Name or Identifier Missing",
}

// RejectName returns the meaning of an AAA03 reject reason, or "" for an
// unknown code.
func RejectName(code string) string { return rejectNames[code] }

// memberRejects are the reject reasons that mean the payer could not
// identify the member from what was sent: staff must correct the member's
// data (StatusUnknownMember).
var memberRejects = map[string]bool{
	"58": true, "64": true, "65": true, "67": true, "71": true, "72": true, "73": true,
	"75": true, "76": true, "77": true, "78": true,
}

// laterRejects are the reject reasons that mean "ask again later".
var laterRejects = map[string]bool{RejectUnableToRespond: true, RejectNoResponse: true, "79": true}

// followUpNames gives the meaning of AAA04 follow-up action codes (X12 889).
var followUpNames = map[string]string{
	"C": "Please Correct and Resubmit", "N": "Resubmission Not Allowed",
	"P": "Please Resubmit Original Transaction", "R": "Resubmission Allowed",
	"S": "Do Not Resubmit; Inquiry Initiated to a Third Party",
	"W": "Please Wait 30 Days and Resubmit", "X": "Please Wait 10 Days and Resubmit",
	"Y": "Do Not Resubmit; We Will Hand Deliver",
}

// FollowUpName returns the meaning of an AAA04 code, or "".
func FollowUpName(code string) string { return followUpNames[code] }

// followUpCode maps a follow-up description (as JSON APIs send it) back to
// its AAA04 code, ignoring case; "" when unknown.
func followUpCode(desc string) string {
	for c, d := range followUpNames {
		if strings.EqualFold(d, strings.TrimSpace(desc)) {
			return c
		}
	}
	return ""
}
