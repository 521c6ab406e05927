package audit

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Baselines are what a span of history says is usual: per user, per peer
// group (department × role), the discovered templates, and for rcmbot's
// own sign-ins per account and per API token. A Learner makes them; a
// Judge weighs events against them. They marshal to JSON, so the nightly
// scan can keep them for the minute-by-minute watch.
type Baselines struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Users is keyed by user ID.
	Users map[string]*UserBaseline `json:"users"`
	// Peers is keyed by "department/role".
	Peers map[string]Robust `json:"peers"`
	// Templates are the discovered templates (FixedTemplates always apply).
	Templates []Template `json:"templates"`
	// Accounts are rcmbot sign-in accounts; Tokens its API tokens.
	Accounts map[string]*AccountBaseline `json:"accounts,omitempty"`
	Tokens   map[string]*AccountBaseline `json:"tokens,omitempty"`
}

// UserBaseline is one user's own history.
type UserBaseline struct {
	FirstDay   claim.Date `json:"first_day"`
	LastDay    claim.Date `json:"last_day"`
	ActiveDays int        `json:"active_days"`
	// HourDays counts, for each hour of the day (practice time), the days
	// on which the user was active in it.
	HourDays [24]int `json:"hour_days"`
	// Daily summarises accesses naming a patient per active day, and
	// Unexplained those of them no fixed template explains (an upper
	// bound on what a scan leaves unexplained: discovered templates
	// explain some of them).
	Daily       Robust `json:"daily"`
	Unexplained Robust `json:"unexplained"`
	// BulkHour summarises the busiest hour's exports and prints per
	// active day (zero on days without any).
	BulkHour Robust `json:"bulk_hour"`
	// Departments lists the departments whose patients the user's
	// explained accesses reach (their own included when they have any).
	Departments []string `json:"departments"`
	// Workstations and IPs are the devices and network addresses used.
	Workstations map[string]Seen `json:"workstations,omitempty"`
	IPs          map[string]Seen `json:"ips,omitempty"`
}

// AccountBaseline is the history of an rcmbot account's or token's sign-ins.
type AccountBaseline struct {
	FirstDay claim.Date      `json:"first_day"`
	IPs      map[string]Seen `json:"ips,omitempty"`
	Agents   map[string]Seen `json:"agents,omitempty"`
}

// Seen is when a workstation, address or browser was first used and on
// how many days.
type Seen struct {
	First claim.Date `json:"first"`
	Days  int        `json:"days"`
}

// seenStat accumulates a Seen.
type seenStat struct {
	first, last claim.Date
	days        int
}

func (s *seenStat) see(d claim.Date) {
	switch {
	case s.days == 0:
		s.first, s.last, s.days = d, d, 1
	case d != s.last:
		s.days++
		s.first, s.last = min(s.first, d), d
	}
}

// seeIn records that k was used on day d.
func seeIn[K comparable](m *map[K]*seenStat, k K, d claim.Date) {
	if *m == nil {
		*m = make(map[K]*seenStat)
	}
	s := (*m)[k]
	if s == nil {
		s = &seenStat{}
		(*m)[k] = s
	}
	s.see(d)
}

// seenOf returns the Seen of every key, named by name.
func seenOf[K comparable](m map[K]*seenStat, name func(K) string) map[string]Seen {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]Seen, len(m))
	for k, s := range m {
		out[name(k)] = Seen{First: s.first, Days: s.days}
	}
	return out
}

type learnDay struct {
	events int32      // accesses naming a patient
	unexpl int32      // of them, those no fixed template explains
	hours  uint32     // hours of the day with any activity
	bulk   *[24]int32 // exports and prints per hour, when any
}

type learnUser struct {
	days    map[claim.Date]*learnDay
	lastDay claim.Date
	cur     *learnDay
	depts   []int32 // explained accesses per department reached
	devices map[int32]*seenStat
	ips     map[int32]*seenStat
	group   *groupStat
	// the last explanation, for the next access to the same patient
	cachePatient   int32
	cacheLo, cache int64
	cacheDept      int32
	// the last device and address, to skip the map for the same again
	lastDev, lastIP       int32
	lastDevSt, lastIPSeen *seenStat
}

// Learner builds Baselines from a span of history, one event at a time.
// Its memory grows with users, their days, devices and departments, and
// the discovery paths, never with events.
type Learner struct {
	dir      *Directory
	opts     Options
	win      windowTable
	zone     zone
	users    []*learnUser
	disc     discovery
	accounts map[string]*learnAccount
	tokens   map[string]*learnAccount
	from, to int64
	events   int
	visitBuf []pathKey
	visitFn  func(pathKey, *encounter)
}

// NewLearner starts learning over dir.
func NewLearner(dir *Directory, opts Options) *Learner {
	opts = opts.withDefaults()
	dir.index()
	l := &Learner{dir: dir, opts: opts, win: newWindowTable(opts.Windows), zone: zone{loc: opts.Location},
		disc:     newDiscovery(),
		accounts: make(map[string]*learnAccount), tokens: make(map[string]*learnAccount),
		from: math.MaxInt64, to: math.MinInt64}
	l.visitFn = l.visit
	return l
}

// Add learns from one access.
func (l *Learner) Add(e Event) {
	a, ok := l.dir.resolve(&e)
	if ok {
		l.add(&a)
	}
}

func (l *Learner) user(u int32) *learnUser {
	for int(u) >= len(l.users) {
		l.users = append(l.users, nil)
	}
	lu := l.users[u]
	if lu == nil {
		lu = &learnUser{days: make(map[claim.Date]*learnDay), lastDay: noDay, lastDev: -1, lastIP: -1, cachePatient: -1}
		l.users[u] = lu
	}
	return lu
}

func (l *Learner) visit(k pathKey, _ *encounter) {
	if !slices.Contains(l.visitBuf, k) {
		l.visitBuf = append(l.visitBuf, k)
	}
}

func (l *Learner) add(a *access) {
	l.events++
	l.from, l.to = min(l.from, a.sec), max(l.to, a.sec)
	d, minute := localDay(l.zone.local(a.sec))
	hour := minute / 60
	lu := l.user(a.user)
	ld := dayEntry(lu.days, &lu.lastDay, &lu.cur, d)
	ld.hours |= 1 << hour
	if a.action.bulk() {
		if ld.bulk == nil {
			ld.bulk = new([24]int32)
		}
		ld.bulk[hour]++
	}
	if a.device >= 0 {
		seeCached(&lu.devices, a.device, d, &lu.lastDev, &lu.lastDevSt)
	}
	if a.ip >= 0 {
		seeCached(&lu.ips, a.ip, d, &lu.lastIP, &lu.lastIPSeen)
	}
	if a.patient < 0 {
		return
	}
	ld.events++
	st := &l.dir.staff[a.user]
	if lu.group == nil {
		lu.group = l.disc.group(st, a.user)
	}
	lu.group.events++
	l.visitBuf = l.visitBuf[:0]
	if lu.cachePatient == a.patient && a.sec >= lu.cacheLo && a.sec <= lu.cache {
		lu.credit(lu.cacheDept)
		return
	}
	if ex, ok := l.dir.explainFixed(&l.win, a.user, a.patient, a.sec, l.visitFn); ok {
		lu.cachePatient, lu.cacheLo, lu.cache, lu.cacheDept = a.patient, ex.lo, ex.hi, ex.dept
		lu.credit(ex.dept)
		return
	}
	ld.unexpl++
	l.disc.unexplained(lu.group, st, a, l.visitBuf)
}

// credit counts an explained access to a department's patients.
func (lu *learnUser) credit(dept int32) {
	if dept >= 0 {
		for int(dept) >= len(lu.depts) {
			lu.depts = append(lu.depts, 0)
		}
		lu.depts[dept]++
	}
}

// seeCached records a device or address, skipping the map when it is the
// same as last time.
func seeCached(m *map[int32]*seenStat, k int32, d claim.Date, last *int32, lastSt **seenStat) {
	if k != *last {
		seeIn(m, k, d)
		*last, *lastSt = k, (*m)[k]
		return
	}
	(*lastSt).see(d)
}

// Baselines returns what has been learned so far.
func (l *Learner) Baselines() *Baselines {
	b := &Baselines{Users: make(map[string]*UserBaseline), Peers: make(map[string]Robust)}
	if l.events > 0 {
		b.From, b.To = time.Unix(l.from, 0).In(l.opts.Location), time.Unix(l.to, 0).In(l.opts.Location)
	}
	peers := make(map[string][]float64)
	for u, lu := range l.users {
		if lu == nil || len(lu.days) == 0 {
			continue
		}
		ub := &UserBaseline{FirstDay: claim.Date(math.MaxInt32), LastDay: noDay, ActiveDays: len(lu.days)}
		daily := make([]float64, 0, len(lu.days))
		bulk := make([]float64, 0, len(lu.days))
		unexpl := make([]float64, 0, len(lu.days))
		for d, ld := range lu.days {
			unexpl = append(unexpl, float64(ld.unexpl))
			ub.FirstDay, ub.LastDay = min(ub.FirstDay, d), max(ub.LastDay, d)
			for h := range 24 {
				if ld.hours&(1<<h) != 0 {
					ub.HourDays[h]++
				}
			}
			daily = append(daily, float64(ld.events))
			peak := 0.0
			if ld.bulk != nil {
				peak = float64(slices.Max(ld.bulk[:]))
			}
			bulk = append(bulk, peak)
		}
		st := &l.dir.staff[u]
		if key, ok := l.dir.peerKey(st); ok {
			peers[key] = append(peers[key], daily...)
		}
		ub.Daily, ub.BulkHour, ub.Unexplained = robustOf(daily), robustOf(bulk), robustOf(unexpl)
		for dept, n := range lu.depts {
			if n >= workedMinEvents {
				ub.Departments = append(ub.Departments, l.dir.departmentName(int32(dept)))
			}
		}
		sort.Strings(ub.Departments)
		ub.Workstations, ub.IPs = seenOf(lu.devices, l.dir.devices.name), seenOf(lu.ips, l.dir.ips.name)
		b.Users[l.dir.users.name(int32(u))] = ub
	}
	for key, xs := range peers {
		b.Peers[key] = robustOf(xs)
	}
	b.Templates = l.disc.templates(l.dir, &l.win)
	b.Accounts, b.Tokens = accountBaselines(l.accounts), accountBaselines(l.tokens)
	return b
}

// peerKey names a user's peer group, "department/role".
func (d *Directory) peerKey(st *staffRec) (string, bool) {
	if st.dept < 0 || st.role < 0 {
		return "", false
	}
	return d.departmentName(st.dept) + "/" + d.roles.name(st.role), true
}
