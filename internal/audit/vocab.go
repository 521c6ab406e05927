package audit

import (
	"fmt"
	"strings"
)

// Action is what a user did with a patient's record, as access logs name it.
type Action string

// The actions of access.csv. Search, export and print may name no patient
// (a search, a list export, a printed census).
const (
	ActionView   Action = "view"
	ActionEdit   Action = "edit"
	ActionPrint  Action = "print"
	ActionExport Action = "export"
	ActionSearch Action = "search"
)

// Actions lists every Action.
var Actions = []Action{ActionView, ActionEdit, ActionPrint, ActionExport, ActionSearch}

// ParseAction reads an action, ignoring case and surrounding space.
func ParseAction(s string) (Action, error) {
	if a, ok := actionOf([]byte(s)); ok {
		return a, nil
	}
	return "", fmt.Errorf("not an action: expected one of %s", joinStrings(Actions))
}

// actionOf reads an action from raw bytes without allocating for the
// lower-case spellings logs use.
func actionOf(b []byte) (Action, bool) {
	switch string(b) {
	case "view":
		return ActionView, true
	case "edit":
		return ActionEdit, true
	case "print":
		return ActionPrint, true
	case "export":
		return ActionExport, true
	case "search":
		return ActionSearch, true
	}
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for _, a := range Actions {
		if s == string(a) {
			return a, true
		}
	}
	return "", false
}

// bulk reports whether the action takes data out of the record system
// (what the bulk-export rule counts).
func (a Action) bulk() bool { return a == ActionExport || a == ActionPrint }

// patientOptional reports whether the action may name no patient.
func (a Action) patientOptional() bool {
	return a == ActionSearch || a == ActionExport || a == ActionPrint
}

// EncounterKind is the kind of care relationship an encounter records.
type EncounterKind string

// The kinds of encounters.csv.
const (
	KindAppointment EncounterKind = "appointment"
	KindAdmission   EncounterKind = "admission"
	KindOrder       EncounterKind = "order"
	KindClaim       EncounterKind = "claim"
	KindReferral    EncounterKind = "referral"
)

// EncounterKinds lists every EncounterKind.
var EncounterKinds = []EncounterKind{KindAppointment, KindAdmission, KindOrder, KindClaim, KindReferral}

// ParseEncounterKind reads an encounter kind, ignoring case and space.
func ParseEncounterKind(s string) (EncounterKind, error) {
	if k, ok := kindOf([]byte(s)); ok {
		return k, nil
	}
	return "", fmt.Errorf("not an encounter kind: expected one of %s", joinStrings(EncounterKinds))
}

// kindOf reads an encounter kind from raw bytes, without allocating for
// the lower-case spellings.
func kindOf(b []byte) (EncounterKind, bool) {
	for _, k := range EncounterKinds {
		if string(b) == string(k) {
			return k, true
		}
	}
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for _, k := range EncounterKinds {
		if s == string(k) {
			return k, true
		}
	}
	return "", false
}

// index numbers the kinds for compact keys and tables.
func (k EncounterKind) index() uint8 {
	switch k {
	case KindAdmission:
		return 1
	case KindOrder:
		return 2
	case KindClaim:
		return 3
	case KindReferral:
		return 4
	}
	return 0
}

// RuleID names a detection rule. The IDs are stable: alerts, cases,
// thresholds and reports store them.
type RuleID string

// The rules. See Rules for what each looks at.
const (
	RuleSelf                RuleID = "self_access"
	RuleFamily              RuleID = "family"
	RuleCoworker            RuleID = "coworker"
	RuleNeighbour           RuleID = "neighbour"
	RuleVIP                 RuleID = "vip"
	RuleOutsideEmployment   RuleID = "outside_employment"
	RuleOffHours            RuleID = "off_hours"
	RuleVolumeSpike         RuleID = "volume_spike"
	RuleFirstDepartment     RuleID = "first_department"
	RuleBulkExport          RuleID = "bulk_export"
	RuleNewWorkstation      RuleID = "new_workstation"
	RuleBruteForce          RuleID = "brute_force"
	RuleAddressManyAccounts RuleID = "address_many_accounts"
	RuleTokenNewAddress     RuleID = "token_new_address"
	// RuleLogTampered is raised by the daily verification of the
	// tamper-evident PHI access log, not by a scan.
	RuleLogTampered RuleID = "log_tampered"
)

// Level says what an alert of a rule is about.
type Level string

// The levels.
const (
	LevelPatient Level = "patient" // one alert per (user, patient, rule)
	LevelUser    Level = "user"    // one alert per (user, rule)
	LevelAddress Level = "address" // one alert per (network address, rule): no user is known
	LevelLog     Level = "log"     // one alert per mismatch of the tamper-evident log: no user is known
)

// RuleSpec describes a rule for people and for the layers that list rules.
type RuleSpec struct {
	ID    RuleID
	Level Level
	Title string // a short name for lists and charts
	About string // what the rule looks at, one sentence
}

// Rules lists every rule in the order reports show them.
var Rules = []RuleSpec{
	{RuleSelf, LevelPatient, "Self-access", "A user opened their own patient record."},
	{RuleFamily, LevelPatient, "Family member", "An unexplained access to a patient who shares the user's address, or surname (weighted by how rare the surname is)."},
	{RuleCoworker, LevelPatient, "Co-worker", "An unexplained access to a patient who is on staff."},
	{RuleNeighbour, LevelPatient, "Neighbour", "An unexplained access to a patient who lives on the user's street (or, weakly, in their ZIP code)."},
	{RuleVIP, LevelPatient, "VIP", "An unexplained access to a patient flagged VIP."},
	{RuleOffHours, LevelPatient, "Outside usual hours", "An unexplained access at an hour the user does not usually work, judged from their own history and rostered shift."},
	{RuleFirstDepartment, LevelPatient, "Department never worked with", "An unexplained access to a patient whose encounters are all with departments the user never works with; stronger when the user does it on more days than their peers."},
	{RuleOutsideEmployment, LevelUser, "Outside employment", "The account was used after the user's last day employed, before their hire date, or is not on the staff roster."},
	{RuleVolumeSpike, LevelUser, "Volume spike", "A day with far more accesses than the user's own baseline and their peer group's (department and role), by robust statistics."},
	{RuleBulkExport, LevelUser, "Bulk export or print", "Many exports or prints within an hour, far above the user's own habit."},
	{RuleNewWorkstation, LevelUser, "New workstation or address", "Access from a workstation or network address the user has not used before."},
	{RuleBruteForce, LevelUser, "Brute-force sign-in", "Many failed sign-ins for one account within minutes."},
	{RuleAddressManyAccounts, LevelAddress, "One address, many accounts", "One network address failing to sign in to many accounts within minutes."},
	{RuleTokenNewAddress, LevelUser, "Token from a new address", "An API token used from a network address it has not been used from before."},
	{RuleLogTampered, LevelLog, "Audit log mismatch", "The PHI access log no longer matches a checkpoint signed outside the database: a record was edited, deleted or cut off."},
}

// Spec returns the description of rule id.
func Spec(id RuleID) (RuleSpec, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return RuleSpec{}, false
}

// ParseRuleID reads a rule ID.
func ParseRuleID(s string) (RuleID, error) {
	if _, ok := Spec(RuleID(s)); ok {
		return RuleID(s), nil
	}
	return "", fmt.Errorf("unknown rule %q", s)
}

// Disposition is the privacy officer's decision on an alert.
type Disposition string

// The dispositions. Appropriate means the access had a legitimate reason
// the data did not show (a false alert); the others confirm a problem.
const (
	Appropriate    Disposition = "appropriate"
	Inappropriate  Disposition = "inappropriate"
	NeedsEducation Disposition = "needs_education"
	Escalate       Disposition = "escalate"
)

// Dispositions lists every Disposition.
var Dispositions = []Disposition{Appropriate, Inappropriate, NeedsEducation, Escalate}

// ParseDisposition reads a disposition.
func ParseDisposition(s string) (Disposition, error) { return oneOf(s, Dispositions, "disposition") }

// Confirmed reports whether the disposition confirms the alert (anything
// but appropriate): threshold tuning keeps such alerts.
func (d Disposition) Confirmed() bool { return d != Appropriate }

// CaseState is where an alert's case stands.
type CaseState string

// The case states. A case opens with its alert, and a disposition closes
// it, except escalate, which leaves it escalated (to compliance or HR)
// until a further disposition closes it.
const (
	CaseOpen      CaseState = "open"
	CaseEscalated CaseState = "escalated"
	CaseClosed    CaseState = "closed"
)

// CaseStates lists every CaseState.
var CaseStates = []CaseState{CaseOpen, CaseEscalated, CaseClosed}

// After returns the state a case in state s moves to with disposition d,
// or an error when the case is closed already.
func (s CaseState) After(d Disposition) (CaseState, error) {
	if s == CaseClosed {
		return s, fmt.Errorf("the case is closed")
	}
	if _, err := ParseDisposition(string(d)); err != nil {
		return s, err
	}
	if d == Escalate {
		return CaseEscalated, nil
	}
	return CaseClosed, nil
}

// oneOf returns s as one of the vocabulary's values, or an error naming them.
func oneOf[T ~string](s string, all []T, what string) (T, error) {
	for _, v := range all {
		if s == string(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown %s %q: expected one of %s", what, s, joinStrings(all))
}

func joinStrings[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
