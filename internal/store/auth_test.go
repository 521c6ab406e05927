package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
)

func TestUsers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		alice := must[store.User](t)(e.db.CreateUser(ctx, store.NewUser{Username: " Alice ", DisplayName: "Alice Ng", PasswordHash: "$2a$10$abc", Role: store.RoleReviewer}))
		if alice.Username != "alice" {
			t.Errorf("username %q", alice.Username)
		}
		if _, err := e.db.CreateUser(ctx, store.NewUser{Username: "ALICE", Role: store.RoleBiller}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("case-insensitive duplicate: %v", err)
		}
		if _, err := e.db.CreateUser(ctx, store.NewUser{Username: "bob", Role: "root"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad role: %v", err)
		}
		must[store.User](t)(e.db.CreateUser(ctx, store.NewUser{Username: "aaron", Role: store.RoleAuditor}))
		got := must[store.User](t)(e.db.UserByUsername(ctx, "ALICE"))
		if got.ID != alice.ID || got.PasswordHash != "$2a$10$abc" || got.Role != store.RoleReviewer || got.Disabled || !got.CreatedAt.Equal(alice.CreatedAt) {
			t.Errorf("by name %+v", got)
		}
		if list := must[[]store.User](t)(e.db.Users(ctx)); len(list) != 2 || list[0].Username != "aaron" {
			t.Errorf("users %+v", list)
		}
		check(t, e.db.SetUserRole(ctx, alice.ID, store.RoleAdmin))
		// A password change ends every other session of the user.
		exp := time.Now().Add(time.Hour)
		for _, id := range []string{"s-here", "s-laptop", "s-phone"} {
			check(t, e.db.CreateSession(ctx, store.Session{ID: id, UserID: alice.ID, CSRFToken: "c", ExpiresAt: exp}))
		}
		check(t, e.db.SetPasswordHash(ctx, alice.ID, "$2a$10$new", false, "s-here"))
		got = must[store.User](t)(e.db.User(ctx, alice.ID))
		if got.Role != store.RoleAdmin || got.PasswordHash != "$2a$10$new" || got.MustChangePassword {
			t.Errorf("after changes %+v", got)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", alice.ID); n != 1 {
			t.Errorf("%d sessions after the change, want only the one that changed it", n)
		}
		// An administrator's reset ends them all and asks for a new one.
		check(t, e.db.SetPasswordHash(ctx, alice.ID, "$2a$10$reset", true, ""))
		if n := e.count(t, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", alice.ID); n != 0 {
			t.Errorf("%d sessions after a reset", n)
		}
		if got := must[store.User](t)(e.db.User(ctx, alice.ID)); !got.MustChangePassword {
			t.Error("a reset password need not be changed")
		}
		if _, err := e.db.User(ctx, "u-none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}

		// Failures count per address; the lock is the caller's policy.
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		lock := func(n int) time.Duration {
			if n < 3 {
				return 0
			}
			return time.Duration(n) * time.Minute
		}
		for i := 1; i <= 2; i++ {
			f := must[store.LoginFailures](t)(e.db.RecordLoginFailure(ctx, alice.ID, "10.0.0.9", at, lock))
			if f.Failures != i || !f.LockedUntil.IsZero() {
				t.Errorf("failure %d: %+v", i, f)
			}
		}
		f := must[store.LoginFailures](t)(e.db.RecordLoginFailure(ctx, alice.ID, "10.0.0.9", at, lock))
		if !f.LockedUntil.Equal(at.Add(3*time.Minute)) || f.Failures != 3 {
			t.Errorf("not locked: %+v", f)
		}
		if other := must[store.LoginFailures](t)(e.db.LoginFailuresOf(ctx, alice.ID, "10.0.0.10")); other.Failures != 0 || !other.LockedUntil.IsZero() {
			t.Errorf("another address is affected: %+v", other)
		}
		if locks := must[[]store.LoginFailures](t)(e.db.LockedLogins(ctx, at.Add(time.Minute))); len(locks) != 1 || locks[0].ClientAddr != "10.0.0.9" {
			t.Errorf("locked logins %+v", locks)
		}
		check(t, e.db.ClearLoginFailures(ctx, alice.ID, ""))
		if f := must[store.LoginFailures](t)(e.db.LoginFailuresOf(ctx, alice.ID, "10.0.0.9")); f.Failures != 0 {
			t.Errorf("after unlock %+v", f)
		}

		// Disabling ends sessions.
		check(t, e.db.CreateSession(ctx, store.Session{ID: "sess-hash-1", UserID: alice.ID, CSRFToken: "csrf", ExpiresAt: exp}))
		check(t, e.db.SetUserDisabled(ctx, alice.ID, true))
		if _, err := e.db.Session(ctx, "sess-hash-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session survived disabling: %v", err)
		}
		if u := must[store.User](t)(e.db.User(ctx, alice.ID)); !u.Disabled {
			t.Error("not disabled")
		}
		check(t, e.db.SetUserDisabled(ctx, alice.ID, false))
		if u := must[store.User](t)(e.db.User(ctx, alice.ID)); u.Disabled {
			t.Error("still disabled")
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		u := must[store.User](t)(e.db.CreateUser(ctx, store.NewUser{Username: "rita", Role: store.RoleReviewer}))
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		check(t, e.db.CreateSession(ctx, store.Session{ID: "h1", UserID: u.ID, CSRFToken: "c1", CreatedAt: start, ExpiresAt: start.Add(30 * time.Minute)}))
		check(t, e.db.CreateSession(ctx, store.Session{ID: "h2", UserID: u.ID, CSRFToken: "c2", CreatedAt: start, ExpiresAt: start.Add(5 * time.Minute)}))
		if err := e.db.CreateSession(ctx, store.Session{ID: "h3", UserID: "u-none", ExpiresAt: start}); err == nil {
			t.Error("session for an unknown user")
		}
		s := must[store.Session](t)(e.db.Session(ctx, "h1"))
		if s.UserID != u.ID || s.CSRFToken != "c1" || !s.LastSeenAt.Equal(start) || !s.ExpiresAt.Equal(start.Add(30*time.Minute)) {
			t.Errorf("session %+v", s)
		}
		check(t, e.db.TouchSession(ctx, "h1", start.Add(10*time.Minute), start.Add(40*time.Minute)))
		if s := must[store.Session](t)(e.db.Session(ctx, "h1")); !s.ExpiresAt.Equal(start.Add(40 * time.Minute)) {
			t.Errorf("touched %+v", s)
		}
		if n := must[int64](t)(e.db.DeleteExpiredSessions(ctx, start.Add(20*time.Minute))); n != 1 {
			t.Errorf("expired %d", n)
		}
		check(t, e.db.DeleteSession(ctx, "h1"))
		check(t, e.db.DeleteSession(ctx, "h1"))
		if _, err := e.db.Session(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted: %v", err)
		}

		expires := start.Add(90 * 24 * time.Hour)
		tok := must[store.APIToken](t)(e.db.CreateAPIToken(ctx, u.ID, "sha256:aa", "codec server", expires))
		if _, err := e.db.CreateAPIToken(ctx, u.ID, "sha256:aa", "dup", expires); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate hash: %v", err)
		}
		if _, err := e.db.CreateAPIToken(ctx, u.ID, "sha256:bb", "forever", time.Time{}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("token without expiry: %v", err)
		}
		gt, gu, err := e.db.APITokenByHash(ctx, "sha256:aa")
		if err != nil || gt.ID != tok.ID || gu.Username != "rita" || gu.Role != store.RoleReviewer || gt.Name != "codec server" || !gt.ExpiresAt.Equal(expires) {
			t.Errorf("by hash %+v %+v %v", gt, gu, err)
		}
		used := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		check(t, e.db.TouchAPIToken(ctx, tok.ID, used))
		check(t, e.db.RevokeAPIToken(ctx, tok.ID))
		if _, _, err := e.db.APITokenByHash(ctx, "sha256:aa"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked token still works: %v", err)
		}
		list := must[[]store.APIToken](t)(e.db.APITokens(ctx, u.ID))
		if len(list) != 1 || list[0].RevokedAt.IsZero() || !list[0].LastUsedAt.Equal(used) {
			t.Errorf("tokens %+v", list)
		}
	})
}
