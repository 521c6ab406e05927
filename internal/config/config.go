// Package config is the one place rcmbot's settings are declared: each has
// an environment variable, a command-line flag, a default and a line of
// documentation. Commands bind the settings they use to their flags; `rcmbot
// config` prints them all, and the README's configuration table is
// generated from the same list (see TestREADMEListsEverySetting).
//
// Precedence: flag, then environment, then default.
package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
)

// Config holds every rcmbot setting. Zero values are never used: Load fills
// defaults.
type Config struct {
	DataDir string // RCMBOT_DATA_DIR
	DBURL   string // RCMBOT_DB_URL

	TemporalAddress   string // TEMPORAL_ADDRESS
	TemporalNamespace string // TEMPORAL_NAMESPACE
	TemporalUIURL     string // TEMPORAL_UI_URL

	// Mutual TLS to the Temporal frontend (names shared with the
	// Temporal CLI and SDKs); all empty means plaintext (the dev server).
	TemporalTLSCert       string // TEMPORAL_TLS_CLIENT_CERT_PATH
	TemporalTLSKey        string // TEMPORAL_TLS_CLIENT_KEY_PATH
	TemporalTLSCA         string // TEMPORAL_TLS_SERVER_CA_CERT_PATH
	TemporalTLSServerName string // TEMPORAL_TLS_SERVER_NAME

	HTTPAddr     string // RCMBOT_HTTP_ADDR
	PublicURL    string // RCMBOT_PUBLIC_URL
	RefdataDir   string // RCMBOT_REFDATA_DIR
	TimeZone     string // RCMBOT_TIMEZONE
	LogLevel     string // RCMBOT_LOG_LEVEL
	LogFormat    string // RCMBOT_LOG_FORMAT
	Keys         string // RCMBOT_KEYS
	KeysFile     string // RCMBOT_KEYS_FILE
	CodecOrigins string // RCMBOT_CODEC_ORIGINS
	// CodecAllowPlaintext (RCMBOT_CODEC_ALLOW_PLAINTEXT) lets the codec
	// pass unencrypted payloads: development only.
	CodecAllowPlaintext bool

	DecisionKey            string // RCMBOT_DECISION_KEY
	DecisionKeyFile        string // RCMBOT_DECISION_KEY_FILE
	DecisionPublicKeys     string // RCMBOT_DECISION_PUBLIC_KEYS
	DecisionPublicKeysFile string // RCMBOT_DECISION_PUBLIC_KEYS_FILE
	EligibilityURL         string // RCMBOT_ELIGIBILITY_URL
	ClearingURL            string // RCMBOT_CLEARINGHOUSE_URL
	SupplierURL            string // RCMBOT_SUPPLIER_URL
	SubmitterID            string // RCMBOT_SUBMITTER_ID
	ReceiverID             string // RCMBOT_RECEIVER_ID
	X12Usage               string // RCMBOT_X12_USAGE

	// The PHI access log's signed checkpoints (issue 14).
	AuditKeyFile     string // RCMBOT_AUDIT_KEY_FILE
	AuditVerifierKey string // RCMBOT_AUDIT_VERIFIER_KEY
	AuditCheckpoints string // RCMBOT_AUDIT_CHECKPOINTS

	UploadMaxBytes   int64         // RCMBOT_UPLOAD_MAX_BYTES
	MaxRows          int           // RCMBOT_MAX_ROWS
	MaxUnzippedBytes int64         // RCMBOT_MAX_UNZIPPED_BYTES
	UploadRetention  time.Duration // RCMBOT_UPLOAD_RETENTION
	ReviewReminder   time.Duration // RCMBOT_REVIEW_REMINDER
	ReviewDeadline   time.Duration // RCMBOT_REVIEW_DEADLINE
	SessionIdle      time.Duration // RCMBOT_SESSION_IDLE

	EligibilityCron string // RCMBOT_ELIGIBILITY_CRON
	HighDeductible  int    // RCMBOT_HIGH_DEDUCTIBLE, whole dollars

	InventoryCron   string        // RCMBOT_INVENTORY_CRON
	SchedulingCron  string        // RCMBOT_SCHEDULING_CRON
	ReminderLeads   string        // RCMBOT_REMINDER_LEADS, comma-separated durations (ReminderLeadTimes)
	POApprovalLimit int           // RCMBOT_PO_APPROVAL_LIMIT, whole dollars
	SupplierWait    time.Duration // RCMBOT_SUPPLIER_WAIT
	OutageMail      time.Duration // RCMBOT_SUPPLIER_OUTAGE_MAIL
	PurchasingEmail string        // RCMBOT_PURCHASING_EMAIL
	ProviderNPI     string        // RCMBOT_PROVIDER_NPI
	ProviderName    string        // RCMBOT_PROVIDER_NAME

	// The access-monitoring bot (issue 13).
	AuditCron       string        // RCMBOT_AUDIT_CRON
	AuditVerifyCron string        // RCMBOT_AUDIT_VERIFY_CRON
	AuditNotify     string        // RCMBOT_AUDIT_NOTIFY
	AuditNotifyAt   int           // RCMBOT_AUDIT_NOTIFY_SCORE
	AuditReminder   time.Duration // RCMBOT_AUDIT_REMINDER

	// Email (internal/mail): alerts, reminders and daily checkpoints.
	SMTPHost     string // RCMBOT_SMTP_HOST
	SMTPPort     int    // RCMBOT_SMTP_PORT
	SMTPTLS      string // RCMBOT_SMTP_TLS
	SMTPUsername string // RCMBOT_SMTP_USERNAME
	SMTPPassword string // RCMBOT_SMTP_PASSWORD
	SMTPFrom     string // RCMBOT_SMTP_FROM
	SMTPSinkURL  string // RCMBOT_SMTP_SINK_URL
}

// Setting describes one configuration value.
type Setting struct {
	Env     string // environment variable
	Flag    string // long flag name
	Default string // default, as text; "" = none
	Usage   string // one line
	kind    kind
	ptr     func(*Config) any
}

type kind int

const (
	kindString kind = iota
	kindInt
	kindInt64
	kindDuration
	kindBool
)

// Settings lists every setting, in the order `rcmbot config` prints them.
var Settings = []Setting{
	{"RCMBOT_DATA_DIR", "data-dir", "./var", "directory for the SQLite database, uploads, the dev key ring and the Temporal dev server's database", kindString, func(c *Config) any { return &c.DataDir }},
	{"RCMBOT_DB_URL", "db-url", "sqlite://{data-dir}/rcmbot.db", "rcmbot's database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB?sslmode=...", kindString, func(c *Config) any { return &c.DBURL }},
	{"TEMPORAL_ADDRESS", "temporal-address", "localhost:7233", "Temporal frontend host:port", kindString, func(c *Config) any { return &c.TemporalAddress }},
	{"TEMPORAL_NAMESPACE", "temporal-namespace", "default", "Temporal namespace the bots run in", kindString, func(c *Config) any { return &c.TemporalNamespace }},
	{"TEMPORAL_UI_URL", "temporal-ui-url", "http://localhost:8233", "Temporal Web UI base URL, for links from rcmbot pages", kindString, func(c *Config) any { return &c.TemporalUIURL }},
	{"TEMPORAL_TLS_CLIENT_CERT_PATH", "temporal-tls-cert", "", "client certificate (PEM) presented to a Temporal frontend that requires mutual TLS (`rcmbot keys tls` makes one); with the key, turns TLS on", kindString, func(c *Config) any { return &c.TemporalTLSCert }},
	{"TEMPORAL_TLS_CLIENT_KEY_PATH", "temporal-tls-key", "", "private key (PEM) of the Temporal client certificate", kindString, func(c *Config) any { return &c.TemporalTLSKey }},
	{"TEMPORAL_TLS_SERVER_CA_CERT_PATH", "temporal-tls-ca", "", "CA certificate (PEM) the Temporal frontend's certificate must chain to; empty trusts the system's roots", kindString, func(c *Config) any { return &c.TemporalTLSCA }},
	{"TEMPORAL_TLS_SERVER_NAME", "temporal-tls-server-name", "", "name the Temporal frontend's certificate must carry; empty uses the host of TEMPORAL_ADDRESS", kindString, func(c *Config) any { return &c.TemporalTLSServerName }},
	{"RCMBOT_HTTP_ADDR", "http-addr", ":8080", "address the web app, REST API and codec server listen on", kindString, func(c *Config) any { return &c.HTTPAddr }},
	{"RCMBOT_PUBLIC_URL", "public-url", "http://localhost:8080", "URL staff use to reach the web app (links, cookies' Secure flag when https, codec CORS)", kindString, func(c *Config) any { return &c.PublicURL }},
	{"RCMBOT_REFDATA_DIR", "refdata", "", "reference-data directory (ICD-10-CM, HCPCS, NCCI, MUE, payers.yaml...); missing files fall back to the embedded starter set", kindString, func(c *Config) any { return &c.RefdataDir }},
	{"RCMBOT_TIMEZONE", "timezone", "America/New_York", "the practice's time zone (IANA name): nightly schedules and 'today' for date edits", kindString, func(c *Config) any { return &c.TimeZone }},
	{"RCMBOT_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", kindString, func(c *Config) any { return &c.LogLevel }},
	{"RCMBOT_LOG_FORMAT", "log-format", "text", "text or json", kindString, func(c *Config) any { return &c.LogFormat }},
	{"RCMBOT_KEYS", "keys", "", "payload/at-rest key ring inline: 'active=ID;ID=BASE64KEY;ID2=BASE64KEY' (overrides --keys-file)", kindString, func(c *Config) any { return &c.Keys }},
	{"RCMBOT_KEYS_FILE", "keys-file", "{data-dir}/keys.txt", "file holding the key ring in the RCMBOT_KEYS format, one entry per line; `rcmbot dev` creates one", kindString, func(c *Config) any { return &c.KeysFile }},
	{"RCMBOT_CODEC_ORIGINS", "codec-origins", "{temporal-ui-url}", "comma-separated origins (the Temporal UI) allowed to call the codec server", kindString, func(c *Config) any { return &c.CodecOrigins }},
	{"RCMBOT_CODEC_ALLOW_PLAINTEXT", "codec-allow-plaintext", "false", "development only: accept unencrypted Temporal payloads (hand-written `temporal` CLI input, histories from before encryption); workers otherwise refuse them", kindBool, func(c *Config) any { return &c.CodecAllowPlaintext }},
	{"RCMBOT_DECISION_KEY", "decision-key", "", "private key the web app and CLI sign staff decisions (reviews, approvals) with: `rcmbot keys decision new` (overrides --decision-key-file)", kindString, func(c *Config) any { return &c.DecisionKey }},
	{"RCMBOT_DECISION_KEY_FILE", "decision-key-file", "{data-dir}/decision.key", "file holding the decision signing key; `rcmbot dev` creates one, `rcmbot keys decision rotate` replaces it", kindString, func(c *Config) any { return &c.DecisionKeyFile }},
	{"RCMBOT_DECISION_PUBLIC_KEYS", "decision-public-keys", "", "public keys workers accept staff decisions from, separated by ';' (several while a signing key is rotated; overrides --decision-public-keys-file)", kindString, func(c *Config) any { return &c.DecisionPublicKeys }},
	{"RCMBOT_DECISION_PUBLIC_KEYS_FILE", "decision-public-keys-file", "{data-dir}/decision.pub", "file listing the decision public keys workers accept, one per line; `rcmbot dev` creates one, `rcmbot keys decision rotate` adds to it", kindString, func(c *Config) any { return &c.DecisionPublicKeysFile }},
	{"RCMBOT_AUDIT_KEY_FILE", "audit-key-file", "{data-dir}/audit-signing.key", "file holding the key the web app signs the PHI access log's checkpoints with (`rcmbot audit keygen --out DIR`; `rcmbot dev` creates one); keep it away from the database's owner: with it a rewritten log could be signed", kindString, func(c *Config) any { return &c.AuditKeyFile }},
	{"RCMBOT_AUDIT_VERIFIER_KEY", "audit-verifier-key", "{data-dir}/audit.vkey", "the audit verifier key (name+hash+key) or a file holding it: `rcmbot audit verify` and the access log page check the log against the checkpoints with it", kindString, func(c *Config) any { return &c.AuditVerifierKey }},
	{"RCMBOT_AUDIT_CHECKPOINTS", "audit-checkpoints", "{data-dir}/audit-checkpoints.log", "append-only file the web app writes a signed checkpoint of the PHI access log to after every entry; keep it (and copies of it) outside the database", kindString, func(c *Config) any { return &c.AuditCheckpoints }},
	{"RCMBOT_ELIGIBILITY_URL", "eligibility-url", "http://localhost:9091", "default eligibility API base URL for payers without their own url", kindString, func(c *Config) any { return &c.EligibilityURL }},
	{"RCMBOT_CLEARINGHOUSE_URL", "clearinghouse-url", "http://localhost:9092", "clearinghouse base URL claims are submitted to", kindString, func(c *Config) any { return &c.ClearingURL }},
	{"RCMBOT_SUPPLIER_URL", "supplier-url", "http://localhost:9093", "supplier API base URL purchase orders are placed with", kindString, func(c *Config) any { return &c.SupplierURL }},
	{"RCMBOT_SUBMITTER_ID", "submitter-id", "RCMBOT", "ISA06/GS02 sender ID and 1000A submitter ID on 837P and 270", kindString, func(c *Config) any { return &c.SubmitterID }},
	{"RCMBOT_RECEIVER_ID", "receiver-id", "CLEARINGHOUSE", "ISA08/GS03 receiver ID on 837P", kindString, func(c *Config) any { return &c.ReceiverID }},
	{"RCMBOT_X12_USAGE", "x12-usage", "T", "ISA15 usage indicator: T test, P production", kindString, func(c *Config) any { return &c.X12Usage }},
	{"RCMBOT_UPLOAD_MAX_BYTES", "upload-max-bytes", "52428800", "largest claims file accepted (bytes)", kindInt64, func(c *Config) any { return &c.UploadMaxBytes }},
	{"RCMBOT_MAX_ROWS", "max-rows", "200000", "most data rows read from one claims file", kindInt, func(c *Config) any { return &c.MaxRows }},
	{"RCMBOT_MAX_UNZIPPED_BYTES", "max-unzipped-bytes", "524288000", "largest decompressed size of an xlsx (zip-bomb guard, bytes)", kindInt64, func(c *Config) any { return &c.MaxUnzippedBytes }},
	{"RCMBOT_UPLOAD_RETENTION", "upload-retention", "2160h", "how long uploaded files are kept (encrypted) before they are deleted", kindDuration, func(c *Config) any { return &c.UploadRetention }},
	{"RCMBOT_REVIEW_REMINDER", "review-reminder", "24h", "remind reviewers when flagged claims have waited this long", kindDuration, func(c *Config) any { return &c.ReviewReminder }},
	{"RCMBOT_REVIEW_DEADLINE", "review-deadline", "72h", "claims not reviewed by then stay unsubmitted and the batch completes", kindDuration, func(c *Config) any { return &c.ReviewDeadline }},
	{"RCMBOT_SESSION_IDLE", "session-idle", "30m", "web sessions end after this long without a request", kindDuration, func(c *Config) any { return &c.SessionIdle }},
	{"RCMBOT_ELIGIBILITY_CRON", "eligibility-cron", "0 2 * * 0-4", "when the nightly eligibility sweep runs (cron, practice time zone); each run checks the next business day", kindString, func(c *Config) any { return &c.EligibilityCron }},
	{"RCMBOT_INVENTORY_CRON", "inventory-cron", "30 1 * * *", "when the nightly inventory review runs (cron, practice time zone)", kindString, func(c *Config) any { return &c.InventoryCron }},
	{"RCMBOT_SCHEDULING_CRON", "scheduling-cron", "0 1 * * 0-4", "when the nightly scheduling plan runs (cron, practice time zone): re-plans the coming days before the eligibility sweep", kindString, func(c *Config) any { return &c.SchedulingCron }},
	{"RCMBOT_REMINDER_LEADS", "reminder-leads", "72h,24h", "how long before a booked visit the patient is emailed a reminder with confirm and cancel links (comma-separated durations)", kindString, func(c *Config) any { return &c.ReminderLeads }},
	{"RCMBOT_PO_APPROVAL_LIMIT", "po-approval-limit", "1000", "purchase orders above this total (whole dollars) wait for an admin's or purchaser's approval", kindInt, func(c *Config) any { return &c.POApprovalLimit }},
	{"RCMBOT_SUPPLIER_WAIT", "supplier-wait", "168h", "while a supplier does not take a purchase order it is sent again under its number; after this long the order's note asks staff to call the supplier (sending goes on)", kindDuration, func(c *Config) any { return &c.SupplierWait }},
	{"RCMBOT_SUPPLIER_OUTAGE_MAIL", "supplier-outage-mail", "30m", "when a supplier has not taken a purchase order for this long, RCMBOT_PURCHASING_EMAIL is emailed once (order, supplier, since when, last failure), and once more when the supplier takes it; at the earliest when the first try (up to 15 minutes of sending) has failed", kindDuration, func(c *Config) any { return &c.OutageMail }},
	{"RCMBOT_PURCHASING_EMAIL", "purchasing-email", "", "comma-separated addresses the inventory bot emails when a purchase order's delivery is late or backordered, or its supplier has not taken it for RCMBOT_SUPPLIER_OUTAGE_MAIL (through RCMBOT_SMTP_*); empty: these are only logged", kindString, func(c *Config) any { return &c.PurchasingEmail }},
	{"RCMBOT_HIGH_DEDUCTIBLE", "high-deductible", "1000", "remaining in-network deductible (whole dollars) at which the eligibility worklist flags a visit; 0 turns it off", kindInt, func(c *Config) any { return &c.HighDeductible }},
	{"RCMBOT_PROVIDER_NPI", "provider-npi", "1234567893", "NPI eligibility checks are asked under when an appointment names no provider (the default is a test NPI: set yours)", kindString, func(c *Config) any { return &c.ProviderNPI }},
	{"RCMBOT_AUDIT_CRON", "audit-cron", "0 3 * * *", "when the nightly access-log scan runs (cron, practice time zone)", kindString, func(c *Config) any { return &c.AuditCron }},
	{"RCMBOT_AUDIT_VERIFY_CRON", "audit-verify-cron", "15 4 * * *", "when the daily verification of the tamper-evident PHI access log against its checkpoints runs (cron, practice time zone)", kindString, func(c *Config) any { return &c.AuditVerifyCron }},
	{"RCMBOT_AUDIT_NOTIFY", "audit-notify", "", "privacy officers' email addresses (comma-separated) told of high-scoring access alerts and reminded of cases left waiting; empty sends no email", kindString, func(c *Config) any { return &c.AuditNotify }},
	{"RCMBOT_AUDIT_NOTIFY_SCORE", "audit-notify-score", "80", "access alerts scoring at least this (0-100) are emailed to RCMBOT_AUDIT_NOTIFY at once", kindInt, func(c *Config) any { return &c.AuditNotifyAt }},
	{"RCMBOT_AUDIT_REMINDER", "audit-reminder", "72h", "remind the privacy officers when an access alert's case has waited this long for a decision (and again after as long)", kindDuration, func(c *Config) any { return &c.AuditReminder }},
	{"RCMBOT_PROVIDER_NAME", "provider-name", "", "organisation name eligibility checks are asked under; empty uses the practice file's submitter name", kindString, func(c *Config) any { return &c.ProviderName }},
	{"RCMBOT_SMTP_HOST", "smtp-host", "localhost", "SMTP server rcmbot sends its email through (alerts, reminders, daily audit checkpoints); `rcmbot dev` runs a sink there", kindString, func(c *Config) any { return &c.SMTPHost }},
	{"RCMBOT_SMTP_PORT", "smtp-port", "2525", "SMTP server port", kindInt, func(c *Config) any { return &c.SMTPPort }},
	{"RCMBOT_SMTP_TLS", "smtp-tls", "opportunistic", "SMTP transport security: none, opportunistic (STARTTLS when offered), starttls (required) or tls (implicit TLS, usually port 465)", kindString, func(c *Config) any { return &c.SMTPTLS }},
	{"RCMBOT_SMTP_USERNAME", "smtp-username", "", "SMTP user name; empty sends without authentication", kindString, func(c *Config) any { return &c.SMTPUsername }},
	{"RCMBOT_SMTP_PASSWORD", "smtp-password", "", "SMTP password (`rcmbot config` masks it)", kindString, func(c *Config) any { return &c.SMTPPassword }},
	{"RCMBOT_SMTP_FROM", "smtp-from", "rcmbot@localhost", "sender address of rcmbot's email", kindString, func(c *Config) any { return &c.SMTPFrom }},
	{"RCMBOT_SMTP_SINK_URL", "smtp-sink-url", "http://localhost:8025", "where `rcmbot dev` serves its SMTP sink's list of received messages (the sink listens on RCMBOT_SMTP_HOST:RCMBOT_SMTP_PORT)", kindString, func(c *Config) any { return &c.SMTPSinkURL }},
}

// Lookup returns the setting with the given flag name.
func Lookup(flag string) (Setting, bool) {
	for _, s := range Settings {
		if s.Flag == flag {
			return s, true
		}
	}
	return Setting{}, false
}

// Bind registers the named settings as flags on fs, storing into c. Call
// Load after the flags are parsed.
func Bind(fs *pflag.FlagSet, c *Config, flags ...string) {
	for _, name := range flags {
		s, ok := Lookup(name)
		if !ok {
			panic("config: unknown setting " + name) // a programming error
		}
		// pflag takes a `quoted` word in a usage string as the flag's value
		// name; the settings' usages quote commands that way for the
		// README, so --help gets plain quotes instead.
		usage := fmt.Sprintf("%s (env %s)", strings.ReplaceAll(s.Usage, "`", "'"), s.Env)
		switch p := s.ptr(c).(type) {
		case *string:
			fs.StringVar(p, s.Flag, "", usage)
		case *int:
			fs.IntVar(p, s.Flag, 0, usage)
		case *int64:
			fs.Int64Var(p, s.Flag, 0, usage)
		case *time.Duration:
			fs.DurationVar(p, s.Flag, 0, usage)
		case *bool:
			fs.BoolVar(p, s.Flag, false, usage)
		}
	}
}

// Load fills every setting of c not set by a flag (fs may be nil) from the
// environment, then from the defaults, and checks them.
func Load(c *Config, fs *pflag.FlagSet, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, s := range Settings {
		if fs != nil {
			if f := fs.Lookup(s.Flag); f != nil && f.Changed {
				continue
			}
		}
		v := getenv(s.Env)
		if v == "" {
			v = s.Default
		}
		if err := set(s, c, v); err != nil {
			return err
		}
	}
	// Defaults that depend on other settings.
	if c.DBURL == "sqlite://{data-dir}/rcmbot.db" {
		c.DBURL = "sqlite://" + filepath.Join(c.DataDir, "rcmbot.db")
	}
	if c.KeysFile == "{data-dir}/keys.txt" {
		c.KeysFile = filepath.Join(c.DataDir, "keys.txt")
	}
	if c.DecisionKeyFile == "{data-dir}/decision.key" {
		c.DecisionKeyFile = filepath.Join(c.DataDir, "decision.key")
	}
	if c.DecisionPublicKeysFile == "{data-dir}/decision.pub" {
		c.DecisionPublicKeysFile = filepath.Join(c.DataDir, "decision.pub")
	}
	for _, f := range []*string{&c.AuditKeyFile, &c.AuditVerifierKey, &c.AuditCheckpoints} {
		if rest, ok := strings.CutPrefix(*f, "{data-dir}/"); ok {
			*f = filepath.Join(c.DataDir, rest)
		}
	}
	if c.CodecOrigins == "{temporal-ui-url}" {
		c.CodecOrigins = c.TemporalUIURL
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return fmt.Errorf("RCMBOT_TIMEZONE %q is not an IANA time zone name (e.g. America/Chicago): %w", c.TimeZone, err)
	}
	if c.HighDeductible < 0 {
		return fmt.Errorf("RCMBOT_HIGH_DEDUCTIBLE %d must be 0 (off) or a positive number of dollars", c.HighDeductible)
	}
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		return fmt.Errorf("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both (mutual TLS) or neither")
	}
	if c.X12Usage != "T" && c.X12Usage != "P" {
		return fmt.Errorf("RCMBOT_X12_USAGE %q must be T (test) or P (production)", c.X12Usage)
	}
	if !slices.Contains(SMTPTLSModes, c.SMTPTLS) {
		return fmt.Errorf("RCMBOT_SMTP_TLS %q must be one of %s", c.SMTPTLS, strings.Join(SMTPTLSModes, ", "))
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		return fmt.Errorf("RCMBOT_SMTP_PORT %d is not a TCP port", c.SMTPPort)
	}
	if _, err := c.ReminderLeadTimes(); err != nil {
		return err
	}
	return nil
}

// ReminderLeadTimes is RCMBOT_REMINDER_LEADS read: each a positive
// duration of at most 30 days.
func (c *Config) ReminderLeadTimes() ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(c.ReminderLeads, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			return nil, fmt.Errorf("RCMBOT_REMINDER_LEADS %q: each lead must be a duration above 0 and at most 720h, such as 72h,24h", c.ReminderLeads)
		}
		out = append(out, d)
	}
	return out, nil
}

func set(s Setting, c *Config, v string) error {
	switch p := s.ptr(c).(type) {
	case *string:
		*p = v
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want a whole number", s.Env, v)
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s=%q: want a whole number", s.Env, v)
		}
		*p = n
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want a duration such as 30m or 24h", s.Env, v)
		}
		*p = d
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want true or false", s.Env, v)
		}
		*p = b
	}
	return nil
}

// SMTPTLSModes are the values of RCMBOT_SMTP_TLS.
var SMTPTLSModes = []string{"none", "opportunistic", "starttls", "tls"}

// TemporalFlags are the settings every command that talks to Temporal
// binds: where the frontend is and how to authenticate to it.
var TemporalFlags = []string{"temporal-address", "temporal-namespace",
	"temporal-tls-cert", "temporal-tls-key", "temporal-tls-ca", "temporal-tls-server-name"}

// Location returns the practice's time zone (validated by Load).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CodecOriginList returns the allowed codec-server origins.
func (c *Config) CodecOriginList() []string {
	var out []string
	for _, o := range strings.Split(c.CodecOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, strings.TrimRight(o, "/"))
		}
	}
	return out
}

// PrintTable writes every setting with its current value as a table.
// Secret values (keys, tokens) are masked.
func PrintTable(w io.Writer, c *Config) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENV\tFLAG\tVALUE\tDESCRIPTION")
	for _, s := range Settings {
		v := fmt.Sprint(reflectValue(s.ptr(c)))
		if (s.Env == "RCMBOT_KEYS" || s.Env == "RCMBOT_SMTP_PASSWORD" || s.Env == "RCMBOT_DECISION_KEY") && v != "" {
			v = "(set)"
		}
		fmt.Fprintf(tw, "%s\t--%s\t%s\t%s\n", s.Env, s.Flag, v, s.Usage)
	}
	return tw.Flush()
}

func reflectValue(p any) any {
	switch v := p.(type) {
	case *string:
		return *v
	case *int:
		return *v
	case *int64:
		return *v
	case *time.Duration:
		return *v
	case *bool:
		return *v
	}
	return nil
}

// Markdown writes the settings as a Markdown table for the README.
func Markdown(w io.Writer) {
	fmt.Fprintln(w, "| Environment | Flag | Default | What it sets |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, s := range Settings {
		def := s.Default
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(w, "| `%s` | `--%s` | `%s` | %s |\n", s.Env, s.Flag, def, s.Usage)
	}
}
