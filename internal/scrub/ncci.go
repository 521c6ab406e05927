package scrub

import (
	"fmt"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// NCCI modifier logic
//
// An NCCI PTP edit with modifier indicator 1 may be bypassed by an
// NCCI-associated modifier. Two sets of rules decide whether it is:
//
//   - the payer's claim system (payers.yaml edits.ncci_bypass). Medicare's
//     (any_line) bypasses on an NCCI-associated modifier on either code;
//     commercial editors (correct_coding) apply correct coding.
//   - correct coding, which auditors apply whatever the payer's system
//     does: an E/M billed with a procedure it is bundled into carries 25
//     (or 57) on the E/M, never 59 or an X modifier; a distinct-service
//     modifier (59, XE, XS, XP, XU; 58, 78, 79, 91) goes on the column-2
//     code; anatomic modifiers show a different site only when the two
//     lines carry different ones.
//
// What payers deny is an error (NCCI-PTP-002 when the payer's rule does
// not bypass, NCCI-PTP-004 an E/M without 25/57, NCCI-PTP-005 59 on an
// E/M); what the payer's system lets through but correct coding does not
// is a warning (NCCI-PTP-006), and so is 59 where an X modifier would be
// more specific (NCCI-PTP-007). Every message names the rule that decided.

// ncci judges an edit (modifier indicator 0 or 1) between the column-1
// line c1 and the column-2 line c2 (same patient, provider and day) for
// payer p of claim ci, which the finding goes to. stored means c2 is a stored line and c1 the current one:
// the payer may recoup the earlier payment (a warning on c1).
func (r *run) ncci(ci int, p *payerSetup, c1, c2 lineView, indicator uint8, stored bool) {
	if stored {
		if indicator == 0 || !r.payerBypass(p, c1, c2) {
			r.addCross(ci, r.s.finding(rPTPAfterCol2, c1.line(), claim.FieldProcedureCode,
				fmt.Sprintf("Line %d bills %s, NCCI column 1 of %s already billed on stored claim %s for %s.", c1.line(), c1.code(), c2.code(), c2.claimID(), c1.dos()),
				"The payer may recoup the earlier column-2 service; bill both on one corrected claim with a modifier if they were distinct."))
		}
		return
	}
	if indicator == 0 {
		r.addCross(ci, r.s.finding(rPTPNoBypass, c2.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d: %s is NCCI column 2 of %s (%s) on %s; modifier indicator 0, no modifier allows both.", c2.line(), c2.code(), c1.code(), c1.where(c2), c2.dos()),
			fmt.Sprintf("Remove %s: it is included in %s and will be denied.", c2.code(), c1.code())))
		return
	}
	if isEM(c2.code()) {
		r.ncciEM(ci, p, c1, c2)
		return
	}
	if isEM(c1.code()) && !c1.history() {
		if m := firstDistinct(c1.mods()); m != "" {
			r.addCross(ci, r.s.finding(rPTPEM59, c1.line(), claim.FieldModifiers,
				fmt.Sprintf("Line %d: E/M %s carries %s; decided by correct coding: 59 and the X modifiers never belong on an E/M (it takes 25 or 57), and the distinct-service modifier of %s goes on that code.", c1.line(), c1.code(), m, c2.code()),
				fmt.Sprintf("Remove %s from the E/M; if %s was distinct, put 59/XE/XS/XP/XU on it.", m, c2.code())))
		}
	}
	ccOK, ccWhy, only59 := correctBypass(c1, c2)
	anyLine := p.edits.NCCIBypass == payers.BypassAnyLine
	if ccOK && !only59 {
		return // correct coding bypasses, so every payer's system does
	}
	loc := fmt.Sprintf("Line %d: %s is NCCI column 2 of %s (%s) on %s (modifier indicator 1)", c2.line(), c2.code(), c1.code(), c1.where(c2), c2.dos())
	fix := fmt.Sprintf("If %s was a distinct service (other site, session or encounter), put 59 or XE/XS/XP/XU (or anatomic modifiers that differ from line %d's) on %s and keep the documentation; otherwise remove it.", c2.code(), c1.line(), c2.code())
	if ccOK {
		r.addCross(ci, r.s.finding(rPTPPrefer59X, c2.line(), claim.FieldModifiers,
			fmt.Sprintf("%s and is bypassed with 59; decided by correct coding: 59 is the modifier of last resort, and CMS prefers XE (separate encounter), XS (separate structure), XP (separate practitioner) or XU (unusual non-overlapping service) where one fits.", loc),
			fmt.Sprintf("Replace 59 on %s with the X modifier that describes why it was distinct (many payers ask for it).", c2.code())))
		return
	}
	if !anyLine {
		r.addCross(ci, r.s.finding(rPTPNeedsMod, c2.line(), claim.FieldModifiers,
			fmt.Sprintf("%s and %s; decided by correct coding, which payer %s applies: a distinct-service modifier on the column-2 code, or anatomic modifiers that differ between the lines.", loc, ccWhy, r.payerLabel(ci, p)), fix))
		return
	}
	if anyOK, anyMod := anyLineBypass(r.ref.Modifiers, c1, c2); anyOK {
		r.addCross(ci, r.s.finding(rPTPAuditSite, c2.line(), claim.FieldModifiers,
			fmt.Sprintf("%s: payer %s's claim system bypasses the edit on %s, an NCCI-associated modifier, but correct coding does not: %s. Audit exposure.", loc, r.payerLabel(ci, p), anyMod, ccWhy), fix))
		return
	}
	r.addCross(ci, r.s.finding(rPTPNeedsMod, c2.line(), claim.FieldModifiers,
		fmt.Sprintf("%s and neither line carries an NCCI-associated modifier; decided by payer %s's claim-system rule: an NCCI-associated modifier on either line bypasses the edit.", loc, r.payerLabel(ci, p)), fix))
}

// ncciEM judges an edit whose column-2 code is an E/M: the E/M's own
// modifier decides, whatever the other line carries.
func (r *run) ncciEM(ci int, p *payerSetup, c1, em lineView) {
	mods := em.mods()
	m := firstDistinct(mods)
	if m == "" && (indexOf(mods, "25") >= 0 || indexOf(mods, "57") >= 0) {
		return
	}
	loc := fmt.Sprintf("Line %d: E/M %s is billed with %s (%s) on %s, which it has an NCCI edit with (modifier indicator 1)", em.line(), em.code(), c1.code(), c1.where(em), em.dos())
	if m != "" {
		r.addCross(ci, r.s.finding(rPTPEM59, em.line(), claim.FieldModifiers,
			fmt.Sprintf("%s and carries %s; decided by correct coding: 59 and the X modifiers never belong on an E/M, which takes 25 (significant, separately identifiable E/M) or 57 (decision for surgery).", loc, m),
			fmt.Sprintf("Replace %s on the E/M with 25 (or 57 for the decision for surgery) if the documentation supports a separate E/M; otherwise remove the E/M.", m)))
		return
	}
	why := ""
	if anyOK, anyMod := anyLineBypass(r.ref.Modifiers, c1, em); anyOK && p.edits.NCCIBypass == payers.BypassAnyLine {
		why = fmt.Sprintf(" Payer %s's claim system would bypass the edit on %s, but an E/M on the day of a procedure is denied without 25 or 57 on the E/M itself.", r.payerLabel(ci, p), anyMod)
	} else if indexOf(c1.mods(), "25") >= 0 {
		why = fmt.Sprintf(" Modifier 25 is on %s, but it belongs on the E/M.", c1.code())
	}
	r.addCross(ci, r.s.finding(rPTPEMNeeds25, em.line(), claim.FieldModifiers,
		fmt.Sprintf("%s without modifier 25 or 57 on the E/M; decided by correct coding: a separately identifiable E/M billed with a procedure carries 25 (or 57, decision for surgery).%s", loc, why),
		"Add 25 to the E/M if the documentation shows a significant, separately identifiable E/M (57 for the decision for surgery); otherwise remove the E/M."))
}

// payerBypass reports whether payer p's claim system bypasses an indicator-1
// edit between c1 and c2.
func (r *run) payerBypass(p *payerSetup, c1, c2 lineView) bool {
	if p.edits.NCCIBypass == payers.BypassAnyLine {
		ok, _ := anyLineBypass(r.ref.Modifiers, c1, c2)
		return ok
	}
	if isEM(c2.code()) {
		return firstDistinct(c2.mods()) == "" && (indexOf(c2.mods(), "25") >= 0 || indexOf(c2.mods(), "57") >= 0)
	}
	ok, _, _ := correctBypass(c1, c2)
	return ok
}

// anyLineBypass is Medicare's rule: an NCCI-associated modifier on either
// line; it returns the modifier that bypasses, with its line.
func anyLineBypass(mods *refdata.Modifiers, c1, c2 lineView) (bool, string) {
	for _, v := range [2]lineView{c2, c1} {
		for _, m := range v.mods() {
			if mods.NCCIAssociated(m) {
				if v.history() {
					return true, m + " on stored claim " + v.claimID()
				}
				return true, fmt.Sprintf("%s on line %d", m, v.line())
			}
		}
	}
	return false, ""
}

// correctBypass applies correct coding to a pair whose column-2 code is
// not an E/M. It returns whether the pair is bypassed, why not (for the
// message) and whether 59 alone did it.
func correctBypass(c1, c2 lineView) (ok bool, why string, only59 bool) {
	m1, m2 := c1.mods(), c2.mods()
	if differentSites(m1, m2) {
		return true, "", false
	}
	has59 := false
	for _, m := range m2 {
		switch m {
		case "XE", "XS", "XP", "XU", "58", "78", "79", "91":
			return true, "", false
		case "59":
			has59 = true
		}
	}
	if has59 {
		return true, "", true
	}
	a1, a2 := anatomic(m1), anatomic(m2)
	switch {
	case a1 != "" && a2 != "":
		return false, fmt.Sprintf("both lines carry %s, the same site", a2), false
	case a1 != "" || a2 != "":
		site, line := a1, c1
		if a2 != "" {
			site, line = a2, c2
		}
		return false, fmt.Sprintf("only %s carries an anatomic modifier (%s), which does not show a different site", line.code(), site), false
	case firstDistinct(m1) != "" || hasAny(m1, "58", "78", "79", "91"):
		return false, fmt.Sprintf("the distinct-service modifier is on the column-1 code %s, not on %s", c1.code(), c2.code()), false
	case hasAny(m2, "24", "25", "57"):
		return false, fmt.Sprintf("%s carries an E/M modifier (24, 25 or 57), which does not make a procedure distinct", c2.code()), false
	}
	return false, "neither line carries a modifier that shows a distinct service", false
}

// differentSites reports whether both lines carry anatomic modifiers and
// none of them is on both.
func differentSites(m1, m2 []string) bool {
	n1, n2 := 0, 0
	for _, a := range m1 {
		if isAnatomic(a) {
			n1++
			if indexOf(m2, a) >= 0 {
				return false
			}
		}
	}
	for _, a := range m2 {
		if isAnatomic(a) {
			n2++
		}
	}
	return n1 > 0 && n2 > 0
}

// anatomic returns the first anatomic modifier of a line, or "".
func anatomic(mods []string) string {
	for _, m := range mods {
		if isAnatomic(m) {
			return m
		}
	}
	return ""
}

// isAnatomic reports the NCCI-associated anatomic modifiers: eyelids
// E1–E4, fingers FA/F1–F9, toes TA/T1–T9, LT, RT, coronary LC, LD, LM, RC, RI.
func isAnatomic(m string) bool {
	if len(m) != 2 {
		return false
	}
	switch m {
	case "LT", "RT", "LC", "LD", "LM", "RC", "RI", "E1", "E2", "E3", "E4":
		return true
	}
	return (m[0] == 'F' || m[0] == 'T') && (m[1] == 'A' || m[1] >= '1' && m[1] <= '9')
}

// firstDistinct returns the first distinct-service modifier (59, XE, XS,
// XP, XU) of a line, or "".
func firstDistinct(mods []string) string {
	for _, m := range mods {
		switch m {
		case "59", "XE", "XS", "XP", "XU":
			return m
		}
	}
	return ""
}

func hasAny(mods []string, want ...string) bool {
	for _, m := range mods {
		if indexOf(want, m) >= 0 {
			return true
		}
	}
	return false
}

// payerLabel names claim ci's payer p in messages: its ID, and its name
// when the directory has one.
func (r *run) payerLabel(ci int, p *payerSetup) string {
	switch {
	case !p.known:
		return r.b.claims[ci].PayerID + " (not in the payer directory: commercial defaults)"
	case p.name != "":
		return p.id + " (" + p.name + ")"
	}
	return p.id
}
