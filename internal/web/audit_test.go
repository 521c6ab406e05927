package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/store"
)

// TestAccessAlertFromSignInsToDecision: on the real stack (Temporal dev
// server, the audit bot's workers), a burst of failed sign-ins raises an
// alert within 60 s of the watch starting; the privacy officer finds it at
// the top of the queue, escalates it and closes it through the form; an
// auditor may read but not decide; every page that names users and
// patients is in the PHI access log.
func TestAccessAlertFromSignInsToDecision(t *testing.T) {
	h := newHarness(t, withBots)
	ctx := context.Background()
	po := h.signIn(store.RolePrivacyOfficer)
	auditor := h.signIn(store.RoleAuditor)
	now := time.Now().UTC()
	for i := range 12 {
		if _, err := h.db.RecordSignIn(ctx, audit.SignIn{Time: now.Add(time.Duration(i) * time.Second), Account: "biller", Kind: audit.SignInFailure, IP: "203.0.113.50"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.stack.Audit.StartWatch(ctx); err != nil {
		t.Fatal(err)
	}
	var alertID string
	deadline := time.Now().Add(60 * time.Second)
	for alertID == "" && time.Now().Before(deadline) {
		list, err := h.db.AlertCases(ctx, store.AlertFilter{Rule: audit.RuleBruteForce, UserID: "biller"}, store.All)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			alertID = list[0].ID
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if alertID == "" {
		t.Fatal("no brute-force alert within 60 s")
	}

	queue := po.get("/audit/alerts")
	if queue.StatusCode != http.StatusOK || !strings.Contains(queue.body, "/audit/alerts/"+alertID) {
		t.Fatalf("queue: %d %s", queue.StatusCode, queue.body)
	}
	if e := h.lastEvent(); e.Action != accessViewAccessAlerts || e.Username != "privacy_officer" {
		t.Errorf("the queue is not in the access log: %+v", e)
	}
	page := po.get("/audit/alerts/" + alertID)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "failed sign-ins") || !strings.Contains(page.body, `id="decide"`) {
		t.Fatalf("alert page: %d %s", page.StatusCode, page.body)
	}
	if ap := auditor.get("/audit/alerts/" + alertID); ap.StatusCode != http.StatusOK || strings.Contains(ap.body, `id="decide"`) {
		t.Errorf("the auditor's alert page: %d, shows the form %v", ap.StatusCode, strings.Contains(ap.body, `id="decide"`))
	}
	if res := auditor.postForm("/audit/alerts/"+alertID+"/decide", url.Values{"disposition": {"appropriate"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an auditor's decision: %d", res.StatusCode)
	}
	res := po.postForm("/audit/alerts/"+alertID+"/decide", url.Values{"disposition": {"inappropriate"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "needs a note") {
		t.Fatalf("inappropriate without a note: %d %s", res.StatusCode, regexp.MustCompile(`(?s)<main.*</main>`).FindString(res.body))
	}
	// The case workflow starts right after the watch stores the alert;
	// decide once it runs.
	for time.Now().Before(deadline.Add(30 * time.Second)) {
		res = po.postForm("/audit/alerts/"+alertID+"/decide", url.Values{"disposition": {"escalate"}, "note": {"sent to IT security"}})
		if !strings.Contains(res.body, "not open") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "the case is escalated") {
		t.Fatalf("escalate: %d %s", res.StatusCode, res.body)
	}
	res = po.postForm("/audit/alerts/"+alertID+"/decide", url.Values{"disposition": {"inappropriate"}, "note": {"password reset, user told"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "the case is closed") || strings.Contains(res.body, `id="decide"`) {
		t.Fatalf("close: %d %s", res.StatusCode, res.body)
	}
	al, err := h.db.AlertCase(ctx, alertID)
	if err != nil || al.State != audit.CaseClosed || al.Disposition != audit.Inappropriate || al.DecidedBy != "privacy_officer" {
		t.Fatalf("stored: %+v %v", al, err)
	}
	for _, p := range []string{"/audit/review", "/audit/review?month=2020-01", "/audit/posture", "/audit/users/biller", "/api/v1/audit/review/monthly", "/audit/review/monthly.pdf"} {
		if r := auditor.get(p); r.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	if r := auditor.get("/audit/review"); !strings.Contains(r.body, `id="chart-alerts-by-rule"`) || !strings.Contains(r.body, string(audit.RuleBruteForce)) {
		t.Errorf("the review page has no chart of alerts by rule")
	}
	if r := auditor.get("/audit/review?month=March"); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad month: %d", r.StatusCode)
	}
}
