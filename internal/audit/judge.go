package audit

import (
	"math"
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The rules judged per (user, patient) pair, as indexes into pairAcc.rules.
const (
	pSelf = iota
	pFamily
	pCoworker
	pNeighbour
	pVIP
	pOffHours
	pFirstDept
	nPairRules
)

var pairRules = [nPairRules]RuleID{RuleSelf, RuleFamily, RuleCoworker, RuleNeighbour, RuleVIP, RuleOffHours, RuleFirstDepartment}

// span counts events between a first and a last time.
type span struct {
	events      int
	first, last int64
}

func (s *span) add(t int64) {
	if s.events == 0 || t < s.first {
		s.first = t
	}
	if s.events == 0 || t > s.last {
		s.last = t
	}
	s.events++
}

// pairAcc accumulates what the rules found on one (user, patient) pair.
type pairAcc struct {
	user, patient int32
	rules         [nPairRules]span
	offHours      uint32 // hours of the day of the off-hours accesses
	unexplained   bool
}

// userSignal accumulates one user-level rule's findings about one user.
type userSignal struct {
	span
	days  map[claim.Date]struct{}
	notes []string // what to name in the reason: devices, addresses, dates
	kind  string   // which variant of the rule fired
}

func (s *userSignal) addAt(t int64, d claim.Date) {
	s.add(t)
	if s.days == nil {
		s.days = make(map[claim.Date]struct{})
	}
	s.days[d] = struct{}{}
}

// signal returns *p, creating it when nil.
func signal(p **userSignal) *userSignal {
	if *p == nil {
		*p = &userSignal{}
	}
	return *p
}

func (s *userSignal) note(n string) {
	if len(s.notes) < 3 && !slices.Contains(s.notes, n) {
		s.notes = append(s.notes, n)
	}
}

type judgeDay struct {
	span
	unexplained int
}

// judgeUser is what the Judge knows and accumulates about one user.
type judgeUser struct {
	base       *UserBaseline
	learned    bool   // the baseline covers at least LearningDays
	usual      uint32 // usual hours of the day, from the baseline
	worked     []int32
	novelty    map[int64]bool // device (≥0) or ^ip (<0) → new?
	days       map[claim.Date]*judgeDay
	lastDay    claim.Date
	cur        *judgeDay
	bulk       map[int64]*span // exports and prints per local hour (Unix hours)
	firstDept  map[claim.Date]struct{}
	withEvents bool // judged at least one access naming a patient

	employment, newDevice, newIP, newAny *userSignal

	cachePatient   int32
	cacheLo, cache int64
	cacheExplained explained
}

// Judge weighs accesses (and rcmbot's sign-ins) against Baselines and
// accumulates alerts. Memory grows with users, their judged days and the
// (user, patient) pairs some rule fired on, never with events.
type Judge struct {
	dir        *Directory
	opts       Options
	base       *Baselines
	win        windowTable
	zone       zone
	thresholds Thresholds
	paths      map[pathKey]int // discovered path → index into templates
	templates  []Template
	users      []*judgeUser
	pairs      map[uint64]*pairAcc
	signins    signinJudge

	events, withPatient, explained int
	byTemplate                     map[TemplateID]int
	from, to                       int64
}

// NewJudge starts judging against b (which may be empty, for rules that
// need no history).
func NewJudge(dir *Directory, b *Baselines, opts Options) *Judge {
	opts = opts.withDefaults()
	if b == nil {
		b = &Baselines{}
	}
	dir.index()
	j := &Judge{dir: dir, opts: opts, base: b, win: newWindowTable(opts.Windows), zone: zone{loc: opts.Location},
		thresholds: opts.Thresholds, paths: make(map[pathKey]int), pairs: make(map[uint64]*pairAcc),
		byTemplate: make(map[TemplateID]int), from: math.MaxInt64, to: math.MinInt64}
	for _, t := range b.Templates {
		if !t.Discovered {
			continue
		}
		ud, r, ed := dir.deptOf(t.UserDepartment), dir.roles.internOrNone(t.UserRole), dir.deptOf(t.EncounterDepartment)
		j.paths[makePath(ud, r, ed, t.EncounterKind)] = len(j.templates)
		j.templates = append(j.templates, t)
	}
	j.signins.init()
	return j
}

func (j *Judge) user(u int32) *judgeUser {
	for int(u) >= len(j.users) {
		j.users = append(j.users, nil)
	}
	ju := j.users[u]
	if ju != nil {
		return ju
	}
	ju = &judgeUser{days: make(map[claim.Date]*judgeDay), lastDay: noDay, cachePatient: -1}
	st := &j.dir.staff[u]
	if st.dept >= 0 {
		ju.worked = append(ju.worked, st.dept)
	}
	if b := j.base.Users[j.dir.users.name(u)]; b != nil {
		ju.base = b
		ju.learned = b.ActiveDays >= j.opts.LearningDays
		for _, name := range b.Departments {
			if d := j.dir.deptOf(name); !slices.Contains(ju.worked, d) {
				ju.worked = append(ju.worked, d)
			}
		}
		if ju.learned {
			need := max(usualMinDays, int(math.Ceil(usualShare*float64(b.ActiveDays))))
			for h := range 24 {
				// An hour next to a usual one is usual too: shifts do
				// not start on the hour.
				if max(b.HourDays[h], b.HourDays[(h+23)%24], b.HourDays[(h+1)%24]) >= need {
					ju.usual |= 1 << h
				}
			}
		}
	}
	j.users[u] = ju
	return ju
}

// Add judges one access.
func (j *Judge) Add(e Event) {
	if a, ok := j.dir.resolve(&e); ok {
		j.add(&a)
	}
}

func (j *Judge) add(a *access) {
	j.events++
	j.from, j.to = min(j.from, a.sec), max(j.to, a.sec)
	local := j.zone.local(a.sec)
	d, minute := localDay(local)
	ju := j.user(a.user)
	st := &j.dir.staff[a.user]

	if kind := employmentBreach(st, d); kind != "" {
		if ju.employment == nil {
			ju.employment = &userSignal{kind: kind}
		}
		ju.employment.addAt(a.sec, d)
	}
	if a.action.bulk() {
		if ju.bulk == nil {
			ju.bulk = make(map[int64]*span)
		}
		h := floorDiv(local, 3600)
		s := ju.bulk[h]
		if s == nil {
			s = &span{}
			ju.bulk[h] = s
		}
		s.add(a.sec)
	}
	newDev := a.device >= 0 && j.isNew(ju, int64(a.device), j.dir.devices.name(a.device), d)
	if newDev {
		signal(&ju.newDevice).addAt(a.sec, d)
		ju.newDevice.note(j.dir.devices.name(a.device))
	}
	newIP := a.ip >= 0 && j.isNew(ju, ^int64(a.ip), j.dir.ips.name(a.ip), d)
	if newIP {
		signal(&ju.newIP).addAt(a.sec, d)
		ju.newIP.note(j.dir.ips.name(a.ip))
	}
	if newDev || newIP {
		signal(&ju.newAny).addAt(a.sec, d)
	}
	if a.patient < 0 {
		return
	}
	j.withPatient++
	ju.withEvents = true
	dayEntry(ju.days, &ju.lastDay, &ju.cur, d).add(a.sec)

	pr := &j.dir.pats[a.patient]
	self := st.self == a.patient || pr.employee == a.user
	if self {
		j.pair(a).rules[pSelf].add(a.sec)
	}
	if ex, ok := j.explain(ju, a); ok {
		j.explained++
		j.byTemplate[j.templateID(ex)]++
		return
	}
	ju.cur.unexplained++
	if self {
		j.pair(a).unexplained = true
		return
	}
	var fired [nPairRules]bool
	if st.addr >= 0 && st.addr == pr.addr || st.surname >= 0 && st.surname == pr.surname {
		fired[pFamily] = true
	}
	fired[pCoworker] = pr.employee >= 0
	fired[pNeighbour] = st.addr != pr.addr && (st.street >= 0 && st.street == pr.street || st.zip >= 0 && st.zip == pr.zip)
	fired[pVIP] = pr.vip
	fired[pOffHours] = j.offHours(ju, st, minute)
	if j.firstDepartment(ju, pr) {
		fired[pFirstDept] = true
		if ju.firstDept == nil {
			ju.firstDept = make(map[claim.Date]struct{})
		}
		ju.firstDept[d] = struct{}{}
	}
	var p *pairAcc
	for r, f := range fired {
		if f {
			if p == nil {
				p = j.pair(a)
				p.unexplained = true
			}
			p.rules[r].add(a.sec)
		}
	}
	if fired[pOffHours] {
		p.offHours |= 1 << (minute / 60)
	}
}

func (j *Judge) pair(a *access) *pairAcc {
	k := uint64(uint32(a.user))<<32 | uint64(uint32(a.patient))
	p := j.pairs[k]
	if p == nil {
		p = &pairAcc{user: a.user, patient: a.patient}
		j.pairs[k] = p
	}
	return p
}

// explain finds why the access happened, remembering the answer for the
// user's next access to the same patient within the same encounter window.
func (j *Judge) explain(ju *judgeUser, a *access) (explained, bool) {
	if ju.cachePatient == a.patient && a.sec >= ju.cacheLo && a.sec <= ju.cache {
		return ju.cacheExplained, true
	}
	ex, ok := j.dir.explainFixed(&j.win, a.user, a.patient, a.sec, nil)
	if !ok {
		ex, ok = j.dir.explainPath(&j.win, a.user, a.patient, a.sec, j.paths)
	}
	if ok {
		ju.cachePatient, ju.cacheLo, ju.cache, ju.cacheExplained = a.patient, ex.lo, ex.hi, ex
	}
	return ex, ok
}

func (j *Judge) templateID(ex explained) TemplateID {
	if ex.fixed != "" {
		return ex.fixed
	}
	return j.templates[j.paths[ex.path]].ID
}

// employmentBreach says how an access on day d falls outside the user's
// employment: "terminated", "before_hire", "not_on_roster", or "".
func employmentBreach(st *staffRec, d claim.Date) string {
	switch {
	case !st.onRoster:
		return "not_on_roster"
	case st.term != noDay && d > st.term:
		return "terminated"
	case st.hire != noDay && d < st.hire:
		return "before_hire"
	}
	return ""
}

// isNew reports whether a device or address is new for the user on day
// d: the user has enough history, and it is not in it, or only began
// after the learning period and has been used on few days.
func (j *Judge) isNew(ju *judgeUser, key int64, name string, d claim.Date) bool {
	b := ju.base
	if !ju.learned || d < b.FirstDay+claim.Date(j.opts.LearningDays) {
		return false
	}
	if v, ok := ju.novelty[key]; ok {
		return v
	}
	known := b.Workstations
	if key < 0 {
		known = b.IPs
	}
	s, ok := known[name]
	v := !ok || s.First >= b.FirstDay+claim.Date(j.opts.LearningDays) && s.Days <= newMaxDays
	if ju.novelty == nil {
		ju.novelty = make(map[int64]bool)
	}
	ju.novelty[key] = v
	return v
}

// offHours reports whether minute-of-day m is outside the user's usual
// hours: neither an hour their history shows nor within their rostered
// shift. Users with neither are not judged.
func (j *Judge) offHours(ju *judgeUser, st *staffRec, m int) bool {
	shift := st.shiftStart >= 0 && st.shiftEnd >= 0
	if !ju.learned && !shift {
		return false
	}
	if ju.learned && ju.usual&(1<<(m/60)) != 0 {
		return false
	}
	return !inShift(m, int(st.shiftStart), int(st.shiftEnd), shiftSlackMinutes)
}

// firstDepartment reports whether the patient is seen only by departments
// the user never works with (or by none at all).
func (j *Judge) firstDepartment(ju *judgeUser, pr *patientRec) bool {
	if len(ju.worked) == 0 && !ju.learned {
		return false
	}
	for _, d := range pr.depts {
		if slices.Contains(ju.worked, d) {
			return false
		}
	}
	return true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Result is what a scan found.
type Result struct {
	// Events is the number of accesses judged; WithPatient those naming
	// a patient, Explained those of them a template explains.
	Events, WithPatient, Explained int
	// ExplainedBy counts explained accesses per template.
	ExplainedBy map[TemplateID]int
	// Templates are the discovered templates the scan applied.
	Templates []Template
	// Alerts, highest score first.
	Alerts []Alert
	// RowErrors are the input rows that could not be read (ScanFiles).
	RowErrors []RowError
	From, To  time.Time
}

// ExplainedFraction is the share of accesses naming a patient that a
// template explains (1 when there are none).
func (r *Result) ExplainedFraction() float64 {
	if r.WithPatient == 0 {
		return 1
	}
	return float64(r.Explained) / float64(r.WithPatient)
}

// Alert is one finding for the privacy officer: a (user, patient, rule),
// or (user, rule) for user-level rules, with its score and reason.
type Alert struct {
	UserID    string    `json:"user_id"`
	PatientID string    `json:"patient_id"` // "" for user-level rules
	Rule      RuleID    `json:"rule"`
	Score     int       `json:"score"`
	FirstTime time.Time `json:"first_time"`
	LastTime  time.Time `json:"last_time"`
	Events    int       `json:"events"`
	// Explanation says in plain language why the alert was raised and
	// how its score was made up. It names no patient data.
	Explanation string `json:"explanation"`
	// Address is the network address of an address-level alert
	// (address_many_accounts), which names no user.
	Address string `json:"address,omitempty"`
}

// Key identifies the alert across scans: the same (rule, user, patient,
// address) found again is the same alert, with a later LastTime.
func (a Alert) Key() string {
	return string(a.Rule) + "|" + a.UserID + "|" + a.PatientID + "|" + a.Address
}

// Explain says which template explains an access, without judging it:
// the "why" of a per-patient access report. It reports false for an
// access nothing explains (or that names no patient).
func (j *Judge) Explain(e Event) (Template, bool) {
	a, ok := j.dir.resolve(&e)
	if !ok || a.patient < 0 {
		return Template{}, false
	}
	ex, ok := j.dir.explainFixed(&j.win, a.user, a.patient, a.sec, nil)
	if !ok {
		if ex, ok = j.dir.explainPath(&j.win, a.user, a.patient, a.sec, j.paths); !ok {
			return Template{}, false
		}
		return j.templates[j.paths[ex.path]], true
	}
	for _, t := range FixedTemplates {
		if t.ID == ex.fixed {
			return t, true
		}
	}
	return Template{ID: ex.fixed}, true
}
