package auditbot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/store"
)

// maxPatientAccesses bounds a per-patient report.
const maxPatientAccesses = 2000

// PatientReport lists who opened a patient's record, when and why,
// newest first (imported accesses and rcmbot's own).
func (s *Service) PatientReport(ctx context.Context, patientID string) ([]reports.PatientAccess, error) {
	imported, err := s.DB.AuditEventsOf(ctx, patientID, false, store.Page{Limit: maxPatientAccesses})
	if err != nil {
		return nil, err
	}
	own, err := s.DB.AccessEvents(ctx, store.AccessFilter{PatientID: patientID}, store.Page{Limit: maxPatientAccesses})
	if err != nil {
		return nil, err
	}
	dir, err := s.DB.LatestAuditDirectory(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	d := audit.NewDirectory()
	for _, st := range dir.Staff {
		d.AddStaff(st)
	}
	for _, p := range dir.Patients {
		d.AddPatient(p)
	}
	for _, e := range dir.Encounters {
		d.AddEncounter(e)
	}
	j := audit.NewJudge(d, &audit.Baselines{}, audit.Options{Location: s.location()})
	alerts, err := s.DB.AlertCases(ctx, store.AlertFilter{PatientID: patientID}, store.All)
	if err != nil {
		return nil, err
	}
	why := func(e audit.Event) string {
		if t, ok := j.Explain(e); ok {
			return "Explained: " + t.Description
		}
		for _, al := range alerts {
			if al.UserID == e.UserID && !e.Time.Before(al.FirstTime) && !e.Time.After(al.LastTime) {
				if al.Disposition != "" {
					return fmt.Sprintf("Alert %s (%s): the privacy officer found it %s", al.ID, al.Rule, strings.ReplaceAll(string(al.Disposition), "_", " "))
				}
				return fmt.Sprintf("Alert %s (%s): awaiting the privacy officer", al.ID, al.Rule)
			}
		}
		return "Not explained by the data; no alert"
	}
	out := []reports.PatientAccess{}
	for _, e := range imported {
		out = append(out, reports.PatientAccess{TimelineEntry: reports.TimelineEntry{Event: e, Source: "EHR"}, Why: why(e)})
	}
	for _, ae := range own {
		if e, ok := activities.OwnAccess(ae); ok {
			out = append(out, reports.PatientAccess{TimelineEntry: reports.TimelineEntry{Event: e, Source: "rcmbot"}, Why: why(e)})
		}
	}
	slices.SortStableFunc(out, func(a, b reports.PatientAccess) int { return b.Time.Compare(a.Time) })
	return out, nil
}

// UserReview lists rcmbot's accounts (role, last sign-in, dormant) and the
// EHR roster's terminated staff still seen in the access log, each with a
// recommended action.
func (s *Service) UserReview(ctx context.Context, now time.Time) ([]reports.AccountReview, error) {
	users, err := s.DB.Users(ctx)
	if err != nil {
		return nil, err
	}
	last, err := s.DB.LastSignIns(ctx)
	if err != nil {
		return nil, err
	}
	dormant := now.AddDate(0, 0, -reports.DormantDays)
	out := []reports.AccountReview{}
	for _, u := range users {
		r := reports.AccountReview{Source: "rcmbot", UserID: u.Username, Role: string(u.Role), Disabled: u.Disabled, LastActive: last[u.Username], Action: reports.ActionNone}
		switch {
		case u.Disabled:
			r.Finding = "Disabled."
		case r.LastActive.IsZero() && u.CreatedAt.Before(dormant):
			r.Finding, r.Action = fmt.Sprintf("Never signed in since it was created %s.", u.CreatedAt.Format(time.DateOnly)), reports.ActionDisable
		case !r.LastActive.IsZero() && r.LastActive.Before(dormant):
			r.Finding, r.Action = fmt.Sprintf("No sign-in for %d days.", int(now.Sub(r.LastActive).Hours()/24)), reports.ActionDisable
		case r.LastActive.IsZero():
			r.Finding, r.Action = "Not signed in yet (new account).", reports.ActionConfirm
		default:
			r.Finding = "Active."
		}
		out = append(out, r)
	}
	dir, err := s.DB.LatestAuditDirectory(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for _, st := range dir.Staff {
		if st.TerminationDate.IsZero() {
			continue
		}
		evs, err := s.DB.AuditEventsOf(ctx, st.UserID, true, store.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		r := reports.AccountReview{Source: "EHR", UserID: st.UserID, Role: st.Role, Finding: "Terminated (last day " + st.TerminationDate.String() + ").", Action: reports.ActionNone}
		if len(evs) > 0 {
			r.LastActive = evs[0].Time
			if evs[0].Time.In(s.location()).Format(time.DateOnly) > st.TerminationDate.String() {
				r.Finding, r.Action = fmt.Sprintf("Terminated (last day %s) but still opening records (last %s).", st.TerminationDate, r.LastActive.Format(time.DateOnly)), reports.ActionRevokeEHR
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Posture checks the security posture and recommends what to change.
func (s *Service) Posture(ctx context.Context, now time.Time) ([]reports.Recommendation, error) {
	in := s.PostureIn
	rotate := cmp.Or(in.RotateDays, 365)
	var out []reports.Recommendation
	names := make([]string, 0, len(in.KeyFiles))
	for n := range in.KeyFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := reports.Recommendation{Check: "Key rotation: " + n, OK: true}
		fi, err := os.Stat(in.KeyFiles[n])
		switch {
		case err != nil:
			r.Finding = "No key file (given inline, or not set up)."
		case now.Sub(fi.ModTime()) > time.Duration(rotate)*24*time.Hour:
			r.OK, r.Finding = false, fmt.Sprintf("Not rotated for %d days.", int(now.Sub(fi.ModTime()).Hours()/24))
			r.Advice = fmt.Sprintf("Rotate keys at least every %d days (`rcmbot keys`).", rotate)
		default:
			r.Finding = fmt.Sprintf("Changed %d days ago.", int(now.Sub(fi.ModTime()).Hours()/24))
		}
		out = append(out, r)
	}
	users, err := s.DB.Users(ctx)
	if err != nil {
		return nil, err
	}
	stale := now.AddDate(0, 0, -reports.DormantDays)
	var admins, staleAdmins, unused []string
	for _, u := range users {
		if u.Disabled {
			continue
		}
		if u.Role == store.RoleAdmin {
			admins = append(admins, u.Username)
			// The account's last change (password, role) stands for
			// the last password change: the store keeps no other date.
			if u.UpdatedAt.Before(stale) {
				staleAdmins = append(staleAdmins, u.Username)
			}
		}
		toks, err := s.DB.APITokens(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range toks {
			if !t.RevokedAt.IsZero() {
				continue
			}
			if t.LastUsedAt.IsZero() && t.CreatedAt.Before(now.AddDate(0, 0, -30)) || !t.LastUsedAt.IsZero() && t.LastUsedAt.Before(stale) {
				unused = append(unused, u.Username+"/"+t.Name)
			}
		}
	}
	out = append(out, check("Admins' passwords", len(staleAdmins) == 0,
		fmt.Sprintf("%d admins; %d without an account change (password or role) in %d days: %s", len(admins), len(staleAdmins), reports.DormantDays, strings.Join(staleAdmins, ", ")),
		"Ask them to change their password (Account page), or remove the admin role."))
	out = append(out, check("Unused API tokens", len(unused) == 0,
		fmt.Sprintf("%d tokens unused for 30 days since issue or %d days since last use: %s", len(unused), reports.DormantDays, strings.Join(unused, ", ")),
		"Revoke tokens nobody uses (Users page)."))
	wide := false
	for _, o := range strings.Split(in.CodecOrigins, ",") {
		o = strings.TrimSpace(o)
		if o == "*" || strings.HasPrefix(o, "http://") && !strings.Contains(o, "localhost") && !strings.Contains(o, "127.0.0.1") {
			wide = true
		}
	}
	out = append(out, check("Codec origins", !wide, "RCMBOT_CODEC_ORIGINS: "+in.CodecOrigins,
		"Allow only the Temporal UI's https origin to decode payloads."))
	out = append(out, check("Production X12 with a development key ring", !(in.X12Usage == "P" && in.DevKeyRing),
		"RCMBOT_X12_USAGE="+in.X12Usage+fmt.Sprintf(", development key ring: %v", in.DevKeyRing),
		"Production claims carry PHI: give the worker a key ring of its own (RCMBOT_KEYS_FILE), not the one `rcmbot dev` made."))
	out = append(out, check("Tamper-evident log signed", in.AuditSigning, fmt.Sprintf("checkpoints signed: %v", in.AuditSigning),
		"Make an audit signing key (`rcmbot audit keygen`) so the PHI access log is checkpointed."))
	return out, nil
}

func check(name string, ok bool, finding, advice string) reports.Recommendation {
	r := reports.Recommendation{Check: name, OK: ok, Finding: finding}
	if !ok {
		r.Advice = advice
	}
	return r
}

// MonthlyReview computes the activity review of the month holding day
// (in the practice's time zone).
func (s *Service) MonthlyReview(ctx context.Context, day time.Time) (reports.ActivityReview, error) {
	loc := s.location()
	d := day.In(loc)
	from := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	r := reports.ActivityReview{Month: from.Format("2006-01"), AlertsByRule: map[audit.RuleID]int{}, Dispositions: map[audit.Disposition]int{}}
	var err error
	if r.ImportedEvents, err = s.DB.AuditEventCount(ctx, from, to); err != nil {
		return r, err
	}
	err = s.DB.EachAccessEvent(ctx, from, func(e store.AccessEvent) error {
		if _, ok := activities.OwnAccess(e); ok && e.At.Before(to) {
			r.OwnEvents++
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	err = s.DB.EachSignIn(ctx, from, func(e store.SignInEvent) error {
		if e.Time.Before(to) {
			r.SignIns++
			if e.Kind == audit.SignInFailure || e.Kind == audit.SignInLockout {
				r.FailedSignIns++
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	alerts, err := s.DB.AlertCases(ctx, store.AlertFilter{From: from, To: to}, store.All)
	if err != nil {
		return r, err
	}
	var hours []float64
	for _, al := range alerts {
		r.Alerts++
		r.AlertsByRule[al.Rule]++
		if al.Disposition != "" {
			r.Dispositions[al.Disposition]++
		}
		if al.State == audit.CaseClosed {
			r.Closed++
			hours = append(hours, al.DecidedAt.Sub(al.CreatedAt).Hours())
		} else {
			r.Open++
		}
	}
	if len(hours) > 0 {
		slices.Sort(hours)
		r.MedianHoursToClose = hours[len(hours)/2]
		if len(hours)%2 == 0 {
			r.MedianHoursToClose = (hours[len(hours)/2-1] + hours[len(hours)/2]) / 2
		}
		r.MaxHoursToClose = hours[len(hours)-1]
	}
	return r, nil
}

// PostureInputs is what the security-posture check reads besides the
// database.
type PostureInputs struct {
	// KeyFiles names key files (key ring, decision key, audit signing key)
	// by what they are; their age is their modification time.
	KeyFiles     map[string]string
	RotateDays   int    // keys older than this should be rotated [365]
	CodecOrigins string // RCMBOT_CODEC_ORIGINS
	X12Usage     string // RCMBOT_X12_USAGE
	// DevKeyRing is true when the key ring is the one `rcmbot dev` made.
	DevKeyRing bool
	// AuditSigning is false when the PHI access log is not checkpointed.
	AuditSigning bool
}
