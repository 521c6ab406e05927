package schedule

// AppointmentStatus is where a booked appointment is in its life.
type AppointmentStatus string

// Appointment statuses. Booked and Confirmed hold the slot; the others are
// final and free it for the capacity count (a cancelled slot can be
// offered to the waitlist).
const (
	// StatusBooked: on the calendar, not yet confirmed by the patient.
	StatusBooked AppointmentStatus = "booked"
	// StatusConfirmed: the patient confirmed (reminder link or phone).
	StatusConfirmed AppointmentStatus = "confirmed"
	// StatusArrived: the front desk marked the patient as arrived.
	StatusArrived AppointmentStatus = "arrived"
	// StatusNoShow: the patient did not come and did not cancel.
	StatusNoShow AppointmentStatus = "no_show"
	// StatusCancelled: cancelled before the visit by the patient or staff.
	StatusCancelled AppointmentStatus = "cancelled"
)

// Holds reports whether an appointment with status s occupies its slot.
func (s AppointmentStatus) Holds() bool { return s == StatusBooked || s == StatusConfirmed }

// Final reports whether s is an outcome (nothing more happens to it).
func (s AppointmentStatus) Final() bool {
	return s == StatusArrived || s == StatusNoShow || s == StatusCancelled
}

// Valid reports whether s is one of the statuses above.
func (s AppointmentStatus) Valid() bool { return s.Holds() || s.Final() }

// Outcome is what the front desk records for an appointment's day: the
// fact attendance history and the no-show model are made of.
type Outcome string

// Attendance outcomes.
const (
	OutcomeArrived   Outcome = "arrived"
	OutcomeNoShow    Outcome = "no_show"
	OutcomeCancelled Outcome = "cancelled" // cancelled in advance: not a no-show, not in the model
)

// Valid reports whether o is one of the outcomes above.
func (o Outcome) Valid() bool {
	return o == OutcomeArrived || o == OutcomeNoShow || o == OutcomeCancelled
}

// Status returns the appointment status an outcome sets.
func (o Outcome) Status() AppointmentStatus {
	switch o {
	case OutcomeArrived:
		return StatusArrived
	case OutcomeNoShow:
		return StatusNoShow
	case OutcomeCancelled:
		return StatusCancelled
	}
	return ""
}

// RequestStatus is where an appointment request is.
type RequestStatus string

// Request statuses.
const (
	// RequestOpen: received, no option chosen yet.
	RequestOpen RequestStatus = "open"
	// RequestProposed: the planner proposed options; staff or the patient choose.
	RequestProposed RequestStatus = "proposed"
	// RequestBooked: an option was chosen and booked.
	RequestBooked RequestStatus = "booked"
	// RequestWaitlisted: booked later than wished, or not at all, and
	// waiting for an earlier slot to free up.
	RequestWaitlisted RequestStatus = "waitlisted"
	// RequestWithdrawn: the patient or staff withdrew it.
	RequestWithdrawn RequestStatus = "withdrawn"
)

// OfferState is where one waitlist offer of a freed slot is.
type OfferState string

// Offer states. An offer is made to one waitlisted request at a time;
// Accepted books the slot, the others pass it to the next request.
const (
	OfferPending   OfferState = "pending"
	OfferAccepted  OfferState = "accepted"
	OfferDeclined  OfferState = "declined"
	OfferExpired   OfferState = "expired"   // no answer before the offer's deadline
	OfferWithdrawn OfferState = "withdrawn" // the slot was taken or the request closed meanwhile
)

// Urgency says how soon a request should be seen. The planner books
// urgent requests first and the waitlist offers to them first; it does
// not change the cost model.
type Urgency string

// Urgencies, least urgent first.
const (
	UrgencyRoutine Urgency = "routine"
	UrgencySoon    Urgency = "soon"
	UrgencyUrgent  Urgency = "urgent"
)

// Rank orders urgencies: 0 routine (and unset), 1 soon, 2 urgent.
func (u Urgency) Rank() int {
	switch u {
	case UrgencyUrgent:
		return 2
	case UrgencySoon:
		return 1
	}
	return 0
}

// Valid reports whether u is unset or one of the urgencies above.
func (u Urgency) Valid() bool {
	return u == "" || u == UrgencyRoutine || u == UrgencySoon || u == UrgencyUrgent
}

// ExceptionKind says why a provider's template does not apply.
type ExceptionKind string

// Exception kinds. Both remove the sessions (or the hours) they cover;
// the kind is for the calendar and reports.
const (
	ExceptionHoliday ExceptionKind = "holiday" // the clinic is closed
	ExceptionBlocked ExceptionKind = "blocked" // the provider is away (leave, meeting, surgery day)
)
