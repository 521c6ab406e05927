package main

import (
	"context"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
)

// workerDeps are the bots' activity structs and what must be closed with them.
type workerDeps struct {
	bots.Deps
	closers []func()
}

func (d *workerDeps) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
}

// newDeps builds every bot's activities with their dependencies injected.
func (a *app) newDeps(ctx context.Context, db *store.DB, ring *keyring.Ring) (*workerDeps, error) {
	d := &workerDeps{}
	d.System = &activities.System{DB: db}
	return d, nil
}
