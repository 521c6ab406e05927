package audit

import (
	"fmt"
	"time"
)

// Window is how long before an encounter starts and after it ends an
// access is explained by it.
type Window struct {
	Before, After time.Duration
}

// Windows are the time windows of the explanation templates.
type Windows struct {
	// UserCare: an appointment, admission or order with the user
	// (continuing care: results, follow-up calls, the next visit).
	UserCare Window
	// DepartmentCare: an appointment or admission of the user's department.
	DepartmentCare Window
	// Order: an order to the user's department.
	Order Window
	// Claim: a claim the user works, or a department-level claim their
	// department works. (A claim assigned to someone explains the rest of
	// its department only within DepartmentCare.)
	Claim Window
	// Referral: a referral to the user or their department.
	Referral Window
}

// DefaultWindows are the windows scans use unless told otherwise.
var DefaultWindows = Windows{
	UserCare:       Window{Before: 30 * day, After: 90 * day},
	DepartmentCare: Window{Before: 2 * day, After: 3 * day},
	Order:          Window{Before: time.Hour, After: 3 * day},
	Claim:          Window{Before: day, After: 30 * day},
	Referral:       Window{Before: day, After: 60 * day},
}

const day = 24 * time.Hour

// secWindow is a Window in seconds.
type secWindow struct{ before, after int64 }

func (w Window) secs() secWindow {
	return secWindow{int64(w.Before / time.Second), int64(w.After / time.Second)}
}

// windowTable holds each template's window by encounter kind, in seconds.
type windowTable struct {
	user, dept [len(kindsByIndex)]secWindow
	path       secWindow // discovered paths: DepartmentCare, whatever the kind
	maxBefore  int64
}

var kindsByIndex = [...]EncounterKind{KindAppointment, KindAdmission, KindOrder, KindClaim, KindReferral}

func newWindowTable(w Windows) windowTable {
	var t windowTable
	for i, k := range kindsByIndex {
		switch k {
		case KindClaim:
			t.user[i], t.dept[i] = w.Claim.secs(), w.Claim.secs()
		case KindReferral:
			t.user[i], t.dept[i] = w.Referral.secs(), w.Referral.secs()
		case KindOrder:
			t.user[i], t.dept[i] = w.UserCare.secs(), w.Order.secs()
		default:
			t.user[i], t.dept[i] = w.UserCare.secs(), w.DepartmentCare.secs()
		}
		t.maxBefore = max(t.maxBefore, t.user[i].before, t.dept[i].before)
	}
	t.path = w.DepartmentCare.secs()
	t.maxBefore = max(t.maxBefore, t.path.before)
	return t
}

// TemplateID names an explanation template. Discovered templates have IDs
// of the form "path:Pharmacy/pharmacist>ICU/admission".
type TemplateID string

// The fixed templates.
const (
	TemplateUserEncounter       TemplateID = "user_encounter"
	TemplateDepartmentEncounter TemplateID = "department_encounter"
	TemplateDepartmentOrder     TemplateID = "department_order"
	TemplateClaimWorked         TemplateID = "claim_worked"
	TemplateReferral            TemplateID = "referral"
)

// Template is an explanation template: a reason the data gives for an
// access. Discovered templates also say which path they follow and how
// much of the data supported them.
type Template struct {
	ID          TemplateID `json:"id"`
	Description string     `json:"description"`
	Discovered  bool       `json:"discovered,omitempty"`
	// The path of a discovered template: users of UserDepartment with
	// UserRole access patients with encounters of EncounterKind at
	// EncounterDepartment.
	UserDepartment      string        `json:"user_department,omitempty"`
	UserRole            string        `json:"user_role,omitempty"`
	EncounterDepartment string        `json:"encounter_department,omitempty"`
	EncounterKind       EncounterKind `json:"encounter_kind,omitempty"`
	// Support when discovered: the accesses the path explained that no
	// fixed or earlier discovered template did, by how many users, for how
	// many patients, and its lift (how many times more often the group
	// follows the path than accesses in general reach such encounters).
	Events   int     `json:"events,omitempty"`
	Users    int     `json:"users,omitempty"`
	Patients int     `json:"patients,omitempty"`
	Lift     float64 `json:"lift,omitempty"`
}

// FixedTemplates are the templates every scan applies.
var FixedTemplates = []Template{
	{ID: TemplateUserEncounter, Description: "an appointment, admission or order with the user (continuing care)"},
	{ID: TemplateDepartmentEncounter, Description: "an appointment or admission of the user's department around the time of access"},
	{ID: TemplateDepartmentOrder, Description: "an order to the user's department"},
	{ID: TemplateClaimWorked, Description: "a claim the user or their department worked"},
	{ID: TemplateReferral, Description: "a referral to the user or their department"},
}

func userTemplate(k EncounterKind) TemplateID {
	switch k {
	case KindClaim:
		return TemplateClaimWorked
	case KindReferral:
		return TemplateReferral
	}
	return TemplateUserEncounter
}

func departmentTemplate(k EncounterKind) TemplateID {
	switch k {
	case KindClaim:
		return TemplateClaimWorked
	case KindReferral:
		return TemplateReferral
	case KindOrder:
		return TemplateDepartmentOrder
	}
	return TemplateDepartmentEncounter
}

// pathKey packs a discovery path: the user's department and role, the
// encounter's department and kind.
type pathKey uint64

func makePath(userDept, role, encDept int32, kind EncounterKind) pathKey {
	return pathKey(uint64(uint32(userDept)&0xFFFFFF)<<40 | uint64(uint32(role)&0xFFFF)<<24 |
		uint64(uint32(encDept)&0xFFFFF)<<4 | uint64(kind.index()))
}

// encounter returns the encounter department and kind of a path.
func (k pathKey) encounter() (int32, EncounterKind) {
	return int32((k >> 4) & 0xFFFFF), kindsByIndex[k&0xF]
}

// explained is what explains an access: a fixed template, or a
// discovered path, and the span of time the same encounter explains.
type explained struct {
	fixed  TemplateID
	path   pathKey
	dept   int32 // the encounter's department
	lo, hi int64
}

// explainFixed finds a fixed template that explains user u's access to
// patient p at Unix second t. Candidate paths for discovery are passed to
// visit (when not nil) for encounters of other departments in their window.
func (d *Directory) explainFixed(w *windowTable, u, p int32, t int64, visit func(pathKey, *encounter)) (explained, bool) {
	st := &d.staff[u]
	es := d.encsOf(p)
	for i := range es {
		e := &es[i]
		if e.start-w.maxBefore > t {
			break
		}
		k := e.kind.index()
		if e.user == u {
			win := w.user[k]
			if lo, hi := e.start-win.before, e.end+win.after; t >= lo && t <= hi {
				return explained{fixed: userTemplate(e.kind), dept: e.dept, lo: lo, hi: hi}, true
			}
		}
		switch {
		case e.dept < 0:
		case e.dept == st.dept:
			win := w.dept[k]
			if e.kind == KindClaim && e.user >= 0 {
				// A claim someone works explains their department's
				// access around the service, not for the month it is worked.
				win = w.path
			}
			if lo, hi := e.start-win.before, e.end+win.after; t >= lo && t <= hi {
				return explained{fixed: departmentTemplate(e.kind), dept: e.dept, lo: lo, hi: hi}, true
			}
		case visit != nil && st.dept >= 0:
			if t >= e.start-w.path.before && t <= e.end+w.path.after {
				visit(makePath(st.dept, st.role, e.dept, e.kind), e)
			}
		}
	}
	return explained{}, false
}

// explainPath finds a discovered path that explains the access.
func (d *Directory) explainPath(w *windowTable, u, p int32, t int64, paths map[pathKey]int) (explained, bool) {
	st := &d.staff[u]
	if st.dept < 0 || len(paths) == 0 {
		return explained{}, false
	}
	es := d.encsOf(p)
	for i := range es {
		e := &es[i]
		if e.start-w.maxBefore > t {
			break
		}
		lo, hi := e.start-w.path.before, e.end+w.path.after
		if t < lo || t > hi || e.dept < 0 {
			continue
		}
		k := makePath(st.dept, st.role, e.dept, e.kind)
		if _, ok := paths[k]; ok {
			return explained{path: k, dept: e.dept, lo: lo, hi: hi}, true
		}
	}
	return explained{}, false
}

// pathTemplate describes a discovered path.
func (d *Directory) pathTemplate(userDept, role, encDept int32, kind EncounterKind) Template {
	ud, r, ed := d.departmentName(userDept), d.roles.name(role), d.departmentName(encDept)
	return Template{
		ID:                  TemplateID(fmt.Sprintf("path:%s/%s>%s/%s", ud, r, ed, kind)),
		Description:         fmt.Sprintf("%s %s staff routinely work with patients of %s %ss", ud, r, ed, kind),
		Discovered:          true,
		UserDepartment:      ud,
		UserRole:            r,
		EncounterDepartment: ed,
		EncounterKind:       kind,
	}
}
