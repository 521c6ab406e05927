package web

import (
	"context"
	"io"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/store"
)

// EligibilityBot is the front door of the eligibility bot (package
// eligibilitybot). Errors follow ClaimsBot's conventions.
type EligibilityBot interface {
	// Check validates the request (eligibility.Request.Validate), runs
	// the EligibilityCheck workflow for one patient and date and waits
	// for its stored result.
	Check(ctx context.Context, req eligibility.Request, requestedBy string) (store.EligibilityResult, error)
	// SweepResults returns the latest sweep for a date of service and its
	// results, problems first (fault.NotFound when there was none).
	// The results' Result field holds the eligibility.Result model as
	// JSON.
	SweepResults(ctx context.Context, date claim.Date) (store.Sweep, []store.EligibilityResult, error)
	// WriteWorklist writes the front-desk worklist (xlsx) for a date.
	WriteWorklist(ctx context.Context, date claim.Date, w io.Writer) error
}

// eligibilityWeb serves the eligibility bot: a date's sweep and results,
// the front-desk worklist and one-off checks.
type eligibilityWeb struct {
	*Server
	eligibility EligibilityBot
}

// Eligibility is the eligibility bot in the web app, over its front door.
func Eligibility(front EligibilityBot) Bot {
	return Bot{mount: func(s *Server, h handle) { (&eligibilityWeb{Server: s, eligibility: front}).routes(h) }}
}

// routes registers the eligibility bot's pages and API routes.
func (s *eligibilityWeb) routes(h handle) {
	h("GET /eligibility", route{perm: permView, phi: store.AccessViewEligibility}, s.eligibilityPage)
	h("POST /eligibility/check", route{perm: permCheck, phi: store.AccessViewEligibility}, s.checkNow)
	h("GET /eligibility/{date}/results/{rid}", route{perm: permView, phi: store.AccessViewEligibility}, s.eligibilityResultPage)

	h("POST /api/v1/eligibility/checks", route{perm: permCheck, phi: store.AccessViewEligibility}, s.apiCheck)
	h("GET /api/v1/eligibility/sweeps/{date}", route{perm: permView, phi: store.AccessViewEligibility}, s.apiSweep)
	h("GET /api/v1/eligibility/sweeps/{date}/worklist.xlsx", route{perm: permView, phi: accessDownloadWorklist}, s.apiWorklist)
}
