package synth

import (
	"fmt"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// neverDay is a termination day after the end of any log.
const neverDay = 1 << 30

// addStaff adds the k-th member of a role to department di, living in
// household hh, with a shift and a working pattern.
func (g *gen) addStaff(di int, role string, k int, hh int32) {
	dep := departments[di]
	idx := int32(len(g.staff))
	m := &member{idx: idx, dept: di, role: role, homeIP: -1, self: -1, hireDay: -3650, termDay: neverDay, works: make([]bool, g.days+2)}
	perWeek := 5
	weekdaysOnly := false
	switch {
	case (dep.kind == inpatient || dep.kind == emergency) && role == "nurse",
		dep.kind == emergency && role == "physician":
		m.shift = dayShift12
		if g.chance(0.3) {
			m.shift = nightShift12
		}
		perWeek = 3 + b2i(g.chance(0.3))
	case dep.kind == inpatient && role == "physician":
		m.shift = shift{8 * 60, 10 * 60}
	case dep.kind == emergency, dep.kind == ancillary && role != "physician":
		m.shift = []shift{shiftA, shiftA, shiftB, shiftC}[k%4]
	case dep.kind == clinic, dep.kind == ancillary:
		m.shift, weekdaysOnly = clinicHours, true
	case role == "registrar":
		m.shift, weekdaysOnly = registration, true
	default:
		m.shift, weekdaysOnly = officeHours, true
	}
	for week := 0; week*7 < g.days+2; week++ {
		var days []int
		for d := week * 7; d < min(week*7+7, g.days+2); d++ {
			wd := g.weekday(min(d, len(g.midnight)-1))
			if weekdaysOnly && (wd == time.Saturday || wd == time.Sunday) {
				continue
			}
			days = append(days, d)
		}
		g.rng.Shuffle(len(days), func(i, j int) { days[i], days[j] = days[j], days[i] })
		n := perWeek
		if weekdaysOnly {
			n = len(days)
		}
		for i, d := range days {
			if i < n {
				m.works[d] = true
			}
		}
	}
	// Workstations of the department: one home station, nurses roam
	// between three.
	base := g.deptStation(di)
	m.stations = append(m.stations, base+int32(k%dep.ws))
	if role == "nurse" {
		m.stations = append(m.stations, base+int32((k+3)%dep.ws), base+int32((k+7)%dep.ws))
	}
	if role == "physician" {
		m.homeIP = g.newIP(fmt.Sprintf("10.200.%d.%d", di, 10+k))
	}
	g.staff = append(g.staff, m)
	g.byDept[di] = append(g.byDept[di], idx)
	g.memberHouse = append(g.memberHouse, hh)
	hhRec := &g.house[hh]
	s := audit.Staff{UserID: fmt.Sprintf("U%04d", idx+1), LastName: hhRec.surname, FirstName: GivenNames[g.rng.IntN(len(GivenNames))],
		Department: dep.name, Role: role, Address: hhRec.address(g.rng), ZIP: hhRec.zip,
		HireDate:   claim.NewDate(2008+g.rng.IntN(16), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28)),
		ShiftStart: audit.NoClock, ShiftEnd: audit.NoClock}
	if g.chance(0.9) {
		s.ShiftStart, s.ShiftEnd = audit.Clock(m.shift.start), audit.Clock((m.shift.start+m.shift.length)%(24*60))
	}
	g.h.Staff = append(g.h.Staff, s)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deptStation returns the index of department di's first workstation,
// creating the department's stations (and their addresses) on first use.
func (g *gen) deptStation(di int) int32 {
	if g.stationBase == nil {
		g.stationBase = make([]int32, len(departments))
		for i, dep := range departments {
			g.stationBase[i] = int32(len(g.h.workstns))
			for k := 0; k < dep.ws; k++ {
				g.h.workstns = append(g.h.workstns, fmt.Sprintf("WS-%s-%02d", abbrev(dep.name), k+1))
				g.h.ips = append(g.h.ips, fmt.Sprintf("10.%d.%d.%d", i+1, k/200, 10+k%200))
			}
		}
	}
	return g.stationBase[di]
}

// newIP adds an address that belongs to no workstation.
func (g *gen) newIP(s string) int32 {
	g.deptStation(0)
	g.h.ips = append(g.h.ips, s)
	return int32(len(g.h.ips) - 1)
}

func abbrev(name string) string {
	out := []byte{}
	for i := 0; i < len(name) && len(out) < 3; i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			out = append(out, c)
		} else if c >= 'a' && c <= 'z' && len(out) < 3 && (i == 0 || name[i-1] != ' ') {
			out = append(out, c-'a'+'A')
		}
	}
	return string(out)
}

// onShift reports whether m is working at minute-of-day minute of day d
// (night shifts run into the next day), and the day their shift began.
func (g *gen) onShift(m *member, d, minute int) bool {
	if d > m.termDay || d < m.hireDay {
		return false
	}
	for _, dd := range []int{d, d - 1} {
		if dd < 0 || dd >= len(m.works) {
			continue
		}
		sh, ok := m.extra[dd]
		if !ok {
			if !m.works[dd] {
				continue
			}
			sh = m.shift
		}
		mm := minute + (d-dd)*24*60
		if mm >= sh.start && mm < sh.start+sh.length {
			return true
		}
	}
	return false
}

// staffOnShift returns the department's members with a role working at
// minute of day d.
func (g *gen) staffOnShift(di int, role string, d, minute int) []int32 {
	var out []int32
	for _, u := range g.byDept[di] {
		m := g.staff[u]
		if m.role == role && g.onShift(m, d, minute) {
			out = append(out, u)
		}
	}
	return out
}

// floating reports whether nurse u is floated away from their unit for
// the shift that begins on day d.
func (g *gen) floating(u int32, d int) bool {
	_, ok := g.floats[u][d]
	return ok
}

// shiftTime returns a random time within m's shift that begins on day d.
func (g *gen) shiftTime(m *member, d int) int64 {
	sh := m.shift
	if x, ok := m.extra[d]; ok {
		sh = x
	}
	return g.at(d, sh.start+15+g.rng.IntN(max(1, sh.length-30)))
}

// workingDays returns the log days m works (and is employed).
func (g *gen) workingDays(m *member) []int {
	var out []int
	for d := historyDays; d < g.days; d++ {
		if m.works[d] && d <= m.termDay && d >= m.hireDay {
			out = append(out, d)
		}
	}
	return out
}
