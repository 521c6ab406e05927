package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

var (
	monday  = claim.MustDate("2026-12-07")
	nine    = schedule.Clock(9 * 60)
	insured = schedule.Patient{ID: "MRN1", FirstName: "Ana", LastName: "Lopez", Email: "ana@example.test",
		Insurance: schedule.Insurance{PayerID: "60054", MemberID: "W123", DOB: claim.MustDate("1980-02-03")}}
)

func TestSchedulingTemplatesVisitTypesAndPatients(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := schedule.Provider{ID: "P1", Sessions: []schedule.Window{{Weekday: schedule.Monday, Start: 8 * 60, End: 12 * 60}},
			Blocked: []schedule.Exception{{Date: monday.AddDays(7), Kind: schedule.ExceptionBlocked}}}
		check(t, db.SaveTemplates(ctx, []schedule.Provider{p}))
		p.Sessions[0].End = 13 * 60
		check(t, db.SaveTemplates(ctx, []schedule.Provider{p}))
		got := must[[]schedule.Provider](t)(db.Templates(ctx))
		if len(got) != 1 || got[0].Sessions[0].End != 13*60 || len(got[0].Blocked) != 1 {
			t.Fatalf("providers: %+v", got)
		}
		overlap := schedule.Provider{ID: "P2", Sessions: []schedule.Window{{Weekday: 1, Start: 480, End: 600}, {Weekday: 1, Start: 540, End: 700}}}
		if err := db.SaveTemplates(ctx, []schedule.Provider{overlap}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("overlapping sessions: %v", err)
		}
		check(t, db.SaveHolidays(ctx, []schedule.Exception{{Date: monday.AddDays(17)}}))
		if h := must[[]schedule.Exception](t)(db.Holidays(ctx)); len(h) != 1 || h[0].Kind != schedule.ExceptionHoliday {
			t.Fatalf("holidays: %+v", h)
		}
		check(t, db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}, {ID: "NEW", Minutes: 30, ProviderIDs: []string{"P1"}}}))
		if v := must[[]schedule.VisitType](t)(db.VisitTypes(ctx)); len(v) != 2 || v[1].ProviderIDs[0] != "P1" || v[0].Minutes != 15 {
			t.Fatalf("visit types: %+v", v)
		}
		if err := db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "X"}}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("visit type without minutes: %v", err)
		}
		pt := insured
		pt.Preferred = []schedule.Window{{Weekday: schedule.Tuesday, Start: 8 * 60, End: 10 * 60}}
		check(t, db.SavePatients(ctx, []schedule.Patient{pt}))
		back := must[schedule.Patient](t)(db.SchedPatient(ctx, "MRN1"))
		if back.Email != pt.Email || back.DOB != pt.DOB || len(back.Preferred) != 1 || !back.Complete() {
			t.Fatalf("patient: %+v", back)
		}
	})
}

func request(t *testing.T, db *store.DB, patient string) store.SchedRequest {
	t.Helper()
	return must[store.SchedRequest](t)(db.AddRequest(context.Background(), schedule.Request{PatientID: patient, VisitType: "FU",
		RequestedOn: monday.AddDays(-3), Earliest: monday, Latest: monday.AddDays(4)}, "desk"))
}

func TestBookingHoldsSeatsAndFeedsTheSweep(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		check(t, db.SavePatients(ctx, []schedule.Patient{insured, {ID: "MRN2"}}))
		r := request(t, db, "MRN1")
		if r.Status != schedule.RequestOpen || r.CreatedBy != "desk" {
			t.Fatalf("request: %+v", r)
		}
		slot := schedule.Appointment{ProviderID: "P1", Date: monday, Start: nine, VisitType: "FU"}
		first := slot
		first.ID, first.RequestID, first.PatientID = "sa-1", r.ID, "MRN1"
		a := must[store.SchedAppointment](t)(db.BookAppointment(ctx, store.Booking{Appointment: first, Seats: 2}))
		if a.Status != schedule.StatusBooked || !a.Checked || a.Token == "" {
			t.Fatalf("booked: %+v", a)
		}
		if again := must[store.SchedAppointment](t)(db.BookAppointment(ctx, store.Booking{Appointment: first, Seats: 2})); again.Token != a.Token {
			t.Fatal("booking the same ID again made another appointment")
		}
		if st := must[store.SchedRequest](t)(db.SchedRequest(ctx, r.ID)).Status; st != schedule.RequestBooked {
			t.Fatalf("request status %s", st)
		}
		sweep := must[[]store.Appointment](t)(db.SweepAppointments(ctx, monday))
		if len(sweep) != 1 || sweep[0].ID != "sa-1" || sweep[0].Kind != store.AppointmentBooked || sweep[0].MemberID != "W123" {
			t.Fatalf("sweep appointments: %+v", sweep)
		}
		second := slot
		second.ID, second.PatientID = "sa-2", "MRN2" // self-pay: not checked
		if b := must[store.SchedAppointment](t)(db.BookAppointment(ctx, store.Booking{Appointment: second, Seats: 2})); b.Checked {
			t.Fatal("a patient without insurance was handed to the eligibility sweep")
		}
		third := slot
		third.ID = "sa-3"
		if _, err := db.BookAppointment(ctx, store.Booking{Appointment: third, Seats: 2}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("third booking into a slot of two seats: %v", err)
		}
		// Cancelling frees the seat and takes the visit off the sweep.
		c := must[store.SchedAppointment](t)(db.RecordOutcome(ctx, "sa-1", schedule.OutcomeCancelled))
		if c.Status != schedule.StatusCancelled {
			t.Fatalf("cancelled: %+v", c)
		}
		if n := len(must[[]store.Appointment](t)(db.SweepAppointments(ctx, monday))); n != 0 {
			t.Fatalf("sweep still has %d appointments after the cancellation", n)
		}
		must[store.SchedAppointment](t)(db.BookAppointment(ctx, store.Booking{Appointment: third, Seats: 2}))
		// Outcomes: once each, appended to the history.
		must[store.SchedAppointment](t)(db.RecordOutcome(ctx, "sa-2", schedule.OutcomeNoShow))
		must[store.SchedAppointment](t)(db.RecordOutcome(ctx, "sa-2", schedule.OutcomeNoShow))
		if _, err := db.RecordOutcome(ctx, "sa-2", schedule.OutcomeArrived); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("another outcome over a recorded one: %v", err)
		}
		h := must[[]schedule.Attendance](t)(db.History(ctx, monday))
		if len(h) != 2 || h[1].AppointmentID != "sa-2" || h[1].Outcome != schedule.OutcomeNoShow {
			t.Fatalf("history: %+v", h)
		}
		if _, err := db.ConfirmAppointment(ctx, "sa-2"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("confirming a no-show: %v", err)
		}
		if got := must[store.SchedAppointment](t)(db.ConfirmAppointment(ctx, "sa-3")); got.Status != schedule.StatusConfirmed {
			t.Fatalf("confirmed: %+v", got)
		}
		if tok := must[store.SchedAppointment](t)(db.SchedAppointmentByToken(ctx, c.Token)); tok.ID != "sa-1" {
			t.Fatalf("by token: %+v", tok)
		}
		if all := must[[]store.SchedAppointment](t)(db.SchedAppointments(ctx, monday, monday)); len(all) != 3 {
			t.Fatalf("%d appointments on the day, want 3", len(all))
		}
	})
}

func TestConcurrentBookingsNeverShareASeat(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				a := schedule.Appointment{ID: "sa-c" + string(rune('a'+i)), ProviderID: "P1", Date: monday, Start: nine, VisitType: "FU"}
				_, errs[i] = db.BookAppointment(ctx, store.Booking{Appointment: a, Seats: 1})
			})
		}
		wg.Wait()
		booked := 0
		for _, err := range errs {
			switch {
			case err == nil:
				booked++
			case !errors.Is(err, store.ErrConflict) && !isBusy(err):
				t.Fatalf("concurrent booking: %v", err)
			}
		}
		held := 0
		for _, a := range must[[]store.SchedAppointment](t)(db.SchedAppointments(ctx, monday, monday)) {
			if a.Status.Holds() {
				held++
			}
		}
		if booked != 1 || held != 1 {
			t.Fatalf("%d bookings succeeded and %d hold the slot, want 1 and 1", booked, held)
		}
	})
}

// isBusy reports a transaction that lost a write race on SQLite or a
// serialization failure on PostgreSQL: refused, never double-booked.
func isBusy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "database is locked") || strings.Contains(s, "SQLSTATE 40001") || strings.Contains(s, "SQLITE_BUSY")
}

func TestHistoryImportAndOffers(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		visits := []schedule.Attendance{
			{PatientID: "MRN1", Date: monday.AddDays(-30), Start: nine, LeadDays: 12, Outcome: schedule.OutcomeNoShow},
			{PatientID: "MRN1", Date: monday.AddDays(-20), Start: nine, LeadDays: 3, Outcome: schedule.OutcomeArrived, AppointmentID: "old-1"},
		}
		if n := must[int](t)(db.AddHistory(ctx, visits)); n != 2 {
			t.Fatalf("history import added %d", n)
		}
		if n := must[int](t)(db.AddHistory(ctx, visits)); n != 0 {
			t.Fatalf("importing the same history again added %d entries", n)
		}
		if _, err := db.AddHistory(ctx, []schedule.Attendance{{PatientID: "MRN1"}}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("entry without date: %v", err)
		}
		h := must[[]schedule.Attendance](t)(db.History(ctx, monday.AddDays(-365)))
		if len(h) != 2 || h[0].AppointmentID != "" || h[1].AppointmentID != "old-1" || h[0].LeadDays != 12 {
			t.Fatalf("history: %+v", h)
		}
		r := request(t, db, "MRN1")
		check(t, db.SetRequestStatus(ctx, r.ID, schedule.RequestWaitlisted))
		if w := must[[]store.SchedRequest](t)(db.SchedRequests(ctx, store.All, schedule.RequestWaitlisted)); len(w) != 1 {
			t.Fatalf("waitlist: %+v", w)
		}
		o := store.SchedOffer{ID: "of-1", RequestID: r.ID, Slot: schedule.Slot{ProviderID: "P1", Date: monday, Start: nine}, WorkflowID: "scheduling-fill-x",
			Expires: time.Now().Add(time.Hour)}
		check(t, db.AddOffer(ctx, o))
		check(t, db.AddOffer(ctx, o))
		check(t, db.SetOfferState(ctx, "of-1", schedule.OfferAccepted))
		got := must[store.SchedOffer](t)(db.SchedOffer(ctx, "of-1"))
		if got.State != schedule.OfferAccepted || got.Slot != o.Slot {
			t.Fatalf("offer: %+v", got)
		}
		if err := db.SetOfferState(ctx, "of-none", schedule.OfferExpired); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown offer: %v", err)
		}
	})
}

// A request's options link: one token per request, the same when asked
// again, distinct between requests, and the way back to the request.
func TestRequestLinkTokens(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := monday
		var tokens []string
		for _, p := range []string{"MRN-1", "MRN-2"} {
			r, err := db.AddRequest(ctx, schedule.Request{PatientID: p, VisitType: "FU", RequestedOn: day, Earliest: day, Latest: day.AddDays(5)}, "desk")
			if err != nil {
				t.Fatal(err)
			}
			tok, err := db.RequestLinkToken(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			again, err := db.RequestLinkToken(ctx, r.ID)
			if err != nil || again != tok || !strings.HasPrefix(tok, "rl-") {
				t.Fatalf("token %q, then %q (%v)", tok, again, err)
			}
			got, err := db.SchedRequestByToken(ctx, tok)
			if err != nil || got.ID != r.ID || got.PatientID != p {
				t.Fatalf("request of the link: %+v %v", got, err)
			}
			tokens = append(tokens, tok)
		}
		if tokens[0] == tokens[1] {
			t.Fatal("two requests share a link")
		}
		if _, err := db.RequestLinkToken(ctx, "rq-none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown request: %v", err)
		}
		if _, err := db.SchedRequestByToken(ctx, "rl-forged"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a forged link: %v", err)
		}
	})
}

// A template edit is based on the version it read: a fresh one is
// saved and bumps the version, a stale one (or a "new" template for a
// provider who has one) is ErrStale and changes nothing, imports bump the
// version unchecked, and of concurrent edits based on one version exactly
// one wins.
func TestSchedulingTemplateVersions(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		session := func(end schedule.Clock) []schedule.Window {
			return []schedule.Window{{Weekday: schedule.Monday, Start: 8 * 60, End: end}}
		}
		stored := func(id string) schedule.Provider {
			t.Helper()
			for _, p := range must[[]schedule.Provider](t)(db.Templates(ctx)) {
				if p.ID == id {
					return p
				}
			}
			t.Fatalf("no template of %s", id)
			return schedule.Provider{}
		}
		if v := must[int](t)(db.SaveTemplate(ctx, schedule.Provider{ID: "P1", Sessions: session(600)})); v != 1 {
			t.Fatalf("a new template's version %d, want 1", v)
		}
		if _, err := db.SaveTemplate(ctx, schedule.Provider{ID: "P1", Sessions: session(610)}); !errors.Is(err, store.ErrStale) {
			t.Fatalf("a second new template for P1: %v, want ErrStale", err)
		}
		if v := must[int](t)(db.SaveTemplate(ctx, schedule.Provider{ID: "P1", Version: 1, Sessions: session(620)})); v != 2 {
			t.Fatalf("an edit of version 1 saved as %d, want 2", v)
		}
		if _, err := db.SaveTemplate(ctx, schedule.Provider{ID: "P1", Version: 1, Sessions: session(630)}); !errors.Is(err, store.ErrStale) {
			t.Fatalf("a second edit of version 1: %v, want ErrStale", err)
		}
		if p := stored("P1"); p.Version != 2 || p.Sessions[0].End != 620 {
			t.Fatalf("after a stale edit: %+v, want version 2 ending 10:20", p)
		}
		check(t, db.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Version: 1, Sessions: session(640)}}))
		if p := stored("P1"); p.Version != 3 || p.Sessions[0].End != 640 {
			t.Fatalf("after an import: %+v, want version 3 ending 10:40", p)
		}

		// Eight admins save at once, all based on version 3 (and eight
		// create P2 at once): exactly one of each wins.
		const n = 8
		for _, base := range []schedule.Provider{{ID: "P1", Version: 3}, {ID: "P2"}} {
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p := base
					p.Sessions = session(schedule.Clock(660 + i))
					_, errs[i] = db.SaveTemplate(ctx, p)
				}()
			}
			wg.Wait()
			won := -1
			for i, err := range errs {
				switch {
				case err == nil && won >= 0:
					t.Fatalf("%s: saves %d and %d both won", base.ID, won, i)
				case err == nil:
					won = i
				case !errors.Is(err, store.ErrStale):
					t.Fatalf("%s: save %d: %v, want ErrStale", base.ID, i, err)
				}
			}
			if won < 0 {
				t.Fatalf("%s: no save won", base.ID)
			}
			if p := stored(base.ID); p.Version != base.Version+1 || p.Sessions[0].End != schedule.Clock(660+won) {
				t.Fatalf("%s after the race: %+v, want version %d from save %d", base.ID, p, base.Version+1, won)
			}
		}
	})
}
