package web

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
)

// realStack gives the browser tests' server the claims and eligibility
// bots' own front doors over a Temporal dev server, with their workers
// running in this process against the clearinghouse and payer simulators.
func realStack(t *testing.T, o *Options, cfg *config.Config) {
	id, key := keyring.NewEntry()
	ring, err := keyring.Load("active="+id+";tag="+id+";"+id+"="+key, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.Start(t)
	var co client.Options
	codec.ConfigureClient(&co, ring)
	c := srv.Client(t, temporaltest.Options{DataConverter: co.DataConverter, FailureConverter: co.FailureConverter})

	ch, err := sim.NewClearinghouseSim(sim.ClearinghouseConfig{AckDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	chs := httptest.NewServer(ch)
	t.Cleanup(chs.Close)
	ps, err := sim.NewPayerSim(sim.PayerConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	pss := httptest.NewServer(ps)
	t.Cleanup(pss.Close)
	cfg.ClearingURL, cfg.EligibilityURL = chs.URL, pss.URL

	if err := temporalx.Apply(context.Background(), c, cfg.TimeZone, bots.Schedules(cfg)); err != nil {
		t.Fatal(err)
	}
	env := bots.Env{Config: cfg, DB: o.DB, Ring: ring, Log: slog.New(slog.DiscardHandler)}
	deps, err := bots.Build(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bots.RunWorkers(ctx, c, temporalx.Queues, deps, env.Log, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("workers: %v", err)
		}
	})
	claims, err := bots.ClaimsService(env, c)
	if err != nil {
		t.Fatal(err)
	}
	claims.AckPollInterval = time.Second // the simulator acknowledges within a second
	o.Claims = claims
	if o.Eligibility, err = bots.EligibilityService(env, c); err != nil {
		t.Fatal(err)
	}
	o.Ring, o.Temporal, o.Schedules = ring, c, bots.Schedules(cfg)
}
