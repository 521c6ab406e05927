package codec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/rcmbot/rcmbot/internal/keyring"
)

// Principal is an authenticated caller of the codec server.
type Principal struct {
	User string // who: an rcmbot user name or API token name, recorded in the access log
	Role string // the caller's rcmbot role, checked against ServerConfig.Roles
}

// Authenticator identifies the caller of a request, from a session cookie
// or an "Authorization: Bearer" token. It returns an error wrapping
// ErrUnauthenticated when the request carries no credentials or invalid ones
// (the server answers 401); any other error means authentication could not
// be checked (the server answers 503). Either way nothing is decoded.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// ErrUnauthenticated is wrapped by Authenticator errors that mean "no valid
// credentials".
var ErrUnauthenticated = errors.New("not authenticated")

// AccessLog records PHI access. The codec server calls RecordDecode for every
// /decode request from an authenticated caller: refused ones (outcome
// OutcomeDenied), ones that fail (OutcomeFailed) and ones that return
// plaintext (OutcomeDecoded). Decoded payloads are released only after
// RecordDecode returns nil. namespace is the X-Namespace header ("" if
// absent), remoteAddr the connection's address (see ServerConfig), payloads
// the number of payloads in the request.
type AccessLog interface {
	RecordDecode(ctx context.Context, p Principal, namespace, remoteAddr string, payloads int, outcome string) error
}

// Outcomes recorded in the access log.
const (
	OutcomeDecoded = "decoded" // plaintext returned
	OutcomeFailed  = "failed"  // request malformed, key missing or payload tampered with; nothing returned
	OutcomeDenied  = "denied"  // role or namespace not permitted; nothing decoded
)

// DefaultMaxRequestBytes bounds a request body when ServerConfig leaves it 0.
// The UI sends a page of history's payloads at a time; Temporal caps each
// payload at 2 MiB.
const DefaultMaxRequestBytes = 32 << 20

// ServerConfig configures the codec server. Ring, Origins, Roles, Auth and
// AccessLog are required.
type ServerConfig struct {
	// Ring encrypts and decrypts payloads.
	Ring *keyring.Ring
	// Origins lists the browser origins (scheme://host[:port], the Temporal
	// UI) allowed to call the server with credentials. Blank entries are
	// ignored; "*" is refused. Requests with another Origin get 403;
	// requests without Origin (the temporal CLI, SDK clients) are allowed
	// and still need credentials.
	Origins []string
	// Roles lists the rcmbot roles allowed to encode and decode.
	Roles []string
	// Namespaces, if not empty, lists the Temporal namespaces (X-Namespace)
	// the server serves; other namespaces get 403.
	Namespaces []string
	// Auth authenticates every /encode and /decode request.
	Auth Authenticator
	// AccessLog records every decode.
	AccessLog AccessLog
	// MaxRequestBytes bounds request bodies; 0 means
	// DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// Logger receives operational errors (no payload content); nil
	// discards them. The access log, not this logger, is the audit trail.
	Logger *slog.Logger
}

type server struct {
	codec      *Codec
	origins    map[string]bool
	roles      map[string]bool
	namespaces map[string]bool
	auth       Authenticator
	access     AccessLog
	maxBytes   int64
	log        *slog.Logger
}

// NewServer returns an http.Handler serving Temporal's remote codec
// protocol: POST to any path ending in /encode or /decode (so it can be
// mounted at any prefix, including per-namespace paths), with
// protobuf-JSON Payloads in and out, answered by
// converter.NewPayloadCodecHTTPHandler. Around the protocol it adds CORS
// for the configured origins with credentials, authentication and role
// checks, the PHI access log, request size limits and no-store caching.
//
// The remote address recorded is r.RemoteAddr; behind a reverse proxy, wrap
// the handler with one that sets it from a trusted forwarding header.
func NewServer(cfg ServerConfig) (http.Handler, error) {
	switch {
	case cfg.Ring == nil:
		return nil, errors.New("codec server: no key ring")
	case cfg.Auth == nil:
		return nil, errors.New("codec server: no authenticator; it decrypts PHI and must not run open")
	case cfg.AccessLog == nil:
		return nil, errors.New("codec server: no access log; every decode must be recorded")
	}
	s := &server{
		// The server only shows payloads to signed-in staff: one that was
		// never encrypted is returned as it is (workers refuse it).
		codec:      New(cfg.Ring, AllowPlaintext),
		origins:    map[string]bool{},
		roles:      map[string]bool{},
		namespaces: map[string]bool{},
		auth:       cfg.Auth,
		access:     cfg.AccessLog,
		maxBytes:   cfg.MaxRequestBytes,
		log:        cfg.Logger,
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxRequestBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, o := range cfg.Origins {
		if strings.TrimSpace(o) == "" {
			continue
		}
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		s.origins[n] = true
	}
	if len(s.origins) == 0 {
		return nil, errors.New("codec server: no allowed origins; list the Temporal UI's origin, e.g. http://localhost:8233 (RCMBOT_CODEC_ORIGINS)")
	}
	for _, r := range cfg.Roles {
		if r = strings.TrimSpace(r); r != "" {
			s.roles[r] = true
		}
	}
	if len(s.roles) == 0 {
		return nil, errors.New("codec server: no permitted roles; name the rcmbot roles that may read PHI in the Temporal UI")
	}
	for _, ns := range cfg.Namespaces {
		if ns = strings.TrimSpace(ns); ns != "" {
			s.namespaces[ns] = true
		}
	}
	return s, nil
}

// normalizeOrigin turns a configured origin into the form browsers send:
// lower-case scheme://host[:port] without a default port.
func normalizeOrigin(o string) (string, error) {
	o = strings.TrimSpace(o)
	bad := fmt.Errorf("codec server: allowed origin %q: write scheme://host[:port] with http or https and no path, e.g. http://localhost:8233", o)
	if o == "*" || o == "null" {
		return "", fmt.Errorf("codec server: allowed origin %q: credentials cannot be shared with any origin; list the Temporal UI's origin, e.g. http://localhost:8233", o)
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", bad
	}
	host := strings.ToLower(u.Host)
	if h, port, err := net.SplitHostPort(host); err == nil &&
		(u.Scheme == "http" && port == "80" || u.Scheme == "https" && port == "443") {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	return u.Scheme + "://" + host, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Set("Cache-Control", "no-store")
	if origin := r.Header.Get("Origin"); origin != "" {
		if !s.origins[strings.ToLower(origin)] {
			http.Error(w, "origin not allowed to use this codec server", http.StatusForbidden)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	decode := strings.HasSuffix(r.URL.Path, "/decode")
	if !decode && !strings.HasSuffix(r.URL.Path, "/encode") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		h.Set("Allow", "POST, OPTIONS")
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	// Requiring JSON also makes every cross-origin browser request a
	// preflighted one, which the origin check above has already vetted.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		http.Error(w, "send Content-Type: application/json (Temporal codec protocol)", http.StatusUnsupportedMediaType)
		return
	}
	ns := r.Header.Get("X-Namespace")
	if !validNamespace(ns) {
		http.Error(w, "X-Namespace is not a Temporal namespace name", http.StatusBadRequest)
		return
	}
	p, err := s.auth.Authenticate(r)
	if errors.Is(err, ErrUnauthenticated) {
		h.Set("WWW-Authenticate", `Bearer realm="rcmbot codec"`)
		http.Error(w, "sign in to rcmbot or send an rcmbot API token (Authorization: Bearer)", http.StatusUnauthorized)
		return
	}
	if err != nil {
		s.log.Error("codec server: authentication unavailable", "err", err)
		http.Error(w, "authentication unavailable; try again later", http.StatusServiceUnavailable)
		return
	}
	if !s.roles[p.Role] || len(s.namespaces) > 0 && !s.namespaces[ns] {
		if decode {
			s.record(r, p, ns, 0, OutcomeDenied)
		}
		http.Error(w, "your role may not use the codec server for this namespace", http.StatusForbidden)
		return
	}
	if r.ContentLength > s.maxBytes {
		if decode {
			s.record(r, p, ns, 0, OutcomeFailed)
		}
		http.Error(w, fmt.Sprintf("request body over %d bytes; send fewer payloads per request", s.maxBytes), http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBytes)
	if !decode {
		converter.NewPayloadCodecHTTPHandler(s.codec).ServeHTTP(w, r)
		return
	}
	s.serveDecode(w, r, p, ns)
}

// serveDecode decodes into a buffer, records the access, and only then
// releases the plaintext.
func (s *server) serveDecode(w http.ResponseWriter, r *http.Request, p Principal, ns string) {
	counted := &countingCodec{Codec: s.codec}
	buf := &bufferedResponse{header: http.Header{}}
	converter.NewPayloadCodecHTTPHandler(counted).ServeHTTP(buf, r)
	outcome := OutcomeDecoded
	if buf.status != http.StatusOK {
		outcome = OutcomeFailed
	}
	if err := s.access.RecordDecode(r.Context(), p, ns, r.RemoteAddr, counted.n, outcome); err != nil {
		s.log.Error("codec server: access log unavailable; decoded payloads withheld", "err", err, "user", p.User, "namespace", ns)
		http.Error(w, "access log unavailable; payloads withheld, try again later", http.StatusServiceUnavailable)
		return
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	w.Write(buf.body.Bytes())
}

// record writes an access-log entry for a request that returns no
// plaintext; a failure is logged, and the request is refused either way.
func (s *server) record(r *http.Request, p Principal, ns string, payloads int, outcome string) {
	if err := s.access.RecordDecode(r.Context(), p, ns, r.RemoteAddr, payloads, outcome); err != nil {
		s.log.Error("codec server: access log unavailable", "err", err, "user", p.User, "namespace", ns, "outcome", outcome)
	}
}

// validNamespace accepts what Temporal accepts in namespace names (letters,
// digits, '.', '_', '-'; at most 255), and the empty string, so that the
// header can go into logs as it is.
func validNamespace(ns string) bool {
	if len(ns) > 255 {
		return false
	}
	for _, c := range ns {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// countingCodec counts the payloads of a decode request for the access log.
type countingCodec struct {
	*Codec
	n int
}

func (c *countingCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	c.n = len(payloads)
	return c.Codec.Decode(payloads)
}

// bufferedResponse holds a response until the access log has recorded it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}
