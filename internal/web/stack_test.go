package web_test

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
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
	"github.com/rcmbot/rcmbot/internal/web"
)

func init() { web.StartStack = startStack }

// startStack wires the bots the way `rcmbot dev` does: a Temporal dev
// server, the simulators as real HTTP servers, the Schedules applied, and
// every bot's workers in this process until the test ends.
func startStack(t *testing.T, db *store.DB, cfg *config.Config) *web.Stack {
	t.Helper()
	id, key := keyring.NewEntry()
	ring, err := keyring.Load("active="+id+";tag="+id+";"+id+"="+key, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.Start(t)
	var co client.Options
	codec.ConfigureClient(&co, ring, codec.RefusePlaintext)
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
	sup, err := sim.NewSupplierSim(sim.SupplierConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	sups := httptest.NewServer(sup)
	t.Cleanup(sups.Close)
	cfg.ClearingURL, cfg.EligibilityURL, cfg.SupplierURL = chs.URL, pss.URL, sups.URL

	if err := temporalx.Apply(context.Background(), c, cfg.TimeZone, bots.Schedules(cfg)); err != nil {
		t.Fatal(err)
	}
	keys, err := decision.NewPair("rcmbot-web-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	env := bots.Env{Config: cfg, DB: db, Ring: ring, Log: slog.New(slog.DiscardHandler), Signer: keys.Signer, Verifier: keys.Verifier}
	deps, err := bots.Build(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bots.RunWorkers(ctx, c, bots.Queues(), deps, env.Log, 5*time.Second) }()
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
	elig, err := bots.EligibilityService(env, c)
	if err != nil {
		t.Fatal(err)
	}
	// A payer that cannot answer (AAA 42) is asked once more, a second
	// later, rather than over the production rounds' minutes.
	elig.SweepTuning.Rounds, elig.SweepTuning.MaxRoundDelay = 2, time.Second
	return &web.Stack{Claims: claims, Eligibility: elig, Inventory: bots.InventoryService(env, c),
		Scheduling: bots.SchedulingService(env, c), Audit: bots.AuditService(env, c), Temporal: c, Ring: ring, Schedules: bots.Schedules(cfg),
		Payer: ps, Supplier: sup}
}
