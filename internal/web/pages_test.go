package web

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
)

// has fails the test unless body contains every string.
func has(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestEmptyStatesSayWhatToDo(t *testing.T) {
	// The eligibility bot is running and has swept nothing yet.
	neverSwept := eligibilityDoor{sweepResults: func(context.Context, claim.Date) (store.Sweep, []store.EligibilityResult, error) {
		return store.Sweep{}, nil, fault.Wrap(store.ErrNotFound, fault.NotFound, "No eligibility sweep has checked this date yet.")
	}}
	h := newHarness(t, func(_ *harness, o *Options) { o.Bots = []Bot{Claims(nil), Eligibility(neverSwept)} })
	admin := h.signIn(store.RoleAdmin)
	for path, want := range map[string]string{
		"/batches":     "Upload the day's claims spreadsheet to start",
		"/review":      "Nothing waits for review",
		"/eligibility": "The nightly sweep checks the next business day",
		"/reports":     "Reports fill in as claims files are uploaded",
		"/bots":        "not connected to Temporal",
		"/access-log":  "No entries match",
		"/upload":      "Drag and drop the file here",
	} {
		res := admin.get(path)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
		has(t, path, res.body, want)
	}
	aud := h.signIn(store.RoleAuditor)
	body := aud.get("/batches").body
	has(t, "auditor's batches", body, "When a biller uploads a claims spreadsheet it appears here")
	for _, hidden := range []string{`href="/upload"`, `href="/users"`} {
		if strings.Contains(body, hidden) {
			t.Errorf("auditor's menu offers %s", hidden)
		}
	}
	has(t, "auditor's menu", body, `href="/access-log"`)
	if res := aud.get("/batches/b-nosuch"); res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, "may have been deleted") {
		t.Errorf("unknown batch: %d %s", res.StatusCode, res.body)
	}
}

func TestBatchAndClaimPages(t *testing.T) {
	h := newHarness(t, withBots)
	b, _ := h.uploadSmall()
	biller := h.signIn(store.RoleBiller)
	list := biller.get("/batches").body
	has(t, "batches page", list, "monday-claims.csv", "Awaiting review", "/batches/"+b.BatchID, b.TemporalUIURL, formatMoney(b.Counts.ChargesHeld))

	page := biller.get("/batches/" + b.BatchID).body
	has(t, "batch page", page, "Values that could not be read", "Z4", "abc", `<a href="?category=npi">npi</a>`,
		"Billing NPI 1234567890 is not a valid NPI", "Annotated workbook", "Findings (.csv)", "Review flagged claims")
	if strings.Contains(page, "837P file") {
		t.Error("batch page offers an 837P before submission")
	}
	if strings.Contains(page, "Delete batch") {
		t.Error("a biller is offered to delete the batch")
	}
	filtered := biller.get("/batches/" + b.BatchID + "?category=npi&severity=error").body
	has(t, "filtered findings", filtered, "Billing NPI 1234567890", "npi — errors")
	if strings.Contains(filtered, "<h3 id=\"cat-") {
		t.Error("filtered view still shows every category")
	}
	none := biller.get("/batches/" + b.BatchID + "?claim=C1001").body
	has(t, "claim filter without findings", none, "No findings match")

	claimPage := biller.get("/batches/" + b.BatchID + "/claims/C1002").body
	has(t, "claim page", claimPage, "Richard", "Roe", `<mark class="bad-error" title="Billing NPI 1234567890 is not a valid NPI`,
		">1234567890</mark>", "Fix: Check the NPI", "prevents CARC 16", "can view it but not review it")
	if strings.Contains(claimPage, "Approve claim") {
		t.Error("a biller is offered review buttons")
	}
	// The valid NPI on the same claim (rendering) is not marked.
	if regexp.MustCompile(`<mark[^>]*>1299000012</mark>`).MatchString(claimPage) {
		t.Error("the valid rendering NPI is highlighted")
	}
	if res := biller.get("/batches/" + b.BatchID + "/claims/NOPE"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown claim: %d", res.StatusCode)
	}
}

func TestReviewByForms(t *testing.T) {
	h := newHarness(t, withBots)
	b, _ := h.uploadSmall()
	rev := h.signIn(store.RoleReviewer)
	claimURL := "/batches/" + b.BatchID + "/claims/C1002"
	page := rev.get(claimURL).body
	has(t, "reviewer's claim page", page, "cannot be approved as it is", "Override and submit", "Reject — do not submit", `name="fix:billing_npi" value="1234567890"`)

	// Override without a reason is refused with advice.
	res := rev.postForm(claimURL+"/review", url.Values{"action": {"override"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "say why the claim should go out") {
		t.Fatalf("override without reason: %d", res.StatusCode)
	}
	// Correct the NPI: the claim re-scrubs clean.
	res = rev.postForm(claimURL+"/review", url.Values{"action": {"correct"}, "fix:billing_npi": {"1234567893"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "done=corrected") {
		t.Fatalf("correct: %d %s %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	page = rev.get(res.Header.Get("Location")).body
	has(t, "corrected claim", page, "re-scrubbed clean", "<del>1234567890</del> → <ins>1234567893</ins>", "<strong>reviewer</strong> correct")
	rec, _ := h.db.Claim(context.Background(), b.BatchID, "C1002")
	if rec.State != batch.StateCorrected || rec.Claim.Billing.NPI != "1234567893" {
		t.Errorf("stored claim after correction: %s %s", rec.State, rec.Claim.Billing.NPI)
	}

	// The queue shows what is left, and who did what.
	q := rev.get("/review").body
	has(t, "review queue", q, "C1003", `value="`+b.BatchID+`/C1003"`, "Who did what", "reviewer")
	if strings.Contains(q, `value="`+b.BatchID+`/C1002"`) {
		t.Error("the corrected claim is still in the queue")
	}
	sel := url.Values{"claim": {b.BatchID + "/C1003"}, "action": {"override"}}
	if res := rev.postForm("/review", sel); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "say why the selected claims") {
		t.Errorf("bulk override without reason: %d", res.StatusCode)
	}
	if res := rev.postForm("/review", url.Values{"action": {"approve"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Select at least one claim") {
		t.Errorf("bulk with nothing selected: %d", res.StatusCode)
	}
	sel.Set("reason", "units confirmed with the provider")
	res = rev.postForm("/review", sel)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "claim C1003: cannot be sent as an 837P") {
		t.Fatalf("bulk override of a claim the 837P cannot carry: %d", res.StatusCode)
	}
	sel.Set("action", "reject")
	res = rev.postForm("/review", sel)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/review?done=1" {
		t.Fatalf("bulk override: %d %s %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	has(t, "queue after review", rev.get("/review?done=1").body, "1 claim updated.", "Nothing waits for review")
	h.waitStatus(b.BatchID, batch.Completed)
	page = rev.get("/batches/" + b.BatchID).body
	has(t, "completed batch", page, "Completed", "837P file")

	// Reviewing a batch that has moved on is refused with the reason.
	res = rev.postForm(claimURL+"/review", url.Values{"action": {"approve"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("review after completion: %d", res.StatusCode)
	}
}

func TestUsersAdministration(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn(store.RoleAdmin)
	res := admin.postForm("/users", url.Values{"username": {"Dana.K"}, "display_name": {"Dana K"}, "role": {"biller"}})
	if res.StatusCode != 200 {
		t.Fatalf("add user: %d %s", res.StatusCode, res.body)
	}
	m := regexp.MustCompile(`id="secret-value">([A-Z2-7]+)<`).FindStringSubmatch(res.body)
	if m == nil || !strings.Contains(res.body, "shown only this once") {
		t.Fatalf("no one-time password on the page")
	}
	dana := h.anonymous()
	if r := dana.signIn("dana.k", m[1]); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new user signs in: %d", r.StatusCode)
	}
	for form, want := range map[string]string{
		"username=dana.k&role=biller":             "already a user",
		"username=x&role=biller":                  "2 to 64 characters",
		"username=bad name&role=biller":           "only letters",
		"username=eve&role=superuser":             "use biller, reviewer, admin, auditor, purchaser or privacy_officer",
		"username=eve&role=biller&password=short": "at least 12 characters",
	} {
		vals, _ := url.ParseQuery(form)
		if r := admin.postForm("/users", vals); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
			t.Errorf("add %s: %d, want %q", form, r.StatusCode, want)
		}
	}
	u, _ := h.db.UserByUsername(context.Background(), "dana.k")
	if r := admin.postForm("/users/"+u.ID+"/role", url.Values{"role": {"reviewer"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("role: %d", r.StatusCode)
	}
	if u, _ = h.db.User(context.Background(), u.ID); u.Role != store.RoleReviewer {
		t.Errorf("role now %s", u.Role)
	}
	if r := admin.postForm("/users/"+u.ID+"/disable", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	if r := dana.get("/batches"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled user still signed in: %d", r.StatusCode)
	}
	reset := admin.postForm("/users/"+u.ID+"/reset", nil)
	pw := regexp.MustCompile(`id="secret-value">([A-Z2-7]+)<`).FindStringSubmatch(reset.body)
	if pw == nil || pw[1] == m[1] {
		t.Fatalf("reset shows no new password")
	}
	admin.postForm("/users/"+u.ID+"/enable", nil)
	if r := dana.signIn("dana.k", m[1]); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password after reset: %d", r.StatusCode)
	}
	if r := dana.signIn("dana.k", pw[1]); r.StatusCode != http.StatusSeeOther {
		t.Errorf("new password after reset: %d", r.StatusCode)
	}
	// An admin cannot lock themselves out.
	me, _ := h.db.UserByUsername(context.Background(), "admin")
	for _, action := range []string{"disable", "role"} {
		if r := admin.postForm("/users/"+me.ID+"/"+action, url.Values{"role": {"biller"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("admin %s self: %d", action, r.StatusCode)
		}
	}
}

func TestChangeOwnPassword(t *testing.T) {
	h := newHarness(t)
	c := h.signIn(store.RoleBiller)
	if r := c.postForm("/account/password", url.Values{"current": {"wrong"}, "new": {"a much better passphrase"}, "confirm": {"a much better passphrase"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("wrong current password: %d", r.StatusCode)
	}
	if r := c.postForm("/account/password", url.Values{"current": {rolePassword}, "new": {"a much better passphrase"}, "confirm": {"a much better passphrasf"}}); !strings.Contains(r.body, "differ") {
		t.Errorf("mismatched confirmation: %d", r.StatusCode)
	}
	if r := c.postForm("/account/password", url.Values{"current": {rolePassword}, "new": {"a much better passphrase"}, "confirm": {"a much better passphrase"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.StatusCode, r.body)
	}
	if r := h.anonymous().signIn("biller", rolePassword); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password still works")
	}
	if r := h.anonymous().signIn("biller", "a much better passphrase"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("new password does not work")
	}
}

func TestReports(t *testing.T) {
	h := newHarness(t, withBots)
	b, _ := h.uploadSmall()
	api := h.bearer(store.RoleReviewer)
	api.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review", []reviewRequestJSON{
		{ClaimID: "C1002", Action: "override", Reason: "NPI confirmed"}, {ClaimID: "C1003", Action: "reject"}})
	h.waitStatus(b.BatchID, batch.Completed)
	page := h.signIn(store.RoleAuditor).get("/reports?weeks=4").body
	if n := strings.Count(page, `<svg viewBox`); n != 5 {
		t.Errorf("%d charts, want 5", n)
	}
	has(t, "reports", page, "Clean-claim rate", "First-pass acceptance", "Findings by category", "Dollars at risk", "Estimated staff hours saved",
		"target 95%", "33.3%", `<option value="4" selected>`)
	weeks := decodeJSON[struct{ Weeks []weekJSON }](t, api.get("/api/v1/reports"))
	if len(weeks.Weeks) != 1 || weeks.Weeks[0].Claims != 3 || weeks.Weeks[0].Clean != 1 || weeks.Weeks[0].Submitted != 2 {
		t.Fatalf("report API %+v", weeks)
	}
	x := api.get("/api/v1/reports.xlsx")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
	if err != nil {
		t.Fatalf("report workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Weekly")
	if err != nil || len(rows) != 2 || rows[0][0] != "Week" || rows[1][2] != "3" {
		t.Errorf("Weekly sheet %v %v", rows, err)
	}
	if cats, _ := f.GetRows("Findings by category"); len(cats) != 2 {
		t.Errorf("Findings sheet %v", cats)
	}
}

func TestChartGeometry(t *testing.T) {
	target := 0.95
	c := newChart("x", "t", "d", []string{"a", "b"}, []chartSeries{{Name: "s1", Values: []float64{0.5, 1}}, {Name: "s2", Values: []float64{0.25, 0}}},
		func(float64) string { return "" }, 2, &target)
	if c.Empty || len(c.Bars) != 2 || len(c.Bars[0].Segs) != 2 || len(c.Bars[1].Segs) != 1 || len(c.Legend) != 2 {
		t.Fatalf("chart %+v", c)
	}
	// Axis top 2: a stack of 0.75 is 3/8 of the plot, 1.0 is half.
	if h := c.Bars[0].Segs[0].H + c.Bars[0].Segs[1].H; h != int(float64(c.PlotH)*0.375+0.5) {
		t.Errorf("stack height %d of %d", h, c.PlotH)
	}
	if c.Bars[1].Segs[0].Y != c.PlotY+c.PlotH/2 {
		t.Errorf("bar top %d", c.Bars[1].Segs[0].Y)
	}
	if len(c.Refs) != 1 || c.Refs[0].Y != c.PlotY+c.PlotH-int(float64(c.PlotH)*0.475+0.5) {
		t.Errorf("target %+v", c.Refs)
	}
	// A reference line above the bars raises the axis; many bars are
	// labelled every few.
	days := make([]string, 90)
	vals := make([]float64, 90)
	for i := range days {
		days[i], vals[i] = strconv.Itoa(i), 4
	}
	refs := newRefChart("r", "t", "d", days, []chartSeries{{Name: "use", Values: vals}}, func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
		0, chartRef{Label: "forecast", Value: 5}, chartRef{Label: "reorder point", Value: 12})
	labelled := 0
	for _, b := range refs.Bars {
		if b.Label != "" {
			labelled++
		}
		if b.Value != "" {
			t.Errorf("value written on a bar of 90: %+v", b)
		}
	}
	if len(refs.Refs) != 2 || refs.Refs[1].Y != refs.PlotY+refs.PlotH-int(math.Round(12.0/15*float64(refs.PlotH))) || refs.YTicks[len(refs.YTicks)-1].Label != "15" || refs.Refs[1].Anchor != "start" || refs.Refs[0].Label != "forecast 5" || labelled != 13 {
		t.Errorf("reference lines %+v, %d labels", refs.Refs, labelled)
	}
	// Axis without a fixed top: round ticks up to the next step.
	auto := newChart("y", "t", "d", []string{"w1", "w2"}, []chartSeries{{Name: "s", Values: []float64{21527, math.NaN()}}},
		func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }, 0, nil)
	var ticks []string
	for _, tk := range auto.YTicks {
		ticks = append(ticks, tk.Label)
	}
	if strings.Join(ticks, " ") != "0 10000 20000 30000" {
		t.Errorf("ticks %v", ticks)
	}
	if auto.Bars[1].Value != "—" || len(auto.Bars[1].Segs) != 0 {
		t.Errorf("missing value drawn as %+v", auto.Bars[1])
	}
	for _, v := range [][2]float64{{5382, 10000}, {16.25, 20}, {3.3, 5}, {2, 2}, {0.24, 0.25}, {0, 1}} {
		if got := niceStep(v[0]); got != v[1] {
			t.Errorf("niceStep(%v) = %v, want %v", v[0], got, v[1])
		}
	}
	// Many categories: the largest keep their colour, the rest are "other".
	var many []chartSeries
	for i := range 10 {
		many = append(many, chartSeries{Name: "cat" + strconv.Itoa(i), Values: []float64{float64(i)}})
	}
	top := topSeries(many, 8)
	if len(top) != 8 || top[0].Name != "cat9" || top[7].Name != "other" || top[7].Values[0] != 0+1+2 {
		t.Errorf("topSeries %+v", top)
	}
	if e := newChart("e", "", "", nil, nil, nil, 0, nil); !e.Empty {
		t.Error("a chart without weeks is not empty")
	}
}

func TestEligibilityPage(t *testing.T) {
	h := newHarness(t, withBots)
	date := claim.DateOf(h.clock.now()).AddDays(2)
	sw := h.sweep(date, "60054")
	biller := h.signIn(store.RoleBiller)
	page := biller.get("/eligibility?date=" + date.String())
	if page.StatusCode != 200 {
		t.Fatalf("eligibility: %d", page.StatusCode)
	}
	has(t, "eligibility page", page.body, "Sweep for "+date.String(), "Front-desk worklist", "need attention", "Needs a person")
	// Problems first: the first status badge in the table is not active.
	tbl := page.body[strings.Index(page.body, "<tbody>"):]
	first := regexp.MustCompile(`<span class="badge (\w+)">`).FindStringSubmatch(tbl)
	if sw.Counts.Inactive+sw.Counts.Unknown > 0 && (first == nil || first[1] == "ok") {
		t.Errorf("first result is %v, want a problem first", first)
	}
	// The check form explains what is missing, keeping what was typed.
	res := biller.postForm("/eligibility/check", url.Values{"payer_id": {"60054"}, "last_name": {"Roe"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Fill in the member ID, first name, date of birth, date of service") ||
		!strings.Contains(res.body, `value="Roe"`) {
		t.Errorf("incomplete check: %d", res.StatusCode)
	}
	res = biller.postForm("/eligibility/check", url.Values{"payer_id": {"99999"}, "member_id": {"M1"}, "first_name": {"A"}, "last_name": {"B"},
		"dob": {"1970-01-01"}, "date_of_service": {date.String()}})
	if !strings.Contains(res.body, "not in the payer directory") {
		t.Errorf("unknown payer: %d", res.StatusCode)
	}
	res = biller.postForm("/eligibility/check", url.Values{"payer_id": {"60054"}, "member_id": {"M1"}, "first_name": {"A"}, "last_name": {"B"},
		"dob": {"01/02/1970"}, "date_of_service": {date.String()}})
	if !strings.Contains(res.body, "YYYY-MM-DD") {
		t.Errorf("US-style date: %d", res.StatusCode)
	}
	if res := biller.get("/eligibility?date=tomorrow"); !strings.Contains(res.body, "is not a date") {
		t.Errorf("bad date: %d", res.StatusCode)
	}
	w := biller.get("/api/v1/eligibility/sweeps/" + date.String() + "/worklist.xlsx")
	if w.StatusCode != 200 || !strings.Contains(w.Header.Get("Content-Disposition"), "eligibility-worklist-"+date.String()+".xlsx") {
		t.Errorf("worklist: %d %v", w.StatusCode, w.Header)
	}
	if res := biller.get("/api/v1/eligibility/sweeps/" + date.AddDays(30).String()); res.StatusCode != http.StatusNotFound {
		t.Errorf("sweep for a date without one: %d", res.StatusCode)
	}
}

func TestWithoutBots(t *testing.T) {
	h := newHarness(t) // the bots are mounted without front doors
	biller := h.bearer(store.RoleBiller)
	res := biller.upload("/api/v1/batches", "claims.csv", smallCSV())
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.body, "claims bot is not running") {
		t.Errorf("upload without the claims bot: %d %s", res.StatusCode, res.body)
	}
	page := h.signIn(store.RoleBiller).get("/eligibility").body
	has(t, "eligibility without the bot", page, "eligibility bot is not running")
}

// TestEnsureFirstAdmin: the first administrator's generated password goes
// into an owner-only file, never into the output (a log), must be changed
// at the first sign-in, and the file goes when it is.
func TestEnsureFirstAdmin(t *testing.T) {
	h := newHarness(t)
	var out bytes.Buffer
	file := filepath.Join(t.TempDir(), "first-admin-password.txt")
	if created, err := EnsureFirstAdmin(context.Background(), h.db, h.srv.URL, file, &out); err != nil || created {
		t.Fatalf("with users present: created=%t err=%v", created, err)
	}
	db := newEmptyDB(t)
	created, err := EnsureFirstAdmin(context.Background(), db, "http://localhost:8080/", file, &out)
	if err != nil || !created {
		t.Fatalf("empty database: created=%t err=%v", created, err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimSpace(string(b))
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 || !regexp.MustCompile(`^[A-Z2-7]{26}$`).MatchString(pw) {
		t.Fatalf("password file mode %v, content %q", fi.Mode().Perm(), pw)
	}
	if strings.Contains(out.String(), pw) || !strings.Contains(out.String(), file) || !strings.Contains(out.String(), "http://localhost:8080/login") {
		t.Fatalf("output names the password or not the file:\n%s", out.String())
	}
	u, err := db.UserByUsername(context.Background(), "admin")
	if err != nil || u.Role != store.RoleAdmin || !u.MustChangePassword || strings.Contains(u.PasswordHash, pw) {
		t.Fatalf("admin %+v %v", u, err)
	}
	if again, _ := EnsureFirstAdmin(context.Background(), db, "http://localhost:8080", file, &out); again {
		t.Error("a second admin was created")
	}

	// Signing in leads only to the password change; changing it removes the file.
	a := newHarnessOn(t, db, withoutRoleUsers, func(_ *harness, o *Options) { o.FirstAdminPasswordFile = file })
	c := a.anonymous()
	if res := c.signIn("admin", pw); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != mustChangePage {
		t.Fatalf("first sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/batches", "/users", "/access-log"} {
		if res := c.get(path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != mustChangePage {
			t.Errorf("%s before the password change: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	page := c.get("/account")
	has(t, "account page before the change", page.body, "Choose your own before you go on")
	c.csrf = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.body)[1]
	if res := c.postForm("/account/password", url.Values{"current": {pw}, "new": {"aaaaaaaaaaaaaaaa"}, "confirm": {"aaaaaaaaaaaaaaaa"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a repeated-character password: %d", res.StatusCode)
	}
	if res := c.postForm("/account/password", url.Values{"current": {pw}, "new": {"lantern orchid 1947"}, "confirm": {"lantern orchid 1947"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d %s", res.StatusCode, res.body)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the one-time password file is still there: %v", err)
	}
	if res := c.get("/batches"); res.StatusCode != http.StatusOK {
		t.Errorf("after the change: %d", res.StatusCode)
	}
}
