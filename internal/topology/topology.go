// Package topology runs rcmbot's production deployment — the services of
// docker-compose.yml — on one machine without a container engine, from
// what the Go module proxy and Debian provide: two PostgreSQL clusters
// (rcmbot's database; Temporal's temporal and temporal_visibility), the
// Temporal server on PostgreSQL with its schema made by temporal-sql-tool
// and its frontend requiring mutual TLS, `rcmbot setup`, three `rcmbot
// worker` processes, `rcmbot web`, and the payer and clearinghouse
// simulators, each its own OS process on ports picked at run time.
//
// The Temporal server runs the configuration compose mounts
// (temporal/rcmbot.yaml, next to this file); the schema and namespace steps
// run the scripts compose runs. Services declares what runs and with which
// settings; the compose file is tested against it. The topology test and
// benchmark (`make topology`) drive faults through the methods here: killing
// and stopping processes, restarting a database or the Temporal server.
package topology

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/devstack"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/pki"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web/auth"
	"github.com/rcmbot/rcmbot/workflows"
)

// Options tune a topology.
type Options struct {
	// Dir keeps everything the topology writes (required; PostgreSQL
	// clusters go under the system's temporary directory, where the
	// postgres user can reach them).
	Dir string
	// DevServer runs `temporal server start-dev` (SQLite, plaintext, no
	// TLS) in place of the Temporal server on PostgreSQL and its schema,
	// namespace and certificates: the baseline the benchmark compares
	// with. Everything else stays the same.
	DevServer bool
	// Replicas overrides Services' replica counts by service name (0
	// leaves a service out).
	Replicas map[string]int
	// ClearinghouseFlags and PayerFlags are added to the simulators'
	// command lines (latency, rate limits, rejections).
	ClearinghouseFlags, PayerFlags []string
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// Timing is how long one part of Start took.
type Timing struct {
	Part     string
	Duration time.Duration
}

// Topology is the deployment, running.
type Topology struct {
	Root string // the repository root
	Dir  string
	Bin  string // the rcmbot binary

	RcmbotPG, TemporalPG *Postgres // TemporalPG is nil with DevServer
	Temporal             *Process  // the Temporal server (or dev server)
	TLSDir               string    // certificates ("" with DevServer)
	TemporalAddress      string

	// Settings holds the value of every setting rcmbot's services get.
	Settings map[string]string
	// Procs are the long-running processes by service name (replicas in
	// order: rcmbot-worker has two).
	Procs map[string][]*Process

	WebURL, PayerURL, ClearinghouseURL, SupplierURL string
	// SMTPSinkURL is the SMTP sink's page (its messages at /api/messages);
	// rcmbot's email goes to the sink's SMTP port, smtpPort.
	SMTPSinkURL string
	smtpPort    int
	// Token is an API token of the user "reviewer" (role reviewer).
	Token string

	// Client is a Temporal client like rcmbot's (codec, client
	// certificate), DB rcmbot's database, for the checks.
	Client client.Client
	DB     *store.DB
	Ring   *keyring.Ring

	Timings []Timing

	opts  Options
	ports ports
}

// TemporalCLIModule, ServerModule and SQLToolModule are the tools the
// topology runs, installed into .tools/bin by the Makefile (pinned).
const (
	ServerModule  = "go.temporal.io/server/cmd/server@v" + TemporalVersion
	SQLToolModule = "go.temporal.io/server/cmd/tools/sql@v" + TemporalVersion
)

// Start brings the topology up, part by part, and records how long each
// took. On error, what was started is stopped again.
func Start(ctx context.Context, o Options) (t *Topology, err error) {
	if o.Dir == "" {
		return nil, errors.New("topology: Options.Dir is required")
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	t = &Topology{Dir: o.Dir, opts: o, Procs: map[string][]*Process{}, Settings: map[string]string{}}
	defer func() {
		if err != nil {
			t.Close()
			t = nil
		}
	}()
	if t.Root, err = repoRoot(); err != nil {
		return t, err
	}
	steps := []struct {
		part string
		run  func(context.Context) error
	}{
		{"build rcmbot", t.build},
		{"certificates (rcmbot keys tls)", t.certificates},
		{"PostgreSQL clusters", t.postgres},
		{"Temporal schema (temporal-sql-tool)", t.schema},
		{"Temporal server", t.startTemporal},
		{"Temporal namespace", t.namespace},
		{"rcmbot setup", t.setup},
		{"simulators", t.simulators},
		{"workers and web", t.rcmbot},
		{"health check", t.healthCheck},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return t, fmt.Errorf("topology: %s: %w", s.part, err)
		}
		d := time.Since(start)
		t.Timings = append(t.Timings, Timing{s.part, d})
		o.Logf("topology: %s: %s", s.part, d.Round(10*time.Millisecond))
	}
	return t, nil
}

// Close stops every process and database and removes the clusters.
func (t *Topology) Close() error {
	var errs []error
	for _, name := range []string{ServiceWeb, ServiceWorkerClaims, ServiceWorker, "payer-sim", "clearinghouse-sim", "supplier-sim", "smtp-sink"} {
		for _, p := range t.Procs[name] {
			if err := p.Stop(40 * time.Second); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if t.Client != nil {
		t.Client.Close()
	}
	if t.DB != nil {
		t.DB.Close()
	}
	if t.Temporal != nil {
		if err := t.Temporal.Stop(30 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	for _, pg := range []*Postgres{t.RcmbotPG, t.TemporalPG} {
		if pg != nil {
			if err := pg.remove(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// repoRoot finds the repository: the directory holding go.mod, from the
// working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// tool returns a pinned tool in .tools/bin, or says how to install it.
func (t *Topology) tool(name, module string) (string, error) {
	p := filepath.Join(t.Root, devstack.ToolsDir, name)
	if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is missing: `make topology` installs it (GOBIN=.tools/bin go install %s)", p, module)
	}
	return p, nil
}

func (t *Topology) build(ctx context.Context) error {
	t.Bin = filepath.Join(t.Dir, "rcmbot")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", t.Bin, "./cmd/rcmbot")
	cmd.Dir = t.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// rcmbotCmd runs a one-shot rcmbot command with svc's settings and
// returns its standard output.
func (t *Topology) rcmbotCmd(ctx context.Context, svc string, args ...string) (string, error) {
	return t.rcmbotInput(ctx, svc, "", args...)
}

// rcmbotInput is rcmbotCmd with stdin as the command's standard input.
func (t *Topology) rcmbotInput(ctx context.Context, svc, stdin string, args ...string) (string, error) {
	env, err := t.envFor(svc)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, t.Bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("rcmbot %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String(), 20))
	}
	return stdout.String(), nil
}

// RcmbotAs runs an rcmbot command with the settings of service svc (the
// web server's, say) and returns its standard output.
func (t *Topology) RcmbotAs(ctx context.Context, svc string, args ...string) (string, error) {
	return t.rcmbotCmd(ctx, svc, args...)
}

// Rcmbot runs an rcmbot command as an operator would on the topology
// (with rcmbot-setup's settings: database, key ring, Temporal with the
// client certificate) and returns its standard output.
func (t *Topology) Rcmbot(ctx context.Context, args ...string) (string, error) {
	return t.rcmbotCmd(ctx, "rcmbot-setup", args...)
}

func (t *Topology) certificates(ctx context.Context) error {
	if t.opts.DevServer {
		return nil
	}
	t.TLSDir = filepath.Join(t.Dir, "tls")
	svc, _ := ServiceNamed("temporal-tls")
	env, err := serviceEnv(svc, map[string]string{"RCMBOT_LOG_FORMAT": "json"})
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, t.Bin, append(svc.Command, "--out", t.TLSDir)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("rcmbot keys tls: %v\n%s", err, out)
	}
	return nil
}

func (t *Topology) postgres(context.Context) error {
	_, major, err := postgresBin()
	if err != nil {
		return err
	}
	if major != PostgresMajor {
		return fmt.Errorf("the PostgreSQL Debian installed is %d but docker-compose.yml runs postgres:%d: change PostgresMajor and the compose images together", major, PostgresMajor)
	}
	clusters := []struct {
		pg   **Postgres
		name string
		dbs  []string
	}{{&t.RcmbotPG, "postgresql", []string{"rcmbot"}}}
	if !t.opts.DevServer {
		// Databases temporal and temporal_visibility: the schema step creates them.
		clusters = append(clusters, struct {
			pg   **Postgres
			name string
			dbs  []string
		}{&t.TemporalPG, "temporal-postgresql", nil})
	}
	for _, c := range clusters {
		port, err := t.ports.next()
		if err != nil {
			return err
		}
		pg, err := newPostgres(c.name, os.TempDir(), port)
		if err != nil {
			return err
		}
		*c.pg = pg
		if err := pg.Start(); err != nil {
			return err
		}
		for _, db := range c.dbs {
			if err := pg.CreateDB(db); err != nil {
				return err
			}
		}
	}
	return nil
}

// temporalConfigDir holds the server configuration and scripts compose uses.
func (t *Topology) temporalConfigDir() string {
	return filepath.Join(t.Root, "internal", "topology", "temporal")
}

func (t *Topology) schema(ctx context.Context) error {
	if t.opts.DevServer {
		return nil
	}
	sqlTool, err := t.tool("sql", SQLToolModule)
	if err != nil {
		return err
	}
	if err := checkVersion(ctx, sqlTool); err != nil {
		return err
	}
	dir, err := serverModuleDir(ctx)
	if err != nil {
		return err
	}
	return t.runScript(ctx, "temporal-schema", map[string]string{
		"SQL_HOST": "127.0.0.1", "SQL_PORT": strconv.Itoa(t.TemporalPG.Port), "SQL_USER": "postgres", "SQL_PASSWORD": "",
		"SQL_TOOL": sqlTool, "SCHEMA_DIR": filepath.Join(dir, "schema", "postgresql", "v12")})
}

// runScript runs an admin-tools service's script of temporal/ with the
// service's environment.
func (t *Topology) runScript(ctx context.Context, service string, values map[string]string) error {
	svc, _ := ServiceNamed(service)
	env, err := serviceEnv(svc, values)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "sh", filepath.Join(t.temporalConfigDir(), svc.Script))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", svc.Script, err, tail(string(out), 20))
	}
	return nil
}

// checkVersion makes sure a cached tool is of TemporalVersion.
func checkVersion(ctx context.Context, tool string) error {
	out, err := exec.CommandContext(ctx, tool, "--version").Output()
	if err != nil || !strings.Contains(string(out), TemporalVersion) {
		return fmt.Errorf("%s is not of Temporal %s (%q): delete it and run `make topology`", tool, TemporalVersion, strings.TrimSpace(string(out)))
	}
	return nil
}

// serverModuleDir is the Temporal server module's directory in the module
// cache (its schema files), downloaded if needed.
func serverModuleDir(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", "go.temporal.io/server@v"+TemporalVersion)
	cmd.Dir = os.TempDir() // outside rcmbot's module: go.mod and go.sum stay as they are
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download go.temporal.io/server@v%s: %w", TemporalVersion, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download: no module directory in %s", out)
	}
	return m.Dir, nil
}

func (t *Topology) startTemporal(ctx context.Context) error {
	if t.opts.DevServer {
		return t.startDevServer(ctx)
	}
	server, err := t.tool("server", ServerModule)
	if err != nil {
		return err
	}
	if err := checkVersion(ctx, server); err != nil {
		return err
	}
	values := map[string]string{"POSTGRES_SEEDS": "127.0.0.1", "DB_PORT": strconv.Itoa(t.TemporalPG.Port), "POSTGRES_USER": "postgres",
		"POSTGRES_PWD": "", "TEMPORAL_TLS_DIR": t.TLSDir, "FRONTEND_BIND_ON_IP": "127.0.0.1",
		"DYNAMIC_CONFIG_FILE_PATH": filepath.Join(t.temporalConfigDir(), "dynamicconfig.yaml")}
	for _, name := range temporalPorts {
		p, err := t.ports.next()
		if err != nil {
			return err
		}
		values[name] = strconv.Itoa(p)
	}
	svc, _ := ServiceNamed("temporal")
	env, err := serviceEnv(svc, values)
	if err != nil {
		return err
	}
	frontend := values["FRONTEND_GRPC_PORT"]
	t.TemporalAddress = "127.0.0.1:" + frontend
	t.Temporal = &Process{Name: "temporal", Log: filepath.Join(t.Dir, "temporal.log"), env: env,
		args: []string{server, "--root", filepath.Dir(t.temporalConfigDir()), "--config", "temporal", "--env", "rcmbot", "start"}}
	return t.StartTemporal(ctx)
}

// StartTemporal starts the Temporal server (again, after StopTemporal)
// and waits until its frontend answers a client with a certificate.
func (t *Topology) StartTemporal(ctx context.Context) error {
	if err := t.Temporal.Start(); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c, err := temporalx.WaitReady(wctx, t.dialOptions(nil, "temporal-admin"), nil)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tailFile(t.Temporal.Log, 20))
	}
	c.Close()
	return nil
}

// StopTemporal stops the Temporal server (SIGTERM) and waits for it.
func (t *Topology) StopTemporal() error { return t.Temporal.Stop(30 * time.Second) }

func (t *Topology) startDevServer(ctx context.Context) error {
	cli := devstack.FindTemporalCLI()
	if cli == "" {
		return errors.New("the Temporal CLI is missing: `make tools` installs it")
	}
	port, err := t.ports.next()
	if err != nil {
		return err
	}
	ui, err := t.ports.next()
	if err != nil {
		return err
	}
	t.TemporalAddress = "127.0.0.1:" + strconv.Itoa(port)
	args, err := devstack.DevServerOptions{CLI: cli, Address: t.TemporalAddress, UIPort: ui, Namespace: "default",
		DBFile: filepath.Join(t.Dir, "temporal.db"), ExtraArgs: []string{"--log-level", "error"}}.Args()
	if err != nil {
		return err
	}
	t.Temporal = &Process{Name: "temporal-dev", Log: filepath.Join(t.Dir, "temporal.log"), env: minimalEnv(), args: append([]string{cli}, args...)}
	return t.StartTemporal(ctx)
}

// dialOptions are how the topology's own checks reach Temporal: with the
// named client certificate (none with the dev server) and, with ring,
// rcmbot's codec.
func (t *Topology) dialOptions(ring *keyring.Ring, clientName string) temporalx.DialOptions {
	o := temporalx.DialOptions{Address: t.TemporalAddress, Namespace: "default"}
	if t.TLSDir != "" && clientName != "" {
		cert, key := pki.ClientFiles(clientName)
		o.TLS = temporalx.TLSFiles{CertFile: filepath.Join(t.TLSDir, cert), KeyFile: filepath.Join(t.TLSDir, key),
			CAFile: filepath.Join(t.TLSDir, pki.CAFile), ServerName: "temporal"}
	}
	if ring != nil {
		var co client.Options
		codec.ConfigureClient(&co, ring, codec.RefusePlaintext)
		o.DataConverter, o.FailureConverter = co.DataConverter, co.FailureConverter
	}
	return o
}

func (t *Topology) namespace(ctx context.Context) error {
	if t.opts.DevServer {
		return nil // start-dev registers it
	}
	cli := devstack.FindTemporalCLI()
	if cli == "" {
		return errors.New("the Temporal CLI is missing: `make tools` installs it")
	}
	cert, key := pki.ClientFiles("temporal-admin")
	return t.runScript(ctx, "temporal-namespace", map[string]string{"TEMPORAL_CLI": cli, "TEMPORAL_ADDRESS": t.TemporalAddress,
		"TEMPORAL_NAMESPACE": "default", "TEMPORAL_TLS_CLIENT_CERT_PATH": filepath.Join(t.TLSDir, cert),
		"TEMPORAL_TLS_CLIENT_KEY_PATH": filepath.Join(t.TLSDir, key), "TEMPORAL_TLS_SERVER_CA_CERT_PATH": filepath.Join(t.TLSDir, pki.CAFile),
		"TEMPORAL_TLS_SERVER_NAME": "temporal"})
}

// setup fills the settings and runs `rcmbot setup`.
func (t *Topology) setup(ctx context.Context) error {
	ringOut, err := exec.CommandContext(ctx, t.Bin, "keys", "new", "--ring").Output()
	if err != nil {
		return fmt.Errorf("rcmbot keys new: %w", err)
	}
	ports := map[string]int{}
	for _, name := range []string{"web", "clearinghouse", "payer", "supplier", "smtp", "smtp-page"} {
		if ports[name], err = t.ports.next(); err != nil {
			return err
		}
	}
	t.WebURL = fmt.Sprintf("http://127.0.0.1:%d", ports["web"])
	t.ClearinghouseURL = fmt.Sprintf("http://127.0.0.1:%d", ports["clearinghouse"])
	t.PayerURL = fmt.Sprintf("http://127.0.0.1:%d", ports["payer"])
	t.SupplierURL = fmt.Sprintf("http://127.0.0.1:%d", ports["supplier"])
	t.SMTPSinkURL, t.smtpPort = fmt.Sprintf("http://127.0.0.1:%d", ports["smtp-page"]), ports["smtp"]
	s := t.Settings
	s["RCMBOT_DB_URL"] = t.RcmbotPG.URL("rcmbot")
	s["RCMBOT_DATA_DIR"] = filepath.Join(t.Dir, "data") // compose: the shared rcmbot-data volume
	s["RCMBOT_KEYS"] = strings.TrimSpace(string(ringOut))
	s["RCMBOT_TIMEZONE"] = "America/New_York"
	s["RCMBOT_LOG_FORMAT"] = "json"
	s["TEMPORAL_ADDRESS"] = t.TemporalAddress
	s["TEMPORAL_NAMESPACE"] = "default"
	s["TEMPORAL_UI_URL"] = "http://localhost:8233"
	for _, k := range []string{"TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME"} {
		s[k] = "" // plaintext to the dev server
	}
	if t.TLSDir != "" {
		cert, key := pki.ClientFiles("rcmbot")
		s["TEMPORAL_TLS_CLIENT_CERT_PATH"] = filepath.Join(t.TLSDir, cert)
		s["TEMPORAL_TLS_CLIENT_KEY_PATH"] = filepath.Join(t.TLSDir, key)
		s["TEMPORAL_TLS_SERVER_CA_CERT_PATH"] = filepath.Join(t.TLSDir, pki.CAFile)
		s["TEMPORAL_TLS_SERVER_NAME"] = "temporal"
	}
	s["RCMBOT_PUBLIC_URL"] = t.WebURL
	s["RCMBOT_CLEARINGHOUSE_URL"] = t.ClearinghouseURL
	s["RCMBOT_ELIGIBILITY_URL"] = t.PayerURL
	s["RCMBOT_SUPPLIER_URL"] = t.SupplierURL
	// Mail goes to the SMTP sink, in plain text on the loopback.
	s["RCMBOT_SMTP_HOST"], s["RCMBOT_SMTP_PORT"], s["RCMBOT_SMTP_TLS"] = "127.0.0.1", strconv.Itoa(t.smtpPort), "none"
	s["RCMBOT_SMTP_FROM"], s["RCMBOT_PURCHASING_EMAIL"] = "rcmbot@clinic.example", "purchasing@clinic.example"
	s["RCMBOT_AUDIT_NOTIFY"] = "privacy@clinic.example"
	s["RCMBOT_SUBMITTER_ID"] = "RCMBOT"
	s["RCMBOT_RECEIVER_ID"] = "CLEARINGHOUSE"
	s["RCMBOT_X12_USAGE"] = "P"
	s["GOMEMLIMIT"] = "200MiB"
	s["RCMBOT_HTTP_ADDR"] = strings.TrimPrefix(t.WebURL, "http://")
	s["RCMBOT_CODEC_ORIGINS"] = "http://localhost:8233"
	// Staff decisions: the web server signs, workers hold the public key.
	if s["RCMBOT_DECISION_KEY"], s["RCMBOT_DECISION_PUBLIC_KEYS"], err = decision.GenerateKey("rcmbot-topology"); err != nil {
		return err
	}
	// The PHI access log's checkpoints: the web server signs them with a
	// key kept outside the database and its data directory (compose: a
	// secret), into a file of their own (compose: a volume of its own).
	if err := t.auditKeys(); err != nil {
		return err
	}
	if t.Ring, err = keyring.Load(s["RCMBOT_KEYS"], ""); err != nil {
		return err
	}
	if _, err := t.rcmbotCmd(ctx, "rcmbot-setup", "setup"); err != nil {
		return err
	}
	if t.DB, err = store.Open(ctx, s["RCMBOT_DB_URL"]); err != nil {
		return err
	}
	t.DB.SetSealer(t.Ring) // the scenarios read claims as the workers wrote them
	t.Client, err = temporalx.Dial(ctx, t.dialOptions(t.Ring, "temporal-admin"))
	return err
}

// auditKeys makes the audit key pair the web server signs the PHI access
// log's checkpoints with, and sets where they and the checkpoints are.
func (t *Topology) auditKeys() error {
	dir := filepath.Join(t.Dir, "audit")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	skey, vkey, err := auditlog.GenerateKey("rcmbot-topology-audit")
	if err != nil {
		return err
	}
	keyFile := filepath.Join(dir, "audit-signing.key")
	if err := os.WriteFile(keyFile, []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	t.Settings["RCMBOT_AUDIT_KEY_FILE"] = keyFile
	t.Settings["RCMBOT_AUDIT_VERIFIER_KEY"] = vkey
	t.Settings["RCMBOT_AUDIT_CHECKPOINTS"] = filepath.Join(dir, "checkpoints.log")
	return nil
}

// minimalEnv is what every process gets besides its settings: nothing of
// the test's own environment leaks into the services.
func minimalEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
}

// envFor returns the environment of an rcmbot service, from Settings.
func (t *Topology) envFor(name string) ([]string, error) {
	svc, ok := ServiceNamed(name)
	if !ok {
		return nil, fmt.Errorf("no service %s", name)
	}
	return serviceEnv(svc, t.Settings)
}

// serviceEnv is a service's environment: minimalEnv and exactly the
// variables Services declares for it, valued from values.
func serviceEnv(svc Service, values map[string]string) ([]string, error) {
	env := minimalEnv()
	for _, k := range append(append([]string(nil), svc.Env...), svc.HostEnv...) {
		v, ok := values[k]
		if !ok {
			return nil, fmt.Errorf("service %s: no value for %s", svc.Name, k)
		}
		env = append(env, k+"="+v)
	}
	return env, nil
}

func (t *Topology) simulators(context.Context) error {
	addr := func(url string) []string { return []string{"--addr", strings.TrimPrefix(url, "http://")} }
	for _, sim := range []struct {
		name, url string
		flags     []string
	}{
		// The 277CA is ready at once: batches complete right after submission.
		{"clearinghouse-sim", t.ClearinghouseURL, append(addr(t.ClearinghouseURL), append([]string{"--ack-delay", "1ms"}, t.opts.ClearinghouseFlags...)...)},
		{"payer-sim", t.PayerURL, append(addr(t.PayerURL), t.opts.PayerFlags...)},
		{"supplier-sim", t.SupplierURL, addr(t.SupplierURL)},
		{"smtp-sink", t.SMTPSinkURL, []string{"--smtp-addr", fmt.Sprintf("127.0.0.1:%d", t.smtpPort), "--http-addr", strings.TrimPrefix(t.SMTPSinkURL, "http://")}},
	} {
		svc, _ := ServiceNamed(sim.name)
		args := append(append([]string{t.Bin}, svc.Command...), sim.flags...)
		p := &Process{Name: sim.name, Log: filepath.Join(t.Dir, sim.name+".log"), env: minimalEnv(), args: args}
		if err := p.Start(); err != nil {
			return err
		}
		t.Procs[sim.name] = []*Process{p}
		if err := waitHTTP(sim.url+"/admin/stats", 30*time.Second); err != nil {
			return fmt.Errorf("%s: %w\n%s", sim.name, err, tailFile(p.Log, 10))
		}
	}
	return nil
}

// rcmbot starts the workers and the web app, and waits until every worker
// polls its queues.
func (t *Topology) rcmbot(ctx context.Context) error {
	for _, name := range []string{ServiceWorker, ServiceWorkerClaims, ServiceWeb} {
		svc, _ := ServiceNamed(name)
		n := svc.Replicas
		if r, ok := t.opts.Replicas[name]; ok {
			n = r
		}
		for i := range n {
			if _, err := t.AddProcess(name, fmt.Sprintf("%s-%d", name, i+1)); err != nil {
				return err
			}
		}
	}
	for _, svc := range []string{ServiceWorker, ServiceWorkerClaims} {
		for _, p := range t.Procs[svc] {
			if err := t.WaitPolling(ctx, p); err != nil {
				return err
			}
		}
	}
	if len(t.Procs[ServiceWeb]) > 0 {
		if err := waitHTTP(t.WebURL+"/healthz", time.Minute); err != nil {
			return fmt.Errorf("rcmbot web: %w\n%s", err, tailFile(t.Procs[ServiceWeb][0].Log, 20))
		}
	}
	return nil
}

// AddProcess starts one more process of an rcmbot service (a worker
// replica, say) with the service's command and settings.
func (t *Topology) AddProcess(service, name string) (*Process, error) {
	svc, ok := ServiceNamed(service)
	if !ok {
		return nil, fmt.Errorf("no service %s", service)
	}
	env, err := t.envFor(service)
	if err != nil {
		return nil, err
	}
	p := &Process{Name: name, Log: filepath.Join(t.Dir, name+".log"), env: env, args: append([]string{t.Bin}, svc.Command...)}
	if err := p.Start(); err != nil {
		return nil, err
	}
	t.Procs[service] = append(t.Procs[service], p)
	return p, nil
}

// queues returns the task queues a worker process serves (its --queues).
func (p *Process) queues() []string {
	for i, a := range p.args {
		if a == "--queues" && i+1 < len(p.args) {
			return strings.Split(p.args[i+1], ",")
		}
	}
	return nil
}

// taskQueuePartitions are the names of a task queue's partitions: the
// server splits each queue in four by default (matching.numTaskqueueReadPartitions)
// and DescribeTaskQueue reports the pollers of the one it is asked about.
func taskQueuePartitions(q string) []string {
	return []string{q, "/_sys/" + q + "/1", "/_sys/" + q + "/2", "/_sys/" + q + "/3"}
}

// polls says whether any partition of queue lists a poller of identity
// prefix.
func (t *Topology) polls(ctx context.Context, queue, prefix string) (bool, error) {
	for _, part := range taskQueuePartitions(queue) {
		d, err := t.Client.DescribeTaskQueue(ctx, part, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(d.GetPollers(), func(pi *taskqueuepb.PollerInfo) bool { return strings.HasPrefix(pi.GetIdentity(), prefix) }) {
			return true, nil
		}
	}
	return false, nil
}

// WaitPolling waits until a worker process polls every task queue it
// serves: Temporal lists its identity (the SDK's "PID@host@") among the
// queue's pollers.
func (t *Topology) WaitPolling(ctx context.Context, p *Process) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	prefix := strconv.Itoa(p.Pid()) + "@"
	for _, q := range p.queues() {
		for {
			ok, err := t.polls(ctx, q, prefix)
			if ok {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s does not poll task queue %s: %v\n%s", p.Name, q, err, tailFile(p.Log, 10))
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// Restart starts a stopped or killed process again, as compose's
// `restart: unless-stopped` would, and waits until a worker polls.
func (t *Topology) Restart(ctx context.Context, p *Process) error {
	if p.Running() {
		return nil
	}
	if err := p.Start(); err != nil {
		return err
	}
	return t.WaitPolling(ctx, p)
}

// RemoveProcess stops p (SIGTERM, then kill) and forgets it.
func (t *Topology) RemoveProcess(service string, p *Process) error {
	err := p.Stop(40 * time.Second)
	ps := t.Procs[service]
	for i := range ps {
		if ps[i] == p {
			t.Procs[service] = append(ps[:i:i], ps[i+1:]...)
			break
		}
	}
	return err
}

// UserToken adds an automation account (its password its own, read from
// standard input, so its API token works at once) with role, and returns
// a new API token of it.
func (t *Topology) UserToken(ctx context.Context, username, role string) (string, error) {
	pw, _ := auth.NewToken("")
	if _, err := t.rcmbotInput(ctx, "rcmbot-setup", pw+"\n", "users", "add", username, "--role", role, "--password-stdin"); err != nil {
		return "", err
	}
	out, err := t.Rcmbot(ctx, "users", "token", username, "--name", "topology")
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(out) // the token alone on standard output
	if token == "" || strings.ContainsAny(token, " \n") {
		return "", fmt.Errorf("no token in %q", out)
	}
	return token, nil
}

// healthCheck creates the reviewer user and token, then runs the
// HealthCheck workflow: every queue answers from a worker process.
func (t *Topology) healthCheck(ctx context.Context) error {
	// The scenarios' reviewer is an automation account: its password is
	// its own (read from standard input), so rcmbot does not hold its API
	// token back until a first sign-in changes it.
	var err error
	if t.Token, err = t.UserToken(ctx, "reviewer", "reviewer"); err != nil {
		return err
	}
	if len(t.Procs[ServiceWorker]) == 0 {
		return nil
	}
	hctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	run, err := t.Client.ExecuteWorkflow(hctx, client.StartWorkflowOptions{ID: "topology-healthcheck-" + opaqueid.New(""), TaskQueue: claimsbot.TaskQueue},
		workflows.HealthCheck, workflows.HealthCheckInput{Queues: bots.Queues()})
	if err != nil {
		return err
	}
	return run.Get(hctx, nil)
}

// WorkerByIdentity returns the worker process whose Temporal identity (the
// SDK's default, "PID@host@") is identity.
func (t *Topology) WorkerByIdentity(identity string) (*Process, string, bool) {
	pid, _, _ := strings.Cut(identity, "@")
	for _, svc := range []string{ServiceWorker, ServiceWorkerClaims} {
		for _, p := range t.Procs[svc] {
			if strconv.Itoa(p.Pid()) == pid {
				return p, svc, true
			}
		}
	}
	return nil, "", false
}

// RestartRcmbotDB stops rcmbot's PostgreSQL (fast: connections cut), runs
// during while it is down, then starts it again.
func (t *Topology) RestartRcmbotDB(during func()) error {
	if err := t.RcmbotPG.Stop(); err != nil {
		return err
	}
	during()
	return t.RcmbotPG.Start()
}

// Signal sends sig to every process of a service.
func (t *Topology) Signal(service string, sig syscall.Signal) error {
	var errs []error
	for _, p := range t.Procs[service] {
		errs = append(errs, p.Signal(sig))
	}
	return errors.Join(errs...)
}

// waitHTTP polls url until it answers 200.
func waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %s: %v", url, timeout, last)
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

func tailFile(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return tail(string(b), lines)
}
