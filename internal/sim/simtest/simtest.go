// Package simtest runs rcmbot's simulators inside tests: real servers on
// free loopback ports, stopped when the test ends.
package simtest

import (
	"net"
	"testing"

	"github.com/rcmbot/rcmbot/internal/sim"
)

// SMTPSink runs a real SMTP sink (no TLS) on a free loopback port until
// the test ends, and returns it with its port. A sink that fails while
// serving fails the test.
func SMTPSink(t testing.TB, cfg sim.SMTPSinkConfig) (*sim.SMTPSink, int) {
	t.Helper()
	sink, err := sim.NewSMTPSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sink.ServeSMTP(ln) }()
	t.Cleanup(func() {
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("SMTP sink: %v", err)
		}
	})
	return sink, ln.Addr().(*net.TCPAddr).Port
}
