// Package temporaltest starts a real Temporal development server for
// integration tests, from the pinned CLI that `make test` and `.ci/run`
// install (see devstack.FindTemporalCLI).
//
// Without the CLI the tests are skipped, unless RCMBOT_REQUIRE_INTEGRATION
// is set (as CI sets it): then a missing CLI fails the test, so a missing
// install step cannot hide behind a skip.
package temporaltest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/devstack"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// Server is a running dev server.
type Server struct {
	// Address is the frontend host:port.
	Address string
	// DBFile is the server's SQLite file (for tests that read it raw).
	DBFile string
	srv    *testsuite.DevServer
}

// Options tune the server and the client it returns.
type Options struct {
	DataConverter    converter.DataConverter
	FailureConverter converter.FailureConverter
	// Logger receives the SDK's log lines (and those of workers made from
	// the client); nil leaves the SDK's default.
	Logger *slog.Logger
}

// Require skips (or, under RCMBOT_REQUIRE_INTEGRATION, fails) the test
// when the Temporal CLI is not installed, and returns its path.
func Require(t testing.TB) string {
	t.Helper()
	cli := devstack.FindTemporalCLI()
	if cli == "" {
		msg := "Temporal CLI not found (run `make tools` or set RCMBOT_TEMPORAL_CLI)"
		if os.Getenv("RCMBOT_REQUIRE_INTEGRATION") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return cli
}

// Start starts a dev server with rcmbot's search attributes registered on
// a free port, with its database in a temporary directory, and stops it
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	cli := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := t.TempDir() + "/temporal.db"
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     cli,
		DBFilename:       db,
		LogLevel:         "error",
		SearchAttributes: searchAttributes(),
		ClientOptions:    &client.Options{Namespace: "default"},
	})
	if err != nil {
		t.Fatalf("start Temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return &Server{Address: srv.FrontendHostPort(), DBFile: db, srv: srv}
}

// Client dials the server with the given converters; it is closed when the
// test ends.
func (s *Server) Client(t testing.TB, o Options) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := temporalx.Dial(ctx, temporalx.DialOptions{Address: s.Address, Namespace: "default",
		DataConverter: o.DataConverter, FailureConverter: o.FailureConverter, Logger: o.Logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func searchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		temporalx.AttrBot.ValueSet(""),
		temporalx.AttrBatchID.ValueSet(""),
		temporalx.AttrBatchStatus.ValueSet(""),
		temporalx.AttrClaimCount.ValueSet(0),
		temporalx.AttrFlaggedCount.ValueSet(0),
	)
}
