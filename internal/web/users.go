package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// firstAdminName is the username of the administrator EnsureFirstAdmin makes.
const firstAdminName = "admin"

// EnsureFirstAdmin creates an administrator "admin" with a random password
// when the database has no users. The password goes into passwordFile
// (created owner-only, never overwritten), never into out, which is often
// a log: out says where to find it and how to sign in at publicURL. The
// password must be changed at the first sign-in, and the web app removes
// the file when it is (Options.FirstAdminPasswordFile). With users present
// it does nothing and reports false.
func EnsureFirstAdmin(ctx context.Context, accounts auth.Accounts, publicURL, passwordFile string, out io.Writer) (bool, error) {
	us, err := accounts.Users(ctx)
	if err != nil {
		return false, fmt.Errorf("first admin: %w", err)
	}
	if len(us) > 0 {
		return false, nil
	}
	pw := auth.GeneratePassword()
	f, err := os.OpenFile(passwordFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("first admin: write its one-time password: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s\n", pw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("first admin: write its one-time password: %w", err)
	}
	u, _, err := auth.CreateAccount(ctx, accounts, auth.NewAccount{Username: firstAdminName, DisplayName: "Administrator", Role: store.RoleAdmin,
		Password: pw, MustChange: true})
	if err != nil {
		os.Remove(passwordFile)
		if errors.Is(err, store.ErrConflict) {
			return false, nil // another process created it first
		}
		return false, fmt.Errorf("first admin: %w", err)
	}
	fmt.Fprintf(out, "\nFirst administrator created. Sign in at %s/login as %s with the one-time password in\n  %s\n"+
		"(readable only by you). rcmbot asks for a new password at once and then deletes the file. Add staff on\n"+
		"the Users page (or with `rcmbot users add NAME --role biller|reviewer|admin|auditor`).\n\n",
		strings.TrimRight(publicURL, "/"), u.Username, passwordFile)
	return true, nil
}

type userRow struct {
	store.User
	// LockedAt counts the client addresses the user's sign-in is locked
	// at after failures there (never everywhere at once).
	LockedAt int
	Tokens   []tokenRow
	Self     bool
}

type usersPageData struct {
	Users []userRow
	Roles []store.Role
	// Secret is a password just set, shown once.
	Secret     string
	SecretUser string
	Form       struct{ Username, DisplayName, Role string }
}

var allRoles = []store.Role{store.RoleBiller, store.RoleReviewer, store.RoleAdmin, store.RoleAuditor, store.RolePurchaser, store.RoleFrontDesk, store.RolePrivacyOfficer}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Users", "users", nil)
	v.Flash = map[string]string{
		"role":    "Role changed. It applies from the user's next request.",
		"disable": "User disabled and signed out everywhere. Their API tokens stop working.",
		"enable":  "User enabled. They can sign in again.",
		"unlock":  "Sign-in locks lifted: they can sign in from everywhere again.",
		"revoke":  "API token revoked: it stops working at once.",
	}[r.URL.Query().Get("done")]
	s.renderUsers(w, r, id, http.StatusOK, v, usersPageData{})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view, d usersPageData) {
	us, err := s.db.Users(r.Context())
	if err != nil {
		s.failErr(w, r, "the user list", err)
		return
	}
	locks, err := s.db.LockedLogins(r.Context(), s.now())
	if err != nil {
		s.failErr(w, r, "the user list", err)
		return
	}
	lockedAt := map[string]int{}
	for _, l := range locks {
		lockedAt[l.UserID]++
	}
	for _, u := range us {
		row := userRow{User: u, LockedAt: lockedAt[u.ID], Self: u.ID == id.User.ID}
		if row.Tokens, err = s.tokenRows(r, u.ID); err != nil {
			s.failErr(w, r, "the user list", err)
			return
		}
		d.Users = append(d.Users, row)
	}
	d.Roles = allRoles
	v.Data = d
	s.page(w, status, "users", v)
}

func (s *Server) addUserForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var d usersPageData
	d.Form.Username, d.Form.DisplayName, d.Form.Role = r.PostFormValue("username"), r.PostFormValue("display_name"), r.PostFormValue("role")
	v := newView(id, "Users", "users", nil)
	// A password the administrator chose is theirs to know: the user
	// replaces it at the first sign-in, as a generated one.
	u, pw, err := auth.CreateAccount(r.Context(), s.db, auth.NewAccount{Username: d.Form.Username, DisplayName: d.Form.DisplayName,
		Role: store.Role(d.Form.Role), Password: r.PostFormValue("password"), MustChange: true})
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
		err = s.db.ClearLoginFailures(ctx, u.ID, "")
	case "reset":
		pw := auth.GeneratePassword()
		hash, herr := auth.HashPassword(pw)
		if herr != nil {
			s.failErr(w, r, "resetting the password", herr)
			return
		}
		// Every session of the user ends; the new password must be
		// replaced at the next sign-in.
		if err := s.db.SetPasswordHash(ctx, u.ID, hash, true, ""); err != nil {
			s.failErr(w, r, "resetting the password", err)
			return
		}
		s.log.Info("web: password reset", "username", u.Username, "by", id.User.Username)
		v.Flash = "Password reset for " + u.Username + ": they are signed out everywhere and choose a new password at their next sign-in."
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

// revokeUserTokenForm revokes another user's API token (administrators).
func (s *Server) revokeUserTokenForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.revokeToken(w, r, id, r.PathValue("uid"), "/users?done=revoke")
}
