package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/internal/web/auth"
	"github.com/rcmbot/rcmbot/workflows"
)

// TestAccessWatchAlertsWithin60Seconds: on the real stack (Temporal dev
// server, every bot's workers, the web app over HTTP), a user signs in and
// opens claim records, then someone guesses the user's password over and
// over; the access watch raises a brute-force alert within 60 s of the
// last guess, and a case starts for it.
func TestAccessWatchAlertsWithin60Seconds(t *testing.T) {
	s := Start(t, Options{})
	ctx := context.Background()
	b := s.SubmitDemo(t)
	benv := bots.Env{Config: s.Config, DB: s.DB, Ring: s.Ring, Log: s.Log}
	wbots, err := bots.WebBots(benv, s.Client)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Options{DB: s.DB, Ring: s.Ring, Config: s.Config, Log: s.Log, Bots: wbots, Temporal: s.Client})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	const password = "correct horse battery staple"
	if _, _, err := auth.CreateAccount(ctx, s.DB, auth.NewAccount{Username: "ana", Role: store.RoleBiller, Password: password}); err != nil {
		t.Fatal(err)
	}
	audits := s.Audit
	if err := audits.StartWatch(ctx); err != nil {
		t.Fatal(err)
	}

	newBrowser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	browser, attacker := newBrowser(), newBrowser()
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	signIn := func(browser *http.Client, pw string) int {
		page, err := browser.Get(ts.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		m := csrf.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF token on the sign-in page: %s", body)
		}
		res, err := browser.PostForm(ts.URL+"/login", url.Values{"username": {"ana"}, "password": {pw}, "csrf_token": {string(m[1])}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := signIn(browser, password); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	claims, err := s.DB.Claims(ctx, store.ClaimFilter{BatchID: b.ID}, store.Page{Limit: 5})
	if err != nil || len(claims) == 0 {
		t.Fatalf("claims: %v", err)
	}
	for _, c := range claims {
		res, err := browser.Get(ts.URL + "/batches/" + b.ID + "/claims/" + url.PathEscape(c.Claim.ID))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("claim page: %d", res.StatusCode)
		}
	}
	// The guesses: sign-in from one address is throttled after a burst,
	// so keep guessing (as an attacker would) until twelve are refused.
	refused := 0
	var last time.Time
	for refused < 12 {
		switch code := signIn(attacker, "not the password"); code {
		case http.StatusUnauthorized:
			refused++
			last = time.Now()
		case http.StatusTooManyRequests:
			time.Sleep(2 * time.Second)
		default:
			t.Fatalf("a wrong password: %d", code)
		}
	}
	var alert audit.Case
	for alert.ID == "" && time.Since(last) < 60*time.Second {
		list, err := s.DB.AlertCases(ctx, store.AlertFilter{Rule: audit.RuleBruteForce, UserID: "ana"}, store.All)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			alert = list[0]
			break
		}
		time.Sleep(time.Second)
	}
	if alert.ID == "" {
		t.Fatal("no brute-force alert within 60 s of the last failed sign-in")
	}
	t.Logf("brute-force alert stored %.1f s after the last failed sign-in", time.Since(last).Seconds())
	if !strings.Contains(alert.Explanation, "failed sign-ins") || alert.Source != audit.FromWatch {
		t.Errorf("alert: %+v", alert)
	}
	// The views were read by the watch too: its cursor passed them.
	views, _ := s.DB.AccessEvents(ctx, store.AccessFilter{Username: "ana"}, store.All)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		pos, err := s.DB.AuditCursor(ctx, store.CursorAccessLog)
		if err != nil {
			t.Fatal(err)
		}
		if len(views) > 0 && pos >= views[0].Seq {
			break
		}
		time.Sleep(time.Second)
	}
	if pos, _ := s.DB.AuditCursor(ctx, store.CursorAccessLog); len(views) != len(claims) || pos < views[0].Seq {
		t.Errorf("the watch read up to access %d; ana's %d views end at %v", pos, len(views), views)
	}

	// The privacy officer decides the case through the front door, as the
	// web app does; its history (with the signed Update) and a scan's are
	// saved for the replay test in package workflows.
	caseID := workflows.AccessCaseWorkflowID(alert.ID)
	var open workflows.AccessCaseState
	for deadline := time.Now().Add(30 * time.Second); open.Alert.ID != alert.ID && time.Now().Before(deadline); time.Sleep(time.Second) {
		if v, err := s.Client.QueryWorkflow(ctx, caseID, "", workflows.QueryAccessCase); err == nil {
			_ = v.Get(&open)
		}
	}
	if open.Alert.ID != alert.ID {
		t.Fatalf("the case of alert %s did not load it: %+v", alert.ID, open)
	}
	out, err := audits.Decide(ctx, alert.ID, "priya", audit.RolePrivacyOfficer,
		audit.CaseNote{Disposition: audit.Appropriate, Note: "ana mistyped her password; confirmed with her by phone"})
	if err != nil || out.State != audit.CaseClosed {
		t.Fatalf("decide the case: %+v %v", out, err)
	}
	var closed workflows.AccessCaseState
	if err := s.Client.GetWorkflow(ctx, caseID, "").Get(ctx, &closed); err != nil || closed.Alert.State != audit.CaseClosed || len(closed.Decisions) != 1 {
		t.Fatalf("the case's result: %+v %v", closed, err)
	}
	saveHistory(t, s, caseID, "access-case")
	scanID, err := audits.StartScan(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var scan workflows.AccessScanResult
	if err := s.Client.GetWorkflow(ctx, scanID, "").Get(ctx, &scan); err != nil {
		t.Fatalf("access scan: %v", err)
	}
	if scan.Watching {
		t.Errorf("the scan started a second watch: %+v", scan)
	}
	saveHistory(t, s, scanID, "access-scan")
}
