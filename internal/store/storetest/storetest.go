// Package storetest opens real, migrated rcmbot databases for tests:
// SQLite in the test's temporary directory always, and PostgreSQL in a
// fresh schema when RCMBOT_TEST_PG holds a postgres:// URL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
)

// PGEnv names the environment variable holding the PostgreSQL test URL.
// The database it names must let the user create schemas.
const PGEnv = "RCMBOT_TEST_PG"

// Open returns a migrated SQLite database in t.TempDir(), closed when the
// test ends. Patient data is sealed with a fresh key ring.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "rcmbot.db"))
}

// OpenPG returns a migrated PostgreSQL database in a schema of its own
// (dropped when the test ends), or skips the test when RCMBOT_TEST_PG is
// unset.
func OpenPG(t testing.TB) *store.DB {
	t.Helper()
	base := os.Getenv(PGEnv)
	if base == "" {
		t.Skip(PGEnv + " is not set: skipping the PostgreSQL run")
	}
	return open(t, NewPGSchema(t, base))
}

// NewPGSchema creates a fresh schema in the database at base (a postgres
// URL), drops it when the test ends, and returns base with search_path
// set to it.
func NewPGSchema(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PGEnv, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PGEnv, err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, dbURL string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(ring)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// OpenAll runs fn as a subtest on SQLite ("sqlite") and, when
// RCMBOT_TEST_PG is set, on PostgreSQL ("postgres"), each with a fresh
// migrated database.
func OpenAll(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPG(t)) })
}
