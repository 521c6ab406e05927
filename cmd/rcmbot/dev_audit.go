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
	"github.com/rcmbot/rcmbot/workflows"
)

// devAuditSeed seeds the access-monitoring demo.
const devAuditSeed = 13

// devAuditScanWait bounds the wait for the demo's scan.
const devAuditScanWait = 2 * time.Minute

// loadAuditDemo imports the access-monitoring demo through the front door
// the first time rcmbot dev runs on a data directory (one that holds no
// access-log import yet): a small clinic's last four weeks of EHR accesses
// with its rosters and encounters, written to {data-dir}/demo-access, and
// waits for the scan the import starts, so the privacy officer's queue
// holds the planted cases. It returns the line rcmbot dev prints.
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
	wctx, cancel := context.WithTimeout(ctx, devAuditScanWait)
	defer cancel()
	var scan workflows.AccessScanResult
	if err := c.GetWorkflow(wctx, res.ScanID, "").Get(wctx, &scan); err != nil {
		return "", fmt.Errorf("scan the access-monitoring demo: %w", err)
	}
	return fmt.Sprintf("Access-monitoring demo: %d accesses by %d staff to %d patients over %d days, %d planted cases; the scan raised %d alerts",
		res.Events, res.Staff, res.Patients, demo.Days, len(demo.Cases), scan.Alerts), nil
}
