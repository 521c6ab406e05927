package main

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/store"
)

// devSchedulingRequests is how many of the demo's requests rcmbot dev
// starts (their options are emailed to the SMTP sink).
const devSchedulingRequests = 5

// loadSchedulingDemo stores the scheduling demo the first time rcmbot dev
// runs on a data directory, dated from this week's Monday so that the
// calendar is not empty: the clinic simulator's 3 providers, visit types,
// two weeks with about 45% of slots booked, 600 past visits, and a few
// requests through the front door. It returns the line rcmbot dev prints.
func (a *app) loadSchedulingDemo(ctx context.Context, db *store.DB, ring *keyring.Ring, c client.Client) (string, error) {
	env := a.env(db, ring)
	var err error
	if env.Signer, err = a.decisionSigner(); err != nil {
		return "", err
	}
	svc := bots.SchedulingService(env, c)
	today := svc.Today()
	monday := today.AddDays(-(int(schedule.WeekdayOf(today)) - 1))
	clinic := clinicsim.NewClinic(clinicsim.ClinicConfig{Seed: 7, Providers: 3, Patients: 300, PatientSpread: 0.8})
	in := clinic.Instance(clinicsim.InstanceConfig{Seed: 7, Start: monday, Days: 14, Requests: 30, Fill: 0.45, History: 600})
	got, err := svc.LoadDemo(ctx, in, devSchedulingRequests)
	if err != nil {
		return "", fmt.Errorf("load the scheduling demo: %w", err)
	}
	if got.Kept {
		return "Scheduling demo: kept the stored templates and calendar", nil
	}
	return fmt.Sprintf("Scheduling demo: %d providers from %s, %d visit types, %d booked visits, %d past visits, %d requests being planned",
		got.Providers, monday, got.VisitTypes, got.Appointments, got.History, got.Requests), nil
}
