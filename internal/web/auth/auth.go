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
	"net/netip"
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
	DefaultLockFor     = time.Minute
	DefaultMaxLock     = time.Hour
)

// API token lifetimes: DefaultTokenLifetime when none is asked for, at
// most MaxTokenLifetime. Tokens issued before tokens expired count as
// issued with DefaultTokenLifetime.
const (
	DefaultTokenLifetime = 90 * 24 * time.Hour
	MaxTokenLifetime     = 366 * 24 * time.Hour
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
	// ErrLocked: too many failed sign-ins from this address; the account
	// is locked for a while here, and only here (sign-in shows the same
	// message as ErrBadSignIn).
	ErrLocked = errors.New("sign-in from this address locked after repeated failures")
	// ErrMustChangePassword: the password was set by someone else and
	// must be changed before anything else.
	ErrMustChangePassword = errors.New("the password must be changed first")
)

// Accounts is what sign-in, sessions and API tokens need of the database;
// *store.DB is one.
type Accounts interface {
	CreateUser(ctx context.Context, nu store.NewUser) (store.User, error)
	User(ctx context.Context, id string) (store.User, error)
	UserByUsername(ctx context.Context, username string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	RecordLoginFailure(ctx context.Context, id, addr string, t time.Time, lockFor func(failures int) time.Duration) (store.LoginFailures, error)
	LoginFailuresOf(ctx context.Context, id, addr string) (store.LoginFailures, error)
	ClearLoginFailures(ctx context.Context, id, addr string) error

	CreateSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, id string) (store.Session, error)
	TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, id string) error

	CreateAPIToken(ctx context.Context, userID, tokenHash, name string, expires time.Time) (store.APIToken, error)
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
	// MaxFailures consecutive failed sign-ins of one account from one
	// client address lock that account there (nowhere else) for LockFor,
	// doubling with every further failure up to MaxLock.
	MaxFailures int
	LockFor     time.Duration
	MaxLock     time.Duration
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
	maxLock     time.Duration
	now         func() time.Time

	dummyOnce sync.Once
	dummy     string // a hash to verify against when there is no user, so timing does not reveal usernames
}

// New returns a Service; zero Config fields take the defaults.
func New(c Config) *Service {
	s := &Service{accounts: c.Accounts, idle: c.Idle, maxAge: c.MaxAge, maxFailures: c.MaxFailures, lockFor: c.LockFor, maxLock: c.MaxLock, now: c.Now}
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
	if s.maxLock < s.lockFor {
		s.maxLock = max(DefaultMaxLock, s.lockFor)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Idle returns the idle timeout.
func (s *Service) Idle() time.Duration { return s.idle }

// MaxFailures returns how many failed sign-ins from one address lock an
// account there.
func (s *Service) MaxFailures() int { return s.maxFailures }

// LockFor returns how long the first lock lasts (each further failure
// doubles it, up to MaxLock).
func (s *Service) LockFor() time.Duration { return s.lockFor }

// lockAfter is the lock after the n-th consecutive failure from one
// address: none before MaxFailures, then LockFor doubling each time.
func (s *Service) lockAfter(n int) time.Duration {
	if n < s.maxFailures {
		return 0
	}
	d := s.lockFor
	for i := s.maxFailures; i < n && d < s.maxLock; i++ {
		d *= 2
	}
	return min(d, s.maxLock)
}

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
	if !now.Before(TokenExpiry(t)) {
		return id, fmt.Errorf("API token %s of %s: %w", t.ID, u.Username, ErrExpired)
	}
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

// ClientKey is the address under which failed sign-ins are counted: an
// IPv4 address as it is, an IPv6 address as its /64 (one host commonly
// holds a whole /64, so rotating within it would dodge the count).
func ClientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.Is6() || ip.Is4In6() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// TokenExpiry is when an API token stops working.
func TokenExpiry(t store.APIToken) time.Time {
	if t.ExpiresAt.IsZero() {
		return t.CreatedAt.Add(DefaultTokenLifetime)
	}
	return t.ExpiresAt
}

// SignIn checks a username and password from the client address addr. On
// success it starts a session and returns the cookie token (to send once,
// never stored) with the session. Wrong credentials are ErrBadSignIn; an
// account locked at addr after repeated failures there is ErrLocked (it
// stays open from every other address); both take as long as a right
// password would. A user who must change the password gets a session all
// the same: the web app lets it do nothing else.
func (s *Service) SignIn(ctx context.Context, username, password, addr string) (string, store.Session, store.User, error) {
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
	addr = ClientKey(addr)
	fails, err := s.accounts.LoginFailuresOf(ctx, u.ID, addr)
	if err != nil {
		return "", store.Session{}, u, err
	}
	if now.Before(fails.LockedUntil) {
		return "", store.Session{}, u, ErrLocked
	}
	if !ok {
		fails, err = s.accounts.RecordLoginFailure(ctx, u.ID, addr, now, s.lockAfter)
		if err != nil {
			return "", store.Session{}, u, err
		}
		if now.Before(fails.LockedUntil) {
			return "", store.Session{}, u, ErrLocked
		}
		return "", store.Session{}, u, ErrBadSignIn
	}
	if fails.Failures > 0 {
		if err := s.accounts.ClearLoginFailures(ctx, u.ID, addr); err != nil {
			return "", store.Session{}, u, err
		}
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

// ErrTokenLifetime is wrapped by IssueAPIToken's error for a lifetime
// over MaxTokenLifetime.
var ErrTokenLifetime = fmt.Errorf("an API token lasts at most %d days", int(MaxTokenLifetime.Hours()/24))

// IssueAPIToken creates an API token for a user, valid for lifetime (0 =
// DefaultTokenLifetime, at most MaxTokenLifetime) from now, and returns
// it; only its hash is kept, so this is the one time it can be shown.
func IssueAPIToken(ctx context.Context, accounts Accounts, userID, name string, lifetime time.Duration, now time.Time) (string, store.APIToken, error) {
	switch {
	case lifetime == 0:
		lifetime = DefaultTokenLifetime
	case lifetime < 0 || lifetime > MaxTokenLifetime:
		return "", store.APIToken{}, ErrTokenLifetime
	}
	token, hash := NewToken(APITokenPrefix)
	t, err := accounts.CreateAPIToken(ctx, userID, hash, name, now.Add(lifetime))
	if err != nil {
		return "", store.APIToken{}, err
	}
	return token, t, nil
}
