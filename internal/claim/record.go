package claim

import "slices"

// PatientRecord is what rcmbot keeps of a patient between uploads: the
// person and the coverages in payment order (without any payer's
// adjudication, which belongs to one claim). The store keys it by the
// patient key (PatientKey: the practice's account number, else the payer
// and member ID), never by name.
type PatientRecord struct {
	Patient   Patient    `json:"patient"`
	Coverages []Coverage `json:"coverages,omitempty"`
}

// RecordOf is the patient record a claim gives: its patient and the
// coverages it names, payers without an ID left out.
func RecordOf(c *Claim) PatientRecord {
	r := PatientRecord{Patient: c.Patient}
	for _, cov := range c.Coverages() {
		if cov.PayerID == "" {
			continue
		}
		cov.Adjudication = nil
		if cov.Relationship.IsSelf() {
			cov.Insured = Patient{}
		}
		r.Coverages = append(r.Coverages, cov)
	}
	return r
}

// Merge updates r with a newer record: every value newer gives replaces
// r's, blanks leave r's. A coverage of the same payer is updated; a newer
// coverage in a place (primary, secondary …) another payer held takes it,
// and the older one is dropped.
func (r *PatientRecord) Merge(newer PatientRecord) {
	mergePerson(&r.Patient, &newer.Patient)
	for _, n := range newer.Coverages {
		i := slices.IndexFunc(r.Coverages, func(c Coverage) bool { return c.PayerID == n.PayerID })
		if i < 0 {
			r.Coverages = append(r.Coverages, Coverage{PayerID: n.PayerID})
			i = len(r.Coverages) - 1
		}
		c := &r.Coverages[i]
		c.Responsibility = n.Responsibility.Or()
		c.PayerName = or(n.PayerName, c.PayerName)
		c.MemberID = or(n.MemberID, c.MemberID)
		c.GroupNumber = or(n.GroupNumber, c.GroupNumber)
		if n.Relationship != "" {
			c.Relationship = n.Relationship
		}
		mergePerson(&c.Insured, &n.Insured)
		r.Coverages = slices.DeleteFunc(r.Coverages, func(o Coverage) bool {
			return o.PayerID != n.PayerID && o.Responsibility.Or() == n.Responsibility.Or()
		})
	}
	slices.SortStableFunc(r.Coverages, func(a, b Coverage) int { return a.Responsibility.Rank() - b.Responsibility.Rank() })
}

// mergePerson copies what newer gives into p. A name is taken whole.
func mergePerson(p, newer *Patient) {
	p.ID = or(newer.ID, p.ID)
	if newer.LastName != "" {
		p.LastName, p.FirstName, p.MiddleName, p.Suffix = newer.LastName, newer.FirstName, newer.MiddleName, newer.Suffix
	}
	if !newer.DOB.IsZero() {
		p.DOB = newer.DOB
	}
	if newer.Sex != "" {
		p.Sex = newer.Sex
	}
	if newer.Address.Line1 != "" {
		p.Address = newer.Address
	}
}

// Fill completes what claim c leaves blank from the record: the patient's
// name, DOB, sex and address; the billed coverage's payer (when the claim
// names none, the record's coverage in the claim's place), member ID,
// group, relationship and insured; the other coverages the claim names;
// and, on a secondary or tertiary claim that names no other payer, the
// payers before it. It returns the fields it filled.
func (r *PatientRecord) Fill(c *Claim) []Field {
	var filled []Field
	set := func(dst *string, v string, f Field) {
		if *dst == "" && v != "" {
			*dst = v
			filled = append(filled, f)
		}
	}
	p, rp := &c.Patient, &r.Patient
	if p.LastName == "" && p.FirstName == "" && rp.LastName != "" {
		p.LastName, p.FirstName, p.MiddleName, p.Suffix = rp.LastName, rp.FirstName, rp.MiddleName, rp.Suffix
		filled = append(filled, FieldPatientLastName, FieldPatientFirstName)
	}
	if p.DOB.IsZero() && !rp.DOB.IsZero() {
		p.DOB = rp.DOB
		filled = append(filled, FieldPatientDOB)
	}
	if p.Sex == "" && rp.Sex != "" {
		p.Sex = rp.Sex
		filled = append(filled, FieldPatientSex)
	}
	if p.Address.Line1 == "" && rp.Address.Line1 != "" {
		p.Address = rp.Address
		filled = append(filled, FieldPatientAddress)
	}
	resp := c.Responsibility.Or()
	var billed *Coverage
	if c.PayerID == "" && c.MemberID == "" {
		billed = r.coverage(func(cov *Coverage) bool { return cov.Responsibility.Or() == resp })
		if billed != nil {
			set(&c.PayerID, billed.PayerID, FieldPayerID)
		}
	} else {
		billed = r.coverage(func(cov *Coverage) bool { return cov.PayerID == c.PayerID })
	}
	if billed != nil {
		set(&c.PayerName, billed.PayerName, FieldPayerName)
		set(&c.MemberID, billed.MemberID, FieldMemberID)
		set(&c.GroupNumber, billed.GroupNumber, FieldGroupNumber)
		if c.Relationship == "" && billed.Relationship != "" {
			c.Relationship = billed.Relationship
			filled = append(filled, FieldRelationship)
		}
		if c.IsDependant() && c.Insured.LastName == "" && billed.Insured.LastName != "" {
			c.Insured = billed.Insured
			filled = append(filled, FieldInsuredLastName)
		}
	}
	for i := range c.OtherCoverage {
		o := &c.OtherCoverage[i]
		known := r.coverage(func(cov *Coverage) bool { return cov.PayerID == o.PayerID })
		if known == nil {
			continue
		}
		set(&o.PayerName, known.PayerName, FieldOtherPayerName)
		set(&o.MemberID, known.MemberID, FieldOtherMemberID)
		set(&o.GroupNumber, known.GroupNumber, FieldOtherGroupNumber)
		if o.Relationship == "" && known.Relationship != "" {
			o.Relationship, o.Insured = known.Relationship, known.Insured
			filled = append(filled, FieldOtherRelationship)
		}
	}
	if resp != Primary && len(c.OtherCoverage) == 0 {
		for _, cov := range r.Coverages {
			if cov.Responsibility.Rank() < resp.Rank() && cov.PayerID != c.PayerID {
				c.OtherCoverage = append(c.OtherCoverage, cov)
				filled = append(filled, FieldOtherPayerID)
			}
		}
	}
	return filled
}

// coverage returns the record's first coverage that match accepts, or nil.
func (r *PatientRecord) coverage(match func(*Coverage) bool) *Coverage {
	for i := range r.Coverages {
		if match(&r.Coverages[i]) {
			return &r.Coverages[i]
		}
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
