package scrub

import (
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// batch indexes every service line of a batch and of the history by
// (patient, date of service), so duplicate, NCCI, add-on and MUE checks
// compare a line only with the lines of the same patient on the same day.
type batch struct {
	days dayIndex // (patient, date) → last member added (chains run backwards)
	// The newest member of the group last added to, not yet written to
	// days: the lines of one claim (and of one stored claim) are mostly of
	// one patient and day, so only the last of such a run touches the table.
	runKey  uint64
	runHead int32
	members []member
	claims  []claim.Claim
	history []HistoryLine
	addOns  []int32 // members whose code is an add-on code, checked once every line is in
}

// member is one line in the index.
type member struct {
	next    int32 // previous member of the same patient and day, -1 at the end
	claim   int32 // claim index, or -1 for a history line
	line    int32 // line index in the claim, or index in history
	dos     claim.Date
	key     refdata.CodeKey
	patient uint64            // hash of the patient's identity (patientHash)
	group   uint64            // the (patient, day) key
	info    *refdata.ProcInfo // nil for history lines (looked up when needed)
}

// The patient a line belongs to is the practice's patient ID when given,
// else payer and member ID; patientHash hashes that identity with a
// per-Scrubber seed. Lines count as the same patient's when their hashes
// are equal: two different patients would need a 64-bit collision (odds
// about 1 in 10^19 per pair of patients), which the cross-claim checks
// accept in exchange for not comparing identity strings on every pair.
func patientHash(seed maphash.Seed, id, payer, memberID string) uint64 {
	if id != "" {
		return maphash.String(seed, id)
	}
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteByte(1)
	h.WriteString(payer)
	h.WriteByte(0)
	h.WriteString(memberID)
	return h.Sum64()
}

// dayKey combines a patient hash and a date of service into a group key
// (never 0, which marks an empty slot of the day index).
func dayKey(patient uint64, dos claim.Date) uint64 {
	return (patient ^ uint64(uint32(dos))*0x9E3779B97F4A7C15) | 1
}

// dayIndex is an open-addressing table from group key to the newest
// member of the group: one probe per line, no allocation once grown.
type dayIndex struct {
	slots []daySlot
	n     int // groups in the table
	shift uint8
}

type daySlot struct {
	key  uint64 // 0: empty
	head int32
}

// reset empties the table, sized for about n groups.
func (t *dayIndex) reset(n int) {
	size, bits := 1024, 10
	for size < 2*n {
		size, bits = size*2, bits+1
	}
	t.n = 0
	if len(t.slots) < size {
		t.slots, t.shift = make([]daySlot, size), uint8(64-bits)
		return
	}
	clear(t.slots)
}

func (t *dayIndex) slot(k uint64) *daySlot {
	mask := len(t.slots) - 1
	i := int((k * 0x9E3779B97F4A7C15) >> t.shift)
	for t.slots[i].key != k && t.slots[i].key != 0 {
		i = (i + 1) & mask
	}
	return &t.slots[i]
}

// head returns the newest member of group k, or -1.
func (t *dayIndex) head(k uint64) int32 {
	if s := t.slot(k); s.key == k {
		return s.head
	}
	return -1
}

// push makes member m the newest of group k and returns the previous newest (-1: none).
func (t *dayIndex) push(k uint64, m int32) int32 {
	s := t.slot(k)
	if s.key == k {
		prev := s.head
		s.head = m
		return prev
	}
	s.key, s.head = k, m
	if t.n++; 2*t.n > len(t.slots) {
		t.grow()
	}
	return -1
}

// grow doubles the table.
func (t *dayIndex) grow() {
	old := t.slots
	t.slots, t.shift = make([]daySlot, 2*len(old)), t.shift-1
	for _, s := range old {
		if s.key != 0 {
			*t.slot(s.key) = s
		}
	}
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

func (v lineView) ndc() string {
	if v.h != nil {
		return v.h.NDC
	}
	return v.l.NDC
}

func (v lineView) payer() string {
	if v.h != nil {
		return v.h.PayerID
	}
	return v.c.PayerID
}

// coordinated reports whether cur and prev bill one service to two of
// the patient's payers: cur is a secondary or tertiary claim and prev
// went to another payer. That is coordination of benefits, not a
// duplicate.
func coordinated(cur, prev lineView) bool {
	return cur.c != nil && cur.c.Responsibility.Or() != claim.Primary && prev.payer() != cur.c.PayerID
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
	if r := v.l.RenderingNPI; r != "" {
		return r
	}
	return v.c.RenderingNPI
}

// provider is the NPI NCCI and add-on edits compare: the rendering
// provider (the line's own, else the claim's), else the billing one.
func (v lineView) provider() string {
	if r := v.rendering(); r != "" {
		return r
	}
	return v.billing()
}

// where names the line for a message about another line.
func (v lineView) where(from lineView) string {
	switch {
	case v.history():
		return "stored claim " + v.claimID()
	case v.claimID() != from.claimID():
		return fmt.Sprintf("claim %s line %d", v.claimID(), v.line())
	}
	return fmt.Sprintf("line %d", v.line())
}

// The cross-claim checks (duplicates, NCCI PTP, add-on codes, MUE day
// totals) run as claims join the index: indexHistory adds the stored
// lines, indexClaim compares each line of a claim with the earlier lines
// of its patient and day and adds it, and finishCross checks the add-on
// codes once every line is in. Findings go to r.cross, ordered by claim
// at the end; only the findings of claims[only] (every claim when only <
// 0) are kept.

// indexHistory readies the index and adds the stored lines.
func (r *run) indexHistory(ctx Context) {
	b := &r.b
	b.days.reset(len(ctx.History)/2 + len(b.claims)) // about one group per claim; the table grows if need be
	b.runKey, b.runHead = 0, -1
	b.members, b.addOns = b.members[:0], b.addOns[:0]
	b.history = ctx.History
	r.cross = r.cross[:0]
	// History lines of one stored claim come together and share their
	// patient: hash the patient once per run of lines.
	var lastH *HistoryLine
	var lastP uint64
	for h := range ctx.History {
		hl := &ctx.History[h]
		if hl.DOS == 0 || hl.Procedure == "" {
			continue
		}
		if lastH == nil || hl.PatientID != lastH.PatientID || hl.PayerID != lastH.PayerID || hl.MemberID != lastH.MemberID {
			lastP = patientHash(r.s.seed, hl.PatientID, hl.PayerID, hl.MemberID)
		}
		lastH = hl
		m := member{claim: -1, line: int32(h), dos: hl.DOS, key: refdata.KeyOf(hl.Procedure), patient: lastP, group: dayKey(lastP, hl.DOS)}
		m.next = b.push(m.group, int32(len(b.members)))
		b.members = append(b.members, m)
	}
}

// indexClaim compares claim i's lines with the earlier lines of the same
// patient and day, then adds them.
func (r *run) indexClaim(i int, c *claim.Claim, only int) {
	b := &r.b
	if c.Patient.ID == "" && c.MemberID == "" {
		return // no patient identity: nothing to compare with
	}
	p := patientHash(r.s.seed, c.Patient.ID, c.PayerID, c.MemberID)
	// A replacement or void claim (frequency 7/8) stands in for a stored
	// claim by design: it is not compared with the history.
	useHistory := !c.FrequencyCode.NeedsOriginal()
	for li := range c.Lines {
		l := &c.Lines[li]
		if l.From == 0 || l.Procedure == "" || li >= maxLines {
			continue
		}
		k := int(r.lineStart[i]) + li
		m := member{claim: int32(i), line: int32(li), dos: l.From, patient: p, group: dayKey(p, l.From), info: r.infos[k], key: r.keys[k]}
		idx := int32(len(b.members))
		m.next = b.push(m.group, idx)
		r.compareWithEarlier(&m, useHistory, only)
		b.members = append(b.members, m)
		if m.info != nil && m.info.AddOn != nil && (only < 0 || i == only) {
			b.addOns = append(b.addOns, idx)
		}
	}
}

// push makes member idx the newest of group key and returns the previous
// newest (-1: none).
func (b *batch) push(key uint64, idx int32) int32 {
	if key == b.runKey {
		prev := b.runHead
		b.runHead = idx
		return prev
	}
	b.flushRun()
	b.runKey = key
	b.runHead = idx
	return b.days.head(key)
}

// flushRun writes the run's newest member to the day index.
func (b *batch) flushRun() {
	if b.runKey != 0 {
		b.days.push(b.runKey, b.runHead)
		b.runKey = 0
	}
}

// finishCross checks the add-on codes and orders the findings by claim.
func (r *run) finishCross() {
	r.b.flushRun()
	for _, idx := range r.b.addOns {
		r.checkAddOn(idx)
	}
	// Findings were produced in line order except those put on an earlier
	// claim's line; a stable sort by claim keeps the order deterministic.
	slices.SortStableFunc(r.cross, func(a, b crossFinding) int { return a.claim - b.claim })
}

// compareWithEarlier checks line m against every earlier line of the same
// patient and day (the chain from m.next).
func (r *run) compareWithEarlier(m *member, useHistory bool, only int) {
	b := &r.b
	cur := b.view(m)
	wantCur := only < 0 || int(m.claim) == only
	p := r.claimPayer[m.claim]
	dupDone := false
	var mue refdata.MUEEdit
	if m.info != nil && p.edits.MUE != payers.MUENone && m.info.MUE.MAI >= 2 && m.info.MUE.Limit > 0 {
		mue = m.info.MUE
	}
	dayUnits := cur.units()
	cc := cur.c
	for j := m.next; j >= 0; j = b.members[j].next {
		e := &b.members[j]
		if e.dos != m.dos || e.patient != m.patient {
			continue // another group that hashed to the same key
		}
		var prev lineView
		if e.claim >= 0 {
			pc := &b.claims[e.claim]
			prev = lineView{c: pc, l: &pc.Lines[e.line], idx: int(e.line)}
		} else {
			h := &b.history[e.line]
			if !useHistory || h.ClaimID == cc.ID {
				continue
			}
			prev = lineView{h: h}
		}
		wantPrev := only < 0 || int(e.claim) == only
		if e.key == m.key && (m.key != 0 || prev.code() == cur.code()) {
			if mue.MAI != 0 && prev.billing() == cur.billing() {
				dayUnits += prev.units()
			}
			if !dupDone && wantCur {
				dupDone = r.duplicate(m, cur, prev)
			}
			continue
		}
		if e.key == 0 || m.key == 0 || !(wantCur || wantPrev) {
			continue
		}
		// One probe finds the edits both ways round.
		fwd, rev := r.ptp.Indicators(e.key, m.key, m.dos)
		if (fwd >= 0 || rev >= 0) && prev.provider() == cur.provider() {
			if fwd >= 0 && wantCur && p.edits.NCCIPTP {
				r.ncci(int(m.claim), p, prev, cur, uint8(fwd), false)
			}
			if rev >= 0 && prev.history() && wantCur && p.edits.NCCIPTP {
				r.ncci(int(m.claim), p, cur, prev, uint8(rev), true)
			} else if rev >= 0 && !prev.history() && wantPrev {
				if pp := r.claimPayer[e.claim]; pp.edits.NCCIPTP {
					r.ncci(int(e.claim), pp, cur, prev, uint8(rev), false)
				}
			}
		}
	}
	if mue.MAI != 0 && wantCur && dayUnits > float64(mue.Limit) {
		id, kind := rMUEDayPolicy, "MAI 2, per day, absolute"
		if mue.MAI == 3 {
			id, kind = rMUEDayClinical, "MAI 3, per day, clinical"
		}
		r.addCross(int(m.claim), r.s.finding(id, cur.line(), claim.FieldUnits,
			fmt.Sprintf("%s units for this patient on %s reach %g with line %d (%g units); the MUE is %d (%s).", cur.code(), cur.dos(), dayUnits, cur.line(), cur.units(), mue.Limit, kind),
			"Check the units on every line and claim of this code for the day; bill only what was medically necessary (documentation and appeal for MAI 3 only)."))
	}
}

// duplicate compares two lines with the same code, patient and day and
// reports on the later one; it returns whether it reported. Lines of one
// drug with different NDCs (a Medicaid drug split by package) are not
// duplicates; an NDC a stored line does not record matches any.
func (r *run) duplicate(m *member, cur, prev lineView) bool {
	pn, cn := prev.ndc(), cur.ndc()
	if pn != "" && cn != "" && pn != cn || coordinated(cur, prev) {
		return false
	}
	exact := prev.charge() == cur.charge() && prev.units() == cur.units() && sameMods(prev.mods(), cur.mods()) &&
		prev.billing() == cur.billing() && prev.rendering() == cur.rendering()
	if !exact && (explainsRepeat(prev.mods()) || explainsRepeat(cur.mods())) {
		return false
	}
	where := prev.where(cur)
	if prev.claimID() == cur.claimID() && !prev.history() {
		where = fmt.Sprintf("line %d of this claim", prev.line())
	}
	switch {
	case exact && prev.history():
		r.addCross(int(m.claim), r.s.finding(rDupHistory, cur.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d (%s on %s, %g units, %s) duplicates %s.", cur.line(), cur.code(), cur.dos(), cur.units(), cur.charge(), where),
			"Do not resubmit: check the stored claim's status; send a corrected claim (frequency 7) if it needs changes."))
	case exact:
		r.addCross(int(m.claim), r.s.finding(rDupBatch, cur.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d (%s on %s, %g units, %s) duplicates %s.", cur.line(), cur.code(), cur.dos(), cur.units(), cur.charge(), where),
			"Remove the duplicate line, or bill the units on one line; add 76/77/91 if the service was really repeated."))
	default:
		r.addCross(int(m.claim), r.s.finding(rDupSuspect, cur.line(), claim.FieldProcedureCode,
			fmt.Sprintf("Line %d bills %s on %s again (also on %s) with a different charge, units or modifier.", cur.line(), cur.code(), cur.dos(), where),
			"If the service was repeated, add the repeat or distinct-service modifier (76, 77, 91, 59/X{EPSU}, RT/LT); otherwise remove the line or bill the units on one line."))
	}
	return true
}

// checkAddOn checks that the add-on code of member idx is billed with a
// primary code for the same patient, provider and day, anywhere in the
// batch or history: the whole day's chain is in by now.
func (r *run) checkAddOn(idx int32) {
	b := &r.b
	m := &b.members[idx]
	cur := b.view(m)
	a := m.info.AddOn
	dos := cur.dos()
	if !a.InForce(dos) {
		return
	}
	useHistory := !cur.c.FrequencyCode.NeedsOriginal()
	for j := b.days.head(m.group); j >= 0; j = b.members[j].next {
		e := &b.members[j]
		if j == idx || e.key == 0 || e.key == m.key || (e.claim < 0 && !useHistory) || e.dos != m.dos || e.patient != m.patient {
			continue
		}
		prev := b.view(e)
		if (prev.h != nil && prev.h.ClaimID == cur.c.ID) || prev.provider() != cur.provider() {
			continue
		}
		if a.Type == refdata.AOCContractor {
			info := e.info
			if e.claim < 0 {
				info = r.ref.Proc.Lookup(e.key)
			}
			if info == nil || info.AddOn == nil {
				return // some primary procedure
			}
			continue
		}
		if a.HasPrimary(e.key, dos) {
			return
		}
	}
	ci := int(m.claim)
	n := cur.line()
	switch a.Type {
	case refdata.AOCContractor:
		r.addCross(ci, r.s.finding(rAOCType2, n, claim.FieldProcedureCode,
			fmt.Sprintf("Line %d bills the add-on code %s (CMS type 2: the contractor sets its primaries) with no other procedure by the same provider for this patient on %s.", n, cur.code(), dos),
			"Bill the primary procedure the add-on belongs to on the same day, or remove the add-on code."))
	case refdata.AOCListedAndMAC:
		r.addCross(ci, r.s.finding(rAOCType3, n, claim.FieldProcedureCode,
			fmt.Sprintf("Line %d bills the add-on code %s (CMS type 3) without any of its listed primary codes (%s) by the same provider for this patient on %s; contractors may allow others.", n, cur.code(), primaryList(a, dos), dos),
			"Check that the primary procedure is billed on the same day and that the payer accepts it as the add-on's primary."))
	default:
		r.addCross(ci, r.s.finding(rAOCType1, n, claim.FieldProcedureCode,
			fmt.Sprintf("Line %d bills the add-on code %s (CMS type 1) without one of its primary codes (%s) by the same provider for this patient on %s: it is paid only with one of them.", n, cur.code(), primaryList(a, dos), dos),
			"Bill the add-on with its primary procedure (same provider, same day), or remove it; an add-on code is never billed alone."))
	}
}

// primaryList names up to six primary codes of an add-on in force on dos.
func primaryList(a *refdata.AddOn, dos claim.Date) string {
	var out []byte
	n := 0
	for _, p := range a.Primaries {
		if !p.InForce(dos) {
			continue
		}
		if n == 6 {
			return string(out) + " and others"
		}
		if n > 0 {
			out = append(out, ", "...)
		}
		out = append(out, p.Code.String()...)
		n++
	}
	return string(out)
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

func (r *run) addCross(claimIdx int, f Finding) {
	r.cross = append(r.cross, crossFinding{claim: claimIdx, f: f})
}
