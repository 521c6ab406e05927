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
		check(t, e.db.SetPasswordHash(ctx, alice.ID, "$2a$10$new"))
		got = must[store.User](t)(e.db.User(ctx, alice.ID))
		if got.Role != store.RoleAdmin || got.PasswordHash != "$2a$10$new" {
			t.Errorf("after changes %+v", got)
		}
		if _, err := e.db.User(ctx, "u-none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}

		// Lockout after three failures; success resets.
		for i := 1; i <= 2; i++ {
			u := must[store.User](t)(e.db.RecordLoginFailure(ctx, alice.ID, 3, 15*time.Minute))
			if u.FailedLogins != i || !u.LockedUntil.IsZero() {
				t.Errorf("failure %d: %+v", i, u)
			}
		}
		u := must[store.User](t)(e.db.RecordLoginFailure(ctx, alice.ID, 3, 15*time.Minute))
		if u.LockedUntil.Before(time.Now().Add(14*time.Minute)) || u.FailedLogins != 0 {
			t.Errorf("not locked: %+v", u)
		}
		check(t, e.db.RecordLoginSuccess(ctx, alice.ID))
		if u := must[store.User](t)(e.db.User(ctx, alice.ID)); !u.LockedUntil.IsZero() || u.FailedLogins != 0 {
			t.Errorf("after success %+v", u)
		}

		// Disabling ends sessions.
		exp := time.Now().Add(time.Hour)
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

		tok := must[store.APIToken](t)(e.db.CreateAPIToken(ctx, u.ID, "sha256:aa", "codec server"))
		if _, err := e.db.CreateAPIToken(ctx, u.ID, "sha256:aa", "dup"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate hash: %v", err)
		}
		gt, gu, err := e.db.APITokenByHash(ctx, "sha256:aa")
		if err != nil || gt.ID != tok.ID || gu.Username != "rita" || gu.Role != store.RoleReviewer || gt.Name != "codec server" {
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
