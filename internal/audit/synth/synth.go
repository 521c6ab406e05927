// Package synth generates a synthetic hospital for the access-monitoring
// benchmark: staff across departments and shifts, patients in households
// on streets, a month of encounters (clinic appointments, emergency
// visits, admissions, orders, claims, referrals) and the accesses they
// drive, plus the accesses real hospitals have that no record explains
// (nurses floating to another unit, registration desk phone lookups,
// cross-cover, consults nobody recorded), then injects labelled
// inappropriate accesses (co-worker, family, neighbour, VIP curiosity, a
// terminated user's account, a compromised account exporting at night,
// slow curiosity over weeks, self-access) and traps that must not alert
// (a coder working three times the claims of their peers, day nurses
// picking up night shifts). Evaluate scores a scan's alerts against the
// labels.
//
// Everything is fictional and deterministic for a seed: names are made of
// syllables, streets and ZIP codes are invented, addresses are written in
// varying styles (St/Street, Apt/#) so the scan must normalise them.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// Config sizes the hospital.
type Config struct {
	Seed     uint64
	Start    time.Time // first day of the access log (local midnight)
	Days     int       // days of access log
	Patients int       // patients on the roster
	// StaffScale multiplies every department's staff (1: about 550 staff).
	StaffScale float64
	// Load multiplies the volume of clinical work (the default 1.7 gives
	// about a million accesses over 30 days at StaffScale 1).
	Load float64
	// Instances is how many labelled cases of each scenario to inject.
	Instances int
	Location  *time.Location
}

// DefaultConfig is the benchmark's hospital: about 550 staff, 40,000
// patients and a million accesses over 30 days from 2025-03-03 in New York
// (so the log crosses the change to daylight saving time).
func DefaultConfig() Config {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		loc = time.FixedZone("EST", -5*3600)
	}
	return Config{Seed: 1, Start: time.Date(2025, time.March, 3, 0, 0, 0, 0, loc), Days: 30, Patients: 40000,
		StaffScale: 1, Load: 1.7, Instances: 12, Location: loc}
}

// DemoConfig is the small hospital of fixtures/audit (about 280 staff,
// 3,000 patients, 17,000 accesses over 21 days): enough history for the
// baselines, small enough to commit. Small data sets give weaker
// baselines than the benchmark's.
func DemoConfig() Config {
	c := DefaultConfig()
	c.StaffScale, c.Patients, c.Days, c.Load, c.Instances = 0.5, 3000, 21, 0.06, 2
	return c
}

// Scenario names a kind of injected inappropriate access.
type Scenario string

// The scenarios.
const (
	Coworker      Scenario = "coworker"
	Family        Scenario = "family"
	Neighbour     Scenario = "neighbour"
	VIPCuriosity  Scenario = "vip_curiosity"
	Terminated    Scenario = "terminated_user"
	Compromised   Scenario = "compromised_export"
	SlowCuriosity Scenario = "slow_curiosity"
	SelfAccess    Scenario = "self_access"
)

// Scenarios lists every scenario.
var Scenarios = []Scenario{Coworker, Family, Neighbour, VIPCuriosity, Terminated, Compromised, SlowCuriosity, SelfAccess}

// userLevel reports whether a scenario's unit is a user rather than a
// (user, patient) pair.
func (s Scenario) userLevel() bool { return s == Terminated || s == Compromised }

// Unit is one labelled inappropriate case the scan should alert on: a
// (user, patient) pair, or a user for the user-level scenarios.
type Unit struct {
	Scenario  Scenario `json:"scenario"`
	UserID    string   `json:"user_id"`
	PatientID string   `json:"patient_id,omitempty"` // "" for a user-level unit
}

// Trap is a user whose unusual but legitimate work must not alert.
type Trap struct {
	Kind   string `json:"kind"` // "high_volume_coder" or "explained_night_work"
	UserID string `json:"user_id"`
}

// Hospital is a generated data set.
type Hospital struct {
	Config     Config
	Staff      []audit.Staff
	Patients   []audit.Patient
	Encounters []audit.Encounter
	Units      []Unit
	Traps      []Trap

	events   []event
	workstns []string
	ips      []string
	injected int // events that belong to units
	noise    int // legitimate accesses no record explains, by construction
}

// Action codes of compact events.
const (
	aView uint8 = iota
	aEdit
	aPrint
	aExport
	aSearch
)

var actionNames = [...]audit.Action{audit.ActionView, audit.ActionEdit, audit.ActionPrint, audit.ActionExport, audit.ActionSearch}

// event is a compact access: 32 bytes, so a million fit easily.
type event struct {
	sec     int64
	user    int32
	patient int32 // -1 for none
	ws, ip  int32 // -1 for none
	unit    int32 // index into Units; tagLegit or tagNoise for legitimate accesses
	action  uint8
}

// Tags of legitimate accesses.
const (
	tagLegit int32 = -1 // explained by the hospital's records
	tagNoise int32 = -2 // legitimate, but no record explains it (floats, lookups, unrecorded consults)
)

// NoiseEvents returns the number of legitimate accesses generated without
// any record that explains them.
func (h *Hospital) NoiseEvents() int { return h.noise }

// Events returns the number of accesses.
func (h *Hospital) Events() int { return len(h.events) }

// InjectedEvents returns the number of accesses belonging to labelled units.
func (h *Hospital) InjectedEvents() int { return h.injected }

// Injected returns the accesses that belong to labelled units, in time order.
func (h *Hospital) Injected() []audit.Event {
	var out []audit.Event
	for i := range h.events {
		if h.events[i].unit >= 0 {
			out = append(out, h.event(&h.events[i]))
		}
	}
	return out
}

func (h *Hospital) event(e *event) audit.Event {
	ev := audit.Event{Time: time.Unix(e.sec, 0).In(h.Config.Location), UserID: h.Staff[e.user].UserID,
		Action: actionNames[e.action]}
	if e.patient >= 0 {
		ev.PatientID = h.Patients[e.patient].PatientID
	}
	if e.ws >= 0 {
		ev.Workstation = h.workstns[e.ws]
	}
	if e.ip >= 0 {
		ev.IP = h.ips[e.ip]
	}
	return ev
}

// department describes one department of the synthetic hospital.
type department struct {
	name  string
	kind  deptKind
	staff []roleCount
	ws    int // workstations
}

type deptKind int

const (
	inpatient deptKind = iota
	emergency
	clinic
	ancillary
	admin
)

type roleCount struct {
	role string
	n    int
}

var departments = []department{
	{"Emergency", emergency, []roleCount{{"physician", 12}, {"nurse", 45}, {"registrar", 8}}, 24},
	{"Intensive Care", inpatient, []roleCount{{"physician", 8}, {"nurse", 45}}, 20},
	{"Medicine", inpatient, []roleCount{{"physician", 16}, {"nurse", 70}}, 30},
	{"Surgery", inpatient, []roleCount{{"physician", 12}, {"nurse", 35}}, 16},
	{"Obstetrics", inpatient, []roleCount{{"physician", 8}, {"nurse", 30}}, 12},
	{"Pediatrics", inpatient, []roleCount{{"physician", 8}, {"nurse", 30}}, 12},
	{"Cardiology", clinic, []roleCount{{"physician", 8}, {"nurse", 10}}, 10},
	{"Orthopedics", clinic, []roleCount{{"physician", 8}, {"nurse", 8}}, 8},
	{"Oncology", clinic, []roleCount{{"physician", 6}, {"nurse", 12}}, 10},
	{"Primary Care", clinic, []roleCount{{"physician", 16}, {"nurse", 20}}, 20},
	{"Radiology", ancillary, []roleCount{{"physician", 8}, {"technologist", 24}}, 14},
	{"Laboratory", ancillary, []roleCount{{"technologist", 30}}, 12},
	{"Pharmacy", ancillary, []roleCount{{"pharmacist", 18}}, 10},
	{"Registration", admin, []roleCount{{"registrar", 30}}, 20},
	{"Billing", admin, []roleCount{{"coder", 30}}, 30},
}

// census is the inpatient units' average number of patients.
var census = map[string]int{"Intensive Care": 20, "Medicine": 90, "Surgery": 40, "Obstetrics": 25, "Pediatrics": 25}

// adjacent units cross-cover each other.
var adjacent = map[string][]string{
	"Intensive Care": {"Medicine", "Surgery"}, "Medicine": {"Intensive Care", "Surgery"}, "Surgery": {"Medicine", "Intensive Care"},
	"Obstetrics": {"Pediatrics"}, "Pediatrics": {"Obstetrics", "Emergency"}, "Emergency": {"Medicine", "Intensive Care"},
}

// shift is a working pattern: start minute and length.
type shift struct{ start, length int }

var (
	dayShift12   = shift{7 * 60, 12 * 60}
	nightShift12 = shift{19 * 60, 12 * 60}
	shiftA       = shift{7 * 60, 8 * 60}
	shiftB       = shift{15 * 60, 8 * 60}
	shiftC       = shift{23 * 60, 8 * 60}
	officeHours  = shift{8 * 60, 9 * 60}
	clinicHours  = shift{8 * 60, 9 * 60}
	registration = shift{7*60 + 30, 9 * 60}
)

// member is a member of staff as the generator plans them.
type member struct {
	idx      int32
	dept     int
	role     string
	shift    shift
	works    []bool // by day index, including the history days
	extra    map[int]shift
	stations []int32
	homeIP   int32 // remote access address (physicians), -1
	self     int32 // their own patient record, -1
	family   []int32
	hireDay  int // day index hired (negative: before the history)
	termDay  int // last day employed, or a large number
}

// Generate builds the hospital for cfg.
func Generate(cfg Config) *Hospital {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	g := &gen{tag: tagLegit, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), h: &Hospital{Config: cfg}}
	g.days = cfg.Days + historyDays
	g.midnights()
	g.makePeople()
	g.setupTraps()
	g.clinicalWork()
	g.noise()
	g.inject()
	slices.SortFunc(g.h.events, func(a, b event) int {
		if a.sec != b.sec {
			return int(a.sec - b.sec)
		}
		return int(a.user - b.user)
	})
	return g.h
}

// historyDays of encounters precede the access log, so that early accesses
// have the care relationships that explain them.
const historyDays = 40

type gen struct {
	cfg      Config
	rng      *rand.Rand
	h        *Hospital
	days     int     // history + log
	midnight []int64 // Unix second of local midnight of each day index
	staff    []*member
	byDept   [][]int32 // staff by department
	house    []household
	patHouse []int32 // household of each patient
	// patient encounter history, for choosing victims no care
	// relationship explains
	patDepts [][]int16
	patBusy  [][]int32 // days with an encounter
	adm      []admission
	patUsers [][]int32 // users with a user-level encounter with the patient

	memberHouse []int32
	stationBase []int32
	floats      map[int32]map[int]int // nurse → shift day → unit floated to
	coderWeight []float64
	panels      [][]int32 // clinic physicians' recent patients
	scenarioUse map[int32]bool
	tag         int32 // what emit labels legitimate accesses with
	vipUsed     map[int32]bool
}

type household struct {
	surname          string
	number           int
	street, zip, apt string
	members          []int32
}

type admission struct {
	patient   int32
	dept      int
	attending int32
	start     int64
	end       int64
}

// dayIndex 0 is the first history day; the log starts at historyDays.
func (g *gen) midnights() {
	first := g.cfg.Start.AddDate(0, 0, -historyDays)
	for d := 0; d <= g.days+1; d++ {
		t := time.Date(first.Year(), first.Month(), first.Day()+d, 0, 0, 0, 0, g.cfg.Location)
		g.midnight = append(g.midnight, t.Unix())
	}
}

// at returns the Unix second of minute m (may exceed a day) of day d.
func (g *gen) at(d, m int) int64 {
	for m >= 24*60 {
		d, m = d+1, m-24*60
	}
	for m < 0 {
		d, m = d-1, m+24*60
	}
	if d < 0 || d+1 >= len(g.midnight) {
		return g.midnight[max(0, min(d, len(g.midnight)-1))] + int64(m)*60
	}
	// Minutes are counted in local wall time: across the change to
	// daylight saving time the day has 23 hours.
	t := time.Unix(g.midnight[d], 0).In(g.cfg.Location)
	return time.Date(t.Year(), t.Month(), t.Day(), m/60, m%60, 0, 0, g.cfg.Location).Unix()
}

func (g *gen) logDay(d int) bool { return d >= historyDays && d < g.days }

func (g *gen) weekday(d int) time.Weekday {
	return time.Unix(g.midnight[d], 0).In(g.cfg.Location).Weekday()
}

func (g *gen) pick(xs []int32) int32 { return xs[g.rng.IntN(len(xs))] }

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// emit records an access.
func (g *gen) emit(sec int64, u, p int32, action uint8, unit int32) {
	m := g.staff[u]
	ws, ip := int32(-1), int32(-1)
	if len(m.stations) > 0 {
		ws = m.stations[g.rng.IntN(len(m.stations))]
		ip = ws
	}
	g.emitAt(sec, u, p, action, ws, ip, unit)
}

func (g *gen) emitAt(sec int64, u, p int32, action uint8, ws, ip, unit int32) {
	d := g.dayOf(sec)
	if !g.logDay(d) {
		return
	}
	g.h.events = append(g.h.events, event{sec: sec, user: u, patient: p, ws: ws, ip: ip, unit: unit, action: action})
}

// dayOf returns the day index of a time, clamped to the generated days.
func (g *gen) dayOf(sec int64) int {
	i := sort.Search(len(g.midnight), func(i int) bool { return g.midnight[i] > sec })
	return max(0, min(i-1, len(g.midnight)-2))
}

// names makes fictional surnames and given names from syllables.
var (
	syllA = []string{"Ab", "Bel", "Cor", "Dan", "El", "Fer", "Gal", "Har", "Is", "Jor", "Kel", "Lor", "Mar", "Nor", "Or", "Pel", "Quin", "Ros", "Sel", "Tor", "Ul", "Var", "Wes", "Yar", "Zel"}
	syllB = []string{"a", "e", "i", "o", "u", "an", "en", "in", "on", "ar", "er", "or"}
	syllC = []string{"berg", "by", "dale", "den", "field", "ford", "ham", "ley", "man", "mont", "ney", "ridge", "son", "ston", "ton", "well", "wick", "worth"}
	// GivenNames are the fictional given names people are drawn from.
	GivenNames  = []string{"Alex", "Blair", "Casey", "Dana", "Eden", "Finley", "Gray", "Harper", "Indy", "Jules", "Kai", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Taylor", "Uma", "Vale", "Wren", "Yael", "Zion"}
	streetNames = []string{"Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Aspen", "Hickory", "Chestnut", "Walnut", "Spruce", "Laurel", "Magnolia", "Juniper", "Poplar", "Sycamore", "Alder", "Hawthorn", "Linden"}
	streetKinds = []string{"Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Boulevard"}
	streetAbbr  = map[string]string{"Street": "St", "Avenue": "Ave", "Road": "Rd", "Lane": "Ln", "Drive": "Dr", "Court": "Ct", "Place": "Pl", "Boulevard": "Blvd"}
)

// Surnames returns every fictional surname the generator draws from
// (syllable combinations, in a fixed order).
func Surnames() []string {
	var out []string
	for _, a := range syllA {
		for _, b := range syllB {
			for _, c := range syllC {
				out = append(out, a+b+c)
			}
		}
	}
	return out
}

// address writes a household's address in one of several styles.
func (hh *household) address(rng *rand.Rand) string {
	kind := hh.street[strings.LastIndexByte(hh.street, ' ')+1:]
	name := hh.street[:strings.LastIndexByte(hh.street, ' ')]
	st := hh.street
	switch rng.IntN(4) {
	case 1:
		st = name + " " + streetAbbr[kind]
	case 2:
		st = strings.ToUpper(name + " " + streetAbbr[kind] + ".")
	case 3:
		st = strings.ToUpper(hh.street)
	}
	s := fmt.Sprintf("%d %s", hh.number, st)
	if hh.apt != "" {
		switch rng.IntN(3) {
		case 0:
			s += " Apt " + hh.apt
		case 1:
			s += " #" + hh.apt
		default:
			s += ", Apt. " + hh.apt
		}
	}
	return s
}

func (g *gen) makePeople() {
	sn := Surnames()
	g.rng.Shuffle(len(sn), func(i, j int) { sn[i], sn[j] = sn[j], sn[i] })
	weights := make([]float64, len(sn))
	total := 0.0
	for i := range sn {
		weights[i] = 1 / float64(i+20)
		total += weights[i]
	}
	cum := make([]float64, len(sn))
	acc := 0.0
	for i, w := range weights {
		acc += w / total
		cum[i] = acc
	}
	surname := func() string {
		i := sort.SearchFloat64s(cum, g.rng.Float64())
		return sn[min(i, len(sn)-1)]
	}
	var streets []string
	var zips []string
	for z := 0; z < 25; z++ {
		zips = append(zips, fmt.Sprintf("%05d", 1201+z*7))
	}
	streetZip := make(map[string]string)
	for _, n := range streetNames {
		for _, k := range streetKinds {
			for _, suffix := range []string{"", "North ", "South ", "Upper "} {
				st := suffix + n + " " + k
				streets = append(streets, st)
				streetZip[st] = zips[len(streets)%len(zips)]
			}
		}
	}
	newHousehold := func() int32 {
		st := streets[g.rng.IntN(len(streets))]
		hh := household{surname: surname(), number: 1 + g.rng.IntN(400), street: st, zip: streetZip[st]}
		if g.chance(0.3) {
			hh.apt = fmt.Sprint(1 + g.rng.IntN(30))
		}
		g.house = append(g.house, hh)
		return int32(len(g.house) - 1)
	}
	addPatient := func(hh int32) int32 {
		h := &g.house[hh]
		last := h.surname
		if len(h.members) > 0 && g.chance(0.15) {
			last = surname() // a spouse who kept their name
		}
		p := int32(len(g.h.Patients))
		g.h.Patients = append(g.h.Patients, audit.Patient{
			PatientID: fmt.Sprintf("P%06d", p+1), LastName: last, FirstName: GivenNames[g.rng.IntN(len(GivenNames))],
			DOB:     claim.NewDate(1935+g.rng.IntN(88), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28)),
			Address: h.address(g.rng), ZIP: h.zip,
		})
		g.patHouse = append(g.patHouse, hh)
		h.members = append(h.members, p)
		return p
	}
	// Staff, each in a household; about a third are patients here, and
	// many have family who are.
	g.byDept = make([][]int32, len(departments))
	for di, dep := range departments {
		for _, rc := range dep.staff {
			n := int(math.Round(float64(rc.n) * g.cfg.StaffScale))
			for k := 0; k < max(1, n); k++ {
				g.addStaff(di, rc.role, k, newHousehold())
			}
		}
	}
	for _, m := range g.staff {
		hh := g.memberHouse[m.idx]
		if g.chance(0.35) {
			m.self = addPatient(hh)
			g.h.Patients[m.self].LastName = g.h.Staff[m.idx].LastName
			g.h.Patients[m.self].EmployeeUserID = g.h.Staff[m.idx].UserID
		}
		if g.chance(0.45) {
			for range 1 + g.rng.IntN(3) {
				m.family = append(m.family, addPatient(hh))
			}
		}
	}
	for len(g.h.Patients) < g.cfg.Patients {
		hh := newHousehold()
		for range 1 + g.rng.IntN(4) {
			if len(g.h.Patients) < g.cfg.Patients {
				addPatient(hh)
			}
		}
	}
	for range 25 {
		g.h.Patients[g.rng.IntN(len(g.h.Patients))].VIP = true
	}
	g.patDepts = make([][]int16, len(g.h.Patients))
	g.patBusy = make([][]int32, len(g.h.Patients))
	g.patUsers = make([][]int32, len(g.h.Patients))
}
