package activities

import (
	"context"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// TestEnvelopeFillsFacilitiesSetUp: the submission envelope (the one every
// 837P and the scrub's 837P check use) carries the facilities set up in the
// store, so a claim naming a facility by NPI only can be sent.
func TestEnvelopeFillsFacilitiesSetUp(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	ctx := context.Background()
	fac := provider.Facility{Name: "St David's Medical Center", NPI: "1558598797",
		Address: claim.Address{Line1: "919 E 32nd St", City: "Austin", State: "TX", Zip: "787051709"}}
	if _, err := f.db.SaveFacility(ctx, fac, "admin"); err != nil {
		t.Fatal(err)
	}
	env, err := f.a.Submit.Envelope(ctx, 1, 1, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	c := claim.Claim{PlaceOfService: "22", Facility: claim.Facility{NPI: fac.NPI}}
	if got := env.Facility(&c); got.Name != fac.Name || got.Address != fac.Address {
		t.Errorf("facility of a claim naming NPI %s = %+v", fac.NPI, got)
	}
	var none x12.Envelope837
	if got := none.Facility(&c); got != c.Facility {
		t.Errorf("without a setup the claim's facility is its own: %+v", got)
	}
}
