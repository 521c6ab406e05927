package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/store"
)

// The scheduling pages over the real front door on a real store (no
// Temporal: reads work, decisions say the bot is not running): the
// calendar's slot states and risk, the request queue's options with
// one-click booking for the front desk only, the waitlist, the report,
// and the PHI access log.
func TestSchedulingPages(t *testing.T) {
	var front *schedulingbot.Service
	h := newHarness(t, func(h *harness, o *Options) {
		front = &schedulingbot.Service{DB: h.db, Location: time.UTC}
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(nil), Scheduling(front)}
	})
	ctx := context.Background()
	today := claim.DateOf(time.Now().UTC())
	monday := today.AddDays(-(int(schedule.WeekdayOf(today)) - 1))
	var week []schedule.Window
	for d := schedule.Monday; d <= schedule.Friday; d++ {
		week = append(week, schedule.Window{Weekday: d, Start: 8 * 60, End: 9 * 60})
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.db.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Sessions: week, Blocked: []schedule.Exception{{Date: monday.AddDays(1)}}}}))
	must(h.db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}}))
	for _, id := range []string{"sa-1", "sa-2"} {
		_, err := h.db.BookAppointment(ctx, store.Booking{Seats: 2, Appointment: schedule.Appointment{ID: id, PatientID: "MRN-" + id, ProviderID: "P1",
			Date: monday, Start: 8 * 60, VisitType: "FU", BookedOn: monday.AddDays(-20)}})
		must(err)
	}
	r, err := h.db.AddRequest(ctx, schedule.Request{PatientID: "MRN-Q", VisitType: "FU", RequestedOn: today, Earliest: today, Latest: today.AddDays(5)}, "desk")
	must(err)
	must(h.db.ProposeOptions(ctx, r.ID, []planner.Choice{{Slot: schedule.Slot{ProviderID: "P1", Date: monday.AddDays(7), Start: 8*60 + 15}, Cost: -20},
		{Slot: schedule.Slot{ProviderID: "P1", Date: monday.AddDays(7), Start: 8 * 60}, Cost: -10, Overbooked: true}}))
	w, err := h.db.AddRequest(ctx, schedule.Request{PatientID: "MRN-W", VisitType: "FU", RequestedOn: today, Earliest: today, Latest: today.AddDays(5)}, "desk")
	must(err)
	must(h.db.SetRequestStatus(ctx, w.ID, schedule.RequestWaitlisted))

	desk, biller := h.signIn(store.RoleFrontDesk), h.signIn(store.RoleBiller)
	cal := biller.get("/scheduling?provider=P1&start=" + monday.String())
	if cal.StatusCode != http.StatusOK || strings.Count(cal.body, `data-state="overbooked"`) != 1 || strings.Count(cal.body, `data-state="blocked"`) != 4 ||
		!strings.Contains(cal.body, "MRN-sa-1") || !strings.Contains(cal.body, "risk ") || strings.Contains(cal.body, `value="arrived"`) {
		t.Fatalf("calendar for a biller: %d\n%s", cal.StatusCode, cal.body)
	}
	if p := desk.get("/scheduling?provider=P1&start=" + monday.String()); !strings.Contains(p.body, `value="arrived"`) {
		t.Errorf("the front desk cannot mark attendance on the calendar:\n%s", p.body)
	}
	if p := biller.get("/scheduling?provider=P9"); p.StatusCode != http.StatusNotFound {
		t.Errorf("unknown provider: %d", p.StatusCode)
	}
	q := desk.get("/scheduling/requests")
	if q.StatusCode != http.StatusOK || !strings.Contains(q.body, r.ID) || !strings.Contains(q.body, "Confirm overbooking") ||
		!strings.Contains(q.body, `action="/scheduling/requests/`+r.ID+`/book"`) {
		t.Fatalf("request queue: %d\n%s", q.StatusCode, q.body)
	}
	if p := biller.get("/scheduling/requests"); strings.Contains(p.body, "/book\"") {
		t.Error("a biller is offered booking")
	}
	form := url.Values{"provider": {"P1"}, "date": {monday.AddDays(7).String()}, "start": {"08:15"}}
	if res := desk.postForm("/scheduling/requests/"+r.ID+"/book", form); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.body, "not running") {
		t.Errorf("booking without the bot: %d", res.StatusCode)
	}
	if res := biller.postForm("/scheduling/requests/"+r.ID+"/book", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("a biller books: %d", res.StatusCode)
	}
	if res := desk.postForm("/scheduling/requests/"+r.ID+"/book", url.Values{"date": {"soon"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad slot: %d", res.StatusCode)
	}
	if res := desk.postForm("/scheduling/requests", url.Values{"patient_id": {"MRN-N"}, "visit_type": {"FU"}, "latest": {"next week"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.body, "latest date is not a date") {
		t.Errorf("a request with a bad date: %d", res.StatusCode)
	}
	if res := desk.postForm("/scheduling/requests", url.Values{"patient_id": {"MRN-N"}, "visit_type": {"FU"}, "latest": {today.AddDays(3).String()}}); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a request without the bot: %d", res.StatusCode)
	}
	if p := biller.get("/scheduling/waitlist"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "MRN-W") {
		t.Errorf("waitlist: %d\n%s", p.StatusCode, p.body)
	}
	if p := biller.get("/scheduling/report?weeks=4"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "Capacity used") || !strings.Contains(p.body, "<svg") {
		t.Errorf("report: %d\n%s", p.StatusCode, p.body)
	}
	api := biller.get("/api/v1/scheduling/calendar?provider=P1&start=" + monday.String() + "&days=2")
	if api.StatusCode != http.StatusOK || !strings.Contains(api.body, `"state": "overbooked"`) {
		t.Errorf("calendar API: %d %s", api.StatusCode, api.body)
	}
	// The patient's reminder link, without signing in: GET shows the
	// time and changes nothing; POST confirms.
	ap, err := h.db.SchedAppointment(ctx, "sa-1")
	must(err)
	link := h.srv.URL + "/scheduling/a/" + ap.Token
	res, err := http.Get(link + "?answer=confirm")
	must(err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "8:00 AM") || strings.Contains(string(body), "MRN-sa-1") || !strings.Contains(string(body), `value="confirm"`) {
		t.Fatalf("reminder link page: %d\n%s", res.StatusCode, body)
	}
	if got, _ := h.db.SchedAppointment(ctx, "sa-1"); got.Status != schedule.StatusBooked {
		t.Fatalf("opening the link changed the appointment: %s", got.Status)
	}
	res, err = http.PostForm(link, url.Values{"answer": {"confirm"}})
	must(err)
	res.Body.Close()
	if got, _ := h.db.SchedAppointment(ctx, "sa-1"); res.StatusCode != http.StatusOK || got.Status != schedule.StatusConfirmed {
		t.Fatalf("confirming through the link: %d %s", res.StatusCode, got.Status)
	}
	for _, u := range []string{h.srv.URL + "/scheduling/a/lt-forged", h.srv.URL + "/scheduling/o/of-forged"} {
		if res, err := http.Get(u); err != nil || res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %v %v", u, res.StatusCode, err)
		}
	}

	evs, err := h.db.AccessEvents(ctx, store.AccessFilter{Action: accessViewSchedule}, store.All)
	must(err)
	if len(evs) < 5 {
		t.Fatalf("%d schedule views in the PHI access log, want at least 5", len(evs))
	}
}
