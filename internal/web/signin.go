package web

import (
	"errors"
	"fmt"
	"net/http"

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
	token, _, u, err := s.auth.SignIn(r.Context(), d.Username, r.PostFormValue("password"))
	switch {
	case errors.Is(err, auth.ErrBadSignIn), errors.Is(err, auth.ErrLocked):
		// One message for both, so the form does not reveal which
		// usernames exist or are locked.
		s.log.Info("web: sign-in refused", "username", u.Username, "client", clientAddr(r), "locked", errors.Is(err, auth.ErrLocked))
		s.renderLogin(w, http.StatusUnauthorized, d, fmt.Sprintf(
			"Username or password not recognised. After %d failed attempts an account is locked for %s; an administrator can unlock it.",
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
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

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

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Your account", "", nil)
	if r.URL.Query().Get("done") == "password" {
		v.Flash = "Your password was changed."
	}
	s.page(w, http.StatusOK, "account", v)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	fail := func(status int, msg string) {
		v := newView(id, "Your account", "", nil)
		v.Error = msg
		s.page(w, status, "account", v)
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
	hash, err := auth.HashPassword(pw)
	if errors.Is(err, auth.ErrWeakPassword) {
		fail(http.StatusUnprocessableEntity, upperFirst(err.Error())+".")
		return
	}
	if err != nil {
		s.failErr(w, r, "changing your password", err)
		return
	}
	if err := s.db.SetPasswordHash(r.Context(), id.User.ID, hash); err != nil {
		s.failErr(w, r, "changing your password", err)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}
