package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/audit/auditdemo"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
)

// devAuditSeed seeds the access-monitoring demo.
const devAuditSeed = 13

// loadAuditDemo imports the access-monitoring demo through the front door
// the first time rcmbot dev runs on a data directory (one that holds no
// access-log import yet): a small clinic's last four weeks of EHR accesses
// with its rosters and encounters, written to {data-dir}/demo-access. The
// scan the import starts raises the planted cases' alerts within seconds
// (rcmbot dev does not wait for it). It returns the line rcmbot dev prints.
func (a *app) loadAuditDemo(ctx context.Context, db *store.DB, ring *keyring.Ring, c client.Client) (string, error) {
	svc := bots.AuditService(a.env(db, ring), c)
	imports, err := svc.Imports(ctx, store.Page{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(imports) > 0 {
		return "Access-monitoring demo: kept the stored access logs and alerts", nil
	}
	dir := filepath.Join(a.cfg.DataDir, "demo-access")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	demo := auditdemo.Generate(auditdemo.Config{Seed: devAuditSeed, End: time.Now(), Location: a.cfg.Location()})
	src, err := demo.WriteFiles(dir)
	if err != nil {
		return "", fmt.Errorf("write the access-monitoring demo: %w", err)
	}
	res, err := svc.Import(ctx, src, "demo EHR access log", "rcmbot dev")
	if err != nil {
		return "", fmt.Errorf("import the access-monitoring demo: %w", err)
	}
	return fmt.Sprintf("Access-monitoring demo: %d accesses by %d staff to %d patients over %d days, %d planted cases, being scanned",
		res.Events, res.Staff, res.Patients, demo.Days, len(demo.Cases)), nil
}
