package synth

import (
	"fmt"
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// inject adds roster churn (hires and terminations that must not alert)
// and the labelled scenarios.
func (g *gen) inject() {
	n := g.cfg.Instances
	g.churn()
	for range n {
		g.coworker()
		g.family()
		g.neighbour()
		g.selfAccess()
		g.terminated()
	}
	for range (n + 3) / 4 {
		g.vipCuriosity()
	}
	for range max(1, n*2/3) {
		g.compromised()
	}
	for range max(1, n-2) {
		g.slowCuriosity()
	}
	g.trimEmployment()
}

func (g *gen) newUnit(s Scenario, u, p int32) int32 {
	unit := Unit{Scenario: s, UserID: g.h.Staff[u].UserID}
	if p >= 0 {
		unit.PatientID = g.h.Patients[p].PatientID
	}
	g.h.Units = append(g.h.Units, unit)
	return int32(len(g.h.Units) - 1)
}

// candidate picks a member of staff not used by another scenario or
// trap, with at least minDays working days in the log, that ok accepts.
func (g *gen) candidate(minDays int, ok func(*member) bool) (int32, bool) {
	for range 20000 {
		u := int32(g.rng.IntN(len(g.staff)))
		m := g.staff[u]
		if g.scenarioUse[u] || m.termDay != neverDay || m.hireDay > historyDays || len(g.workingDays(m)) < minDays || !ok(m) {
			continue
		}
		g.scenarioUse[u] = true
		return u, true
	}
	return -1, false
}

// quiet reports whether no care relationship could explain u looking at
// p around day d: p is not u, has never been seen by u or u's
// department, and has no encounter within five days.
func (g *gen) quiet(p, u int32, d int) bool {
	m := g.staff[u]
	if p == m.self || slices.Contains(g.patDepts[p], int16(m.dept)) || slices.Contains(g.patUsers[p], u) {
		return false
	}
	return g.idle(p, d-5, d+5)
}

// idle reports whether p has no encounter between days lo and hi.
func (g *gen) idle(p int32, lo, hi int) bool {
	busy := g.patBusy[p]
	for i := 0; i+1 < len(busy); i += 2 {
		if int(busy[i]) <= hi && int(busy[i+1]) >= lo {
			return false
		}
	}
	return true
}

// look emits k views by u of p at times within u's shift on day d.
func (g *gen) look(u, p int32, d, k int, unit int32) {
	t := g.shiftTime(g.staff[u], d)
	for i := range k {
		g.emit(t+int64(i)*(30+g.rng.Int64N(300)), u, p, aView, unit)
	}
}

func (g *gen) randomWorkday(m *member) int {
	days := g.workingDays(m)
	return days[g.rng.IntN(len(days))]
}

func anyone(*member) bool { return true }

func (g *gen) coworker() {
	u, ok := g.candidate(10, anyone)
	if !ok {
		return
	}
	m := g.staff[u]
	sameDept := g.chance(0.7)
	for range 20000 {
		v := g.staff[g.rng.IntN(len(g.staff))]
		if v.self < 0 || v.idx == u || (sameDept && v.dept != m.dept) {
			continue
		}
		d := g.randomWorkday(m)
		if !g.quiet(v.self, u, d) {
			continue
		}
		g.look(u, v.self, d, 1+g.rng.IntN(3), g.newUnit(Coworker, u, v.self))
		return
	}
}

func (g *gen) family() {
	u, ok := g.candidate(10, func(m *member) bool { return len(m.family) > 0 })
	if !ok {
		return
	}
	m := g.staff[u]
	for range 200 {
		p, d := m.family[g.rng.IntN(len(m.family))], g.randomWorkday(m)
		if g.quiet(p, u, d) {
			g.look(u, p, d, 1+g.rng.IntN(2), g.newUnit(Family, u, p))
			return
		}
	}
}

func (g *gen) neighbour() {
	u, ok := g.candidate(10, anyone)
	if !ok {
		return
	}
	m := g.staff[u]
	home := &g.house[g.memberHouse[u]]
	var near []int32
	for i := range g.house {
		hh := &g.house[i]
		if hh.street == home.street && hh.zip == home.zip && int32(i) != g.memberHouse[u] {
			near = append(near, hh.members...)
		}
	}
	for range 200 {
		if len(near) == 0 {
			return
		}
		p, d := g.pick(near), g.randomWorkday(m)
		if g.quiet(p, u, d) {
			g.look(u, p, d, 1+g.rng.IntN(2), g.newUnit(Neighbour, u, p))
			return
		}
	}
}

func (g *gen) selfAccess() {
	u, ok := g.candidate(10, func(m *member) bool { return m.self >= 0 })
	if !ok {
		return
	}
	m := g.staff[u]
	g.look(u, m.self, g.randomWorkday(m), 1+g.rng.IntN(2), g.newUnit(SelfAccess, u, m.self))
}

// vipCuriosity admits a VIP and has four members of staff from unrelated
// departments look at the record during the stay.
func (g *gen) vipCuriosity() {
	var vips []int32
	for i, p := range g.h.Patients {
		if p.VIP && !g.vipUsed[int32(i)] {
			vips = append(vips, int32(i))
		}
	}
	if len(vips) == 0 {
		return
	}
	if g.vipUsed == nil {
		g.vipUsed = make(map[int32]bool)
	}
	// A stay of a VIP with nothing else going on around it, so that only
	// the admitting unit has a reason to look.
	var p int32
	var d int
	for tries := 0; ; tries++ {
		if tries == 1000 {
			return
		}
		p, d = g.pick(vips), historyDays+8+g.rng.IntN(max(1, g.cfg.Days-16))
		if g.idle(p, d-5, d+12) {
			break
		}
	}
	g.vipUsed[p] = true
	unit := deptIndex([]string{"Intensive Care", "Medicine"}[g.rng.IntN(2)])
	start := g.at(d, 10*60+g.rng.IntN(8*60))
	end := start + int64(3+g.rng.IntN(4))*oneDay
	var docs []int32
	for _, u := range g.byDept[unit] {
		if g.staff[u].role == "physician" {
			docs = append(docs, u)
		}
	}
	g.addEnc(p, -1, unit, start, end, audit.KindAdmission)
	g.addEnc(p, g.pick(docs), unit, start, end, audit.KindAdmission)
	for t := start; t < end; t += 4 * hour {
		if u := g.anyOf(unit, "nurse", t); u >= 0 {
			g.touch(u, p, t, 0.3)
		}
	}
	avoid := append([]string{departments[unit].name, "Laboratory", "Pharmacy", "Radiology", "Billing"}, adjacent[departments[unit].name]...)
	for range 4 {
		u, ok := g.candidate(10, func(m *member) bool {
			return !slices.Contains(avoid, departments[m.dept].name) && !slices.Contains(g.patDepts[p], int16(m.dept))
		})
		if !ok {
			return
		}
		m := g.staff[u]
		var days []int
		for _, wd := range g.workingDays(m) {
			if t := g.at(wd, m.shift.start+60); t > start && t < end {
				days = append(days, wd)
			}
		}
		if len(days) == 0 {
			g.scenarioUse[u] = false
			continue
		}
		g.look(u, p, days[g.rng.IntN(len(days))], 1+g.rng.IntN(2), g.newUnit(VIPCuriosity, u, p))
	}
}

// terminated ends a member's employment in the log and has their account
// used again a few days later, on patients of their former unit.
func (g *gen) terminated() {
	u, ok := g.candidate(12, func(m *member) bool { return departments[m.dept].kind != admin })
	if !ok {
		return
	}
	m := g.staff[u]
	g.terminate(u, historyDays+8+g.rng.IntN(max(1, g.cfg.Days-14)))
	unit := g.newUnit(Terminated, u, -1)
	for range 1 + g.rng.IntN(3) {
		d := m.termDay + 1 + g.rng.IntN(5)
		if d >= g.days {
			continue
		}
		for range 5 + g.rng.IntN(15) {
			p := g.randomPatient()
			for _, a := range g.adm {
				if a.dept == m.dept && a.start < g.midnight[d] && a.end > g.midnight[d] && g.chance(0.1) {
					p = a.patient
					break
				}
			}
			g.look(u, p, d, 1, unit)
		}
	}
}

func (g *gen) terminate(u int32, day int) {
	m := g.staff[u]
	m.termDay = day
	g.h.Staff[u].TerminationDate = g.date(day)
}

func (g *gen) date(d int) claim.Date {
	return claim.DateOf(time.Unix(g.midnight[d], 0).In(g.cfg.Location))
}

// compromised has an attacker use a member's account one night, from an
// address never seen, to export hundreds of records and a few lists.
func (g *gen) compromised() {
	u, ok := g.candidate(15, func(m *member) bool { return departments[m.dept].kind != admin })
	if !ok {
		return
	}
	unit := g.newUnit(Compromised, u, -1)
	ip := g.newIP(fmt.Sprintf("203.0.113.%d", 10+len(g.h.Units)%240))
	d := historyDays + 12 + g.rng.IntN(max(1, g.cfg.Days-14))
	t := g.at(d, 60+g.rng.IntN(120))
	for range 2 + g.rng.IntN(2) {
		g.emitAt(t, u, -1, aExport, -1, ip, unit)
		t += 60 + g.rng.Int64N(120)
	}
	for range 150 + g.rng.IntN(250) {
		g.emitAt(t, u, g.randomPatient(), aExport, -1, ip, unit)
		t += 5 + g.rng.Int64N(30)
	}
}

// slowCuriosity has a member of clinical staff look at two or three
// unrelated patients a week for four weeks, in working hours, from their
// own workstation.
func (g *gen) slowCuriosity() {
	u, ok := g.candidate(16, func(m *member) bool {
		k := departments[m.dept].kind
		return k == inpatient || k == emergency || k == clinic
	})
	if !ok {
		return
	}
	m := g.staff[u]
	days := g.workingDays(m)
	for week := range 4 {
		var wk []int
		for _, d := range days {
			if d >= historyDays+2+week*7 && d < historyDays+2+week*7+7 {
				wk = append(wk, d)
			}
		}
		if len(wk) == 0 {
			continue
		}
		for range 2 + g.rng.IntN(2) {
			d := wk[g.rng.IntN(len(wk))]
			for range 200 {
				if p := g.randomPatient(); g.quiet(p, u, d) {
					g.look(u, p, d, 1+g.rng.IntN(2), g.newUnit(SlowCuriosity, u, p))
					break
				}
			}
		}
	}
}

// churn hires a few members during the log and lets a few go, with no
// access outside their employment: neither may alert.
func (g *gen) churn() {
	for range max(1, g.cfg.Instances/2) {
		if u, ok := g.candidate(10, anyone); ok {
			g.terminate(u, historyDays+10+g.rng.IntN(max(1, g.cfg.Days-12)))
		}
		if u, ok := g.candidate(10, anyone); ok {
			d := historyDays + 5 + g.rng.IntN(max(1, g.cfg.Days/3))
			g.staff[u].hireDay = d
			g.h.Staff[u].HireDate = g.date(d)
		}
	}
}

// dropEmptyUnits removes units none of whose accesses fell inside the log
// (a look planned at the end of a night shift on the last day): nothing
// could detect them.
func (g *gen) dropEmptyUnits() {
	n := make([]int, len(g.h.Units))
	for _, e := range g.h.events {
		if e.unit >= 0 {
			n[e.unit]++
		}
	}
	remap := make([]int32, len(g.h.Units))
	var units []Unit
	for i, u := range g.h.Units {
		remap[i] = -1
		if n[i] > 0 {
			remap[i] = int32(len(units))
			units = append(units, u)
		}
	}
	for i := range g.h.events {
		if u := g.h.events[i].unit; u >= 0 {
			g.h.events[i].unit = remap[u]
		}
	}
	g.h.Units = units
}

// trimEmployment removes the legitimate accesses generated outside a
// member's employment (their work was planned before their dates were).
func (g *gen) trimEmployment() {
	out := g.h.events[:0]
	for _, e := range g.h.events {
		m := g.staff[e.user]
		if e.unit < 0 {
			if d := g.dayOf(e.sec); d > m.termDay || d < m.hireDay {
				continue
			}
		}
		out = append(out, e)
	}
	g.h.events = out
	g.dropEmptyUnits()
	g.h.noise, g.h.injected = 0, 0
	for _, e := range g.h.events {
		switch {
		case e.unit >= 0:
			g.h.injected++
		case e.unit == tagNoise:
			g.h.noise++
		}
	}
}
