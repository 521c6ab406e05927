package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// PHI access actions the web app records beyond the store's own.
const (
	// accessViewReviewQueue: the review queue, which lists flagged claims
	// of every batch awaiting review.
	accessViewReviewQueue store.AccessAction = "view_review_queue"
	// accessDownloadWorklist: the eligibility worklist for the front desk.
	accessDownloadWorklist store.AccessAction = "download_worklist"
	// accessPatientLookup: an auditor asked who saw a patient (the answer
	// holds no patient data, but the question names the patient).
	accessPatientLookup store.AccessAction = "patient_lookup"
	// accessViewAccessAlerts: the access-monitoring bot's alerts, cases,
	// user timelines and user access review, which name users and
	// patients.
	accessViewAccessAlerts store.AccessAction = "view_access_alerts"
)

// accessActions lists every action, for the access-log page's filter.
var accessActions = []store.AccessAction{
	store.AccessViewClaim, store.AccessViewFindings, store.AccessDownloadWorkbook, store.AccessDownload837P,
	store.AccessExportFindings, store.AccessViewEligibility, store.AccessCodecDecode,
	accessViewReviewQueue, accessDownloadWorklist, accessPatientLookup, accessViewAccessAlerts,
}

// errAccessLog means the access log could not record an access: the
// patient data is withheld.
var errAccessLog = errors.New("PHI access log unavailable")

// phiEvent is what a handler knows about one access to patient data.
// Patients are patient keys (claim.PatientKey), never identifiers: the
// one patient an access was about (patientID), every patient it showed
// (patients: a page, a sweep's results), or every patient of a batch
// (showedBatch: an export of the whole batch).
type phiEvent struct {
	action      store.AccessAction
	batchID     string
	claimID     string
	patientID   string
	patients    []string
	showedBatch string
	detail      string // no PHI
}

// recordAccess appends an allowed access to the PHI access log. Handlers
// call it after loading the data and before writing any of it; on error
// they answer with failAccess instead of the data.
func (s *Server) recordAccess(r *http.Request, id auth.Identity, e phiEvent) error {
	_, err := s.db.AppendAccess(r.Context(), store.AccessEvent{
		At: s.now(), UserID: id.User.ID, Username: id.User.Username, Role: id.User.Role,
		Action: e.action, BatchID: e.batchID, ClaimID: e.claimID, PatientID: e.patientID,
		Patients: e.patients, ShowedBatch: e.showedBatch,
		ClientAddr: clientAddr(r), Outcome: store.AccessAllowed, Detail: e.detail,
	})
	if err != nil {
		s.log.Error("web: PHI access log", "action", e.action, "user", id.User.Username, "err", err)
		return errAccessLog
	}
	return nil
}

// errAccessLogDown refuses patient data while the access log cannot record
// its viewing.
var errAccessLogDown = fault.Errorf(fault.Unavailable, "Patient data is shown only when the access can be recorded, and the access log is not available right now. Try again in a minute.")

// failAccess answers a request whose access could not be recorded.
func (s *Server) failAccess(w http.ResponseWriter, r *http.Request) {
	s.failErr(w, r, "the access log", errAccessLogDown)
}

// recordDenied appends a refused access by a known user. A failure is
// logged; the request is refused either way.
func (s *Server) recordDenied(r *http.Request, u store.User, action store.AccessAction, detail string) {
	_, err := s.db.AppendAccess(r.Context(), store.AccessEvent{
		At: s.now(), UserID: u.ID, Username: u.Username, Role: u.Role, Action: action,
		BatchID: r.PathValue("id"), ClaimID: r.PathValue("claim"),
		ClientAddr: clientAddr(r), Outcome: store.AccessDenied, Detail: detail,
	})
	if err != nil {
		s.log.Error("web: PHI access log (denied access)", "action", action, "user", u.Username, "err", err)
	}
}

// codecAuth authenticates codec-server requests with rcmbot sessions and
// API tokens. A disabled account is identified with the role "disabled",
// which no codec role list contains, so its attempt is refused with 403
// and recorded as denied rather than answered as anonymous.
type codecAuth struct{ s *Server }

func (a codecAuth) Authenticate(r *http.Request) (codec.Principal, error) {
	id, err := a.s.auth.Identify(r, a.s.cookieName)
	switch {
	case err == nil:
		return codec.Principal{User: id.User.Username, Role: string(id.User.Role)}, nil
	case errors.Is(err, auth.ErrDisabled):
		return codec.Principal{User: id.User.Username, Role: "disabled"}, nil
	case errors.Is(err, auth.ErrNoCredentials), errors.Is(err, auth.ErrInvalidCredentials), errors.Is(err, auth.ErrExpired):
		return codec.Principal{}, errors.Join(codec.ErrUnauthenticated, err)
	}
	return codec.Principal{}, err
}

// codecAccessLog records codec decodes in the PHI access log: decoded is
// allowed, denied is denied, and failed (nothing returned: a malformed
// request, a missing key, a tampered payload) is an allowed access that
// released nothing, with the reason in Detail.
type codecAccessLog struct{ s *Server }

func (l codecAccessLog) RecordDecode(ctx context.Context, p codec.Principal, namespace, remoteAddr string, payloads int, outcome string) error {
	e := store.AccessEvent{
		At: l.s.now(), Username: p.User, Role: store.Role(p.Role), Action: store.AccessCodecDecode,
		ClientAddr: hostOnly(remoteAddr), Outcome: store.AccessAllowed,
		Detail: "namespace " + namespace + ": " + outcome + " " + strconv.Itoa(payloads) + " payloads",
	}
	if outcome == codec.OutcomeDenied {
		e.Outcome = store.AccessDenied
	}
	if u, err := l.s.db.UserByUsername(ctx, p.User); err == nil {
		e.UserID = u.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	_, err := l.s.db.AppendAccess(ctx, e)
	return err
}

// resultPatients are the patient keys of an eligibility answer: its
// member key, and the key of the practice's account number when there is
// one (and the key ring to make it).
func (s *Server) resultPatients(res store.EligibilityResult) []string {
	keys := []string{claim.PatientKeyMember + res.MemberKey}
	if res.PatientID != "" && s.tags != nil {
		keys = append(keys, claim.AccountKey(s.tags, res.PatientID))
	}
	return keys
}

// claimPatients are the patient keys of the claims a page shows.
func claimPatients(recs []store.ClaimRecord) []string {
	keys := make([]string, 0, len(recs))
	for _, r := range recs {
		keys = append(keys, r.PatientKey)
	}
	return keys
}
