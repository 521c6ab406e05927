package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/rcmbot/rcmbot/internal/audit"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// contentSecurityPolicy allows scripts, styles, images and requests from
// rcmbot itself only: no inline script or style, no frames, no plugins,
// forms only to rcmbot.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// bodyDeadline bounds how long each request's body may take to arrive:
// uploads (multipart) and codec requests get the upload timeout, all
// others the body timeout. The server's ReadHeaderTimeout covers the
// headers; without this a client could hold a connection (and its
// goroutine) for as long as it liked by sending one byte now and then.
func (s *Server) bodyDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := s.bodyTimeout
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" || strings.HasPrefix(r.URL.Path, "/codec/") {
			d = s.uploadTimeout
		}
		// Not every ResponseWriter supports deadlines (tests' recorders);
		// the server's connections do.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		h.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. Dynamic
// responses are never cached: they may hold patient data.
func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if s.secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a 500 and a log line with the
// stack (handlers print no patient data into panics).
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("web: panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// route is what a page or API route requires.
type route struct {
	perm perm
	// phi is the access-log action recorded when a known user is refused
	// (wrong role, expired session, disabled account); "" for routes that
	// show no patient data. Allowed access is recorded by the handler,
	// once it knows which batch, claim and patient it shows.
	phi store.AccessAction
	// csrfInBody: the handler checks the CSRF token itself (the multipart
	// upload form, whose token is its first part).
	csrfInBody bool
	// beforeNewPassword: open to a user whose password someone else
	// chose and who has not changed it yet (the Account page, the
	// password change, "who am I"); every other route sends them there.
	beforeNewPassword bool
}

// handlerFunc is a route's handler, given the authenticated user.
type handlerFunc func(w http.ResponseWriter, r *http.Request, id auth.Identity)

// Form and header that carry the CSRF token.
const (
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// maxFormBytes bounds urlencoded and JSON request bodies.
const maxFormBytes = 1 << 20

// maxPartBytes bounds each part of a multipart upload other than the file
// (the CSRF token, any other field), and multipartOverhead the request
// beyond the file's own bytes.
const (
	maxPartBytes      = 64 << 10
	multipartOverhead = 256 << 10
)

// guarded is a route's handler behind authentication, its permission and
// CSRF checks.
type guarded struct {
	http.Handler
	rt route
}

// guard authenticates the request, checks the route's permission and, for
// state-changing browser requests, the CSRF token, then calls fn.
func (s *Server) guard(rt route, fn handlerFunc) guarded {
	return guarded{rt: rt, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := s.auth.Identify(r, s.cookieName)
		if err != nil {
			s.unauthenticated(w, r, rt, id, err)
			return
		}
		if id.ViaToken() && s.tokenUses.due(id.Token, clientAddr(r), s.now()) {
			s.recordSignIn(r, id.User.Username, audit.SignInToken, id.Token)
		}
		if id.User.MustChangePassword && !rt.beforeNewPassword {
			if isAPI(r) {
				s.fail(w, r, http.StatusForbidden, "This account's password was set by someone else: change it in the web app (Account page) before using the API.")
				return
			}
			http.Redirect(w, r, mustChangePage, http.StatusSeeOther)
			return
		}
		if !can(id.User.Role, rt.perm) {
			if rt.phi != "" {
				s.recordDenied(r, id.User, rt.phi, "role "+string(id.User.Role)+" may not do this")
			}
			s.failErr(w, r, "the request", fault.Errorf(fault.Forbidden, "Your role (%s) does not allow this. Ask an rcmbot administrator if you need it.", id.User.Role))
			return
		}
		if !safeMethod(r.Method) {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if ct == "multipart/form-data" {
				// Chunked bodies have no length to check up front: the
				// whole request is bounded here, each part by its handler.
				r.Body = http.MaxBytesReader(w, r.Body, s.cfg.UploadMaxBytes+multipartOverhead)
			} else {
				r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			}
			if !id.ViaToken() && !rt.csrfInBody && !s.csrfOK(r, id, ct) {
				s.failErr(w, r, "the form", errStaleForm)
				return
			}
		}
		fn(w, r, id)
	})}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfOK checks the session's CSRF token in the X-CSRF-Token header or,
// for urlencoded forms, the csrf_token field.
func (s *Server) csrfOK(r *http.Request, id auth.Identity, contentType string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" && contentType == "application/x-www-form-urlencoded" {
		got = r.PostFormValue(csrfField)
	}
	return tokenEqual(got, id.Session.CSRFToken)
}

func tokenEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// unauthenticated answers a request without a usable identity: 401 for
// the API, the sign-in page for browsers. A known user refused for an
// expired session or a disabled account on a PHI route is recorded.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request, rt route, id auth.Identity, err error) {
	expired, disabled := errors.Is(err, auth.ErrExpired), errors.Is(err, auth.ErrDisabled)
	if !expired && !disabled && !errors.Is(err, auth.ErrNoCredentials) && !errors.Is(err, auth.ErrInvalidCredentials) {
		s.log.Error("web: authentication unavailable", "err", err)
		s.failErr(w, r, "the sign-in check", fault.Errorf(fault.Unavailable, "rcmbot cannot check your sign-in right now. Try again in a minute."))
		return
	}
	if rt.phi != "" && (expired || disabled) {
		detail := "session expired"
		if disabled {
			detail = "account disabled"
		}
		s.recordDenied(r, id.User, rt.phi, detail)
	}
	if expired || errors.Is(err, auth.ErrInvalidCredentials) {
		s.clearSessionCookie(w)
	}
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rcmbot"`)
		msg := "Sign in, or send an API token (Authorization: Bearer ...) from `rcmbot users token`."
		switch {
		case expired && id.ViaToken():
			msg = "This API token has expired. Issue a new one on your Account page (or with `rcmbot users token`)."
		case expired:
			msg = "Your session has expired. Sign in again."
		case disabled:
			msg = "This account is disabled."
		}
		writeJSON(w, http.StatusUnauthorized, apiError{Error: msg})
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet {
		q.Set("next", r.URL.RequestURI())
	}
	if expired {
		q.Set("why", "expired")
	}
	http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

// errStaleForm refuses a form whose CSRF token does not match the session.
var errStaleForm = fault.Errorf(fault.Forbidden, "This form has expired or did not come from rcmbot. Reload the page and try again.")

// fail answers with an error: JSON for the API, an error page for
// browsers. msg is shown to the user: it says what happened and what to do,
// and holds no patient data. Handlers call failErr with a fault error;
// fail directly only for HTTP-level refusals no fault code describes.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isAPI(r) {
		writeJSON(w, status, apiError{Error: msg})
		return
	}
	s.pages.renderError(w, r, status, msg)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// setSessionCookie sends the session cookie: HttpOnly (no script reads
// it), SameSite=Lax (not sent on cross-site subrequests or POSTs, but sent
// to the codec server from the Temporal UI on another port of the same
// site), Secure over https. It lives as long as the browser; the server
// ends the session on idle.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: token, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}
