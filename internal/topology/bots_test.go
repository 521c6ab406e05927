//go:build topology

package topology_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/topology"
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

// botFlows are the bots that exist. Still to come, each as one function
// here when its bot lands: scheduling, inventory, access monitoring.
var botFlows = []botFlow{
	{"claims", claimsFlow},
	{"eligibility", eligibilityFlow},
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
