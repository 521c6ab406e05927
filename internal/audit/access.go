package audit

// access is an Event with its IDs numbered by the Directory.
type access struct {
	sec           int64
	user, patient int32 // patient -1 for none
	action        Action
	device, ip    int32 // -1 for none
}

// resolve numbers an Event's IDs. It reports false for an event without a
// user or action, which cannot be judged.
func (d *Directory) resolve(e *Event) (access, bool) {
	if e.UserID == "" || e.Action == "" || e.Time.IsZero() {
		return access{}, false
	}
	a := access{sec: e.Time.Unix(), user: d.userIndex(e.UserID), patient: -1, action: e.Action,
		device: d.devices.internOrNone(e.Workstation), ip: d.ips.internOrNone(e.IP)}
	if e.PatientID != "" {
		a.patient = d.patientIndex(e.PatientID)
	}
	return a, true
}

// rawAccess is an access log row as the fast reader returns it: fields
// alias the reader's buffer.
type rawAccess struct {
	sec                              int64
	action                           Action
	user, patient, workstation, addr []byte
}

// resolver numbers access log rows. It remembers, per user, the last
// patient, workstation and address: users open the same chart and sit at
// the same workstation several times in a row, and a comparison of a few
// bytes is much cheaper than a hash lookup in a table of tens of
// thousands of patients.
type resolver struct {
	dir  *Directory
	last []lastSeen
}

// patientWays is how many recent patients the resolver remembers per user
// (a nurse moves between a handful of charts).
const patientWays = 4

type lastSeen struct {
	patients      [patientWays][]byte
	patIdx        [patientWays]int32
	nextWay       int
	device, ip    []byte
	devIdx, ipIdx int32
}

// patient returns the number of patient key, from the user's recent
// patients when it is one of them.
func (c *lastSeen) patient(t *idTable, key []byte) int32 {
	if len(key) == 0 {
		return -1
	}
	for w := range patientWays {
		if c.patients[w] != nil && string(c.patients[w]) == string(key) {
			return c.patIdx[w]
		}
	}
	w := c.nextWay
	c.nextWay = (w + 1) % patientWays
	c.patIdx[w] = t.internBytes(key)
	c.patients[w] = append(c.patients[w][:0], key...)
	return c.patIdx[w]
}

// remember returns the number of key in t, from the cache when it is the
// one seen last.
func remember(t *idTable, key []byte, last *[]byte, idx *int32) int32 {
	if len(key) == 0 {
		return -1
	}
	if *last != nil && string(*last) == string(key) {
		return *idx
	}
	*idx = t.internBytes(key)
	*last = append((*last)[:0], key...)
	return *idx
}

func (r *resolver) resolve(raw *rawAccess) access {
	d := r.dir
	a := access{sec: raw.sec, user: d.userIndexBytes(raw.user), action: raw.action}
	for int(a.user) >= len(r.last) {
		r.last = append(r.last, lastSeen{})
	}
	c := &r.last[a.user]
	a.patient = c.patient(&d.patients, raw.patient)
	if a.patient >= 0 {
		d.growPatients()
	}
	a.device = remember(&d.devices, raw.workstation, &c.device, &c.devIdx)
	a.ip = remember(&d.ips, raw.addr, &c.ip, &c.ipIdx)
	return a
}
