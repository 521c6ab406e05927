// Package e2e runs rcmbot end to end for tests: a real Temporal dev server
// (see temporaltest), a real SQLite database, the encrypted blob store, the
// payer and clearinghouse simulators as real HTTP servers, and workers for
// every bot, all wired the way `rcmbot dev` wires them.
package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/auditbot"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/logging"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/sim/simtest"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
)

// Options tune a Stack.
type Options struct {
	// Clearinghouse configures the clearinghouse simulator (AckDelay
	// defaults to 200 ms here).
	Clearinghouse sim.ClearinghouseConfig
	// Payer configures the payer simulator.
	Payer sim.PayerConfig
	// NoWorkers leaves the workers out (a test runs them itself, e.g. in
	// another process).
	NoWorkers bool
	// AsOf pins "today" for batches (the demo fixtures' as-of date by default).
	AsOf claim.Date
	// Log receives rcmbot's log lines (the leak test reads them); nil discards them.
	Log io.Writer
	// Env sets more settings, as environment variables would.
	Env map[string]string
}

// Stack is rcmbot running for one test.
type Stack struct {
	Config        *config.Config
	Temporal      *temporaltest.Server
	Client        client.Client
	DB            *store.DB
	Ring          *keyring.Ring
	Clearinghouse *sim.ClearinghouseSim
	Payer         *sim.PayerSim
	// Mail is the SMTP sink rcmbot's email goes to (RCMBOT_SMTP_*).
	Mail   *sim.SMTPSink
	Claims *claimsbot.Service
	// Scheduling is the scheduling bot's front door (signing as the web
	// app does).
	Scheduling *schedulingbot.Service
	// Audit is the access-monitoring bot's front door (signing as the
	// web app does).
	Audit *auditbot.Service
	Log   *slog.Logger
	// DataDir holds the SQLite file, the key file and the blobs.
	DataDir string
}

// DemoAsOf is the as-of date of the committed demo fixtures.
var DemoAsOf = claim.MustDate("2026-11-29")

// Start brings a stack up and tears it down when the test ends.
func Start(t testing.TB, o Options) *Stack {
	t.Helper()
	ctx := context.Background()
	tsrv := temporaltest.Start(t)

	chCfg := o.Clearinghouse
	if chCfg.AckDelay == 0 {
		chCfg.AckDelay = 200 * time.Millisecond
	}
	ch, err := sim.NewClearinghouseSim(chCfg)
	if err != nil {
		t.Fatal(err)
	}
	chSrv := httptest.NewServer(ch)
	t.Cleanup(chSrv.Close)
	payer, err := sim.NewPayerSim(o.Payer)
	if err != nil {
		t.Fatal(err)
	}
	paySrv := httptest.NewServer(payer)
	t.Cleanup(paySrv.Close)

	mailSink, smtpPort := simtest.SMTPSink(t, sim.SMTPSinkConfig{})

	dir := t.TempDir()
	var cfg config.Config
	env := map[string]string{
		"RCMBOT_SMTP_HOST":         "127.0.0.1",
		"RCMBOT_SMTP_PORT":         strconv.Itoa(smtpPort),
		"RCMBOT_SMTP_TLS":          "none",
		"RCMBOT_DATA_DIR":          dir,
		"TEMPORAL_ADDRESS":         tsrv.Address,
		"RCMBOT_CLEARINGHOUSE_URL": chSrv.URL,
		"RCMBOT_ELIGIBILITY_URL":   paySrv.URL,
		"RCMBOT_TIMEZONE":          "America/New_York",
	}
	for k, v := range o.Env {
		env[k] = v
	}
	if err := config.Load(&cfg, nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	logOut := o.Log
	if logOut == nil {
		logOut = io.Discard
	}
	log, err := logging.New(logOut, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.LoadOrCreateDevFile(cfg.KeysFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetSealer(ring)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	signer, verifier := decisionKeys(t, &cfg)
	var copts client.Options
	codec.ConfigureClient(&copts, ring, codec.RefusePlaintext)
	c := tsrv.Client(t, temporaltest.Options{DataConverter: copts.DataConverter, FailureConverter: copts.FailureConverter, Logger: log})

	s := &Stack{Config: &cfg, Temporal: tsrv, Client: c, DB: db, Ring: ring, Clearinghouse: ch, Payer: payer, Mail: mailSink, Log: log, DataDir: dir}
	benv := bots.Env{Config: &cfg, DB: db, Ring: ring, Log: log, Signer: signer, Verifier: verifier}
	if s.Claims, err = bots.ClaimsService(benv, c); err != nil {
		t.Fatal(err)
	}
	s.Scheduling = bots.SchedulingService(benv, c)
	s.Audit = bots.AuditService(benv, c)
	asOf := o.AsOf
	if asOf.IsZero() {
		asOf = DemoAsOf
	}
	s.Claims.Now = func() time.Time { return asOf.Time().Add(15 * time.Hour) }
	s.Claims.AckPollInterval = time.Second

	if !o.NoWorkers {
		deps, err := bots.Build(benv)
		if err != nil {
			t.Fatal(err)
		}
		wctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := bots.RunWorkers(wctx, c, bots.Queues(), deps, log, 5*time.Second); err != nil {
				t.Errorf("workers: %v", err)
			}
		}()
		t.Cleanup(func() { stop(); wg.Wait() })
	}
	return s
}

// decisionKeys makes the stack's decision key pair, written where the
// settings say (for rcmbot commands run as separate processes).
func decisionKeys(t testing.TB, cfg *config.Config) (*decision.Signer, *decision.Verifier) {
	t.Helper()
	p, err := decision.NewPair("rcmbot-e2e", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.DecisionKeyFile, []byte(p.PrivateKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.DecisionPublicKeysFile, []byte(p.PublicKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p.Signer, p.Verifier
}

// SubmitDemo uploads the demo workbook through the claims bot's front
// door and waits until its batch awaits review.
func (s *Stack) SubmitDemo(t testing.TB) store.Batch {
	t.Helper()
	f, err := os.Open(Fixture("demo-claims.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := s.Claims.SubmitBatch(context.Background(), f, "demo-claims.xlsx", "tester")
	if err != nil {
		t.Fatal(err)
	}
	b = s.WaitStatus(t, b.ID, 2*time.Minute, batch.AwaitingReview, batch.Failed)
	if b.Status != batch.AwaitingReview {
		t.Fatalf("batch %s: %s %s", b.ID, b.Status, b.FailureReason)
	}
	return b
}

// Env is the stack's settings as environment variables, for running
// rcmbot commands as separate processes against it.
func (s *Stack) Env() []string {
	c := s.Config
	return []string{
		"RCMBOT_DATA_DIR=" + c.DataDir, "RCMBOT_DB_URL=" + c.DBURL, "RCMBOT_KEYS_FILE=" + c.KeysFile,
		"RCMBOT_DECISION_KEY_FILE=" + c.DecisionKeyFile, "RCMBOT_DECISION_PUBLIC_KEYS_FILE=" + c.DecisionPublicKeysFile,
		"TEMPORAL_ADDRESS=" + c.TemporalAddress, "TEMPORAL_NAMESPACE=" + c.TemporalNamespace,
		"RCMBOT_CLEARINGHOUSE_URL=" + c.ClearingURL, "RCMBOT_ELIGIBILITY_URL=" + c.EligibilityURL,
		"RCMBOT_TIMEZONE=" + c.TimeZone, "RCMBOT_LOG_FORMAT=json",
		"RCMBOT_SMTP_HOST=" + c.SMTPHost, "RCMBOT_SMTP_PORT=" + strconv.Itoa(c.SMTPPort), "RCMBOT_SMTP_TLS=" + c.SMTPTLS,
	}
}

// WaitStatus polls the batch until it reaches one of the statuses (or the
// deadline passes) and returns it.
func (s *Stack) WaitStatus(t testing.TB, batchID string, timeout time.Duration, statuses ...batch.Status) store.Batch {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var b store.Batch
	for time.Now().Before(deadline) {
		var err error
		if b, err = s.DB.Batch(context.Background(), batchID); err != nil {
			t.Fatal(err)
		}
		for _, st := range statuses {
			if b.Status == st {
				return b
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("batch %s is %s after %s, want one of %v (reason %q)", batchID, b.Status, timeout, statuses, b.FailureReason)
	return b
}

// Fixture returns the path of a file under fixtures/.
func Fixture(name string) string {
	return filepath.Join("..", "..", "fixtures", name)
}
