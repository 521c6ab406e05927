package temporalx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// TLSFiles say how rcmbot proves itself to a Temporal frontend that runs
// with mutual TLS and how it checks the frontend (TEMPORAL_TLS_* settings).
// The zero value is a plaintext connection (the dev server).
type TLSFiles struct {
	// CertFile and KeyFile are the client certificate and its key (PEM).
	CertFile, KeyFile string
	// CAFile is the CA that signed the frontend's certificate; empty
	// trusts the system's roots.
	CAFile string
	// ServerName is the name the frontend's certificate must carry;
	// empty uses the host of the address dialled.
	ServerName string
}

// Enabled says whether the connection uses TLS at all.
func (f TLSFiles) Enabled() bool {
	return f.CertFile != "" || f.KeyFile != "" || f.CAFile != "" || f.ServerName != ""
}

// Config builds the client's TLS configuration. The client certificate is
// read again whenever its file changes, so a renewed certificate is used on
// the next connection without restarting workers.
func (f TLSFiles) Config() (*tls.Config, error) {
	if (f.CertFile == "") != (f.KeyFile == "") {
		return nil, errors.New("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both or neither")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.ServerName}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read the Temporal CA (TEMPORAL_TLS_SERVER_CA_CERT_PATH): %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the Temporal CA file %s holds no PEM certificate", f.CAFile)
		}
		cfg.RootCAs = pool
	}
	if f.CertFile != "" {
		kp := &keyPair{cert: f.CertFile, key: f.KeyFile}
		if _, err := kp.load(); err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return kp.load() }
	}
	return cfg, nil
}

// keyPair is a client certificate read from files, cached until either
// file's modification time changes.
type keyPair struct {
	cert, key string

	mu      sync.Mutex
	mtimes  [2]time.Time
	current *tls.Certificate
}

func (k *keyPair) load() (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var mt [2]time.Time
	for i, p := range []string{k.cert, k.key} {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read the Temporal client certificate: %w", err)
		}
		mt[i] = st.ModTime()
	}
	if k.current != nil && mt == k.mtimes {
		return k.current, nil
	}
	c, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		return nil, fmt.Errorf("load the Temporal client certificate %s: %w", k.cert, err)
	}
	k.current, k.mtimes = &c, mt
	return k.current, nil
}
