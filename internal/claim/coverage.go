package claim

import "slices"

// Frequency is the claim frequency type code (837P CLM05-3).
type Frequency string

// The frequency codes a professional claim takes.
const (
	FrequencyOriginal    Frequency = "1" // an original claim
	FrequencyReplacement Frequency = "7" // replaces a claim the payer adjudicated
	FrequencyVoid        Frequency = "8" // voids (cancels) a claim the payer adjudicated
)

// NeedsOriginal reports whether the frequency refers to an earlier claim,
// whose payer claim control number the claim must carry (REF*F8).
func (f Frequency) NeedsOriginal() bool { return f == FrequencyReplacement || f == FrequencyVoid }

// Relationship is the patient's relationship to the insured (the
// subscriber of a coverage), as an X12 individual relationship code
// (837P SBR02, PAT01, 2320 SBR02).
type Relationship string

// The relationship codes the 837P allows. RelationshipSelf is the only
// one SBR02 carries; the others make the patient a dependant (loop 2000C).
const (
	RelationshipSelf        Relationship = "18"
	RelationshipSpouse      Relationship = "01"
	RelationshipChild       Relationship = "19"
	RelationshipEmployee    Relationship = "20"
	RelationshipUnknown     Relationship = "21"
	RelationshipOrganDonor  Relationship = "39"
	RelationshipCadaver     Relationship = "40"
	RelationshipLifePartner Relationship = "53"
	RelationshipOther       Relationship = "G8"
)

// Relationships lists the relationship codes the 837P allows.
var Relationships = []Relationship{RelationshipSelf, RelationshipSpouse, RelationshipChild, RelationshipEmployee,
	RelationshipUnknown, RelationshipOrganDonor, RelationshipCadaver, RelationshipLifePartner, RelationshipOther}

// Valid reports whether r is one of Relationships.
func (r Relationship) Valid() bool { return slices.Contains(Relationships, r) }

// IsSelf reports whether the patient is the insured: r is "18" or not given.
func (r Relationship) IsSelf() bool { return r == "" || r == RelationshipSelf }

// Responsibility is a payer's place in the order the patient's coverages
// pay (837P SBR01).
type Responsibility string

// Payer responsibility sequence codes.
const (
	Primary   Responsibility = "P"
	Secondary Responsibility = "S"
	Tertiary  Responsibility = "T"
)

// Valid reports whether r is P, S or T.
func (r Responsibility) Valid() bool { return r == Primary || r == Secondary || r == Tertiary }

// Or returns r, or Primary when r is not given.
func (r Responsibility) Or() Responsibility {
	if r == "" {
		return Primary
	}
	return r
}

// Coverage is one of the patient's insurance plans other than the one a
// claim is billed to (837P loops 2320/2330A/2330B): the payer, the
// member, the insured when the patient is a dependant, and, when the
// payer has already adjudicated the claim, what it paid.
type Coverage struct {
	Responsibility Responsibility `json:"responsibility"`
	PayerID        string         `json:"payer_id"`
	PayerName      string         `json:"payer_name"`
	MemberID       string         `json:"member_id"`
	GroupNumber    string         `json:"group_number,omitempty"`
	// Relationship is the patient's relationship to the insured; "" is self.
	Relationship Relationship `json:"relationship,omitempty"`
	// Insured is the subscriber when the patient is not (ID unused).
	Insured Patient `json:"insured,omitzero"`
	// Adjudication is the payer's decision on this claim, for the next
	// payer's claim (2320 AMT*D, CAS); nil when it has not adjudicated.
	Adjudication *Adjudication `json:"adjudication,omitempty"`
}

// Adjudication is what a prior payer decided on a claim: the amount it
// paid, when, and the adjustments (CAS) that explain the rest.
type Adjudication struct {
	Paid        Money        `json:"paid"`
	PaidDate    Date         `json:"paid_date"`
	Adjustments []Adjustment `json:"adjustments,omitempty"`
}

// LineAdjudication is what the prior payer (the first other coverage
// with an adjudication) paid on one service line, and its adjustments.
type LineAdjudication struct {
	Paid        Money        `json:"paid"`
	Adjustments []Adjustment `json:"adjustments,omitempty"`
}

// AdjustmentGroup is a claim adjustment group code (CAS01).
type AdjustmentGroup string

// The claim adjustment group codes.
const (
	GroupContractual     AdjustmentGroup = "CO"
	GroupCorrection      AdjustmentGroup = "CR"
	GroupOther           AdjustmentGroup = "OA"
	GroupPayerInitiated  AdjustmentGroup = "PI"
	GroupPatientResponse AdjustmentGroup = "PR"
)

// Valid reports whether g is one of the adjustment group codes.
func (g AdjustmentGroup) Valid() bool {
	switch g {
	case GroupContractual, GroupCorrection, GroupOther, GroupPayerInitiated, GroupPatientResponse:
		return true
	}
	return false
}

// Adjustment is one claim adjustment: group, reason (a CARC) and amount.
type Adjustment struct {
	Group  AdjustmentGroup `json:"group"`
	Reason string          `json:"reason"`
	Amount Money           `json:"amount"`
}

// Facility is where the services were rendered when it is not the billing
// provider's address (837P loop 2310C).
type Facility struct {
	Name    string  `json:"name"`
	NPI     string  `json:"npi,omitempty"`
	Address Address `json:"address"`
}

// IsZero reports whether no facility is given.
func (f Facility) IsZero() bool { return f == Facility{} }

// NDCUnit is the unit of measure of a drug quantity (837P CTP05-1).
type NDCUnit string

// The NDC units of measure the 837P allows.
const (
	NDCUnitInternational NDCUnit = "F2" // international unit
	NDCUnitGram          NDCUnit = "GR"
	NDCUnitMilligram     NDCUnit = "ME"
	NDCUnitMilliliter    NDCUnit = "ML"
	NDCUnitUnit          NDCUnit = "UN"
)

// Valid reports whether u is one of the NDC units.
func (u NDCUnit) Valid() bool {
	switch u {
	case NDCUnitInternational, NDCUnitGram, NDCUnitMilligram, NDCUnitMilliliter, NDCUnitUnit:
		return true
	}
	return false
}

// IsDependant reports whether the patient is not the subscriber of the
// coverage billed (837P loop 2000C).
func (c *Claim) IsDependant() bool { return !c.Relationship.IsSelf() }

// Subscriber returns the insured of the coverage billed: the patient, or
// the Insured when the patient is a dependant.
func (c *Claim) Subscriber() *Patient {
	if c.IsDependant() {
		return &c.Insured
	}
	return &c.Patient
}

// Coverages returns the patient's coverages in payment order: the one
// billed (as a Coverage, without adjudication) and the others.
func (c *Claim) Coverages() []Coverage {
	out := make([]Coverage, 0, 1+len(c.OtherCoverage))
	out = append(out, Coverage{Responsibility: c.Responsibility.Or(), PayerID: c.PayerID, PayerName: c.PayerName,
		MemberID: c.MemberID, GroupNumber: c.GroupNumber, Relationship: c.Relationship, Insured: c.Insured})
	out = append(out, c.OtherCoverage...)
	slices.SortStableFunc(out, func(a, b Coverage) int { return a.Responsibility.Rank() - b.Responsibility.Rank() })
	return out
}

// Rank is the payer's position in the payment order: 0 primary (or not
// given), 1 secondary, 2 tertiary.
func (r Responsibility) Rank() int {
	switch r.Or() {
	case Primary:
		return 0
	case Secondary:
		return 1
	}
	return 2
}

// Name is the responsibility in words: primary, secondary or tertiary.
func (r Responsibility) Name() string {
	return [...]string{"primary", "secondary", "tertiary"}[r.Rank()]
}

// facilityPOS are the places of service that are a facility other than
// the billing provider's office: 19/22 outpatient hospital, 21 inpatient,
// 23 emergency room, 24 ambulatory surgical centre, 26 military facility,
// 31/32 skilled nursing and nursing facility, 34 hospice, 51/52
// psychiatric, 61 comprehensive inpatient rehabilitation.
var facilityPOS = []string{"19", "21", "22", "23", "24", "26", "31", "32", "34", "51", "52", "61"}

// IsFacilityPOS reports whether a place of service is a facility: a claim
// there names the service facility (837P loop 2310C).
func IsFacilityPOS(pos string) bool { return slices.Contains(facilityPOS, pos) }

// MSPType is the Medicare secondary payer type (837P SBR05): why
// Medicare pays after another plan, required when Medicare is billed as
// secondary or tertiary.
type MSPType string

// The Medicare secondary payer types.
const (
	MSPWorkingAged       MSPType = "12" // working aged beneficiary or spouse with an employer group health plan
	MSPESRD              MSPType = "13" // end-stage renal disease beneficiary in the coordination period
	MSPNoFault           MSPType = "14" // no-fault insurance, including auto
	MSPWorkersComp       MSPType = "15" // workers' compensation
	MSPPublicHealth      MSPType = "16" // public health service or other federal agency
	MSPBlackLung         MSPType = "41" // black lung
	MSPVeterans          MSPType = "42" // veterans administration
	MSPDisabledLargePlan MSPType = "43" // disabled beneficiary under 65 with a large group health plan
	MSPOtherLiability    MSPType = "47" // other liability insurance is primary
)

// Valid reports whether t is one of the Medicare secondary payer types.
func (t MSPType) Valid() bool {
	switch t {
	case MSPWorkingAged, MSPESRD, MSPNoFault, MSPWorkersComp, MSPPublicHealth, MSPBlackLung, MSPVeterans,
		MSPDisabledLargePlan, MSPOtherLiability:
		return true
	}
	return false
}
