package eligibility

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// FromX12 maps a 271 interchange to a Result. The member is the subscriber
// or dependent whose trace (TRN02) is req.ControlNumber; without one, the
// first subscriber (and, when it has dependents, the one whose first name
// matches the request). An error means raw is not a readable 271; values
// the x12 reader could not read are left out, what can be read still is.
func FromX12(raw []byte, req *Request) (*Result, error) {
	doc, err := x12.Parse271(raw)
	if err != nil {
		return nil, fmt.Errorf("eligibility response is not a readable 271: %w", err)
	}
	res := &Result{Format: "x12", Raw: raw}
	var sub, dep *x12.Member271
	for ri := range doc.Responses {
		if res.ControlNumber == "" {
			res.ControlNumber = doc.Responses[ri].Reference // BHT03 echoes the inquiry's reference
		}
		for si := range doc.Responses[ri].Sources {
			src := &doc.Responses[ri].Sources[si]
			if res.Payer == (Party{}) {
				res.Payer = Party{ID: src.Entity.ID, Name: src.Entity.Name}
			}
			res.Errors = append(res.Errors, rejections(src.Rejections, "2100A")...)
			for ci := range src.Receivers {
				rec := &src.Receivers[ci]
				if res.Provider == (Party{}) {
					res.Provider = Party{ID: rec.Entity.ID, Name: rec.Entity.Name}
				}
				res.Errors = append(res.Errors, rejections(rec.Rejections, "2100B")...)
				for mi := range rec.Subscribers {
					s := &rec.Subscribers[mi]
					if sub == nil || traced(s, req.ControlNumber) {
						sub, dep = s, nil
					}
					for di := range s.Dependents {
						if traced(&s.Dependents[di], req.ControlNumber) {
							sub, dep = s, &s.Dependents[di]
						}
					}
				}
			}
		}
	}
	if sub == nil {
		res.finish(req)
		return res, nil
	}
	if dep == nil && len(sub.Dependents) > 0 && !sameName(sub.Entity.First, req.FirstName) {
		dep = &sub.Dependents[0]
		for i := range sub.Dependents {
			if sameName(sub.Dependents[i].Entity.First, req.FirstName) {
				dep = &sub.Dependents[i]
			}
		}
	}
	res.Subscriber = personFromX12(sub)
	res.Plan.GroupNumber = res.Subscriber.GroupNumber
	res.Plan.Number = refID(sub.Entity.Refs, "18")
	if n := traceNumber(sub); n != "" {
		res.ControlNumber = n
	}
	res.Errors = append(res.Errors, rejections(sub.Rejections, "2100C")...)
	planDates(&res.Plan, sub.Dates)
	about, loop := sub, "2110C"
	if dep != nil {
		p := personFromX12(dep)
		res.Patient = &p
		if n := traceNumber(dep); n != "" {
			res.ControlNumber = n
		}
		res.Errors = append(res.Errors, rejections(dep.Rejections, "2100D")...)
		planDates(&res.Plan, dep.Dates)
		about, loop = dep, "2110D"
		// A dependent's answer may still carry benefits at the subscriber level.
		if err := res.addBenefits(sub.Benefits, "2110C"); err != nil {
			return nil, err
		}
	}
	if err := res.addBenefits(about.Benefits, loop); err != nil {
		return nil, err
	}
	res.finish(req)
	return res, nil
}

func traced(m *x12.Member271, number string) bool {
	if number == "" {
		return false
	}
	for _, t := range m.Traces {
		if t.Number == number {
			return true
		}
	}
	return false
}

// traceNumber returns the member's echoed inquiry trace (TRN*2).
func traceNumber(m *x12.Member271) string {
	for _, t := range m.Traces {
		if t.Type == "2" {
			return t.Number
		}
	}
	return ""
}

func rejections(rs []x12.Rejection, loop string) []AAAError {
	var out []AAAError
	for _, r := range rs {
		out = append(out, AAAError{Loop: loop, Code: r.Reason, FollowUp: r.FollowUp})
	}
	return out
}

func refID(refs []x12.Ref, qualifier string) string {
	for _, r := range refs {
		if r.Qualifier == qualifier {
			return r.ID
		}
	}
	return ""
}

func personFromX12(m *x12.Member271) Person {
	return Person{MemberID: m.MemberID(), FirstName: m.Entity.First, MiddleName: m.Entity.Middle, LastName: m.Entity.Name,
		DOB: m.DOB, Sex: m.Sex, GroupNumber: refID(m.Entity.Refs, "6P"), Relationship: m.Relationship()}
}

// planDates reads the 2100C/D dates: 346/347 plan begin/end, 291 plan
// (a range), 356/357 eligibility begin/end, 307 eligibility (a range).
func planDates(p *Plan, ds []x12.DateRef) {
	for _, d := range ds {
		switch d.Qualifier {
		case "346":
			setIfZero(&p.Begin, d.From)
		case "347":
			setIfZero(&p.End, d.From)
		case "291":
			setIfZero(&p.Begin, d.From)
			if d.Format == "RD8" {
				setIfZero(&p.End, d.To)
			}
		case "356":
			setIfZero(&p.EligibilityBegin, d.From)
		case "357":
			setIfZero(&p.EligibilityEnd, d.From)
		case "307":
			setIfZero(&p.EligibilityBegin, d.From)
			if d.Format == "RD8" {
				setIfZero(&p.EligibilityEnd, d.To)
			}
		}
	}
}

func (res *Result) addBenefits(bs []x12.Benefit, loop string) error {
	for i := range bs {
		b, err := benefitFromX12(&bs[i])
		if err != nil {
			return fmt.Errorf("eligibility response: benefit %d (EB*%s) in loop %s: %w", i+1, bs[i].Info, loop, err)
		}
		res.Benefits = append(res.Benefits, b)
		res.Errors = append(res.Errors, rejections(bs[i].Rejections, loop)...)
	}
	return nil
}

func benefitFromX12(x *x12.Benefit) (Benefit, error) {
	b := Benefit{Code: x.Info, CoverageLevel: x.CoverageLevel, ServiceTypes: x.ServiceTypes, InsuranceType: x.InsuranceType,
		PlanCoverage: x.Plan, Period: x.Period, Amount: x.Amount, QuantityQualifier: x.QuantityQualifier,
		AuthRequired: x.AuthRequired, InNetwork: x.InNetwork, Messages: x.Messages}
	if x.Percent != "" {
		p, err := x.PercentValue()
		if err != nil {
			return b, fmt.Errorf("EB08 percent: %w", err)
		}
		b.Percent = &p
	}
	var err error
	if b.Quantity, err = parseDecimal(x.Quantity); err != nil {
		return b, fmt.Errorf("EB10 quantity: %w", err)
	}
	if p := x.Procedure; p != nil {
		b.Procedure = strings.Join(append([]string{p.Qualifier, p.Code}, p.Modifiers...), ":")
	}
	for _, d := range x.Dates {
		bd := BenefitDate{Qualifier: d.Qualifier, Start: d.From}
		if d.Format == "RD8" {
			bd.End = d.To
		}
		b.Dates = append(b.Dates, bd)
	}
	for _, e := range x.Entities {
		ent := Entity{Code: e.EntityID, Qualifier: e.EntityType, Name: e.Name, FirstName: e.First, IDType: e.IDQualifier, ID: e.ID}
		for _, c := range e.Contacts {
			for _, n := range c.Numbers {
				if n.Qualifier == "TE" && ent.Phone == "" {
					ent.Phone = n.Number
				}
			}
		}
		b.Entities = append(b.Entities, ent)
	}
	return b, nil
}

// X12ResponseOf renders res as one 271 transaction set, the inverse of
// FromX12 (the simulator answers with it): rejections go back to the loop
// they came from, a Patient becomes a dependent loop carrying the trace
// and the benefits.
func X12ResponseOf(res *Result) x12.Eligibility271 {
	byLoop := map[string][]x12.Rejection{}
	for _, e := range res.Errors {
		loop := e.Loop
		switch loop {
		case "2000A", "":
			loop = "2100A"
		case "2000B":
			loop = "2100B"
		}
		byLoop[loop] = append(byLoop[loop], x12.Rejection{Valid: validFlag(e.Code), Reason: e.Code, FollowUp: e.FollowUp})
	}
	src := x12.Source271{Entity: x12.Entity271{EntityID: "PR", EntityType: "2", Name: res.Payer.Name, IDQualifier: "PI", ID: res.Payer.ID},
		Rejections: byLoop["2100A"]}
	rec := x12.Receiver271{Entity: x12.Entity271{EntityID: "1P", EntityType: "2", Name: res.Provider.Name, IDQualifier: "XX", ID: res.Provider.ID},
		Rejections: byLoop["2100B"]}
	trace := []x12.Trace{{Type: "2", Number: res.ControlNumber, Originator: "9RCMBOT000"}}
	if res.Subscriber != (Person{}) {
		sub := memberToX12(&res.Subscriber, "IL")
		sub.Rejections = byLoop["2100C"]
		if p := &res.Plan; p.Number != "" {
			sub.Entity.Refs = append(sub.Entity.Refs, x12.Ref{Qualifier: "18", ID: p.Number})
		}
		dates := planDatesToX12(&res.Plan)
		benefits := benefitsToX12(res.Benefits)
		if res.Patient != nil {
			dep := memberToX12(res.Patient, "03")
			dep.Traces, dep.Rejections, dep.Dates, dep.Benefits = trace, byLoop["2100D"], dates, benefits
			sub.Dependents = []x12.Member271{dep}
		} else {
			sub.Traces, sub.Dates, sub.Benefits = trace, dates, benefits
		}
		rec.Subscribers = []x12.Member271{sub}
	}
	if len(rec.Subscribers) > 0 || len(rec.Rejections) > 0 || len(src.Rejections) == 0 {
		src.Receivers = []x12.Receiver271{rec}
	}
	return x12.Eligibility271{Purpose: "11", Reference: res.ControlNumber, Sources: []x12.Source271{src}}
}

// validFlag is AAA01: N when the request was invalid, Y when it was valid
// but could not be answered (42, 79, 80).
func validFlag(code string) string {
	if laterRejects[code] {
		return "Y"
	}
	return "N"
}

func memberToX12(p *Person, entityID string) x12.Member271 {
	m := x12.Member271{DOB: p.DOB, Sex: p.Sex,
		Entity: x12.Entity271{EntityID: entityID, EntityType: "1", Name: p.LastName, First: p.FirstName, Middle: p.MiddleName}}
	if p.MemberID != "" {
		m.Entity.IDQualifier, m.Entity.ID = "MI", p.MemberID
	}
	if p.GroupNumber != "" {
		m.Entity.Refs = append(m.Entity.Refs, x12.Ref{Qualifier: "6P", ID: p.GroupNumber})
	}
	if p.Relationship != "" {
		m.Entity.Extra = append(m.Entity.Extra, x12.RawSegment{ID: "INS", Elements: []string{"N", p.Relationship}})
	}
	return m
}

func d8Ref(qualifier string, d claim.Date) x12.DateRef {
	return x12.DateRef{Qualifier: qualifier, Format: "D8", Value: d.Compact(), From: d, To: d}
}

func planDatesToX12(p *Plan) []x12.DateRef {
	var out []x12.DateRef
	for _, d := range []struct {
		q string
		v claim.Date
	}{{"346", p.Begin}, {"347", p.End}, {"356", p.EligibilityBegin}, {"357", p.EligibilityEnd}} {
		if d.v != 0 {
			out = append(out, d8Ref(d.q, d.v))
		}
	}
	return out
}

func benefitsToX12(bs []Benefit) []x12.Benefit {
	var out []x12.Benefit
	for i := range bs {
		b := &bs[i]
		x := x12.Benefit{Info: b.Code, CoverageLevel: b.CoverageLevel, ServiceTypes: b.ServiceTypes, InsuranceType: b.InsuranceType,
			Plan: b.PlanCoverage, Period: b.Period, Amount: b.Amount, QuantityQualifier: b.QuantityQualifier,
			AuthRequired: b.AuthRequired, InNetwork: b.InNetwork, Messages: b.Messages}
		if b.Percent != nil {
			x.Percent = strconv.FormatFloat(*b.Percent, 'f', -1, 64)
		}
		if b.Quantity != nil {
			x.Quantity = strconv.FormatFloat(*b.Quantity, 'f', -1, 64)
		}
		if b.Procedure != "" {
			parts := strings.Split(b.Procedure, ":")
			p := &x12.Procedure271{Qualifier: parts[0]}
			if len(parts) > 1 {
				p.Code, p.Modifiers = parts[1], parts[2:]
			}
			x.Procedure = p
		}
		for _, d := range b.Dates {
			if d.End != 0 {
				x.Dates = append(x.Dates, x12.DateRef{Qualifier: d.Qualifier, Format: "RD8",
					Value: d.Start.Compact() + "-" + d.End.Compact(), From: d.Start, To: d.End})
			} else {
				x.Dates = append(x.Dates, d8Ref(d.Qualifier, d.Start))
			}
		}
		for _, e := range b.Entities {
			ent := x12.Entity271{EntityID: e.Code, EntityType: e.Qualifier, Name: e.Name, First: e.FirstName, IDQualifier: e.IDType, ID: e.ID}
			if e.Phone != "" {
				ent.Contacts = []x12.Contact{{Function: "IC", Numbers: []x12.ContactNumber{{Qualifier: "TE", Number: e.Phone}}}}
			}
			x.Entities = append(x.Entities, ent)
		}
		out = append(out, x)
	}
	return out
}
