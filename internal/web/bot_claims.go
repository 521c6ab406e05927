package web

import (
	"context"
	"io"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
)

// ClaimsBot is the front door of the claims bot (package claimsbot
// implements it over Temporal). The web app reads lists, findings, claims
// and the review log straight from the store and asks the bot for whatever
// starts or changes work, or needs the stored upload.
//
// Errors follow package fault: a fault.Error's code decides the HTTP
// status and its message is shown (a refused file, a review the
// workflow's validator rejected); it must carry no PHI. Anything else is
// an internal error (500, logged, not shown).
type ClaimsBot interface {
	// SubmitBatch stores the upload encrypted, creates the batch and starts
	// its ClaimsBatch workflow. A file that is not xlsx/csv or is over
	// limits fails fast with a fault.Invalid error. Read errors from file
	// are returned wrapped (the web app limits the upload's size by
	// failing the reader).
	SubmitBatch(ctx context.Context, file io.Reader, fileName string, uploadedBy string) (store.Batch, error)
	// Progress is the running workflow's progress query.
	Progress(ctx context.Context, batchID string) (batch.Progress, error)
	// Review signs the reviewer's decision, sends it as the review Update
	// and returns its outcomes. reviewer and role are the signed-in user:
	// the web app vouches for them with the decision signing key.
	Review(ctx context.Context, batchID, reviewer, role string, actions []batch.ReviewAction) ([]batch.ReviewOutcome, error)
	// WriteAnnotated writes the annotated workbook (xlsx).
	WriteAnnotated(ctx context.Context, batchID string, w io.Writer) error
	// Write837P writes the batch's submitted 837P interchanges.
	Write837P(ctx context.Context, batchID string, w io.Writer) error
	// DeleteBatch removes the upload and everything stored for the batch.
	DeleteBatch(ctx context.Context, batchID string) error
	// SaveProviders checks and stores providers typed in (fault.Invalid
	// naming which and why) and re-scrubs the batches waiting for them; it
	// returns how many batches it told.
	SaveProviders(ctx context.Context, ps []provider.Provider, by string) (int, error)
	// ImportProviders reads an NPPES-layout CSV, stores the usable rows
	// and reports the others row by row.
	ImportProviders(ctx context.Context, file io.Reader, fileName, by string) (provider.ImportResult, error)
	// SaveFacility checks and stores a facility.
	SaveFacility(ctx context.Context, f provider.Facility, by string) (provider.Facility, error)
	// ResolveWorkItem marks an open work item of a batch resolved by by
	// (fault.NotFound for another batch's, fault.Conflict when resolved).
	ResolveWorkItem(ctx context.Context, batchID, itemID, by string) (store.WorkItem, error)
}

// claimsWeb serves the claims bot: upload, batches, findings, claims,
// review, downloads and reports. A nil front door leaves the pages up,
// saying the bot is not running.
type claimsWeb struct {
	*Server
	claims ClaimsBot
}

// Claims is the claims bot in the web app, over its front door.
func Claims(front ClaimsBot) Bot {
	return Bot{mount: func(s *Server, h handle) { (&claimsWeb{Server: s, claims: front}).routes(h) }}
}

// routes registers the claims bot's pages and API routes with the
// permission each needs; PHI routes name the access-log action under
// which refused attempts are recorded.
func (s *claimsWeb) routes(h handle) {
	h("GET /upload", route{perm: permUpload}, s.uploadPage)
	h("POST /upload", route{perm: permUpload, csrfInBody: true}, s.uploadForm)
	h("GET /batches", route{perm: permView}, s.batchesPage)
	h("GET /batches/{id}", route{perm: permView, phi: store.AccessViewFindings}, s.batchPage)
	h("POST /batches/{id}/delete", route{perm: permOperate}, s.deleteBatchForm)
	h("POST /batches/{id}/work-items/{item}/resolve", route{perm: permReview}, s.resolveWorkItemForm)
	h("GET /batches/{id}/claims/{claim}", route{perm: permView, phi: store.AccessViewClaim}, s.claimPage)
	h("POST /batches/{id}/claims/{claim}/review", route{perm: permReview}, s.reviewClaimForm)
	h("GET /review", route{perm: permView, phi: accessViewReviewQueue}, s.reviewPage)
	h("POST /review", route{perm: permReview}, s.reviewForm)
	h("GET /reports", route{perm: permView}, s.reportsPage)
	h("GET /providers", route{perm: permView}, s.providersPage)
	h("POST /providers", route{perm: permReview}, s.addProviderForm)
	h("POST /providers/import", route{perm: permReview}, s.importProvidersForm)
	h("POST /facilities", route{perm: permReview}, s.addFacilityForm)

	h("POST /api/v1/batches", route{perm: permUpload}, s.apiUpload)
	h("GET /api/v1/batches", route{perm: permView}, s.apiBatches)
	h("GET /api/v1/batches/{id}", route{perm: permView}, s.apiBatch)
	h("DELETE /api/v1/batches/{id}", route{perm: permOperate}, s.apiDeleteBatch)
	h("GET /api/v1/batches/{id}/findings", route{perm: permView, phi: store.AccessViewFindings}, s.apiFindings)
	h("GET /api/v1/batches/{id}/findings.csv", route{perm: permView, phi: store.AccessExportFindings}, s.apiFindingsCSV)
	h("GET /api/v1/batches/{id}/claims/{claim}", route{perm: permView, phi: store.AccessViewClaim}, s.apiClaim)
	h("POST /api/v1/batches/{id}/review", route{perm: permReview}, s.apiReview)
	h("GET /api/v1/batches/{id}/work-items", route{perm: permView}, s.apiWorkItems)
	h("POST /api/v1/batches/{id}/work-items/{item}/resolve", route{perm: permReview}, s.apiResolveWorkItem)
	h("GET /api/v1/batches/{id}/annotated.xlsx", route{perm: permView, phi: store.AccessDownloadWorkbook}, s.apiAnnotated)
	h("GET /api/v1/batches/{id}/837p", route{perm: permView, phi: store.AccessDownload837P}, s.api837P)
	h("GET /api/v1/batches/{id}/submission", route{perm: permView}, s.apiSubmission)
	h("GET /api/v1/reports", route{perm: permView}, s.apiReports)
	h("GET /api/v1/providers", route{perm: permView}, s.apiProviders)
	h("POST /api/v1/providers", route{perm: permReview}, s.apiSaveProviders)
	h("POST /api/v1/providers/import", route{perm: permReview}, s.apiImportProviders)
	h("GET /api/v1/facilities", route{perm: permView}, s.apiFacilities)
	h("POST /api/v1/facilities", route{perm: permReview}, s.apiSaveFacility)
	h("GET /api/v1/reports.xlsx", route{perm: permView}, s.apiReportsXLSX)
}
