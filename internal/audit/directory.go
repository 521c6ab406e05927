package audit

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// idTable numbers strings densely. Lookups from byte slices do not
// allocate.
type idTable struct {
	ids   map[string]int32
	names []string
}

func (t *idTable) intern(s string) int32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	if t.ids == nil {
		t.ids = make(map[string]int32)
	}
	i := int32(len(t.names))
	t.ids[s] = i
	t.names = append(t.names, s)
	return i
}

func (t *idTable) internBytes(b []byte) int32 {
	if i, ok := t.ids[string(b)]; ok {
		return i
	}
	return t.intern(string(b))
}

func (t *idTable) lookup(s string) (int32, bool) {
	i, ok := t.ids[s]
	return i, ok
}

// internOrNone interns s, or returns -1 for "".
func (t *idTable) internOrNone(s string) int32 {
	if s == "" {
		return -1
	}
	return t.intern(s)
}

// name returns the string numbered i, "" for -1.
func (t *idTable) name(i int32) string {
	if i < 0 {
		return ""
	}
	return t.names[i]
}

// noDay is a day that was not given.
const noDay = claim.Date(math.MinInt32)

// unixEpochDate is the claim.Date of 1970-01-01, to turn Unix day numbers
// into dates without going through time.Time.
var unixEpochDate = claim.NewDate(1970, time.January, 1)

// staffRec is a user as the directory holds them. Users seen only in the
// access log are kept with onRoster false.
type staffRec struct {
	onRoster             bool
	dept, role           int32 // -1 when not known
	surname              int32
	addr, street, zip    int32
	hire, term           claim.Date // noDay when not given
	shiftStart, shiftEnd int16      // minutes; -1 when not given
	self                 int32      // the user's own patient record, -1
}

// patientRec is a patient as the directory holds them.
type patientRec struct {
	onRoster          bool
	surname           int32
	addr, street, zip int32
	vip               bool
	employee          int32   // the patient's user index when on staff, -1
	depts             []int32 // departments of the patient's encounters
}

// encounter is an Encounter with interned IDs and Unix-second times.
type encounter struct {
	patient    int32
	user, dept int32 // user -1 for a department-level encounter
	kind       EncounterKind
	start, end int64
}

// Directory holds the rosters and encounters a scan explains and judges
// accesses against, with every ID numbered for speed. Users and patients
// that appear only in access logs are added as they are seen. It is not
// safe for concurrent use.
type Directory struct {
	users, patients, depts, roles idTable
	devices, ips                  idTable
	surnames, addrs, streets      idTable
	zips                          idTable
	deptNames                     []string

	staff []staffRec
	pats  []patientRec
	// flat holds every encounter; after index, sorted by patient and
	// start, with patient p's at flat[off[p]:off[p+1]].
	flat         []encounter
	off          []int32
	deptRaw      map[string]int32 // department names as written → number
	surnameCount []int32          // patients per surname
	rosterSize   int              // patients on the roster
	indexed      bool
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory { return &Directory{} }

// deptOf numbers a department; names are compared without case.
func (d *Directory) deptOf(name string) int32 {
	if i, ok := d.deptRaw[name]; ok {
		return i
	}
	trimmed := strings.TrimSpace(name)
	if trimmed == "" {
		return -1
	}
	i := d.depts.intern(strings.ToLower(trimmed))
	if int(i) == len(d.deptNames) {
		d.deptNames = append(d.deptNames, trimmed)
	}
	if d.deptRaw == nil {
		d.deptRaw = make(map[string]int32)
	}
	d.deptRaw[name] = i
	return i
}

// departmentName returns the department as first written.
func (d *Directory) departmentName(i int32) string {
	if i < 0 {
		return ""
	}
	return d.deptNames[i]
}

func (d *Directory) userIndex(id string) int32 {
	i := d.users.intern(id)
	d.growUsers()
	return i
}

func (d *Directory) userIndexBytes(id []byte) int32 {
	i := d.users.internBytes(id)
	d.growUsers()
	return i
}

func (d *Directory) growUsers() {
	for len(d.staff) < len(d.users.names) {
		d.staff = append(d.staff, staffRec{dept: -1, role: -1, surname: -1, addr: -1, street: -1, zip: -1,
			hire: noDay, term: noDay, shiftStart: -1, shiftEnd: -1, self: -1})
	}
}

func (d *Directory) patientIndex(id string) int32 {
	i := d.patients.intern(id)
	d.growPatients()
	return i
}

func (d *Directory) growPatients() {
	for len(d.pats) < len(d.patients.names) {
		d.pats = append(d.pats, patientRec{surname: -1, addr: -1, street: -1, zip: -1, employee: -1})
	}
}

// AddStaff adds or replaces a member of staff.
func (d *Directory) AddStaff(s Staff) {
	u := d.userIndex(s.UserID)
	r := &d.staff[u]
	r.onRoster = true
	r.dept = d.deptOf(s.Department)
	r.role = d.roles.internOrNone(strings.ToLower(strings.TrimSpace(s.Role)))
	r.surname = d.surnames.internOrNone(NormalizeSurname(s.LastName))
	r.addr, r.street, r.zip = d.address(s.Address, s.ZIP)
	r.hire, r.term = noDay, noDay
	if !s.HireDate.IsZero() {
		r.hire = s.HireDate
	}
	if !s.TerminationDate.IsZero() {
		r.term = s.TerminationDate
	}
	r.shiftStart, r.shiftEnd = int16(s.ShiftStart), int16(s.ShiftEnd)
	d.indexed = false
}

func (d *Directory) address(addr, zip string) (full, street, z int32) {
	f, st := NormalizeAddress(addr)
	zn := NormalizeZIP(zip)
	z = d.zips.internOrNone(zn)
	if f == "" {
		return -1, -1, z
	}
	// The ZIP is part of the key: the same street name in two towns is
	// not the same street.
	return d.addrs.intern(f + "|" + zn), d.streets.internOrNone(st + "|" + zn), z
}

// AddPatient adds or replaces a patient.
func (d *Directory) AddPatient(p Patient) {
	i := d.patientIndex(p.PatientID)
	r := &d.pats[i]
	if !r.onRoster {
		d.rosterSize++
	}
	r.onRoster = true
	r.surname = d.surnames.internOrNone(NormalizeSurname(p.LastName))
	r.addr, r.street, r.zip = d.address(p.Address, p.ZIP)
	r.vip = p.VIP
	r.employee = -1
	if p.EmployeeUserID != "" {
		r.employee = d.userIndex(p.EmployeeUserID)
	}
	d.indexed = false
}

// AddEncounter adds a care relationship.
func (d *Directory) AddEncounter(e Encounter) {
	p := d.patientIndex(e.PatientID)
	u := int32(-1)
	if e.UserID != "" {
		u = d.userIndex(e.UserID)
	}
	end := e.End
	if end.Before(e.Start) {
		end = e.Start
	}
	d.flat = append(d.flat, encounter{patient: p, user: u, dept: d.deptOf(e.Department), kind: e.Kind,
		start: e.Start.Unix(), end: end.Unix()})
	d.indexed = false
}

// index sorts each patient's encounters by start, collects the
// departments each patient is seen by, links staff to their own patient
// records and counts surnames. Adding to the directory marks it stale.
func (d *Directory) index() {
	if d.indexed {
		return
	}
	d.indexed = true
	d.surnameCount = make([]int32, len(d.surnames.names))
	for i := range d.staff {
		d.staff[i].self = -1
	}
	slices.SortFunc(d.flat, func(a, b encounter) int {
		if c := cmp.Compare(a.patient, b.patient); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	d.off = make([]int32, len(d.pats)+1)
	for _, e := range d.flat {
		d.off[e.patient+1]++
	}
	for p := range d.pats {
		d.off[p+1] += d.off[p]
	}
	for p := range d.pats {
		r := &d.pats[p]
		es := d.encsOf(int32(p))
		r.depts = r.depts[:0]
		for _, e := range es {
			if e.dept >= 0 && !slices.Contains(r.depts, e.dept) {
				r.depts = append(r.depts, e.dept)
			}
		}
		if r.onRoster && r.surname >= 0 {
			d.surnameCount[r.surname]++
		}
		if r.employee >= 0 {
			d.staff[r.employee].self = int32(p)
		}
	}
}

// encsOf returns patient p's encounters in order of start (after index).
func (d *Directory) encsOf(p int32) []encounter {
	if int(p)+1 >= len(d.off) {
		return nil
	}
	return d.flat[d.off[p]:d.off[p+1]]
}

// surnameRarity is how rare a surname is among the patients, from 0 (as
// common as can be) to 1 (one patient has it): the self-information of
// the surname relative to that of a unique one.
func (d *Directory) surnameRarity(s int32) float64 {
	n := float64(max(d.rosterSize, 2))
	c := 1.0
	if s >= 0 && int(s) < len(d.surnameCount) && d.surnameCount[s] > 0 {
		c = float64(d.surnameCount[s])
	}
	return math.Max(0, math.Min(1, math.Log(n/c)/math.Log(n)))
}

// Users returns the number of users known (on the roster or seen in a log).
func (d *Directory) Users() int { return len(d.staff) }

// RosterStaff returns the number of users on the staff roster.
func (d *Directory) RosterStaff() int {
	n := 0
	for _, s := range d.staff {
		if s.onRoster {
			n++
		}
	}
	return n
}
