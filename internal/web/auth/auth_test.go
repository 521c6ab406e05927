package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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

		token, sess, u, err := s.SignIn(ctx, "Alice", "alice password 1")
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
		token, _, _, err = s.SignIn(ctx, "alice", "alice password 1")
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

func TestSignInLockout(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "bob", store.RoleReviewer, "bob password 12")
		s := New(Config{Accounts: db, MaxFailures: 3, LockFor: time.Hour})
		for i := 1; i <= 2; i++ {
			if _, _, _, err := s.SignIn(ctx, "bob", "wrong password!"); !errors.Is(err, ErrBadSignIn) {
				t.Fatalf("failure %d: %v, want ErrBadSignIn", i, err)
			}
		}
		if _, _, _, err := s.SignIn(ctx, "bob", "wrong password!"); !errors.Is(err, ErrLocked) {
			t.Fatalf("third failure: %v, want ErrLocked", err)
		}
		// Locked: even the right password fails.
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12"); !errors.Is(err, ErrLocked) {
			t.Fatalf("right password while locked: %v, want ErrLocked", err)
		}
		// An admin unlocking (RecordLoginSuccess clears the lock) lets bob in.
		if err := db.RecordLoginSuccess(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		// Unknown users and disabled users get the same answer as a wrong password.
		if _, _, _, err := s.SignIn(ctx, "nobody", "bob password 12"); !errors.Is(err, ErrBadSignIn) {
			t.Fatalf("unknown user: %v", err)
		}
		if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.SignIn(ctx, "bob", "bob password 12"); !errors.Is(err, ErrBadSignIn) {
			t.Fatalf("disabled user: %v", err)
		}
	})
}

func TestBearerTokens(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "carol", store.RoleAuditor, "carol password")
		s := New(Config{Accounts: db})
		token, tk, err := IssueAPIToken(ctx, db, u.ID, "scripts")
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
		if err := db.RevokeAPIToken(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Identify(req("Bearer "+token), "s"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("revoked token: %v", err)
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
