package eligibility

import (
	"fmt"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// finish derives everything in res that both formats share from what the
// format mapping filled in (people, plan, errors, benefits): the status,
// the summary figures, PCP, other payers and messages.
func (res *Result) finish(req *Request) {
	if res.DateOfService == 0 {
		res.DateOfService = req.DateOfService
	}
	for i := range res.Benefits {
		b := &res.Benefits[i]
		if b.Name == "" {
			b.Name = BenefitName(b.Code)
		}
		for _, m := range b.Messages {
			res.addMessage(m)
		}
	}
	for i := range res.Errors {
		e := &res.Errors[i]
		if e.Description == "" {
			e.Description = RejectName(e.Code)
		}
		if e.FollowUp == "" {
			e.FollowUp = followUpCode(e.FollowUpDescription)
		}
		if e.FollowUpDescription == "" {
			e.FollowUpDescription = FollowUpName(e.FollowUp)
		}
	}
	res.planFromBenefits()
	res.classify()
	res.figures(serviceTypeOrder(req.PrimaryServiceType()))
	res.entities()
}

func (res *Result) addMessage(m string) {
	if m != "" && !slices.Contains(res.Messages, m) {
		res.Messages = append(res.Messages, m)
	}
}

// planFromBenefits fills the plan name and insurance type from the
// active-coverage benefit for plan coverage when the format gave none.
func (res *Result) planFromBenefits() {
	for i := range res.Benefits {
		b := &res.Benefits[i]
		if !isActiveCode(b.Code) && !isInactiveCode(b.Code) {
			continue
		}
		if res.Plan.Name == "" {
			res.Plan.Name = b.PlanCoverage
		}
		if res.Plan.InsuranceType == "" {
			res.Plan.InsuranceType = b.InsuranceType
		}
		for _, d := range b.Dates {
			switch d.Qualifier {
			case "346":
				setIfZero(&res.Plan.Begin, d.Start)
			case "347":
				setIfZero(&res.Plan.End, d.Start)
			case "291":
				setIfZero(&res.Plan.Begin, d.Start)
				setIfZero(&res.Plan.End, d.End)
			}
		}
	}
}

func setIfZero(d *claim.Date, v claim.Date) {
	if *d == 0 {
		*d = v
	}
}

// classify sets Status, Reason, MemberFound and CoverageActive.
//
// Coverage stated in benefits wins over rejections: a payer may reject one
// service type (AAA in loop 2110C) and still report the plan. Without
// coverage benefits, the rejections decide: 42/80/79 retry later, identity
// rejections (72, 75, ...) unknown member, anything else an error.
func (res *Result) classify() {
	var active, inactive, cannot bool
	for i := range res.Benefits {
		b := &res.Benefits[i]
		switch {
		case isActiveCode(b.Code):
			active = true
		case isInactiveCode(b.Code):
			inactive = true
		case b.Code == BenefitCannotProcess:
			cannot = true
		}
	}
	switch {
	case active || inactive:
		res.MemberFound = true
		res.CoverageActive = active && res.datesCover(res.DateOfService)
		if res.CoverageActive {
			res.Status, res.Reason = StatusActive, "coverage is active on the date of service"
			return
		}
		res.Status = StatusInactive
		if active {
			res.Reason = "the plan's dates do not include the date of service"
		} else {
			res.Reason = "the payer reports the coverage inactive"
		}
		return
	}
	var later, member, other *AAAError
	for i := range res.Errors {
		e := &res.Errors[i]
		switch {
		case laterRejects[e.Code]:
			later = first(later, e)
		case memberRejects[e.Code]:
			member = first(member, e)
		default:
			other = first(other, e)
		}
	}
	switch {
	case later != nil:
		res.Status, res.Reason = StatusRetryLater, rejectReason(later)
	case member != nil:
		res.Status, res.Reason = StatusUnknownMember, rejectReason(member)
	case other != nil:
		res.Status, res.Reason = StatusError, rejectReason(other)
	case cannot:
		res.Status, res.Reason = StatusError, "the payer cannot process the request (EB01 V)"
	default:
		res.Status, res.Reason = StatusError, "the response has no coverage information and no rejection"
	}
}

func first(have, e *AAAError) *AAAError {
	if have != nil {
		return have
	}
	return e
}

func rejectReason(e *AAAError) string {
	s := "payer rejected the request: AAA " + e.Code
	if e.Description != "" {
		s += " " + e.Description
	}
	if e.FollowUpDescription != "" {
		s += fmt.Sprintf(" (%s)", e.FollowUpDescription)
	}
	return s
}

// datesCover reports whether the plan and eligibility dates the payer gave
// include d. Missing dates do not exclude anything.
func (res *Result) datesCover(d claim.Date) bool {
	if d == 0 {
		return true
	}
	p := &res.Plan
	for _, begin := range []claim.Date{p.Begin, p.EligibilityBegin} {
		if begin != 0 && d < begin {
			return false
		}
	}
	for _, end := range []claim.Date{p.End, p.EligibilityEnd} {
		if end != 0 && d > end {
			return false
		}
	}
	return true
}

// serviceTypeOrder is the order service types are tried for the summary
// figures: the requested one, then plan coverage, then office visits.
func serviceTypeOrder(primary string) []string {
	order := []string{primary}
	for _, st := range []string{ServiceTypePlan, ServiceTypeOfficeVisit} {
		if !slices.Contains(order, st) {
			order = append(order, st)
		}
	}
	return order
}

// figures fills co-pay, co-insurance, deductible and out-of-pocket from the
// benefits of the first service type in order that has any of that kind.
func (res *Result) figures(order []string) {
	res.CoPay = Amount{}
	res.CoInsurance = Percent{}
	res.Deductible = Accumulator{}
	res.OutOfPocket = Accumulator{}
	for _, b := range res.benefitsFor(BenefitCoPay, order) {
		if b.Amount != nil {
			setAmount(&res.CoPay, b, b.Amount)
		}
	}
	for _, b := range res.benefitsFor(BenefitCoInsurance, order) {
		if b.Percent == nil {
			continue
		}
		in, out := b.network()
		if in && res.CoInsurance.InNetwork == nil {
			res.CoInsurance.InNetwork = b.Percent
		}
		if out && res.CoInsurance.OutNetwork == nil {
			res.CoInsurance.OutNetwork = b.Percent
		}
	}
	accumulate(&res.Deductible, res.benefitsFor(BenefitDeductible, order))
	accumulate(&res.OutOfPocket, res.benefitsFor(BenefitOutOfPocket, order))
}

// benefitsFor returns the benefits with EB01 code for the first service
// type in order that has any.
func (res *Result) benefitsFor(code string, order []string) []*Benefit {
	for _, st := range order {
		var out []*Benefit
		for i := range res.Benefits {
			b := &res.Benefits[i]
			if b.Code == code && b.hasServiceType(st) {
				out = append(out, b)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// setAmount stores v in the network slots of a that b applies to and that
// are still empty: the first benefit the payer lists wins.
func setAmount(a *Amount, b *Benefit, v *claim.Money) {
	in, out := b.network()
	if in && a.InNetwork == nil {
		a.InNetwork = v
	}
	if out && a.OutNetwork == nil {
		a.OutNetwork = v
	}
}

func accumulate(acc *Accumulator, bs []*Benefit) {
	for _, b := range bs {
		if b.Amount == nil {
			continue
		}
		fam := isFamilyLevel(b.CoverageLevel)
		var slot *Amount
		switch {
		case isRemainingPeriod(b.Period) && fam:
			slot = &acc.FamilyRemaining
		case isRemainingPeriod(b.Period):
			slot = &acc.IndividualRemaining
		case isTotalPeriod(b.Period) && fam:
			slot = &acc.FamilyTotal
		case isTotalPeriod(b.Period):
			slot = &acc.IndividualTotal
		default:
			continue // year to date, per visit...: kept in Benefits only
		}
		setAmount(slot, b, b.Amount)
	}
}

// entities fills PCP and OtherPayers from the L and R benefits.
func (res *Result) entities() {
	res.PCP = nil
	res.OtherPayers = nil
	for i := range res.Benefits {
		b := &res.Benefits[i]
		switch b.Code {
		case BenefitPCP:
			if res.PCP != nil {
				continue
			}
			for j := range b.Entities {
				if e := &b.Entities[j]; e.Code == "P3" || len(b.Entities) == 1 {
					pcp := *e
					res.PCP = &pcp
					break
				}
			}
		case BenefitOtherPayer:
			res.OtherPayers = append(res.OtherPayers, otherPayer(b))
		}
	}
}

func otherPayer(b *Benefit) OtherPayer {
	op := OtherPayer{InsuranceType: b.InsuranceType, Name: b.PlanCoverage}
	for _, e := range b.Entities {
		switch e.Code {
		case "PR", "PRP", "SEP", "TTP":
			op.Name, op.ID = e.Name, e.ID
			op.Order = map[string]string{"PRP": "primary", "SEP": "secondary", "TTP": "tertiary"}[e.Code]
		case "IL":
			op.MemberID = e.ID
		}
	}
	for _, d := range b.Dates {
		switch d.Qualifier {
		case "346", "290":
			op.Begin = d.Start
		case "347":
			op.End = d.Start
		case "291", "292":
			op.Begin, op.End = d.Start, d.End
		}
	}
	return op
}
