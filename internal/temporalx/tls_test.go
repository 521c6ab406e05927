package temporalx_test

import (
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/pki"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// mtlsServer is a TLS listener that requires a client certificate from
// the directory's CA, as the Temporal frontend does; it sends back the
// serial number of each client certificate it accepted.
func mtlsServer(t *testing.T, dir string) (addr string, serials <-chan *big.Int) {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, pki.ServerFile), filepath.Join(dir, pki.ServerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan *big.Int, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			if tc.Handshake() == nil {
				ch <- tc.ConnectionState().PeerCertificates[0].SerialNumber
				tc.Write([]byte("ok"))
			}
			tc.Close()
		}
	}()
	return ln.Addr().String(), ch
}

func handshake(cfg *tls.Config, addr string) error {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 2)
	_, err = c.Read(buf) // TLS 1.3: a refused client certificate shows on the first read
	return err
}

// TestTLSFilesMutualTLS dials a server that requires client certificates
// with the configuration Dial uses: accepted with the certificate, refused
// without one, and a renewed certificate is picked up without a new
// configuration.
func TestTLSFilesMutualTLS(t *testing.T) {
	dir := t.TempDir()
	o := pki.DirOptions{Hosts: []string{"temporal", "127.0.0.1"}, Clients: []string{"rcmbot"}, ValidFor: time.Hour, Group: -1}
	if _, err := pki.WriteDir(dir, o); err != nil {
		t.Fatal(err)
	}
	addr, serials := mtlsServer(t, dir)
	cert, key := pki.ClientFiles("rcmbot")
	files := temporalx.TLSFiles{CertFile: filepath.Join(dir, cert), KeyFile: filepath.Join(dir, key), CAFile: filepath.Join(dir, pki.CAFile), ServerName: "temporal"}
	if !files.Enabled() || (temporalx.TLSFiles{}).Enabled() {
		t.Fatal("Enabled")
	}
	cfg, err := files.Config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(cfg, addr); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	first := <-serials

	noCert, err := temporalx.TLSFiles{CAFile: files.CAFile, ServerName: "temporal"}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(noCert, addr); err == nil {
		t.Error("a client without a certificate was let in")
	}
	wrongName, _ := temporalx.TLSFiles{CertFile: files.CertFile, KeyFile: files.KeyFile, CAFile: files.CAFile, ServerName: "elsewhere"}.Config()
	if err := handshake(wrongName, addr); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("server name not in the frontend's certificate: %v", err)
	}

	// Renew the client certificate (a later modification time) and dial
	// again with the same configuration.
	o.Renew = true
	if _, err := pki.WriteDir(dir, o); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	for _, p := range []string{files.CertFile, files.KeyFile} {
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if err := handshake(cfg, addr); err != nil {
		t.Fatalf("after renewal: %v", err)
	}
	if second := <-serials; second.Cmp(first) == 0 {
		t.Error("the renewed certificate was not used")
	}
}

func TestTLSFilesRefusesHalfAPair(t *testing.T) {
	if _, err := (temporalx.TLSFiles{CertFile: "c.pem"}).Config(); err == nil {
		t.Error("certificate without key accepted")
	}
	if _, err := (temporalx.TLSFiles{CAFile: "/nonexistent/ca.pem"}).Config(); err == nil {
		t.Error("missing CA file accepted")
	}
}
