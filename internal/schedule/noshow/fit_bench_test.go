package noshow_test

import (
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
)

// BenchmarkFit fits the model on 100,000 visits of 5,000 patients.
func BenchmarkFit(b *testing.B) {
	c := clinicsim.NewClinic(clinicsim.ClinicConfig{Seed: 1, Providers: 8, Patients: 5000, PatientSpread: 0.8})
	h := c.History(2, 100_000, claim.MustDate("2026-12-01"))
	b.ReportAllocs()
	for b.Loop() {
		noshow.Fit(h)
	}
}
