package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/auditbot"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/eligibilitybot"
	"github.com/rcmbot/rcmbot/internal/inventorybot"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web/auth"
	"go.temporal.io/sdk/client"
)

// testClock is a settable clock shared by the server and the test.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// harness is a real web server on a real store (SQLite, or PostgreSQL
// through newHarnessOn) with one signed-up user per role. Its bots are
// mounted without front doors (the pages say the bots are not running)
// unless the test asks for withBots: then they are the real ones.
type harness struct {
	t     *testing.T
	db    *store.DB
	srv   *httptest.Server
	web   *Server
	cfg   *config.Config
	clock *testClock
	// stack is the real product behind the server (withBots), else nil.
	stack     *Stack
	wantStack bool
	noUsers   bool
}

// Stack is the product behind a test server: the claims, eligibility and
// inventory bots' own front doors over a Temporal dev server, with their
// workers running in this process against the clearinghouse, payer and
// supplier simulators (the browser tests' and every bot-facing test's).
type Stack struct {
	Claims      *claimsbot.Service
	Eligibility *eligibilitybot.Service
	Inventory   *inventorybot.Service
	Scheduling  *schedulingbot.Service
	Audit       *auditbot.Service
	Temporal    client.Client
	Ring        *keyring.Ring
	Schedules   []temporalx.Schedule
	Payer       *sim.PayerSim
	Supplier    *sim.SupplierSim
}

// StartStack starts a Stack on db with the settings cfg (whose simulator
// URLs it sets). stack_test.go sets it: it lives in the external test
// package web_test because it builds the workers with internal/bots, which
// imports this package.
var StartStack func(t *testing.T, db *store.DB, cfg *config.Config) *Stack

// rolePassword is every test user's password; usernames are the role names.
const rolePassword = "correct horse battery staple"

// harnessOption changes the harness's settings or server options before
// the server starts.
type harnessOption func(*harness, *Options)

// withBots puts the real bots behind the server (after every other option
// has changed the settings).
func withBots(h *harness, _ *Options) { h.wantStack = true }

// withoutRoleUsers leaves the database's users as they are.
func withoutRoleUsers(h *harness, _ *Options) { h.noUsers = true }

// newHarness is newHarnessOn a fresh SQLite database.
func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.Open(t), opts...)
}

// newHarnessOn starts the server on db (migrated, empty).
func newHarnessOn(t *testing.T, db *store.DB, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, db: db, clock: &testClock{}}
	h.srv = httptest.NewServer(nil)
	t.Cleanup(h.srv.Close)
	h.cfg = testConfig(t, h.srv.URL)
	o := Options{DB: db, Bots: []Bot{Claims(nil), Eligibility(nil), Inventory(nil), Scheduling(nil), Audit(nil)}, Payers: payers.Starter(), Config: h.cfg, Now: h.clock.now}
	for _, f := range opts {
		f(h, &o)
	}
	if h.wantStack {
		if StartStack == nil {
			t.Fatal("no StartStack: stack_test.go sets it")
		}
		h.stack = StartStack(t, db, h.cfg)
		o.Bots = []Bot{Claims(h.stack.Claims), Eligibility(h.stack.Eligibility), Inventory(h.stack.Inventory), Scheduling(h.stack.Scheduling), Audit(h.stack.Audit)}
		o.Ring, o.Temporal, o.Schedules = h.stack.Ring, h.stack.Temporal, h.stack.Schedules
	}
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.web = w
	h.srv.Config.Handler = w
	for _, r := range allRoles {
		if h.noUsers {
			break
		}
		if _, _, err := auth.CreateAccount(context.Background(), db, auth.NewAccount{Username: string(r), DisplayName: "Test " + string(r), Role: r, Password: rolePassword}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// testConfig loads the defaults with the public URL of the test server.
func testConfig(t testing.TB, publicURL string) *config.Config {
	t.Helper()
	var c config.Config
	env := map[string]string{"RCMBOT_PUBLIC_URL": publicURL, "RCMBOT_DATA_DIR": t.TempDir(), "RCMBOT_TIMEZONE": "America/New_York"}
	if err := config.Load(&c, nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	return &c
}

// agent is a browser-like HTTP client: a cookie jar, no redirects
// followed, and the CSRF token of its session.
type agent struct {
	h     *harness
	c     *http.Client
	csrf  string
	token string // bearer token instead of a session
}

func (h *harness) anonymous() *agent {
	jar, _ := cookiejar.New(nil)
	return &agent{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs in through the sign-in form and reads the session's CSRF
// token from a page.
func (h *harness) signIn(role store.Role) *agent {
	h.t.Helper()
	c := h.anonymous()
	res := c.signIn(string(role), rolePassword)
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign in as %s: %d %s", role, res.StatusCode, res.body)
	}
	page := c.get("/account")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		h.t.Fatalf("no CSRF token on the account page: %d %s", page.StatusCode, page.body)
	}
	c.csrf = m[1]
	return c
}

// bearer is a client with an API token of the role's user.
func (h *harness) bearer(role store.Role) *agent {
	h.t.Helper()
	u, err := h.db.UserByUsername(context.Background(), string(role))
	if err != nil {
		h.t.Fatal(err)
	}
	tok, _, err := auth.IssueAPIToken(context.Background(), h.db, u.ID, "test", 0, h.clock.now())
	if err != nil {
		h.t.Fatal(err)
	}
	c := h.anonymous()
	c.token = tok
	return c
}

// response is a response with its body read.
type response struct {
	*http.Response
	body string
}

func (c *agent) do(req *http.Request) response {
	c.h.t.Helper()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Response: res, body: string(b)}
}

func (c *agent) newRequest(method, path string, body io.Reader) *http.Request {
	c.h.t.Helper()
	req, err := http.NewRequest(method, c.h.srv.URL+path, body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return req
}

func (c *agent) get(path string) response {
	c.h.t.Helper()
	return c.do(c.newRequest("GET", path, nil))
}

// postForm posts a urlencoded form with the session's CSRF token added
// (unless the form has one).
func (c *agent) postForm(path string, vals url.Values) response {
	c.h.t.Helper()
	if vals == nil {
		vals = url.Values{}
	}
	if _, ok := vals[csrfField]; !ok && c.csrf != "" {
		vals.Set(csrfField, c.csrf)
	}
	req := c.newRequest("POST", path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// sendJSON sends v as JSON with the X-CSRF-Token header of the session.
func (c *agent) sendJSON(method, path string, v any) response {
	c.h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.h.t.Fatal(err)
	}
	req := c.newRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set(csrfHeader, c.csrf)
	}
	return c.do(req)
}

// upload posts a file as multipart field "file" to path; fields come
// first (the browser form puts its CSRF token before the file).
func (c *agent) upload(path, name string, data []byte, fields ...string) response {
	c.h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req := c.newRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if c.csrf != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set(csrfHeader, c.csrf)
	}
	return c.do(req)
}

// signIn posts the sign-in form after loading it (for its CSRF cookie).
func (c *agent) signIn(username, password string) response {
	c.h.t.Helper()
	page := c.get("/login")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		c.h.t.Fatalf("sign-in page has no CSRF token: %s", page.body)
	}
	return c.postForm("/login", url.Values{"username": {username}, "password": {password}, csrfField: {m[1]}})
}

func decodeJSON[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("%s: %v\n%s", r.Request.URL.Path, err, r.body)
	}
	return v
}

// smallCSV is a claims file of three claims with service dates ten days
// ago: C1001 is clean, C1002 has an invalid billing NPI (an error finding
// on cell K3), and C1003 has units that cannot be read (a row error on
// cell Z4 that holds the claim).
func smallCSV() []byte {
	dos := claim.DateOf(time.Now()).AddDays(-10).String()
	return []byte(strings.ReplaceAll(`claim_id,patient_id,patient_last_name,patient_first_name,patient_dob,patient_sex,member_id,payer_id,payer_name,billing_provider_name,billing_npi,billing_tin,billing_taxonomy,billing_address,billing_city,billing_state,billing_zip,rendering_npi,place_of_service,frequency_code,dx1,line_number,service_date_from,service_date_to,procedure_code,units,line_charge,dx_pointers,patient_address,patient_city,patient_state,patient_zip
C1001,P501,Doe,Jane,1980-02-14,F,MEM1001,60054,Aetna,Sunrise Family Clinic,1234567893,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,J06.9,1,DOS,DOS,99213,1,125.00,1,1 Test Ln,Springfield,IL,62704
C1002,P502,Roe,Richard,1975-07-01,M,MEM1002,60054,Aetna,Sunrise Family Clinic,1234567890,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,I10,1,DOS,DOS,99214,1,180.00,1,1 Test Ln,Springfield,IL,62704
C1003,P503,Poe,Edgar,1990-10-20,M,MEM1003,60054,Aetna,Sunrise Family Clinic,1234567893,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,R51.9,1,DOS,DOS,99212,abc,95.00,1,1 Test Ln,Springfield,IL,62704
`, "DOS", dos))
}

// waitStatus polls the batch until it reaches one of the statuses,
// failing the test after two minutes.
func (h *harness) waitStatus(id string, want ...batch.Status) store.Batch {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		b, err := h.db.Batch(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if slices.Contains(want, b.Status) {
			return b
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("batch %s is %s after 2 minutes, want %v (%s)", id, b.Status, want, b.FailureReason)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sweep books every payer-simulator roster member of payerID on date (a
// roster import, the stand-in for a scheduling system), runs the
// eligibility sweep of that date through the bot's front door and waits
// for it to finish.
func (h *harness) sweep(date claim.Date, payerID string) store.Sweep {
	h.t.Helper()
	ctx := context.Background()
	var appts []store.Appointment
	for i, m := range h.stack.Payer.Roster() {
		if m.PayerID == payerID {
			appts = append(appts, store.Appointment{Date: date, PayerID: m.PayerID, PatientID: fmt.Sprintf("P%04d", i), MemberID: m.ID,
				LastName: m.LastName, FirstName: m.FirstName, DOB: m.DOB, Source: "roster.csv", SourceRow: i + 2})
		}
	}
	if _, err := h.db.ReplaceRoster(ctx, appts); err != nil {
		h.t.Fatal(err)
	}
	id, err := h.stack.Eligibility.Sweep(ctx, date)
	if err != nil {
		h.t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := h.stack.Eligibility.WaitSweep(wctx, id); err != nil {
		h.t.Fatal(err)
	}
	sw, err := h.db.Sweep(ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return sw
}

// eligibilityDoor is a function-field stand-in for the eligibility bot's
// front door, for tests of what a page does with one answer: each field
// is the answer, with no logic of its own. A nil field panics if called.
type eligibilityDoor struct {
	check         func(context.Context, eligibility.Request, string) (store.EligibilityResult, error)
	sweepResults  func(context.Context, claim.Date) (store.Sweep, []store.EligibilityResult, error)
	writeWorklist func(context.Context, claim.Date, io.Writer) error
}

func (d eligibilityDoor) Check(ctx context.Context, req eligibility.Request, by string) (store.EligibilityResult, error) {
	return d.check(ctx, req, by)
}

func (d eligibilityDoor) SweepResults(ctx context.Context, date claim.Date) (store.Sweep, []store.EligibilityResult, error) {
	return d.sweepResults(ctx, date)
}

func (d eligibilityDoor) WriteWorklist(ctx context.Context, date claim.Date, w io.Writer) error {
	return d.writeWorklist(ctx, date, w)
}

// newEmptyDB is a migrated database without users.
func newEmptyDB(t testing.TB) *store.DB { return storetest.Open(t) }
