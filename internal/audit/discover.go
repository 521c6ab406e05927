package audit

import (
	"math"
	"slices"
	"sort"
)

// Template discovery. Every access no fixed template explains is a piece
// of evidence for each path that could have explained it: the user's
// department and role, and the department and kind of each of the
// patient's encounters around the time of access (the DepartmentCare
// window, whatever the kind: the long claim and referral windows are for
// the department that works them). Counting paths that way credits
// coincidences too (a registrar checking a patient in for an appointment
// also "follows" the patient's laboratory order that morning), so paths
// are chosen greedily, as a set cover: the path that explains the most
// still-unexplained accesses first, then those accesses are taken out and
// the rest recounted. Orders and claims of another department are a
// weaker relationship than appointments, admissions and referrals, so
// their paths count half in that race. A path must also be specific: the
// group's unexplained accesses must reach patients with such encounters
// at least discoverMinLift times as often as a patient picked at random
// has one. And it must be shared: enough users of the group, enough
// patients, a real share of the group's work.
const (
	discoverMinEvents    = 20
	discoverMinPatients  = 10
	discoverMinUsers     = 3
	discoverMinUserShare = 0.2
	discoverMinShare     = 0.005
	discoverMinLift      = 2.0
)

type pathStat struct {
	userDept, role, encDept int32
	kind                    EncounterKind
	events                  int
	users, patients         map[int32]struct{}
}

type groupStat struct {
	events, unexplained int
	users               map[int32]struct{}
}

// signature is the set of paths one unexplained access could follow.
type signature struct {
	paths  []pathKey
	events int
}

// typeKey is an encounter department and kind.
type typeKey struct {
	dept int32
	kind EncounterKind
}

type discovery struct {
	paths    map[pathKey]*pathStat
	groups   map[[2]int32]*groupStat
	sigs     map[string]*signature
	sigBuf   []byte
	from, to int64
}

func newDiscovery() discovery {
	return discovery{paths: make(map[pathKey]*pathStat), groups: make(map[[2]int32]*groupStat),
		sigs: make(map[string]*signature), from: math.MaxInt64, to: math.MinInt64}
}

// group returns the user's group, counting the user in it (once per user:
// the caller keeps the result and counts the accesses).
func (d *discovery) group(st *staffRec, u int32) *groupStat {
	k := [2]int32{st.dept, st.role}
	g := d.groups[k]
	if g == nil {
		g = &groupStat{users: make(map[int32]struct{})}
		d.groups[k] = g
	}
	g.users[u] = struct{}{}
	return g
}

// unexplained records an access no fixed template explained, with the
// paths that could explain it.
func (d *discovery) unexplained(g *groupStat, st *staffRec, a *access, paths []pathKey) {
	g.unexplained++
	d.from, d.to = min(d.from, a.sec), max(d.to, a.sec)
	if len(paths) == 0 {
		return
	}
	for _, k := range paths {
		ps := d.paths[k]
		if ps == nil {
			ps = &pathStat{userDept: st.dept, role: st.role, users: make(map[int32]struct{}), patients: make(map[int32]struct{})}
			ps.encDept, ps.kind = k.encounter()
			d.paths[k] = ps
		}
		ps.events++
		ps.users[a.user] = struct{}{}
		ps.patients[a.patient] = struct{}{}
	}
	slices.Sort(paths)
	d.sigBuf = d.sigBuf[:0]
	for _, k := range paths {
		for s := 0; s < 64; s += 8 {
			d.sigBuf = append(d.sigBuf, byte(k>>s))
		}
	}
	sig := d.sigs[string(d.sigBuf)]
	if sig == nil {
		sig = &signature{paths: slices.Clone(paths)}
		d.sigs[string(d.sigBuf)] = sig
	}
	sig.events++
}

// coverage returns, per encounter type, the share of patient-time over
// the learned span that lies within such an encounter's window: how
// likely a patient picked at random is to have one.
func (d *discovery) coverage(dir *Directory, w *windowTable) map[typeKey]float64 {
	out := make(map[typeKey]float64)
	span := float64(d.to - d.from)
	if span <= 0 || len(dir.pats) == 0 {
		return out
	}
	for _, e := range dir.flat {
		lo, hi := max(e.start-w.path.before, d.from), min(e.end+w.path.after, d.to)
		if hi > lo {
			out[typeKey{e.dept, e.kind}] += float64(hi - lo)
		}
	}
	for k, v := range out {
		out[k] = v / span / float64(len(dir.pats))
	}
	return out
}

// lift is how much more often the group's unexplained accesses follow
// path p than a random patient has its encounter type.
func (d *discovery) lift(ps *pathStat, cov map[typeKey]float64) float64 {
	g := d.groups[[2]int32{ps.userDept, ps.role}]
	if g == nil || g.unexplained == 0 {
		return 0
	}
	rg := float64(ps.events) / float64(g.unexplained)
	return rg / math.Max(cov[typeKey{ps.encDept, ps.kind}], 1e-9)
}

// templates chooses the discovered templates.
func (d *discovery) templates(dir *Directory, w *windowTable) []Template {
	cov := d.coverage(dir, w)
	type cand struct {
		key  pathKey
		ps   *pathStat
		g    *groupStat
		lift float64
	}
	var cands []cand
	for k, ps := range d.paths {
		g := d.groups[[2]int32{ps.userDept, ps.role}]
		minUsers := max(discoverMinUsers, int(math.Ceil(discoverMinUserShare*float64(len(g.users)))))
		if ps.events < discoverMinEvents || len(ps.patients) < discoverMinPatients || len(ps.users) < minUsers {
			continue
		}
		if l := d.lift(ps, cov); l >= discoverMinLift {
			cands = append(cands, cand{k, ps, g, l})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].key < cands[j].key })
	covered := make(map[*signature]bool)
	chosen := make(map[pathKey]bool)
	var out []Template
	for {
		uncovered := make(map[pathKey]int)
		for _, s := range d.sigs {
			if covered[s] {
				continue
			}
			for _, k := range s.paths {
				uncovered[k] += s.events
			}
		}
		best, bestN, bestW := -1, 0, 0.0
		for i, c := range cands {
			n := uncovered[c.key]
			if chosen[c.key] || n < discoverMinEvents || float64(n) < discoverMinShare*float64(c.g.events) {
				continue
			}
			weight := float64(n)
			if c.ps.kind == KindOrder || c.ps.kind == KindClaim {
				weight /= 2
			}
			if weight > bestW {
				best, bestN, bestW = i, n, weight
			}
		}
		if best < 0 {
			break
		}
		c := cands[best]
		chosen[c.key] = true
		for _, s := range d.sigs {
			if !covered[s] && slices.Contains(s.paths, c.key) {
				covered[s] = true
			}
		}
		t := dir.pathTemplate(c.ps.userDept, c.ps.role, c.ps.encDept, c.ps.kind)
		t.Events, t.Users, t.Patients, t.Lift = bestN, len(c.ps.users), len(c.ps.patients), math.Round(c.lift*100)/100
		out = append(out, t)
	}
	return out
}
