package audit

import (
	"cmp"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// idTable numbers strings densely. It is an open-addressing hash table
// whose slots hold short keys inline, so a lookup of a patient ID among
// tens of thousands touches one cache line rather than three (the map
// bucket, the key's bytes, the value). Lookups from byte slices do not
// allocate.
type idTable struct {
	names []string
	slots []idSlot
	seed  maphash.Seed
}

// idInline is the longest key kept in a slot; longer ones are compared
// with names.
const idInline = 22

type idSlot struct {
	hash uint32
	idx  int32 // -1 for an empty slot
	n    uint8
	key  [idInline]byte
}

func (t *idTable) find(b []byte) (int32, uint64, bool) {
	if t.slots == nil {
		t.seed = maphash.MakeSeed()
		t.grow(64)
	}
	h := maphash.Bytes(t.seed, b)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.idx < 0 {
			return -1, i, false
		}
		if sl.hash != uint32(h>>32) || int(sl.n) != min(len(b), idInline+1) {
			continue
		}
		if len(b) <= idInline {
			if string(sl.key[:len(b)]) == string(b) {
				return sl.idx, i, true
			}
		} else if t.names[sl.idx] == string(b) {
			return sl.idx, i, true
		}
	}
}

func (t *idTable) grow(n int) {
	old := t.slots
	t.slots = make([]idSlot, n)
	for i := range t.slots {
		t.slots[i].idx = -1
	}
	for _, sl := range old {
		if sl.idx >= 0 {
			_, at, _ := t.find([]byte(t.names[sl.idx]))
			t.slots[at] = sl
		}
	}
}

func (t *idTable) internBytes(b []byte) int32 {
	i, at, ok := t.find(b)
	if ok {
		return i
	}
	i = int32(len(t.names))
	t.names = append(t.names, string(b))
	sl := idSlot{hash: uint32(maphash.Bytes(t.seed, b) >> 32), idx: i, n: uint8(min(len(b), idInline+1))}
	copy(sl.key[:], b)
	t.slots[at] = sl
	if 2*len(t.names) > len(t.slots) {
		t.grow(2 * len(t.slots))
	}
	return i
}

func (t *idTable) intern(s string) int32 {
	if i, ok := t.lookup(s); ok {
		return i
	}
	return t.internBytes([]byte(s))
}

func (t *idTable) lookup(s string) (int32, bool) {
	i, _, ok := t.find(unsafeBytes(s))
	return i, ok
}

// unsafeBytes views a string's bytes without copying; find only reads them.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

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
	u := int32(-1)
	if e.UserID != "" {
		u = d.userIndex(e.UserID)
	}
	d.addEncounter(d.patientIndex(e.PatientID), u, d.deptOf(e.Department), e.Kind, e.Start.Unix(), e.End.Unix())
}

// addRawEncounter adds an encounters-file row without allocating for the
// IDs already known.
func (d *Directory) addRawEncounter(e *rawEncounter) {
	u := int32(-1)
	if len(e.user) > 0 {
		u = d.userIndexBytes(e.user)
	}
	p := d.patients.internBytes(e.patient)
	d.growPatients()
	dept, ok := d.deptRaw[string(e.dept)]
	if !ok {
		dept = d.deptOf(string(e.dept))
	}
	d.addEncounter(p, u, dept, e.kind, e.start.Unix(), e.end.Unix())
}

func (d *Directory) addEncounter(p, u, dept int32, kind EncounterKind, start, end int64) {
	d.flat = append(d.flat, encounter{patient: p, user: u, dept: dept, kind: kind, start: start, end: max(start, end)})
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
