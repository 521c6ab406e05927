package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestOpenRejectsUnknownURLs(t *testing.T) {
	for _, u := range []string{"mysql://x", "sqlite://", "sqlite://:memory:", "/var/rcmbot.db"} {
		_, err := store.Open(context.Background(), u)
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if !strings.Contains(err.Error(), "sqlite://") {
			t.Errorf("Open(%q) error %q does not say what to use", u, err)
		}
	}
}

func TestOpenCreatesParentDirectory(t *testing.T) {
	// Characters SQLite's URIs treat specially are fine in the path.
	path := filepath.Join(t.TempDir(), "var #2", "50% ?", "rcmbot.db")
	db, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	if db.Dialect() != store.SQLite {
		t.Errorf("dialect %s", db.Dialect())
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		// openEnv migrated once; a second and a concurrent third apply nothing.
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				applied, err := e.db.Migrate(ctx)
				if err != nil || len(applied) != 0 {
					t.Errorf("re-migrate applied %v, err %v", applied, err)
				}
			}()
		}
		wg.Wait()
		got := must[[]string](t)(e.db.AppliedMigrations(ctx))
		migs := must[[]store.Migration](t)(store.Migrations(e.db.Dialect()))
		if len(got) != len(migs) || len(got) < 6 || got[0] != "0001" {
			t.Fatalf("applied %v, embedded %d", got, len(migs))
		}
		for i, m := range migs {
			if got[i] != m.Version {
				t.Errorf("applied[%d] = %s, want %s", i, got[i], m.Version)
			}
		}
	})
}

func TestMigrationsPickTheirDialect(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		migs := must[[]store.Migration](t)(store.Migrations(d))
		for _, m := range migs {
			other := map[store.Dialect]string{store.SQLite: ".postgres.", store.Postgres: ".sqlite."}[d]
			if strings.Contains(m.Name, other) {
				t.Errorf("%s got %s", d, m.Name)
			}
		}
	}
}

func TestTimestampsRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		ny, _ := time.LoadLocation("America/New_York")
		// A non-UTC zone, nanoseconds, and a date across DST and a leap day.
		created := time.Date(2024, 2, 29, 23, 59, 59, 123456789, ny)
		b := newBatch(t, e.db, store.NewBatch{CreatedAt: created})
		got := must[store.Batch](t)(e.db.Batch(ctx, b.ID))
		want := created.UTC().Truncate(time.Microsecond)
		if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("created %v, want %v (UTC)", got.CreatedAt, want)
		}
		if !got.CompletedAt.IsZero() || !got.DeletedAt.IsZero() {
			t.Errorf("NULL timestamps read back as %v %v", got.CompletedAt, got.DeletedAt)
		}
		// Ordering by stored text agrees with time order across the microsecond boundary.
		later := newBatch(t, e.db, store.NewBatch{CreatedAt: created.Add(time.Microsecond)})
		list := must[[]store.Batch](t)(e.db.Batches(ctx, store.Page{}))
		if len(list) != 2 || list[0].ID != later.ID {
			t.Errorf("newest first: %v", ids(list))
		}
		// Dates and money.
		rec := record(sampleClaim("C-1", "P-1", "2025-12-31", 1), scrub.TierClean)
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{rec}))
		c := must[store.ClaimRecord](t)(e.db.Claim(ctx, b.ID, "C-1"))
		if c.Claim.Lines[0].From != claim.MustDate("2025-12-31") || c.Claim.Patient.DOB != claim.MustDate("1958-07-04") {
			t.Errorf("dates: %v %v", c.Claim.Lines[0].From, c.Claim.Patient.DOB)
		}
		var first string
		check(t, e.raw.Get(&first, e.raw.Rebind("SELECT first_dos FROM claims WHERE claim_id = ?"), "C-1"))
		if first != "2025-12-31" {
			t.Errorf("first_dos stored as %q", first)
		}
	})
}

func ids(bs []store.Batch) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

func TestConcurrentWriters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each*3)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					chunk := w*each + i
					id := fmt.Sprintf("C-%d-%d", w, i)
					if err := e.db.SaveClaims(ctx, b.ID, chunk, []store.ClaimRecord{record(sampleClaim(id, "P-1", "2026-01-05", 2), scrub.TierClean)}); err != nil {
						errs <- err
					}
					if _, err := e.db.AppendAccess(ctx, store.AccessEvent{Username: "alice", Action: store.AccessViewClaim, ClaimID: id, Outcome: store.AccessAllowed}); err != nil {
						errs <- err
					}
					if _, err := e.db.Batches(ctx, store.Page{}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM claims"); n != workers*each {
			t.Errorf("%d claims saved, want %d", n, workers*each)
		}
		if n, err := e.db.VerifyAuditChain(ctx); err != nil || n != workers*each {
			t.Errorf("chain: %d entries, %v", n, err)
		}
	})
}

func TestErrorsAreWrapped(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		_, err := e.db.Batch(context.Background(), "b-missing")
		if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "b-missing") {
			t.Errorf("err = %v", err)
		}
	})
}
