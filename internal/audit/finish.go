package audit

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// finding is a user-level reason and the events behind it.
type finding struct {
	reason
	span
}

// reason is one rule's contribution to an alert.
type reason struct {
	rule     RuleID
	strength float64
	text     string
	days     map[claim.Date]struct{} // user-level: when it happened
}

// Result returns the alerts and counts of everything judged so far. It
// may be called more than once.
func (j *Judge) Result() *Result {
	res := &Result{Events: j.events, WithPatient: j.withPatient, Explained: j.explained,
		ExplainedBy: make(map[TemplateID]int, len(j.byTemplate)), Templates: j.templates}
	for k, v := range j.byTemplate {
		res.ExplainedBy[k] = v
	}
	if j.events > 0 {
		res.From, res.To = j.time(j.from), j.time(j.to)
	}
	boost := j.curiosityBoost()
	for _, p := range j.pairs {
		res.Alerts = append(res.Alerts, j.pairAlerts(p, boost[p.user])...)
	}
	for u, ju := range j.users {
		if ju != nil {
			res.Alerts = append(res.Alerts, j.userAlerts(int32(u), ju)...)
		}
	}
	res.Alerts = append(res.Alerts, j.signins.addressAlerts(j)...)
	sort.Slice(res.Alerts, func(a, b int) bool {
		x, y := res.Alerts[a], res.Alerts[b]
		if x.Score != y.Score {
			return x.Score > y.Score
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Key() < y.Key()
	})
	return res
}

func (j *Judge) time(sec int64) time.Time { return time.Unix(sec, 0).In(j.opts.Location) }

// dayOf returns the practice-time date of a Unix second.
func (j *Judge) dayOf(sec int64) claim.Date {
	d, _ := localDay(j.zone.local(sec))
	return d
}

// curiosity is the first-department rule's extra score for one user: how
// far above their peers the number of days with first-department accesses
// lies. Peers are the user's department and role; a group of fewer than
// minPeers takes the role across departments, then everyone. Peers count
// with zero days too.
type curiosity struct {
	days  int
	peers Robust
	group string
	boost float64
}

// minPeers is the smallest group robust statistics are taken over.
const minPeers = 5

func (j *Judge) curiosityBoost() map[int32]curiosity {
	exact := make(map[string][]int32)
	byRole := make(map[string][]int32)
	var all []int32
	for u, ju := range j.users {
		if ju == nil || !ju.withEvents {
			continue
		}
		st := &j.dir.staff[u]
		key, _ := j.dir.peerKey(st)
		exact[key] = append(exact[key], int32(u))
		byRole[j.dir.roles.name(st.role)] = append(byRole[j.dir.roles.name(st.role)], int32(u))
		all = append(all, int32(u))
	}
	days := func(us []int32) Robust {
		xs := make([]float64, len(us))
		for i, u := range us {
			xs[i] = float64(len(j.users[u].firstDept))
		}
		return robustOf(xs)
	}
	stats := make(map[string]Robust)
	peersOf := func(u int32) (string, Robust) {
		st := &j.dir.staff[u]
		key, _ := j.dir.peerKey(st)
		role := j.dir.roles.name(st.role)
		for _, g := range []struct {
			label string
			us    []int32
		}{{key, exact[key]}, {"all " + role + "s", byRole[role]}, {"all staff", all}} {
			if len(g.us) >= minPeers || g.label == "all staff" {
				r, ok := stats[g.label]
				if !ok {
					r = days(g.us)
					stats[g.label] = r
				}
				return g.label, r
			}
		}
		return "", Robust{}
	}
	out := make(map[int32]curiosity)
	for _, u := range all {
		n := len(j.users[u].firstDept)
		if n == 0 {
			continue
		}
		c := curiosity{days: n}
		c.group, c.peers = peersOf(u)
		if n >= curiosityMinDays {
			c.boost = math.Max(0, math.Min(45, 10*(c.peers.z(float64(n), 1)-curiosityMinZ)))
		}
		out[u] = c
	}
	return out
}

// Base contributions of the patient-level rules.
const (
	scoreSelf            = 90
	scoreFamilyAddress   = 50 // shares the user's address
	scoreFamilyRarity    = 40 // ... plus this much for a surname as rare as can be
	scoreFamilySurname   = 45 // surname only, times its rarity: corroboration
	scoreCoworker        = 50
	scoreCoworkerDept    = 15
	scoreNeighbourStreet = 50
	scoreNeighbourZIP    = 20
	scoreVIP             = 60
	scoreOffHours        = 30
	scoreOffHoursEach    = 5 // per further off-hours access to the same patient
	scoreOffHoursMax     = 50
	scoreFirstDept       = 30
)

func (j *Judge) pairAlerts(p *pairAcc, cur curiosity) []Alert {
	st, pr := &j.dir.staff[p.user], &j.dir.pats[p.patient]
	var rs []reason
	for r := range nPairRules {
		if p.rules[r].events == 0 {
			continue
		}
		s, text := 0.0, ""
		n := p.rules[r].events
		switch r {
		case pSelf:
			s, text = scoreSelf, "The user opened their own patient record"
		case pFamily:
			rarity := j.dir.surnameRarity(pr.surname)
			sameAddr, sameName := st.addr >= 0 && st.addr == pr.addr, st.surname >= 0 && st.surname == pr.surname
			switch {
			case sameAddr && sameName:
				s = scoreFamilyAddress + scoreFamilyRarity*rarity
				text = fmt.Sprintf("The patient shares the user's home address and surname (%s)", rarityText(rarity, j.dir, pr.surname))
			case sameAddr:
				s, text = scoreFamilyAddress, "The patient shares the user's home address"
			default:
				s = scoreFamilySurname * rarity
				text = fmt.Sprintf("The patient shares the user's surname (%s)", rarityText(rarity, j.dir, pr.surname))
			}
		case pCoworker:
			s, text = scoreCoworker, "The patient is a member of staff"
			if pe := &j.dir.staff[pr.employee]; pe.dept >= 0 && pe.dept == st.dept {
				s += scoreCoworkerDept
				text += " in the user's own department"
			}
		case pNeighbour:
			if st.street >= 0 && st.street == pr.street {
				s, text = scoreNeighbourStreet, "The patient lives on the user's street"
			} else {
				s, text = scoreNeighbourZIP, "The patient lives in the user's ZIP code"
			}
		case pVIP:
			s, text = scoreVIP, "The patient is flagged VIP"
		case pOffHours:
			s = math.Min(scoreOffHoursMax, scoreOffHours+scoreOffHoursEach*float64(n-1))
			text = fmt.Sprintf("%s at %s, outside the user's usual hours (%s)", times(n, "access"), hourList(p.offHours), j.usualText(p.user))
		case pFirstDept:
			s = scoreFirstDept + cur.boost
			if len(pr.depts) == 0 {
				text = "The patient has no encounter with any department"
			} else {
				text = "The patient's encounters are all with departments the user never works with"
			}
			if cur.days > 0 {
				text += fmt.Sprintf("; the user opened such records on %s in this period, their peers (%s) on %s (median)",
					times(cur.days, "day"), cur.group, times(int(math.Round(cur.peers.Median)), "day"))
			}
		}
		if r != pSelf && r != pOffHours && n > 1 {
			text += fmt.Sprintf(" (%s)", times(n, "access"))
		}
		rs = append(rs, reason{rule: pairRules[r], strength: s, text: text})
	}
	var out []Alert
	for i, r := range rs {
		score, breakdown := combine(rs, i, nil)
		if !j.leads(r, score) {
			continue
		}
		sp := p.rules[slices.Index(pairRules[:], r.rule)]
		text := explanation(rs, i, breakdown, p.unexplained)
		out = append(out, Alert{UserID: j.dir.users.name(p.user), PatientID: j.dir.patients.name(p.patient), Rule: r.rule,
			Score: score, FirstTime: j.time(sp.first), LastTime: j.time(sp.last), Events: sp.events, Explanation: text})
	}
	return out
}

// leads reports whether a reason makes an alert of its own: its score
// reaches the rule's threshold and its own contribution is a substantial
// part of it (leadShare), so a weak reason (one off-hours access, a shared
// ZIP code) strengthens the alerts of others without raising its own.
func (j *Judge) leads(r reason, score int) bool {
	t := j.thresholds.For(r.rule)
	return score >= t && r.strength >= leadShare*float64(t)
}

// combine scores reason i: its own strength plus half of every other
// reason's (those on other days excluded when days are given), capped at
// 100. It returns the score and how it was made up.
func combine(rs []reason, i int, overlap func(a, b reason) bool) (int, string) {
	total := rs[i].strength
	parts := []string{fmt.Sprintf("%.0f (%s)", rs[i].strength, rs[i].rule)}
	for k, o := range rs {
		if k == i || o.strength <= 0 || overlap != nil && !overlap(rs[i], o) {
			continue
		}
		total += o.strength / 2
		parts = append(parts, fmt.Sprintf("%.0f (half of %s)", o.strength/2, o.rule))
	}
	score := int(math.Round(math.Min(100, math.Max(0, total))))
	return score, fmt.Sprintf("Score %d = %s", score, strings.Join(parts, " + "))
}

// explanation joins the reasons: the alert's own first, the others after.
func explanation(rs []reason, i int, breakdown string, unexplained bool) string {
	var b strings.Builder
	b.WriteString(rs[i].text)
	b.WriteString(".")
	var also []string
	for k, o := range rs {
		if k != i {
			also = append(also, o.text)
		}
	}
	if len(also) > 0 {
		b.WriteString(" Also: " + strings.Join(also, "; ") + ".")
	}
	if unexplained {
		b.WriteString(" No encounter, order, claim or referral in the data explains the access.")
	}
	b.WriteString(" " + breakdown + ".")
	return b.String()
}

func rarityText(rarity float64, d *Directory, surname int32) string {
	n := 1
	if surname >= 0 && int(surname) < len(d.surnameCount) {
		n = max(1, int(d.surnameCount[surname]))
	}
	return fmt.Sprintf("%d of %d patients have it; rarity %.2f", n, d.rosterSize, rarity)
}

func times(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// hourList formats a set of hours as ranges: "02:00–03:59, 23:00–23:59".
func hourList(mask uint32) string {
	var parts []string
	for h := 0; h < 24; h++ {
		if mask&(1<<h) == 0 {
			continue
		}
		e := h
		for e+1 < 24 && mask&(1<<(e+1)) != 0 {
			e++
		}
		parts = append(parts, fmt.Sprintf("%02d:00–%02d:59", h, e))
		h = e
	}
	return strings.Join(parts, ", ")
}

// usualText describes a user's usual hours and rostered shift.
func (j *Judge) usualText(u int32) string {
	st, ju := &j.dir.staff[u], j.users[u]
	var parts []string
	if ju.learned && ju.usual != 0 {
		parts = append(parts, "usually active "+hourList(ju.usual))
	}
	if st.shiftStart >= 0 && st.shiftEnd >= 0 {
		parts = append(parts, fmt.Sprintf("rostered %s–%s", Clock(st.shiftStart), Clock(st.shiftEnd)))
	}
	return strings.Join(parts, "; ")
}

// Base contributions of the user-level rules.
const (
	scoreTerminated    = 90
	scoreBeforeHire    = 70
	scoreNotOnRoster   = 60
	scoreSpike         = 40
	scoreSpikeMax      = 85
	scoreBulk          = 60
	scoreBulkMax       = 90
	scoreNewDevice     = 25
	scoreNewAddress    = 35
	scoreNewBoth       = 45
	scoreBruteForce    = 50
	scoreBruteForceMax = 85
	scoreBruteSuccess  = 20
	scoreManyAccounts  = 50
	scoreTokenAddress  = 55
)

// userAlerts scores the user-level rules for one user. Reasons corroborate
// each other only when they happened within a day of each other.
func (j *Judge) userAlerts(u int32, ju *judgeUser) []Alert {
	var fs []finding
	if e := ju.employment; e != nil {
		st := &j.dir.staff[u]
		var s float64
		var text string
		switch e.kind {
		case "terminated":
			s, text = scoreTerminated, fmt.Sprintf("The account was used after the user's last day employed (%s): %s on %s", st.term, times(e.events, "access"), times(len(e.days), "day"))
		case "before_hire":
			s, text = scoreBeforeHire, fmt.Sprintf("The account was used before the user's hire date (%s): %s", st.hire, times(e.events, "access"))
		default:
			s, text = scoreNotOnRoster, fmt.Sprintf("The account is not on the staff roster: %s", times(e.events, "access"))
		}
		fs = append(fs, finding{reason{RuleOutsideEmployment, s, text, e.days}, e.span})
	}
	if r, sp, ok := j.volumeSpike(u, ju); ok {
		fs = append(fs, finding{r, sp})
	}
	if r, sp, ok := j.bulkExport(ju); ok {
		fs = append(fs, finding{r, sp})
	}
	if r, sp, ok := newWorkstation(ju.newDevice, ju.newIP, ju.newAny); ok {
		fs = append(fs, finding{r, sp})
	}
	fs = append(fs, j.signins.userFindings(j, j.dir.users.name(u))...)
	if len(fs) == 0 {
		return nil
	}
	rs := make([]reason, len(fs))
	for i := range fs {
		rs[i] = fs[i].reason
	}
	var out []Alert
	for i, f := range fs {
		score, breakdown := combine(rs, i, daysOverlap)
		if !j.leads(f.reason, score) {
			continue
		}
		out = append(out, Alert{UserID: j.dir.users.name(u), Rule: f.rule, Score: score, FirstTime: j.time(f.first),
			LastTime: j.time(f.last), Events: f.events, Explanation: explanation(rs, i, breakdown, false)})
	}
	return out
}

// daysOverlap reports whether two reasons happened within a day of each other.
func daysOverlap(a, b reason) bool {
	for d := range a.days {
		for _, dd := range []claim.Date{d - 1, d, d + 1} {
			if _, ok := b.days[dd]; ok {
				return true
			}
		}
	}
	return false
}

// volumeSpike finds the user's days with far more accesses than both their
// own baseline and their peer group's.
func (j *Judge) volumeSpike(u int32, ju *judgeUser) (reason, span, bool) {
	if !ju.learned {
		return reason{}, span{}, false
	}
	own := ju.base.Daily
	key, ok := j.dir.peerKey(&j.dir.staff[u])
	if !ok {
		return reason{}, span{}, false
	}
	peer, ok := j.base.Peers[key]
	if !ok {
		return reason{}, span{}, false
	}
	var sp span
	days := make(map[claim.Date]struct{})
	best, bestZ, bestDay, bestUnexpl := 0, 0.0, claim.Date(0), 0
	needUnexpl := math.Max(spikeUnexplained, spikeUnexplFactor*ju.base.Unexplained.Median)
	for d, jd := range ju.days {
		n := float64(jd.events)
		if jd.events < spikeMinEvents || float64(jd.unexplained) < needUnexpl {
			continue
		}
		z := math.Min(own.z(n, math.Max(2, 0.1*own.Median)), peer.z(n, math.Max(2, 0.1*peer.Median)))
		if z < spikeMinZ {
			continue
		}
		days[d] = struct{}{}
		sp.events += jd.events
		if sp.first == 0 || jd.first < sp.first {
			sp.first = jd.first
		}
		sp.last = max(sp.last, jd.last)
		if z > bestZ || z == bestZ && d < bestDay {
			best, bestZ, bestDay, bestUnexpl = jd.events, z, d, jd.unexplained
		}
	}
	if len(days) == 0 {
		return reason{}, span{}, false
	}
	s := math.Min(scoreSpikeMax, scoreSpike+5*(bestZ-spikeMinZ))
	text := fmt.Sprintf("On %s the user made %d accesses, %d of them unexplained; their own median is %.0f a day and their peers' (%s) %.0f",
		bestDay, best, bestUnexpl, own.Median, key, peer.Median)
	if len(days) > 1 {
		text += fmt.Sprintf(" (%s like it)", times(len(days), "day"))
	}
	return reason{RuleVolumeSpike, s, text, days}, sp, true
}

// bulkExport finds hours with many exports or prints, far above the
// user's own habit.
func (j *Judge) bulkExport(ju *judgeUser) (reason, span, bool) {
	if len(ju.bulk) == 0 {
		return reason{}, span{}, false
	}
	habit := 0.0
	if ju.base != nil {
		habit = ju.base.BulkHour.Median
	}
	need := math.Max(bulkMinPerHour, bulkHabitFactor*habit)
	var sp span
	flagged := make(map[int64]bool)
	peak, peakHour := 0, int64(0)
	for h, s := range ju.bulk {
		n := s.events
		if next := ju.bulk[h+1]; next != nil {
			n += next.events
		}
		if float64(n) < need {
			continue
		}
		flagged[h] = true
		if ju.bulk[h+1] != nil {
			flagged[h+1] = true
		}
		if n > peak || n == peak && h < peakHour {
			peak, peakHour = n, h
		}
	}
	if len(flagged) == 0 {
		return reason{}, span{}, false
	}
	days := make(map[claim.Date]struct{})
	for h := range flagged {
		s := ju.bulk[h]
		sp.events += s.events
		if sp.first == 0 || s.first < sp.first {
			sp.first = s.first
		}
		sp.last = max(sp.last, s.last)
		d, _ := localDay(h * 3600)
		days[d] = struct{}{}
	}
	d, m := localDay(peakHour * 3600)
	s := math.Min(scoreBulkMax, scoreBulk+(float64(peak)-need)/5)
	text := fmt.Sprintf("%d exports or prints between %02d:00 and %02d:59 on %s (%d in all); the user's busiest hour usually has %.0f",
		peak, m/60, (m/60+1)%24, d, sp.events, habit)
	return reason{RuleBulkExport, s, text, days}, sp, true
}

// newWorkstation merges the new-device and new-address findings; any
// counts each event once.
func newWorkstation(dev, ip, all *userSignal) (reason, span, bool) {
	if all == nil {
		return reason{}, span{}, false
	}
	var parts []string
	s := 0.0
	for _, x := range []*userSignal{dev, ip} {
		if x == nil {
			continue
		}
		what, score := "workstation", float64(scoreNewDevice)
		if x == ip {
			what, score = "network address", scoreNewAddress
		}
		s = math.Max(s, score)
		parts = append(parts, fmt.Sprintf("%s from a %s not used before (%s)", times(x.events, "event"), what, strings.Join(x.notes, ", ")))
	}
	if dev != nil && ip != nil && daysOverlap(reason{days: dev.days}, reason{days: ip.days}) {
		s = scoreNewBoth
	}
	return reason{RuleNewWorkstation, s, strings.Join(parts, "; "), all.days}, all.span, true
}
