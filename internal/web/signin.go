package web

import (
	"errors"
	"fmt"
	"github.com/rcmbot/rcmbot/internal/audit"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// loginCSRFCookie carries the sign-in form's CSRF token (double submit:
// the form field must equal the cookie), since there is no session yet.
const loginCSRFCookie = "rcmbot_signin"

type loginData struct {
	Next     string
	Username string
	CSRF     string
	Notice   string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if id, err := s.auth.Identify(r, s.cookieName); err == nil && !id.ViaToken() {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d := loginData{Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("why") == "expired" {
		d.Notice = fmt.Sprintf("You were signed out after %s without activity, to protect patient data. Sign in again to continue.", humanDuration(s.auth.Idle()))
	}
	s.renderLogin(w, http.StatusOK, d, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, d loginData, errMsg string) {
	token, _ := auth.NewToken("")
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	d.CSRF = token
	s.pages.render(w, status, "login", view{Title: "Sign in", Error: errMsg, Data: d})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	d := loginData{Next: safeNext(r.PostFormValue("next")), Username: r.PostFormValue("username")}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !tokenEqual(r.PostFormValue(csrfField), c.Value) {
		s.renderLogin(w, http.StatusForbidden, d, "The sign-in form expired. Enter your username and password again.")
		return
	}
	if !s.limiter.Allow(clientAddr(r)) {
		s.log.Warn("web: sign-in throttled", "client", clientAddr(r))
		s.renderLogin(w, http.StatusTooManyRequests, d, "Too many sign-in attempts from this computer. Wait a minute, then try again.")
		return
	}
	token, _, u, err := s.auth.SignIn(r.Context(), d.Username, r.PostFormValue("password"), clientAddr(r))
	switch {
	case errors.Is(err, auth.ErrLocked):
		s.recordSignIn(r, d.Username, audit.SignInLockout, "")
	case errors.Is(err, auth.ErrBadSignIn):
		s.recordSignIn(r, d.Username, audit.SignInFailure, "")
	case err == nil:
		s.recordSignIn(r, u.Username, audit.SignInSuccess, "")
	}
	switch {
	case errors.Is(err, auth.ErrBadSignIn), errors.Is(err, auth.ErrLocked):
		// One message for both, so the form does not reveal which
		// usernames exist or are locked.
		s.log.Info("web: sign-in refused", "username", u.Username, "client", clientAddr(r), "locked", errors.Is(err, auth.ErrLocked))
		s.renderLogin(w, http.StatusUnauthorized, d, fmt.Sprintf(
			"Username or password not recognised. After %d failed attempts from this computer, sign-in from here pauses for %s, then longer with each further failure; an administrator can lift it.",
			s.auth.MaxFailures(), humanDuration(s.auth.LockFor())))
		return
	case err != nil:
		s.log.Error("web: sign-in", "err", err)
		s.renderLogin(w, http.StatusServiceUnavailable, d, "Sign-in is not available right now. Try again in a minute.")
		return
	}
	s.log.Info("web: signed in", "username", u.Username, "client", clientAddr(r))
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	s.setSessionCookie(w, token)
	if u.MustChangePassword {
		http.Redirect(w, r, mustChangePage, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// mustChangePage is where a user whose password someone else chose is
// sent, and kept, until they change it.
const mustChangePage = "/account?why=change"

// logout ends the session. The form's CSRF token must match, so another
// site cannot sign staff out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	id, err := s.auth.Identify(r, s.cookieName)
	if err == nil && !id.ViaToken() {
		if !tokenEqual(r.PostFormValue(csrfField), id.Session.CSRFToken) {
			s.failErr(w, r, "the sign-in form", errStaleForm)
			return
		}
		if c, err := r.Cookie(s.cookieName); err == nil {
			if err := s.auth.SignOut(r.Context(), c.Value); err != nil {
				s.failErr(w, r, "signing out", err)
				return
			}
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// accountData is the Account page: the user's API tokens, and a token
// just issued (shown once).
type accountData struct {
	Tokens    []tokenRow
	NewToken  string
	NewName   string
	MustFirst bool // the password must be changed before anything else
	Lifetimes []int
}

// tokenRow is one API token as the Account and Users pages list it.
type tokenRow struct {
	store.APIToken
	Expires time.Time
	Live    bool
}

// tokenLifetimes are the lifetimes (days) offered for a new token.
var tokenLifetimes = []int{7, 30, 90, 180, 365}

func (s *Server) tokenRows(r *http.Request, userID string) ([]tokenRow, error) {
	ts, err := s.db.APITokens(r.Context(), userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]tokenRow, 0, len(ts))
	for _, t := range ts {
		exp := auth.TokenExpiry(t)
		out = append(out, tokenRow{APIToken: t, Expires: exp, Live: t.RevokedAt.IsZero() && now.Before(exp)})
	}
	return out, nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Your account", "", nil)
	switch r.URL.Query().Get("done") {
	case "password":
		v.Flash = "Your password was changed. Every other session of yours was signed out."
	case "revoked":
		v.Flash = "The API token was revoked: it stops working at once."
	}
	s.renderAccount(w, r, id, http.StatusOK, v, accountData{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view, d accountData) {
	var err error
	if d.Tokens, err = s.tokenRows(r, id.User.ID); err != nil {
		s.failErr(w, r, "your API tokens", err)
		return
	}
	d.MustFirst, d.Lifetimes = id.User.MustChangePassword, tokenLifetimes
	if d.MustFirst && v.Error == "" {
		v.Error = "Your password was chosen for you (a new account or a reset). Choose your own before you go on."
	}
	v.Data = d
	s.page(w, status, "account", v)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	fail := func(status int, msg string) {
		v := newView(id, "Your account", "", nil)
		v.Error = msg
		s.renderAccount(w, r, id, status, v, accountData{})
	}
	if !s.limiter.Allow(clientAddr(r)) {
		fail(http.StatusTooManyRequests, "Too many attempts. Wait a minute, then try again.")
		return
	}
	ok, err := auth.VerifyPassword(id.User.PasswordHash, r.PostFormValue("current"))
	if err != nil || !ok {
		fail(http.StatusUnprocessableEntity, "Your current password is not right. Type it again.")
		return
	}
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		fail(http.StatusUnprocessableEntity, "The new password and its confirmation differ. Type them again.")
		return
	}
	if pw == r.PostFormValue("current") {
		fail(http.StatusUnprocessableEntity, "Choose a new password: this is the one you have.")
		return
	}
	err = auth.CheckPasswordPolicy(pw, id.User.Username, id.User.DisplayName)
	var hash string
	if err == nil {
		hash, err = auth.HashPassword(pw)
	}
	if errors.Is(err, auth.ErrWeakPassword) {
		fail(http.StatusUnprocessableEntity, upperFirst(err.Error())+".")
		return
	}
	if err != nil {
		s.failErr(w, r, "changing your password", err)
		return
	}
	// Every other session ends: whoever knew the old password is out.
	if err := s.db.SetPasswordHash(r.Context(), id.User.ID, hash, false, id.Session.ID); err != nil {
		s.failErr(w, r, "changing your password", err)
		return
	}
	if s.firstAdminFile != "" && id.User.Username == firstAdminName {
		if err := os.Remove(s.firstAdminFile); err == nil {
			s.log.Info("web: removed the first administrator's one-time password file", "file", s.firstAdminFile)
		}
	}
	s.log.Info("web: password changed", "username", id.User.Username)
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

// issueTokenForm issues an API token for the signed-in user, shown once.
func (s *Server) issueTokenForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Your account", "", nil)
	name := strings.TrimSpace(r.PostFormValue("name"))
	days, err := strconv.Atoi(r.PostFormValue("days"))
	switch {
	case name == "" || len(name) > 80:
		v.Error = "Name the token (at most 80 characters): what will use it, e.g. \"Temporal UI codec\"."
	case err != nil || !slices.Contains(tokenLifetimes, days):
		v.Error = "Choose how long the token lasts."
	}
	if v.Error != "" {
		s.renderAccount(w, r, id, http.StatusUnprocessableEntity, v, accountData{})
		return
	}
	tok, t, err := auth.IssueAPIToken(r.Context(), s.db, id.User.ID, name, time.Duration(days)*24*time.Hour, s.now())
	if err != nil {
		s.failErr(w, r, "issuing the token", err)
		return
	}
	s.log.Info("web: API token issued", "username", id.User.Username, "token", t.ID, "days", days)
	v.Flash = fmt.Sprintf("API token %s issued, valid until %s.", t.ID, t.ExpiresAt.In(s.cfg.Location()).Format(time.DateOnly))
	s.renderAccount(w, r, id, http.StatusOK, v, accountData{NewToken: tok, NewName: name})
}

// revokeTokenForm revokes one of the signed-in user's API tokens.
func (s *Server) revokeTokenForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.revokeToken(w, r, id, id.User.ID, "/account?done=revoked")
}

// revokeToken revokes the API token in the address if it belongs to the
// user owner (someone else's token is not found: not theirs to see), then
// sends the browser to done.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, id auth.Identity, owner, done string) {
	t, err := s.db.APIToken(r.Context(), r.PathValue("tid"))
	if err == nil && t.UserID != owner {
		err = store.ErrNotFound
	}
	if err != nil {
		s.failErr(w, r, "the API token", lookup(err, "API token "+r.PathValue("tid")))
		return
	}
	if err := s.db.RevokeAPIToken(r.Context(), t.ID); err != nil {
		s.failErr(w, r, "revoking the token", err)
		return
	}
	s.log.Info("web: API token revoked", "token", t.ID, "user_id", t.UserID, "by", id.User.Username)
	http.Redirect(w, r, done, http.StatusSeeOther)
}
