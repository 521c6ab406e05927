//go:build topology

package topology_test

import (
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/topology"
)

// killWorkerRunning kills (SIGKILL) the worker process running the
// workflow's pending activity of the type, once ready holds, and returns
// it with its Temporal identity.
func killWorkerRunning(t *testing.T, top *topology.Topology, workflowID, activityType string, ready func(*workflowpb.PendingActivityInfo) bool) (*topology.Process, string) {
	t.Helper()
	pa := pendingActivity(t, top, workflowID, activityType, 5*time.Minute, func(pa *workflowpb.PendingActivityInfo) bool {
		return started(pa) && ready(pa)
	})
	p, _, ok := top.WorkerByIdentity(pa.GetLastWorkerIdentity())
	if !ok {
		t.Fatalf("%s runs on %q, which is none of the topology's workers", activityType, pa.GetLastWorkerIdentity())
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s (%s) running %s attempt %d", p.Name, pa.GetLastWorkerIdentity(), activityType, pa.GetAttempt())
	return p, pa.GetLastWorkerIdentity()
}

// tookOver checks in the history that the activity's last attempt ran on
// another worker than the killed one.
func tookOver(t *testing.T, top *topology.Topology, workflowID, activityType, killed string) {
	t.Helper()
	runs := activityRuns(t, top, workflowID, activityType)
	if len(runs) != 1 {
		t.Fatalf("%s: %d %s activities in the history, want 1", workflowID, len(runs), activityType)
	}
	if r := runs[0]; r.Attempt < 2 || r.Identity == killed {
		t.Errorf("%s finished on attempt %d by %s: the other worker did not take over from %s", activityType, r.Attempt, r.Identity, killed)
	}
}

// scenarioKillWorkers: kill -9 of the worker scrubbing a batch, and later
// of the one submitting it; another worker takes over each time, the batch
// completes and nothing reaches the clearinghouse twice.
func scenarioKillWorkers(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	file := claimsFile(t, t.TempDir(), "S2", 8000, 2)
	begin := time.Now()
	id := uploadAll(t, top, []string{file})[0]
	wf := claimsbot.WorkflowID(id)

	// Mid-scrub: after the first chunk of claims is saved (heartbeated).
	scrubber, scrubberID := killWorkerRunning(t, top, wf, "ScrubBatch", func(pa *workflowpb.PendingActivityInfo) bool {
		return pa.GetHeartbeatDetails() != nil
	})
	defer restart(t, top, scrubber)
	if n, err := top.DB.Claims(ctx, store.ClaimFilter{BatchID: id}, store.All); err != nil || len(n) >= 8000 {
		t.Fatalf("the kill came too late: %d claims already saved (%v)", len(n), err)
	}
	b := review(t, top, id)
	tookOver(t, top, wf, "ScrubBatch", scrubberID)
	t.Logf("scrubbed by another worker and reviewed after %s", time.Since(begin).Round(time.Second))

	// Mid-submission: answers held back, so an interchange the
	// clearinghouse processed is still unconfirmed when the worker dies.
	if err := top.ClearinghouseFaults(ctx, clearinghouseDelay("700ms")); err != nil {
		t.Fatal(err)
	}
	submitter, submitterID := killWorkerRunning(t, top, wf, "SubmitBatch", func(*workflowpb.PendingActivityInfo) bool {
		st, err := top.ClearinghouseStats(ctx)
		return err == nil && st.Submissions >= 2
	})
	defer restart(t, top, submitter)
	if st, _ := top.ClearinghouseStats(ctx); int(st.Claims) >= len(b.Expect) {
		t.Fatalf("the kill came too late: %d of %d claims already received", st.Claims, len(b.Expect))
	}
	if err := top.ResetFaults(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("submitter killed after %s", time.Since(begin).Round(time.Second))
	finish(t, top, b, 5*time.Minute)
	tookOver(t, top, wf, "SubmitBatch", submitterID)
	st := exactlyOnce(t, top, b)
	t.Logf("%d claims received once each in %d interchanges (%d replayed by idempotency key)", st.Claims, st.Submissions, st.Replays)
}

// clearinghouseDelay is a fault plan that only holds answers back.
func clearinghouseDelay(d string) topology.ClearinghouseFaultPlan {
	return topology.ClearinghouseFaultPlan{Delay: d}
}

// restart starts a stopped or killed worker again (a supervisor's job:
// compose's restart: unless-stopped) and waits until it polls.
func restart(t *testing.T, top *topology.Topology, p *topology.Process) {
	t.Helper()
	if err := top.Restart(context.Background(), p); err != nil {
		t.Errorf("restart %s: %v", p.Name, err)
	}
}

// scenarioTemporalOutage: the Temporal server is stopped for 30 s while a
// batch is being scrubbed and started again; the workers and the web app,
// never restarted, carry on and the batch completes.
func scenarioTemporalOutage(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	pids := map[string]int{}
	for _, svc := range []string{topology.ServiceWorker, topology.ServiceWorkerClaims, topology.ServiceWeb} {
		for _, p := range top.Procs[svc] {
			pids[p.Name] = p.Pid()
		}
	}
	file := claimsFile(t, t.TempDir(), "S3", 3000, 3)
	id := uploadAll(t, top, []string{file})[0]
	pendingActivity(t, top, claimsbot.WorkflowID(id), "ScrubBatch", 2*time.Minute, started)

	stopped := time.Now()
	if err := top.StopTemporal(); err != nil {
		t.Fatal(err)
	}
	// The web app still answers what needs only its database.
	if _, err := top.API().Batch(ctx, id); err != nil {
		t.Errorf("web app during the Temporal outage: %v", err)
	}
	time.Sleep(30*time.Second - time.Since(stopped))
	if err := top.StartTemporal(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("Temporal was down for %s", time.Since(stopped).Round(100*time.Millisecond))

	b := review(t, top, id) // the review is an Update through the web app's client
	finish(t, top, b, 5*time.Minute)
	exactlyOnce(t, top, b)
	// A batch uploaded after the outage goes through too.
	after := review(t, top, uploadAll(t, top, []string{claimsFile(t, t.TempDir(), "S3AFTER", 200, 33)})[0])
	finish(t, top, after, 3*time.Minute)
	for _, svc := range []string{topology.ServiceWorker, topology.ServiceWorkerClaims, topology.ServiceWeb} {
		for _, p := range top.Procs[svc] {
			if !p.Running() || p.Pid() != pids[p.Name] {
				t.Errorf("%s was restarted or died (pid %d, was %d)", p.Name, p.Pid(), pids[p.Name])
			}
		}
	}
}

// scenarioDatabaseRestart: rcmbot's PostgreSQL restarts while a batch is
// being scrubbed; the activities retry and the batch completes; while the
// database is away the web app answers 503 with a message for people, no
// stack trace or driver error.
func scenarioDatabaseRestart(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	file := claimsFile(t, t.TempDir(), "S4", 6000, 4)
	id := uploadAll(t, top, []string{file})[0]
	pendingActivity(t, top, claimsbot.WorkflowID(id), "ScrubBatch", 2*time.Minute, func(pa *workflowpb.PendingActivityInfo) bool {
		return started(pa) && pa.GetHeartbeatDetails() != nil
	})
	var answers []webAnswer
	err := top.RestartRcmbotDB(func() {
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			answers = append(answers, probeWeb(t, top, id)...)
			time.Sleep(2 * time.Second)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) == 0 {
		t.Fatal("no web answers while the database was away")
	}
	shown := map[string]bool{}
	for _, a := range answers {
		checkUnavailable(t, a)
		if !shown[a.what] {
			shown[a.what] = true
			t.Logf("%s while the database was down: %d %s: %.300q", a.what, a.status, a.contentType, a.body)
		}
	}
	t.Logf("%d web answers while the database was down, all 503", len(answers))
	b := review(t, top, id)
	finish(t, top, b, 5*time.Minute)
	exactlyOnce(t, top, b)
	saved, err := top.DB.Claims(ctx, store.ClaimFilter{BatchID: id}, store.All)
	if err != nil || len(saved) != 6000 {
		t.Errorf("%d claims saved, want 6000 (%v)", len(saved), err)
	}
}

// webAnswer is one response of the web app.
type webAnswer struct {
	what, contentType, body string
	status                  int
}

// probeWeb asks the web app what staff and scripts ask: a page, an API
// call, the health check.
func probeWeb(t *testing.T, top *topology.Topology, batchID string) []webAnswer {
	var out []webAnswer
	for _, path := range []string{"/batches", "/api/v1/batches/" + batchID, "/healthz"} {
		req, _ := http.NewRequest(http.MethodGet, top.WebURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+top.Token)
		resp, err := (&http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			out = append(out, webAnswer{what: path, body: err.Error()})
			continue
		}
		var sb strings.Builder
		buf := make([]byte, 64<<10)
		n, _ := resp.Body.Read(buf)
		sb.Write(buf[:n])
		resp.Body.Close()
		out = append(out, webAnswer{what: path, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: sb.String()})
	}
	return out
}

// checkUnavailable holds an answer to "503 with a clear message".
func checkUnavailable(t *testing.T, a webAnswer) {
	t.Helper()
	if a.status != http.StatusServiceUnavailable {
		t.Errorf("%s while the database was down: %d %q, want 503", a.what, a.status, a.body)
		return
	}
	for _, leak := range []string{"goroutine", "panic", ".go:", "dial tcp", "connection refused", "SQLSTATE", "pgx", "pq:", "127.0.0.1"} {
		if strings.Contains(a.body, leak) {
			t.Errorf("%s: the 503 shows %q: %s", a.what, leak, a.body)
		}
	}
	if len(strings.Fields(a.body)) < 3 {
		t.Errorf("%s: the 503 says too little: %q", a.what, a.body)
	}
}

// scenarioSimulatorFaults: the clearinghouse and a payer answer 429 with
// Retry-After, 5xx and time out for a while; nothing is lost, every fault
// is retried within the retry policies and the eligibility sweep finishes.
func scenarioSimulatorFaults(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	// Each fault fails one attempt of the submission (Temporal is the one
	// retry layer): 2 + 2 + 1 failures, then it goes through on attempt 6.
	ch := topology.ClearinghouseFaultPlan{FaultPlan: sim.FaultPlan{Throttles: 2, ServerErrors: 2, RetryAfter: 2, Hangs: 1}}
	if err := top.ClearinghouseFaults(ctx, ch); err != nil {
		t.Fatal(err)
	}
	const faultyPayer = "60054"
	if err := top.PayerFaults(ctx, sim.Faults{Payer: faultyPayer, FaultPlan: sim.FaultPlan{Throttles: 5, ServerErrors: 5, RetryAfter: 1, Hangs: 2}}); err != nil {
		t.Fatal(err)
	}

	b := review(t, top, uploadAll(t, top, []string{claimsFile(t, t.TempDir(), "S5", 500, 5)})[0])
	date := today().NextBusinessDay()
	roster, perPayer := rosterCSV(t, t.TempDir(), date, payerIDs, 4)
	rows := 0
	for _, n := range perPayer {
		rows += n
	}
	if _, err := top.Rcmbot(ctx, "eligibility", "roster", roster); err != nil {
		t.Fatal(err)
	}
	out, err := top.Rcmbot(ctx, "eligibility", "sweep", "--date", date.String(), "--wait")
	if err != nil {
		t.Fatal(err)
	}
	sw, err := top.DB.Sweep(ctx, sweepID(t, out))
	if err != nil {
		t.Fatal(err)
	}
	finish(t, top, b, 5*time.Minute)
	cst := exactlyOnce(t, top, b)

	if sw.Status != eligibility.SweepCompleted || sw.Counts.Members != rows || sw.Counts.Checked != rows || sw.Counts.Failed != 0 {
		t.Errorf("sweep %s: %s, counts %+v; want %d members all checked, none failed", sw.ID, sw.Status, sw.Counts, rows)
	}
	if cst.Throttled != 2 || cst.ServerErrors != 2 || cst.Hung != 1 {
		t.Errorf("clearinghouse faults used: %d 429s, %d 5xx, %d timeouts; want 2, 2, 1", cst.Throttled, cst.ServerErrors, cst.Hung)
	}
	if runs := activityRuns(t, top, claimsbot.WorkflowID(b.ID), "SubmitBatch"); len(runs) != 1 || runs[0].Attempt != 6 {
		t.Errorf("SubmitBatch runs %+v: want one activity that succeeded on attempt 6 (one attempt per fault)", runs)
	}
	pst, err := top.PayerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range payerIDs {
		st := pst[id]
		// Retried until answered, then never asked again.
		if int(st.Answered) != perPayer[id] {
			t.Errorf("payer %s answered %d requests for its %d members", id, st.Answered, perPayer[id])
		}
		wantErrors, wantHung := int64(0), int64(0)
		if id == faultyPayer {
			wantErrors, wantHung = 5, 2
		}
		if st.ServerErrors != wantErrors || st.Hung != wantHung || (id == faultyPayer && st.Throttled < 5) {
			t.Errorf("payer %s: %d 5xx, %d timeouts, %d 429s; want %d, %d and (%s) at least 5", id, st.ServerErrors, st.Hung, st.Throttled, wantErrors, wantHung, faultyPayer)
		}
		t.Logf("payer %s: %d requests for %d members: %d 429s, %d 5xx, %d timeouts, at most %d accepted in a second",
			id, st.Requests, perPayer[id], st.Throttled, st.ServerErrors, st.Hung, st.MaxPerSecond)
	}
	t.Logf("sweep %s: %d members checked; clearinghouse %+v", sw.ID, sw.Counts.Checked, cst)
}

// payerIDs are the starter payer directory's, all on the payer simulator.
var payerIDs = []string{"01112", "60054", "87726", "62308", "SKCO0"}

// scenarioGracefulShutdown: SIGTERM to the worker submitting a batch lets
// the submission finish, then the worker exits within its stop timeout
// (30 s, the default of --stop-timeout) with status 0.
func scenarioGracefulShutdown(t *testing.T, top *topology.Topology) {
	ctx := context.Background()
	b := review(t, top, uploadAll(t, top, []string{claimsFile(t, t.TempDir(), "SIGTERM", 500, 6)})[0])
	wf := claimsbot.WorkflowID(b.ID)
	if err := top.ClearinghouseFaults(ctx, clearinghouseDelay("1500ms")); err != nil {
		t.Fatal(err)
	}
	pa := pendingActivity(t, top, wf, "SubmitBatch", 2*time.Minute, started)
	p, _, ok := top.WorkerByIdentity(pa.GetLastWorkerIdentity())
	if !ok {
		t.Fatalf("SubmitBatch on unknown worker %q", pa.GetLastWorkerIdentity())
	}
	defer restart(t, top, p)
	sent := time.Now()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	const stopTimeout, slack = 30 * time.Second, 5 * time.Second
	exited, err := p.Wait(stopTimeout + slack)
	took := time.Since(sent)
	if !exited {
		t.Fatalf("%s still running %s after SIGTERM (stop timeout %s)", p.Name, took.Round(time.Second), stopTimeout)
	}
	if err != nil {
		t.Errorf("%s exited with %v after SIGTERM, want status 0", p.Name, err)
	}
	finish(t, top, b, 3*time.Minute)
	exactlyOnce(t, top, b)
	runs := activityRuns(t, top, wf, "SubmitBatch")
	if len(runs) != 1 || runs[0].Attempt != 1 || runs[0].Identity != pa.GetLastWorkerIdentity() {
		t.Errorf("SubmitBatch runs %+v: the stopping worker did not finish its submission", runs)
	}
	t.Logf("%s exited %s after SIGTERM, its submission finished first", p.Name, took.Round(100*time.Millisecond))
}
