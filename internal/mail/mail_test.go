package mail_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/sim/simtest"
)

func sender(t *testing.T, port int, tls mail.TLS, user, pass string) *mail.Sender {
	t.Helper()
	s, err := mail.New(mail.Settings{Host: "127.0.0.1", Port: port, TLS: tls, Username: user, Password: pass, From: "rcmbot@practice.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendReachesTheSink(t *testing.T) {
	sink, port := simtest.SMTPSink(t, sim.SMTPSinkConfig{})
	// Opportunistic TLS falls back to plain SMTP: the sink offers no STARTTLS.
	s := sender(t, port, mail.TLSOpportunistic, "", "")
	body := "An access alert needs review (score 87).\nOpen: http://rcmbot.test/audit/alerts/al-123\n"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, mail.Message{To: []string{"privacy@practice.test", "backup@practice.test"}, Subject: "Access alert — score 87 ✓", Text: body}); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("sink holds %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "rcmbot@practice.test" || strings.Join(m.To, ",") != "privacy@practice.test,backup@practice.test" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	if m.Subject != "Access alert — score 87 ✓" {
		t.Errorf("subject %q (non-ASCII must survive the encoding)", m.Subject)
	}
	if strings.ReplaceAll(m.Text, "\r\n", "\n") != body {
		t.Errorf("body %q, want %q", m.Text, body)
	}
}

func TestTemporaryAndPermanentRefusals(t *testing.T) {
	sink, port := simtest.SMTPSink(t, sim.SMTPSinkConfig{})
	s := sender(t, port, mail.TLSNone, "", "")
	msg := mail.Message{To: []string{"privacy@practice.test"}, Subject: "x", Text: "y"}
	ctx := context.Background()

	sink.SetFaults(sim.SinkFaults{TempFail: 1, PermFail: 1})
	err := s.Send(ctx, msg)
	if err == nil || mail.Permanent(err) {
		t.Errorf("451: %v, want a temporary error", err)
	}
	err = s.Send(ctx, msg)
	if !mail.Permanent(err) {
		t.Errorf("550: %v, want a permanent error", err)
	}
	if err := s.Send(ctx, msg); err != nil {
		t.Errorf("after the faults: %v", err)
	}
	if st := sink.Stats(); st.Accepted != 1 || st.TempFailed != 1 || st.PermFailed != 1 {
		t.Errorf("stats %+v", st)
	}
	// A server that is not there is temporary: the retry policy decides.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := sender(t, closed, mail.TLSNone, "", "").Send(ctx, msg); err == nil || mail.Permanent(err) {
		t.Errorf("no server on port %s: %v, want a temporary error", strconv.Itoa(closed), err)
	}
	if err := s.Send(ctx, mail.Message{Subject: "x"}); !mail.Permanent(err) {
		t.Errorf("no recipient: %v, want a permanent error", err)
	}
}

func TestAuthentication(t *testing.T) {
	sink, port := simtest.SMTPSink(t, sim.SMTPSinkConfig{Username: "relay", Password: "s3cret"})
	msg := mail.Message{To: []string{"privacy@practice.test"}, Subject: "x", Text: "y"}
	if err := sender(t, port, mail.TLSNone, "", "").Send(context.Background(), msg); err == nil {
		t.Error("sent without the login the server requires")
	}
	if err := sender(t, port, mail.TLSNone, "relay", "wrong").Send(context.Background(), msg); err == nil {
		t.Error("sent with a wrong password")
	}
	if err := sender(t, port, mail.TLSNone, "relay", "s3cret").Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if m := sink.Messages(); len(m) != 1 || m[0].AuthUser != "relay" {
		t.Errorf("messages %+v", m)
	}
}

func TestSettingsAreChecked(t *testing.T) {
	for _, s := range []mail.Settings{
		{Port: 25, TLS: mail.TLSNone, From: "a@b"},
		{Host: "h", Port: 25, TLS: mail.TLSNone},
		{Host: "h", Port: 25, TLS: "ssl", From: "a@b"},
	} {
		if _, err := mail.New(s); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	if got := mail.Recipients(" a@b.test, c@d.test;;e@f.test "); strings.Join(got, "|") != "a@b.test|c@d.test|e@f.test" {
		t.Errorf("Recipients: %q", got)
	}
}
