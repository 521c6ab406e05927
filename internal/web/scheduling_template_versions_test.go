package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/store"
)

// Two admins edit one template: the page's forms carry the version it
// was shown with, so the edit of the one who opened it before the other
// saved is refused with what to do, her input still in the form, and
// nothing stored; the API's PUT is refused the same way for a stale
// version or none.
func TestSchedulingTemplateEditsOfAStaleVersion(t *testing.T) {
	h := newHarness(t, func(h *harness, o *Options) {
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(nil), Scheduling(&schedulingbot.Service{DB: h.db, Location: time.UTC})}
	})
	ctx := context.Background()
	morning := []schedule.Window{{Weekday: schedule.Monday, Start: 8 * 60, End: 12 * 60}}
	if err := h.db.SaveTemplates(ctx, []schedule.Provider{{ID: "P7", Sessions: morning}}); err != nil {
		t.Fatal(err)
	}
	stored := func() schedule.Provider {
		t.Helper()
		all, err := h.db.Templates(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("templates: %+v %v", all, err)
		}
		return all[0]
	}
	admin := h.signIn(store.RoleAdmin)
	if p := admin.get("/scheduling/templates/P7"); strings.Count(p.body, `name="version" value="1"`) != 3 {
		t.Fatalf("the page's three edit forms do not carry version 1:\n%s", p.body)
	}
	// Another admin saves meanwhile (the API, based on version 1).
	other := map[string]any{"version": 1, "sessions": []map[string]any{{"weekday": 1, "start": "07:00", "end": "12:00"}}}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P7", other); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"version": 2`) {
		t.Fatalf("the other admin's PUT: %d %s", res.StatusCode, res.body)
	}
	const refusal = "Someone else changed the template of provider P7 since you opened it: reload it and apply your change again."
	res := admin.postForm("/scheduling/templates/P7/sessions", url.Values{"version": {"1"}, "weekday": {"3"}, "start": {"14:00"}, "end": {"15:30"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, refusal) {
		t.Fatalf("a session added to version 1: %d, want 409 %q\n%s", res.StatusCode, refusal, res.body)
	}
	for _, kept := range []string{`<option value="3" selected>`, `name="start" type="time" required value="14:00"`, `name="end" type="time" required value="15:30"`, `name="version" value="2"`, `data-session="1 07:00-12:00"`} {
		if !strings.Contains(res.body, kept) {
			t.Errorf("the refused page lacks %s\n%s", kept, res.body)
		}
	}
	res = admin.postForm("/scheduling/templates/P7/blocked", url.Values{"version": {"1"}, "date": {"2026-12-24"}, "kind": {"holiday"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, refusal) || !strings.Contains(res.body, `type="date" required value="2026-12-24"`) || !strings.Contains(res.body, `value="holiday" selected`) {
		t.Fatalf("a block added to version 1: %d\n%s", res.StatusCode, res.body)
	}
	if res := admin.postForm("/scheduling/templates/P7/sessions", url.Values{"weekday": {"3"}, "start": {"14:00"}, "end": {"15:30"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("a form without a version: %d, want 409", res.StatusCode)
	}
	if p := stored(); p.Version != 2 || len(p.Sessions) != 1 || p.Sessions[0].Start != 7*60 || len(p.Blocked) != 0 {
		t.Fatalf("the refused edits changed the template: %+v", p)
	}

	// The API: GET returns the version; a PUT based on an older one, or
	// on none, is refused; one based on the stored one is saved.
	if res := admin.get("/api/v1/scheduling/templates/P7"); !strings.Contains(res.body, `"version": 2`) {
		t.Fatalf("GET: %s", res.body)
	}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P7", other); res.StatusCode != http.StatusConflict || !strings.Contains(res.body, refusal) {
		t.Errorf("a PUT based on version 1: %d %s", res.StatusCode, res.body)
	}
	delete(other, "version")
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P7", other); res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "your change names no version") {
		t.Errorf("a PUT without a version: %d %s", res.StatusCode, res.body)
	}
	if p := stored(); p.Version != 2 {
		t.Fatalf("a refused PUT changed the template: %+v", p)
	}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P8", other); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"version": 1`) {
		t.Errorf("a new provider's template without a version: %d %s", res.StatusCode, res.body)
	}
	other["version"] = 2
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P7", other); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"version": 3`) {
		t.Errorf("a PUT based on version 2: %d %s", res.StatusCode, res.body)
	}
}
