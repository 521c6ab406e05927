package eligibility

import (
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// CheckStatus is the stored outcome of one eligibility check: the Status
// the payer's answer came to, except that a check the payer never
// answered is "pending" (to be asked again) rather than retry_later.
// Results, sweep checks, the REST API and the pages show these.
type CheckStatus string

// The check outcomes.
const (
	CheckActive        CheckStatus = "active"
	CheckInactive      CheckStatus = "inactive"
	CheckUnknownMember CheckStatus = "unknown_member" // AAA 72 or 75
	CheckError         CheckStatus = "error"
	CheckPending       CheckStatus = "pending" // AAA 42 or no answer, to be retried
)

// Valid reports whether s is one of the check outcomes.
func (s CheckStatus) Valid() bool {
	switch s {
	case CheckActive, CheckInactive, CheckUnknownMember, CheckError, CheckPending:
		return true
	}
	return false
}

// CheckStatusOf is the stored outcome of an answer that concluded s.
func CheckStatusOf(s Status) CheckStatus {
	switch s {
	case StatusActive:
		return CheckActive
	case StatusInactive:
		return CheckInactive
	case StatusUnknownMember:
		return CheckUnknownMember
	case StatusRetryLater:
		return CheckPending
	}
	return CheckError
}

// CheckOutcome is where a check's answer is stored: IDs and the outcome,
// no patient data (it is the EligibilityCheck workflow's result).
type CheckOutcome struct {
	ResultID   string      `json:"result_id"`
	Status     CheckStatus `json:"status"`
	WorkItemID string      `json:"work_item_id,omitempty"` // when staff must act
}

// SweepStatus is where a nightly sweep is, as stored.
type SweepStatus string

// The stored sweep statuses.
const (
	SweepRunning   SweepStatus = "running"
	SweepCompleted SweepStatus = "completed"
	SweepFailed    SweepStatus = "failed"
)

// SweepPhase is what a running sweep is doing, as its progress query and
// the BatchStatus search attribute show it.
type SweepPhase string

// The sweep phases, in order (failed can follow any).
const (
	PhasePlanning  SweepPhase = "planning"
	PhaseChecking  SweepPhase = "checking"
	PhaseWaiting   SweepPhase = "waiting_to_retry"
	PhaseWriting   SweepPhase = "writing_worklist"
	PhaseCompleted SweepPhase = "completed"
	PhaseFailed    SweepPhase = "failed"
)

// SweepCounts are a sweep's tallies as stored when it ends.
type SweepCounts struct {
	Members       int // distinct member/payer/date checks planned
	Checked       int // answered
	Active        int
	Inactive      int
	Unknown       int // unknown member
	Failed        int // errors after retries
	Discrepancies int // differences from what the practice has on file
}

// SweepTally counts the outcomes of a sweep's checks as they come in.
type SweepTally struct {
	Checked    int `json:"checked"` // answers stored
	Active     int `json:"active"`
	Inactive   int `json:"inactive"`
	Unknown    int `json:"unknown"`    // unknown member (AAA 72/75...)
	Errors     int `json:"errors"`     // refused or unusable answers
	Unanswered int `json:"unanswered"` // payer never answered (pending)
	// Flagged counts the checks the front desk must look at: not active,
	// or differing from what the practice has on file.
	Flagged int `json:"flagged"`
}

// Add adds o's counts to t.
func (t *SweepTally) Add(o SweepTally) {
	t.Checked += o.Checked
	t.Active += o.Active
	t.Inactive += o.Inactive
	t.Unknown += o.Unknown
	t.Errors += o.Errors
	t.Unanswered += o.Unanswered
	t.Flagged += o.Flagged
}

// Count counts one stored check with its discrepancy flags.
func (t *SweepTally) Count(status CheckStatus, flags []string) {
	t.Checked++
	switch status {
	case CheckActive:
		t.Active++
	case CheckInactive:
		t.Inactive++
	case CheckUnknownMember:
		t.Unknown++
	case CheckPending:
		t.Unanswered++
	default:
		t.Errors++
	}
	if status != CheckActive || len(flags) > 0 {
		t.Flagged++
	}
}

// SweepProgress is where a running sweep is (the workflow's progress
// query) and, once it ends, the sweep workflow's result.
type SweepProgress struct {
	SweepID string     `json:"sweep_id"`
	Date    claim.Date `json:"date"`
	Status  SweepPhase `json:"status"`
	Reason  string     `json:"reason,omitempty"` // why the sweep failed

	Appointments int `json:"appointments"`
	Members      int `json:"members"` // distinct member/payer checks
	Round        int `json:"round"`
	SweepTally
	Retrying int `json:"retrying"` // checks waiting for a later round
	// Counts are the store's final tallies (set when the sweep ends).
	Counts SweepCounts `json:"counts"`
}

// PlannedCheck is one question a sweep will ask a payer: the first of
// the appointments it stands for, and how many appointments share it.
type PlannedCheck struct {
	Index        int // index of the appointment asked about in PlanSweep's input
	PayerID      string
	Appointments int
}

// PlanSweep decides what a sweep asks, given the on-file requests of a
// day's appointments: once per payer, member ID, patient name (ignoring
// case and spacing) and date of birth (appointments of the same patient
// at the same payer share one check; family members sharing a
// subscriber's member ID are different patients, and a second booking
// with other details on file is checked against those). The checks come
// back with the payers taking turns, so that a chunk of consecutive
// checks keeps every payer's pipeline busy at once instead of queueing on
// one payer's rate limit while the others idle.
func PlanSweep(onFile []Request) []PlannedCheck {
	var payerOrder []string // payers in order of first appearance
	byPayer := map[string][]PlannedCheck{}
	index := map[string]int{} // dedupe key → its check's index in byPayer
	for i, r := range onFile {
		key := sameQuestion(r)
		if j, ok := index[key]; ok {
			byPayer[r.PayerID][j].Appointments++
			continue
		}
		if _, ok := byPayer[r.PayerID]; !ok {
			payerOrder = append(payerOrder, r.PayerID)
		}
		index[key] = len(byPayer[r.PayerID])
		byPayer[r.PayerID] = append(byPayer[r.PayerID], PlannedCheck{Index: i, PayerID: r.PayerID, Appointments: 1})
	}
	out := make([]PlannedCheck, 0, len(index))
	for i := 0; len(out) < len(index); i++ {
		for _, p := range payerOrder {
			if i < len(byPayer[p]) {
				out = append(out, byPayer[p][i])
			}
		}
	}
	return out
}

// sameQuestion says which requests are the same question to a payer:
// same payer, member ID, patient name (ignoring case and spacing) and
// date of birth.
func sameQuestion(r Request) string {
	norm := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }
	return strings.Join([]string{r.PayerID, strings.TrimSpace(r.MemberID), norm(r.LastName), norm(r.FirstName), r.DOB.String()}, "|")
}
