package scrub

import (
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// checkDiagnoses checks each diagnosis against the ICD-10-CM set in force on
// the dates of service of the lines that point to it (the claim's first
// date of service when no line does), then the claim's diagnoses together:
// external cause first, Excludes1 pairs.
func (r *run) checkDiagnoses(ci int, c *claim.Claim, dos claim.Date, ctx Context, age int, ageKnown bool) {
	if len(c.Diagnoses) == 0 {
		return
	}
	icd := r.ref.ICD10
	if dos == 0 {
		dos = ctx.Today
	}
	if dos == 0 {
		dos = claim.NewDate(2100, 1, 1) // no date at all: the latest loaded set
	}
	fy := icd.YearFor(dos)
	// Lines in another fiscal year than the first date of service: a claim
	// across 1 October, or dates of service whose year is not loaded.
	claimFY := fy.Of
	split := r.lastDOS != r.firstDOS && refdata.FiscalYearOf(r.lastDOS) != claimFY
	if icd.Complete() && (split || !icd.HasYear(claimFY)) {
		for li := range c.Lines {
			if d := c.Lines[li].From; d != 0 && li < maxLines {
				if lfy := refdata.FiscalYearOf(d); !icd.HasYear(lfy) {
					r.notices.icdYear(ci, lfy, d)
				}
			}
		}
	}
	sex := c.Patient.Sex
	for k, dx := range c.Diagnoses {
		if k >= claim.MaxDiagnoses {
			break
		}
		n := k + 1
		if !icdShape(dx) {
			r.add(rICDFormat, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %q is not an ICD-10-CM code.", n, dx),
				"Enter an ICD-10-CM code (a letter, then digits; e.g. E11.9); ICD-9 codes are not accepted.")
			continue
		}
		if dupOf := indexOf(c.Diagnoses[:k], dx); dupOf >= 0 {
			r.add(rICDDuplicate, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s repeats diagnosis %d.", n, dotted(dx), dupOf+1),
				"Remove the repeated diagnosis and re-point the lines to the first one.")
			continue
		}
		info := r.checkCode(n, dx, fy, dos)
		if split {
			r.checkOtherYears(c, k, dx, fy)
		}
		if n == 1 {
			r.checkPrincipal(dx, info)
		}
		m := info.MCE
		if m.Age != refdata.AgeNone && ageKnown && (age < int(m.AgeMin) || age > int(m.AgeMax)) {
			r.add(rMCEAge, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %s is a %s diagnosis (ages %d–%d) but the patient is %d on %s.", dotted(dx), m.Age, m.AgeMin, m.AgeMax, age, dos),
				"Check the diagnosis code and the patient's date of birth.")
		}
		if m.Sex != 0 && (sex == claim.SexFemale || sex == claim.SexMale) && sex[0] != m.Sex {
			r.add(rMCESex, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %s is for %s patients only; the claim gives sex %s.", dotted(dx), sexWord(m.Sex), string(sex)),
				"Check the diagnosis code and the patient's sex.")
		}
	}
	r.checkExcludes1(c)
}

// checkOtherYears checks diagnosis k again in the fiscal year of each line
// pointing to it that lies in another year than the claim's first date of
// service.
func (r *run) checkOtherYears(c *claim.Claim, k int, dx string, first refdata.FiscalYear) {
	seen := [2]int{first.Year}
	for li := range c.Lines {
		l := &c.Lines[li]
		if l.From == 0 || li >= maxLines || indexInt(l.DxPointers, k+1) < 0 {
			continue
		}
		fy := r.ref.ICD10.YearFor(l.From)
		if fy.Year == seen[0] || fy.Year == seen[1] {
			continue
		}
		seen[1] = fy.Year
		r.checkCode(k+1, dx, fy, l.From)
	}
}

// checkCode checks one diagnosis in one fiscal year's set and returns what
// the set says about it.
func (r *run) checkCode(n int, dx string, fy refdata.FiscalYear, dos claim.Date) refdata.ICDCode {
	icd := r.ref.ICD10
	info := r.icd.Lookup(dx, fy)
	switch {
	case info.InSet && info.Billable:
	case info.InSet:
		r.headerCode(n, dx, fy)
	case info.Known:
		r.add(rICDUnknown, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s is not in the FY%d ICD-10-CM code set in force on %s.", n, dotted(dx), fy.Year, dos),
			"Use the code valid on the date of service (codes change every 1 October).")
		r.noteApprox(fy, dos)
	default:
		if fixd := placeholderFix(icd, dx, fy); fixd != "" {
			r.add(rICDSeventh, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s lacks the X placeholder before its 7th character.", n, dx),
				fmt.Sprintf("Use %s.", dotted(fixd)))
		} else if icd.Complete() {
			r.add(rICDUnknown, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s is not an ICD-10-CM code in the FY%d code set (in force on %s).", n, dx, fy.Year, dos),
				"Check the code for a typo and use a billable ICD-10-CM code valid on the date of service.")
			r.noteApprox(fy, dos)
		}
	}
	return info
}

// checkPrincipal checks what may not be the first-listed diagnosis.
func (r *run) checkPrincipal(dx string, info refdata.ICDCode) {
	if len(dx) == 7 && dx[6] == 'S' && (dx[0] == 'S' || dx[0] == 'T' || dx[0] == 'M') {
		r.add(rICDSequela, 0, claim.FieldDx(1), fmt.Sprintf("Principal diagnosis %s is a sequela code (7th character S).", dotted(dx)),
			"List the condition treated (the sequela's nature) first and the injury's sequela code after it.")
	}
	if info.MCE.Manifestation {
		r.add(rICDManifestation, 0, claim.FieldDx(1), fmt.Sprintf("Principal diagnosis %s is a manifestation code.", dotted(dx)),
			"List the underlying condition first and the manifestation code after it.")
	}
	if c := dx[0]; c >= 'V' && c <= 'Y' {
		r.add(rICDExternalFirst, 0, claim.FieldDx(1), fmt.Sprintf("The first diagnosis %s is an external-cause code (V00–Y99), which is never first-listed (ICD-10-CM guideline I.C.20).", dotted(dx)),
			"List the injury or condition first (e.g. the S or T code) and the external-cause code after it.")
	}
}

// checkExcludes1 reports every pair of the claim's diagnoses that an
// Excludes1 note separates, on the later of the two.
func (r *run) checkExcludes1(c *claim.Claim) {
	dx := c.Diagnoses
	r.ref.Excludes1.Check(dx, func(m refdata.Excludes1Match) {
		p, i, j := m.Pair, m.I, m.J
		if p.Unrelated {
			r.add(rICDExcludes1Ok, 0, claim.FieldDx(j+1), fmt.Sprintf("Diagnoses %d %s and %d %s are an Excludes1 pair (%s: %s): they are coded together only when the conditions are unrelated.", i+1, dotted(dx[i]), j+1, dotted(dx[j]), p.Code+"/"+p.Excluded, p.Note),
				"Keep both only if the documentation shows two unrelated conditions; otherwise keep the more specific code.")
			return
		}
		r.add(rICDExcludes1, 0, claim.FieldDx(j+1), fmt.Sprintf("Diagnoses %d %s and %d %s are an Excludes1 pair (%s: %s): the Tabular List says they are never coded together.", i+1, dotted(dx[i]), j+1, dotted(dx[j]), p.Code+"/"+p.Excluded, p.Note),
			"Keep the code the documentation supports and remove the other.")
	})
}

// headerCode reports a non-billable code: one that needs a 7th character,
// or a category header, with its billable children suggested.
func (r *run) headerCode(n int, dx string, fy refdata.FiscalYear) {
	kids := r.ref.ICD10.BillableChildren(dx, fy, 6)
	if len(dx) < 7 && len(kids) > 0 && len(kids[0]) == 7 && len(dx) >= 6 {
		r.add(rICDSeventh, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s needs a 7th character (e.g. A initial encounter, D subsequent, S sequela).", n, dotted(dx)),
			"Use one of: "+joinDotted(kids)+".")
		return
	}
	fix := "Use a more specific billable code under " + dotted(dx) + "."
	if len(kids) > 0 {
		fix = "Use a billable code, e.g. " + joinDotted(kids) + "."
	}
	r.add(rICDHeader, 0, claim.FieldDx(n), fmt.Sprintf("Diagnosis %d %s is a category header, not billable in FY%d.", n, dotted(dx), fy.Year), fix)
	r.noteApprox(fy, 0)
}

// noteApprox says on the last finding which loaded year stood in when the
// date of service's own fiscal year is not loaded. The finding keeps its
// severity; the batch notice says the year is missing.
func (r *run) noteApprox(fy refdata.FiscalYear, dos claim.Date) {
	if fy.Exact {
		return
	}
	f := &r.out[len(r.out)-1]
	want := "the date of service's fiscal year"
	if dos != 0 {
		want = fmt.Sprintf("FY%d", refdata.FiscalYearOf(dos))
	}
	f.Message += fmt.Sprintf(" (Checked against FY%d, the nearest loaded year: the order file of %s is not loaded.)", fy.Year, want)
}

// placeholderFix finds the billable code a 7th-character code written
// without its X placeholders stands for (T4501A → T450X1A), or "".
func placeholderFix(icd *refdata.ICD10, dx string, fy refdata.FiscalYear) string {
	if len(dx) < 4 || len(dx) > 6 {
		return ""
	}
	last := dx[len(dx)-1]
	if last < 'A' || last > 'Z' || last == 'X' {
		return ""
	}
	pad := "XXX"[:7-len(dx)]
	for p := 3; p < len(dx); p++ {
		cand := dx[:p] + pad + dx[p:]
		if info := icd.Lookup(cand, fy); info.InSet && info.Billable {
			return cand
		}
	}
	return ""
}

// icdShape reports whether dx looks like an ICD-10-CM code without the dot.
func icdShape(dx string) bool {
	if len(dx) < 3 || len(dx) > 7 || dx[0] < 'A' || dx[0] > 'Z' {
		return false
	}
	return alnum(dx[1:])
}

// dotted writes an ICD-10-CM code with its dot, as staff read it: E119 → E11.9.
func dotted(dx string) string {
	if len(dx) <= 3 {
		return dx
	}
	return dx[:3] + "." + dx[3:]
}

func joinDotted(codes []string) string {
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(dotted(c))
	}
	return b.String()
}

func indexInt(list []int, v int) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
