// Package reports holds what the access-monitoring bot shows people: an
// alert's evidence, the per-patient access report, the user access review,
// the security-posture check and the monthly information-system activity
// review (HIPAA §164.308(a)(1)(ii)(D)), with the review's workbook and PDF.
// It is domain code: no Temporal, HTTP or SQL.
package reports

import (
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
)

// ThresholdChangeAt is a tuning verdict that moved a threshold, and when.
type ThresholdChangeAt struct {
	At time.Time
	audit.ThresholdChange
}

// SortTimeline sorts a timeline oldest first.
func SortTimeline(t []TimelineEntry) {
	slices.SortStableFunc(t, func(a, b TimelineEntry) int { return a.Time.Compare(b.Time) })
}

// AlertView is an alert with its case and evidence.
type AlertView struct {
	audit.Case
	Spec      audit.RuleSpec
	Decisions []audit.CaseDecision
	// Timeline is the user's accesses around the alert (imported and
	// rcmbot's own), oldest first.
	Timeline []TimelineEntry
	// Threshold is the rule's threshold now, and History its changes.
	Threshold int
	History   []ThresholdChangeAt
}

// TimelineEntry is one access in an alert's evidence.
type TimelineEntry struct {
	audit.Event
	Source string // "EHR" or "rcmbot"
}

// PatientAccess is one access to a patient's record and why it happened:
// the explanation the data gives, or the outcome of the case its alert
// opened.
type PatientAccess struct {
	TimelineEntry
	Why string `json:"why"`
}

// ReviewAction is what the user access review recommends for an account.
type ReviewAction string

// The recommendations.
const (
	ActionNone      ReviewAction = "none"
	ActionDisable   ReviewAction = "disable"    // dormant, or terminated and still active
	ActionConfirm   ReviewAction = "confirm"    // ask the manager whether the account is still needed
	ActionRevokeEHR ReviewAction = "revoke_ehr" // terminated on the HR roster, still in the EHR access log
)

// DormantDays: an account without a sign-in for this long is dormant.
const DormantDays = 90

// AccountReview is one account in the user access review.
type AccountReview struct {
	Source     string       `json:"source"` // "rcmbot" or "EHR"
	UserID     string       `json:"user_id"`
	Role       string       `json:"role"`
	Disabled   bool         `json:"disabled"`
	LastActive time.Time    `json:"last_active"`
	Finding    string       `json:"finding"`
	Action     ReviewAction `json:"action"`
}

// ActivityReview is the monthly information-system activity review
// (HIPAA §164.308(a)(1)(ii)(D)).
type ActivityReview struct {
	Month          string                    `json:"month"` // 2026-03
	ImportedEvents int64                     `json:"imported_events"`
	OwnEvents      int                       `json:"own_events"`
	SignIns        int                       `json:"sign_ins"`
	FailedSignIns  int                       `json:"failed_sign_ins"`
	Alerts         int                       `json:"alerts"`
	AlertsByRule   map[audit.RuleID]int      `json:"alerts_by_rule"`
	Dispositions   map[audit.Disposition]int `json:"dispositions"`
	Open           int                       `json:"open"` // of the month's alerts, undecided or escalated
	Closed         int                       `json:"closed"`
	// MedianHoursToClose and MaxHoursToClose are over the month's closed
	// alerts, from raised to the closing disposition.
	MedianHoursToClose float64 `json:"median_hours_to_close"`
	MaxHoursToClose    float64 `json:"max_hours_to_close"`
}

// RuleCount is one rule's count, for reports that list rules in order.
type RuleCount struct {
	Rule  audit.RuleSpec
	Count int
}

// ByRule lists the review's alerts per rule in the order of audit.Rules
// (rules without alerts left out).
func (r ActivityReview) ByRule() []RuleCount {
	var out []RuleCount
	for _, spec := range audit.Rules {
		if n := r.AlertsByRule[spec.ID]; n > 0 {
			out = append(out, RuleCount{spec, n})
		}
	}
	return out
}

// Recommendation is one finding of the security-posture check.
type Recommendation struct {
	Check   string `json:"check"`
	OK      bool   `json:"ok"`
	Finding string `json:"finding"`
	Advice  string `json:"advice,omitempty"`
}
