package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// EnsureFirstAdmin creates an administrator "admin" with a random password
// when the database has no users, and writes to out how to sign in at
// publicURL (the password is shown this once; only its hash is stored). With
// users present it does nothing and reports false.
func EnsureFirstAdmin(ctx context.Context, accounts auth.Accounts, publicURL string, out io.Writer) (bool, error) {
	us, err := accounts.Users(ctx)
	if err != nil {
		return false, fmt.Errorf("first admin: %w", err)
	}
	if len(us) > 0 {
		return false, nil
	}
	u, pw, err := auth.CreateAccount(ctx, accounts, auth.NewAccount{Username: "admin", DisplayName: "Administrator", Role: store.RoleAdmin})
	if errors.Is(err, store.ErrConflict) {
		return false, nil // another process created it first
	}
	if err != nil {
		return false, fmt.Errorf("first admin: %w", err)
	}
	fmt.Fprintf(out, "\nFirst administrator created. Sign in at %s/login\n  username: %s\n  password: %s\n"+
		"This password is shown once. Change it on the Account page, then add staff on the Users page\n"+
		"(or with `rcmbot users add NAME --role biller|reviewer|admin|auditor`).\n\n",
		strings.TrimRight(publicURL, "/"), u.Username, pw)
	return true, nil
}

type userRow struct {
	store.User
	Locked bool
	Self   bool
}

type usersPageData struct {
	Users []userRow
	Roles []store.Role
	// Secret is a password just set, shown once.
	Secret     string
	SecretUser string
	Form       struct{ Username, DisplayName, Role string }
}

var allRoles = []store.Role{store.RoleBiller, store.RoleReviewer, store.RoleAdmin, store.RoleAuditor}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Users", "users", nil)
	v.Flash = map[string]string{
		"role":    "Role changed. It applies from the user's next request.",
		"disable": "User disabled and signed out everywhere. Their API tokens stop working.",
		"enable":  "User enabled. They can sign in again.",
		"unlock":  "User unlocked. They can sign in again.",
	}[r.URL.Query().Get("done")]
	s.renderUsers(w, r, id, http.StatusOK, v, usersPageData{})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view, d usersPageData) {
	us, err := s.db.Users(r.Context())
	if err != nil {
		s.failErr(w, r, "the user list", err)
		return
	}
	now := s.now()
	for _, u := range us {
		d.Users = append(d.Users, userRow{User: u, Locked: now.Before(u.LockedUntil), Self: u.ID == id.User.ID})
	}
	d.Roles = allRoles
	v.Data = d
	s.page(w, status, "users", v)
}

func (s *Server) addUserForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var d usersPageData
	d.Form.Username, d.Form.DisplayName, d.Form.Role = r.PostFormValue("username"), r.PostFormValue("display_name"), r.PostFormValue("role")
	v := newView(id, "Users", "users", nil)
	u, pw, err := auth.CreateAccount(r.Context(), s.db, auth.NewAccount{Username: d.Form.Username, DisplayName: d.Form.DisplayName,
		Role: store.Role(d.Form.Role), Password: r.PostFormValue("password")})
	switch {
	case errors.Is(err, store.ErrConflict):
		v.Error = fmt.Sprintf("There is already a user %q. Pick another username.", store.NormalizeUsername(d.Form.Username))
	case errors.As(err, new(*auth.AccountError)) || errors.Is(err, auth.ErrWeakPassword):
		v.Error = upperFirst(err.Error()) + "."
	case err != nil:
		s.failErr(w, r, "adding the user", err)
		return
	}
	if v.Error != "" {
		s.renderUsers(w, r, id, http.StatusUnprocessableEntity, v, d)
		return
	}
	s.log.Info("web: user added", "username", u.Username, "role", u.Role, "by", id.User.Username)
	v.Flash = fmt.Sprintf("User %s added as %s.", u.Username, u.Role)
	d = usersPageData{Secret: pw, SecretUser: u.Username}
	s.renderUsers(w, r, id, http.StatusOK, v, d)
}

// userActionForm changes another user: role, disable, enable, reset
// (a new generated password, shown once) or unlock. Admins cannot disable
// themselves or change their own role, so an rcmbot never loses its last
// administrator by accident.
func (s *Server) userActionForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	ctx := r.Context()
	action := r.PathValue("action")
	u, err := s.db.User(ctx, r.PathValue("uid"))
	if err != nil {
		s.failErr(w, r, "user "+r.PathValue("uid"), err)
		return
	}
	v := newView(id, "Users", "users", nil)
	if u.ID == id.User.ID && (action == "disable" || action == "role") {
		v.Error = "You cannot disable yourself or change your own role. Ask another administrator."
		s.renderUsers(w, r, id, http.StatusUnprocessableEntity, v, usersPageData{})
		return
	}
	switch action {
	case "role":
		role := store.Role(r.PostFormValue("role"))
		if !role.Valid() {
			v.Error = "Choose one of the roles biller, reviewer, admin or auditor."
			s.renderUsers(w, r, id, http.StatusUnprocessableEntity, v, usersPageData{})
			return
		}
		err = s.db.SetUserRole(ctx, u.ID, role)
	case "disable", "enable":
		err = s.db.SetUserDisabled(ctx, u.ID, action == "disable")
	case "unlock":
		err = s.db.RecordLoginSuccess(ctx, u.ID)
	case "reset":
		pw := auth.GeneratePassword()
		hash, herr := auth.HashPassword(pw)
		if herr != nil {
			s.failErr(w, r, "resetting the password", herr)
			return
		}
		if err := s.db.SetPasswordHash(ctx, u.ID, hash); err != nil {
			s.failErr(w, r, "resetting the password", err)
			return
		}
		s.log.Info("web: password reset", "username", u.Username, "by", id.User.Username)
		v.Flash = "Password reset for " + u.Username + "."
		s.renderUsers(w, r, id, http.StatusOK, v, usersPageData{Secret: pw, SecretUser: u.Username})
		return
	default:
		s.failErr(w, r, "the user action", fault.Errorf(fault.NotFound, "That is not a user action. Go back to the Users page."))
		return
	}
	if err != nil {
		s.failErr(w, r, "changing user "+u.Username, err)
		return
	}
	s.log.Info("web: user "+action, "username", u.Username, "by", id.User.Username)
	http.Redirect(w, r, "/users?done="+action, http.StatusSeeOther)
}
