package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// wantRoles is the role model of issue 6, written out route by route: who
// may use each route. TestRoutePermissions checks the code against it and
// TestRoleEnforcement checks it over HTTP.
var wantRoles = map[string]string{
	"GET /account":                                          "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /account/password":                                "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /account/tokens":                                  "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /account/tokens/{tid}/revoke":                     "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /users/{uid}/tokens/{tid}/revoke":                 "admin",
	"GET /api/v1/access-log/patient":                        "admin auditor privacy_officer",
	"GET /upload":                                           "biller reviewer admin",
	"POST /upload":                                          "biller reviewer admin",
	"GET /batches":                                          "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /batches/{id}":                                     "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /batches/{id}/delete":                             "admin",
	"GET /batches/{id}/claims/{claim}":                      "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /batches/{id}/work-items/{item}/resolve":          "reviewer admin",
	"GET /api/v1/batches/{id}/work-items":                   "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/batches/{id}/work-items/{item}/resolve":   "reviewer admin",
	"POST /batches/{id}/claims/{claim}/review":              "reviewer admin",
	"GET /review":                                           "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /review":                                          "reviewer admin",
	"GET /eligibility":                                      "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /eligibility/check":                               "biller reviewer admin",
	"GET /eligibility/{date}/results/{rid}":                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /inventory/orders":                                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /inventory/orders/{po}/approve":                   "admin purchaser",
	"POST /inventory/orders/{po}/reject":                    "admin purchaser",
	"POST /inventory/orders/{po}/receive":                   "biller reviewer admin purchaser",
	"GET /api/v1/inventory/orders":                          "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/inventory/orders/{po}/approve":            "admin purchaser",
	"POST /api/v1/inventory/orders/{po}/reject":             "admin purchaser",
	"POST /api/v1/inventory/orders/{po}/receive":            "biller reviewer admin purchaser",
	"GET /inventory/items":                                  "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /inventory/items/{sku}":                            "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/inventory/items":                           "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/inventory/items/{sku}":                     "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /inventory/lots":                                   "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/inventory/lots":                            "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /inventory/report":                                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /scheduling":                                       "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /scheduling/requests":                              "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /scheduling/requests":                             "admin front_desk",
	"POST /scheduling/requests/{rid}/book":                  "admin front_desk",
	"POST /scheduling/appointments/{aid}/attendance":        "admin front_desk",
	"GET /scheduling/waitlist":                              "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /scheduling/offers/{oid}/answer":                  "admin front_desk",
	"GET /scheduling/report":                                "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/scheduling/calendar":                       "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/scheduling/requests":                       "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/scheduling/requests":                      "admin front_desk",
	"POST /api/v1/scheduling/requests/{rid}/book":           "admin front_desk",
	"POST /api/v1/scheduling/appointments/{aid}/attendance": "admin front_desk",
	"GET /api/v1/scheduling/waitlist":                       "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/scheduling/offers/{oid}/answer":           "admin front_desk",
	"GET /api/v1/scheduling/report":                         "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/inventory/report":                          "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /bots":                                             "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /scheduling/templates/{pid}":                       "admin",
	"POST /scheduling/templates/{pid}/sessions":             "admin",
	"POST /scheduling/templates/{pid}/blocked":              "admin",
	"POST /scheduling/visit-types":                          "admin",
	"GET /api/v1/scheduling/templates/{pid}":                "admin",
	"PUT /api/v1/scheduling/templates/{pid}":                "admin",
	"GET /api/v1/scheduling/visit-types":                    "admin",
	"PUT /api/v1/scheduling/visit-types/{vid}":              "admin",
	"POST /bots/{schedule}/{action}":                        "admin",
	"GET /reports":                                          "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /users":                                            "admin",
	"POST /users":                                           "admin",
	"POST /users/{uid}/{action}":                            "admin",
	"GET /access-log":                                       "admin auditor privacy_officer",
	"GET /api/v1/me":                                        "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/batches":                                  "biller reviewer admin",
	"GET /api/v1/batches":                                   "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/batches/{id}":                              "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"DELETE /api/v1/batches/{id}":                           "admin",
	"GET /api/v1/batches/{id}/findings":                     "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/batches/{id}/findings.csv":                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/batches/{id}/claims/{claim}":               "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/batches/{id}/review":                      "reviewer admin",
	"GET /api/v1/batches/{id}/annotated.xlsx":               "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/batches/{id}/837p":                         "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/batches/{id}/submission":                   "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/eligibility/checks":                       "biller reviewer admin",
	"GET /api/v1/eligibility/sweeps/{date}":                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/eligibility/sweeps/{date}/worklist.xlsx":   "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/reports":                                   "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/reports.xlsx":                              "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /api/v1/schedules":                                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/schedules/{schedule}/{action}":            "admin",
	"GET /api/v1/access-log":                                "admin auditor privacy_officer",
	"POST /inventory/orders/{po}/withdraw":                  "admin purchaser",
	"POST /api/v1/inventory/orders/{po}/withdraw":           "admin purchaser",
	"GET /providers":                                        "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /providers":                                       "reviewer admin",
	"POST /providers/import":                                "reviewer admin",
	"POST /facilities":                                      "reviewer admin",
	"GET /api/v1/providers":                                 "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/providers":                                "reviewer admin",
	"POST /api/v1/providers/import":                         "reviewer admin",
	"GET /api/v1/facilities":                                "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"POST /api/v1/facilities":                               "reviewer admin",
	"GET /api/v1/inventory/report.xlsx":                     "biller reviewer admin auditor purchaser front_desk privacy_officer",
	"GET /audit/alerts":                                     "admin auditor privacy_officer",
	"GET /audit/alerts/{alert}":                             "admin auditor privacy_officer",
	"POST /audit/alerts/{alert}/decide":                     "admin privacy_officer",
	"GET /audit/patients/{patient}":                         "admin auditor privacy_officer",
	"GET /audit/users/{user}":                               "admin auditor privacy_officer",
	"GET /audit/imports":                                    "admin privacy_officer",
	"POST /audit/imports":                                   "admin privacy_officer",
	"POST /api/v1/audit/imports":                            "admin privacy_officer",
	"GET /audit/posture":                                    "admin auditor privacy_officer",
	"GET /audit/review":                                     "admin auditor privacy_officer",
	"GET /audit/review/monthly.xlsx":                        "admin auditor privacy_officer",
	"GET /audit/review/monthly.pdf":                         "admin auditor privacy_officer",
	"GET /api/v1/audit/alerts":                              "admin auditor privacy_officer",
	"GET /api/v1/audit/alerts/{alert}":                      "admin auditor privacy_officer",
	"POST /api/v1/audit/alerts/{alert}/decide":              "admin privacy_officer",
	"GET /api/v1/audit/patients/{patient}":                  "admin auditor privacy_officer",
	"GET /api/v1/audit/users/{user}":                        "admin auditor privacy_officer",
	"GET /api/v1/audit/posture":                             "admin auditor privacy_officer",
	"GET /api/v1/audit/review/monthly":                      "admin auditor privacy_officer",
	"GET /api/v1/audit/review/users":                        "admin auditor privacy_officer",
}

// publicRoutes need no sign-in.
var publicRoutes = []string{"GET /static/", "GET /healthz", "GET /{$}", "GET /login", "POST /login", "POST /logout",
	"GET /scheduling/a/{token}", "POST /scheduling/a/{token}", "GET /scheduling/r/{token}", "POST /scheduling/r/{token}", "GET /scheduling/o/{oid}", "POST /scheduling/o/{oid}"}

// recorder collects the routes a Server registers.
type recorder struct {
	guarded map[string]route
	public  []string
}

func (r *recorder) Handle(pattern string, h http.Handler) {
	if g, ok := h.(guarded); ok {
		r.guarded[pattern] = g.rt
		return
	}
	r.public = append(r.public, pattern)
}

func (r *recorder) HandleFunc(pattern string, _ func(http.ResponseWriter, *http.Request)) {
	r.public = append(r.public, pattern)
}

func registeredRoutes(s *Server) *recorder {
	rec := &recorder{guarded: map[string]route{}}
	s.routes(rec)
	return rec
}

func TestRoutePermissions(t *testing.T) {
	h := newHarness(t)
	rec := registeredRoutes(h.web)
	slices.Sort(rec.public)
	want := slices.Clone(publicRoutes)
	slices.Sort(want)
	if !slices.Equal(rec.public, want) {
		t.Errorf("routes without sign-in: %v, want exactly %v", rec.public, want)
	}
	for pattern, rt := range rec.guarded {
		roles, ok := wantRoles[pattern]
		if !ok {
			t.Errorf("route %s is not in the role model (wantRoles)", pattern)
			continue
		}
		for _, r := range allRoles {
			if got, want := can(r, rt.perm), strings.Contains(roles, string(r)); got != want {
				t.Errorf("%s: role %s allowed=%t, want %t", pattern, r, got, want)
			}
		}
	}
	for pattern := range wantRoles {
		if _, ok := rec.guarded[pattern]; !ok {
			t.Errorf("role model names %s, which is not a route", pattern)
		}
	}
}

// concrete fills a route pattern's wildcards with plausible values.
func concrete(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	return method, strings.NewReplacer("{id}", "b-unknown", "{claim}", "C1", "{date}", "2026-03-02", "{rid}", "el-unknown",
		"{schedule}", "nightly", "{action}", "trigger", "{uid}", "u-unknown", "{po}", "PO-unknown", "{alert}", "al-unknown", "{patient}", "p-unknown", "{user}", "u-unknown").Replace(path)
}

func TestSignedOutSeesNothing(t *testing.T) {
	h := newHarness(t, withBots)
	b, _ := h.uploadSmall()
	anon := h.anonymous()
	for pattern := range registeredRoutes(h.web).guarded {
		method, path := concrete(strings.ReplaceAll(pattern, "{id}", b.BatchID))
		res := anon.do(anon.newRequest(method, path, strings.NewReader("")))
		if strings.HasPrefix(path, "/api/") {
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, `"error"`) || res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s signed out: %d %s", pattern, res.StatusCode, res.body)
			}
			continue
		}
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("%s signed out: %d (Location %q), want a redirect to sign in", pattern, res.StatusCode, res.Header.Get("Location"))
		}
		if strings.Contains(res.body, "Roe") || strings.Contains(res.body, "C1002") {
			t.Errorf("%s signed out shows patient data: %s", pattern, res.body)
		}
	}
	// A bad token is no better than none.
	bad := h.anonymous()
	bad.token = "rcmbot_notatoken"
	if res := bad.get("/api/v1/batches/" + b.BatchID + "/findings"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %d", res.StatusCode)
	}
	// The sign-in page sends a deep link back after sign-in, and only a
	// local one.
	res := anon.get("/batches/" + b.BatchID)
	if loc := res.Header.Get("Location"); loc != "/login?next=%2Fbatches%2F"+b.BatchID {
		t.Errorf("redirect to sign in: %q", loc)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
}

func TestRoleEnforcement(t *testing.T) {
	h := newHarness(t)
	clients := map[store.Role]*agent{}
	for _, r := range allRoles {
		clients[r] = h.bearer(r)
	}
	for pattern := range registeredRoutes(h.web).guarded {
		method, path := concrete(pattern)
		for _, r := range allRoles {
			res := clients[r].do(clients[r].newRequest(method, path, strings.NewReader("")))
			allowed := strings.Contains(wantRoles[pattern], string(r))
			switch {
			case allowed && (res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized):
				t.Errorf("%s as %s: %d %s, want it allowed", pattern, r, res.StatusCode, res.body)
			case !allowed && res.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", pattern, r, res.StatusCode)
			}
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn(store.RoleAdmin)
	for _, c := range []struct {
		agent *agent
		path  string
		cache string
	}{
		{h.anonymous(), "/login", "no-store"},
		{h.anonymous(), "/api/v1/batches", "no-store"},
		{h.anonymous(), "/static/app.css", "public, max-age=3600"},
		{admin, "/batches", "no-store"},
		{admin, "/reports", "no-store"},
		{admin, "/api/v1/batches", "no-store"},
	} {
		res := c.agent.get(c.path)
		hd := res.Header
		csp := hd.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", c.path, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
			"Cache-Control": c.cache} {
			if got := hd.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", c.path, k, got, want)
			}
		}
		if hd.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", c.path)
		}
	}
	// No inline script or style anywhere in the pages, so the CSP holds
	// without 'unsafe-inline'.
	for _, p := range []string{"/batches", "/upload", "/review", "/eligibility", "/bots", "/reports", "/users", "/access-log", "/account"} {
		body := admin.get(p).body
		for _, bad := range []string{"<script>", "style=", "<style", "onclick=", "onload=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
	}
}

func TestSessionCookieFlags(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous()
	res := c.signIn("biller", rolePassword)
	var sess *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "rcmbot_session" {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.Path != "/" {
		t.Fatalf("session cookie over http: %+v", sess)
	}
	// Served over https, the cookie is Secure with the __Host- prefix,
	// and HSTS is on.
	db := storetest.Open(t)
	cfg := testConfig(t, "https://rcmbot.example.org")
	s, err := New(Options{DB: db, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(context.Background(), store.NewUser{Username: "x", Role: store.RoleBiller, PasswordHash: mustHash(t, rolePassword)}); err != nil {
		t.Fatal(err)
	}
	get := httptest.NewRecorder()
	s.ServeHTTP(get, httptest.NewRequest("GET", "https://rcmbot.example.org/login", nil))
	var csrf *http.Cookie
	for _, ck := range get.Result().Cookies() {
		if ck.Name == loginCSRFCookie {
			csrf = ck
		}
	}
	if csrf == nil || !csrf.Secure {
		t.Fatalf("sign-in CSRF cookie over https: %+v", csrf)
	}
	form := url.Values{"username": {"x"}, "password": {rolePassword}, csrfField: {csrf.Value}}
	req := httptest.NewRequest("POST", "https://rcmbot.example.org/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	post := httptest.NewRecorder()
	s.ServeHTTP(post, req)
	var secure *http.Cookie
	for _, ck := range post.Result().Cookies() {
		if ck.Name == "__Host-rcmbot_session" {
			secure = ck
		}
	}
	if post.Code != http.StatusSeeOther || secure == nil || !secure.Secure || !secure.HttpOnly || secure.Path != "/" || secure.Domain != "" {
		t.Fatalf("https sign-in: %d, cookie %+v", post.Code, secure)
	}
	if post.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over https")
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t, withBots)
	b, _ := h.uploadSmall()
	rev := h.signIn(store.RoleReviewer)
	selection := url.Values{"claim": {b.BatchID + "/C1002"}, "action": {"approve"}}

	// A form without the token, or with another session's, is refused.
	noToken := rev.postForm("/review", url.Values{csrfField: {""}, "claim": selection["claim"], "action": {"approve"}})
	other := h.signIn(store.RoleAdmin)
	wrong := rev.postForm("/review", url.Values{csrfField: {other.csrf}, "claim": selection["claim"], "action": {"approve"}})
	for _, res := range []response{noToken, wrong} {
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "expired or did not come from rcmbot") {
			t.Errorf("form without a valid token: %d %s", res.StatusCode, res.body)
		}
	}
	if rec, _ := h.db.Claim(context.Background(), b.BatchID, "C1002"); rec.State != batch.StatePending {
		t.Fatalf("a refused form changed the claim: %s", rec.State)
	}

	// The session-authenticated API needs the header too.
	req := rev.newRequest("POST", "/api/v1/batches/"+b.BatchID+"/review", strings.NewReader(`[{"claim_id":"C1002","action":"approve"}]`))
	req.Header.Set("Content-Type", "application/json")
	if res := rev.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("API with a session and no X-CSRF-Token: %d %s", res.StatusCode, res.body)
	}

	// Cross-origin state-changing requests are refused even with the token.
	for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}} {
		vals := url.Values{csrfField: {rev.csrf}, "claim": selection["claim"], "action": {"approve"}}
		req := rev.newRequest("POST", "/review", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if res := rev.do(req); res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "another web site") {
			t.Errorf("cross-origin %v: %d %s", hdr, res.StatusCode, res.body)
		}
	}

	// The multipart upload form carries its token as the first part.
	biller := h.signIn(store.RoleBiller)
	if res := biller.upload("/upload", "claims.csv", smallCSV()); res.StatusCode != http.StatusForbidden {
		t.Errorf("upload form without token: %d", res.StatusCode)
	}
	if res := biller.upload("/upload", "claims.csv", smallCSV(), csrfField, "forged"); res.StatusCode != http.StatusForbidden {
		t.Errorf("upload form with a forged token: %d", res.StatusCode)
	}
	res := biller.upload("/upload", "claims.csv", smallCSV(), csrfField, biller.csrf)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/batches/b-") {
		t.Errorf("upload form with its token: %d %s", res.StatusCode, res.body)
	}
	h.waitStatus(strings.TrimPrefix(res.Header.Get("Location"), "/batches/"), batch.AwaitingReview)

	// Sign-in needs its own token (the cookie set with the form), and
	// sign-out needs the session's.
	anon := h.anonymous()
	if res := anon.postForm("/login", url.Values{"username": {"biller"}, "password": {rolePassword}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the form's token: %d", res.StatusCode)
	}
	if res := rev.postForm("/logout", url.Values{csrfField: {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d", res.StatusCode)
	}
	if res := rev.get("/review"); res.StatusCode != 200 {
		t.Errorf("session ended by a forged sign-out: %d", res.StatusCode)
	}
	if res := rev.postForm("/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d", res.StatusCode)
	}
	if res := rev.get("/review"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", res.StatusCode)
	}
}

func TestUploadLimits(t *testing.T) {
	h := newHarness(t, func(h *harness, _ *Options) { h.cfg.UploadMaxBytes = 4096 }, withBots)
	biller := h.bearer(store.RoleBiller)
	big := smallCSV()
	row := big[strings.LastIndex(string(big[:len(big)-1]), "\n")+1:]
	for len(big) <= 4096 {
		big = append(big, row...)
	}
	res := biller.upload("/api/v1/batches", "big.csv", big)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "larger than the 4 KB upload limit") {
		t.Fatalf("over the limit: %d %s", res.StatusCode, res.body)
	}
	// Far over the limit, refused from Content-Length before reading.
	huge := []byte(strings.Repeat("x", 100<<10))
	if res := biller.upload("/api/v1/batches", "huge.csv", huge); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("far over the limit: %d %s", res.StatusCode, res.body)
	}
	// The browser form says it on the upload page.
	form := h.signIn(store.RoleBiller)
	page := form.upload("/upload", "big.csv", big, csrfField, form.csrf)
	if page.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page.body, "larger than the 4 KB upload limit") || !strings.Contains(page.body, "Split it") {
		t.Errorf("form over the limit: %d %s", page.StatusCode, page.body)
	}
	// Not a spreadsheet: the reason intake gives, plainly.
	pdf := biller.upload("/api/v1/batches", "claims.pdf", []byte("%PDF-1.7\n1 0 obj <<>> endobj\n"))
	if pdf.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(pdf.body, "claims.pdf") {
		t.Errorf("PDF: %d %s", pdf.StatusCode, pdf.body)
	}
	// No file, wrong encoding.
	empty := biller.upload("/api/v1/batches", "", nil)
	if empty.StatusCode != http.StatusBadRequest {
		t.Errorf("no file name: %d %s", empty.StatusCode, empty.body)
	}
	req := biller.newRequest("POST", "/api/v1/batches", strings.NewReader("claim_id\n"))
	req.Header.Set("Content-Type", "text/csv")
	if res := biller.do(req); res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("raw CSV body: %d", res.StatusCode)
	}
	// Nothing was created by any refused upload.
	if bs, _ := h.db.Batches(context.Background(), store.All); len(bs) != 0 {
		t.Errorf("refused uploads created %d batches", len(bs))
	}
	// Within the limit it goes through.
	if res := biller.upload("/api/v1/batches", "ok.csv", smallCSV()); res.StatusCode != http.StatusAccepted {
		t.Errorf("within the limit: %d %s", res.StatusCode, res.body)
	}
}

func TestSignInLockoutAndThrottle(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) { lockout(t, newHarnessOn(t, db)) })
}

// lockout fails sign-in until the account locks, has an admin unlock it,
// then throttles one address.
func lockout(t *testing.T, h *harness) {
	c := h.anonymous()
	var first string
	for i := 1; i <= 5; i++ {
		res := c.signIn("reviewer", "not the password")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, res.StatusCode)
		}
		if i == 1 {
			first = res.body
		}
	}
	res := c.signIn("reviewer", rolePassword)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "pauses for 1 minute") {
		t.Fatalf("right password on a locked account: %d %s", res.StatusCode, res.body)
	}
	// Unknown users get the same page as wrong passwords.
	unknown := c.signIn("nosuchuser", rolePassword)
	msg := func(s string) string {
		i := strings.Index(s, `role="alert"`)
		return s[i : i+200]
	}
	if unknown.StatusCode != http.StatusUnauthorized || msg(unknown.body) != msg(first) {
		t.Errorf("unknown user answered differently:\n%s\n%s", msg(unknown.body), msg(first))
	}
	// The admin sees the lock and lifts it.
	admin := h.signIn(store.RoleAdmin)
	u, _ := h.db.UserByUsername(context.Background(), "reviewer")
	if page := admin.get("/users"); !strings.Contains(page.body, "locked at 1 address") {
		t.Errorf("users page does not show the lock")
	}
	if res := admin.postForm("/users/"+u.ID+"/unlock", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", res.StatusCode, res.body)
	}
	if res := c.signIn("reviewer", rolePassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after unlock: %d", res.StatusCode)
	}

	// Per address: ten attempts, then 429 until the bucket refills.
	h2 := newHarness(t)
	a := h2.anonymous()
	for i := 1; i <= signInBurst; i++ {
		if res := a.signIn("nosuchuser", "guess"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
	}
	res = a.signIn("biller", rolePassword)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many sign-in attempts") {
		t.Fatalf("attempt %d: %d", signInBurst+1, res.StatusCode)
	}
	h2.clock.advance(signInEvery)
	if res := a.signIn("biller", rolePassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the refill: %d", res.StatusCode)
	}
}

func TestIdleTimeout(t *testing.T) {
	h := newHarness(t, withBots)
	b, _ := h.uploadSmall()
	rev := h.signIn(store.RoleReviewer)
	claimPage := "/batches/" + b.BatchID + "/claims/C1002"
	// Activity keeps the session alive past the idle timeout.
	for range 3 {
		h.clock.advance(20 * time.Minute)
		if res := rev.get(claimPage); res.StatusCode != 200 {
			t.Fatalf("active session: %d", res.StatusCode)
		}
	}
	h.clock.advance(h.cfg.SessionIdle + time.Second)
	res := rev.get(claimPage)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "why=expired") {
		t.Fatalf("after %s idle: %d %s", h.cfg.SessionIdle, res.StatusCode, res.Header.Get("Location"))
	}
	if page := rev.get(res.Header.Get("Location")); !strings.Contains(page.body, "signed out after 30 minutes without activity") {
		t.Errorf("sign-in page after expiry: %s", page.body)
	}
	// The refused view is in the access log, as the reviewer's.
	evs, _ := h.db.AccessEvents(context.Background(), store.AccessFilter{Outcome: store.AccessDenied}, store.All)
	if len(evs) != 1 || evs[0].Username != "reviewer" || evs[0].Action != store.AccessViewClaim || evs[0].Detail != "session expired" || evs[0].ClaimID != "C1002" {
		t.Errorf("denied events %+v", evs)
	}
	// The session is gone for the API too.
	req := rev.newRequest("GET", "/api/v1/batches", nil)
	if res := rev.do(req); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API after expiry: %d", res.StatusCode)
	}
}

func mustHash(t testing.TB, pw string) string {
	t.Helper()
	h, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
