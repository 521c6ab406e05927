// Package logging builds rcmbot's structured logger (log/slog) and keeps
// protected health information out of it.
//
// rcmbot code logs opaque identifiers only (batch IDs, claim IDs, counts).
// As a second line of defence the handler drops the value of any attribute
// whose key names patient identity (name, dob, member_id, address, ssn...),
// so a careless slog.String("member_id", v) writes "[redacted]".
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing to w at the given level ("debug", "info",
// "warn", "error") in the given format ("text" or "json").
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch format {
	case "text", "":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
	return slog.New(redactor{h}), nil
}

// phiKeys are attribute-key fragments that name patient identity.
var phiKeys = []string{"name", "dob", "birth", "member", "subscriber", "address", "ssn", "phone", "email", "street", "zip"}

// Redacted is what a PHI attribute's value is replaced with.
const Redacted = "[redacted]"

// IsPHIKey reports whether an attribute key names patient identity.
// Keys naming opaque identifiers that merely contain such a word are
// exempt: "Namespace", "workflow_name", "file_name" and "payer_name" are
// not PHI.
func IsPHIKey(key string) bool {
	k := strings.ToLower(key)
	if strings.Contains(k, "namespace") {
		return false
	}
	switch k {
	case "workflow_name", "file_name", "filename", "payer_name", "queue_name", "task_queue", "activity_name", "schedule_name", "host_name", "hostname", "user_name", "username":
		return false
	}
	for _, f := range phiKeys {
		if strings.Contains(k, f) {
			return true
		}
	}
	return false
}

type redactor struct{ slog.Handler }

func (r redactor) Handle(ctx context.Context, rec slog.Record) error {
	clean := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		clean.AddAttrs(redact(a))
		return true
	})
	return r.Handler.Handle(ctx, clean)
}

func (r redactor) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = redact(a)
	}
	return redactor{r.Handler.WithAttrs(out)}
}

func (r redactor) WithGroup(name string) slog.Handler { return redactor{r.Handler.WithGroup(name)} }

func redact(a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindGroup {
		g := a.Value.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = redact(x)
		}
		return slog.Group(a.Key, out...)
	}
	if IsPHIKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	return a
}
