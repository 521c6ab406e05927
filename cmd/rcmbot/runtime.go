package main

import (
	"context"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/spf13/cobra"
)

// openRing loads the key ring from RCMBOT_KEYS or RCMBOT_KEYS_FILE. With
// createDev, a missing key file is created (rcmbot dev's first run).
func (a *app) openRing(createDev bool) (*keyring.Ring, error) {
	if createDev && a.cfg.Keys == "" {
		if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		return keyring.LoadOrCreateDevFile(a.cfg.KeysFile)
	}
	ring, err := keyring.Load(a.cfg.Keys, a.cfg.KeysFile)
	if err != nil {
		return nil, fmt.Errorf("load key ring (set RCMBOT_KEYS or RCMBOT_KEYS_FILE; `rcmbot keys new` makes a key): %w", err)
	}
	return ring, nil
}

// openDB opens rcmbot's database; with migrate, pending migrations are applied.
func (a *app) openDB(ctx context.Context, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, a.cfg.DBURL)
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		for _, m := range applied {
			a.log.Info("applied migration", "migration", m)
		}
	}
	return db, nil
}

// conn is what most commands open: the key ring, the database and a
// Temporal client with the encrypting converters.
type conn struct {
	ring *keyring.Ring
	db   *store.DB
	c    client.Client
}

// Close closes the client and the database.
func (k *conn) Close() {
	k.c.Close()
	k.db.Close()
}

// connect opens the key ring, the database (applying pending migrations
// when migrate) and Temporal.
func (a *app) connect(ctx context.Context, migrate bool) (*conn, error) {
	ring, err := a.openRing(false)
	if err != nil {
		return nil, err
	}
	db, err := a.openDB(ctx, migrate)
	if err != nil {
		return nil, err
	}
	c, err := a.dialTemporal(ctx, ring)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &conn{ring: ring, db: db, c: c}, nil
}

// env is what the bots are built from.
func (a *app) env(db *store.DB, ring *keyring.Ring) bots.Env {
	return bots.Env{Config: &a.cfg, DB: db, Ring: ring, Log: a.log}
}

// dialTemporal connects to Temporal with payloads and failures encrypted by ring.
func (a *app) dialTemporal(ctx context.Context, ring *keyring.Ring) (client.Client, error) {
	return temporalx.Dial(ctx, a.temporalOptions(ring))
}

func (a *app) temporalOptions(ring *keyring.Ring) temporalx.DialOptions {
	var o client.Options
	codec.ConfigureClient(&o, ring)
	return temporalx.DialOptions{
		Address:          a.cfg.TemporalAddress,
		Namespace:        a.cfg.TemporalNamespace,
		DataConverter:    o.DataConverter,
		FailureConverter: o.FailureConverter,
		Logger:           a.log,
		TLS: temporalx.TLSFiles{CertFile: a.cfg.TemporalTLSCert, KeyFile: a.cfg.TemporalTLSKey,
			CAFile: a.cfg.TemporalTLSCA, ServerName: a.cfg.TemporalTLSServerName},
	}
}

// userFacing prints the message of an error meant for staff (a
// fault.Error with a code other than Internal) and turns it into exit
// status 1; other errors pass through, for main to print.
func userFacing(cmd *cobra.Command, err error) error {
	if c := fault.CodeOf(err); c != "" && c != fault.Internal {
		fmt.Fprintln(cmd.ErrOrStderr(), fault.MessageOf(err))
		return exitError{code: 1}
	}
	return err
}
