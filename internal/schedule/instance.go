package schedule

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
)

// Instance is one planning problem, in the JSON format of issue 11 that
// `rcmbot schedule plan --instance FILE.json` reads and other tools
// write: the horizon, slot length, service variability, overbooking
// limit and cost weights, the providers' templates, the visit types, the
// appointments already booked, the requests to book and the attendance
// history their no-show probabilities are estimated from.
//
// Extensions (optional, never renaming a field of the format):
// holidays; providers' blocked dates and hours; visit types' provider_ids;
// existing appointments' patient_id, booked_on, request_id and status;
// requests' urgency; history entries' appointment_id, provider_id,
// visit_type and outcome.
type Instance struct {
	Start              claim.Date    `json:"start"`
	Days               int           `json:"days"`
	SlotMinutes        int           `json:"slot_minutes"`
	ServiceCV          float64       `json:"service_cv"` // coefficient of variation of service times
	MaxOverbookPerSlot int           `json:"max_overbook_per_slot"`
	Costs              Costs         `json:"costs"`
	Providers          []Provider    `json:"providers"`
	VisitTypes         []VisitType   `json:"visit_types"`
	Existing           []Appointment `json:"existing"`
	Requests           []Request     `json:"requests"`
	History            []Attendance  `json:"history"`
	Holidays           []Exception   `json:"holidays,omitempty"` // clinic closed: every provider's sessions removed
}

// Costs are the cost model's weights (see package planner for the model).
type Costs struct {
	WaitPerMinute     float64 `json:"wait_per_minute"`     // per minute a patient waits past the appointment time
	IdlePerMinute     float64 `json:"idle_per_minute"`     // per session minute the provider serves nobody
	OvertimePerMinute float64 `json:"overtime_per_minute"` // per minute past a session's end
	LeadTimePerDay    float64 `json:"lead_time_per_day"`   // per day from requested_on to the visit
	PreferenceMiss    float64 `json:"preference_miss"`     // per start outside every preferred window
	Unscheduled       float64 `json:"unscheduled"`         // per request left unbooked
}

// Limits on an instance, so that a hostile or mistaken file cannot
// exhaust memory or time: far beyond any clinic's planning run.
const (
	MaxDays      = 366
	MaxRecords   = 200_000 // existing appointments, requests, history entries: each
	MaxOverbook  = 10
	MaxServiceCV = 1.5 // clinic service times vary with CV 0.2–0.8
	// MaxVisitMinutes bounds a visit type's length.
	MaxVisitMinutes = 480
	// MaxSessions bounds the provider-sessions in the horizon, and
	// MaxPairs the requests times the slots they could choose from.
	MaxSessions    = 50_000
	MaxPairs       = 20_000_000
	maxSlotMinutes = int(MinutesPerDay)
)

// Horizon returns the dates the instance covers.
func (in *Instance) Horizon() Horizon { return Horizon{Start: in.Start, Days: in.Days} }

// Sessions returns every provider-session in the horizon (see Sessions).
func (in *Instance) Sessions() []Session { return Sessions(in.Providers, in.Holidays, in.Horizon()) }

// VisitType returns the visit type with the given id.
func (in *Instance) VisitType(id string) (*VisitType, bool) {
	for i := range in.VisitTypes {
		if in.VisitTypes[i].ID == id {
			return &in.VisitTypes[i], true
		}
	}
	return nil, false
}

// ParseInstance reads an instance from JSON and checks it (see Check).
// Every error is a *fault.Error with code Invalid whose message names
// the record and the field, never the value.
func ParseInstance(data []byte) (*Instance, error) {
	in, err := decodeInstance(data)
	if err == nil {
		err = in.Check()
	}
	if err != nil {
		return nil, invalid(err)
	}
	return in, nil
}

func invalid(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	return &fault.Error{Code: fault.Invalid, Message: "instance: " + err.Error()}
}

func decodeInstance(data []byte) (*Instance, error) {
	in := &Instance{}
	var costs json.RawMessage
	err := decodeObject(data, "", []field{
		{"start", true, date(&in.Start)},
		{"days", true, integer(&in.Days)},
		{"slot_minutes", true, integer(&in.SlotMinutes)},
		{"service_cv", true, number(&in.ServiceCV)},
		{"max_overbook_per_slot", true, integer(&in.MaxOverbookPerSlot)},
		{"costs", true, func(v json.RawMessage) error { costs = v; return nil }},
		{"providers", true, list(&in.Providers, "provider", "providers", decodeProvider)},
		{"visit_types", true, list(&in.VisitTypes, "visit type", "visit_types", decodeVisitType)},
		{"existing", false, list(&in.Existing, "existing appointment", "existing", decodeAppointment)},
		{"requests", false, list(&in.Requests, "request", "requests", decodeRequest)},
		{"history", false, list(&in.History, "history entry", "history", decodeAttendance)},
		{"holidays", false, exceptions(&in.Holidays)},
	})
	if err != nil {
		return nil, err
	}
	c := &in.Costs
	err = decodeObject(costs, "costs", []field{
		{"wait_per_minute", true, number(&c.WaitPerMinute)},
		{"idle_per_minute", true, number(&c.IdlePerMinute)},
		{"overtime_per_minute", true, number(&c.OvertimePerMinute)},
		{"lead_time_per_day", true, number(&c.LeadTimePerDay)},
		{"preference_miss", true, number(&c.PreferenceMiss)},
		{"unscheduled", true, number(&c.Unscheduled)},
	})
	return in, err
}

// listError carries a list element's own message up through the field
// wrapper unchanged (the element names itself).
type listError struct{ error }

// list decodes a JSON array of records with decodeOne, each named by
// label (kind and id, or list and index).
func list[T any](dst *[]T, kind, name string, decodeOne func(*T, json.RawMessage, string) error) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var out []T
		err := decodeList(v, func(i int, e json.RawMessage) error {
			if i >= MaxRecords {
				return badValue(fmt.Sprintf("has more than %d entries; split the instance", MaxRecords))
			}
			var x T
			if err := decodeOne(&x, e, label(kind, name, i, idOf(e))); err != nil {
				return listError{err}
			}
			out = append(out, x)
			return nil
		})
		*dst = out
		return err
	}
}

func decodeProvider(p *Provider, raw json.RawMessage, where string) error {
	return decodeObject(raw, where, []field{
		{"id", true, str(&p.ID)},
		{"sessions", true, windows(&p.Sessions)},
		{"blocked", false, exceptions(&p.Blocked)},
	})
}

func decodeVisitType(v *VisitType, raw json.RawMessage, where string) error {
	return decodeObject(raw, where, []field{
		{"id", true, str(&v.ID)},
		{"minutes", true, integer(&v.Minutes)},
		{"provider_ids", false, strs(&v.ProviderIDs)},
	})
}

func decodeAppointment(a *Appointment, raw json.RawMessage, where string) error {
	var status string
	err := decodeObject(raw, where, []field{
		{"id", true, str(&a.ID)},
		{"provider_id", true, str(&a.ProviderID)},
		{"date", true, date(&a.Date)},
		{"start", true, clock(&a.Start)},
		{"visit_type", true, str(&a.VisitType)},
		{"no_show_probability", false, numberPtr(&a.NoShowProbability)},
		{"patient_id", false, str(&a.PatientID)},
		{"booked_on", false, date(&a.BookedOn)},
		{"request_id", false, str(&a.RequestID)},
		{"status", false, str(&status)},
	})
	a.Status = AppointmentStatus(status)
	return err
}

func decodeRequest(r *Request, raw json.RawMessage, where string) error {
	var urgency string
	err := decodeObject(raw, where, []field{
		{"id", true, str(&r.ID)},
		{"patient_id", true, str(&r.PatientID)},
		{"visit_type", true, str(&r.VisitType)},
		{"requested_on", true, date(&r.RequestedOn)},
		{"earliest", true, date(&r.Earliest)},
		{"latest", true, date(&r.Latest)},
		{"provider_ids", false, strs(&r.ProviderIDs)},
		{"preferred", false, windows(&r.Preferred)},
		{"no_show_probability", false, numberPtr(&r.NoShowProbability)},
		{"urgency", false, str(&urgency)},
	})
	r.Urgency = Urgency(urgency)
	return err
}

func decodeAttendance(a *Attendance, raw json.RawMessage, where string) error {
	var showed *bool
	var outcome string
	err := decodeObject(raw, where, []field{
		{"patient_id", true, str(&a.PatientID)},
		{"date", true, date(&a.Date)},
		{"start", true, clock(&a.Start)},
		{"lead_days", true, integer(&a.LeadDays)},
		{"showed", false, boolean(&showed)},
		{"appointment_id", false, str(&a.AppointmentID)},
		{"provider_id", false, str(&a.ProviderID)},
		{"visit_type", false, str(&a.VisitType)},
		{"outcome", false, str(&outcome)},
	})
	if err != nil {
		return err
	}
	if a.Outcome, err = outcomeOf(showed, Outcome(outcome)); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// Check returns the first reason the instance cannot be planned, naming
// the record and field: unknown or duplicate IDs, an ID used by both an
// existing appointment and a request, dates outside the horizon or in the
// wrong order, times off the templates, bad probabilities, costs or
// limits, more existing appointments in a slot than the overbooking limit
// allows, and no-show probabilities that are neither given nor estimable
// (no usable history).
func (in *Instance) Check() error {
	switch {
	case in.Start.IsZero():
		return errors.New("field start is missing")
	case in.Days < 1 || in.Days > MaxDays:
		return fmt.Errorf("field days: must be 1 to %d", MaxDays)
	case in.SlotMinutes < 1 || in.SlotMinutes > maxSlotMinutes:
		return fmt.Errorf("field slot_minutes: must be 1 to %d", maxSlotMinutes)
	case !(in.ServiceCV >= 0 && in.ServiceCV <= MaxServiceCV):
		return fmt.Errorf("field service_cv: must be between 0 and %g", MaxServiceCV)
	case in.MaxOverbookPerSlot < 0 || in.MaxOverbookPerSlot > MaxOverbook:
		return fmt.Errorf("field max_overbook_per_slot: must be 0 to %d", MaxOverbook)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"wait_per_minute", in.Costs.WaitPerMinute}, {"idle_per_minute", in.Costs.IdlePerMinute},
		{"overtime_per_minute", in.Costs.OvertimePerMinute}, {"lead_time_per_day", in.Costs.LeadTimePerDay},
		{"preference_miss", in.Costs.PreferenceMiss}, {"unscheduled", in.Costs.Unscheduled}} {
		if !(c.v >= 0 && c.v < math.Inf(1)) {
			return fmt.Errorf("costs: field %s: must be a number ≥ 0", c.name)
		}
	}
	for i, h := range in.Holidays {
		if !h.WholeDay() {
			return fmt.Errorf("holidays[%d]: a holiday closes the whole day; leave out start and end", i)
		}
	}
	providers := map[string]bool{}
	for i := range in.Providers {
		p := &in.Providers[i]
		where := label("provider", "providers", i, p.ID)
		if p.ID == "" {
			return fmt.Errorf("%s: field id is empty", where)
		}
		if providers[p.ID] {
			return fmt.Errorf("%s: duplicate id", where)
		}
		providers[p.ID] = true
		if err := p.Check(); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	types := map[string]bool{}
	for i := range in.VisitTypes {
		v := &in.VisitTypes[i]
		where := label("visit type", "visit_types", i, v.ID)
		switch {
		case v.ID == "":
			return fmt.Errorf("%s: field id is empty", where)
		case types[v.ID]:
			return fmt.Errorf("%s: duplicate id", where)
		case v.Minutes < 1 || v.Minutes > MaxVisitMinutes:
			return fmt.Errorf("%s: field minutes: must be 1 to %d", where, MaxVisitMinutes)
		}
		types[v.ID] = true
		for _, id := range v.ProviderIDs {
			if !providers[id] {
				return fmt.Errorf("%s: field provider_ids: unknown provider %q", where, id)
			}
		}
	}
	templates := 0
	for _, p := range in.Providers {
		templates += len(p.Sessions)
	}
	if templates*(in.Days/7+1) > MaxSessions {
		return fmt.Errorf("the horizon holds more than %d provider-sessions; plan fewer days or providers at a time", MaxSessions)
	}
	slots := 0
	for _, s := range in.Sessions() {
		slots += (s.Minutes() + in.SlotMinutes - 1) / in.SlotMinutes
	}
	if len(in.Requests)*slots > MaxPairs {
		return fmt.Errorf("%d requests over %d slots is too large to plan at once; split the requests by provider or by week", len(in.Requests), slots)
	}
	needsModel := ""
	if err := in.checkExisting(providers, &needsModel); err != nil {
		return err
	}
	if err := in.checkRequests(providers, &needsModel); err != nil {
		return err
	}
	counted := 0
	for i := range in.History {
		a := &in.History[i]
		where := fmt.Sprintf("history[%d]", i)
		switch {
		case a.PatientID == "":
			return fmt.Errorf("%s: field patient_id is empty", where)
		case a.LeadDays < 0:
			return fmt.Errorf("%s: field lead_days: must be 0 or more", where)
		case a.Start >= MinutesPerDay:
			return fmt.Errorf("%s: field start: must be before 24:00", where)
		}
		if ok, _ := a.Attended(); ok {
			counted++
		}
	}
	if needsModel != "" && counted == 0 {
		return fmt.Errorf("%s: field no_show_probability is missing and the history has no arrivals or no-shows to estimate it from", needsModel)
	}
	return nil
}

func label(kind, list string, i int, id string) string {
	if id != "" {
		return fmt.Sprintf("%s %q", kind, id)
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

func checkProbability(p *float64) bool { return p == nil || (*p >= 0 && *p <= 1) }

func (in *Instance) checkExisting(providers map[string]bool, needsModel *string) error {
	sessions := in.Sessions()
	index := NewSessionIndex(sessions)
	ids := map[string]bool{}
	perSlot := map[Slot]int{}
	h := in.Horizon()
	for i := range in.Existing {
		a := &in.Existing[i]
		where := label("existing appointment", "existing", i, a.ID)
		vt, okType := in.VisitType(a.VisitType)
		switch {
		case a.ID == "":
			return fmt.Errorf("%s: field id is empty", where)
		case ids[a.ID]:
			return fmt.Errorf("%s: duplicate id", where)
		case !providers[a.ProviderID]:
			return fmt.Errorf("%s: field provider_id: unknown provider", where)
		case !okType:
			return fmt.Errorf("%s: field visit_type: unknown visit type", where)
		case !vt.OfferedBy(a.ProviderID):
			return fmt.Errorf("%s: field visit_type: the provider does not offer this visit type", where)
		case !h.Contains(a.Date):
			return fmt.Errorf("%s: field date: outside the horizon (start + days)", where)
		case !checkProbability(a.NoShowProbability):
			return fmt.Errorf("%s: field no_show_probability: must be between 0 and 1", where)
		case a.Status != "" && !a.Status.Valid():
			return fmt.Errorf("%s: field status: unknown status", where)
		case !a.BookedOn.IsZero() && a.BookedOn > a.Date:
			return fmt.Errorf("%s: field booked_on: after the appointment date", where)
		}
		ids[a.ID] = true
		if !a.Holds() {
			continue
		}
		si, ok := index.At(a.ProviderID, a.Date, a.Start)
		if !ok {
			return fmt.Errorf("%s: field start: not inside a session of the provider on that date", where)
		}
		s := &sessions[si]
		slot := Slot{ProviderID: a.ProviderID, Date: a.Date, Start: s.SlotOf(a.Start, in.SlotMinutes)}
		perSlot[slot]++
		if perSlot[slot] > 1+in.MaxOverbookPerSlot {
			return fmt.Errorf("%s: its slot already holds %d appointments; max_overbook_per_slot allows %d", where, perSlot[slot]-1, 1+in.MaxOverbookPerSlot)
		}
		if a.NoShowProbability == nil && *needsModel == "" {
			*needsModel = where
		}
	}
	return nil
}

func (in *Instance) checkRequests(providers map[string]bool, needsModel *string) error {
	existing := map[string]bool{}
	for _, a := range in.Existing {
		existing[a.ID] = true
	}
	ids := map[string]bool{}
	h := in.Horizon()
	for i := range in.Requests {
		r := &in.Requests[i]
		where := label("request", "requests", i, r.ID)
		_, okType := in.VisitType(r.VisitType)
		switch {
		case r.ID == "":
			return fmt.Errorf("%s: field id is empty", where)
		case ids[r.ID]:
			return fmt.Errorf("%s: duplicate id", where)
		case existing[r.ID]:
			return fmt.Errorf("%s: field id: also the id of an existing appointment (a request is in both lists)", where)
		case r.PatientID == "":
			return fmt.Errorf("%s: field patient_id is empty", where)
		case !okType:
			return fmt.Errorf("%s: field visit_type: unknown visit type", where)
		case r.Latest < r.Earliest:
			return fmt.Errorf("%s: field latest: before earliest", where)
		case r.Earliest < r.RequestedOn:
			return fmt.Errorf("%s: field earliest: before requested_on", where)
		case r.Latest < h.Start || r.Earliest > h.Last():
			return fmt.Errorf("%s: fields earliest and latest: the window lies outside the horizon (start + days)", where)
		case !checkProbability(r.NoShowProbability):
			return fmt.Errorf("%s: field no_show_probability: must be between 0 and 1", where)
		case !r.Urgency.Valid():
			return fmt.Errorf(`%s: field urgency: must be "routine", "soon" or "urgent"`, where)
		}
		for _, id := range r.ProviderIDs {
			if !providers[id] {
				return fmt.Errorf("%s: field provider_ids: unknown provider %q", where, id)
			}
		}
		ids[r.ID] = true
		if r.NoShowProbability == nil && *needsModel == "" {
			*needsModel = where
		}
	}
	return nil
}

// Slot names one slot: a provider's slot starting at Start on Date.
type Slot struct {
	ProviderID string     `json:"provider_id"`
	Date       claim.Date `json:"date"`
	Start      Clock      `json:"start"`
}

// SessionIndex finds the session that contains a time.
type SessionIndex struct {
	sessions []Session
	by       map[sessionKey][]int
}

type sessionKey struct {
	provider string
	date     claim.Date
}

// NewSessionIndex indexes sessions (it keeps the slice).
func NewSessionIndex(sessions []Session) *SessionIndex {
	x := &SessionIndex{sessions: sessions, by: map[sessionKey][]int{}}
	for i, s := range sessions {
		k := sessionKey{s.ProviderID, s.Date}
		x.by[k] = append(x.by[k], i)
	}
	return x
}

// At returns the index of provider id's session on date d that contains
// time t.
func (x *SessionIndex) At(id string, d claim.Date, t Clock) (int, bool) {
	for _, i := range x.by[sessionKey{id, d}] {
		if s := &x.sessions[i]; t >= s.Start && t < s.End {
			return i, true
		}
	}
	return -1, false
}
