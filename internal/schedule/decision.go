package schedule

import (
	"fmt"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
)

// The scheduling bot's signed staff decisions (package decision): the
// choice of a slot for a request, an appointment's attendance (arrived,
// no-show, cancelled), and the answer to a waitlist offer.
const (
	DecisionBooking    decision.Kind = "scheduling.booking"
	DecisionAttendance decision.Kind = "scheduling.attendance"
	DecisionOffer      decision.Kind = "scheduling.offer"
)

// Roles that book appointments and mark attendance: the front desk and
// administrators (names of the users' roles, as the front door signs
// them). RolePatient is the actor of decisions made through a link in a
// reminder or offer email.
const (
	RoleFrontDesk = "front_desk"
	RoleAdmin     = "admin"
	RolePatient   = "patient"
)

// CanBook reports whether a user in role may book appointments and mark
// attendance.
func CanBook(role string) bool { return role == RoleFrontDesk || role == RoleAdmin }

// Booking is the payload of a DecisionBooking: the slot chosen for a
// request. Overbook confirms a booking into a slot where another
// appointment already starts.
type Booking struct {
	Slot     Slot `json:"slot"`
	Overbook bool `json:"overbook,omitempty"`
}

// AttendanceNote is the payload of a DecisionAttendance.
type AttendanceNote struct {
	Outcome Outcome `json:"outcome"`
}

// OfferAnswer is the payload of a DecisionOffer: the waitlisted
// request's answer to the offer of a freed slot.
type OfferAnswer struct {
	OfferID string `json:"offer_id"`
	Accept  bool   `json:"accept"`
}

// Fits says why a request cannot be booked at slot as far as the request
// itself goes (its window and its providers), or nil; the slot's place in
// a session and its room are the planner's and the store's to check.
func (r *Request) Fits(slot Slot) error {
	switch {
	case slot.Date < r.Earliest || slot.Date > r.Latest:
		return fault.Errorf(fault.Invalid, "request %s: %s is outside the request's window %s to %s", r.ID, slot.Date, r.Earliest, r.Latest)
	case !r.Allows(slot.ProviderID):
		return fault.Errorf(fault.Invalid, "request %s: provider %s is not one the request allows", r.ID, slot.ProviderID)
	case slot.Start < 0 || slot.Start >= MinutesPerDay:
		return fault.Errorf(fault.Invalid, "request %s: the start time is not a time of day", r.ID)
	}
	return nil
}

// String writes the slot for staff and patients: "2026-12-08 09:15 (P1)".
func (s Slot) String() string { return fmt.Sprintf("%s %s (%s)", s.Date, s.Start, s.ProviderID) }

// Insurance is the coverage a patient has on file, what the eligibility
// bot asks the payer about for each booked visit. A patient without it
// (self-pay) is booked without an eligibility check.
type Insurance struct {
	PayerID  string     `json:"payer_id,omitempty"`
	MemberID string     `json:"member_id,omitempty"`
	DOB      claim.Date `json:"dob,omitempty"`
}

// Complete reports whether the insurance can be checked.
func (i Insurance) Complete() bool { return i.PayerID != "" && i.MemberID != "" && !i.DOB.IsZero() }

// LinkAnswer is a patient's answer through a link in a reminder or an
// offer email.
type LinkAnswer string

// The answers a link carries.
const (
	AnswerConfirm LinkAnswer = "confirm" // reminder: I am coming
	AnswerCancel  LinkAnswer = "cancel"  // reminder: I cannot come
	AnswerAccept  LinkAnswer = "accept"  // offer: I take the earlier slot
	AnswerDecline LinkAnswer = "decline" // offer: keep my place on the waitlist
)
