package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
)

// sqliteDataDir points the commands at a new data directory holding a
// migrated SQLite store, with a new key ring and the UTC time zone
// (RCMBOT_DATA_DIR, RCMBOT_KEYS, RCMBOT_TIMEZONE), for commands that need
// no Temporal. It returns write, which writes an input file into a
// temporary directory and returns its path.
func sqliteDataDir(t *testing.T) (write func(name, body string) string) {
	t.Helper()
	data := t.TempDir()
	id, key := keyring.NewEntry()
	t.Setenv("RCMBOT_DATA_DIR", data)
	t.Setenv("RCMBOT_KEYS", "active="+id+";"+id+"="+key)
	t.Setenv("RCMBOT_TIMEZONE", "UTC")
	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(data, "rcmbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
}
