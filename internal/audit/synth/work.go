package synth

import (
	"math"
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
)

const (
	minute = int64(60)
	hour   = 60 * minute
	oneDay = 24 * hour
)

// addEnc records an encounter (u -1 for a department-level one).
func (g *gen) addEnc(p, u int32, di int, start, end int64, kind audit.EncounterKind) {
	e := audit.Encounter{PatientID: g.h.Patients[p].PatientID, Department: departments[di].name,
		Start: time.Unix(start, 0).In(g.cfg.Location), End: time.Unix(end, 0).In(g.cfg.Location), Kind: kind}
	if u >= 0 {
		e.UserID = g.h.Staff[u].UserID
		if !slices.Contains(g.patUsers[p], u) {
			g.patUsers[p] = append(g.patUsers[p], u)
		}
	}
	g.h.Encounters = append(g.h.Encounters, e)
	if !slices.Contains(g.patDepts[p], int16(di)) {
		g.patDepts[p] = append(g.patDepts[p], int16(di))
	}
	g.patBusy[p] = append(g.patBusy[p], int32(g.dayOf(start)), int32(g.dayOf(end)))
}

// touch is one look at a chart: a burst of one to four accesses minutes apart.
func (g *gen) touch(u, p int32, t int64, edits float64) {
	n := 1 + g.rng.IntN(4)
	for i := range n {
		a := aView
		if g.chance(edits) {
			a = aEdit
		}
		g.emit(t+int64(i)*(20+g.rng.Int64N(100)), u, p, a, -1)
	}
}

// within returns a random time in [lo, hi].
func (g *gen) within(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.Int64N(hi-lo)
}

// anyOf returns a random member of role in department di on shift at t,
// or (when nobody is) any member of the role: someone on call.
func (g *gen) anyOf(di int, role string, t int64) int32 {
	d := g.dayOf(t)
	m := int((t - g.midnight[d]) / minute)
	if on := g.staffOnShift(di, role, d, m); len(on) > 0 {
		return g.pick(on)
	}
	var all []int32
	for _, u := range g.byDept[di] {
		if g.staff[u].role == role && d <= g.staff[u].termDay && d >= g.staff[u].hireDay {
			all = append(all, u)
		}
	}
	if len(all) == 0 {
		return -1
	}
	return g.pick(all)
}

func deptIndex(name string) int {
	for i, d := range departments {
		if d.name == name {
			return i
		}
	}
	panic("synth: no department " + name)
}

// scaled rounds x times the load.
func (g *gen) scaled(x float64) int {
	v := x * g.cfg.Load
	n := int(v)
	if g.rng.Float64() < v-float64(n) {
		n++
	}
	return n
}

// clinicalWork generates every encounter and the legitimate accesses it drives.
func (g *gen) clinicalWork() {
	g.coderWeights()
	g.planFloats()
	incoming := make(map[int][]admission)
	g.emergency(incoming)
	g.clinics()
	for di, dep := range departments {
		if dep.kind == inpatient {
			g.inpatient(di, incoming[di])
		}
	}
}

// coderWeights gives every coder an equal share of claims, except the
// first, who works three times as many (the high-volume trap).
func (g *gen) coderWeights() {
	bill := deptIndex("Billing")
	g.coderWeight = make([]float64, len(g.byDept[bill]))
	for i := range g.coderWeight {
		g.coderWeight[i] = 1
	}
	g.coderWeight[0] = 3
}

// order records an order to an ancillary department and its work.
func (g *gen) order(p int32, dept string, t int64) {
	di := deptIndex(dept)
	var end int64
	switch dept {
	case "Laboratory":
		end = t + 2*hour
	case "Radiology":
		end = t + 3*hour
	default:
		end = t + hour
	}
	g.addEnc(p, -1, di, t, end, audit.KindOrder)
	role := "technologist"
	if dept == "Pharmacy" {
		role = "pharmacist"
	}
	when := g.within(t+10*minute, end)
	if u := g.anyOf(di, role, when); u >= 0 {
		g.touch(u, p, when, 0.3)
	}
	if dept == "Radiology" {
		// A radiologist reads the study, next morning when it came at night.
		read := end + g.rng.Int64N(2*hour)
		if d := g.dayOf(read); g.weekday(d) == time.Saturday || g.weekday(d) == time.Sunday || read-g.midnight[d] > 17*hour || read-g.midnight[d] < 8*hour {
			read = g.nextWeekdayMorning(read)
		}
		if u := g.anyOf(di, "physician", read); u >= 0 {
			g.touch(u, p, read, 0.5)
		}
	}
}

func (g *gen) nextWeekdayMorning(t int64) int64 {
	d := g.dayOf(t)
	if t-g.midnight[d] > 8*hour {
		d++
	}
	for d < g.days && (g.weekday(d) == time.Saturday || g.weekday(d) == time.Sunday) {
		d++
	}
	return g.at(d, 8*60+30+g.rng.IntN(300))
}

// claim records a claim for a service and the coder's work on it.
func (g *gen) claim(p int32, di int, service int64) {
	bill := deptIndex("Billing")
	coders := g.byDept[bill]
	total := 0.0
	for _, w := range g.coderWeight {
		total += w
	}
	x := g.rng.Float64() * total
	ci := 0
	for ci < len(coders)-1 && x > g.coderWeight[ci] {
		x -= g.coderWeight[ci]
		ci++
	}
	coder := coders[ci]
	m := g.staff[coder]
	sd := g.dayOf(service) + 1 + g.rng.IntN(3)
	for k := 0; k < 7 && sd < g.days && !m.works[sd]; k++ {
		sd++
	}
	if sd >= g.days {
		return
	}
	start := g.at(sd, 9*60)
	span := g.rng.IntN(4)
	g.addEnc(p, coder, di, start, start+int64(span)*oneDay+8*hour, audit.KindClaim)
	for range 2 + g.rng.IntN(2) {
		d := sd + g.rng.IntN(span+1)
		for k := 0; k < 5 && d < g.days && !m.works[d]; k++ {
			d++
		}
		if d >= g.days {
			continue
		}
		g.touch(coder, p, g.shiftTime(m, d), 0.4)
		// Now and then a coder looks at a claim a colleague holds.
		if g.chance(0.08) {
			if other := g.pick(coders); other != coder && g.staff[other].works[d] {
				g.tag = tagNoise
				g.touch(other, p, g.shiftTime(g.staff[other], d), 0)
				g.tag = tagLegit
			}
		}
	}
}

// arrivalMinute draws an emergency arrival time: busiest late morning
// to evening.
func (g *gen) arrivalMinute() int {
	for {
		m := g.rng.IntN(24 * 60)
		h := m / 60
		w := 0.35
		switch {
		case h >= 10 && h < 22:
			w = 1
		case h >= 7 && h < 10, h >= 22:
			w = 0.6
		}
		if g.rng.Float64() < w {
			return m
		}
	}
}

func (g *gen) randomPatient() int32 { return int32(g.rng.IntN(len(g.h.Patients))) }

// emergency generates the emergency department's visits; some are
// admitted, into incoming.
func (g *gen) emergency(incoming map[int][]admission) {
	ed := deptIndex("Emergency")
	units := []struct {
		name string
		w    float64
	}{{"Medicine", 0.5}, {"Surgery", 0.2}, {"Intensive Care", 0.15}, {"Pediatrics", 0.08}, {"Obstetrics", 0.07}}
	for d := 0; d < g.days; d++ {
		for range g.scaled(130) {
			p := g.randomPatient()
			start := g.at(d, g.arrivalMinute())
			end := start + 2*hour + g.rng.Int64N(6*hour)
			g.addEnc(p, -1, ed, start, end, audit.KindAdmission)
			if u := g.anyOf(ed, "registrar", start); u >= 0 {
				g.touch(u, p, start+g.rng.Int64N(10*minute), 0.5)
			}
			nurse := g.anyOf(ed, "nurse", start)
			doc := g.anyOf(ed, "physician", start)
			for range 2 + g.rng.IntN(3) {
				if nurse >= 0 {
					g.touch(nurse, p, g.within(start, end), 0.3)
				}
			}
			for range 2 + g.rng.IntN(2) {
				if doc >= 0 {
					g.touch(doc, p, g.within(start+15*minute, end), 0.4)
				}
			}
			if g.chance(0.6) {
				g.order(p, "Laboratory", start+20*minute)
			}
			if g.chance(0.35) {
				g.order(p, "Radiology", start+30*minute)
			}
			g.claim(p, ed, end)
			if g.chance(0.18) {
				x := g.rng.Float64()
				for _, u := range units {
					if x < u.w {
						di := deptIndex(u.name)
						incoming[di] = append(incoming[di], admission{patient: p, dept: di, start: end})
						break
					}
					x -= u.w
				}
			}
		}
	}
}

// clinics generates the outpatient clinics' appointments, orders,
// referrals and claims.
func (g *gen) clinics() {
	reg := deptIndex("Registration")
	var specialists []int
	for di, dep := range departments {
		if dep.kind == clinic && dep.name != "Primary Care" {
			specialists = append(specialists, di)
		}
	}
	g.panels = make([][]int32, len(g.staff))
	for d := 0; d < g.days; d++ {
		if wd := g.weekday(d); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for di, dep := range departments {
			if dep.kind != clinic {
				continue
			}
			for _, doc := range g.byDept[di] {
				m := g.staff[doc]
				if m.role != "physician" || !m.works[d] || d > m.termDay || d < m.hireDay {
					continue
				}
				n := g.scaled(16)
				slot := 9 * 60 / max(1, n)
				for i := range n {
					p := g.randomPatient()
					if len(g.panels[doc]) > 20 && g.chance(0.4) {
						p = g.pick(g.panels[doc])
					} else {
						g.panels[doc] = append(g.panels[doc], p)
					}
					start := g.at(d, 8*60+i*slot)
					end := start + 25*minute
					g.addEnc(p, doc, di, start, end, audit.KindAppointment)
					if u := g.anyOf(reg, "registrar", start-10*minute); u >= 0 {
						g.touch(u, p, start-10*minute, 0.3)
					}
					if u := g.anyOf(di, "nurse", start); u >= 0 {
						g.touch(u, p, start-5*minute+g.rng.Int64N(25*minute), 0.3)
					}
					if g.chance(0.4) {
						g.touch(doc, p, start-oneDay+g.rng.Int64N(2*hour), 0)
					}
					g.touch(doc, p, start+g.rng.Int64N(20*minute), 0.4)
					g.touch(doc, p, end+hour+g.rng.Int64N(20*hour), 0.6)
					if g.chance(0.2) {
						g.order(p, "Laboratory", start+15*minute)
					}
					if g.chance(0.1) {
						g.order(p, "Radiology", start+15*minute)
					}
					if dep.name == "Primary Care" && g.chance(0.12) {
						to := specialists[g.rng.IntN(len(specialists))]
						ref := start + hour
						g.addEnc(p, -1, to, ref, ref, audit.KindReferral)
						intake := g.nextWeekdayMorning(ref + int64(1+g.rng.IntN(6))*oneDay)
						if u := g.anyOf(to, "nurse", intake); u >= 0 {
							g.touch(u, p, intake, 0.2)
						}
					}
					g.claim(p, di, end)
				}
			}
		}
	}
}

// planFloats picks, for each day, inpatient nurses who work that shift on
// another unit (short-staffing): their accesses there are legitimate but
// no encounter of their own department explains them.
func (g *gen) planFloats() {
	g.floats = make(map[int32]map[int]int)
	var nurses []int32
	for di, dep := range departments {
		if dep.kind != inpatient {
			continue
		}
		for _, u := range g.byDept[di] {
			if g.staff[u].role == "nurse" {
				nurses = append(nurses, u)
			}
		}
	}
	for d := 0; d < g.days; d++ {
		for range g.scaled(6) {
			u := g.pick(nurses)
			m := g.staff[u]
			if !m.works[d] {
				continue
			}
			adj := adjacent[departments[m.dept].name]
			to := deptIndex(adj[g.rng.IntN(len(adj))])
			if departments[to].kind != inpatient {
				continue
			}
			if g.floats[u] == nil {
				g.floats[u] = make(map[int]int)
			}
			g.floats[u][d] = to
		}
	}
}

// inpatient generates one unit's admissions and their nursing, medical,
// pharmacy, laboratory and imaging work.
func (g *gen) inpatient(di int, incoming []admission) {
	dep := departments[di]
	c := float64(census[dep.name]) * g.cfg.Load
	losLo, losHi := 2.0, 7.0
	if dep.name == "Intensive Care" {
		losLo, losHi = 3, 9
	}
	meanLOS := (losLo + losHi) / 2
	var docs []int32
	for _, u := range g.byDept[di] {
		if g.staff[u].role == "physician" {
			docs = append(docs, u)
		}
	}
	admit := func(a admission) admission {
		los := (losLo + g.rng.Float64()*(losHi-losLo)) * float64(oneDay)
		a.end = a.start + int64(los)
		a.attending = g.pick(docs)
		g.addEnc(a.patient, -1, di, a.start, a.end, audit.KindAdmission)
		g.addEnc(a.patient, a.attending, di, a.start, a.end, audit.KindAdmission)
		if g.chance(0.12) {
			g.consult(a)
		}
		return a
	}
	var active []admission
	// Fill the unit before the first day.
	for range int(c) {
		start := g.midnight[0] - g.rng.Int64N(int64(meanLOS*float64(oneDay)))
		active = append(active, admit(admission{patient: g.randomPatient(), dept: di, start: start}))
	}
	byDay := make(map[int][]admission)
	for _, a := range incoming {
		byDay[g.dayOf(a.start)] = append(byDay[g.dayOf(a.start)], a)
	}
	for d := 0; d < g.days; d++ {
		arrivals := byDay[d]
		direct := int(math.Max(0, c/meanLOS-float64(len(arrivals))))
		for range direct {
			arrivals = append(arrivals, admission{patient: g.randomPatient(), dept: di, start: g.at(d, 7*60+g.rng.IntN(14*60))})
		}
		for _, a := range arrivals {
			active = append(active, admit(a))
		}
		dayStart, dayEnd := g.midnight[d], g.midnight[d+1]
		var still []admission
		for _, a := range active {
			if a.end >= dayStart {
				still = append(still, a)
			}
			if a.end >= dayStart && a.end < dayEnd {
				g.claim(a.patient, di, a.end)
			}
		}
		active = still
		g.nursing(di, d, active)
		for _, a := range active {
			if a.start >= dayEnd || a.end < dayStart {
				continue
			}
			lo, hi := max(a.start, g.at(d, 8*60)), min(a.end, g.at(d, 18*60))
			doc := a.attending
			if !g.staff[doc].works[d] {
				doc = g.pick(docs)
			}
			if hi > lo && g.staff[doc].works[d] {
				for range 1 + g.rng.IntN(2) {
					g.touch(doc, a.patient, g.within(lo, hi), 0.5)
				}
			}
			if t := g.at(d, 5*60+g.rng.IntN(120)); t > a.start && t < a.end {
				g.order(a.patient, "Laboratory", t)
			}
			if t := g.at(d, 8*60+g.rng.IntN(12*60)); t > a.start && t < a.end {
				g.order(a.patient, "Pharmacy", t)
			}
			if t := g.at(d, 9*60+g.rng.IntN(8*60)); g.chance(0.2) && t > a.start && t < a.end {
				g.order(a.patient, "Radiology", t)
			}
		}
		g.adm = append(g.adm, arrivals...)
	}
	g.adm = append(g.adm, active...)
}

// nursing assigns the unit's patients to the nurses on each shift of day
// d (its own nurses, less those floated away, plus those floated in) and
// generates their charting.
func (g *gen) nursing(di, d int, active []admission) {
	for _, sh := range []shift{dayShift12, nightShift12} {
		var nurses []int32
		for u, f := range g.floats {
			if f[d] == di && g.staff[u].shift == sh {
				nurses = append(nurses, u)
			}
		}
		slices.Sort(nurses) // map order must not decide the data
		for _, u := range g.byDept[di] {
			m := g.staff[u]
			if m.role != "nurse" || d > m.termDay || d < m.hireDay || g.floating(u, d) {
				continue
			}
			if x, ok := m.extra[d]; ok && x == sh || !ok && m.works[d] && m.shift == sh {
				nurses = append(nurses, u)
			}
		}
		if len(nurses) == 0 {
			continue
		}
		lo, hi := g.at(d, sh.start), g.at(d, sh.start+sh.length)
		k := 0
		for _, a := range active {
			s, e := max(lo, a.start), min(hi, a.end)
			if e <= s {
				continue
			}
			u := nurses[k%len(nurses)]
			k++
			if g.staff[u].dept != di {
				g.tag = tagNoise // a floated nurse: no encounter of their department
			}
			for range 4 + g.rng.IntN(4) {
				g.touch(u, a.patient, g.within(s, e), 0.35)
			}
			g.tag = tagLegit
		}
	}
}

// consult: a specialist sees an inpatient; nobody records it as an encounter.
func (g *gen) consult(a admission) {
	spec := []string{"Cardiology", "Oncology", "Orthopedics"}[g.rng.IntN(3)]
	di := deptIndex(spec)
	t := g.nextWeekdayMorning(a.start + 2*hour)
	if t > a.end {
		return
	}
	u := g.anyOf(di, "physician", t)
	if u < 0 {
		return
	}
	g.tag = tagNoise
	for range 2 + g.rng.IntN(3) {
		g.touch(u, a.patient, g.within(t, min(a.end, t+8*hour)), 0.5)
	}
	g.tag = tagLegit
}
