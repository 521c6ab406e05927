package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// TestBrowserSchedulingFlow: the front desk sees a request's proposed
// options in the queue, books the first with one click (the real
// workflow on the real Temporal dev server), and finds it booked on the
// provider's calendar, with its no-show risk.
func TestBrowserSchedulingFlow(t *testing.T) {
	h := newHarness(t, withBots)
	ctx := context.Background()
	var all []schedule.Window
	for d := schedule.Monday; d <= schedule.Sunday; d++ {
		all = append(all, schedule.Window{Weekday: d, Start: 8 * 60, End: 10 * 60})
	}
	if err := h.db.SaveTemplates(ctx, []schedule.Provider{{ID: "P1", Sessions: all}}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}}); err != nil {
		t.Fatal(err)
	}
	tomorrow := claim.DateOf(time.Now().In(h.cfg.Location())).AddDays(1)
	req, err := h.stack.Scheduling.Request(ctx, schedule.Request{PatientID: "MRN-B1", VisitType: "FU", Earliest: tomorrow, Latest: tomorrow}, nil, "desk")
	if err != nil {
		t.Fatal(err)
	}

	bctx := newBrowser(t)
	tb := openTab(t, bctx, h.srv.URL)
	tb.signIn("front_desk")
	tb.open("/scheduling/requests")
	tb.waitFor("the request's options", `document.querySelector("form[action='/scheduling/requests/`+req.ID+`/book']") !== null`)
	tb.shot("scheduling-01-request-queue")
	slot := eval[string](tb, `(() => { const f = document.querySelector("form[action$='/book']");
		return f.querySelector("input[name=date]").value + " " + f.querySelector("input[name=start]").value })()`)
	tb.submit(`form[action$='/book'] button[type=submit]`)
	if msg := tb.text(".notice.ok"); !strings.HasPrefix(msg, "Request "+req.ID+" booked") {
		t.Fatalf("after booking: %q", msg)
	}

	tb.open("/scheduling?provider=P1&start=" + tomorrow.String())
	booked := eval[int](tb, `document.querySelectorAll("li.slot[data-state=booked]").length`)
	free := eval[int](tb, `document.querySelectorAll("li.slot[data-state=free]").length`)
	at := eval[string](tb, `document.querySelector("li.slot[data-state=booked] .slot-time").textContent.trim()`)
	if booked != 1 || free != 7+6*8 || tomorrow.String()+" "+at != slot {
		t.Fatalf("calendar: %d booked at %q (chose %q), %d free", booked, at, slot, free)
	}
	if risk := tb.text("li.slot[data-state=booked] .risk"); !strings.HasPrefix(risk, "risk ") {
		t.Errorf("no risk shown: %q", risk)
	}
	tb.shot("scheduling-02-calendar")
}
