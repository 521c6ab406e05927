package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
)

// TestBotsPage runs the Bots page against a real Temporal dev server with
// one declared schedule: it is described, run now, paused and resumed from
// the page, by an admin only.
func TestBotsPage(t *testing.T) {
	srv := temporaltest.Start(t)
	c := srv.Client(t, temporaltest.Options{})
	ctx := context.Background()
	sched := temporalx.Schedule{ID: "test-nightly", Bot: "system", Note: "health check every night", Cron: "0 2 * * *",
		Workflow: "HealthCheck", Args: []any{map[string]any{"queues": []string{"claims"}}}, TaskQueue: "claims", Catchup: time.Hour}
	if err := temporalx.Apply(ctx, c, "America/New_York", []temporalx.Schedule{sched}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(_ *harness, o *Options) { o.Temporal, o.Schedules = c, []temporalx.Schedule{sched} })
	admin := h.signIn(store.RoleAdmin)
	page := admin.get("/bots").body
	has(t, "bots page", page, "test-nightly", "health check every night", "Run now", `<span class="badge ok">active</span>`,
		"http://localhost:8233/namespaces/default/schedules/test-nightly")
	if strings.Contains(page, "Next run</dt><dd>—") {
		t.Error("no next run shown")
	}
	biller := h.signIn(store.RoleBiller)
	if strings.Contains(biller.get("/bots").body, "Run now") {
		t.Error("a biller is offered Run now")
	}
	if res := biller.postForm("/bots/test-nightly/trigger", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("biller trigger: %d", res.StatusCode)
	}

	if res := admin.postForm("/bots/test-nightly/trigger", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("trigger: %d %s", res.StatusCode, res.body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sts := decodeJSON[struct{ Schedules []scheduleJSON }](t, admin.get("/api/v1/schedules"))
		if len(sts.Schedules) == 1 && sts.Schedules[0].LastRun != nil && sts.Schedules[0].LastRunID != "" {
			if !strings.Contains(admin.get("/bots").body, "/namespaces/default/workflows/"+sts.Schedules[0].LastRunID) {
				t.Error("bots page does not link the last run")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the triggered run never showed: %+v", sts)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if res := admin.postForm("/bots/test-nightly/pause", url.Values{"reason": {"payer maintenance tonight"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause: %d %s", res.StatusCode, res.body)
	}
	page = admin.get("/bots?done=pause").body
	has(t, "paused schedule", page, "is paused", `<span class="badge warn">paused</span>`, "paused by admin in the rcmbot web app: payer maintenance tonight", "Resume")
	if res := admin.postForm("/bots/test-nightly/resume", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resume: %d", res.StatusCode)
	}
	has(t, "resumed schedule", admin.get("/bots").body, `<span class="badge ok">active</span>`)

	// Only declared schedules can be driven from rcmbot.
	if res := admin.postForm("/bots/someone-elses/trigger", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("undeclared schedule: %d", res.StatusCode)
	}
	if res := admin.postForm("/bots/test-nightly/explode", nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown action: %d", res.StatusCode)
	}
	if res := h.bearer(store.RoleAdmin).sendJSON("POST", "/api/v1/schedules/test-nightly/pause", nil); res.StatusCode != http.StatusNoContent {
		t.Errorf("API pause: %d %s", res.StatusCode, res.body)
	}

	// A declared schedule Temporal does not have says what to run.
	h2 := newHarness(t, func(_ *harness, o *Options) {
		o.Temporal, o.Schedules = c, []temporalx.Schedule{{ID: "not-applied", Cron: "0 3 * * *", Workflow: "HealthCheck", TaskQueue: "claims"}}
	})
	has(t, "missing schedule", h2.signIn(store.RoleAdmin).get("/bots").body, "rcmbot schedules apply")
}
