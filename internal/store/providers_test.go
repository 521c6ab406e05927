package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestProvidersAndNeeds(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		patel := provider.Provider{NPI: "1299000012", Entity: provider.Individual, LastName: "PATEL", FirstName: "ANITA", Taxonomy: "207Q00000X"}
		patel.Address.Line1, patel.Address.City, patel.Address.State, patel.Address.Zip = "1200 W 6TH ST", "AUSTIN", "TX", "787031234"
		lake := provider.Provider{NPI: "1558598797", Entity: provider.Organisation, Organisation: "LAKESIDE"}
		check(t, e.db.SaveProviders(ctx, []provider.Provider{lake, patel}, "ana"))
		patel.LastName = "PATEL-RAO" // replaced, not added
		check(t, e.db.SaveProviders(ctx, []provider.Provider{patel}, "ben"))
		got := must[[]provider.Provider](t)(e.db.Providers(ctx, store.All))
		if !reflect.DeepEqual(got, []provider.Provider{patel, lake}) {
			t.Errorf("providers %+v", got)
		}
		if _, err := e.db.Provider(ctx, "1456789126"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown provider: %v", err)
		}

		f := must[provider.Facility](t)(e.db.SaveFacility(ctx, provider.Facility{Name: "RIVERSIDE ASC", Address: patel.Address}, "ana"))
		f.Name = "RIVERSIDE SURGERY CENTER"
		check2 := must[provider.Facility](t)(e.db.SaveFacility(ctx, f, "ana"))
		if fs := must[[]provider.Facility](t)(e.db.Facilities(ctx)); len(fs) != 1 || fs[0] != check2 || f.ID == "" {
			t.Errorf("facilities %+v", fs)
		}

		b1 := newBatch(t, e.db, store.NewBatch{})
		b2 := newBatch(t, e.db, store.NewBatch{})
		check(t, e.db.SetProviderNeeds(ctx, b1.ID, []batch.ProviderNeed{{NPI: "1456789126", Claims: 3}, {NPI: "1728394051", Claims: 1}}))
		check(t, e.db.SetProviderNeeds(ctx, b2.ID, []batch.ProviderNeed{{NPI: "1728394051", Claims: 2}}))
		if ids := must[[]string](t)(e.db.BatchesNeedingProviders(ctx, []string{"1728394051"})); len(ids) != 2 {
			t.Errorf("batches needing 1728394051: %v", ids)
		}
		// Once the provider is set up, the batch no longer asks for it.
		check(t, e.db.SaveProviders(ctx, []provider.Provider{{NPI: "1728394051", Entity: provider.Individual, LastName: "KIM"}}, "ana"))
		if n := must[[]batch.ProviderNeed](t)(e.db.ProviderNeeds(ctx, b1.ID)); !reflect.DeepEqual(n, []batch.ProviderNeed{{NPI: "1456789126", Claims: 3}}) {
			t.Errorf("needs %+v", n)
		}
		check(t, e.db.SetProviderNeeds(ctx, b1.ID, nil))
		if n := must[[]batch.ProviderNeed](t)(e.db.ProviderNeeds(ctx, b1.ID)); len(n) != 0 {
			t.Errorf("needs after re-scrub %+v", n)
		}
		if ids := must[[]string](t)(e.db.BatchesNeedingProviders(ctx, []string{"1456789126"})); len(ids) != 0 {
			t.Errorf("batches needing 1456789126 after re-scrub: %v", ids)
		}
	})
}
