//go:build topology

package topology_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/pki"
	"github.com/rcmbot/rcmbot/internal/temporalx"

	"github.com/rcmbot/rcmbot/internal/topology"
)

// start brings a topology up for the test and down after it; its
// directory (logs, data) is kept under test-artifacts/topology when the
// test fails.
func start(t testing.TB, o topology.Options) *topology.Topology {
	t.Helper()
	dir, err := os.MkdirTemp("", "rcmbot-topology-")
	if err != nil {
		t.Fatal(err)
	}
	o.Dir, o.Logf = dir, t.Logf
	top, err := topology.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := top.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			keep := filepath.Join(top.Root, "test-artifacts", "topology", filepath.Base(dir))
			if err := os.MkdirAll(filepath.Dir(keep), 0o755); err == nil && os.Rename(dir, keep) == nil {
				t.Logf("logs and data kept in %s", keep)
				return
			}
		}
		os.RemoveAll(dir)
	})
	return top
}

// topologyOptions are the simulators' settings for the scenarios: the
// payer allows 50 requests/s per payer, like the starter payers.yaml;
// timeouts hold a request past the client's patience (payers) or answer 504
// after 5 s (the clearinghouse, whose client waits a minute).
var topologyOptions = topology.Options{
	PayerFlags:         []string{"--rate", "50", "--latency-min", "20ms", "--latency-max", "200ms", "--per-profile", "4", "--hang", "25s"},
	ClearinghouseFlags: []string{"--hang", "5s"},
}

// TestTopology runs the scenarios of issue 17 in order on one topology;
// each leaves it as it found it (every process up, simulators reset).
func TestTopology(t *testing.T) {
	top := start(t, topologyOptions)
	for _, p := range top.Timings {
		t.Logf("start-up: %-40s %s", p.Part, p.Duration.Round(10*time.Millisecond))
	}
	for _, sc := range scenarios {
		if !t.Run(sc.name, func(t *testing.T) {
			if err := top.ResetSimulators(context.Background()); err != nil {
				t.Fatal(err)
			}
			sc.run(t, top)
		}) && sc.fatal {
			t.Fatalf("scenario %s left the topology unusable", sc.name)
		}
	}
}

// scenarios are issue 17's, in the order they run.
var scenarios = []struct {
	name string
	run  func(*testing.T, *topology.Topology)
	// fatal: a failure may leave processes down, so later scenarios
	// would fail for the wrong reason.
	fatal bool
}{
	{"mtls", scenarioMutualTLS, false},
	{"1-concurrent-uploads", scenarioConcurrentUploads, false},
	{"2-kill-workers", scenarioKillWorkers, true},
	{"3-temporal-outage", scenarioTemporalOutage, true},
	{"4-database-restart", scenarioDatabaseRestart, true},
	{"5-simulator-faults", scenarioSimulatorFaults, false},
	{"6-schedules", scenarioSchedules, false},
	{"7-bot-flows", scenarioBotFlows, false},
	{"access-log-sealed", scenarioAccessLogSealed, false},
	{"graceful-shutdown", scenarioGracefulShutdown, true},
}

// scenarioConcurrentUploads: 20 uploads of 500 claims at once through the
// REST API, reviews through the API, all batches complete, every claim
// reaches the clearinghouse exactly once.
func scenarioConcurrentUploads(t *testing.T, top *topology.Topology) {
	const uploads, claims = 20, 500
	dir := t.TempDir()
	var files []string
	for i := range uploads {
		files = append(files, claimsFile(t, dir, fmt.Sprintf("S1B%02d", i), claims, uint64(100+i)))
	}
	start := time.Now()
	st := exactlyOnce(t, top, submitAll(t, top, files)...)
	t.Logf("%d batches of %d claims: %d claims sent in %d interchanges in %s", uploads, claims, st.Claims, st.Submissions, time.Since(start).Round(time.Second))
}

// scenarioMutualTLS: the frontend refuses clients without a certificate
// from rcmbot's CA, and plaintext ones; rcmbot's own processes got in.
func scenarioMutualTLS(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	other := t.TempDir()
	if _, err := pki.WriteDir(other, pki.DirOptions{Hosts: []string{"temporal"}, Clients: []string{"intruder"}, ValidFor: time.Hour, Group: -1}); err != nil {
		t.Fatal(err)
	}
	cert, key := pki.ClientFiles("intruder")
	ca := filepath.Join(top.TLSDir, pki.CAFile)
	for name, files := range map[string]temporalx.TLSFiles{
		"plaintext":         {},
		"no certificate":    {CAFile: ca, ServerName: "temporal"},
		"another CA's cert": {CertFile: filepath.Join(other, cert), KeyFile: filepath.Join(other, key), CAFile: ca, ServerName: "temporal"},
	} {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := temporalx.Dial(dctx, temporalx.DialOptions{Address: top.TemporalAddress, Namespace: "default", TLS: files})
		if err == nil {
			_, err = c.CheckHealth(dctx, &client.CheckHealthRequest{})
			c.Close()
		}
		cancel()
		if err == nil {
			t.Errorf("%s: the Temporal frontend let the client in", name)
		}
	}
	if _, err := top.Client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Errorf("with rcmbot's CA and a client certificate: %v", err)
	}
}

// scenarioAccessLogSealed: after every scenario above (workers killed, the
// servers and the database restarted), the PHI access log the web server
// wrote verifies against the checkpoints it signed outside the database
// (issue 14), as an auditor checks it with `rcmbot audit verify`.
func scenarioAccessLogSealed(t *testing.T, top *topology.Topology) {
	out, err := top.RcmbotAs(context.Background(), topology.ServiceWeb, "audit", "verify")
	if err != nil {
		t.Fatalf("rcmbot audit verify: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tree of (\d+) records`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Fatalf("rcmbot audit verify checked no access-log entries:\n%s", out)
	}
	t.Logf("access log verified against its signed checkpoints: %s records", m[1])
}
