package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/fixtures/demo"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/devstack"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
)

func newSetupCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Prepare a deployment: database migrations, Temporal search attributes, schedules, the access watch",
		Long: `Apply the database migrations, register rcmbot's search attributes in the
Temporal namespace, create or update every bot's Schedule and start the
access-monitoring bot's watch over rcmbot's own accesses and sign-ins (unless it
runs). Idempotent: run it on every deployment (docker-compose runs it before the
workers start).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := a.connect(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer k.Close()
			return a.prepareTemporal(cmd.Context(), a.env(k.db, k.ring), k.c)
		},
	}
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "keys", "keys-file", "timezone")
	return cmd
}

// prepareTemporal registers search attributes, applies the schedules and
// starts the access watch (a long-running workflow, not a Schedule: it
// alerts within a minute of a sign-in burst, from the first day).
func (a *app) prepareTemporal(ctx context.Context, env bots.Env, c client.Client) error {
	if err := temporalx.EnsureSearchAttributes(ctx, c, a.cfg.TemporalNamespace); err != nil {
		return err
	}
	if err := temporalx.Apply(ctx, c, a.cfg.TimeZone, bots.Schedules(&a.cfg)); err != nil {
		return err
	}
	return bots.AuditService(env, c).StartWatch(ctx)
}

func newDevCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole product locally on embedded defaults (SQLite, Temporal dev server and UI)",
		Long: `Run everything rcmbot needs on one machine that has only Go:

  - the Temporal CLI, found on PATH or in .tools/bin, or installed there with
    'go install' (a few minutes the first time);
  - the Temporal dev server with its Web UI, keeping its state in
    {data-dir}/temporal.db (unless a Temporal server already answers at
    TEMPORAL_ADDRESS: then that one is used);
  - rcmbot's database ({data-dir}/rcmbot.db) migrated, a development key ring,
    search attributes and schedules;
  - the workers for every bot, the web app, REST API and codec server, and the
    payer and clearinghouse simulators.

It prints the URLs and 'rcmbot ready' once everything answers. Ctrl-C stops it
all; the next run keeps the earlier state.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDev(cmd.Context(), cmd.OutOrStdout())
		},
	}
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "temporal-ui-url", "http-addr", "public-url",
		"keys", "keys-file", "decision-key", "decision-key-file", "decision-public-keys", "decision-public-keys-file",
		"audit-key-file", "audit-verifier-key", "audit-checkpoints",
		"refdata", "timezone", "eligibility-url", "clearinghouse-url",
		"smtp-host", "smtp-port", "smtp-tls", "smtp-username", "smtp-password", "smtp-from", "smtp-sink-url")
	return cmd
}

// runDev brings the stack up in dependency order and tears it down in
// reverse when ctx ends (Ctrl-C).
func (a *app) runDev(ctx context.Context, out io.Writer) error {
	started := time.Now()
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir %s: %w", a.cfg.DataDir, err)
	}
	ls, err := a.listenDev()
	if err != nil {
		return err
	}
	defer ls.close()
	ring, err := a.openRing(true)
	if err != nil {
		return err
	}
	if err := a.ensureDevDecisionKeys(); err != nil {
		return fmt.Errorf("dev decision keys: %w", err)
	}
	if err := a.ensureDevAuditKey(); err != nil {
		return fmt.Errorf("dev audit key: %w", err)
	}
	db, err := a.openDB(ctx, ring, true)
	if err != nil {
		return err
	}
	defer db.Close()
	say("database ready: %s", redactURL(a.cfg.DBURL))

	srv, err := a.startTemporal(ctx, say)
	if err != nil {
		return err
	}
	if srv != nil {
		defer func() {
			say("stopping the Temporal dev server")
			if err := srv.Stop(20 * time.Second); err != nil {
				say("%v", err)
			}
		}()
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	c, err := temporalx.WaitReady(wctx, a.temporalOptions(ring), func(waited time.Duration) {
		say("  waiting for Temporal at %s (%s)", a.cfg.TemporalAddress, waited.Round(time.Second))
	})
	cancel()
	if err != nil {
		return err
	}
	defer c.Close()
	env := a.env(db, ring)
	if err := a.prepareTemporal(ctx, env, c); err != nil {
		return err
	}

	if env.Verifier, err = a.decisionVerifier(); err != nil {
		return err
	}
	deps, err := bots.Build(env)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	workerCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	workerErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		workerErr <- bots.RunWorkers(workerCtx, c, bots.Queues(), deps, a.log, 10*time.Second)
	}()
	defer func() {
		stopWorkers()
		wg.Wait()
	}()

	if err := a.checkHealth(ctx, c, workerErr); err != nil {
		return err
	}

	// The outside world, simulated: payers, the clearinghouse and a mail
	// server; then the web app. Each serves on the listener opened above.
	simErr := make(chan error, 6)
	payerSim, err := sim.NewPayerSim(sim.PayerConfig{LatencyMin: 100 * time.Millisecond, LatencyMax: 800 * time.Millisecond, Rate: 60})
	if err != nil {
		return err
	}
	// The clearinghouse rejects every 25th claim in its 277CA so the demo
	// shows both outcomes.
	chSim, err := sim.NewClearinghouseSim(sim.ClearinghouseConfig{AckDelay: 5 * time.Second, RejectEvery: 25})
	if err != nil {
		return err
	}
	// The supplier backorders a share of lines and ships some partially,
	// so the demo shows the follow-ups.
	supSim, err := sim.NewSupplierSim(sim.SupplierConfig{BackorderRate: 0.1, PartialRate: 0.1, Seed: 1})
	if err != nil {
		return err
	}
	webSrv, err := a.newWebServer(db, ring, c)
	if err != nil {
		return err
	}
	serve := func(name string, ln net.Listener, run func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(); err != nil {
				simErr <- fmt.Errorf("%s on %s: %w", name, ln.Addr(), err)
			}
		}()
	}
	serve("payer simulator", ls.payer, func() error { return sim.Serve(workerCtx, ls.payer, payerSim) })
	serve("clearinghouse simulator", ls.clearinghouse, func() error { return sim.Serve(workerCtx, ls.clearinghouse, chSim) })
	serve("supplier simulator", ls.supplier, func() error { return sim.Serve(workerCtx, ls.supplier, supSim) })
	sinkURL := ""
	if ls.smtp != nil {
		sink, err := sim.NewSMTPSink(sim.SMTPSinkConfig{Username: a.cfg.SMTPUsername, Password: a.cfg.SMTPPassword})
		if err != nil {
			return err
		}
		sinkURL = a.cfg.SMTPSinkURL
		serve("SMTP sink", ls.smtp, func() error { return sink.Serve(workerCtx, ls.smtp, ls.sinkPage) })
	}
	serve("web server", ls.web, func() error { return webSrv.Serve(workerCtx, ls.web) })
	if err := waitHTTP(ctx, a.cfg.PublicURL+"/healthz", 30*time.Second); err != nil {
		return err
	}
	demoFile, rosterDir, err := a.writeDemoFiles()
	if err != nil {
		return err
	}
	invDir, err := a.writeInventoryDemo()
	if err != nil {
		return err
	}
	schedDemo, err := a.loadSchedulingDemo(ctx, db, ring, c)
	if err != nil {
		return err
	}
	auditDemo, err := a.loadAuditDemo(ctx, db, ring, c)
	if err != nil {
		return err
	}

	say("")
	if _, err := web.EnsureFirstAdmin(ctx, db, a.cfg.PublicURL, a.firstAdminPasswordFile(), out); err != nil {
		return err
	}
	say("")
	say("rcmbot web app:   %s", a.cfg.PublicURL)
	say("Temporal Web UI:  %s", a.cfg.TemporalUIURL)
	say("Temporal server:  %s (namespace %s)", a.cfg.TemporalAddress, a.cfg.TemporalNamespace)
	say("Simulators:       payers %s, clearinghouse %s, supplier %s", a.cfg.EligibilityURL, a.cfg.ClearingURL, a.cfg.SupplierURL)
	if sinkURL != "" {
		say("Email:            SMTP sink on %s:%d, received messages at %s", a.cfg.SMTPHost, a.cfg.SMTPPort, sinkURL)
	}
	say("Data directory:   %s", a.cfg.DataDir)
	say("Workers:          %v", bots.Queues())
	say("")
	say("Try it: upload %s on the Upload page, or run", demoFile)
	say("  go run ./cmd/rcmbot batch submit %s --data-dir %s", demoFile, a.cfg.DataDir)
	say("  go run ./cmd/rcmbot eligibility roster %s --data-dir %s", filepath.Join(rosterDir, "roster.xlsx"), a.cfg.DataDir)
	say("  go run ./cmd/rcmbot inventory import items %s --supplier demo --location main --data-dir %s", filepath.Join(invDir, "items.csv"), a.cfg.DataDir)
	say("  go run ./cmd/rcmbot inventory import usage %s --data-dir %s && go run ./cmd/rcmbot inventory review --data-dir %s", filepath.Join(invDir, "usage.csv"), a.cfg.DataDir, a.cfg.DataDir)
	say("%s: see the Scheduling pages, or run", schedDemo)
	say("  go run ./cmd/rcmbot schedule request --patient PT00001 --visit-type FU --latest %s --email pt1@example.test --data-dir %s  (then: schedule list, schedule book)",
		claim.DateOf(time.Now().In(a.cfg.Location())).AddDays(7), a.cfg.DataDir)
	say("%s: see Access alerts (/audit/alerts) signed in as admin, or run", auditDemo)
	say("  go run ./cmd/rcmbot audit alerts --data-dir %s  (then: audit case AL, audit decide AL)", a.cfg.DataDir)
	say("Ready in %s. Press Ctrl-C to stop.", time.Since(started).Round(100*time.Millisecond))
	say("rcmbot ready")

	select {
	case <-ctx.Done():
	case err := <-simErr:
		return err
	case err := <-workerErr:
		if err != nil {
			return err
		}
	case <-serverExited(srv):
		return fmt.Errorf("the Temporal dev server exited (%v); see %s", srv.Err(), filepath.Join(a.cfg.DataDir, "temporal.log"))
	}
	say("\nshutting down")
	return nil
}

// writeDemoFiles writes a demo claims workbook and an eligibility roster
// dated today into the data directory (the committed fixtures are dated
// the day they were generated; filing limits would flag them later).
func (a *app) writeDemoFiles() (claimsFile, rosterDir string, err error) {
	today := claim.DateOf(time.Now().In(a.cfg.Location()))
	claimsFile = filepath.Join(a.cfg.DataDir, "demo-claims.xlsx")
	if _, err := demo.WriteFile(claimsFile, demo.Options{Claims: 250, Seed: 1, AsOf: today}); err != nil {
		return "", "", fmt.Errorf("write demo claims: %w", err)
	}
	rosterDir = filepath.Join(a.cfg.DataDir, "demo-roster")
	if err := os.MkdirAll(rosterDir, 0o700); err != nil {
		return "", "", err
	}
	if err := sim.WriteRosterFixtures(rosterDir, today.NextBusinessDay()); err != nil {
		return "", "", fmt.Errorf("write demo roster: %w", err)
	}
	return claimsFile, rosterDir, nil
}

// hostPort returns the host:port to listen on for a base URL.
func hostPort(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if u.Port() == "" {
		return "", fmt.Errorf("%q has no port", rawURL)
	}
	return u.Host, nil
}

// waitHTTP polls url until it answers 200 or timeout passes.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %s (%v)", url, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// startTemporal starts the dev server unless one already answers at
// TEMPORAL_ADDRESS. It returns nil when an existing server is used.
func (a *app) startTemporal(ctx context.Context, say func(string, ...any)) (*devstack.DevServer, error) {
	if devstack.Reachable(a.cfg.TemporalAddress, time.Second) {
		say("using the Temporal server already running at %s", a.cfg.TemporalAddress)
		return nil, nil
	}
	cli := devstack.FindTemporalCLI()
	if cli == "" {
		var err error
		if cli, err = devstack.InstallTemporalCLI(ctx, devstack.ToolsDir, progressWriter{say}); err != nil {
			return nil, err
		}
	}
	uiPort, err := portOf(a.cfg.TemporalUIURL)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_UI_URL: %w", err)
	}
	opts := devstack.DevServerOptions{
		CLI:           cli,
		Address:       a.cfg.TemporalAddress,
		UIPort:        uiPort,
		Namespace:     a.cfg.TemporalNamespace,
		DBFile:        filepath.Join(a.cfg.DataDir, "temporal.db"),
		CodecEndpoint: a.cfg.PublicURL + "/codec",
		ExtraArgs:     temporalx.DevServerFlags(),
		LogFile:       filepath.Join(a.cfg.DataDir, "temporal.log"),
	}
	say("starting the Temporal dev server (%s), state in %s", cli, opts.DBFile)
	return devstack.StartDevServer(opts)
}

// checkHealth runs the HealthCheck workflow: it completes only when a
// worker on every queue has answered.
func (a *app) checkHealth(ctx context.Context, c client.Client, workerErr <-chan error) error {
	hctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	_, err := bots.HealthCheck(hctx, c, "rcmbot dev: check that a worker answers on every queue", workerErr)
	return err
}

func serverExited(s *devstack.DevServer) <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.Exited()
}

func portOf(rawURL string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	_, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return 0, fmt.Errorf("%q has no port", rawURL)
	}
	return strconv.Atoi(port)
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

type progressWriter struct{ say func(string, ...any) }

func (p progressWriter) Write(b []byte) (int, error) {
	p.say("%s", string(trimNewline(b)))
	return len(b), nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// devListeners are the ports `rcmbot dev` serves on, opened before
// anything starts so that a port already in use is a clear error at once,
// never a health check answered by some other program.
type devListeners struct {
	web, payer, clearinghouse, supplier net.Listener
	// smtp and sinkPage are the SMTP sink's, when mail goes to this
	// machine (RCMBOT_SMTP_HOST localhost, the default); nil otherwise.
	smtp, sinkPage net.Listener
}

// listenDev opens the listeners of the web app, the simulators and the
// SMTP sink.
func (a *app) listenDev() (*devListeners, error) {
	ls := &devListeners{}
	listen := func(setting, rawURL string, dst *net.Listener) error {
		addr := rawURL
		if strings.Contains(rawURL, "://") {
			var err error
			if addr, err = hostPort(rawURL); err != nil {
				return fmt.Errorf("%s: %w", setting, err)
			}
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: cannot listen on %s (is another rcmbot dev running? choose a free port): %w", setting, addr, err)
		}
		*dst = ln
		return nil
	}
	err := listen("RCMBOT_HTTP_ADDR", a.cfg.HTTPAddr, &ls.web)
	if err == nil {
		err = listen("RCMBOT_ELIGIBILITY_URL", a.cfg.EligibilityURL, &ls.payer)
	}
	if err == nil {
		err = listen("RCMBOT_CLEARINGHOUSE_URL", a.cfg.ClearingURL, &ls.clearinghouse)
	}
	if err == nil {
		err = listen("RCMBOT_SUPPLIER_URL", a.cfg.SupplierURL, &ls.supplier)
	}
	if h := a.cfg.SMTPHost; err == nil && (h == "localhost" || h == "127.0.0.1" || h == "::1") {
		err = listen("RCMBOT_SMTP_PORT", net.JoinHostPort(h, strconv.Itoa(a.cfg.SMTPPort)), &ls.smtp)
		if err == nil {
			err = listen("RCMBOT_SMTP_SINK_URL", a.cfg.SMTPSinkURL, &ls.sinkPage)
		}
	}
	if err != nil {
		ls.close()
		return nil, err
	}
	return ls, nil
}

// close closes the listeners still open (serving closes them too).
func (ls *devListeners) close() {
	for _, ln := range []net.Listener{ls.web, ls.payer, ls.clearinghouse, ls.supplier, ls.smtp, ls.sinkPage} {
		if ln != nil {
			_ = ln.Close()
		}
	}
}
