package web

// Browser tests drive the web app in headless Chromium (the Debian
// chromium package) with chromedp: what staff do, with the page's own
// JavaScript running under the real Content Security Policy.
//
// The bots behind the pages are the real ones (withBots, see Stack): the
// claims, eligibility and inventory bots' front doors over a Temporal dev
// server, with their workers running in this process against the
// clearinghouse, payer and supplier simulators.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/store"
)

// chromiumPath finds Chromium, skipping the test when it is missing unless
// RCMBOT_REQUIRE_BROWSER is set (as CI sets it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RCMBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found (apt-get install -y chromium, or set RCMBOT_CHROMIUM)"
	if os.Getenv("RCMBOT_REQUIRE_BROWSER") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// screenshotDir is where screenshots go: $RCMBOT_SCREENSHOTS, or
// test-artifacts/screenshots at the repository root (gitignored).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RCMBOT_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts", "screenshots")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		t.Fatal(err)
	}
	return abs
}

// tab is a browser tab on the test server, recording script errors and
// Content Security Policy violations.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string

	mu       sync.Mutex
	problems []string
}

// newBrowser starts Chromium for the test and returns a context that
// tabs open from.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true), chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return bctx
}

// openTab opens a tab in a fresh browser context (its own cookies, like a
// second person's browser).
func openTab(t *testing.T, browserCtx context.Context, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: base, dir: screenshotDir(t)}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	logs := chromedp.Events(ctx, cdplog.EntryAdded)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range logs {
			if err != nil {
				return
			}
			if strings.Contains(ev.Entry.Text, "Content Security Policy") || strings.Contains(ev.Entry.Text, "Refused to") {
				tb.problem("CSP: " + ev.Entry.Text)
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			tb.problem("script error: " + ev.ExceptionDetails.Text + " " + ev.ExceptionDetails.URL)
		}
	}()
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, p := range tb.problems {
			t.Errorf("browser reported %s", p)
		}
	})
	return tb
}

func (tb *tab) problem(p string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, p)
}

func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks sel and waits for the page it leads to to load.
func (tb *tab) submit(sel string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		tb.t.Fatalf("click %s: %v", sel, err)
	}
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(tb.base+path))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		main, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`location.pathname + ": " + document.querySelector("main").innerText.slice(0, 600)`))
		tb.t.Fatalf("text of %s: %v; the page shows %s", sel, err, main)
	}
	return s
}

func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// shot saves full-page PNG screenshots of the current page at laptop
// (1280 px) and tablet (800 px) widths.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	for _, w := range []int64{1280, 800} {
		tb.do("resize", chromedp.EmulateViewport(w, 900))
		png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			tb.t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(tb.dir, fmt.Sprintf("%s-%d.png", name, w))
		if err := os.WriteFile(p, png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
		// Nothing may stick out sideways at either width: wide tables
		// scroll inside their own box.
		if over := eval[bool](tb, `document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`); over {
			tb.t.Errorf("%s at %d px scrolls sideways", name, w)
		}
	}
	tb.do("resize", chromedp.EmulateViewport(1280, 900))
}

// signIn signs in through the form.
func (tb *tab) signIn(user string) {
	tb.t.Helper()
	tb.open("/login")
	tb.do("sign in as "+user,
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), rolePassword),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Main]")),
	)
}

// waitFor reloads the page until js is true, for at most a minute.
func (tb *tab) waitFor(what, js string) {
	tb.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !eval[bool](tb, js) {
		if time.Now().After(deadline) {
			tb.t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(500 * time.Millisecond)
		tb.do("reload", chromedp.Reload())
	}
}

func TestBrowserSignInKeyboard(t *testing.T) {
	h := newHarness(t)
	bctx := newBrowser(t)
	tb := openTab(t, bctx, h.srv.URL)
	tb.open("/login")
	tb.shot("signin-1-form")
	focus := func() string { return eval[string](tb, `document.activeElement.id || document.activeElement.tagName`) }
	if f := focus(); f != "username" {
		t.Fatalf("focus on load is %q, want the username field", f)
	}
	tb.do("type the username", chromedp.KeyEvent("reviewer"), chromedp.KeyEvent(kb.Tab))
	if f := focus(); f != "password" {
		t.Fatalf("Tab from username goes to %q", f)
	}
	tb.do("shift-tab", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if f := focus(); f != "username" {
		t.Fatalf("Shift+Tab from password goes to %q", f)
	}
	tb.do("type the password", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(rolePassword), chromedp.KeyEvent(kb.Tab))
	if f := eval[string](tb, `document.activeElement.tagName + ":" + document.activeElement.textContent.trim()`); f != "BUTTON:Sign in" {
		t.Fatalf("Tab from password goes to %q, want the Sign in button", f)
	}
	// Every input has a visible label tied to it.
	if n := eval[int](tb, `[...document.querySelectorAll("input:not([type=hidden])")].filter(i => !document.querySelector("label[for='" + i.id + "']")).length`); n != 0 {
		t.Errorf("%d inputs without a label", n)
	}
	tb.do("press Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Main]")))
	if h1 := tb.text("h1"); h1 != "Batches" {
		t.Fatalf("after sign-in the page is %q", h1)
	}
	// A wrong password says so in an alert the screen reader announces,
	// tied to both fields.
	tb2 := openTab(t, bctx, h.srv.URL)
	tb2.open("/login")
	tb2.do("wrong password", chromedp.SendKeys(chromedp.ID("username"), "reviewer"), chromedp.SendKeys(chromedp.ID("password"), "nope"),
		chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`[role=alert]`)))
	if d := eval[string](tb2, `document.getElementById("password").getAttribute("aria-describedby")`); d != "page-error" {
		t.Errorf("password field not described by the error: %q", d)
	}
	tb2.shot("signin-2-error")
}

func TestBrowserClaimsFlow(t *testing.T) {
	h := newHarness(t, withBots)
	bctx := newBrowser(t)
	tb := openTab(t, bctx, h.srv.URL)
	t.Logf("screenshots: %s", tb.dir)
	tb.signIn("reviewer")
	tb.shot("claims-01-batches-empty")

	// Upload the demo workbook (or $RCMBOT_DEMO_WORKBOOK) and watch it
	// being read and scrubbed.
	demo := os.Getenv("RCMBOT_DEMO_WORKBOOK")
	if demo == "" {
		demo = filepath.Join("..", "..", "fixtures", "demo-claims.xlsx")
	}
	demo, err := filepath.Abs(demo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(demo); err != nil {
		t.Fatalf("demo workbook: %v (generate it with the fixtures generator)", err)
	}
	tb.open("/upload")
	tb.shot("claims-02-upload")
	// Drop a file that is not a claims spreadsheet: the reason is shown.
	dropped := eval[string](tb, `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(["appointment,room\n9:00,2\n"], "schedule.csv", {type: "text/csv"}));
		document.getElementById("dropzone").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return document.getElementById("file-name").textContent })()`)
	if !strings.Contains(dropped, "schedule.csv") {
		t.Fatalf("after a drop the page says %q", dropped)
	}
	tb.do("upload the dropped file", chromedp.Click(chromedp.ID("upload-button")), chromedp.WaitVisible(chromedp.ID("upload-error")))
	if msg := tb.text("#upload-error"); !strings.Contains(msg, "schedule.csv") || !strings.Contains(msg, "header") {
		t.Errorf("refused file: %q", msg)
	}
	if f := eval[string](tb, `document.activeElement.id`); f != "upload-error" {
		t.Errorf("focus after a refused file: %q, want the error", f)
	}
	tb.shot("claims-02b-upload-refused")
	tb.do("upload the demo workbook",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{demo}),
		chromedp.Click(chromedp.ID("upload-button")),
		chromedp.WaitVisible(chromedp.ID("upload-progress")),
	)
	tb.do("wait for the scrub", chromedp.WaitVisible(chromedp.ID("upload-next")))
	status := tb.text("#upload-status")
	if !strings.HasPrefix(status, "Done: ") || !strings.Contains(status, "flagged for review") {
		t.Fatalf("upload status %q", status)
	}
	tb.shot("claims-03-upload-done")

	// The batch: findings grouped by category.
	tb.submit("#open-batch")
	batchURL := eval[string](tb, `location.pathname`)
	if n := eval[int](tb, `document.querySelectorAll("section.group").length`); n < 3 {
		t.Errorf("%d finding categories on the batch page", n)
	}
	tb.shot("claims-04-batch")
	claimHref := eval[string](tb, `document.querySelector("#flagged-h").parentElement.querySelector("a[href*='/claims/']").getAttribute("href")`)
	tb.open(claimHref)
	if n := eval[int](tb, `document.querySelectorAll("mark.bad-error, mark.bad-warning").length`); n == 0 {
		t.Errorf("claim %s highlights no values", claimHref)
	}
	tb.shot("claims-05-claim")

	// Review: approve one claim, then override the rest in bulk.
	tb.open("/review")
	tb.shot("claims-06-review-queue")
	waiting := eval[int](tb, `document.querySelectorAll("input[name=claim]").length`)
	// Approve a claim with warnings only (held claims need a correction,
	// an override or a rejection).
	warned := eval[string](tb, `(() => { for (const r of document.querySelectorAll("#queue tbody tr")) {
		if (!r.querySelector(".badge.err")) return r.querySelector("input[name=claim]").id } return "" })()`)
	if warned == "" {
		t.Fatal("the queue has no claim with warnings only to approve")
	}
	tb.do("select a claim with warnings only", chromedp.Click(chromedp.ID(warned)))
	tb.submit("#bulk-submit")
	if msg := tb.text(".notice.ok"); msg != "1 claim updated." {
		t.Fatalf("after approving: %q", msg)
	}
	if left := eval[int](tb, `document.querySelectorAll("input[name=claim]").length`); left != waiting-1 {
		t.Errorf("queue went from %d to %d claims", waiting, left)
	}
	if who := tb.text("#activity-h + .table-wrap tbody tr"); !strings.Contains(who, "reviewer") || !strings.Contains(who, "approve") {
		t.Errorf("who did what: %q", who)
	}
	// Override needs a reason: the page says so before sending.
	tb.do("override without a reason",
		chromedp.Click(chromedp.ID("select-all")),
		chromedp.Click(chromedp.CSS(`input[name="action"][value="override"]`)),
		chromedp.Click(chromedp.ID("bulk-submit")),
	)
	if f := eval[string](tb, `document.activeElement.id`); f != "bulk-reason" {
		t.Errorf("override without a reason: focus on %q, want the reason", f)
	}
	tb.do("give the reason", chromedp.SendKeys(chromedp.ID("bulk-reason"), "checked with the payer"))
	tb.submit("#bulk-submit")
	overridden := 0
	if _, err := fmt.Sscanf(tb.text(".notice.ok"), "%d claims updated.", &overridden); err != nil || overridden == 0 {
		t.Fatalf("bulk override: %q", tb.text(".notice.ok"))
	}
	// Claims the 837P cannot carry stay, with the reason; reject them.
	left := eval[int](tb, `document.querySelectorAll("input[name=claim]").length`)
	if left > 0 {
		if why := tb.text(".notice.err"); !strings.Contains(why, "cannot be sent as an 837P") {
			t.Fatalf("%d claims left after the override: %q", left, why)
		}
		tb.do("reject the rest", chromedp.Click(chromedp.ID("select-all")), chromedp.Click(chromedp.CSS(`input[name="action"][value="reject"]`)))
		tb.submit("#bulk-submit")
	}
	if overridden+left != waiting-1 {
		t.Errorf("%d overridden and %d rejected of %d", overridden, left, waiting-1)
	}
	if empty := tb.text(".empty-state"); !strings.Contains(empty, "Nothing waits for review") {
		t.Fatalf("queue after review: %q", empty)
	}

	// The batch moves on to submission and completes.
	tb.open(batchURL)
	tb.waitFor("the batch to complete", `document.querySelector(".titlebar .badge").textContent.trim() === "Completed"`)
	// Submitted: the ledger has the claims and the page offers the 837P.
	batchID := strings.TrimPrefix(batchURL, "/batches/")
	submitted, err := h.db.SubmittedClaims(context.Background(), batchID)
	if err != nil || len(submitted) == 0 {
		why := ""
		if fs, _ := h.db.Findings(context.Background(), batchID, store.FindingFilter{Category: "required"}, store.Page{Limit: 1}); len(fs) > 0 {
			why = fs[0].ClaimID + ": " + fs[0].Message
		}
		t.Errorf("no claim of the demo workbook was submitted (%v); first structural finding: %s", err, why)
	}
	if n := eval[int](tb, `document.querySelectorAll("a[href$='/837p']").length`); n != 1 && len(submitted) > 0 {
		t.Error("no 837P download on the completed batch")
	}
	tb.shot("claims-07-batch-completed")

	// Download the annotated workbook as a browser does.
	dl := t.TempDir()
	tb.do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		on := true
		c := chromedp.FromContext(ctx)
		_, err := cdp.Call(ctx, c.Browser, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: c.BrowserContextID, DownloadPath: dl, EventsEnabled: &on})
		return err
	}))
	progress := chromedp.BrowserEvents(tb.ctx, browser.DownloadProgress)
	tb.do("download the annotated workbook", chromedp.Click(chromedp.CSS(`a[href$="annotated.xlsx"]`)))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dl, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download canceled")
		}
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatalf("downloaded workbook: %v", err)
	}
	if sheets := f.GetSheetList(); len(sheets) < 2 {
		t.Errorf("annotated workbook sheets %v", sheets)
	}
	f.Close()

	// Reports.
	tb.open("/reports")
	if n := eval[int](tb, `document.querySelectorAll("figure.chart svg[role=img]").length`); n != 5 {
		t.Errorf("%d charts on the reports page", n)
	}
	tb.shot("claims-08-reports")

	// Eligibility: a night's sweep, problems first, and one result.
	date := claim.DateOf(time.Now()).AddDays(1)
	h.sweep(date, "60054")
	tb.open("/eligibility?date=" + date.String())
	tb.shot("claims-09-eligibility")
	tb.submit(`a[href*="/results/"]`)
	tb.shot("claims-10-eligibility-result")
	tb.open("/bots")
	tb.shot("claims-11-bots")
	tb.open("/account")
	tb.shot("claims-12-account")

	// The admin's pages.
	admin := openTab(t, bctx, h.srv.URL)
	admin.signIn("admin")
	admin.open("/users")
	admin.shot("claims-13-users")
	admin.open("/access-log")
	if n := eval[int](admin, `document.querySelectorAll("table.data tbody tr").length`); n == 0 {
		t.Error("the access log is empty after a reviewer's session")
	}
	admin.shot("claims-14-access-log")
}

// TestBrowserSignInNextStaysOnSite is issue 14's open redirect in a real
// browser: Chromium drops the tab of "/\t/host" and would follow it to
// //host. Signed in or signing in through the link, it stays on rcmbot.
func TestBrowserSignInNextStaysOnSite(t *testing.T) {
	h := newHarness(t)
	bctx := newBrowser(t)
	tb := openTab(t, bctx, h.srv.URL)
	const link = "/login?next=/%09/127.0.0.1:9/phish"
	tb.open(link)
	tb.do("sign in through the link",
		chromedp.SendKeys(chromedp.ID("username"), "biller"),
		chromedp.SendKeys(chromedp.ID("password"), rolePassword),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Main]")),
	)
	if origin := eval[string](tb, `location.origin`); origin != h.srv.URL {
		t.Fatalf("after signing in through the link the browser is at %s", origin)
	}
	tb.open(link) // signed in: the sign-in page redirects at once
	tb.do("wait", chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Main]")))
	if origin := eval[string](tb, `location.origin`); origin != h.srv.URL {
		t.Fatalf("a signed-in user following the link is at %s", origin)
	}
}

// TestBrowserPurchaseOrderFlow is the inventory bot's approval and
// receiving in the browser, on the real stack: the review drafts an order
// over the approval limit from stored usage, an admin edits a quantity
// and approves it on the Purchase orders page, the PurchaseOrder workflow
// places it with the supplier simulator, the admin receives every line,
// and the order closes with the stock on the shelf.
func TestBrowserPurchaseOrderFlow(t *testing.T) {
	h := newHarness(t, func(h *harness, _ *Options) { h.cfg.POApprovalLimit = 100 }, withBots)
	ctx := context.Background()
	items := []inventory.Item{
		{SKU: "GLV-M", Description: "Nitrile gloves, medium", SupplierID: "acme", UnitCost: 8, LeadTime: inventory.LeadTime{MeanDays: 3}, OrderMultiple: 10},
		{SKU: "VAC-FLU", Description: "Influenza vaccine", SupplierID: "acme", UnitCost: 20, LeadTime: inventory.LeadTime{MeanDays: 5}, ShelfLifeDays: 180},
	}
	if err := h.db.UpsertItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	today := claim.DateOf(time.Now().In(h.cfg.Location()))
	var usage []inventory.Usage
	for d := range 365 {
		day := today.AddDays(-365 + d)
		usage = append(usage, inventory.Usage{Day: day, SKU: "GLV-M", Quantity: float64(8 + d%5)}, inventory.Usage{Day: day, SKU: "VAC-FLU", Quantity: float64(1 + d%3)})
	}
	if _, err := h.db.RecordUsage(ctx, "usage.csv", usage); err != nil {
		t.Fatal(err)
	}
	if _, err := h.stack.Inventory.StartReview(ctx); err != nil {
		t.Fatal(err)
	}

	bctx := newBrowser(t)
	tb := openTab(t, bctx, h.srv.URL)
	tb.signIn("admin")
	tb.open("/inventory/orders")
	tb.waitFor("the review's order to await approval", `document.querySelector("form[action$='/approve']") !== null`)
	number := eval[string](tb, `document.querySelector("form[action$='/approve']").getAttribute("action").split("/")[3]`)
	lines := eval[int](tb, `document.querySelectorAll("form[action$='/approve'] input[name^=qty_]").length`)
	if !strings.HasPrefix(number, "PO-") || lines != 2 {
		t.Fatalf("awaiting approval: %q with %d lines", number, lines)
	}
	tb.shot("inventory-01-awaiting-approval")
	// The review stored every item's policy: the items page shows them as
	// the review's, none computed now.
	tb.open("/inventory/items")
	if hint := tb.text("p.hint"); !strings.Contains(hint, "as the last inventory review computed them") || strings.Contains(hint, "computed now") {
		t.Errorf("items page after the review: %q", hint)
	}
	if n := eval[int](tb, `document.querySelectorAll("table.data tbody td:last-child .badge").length`); n != 0 {
		t.Errorf("%d items marked computed now after the review", n)
	}
	tb.open("/inventory/orders")
	if !eval[bool](tb, `(document.getElementById("q-GLV-M").value = "100") === "100"`) {
		t.Fatal("could not edit the gloves' quantity")
	}
	tb.submit(`form[action$='/approve'] button[type=submit]`)
	if msg := tb.text(".notice.ok"); msg != "Purchase order "+number+" approved: it goes to the supplier now." {
		t.Fatalf("after approving: %q", msg)
	}

	// The workflow places the order; its lines wait to be received.
	tb.waitFor("the order to be placed", `document.querySelectorAll("form[action$='/receive']").length === 2`)
	if got := tb.text("#expected-h + .table-wrap tbody tr td:nth-child(4)"); got != "GLV-M" {
		t.Errorf("first line expected: %q", got)
	}
	if out := eval[string](tb, `document.querySelector("#expected-h + .table-wrap tbody tr td:nth-child(5)").textContent.trim()`); out != "100" {
		t.Errorf("gloves outstanding after the edit: %q", out)
	}
	tb.shot("inventory-02-deliveries-expected")
	want := map[inventory.SKU]float64{}
	for i := range lines {
		sku := eval[string](tb, `(() => { const f = document.querySelector("form[action$='/receive']"), row = f.closest("tr");
			f.querySelector("input[name=quantity]").value = row.cells[4].textContent.trim(); return row.cells[3].textContent.trim() })()`)
		q := eval[string](tb, `document.querySelector("form[action$='/receive'] input[name=quantity]").value`)
		var n float64
		if _, err := fmt.Sscan(q, &n); err != nil {
			t.Fatalf("line %d outstanding %q", i, q)
		}
		want[inventory.SKU(sku)] = n
		tb.submit(`form[action$='/receive'] button[type=submit]`)
		if msg := tb.text(".notice.ok"); msg != "Delivery on purchase order "+number+" recorded." {
			t.Fatalf("after receiving %s: %q", sku, msg)
		}
	}
	if empty := tb.text("#expected-h + .empty"); empty != "No delivery is expected." {
		t.Errorf("after receiving everything: %q", empty)
	}
	tb.shot("inventory-03-received")

	// The order closes; the browser sees it among the closed orders.
	deadline := time.Now().Add(time.Minute)
	for {
		po, err := h.db.PurchaseOrder(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		if po.Status == inventory.POClosed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s a minute after its last delivery", number, po.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.open("/api/v1/inventory/orders?status=closed")
	if st := eval[string](tb, `(() => { const o = JSON.parse(document.body.innerText).orders.find(o => o.number === "`+number+`");
		return o ? o.status + " " + o.lines.map(l => l.status).join(",") : "missing" })()`); st != "closed received,received" {
		t.Errorf("the closed orders as the browser sees them: %s is %q", number, st)
	}
	lots, err := h.db.Lots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[inventory.SKU]float64{}
	for _, l := range lots {
		got[l.SKU] += l.Quantity
	}
	if len(got) != 2 || got["GLV-M"] != 100 || got["VAC-FLU"] != want["VAC-FLU"] || want["GLV-M"] != 100 {
		t.Errorf("on the shelf %v, received %v", got, want)
	}
	if s := h.stack.Supplier.Stats(); s.Orders != 1 || s.OrderCounts[number] != 1 {
		t.Errorf("supplier: %+v", s)
	}
	// On hand is live, the policy still the review's.
	tb.open("/inventory/items/GLV-M")
	if onHand, computed := tb.text("dl.cards div:nth-child(2) dd"), tb.text("dl.cards div:nth-child(6) dd.sub"); onHand != "100" || !strings.HasPrefix(computed, "by the inventory review of ") {
		t.Errorf("GLV-M after the delivery: on hand %q, policy %q", onHand, computed)
	}
}

// TestBrowserAccessAlertDecision: the privacy officer finds the watch's
// alert at the top of the queue, opens it, escalates it and closes it
// with the form.
func TestBrowserAccessAlertDecision(t *testing.T) {
	h := newHarness(t, withBots)
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range 12 {
		if _, err := h.db.RecordSignIn(ctx, audit.SignIn{Time: now.Add(time.Duration(i) * time.Second), Account: "biller", Kind: audit.SignInFailure, IP: "203.0.113.60"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.stack.Audit.StartWatch(ctx); err != nil {
		t.Fatal(err)
	}
	bctx := newBrowser(t)
	tb := openTab(t, bctx, h.srv.URL)
	tb.signIn("privacy_officer")
	tb.open("/audit/alerts")
	tb.waitFor("the watch's alert in the queue", `document.querySelector("#alert-queue tbody tr a") !== null`)
	if rule := tb.text("#alert-queue tbody tr:first-child td:nth-child(2)"); rule != string(audit.RuleBruteForce) {
		t.Errorf("top of the queue: %q", rule)
	}
	tb.shot("audit-01-queue")
	tb.submit("#alert-queue tbody tr:first-child td:first-child a")
	if why := tb.text("#explanation"); !strings.Contains(why, "failed sign-ins") {
		t.Errorf("explanation: %q", why)
	}
	tb.shot("audit-02-alert")
	decide := func(disposition, note, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			tb.do("fill the decision", chromedp.Click(chromedp.CSS(`#decide input[value="`+disposition+`"]`)), chromedp.SetValue(chromedp.ID("note"), note))
			tb.submit(`#decide button[type=submit]`)
			// The case workflow starts right after the watch stores the alert.
			if eval[bool](tb, `document.querySelector(".notice.ok") !== null`) || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if msg := tb.text(".notice.ok"); !strings.Contains(msg, want) {
			t.Fatalf("after %s: %q", disposition, msg)
		}
	}
	decide("escalate", "sent to IT security", "the case is escalated")
	decide("inappropriate", "password reset, user told", "the case is closed")
	if eval[bool](tb, `document.getElementById("decide") !== null`) {
		t.Error("a closed case still shows the decision form")
	}
	tb.shot("audit-03-closed")
}
