package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the expected parameters", h)
	}
	if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password: ok=%t err=%v", ok, err)
	}
	for _, wrong := range []string{"correct horse batter", "Correct horse battery", "", strings.Repeat("x", 300)} {
		if ok, err := VerifyPassword(h, wrong); ok || err != nil {
			t.Errorf("wrong password %q: ok=%t err=%v", wrong, ok, err)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, pw := range []string{"", "short", "elevenchars", strings.Repeat(" ", 14), strings.Repeat("a", 257)} {
		if _, err := HashPassword(pw); !errors.Is(err, ErrWeakPassword) {
			t.Errorf("HashPassword(%q) = %v, want ErrWeakPassword", pw, err)
		}
	}
	// Twelve characters, counted as characters, not bytes.
	if err := CheckPasswordPolicy("ñññññññññññ"); err == nil {
		t.Error("11 two-byte characters accepted")
	}
	if err := CheckPasswordPolicy("twelve chars"); err != nil {
		t.Errorf("12 characters refused: %v", err)
	}
	// Common passwords (from the bundled list, with digits and symbols
	// around them), repeated characters and patterns, runs, and the
	// user's own name are refused.
	for _, pw := range []string{"aaaaaaaaaaaa", "abcabcabcabc", "121212121212", "123456789012", "abcdefghijklm", "zyxwvutsrqpo",
		"qwertyuiop123", "Password2024!", "dragon123456", "1qaz2wsx3edc", "iloveyou1234", "football!!!!", "rcmbot-is-great"} {
		if err := CheckPasswordPolicy(pw); !errors.Is(err, ErrWeakPassword) {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ErrWeakPassword", pw, err)
		}
	}
	if err := CheckPasswordPolicy("margarethe-in-march", "margarethe"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("a password holding the username: %v", err)
	}
	for _, pw := range []string{"correct horse battery", "violet tractor umbrella", "Xk2#pq9!Lm04", "blue-cactus-on-mars"} {
		if err := CheckPasswordPolicy(pw, "margarethe", "Margarethe Ng"); err != nil {
			t.Errorf("CheckPasswordPolicy(%q) refused: %v", pw, err)
		}
	}
}

func TestCommonPasswordListIsSortedAndComplete(t *testing.T) {
	l := commonPasswords()
	if len(l) < 40000 || !sort.StringsAreSorted(l) {
		t.Fatalf("%d common passwords, sorted %t", len(l), sort.StringsAreSorted(l))
	}
	for _, p := range l {
		if p != strings.ToLower(p) || len([]rune(p)) < 6 {
			t.Fatalf("entry %q is not lower case or is shorter than 6", p)
		}
	}
}

func TestVerifyRejectsMalformedAndHostileHashes(t *testing.T) {
	for _, h := range []string{
		"",
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt: not ours
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", // 4 GiB
		"$argon2id$v=19$m=19456,t=99,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		if ok, err := VerifyPassword(h, "whatever password"); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %t, %v; want an error", h, ok, err)
		}
	}
}

func TestGeneratePasswordMeetsPolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw := GeneratePassword()
		if err := CheckPasswordPolicy(pw); err != nil {
			t.Fatalf("generated %q: %v", pw, err)
		}
		if seen[pw] {
			t.Fatal("generated the same password twice")
		}
		seen[pw] = true
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newUser(t *testing.T, db *store.DB, name string, role store.Role, pw string) store.User {
	t.Helper()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(context.Background(), store.NewUser{Username: name, PasswordHash: h, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func requestWithCookie(token string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "s", Value: token})
	return r
}

func TestSessionIdleTimeoutAndMaxAge(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		newUser(t, db, "alice", store.RoleBiller, "alice password 1")
		clk := &clock{t: time.Now()}
		s := New(Config{Accounts: db, Idle: 10 * time.Minute, MaxAge: time.Hour, Now: clk.now})

		token, sess, u, err := s.SignIn(ctx, "Alice", "alice password 1", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "alice" || sess.CSRFToken == "" || sess.ID == token || sess.ID != HashToken(token) {
			t.Fatalf("session %+v for %q: the stored ID must be the token's hash, with a CSRF token", sess, u.Username)
		}
		// Activity every 9 minutes keeps the session alive past the idle
		// timeout, until the maximum age.
		for range 6 {
			clk.add(9 * time.Minute)
			if _, err := s.Identify(requestWithCookie(token), "s"); err != nil {
				t.Fatalf("at %v after sign-in: %v", clk.now().Sub(sess.CreatedAt), err)
			}
		}
		clk.add(7 * time.Minute) // 61 minutes after sign-in
		id, err := s.Identify(requestWithCookie(token), "s")
		if !errors.Is(err, ErrExpired) || id.User.Username != "alice" {
			t.Fatalf("after max age: %v (user %q), want ErrExpired naming alice", err, id.User.Username)
		}

		// Idle: a fresh session, then 10 minutes of silence.
		token, _, _, err = s.SignIn(ctx, "alice", "alice password 1", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		clk.add(9*time.Minute + 59*time.Second)
		if _, err := s.Identify(requestWithCookie(token), "s"); err != nil {
			t.Fatalf("just inside the idle timeout: %v", err)
		}
		clk.add(10 * time.Minute)
		if _, err := s.Identify(requestWithCookie(token), "s"); !errors.Is(err, ErrExpired) {
			t.Fatalf("after the idle timeout: %v, want ErrExpired", err)
		}
		// The expired session is gone: the same cookie is now unknown.
		if _, err := s.Identify(requestWithCookie(token), "s"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("reused expired cookie: %v, want ErrInvalidCredentials", err)
		}
	})
}

// TestSignInLockout: failures lock an account at the address they come
// from, with a lock that doubles with each further failure; the same
// account signs in from anywhere else, so guessing an administrator's
// password cannot lock the administrator out everywhere.
func TestSignInLockout(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "bob", store.RoleAdmin, "bob password 12")
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		s := New(Config{Accounts: db, MaxFailures: 3, LockFor: time.Minute, MaxLock: 4 * time.Minute, Now: clk.now})
		const attacker, office = "203.0.113.9", "198.51.100.20"
		for i := 1; i <= 2; i++ {
			if _, _, _, err := s.SignIn(ctx, "bob", "wrong password!", attacker); !errors.Is(err, ErrBadSignIn) {
				t.Fatalf("failure %d: %v, want ErrBadSignIn", i, err)
			}
		}
		if _, _, _, err := s.SignIn(ctx, "bob", "wrong password!", attacker); !errors.Is(err, ErrLocked) {
			t.Fatalf("third failure: %v, want ErrLocked", err)
		}
		// Locked there: even the right password fails there...
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12", attacker); !errors.Is(err, ErrLocked) {
			t.Fatalf("right password while locked: %v, want ErrLocked", err)
		}
		// ...and works from the office.
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12", office); err != nil {
			t.Fatalf("admin from another address while locked at the attacker's: %v", err)
		}
		// Backoff: each failure after the lock doubles it, up to MaxLock.
		for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 4 * time.Minute} {
			clk.add(time.Hour)
			if _, _, _, err := s.SignIn(ctx, "bob", "wrong password!", attacker); !errors.Is(err, ErrLocked) {
				t.Fatalf("failure after the lock: %v", err)
			}
			f, err := db.LoginFailuresOf(ctx, u.ID, attacker)
			if err != nil || f.LockedUntil.Sub(clk.now()) != want {
				t.Fatalf("lock %v (%v), want %v", f.LockedUntil.Sub(clk.now()), err, want)
			}
		}
		// IPv6 addresses count per /64.
		if ClientKey("2001:db8:1:2::1") != ClientKey("2001:db8:1:2:ffff::9") || ClientKey("2001:db8:1:3::1") == ClientKey("2001:db8:1:2::1") {
			t.Error("IPv6 /64s are not counted together")
		}
		// An administrator's unlock lifts every lock.
		if err := db.ClearLoginFailures(ctx, u.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12", attacker); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		// Unknown users and disabled users get the same answer as a wrong password.
		if _, _, _, err := s.SignIn(ctx, "nobody", "bob password 12", office); !errors.Is(err, ErrBadSignIn) {
			t.Fatalf("unknown user: %v", err)
		}
		if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12", office); !errors.Is(err, ErrBadSignIn) {
			t.Fatalf("disabled user: %v", err)
		}
	})
}

func TestBearerTokens(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "carol", store.RoleAuditor, "carol password")
		clk := &clock{t: time.Now()}
		s := New(Config{Accounts: db, Now: clk.now})
		token, tk, err := IssueAPIToken(ctx, db, u.ID, "scripts", 30*24*time.Hour, clk.now())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, APITokenPrefix) || tk.TokenHash != HashToken(token) {
			t.Fatalf("token %q stored as %q", token, tk.TokenHash)
		}
		req := func(h string) *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", h)
			return r
		}
		id, err := s.Identify(req("Bearer "+token), "s")
		if err != nil || id.User.Username != "carol" || !id.ViaToken() {
			t.Fatalf("valid token: %+v %v", id, err)
		}
		for _, h := range []string{"Bearer " + token + "x", "Basic " + token, "Bearer", token} {
			if _, err := s.Identify(req(h), "s"); !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("Authorization %q: %v, want ErrInvalidCredentials", h, err)
			}
		}
		if _, err := s.Identify(httptest.NewRequest("GET", "/", nil), "s"); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("no credentials: %v", err)
		}
		if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if id, err := s.Identify(req("Bearer "+token), "s"); !errors.Is(err, ErrDisabled) || id.User.Username != "carol" {
			t.Fatalf("disabled user's token: %v", err)
		}
		if err := db.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		// Expiry: the token works until it expires, then it is expired.
		clk.add(30*24*time.Hour - time.Second)
		if _, err := s.Identify(req("Bearer "+token), "s"); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		clk.add(time.Second)
		if id, err := s.Identify(req("Bearer "+token), "s"); !errors.Is(err, ErrExpired) || id.User.Username != "carol" {
			t.Fatalf("expired token: %v", err)
		}
		// Revoking one token leaves the others working.
		other, _, err := IssueAPIToken(ctx, db, u.ID, "other", 0, clk.now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeAPIToken(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Identify(req("Bearer "+token), "s"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("revoked token: %v", err)
		}
		if _, err := s.Identify(req("Bearer "+other), "s"); err != nil {
			t.Fatalf("the other token after one was revoked: %v", err)
		}
		for _, life := range []time.Duration{-time.Hour, MaxTokenLifetime + time.Hour} {
			if _, _, err := IssueAPIToken(ctx, db, u.ID, "x", life, clk.now()); !errors.Is(err, ErrTokenLifetime) {
				t.Errorf("lifetime %v: %v", life, err)
			}
		}
	})
}

func TestLimiter(t *testing.T) {
	clk := &clock{t: time.Now()}
	l := NewLimiter(6*time.Second, 3, clk.now)
	for i := range 3 {
		if !l.Allow("10.0.0.1") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.Allow("10.0.0.1") {
		t.Fatal("fourth attempt allowed")
	}
	if !l.Allow("10.0.0.2") {
		t.Fatal("another address is throttled too")
	}
	clk.add(6 * time.Second)
	if !l.Allow("10.0.0.1") {
		t.Fatal("no attempt allowed after the refill interval")
	}
	if l.Allow("10.0.0.1") {
		t.Fatal("more than one attempt refilled")
	}
}

// BenchmarkVerifyPassword measures one sign-in's password check: the
// price of argon2id at the parameters new hashes use.
func BenchmarkVerifyPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := VerifyPassword(h, "correct horse battery staple"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/sign-in")
}
