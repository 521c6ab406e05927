package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactsPHIAttributes(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "debug", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.With("patient_last_name", "ZZTESTNAME").Info("scrubbed",
		"batch_id", "b-123", "member_id", "W999888777", "payer_name", "Aetna", "Namespace", "default",
		slog.Group("patient", "dob", "1961-02-03", "id", "P-77"))
	out := buf.String()
	for _, leak := range []string{"ZZTESTNAME", "W999888777", "1961-02-03"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaked %q: %s", leak, out)
		}
	}
	for _, keep := range []string{"b-123", "Aetna", "P-77", `"Namespace":"default"`, Redacted} {
		if !strings.Contains(out, keep) {
			t.Errorf("log lost %q: %s", keep, out)
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, "loud", "text"); err == nil {
		t.Error("bad level accepted")
	}
	if _, err := New(&bytes.Buffer{}, "info", "xml"); err == nil {
		t.Error("bad format accepted")
	}
}
