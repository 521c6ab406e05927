package topology

// TemporalVersion is the Temporal server release rcmbot is deployed on:
// docker-compose.yml's server and admin-tools images carry it, the
// Makefile's `go install` pins build it for the topology.
const TemporalVersion = "1.29.1"

// PostgresMajor is the PostgreSQL major version docker-compose.yml runs;
// the topology checks that Debian's is the same.
const PostgresMajor = 15

// Service is one service of rcmbot's deployment, named as docker-compose.yml
// names it, and how the topology runs it on one machine: the same command
// or script with the same environment variables (values differ: hosts,
// ports, paths). TestComposeMatchesTopology holds compose to it.
type Service struct {
	Name string
	// Image is the image compose runs ("" for rcmbot's, built from the
	// Dockerfile).
	Image string
	// Command is rcmbot's arguments. Compose may add the flags named in
	// HostFlags (paths, groups and names of its containers).
	Command   []string
	HostFlags []string
	// Script is the file of temporal/ an admin-tools service runs.
	Script string
	// Env lists the environment variables both compose and the topology
	// set; HostEnv those only the topology sets (ports picked at run time,
	// tool paths). Nil Env: not compared (PostgreSQL's image settings).
	Env, HostEnv []string
	// Replicas is how many copies the topology runs (compose: --scale).
	Replicas int
	// Topology says how the topology stands it up, or why it does not.
	Topology string
	// NotRun is set for a service the topology leaves out.
	NotRun bool
}

// rcmbotEnv is what every rcmbot service is given (compose's x-rcmbot-env).
var rcmbotEnv = []string{
	"RCMBOT_DB_URL", "RCMBOT_DATA_DIR", "RCMBOT_KEYS", "RCMBOT_TIMEZONE", "RCMBOT_LOG_FORMAT",
	"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_UI_URL",
	"TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME",
	"RCMBOT_PUBLIC_URL", "RCMBOT_CLEARINGHOUSE_URL", "RCMBOT_ELIGIBILITY_URL",
	"RCMBOT_SUBMITTER_ID", "RCMBOT_RECEIVER_ID", "RCMBOT_X12_USAGE",
}

func withEnv(extra ...string) []string { return append(append([]string(nil), rcmbotEnv...), extra...) }

// Names of the services scenarios reach for.
const (
	ServiceWorker       = "rcmbot-worker"
	ServiceWorkerClaims = "rcmbot-worker-claims"
	ServiceWeb          = "rcmbot-web"
)

// temporalPorts are the server's listening ports (rcmbot.yaml): compose
// keeps the defaults, the topology picks free ones.
var temporalPorts = []string{"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT", "HISTORY_GRPC_PORT",
	"HISTORY_MEMBERSHIP_PORT", "MATCHING_GRPC_PORT", "MATCHING_MEMBERSHIP_PORT", "WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT"}

// adminToolsImage runs temporal-sql-tool and the Temporal CLI in compose.
const adminToolsImage = "temporalio/admin-tools:" + TemporalVersion + "-tctl-1.18.4-cli-1.5.0"

// Services is rcmbot's deployment, in start-up order.
var Services = []Service{
	{Name: "postgresql", Image: "postgres:15",
		Topology: "a Debian PostgreSQL cluster (pg_ctl) holding rcmbot's database rcmbot"},
	{Name: "temporal-postgresql", Image: "postgres:15",
		Topology: "a second Debian PostgreSQL cluster holding Temporal's temporal and temporal_visibility"},
	{Name: "temporal-tls", Command: []string{"keys", "tls"}, HostFlags: []string{"--out", "--group", "--hosts", "--clients"}, Env: []string{"RCMBOT_LOG_FORMAT"},
		Topology: "rcmbot keys tls: the CA, the frontend's certificate and the client certificates"},
	{Name: "temporal-schema", Image: adminToolsImage, Script: "schema.sh",
		Env: []string{"SQL_HOST", "SQL_PORT", "SQL_USER", "SQL_PASSWORD"}, HostEnv: []string{"SQL_TOOL", "SCHEMA_DIR"},
		Topology: "temporal/schema.sh with temporal-sql-tool " + TemporalVersion + " (go install)"},
	{Name: "temporal", Image: "temporalio/server:" + TemporalVersion,
		Env:      []string{"POSTGRES_SEEDS", "DB_PORT", "POSTGRES_USER", "POSTGRES_PWD", "TEMPORAL_TLS_DIR"},
		HostEnv:  append([]string{"FRONTEND_BIND_ON_IP", "DYNAMIC_CONFIG_FILE_PATH"}, temporalPorts...),
		Topology: "the Temporal server " + TemporalVersion + " (go install) on temporal/rcmbot.yaml, frontend with mutual TLS"},
	{Name: "temporal-namespace", Image: adminToolsImage, Script: "namespace.sh",
		Env: []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH",
			"TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME"}, HostEnv: []string{"TEMPORAL_CLI"},
		Topology: "temporal/namespace.sh with the pinned Temporal CLI and the temporal-admin certificate"},
	{Name: "temporal-ui", Image: "temporalio/ui:2.44.1", NotRun: true,
		Topology: "not run: the UI ships only as an image (the issue makes it optional)"},
	{Name: "rcmbot-setup", Command: []string{"setup"}, Env: withEnv(),
		Topology: "rcmbot setup, once"},
	{Name: ServiceWorker, Command: []string{"worker", "--queues", "claims,eligibility,inventory,scheduling,audit"}, Env: withEnv("GOMEMLIMIT", "RCMBOT_DECISION_PUBLIC_KEYS", "RCMBOT_SUPPLIER_URL",
		"RCMBOT_SMTP_HOST", "RCMBOT_SMTP_PORT", "RCMBOT_SMTP_TLS", "RCMBOT_SMTP_FROM", "RCMBOT_PURCHASING_EMAIL",
		"RCMBOT_AUDIT_VERIFIER_KEY", "RCMBOT_AUDIT_CHECKPOINTS", "RCMBOT_AUDIT_NOTIFY"), Replicas: 2,
		Topology: "two rcmbot worker processes serving every queue"},
	{Name: ServiceWorkerClaims, Command: []string{"worker", "--queues", "claims"}, Env: withEnv("GOMEMLIMIT", "RCMBOT_DECISION_PUBLIC_KEYS"), Replicas: 1,
		Topology: "a third rcmbot worker serving only claims"},
	{Name: ServiceWeb, Command: []string{"web"}, Env: withEnv("RCMBOT_HTTP_ADDR", "RCMBOT_CODEC_ORIGINS", "RCMBOT_DECISION_KEY",
		"RCMBOT_AUDIT_KEY_FILE", "RCMBOT_AUDIT_VERIFIER_KEY", "RCMBOT_AUDIT_CHECKPOINTS"), Replicas: 1,
		Topology: "rcmbot web"},
}

// Simulators stand in for the outside world in the topology only (a
// deployment points RCMBOT_CLEARINGHOUSE_URL and RCMBOT_ELIGIBILITY_URL at
// the real ones, RCMBOT_SMTP_HOST at the practice's mail relay): they
// are not compose services.
var Simulators = []Service{
	{Name: "clearinghouse-sim", Command: []string{"clearinghouse-sim"}, Replicas: 1, Topology: "rcmbot clearinghouse-sim"},
	{Name: "payer-sim", Command: []string{"payer-sim"}, Replicas: 1, Topology: "rcmbot payer-sim"},
	{Name: "supplier-sim", Command: []string{"supplier-sim"}, Replicas: 1, Topology: "rcmbot supplier-sim"},
	{Name: "smtp-sink", Command: []string{"smtp-sink"}, Replicas: 1, Topology: "rcmbot smtp-sink"},
}

// ServiceNamed returns the declared service called name.
func ServiceNamed(name string) (Service, bool) {
	for _, s := range append(append([]Service(nil), Services...), Simulators...) {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}
