package bots

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
)

// TestHealthCheckOnRealServer starts a real Temporal dev server, runs
// workers for every queue and checks that the HealthCheck workflow gets a
// report from each, then that workers stop when their context ends.
func TestHealthCheckOnRealServer(t *testing.T) {
	srv := temporaltest.Start(t)
	c := srv.Client(t, temporaltest.Options{})
	if err := temporalx.EnsureSearchAttributes(context.Background(), c, "default"); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- RunWorkers(ctx, c, Queues(), Deps{System: &activities.System{Refdata: "test"}, Claims: &activities.Claims{}, Retention: &activities.Retention{}, Eligibility: &activities.Eligibility{}, Inventory: &activities.Inventory{}, Scheduling: &activities.Scheduling{}, Audit: &activities.Audit{}}, slog.Default(), 5*time.Second)
	}()

	wctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := HealthCheck(wctx, c, "test", runErr)
	if err != nil {
		t.Fatalf("health check: %v", err)
	}
	if len(res.Workers) != len(Queues()) {
		t.Fatalf("got %d reports, want %d: %+v", len(res.Workers), len(Queues()), res)
	}
	for i, r := range res.Workers {
		if r.Queue != Queues()[i] || r.Database != "not configured" || r.Refdata != "test" || r.PID == 0 {
			t.Errorf("report %d: %+v", i, r)
		}
	}
	stop()
	if err := <-runErr; err != nil {
		t.Fatalf("RunWorkers: %v", err)
	}
}

func TestRunWorkersRejectsUnknownQueue(t *testing.T) {
	err := RunWorkers(context.Background(), nil, []string{"billing"}, Deps{System: &activities.System{}}, slog.Default(), time.Second)
	if err == nil {
		t.Fatal("unknown queue accepted")
	}
}
