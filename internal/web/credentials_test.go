package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// signedOut reports whether the agent's session has ended: a page sends
// it to the sign-in form.
func (c *agent) signedOut() bool {
	c.h.t.Helper()
	res := c.get("/batches")
	return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login")
}

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in %s", body)
	}
	return m[1]
}

// TestPasswordChangeEndsOtherSessions: changing one's password signs out
// every other browser of the user; the one that changed it stays in.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	h := newHarness(t)
	here, laptop := h.signIn(store.RoleReviewer), h.signIn(store.RoleReviewer)
	other := h.signIn(store.RoleBiller)
	res := here.postForm("/account/password", url.Values{"current": {rolePassword}, "new": {"lantern orchid 1947"}, "confirm": {"lantern orchid 1947"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d %s", res.StatusCode, res.body)
	}
	if here.signedOut() || !laptop.signedOut() || other.signedOut() {
		t.Errorf("after the change: this session out %t, the user's other session out %t, another user's out %t",
			here.signedOut(), laptop.signedOut(), other.signedOut())
	}
}

// TestAdminResetEndsSessionsAndForcesAChange: an administrator's reset
// signs the user out everywhere, and the new password only opens the
// password change.
func TestAdminResetEndsSessionsAndForcesAChange(t *testing.T) {
	h := newHarness(t)
	biller, admin := h.signIn(store.RoleBiller), h.signIn(store.RoleAdmin)
	u, err := h.db.UserByUsername(context.Background(), "biller")
	if err != nil {
		t.Fatal(err)
	}
	res := admin.postForm("/users/"+u.ID+"/reset", nil)
	m := regexp.MustCompile(`id="secret-value">([A-Z2-7]{26})<`).FindStringSubmatch(res.body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("reset: %d %s", res.StatusCode, res.body)
	}
	if !biller.signedOut() {
		t.Error("the reset left the biller's session signed in")
	}
	again := h.anonymous()
	if res := again.signIn("biller", m[1]); res.Header.Get("Location") != mustChangePage {
		t.Fatalf("sign-in with the reset password goes to %q", res.Header.Get("Location"))
	}
	if res := again.get("/api/v1/batches"); res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "change it") {
		t.Errorf("API before the change: %d %s", res.StatusCode, res.body)
	}
}

// TestAPITokensExpireAndAreRevocablePerToken: a user issues tokens on the
// Account page and revokes one; the other keeps working; an administrator
// revokes another user's token on the Users page; an expired token is
// refused with a message that says so.
func TestAPITokensExpireAndAreRevocablePerToken(t *testing.T) {
	h := newHarness(t)
	biller := h.signIn(store.RoleBiller)
	issue := func(name string) (string, string) {
		res := biller.postForm("/account/tokens", url.Values{"name": {name}, "days": {"7"}})
		m := regexp.MustCompile(`id="secret-value">(rcmbot_[A-Za-z0-9_-]+)<`).FindStringSubmatch(res.body)
		id := regexp.MustCompile(`API token (tk-[0-9a-z]+) issued`).FindStringSubmatch(res.body)
		if res.StatusCode != http.StatusOK || m == nil || id == nil {
			t.Fatalf("issue token: %d %s", res.StatusCode, res.body)
		}
		return m[1], id[1]
	}
	tokA, idA := issue("nightly export")
	tokB, idB := issue("Temporal UI codec")
	bearer := func(tok string) response {
		c := h.anonymous()
		c.token = tok
		return c.get("/api/v1/me")
	}
	if res := bearer(tokA); res.StatusCode != http.StatusOK {
		t.Fatalf("token A: %d", res.StatusCode)
	}
	page := biller.get("/account")
	has(t, "account page", page.body, idA, idB, "nightly export", "Temporal UI codec")
	if strings.Contains(page.body, tokA) {
		t.Error("the account page shows a token again")
	}
	if res := biller.postForm("/account/tokens/"+idA+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.body)
	}
	if res := bearer(tokA); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token A: %d", res.StatusCode)
	}
	if res := bearer(tokB); res.StatusCode != http.StatusOK {
		t.Errorf("token B after A was revoked: %d", res.StatusCode)
	}
	// Nobody revokes someone else's token from their Account page.
	reviewer := h.signIn(store.RoleReviewer)
	if res := reviewer.postForm("/account/tokens/"+idB+"/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking another user's token: %d", res.StatusCode)
	}
	// Expiry (7 days).
	h.clock.advance(7*24*time.Hour + time.Minute)
	if res := bearer(tokB); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "expired") {
		t.Errorf("expired token: %d %s", res.StatusCode, res.body)
	}
	h.clock.advance(-7*24*time.Hour - time.Minute)
	// An administrator revokes it from the Users page.
	admin := h.signIn(store.RoleAdmin)
	u, _ := h.db.UserByUsername(context.Background(), "biller")
	has(t, "users page", admin.get("/users").body, idB)
	if res := admin.postForm("/users/"+u.ID+"/tokens/"+idB+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin revoke: %d %s", res.StatusCode, res.body)
	}
	if res := bearer(tokB); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("token B after the admin revoked it: %d", res.StatusCode)
	}
}

// TestSignInLocksOnlyTheGuessingAddress: five wrong passwords lock the
// account at the address they came from; an administrator lifts it.
func TestSignInLocksOnlyTheGuessingAddress(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous()
	for range auth.DefaultMaxFailures {
		if res := c.signIn("admin", "not the password at all"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
	}
	if res := c.signIn("admin", rolePassword); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "from this computer") {
		t.Fatalf("right password at the locked address: %d", res.StatusCode)
	}
	u, _ := h.db.UserByUsername(context.Background(), "admin")
	locks, err := h.db.LockedLogins(context.Background(), time.Now())
	if err != nil || len(locks) != 1 || locks[0].UserID != u.ID || locks[0].ClientAddr != "127.0.0.1" {
		t.Fatalf("locks %+v %v, want admin at 127.0.0.1 only", locks, err)
	}
	other := h.signIn(store.RoleReviewer) // other accounts at that address are not locked
	if res := other.get("/batches"); res.StatusCode != http.StatusOK {
		t.Errorf("another user at the same address: %d", res.StatusCode)
	}
	if err := h.db.ClearLoginFailures(context.Background(), u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if res := c.signIn("admin", rolePassword); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after unlock: %d", res.StatusCode)
	}
}

// TestSafeNext: only a path on this site is followed after sign-in.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/batches/b-1?tab=findings": "/batches/b-1?tab=findings",
		"/":                         "/",
		"":                          "/",
		"/\t/evil.example":          "/",
		"/%09/evil.example":         "/",
		"//evil.example":            "/",
		"/\\evil.example":           "/",
		"\\\\evil.example":          "/",
		"/%2F/evil.example":         "/",
		"/%5cevil.example":          "/",
		"/%2fevil.example":          "/",
		"/\n/evil.example":          "/",
		"https://evil.example/":     "/",
		"javascript:alert(1)":       "/",
		"/ok path":                  "/",
		"/batches\x00":              "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
	// Issue 14's case, end to end: a signed-in user opening the link, and
	// someone signing in through it, both stay on rcmbot.
	h := newHarness(t)
	in := h.signIn(store.RoleBiller)
	if res := in.get("/login?next=/%09/evil.example"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("signed in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	c := h.anonymous()
	page := c.get("/login?next=/%09/evil.example")
	res := c.postForm("/login", url.Values{"username": {"biller"}, "password": {rolePassword}, csrfField: {csrfOf(t, page.body)}, "next": {"/\t/evil.example"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("sign-in with next: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestSlowRequestBodyIsCutOff: a client sending the sign-in form one byte
// at a time (to hold a connection) is cut off at the body timeout, long
// before it would finish.
func TestSlowRequestBodyIsCutOff(t *testing.T) {
	h := newHarness(t, func(_ *harness, o *Options) { o.BodyTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "username=admin&password=" + strings.Repeat("x", 200)
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", len(body))
	// 200 bytes at one every 100 ms would take 20 s.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range len(body) {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			select {
			case <-time.After(100 * time.Millisecond):
			case <-t.Context().Done():
				return
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still reads the trickling body after 10 s")
	}
	// The connection is closed (the writer fails) well before 20 s.
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server kept the connection open")
	}
}

// TestEveryFormPartIsCapped: a multipart upload whose non-file field is
// large (sent chunked, so no Content-Length warns the server) is refused
// once that field passes its cap.
func TestEveryFormPartIsCapped(t *testing.T) {
	h := newHarness(t, withBots)
	biller := h.bearer(store.RoleBiller)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormField("comment")
		chunk := []byte(strings.Repeat("z", 64<<10))
		for range 1280 { // 80 MB
			if _, err := fw.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		ff, _ := mw.CreateFormFile("file", "claims.csv")
		ff.Write(smallCSV())
		mw.Close()
		pw.Close()
	}()
	req := biller.newRequest("POST", "/api/v1/batches", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.ContentLength = -1 // chunked
	res := biller.do(req)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "form field") {
		t.Fatalf("80 MB field: %d %s", res.StatusCode, res.body)
	}
	pr.Close()
	// The same upload without the field goes through.
	if res := biller.upload("/api/v1/batches", "claims.csv", smallCSV()); res.StatusCode != http.StatusAccepted {
		t.Fatalf("plain upload: %d %s", res.StatusCode, res.body)
	}
}

// TestSignInsAreLoggedForAccessMonitoring: failures, lockouts, successes
// and API-token use are kept as sign-in events (token use once per
// address per interval), for the access-monitoring bot to judge.
func TestSignInsAreLoggedForAccessMonitoring(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous()
	for range auth.DefaultMaxFailures + 1 {
		c.signIn("admin", "not the password at all")
	}
	c.signIn("nobody-here", "guess")
	h.signIn(store.RoleReviewer)
	api := h.bearer(store.RoleBiller)
	api.get("/api/v1/batches")
	api.get("/api/v1/batches")
	evs, err := h.db.SignIns(context.Background(), time.Time{}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	count := map[audit.SignInKind]int{}
	for _, e := range evs {
		count[e.Kind]++
		if e.IP != "127.0.0.1" {
			t.Errorf("sign-in %d from %q", e.Seq, e.IP)
		}
	}
	// The attempt that reaches the limit is refused as locked already.
	if count[audit.SignInFailure]+count[audit.SignInLockout] != auth.DefaultMaxFailures+2 || count[audit.SignInLockout] < 1 || count[audit.SignInSuccess] != 1 || count[audit.SignInToken] != 1 {
		t.Fatalf("sign-in events by kind: %v", count)
	}
}
