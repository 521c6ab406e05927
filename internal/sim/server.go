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
	return Serve(ctx, ln, h)
}

// Serve runs h on a listener the caller opened (so that a port already in
// use is the caller's error before anything else starts) until ctx ends,
// then shuts down gracefully (requests in flight get 5 seconds).
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
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

// admin is what both simulators serve under /admin: their counters and
// the faults injected into their answers.
type admin struct {
	name        string // "payer", "clearinghouse": the 404 points at its endpoint list
	stats       func() any
	resetStats  func()
	faults      func() any
	setFaults   http.HandlerFunc // POST /admin/faults: decode, check, set, echo
	clearFaults func()
}

// newMux returns a ServeMux with a's routes and a 404 for every path the
// simulator does not serve; the simulator adds its own endpoints.
func newMux(a admin) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, a.stats()) })
	mux.HandleFunc("POST /admin/stats/reset", func(w http.ResponseWriter, _ *http.Request) {
		a.resetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /admin/faults", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, a.faults()) })
	mux.HandleFunc("POST /admin/faults", a.setFaults)
	mux.HandleFunc("DELETE /admin/faults", func(w http.ResponseWriter, _ *http.Request) {
		a.clearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/admin/faults", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found: see the "+a.name+" simulator's endpoints in the rcmbot docs", http.StatusNotFound)
	})
	return mux
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
