package sim

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
)

// otherPayers are the primary payers an other_payer member reports.
var otherPayers = []eligibility.Party{{ID: "01112", Name: "MEDICARE PART B"}, {ID: "60054", Name: "AETNA"},
	{ID: "87726", Name: "UNITEDHEALTHCARE"}, {ID: "62308", Name: "CIGNA"}}

// answer builds the payer's answer to req for a member with profile prof.
// who is the roster member (nil for an ID that is not on the roster: the
// payer then has the person exactly as asked).
func answer(seed int64, payerName string, req *eligibility.Request, prof Profile, who *Member) *eligibility.Result {
	rng := rand.New(rand.NewPCG(uint64(seed), idHash(seed, req.MemberID)))
	res := &eligibility.Result{ControlNumber: req.ControlNumber,
		Payer:    eligibility.Party{ID: req.Partner(), Name: strings.ToUpper(payerName)},
		Provider: eligibility.Party{ID: req.ProviderNPI, Name: strings.ToUpper(req.ProviderName)}}
	asked := eligibility.Person{MemberID: req.MemberID, FirstName: strings.ToUpper(req.FirstName),
		LastName: strings.ToUpper(req.LastName), DOB: req.DOB}
	res.Subscriber = asked
	if who != nil {
		res.Subscriber = personOf(who)
	}
	reject := func(loop, code, followUp string) *eligibility.Result {
		res.Errors = []eligibility.AAAError{{Loop: loop, Code: code, FollowUp: followUp}}
		return res
	}
	switch prof {
	case ProfileNotFound:
		res.Subscriber = asked
		return reject("2100C", eligibility.RejectMemberNotFound, "C")
	case ProfileInvalidID:
		res.Subscriber = asked
		return reject("2100C", eligibility.RejectInvalidMemberID, "C")
	case ProfileUnavailable:
		res.Subscriber = eligibility.Person{}
		return reject("2000A", eligibility.RejectUnableToRespond, "R")
	}

	dos := req.DateOfService
	if dos == 0 {
		dos = claim.DateOf(time.Now())
	}
	year, _, _ := dos.YMD()
	res.Plan = eligibility.Plan{Begin: claim.NewDate(year, time.January, 1), End: claim.NewDate(year, time.December, 31),
		GroupNumber: "G" + digits(rng, 6), Number: "PLN" + digits(rng, 4)}
	res.Subscriber.GroupNumber = res.Plan.GroupNumber
	planName, insType := "OPEN ACCESS PPO", "PR"
	dedTotal := []claim.Money{50000, 75000, 100000, 150000, 200000}[rng.IntN(5)]
	dedLeft := claim.Money(rng.Int64N(int64(min(dedTotal, 95000)) + 1))
	oop := claim.Money(600000)
	copayIn, copayOut := claim.Money([]int64{2000, 2500, 3000, 4000}[rng.IntN(4)]), claim.Money(6000)
	coinsIn, coinsOut := 0.2, 0.4

	switch prof {
	case ProfileHighDeductible:
		planName = "HSA QUALIFIED HDHP"
		dedTotal = []claim.Money{500000, 600000, 700000}[rng.IntN(3)]
		dedLeft = dedTotal - claim.Money(rng.Int64N(int64(dedTotal/5)))
		oop = dedTotal + 100000
		coinsIn, coinsOut = 0.1, 0.3
	case ProfileInactive:
		// Coverage ended the last day of the month before the date of service.
		y, m, _ := dos.YMD()
		res.Plan.Begin = claim.NewDate(y-1, time.January, 1)
		res.Plan.End = claim.NewDate(y, m, 1).AddDays(-1)
		res.Benefits = []eligibility.Benefit{{Code: eligibility.BenefitInactive, ServiceTypes: []string{eligibility.ServiceTypePlan},
			InsuranceType: insType, PlanCoverage: planName}}
		return res
	case ProfileDependent:
		holder := who.subscriberOr(rng, req)
		res.Subscriber = personOf(holder)
		res.Subscriber.GroupNumber = res.Plan.GroupNumber
		p := asked
		if who != nil {
			p = personOf(who)
		}
		p.MemberID, p.Relationship = "", "19"
		res.Patient = &p
	case ProfileIDChanged:
		res.Subscriber.MemberID = memberID(rng, req.Partner())
	}

	ind, fam := "IND", "FAM"
	pct := func(f float64) *float64 { return &f }
	amt := func(m claim.Money) *claim.Money { return &m }
	plan := []string{eligibility.ServiceTypePlan}
	office := []string{eligibility.ServiceTypeOfficeVisit}
	res.Benefits = []eligibility.Benefit{
		{Code: eligibility.BenefitActive, CoverageLevel: fam, ServiceTypes: plan, InsuranceType: insType, PlanCoverage: planName},
		{Code: eligibility.BenefitDeductible, CoverageLevel: ind, ServiceTypes: plan, Period: "23", Amount: amt(dedTotal), InNetwork: "Y"},
		{Code: eligibility.BenefitDeductible, CoverageLevel: ind, ServiceTypes: plan, Period: "29", Amount: amt(dedLeft), InNetwork: "Y"},
		{Code: eligibility.BenefitDeductible, CoverageLevel: fam, ServiceTypes: plan, Period: "23", Amount: amt(2 * dedTotal), InNetwork: "Y"},
		{Code: eligibility.BenefitDeductible, CoverageLevel: fam, ServiceTypes: plan, Period: "29", Amount: amt(2*dedTotal - (dedTotal - dedLeft)), InNetwork: "Y"},
		{Code: eligibility.BenefitDeductible, CoverageLevel: ind, ServiceTypes: plan, Period: "23", Amount: amt(2 * dedTotal), InNetwork: "N"},
		{Code: eligibility.BenefitOutOfPocket, CoverageLevel: ind, ServiceTypes: plan, Period: "23", Amount: amt(oop), InNetwork: "Y"},
		{Code: eligibility.BenefitOutOfPocket, CoverageLevel: ind, ServiceTypes: plan, Period: "29", Amount: amt(oop - (dedTotal - dedLeft)), InNetwork: "Y"},
		{Code: eligibility.BenefitCoInsurance, CoverageLevel: ind, ServiceTypes: plan, Percent: pct(coinsIn), InNetwork: "Y"},
		{Code: eligibility.BenefitCoInsurance, CoverageLevel: ind, ServiceTypes: plan, Percent: pct(coinsOut), InNetwork: "N"},
		{Code: eligibility.BenefitCoPay, CoverageLevel: ind, ServiceTypes: []string{"86"}, Amount: amt(25000), InNetwork: "W"},
	}
	if prof != ProfileHighDeductible {
		res.Benefits = append(res.Benefits,
			eligibility.Benefit{Code: eligibility.BenefitCoPay, CoverageLevel: ind, ServiceTypes: office, Period: "27", Amount: amt(copayIn), InNetwork: "Y"},
			eligibility.Benefit{Code: eligibility.BenefitCoPay, CoverageLevel: ind, ServiceTypes: office, Period: "27", Amount: amt(copayOut), InNetwork: "N"})
	}
	if rng.IntN(2) == 0 {
		res.Benefits = append(res.Benefits, eligibility.Benefit{Code: eligibility.BenefitPCP, Entities: []eligibility.Entity{{
			Code: "P3", Qualifier: "1", Name: strings.ToUpper(lastNames[rng.IntN(len(lastNames))]),
			FirstName: strings.ToUpper(firstNames[rng.IntN(len(firstNames))]), IDType: "XX", ID: "1558365427"}}})
	}
	switch prof {
	case ProfileOtherPayer:
		var other eligibility.Party
		for other = otherPayers[rng.IntN(len(otherPayers))]; other.ID == req.Partner(); other = otherPayers[rng.IntN(len(otherPayers))] {
		}
		res.Benefits = append(res.Benefits, eligibility.Benefit{Code: eligibility.BenefitOtherPayer, ServiceTypes: plan,
			Messages: []string{"OTHER COVERAGE IS PRIMARY"},
			Entities: []eligibility.Entity{{Code: "PRP", Qualifier: "2", Name: other.Name, IDType: "PI", ID: other.ID}}})
	case ProfileIDChanged:
		res.Benefits[0].Messages = []string{"MEMBER ID HAS CHANGED; USE THE ID ON THIS RESPONSE"}
	}
	return res
}

func personOf(m *Member) eligibility.Person {
	return eligibility.Person{MemberID: m.ID, FirstName: strings.ToUpper(m.FirstName), LastName: strings.ToUpper(m.LastName),
		DOB: m.DOB, Sex: string(m.Sex)}
}

// subscriberOr returns the policy holder of a dependent roster member, or
// for an ID not on the roster (m nil) a holder made up from the hash, with
// the asked member ID and last name.
func (m *Member) subscriberOr(rng *rand.Rand, req *eligibility.Request) *Member {
	if m != nil && m.Subscriber != nil {
		return m.Subscriber
	}
	h := person(rng, req.Partner(), ProfileActive, 1965, 1990)
	h.ID, h.LastName = req.MemberID, req.LastName
	return &h
}
