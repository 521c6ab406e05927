package schedulingbot

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// BenchmarkWeek: one provider's week as the calendar page reads it from
// SQLite — templates, 162 booked appointments, the no-show model fitted
// on 600 past visits, each appointment's risk with its factors.
func BenchmarkWeek(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "scheduling", "demo-instance.json"))
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
	for _, ap := range in.Existing {
		if _, err := db.BookAppointment(ctx, store.Booking{Appointment: ap, Seats: 2}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.AddHistory(ctx, in.History); err != nil {
		b.Fatal(err)
	}
	s := &Service{DB: db}
	b.ReportAllocs()
	for b.Loop() {
		w, err := s.Week(ctx, "P1", in.Start, 7)
		if err != nil || len(w.Days) != 7 {
			b.Fatalf("%d days, %v", len(w.Days), err)
		}
	}
}
