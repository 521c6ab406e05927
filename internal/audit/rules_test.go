package audit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
)

var ny = mustLoc("America/New_York")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// day0 is the first day of the tests' history: Monday 2025-03-03, New York.
func at(day, h, m int) time.Time { return time.Date(2025, 3, 3+day, h, m, 0, 0, ny) }

// world is a small hospital built by hand for one test.
type world struct {
	staff      []audit.Staff
	patients   []audit.Patient
	encounters []audit.Encounter
	events     []audit.Event
	signins    []audit.SignIn
	nextPat    int
	opts       audit.Options
}

func newWorld() *world {
	w := &world{opts: audit.Options{Location: ny}}
	// Two departments of six nurses, day shift, each with a routine of
	// explained accesses on 14 days: their baselines.
	for _, dept := range []string{"Medicine", "Cardiology"} {
		for i := range 6 {
			w.staff = append(w.staff, audit.Staff{UserID: fmt.Sprintf("%s-%d", dept[:3], i), LastName: fmt.Sprintf("Common%d", i%2),
				Department: dept, Role: "nurse", Address: fmt.Sprintf("%d Elm Street", 100+i), ZIP: "01201",
				ShiftStart: 7 * 60, ShiftEnd: 19 * 60})
		}
	}
	for d := range 14 {
		for _, dept := range []string{"Medicine", "Cardiology"} {
			p := w.patient(audit.Patient{LastName: "Common0", Address: "1 Far Road", ZIP: "09999"})
			w.encounters = append(w.encounters, audit.Encounter{PatientID: p, Department: dept, Start: at(d, 6, 0), End: at(d, 20, 0), Kind: audit.KindAdmission})
			for i := range 6 {
				for k := range 4 {
					w.access(fmt.Sprintf("%s-%d", dept[:3], i), p, at(d, 9+2*k, i), audit.ActionView)
				}
			}
		}
	}
	return w
}

func (w *world) patient(p audit.Patient) string {
	w.nextPat++
	if p.PatientID == "" {
		p.PatientID = fmt.Sprintf("P%05d", w.nextPat)
	}
	if p.LastName == "" {
		p.LastName = fmt.Sprintf("Unique%d", w.nextPat)
	}
	w.patients = append(w.patients, p)
	return p.PatientID
}

func (w *world) access(user, patient string, t time.Time, a audit.Action) {
	w.events = append(w.events, audit.Event{Time: t, UserID: user, PatientID: patient, Action: a, Workstation: "WS-" + user, IP: "10.0.0." + fmt.Sprint(len(user))})
}

// judge builds the directory, learns from every event and sign-in, and
// returns a Judge over the baselines (and the baselines).
func (w *world) judge(t *testing.T) (*audit.Judge, *audit.Baselines) {
	t.Helper()
	d := audit.NewDirectory()
	for _, s := range w.staff {
		d.AddStaff(s)
	}
	for _, p := range w.patients {
		d.AddPatient(p)
	}
	for _, e := range w.encounters {
		d.AddEncounter(e)
	}
	l := audit.NewLearner(d, w.opts)
	for _, e := range w.events {
		l.Add(e)
	}
	for _, s := range w.signins {
		l.AddSignIn(s)
	}
	b := l.Baselines()
	return audit.NewJudge(d, b, w.opts), b
}

// scan learns from every event and judges every event, as ScanFiles does.
func (w *world) scan(t *testing.T) *audit.Result {
	t.Helper()
	j, _ := w.judge(t)
	for _, e := range w.events {
		j.Add(e)
	}
	for _, s := range w.signins {
		j.AddSignIn(s)
	}
	return j.Result()
}

func find(res *audit.Result, user, patient string, rule audit.RuleID) (audit.Alert, bool) {
	for _, a := range res.Alerts {
		if a.UserID == user && a.PatientID == patient && a.Rule == rule {
			return a, true
		}
	}
	return audit.Alert{}, false
}

func mustAlert(t *testing.T, res *audit.Result, user, patient string, rule audit.RuleID) audit.Alert {
	t.Helper()
	a, ok := find(res, user, patient, rule)
	if !ok {
		t.Fatalf("no %s alert for (%s, %s); alerts: %v", rule, user, patient, summary(res))
	}
	if a.Score < 0 || a.Score > 100 || a.Explanation == "" || a.Events < 1 || a.LastTime.Before(a.FirstTime) {
		t.Errorf("malformed alert %+v", a)
	}
	return a
}

func mustNotAlert(t *testing.T, res *audit.Result, user, patient string) {
	t.Helper()
	for _, a := range res.Alerts {
		if a.UserID == user && (patient == "*" || a.PatientID == patient) {
			t.Errorf("unexpected %s alert for (%s, %s): %s", a.Rule, a.UserID, a.PatientID, a.Explanation)
		}
	}
}

func summary(res *audit.Result) []string {
	var s []string
	for _, a := range res.Alerts {
		s = append(s, fmt.Sprintf("%s(%s,%s)=%d", a.Rule, a.UserID, a.PatientID, a.Score))
	}
	return s
}

func TestSelfAccess(t *testing.T) {
	w := newWorld()
	own := w.patient(audit.Patient{LastName: "Common0", EmployeeUserID: "Med-1"})
	w.access("Med-1", own, at(14, 10, 0), audit.ActionView)
	// Explained or not, opening one's own record alerts.
	w.encounters = append(w.encounters, audit.Encounter{PatientID: own, Department: "Medicine", Start: at(14, 8, 0), End: at(14, 12, 0), Kind: audit.KindAdmission})
	other := w.patient(audit.Patient{})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: other, Department: "Medicine", Start: at(14, 8, 0), End: at(14, 12, 0), Kind: audit.KindAdmission})
	w.access("Med-2", own, at(14, 10, 5), audit.ActionView) // a colleague, explained: fine
	w.access("Med-1", other, at(14, 10, 6), audit.ActionView)
	res := w.scan(t)
	a := mustAlert(t, res, "Med-1", own, audit.RuleSelf)
	if a.Score < 90 {
		t.Errorf("self-access score %d", a.Score)
	}
	mustNotAlert(t, res, "Med-2", own)
	mustNotAlert(t, res, "Med-1", other)
}

func TestFamily(t *testing.T) {
	w := newWorld()
	w.staff[0].LastName, w.staff[0].Address = "O'Quorvane", "12 Oak Street, Apt. 4"
	relative := w.patient(audit.Patient{LastName: "OQUORVANE", Address: "12 OAK ST #4", ZIP: "01201"})
	spouse := w.patient(audit.Patient{LastName: "Different", Address: "12 oak st apt 4", ZIP: "01201"})
	treated := w.patient(audit.Patient{LastName: "Oquorvane", Address: "12 Oak St. Apt 4", ZIP: "01201"})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: treated, Department: "Medicine", Start: at(15, 9, 0), End: at(15, 17, 0), Kind: audit.KindAdmission})
	for i := range 10 { // a common surname elsewhere
		w.patient(audit.Patient{LastName: "Common1", Address: fmt.Sprintf("%d Pine Road", i), ZIP: "01202"})
	}
	namesake := w.patients[len(w.patients)-1].PatientID
	w.access("Med-0", relative, at(15, 10, 0), audit.ActionView)
	w.access("Med-0", spouse, at(15, 10, 5), audit.ActionView)
	w.access("Med-0", treated, at(15, 10, 10), audit.ActionView)
	w.access("Med-1", namesake, at(15, 10, 0), audit.ActionView) // Med-1 is Common1 too
	res := w.scan(t)
	a := mustAlert(t, res, "Med-0", relative, audit.RuleFamily)
	b := mustAlert(t, res, "Med-0", spouse, audit.RuleFamily)
	if a.Score <= b.Score {
		t.Errorf("a rare shared surname and address (%d) should outscore a shared address (%d)", a.Score, b.Score)
	}
	if strings.Contains(a.Explanation, "Oak") || strings.Contains(a.Explanation, "Quorvane") {
		t.Errorf("the explanation names patient data: %s", a.Explanation)
	}
	mustNotAlert(t, res, "Med-0", treated)
	mustNotAlert(t, res, "Med-1", namesake)
}

func TestCoworker(t *testing.T) {
	w := newWorld()
	colleague := w.patient(audit.Patient{EmployeeUserID: "Med-3"})
	elsewhere := w.patient(audit.Patient{EmployeeUserID: "Car-3"})
	treated := w.patient(audit.Patient{EmployeeUserID: "Car-4"})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: treated, Department: "Medicine", Start: at(14, 8, 0), End: at(16, 8, 0), Kind: audit.KindAdmission})
	w.access("Med-0", colleague, at(14, 11, 0), audit.ActionView)
	w.access("Med-0", elsewhere, at(14, 11, 5), audit.ActionView)
	w.access("Med-0", treated, at(14, 11, 10), audit.ActionView)
	res := w.scan(t)
	same := mustAlert(t, res, "Med-0", colleague, audit.RuleCoworker)
	other := mustAlert(t, res, "Med-0", elsewhere, audit.RuleCoworker)
	if same.Score <= other.Score || !strings.Contains(same.Explanation, "own department") {
		t.Errorf("same department %d (%s) vs other %d", same.Score, same.Explanation, other.Score)
	}
	mustNotAlert(t, res, "Med-0", treated)
}

func TestNeighbour(t *testing.T) {
	w := newWorld()
	street := w.patient(audit.Patient{Address: "140 ELM ST", ZIP: "01201"})    // Med-0 lives at 100 Elm Street
	zipOnly := w.patient(audit.Patient{Address: "9 Birch Lane", ZIP: "01201"}) // same ZIP, other street
	town := w.patient(audit.Patient{Address: "140 Elm Street", ZIP: "05555"})  // same street name, other town
	for _, p := range []string{street, zipOnly, town} {
		w.access("Med-0", p, at(14, 12, 0), audit.ActionView)
	}
	res := w.scan(t)
	mustAlert(t, res, "Med-0", street, audit.RuleNeighbour)
	mustNotAlert(t, res, "Med-0", zipOnly)
	mustNotAlert(t, res, "Med-0", town)
}

func TestVIP(t *testing.T) {
	w := newWorld()
	vip := w.patient(audit.Patient{VIP: true})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: vip, Department: "Cardiology", Start: at(14, 8, 0), End: at(17, 8, 0), Kind: audit.KindAdmission})
	w.access("Med-0", vip, at(15, 12, 0), audit.ActionView) // not their patient
	w.access("Car-0", vip, at(15, 12, 0), audit.ActionView) // their unit's patient
	res := w.scan(t)
	mustAlert(t, res, "Med-0", vip, audit.RuleVIP)
	mustNotAlert(t, res, "Car-0", vip)
}

func TestOutsideEmployment(t *testing.T) {
	w := newWorld()
	w.staff[0].TerminationDate = claim.NewDate(2025, 3, 17) // last day employed: day 14
	w.staff[1].HireDate = claim.NewDate(2025, 3, 10)        // hired on day 7
	w.staff[2].TerminationDate = claim.NewDate(2025, 3, 17)
	p := w.patient(audit.Patient{})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: p, Department: "Medicine", Start: at(13, 8, 0), End: at(18, 8, 0), Kind: audit.KindAdmission})
	w.access("Med-0", p, at(15, 9, 0), audit.ActionView) // the day after the last day
	// Med-1 appears in the routine before day 7: before the hire date.
	// 23:30 in New York on the last day is 03:30 UTC the next day:
	// still employed, in the practice's time zone.
	w.access("Med-2", p, at(14, 23, 30), audit.ActionView)
	w.access("ghost", p, at(15, 9, 0), audit.ActionView)
	res := w.scan(t)
	term := mustAlert(t, res, "Med-0", "", audit.RuleOutsideEmployment)
	if !strings.Contains(term.Explanation, "2025-03-17") || term.Score < 90 {
		t.Errorf("termination alert: %+v", term)
	}
	mustAlert(t, res, "Med-1", "", audit.RuleOutsideEmployment)
	mustAlert(t, res, "ghost", "", audit.RuleOutsideEmployment)
	if _, ok := find(res, "Med-2", "", audit.RuleOutsideEmployment); ok {
		t.Error("an access on the last day employed (in the practice time zone) alerted")
	}
	w.opts.Location = time.UTC // the same access judged in UTC falls on the next day
	if _, ok := find(w.scan(t), "Med-2", "", audit.RuleOutsideEmployment); !ok {
		t.Error("the practice time zone made no difference")
	}
}

func TestOffHours(t *testing.T) {
	w := newWorld()
	w.staff[3].ShiftStart, w.staff[3].ShiftEnd = 19*60, 7*60 // Med-3 works nights: the shift wraps
	night := w.patient(audit.Patient{})
	day := w.patient(audit.Patient{})
	explained := w.patient(audit.Patient{})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: explained, Department: "Medicine", Start: at(15, 0, 0), End: at(15, 6, 0), Kind: audit.KindAdmission})
	for k := range 3 {
		w.access("Med-0", night, at(15, 3, 10*k), audit.ActionView)
		w.access("Med-1", day, at(15, 11, 10*k), audit.ActionView)
		w.access("Med-2", explained, at(15, 3, 10*k), audit.ActionView)
		w.access("Med-3", night, at(15, 3, 10*k+1), audit.ActionView)
	}
	res := w.scan(t)
	a := mustAlert(t, res, "Med-0", night, audit.RuleOffHours)
	if !strings.Contains(a.Explanation, "03:00–03:59") {
		t.Errorf("off-hours explanation: %s", a.Explanation)
	}
	mustNotAlert(t, res, "Med-1", day)
	mustNotAlert(t, res, "Med-2", explained)
	if _, ok := find(res, "Med-3", night, audit.RuleOffHours); ok {
		t.Error("a night-shift nurse at 03:00 was judged off-hours")
	}
}

func TestVolumeSpike(t *testing.T) {
	w := newWorld()
	p := w.patient(audit.Patient{})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: p, Department: "Medicine", Start: at(15, 0, 0), End: at(16, 0, 0), Kind: audit.KindAdmission})
	for k := range 300 {
		q := w.patient(audit.Patient{})
		w.access("Med-0", q, at(15, 9, 0).Add(time.Duration(k)*time.Minute), audit.ActionView) // unexplained
		w.access("Med-1", p, at(15, 9, 0).Add(time.Duration(k)*time.Minute), audit.ActionView) // busy, explained
	}
	res := w.scan(t)
	a := mustAlert(t, res, "Med-0", "", audit.RuleVolumeSpike)
	if !strings.Contains(a.Explanation, "2025-03-18") {
		t.Errorf("spike explanation: %s", a.Explanation)
	}
	if _, ok := find(res, "Med-1", "", audit.RuleVolumeSpike); ok {
		t.Error("a busy day of explained work alerted as a spike")
	}
}

func TestFirstDepartmentSlowCuriosity(t *testing.T) {
	w := newWorld()
	var looked []string
	for d := range 8 {
		p := w.patient(audit.Patient{})
		w.encounters = append(w.encounters, audit.Encounter{PatientID: p, Department: "Oncology", Start: at(d-20, 9, 0), End: at(d-20, 10, 0), Kind: audit.KindAppointment})
		w.access("Med-0", p, at(d+2, 14, 0), audit.ActionView)
		looked = append(looked, p)
	}
	once := w.patient(audit.Patient{})
	w.encounters = append(w.encounters, audit.Encounter{PatientID: once, Department: "Oncology", Start: at(-20, 9, 0), End: at(-20, 10, 0), Kind: audit.KindAppointment})
	w.access("Med-1", once, at(5, 14, 0), audit.ActionView)
	res := w.scan(t)
	for _, p := range looked {
		a := mustAlert(t, res, "Med-0", p, audit.RuleFirstDepartment)
		if !strings.Contains(a.Explanation, "8 days") {
			t.Errorf("curiosity explanation: %s", a.Explanation)
		}
	}
	mustNotAlert(t, res, "Med-1", once)
}

func TestBulkExportAndNewWorkstation(t *testing.T) {
	w := newWorld()
	for k := range 60 {
		p := w.patient(audit.Patient{})
		w.events = append(w.events, audit.Event{Time: at(15, 2, 0).Add(time.Duration(k) * 30 * time.Second), UserID: "Med-0",
			PatientID: p, Action: audit.ActionExport, IP: "203.0.113.7"})
	}
	w.events = append(w.events, audit.Event{Time: at(15, 2, 45), UserID: "Med-0", Action: audit.ActionExport, IP: "203.0.113.7"}) // a list
	for k := range 10 {
		w.access("Med-1", w.patients[k].PatientID, at(15, 10, k), audit.ActionPrint)
	}
	// A new workstation alone, for ordinary work, is not an alert.
	p := w.patients[0].PatientID
	w.events = append(w.events, audit.Event{Time: at(15, 10, 0), UserID: "Med-2", PatientID: p, Action: audit.ActionView, Workstation: "WS-NEW"})
	res := w.scan(t)
	bulk := mustAlert(t, res, "Med-0", "", audit.RuleBulkExport)
	if bulk.Events != 61 {
		t.Errorf("bulk export counted %d events", bulk.Events)
	}
	ws := mustAlert(t, res, "Med-0", "", audit.RuleNewWorkstation)
	if !strings.Contains(ws.Explanation, "203.0.113.7") || !strings.Contains(ws.Explanation, "bulk_export") {
		t.Errorf("new address should name it and be corroborated by the export: %s", ws.Explanation)
	}
	mustNotAlert(t, res, "Med-1", "*")
	mustNotAlert(t, res, "Med-2", "*")
}

func TestSignInRules(t *testing.T) {
	w := newWorld()
	for k := range 12 {
		w.signins = append(w.signins, audit.SignIn{Time: at(15, 3, k), Account: "alice", Kind: audit.SignInFailure, IP: "198.51.100.9"})
	}
	w.signins = append(w.signins, audit.SignIn{Time: at(15, 3, 14), Account: "alice", Kind: audit.SignInSuccess, IP: "198.51.100.9"})
	for k := range 4 {
		w.signins = append(w.signins, audit.SignIn{Time: at(15, 9, k), Account: "bob", Kind: audit.SignInFailure, IP: "10.1.1.1"})
	}
	for k := range 6 {
		w.signins = append(w.signins, audit.SignIn{Time: at(16, 4, k), Account: fmt.Sprintf("user%d", k), Kind: audit.SignInFailure, IP: "192.0.2.66"})
	}
	for k := range 3 {
		w.signins = append(w.signins, audit.SignIn{Time: at(16, 9, k), Account: fmt.Sprintf("user%d", k), Kind: audit.SignInFailure, IP: "10.2.2.2"})
	}
	for d := range 14 {
		w.signins = append(w.signins, audit.SignIn{Time: at(d, 8, 0), Account: "carol", Kind: audit.SignInToken, TokenID: "tok-1", IP: "10.9.9.9"})
		w.signins = append(w.signins, audit.SignIn{Time: at(d, 8, 0), Account: "dave", Kind: audit.SignInToken, TokenID: "tok-2", IP: "10.9.9.8"})
	}
	w.signins = append(w.signins, audit.SignIn{Time: at(15, 8, 0), Account: "carol", Kind: audit.SignInToken, TokenID: "tok-1", IP: "203.0.113.50"})
	w.signins = append(w.signins, audit.SignIn{Time: at(15, 8, 0), Account: "dave", Kind: audit.SignInToken, TokenID: "tok-2", IP: "10.9.9.8"})
	res := w.scan(t)
	bf := mustAlert(t, res, "alice", "", audit.RuleBruteForce)
	if !strings.Contains(bf.Explanation, "followed by a successful sign-in") {
		t.Errorf("brute force then success: %s", bf.Explanation)
	}
	mustNotAlert(t, res, "bob", "*")
	var addr *audit.Alert
	for i, a := range res.Alerts {
		if a.Rule == audit.RuleAddressManyAccounts {
			if a.Address != "192.0.2.66" || a.UserID != "" {
				t.Errorf("address alert %+v", a)
			}
			addr = &res.Alerts[i]
		}
	}
	if addr == nil {
		t.Errorf("no address_many_accounts alert: %v", summary(res))
	}
	mustAlert(t, res, "carol", "", audit.RuleTokenNewAddress)
	mustNotAlert(t, res, "dave", "*")
}

func TestDepartmentLevelEncountersExplainTheirStaff(t *testing.T) {
	w := newWorld()
	p := w.patient(audit.Patient{VIP: true})
	w.encounters = append(w.encounters,
		audit.Encounter{PatientID: p, UserID: "Car-0", Department: "Cardiology", Start: at(15, 9, 0), End: at(15, 10, 0), Kind: audit.KindAppointment})
	w.access("Car-0", p, at(15, 9, 30), audit.ActionView) // their own appointment
	w.access("Car-1", p, at(15, 9, 40), audit.ActionView) // the department's
	w.access("Med-0", p, at(15, 9, 50), audit.ActionView) // another department's
	res := w.scan(t)
	mustNotAlert(t, res, "Car-0", p)
	mustNotAlert(t, res, "Car-1", p)
	mustAlert(t, res, "Med-0", p, audit.RuleVIP)
}

func TestThresholdsSilenceAndTune(t *testing.T) {
	w := newWorld()
	vip := w.patient(audit.Patient{VIP: true})
	w.access("Med-0", vip, at(15, 12, 0), audit.ActionView)
	if _, ok := find(w.scan(t), "Med-0", vip, audit.RuleVIP); !ok {
		t.Fatal("no VIP alert at the default threshold")
	}
	w.opts.Thresholds = audit.Thresholds{audit.RuleVIP: 90}
	if _, ok := find(w.scan(t), "Med-0", vip, audit.RuleVIP); ok {
		t.Error("a VIP alert under a higher threshold")
	}
}
