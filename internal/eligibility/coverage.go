package eligibility

import (
	"cmp"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// PatientRecord is what an answer says about the patient and their
// coverage, in the form the claims bot keeps between uploads: the patient
// (the dependant the payer names, else the subscriber), the plan asked
// about (payer, member ID, group, the patient's relationship to the
// subscriber and the subscriber) and the other payers the answer names
// with their order. The plan is primary unless the answer names another
// payer as primary. ok is false unless the member was found with coverage
// active on the date asked.
func (r *Result) PatientRecord(payerID, payerName string) (rec claim.PatientRecord, ok bool) {
	if !r.MemberFound || !r.CoverageActive || payerID == "" {
		return rec, false
	}
	sub := person(&r.Subscriber)
	plan := claim.Coverage{Responsibility: claim.Primary, PayerID: payerID, PayerName: cmp.Or(r.Payer.Name, payerName),
		MemberID: r.Subscriber.MemberID, GroupNumber: cmp.Or(r.Subscriber.GroupNumber, r.Plan.GroupNumber)}
	rec.Patient = sub
	if p := r.Patient; p != nil && p.LastName != "" {
		rec.Patient = person(p)
		plan.Relationship, plan.Insured = claim.Relationship(p.Relationship), sub
		if !plan.Relationship.Valid() || plan.Relationship.IsSelf() {
			plan.Relationship = claim.RelationshipUnknown
		}
	} else {
		plan.Relationship = claim.RelationshipSelf
	}
	var others []claim.Coverage
	for _, o := range r.OtherPayers {
		order := responsibilityOf(o.Order)
		if order == claim.Primary {
			plan.Responsibility = claim.Secondary
		}
		if o.ID != "" && order != "" {
			others = append(others, claim.Coverage{Responsibility: order, PayerID: o.ID, PayerName: o.Name, MemberID: o.MemberID})
		}
	}
	rec.Coverages = append([]claim.Coverage{plan}, others...)
	return rec, true
}

func person(p *Person) claim.Patient {
	return claim.Patient{LastName: p.LastName, FirstName: p.FirstName, MiddleName: p.MiddleName, DOB: p.DOB, Sex: claim.Sex(p.Sex)}
}

func responsibilityOf(order string) claim.Responsibility {
	switch order {
	case "primary":
		return claim.Primary
	case "secondary":
		return claim.Secondary
	case "tertiary":
		return claim.Tertiary
	}
	return ""
}
