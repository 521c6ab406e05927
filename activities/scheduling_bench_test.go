package activities

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// demoScheduling stores the demo instance (3 providers, the week of 7
// December 2026, 162 booked appointments, 600 past visits) and its 30
// requests, and returns the activities over it.
func demoScheduling(b *testing.B) (*Scheduling, []schedule.Request, *schedule.Instance) {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "scheduling", "demo-instance.json"))
	if err != nil {
		b.Fatal(err)
	}
	in, err := schedule.ParseInstance(data)
	if err != nil {
		b.Fatal(err)
	}
	db := storetest.Open(b)
	ctx := context.Background()
	if err := db.SaveTemplates(ctx, in.Providers); err != nil {
		b.Fatal(err)
	}
	if err := db.SaveHolidays(ctx, in.Holidays); err != nil {
		b.Fatal(err)
	}
	if err := db.SaveVisitTypes(ctx, in.VisitTypes); err != nil {
		b.Fatal(err)
	}
	for _, ap := range in.Existing {
		if _, err := db.BookAppointment(ctx, store.Booking{Appointment: ap, Seats: 1 + in.MaxOverbookPerSlot}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.AddHistory(ctx, in.History); err != nil {
		b.Fatal(err)
	}
	var reqs []schedule.Request
	for _, r := range in.Requests {
		r.NoShowProbability = nil
		stored, err := db.AddRequest(ctx, r, "bench")
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, stored.Request)
	}
	return &Scheduling{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, reqs, in
}

// BenchmarkProposeOptions: one request's five options on the demo
// calendar, read from SQLite and planned (the model fitted on 600 visits).
func BenchmarkProposeOptions(b *testing.B) {
	a, reqs, in := demoScheduling(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := a.ProposeOptions(ctx, ProposeInput{RequestID: reqs[i%len(reqs)].ID, AsOf: in.Start, Options: 5}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanAhead: the nightly plan of the demo's 30 requests over
// its week, proposals stored.
func BenchmarkPlanAhead(b *testing.B) {
	a, _, in := demoScheduling(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.PlanAhead(ctx, PlanAheadInput{AsOf: in.Start.AddDays(-1), Days: in.Days}); err != nil {
			b.Fatal(err)
		}
	}
}
