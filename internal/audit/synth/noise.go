package synth

import "time"

// noise generates legitimate accesses that no record explains: the
// registration desk answering the phone, nurses covering an adjacent
// unit, laboratory staff checking a history, physicians reading ahead in
// a colleague's schedule. Floated nurses, unrecorded consults and coders
// helping colleagues are generated with the work they belong to.
func (g *gen) noise() {
	g.tag = tagNoise
	defer func() { g.tag = tagLegit }()
	reg := deptIndex("Registration")
	lab := deptIndex("Laboratory")
	upcoming := g.upcomingAppointments()
	for d := historyDays; d < g.days; d++ {
		weekday := g.weekday(d) != time.Saturday && g.weekday(d) != time.Sunday
		if weekday {
			for range g.scaled(300) {
				t := g.at(d, 8*60+g.rng.IntN(8*60))
				u := g.anyOf(reg, "registrar", t)
				if u < 0 {
					continue
				}
				g.emit(t, u, -1, aSearch, tagNoise)
				p := g.randomPatient()
				if ps := upcoming[d]; len(ps) > 0 && g.chance(0.6) {
					p = g.pick(ps)
				}
				g.touch(u, p, t+30, 0.2)
			}
			// Physicians reading ahead in their clinic's schedule.
			for range g.scaled(120) {
				ps := upcoming[d]
				if len(ps) == 0 {
					break
				}
				p := g.pick(ps)
				di := int(g.patDepts[p][len(g.patDepts[p])-1])
				if departments[di].kind != clinic {
					continue
				}
				t := g.at(d, 8*60+g.rng.IntN(9*60))
				if u := g.anyOf(di, "physician", t); u >= 0 {
					g.touch(u, p, t, 0)
				}
			}
		}
		// Cross-cover: a nurse checks a patient on an adjacent unit.
		for range g.scaled(150) {
			a := g.adm[g.rng.IntN(len(g.adm))]
			t := g.at(d, g.rng.IntN(24*60))
			if t < a.start || t > a.end {
				continue
			}
			adj := adjacent[departments[a.dept].name]
			di := deptIndex(adj[g.rng.IntN(len(adj))])
			if u := g.anyOf(di, "nurse", t); u >= 0 {
				g.touch(u, a.patient, t, 0.1)
			}
		}
		// Laboratory staff checking earlier results without an order.
		for range g.scaled(50) {
			a := g.adm[g.rng.IntN(len(g.adm))]
			t := g.at(d, g.rng.IntN(24*60))
			if t < a.start || t > a.end {
				continue
			}
			if u := g.anyOf(lab, "technologist", t); u >= 0 {
				g.touch(u, a.patient, t, 0)
			}
		}
	}
}

// upcomingAppointments maps each day to patients with a clinic
// appointment 3 to 21 days later: too far ahead for the appointment to
// explain an access today.
func (g *gen) upcomingAppointments() map[int][]int32 {
	out := make(map[int][]int32)
	byPatient := make(map[string]int32, len(g.h.Patients))
	for i, p := range g.h.Patients {
		byPatient[p.PatientID] = int32(i)
	}
	for _, e := range g.h.Encounters {
		if e.Kind != "appointment" {
			continue
		}
		d := g.dayOf(e.Start.Unix())
		p := byPatient[e.PatientID]
		for _, back := range []int{3, 7, 14, 21} {
			if d-back >= historyDays && g.chance(0.5) {
				out[d-back] = append(out[d-back], p)
			}
		}
	}
	return out
}

// setupTraps marks the users whose unusual work is legitimate: the coder
// with three times the claims (see coderWeights), and day nurses who pick
// up two or three night shifts on their own unit, all of it explained.
func (g *gen) setupTraps() {
	bill := deptIndex("Billing")
	g.scenarioUse = map[int32]bool{g.byDept[bill][0]: true}
	g.h.Traps = append(g.h.Traps, Trap{Kind: "high_volume_coder", UserID: g.h.Staff[g.byDept[bill][0]].UserID})
	var dayNurses []int32
	for di, dep := range departments {
		if dep.kind != inpatient {
			continue
		}
		for _, u := range g.byDept[di] {
			if m := g.staff[u]; m.role == "nurse" && m.shift == dayShift12 {
				dayNurses = append(dayNurses, u)
			}
		}
	}
	for tries := 0; len(g.h.Traps) < 7 && tries < 1000; tries++ {
		u := g.pick(dayNurses)
		if g.scenarioUse[u] {
			continue
		}
		g.scenarioUse[u] = true
		m := g.staff[u]
		var free []int // days off followed by a day off: room for a night shift
		for d := historyDays; d+1 < g.days; d++ {
			if !m.works[d] && !m.works[d+1] {
				free = append(free, d)
			}
		}
		if len(free) < 2 {
			continue
		}
		g.rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
		m.extra = make(map[int]shift)
		for _, d := range free[:min(len(free), 2+g.rng.IntN(2))] {
			m.extra[d] = nightShift12
		}
		g.h.Traps = append(g.h.Traps, Trap{Kind: "explained_night_work", UserID: g.h.Staff[u].UserID})
	}
}
