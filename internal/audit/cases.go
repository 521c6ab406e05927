package audit

import "time"

// AlertSource says what raised an alert.
type AlertSource string

// The sources of alerts.
const (
	FromScan   AlertSource = "scan"   // a scan of imported access logs
	FromWatch  AlertSource = "watch"  // the watch over rcmbot's own accesses and sign-ins
	FromVerify AlertSource = "verify" // the daily verification of the tamper-evident log
)

// Case is a stored alert with its case: where the privacy officer's
// review of it stands.
type Case struct {
	ID string
	Alert
	Source      AlertSource
	State       CaseState
	Disposition Disposition // the latest; "" while undecided
	DecidedBy   string
	DecidedAt   time.Time
	RemindedAt  time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CaseDecision is one privacy officer's decision on an alert's case.
type CaseDecision struct {
	AlertID     string
	DecisionID  string // the signed decision's ID: recording it again does nothing
	N           int    // 1, 2 ... in the case
	Disposition Disposition
	State       CaseState // the case's state after it
	Note        string
	Actor       string
	Role        string
	At          time.Time
}

// CaseOutcome is a case after a disposition, and what the dispositions so
// far did to the thresholds.
type CaseOutcome struct {
	State CaseState `json:"state"`
	// Tuning is the verdict on the alert's rule (its threshold before
	// and after, and why); Changed lists every rule whose threshold moved.
	Tuning  *ThresholdChange  `json:"tuning,omitempty"`
	Changed []ThresholdChange `json:"changed,omitempty"`
}
