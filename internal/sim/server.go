// Package sim holds rcmbot's simulators of the outside world: a payer
// answering eligibility requests (JSON and X12 270/271) and a
// clearinghouse accepting 837P claims and acknowledging them (999, then
// 277CA). Both are real HTTP servers, deterministic for a seed, with
// injectable faults and counters, for development (`rcmbot payer-sim`,
// `rcmbot clearinghouse-sim`, `rcmbot dev`), tests and benchmarks.
//
// The simulators hold only fictional people. They log nothing.
package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// serve runs h on addr until ctx ends, then shuts down gracefully
// (requests in flight get 5 seconds).
func serve(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// notFound answers paths a simulator does not serve, pointing at its
// endpoint list.
func notFound(sim string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found: see the "+sim+" simulator's endpoints in the rcmbot docs", http.StatusNotFound)
	}
}

// methodNotAllowed answers a known path asked with a method it does not
// take.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// readFaults decodes a fault plan posted to /admin/faults (unknown fields
// refused), answering 400 when it cannot.
func readFaults(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}
