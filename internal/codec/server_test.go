package codec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rcmbot/rcmbot/internal/keyring"
)

const uiOrigin = "http://localhost:8233"

// tokenAuth authenticates "Authorization: Bearer TOKEN" or a session
// cookie, the two ways the web app's authenticator will accept.
type tokenAuth struct {
	tokens map[string]Principal
	down   bool
}

func (a *tokenAuth) Authenticate(r *http.Request) (Principal, error) {
	if a.down {
		return Principal{}, errors.New("session store unreachable")
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		c, err := r.Cookie("rcmbot_session")
		if err != nil {
			return Principal{}, fmt.Errorf("no session cookie or bearer token: %w", ErrUnauthenticated)
		}
		tok = c.Value
	}
	p, ok := a.tokens[tok]
	if !ok {
		return Principal{}, fmt.Errorf("unknown token: %w", ErrUnauthenticated)
	}
	return p, nil
}

type accessEntry struct {
	Principal
	Namespace, RemoteAddr string
	Payloads              int
	Outcome               string
}

type memLog struct {
	mu      sync.Mutex
	entries []accessEntry
	fail    bool
}

func (l *memLog) RecordDecode(_ context.Context, p Principal, ns, addr string, n int, outcome string) error {
	if l.fail {
		return errors.New("database is locked")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, accessEntry{p, ns, addr, n, outcome})
	return nil
}

func (l *memLog) all() []accessEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]accessEntry(nil), l.entries...)
}

type fixtureServer struct {
	*httptest.Server
	ring *keyring.Ring
	auth *tokenAuth
	log  *memLog
}

func startServer(t *testing.T, mutate func(*ServerConfig)) *fixtureServer {
	t.Helper()
	f := &fixtureServer{
		ring: newRing(t),
		auth: &tokenAuth{tokens: map[string]Principal{
			"biller-token": {User: "pat.biller", Role: "biller"},
			"viewer-token": {User: "val.viewer", Role: "viewer"},
		}},
		log: &memLog{},
	}
	cfg := ServerConfig{
		Ring:      f.ring,
		Origins:   []string{uiOrigin, " ", "https://temporal.example.org"},
		Roles:     []string{"biller", "admin"},
		Auth:      f.auth,
		AccessLog: f.log,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.Server = httptest.NewServer(h)
	t.Cleanup(f.Close)
	return f
}

// encrypted returns the fixture as an encrypted payload, as history holds it.
func (f *fixtureServer) encrypted(t *testing.T) []*commonpb.Payload {
	t.Helper()
	p, err := NewDataConverter(f.ring, RefusePlaintext).ToPayload(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return []*commonpb.Payload{p, jsonPayload(t, "plain, from before encryption")}
}

func body(t *testing.T, ps []*commonpb.Payload) []byte {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends a codec request like the Temporal UI does.
func (f *fixtureServer) post(t *testing.T, path string, payload []byte, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.URL+path, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServerDecodeAllowed(t *testing.T) {
	f := startServer(t, nil)
	resp, text := f.post(t, "/decode", body(t, f.encrypted(t)), map[string]string{
		"Origin": uiOrigin, "Authorization": "Bearer biller-token",
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, text)
	}
	for h, want := range map[string]string{
		"Access-Control-Allow-Origin":      uiOrigin,
		"Access-Control-Allow-Credentials": "true",
		"Cache-Control":                    "no-store",
		"Content-Type":                     "application/json",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal([]byte(text), &out); err != nil {
		t.Fatal(err)
	}
	var got eligibilityRequest
	if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.MemberID != fixture.MemberID || got.PatientLast != fixture.PatientLast {
		t.Errorf("decoded %+v", got)
	}
	var plain string
	if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[1], &plain); err != nil || plain != "plain, from before encryption" {
		t.Errorf("plaintext payload: %q, %v", plain, err)
	}
	entries := f.log.all()
	if len(entries) != 1 {
		t.Fatalf("access log has %d entries, want 1", len(entries))
	}
	e := entries[0]
	if e.User != "pat.biller" || e.Role != "biller" || e.Namespace != "default" || e.Payloads != 2 || e.Outcome != OutcomeDecoded || !strings.HasPrefix(e.RemoteAddr, "127.0.0.1:") {
		t.Errorf("access log entry %+v", e)
	}
}

func TestServerSessionCookie(t *testing.T) {
	f := startServer(t, nil)
	resp, text := f.post(t, "/api/codec/default/decode", body(t, f.encrypted(t)), map[string]string{
		"Origin": "https://temporal.example.org", "Cookie": "rcmbot_session=biller-token",
	})
	if resp.StatusCode != http.StatusOK || !strings.Contains(text, "metadata") {
		t.Fatalf("status %d: %s", resp.StatusCode, text)
	}
}

func TestServerRefusals(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		method   string
		headers  map[string]string
		want     int
		wantLog  string // outcome of the one access log entry, "" for none
		wantText string
	}{
		{"no credentials", "/decode", "", map[string]string{"Origin": uiOrigin}, 401, "", "sign in"},
		{"no credentials, no origin", "/decode", "", nil, 401, "", "sign in"},
		{"unknown token", "/decode", "", map[string]string{"Authorization": "Bearer forged"}, 401, "", "sign in"},
		{"other origin", "/decode", "", map[string]string{"Origin": "https://evil.example", "Authorization": "Bearer biller-token"}, 403, "", "origin not allowed"},
		{"origin differs by port", "/decode", "", map[string]string{"Origin": "http://localhost:8234", "Authorization": "Bearer biller-token"}, 403, "", "origin not allowed"},
		{"null origin", "/decode", "", map[string]string{"Origin": "null", "Authorization": "Bearer biller-token"}, 403, "", "origin not allowed"},
		{"role not permitted", "/decode", "", map[string]string{"Authorization": "Bearer viewer-token"}, 403, OutcomeDenied, "role"},
		{"encode, role not permitted", "/encode", "", map[string]string{"Authorization": "Bearer viewer-token"}, 403, "", "role"},
		{"form post", "/decode", "", map[string]string{"Authorization": "Bearer biller-token", "Content-Type": "text/plain"}, 415, "", "application/json"},
		{"GET", "/decode", http.MethodGet, map[string]string{"Authorization": "Bearer biller-token"}, 405, "", "use POST"},
		{"unknown path", "/decrypt", "", map[string]string{"Authorization": "Bearer biller-token"}, 404, "", ""},
		{"bad namespace", "/decode", "", map[string]string{"Authorization": "Bearer biller-token", "X-Namespace": "default <script>"}, 400, "", "X-Namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startServer(t, nil)
			payload := body(t, f.encrypted(t))
			var resp *http.Response
			var text string
			if tt.method != "" {
				req, _ := http.NewRequest(tt.method, f.URL+tt.path, nil)
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				resp, text = r, string(b)
			} else {
				resp, text = f.post(t, tt.path, payload, tt.headers)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, text)
			}
			if !strings.Contains(text, tt.wantText) {
				t.Errorf("body %q lacks %q", text, tt.wantText)
			}
			assertNoPHI(t, "refusal", []byte(text))
			if resp.StatusCode == 403 && strings.Contains(text, "origin") && resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Error("refused origin got an Access-Control-Allow-Origin header")
			}
			if tt.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			entries := f.log.all()
			switch {
			case tt.wantLog == "" && len(entries) != 0:
				t.Errorf("access log entries %+v, want none", entries)
			case tt.wantLog != "" && (len(entries) != 1 || entries[0].Outcome != tt.wantLog):
				t.Errorf("access log entries %+v, want one %s", entries, tt.wantLog)
			}
		})
	}
}

func TestServerPreflight(t *testing.T) {
	f := startServer(t, nil)
	for _, tt := range []struct {
		origin string
		want   int
	}{{uiOrigin, 204}, {"https://temporal.example.org", 204}, {"https://evil.example", 403}} {
		req, _ := http.NewRequest(http.MethodOptions, f.URL+"/decode", nil)
		req.Header.Set("Origin", tt.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("preflight from %s: status %d, want %d", tt.origin, resp.StatusCode, tt.want)
			continue
		}
		if tt.want != 204 {
			if resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("preflight from %s allowed", tt.origin)
			}
			continue
		}
		for h, want := range map[string]string{
			"Access-Control-Allow-Origin":      tt.origin,
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "POST, OPTIONS",
			"Access-Control-Allow-Headers":     "Content-Type, X-Namespace, Authorization",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("preflight %s = %q, want %q", h, got, want)
			}
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
			t.Error("preflight response does not vary by Origin")
		}
	}
	if len(f.log.all()) != 0 {
		t.Error("preflight wrote to the access log")
	}
}

// TestServerRoundTripOverHTTP uses the SDK's own remote codec client, as
// the temporal CLI's --codec-endpoint does.
func TestServerRoundTripOverHTTP(t *testing.T) {
	f := startServer(t, nil)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: f.URL + "/codec",
		ModifyRequest: func(r *http.Request) error {
			r.Header.Set("Authorization", "Bearer biller-token")
			r.Header.Set("X-Namespace", "claims")
			return nil
		},
	})
	in := []*commonpb.Payload{jsonPayload(t, fixture), jsonPayload(t, "second")}
	enc, err := remote.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range enc {
		assertEncrypted(t, f.ring, p)
	}
	// The server encrypted with the ring: a local codec decodes it...
	local, err := New(f.ring, RefusePlaintext).Decode(enc)
	if err != nil || !bytes.Equal(local[0].Data, in[0].Data) {
		t.Fatalf("local decode of server-encoded payloads: %v", err)
	}
	// ...and so does the server.
	dec, err := remote.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !bytes.Equal(dec[i].Data, in[i].Data) || string(dec[i].Metadata["encoding"]) != "json/plain" {
			t.Errorf("payload %d changed in HTTP round trip", i)
		}
	}
	entries := f.log.all()
	if len(entries) != 1 || entries[0].Namespace != "claims" || entries[0].Payloads != 2 || entries[0].Outcome != OutcomeDecoded {
		t.Errorf("access log %+v, want one decode of 2 payloads in claims (encode is not logged)", entries)
	}
}

func TestServerDecodeFailureLogged(t *testing.T) {
	f := startServer(t, nil)
	ps := f.encrypted(t)
	ps[0].Data[40] ^= 1
	resp, text := f.post(t, "/decode", body(t, ps), map[string]string{"Authorization": "Bearer biller-token"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(text, "decode payload 0") || !strings.Contains(text, "authentication failed") {
		t.Errorf("status %d: %s", resp.StatusCode, text)
	}
	assertNoPHI(t, "error response", []byte(text))
	if e := f.log.all(); len(e) != 1 || e[0].Outcome != OutcomeFailed || e[0].Payloads != 2 {
		t.Errorf("access log %+v, want one failed decode of 2 payloads", e)
	}

	resp, _ = f.post(t, "/decode", []byte(`{"payloads": [`), map[string]string{"Authorization": "Bearer biller-token"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed JSON: status %d", resp.StatusCode)
	}
	if e := f.log.all(); len(e) != 2 || e[1].Outcome != OutcomeFailed || e[1].Payloads != 0 {
		t.Errorf("access log %+v, want a failed decode of 0 payloads", e)
	}
}

func TestServerWithholdsPlaintextWithoutAccessLog(t *testing.T) {
	f := startServer(t, nil)
	f.log.fail = true
	resp, text := f.post(t, "/decode", body(t, f.encrypted(t)), map[string]string{"Authorization": "Bearer biller-token"})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", resp.StatusCode)
	}
	assertNoPHI(t, "response without access log", []byte(text))
	// base64 of the decoded JSON would hide the names; check it too.
	if strings.Contains(text, "metadata") {
		t.Errorf("response carries payloads: %s", text)
	}
}

func TestServerAuthenticatorDown(t *testing.T) {
	f := startServer(t, nil)
	f.auth.down = true
	resp, text := f.post(t, "/decode", body(t, f.encrypted(t)), map[string]string{"Authorization": "Bearer biller-token"})
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(text, "unreachable") {
		t.Errorf("status %d body %q: want 503 without internal detail", resp.StatusCode, text)
	}
}

func TestServerNamespaces(t *testing.T) {
	f := startServer(t, func(c *ServerConfig) { c.Namespaces = []string{"claims"} })
	ok, _ := f.post(t, "/decode", body(t, f.encrypted(t)), map[string]string{"Authorization": "Bearer biller-token", "X-Namespace": "claims"})
	other, _ := f.post(t, "/decode", body(t, f.encrypted(t)), map[string]string{"Authorization": "Bearer biller-token", "X-Namespace": "default"})
	none, _ := f.post(t, "/decode", body(t, f.encrypted(t)), map[string]string{"Authorization": "Bearer biller-token", "X-Namespace": ""})
	if ok.StatusCode != 200 || other.StatusCode != 403 || none.StatusCode != 403 {
		t.Errorf("statuses claims=%d default=%d none=%d, want 200 403 403", ok.StatusCode, other.StatusCode, none.StatusCode)
	}
	e := f.log.all()
	if len(e) != 3 || e[1].Outcome != OutcomeDenied || e[1].Namespace != "default" || e[2].Outcome != OutcomeDenied {
		t.Errorf("access log %+v", e)
	}
}

func TestServerBodyLimit(t *testing.T) {
	f := startServer(t, func(c *ServerConfig) { c.MaxRequestBytes = 4096 })
	big := body(t, []*commonpb.Payload{{Data: bytes.Repeat([]byte("x"), 8192)}})
	resp, _ := f.post(t, "/decode", big, map[string]string{"Authorization": "Bearer biller-token"})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	// Without Content-Length the limit still holds.
	req, _ := http.NewRequest(http.MethodPost, f.URL+"/encode", io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer biller-token")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("chunked oversized body: status %d, want 400", r.StatusCode)
	}
}

func TestNewServerConfigErrors(t *testing.T) {
	ring := newRing(t)
	valid := func() ServerConfig {
		return ServerConfig{Ring: ring, Origins: []string{uiOrigin}, Roles: []string{"admin"}, Auth: &tokenAuth{}, AccessLog: &memLog{}}
	}
	tests := []struct {
		name   string
		mutate func(*ServerConfig)
		want   string
	}{
		{"no ring", func(c *ServerConfig) { c.Ring = nil }, "no key ring"},
		{"no auth", func(c *ServerConfig) { c.Auth = nil }, "no authenticator"},
		{"no access log", func(c *ServerConfig) { c.AccessLog = nil }, "no access log"},
		{"no origins", func(c *ServerConfig) { c.Origins = []string{"", " "} }, "RCMBOT_CODEC_ORIGINS"},
		{"wildcard", func(c *ServerConfig) { c.Origins = []string{"*"} }, "credentials cannot be shared"},
		{"path", func(c *ServerConfig) { c.Origins = []string{"http://localhost:8233/namespaces"} }, "no path"},
		{"no scheme", func(c *ServerConfig) { c.Origins = []string{"localhost:8233"} }, "scheme://host"},
		{"no roles", func(c *ServerConfig) { c.Roles = nil }, "no permitted roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(&c)
			if _, err := NewServer(c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:8233":     "http://localhost:8233",
		"HTTP://LocalHost:8233/":    "http://localhost:8233",
		"https://ui.example:443":    "https://ui.example",
		"http://ui.example:80":      "http://ui.example",
		"https://ui.example:8443":   "https://ui.example:8443",
		" https://[::1]:443 ":       "https://[::1]",
		"http://127.0.0.1:8233":     "http://127.0.0.1:8233",
		"https://temporal.corp.net": "https://temporal.corp.net",
	} {
		got, err := normalizeOrigin(in)
		if err != nil || got != want {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
