package topology

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rcmbot/rcmbot/internal/bots"
)

// composeService is the part of a docker-compose.yml service the test reads.
type composeService struct {
	Image       string         `yaml:"image"`
	Build       any            `yaml:"build"`
	Command     []string       `yaml:"command"`
	Entrypoint  []string       `yaml:"entrypoint"`
	Environment map[string]any `yaml:"environment"`
	Ports       []string       `yaml:"ports"`
	Volumes     []string       `yaml:"volumes"`
	GroupAdd    []string       `yaml:"group_add"`
	Deploy      struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
}

func readCompose(t *testing.T) map[string]composeService {
	t.Helper()
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return cf.Services
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// flagValue returns the value of --name in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// TestComposeMatchesTopology keeps docker-compose.yml and the topology
// (Services, which the topology test runs) in step: the same services and
// images, the same rcmbot commands and scripts with the same environment
// variables, the Temporal server on the configuration file the topology
// runs, mutual TLS for everything that talks to Temporal, and nothing
// published on a public interface.
func TestComposeMatchesTopology(t *testing.T) {
	compose := readCompose(t)
	var names []string
	for _, s := range Services {
		names = append(names, s.Name)
	}
	var got []string
	for k := range compose {
		got = append(got, k)
	}
	if got = sorted(got); !slices.Equal(got, sorted(names)) {
		t.Fatalf("docker-compose.yml has services %v, the topology %v", got, sorted(names))
	}
	tlsGroup := flagValue(compose["temporal-tls"].Command, "--group")
	clients := strings.Split(flagValue(compose["temporal-tls"].Command, "--clients"), ",")
	for _, svc := range Services {
		c := compose[svc.Name]
		switch {
		case svc.Image != "" && c.Image != svc.Image:
			t.Errorf("%s: compose runs image %s, the topology stands in for %s", svc.Name, c.Image, svc.Image)
		case svc.Image == "" && c.Image != "rcmbot:latest":
			t.Errorf("%s: compose runs image %s, want rcmbot:latest (the Dockerfile's)", svc.Name, c.Image)
		}
		if svc.Command != nil {
			if !slices.Equal(c.Command[:min(len(svc.Command), len(c.Command))], svc.Command) {
				t.Errorf("%s: compose runs rcmbot %v, the topology rcmbot %v", svc.Name, c.Command, svc.Command)
			}
			rest := c.Command[min(len(svc.Command), len(c.Command)):]
			for i := 0; i < len(rest); i += 2 {
				if !slices.Contains(svc.HostFlags, rest[i]) || i+1 >= len(rest) {
					t.Errorf("%s: compose adds %v to the command; only %v (with values) may differ", svc.Name, rest, svc.HostFlags)
					break
				}
			}
		}
		if svc.Script != "" {
			want := []string{"/bin/sh", "/etc/temporal/rcmbot/" + svc.Script}
			if !slices.Equal(c.Entrypoint, want) || !slices.Contains(c.Volumes, "./internal/topology/temporal:/etc/temporal/rcmbot:ro") {
				t.Errorf("%s: compose must run %v from ./internal/topology/temporal mounted at /etc/temporal/rcmbot (entrypoint %v, volumes %v)",
					svc.Name, want, c.Entrypoint, c.Volumes)
			}
			if _, err := os.Stat(filepath.Join("temporal", svc.Script)); err != nil {
				t.Error(err)
			}
		}
		if svc.Env != nil && !slices.Equal(keys(c.Environment), sorted(svc.Env)) {
			t.Errorf("%s: compose sets %v, the topology %v", svc.Name, keys(c.Environment), sorted(svc.Env))
		}
		if svc.Replicas > 1 && c.Deploy.Replicas != svc.Replicas {
			t.Errorf("%s: compose runs %d replicas, the topology %d", svc.Name, c.Deploy.Replicas, svc.Replicas)
		}
		for _, p := range c.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") || strings.HasSuffix(p, ":7233") {
				t.Errorf("%s publishes %s: only loopback ports for the HTTPS proxy, never the Temporal frontend", svc.Name, p)
			}
		}
		// Everything that talks to Temporal presents a certificate of
		// temporal-tls's CA and can read it.
		_, talks := c.Environment["TEMPORAL_ADDRESS"]
		if talks || svc.Name == "temporal" {
			if !slices.Contains(c.Volumes, "temporal-tls:/etc/rcmbot/tls:ro") || !slices.Contains(c.GroupAdd, tlsGroup) {
				t.Errorf("%s talks to Temporal without the temporal-tls volume (read-only) and group %s", svc.Name, tlsGroup)
			}
		}
		for k, v := range c.Environment {
			s, _ := v.(string)
			if strings.HasPrefix(s, "/etc/rcmbot/tls/") && strings.HasSuffix(s, ".pem") {
				name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(s), ".pem"), "-key")
				if name != "ca" && !slices.Contains(clients, name) {
					t.Errorf("%s: %s=%s, a certificate temporal-tls does not make (--clients %v)", svc.Name, k, s, clients)
				}
			}
		}
	}
	// A new bot's queue is served by the all-queue workers of both.
	if got := flagValue(compose[ServiceWorker].Command, "--queues"); got != strings.Join(bots.Queues(), ",") {
		t.Errorf("%s serves --queues %s; every bot's queue is %s", ServiceWorker, got, strings.Join(bots.Queues(), ","))
	}
	if ui := compose["temporal-ui"]; ui.Environment["TEMPORAL_AUTH_ENABLED"] != "true" {
		t.Error("temporal-ui: sign-in (TEMPORAL_AUTH_ENABLED) is off")
	}
	if compose["temporal"].Environment["TEMPORAL_TLS_DIR"] != "/etc/rcmbot/tls" {
		t.Error("temporal: TEMPORAL_TLS_DIR is not where the temporal-tls volume is mounted")
	}
}

// TestComposeRunsTheTopologysServerConfig checks that compose's Temporal
// server reads temporal/rcmbot.yaml, the file the topology runs, and that
// every variable the file needs is set by both.
func TestComposeRunsTheTopologysServerConfig(t *testing.T) {
	c := readCompose(t)["temporal"]
	if !slices.Contains(c.Volumes, "./internal/topology/temporal:/etc/temporal/config:ro") ||
		!slices.Equal(c.Command, []string{"--root", "/etc/temporal", "--config", "config", "--env", "rcmbot", "start"}) {
		t.Errorf("temporal: compose must mount ./internal/topology/temporal at /etc/temporal/config and run --env rcmbot (volumes %v, command %v)", c.Volumes, c.Command)
	}
	raw, err := os.ReadFile(filepath.Join("temporal", "rcmbot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "# enable-template") {
		t.Error("rcmbot.yaml does not start with # enable-template: the server would not render it")
	}
	svc, _ := ServiceNamed("temporal")
	declared := append(append([]string(nil), svc.Env...), svc.HostEnv...)
	defaulted := map[string]bool{}
	for _, m := range regexp.MustCompile(`default "[^"]*" \(env "([A-Z0-9_]+)"\)`).FindAllStringSubmatch(string(raw), -1) {
		defaulted[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`env "([A-Z0-9_]+)"`).FindAllStringSubmatch(string(raw), -1) {
		name := m[1]
		if !defaulted[name] && !slices.Contains(svc.Env, name) {
			t.Errorf("rcmbot.yaml needs %s, which compose and the topology do not both set", name)
		}
		if !defaulted[name] && !slices.Contains(declared, name) {
			t.Errorf("rcmbot.yaml needs %s, which the topology does not set", name)
		}
	}
	for _, name := range svc.HostEnv {
		if !strings.Contains(string(raw), `env "`+name+`"`) {
			t.Errorf("the topology sets %s, which rcmbot.yaml does not read", name)
		}
	}
}

// TestReadmeDescribesTheDeployment keeps the README's "Production
// deployment" section in step with compose: its services table names
// exactly compose's services, and it gives the versions compose runs.
func TestReadmeDescribesTheDeployment(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, deploy, ok := strings.Cut(string(readme), "## Production deployment")
	if !ok {
		t.Fatal("README.md has no Production deployment section")
	}
	if i := strings.Index(deploy, "\n## "); i >= 0 {
		deploy = deploy[:i]
	}
	var named []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(deploy, -1) {
		named = append(named, m[1])
	}
	var want []string
	for name := range readCompose(t) {
		want = append(want, name)
	}
	if !slices.Equal(sorted(named), sorted(want)) {
		t.Errorf("README deployment table names %v, docker-compose.yml has %v", sorted(named), sorted(want))
	}
	for _, s := range []string{"Temporal server " + TemporalVersion, "PostgreSQL 15", "temporalio/ui:2.44.1", "make topology"} {
		if !strings.Contains(deploy, s) {
			t.Errorf("README deployment section does not say %q", s)
		}
	}
}

// TestMakefilePinsTheTopologysTools checks that `make topology` installs
// the Temporal release the topology and compose run.
func TestMakefilePinsTheTopologysTools(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{ServerModule, SQLToolModule} {
		if !strings.Contains(string(mk), m) {
			t.Errorf("the Makefile does not install %s", m)
		}
	}
}

// TestComposeFileIsValid runs Debian's docker-compose over the file (there
// is no Docker engine: `config -q` only validates), with the secrets it
// requires set to placeholders.
func TestComposeFileIsValid(t *testing.T) {
	dc, err := exec.LookPath("docker-compose")
	if err != nil {
		if os.Getenv("RCMBOT_REQUIRE_INTEGRATION") != "" {
			t.Fatal("docker-compose is not installed (apt-get install docker-compose; .ci/run does)")
		}
		t.Skip("docker-compose is not installed")
	}
	cmd := exec.Command(dc, "-f", "../../docker-compose.yml", "config", "-q")
	cmd.Env = append(os.Environ(), "POSTGRES_PASSWORD=x", "TEMPORAL_POSTGRES_PASSWORD=x", "RCMBOT_KEYS=x", "RCMBOT_DECISION_KEY=x", "RCMBOT_DECISION_PUBLIC_KEYS=x",
		"RCMBOT_AUDIT_KEY_FILE=/run/audit-signing.key", "RCMBOT_AUDIT_VERIFIER_KEY=x",
		"RCMBOT_CLEARINGHOUSE_URL=https://clearinghouse.example", "RCMBOT_ELIGIBILITY_URL=https://payer.example",
		"RCMBOT_SUPPLIER_URL=https://supplier.example", "RCMBOT_SMTP_HOST=mail.example",
		"TEMPORAL_AUTH_PROVIDER_URL=https://login.example", "TEMPORAL_AUTH_CLIENT_ID=x", "TEMPORAL_AUTH_CLIENT_SECRET=x")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose config -q: %v\n%s", err, out)
	}
}
