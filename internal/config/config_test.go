package config

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestREADMEListsEverySetting keeps the README's configuration table in
// step with the settings: every row Markdown writes is in the README.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	Markdown(&table)
	for _, row := range strings.Split(strings.TrimSpace(table.String()), "\n") {
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README.md lacks the configuration row:\n%s", row)
		}
	}
}

func TestLoadPrecedenceAndDerivedDefaults(t *testing.T) {
	var c Config
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	Bind(fs, &c, "data-dir", "review-deadline", "timezone")
	if err := fs.Parse([]string{"--data-dir", "/srv/rcmbot"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"RCMBOT_DATA_DIR": "/ignored", "RCMBOT_REVIEW_DEADLINE": "96h", "TEMPORAL_UI_URL": "http://ui.example:8233/"}
	if err := Load(&c, fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/rcmbot" || c.DBURL != "sqlite:///srv/rcmbot/rcmbot.db" || c.KeysFile != "/srv/rcmbot/keys.txt" {
		t.Errorf("flag over env, derived paths: %+v", c)
	}
	if c.ReviewDeadline != 96*time.Hour || c.ReviewReminder != 24*time.Hour || c.UploadMaxBytes != 50<<20 {
		t.Errorf("env over default: %+v", c)
	}
	if got := c.CodecOriginList(); len(got) != 1 || got[0] != "http://ui.example:8233" {
		t.Errorf("codec origins default to the UI: %v", got)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	for env, want := range map[string]string{
		"RCMBOT_TIMEZONE":              "IANA",
		"RCMBOT_X12_USAGE":             "T (test) or P",
		"RCMBOT_REVIEW_DEADLINE":       "duration",
		"RCMBOT_MAX_ROWS":              "whole number",
		"RCMBOT_CODEC_ALLOW_PLAINTEXT": "true or false",
		"RCMBOT_REMINDER_LEADS":        "duration above 0",
		// A client certificate without its key (and the other way round).
		"TEMPORAL_TLS_CLIENT_CERT_PATH": "go together",
		"TEMPORAL_TLS_CLIENT_KEY_PATH":  "go together",
	} {
		var c Config
		err := Load(&c, nil, func(k string) string {
			if k == env {
				return "bogus"
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=bogus: %v", env, err)
		}
	}
}

func TestReminderLeadTimes(t *testing.T) {
	var c Config
	if err := Load(&c, nil, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if got, err := c.ReminderLeadTimes(); err != nil || len(got) != 2 || got[0] != 72*time.Hour || got[1] != 24*time.Hour {
		t.Fatalf("default reminder leads: %v %v", got, err)
	}
	for _, bad := range []string{"-1h", "0s", "1000h", "72h,,x"} {
		c.ReminderLeads = bad
		if _, err := c.ReminderLeadTimes(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPrintTableMasksKeys(t *testing.T) {
	c := Config{Keys: "active=k1;k1=c2VjcmV0", DecisionKey: "PRIVATE+KEY+rcmbot-decisions+01020304+ZGVjaXNpb24="}
	var out bytes.Buffer
	if err := PrintTable(&out, &c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "c2VjcmV0") || strings.Contains(out.String(), "ZGVjaXNpb24") || strings.Count(out.String(), "(set)") != 2 {
		t.Errorf("key material printed: %s", out.String())
	}
}

// A usage that quotes a command in backquotes (for the README) does not
// become the flag's value name in --help: `rcmbot eligibility --help`
// shows "--keys-file string", not "--keys-file rcmbot dev".
func TestFlagUsageKeepsTheValueName(t *testing.T) {
	var c Config
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	Bind(fs, &c, "keys-file")
	name, usage := pflag.UnquoteUsage(fs.Lookup("keys-file"))
	if name != "string" || !strings.Contains(usage, "'rcmbot dev' creates one") {
		t.Errorf("--keys-file %s: %s", name, usage)
	}
	if !strings.Contains(fs.FlagUsages(), "--keys-file string") {
		t.Errorf("help:\n%s", fs.FlagUsages())
	}
}
