// Package mail sends rcmbot's email (access alerts, reminders, the daily
// audit checkpoint) through an SMTP server, with github.com/wneessen/go-mail.
//
// rcmbot's email is a notification, never a copy of patient data: a
// message says that something needs a person and links to the page in
// rcmbot where a signed-in user with the right role sees it. Callers write
// subjects and bodies that name no patient, member ID or staff member;
// the recipient follows the link.
//
// Send asks the server once. Whether to try again is the caller's retry
// policy (Temporal's, for activities): Permanent tells a refusal that
// will not change (a rejected address) from a server that is down.
package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS is how the connection to the SMTP server is secured.
type TLS string

// The TLS modes (RCMBOT_SMTP_TLS).
const (
	TLSNone          TLS = "none"          // plain SMTP (a local sink or relay only)
	TLSOpportunistic TLS = "opportunistic" // STARTTLS when the server offers it
	TLSStartTLS      TLS = "starttls"      // STARTTLS required
	TLSImplicit      TLS = "tls"           // TLS from the first byte (port 465)
)

// Settings say where and how to send (the RCMBOT_SMTP_* settings).
type Settings struct {
	Host     string
	Port     int
	TLS      TLS
	Username string // "" sends without authentication
	Password string
	From     string
	// Timeout bounds connecting and each SMTP command (0: 15 s).
	Timeout time.Duration
}

// Message is one email: plain text to one or more recipients.
type Message struct {
	To      []string
	Subject string
	Text    string
}

// Sender sends email through one SMTP server. It is safe for concurrent
// use: each Send opens its own connection.
type Sender struct {
	s Settings
}

// New checks the settings and returns a Sender.
func New(s Settings) (*Sender, error) {
	if s.Host == "" {
		return nil, errors.New("mail: no SMTP host (RCMBOT_SMTP_HOST)")
	}
	if s.From == "" {
		return nil, errors.New("mail: no sender address (RCMBOT_SMTP_FROM)")
	}
	switch s.TLS {
	case TLSNone, TLSOpportunistic, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("mail: TLS mode %q: want none, opportunistic, starttls or tls", s.TLS)
	}
	if s.Timeout <= 0 {
		s.Timeout = 15 * time.Second
	}
	return &Sender{s: s}, nil
}

// From is the sender address.
func (s *Sender) From() string { return s.s.From }

// Send delivers m. The error names the server and what failed, never the
// message's content.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if len(m.To) == 0 {
		return &PermanentError{Err: errors.New("mail: a message needs at least one recipient")}
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.s.From); err != nil {
		return &PermanentError{Err: fmt.Errorf("mail: sender address: %w", err)}
	}
	if err := msg.To(m.To...); err != nil {
		return &PermanentError{Err: fmt.Errorf("mail: recipient address: %w", err)}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)

	c, err := gomail.NewClient(s.s.Host, s.options()...)
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("mail: %w", err)}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		err = fmt.Errorf("mail: send through %s:%d: %w", s.s.Host, s.s.Port, err)
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return &PermanentError{Err: err}
		}
		return err
	}
	return nil
}

func (s *Sender) options() []gomail.Option {
	o := []gomail.Option{gomail.WithPort(s.s.Port), gomail.WithTimeout(s.s.Timeout)}
	switch s.s.TLS {
	case TLSNone:
		o = append(o, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSOpportunistic:
		o = append(o, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSStartTLS:
		o = append(o, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		o = append(o, gomail.WithSSL())
	}
	if s.s.Username != "" {
		// Plain authentication is offered only over TLS by go-mail
		// (PLAIN refuses an unencrypted connection); a plain-text local
		// relay with a password takes PLAIN-NOENC.
		auth := gomail.SMTPAuthPlain
		if s.s.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		o = append(o, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.s.Username), gomail.WithPassword(s.s.Password))
	}
	return o
}

// PermanentError is a message the server refused for good (a bad
// address): sending it again would fail again.
type PermanentError struct{ Err error }

// Error is the underlying error's text.
func (e *PermanentError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent reports whether err is a refusal that will not change.
func Permanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Recipients splits a comma- or semicolon-separated list of addresses.
func Recipients(list string) []string {
	var out []string
	for _, a := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' }) {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
