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
)

// The patient chooses among a request's options through the emailed
// link, without signing in, on the real stack (Temporal dev server,
// the AppointmentRequest workflow): opening the link lists the times and
// books nothing; the button books the chosen time through the signed
// choose Update; a forged link or a time not shown books nothing.
func TestSchedulingOptionsLink(t *testing.T) {
	h := newHarness(t, withBots)
	ctx := context.Background()
	var week []schedule.Window
	for d := schedule.Monday; d <= schedule.Sunday; d++ {
		week = append(week, schedule.Window{Weekday: d, Start: 8 * 60, End: 10 * 60})
	}
	if err := h.db.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Sessions: week}}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}}); err != nil {
		t.Fatal(err)
	}
	tomorrow := claim.DateOf(time.Now().In(h.cfg.Location())).AddDays(1)
	req, err := h.stack.Scheduling.Request(ctx, schedule.Request{PatientID: "MRN-L1", VisitType: "FU", Earliest: tomorrow, Latest: tomorrow.AddDays(1)}, nil, "desk")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := h.db.SchedRequest(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == schedule.RequestProposed {
			req = r
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request is still %s", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The token the options email carries (this patient has no address:
	// the link is made the same way).
	token, err := h.db.RequestLinkToken(ctx, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	link := h.srv.URL + "/scheduling/r/" + token
	get := func(u string) (int, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(slot string) (int, string) {
		t.Helper()
		res, err := http.PostForm(link, url.Values{"slot": {slot}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	choices := planner.PatientChoices(req.Options)
	if len(choices) == 0 {
		t.Fatal("no options the patient may choose")
	}
	first := choices[0].Slot
	value := first.Date.String() + " " + first.Start.String() + " " + first.ProviderID
	status, body := get(link)
	if status != http.StatusOK || strings.Count(body, `name="slot"`) != len(choices) || !strings.Contains(body, `value="`+value+`"`) ||
		!strings.Contains(body, first.At(h.cfg.Location()).Format("Monday, January 2, 2006 at 3:04 PM")) || strings.Contains(body, "MRN-L1") {
		t.Fatalf("options link page: %d\n%s", status, body)
	}
	if r, _ := h.db.SchedRequest(ctx, req.ID); r.Status != schedule.RequestProposed {
		t.Fatalf("opening the link changed the request: %s", r.Status)
	}
	if status, _ := get(h.srv.URL + "/scheduling/r/rl-forged"); status != http.StatusNotFound {
		t.Errorf("a forged link: %d", status)
	}
	if status, body := post(tomorrow.AddDays(1).String() + " 23:45 P1"); status != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose one of the times shown") {
		t.Errorf("a time not shown: %d\n%s", status, body)
	}
	if status, body := post("soon"); status != http.StatusUnprocessableEntity {
		t.Errorf("a malformed time: %d\n%s", status, body)
	}
	status, body = post(value)
	if status != http.StatusOK || !strings.Contains(body, "your appointment is booked") {
		t.Fatalf("choosing through the link: %d\n%s", status, body)
	}
	r, err := h.db.SchedRequest(ctx, req.ID)
	if err != nil || r.Status != schedule.RequestBooked {
		t.Fatalf("request after the choice: %s %v", r.Status, err)
	}
	booked, err := h.db.SchedAppointments(ctx, first.Date, first.Date)
	if err != nil || len(booked) != 1 || booked[0].SlotOf() != first || booked[0].RequestID != req.ID {
		t.Fatalf("booked: %+v %v", booked, err)
	}
	if status, body := post(value); status != http.StatusConflict || !strings.Contains(body, "booked already") {
		t.Errorf("choosing twice: %d\n%s", status, body)
	}
	if status, body := get(link); status != http.StatusOK || strings.Contains(body, `name="slot"`) || !strings.Contains(body, "Your appointment is booked") {
		t.Errorf("the link after booking: %d\n%s", status, body)
	}
}
