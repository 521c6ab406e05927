package pki

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseCert(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWriteDirMakesAVerifiableChain writes a directory and checks each
// certificate against the CA for the usage it is for, the host names of
// the server certificate, and the files' modes.
func TestWriteDirMakesAVerifiableChain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	res, err := WriteDir(dir, DirOptions{Hosts: []string{"temporal", "127.0.0.1"}, Clients: []string{"rcmbot", "temporal-ui"},
		ValidFor: 30 * 24 * time.Hour, Group: -1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 8 || len(res.Kept) != 0 {
		t.Fatalf("written %v kept %v", res.Written, res.Kept)
	}
	roots := x509.NewCertPool()
	roots.AddCert(readCert(t, filepath.Join(dir, CAFile)))
	server := readCert(t, filepath.Join(dir, ServerFile))
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: now.Add(time.Hour), DNSName: "temporal", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if _, err := server.Verify(opts); err != nil {
		t.Errorf("server certificate for temporal: %v", err)
	}
	if err := server.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("server certificate for 127.0.0.1: %v", err)
	}
	if err := server.VerifyHostname("rcmbot.example"); err == nil {
		t.Error("server certificate valid for a host it does not name")
	}
	client := readCert(t, filepath.Join(dir, "rcmbot.pem"))
	opts.DNSName, opts.KeyUsages = "", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if _, err := client.Verify(opts); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if _, err := client.Verify(opts); err == nil {
		t.Error("a client certificate verifies as a server certificate")
	}
	opts.CurrentTime, opts.KeyUsages = now.Add(31*24*time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if _, err := client.Verify(opts); err == nil {
		t.Error("client certificate still valid after ValidFor")
	}
	for name, want := range map[string]os.FileMode{".": 0o700, CAKeyFile: 0o600, "rcmbot-key.pem": 0o600, ServerKeyFile: 0o600, CAFile: 0o644} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", name, got, want)
		}
	}
}

// TestWriteDirKeepsWhatExists runs WriteDir again: the CA and existing
// certificates are kept, a new client is added under the same CA, and
// Renew reissues the leaves but never the CA.
func TestWriteDirKeepsWhatExists(t *testing.T) {
	dir := t.TempDir()
	o := DirOptions{Hosts: []string{"temporal"}, Clients: []string{"rcmbot"}, ValidFor: time.Hour, Group: -1}
	if _, err := WriteDir(dir, o); err != nil {
		t.Fatal(err)
	}
	ca := readCert(t, filepath.Join(dir, CAFile))
	first := readCert(t, filepath.Join(dir, "rcmbot.pem"))

	o.Clients = []string{"rcmbot", "worker-b"}
	res, err := WriteDir(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Written, []string{"worker-b-key.pem", "worker-b.pem"}) || !slices.Contains(res.Kept, CAFile) || !slices.Contains(res.Kept, "rcmbot.pem") {
		t.Errorf("second run wrote %v, kept %v", res.Written, res.Kept)
	}
	if again := readCert(t, filepath.Join(dir, "rcmbot.pem")); !again.Equal(first) {
		t.Error("existing client certificate was reissued without Renew")
	}
	if err := readCert(t, filepath.Join(dir, "worker-b.pem")).CheckSignatureFrom(ca); err != nil {
		t.Errorf("new client not signed by the existing CA: %v", err)
	}

	o.Renew = true
	if _, err := WriteDir(dir, o); err != nil {
		t.Fatal(err)
	}
	renewed := readCert(t, filepath.Join(dir, "rcmbot.pem"))
	if renewed.Equal(first) || renewed.CheckSignatureFrom(ca) != nil {
		t.Error("Renew did not reissue the client certificate from the same CA")
	}
	if !readCert(t, filepath.Join(dir, CAFile)).Equal(ca) {
		t.Error("Renew replaced the CA")
	}
}

// TestWriteDirGroup makes the keys readable by a group (the caller's own,
// which needs no privilege) but never the CA key.
func TestWriteDirGroup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	if _, err := WriteDir(dir, DirOptions{Hosts: []string{"temporal"}, Clients: []string{"rcmbot"}, ValidFor: time.Hour, Group: os.Getgid()}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{".": 0o750, "rcmbot-key.pem": 0o640, CAKeyFile: 0o600} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", name, got, want)
		}
	}
}

func TestWriteDirRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for name, o := range map[string]DirOptions{
		"no hosts":      {Clients: []string{"rcmbot"}, ValidFor: time.Hour, Group: -1},
		"path in name":  {Hosts: []string{"temporal"}, Clients: []string{"../x"}, ValidFor: time.Hour, Group: -1},
		"reserved name": {Hosts: []string{"temporal"}, Clients: []string{"ca"}, ValidFor: time.Hour, Group: -1},
		"no validity":   {Hosts: []string{"temporal"}, Group: -1},
	} {
		if _, err := WriteDir(dir, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A CA whose key does not match is reported, not replaced.
	d2 := t.TempDir()
	if _, err := WriteDir(d2, DirOptions{Hosts: []string{"temporal"}, ValidFor: time.Hour, Group: -1}); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if _, err := WriteDir(other, DirOptions{Hosts: []string{"temporal"}, ValidFor: time.Hour, Group: -1}); err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(filepath.Join(other, CAKeyFile))
	if err := os.WriteFile(filepath.Join(d2, CAKeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(d2, DirOptions{Hosts: []string{"temporal"}, ValidFor: time.Hour, Group: -1, Renew: true}); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("mismatched CA key: %v", err)
	}
}
