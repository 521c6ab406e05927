package eligibility

import (
	"github.com/rcmbot/rcmbot/internal/claim"
)

// Request is one eligibility question: is this member covered by this payer
// on this date of service? The same Request describes what the practice
// has on file when checking a Result for discrepancies.
type Request struct {
	PayerID string `json:"payer_id"` // payer ID as in the payer directory
	// TradingPartnerID is the ID the eligibility API knows the payer by
	// (tradingPartnerServiceId, 270 NM1*PR NM109); empty means PayerID.
	TradingPartnerID string `json:"trading_partner_id,omitempty"`

	ProviderNPI  string `json:"provider_npi"`
	ProviderName string `json:"provider_name"` // organisation name (NM1*1P, provider.organizationName)

	MemberID  string     `json:"member_id"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	DOB       claim.Date `json:"dob"`

	DateOfService claim.Date `json:"date_of_service"`
	// ServiceTypes are X12 service type codes (EQ01); empty means ["30"],
	// health benefit plan coverage.
	ServiceTypes []string `json:"service_types,omitempty"`

	// ControlNumber identifies the request: the JSON controlNumber and the
	// 270's interchange control number and trace (TRN02). Nine digits;
	// package payer fills it when empty.
	ControlNumber string `json:"control_number,omitempty"`
}

// Partner returns the ID the eligibility API knows the payer by.
func (r *Request) Partner() string {
	if r.TradingPartnerID != "" {
		return r.TradingPartnerID
	}
	return r.PayerID
}

// PrimaryServiceType returns the service type the summary figures are
// taken for: the first requested one, or "30".
func (r *Request) PrimaryServiceType() string {
	if len(r.ServiceTypes) > 0 && r.ServiceTypes[0] != "" {
		return r.ServiceTypes[0]
	}
	return ServiceTypePlan
}

// Status is what a check concluded, the one value the bots act on.
type Status string

// The statuses of a check.
const (
	// StatusActive: the member was found and coverage is active on the
	// date of service.
	StatusActive Status = "active"
	// StatusInactive: the member was found but coverage is not active on
	// the date of service (EB01 6, or plan dates exclude the date).
	StatusInactive Status = "inactive"
	// StatusUnknownMember: the payer could not identify the member (AAA 72
	// invalid member ID, 75 not found, and the other identity rejections).
	// Permanent: asking again changes nothing until staff correct the data.
	StatusUnknownMember Status = "unknown_member"
	// StatusRetryLater: the payer could not answer now (AAA 42, 80);
	// the check should be repeated later.
	StatusRetryLater Status = "retry_later"
	// StatusError: any other rejection (provider not eligible for
	// inquiries, bad dates...) or an answer with no coverage information.
	// Permanent: it needs a person.
	StatusError Status = "error"
)

// Permanent reports whether repeating the check cannot change the status
// without someone changing the request.
func (s Status) Permanent() bool { return s == StatusUnknownMember || s == StatusError }

// Result is a payer's answer, the same for both wire formats.
type Result struct {
	Status Status `json:"status"`
	// Reason says in a sentence why Status was chosen (no patient identity).
	Reason string `json:"reason"`
	// MemberFound is true when the payer identified the member (whatever
	// the coverage); CoverageActive when coverage is active on DateOfService.
	MemberFound    bool       `json:"member_found"`
	CoverageActive bool       `json:"coverage_active"`
	DateOfService  claim.Date `json:"date_of_service"`

	ControlNumber string `json:"control_number,omitempty"` // echoed by the payer
	Payer         Party  `json:"payer"`
	Provider      Party  `json:"provider"`
	// Subscriber is the policy holder as the payer has them on file.
	Subscriber Person `json:"subscriber"`
	// Patient is the dependent the answer is about when the patient is not
	// the subscriber (271 loop 2000D); nil otherwise.
	Patient *Person `json:"patient,omitempty"`

	Plan Plan `json:"plan"`

	// Summary figures for the request's primary service type (falling
	// back to plan coverage, 30), split by network.
	CoPay       Amount      `json:"copay"`
	CoInsurance Percent     `json:"coinsurance"`
	Deductible  Accumulator `json:"deductible"`
	OutOfPocket Accumulator `json:"out_of_pocket"`

	PCP         *Entity      `json:"pcp,omitempty"`
	OtherPayers []OtherPayer `json:"other_payers,omitempty"`
	Messages    []string     `json:"messages,omitempty"`
	Errors      []AAAError   `json:"errors,omitempty"`
	// Benefits lists every benefit line (EB segment, or JSON
	// benefitsInformation entry) in the order received, unknown codes
	// included.
	Benefits []Benefit `json:"benefits,omitempty"`

	// Format is the wire format of Raw: "json" or "x12".
	Format string `json:"format"`
	// Raw is the response body exactly as received, kept for audit.
	// It is PHI: store it encrypted.
	Raw []byte `json:"raw,omitempty"`
}

// Party is an organisation or provider by ID and name.
type Party struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Person is a subscriber or dependent as the payer has them on file.
type Person struct {
	MemberID     string     `json:"member_id,omitempty"`
	FirstName    string     `json:"first_name,omitempty"`
	MiddleName   string     `json:"middle_name,omitempty"`
	LastName     string     `json:"last_name,omitempty"`
	DOB          claim.Date `json:"dob,omitempty"`
	Sex          string     `json:"sex,omitempty"`          // F, M, U
	GroupNumber  string     `json:"group_number,omitempty"` // REF*6P / subscriber.groupNumber
	Relationship string     `json:"relationship,omitempty"` // INS02 for a dependent: 01 spouse, 19 child...
}

// Plan is the coverage the member has.
type Plan struct {
	Name             string     `json:"name,omitempty"`   // EB05 of the active-coverage benefit
	Number           string     `json:"number,omitempty"` // REF*18 / planInformation.planNumber
	GroupNumber      string     `json:"group_number,omitempty"`
	GroupName        string     `json:"group_name,omitempty"`
	InsuranceType    string     `json:"insurance_type,omitempty"` // EB04: HM, PR, MB, MC...
	Begin            claim.Date `json:"begin,omitempty"`          // DTP 346 plan begin
	End              claim.Date `json:"end,omitempty"`            // DTP 347 plan end
	EligibilityBegin claim.Date `json:"eligibility_begin,omitempty"`
	EligibilityEnd   claim.Date `json:"eligibility_end,omitempty"`
}

// Amount is a money figure in and out of network; nil means the payer did
// not say.
type Amount struct {
	InNetwork  *claim.Money `json:"in_network,omitempty"`
	OutNetwork *claim.Money `json:"out_network,omitempty"`
}

// Percent is a fraction (0.2 = 20%) in and out of network; nil means the
// payer did not say.
type Percent struct {
	InNetwork  *float64 `json:"in_network,omitempty"`
	OutNetwork *float64 `json:"out_network,omitempty"`
}

// Accumulator is a deductible or out-of-pocket maximum: the amount for the
// period and what remains of it, for the individual and the family.
type Accumulator struct {
	IndividualTotal     Amount `json:"individual_total"`
	IndividualRemaining Amount `json:"individual_remaining"`
	FamilyTotal         Amount `json:"family_total"`
	FamilyRemaining     Amount `json:"family_remaining"`
}

// Entity is a person or organisation a benefit refers to (271 loop 2120,
// JSON benefitsRelatedEntities): a PCP, another payer.
type Entity struct {
	Code      string `json:"code"`                 // NM101: P3 PCP, PR payer, PRP primary payer, IL insured...
	Name      string `json:"name,omitempty"`       // organisation or last name
	FirstName string `json:"first_name,omitempty"` // persons only
	IDType    string `json:"id_type,omitempty"`    // NM108: XX NPI, PI payer ID, MI member ID, SV service provider
	ID        string `json:"id,omitempty"`         // NM109
	Phone     string `json:"phone,omitempty"`
	Qualifier string `json:"qualifier,omitempty"` // NM102: 1 person, 2 non-person
}

// OtherPayer is coverage with another payer the answer reports
// (coordination of benefits, EB01 R).
type OtherPayer struct {
	Name string `json:"name,omitempty"`
	ID   string `json:"id,omitempty"`
	// Order is "primary", "secondary", "tertiary" when the payer says
	// (entity PRP, SEP, TTP), else "".
	Order         string     `json:"order,omitempty"`
	MemberID      string     `json:"member_id,omitempty"`
	InsuranceType string     `json:"insurance_type,omitempty"`
	Begin         claim.Date `json:"begin,omitempty"`
	End           claim.Date `json:"end,omitempty"`
}

// AAAError is a request rejection (X12 AAA, JSON errors[]).
type AAAError struct {
	// Loop is where the payer put it: 2000A/2100A (payer), 2100B
	// (provider), 2100C (subscriber), 2100D (dependent), 2110C/2110D
	// (benefit inquiry). JSON gives it as "location".
	Loop        string `json:"loop,omitempty"`
	Code        string `json:"code"`        // AAA03 reject reason, e.g. 72, 75, 42
	Description string `json:"description"` // AAA03 meaning
	// FollowUp is AAA04: C correct and resubmit, N resubmission not
	// allowed, R resubmission allowed, ...
	FollowUp            string `json:"follow_up,omitempty"`
	FollowUpDescription string `json:"follow_up_description,omitempty"`
}

// Benefit is one eligibility or benefit line (X12 EB and its 2110 loop).
// Codes are kept as sent, known or not.
type Benefit struct {
	Code          string   `json:"code"`                     // EB01
	Name          string   `json:"name,omitempty"`           // EB01 meaning, "" for unknown codes
	CoverageLevel string   `json:"coverage_level,omitempty"` // EB02: IND, FAM, EMP...
	ServiceTypes  []string `json:"service_types,omitempty"`  // EB03, repeated
	InsuranceType string   `json:"insurance_type,omitempty"` // EB04
	PlanCoverage  string   `json:"plan_coverage,omitempty"`  // EB05
	Period        string   `json:"period,omitempty"`         // EB06: 23 calendar year, 29 remaining, 27 visit...
	// Amount is EB07; Percent EB08 as a fraction.
	Amount            *claim.Money `json:"amount,omitempty"`
	Percent           *float64     `json:"percent,omitempty"`
	QuantityQualifier string       `json:"quantity_qualifier,omitempty"` // EB09
	Quantity          *float64     `json:"quantity,omitempty"`           // EB10
	AuthRequired      string       `json:"auth_required,omitempty"`      // EB11: Y, N, U
	InNetwork         string       `json:"in_network,omitempty"`         // EB12: Y, N, W (both), U
	// Procedure is EB13 as qualifier:code[:modifiers], e.g. "HC:99213".
	Procedure string        `json:"procedure,omitempty"`
	Dates     []BenefitDate `json:"dates,omitempty"`
	Messages  []string      `json:"messages,omitempty"`
	Entities  []Entity      `json:"entities,omitempty"`
}

// BenefitDate is a date or range attached to a benefit (2110 DTP).
type BenefitDate struct {
	Qualifier string     `json:"qualifier"` // 346 plan begin, 347 plan end, 291 plan, 292 benefit, 307 eligibility...
	Start     claim.Date `json:"start"`
	End       claim.Date `json:"end,omitempty"` // for ranges (RD8)
}

// network reports whether the benefit applies in network and out of
// network. W ("not applicable") and a missing EB12 apply to both.
func (b *Benefit) network() (in, out bool) {
	switch b.InNetwork {
	case "Y":
		return true, false
	case "N":
		return false, true
	}
	return true, true
}

// hasServiceType reports whether the benefit covers service type st. A
// benefit with no EB03 applies to plan coverage (30).
func (b *Benefit) hasServiceType(st string) bool {
	if len(b.ServiceTypes) == 0 {
		return st == ServiceTypePlan
	}
	for _, s := range b.ServiceTypes {
		if s == st {
			return true
		}
	}
	return false
}
