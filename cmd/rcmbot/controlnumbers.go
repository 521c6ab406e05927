package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
)

// controlNumbers hands out X12 control numbers (ISA13, GS06) that never
// repeat: the submission ledger's counter (store.DB) or a counter file.
type controlNumbers interface {
	NextControlNumber(ctx context.Context, kind string) (int64, error)
}

// counterFile is a control number counter in a JSON file ({"isa": 41,
// "gs": 41}), locked while it is read and written, so concurrent runs on
// one machine each get their own numbers. Like the ledger, it starts at 1
// and wraps after store.ControlNumberMax.
type counterFile struct{ path string }

// NextControlNumber returns the next number of kind and records it.
func (c counterFile) NextControlNumber(_ context.Context, kind string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return 0, fmt.Errorf("control number counter: %w", err)
	}
	f, err := os.OpenFile(c.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, fmt.Errorf("control number counter: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock control number counter %s: %w", c.path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, fmt.Errorf("read control number counter %s: %w", c.path, err)
	}
	last := map[string]int64{}
	if len(strings.TrimSpace(string(b))) > 0 {
		if err := json.Unmarshal(b, &last); err != nil {
			return 0, fmt.Errorf("control number counter %s is not a JSON object of numbers (fix or remove it): %w", c.path, err)
		}
	}
	n := last[kind] + 1
	if n < 1 || n > store.ControlNumberMax {
		n = 1
	}
	last[kind] = n
	out, err := json.Marshal(last)
	if err != nil {
		return 0, err
	}
	if err := f.Truncate(0); err != nil {
		return 0, fmt.Errorf("write control number counter %s: %w", c.path, err)
	}
	if _, err := f.WriteAt(out, 0); err != nil {
		return 0, fmt.Errorf("write control number counter %s: %w", c.path, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("write control number counter %s: %w", c.path, err)
	}
	return n, nil
}

// userStateDir is where rcmbot keeps per-user state: $XDG_STATE_HOME/rcmbot,
// else ~/.local/state/rcmbot.
func userStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "rcmbot"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no state directory for the control number counter: set XDG_STATE_HOME or HOME")
	}
	return filepath.Join(home, ".local", "state", "rcmbot"), nil
}

// openControlNumbers picks the counter `rcmbot scrub --x12` numbers its
// files with: the submission ledger when a store is configured (a
// PostgreSQL URL, or a SQLite database that exists), so files written by
// hand and by the claims bot never share an ISA13; else the counter file
// control-numbers.json in the user's state directory. close releases it.
func (a *app) openControlNumbers(ctx context.Context) (controlNumbers, func(), error) {
	if a.storeConfigured() {
		db, err := a.openDB(ctx, nil, false)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	dir, err := userStateDir()
	if err != nil {
		return nil, nil, err
	}
	f := counterFile{path: filepath.Join(dir, "control-numbers.json")}
	return f, func() {}, nil
}

// storeConfigured reports whether rcmbot's database is there to use
// without creating one: a PostgreSQL URL, or a SQLite file that exists.
func (a *app) storeConfigured() bool {
	url := a.cfg.DBURL
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return true
	}
	path, ok := strings.CutPrefix(url, "sqlite://")
	if !ok {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

// providerSetup is what the practice set up in the app for its claims:
// providers and facilities.
type providerSetup struct {
	providers  []provider.Provider
	facilities []provider.Facility
}

// storedSetup is the providers and facilities set up in the store, when
// one is configured (none otherwise): offline scrubs name providers and
// facilities as the bot does.
func (a *app) storedSetup(ctx context.Context) (providerSetup, error) {
	var out providerSetup
	if !a.storeConfigured() {
		return out, nil
	}
	db, err := a.openDB(ctx, nil, false)
	if err != nil {
		return out, err
	}
	defer db.Close()
	if out.providers, err = db.Providers(ctx, store.All); err != nil {
		return out, fmt.Errorf("read the providers set up (run `rcmbot migrate` if the database predates them): %w", err)
	}
	if out.facilities, err = db.Facilities(ctx); err != nil {
		return out, fmt.Errorf("read the facilities set up (run `rcmbot migrate` if the database predates them): %w", err)
	}
	return out, nil
}
