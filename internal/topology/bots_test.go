//go:build topology

package topology_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
	"github.com/rcmbot/rcmbot/internal/topology"
	"github.com/rcmbot/rcmbot/workflows"
)

// declaredSchedules are the Schedules every bot declares, for the
// topology's settings.
func declaredSchedules(t *testing.T, top *topology.Topology) []string {
	t.Helper()
	var cfg config.Config
	if err := config.Load(&cfg, nil, func(k string) string { return top.Settings[k] }); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range bots.Schedules(&cfg) {
		ids = append(ids, s.ID)
	}
	return ids
}

// scheduledRuns lists the workflows a schedule started (visibility).
func scheduledRuns(t *testing.T, top *topology.Topology, scheduleID string) []*workflowpb.WorkflowExecutionInfo {
	t.Helper()
	resp, err := top.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: "default", Query: fmt.Sprintf("TemporalScheduledById = '%s'", scheduleID)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetExecutions()
}

// scenarioSchedules: every bot's nightly Schedule is triggered once with
// two workers on each queue; each runs once, and its work is done once.
func scenarioSchedules(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	date := today().NextBusinessDay() // what the nightly sweep checks
	roster, perPayer := rosterCSV(t, t.TempDir(), date, payerIDs, 4)
	members := 0
	for _, n := range perPayer {
		members += n
	}
	if _, err := top.Rcmbot(ctx, "eligibility", "roster", roster); err != nil {
		t.Fatal(err)
	}
	ids := declaredSchedules(t, top)
	for _, id := range ids {
		if _, err := top.Rcmbot(ctx, "schedules", "trigger", id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		deadline := time.Now().Add(5 * time.Minute)
		for {
			d, err := top.Client.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(d.Info.RecentActions); n > 1 {
				t.Fatalf("schedule %s ran %d times for one trigger", id, n)
			} else if n == 1 && len(d.Info.RunningWorkflows) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("schedule %s: run not finished after 5 minutes (%d actions, %d running)", id, len(d.Info.RecentActions), len(d.Info.RunningWorkflows))
			}
			time.Sleep(500 * time.Millisecond)
		}
		// Visibility may lag the schedule's own record by a moment.
		var runs int
		for range 50 {
			execs := scheduledRuns(t, top, id)
			runs = len(execs)
			if runs == 1 && execs[0].GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if runs != 1 {
			t.Errorf("schedule %s started %d workflows, want 1 completed", id, runs)
		}
	}

	// The nightly sweep's work happened once: one sweep, every member
	// answered once by the payer simulator.
	sweeps, err := top.DB.SweepsForDate(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	var nightly []store.Sweep
	for _, s := range sweeps {
		if strings.HasPrefix(s.WorkflowID, bots.EligibilityNightly) {
			nightly = append(nightly, s)
		}
	}
	if len(nightly) != 1 || nightly[0].Status != eligibility.SweepCompleted || nightly[0].Counts.Checked != members {
		t.Fatalf("nightly sweeps for %s: %+v; want one, completed, %d members checked", date, nightly, members)
	}
	pst, err := top.PayerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range payerIDs {
		if int(pst[id].Answered) != perPayer[id] {
			t.Errorf("payer %s answered %d requests for %d members: the sweep ran more than once", id, pst[id].Answered, perPayer[id])
		}
	}
	t.Logf("schedules %v ran once each; nightly sweep %s checked %d members", ids, nightly[0].ID, members)
}

// A botFlow runs one bot's main flow on the topology (issue 17, scenario
// 7). When a bot lands, its flow is one function added to botFlows.
type botFlow struct {
	bot string
	run func(*testing.T, *topology.Topology)
}

// botFlows are the bots that exist, one function each.
var botFlows = []botFlow{
	{"claims", claimsFlow},
	{"eligibility", eligibilityFlow},
	{"inventory", inventoryFlow},
	{"scheduling", schedulingFlow},
	{"access-monitoring", accessMonitoringFlow},
}

// scenarioBotFlows runs every bot's main flow once.
func scenarioBotFlows(t *testing.T, top *topology.Topology) {
	for _, f := range botFlows {
		t.Run(f.bot, func(t *testing.T) { f.run(t, top) })
	}
}

// claimsFlow: a demo claims file uploaded, reviewed and submitted through
// the REST API.
func claimsFlow(t *testing.T, top *topology.Topology) {
	b := review(t, top, uploadAll(t, top, []string{claimsFile(t, t.TempDir(), "FLOW", 250, 7)})[0])
	finish(t, top, b, 3*time.Minute)
	exactlyOnce(t, top, b)
}

// eligibilityFlow: one patient checked now from the command line (the
// EligibilityCheck workflow), answered active by the payer simulator.
func eligibilityFlow(t *testing.T, top *topology.Topology) {
	var m sim.Member
	for _, r := range sim.Roster(sim.DefaultSeed, []string{"60054"}, 1) {
		if r.Profile == sim.ProfileActive {
			m = r
		}
	}
	out, err := top.Rcmbot(context.Background(), "eligibility", "check", "--payer", m.PayerID, "--member", m.ID,
		"--last", m.LastName, "--first", m.FirstName, "--dob", m.DOB.String(), "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res eligibility.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("check result: %v", err)
	}
	if !res.MemberFound || !res.CoverageActive {
		t.Errorf("check of an active member: status %s (%s)", res.Status, res.Reason)
	}
}

// inventoryFlow: the demo item master and usage imported from the command
// line, a review started now, its purchase order approved and received in
// full through the REST API by a buyer: the order closes, and the supplier
// simulator was sent it exactly once.
func inventoryFlow(t *testing.T, top *topology.Topology) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fixtures := filepath.Join(top.Root, "fixtures", "inventory")
	if out, err := top.Rcmbot(ctx, "inventory", "import", "items", filepath.Join(fixtures, "items.csv"), "--supplier", "acme", "--location", "main"); err != nil {
		t.Fatalf("import items: %v\n%s", err, out)
	}
	if out, err := top.Rcmbot(ctx, "inventory", "import", "usage", filepath.Join(fixtures, "usage.csv")); err != nil {
		t.Fatalf("import usage: %v\n%s", err, out)
	}
	out, err := top.Rcmbot(ctx, "inventory", "review", "--po-approval-limit", "1")
	if err != nil {
		t.Fatalf("review: %v\n%s", err, out)
	}
	var res workflows.InventoryReviewResult
	if err := top.Client.GetWorkflow(ctx, strings.TrimSpace(out), "").Get(ctx, &res); err != nil {
		t.Fatalf("review %s: %v", strings.TrimSpace(out), err)
	}
	if len(res.Orders) != 1 || len(res.Started) != 1 {
		t.Fatalf("the review proposed %v and started %v; want one order to the one supplier", res.Orders, res.Started)
	}
	number := res.Orders[0]
	waitOrder(ctx, t, top, number, inventory.POAwaitingApproval)

	token, err := top.UserToken(ctx, "buyer", "admin")
	if err != nil {
		t.Fatal(err)
	}
	api := top.API()
	api.Token = token
	if _, err := api.ApproveOrder(ctx, number); err != nil {
		t.Fatalf("approve %s: %v", number, err)
	}
	po := waitOrder(ctx, t, top, number, inventory.POAcknowledged, inventory.POBackordered)
	note := inventory.ReceiptNote{Location: "main", Quantities: map[inventory.SKU]float64{}}
	for _, l := range po.Lines {
		if q := l.Outstanding(); q > 0 {
			note.Quantities[l.SKU] = q
		}
	}
	if _, err := api.ReceiveOrder(ctx, number, note); err != nil {
		t.Fatalf("receive %s: %v", number, err)
	}
	waitOrder(ctx, t, top, number, inventory.POClosed)
	st, err := top.SupplierStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Orders != 1 || st.OrderCounts[number] != 1 {
		t.Errorf("supplier simulator: %d orders placed, %s placed %d times; want exactly once", st.Orders, number, st.OrderCounts[number])
	}
}

// waitOrder waits until the stored purchase order is in one of statuses.
func waitOrder(ctx context.Context, t *testing.T, top *topology.Topology, number string, statuses ...inventory.POStatus) store.StoredPO {
	t.Helper()
	var last inventory.POStatus
	for {
		po, err := top.DB.PurchaseOrder(ctx, number)
		if err == nil {
			last = po.Status
			if slices.Contains(statuses, po.Status) {
				return po
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("purchase order %s is %q, not %v", number, last, statuses)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// schedulingFlow: the demo templates imported from the command line; a
// front-desk account requests a visit for an insured patient through the
// REST API, the AppointmentRequest workflow proposes slots, the first is
// booked with one click; the visit's EligibilityCheck runs on the
// eligibility queue (another worker process) and stores the payer's
// answer, the visit joins what the nightly sweep checks, and the arrival
// ends the request's workflow.
func schedulingFlow(t *testing.T, top *topology.Topology) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	templates := filepath.Join(top.Root, "fixtures", "scheduling", "imports", "templates.csv")
	if out, err := top.Rcmbot(ctx, "schedule", "import", "templates", templates, "--visit-type", "FU=15", "--visit-type", "NEW=30"); err != nil {
		t.Fatalf("schedule import templates: %v\n%s", err, out)
	}
	token, err := top.UserToken(ctx, "desk", "front_desk")
	if err != nil {
		t.Fatal(err)
	}
	api := top.API()
	api.Token = token
	var m sim.Member
	for _, r := range sim.Roster(sim.DefaultSeed, []string{"60054"}, 1) {
		if r.Profile == sim.ProfileActive {
			m = r
		}
	}
	loc, err := time.LoadLocation(top.Settings["RCMBOT_TIMEZONE"])
	if err != nil {
		t.Fatal(err)
	}
	today := claim.DateOf(time.Now().In(loc))
	req, err := api.RequestAppointment(ctx, schedule.Request{PatientID: "PT-TOPOLOGY-1", VisitType: "FU", Earliest: today.AddDays(1), Latest: today.AddDays(14)},
		schedule.Patient{ID: "PT-TOPOLOGY-1", FirstName: m.FirstName, LastName: m.LastName, Email: "patient@example.test",
			Insurance: schedule.Insurance{PayerID: m.PayerID, MemberID: m.ID, DOB: m.DOB}})
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	var stored store.SchedRequest
	for stored.Status != schedule.RequestProposed {
		if ctx.Err() != nil {
			t.Fatalf("request %s: no options proposed (status %s)", req.ID, stored.Status)
		}
		time.Sleep(200 * time.Millisecond)
		if stored, err = top.DB.SchedRequest(ctx, req.ID); err != nil {
			t.Fatal(err)
		}
	}
	if len(stored.Options) == 0 {
		t.Fatalf("request %s proposed with no options", req.ID)
	}
	ap, err := api.Book(ctx, req.ID, stored.Options[0].Slot)
	if err != nil {
		t.Fatalf("book %s: %v", req.ID, err)
	}
	var outcome eligibility.CheckOutcome
	if err := temporaltest.Result(ctx, top.Client, activities.EligibilityCheckWorkflowID(ap.ID), &outcome); err != nil {
		t.Fatalf("the booked visit's eligibility check: %v", err)
	}
	if res, err := top.DB.EligibilityResult(ctx, outcome.ResultID); err != nil || res.Status != eligibility.CheckActive {
		t.Errorf("the booked visit's eligibility answer: %s, %v; want active", res.Status, err)
	}
	sweep, err := top.DB.SweepAppointments(ctx, ap.Date)
	if err != nil || !slices.ContainsFunc(sweep, func(a store.Appointment) bool { return a.ID == ap.ID && a.Kind == store.AppointmentBooked }) {
		t.Errorf("the nightly sweep of %s does not check the booked visit: %v", ap.Date, err)
	}
	if err := api.Attend(ctx, ap.ID, schedule.OutcomeArrived); err != nil {
		t.Fatalf("arrival: %v", err)
	}
	var final workflows.AppointmentRequestState
	if err := top.Client.GetWorkflow(ctx, schedulingbot.RequestWorkflowID(req.ID), "").Get(ctx, &final); err != nil || final.Outcome != schedule.OutcomeArrived {
		t.Errorf("the request's workflow ended %+v, %v; want the arrival", final.Outcome, err)
	}
}

// accessMonitoringFlow: a burst of wrong passwords for one account at the
// web app's sign-in page; the access watch (started by rcmbot setup, and
// running through every fault scenario before this one) raises a
// brute-force alert within 60 s, and a privacy officer decides its case
// through the REST API.
func accessMonitoringFlow(t *testing.T, top *topology.Topology) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const target = "watched"
	if _, err := top.UserToken(ctx, target, "biller"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	refused := 0
	var last time.Time
	for refused < 12 {
		if ctx.Err() != nil {
			t.Fatalf("%d wrong passwords refused before the deadline", refused)
		}
		page, err := browser.Get(top.WebURL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		m := csrf.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF token on the sign-in page (%d)", page.StatusCode)
		}
		res, err := browser.PostForm(top.WebURL+"/login", url.Values{"username": {target}, "password": {"not the password"}, "csrf_token": {string(m[1])}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusUnauthorized:
			refused++
			last = time.Now()
		case http.StatusTooManyRequests:
			time.Sleep(2 * time.Second)
		default:
			t.Fatalf("a wrong password: HTTP %d", res.StatusCode)
		}
	}
	var alert audit.Case
	for alert.ID == "" {
		if time.Since(last) > 60*time.Second {
			t.Fatal("no brute-force alert within 60 s of the last failed sign-in")
		}
		time.Sleep(time.Second)
		list, err := top.DB.AlertCases(ctx, store.AlertFilter{Rule: audit.RuleBruteForce, UserID: target}, store.All)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			alert = list[0]
		}
	}
	t.Logf("brute-force alert %.1f s after the last failed sign-in", time.Since(last).Seconds())
	token, err := top.UserToken(ctx, "privacy", "privacy_officer")
	if err != nil {
		t.Fatal(err)
	}
	api := top.API()
	api.Token = token
	var out audit.CaseOutcome
	for range 30 {
		// The alert's AccessCase workflow may still be starting: its
		// decide Update is refused until it runs.
		if out, err = api.DecideAlert(ctx, alert.ID, audit.CaseNote{Disposition: audit.Appropriate, Note: "topology test: the account's owner mistyped"}); err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Fatalf("decide alert %s: %v", alert.ID, err)
	}
	if out.State == alert.State {
		t.Errorf("alert %s still %s after the decision", alert.ID, out.State)
	}
}
