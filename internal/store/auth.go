package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// Role is what a user may do.
type Role string

// The roles: biller uploads and views; reviewer also reviews claims;
// admin also manages users and schedules; auditor reads, including the
// PHI access log, and changes nothing; purchaser views what billers
// view, approves and rejects purchase orders and receives deliveries
// (inventory.RolePurchaser is the same name); front desk views, books
// appointments and marks attendance (schedule.RoleFrontDesk is the same
// name); the privacy officer reads what auditors read and decides
// access-monitoring cases (audit.RolePrivacyOfficer is the same name).
const (
	RoleBiller    Role = "biller"
	RoleReviewer  Role = "reviewer"
	RoleAdmin     Role = "admin"
	RoleAuditor   Role = "auditor"
	RolePurchaser Role = "purchaser"
	RoleFrontDesk Role = "front_desk"
	// RolePrivacyOfficer decides the access-monitoring bot's cases.
	RolePrivacyOfficer Role = "privacy_officer"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	return r == RoleBiller || r == RoleReviewer || r == RoleAdmin || r == RoleAuditor || r == RolePurchaser || r == RoleFrontDesk || r == RolePrivacyOfficer
}

// User is a person who signs in to rcmbot.
type User struct {
	ID           string
	Username     string // lower case, unique
	DisplayName  string
	PasswordHash string // bcrypt or argon2 encoded hash; never the password
	Role         Role
	Disabled     bool
	// MustChangePassword is set while the password is one someone else
	// chose (generated for a new account, reset by an administrator): the
	// user may do nothing but change it.
	MustChangePassword bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const userCols = "id, username, display_name, password_hash, role, disabled, must_change_password, created_at, updated_at"

func userDest(u *User) []any {
	return []any{&u.ID, &u.Username, &u.DisplayName, &u.PasswordHash, &u.Role, &u.Disabled, &u.MustChangePassword,
		scanTime(&u.CreatedAt), scanTime(&u.UpdatedAt)}
}

// NormalizeUsername is how usernames are stored and looked up: trimmed
// and lower case, so "Alice" and "alice" are one user.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewUser describes a user to create.
type NewUser struct {
	Username     string
	DisplayName  string
	PasswordHash string
	Role         Role
	// MustChangePassword: the password was chosen for the user, who must
	// change it at the first sign-in.
	MustChangePassword bool
}

// CreateUser adds a user. A taken username is ErrConflict.
func (d *DB) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	u := User{ID: opaqueid.New("u-"), Username: NormalizeUsername(nu.Username), DisplayName: nu.DisplayName,
		PasswordHash: nu.PasswordHash, Role: nu.Role, MustChangePassword: nu.MustChangePassword, CreatedAt: now()}
	u.UpdatedAt = u.CreatedAt
	if u.Username == "" || !u.Role.Valid() {
		return User{}, fmt.Errorf("create user %q: a username and a role (biller, reviewer, admin, auditor) are required: %w", u.Username, ErrInvalid)
	}
	_, err := exec(ctx, d.w, `INSERT INTO users (id, username, display_name, password_hash, role, disabled, must_change_password, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Username, u.DisplayName, u.PasswordHash, u.Role, false, u.MustChangePassword, ts(u.CreatedAt), ts(u.UpdatedAt))
	if isUniqueViolation(err) {
		return User{}, fmt.Errorf("create user %q: %w", u.Username, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", u.Username, err)
	}
	return u, nil
}

// User returns the user with the given ID.
func (d *DB) User(ctx context.Context, id string) (User, error) {
	u, err := queryOne(ctx, d.r, userDest, "SELECT "+userCols+" FROM users WHERE id = ?", id)
	if err != nil {
		return u, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// UserByUsername returns the user with the given username (normalized).
func (d *DB) UserByUsername(ctx context.Context, username string) (User, error) {
	u, err := queryOne(ctx, d.r, userDest, "SELECT "+userCols+" FROM users WHERE username = ?", NormalizeUsername(username))
	if err != nil {
		return u, fmt.Errorf("get user %q: %w", NormalizeUsername(username), err)
	}
	return u, nil
}

// Users lists every user by username.
func (d *DB) Users(ctx context.Context) ([]User, error) {
	out, err := queryAll(ctx, d.r, userDest, "SELECT "+userCols+" FROM users ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// SetUserDisabled disables or re-enables a user. Disabling also ends the
// user's sessions; API token lookups report the user disabled.
func (d *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOne(ctx, tx, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", disabled, ts(now()), id); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		_, err := exec(ctx, tx, "DELETE FROM sessions WHERE user_id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("set user %s disabled=%t: %w", id, disabled, err)
	}
	return nil
}

// SetPasswordHash replaces a user's password hash, ends every session of
// the user except keepSession (the one changing its own password; "" ends
// them all, as an administrator's reset does) and clears failed sign-ins.
// mustChange makes the user change it at the next sign-in (a password
// someone else chose).
func (d *DB) SetPasswordHash(ctx context.Context, id, hash string, mustChange bool, keepSession string) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOne(ctx, tx, "UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?",
			hash, mustChange, ts(now()), id); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", id, keepSession); err != nil {
			return err
		}
		_, err := exec(ctx, tx, "DELETE FROM login_failures WHERE user_id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("set password of user %s: %w", id, err)
	}
	return nil
}

// SetUserRole changes a user's role.
func (d *DB) SetUserRole(ctx context.Context, id string, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("set role of user %s: role %q: %w", id, role, ErrInvalid)
	}
	if err := execOne(ctx, d.w, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", role, ts(now()), id); err != nil {
		return fmt.Errorf("set role of user %s: %w", id, err)
	}
	return nil
}

// LoginFailures is the failed sign-ins of one account from one client
// address since its last success there.
type LoginFailures struct {
	UserID      string
	ClientAddr  string
	Failures    int
	LastAt      time.Time
	LockedUntil time.Time // zero unless locked
}

const loginFailureCols = "user_id, client_addr, failures, last_at, locked_until"

func loginFailureDest(f *LoginFailures) []any {
	return []any{&f.UserID, &f.ClientAddr, &f.Failures, scanTime(&f.LastAt), scanTime(&f.LockedUntil)}
}

// RecordLoginFailure counts a failed sign-in of a user from addr at t and
// locks that pair (only) until t+lockFor(failures) when that is positive.
// It returns the count as updated.
func (d *DB) RecordLoginFailure(ctx context.Context, id, addr string, t time.Time, lockFor func(failures int) time.Duration) (LoginFailures, error) {
	var f LoginFailures
	t = t.UTC().Truncate(time.Microsecond)
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, `INSERT INTO login_failures (user_id, client_addr, failures, last_at) VALUES (?, ?, 1, ?)
			ON CONFLICT (user_id, client_addr) DO UPDATE SET failures = login_failures.failures + 1, last_at = excluded.last_at`,
			id, addr, ts(t)); err != nil {
			return err
		}
		var err error
		if f, err = queryOne(ctx, tx, loginFailureDest, "SELECT "+loginFailureCols+" FROM login_failures WHERE user_id = ? AND client_addr = ?", id, addr); err != nil {
			return err
		}
		if d := lockFor(f.Failures); d > 0 {
			f.LockedUntil = t.Add(d)
			_, err = exec(ctx, tx, "UPDATE login_failures SET locked_until = ? WHERE user_id = ? AND client_addr = ?", ts(f.LockedUntil), id, addr)
		}
		return err
	})
	if err != nil {
		return f, fmt.Errorf("record failed sign-in of user %s: %w", id, err)
	}
	return f, nil
}

// LoginFailuresOf returns the failed sign-ins of a user from addr (zero
// counts when there are none).
func (d *DB) LoginFailuresOf(ctx context.Context, id, addr string) (LoginFailures, error) {
	f, err := queryOne(ctx, d.r, loginFailureDest, "SELECT "+loginFailureCols+" FROM login_failures WHERE user_id = ? AND client_addr = ?", id, addr)
	if errors.Is(err, ErrNotFound) {
		return LoginFailures{UserID: id, ClientAddr: addr}, nil
	}
	if err != nil {
		return f, fmt.Errorf("failed sign-ins of user %s: %w", id, err)
	}
	return f, nil
}

// LockedLogins lists the account and address pairs locked at t.
func (d *DB) LockedLogins(ctx context.Context, t time.Time) ([]LoginFailures, error) {
	out, err := queryAll(ctx, d.r, loginFailureDest, "SELECT "+loginFailureCols+" FROM login_failures WHERE locked_until > ? ORDER BY user_id, client_addr", ts(t))
	if err != nil {
		return nil, fmt.Errorf("list locked sign-ins: %w", err)
	}
	return out, nil
}

// ClearLoginFailures forgets a user's failed sign-ins from addr (a
// success there), or from everywhere when addr is "" (an administrator's
// unlock).
func (d *DB) ClearLoginFailures(ctx context.Context, id, addr string) error {
	q, args := "DELETE FROM login_failures WHERE user_id = ?", []any{id}
	if addr != "" {
		q, args = q+" AND client_addr = ?", append(args, addr)
	}
	if _, err := exec(ctx, d.w, q, args...); err != nil {
		return fmt.Errorf("clear failed sign-ins of user %s: %w", id, err)
	}
	return nil
}

// Session is a signed-in browser. ID is a hash of the cookie's token;
// the token itself is never stored.
type Session struct {
	ID         string
	UserID     string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

const sessionCols = "id, user_id, csrf_token, created_at, last_seen_at, expires_at"

func sessionDest(s *Session) []any {
	return []any{&s.ID, &s.UserID, &s.CSRFToken, scanTime(&s.CreatedAt), scanTime(&s.LastSeenAt), scanTime(&s.ExpiresAt)}
}

// CreateSession stores a session; zero CreatedAt and LastSeenAt mean now.
func (d *DB) CreateSession(ctx context.Context, s Session) error {
	if s.ID == "" || s.UserID == "" || s.ExpiresAt.IsZero() {
		return fmt.Errorf("create session: ID, user and expiry are required: %w", ErrInvalid)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now()
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	_, err := exec(ctx, d.w, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?)",
		s.ID, s.UserID, s.CSRFToken, ts(s.CreatedAt), ts(s.LastSeenAt), ts(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session for user %s: %w", s.UserID, err)
	}
	return nil
}

// Session returns the session with the given ID (token hash), expired or
// not: the caller compares ExpiresAt with its clock.
func (d *DB) Session(ctx context.Context, id string) (Session, error) {
	s, err := queryOne(ctx, d.r, sessionDest, "SELECT "+sessionCols+" FROM sessions WHERE id = ?", id)
	if err != nil {
		return s, fmt.Errorf("get session: %w", err)
	}
	return s, nil
}

// TouchSession records activity on a session and moves its expiry.
func (d *DB) TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error {
	if err := execOne(ctx, d.w, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", ts(lastSeen), ts(expires), id); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (sign-out); an unknown ID is not an error.
func (d *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := exec(ctx, d.w, "DELETE FROM sessions WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before t and
// reports how many.
func (d *DB) DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error) {
	res, err := exec(ctx, d.w, "DELETE FROM sessions WHERE expires_at < ?", ts(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// APIToken is a bearer token for the REST API. Only its hash is stored.
type APIToken struct {
	ID         string
	UserID     string
	TokenHash  string
	Name       string // what the token is for, e.g. "codec server"
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
	// ExpiresAt is when the token stops working; zero for tokens issued
	// before tokens expired (package auth gives them a lifetime).
	ExpiresAt time.Time
}

const tokenCols = "id, user_id, token_hash, name, created_at, last_used_at, revoked_at, expires_at"

func tokenDest(t *APIToken) []any {
	return []any{&t.ID, &t.UserID, &t.TokenHash, &t.Name, scanTime(&t.CreatedAt), scanTime(&t.LastUsedAt), scanTime(&t.RevokedAt), scanTime(&t.ExpiresAt)}
}

// CreateAPIToken stores a new token hash for a user, valid until expires.
func (d *DB) CreateAPIToken(ctx context.Context, userID, tokenHash, name string, expires time.Time) (APIToken, error) {
	t := APIToken{ID: opaqueid.New("tk-"), UserID: userID, TokenHash: tokenHash, Name: name, CreatedAt: now(), ExpiresAt: expires.UTC().Truncate(time.Microsecond)}
	if userID == "" || tokenHash == "" || expires.IsZero() {
		return APIToken{}, fmt.Errorf("create API token: user, hash and expiry are required: %w", ErrInvalid)
	}
	_, err := exec(ctx, d.w, "INSERT INTO api_tokens (id, user_id, token_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		t.ID, t.UserID, t.TokenHash, t.Name, ts(t.CreatedAt), ts(t.ExpiresAt))
	if isUniqueViolation(err) {
		return APIToken{}, fmt.Errorf("create API token for user %s: %w", userID, ErrConflict)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("create API token for user %s: %w", userID, err)
	}
	return t, nil
}

// APITokenByHash returns the unrevoked token with the given hash and its
// user (who may be disabled: check). A revoked or unknown token is
// ErrNotFound.
func (d *DB) APITokenByHash(ctx context.Context, tokenHash string) (APIToken, User, error) {
	type pair struct {
		t APIToken
		u User
	}
	p, err := queryOne(ctx, d.r, func(p *pair) []any { return append(tokenDest(&p.t), userDest(&p.u)...) },
		"SELECT t."+strings.ReplaceAll(tokenCols, ", ", ", t.")+", u."+strings.ReplaceAll(userCols, ", ", ", u.")+
			` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL`, tokenHash)
	if err != nil {
		return APIToken{}, User{}, fmt.Errorf("look up API token: %w", err)
	}
	return p.t, p.u, nil
}

// TouchAPIToken records that a token was used at t.
func (d *DB) TouchAPIToken(ctx context.Context, id string, t time.Time) error {
	if err := execOne(ctx, d.w, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", ts(t), id); err != nil {
		return fmt.Errorf("touch API token %s: %w", id, err)
	}
	return nil
}

// APIToken returns one token (revoked or not).
func (d *DB) APIToken(ctx context.Context, id string) (APIToken, error) {
	t, err := queryOne(ctx, d.r, tokenDest, "SELECT "+tokenCols+" FROM api_tokens WHERE id = ?", id)
	if err != nil {
		return t, fmt.Errorf("get API token %s: %w", id, err)
	}
	return t, nil
}

// RevokeAPIToken revokes a token; revoking twice keeps the first time.
func (d *DB) RevokeAPIToken(ctx context.Context, id string) error {
	if err := execOne(ctx, d.w, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", ts(now()), id); err != nil {
		return fmt.Errorf("revoke API token %s: %w", id, err)
	}
	return nil
}

// APITokens lists a user's tokens, revoked ones included, oldest first.
func (d *DB) APITokens(ctx context.Context, userID string) ([]APIToken, error) {
	out, err := queryAll(ctx, d.r, tokenDest, "SELECT "+tokenCols+" FROM api_tokens WHERE user_id = ? ORDER BY created_at, id", userID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens of user %s: %w", userID, err)
	}
	return out, nil
}
