package activities

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/blob/blobtest"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// newEligibility returns the activities over a real SQLite store, blob
// store and payer client talking to a payer simulator.
func newEligibility(t *testing.T, cfg sim.PayerConfig) (*Eligibility, *sim.PayerSim, *store.DB) {
	t.Helper()
	db := storetest.Open(t)
	blobs, ring := blobtest.New(t)
	ps, err := sim.NewPayerSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ps)
	t.Cleanup(srv.Close)
	dir := payers.Starter()
	return &Eligibility{DB: db, Blobs: blobs, Ring: ring, Payers: dir, Rules: eligibility.DefaultRules,
		Payer:       payer.New(dir, payer.NewPool(), payer.Options{DefaultURL: srv.URL}),
		ProviderNPI: "1234567893", ProviderName: "Riverside Family Medicine"}, ps, db
}

func rosterMember(t *testing.T, ps *sim.PayerSim, p sim.Profile, payerID string, n int) sim.Member {
	t.Helper()
	for _, m := range ps.Roster() {
		if m.Profile == p && m.PayerID == payerID {
			if n == 0 {
				return m
			}
			n--
		}
	}
	t.Fatalf("no %s member %d at %s", p, n, payerID)
	return sim.Member{}
}

// A payer that cannot answer now makes CheckEligibility fail with a
// retryable ErrPayerBusy whose NextRetryDelay is what the payer asked
// for: the 429's Retry-After, the 503's, and for AAA 42 the client's
// unavailable delay. Nothing is stored, and the message names no patient.
func TestCheckEligibilityBusyPayerSetsNextRetryDelay(t *testing.T) {
	a, ps, db := newEligibility(t, sim.PayerConfig{PayerRates: "60054=0.25:1"})
	ctx := context.Background()
	request := func(m sim.Member) string {
		ap, err := db.AddCheckRequest(ctx, store.Appointment{Date: claim.MustDate("2026-03-02"), PayerID: m.PayerID, MemberID: m.ID,
			LastName: m.LastName, FirstName: m.FirstName, DOB: m.DOB})
		if err != nil {
			t.Fatal(err)
		}
		return ap.ID
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)

	// The first Aetna request takes the simulator's only token.
	if _, err := env.ExecuteActivity(a.CheckEligibility, CheckInput{RequestID: request(rosterMember(t, ps, sim.ProfileActive, "60054", 0))}); err != nil {
		t.Fatal(err)
	}
	ps.SetFaults(sim.Faults{Payer: "87726", FaultPlan: sim.FaultPlan{ServerErrors: 1, RetryAfter: 9}})
	ps.SetFaults(sim.Faults{Payer: "62308", Unavailable: 1})
	for _, tc := range []struct {
		name  string
		m     sim.Member
		delay time.Duration
	}{
		{"429 Retry-After", rosterMember(t, ps, sim.ProfileActive, "60054", 1), 4 * time.Second},
		{"503 Retry-After", rosterMember(t, ps, sim.ProfileActive, "87726", 0), 9 * time.Second},
		{"AAA 42", rosterMember(t, ps, sim.ProfileActive, "62308", 0), time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := request(tc.m)
			_, err := env.ExecuteActivity(a.CheckEligibility, CheckInput{RequestID: id})
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || app.Type() != ErrPayerBusy || app.NonRetryable() || app.NextRetryDelay() != tc.delay {
				t.Fatalf("error %v (next retry delay %v), want retryable %s after %s", err, nextDelay(app), ErrPayerBusy, tc.delay)
			}
			for _, phi := range []string{tc.m.ID, tc.m.LastName, tc.m.FirstName} {
				if strings.Contains(err.Error(), phi) {
					t.Errorf("error %q carries patient data", err)
				}
			}
			if _, err := db.EligibilityResult(ctx, "el-"+id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a busy answer was stored: %v", err)
			}
		})
	}
}

func nextDelay(app *temporal.ApplicationError) time.Duration {
	if app == nil {
		return 0
	}
	return app.NextRetryDelay()
}
