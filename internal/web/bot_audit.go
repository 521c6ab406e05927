package web

import (
	"context"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/store"
)

// AuditBot is the front door of the access-monitoring bot (package
// auditbot). Errors follow ClaimsBot's conventions: fault errors are
// shown, others are logged.
type AuditBot interface {
	// Alerts lists alerts, highest score first.
	Alerts(ctx context.Context, f store.AlertFilter, p store.Page) ([]audit.Case, error)
	// Alert returns an alert with its case and evidence; an unknown ID
	// is fault.NotFound.
	Alert(ctx context.Context, id string) (reports.AlertView, error)
	// Decide signs actor's disposition and sends it to the case.
	Decide(ctx context.Context, alertID, actor, role string, cn audit.CaseNote) (audit.CaseOutcome, error)
	// PatientReport lists who opened a patient's record, when and why.
	PatientReport(ctx context.Context, patientID string) ([]reports.PatientAccess, error)
	// UserTimeline lists a user's accesses over the last days.
	UserTimeline(ctx context.Context, user string, days int) ([]reports.TimelineEntry, error)
	// UserReview is the user access review.
	UserReview(ctx context.Context, now time.Time) ([]reports.AccountReview, error)
	// Posture is the security-posture check.
	Posture(ctx context.Context, now time.Time) ([]reports.Recommendation, error)
	// Import stores an access log with its rosters and encounters and
	// starts a scan; bad rows are skipped and listed, a file that cannot
	// be read is fault.Invalid.
	Import(ctx context.Context, src audit.Sources, label, actor string) (audit.ImportResult, error)
	// Imports lists the imports, newest first.
	Imports(ctx context.Context, p store.Page) ([]store.AuditImport, error)
	// MonthlyReview is the information-system activity review of the
	// month holding day.
	MonthlyReview(ctx context.Context, day time.Time) (reports.ActivityReview, error)
}

// auditWeb serves the access-monitoring bot: the privacy officer's alert
// queue and case decisions, and the reports, as pages and JSON.
type auditWeb struct {
	*Server
	audit AuditBot
}

// Audit is the access-monitoring bot in the web app, over its front door.
func Audit(front AuditBot) Bot {
	return Bot{mount: func(s *Server, h handle) { (&auditWeb{Server: s, audit: front}).routes(h) }}
}

// routes registers the access-monitoring pages. Reading them takes the
// audit permission (auditors, privacy officers, admins), deciding a case
// permInvestigate (privacy officers, admins), as does importing access
// logs (which starts a scan). The pages that name
// patients and users are PHI accesses and are logged.
func (s *auditWeb) routes(h handle) {
	h("GET /audit/alerts", route{perm: permAudit, phi: accessViewAccessAlerts}, s.alertsPage)
	h("GET /audit/alerts/{alert}", route{perm: permAudit, phi: accessViewAccessAlerts}, s.alertPage)
	h("POST /audit/alerts/{alert}/decide", route{perm: permInvestigate, phi: accessViewAccessAlerts}, s.decideForm)
	h("GET /audit/patients/{patient}", route{perm: permAudit, phi: accessPatientLookup}, s.patientPage)
	h("GET /audit/users/{user}", route{perm: permAudit, phi: accessViewAccessAlerts}, s.userPage)
	h("GET /audit/imports", route{perm: permInvestigate}, s.importsPage)
	h("POST /audit/imports", route{perm: permInvestigate, csrfInBody: true}, s.importForm)
	h("GET /audit/posture", route{perm: permAudit}, s.posturePage)
	h("GET /audit/review", route{perm: permAudit}, s.reviewPage)
	h("GET /audit/review/monthly.xlsx", route{perm: permAudit}, s.reviewFile)
	h("GET /audit/review/monthly.pdf", route{perm: permAudit}, s.reviewFile)

	h("GET /api/v1/audit/alerts", route{perm: permAudit, phi: accessViewAccessAlerts}, s.apiAlerts)
	h("GET /api/v1/audit/alerts/{alert}", route{perm: permAudit, phi: accessViewAccessAlerts}, s.apiAlert)
	h("POST /api/v1/audit/alerts/{alert}/decide", route{perm: permInvestigate, phi: accessViewAccessAlerts}, s.apiDecide)
	h("GET /api/v1/audit/patients/{patient}", route{perm: permAudit, phi: accessPatientLookup}, s.apiPatient)
	h("GET /api/v1/audit/users/{user}", route{perm: permAudit, phi: accessViewAccessAlerts}, s.apiUser)
	h("POST /api/v1/audit/imports", route{perm: permInvestigate}, s.apiImport)
	h("GET /api/v1/audit/posture", route{perm: permAudit}, s.apiPosture)
	h("GET /api/v1/audit/review/monthly", route{perm: permAudit}, s.apiMonthly)
	h("GET /api/v1/audit/review/users", route{perm: permAudit, phi: accessViewAccessAlerts}, s.apiUserReview)
}
