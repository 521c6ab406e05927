package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
)

// Defaults for Config's zero fields.
const (
	DefaultIdle        = 30 * time.Minute
	DefaultMaxAge      = 12 * time.Hour
	DefaultMaxFailures = 5
	DefaultLockFor     = 15 * time.Minute
)

// APITokenPrefix starts every API token, so a leaked one is recognisable
// (secret scanners, log reviews).
const APITokenPrefix = "rcmbot_"

// Errors of Identify and SignIn; test with errors.Is.
var (
	// ErrNoCredentials: the request carries neither a session cookie nor
	// an Authorization header.
	ErrNoCredentials = errors.New("not signed in")
	// ErrInvalidCredentials: an unknown or revoked token or session, or a
	// malformed Authorization header.
	ErrInvalidCredentials = errors.New("credentials not recognised")
	// ErrExpired: the session ended (idle timeout or maximum age). The
	// returned Identity names its user.
	ErrExpired = errors.New("session expired")
	// ErrDisabled: the account is disabled. The returned Identity names
	// the user.
	ErrDisabled = errors.New("account disabled")
	// ErrBadSignIn: wrong username or password (or a disabled account:
	// sign-in does not tell them apart).
	ErrBadSignIn = errors.New("username or password not recognised")
	// ErrLocked: too many failed sign-ins; the account is locked for a
	// while (sign-in shows the same message as ErrBadSignIn).
	ErrLocked = errors.New("account locked after repeated failed sign-ins")
)

// Accounts is what sign-in, sessions and API tokens need of the database;
// *store.DB is one.
type Accounts interface {
	CreateUser(ctx context.Context, nu store.NewUser) (store.User, error)
	User(ctx context.Context, id string) (store.User, error)
	UserByUsername(ctx context.Context, username string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	RecordLoginFailure(ctx context.Context, id string, maxFailures int, lockFor time.Duration) (store.User, error)
	RecordLoginSuccess(ctx context.Context, id string) error

	CreateSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, id string) (store.Session, error)
	TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, id string) error

	CreateAPIToken(ctx context.Context, userID, tokenHash, name string) (store.APIToken, error)
	APITokenByHash(ctx context.Context, tokenHash string) (store.APIToken, store.User, error)
	TouchAPIToken(ctx context.Context, id string, t time.Time) error
}

// Config configures a Service.
type Config struct {
	Accounts Accounts
	// Idle ends a session after this long without a request.
	Idle time.Duration
	// MaxAge ends a session this long after sign-in, however active.
	MaxAge time.Duration
	// MaxFailures consecutive failed sign-ins lock an account for LockFor.
	MaxFailures int
	LockFor     time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service signs people in and identifies requests.
type Service struct {
	accounts    Accounts
	idle        time.Duration
	maxAge      time.Duration
	maxFailures int
	lockFor     time.Duration
	now         func() time.Time

	dummyOnce sync.Once
	dummy     string // a hash to verify against when there is no user, so timing does not reveal usernames
}

// New returns a Service; zero Config fields take the defaults.
func New(c Config) *Service {
	s := &Service{accounts: c.Accounts, idle: c.Idle, maxAge: c.MaxAge, maxFailures: c.MaxFailures, lockFor: c.LockFor, now: c.Now}
	if s.idle <= 0 {
		s.idle = DefaultIdle
	}
	if s.maxAge <= 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.maxFailures <= 0 {
		s.maxFailures = DefaultMaxFailures
	}
	if s.lockFor <= 0 {
		s.lockFor = DefaultLockFor
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Idle returns the idle timeout.
func (s *Service) Idle() time.Duration { return s.idle }

// MaxFailures returns how many failed sign-ins lock an account, and LockFor
// for how long.
func (s *Service) MaxFailures() int { return s.maxFailures }

// LockFor returns how long a locked account stays locked.
func (s *Service) LockFor() time.Duration { return s.lockFor }

// NewToken returns a fresh random token (prefix + 256 random bits,
// base64url) and the hash under which it is stored.
func NewToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand crashes the program instead)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a session or API token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Identity is who made a request.
type Identity struct {
	User store.User
	// Session is the browser session; zero for bearer-token requests.
	Session store.Session
	// Token is the API token's ID for bearer-token requests, "" for
	// sessions.
	Token string
}

// ViaToken reports whether the request was authenticated by an API token
// (no cookie, so no CSRF check is needed).
func (id Identity) ViaToken() bool { return id.Token != "" }

// Identify authenticates a request by its "Authorization: Bearer" header,
// or else by the session cookie named cookie. On ErrExpired and
// ErrDisabled the Identity still names the user (for the access log).
// A live session's expiry moves forward (idle timeout).
func (s *Service) Identify(r *http.Request, cookie string) (Identity, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return Identity{}, fmt.Errorf("authorization header: %w", ErrInvalidCredentials)
		}
		return s.identifyToken(ctx, strings.TrimSpace(tok))
	}
	c, err := r.Cookie(cookie)
	if err != nil || c.Value == "" {
		return Identity{}, ErrNoCredentials
	}
	return s.identifySession(ctx, c.Value)
}

func (s *Service) identifyToken(ctx context.Context, token string) (Identity, error) {
	t, u, err := s.accounts.APITokenByHash(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, fmt.Errorf("API token: %w", ErrInvalidCredentials)
	}
	if err != nil {
		return Identity{}, err
	}
	id := Identity{User: u, Token: t.ID}
	if u.Disabled {
		return id, fmt.Errorf("API token of %s: %w", u.Username, ErrDisabled)
	}
	now := s.now()
	if now.Sub(t.LastUsedAt) >= time.Minute {
		if err := s.accounts.TouchAPIToken(ctx, t.ID, now); err != nil {
			return Identity{}, err
		}
	}
	return id, nil
}

func (s *Service) identifySession(ctx context.Context, token string) (Identity, error) {
	hash := HashToken(token)
	sess, err := s.accounts.Session(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, fmt.Errorf("session: %w", ErrInvalidCredentials)
	}
	if err != nil {
		return Identity{}, err
	}
	u, err := s.accounts.User(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, fmt.Errorf("session user: %w", ErrInvalidCredentials)
	}
	if err != nil {
		return Identity{}, err
	}
	id := Identity{User: u, Session: sess}
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		if err := s.accounts.DeleteSession(ctx, hash); err != nil {
			return Identity{}, err
		}
		return id, ErrExpired
	}
	if u.Disabled {
		return id, fmt.Errorf("session of %s: %w", u.Username, ErrDisabled)
	}
	// Move the expiry; write at most every touchEvery so that a page
	// polling a batch's progress does not write on every request.
	if now.Sub(sess.LastSeenAt) >= s.touchEvery() {
		exp := s.expiry(sess.CreatedAt, now)
		if err := s.accounts.TouchSession(ctx, hash, now, exp); err != nil {
			return Identity{}, err
		}
		id.Session.LastSeenAt, id.Session.ExpiresAt = now, exp
	}
	return id, nil
}

// touchEvery is how stale LastSeenAt may get: a thirtieth of the idle
// timeout (one minute for 30 minutes), at least a second.
func (s *Service) touchEvery() time.Duration {
	return max(s.idle/30, time.Second)
}

func (s *Service) expiry(created, now time.Time) time.Time {
	exp, limit := now.Add(s.idle), created.Add(s.maxAge)
	if limit.Before(exp) {
		return limit
	}
	return exp
}

// SignIn checks a username and password. On success it starts a session
// and returns the cookie token (to send once, never stored) with the
// session. Wrong credentials are ErrBadSignIn, a locked account ErrLocked;
// both take as long as a right password would.
func (s *Service) SignIn(ctx context.Context, username, password string) (string, store.Session, store.User, error) {
	u, err := s.accounts.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", store.Session{}, store.User{}, err
	}
	if err != nil || u.Disabled || u.PasswordHash == "" {
		_, _ = VerifyPassword(s.dummyHash(), password)
		return "", store.Session{}, u, ErrBadSignIn
	}
	now := s.now()
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return "", store.Session{}, u, fmt.Errorf("user %s: %w", u.Username, err)
	}
	if now.Before(u.LockedUntil) {
		return "", store.Session{}, u, ErrLocked
	}
	if !ok {
		u, err = s.accounts.RecordLoginFailure(ctx, u.ID, s.maxFailures, s.lockFor)
		if err != nil {
			return "", store.Session{}, u, err
		}
		if now.Before(u.LockedUntil) {
			return "", store.Session{}, u, ErrLocked
		}
		return "", store.Session{}, u, ErrBadSignIn
	}
	if err := s.accounts.RecordLoginSuccess(ctx, u.ID); err != nil {
		return "", store.Session{}, u, err
	}
	token, hash := NewToken("")
	csrf, _ := NewToken("")
	sess := store.Session{ID: hash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now, ExpiresAt: s.expiry(now, now)}
	if err := s.accounts.CreateSession(ctx, sess); err != nil {
		return "", store.Session{}, u, err
	}
	return token, sess, u, nil
}

// SignOut ends the session whose cookie token is given.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.accounts.DeleteSession(ctx, HashToken(token))
}

func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = HashPassword(GeneratePassword())
	})
	return s.dummy
}

// IssueAPIToken creates an API token for a user and returns it; only its
// hash is kept, so this is the one time it can be shown.
func IssueAPIToken(ctx context.Context, accounts Accounts, userID, name string) (string, store.APIToken, error) {
	token, hash := NewToken(APITokenPrefix)
	t, err := accounts.CreateAPIToken(ctx, userID, hash, name)
	if err != nil {
		return "", store.APIToken{}, err
	}
	return token, t, nil
}
