// Package auditdemo generates the access-monitoring demo that rcmbot dev
// loads on a new data directory: a small clinic's four weeks of EHR
// accesses in which every ordinary access has the appointment or stay
// that explains it, and a handful of planted inappropriate ones (Cases)
// the rules flag: a nurse opening a co-worker's record, a physician a
// relative's (same surname and address), a nurse a neighbour's, a nurse
// their own, two members of staff with no part in a VIP's stay opening
// the VIP's record, a night-time bulk export from an address never seen,
// and an account used after its owner left.
//
// Everything is fictional and deterministic for a seed: names are synth's
// syllable names, streets are named after unused ones, ZIP codes are
// invented.
package auditdemo

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/synth"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// Config says which demo to generate.
type Config struct {
	Seed uint64
	// End is when the demo is generated: the log covers the Days whole
	// local days before End's day.
	End time.Time
	// Days of access log [28]: four whole weeks, inside a scan's 30 days.
	Days     int
	Location *time.Location // [UTC]
}

// DefaultDays is how many days of access log the demo holds unless told.
const DefaultDays = 28

// Case is one planted pattern: the rule that must flag it, the user and
// the patient ("" for a user-level rule).
type Case struct {
	Rule      audit.RuleID
	UserID    string
	PatientID string
}

// Demo is a generated clinic: its rosters, encounters, access log (in
// time order) and the planted cases.
type Demo struct {
	Staff      []audit.Staff
	Patients   []audit.Patient
	Encounters []audit.Encounter
	Events     []audit.Event
	Cases      []Case
	Days       int
}

// The clinic: departments, their codes for workstation names, and sizes.
var (
	departments = []string{"Primary Care", "Cardiology", "Orthopedics", "Pediatrics", "Oncology"}
	deptCodes   = []string{"PC", "CARD", "ORTH", "PEDS", "ONC"}
)

const (
	physiciansPerDept = 3
	nursesPerDept     = 5
	regularPatients   = 300
	visitsPerDay      = 6 // per physician, on weekdays
	shiftStart        = 8 * 60
	shiftEnd          = 17 * 60
	exportRows        = 60 // the compromised account's night-time exports
)

// Roles of the clinic's staff.
const (
	rolePhysician = "physician"
	roleNurse     = "nurse"
)

type gen struct {
	cfg      Config
	rng      *rand.Rand
	d        *Demo
	names    []string // shuffled fictional surnames, taken in turn
	first    time.Time
	people   int   // people given an address so far (for unique ZIP codes)
	dept     []int // department of each member of staff
	station  []string
	ip       []string
	number   []int    // house number of each member of staff
	street   []string // and their street
	panel    [][]int  // regular patients of each department
	termUser int      // the member of staff who leaves during the log
	termDay  int
}

// Generate builds the demo for cfg.
func Generate(cfg Config) *Demo {
	if cfg.Days <= 0 {
		cfg.Days = DefaultDays
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	end := cfg.End.In(cfg.Location)
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d)), d: &Demo{Days: cfg.Days},
		names: synth.Surnames(), first: time.Date(end.Year(), end.Month(), end.Day()-cfg.Days, 0, 0, 0, 0, cfg.Location),
		panel: make([][]int, len(departments))}
	g.rng.Shuffle(len(g.names), func(i, j int) { g.names[i], g.names[j] = g.names[j], g.names[i] })
	g.makePeople()
	// Cardiology's last nurse leaves ten days before the end of the log.
	g.termUser, g.termDay = g.member(1, roleNurse, nursesPerDept-1), cfg.Days-10
	g.d.Staff[g.termUser].TerminationDate = claim.DateOf(g.at(g.termDay, 0))
	g.clinics()
	g.plant()
	slices.SortStableFunc(g.d.Events, func(a, b audit.Event) int { return a.Time.Compare(b.Time) })
	return g.d
}

// WriteFiles writes access.csv, staff.csv, patients.csv and
// encounters.csv into dir, in the columns the import reads, and returns
// their paths.
func (d *Demo) WriteFiles(dir string) (audit.Sources, error) {
	src, err := synth.WriteDirectory(dir, d.Staff, d.Patients, d.Encounters)
	if err != nil {
		return src, err
	}
	src.AccessLog = filepath.Join(dir, "access.csv")
	return src, synth.WriteAccessLog(src.AccessLog, d.Events)
}

// at is minute m of log day day, local time.
func (g *gen) at(day, m int) time.Time {
	return time.Date(g.first.Year(), g.first.Month(), g.first.Day()+day, m/60, m%60, 0, 0, g.cfg.Location)
}

func (g *gen) weekday(day int) bool {
	wd := g.at(day, 0).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// workday is the first weekday on or after day.
func (g *gen) workday(day int) int {
	for !g.weekday(day) {
		day++
	}
	return day
}

func (g *gen) surname() string {
	s := g.names[0]
	g.names = g.names[1:]
	return s
}

func (g *gen) given() string { return synth.GivenNames[g.rng.IntN(len(synth.GivenNames))] }

// home is a new household's number, street (named after an unused
// surname, so no one else lives on it) and ZIP code.
func (g *gen) home() (number int, street, zip string) {
	g.people++
	return 1 + g.rng.IntN(400), g.surname() + " " + []string{"Road", "Lane", "Avenue"}[g.rng.IntN(3)], fmt.Sprintf("%05d", 1200+7*g.people)
}

func (g *gen) dob(lo, hi int) claim.Date {
	return claim.NewDate(lo+g.rng.IntN(hi-lo), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28))
}

// member is the index of the k-th member of a department's role.
func (g *gen) member(dept int, role string, k int) int {
	i := dept * (physiciansPerDept + nursesPerDept)
	if role == roleNurse {
		i += physiciansPerDept
	}
	return i + k
}

// makePeople makes the staff (some of whom are patients too) and the
// regular patients, each department's panel.
func (g *gen) makePeople() {
	for di := range departments {
		for k := range physiciansPerDept + nursesPerDept {
			role := rolePhysician
			if k >= physiciansPerDept {
				role = roleNurse
			}
			last, first := g.surname(), g.given()
			n, street, zip := g.home()
			g.d.Staff = append(g.d.Staff, audit.Staff{UserID: strings.ToLower(first[:1] + last), LastName: last, FirstName: first,
				Department: departments[di], Role: role, Address: fmt.Sprintf("%d %s", n, street), ZIP: zip,
				ShiftStart: shiftStart, ShiftEnd: shiftEnd})
			g.dept, g.number, g.street = append(g.dept, di), append(g.number, n), append(g.street, street)
			g.station = append(g.station, fmt.Sprintf("%s-WS%02d", deptCodes[di], k+1))
			g.ip = append(g.ip, fmt.Sprintf("10.20.%d.%d", di+1, 11+k))
		}
	}
	// A few members of staff are patients here too.
	for u := 0; u < len(g.d.Staff); u += 5 {
		s := g.d.Staff[u]
		g.addPatient(audit.Patient{LastName: s.LastName, FirstName: s.FirstName, DOB: g.dob(1960, 1998), Address: s.Address,
			ZIP: s.ZIP, EmployeeUserID: s.UserID})
	}
	for i := range regularPatients {
		di := i % len(departments)
		lo, hi := 1940, 2005
		if departments[di] == "Pediatrics" {
			lo, hi = 2010, 2024
		}
		n, street, zip := g.home()
		p := g.addPatient(audit.Patient{LastName: g.surname(), FirstName: g.given(), DOB: g.dob(lo, hi),
			Address: fmt.Sprintf("%d %s", n, street), ZIP: zip})
		g.panel[di] = append(g.panel[di], p)
	}
}

func (g *gen) addPatient(p audit.Patient) int {
	p.PatientID = fmt.Sprintf("P%06d", len(g.d.Patients)+1)
	g.d.Patients = append(g.d.Patients, p)
	return len(g.d.Patients) - 1
}

// employed reports whether member u works on log day day.
func (g *gen) employed(u, day int) bool { return u != g.termUser || day <= g.termDay }

// access records one access by member u from their own workstation.
func (g *gen) access(t time.Time, u, p int, a audit.Action) {
	g.d.Events = append(g.d.Events, audit.Event{Time: t, UserID: g.d.Staff[u].UserID, PatientID: g.d.Patients[p].PatientID,
		Action: a, Workstation: g.station[u], IP: g.ip[u]})
}

// clinics books every physician's weekday appointments with patients of
// their department's panel: a nurse of the department opens the record
// before the visit, the physician views and then edits it.
func (g *gen) clinics() {
	for day := range g.cfg.Days {
		if !g.weekday(day) {
			continue
		}
		for di := range departments {
			var nurses []int
			for k := range nursesPerDept {
				if u := g.member(di, roleNurse, k); g.employed(u, day) {
					nurses = append(nurses, u)
				}
			}
			for k := range physiciansPerDept {
				doc := g.member(di, rolePhysician, k)
				for v := range visitsPerDay {
					p := g.panel[di][g.rng.IntN(len(g.panel[di]))]
					start := g.at(day, shiftStart+30+v*75+g.rng.IntN(15))
					g.encounter(p, doc, di, start, start.Add(30*time.Minute), audit.KindAppointment)
					g.access(start.Add(-15*time.Minute), nurses[g.rng.IntN(len(nurses))], p, audit.ActionView)
					g.access(start.Add(2*time.Minute), doc, p, audit.ActionView)
					g.access(start.Add(25*time.Minute), doc, p, audit.ActionEdit)
				}
			}
		}
	}
}

func (g *gen) encounter(p, u, di int, start, end time.Time, kind audit.EncounterKind) {
	e := audit.Encounter{PatientID: g.d.Patients[p].PatientID, Department: departments[di], Start: start, End: end, Kind: kind}
	if u >= 0 {
		e.UserID = g.d.Staff[u].UserID
	}
	g.d.Encounters = append(g.d.Encounters, e)
}

// planted records a case and the accesses that make it.
func (g *gen) planted(rule audit.RuleID, u, p, day, minute, views int) {
	c := Case{Rule: rule, UserID: g.d.Staff[u].UserID}
	if p >= 0 {
		c.PatientID = g.d.Patients[p].PatientID
		for i := range views {
			g.access(g.at(day, minute+3*i), u, p, audit.ActionView)
		}
	}
	g.d.Cases = append(g.d.Cases, c)
}

// selfRecord is the patient record of member u (who must have one).
func (g *gen) selfRecord(u int) int {
	return slices.IndexFunc(g.d.Patients, func(p audit.Patient) bool { return p.EmployeeUserID == g.d.Staff[u].UserID })
}

// plant adds the inappropriate accesses, all after the first week so the
// history-based rules have learned each user.
func (g *gen) plant() {
	days := g.cfg.Days
	// Own record: a Primary Care nurse (every fifth member of staff is a
	// patient too).
	self := g.member(0, roleNurse, 2)
	g.planted(audit.RuleSelf, self, g.selfRecord(self), g.workday(8), 10*60+30, 1)
	// A co-worker: a Pediatrics nurse opens an Oncology nurse's record.
	g.planted(audit.RuleCoworker, g.member(3, roleNurse, 1), g.selfRecord(g.member(4, roleNurse, 0)), g.workday(11), 10*60+5, 2)
	// A relative: same surname and address as a Primary Care physician.
	doc := g.d.Staff[g.member(0, rolePhysician, 1)]
	rel := g.addPatient(audit.Patient{LastName: doc.LastName, FirstName: g.given(), DOB: g.dob(1940, 1960), Address: doc.Address, ZIP: doc.ZIP})
	g.planted(audit.RuleFamily, g.member(0, rolePhysician, 1), rel, g.workday(13), 13*60+40, 1)
	// A neighbour: an Orthopedics nurse opens the record of someone on
	// their street.
	nurse := g.member(2, roleNurse, 2)
	nb := g.addPatient(audit.Patient{LastName: g.surname(), FirstName: g.given(), DOB: g.dob(1950, 2000),
		Address: fmt.Sprintf("%d %s", g.number[nurse]+2, g.street[nurse]), ZIP: g.d.Staff[nurse].ZIP})
	g.planted(audit.RuleNeighbour, nurse, nb, g.workday(15), 11*60+20, 2)
	// A VIP's stay in Cardiology, which Cardiology's nurses follow; a
	// Pediatrics physician and an Oncology nurse look too.
	vipDay := g.workday(days - 12)
	n, street, zip := g.home()
	vip := g.addPatient(audit.Patient{LastName: g.surname(), FirstName: g.given(), DOB: g.dob(1955, 1985),
		Address: fmt.Sprintf("%d %s", n, street), ZIP: zip, VIP: true})
	start, end := g.at(vipDay, 9*60), g.at(vipDay+3, 12*60)
	g.encounter(vip, -1, 1, start, end, audit.KindAdmission)
	g.encounter(vip, g.member(1, rolePhysician, 0), 1, start, end, audit.KindAdmission)
	for d := range 4 {
		g.access(g.at(vipDay+d, 10*60+d), g.member(1, roleNurse, d%2), vip, audit.ActionView)
		g.access(g.at(vipDay+d, 11*60+d), g.member(1, rolePhysician, 0), vip, audit.ActionEdit)
	}
	g.planted(audit.RuleVIP, g.member(3, rolePhysician, 2), vip, vipDay+1, 14*60, 2)
	g.planted(audit.RuleVIP, g.member(4, roleNurse, 3), vip, vipDay+1, 15*60+10, 1)
	// A compromised account: an Orthopedics physician's, exporting lists
	// at 2 a.m. from an address it never used.
	acct := g.member(2, rolePhysician, 0)
	t := g.at(days-6, 2*60+10)
	for range exportRows {
		g.d.Events = append(g.d.Events, audit.Event{Time: t, UserID: g.d.Staff[acct].UserID, Action: audit.ActionExport, IP: "203.0.113.77"})
		t = t.Add(time.Duration(30+g.rng.IntN(15)) * time.Second)
	}
	g.planted(audit.RuleBulkExport, acct, -1, 0, 0, 0)
	// The nurse who left: their account opens records of the day's
	// Cardiology patients a few days later.
	day := g.workday(g.termDay + 2)
	var seen []string
	for _, e := range g.d.Encounters {
		if e.Kind == audit.KindAppointment && e.Department == departments[1] && claim.DateOf(e.Start) == claim.DateOf(g.at(day, 0)) &&
			len(seen) < 6 && !slices.Contains(seen, e.PatientID) {
			seen = append(seen, e.PatientID)
			g.d.Events = append(g.d.Events, audit.Event{Time: e.Start.Add(-20 * time.Minute), UserID: g.d.Staff[g.termUser].UserID,
				PatientID: e.PatientID, Action: audit.ActionView, Workstation: g.station[g.termUser], IP: g.ip[g.termUser]})
		}
	}
	g.planted(audit.RuleOutsideEmployment, g.termUser, -1, 0, 0, 0)
}
