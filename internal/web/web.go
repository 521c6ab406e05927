// Package web is rcmbot's web app for billing staff and its REST API: sign
// in, upload a claims spreadsheet and watch it scrubbed, work the review
// queue, download the annotated workbook and the 837P, check eligibility,
// run the bots' schedules, read the weekly reports, manage users and audit
// who looked at patient data. It also hosts the Temporal codec server at
// /codec, so the Temporal UI decrypts payloads for signed-in staff.
//
// Pages are server-rendered html/template with a little embedded vanilla
// JavaScript (no CDN, no inline script or style, so the Content Security
// Policy allows only 'self'). Every page and API route requires a role
// (roles.go); browser sessions carry a CSRF token that every state-changing
// form and session-authenticated API call must echo, and cross-origin
// state-changing requests are refused outright. Every view, download or
// export of patient data — and every refused attempt by a known user — is
// appended to the store's hash-chained PHI access log before any patient
// data is written to the response.
//
// Each bot is mounted as a Bot (bots.go): its routes around its front
// door, an interface declared here (ClaimsBot, EligibilityBot) that the
// bot's front-door package implements. Lists, findings, claims, the review
// log, the submission ledger, reports, users and the access log come
// straight from the store. The package imports no Temporal workflow or
// activity package: a test keeps it so.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// Options are what the web app is built from. DB and Config are required;
// a bot left out of Bots has no routes, and a nil front door, Temporal
// client or Ring switches off what needs it, with pages that say so.
type Options struct {
	DB *store.DB
	// Ring decrypts Temporal payloads for the codec server at /codec;
	// nil leaves the codec server out.
	Ring *keyring.Ring
	// Bots are the bots this web app serves, each with its routes and
	// front door (bots.WebBots builds them from the declarations).
	Bots []Bot
	// Temporal and Schedules drive the Bots page: the bots' declared
	// schedules (bots.Schedules(cfg)) described, triggered, paused and
	// resumed through the client.
	Temporal  client.Client
	Schedules []temporalx.Schedule
	// Payers lists payers in the eligibility "check now" form; nil leaves
	// a free-text payer ID.
	Payers *payers.Directory
	Config *config.Config
	Log    *slog.Logger
	// Now is the clock (sessions, "today"); nil means time.Now.
	Now func() time.Time
	// FirstAdminPasswordFile is where EnsureFirstAdmin put the first
	// administrator's one-time password; it is removed when they change
	// it. "" when there is none.
	FirstAdminPasswordFile string
	// AccessLogSeal checks the PHI access log against the signed
	// checkpoints kept outside the database (the access log page's
	// "Verify"); nil checks only the hash chain, and the page says so.
	AccessLogSeal *AccessLogSeal
	// BodyTimeout bounds how long a request's body may take to arrive
	// (0 = DefaultBodyTimeout); UploadTimeout the same for uploads
	// (multipart) and codec requests (0 = DefaultUploadTimeout).
	BodyTimeout, UploadTimeout time.Duration
}

// Defaults for Options' body timeouts: a form or JSON body (at most 1 MB)
// arrives in seconds; an upload of the largest file allowed over a slow
// office line in minutes. A client trickling bytes to hold a connection
// open (1 byte every 5 seconds) is cut off at the timeout.
const (
	DefaultBodyTimeout   = 30 * time.Second
	DefaultUploadTimeout = 10 * time.Minute
)

// Server is the web app, REST API and codec server as one http.Handler.
type Server struct {
	db        *store.DB
	cfg       *config.Config
	log       *slog.Logger
	now       func() time.Time
	bots      []Bot
	schedules *temporalSchedules // nil without Temporal
	payers    *payers.Directory

	auth    *auth.Service
	limiter *auth.Limiter
	pages   *pages

	secure     bool   // served over https: Secure cookies, HSTS
	cookieName string // session cookie
	origin     string // RCMBOT_PUBLIC_URL's origin
	handler    http.Handler

	firstAdminFile             string
	seal                       *AccessLogSeal
	bodyTimeout, uploadTimeout time.Duration
	// tags makes patient keys from identifiers (the key ring; nil without
	// one, when lookups by patient are unavailable).
	tags claim.Tagger
	// tokenUses limits how often API-token use is logged as a sign-in.
	tokenUses tokenUses
}

// Sign-in throttling per client address: 10 attempts at once, then one
// every 6 seconds.
const (
	signInEvery = 6 * time.Second
	signInBurst = 10
)

// New builds the web app.
func New(o Options) (*Server, error) {
	if o.DB == nil || o.Config == nil {
		return nil, errors.New("web: DB and Config are required")
	}
	s := &Server{
		db: o.DB, cfg: o.Config, log: o.Log, now: o.Now,
		bots: o.Bots, payers: o.Payers, firstAdminFile: o.FirstAdminPasswordFile, seal: o.AccessLogSeal,
		bodyTimeout: o.BodyTimeout, uploadTimeout: o.UploadTimeout,
	}
	if o.Ring != nil {
		s.tags = o.Ring
	}
	if s.bodyTimeout <= 0 {
		s.bodyTimeout = DefaultBodyTimeout
	}
	if s.uploadTimeout <= 0 {
		s.uploadTimeout = DefaultUploadTimeout
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.Temporal != nil {
		s.schedules = &temporalSchedules{c: o.Temporal, declared: o.Schedules}
	}
	pub, err := url.Parse(o.Config.PublicURL)
	if err != nil || (pub.Scheme != "http" && pub.Scheme != "https") || pub.Host == "" {
		return nil, fmt.Errorf("web: RCMBOT_PUBLIC_URL %q: want the URL staff open, e.g. https://rcmbot.example.org", o.Config.PublicURL)
	}
	s.origin = pub.Scheme + "://" + pub.Host
	s.secure = pub.Scheme == "https"
	s.cookieName = "rcmbot_session"
	if s.secure {
		// The __Host- prefix makes browsers insist on Secure, Path=/ and no
		// Domain, so no sibling host can plant or read the cookie.
		s.cookieName = "__Host-rcmbot_session"
	}
	s.auth = auth.New(auth.Config{Accounts: o.DB, Idle: o.Config.SessionIdle, Now: s.now})
	s.limiter = auth.NewLimiter(signInEvery, signInBurst, s.now)
	if s.pages, err = loadPages(s); err != nil {
		return nil, err
	}

	app := http.NewServeMux()
	s.routes(app)
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.origin); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.failErr(w, r, "the request", fault.Errorf(fault.Forbidden, "This request came from another web site and was refused. Open rcmbot directly and try again."))
	}))
	root := http.NewServeMux()
	root.Handle("/", cop.Handler(app))
	if o.Ring != nil {
		ch, err := codec.NewServer(codec.ServerConfig{
			Ring:       o.Ring,
			Origins:    o.Config.CodecOriginList(),
			Roles:      codecRoles,
			Namespaces: []string{o.Config.TemporalNamespace},
			Auth:       codecAuth{s},
			AccessLog:  codecAccessLog{s},
			Logger:     s.log,
		})
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		// The codec server does its own CORS and origin checks: the
		// Temporal UI calls it from another origin by design.
		root.Handle("/codec/", ch)
	}
	s.handler = s.recoverer(s.securityHeaders(s.bodyDeadline(root)))
	return s, nil
}

// ServeHTTP serves the web app, the REST API and the codec server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Run serves on addr until ctx ends, then shuts down gracefully: new
// connections are refused and requests in flight get 20 seconds. It also
// removes expired sessions every ten minutes.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				if err := hs.Shutdown(sctx); err != nil {
					s.log.Warn("web: shutdown", "err", err)
				}
				return
			case <-t.C:
				if n, err := s.db.DeleteExpiredSessions(ctx, s.now()); err != nil {
					s.log.Warn("web: delete expired sessions", "err", err)
				} else if n > 0 {
					s.log.Debug("web: deleted expired sessions", "count", n)
				}
			}
		}
	}()
	s.log.Info("web app listening", "addr", ln.Addr().String(), "url", s.cfg.PublicURL)
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return fmt.Errorf("web: serve: %w", err)
}

// registrar is what routes registers on: an *http.ServeMux (tests record
// the patterns).
type registrar interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// routes registers every page and API route with the permission it needs.
// PHI routes name the access-log action under which refused attempts are
// recorded.
func (s *Server) routes(m registrar) {
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/batches", http.StatusSeeOther)
	})
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.logout)

	h := func(pattern string, rt route, fn handlerFunc) { m.Handle(pattern, s.guard(rt, fn)) }

	// Pages every process serves, whatever its bots.
	h("GET /account", route{perm: permAccount, beforeNewPassword: true}, s.accountPage)
	h("POST /account/password", route{perm: permAccount, beforeNewPassword: true}, s.changePassword)
	h("POST /account/tokens", route{perm: permAccount}, s.issueTokenForm)
	h("POST /account/tokens/{tid}/revoke", route{perm: permAccount}, s.revokeTokenForm)
	h("GET /bots", route{perm: permView}, s.botsPage)
	h("POST /bots/{schedule}/{action}", route{perm: permOperate}, s.botsAction)
	h("GET /users", route{perm: permUsers}, s.usersPage)
	h("POST /users", route{perm: permUsers}, s.addUserForm)
	h("POST /users/{uid}/{action}", route{perm: permUsers}, s.userActionForm)
	h("POST /users/{uid}/tokens/{tid}/revoke", route{perm: permUsers}, s.revokeUserTokenForm)
	h("GET /access-log", route{perm: permAudit}, s.accessLogPage)

	h("GET /api/v1/me", route{perm: permAccount, beforeNewPassword: true}, s.apiMe)
	h("GET /api/v1/schedules", route{perm: permView}, s.apiSchedules)
	h("POST /api/v1/schedules/{schedule}/{action}", route{perm: permOperate}, s.apiScheduleAction)
	h("GET /api/v1/access-log", route{perm: permAudit}, s.apiAccessLog)
	h("GET /api/v1/access-log/patient", route{perm: permAudit}, s.apiWhoSaw)

	// Each bot's own pages and API (bots.go).
	for _, b := range s.bots {
		b.mount(s, h)
		if b.public != nil {
			b.public(s, m)
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		http.Error(w, "database not answering", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// temporalUILink links a workflow's page in the Temporal UI.
func (s *Server) temporalUILink(workflowID string) string {
	if workflowID == "" {
		return ""
	}
	return temporalx.UILink(s.cfg.TemporalUIURL, s.cfg.TemporalNamespace, workflowID)
}

// clientAddr is the request's remote IP (no port), as the access log and
// sign-in throttling key it. Behind a reverse proxy put a handler in front
// that sets RemoteAddr from a trusted forwarding header.
func clientAddr(r *http.Request) string { return hostOnly(r.RemoteAddr) }

// hostOnly drops the port of a host:port address.
func hostOnly(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// safeNext returns the path to go to after sign-in when next is a path on
// this site, else "/". It accepts only what a same-origin link can be: a
// single leading slash followed by path characters, with no control
// characters or spaces anywhere (browsers drop tabs and newlines, so
// "/\t/host" becomes "//host": another site), no backslashes (which
// browsers read as slashes) and no percent-encoded slash or backslash
// (decoded by some proxies and frameworks into the same), and nothing
// that parses as a scheme or host.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c == 0x7f || c == '\\' || c >= 0x80 {
			return "/"
		}
	}
	if len(next) > 1 && next[1] == '/' {
		return "/"
	}
	lower := strings.ToLower(next)
	for _, enc := range []string{"%2f", "%5c", "%09", "%0a", "%0d", "%00"} {
		if strings.Contains(lower, enc) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}
