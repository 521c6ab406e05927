// Package pki makes the certificates that let the Temporal frontend run
// with mutual TLS: a private certificate authority, the frontend's server
// certificate and one client certificate for each program that talks to
// Temporal (rcmbot's workers, web app and CLI, the Temporal UI, the admin
// tools). `rcmbot keys tls` writes them into a directory; the Temporal
// server's configuration, docker-compose.yml and rcmbot's TEMPORAL_TLS_*
// settings read them from there.
//
// Keys are ECDSA P-256. Private keys are written 0600 (0640 with a group,
// for containers that share one), the directory 0700 (0750).
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Authority is a certificate authority that issues the leaf certificates.
type Authority struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     crypto.Signer
}

// NewAuthority makes a self-signed CA named name, valid from now for validFor.
func NewAuthority(name string, now time.Time, validFor time.Duration) (*Authority, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, Organization: []string{"rcmbot"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validFor),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	a, err := ParseAuthority(pemBlock("CERTIFICATE", der), keyPEM)
	return a, keyPEM, err
}

// ParseAuthority reads a CA certificate and its private key (PEM).
func ParseAuthority(certPEM, keyPEM []byte) (*Authority, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("CA certificate: not a certificate authority")
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("CA key does not belong to the CA certificate")
	}
	return &Authority{Cert: cert, CertPEM: certPEM, key: key}, nil
}

// Leaf says what certificate to issue.
type Leaf struct {
	// CommonName names the holder (the client's identity in the
	// frontend's logs, e.g. "rcmbot").
	CommonName string
	// Hosts are the DNS names and IP addresses a server certificate is
	// valid for.
	Hosts []string
	// Server and Client choose the extended key usages.
	Server, Client bool
	NotBefore      time.Time
	ValidFor       time.Duration
}

// Issue makes a key and a certificate for l signed by the authority.
func (a *Authority) Issue(l Leaf) (certPEM, keyPEM []byte, err error) {
	if l.CommonName == "" {
		return nil, nil, errors.New("a certificate needs a common name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: l.CommonName, Organization: []string{"rcmbot"}},
		NotBefore: l.NotBefore.Add(-time.Hour),
		NotAfter:  l.NotBefore.Add(l.ValidFor),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	if tmpl.NotAfter.After(a.Cert.NotAfter) {
		tmpl.NotAfter = a.Cert.NotAfter
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, nil, err
	}
	if l.Server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if l.Client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	for _, h := range l.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, key.Public(), a.key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate for %s: %w", l.CommonName, err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), keyPEM, nil
}

// Files in a directory written by WriteDir.
const (
	CAFile        = "ca.pem"
	CAKeyFile     = "ca-key.pem"
	ServerFile    = "server.pem"
	ServerKeyFile = "server-key.pem"
)

// ClientFiles returns the certificate and key file names of client name.
func ClientFiles(name string) (cert, key string) { return name + ".pem", name + "-key.pem" }

// DirOptions say what WriteDir makes.
type DirOptions struct {
	// Hosts the frontend's server certificate is valid for (the names
	// clients dial or verify, e.g. "temporal", "localhost", "127.0.0.1").
	Hosts []string
	// Clients are the names of the client certificates to make.
	Clients []string
	// ValidFor is how long leaf certificates last; the CA lasts ten years.
	ValidFor time.Duration
	// Renew reissues the server and client certificates that exist (the
	// CA is always kept, so certificates it signed stay valid).
	Renew bool
	// Group, when not negative, makes the files readable by that group
	// (keys 0640, directory 0750), for containers that share a volume.
	Group int
	Now   time.Time
}

// DirResult lists what WriteDir wrote and what it kept.
type DirResult struct {
	Written, Kept []string
}

// WriteDir makes (or completes) a certificate directory: the CA if there is
// none, the server certificate and each client certificate that is missing
// (or all of them with Renew). Running it again is safe: what exists is kept.
func WriteDir(dir string, o DirOptions) (DirResult, error) {
	var res DirResult
	if len(o.Hosts) == 0 {
		return res, errors.New("name at least one host for the server certificate (--hosts)")
	}
	for _, c := range o.Clients {
		if c == "" || strings.ContainsAny(c, `/\ `) || c == "ca" || c == "server" {
			return res, fmt.Errorf("client name %q: use a plain name such as rcmbot (not ca or server)", c)
		}
	}
	if o.ValidFor <= 0 {
		return res, errors.New("certificates must be valid for a positive duration")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	dirMode, keyMode := os.FileMode(0o700), os.FileMode(0o600)
	if o.Group >= 0 {
		dirMode, keyMode = 0o750, 0o640
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return res, err
	}
	w := writer{dir: dir, group: o.Group, res: &res}
	w.fix(".", dirMode)

	ca, err := w.authority(o.Now)
	if err != nil {
		return res, err
	}
	// The server certificate also authenticates the server as a client:
	// Temporal's own system workers call the frontend with it.
	leaves := []leafFiles{{ServerFile, ServerKeyFile, Leaf{CommonName: o.Hosts[0], Hosts: o.Hosts, Server: true, Client: true}}}
	for _, c := range o.Clients {
		cert, key := ClientFiles(c)
		leaves = append(leaves, leafFiles{cert, key, Leaf{CommonName: c, Client: true}})
	}
	for _, l := range leaves {
		if !o.Renew && exists(filepath.Join(dir, l.cert)) && exists(filepath.Join(dir, l.key)) {
			res.Kept = append(res.Kept, l.cert)
			continue
		}
		l.leaf.NotBefore, l.leaf.ValidFor = o.Now, o.ValidFor
		certPEM, keyPEM, err := ca.Issue(l.leaf)
		if err != nil {
			return res, err
		}
		if err := w.write(l.key, keyPEM, keyMode); err != nil {
			return res, err
		}
		if err := w.write(l.cert, certPEM, 0o644); err != nil {
			return res, err
		}
	}
	return res, w.err
}

// leafFiles is a leaf certificate and the files it goes to.
type leafFiles struct {
	cert, key string
	leaf      Leaf
}

// writer writes files into the directory with their modes and group.
type writer struct {
	dir   string
	group int
	res   *DirResult
	err   error
}

func (w *writer) authority(now time.Time) (*Authority, error) {
	certPath, keyPath := filepath.Join(w.dir, CAFile), filepath.Join(w.dir, CAKeyFile)
	if exists(certPath) || exists(keyPath) {
		certPEM, err := os.ReadFile(certPath)
		if err != nil {
			return nil, err
		}
		keyPEM, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, err
		}
		a, err := ParseAuthority(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.dir, err)
		}
		w.res.Kept = append(w.res.Kept, CAFile)
		return a, nil
	}
	a, keyPEM, err := NewAuthority("rcmbot Temporal CA", now, 10*365*24*time.Hour)
	if err != nil {
		return nil, err
	}
	// The CA key signs new certificates only: never group-readable.
	if err := w.write(CAKeyFile, keyPEM, 0o600); err != nil {
		return nil, err
	}
	return a, w.write(CAFile, a.CertPEM, 0o644)
}

// write replaces name atomically (temporary file, then rename).
func (w *writer) write(name string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(w.dir, "."+name+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(w.dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	w.fix(name, mode)
	w.res.Written = append(w.res.Written, name)
	return w.err
}

// fix sets a file's mode and, with a group, its group.
func (w *writer) fix(name string, mode os.FileMode) {
	p := filepath.Join(w.dir, name)
	if err := os.Chmod(p, mode); err != nil && w.err == nil {
		w.err = err
	}
	if w.group >= 0 {
		if err := os.Lchown(p, -1, w.group); err != nil && w.err == nil {
			w.err = fmt.Errorf("give %s to group %d: %w", name, w.group, err)
		}
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pemBlock("PRIVATE KEY", der), nil
}

func parseCert(certPEM []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(certPEM)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return x509.ParseCertificate(b.Bytes)
}

func parseKey(keyPEM []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(keyPEM)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM PRIVATE KEY block (PKCS #8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("the key cannot sign")
	}
	return s, nil
}
