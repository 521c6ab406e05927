package sim

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPSinkConfig configures an SMTPSink.
type SMTPSinkConfig struct {
	// MaxMessages is how many messages are kept, newest last (0: 1000);
	// older ones are dropped and counted.
	MaxMessages int
	// MaxBytes is the largest message accepted (0: 1 MiB).
	MaxBytes int64
	// Username and Password, when set, make AUTH PLAIN with exactly these
	// required before MAIL FROM (to test a relay that needs a login).
	Username, Password string
}

// SinkMessage is one message the sink received.
type SinkMessage struct {
	ID       int       `json:"id"`
	Received time.Time `json:"received"`
	From     string    `json:"from"`
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	// Text is the decoded plain-text body (the first text/plain part of
	// a multipart message).
	Text string `json:"text"`
	Size int    `json:"size"`
	// AuthUser is the user name the client authenticated as ("" none).
	AuthUser string `json:"auth_user,omitempty"`
}

// SinkFaults make the sink refuse the next messages: TempFail with 451
// (the sender should try again), then PermFail with 550 (it should not).
type SinkFaults struct {
	TempFail int `json:"temp_fail"`
	PermFail int `json:"perm_fail"`
}

// SinkStats counts what the sink did.
type SinkStats struct {
	Accepted   int `json:"accepted"`
	TempFailed int `json:"temp_failed"`
	PermFailed int `json:"perm_failed"`
	Dropped    int `json:"dropped"` // accepted, then dropped past MaxMessages
}

// SMTPSink is a real SMTP server that accepts every message and keeps it
// in memory, with an HTTP page and JSON API listing what it received: the
// mail server of `rcmbot dev` (`rcmbot smtp-sink`) and of the tests, so
// rcmbot's email is sent over SMTP exactly as in production and can be
// read back.
type SMTPSink struct {
	cfg    SMTPSinkConfig
	mu     sync.Mutex
	msgs   []SinkMessage
	nextID int
	stats  SinkStats
	faults SinkFaults
	// arrived is closed and replaced whenever a message arrives (Wait).
	arrived chan struct{}
}

// NewSMTPSink returns a sink.
func NewSMTPSink(cfg SMTPSinkConfig) (*SMTPSink, error) {
	if cfg.MaxMessages < 0 || cfg.MaxBytes < 0 {
		return nil, errors.New("smtp sink: limits must not be negative")
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = 1000
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 1 << 20
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("smtp sink: give both a username and a password, or neither")
	}
	return &SMTPSink{cfg: cfg, nextID: 1, arrived: make(chan struct{})}, nil
}

// server builds the SMTP server (one per listener).
func (s *SMTPSink) server() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	srv.Domain = "rcmbot-smtp-sink"
	srv.MaxMessageBytes = s.cfg.MaxBytes
	srv.MaxRecipients = 100
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	return srv
}

// ServeSMTP accepts SMTP connections on ln until it is closed.
func (s *SMTPSink) ServeSMTP(ln net.Listener) error {
	err := s.server().Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Run serves SMTP on smtpAddr and the message list on httpAddr until ctx
// ends.
func (s *SMTPSink) Run(ctx context.Context, smtpAddr, httpAddr string) error {
	smtpLn, err := net.Listen("tcp", smtpAddr)
	if err != nil {
		return fmt.Errorf("smtp sink: listen on %s: %w", smtpAddr, err)
	}
	httpLn, err := net.Listen("tcp", httpAddr)
	if err != nil {
		smtpLn.Close()
		return fmt.Errorf("smtp sink: listen on %s: %w", httpAddr, err)
	}
	return s.Serve(ctx, smtpLn, httpLn)
}

// Serve is Run on listeners the caller opened: SMTP on smtpLn, the
// message list on httpLn.
func (s *SMTPSink) Serve(ctx context.Context, smtpLn, httpLn net.Listener) error {
	srv := s.server()
	smtpDone := make(chan error, 1)
	go func() { smtpDone <- srv.Serve(smtpLn) }()
	httpErr := Serve(ctx, httpLn, s.Handler())
	_ = srv.Close()
	if err := <-smtpDone; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("smtp sink: %w", err)
	}
	return httpErr
}

// Messages returns the messages kept, oldest first.
func (s *SMTPSink) Messages() []SinkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SinkMessage, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Stats returns the counters.
func (s *SMTPSink) Stats() SinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// SetFaults replaces the faults to inject.
func (s *SMTPSink) SetFaults(f SinkFaults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Wait returns the first message kept that match accepts, waiting for
// one to arrive until ctx ends.
func (s *SMTPSink) Wait(ctx context.Context, match func(SinkMessage) bool) (SinkMessage, error) {
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if match(m) {
				s.mu.Unlock()
				return m, nil
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return SinkMessage{}, fmt.Errorf("smtp sink: no matching message: %w", ctx.Err())
		case <-arrived:
		}
	}
}

// fault returns the refusal due for the next message, if any.
func (s *SMTPSink) fault() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.faults.TempFail > 0:
		s.faults.TempFail--
		s.stats.TempFailed++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "sink fault: try again later"}
	case s.faults.PermFail > 0:
		s.faults.PermFail--
		s.stats.PermFailed++
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sink fault: refused"}
	}
	return nil
}

func (s *SMTPSink) keep(m SinkMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID = s.nextID
	s.nextID++
	s.msgs = append(s.msgs, m)
	if over := len(s.msgs) - s.cfg.MaxMessages; over > 0 {
		s.msgs = append(s.msgs[:0:0], s.msgs[over:]...)
		s.stats.Dropped += over
	}
	s.stats.Accepted++
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// sinkSession is one SMTP conversation.
type sinkSession struct {
	sink     *SMTPSink
	authUser string
	from     string
	to       []string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.sink.cfg.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.sink.cfg.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.sink.cfg.Username || password != ss.sink.cfg.Password {
			return smtp.ErrAuthFailed
		}
		ss.authUser = username
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.cfg.Username != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.sink.fault(); err != nil {
		return err
	}
	m := SinkMessage{Received: time.Now().UTC(), From: ss.from, To: append([]string(nil), ss.to...), Size: len(raw), AuthUser: ss.authUser}
	m.Subject, m.Text = parseMessage(raw)
	ss.sink.keep(m)
	return nil
}

func (ss *sinkSession) Reset() { ss.from, ss.to = "", nil }

func (ss *sinkSession) Logout() error { return nil }

// parseMessage returns a message's decoded subject and plain-text body
// (the raw text when it cannot be parsed).
func parseMessage(raw []byte) (subject, text string) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", string(raw)
	}
	var dec mime.WordDecoder
	subject = msg.Header.Get("Subject")
	if s, err := dec.DecodeHeader(subject); err == nil {
		subject = s
	}
	body, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
	if err != nil {
		return subject, ""
	}
	return subject, body
}

// maxPartDepth bounds how deep textPart descends into nested multiparts.
const maxPartDepth = 5

// textPart decodes a body of the given content type and transfer
// encoding, descending into multipart bodies (at most maxPartDepth deep)
// for their first text/plain part.
func textPart(contentType, encoding string, body io.Reader, depth int) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "text/plain", nil
	}
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxPartDepth {
			return "", errors.New("multipart nested too deep")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", err
			}
			if t, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err == nil && t != "" {
				return t, nil
			}
		}
	}
	if mt != "text/plain" {
		return "", nil
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}

// Handler serves the received messages: GET / is a page listing them,
// GET /api/messages the same as JSON (?to= filters by recipient),
// GET /api/messages/{id} one message, DELETE /api/messages empties the
// list, and /admin/stats and /admin/faults as the other simulators have.
func (s *SMTPSink) Handler() http.Handler {
	mux := newMux(admin{
		name:       "SMTP sink",
		stats:      func() any { return s.Stats() },
		resetStats: func() { s.mu.Lock(); s.stats = SinkStats{}; s.mu.Unlock() },
		faults: func() any {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.faults
		},
		setFaults: func(w http.ResponseWriter, r *http.Request) {
			var f SinkFaults
			if !readFaults(w, r, &f) {
				return
			}
			if f.TempFail < 0 || f.PermFail < 0 {
				http.Error(w, "faults: counts must not be negative", http.StatusBadRequest)
				return
			}
			s.SetFaults(f)
			writeJSON(w, http.StatusOK, f)
		},
		clearFaults: func() { s.SetFaults(SinkFaults{}) },
	})
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, r *http.Request) {
		to := strings.ToLower(r.URL.Query().Get("to"))
		out := []SinkMessage{}
		for _, m := range s.Messages() {
			if to == "" || containsFold(m.To, to) {
				out = append(out, m)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"messages": out})
	})
	mux.HandleFunc("GET /api/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err == nil {
			for _, m := range s.Messages() {
				if m.ID == id {
					writeJSON(w, http.StatusOK, m)
					return
				}
			}
		}
		http.Error(w, "no such message", http.StatusNotFound)
	})
	mux.HandleFunc("DELETE /api/messages", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		s.msgs = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.Trim(x, "<>"), s) {
			return true
		}
	}
	return false
}

var sinkPage = template.Must(template.New("sink").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rcmbot SMTP sink</title></head>
<body>
<h1>rcmbot SMTP sink</h1>
<p>{{len .}} messages received (newest first). JSON: <a href="/api/messages">/api/messages</a>.</p>
{{range .}}<article>
<h2>{{.Subject}}</h2>
<p>#{{.ID}} · {{.Received.Format "2006-01-02 15:04:05 MST"}} · from {{.From}} · to {{range $i, $t := .To}}{{if $i}}, {{end}}{{$t}}{{end}}</p>
<pre>{{.Text}}</pre>
</article>{{end}}
</body></html>
`))

func (s *SMTPSink) page(w http.ResponseWriter, _ *http.Request) {
	msgs := s.Messages()
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = sinkPage.Execute(w, msgs)
}
