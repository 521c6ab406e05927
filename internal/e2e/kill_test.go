package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
)

// TestWorkerKilledMidSubmission runs the workers as a separate rcmbot
// process, kills it with SIGKILL while the batch's claims are being sent
// to the (slowed) clearinghouse, starts a new one, and checks that the
// batch completes with every claim received by the clearinghouse exactly
// once.
func TestWorkerKilledMidSubmission(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rcmbot and waits out a heartbeat timeout")
	}
	s := Start(t, Options{NoWorkers: true, Clearinghouse: sim.ClearinghouseConfig{Delay: 1500 * time.Millisecond}})
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "rcmbot")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/rcmbot")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build rcmbot: %v\n%s", err, out)
	}
	logs := filepath.Join(t.TempDir(), "worker.log")
	startWorker := func() *exec.Cmd {
		lf, err := os.OpenFile(logs, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "worker", "--queues", "claims,eligibility")
		cmd.Env = append(os.Environ(), s.Env()...)
		cmd.Stdout, cmd.Stderr = lf, lf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); lf.Close() })
		return cmd
	}
	first := startWorker()

	f, err := os.Open(Fixture("demo-claims.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Claims.SubmitBatch(ctx, f, "demo-claims.xlsx", "tester")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b = s.WaitStatus(t, b.ID, 2*time.Minute, batch.AwaitingReview)
	flagged, err := s.DB.Claims(ctx, store.ClaimFilter{BatchID: b.ID, Flagged: true}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	var actions []batch.ReviewAction
	for _, r := range flagged {
		actions = append(actions, batch.ReviewAction{ClaimID: r.Claim.ID, Action: batch.Reject, Reason: "rebill later"})
	}
	if _, err := s.Claims.Review(ctx, b.ID, "rita", "reviewer", actions); err != nil {
		t.Fatal(err)
	}
	want := b.Counts.Claims - len(flagged)

	// Kill the worker once the first interchange has reached the clearinghouse.
	deadline := time.Now().Add(time.Minute)
	for s.Clearinghouse.Stats().Submissions < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no submission reached the clearinghouse")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	got := s.Clearinghouse.Stats()
	if int(got.Claims) >= want {
		t.Fatalf("the kill came too late: %d of %d claims already received", got.Claims, want)
	}
	t.Logf("killed the worker after %d submissions (%d claims)", got.Submissions, got.Claims)

	startWorker()
	var res batch.Progress
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := s.Client.GetWorkflow(wctx, claimsbot.WorkflowID(b.ID), "").Get(wctx, &res); err != nil {
		t.Fatal(err)
	}
	st := s.Clearinghouse.Stats()
	if res.Status != batch.Completed || len(st.Duplicates) != 0 || len(st.ClaimCounts) != want || int(st.Claims) != want {
		t.Fatalf("after restart: result %s, %d claims received (%d distinct), duplicates %v; want %d each once",
			res.Status, st.Claims, len(st.ClaimCounts), st.Duplicates, want)
	}
	subs, err := s.DB.SubmittedClaims(ctx, b.ID)
	if err != nil || len(subs) != want {
		t.Fatalf("ledger: %d claims, %v", len(subs), err)
	}
}
