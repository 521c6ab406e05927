package scrub

import (
	"fmt"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// batch indexes every service line of a batch and of the history by
// (patient, date of service), so duplicate, NCCI and MUE checks compare a
// line only with the lines of the same patient on the same day.
type batch struct {
	patients map[patientKey]int32 // patient identity → patient number
	heads    map[uint64]int32     // (patient, date) → last member added (chains run backwards)
	members  []member
	claims   []claim.Claim
	history  []HistoryLine
}

// patientKey identifies a patient: the practice's patient ID when given,
// else payer and member ID.
type patientKey struct{ id, payer, member string }

func keyOf(patientID, payer, member string) patientKey {
	if patientID != "" {
		return patientKey{id: patientID}
	}
	return patientKey{payer: payer, member: member}
}

// member is one line in the index.
type member struct {
	next  int32 // previous member of the same patient and day, -1 at the end
	claim int32 // claim index, or -1 for a history line
	line  int32 // line index in the claim, or index in history
	key   refdata.CodeKey
}

// crossFinding is a finding of a cross-line check, with the claim it belongs to.
type crossFinding struct {
	claim int
	f     Finding
}

// lineView reads a claim line or a history line.
type lineView struct {
	c   *claim.Claim
	l   *claim.Line
	h   *HistoryLine
	idx int // line index in c.Lines
}

func (b *batch) view(m *member) lineView {
	if m.claim < 0 {
		return lineView{h: &b.history[m.line]}
	}
	c := &b.claims[m.claim]
	return lineView{c: c, l: &c.Lines[m.line], idx: int(m.line)}
}

func (v lineView) history() bool { return v.h != nil }

func (v lineView) claimID() string {
	if v.h != nil {
		return v.h.ClaimID
	}
	return v.c.ID
}

// line returns the 1-based line position (0 for history).
func (v lineView) line() int {
	if v.h != nil {
		return 0
	}
	return v.idx + 1
}

func (v lineView) dos() claim.Date {
	if v.h != nil {
		return v.h.DOS
	}
	return v.l.From
}

func (v lineView) code() string {
	if v.h != nil {
		return v.h.Procedure
	}
	return v.l.Procedure
}

func (v lineView) mods() []string {
	if v.h != nil {
		return v.h.Modifiers
	}
	return v.l.Modifiers
}

func (v lineView) units() float64 {
	if v.h != nil {
		return v.h.Units
	}
	return v.l.Units
}

func (v lineView) charge() claim.Money {
	if v.h != nil {
		return v.h.Charge
	}
	return v.l.Charge
}

func (v lineView) billing() string {
	if v.h != nil {
		return v.h.BillingNPI
	}
	return v.c.Billing.NPI
}

func (v lineView) rendering() string {
	if v.h != nil {
		return v.h.RenderingNPI
	}
	return v.c.RenderingNPI
}

// provider is the NPI NCCI edits compare: the rendering provider, else the billing one.
func (v lineView) provider() string {
	if r := v.rendering(); r != "" {
		return r
	}
	return v.billing()
}

func (b *batch) patient(k patientKey) int32 {
	if n, ok := b.patients[k]; ok {
		return n
	}
	n := int32(len(b.patients))
	b.patients[k] = n
	return n
}

func dayKey(patient int32, dos claim.Date) uint64 { return uint64(patient)<<32 | uint64(uint32(dos)) }

func (b *batch) insert(group uint64, m member) {
	if head, ok := b.heads[group]; ok {
		m.next = head
	} else {
		m.next = -1
	}
	b.heads[group] = int32(len(b.members))
	b.members = append(b.members, m)
}

// crossChecks runs the duplicate, NCCI PTP and MUE day-total checks over the
// batch and history, collecting the findings of claims[only] (every claim
// when only < 0) into s.cross, ordered by claim.
func (s *Scrubber) crossChecks(claims []claim.Claim, only int, ctx Context) {
	b := &s.b
	if b.heads == nil {
		b.heads = make(map[uint64]int32, 1024)
		b.patients = make(map[patientKey]int32, 1024)
	} else {
		clear(b.heads)
		clear(b.patients)
	}
	b.members = b.members[:0]
	b.claims, b.history = claims, ctx.History
	s.cross = s.cross[:0]
	for h := range ctx.History {
		hl := &ctx.History[h]
		if hl.DOS == 0 || hl.Procedure == "" {
			continue
		}
		p := b.patient(keyOf(hl.PatientID, hl.PayerID, hl.MemberID))
		b.insert(dayKey(p, hl.DOS), member{claim: -1, line: int32(h), key: refdata.KeyOf(hl.Procedure)})
	}
	for i := range claims {
		c := &claims[i]
		if c.Patient.ID == "" && c.MemberID == "" {
			continue // no patient identity: nothing to compare with
		}
		p := b.patient(keyOf(c.Patient.ID, c.PayerID, c.MemberID))
		// A replacement or void claim (frequency 7/8) stands in for a stored
		// claim by design: it is not compared with the history.
		useHistory := c.FrequencyCode != "7" && c.FrequencyCode != "8"
		for li := range c.Lines {
			l := &c.Lines[li]
			if l.From == 0 || l.Procedure == "" || li >= maxLines {
				continue
			}
			g := dayKey(p, l.From)
			m := member{claim: int32(i), line: int32(li), key: refdata.KeyOf(l.Procedure), next: -1}
			if head, ok := b.heads[g]; ok {
				m.next = head
			}
			s.compareWithEarlier(&m, useHistory, only)
			b.heads[g] = int32(len(b.members))
			b.members = append(b.members, m)
		}
	}
	// Findings were produced in line order except those put on an earlier
	// claim's line; a stable sort by claim keeps the order deterministic.
	slices.SortStableFunc(s.cross, func(a, b crossFinding) int { return a.claim - b.claim })
}

// compareWithEarlier checks line m against every earlier line of the same
// patient and day (the chain from m.next).
func (s *Scrubber) compareWithEarlier(m *member, useHistory bool, only int) {
	b := &s.b
	cur := b.view(m)
	wantCur := only < 0 || int(m.claim) == only
	dupDone := false
	var mue refdata.MUEEdit
	hasMUE := false
	if m.key != 0 {
		mue, hasMUE = s.ref.MUE.Lookup(m.key)
		hasMUE = hasMUE && mue.MAI >= 2
	}
	dayUnits := cur.units()
	for j := m.next; j >= 0; j = b.members[j].next {
		e := &b.members[j]
		if e.claim < 0 && !useHistory {
			continue
		}
		prev := b.view(e)
		if prev.h != nil && prev.h.ClaimID == cur.c.ID {
			continue
		}
		wantPrev := only < 0 || int(e.claim) == only
		if e.key == m.key && (m.key != 0 || prev.code() == cur.code()) {
			if hasMUE && prev.billing() == cur.billing() {
				dayUnits += prev.units()
			}
			if !dupDone && wantCur {
				dupDone = s.duplicate(m, cur, prev)
			}
			continue
		}
		if e.key == 0 || m.key == 0 || !(wantCur || wantPrev) {
			continue
		}
		// One probe finds the edits both ways round.
		fwd, okFwd, rev, okRev := s.ref.PTP.FindPair(e.key, m.key, cur.l.From)
		if (okFwd || okRev) && prev.provider() == cur.provider() {
			if okFwd && wantCur {
				s.ncci(int(m.claim), cur, prev, fwd, false)
			}
			if okRev && prev.history() && wantCur {
				s.ncci(int(m.claim), cur, prev, rev, true)
			} else if okRev && !prev.history() && wantPrev {
				s.ncci(int(e.claim), prev, cur, rev, false)
			}
		}
	}
	if hasMUE && wantCur && dayUnits > float64(mue.Limit) {
		r, kind := rMUEDayPolicy, "MAI 2, per day, absolute"
		if mue.MAI == 3 {
			r, kind = rMUEDayClinical, "MAI 3, per day, clinical"
		}
		s.addCross(int(m.claim), s.finding(r, cur.line(), claim.FieldUnits,
			fmt.Sprintf("%s units for this patient on %s reach %g with line %d (%g units); the MUE is %d (%s).", cur.code(), cur.dos(), dayUnits, cur.line(), cur.units(), mue.Limit, kind),
			"Check the units on every line and claim of this code for the day; bill only what was medically necessary (documentation and appeal for MAI 3 only)."))
	}
}

// duplicate compares two lines with the same code, patient and day and
// reports on the later one; it returns whether it reported.
func (s *Scrubber) duplicate(m *member, cur, prev lineView) bool {
	where := fmt.Sprintf("claim %s line %d", prev.claimID(), prev.line())
	if prev.history() {
		where = "stored claim " + prev.claimID()
	} else if prev.claimID() == cur.claimID() {
		where = fmt.Sprintf("line %d of this claim", prev.line())
	}
	exact := prev.charge() == cur.charge() && sameMods(prev.mods(), cur.mods()) && prev.billing() == cur.billing() && prev.rendering() == cur.rendering()
	switch {
	case exact && prev.history():
		s.addCross(int(m.claim), s.finding(rDupHistory, cur.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d (%s on %s, %s) duplicates %s.", cur.line(), cur.code(), cur.dos(), cur.charge(), where),
			"Do not resubmit: check the stored claim's status; send a corrected claim (frequency 7) if it needs changes."))
	case exact:
		s.addCross(int(m.claim), s.finding(rDupBatch, cur.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d (%s on %s, %s) duplicates %s.", cur.line(), cur.code(), cur.dos(), cur.charge(), where),
			"Remove the duplicate line, or bill the units on one line; add 76/77/91 if the service was really repeated."))
	case !explainsRepeat(prev.mods()) && !explainsRepeat(cur.mods()):
		s.addCross(int(m.claim), s.finding(rDupSuspect, cur.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d bills %s on %s again (also on %s) with a different charge or modifier.", cur.line(), cur.code(), cur.dos(), where),
			"If the service was repeated, add the repeat or distinct-service modifier (76, 77, 91, 59/X{EPSU}, RT/LT); otherwise remove the line."))
	default:
		return false
	}
	return true
}

// ncci reports an NCCI PTP edit on the column-2 line col2, billed with
// col1 for the same patient, provider and day. afterStored marks the
// reverse case: col2 is the current line billing the column-1 code after
// the column-2 code went out on a stored claim.
func (s *Scrubber) ncci(claimIdx int, col2, col1 lineView, e refdata.PTPEdit, afterStored bool) {
	bypass := e.ModifierIndicator == 1 && (s.hasNCCIModifier(col2.mods()) || s.hasNCCIModifier(col1.mods()))
	if bypass {
		return
	}
	if afterStored {
		// Here col2 is the current line (the column-1 code) and col1 the stored column-2 line.
		s.addCross(claimIdx, s.finding(rPTPAfterCol2, col2.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d bills %s, NCCI column 1 of %s already billed on stored claim %s for %s.", col2.line(), col2.code(), col1.code(), col1.claimID(), col2.dos()),
			"The payer may recoup the earlier column-2 service; bill both on one corrected claim with a modifier if they were distinct."))
		return
	}
	where := fmt.Sprintf("line %d", col1.line())
	switch {
	case col1.history():
		where = "stored claim " + col1.claimID()
	case col1.claimID() != col2.claimID():
		where = fmt.Sprintf("claim %s line %d", col1.claimID(), col1.line())
	}
	if e.ModifierIndicator == 0 {
		s.addCross(claimIdx, s.finding(rPTPNoBypass, col2.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d: %s is NCCI column 2 of %s (%s) on %s; modifier indicator 0, no modifier allows both.", col2.line(), col2.code(), col1.code(), where, col2.dos()),
			fmt.Sprintf("Remove %s: it is included in %s and will be denied.", col2.code(), col1.code())))
		return
	}
	s.addCross(claimIdx, s.finding(rPTPNeedsMod, col2.line(), claim.FieldModifiers,
		fmt.Sprintf("Line %d: %s is NCCI column 2 of %s (%s) on %s and carries no NCCI-associated modifier.", col2.line(), col2.code(), col1.code(), where, col2.dos()),
		fmt.Sprintf("If %s was a distinct service (other site, session or encounter), add 59 or XE/XS/XP/XU (or an anatomic modifier) and keep the documentation; otherwise remove it.", col2.code())))
}

func (s *Scrubber) hasNCCIModifier(mods []string) bool {
	for _, m := range mods {
		if s.ref.Modifiers.NCCIAssociated(m) {
			return true
		}
	}
	return false
}

// explainsRepeat reports whether a line's modifiers explain a second line
// of the same code on the same day: repeat (76, 77, 91), distinct service
// (59, X{EPSU}) or a side or digit (RT, LT, 50, E1–E4, F*, T*).
func explainsRepeat(mods []string) bool {
	for _, m := range mods {
		switch m {
		case "76", "77", "91", "59", "XE", "XP", "XS", "XU", "RT", "LT", "50", "E1", "E2", "E3", "E4", "LC", "LD", "LM", "RC", "RI":
			return true
		}
		if len(m) == 2 && (m[0] == 'F' || m[0] == 'T') && (m[1] == 'A' || m[1] >= '1' && m[1] <= '9') {
			return true
		}
	}
	return false
}

// sameMods compares modifier lists as sets of up to 4 codes.
func sameMods(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, m := range a {
		if indexOf(b, m) < 0 {
			return false
		}
	}
	return true
}

func (s *Scrubber) addCross(claimIdx int, f Finding) {
	s.cross = append(s.cross, crossFinding{claim: claimIdx, f: f})
}
