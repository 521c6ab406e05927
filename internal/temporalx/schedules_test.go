package temporalx_test

import (
	"context"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
)

// TestApplyIsIdempotent applies the same declared schedules twice on a real
// dev server, changes one, and checks Describe, pause and resume: Apply
// keeps a schedule paused by staff while updating its spec.
func TestApplyIsIdempotent(t *testing.T) {
	srv := temporaltest.Start(t)
	c := srv.Client(t, temporaltest.Options{})
	ctx := context.Background()
	if err := temporalx.EnsureSearchAttributes(ctx, c, "default"); err != nil {
		t.Fatal(err)
	}
	if err := temporalx.EnsureSearchAttributes(ctx, c, "default"); err != nil {
		t.Fatalf("second registration: %v", err)
	}
	decl := []temporalx.Schedule{{ID: "test-nightly", Bot: "claims", Note: "test", Cron: "0 2 * * *", Workflow: "HealthCheck",
		TaskQueue: "claims", Catchup: time.Hour}}
	for i := 0; i < 2; i++ {
		if err := temporalx.Apply(ctx, c, "America/Chicago", decl); err != nil {
			t.Fatalf("apply %d: %v", i+1, err)
		}
	}
	if err := temporalx.SetPaused(ctx, c, "test-nightly", true, "holiday"); err != nil {
		t.Fatal(err)
	}
	decl[0].Cron = "30 3 * * *"
	if err := temporalx.Apply(ctx, c, "America/Chicago", decl); err != nil {
		t.Fatal(err)
	}
	st, err := temporalx.Describe(ctx, c, decl)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || !st[0].Paused || len(st[0].NextRuns) == 0 {
		t.Fatalf("status %+v", st)
	}
	loc, _ := time.LoadLocation("America/Chicago")
	if next := st[0].NextRuns[0].In(loc); next.Hour() != 3 || next.Minute() != 30 {
		t.Errorf("next run %s, want 03:30 Chicago time after the update", next)
	}
	if err := temporalx.SetPaused(ctx, c, "test-nightly", false, "back"); err != nil {
		t.Fatal(err)
	}
	if _, err := temporalx.Describe(ctx, c, []temporalx.Schedule{{ID: "missing"}}); err == nil {
		t.Error("describing an undeclared schedule succeeded")
	}
}
