package schedule

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Request asks for one visit of a patient. The planner books it into a
// slot of an allowed provider between Earliest and Latest, preferring its
// preferred windows, or leaves it unscheduled.
type Request struct {
	ID          string     `json:"id"`
	PatientID   string     `json:"patient_id"`
	VisitType   string     `json:"visit_type"`
	RequestedOn claim.Date `json:"requested_on"` // lead time counts from here
	Earliest    claim.Date `json:"earliest"`
	Latest      claim.Date `json:"latest"`
	// ProviderIDs are the providers the patient may see (continuity of
	// care); empty means any provider who offers the visit type.
	ProviderIDs []string `json:"provider_ids"`
	// Preferred are the patient's preferred weekly windows; a start
	// outside all of them is a preference miss. Empty means no preference.
	Preferred []Window `json:"preferred"`
	// NoShowProbability, when given, is used as is; otherwise the no-show
	// model estimates it per candidate slot from the attendance history.
	NoShowProbability *float64 `json:"no_show_probability,omitempty"`
	// Urgency orders booking and waitlist offers (an extension of the
	// instance format of issue 11).
	Urgency Urgency `json:"urgency,omitempty"`
}

// Allows reports whether the request may be booked with provider id.
func (r *Request) Allows(id string) bool {
	return len(r.ProviderIDs) == 0 || slices.Contains(r.ProviderIDs, id)
}

// Misses reports whether a start at t on weekday wd is a preference miss:
// the request has preferred windows and none contains the start.
func (r *Request) Misses(wd Weekday, t Clock) bool {
	if len(r.Preferred) == 0 {
		return false
	}
	for _, w := range r.Preferred {
		if w.Contains(wd, t) {
			return false
		}
	}
	return true
}

// LeadDays returns the lead time of a booking on date d: d − RequestedOn.
func (r *Request) LeadDays(d claim.Date) int { return d.DaysSince(r.RequestedOn) }

// Appointment is a booked visit: a slot of a provider on a date, for a
// patient, of a visit type.
type Appointment struct {
	ID         string     `json:"id"`
	ProviderID string     `json:"provider_id"`
	Date       claim.Date `json:"date"`
	Start      Clock      `json:"start"`
	VisitType  string     `json:"visit_type"`
	// NoShowProbability, when given, is used as is; otherwise it is
	// estimated from the history (without the patient part unless
	// PatientID is given, without the lead time unless BookedOn is).
	NoShowProbability *float64 `json:"no_show_probability,omitempty"`
	// The fields below extend the instance format of issue 11.
	PatientID string            `json:"patient_id,omitempty"`
	BookedOn  claim.Date        `json:"booked_on,omitempty"`
	RequestID string            `json:"request_id,omitempty"` // the request it was booked for, if any
	Status    AppointmentStatus `json:"status,omitempty"`     // "" reads as booked
}

// Holds reports whether the appointment occupies its slot (booked or
// confirmed; an unset status counts as booked).
func (a *Appointment) Holds() bool { return a.Status == "" || a.Status.Holds() }

// Attendance is one past visit's outcome: what the no-show model learns
// from. Its JSON is the instance format's history entry (patient_id,
// date, start, lead_days, showed), extended with the optional
// appointment_id, provider_id, visit_type and outcome; a cancelled visit
// is written with "outcome": "cancelled" and no "showed".
type Attendance struct {
	AppointmentID string
	PatientID     string
	ProviderID    string
	VisitType     string
	Date          claim.Date
	Start         Clock
	LeadDays      int // days from booking to the visit
	Outcome       Outcome
}

type attendanceJSON struct {
	AppointmentID string     `json:"appointment_id,omitempty"`
	PatientID     string     `json:"patient_id"`
	ProviderID    string     `json:"provider_id,omitempty"`
	VisitType     string     `json:"visit_type,omitempty"`
	Date          claim.Date `json:"date"`
	Start         Clock      `json:"start"`
	LeadDays      int        `json:"lead_days"`
	Showed        *bool      `json:"showed,omitempty"`
	Outcome       Outcome    `json:"outcome,omitempty"`
}

// MarshalJSON writes the instance format's history entry.
func (a Attendance) MarshalJSON() ([]byte, error) {
	j := attendanceJSON{AppointmentID: a.AppointmentID, PatientID: a.PatientID, ProviderID: a.ProviderID,
		VisitType: a.VisitType, Date: a.Date, Start: a.Start, LeadDays: a.LeadDays}
	switch a.Outcome {
	case OutcomeArrived, OutcomeNoShow:
		showed := a.Outcome == OutcomeArrived
		j.Showed = &showed
	default:
		j.Outcome = a.Outcome
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a history entry: "showed" true or false, or an
// "outcome"; when both are given they must agree.
func (a *Attendance) UnmarshalJSON(b []byte) error {
	var j attendanceJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	o, err := outcomeOf(j.Showed, j.Outcome)
	if err != nil {
		return err
	}
	*a = Attendance{AppointmentID: j.AppointmentID, PatientID: j.PatientID, ProviderID: j.ProviderID,
		VisitType: j.VisitType, Date: j.Date, Start: j.Start, LeadDays: j.LeadDays, Outcome: o}
	return nil
}

// outcomeOf reads a history entry's outcome from its "showed" and
// "outcome" fields.
func outcomeOf(showed *bool, o Outcome) (Outcome, error) {
	switch {
	case o != "" && !o.Valid():
		return "", errors.New(`field outcome: must be "arrived", "no_show" or "cancelled"`)
	case showed == nil && o == "":
		return "", errors.New("field showed is missing")
	case showed == nil:
		return o, nil
	case o == "" && *showed:
		return OutcomeArrived, nil
	case o == "":
		return OutcomeNoShow, nil
	case *showed != (o == OutcomeArrived):
		return "", errors.New("fields showed and outcome disagree")
	}
	return o, nil
}

// Attended reports whether the record counts for the no-show model (an
// arrival or a no-show, not a cancellation) and whether it was a no-show.
func (a *Attendance) Attended() (counts, noShow bool) {
	return a.Outcome == OutcomeArrived || a.Outcome == OutcomeNoShow, a.Outcome == OutcomeNoShow
}

// AttendanceOf is the history entry an appointment's outcome makes: lead
// time from BookedOn (0 when unknown).
func AttendanceOf(a *Appointment, o Outcome) Attendance {
	lead := 0
	if !a.BookedOn.IsZero() {
		lead = a.Date.DaysSince(a.BookedOn)
	}
	return Attendance{AppointmentID: a.ID, PatientID: a.PatientID, ProviderID: a.ProviderID, VisitType: a.VisitType,
		Date: a.Date, Start: a.Start, LeadDays: lead, Outcome: o}
}
