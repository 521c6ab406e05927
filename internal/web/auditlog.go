package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// accessFilterForm is the access-log filter as the form holds it.
type accessFilterForm struct {
	Username, Action, PatientID, ClaimID, Outcome, From, To string
}

// accessFilter reads the filter from the query: dates are practice-local
// days, To inclusive.
func (s *Server) accessFilter(r *http.Request) (store.AccessFilter, accessFilterForm, error) {
	q := r.URL.Query()
	form := accessFilterForm{Username: strings.TrimSpace(q.Get("username")), Action: q.Get("action"), PatientID: strings.TrimSpace(q.Get("patient_id")),
		ClaimID: strings.TrimSpace(q.Get("claim_id")), Outcome: q.Get("outcome"), From: q.Get("from"), To: q.Get("to")}
	f := store.AccessFilter{Username: form.Username, Action: store.AccessAction(form.Action), PatientID: form.PatientID,
		ClaimID: form.ClaimID, Outcome: store.AccessOutcome(form.Outcome)}
	day := func(s string, name string) (time.Time, error) {
		d, err := claim.ParseDate(s)
		if err != nil {
			return time.Time{}, fault.Errorf(fault.Invalid, "The %s date %q is not a date: write it as YYYY-MM-DD.", name, s)
		}
		y, m, dd := d.YMD()
		return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC), nil
	}
	loc := s.cfg.Location()
	if form.From != "" {
		t, err := day(form.From, "from")
		if err != nil {
			return f, form, err
		}
		f.From = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	if form.To != "" {
		t, err := day(form.To, "to")
		if err != nil {
			return f, form, err
		}
		f.To = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	}
	return f, form, nil
}

// patientForm is the "who saw this patient?" question: the practice's
// account number, or a payer and member ID, or both.
type patientForm struct {
	Account, PayerID, MemberID string
}

func (f patientForm) asked() bool { return f.Account != "" || f.PayerID != "" || f.MemberID != "" }

// errNoTags refuses patient lookups where the key ring is missing.
var errNoTags = fault.Errorf(fault.Unavailable, "Looking up a patient needs rcmbot's key ring, which this web server was started without. Tell your rcmbot administrator.")

// patientKeys turns the question into the patient keys access records
// hold (claim.PatientKey): the tag of the account number (and the number
// itself, which entries written before patient keys hold) and the member
// key of payer and member ID.
func (s *Server) patientKeys(f patientForm) ([]string, error) {
	if s.tags == nil {
		return nil, errNoTags
	}
	var keys []string
	if f.Account != "" {
		keys = append(keys, claim.AccountKey(s.tags, f.Account), f.Account)
	}
	switch {
	case f.PayerID != "" && f.MemberID != "":
		keys = append(keys, claim.PatientKeyMember+claim.MemberKey(s.tags, f.PayerID, f.MemberID))
	case f.PayerID != "" || f.MemberID != "":
		return nil, fault.Errorf(fault.Invalid, "A member ID needs its payer ID, and a payer ID a member ID: give both, or the account number alone.")
	}
	if len(keys) == 0 {
		return nil, fault.Errorf(fault.Invalid, "Give the patient's account number, or a payer ID and member ID.")
	}
	return keys, nil
}

func patientQuestion(r *http.Request) patientForm {
	q := r.URL.Query()
	return patientForm{Account: strings.TrimSpace(q.Get("account")), PayerID: strings.TrimSpace(q.Get("payer_id")), MemberID: strings.TrimSpace(q.Get("member_id"))}
}

// whoSaw answers the question and records that it was asked.
func (s *Server) whoSaw(r *http.Request, id auth.Identity, f patientForm) ([]store.AccessEvent, error) {
	keys, err := s.patientKeys(f)
	if err != nil {
		return nil, err
	}
	evs, err := s.db.AccessEventsForPatient(r.Context(), keys, store.Page{Limit: store.MaxPageSize})
	if err != nil {
		return nil, err
	}
	if err := s.recordAccess(r, id, phiEvent{action: accessPatientLookup, patients: keys, detail: fmt.Sprintf("%d accesses found", len(evs))}); err != nil {
		return nil, errAccessLogDown
	}
	return evs, nil
}

type accessLogPageData struct {
	Form    accessFilterForm
	Patient patientForm
	// WhoSaw answers Patient (nil when not asked).
	WhoSaw   []store.AccessEvent
	Asked    bool
	Events   []store.AccessEvent
	Actions  []store.AccessAction
	Page     int
	More     bool
	Verified bool
	Checked  int64
	// Sealed is true when Verified was checked against signed
	// checkpoints (Checkpoints of them); Unsealed says why it was not.
	Sealed      bool
	Checkpoints int
	Unsealed    string
	Broken      string
	Problems    []string
}

// AccessLogSeal is what checks the PHI access log against signed
// checkpoints kept outside the database: the audit verifier key and the
// checkpoint file the web app's appends write.
type AccessLogSeal struct {
	Verifier    note.Verifier
	Checkpoints string
}

// sealSample bounds the checkpoints one verification checks: the newest
// and others spread over the file (see auditlog.Sample).
const sealSample = 64

// verifyAccessLog fills d from a verification of the access log.
func (s *Server) verifyAccessLog(ctx context.Context, d *accessLogPageData) error {
	if s.seal == nil {
		n, err := s.db.VerifyAuditChain(ctx)
		var ce *store.ChainError
		switch {
		case errors.As(err, &ce):
			d.Broken = ce.Error()
			return nil
		case err != nil:
			return err
		}
		d.Verified, d.Checked = true, n
		d.Unsealed = "no audit verifier key is configured (RCMBOT_AUDIT_VERIFIER_KEY)"
		return nil
	}
	cps, err := auditlog.ReadCheckpoints(s.seal.Checkpoints)
	if err != nil {
		return err
	}
	rep, err := s.db.VerifyAccessLog(ctx, s.seal.Verifier, auditlog.Sample(cps, sealSample))
	if err != nil {
		return err
	}
	if !rep.OK() {
		d.Broken = "The PHI access log was tampered with"
		d.Problems = rep.Problems
		return nil
	}
	d.Verified, d.Sealed, d.Checked, d.Checkpoints = true, true, rep.Records, len(rep.Checks)
	return nil
}

const eventsPerPage = 100

func (s *Server) accessLogPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "PHI access log", "access", nil)
	f, form, err := s.accessFilter(r)
	d := accessLogPageData{Form: form, Actions: accessActions, Patient: patientQuestion(r)}
	status := http.StatusOK
	if d.Patient.asked() {
		evs, perr := s.whoSaw(r, id, d.Patient)
		if perr != nil && !staffFacing(perr) {
			s.failErr(w, r, "the patient lookup", perr)
			return
		}
		if perr != nil {
			v.Error, status = fault.MessageOf(perr), statusOf(fault.CodeOf(perr))
		}
		d.WhoSaw, d.Asked = evs, perr == nil
	}
	if err != nil {
		v.Error = fault.MessageOf(err)
		status = statusOf(fault.CodeOf(err))
	} else if !d.Asked {
		pg, n := pageParam(r, eventsPerPage+1)
		pg.Offset = (n - 1) * eventsPerPage
		evs, err := s.db.AccessEvents(r.Context(), f, pg)
		if err != nil {
			s.failErr(w, r, "the access log", err)
			return
		}
		d.Page, d.More = n, len(evs) > eventsPerPage
		if d.More {
			evs = evs[:eventsPerPage]
		}
		d.Events = evs
	}
	if r.URL.Query().Get("verify") == "1" {
		if err := s.verifyAccessLog(r.Context(), &d); err != nil {
			s.failErr(w, r, "verifying the access log", err)
			return
		}
	}
	v.Data = d
	s.page(w, status, "accesslog", v)
}

type accessEventJSON struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id"`
	Username   string    `json:"username"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	BatchID    string    `json:"batch_id,omitempty"`
	ClaimID    string    `json:"claim_id,omitempty"`
	PatientID  string    `json:"patient_id,omitempty"`
	ClientAddr string    `json:"client_addr"`
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail,omitempty"`
	Hash       string    `json:"hash"`
}

func (s *Server) apiAccessLog(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	f, _, err := s.accessFilter(r)
	if err != nil {
		s.failErr(w, r, "the access log", err)
		return
	}
	evs, err := s.db.AccessEvents(r.Context(), f, listParams(r))
	if err != nil {
		s.failErr(w, r, "the access log", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": eventsJSON(evs)})
}

func eventsJSON(evs []store.AccessEvent) []accessEventJSON {
	out := []accessEventJSON{}
	for _, e := range evs {
		out = append(out, accessEventJSON{Seq: e.Seq, At: e.At, UserID: e.UserID, Username: e.Username, Role: string(e.Role),
			Action: string(e.Action), BatchID: e.BatchID, ClaimID: e.ClaimID, PatientID: e.PatientID, ClientAddr: e.ClientAddr,
			Outcome: string(e.Outcome), Detail: e.Detail, Hash: e.Hash})
	}
	return out
}

// apiWhoSaw answers GET /api/v1/access-log/patient?account=…&payer_id=…&member_id=…:
// every access that showed the patient, newest first (at most
// store.MaxPageSize).
func (s *Server) apiWhoSaw(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	evs, err := s.whoSaw(r, id, patientQuestion(r))
	if err != nil {
		s.failErr(w, r, "the patient lookup", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": eventsJSON(evs)})
}

// apiMe says who the credentials belong to (handy to test a token).
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	writeJSON(w, http.StatusOK, map[string]any{
		"username": id.User.Username, "display_name": id.User.DisplayName, "role": id.User.Role, "via_token": id.ViaToken(),
	})
}
