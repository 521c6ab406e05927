package activities

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"go.temporal.io/sdk/activity"
)

// Pinger is what the health check needs of a database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// System holds the activities every worker serves, whatever its bot.
type System struct {
	DB Pinger
	// Refdata describes the loaded reference data (e.g. "ICD-10-CM FY2026
	// from file, NCCI from starter set"); empty on queues that load none.
	Refdata string
}

// WorkerReport is what one worker says about itself in a health check.
type WorkerReport struct {
	Queue     string `json:"queue"`
	Host      string `json:"host"`
	PID       int    `json:"pid"`
	GoVersion string `json:"go_version"`
	Build     string `json:"build"`
	Database  string `json:"database"` // "ok" or the error
	Refdata   string `json:"refdata,omitempty"`
}

// CheckWorker reports on the worker that runs it: its host, build, and
// whether its database answers. A database that does not answer is an
// error, so the health check fails visibly in the Temporal UI.
func (s *System) CheckWorker(ctx context.Context) (WorkerReport, error) {
	info := activity.GetInfo(ctx)
	host, _ := os.Hostname()
	r := WorkerReport{Queue: info.TaskQueue, Host: host, PID: os.Getpid(), GoVersion: runtime.Version(), Build: buildVersion(), Refdata: s.Refdata, Database: "ok"}
	if s.DB == nil {
		r.Database = "not configured"
		return r, nil
	}
	if err := s.DB.Ping(ctx); err != nil {
		return r, fmt.Errorf("worker on queue %s: database does not answer: %w", info.TaskQueue, err)
	}
	return r, nil
}

func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return bi.Main.Version
}
