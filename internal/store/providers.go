package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/provider"
)

const providerCols = `npi, entity, last_name, first_name, organisation, taxonomy, line1, line2, city, state, zip`

func providerDest(p *provider.Provider) []any {
	return []any{&p.NPI, &p.Entity, &p.LastName, &p.FirstName, &p.Organisation, &p.Taxonomy,
		&p.Address.Line1, &p.Address.Line2, &p.Address.City, &p.Address.State, &p.Address.Zip}
}

// SaveProviders adds providers, or replaces those with the same NPI, in
// one transaction; by is who set them up. The caller has validated them.
func (d *DB) SaveProviders(ctx context.Context, ps []provider.Provider, by string) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		t := ts(now())
		for _, p := range ps {
			a := p.Address
			if _, err := exec(ctx, tx, `INSERT INTO providers (`+providerCols+`, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (npi) DO UPDATE SET entity = excluded.entity, last_name = excluded.last_name,
					first_name = excluded.first_name, organisation = excluded.organisation, taxonomy = excluded.taxonomy,
					line1 = excluded.line1, line2 = excluded.line2, city = excluded.city, state = excluded.state,
					zip = excluded.zip, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				p.NPI, p.Entity, p.LastName, p.FirstName, p.Organisation, p.Taxonomy, a.Line1, a.Line2, a.City, a.State, a.Zip, by, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d providers: %w", len(ps), err)
	}
	return nil
}

// Providers lists the providers set up, by NPI.
func (d *DB) Providers(ctx context.Context, p Page) ([]provider.Provider, error) {
	out, err := queryAll(ctx, d.r, providerDest, "SELECT "+providerCols+" FROM providers ORDER BY npi"+p.clause())
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	return out, nil
}

// Provider returns the provider with an NPI; none is ErrNotFound.
func (d *DB) Provider(ctx context.Context, npi string) (provider.Provider, error) {
	p, err := queryOne(ctx, d.r, providerDest, "SELECT "+providerCols+" FROM providers WHERE npi = ?", npi)
	if err != nil {
		return p, fmt.Errorf("get provider %s: %w", npi, err)
	}
	return p, nil
}

const facilityCols = `id, name, npi, line1, line2, city, state, zip`

func facilityDest(f *provider.Facility) []any {
	return []any{&f.ID, &f.Name, &f.NPI, &f.Address.Line1, &f.Address.Line2, &f.Address.City, &f.Address.State, &f.Address.Zip}
}

// SaveFacility adds a facility (ID "" gets a new opaque ID) or replaces
// the one with its ID, and returns it as stored.
func (d *DB) SaveFacility(ctx context.Context, f provider.Facility, by string) (provider.Facility, error) {
	if f.ID == "" {
		f.ID = opaqueid.New("fac-")
	}
	a := f.Address
	_, err := exec(ctx, d.w, `INSERT INTO facilities (`+facilityCols+`, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, npi = excluded.npi, line1 = excluded.line1, line2 = excluded.line2,
			city = excluded.city, state = excluded.state, zip = excluded.zip, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		f.ID, f.Name, f.NPI, a.Line1, a.Line2, a.City, a.State, a.Zip, by, ts(now()))
	if err != nil {
		return f, fmt.Errorf("save facility %s: %w", f.ID, err)
	}
	return f, nil
}

// Facilities lists the facilities by name.
func (d *DB) Facilities(ctx context.Context) ([]provider.Facility, error) {
	out, err := queryAll(ctx, d.r, facilityDest, "SELECT "+facilityCols+" FROM facilities ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("list facilities: %w", err)
	}
	return out, nil
}

// SetProviderNeeds replaces what a batch's held claims need set up.
func (d *DB) SetProviderNeeds(ctx context.Context, batchID string, needs []batch.ProviderNeed) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, "DELETE FROM batch_provider_needs WHERE batch_id = ?", batchID); err != nil {
			return err
		}
		rows := make([][]any, len(needs))
		for i, n := range needs {
			rows[i] = []any{batchID, n.NPI, n.Claims}
		}
		if len(rows) == 0 {
			return nil
		}
		return insertRows(ctx, tx, "batch_provider_needs", []string{"batch_id", "npi", "claims"}, rows, "")
	})
	if err != nil {
		return fmt.Errorf("set provider needs of batch %s: %w", batchID, err)
	}
	return nil
}

// ProviderNeeds lists the rendering NPIs a batch still needs set up: those
// recorded by its last scrub that no provider names yet, by NPI.
func (d *DB) ProviderNeeds(ctx context.Context, batchID string) ([]batch.ProviderNeed, error) {
	out, err := queryAll(ctx, d.r, func(n *batch.ProviderNeed) []any { return []any{&n.NPI, &n.Claims} },
		`SELECT n.npi, n.claims FROM batch_provider_needs n WHERE n.batch_id = ?
		AND NOT EXISTS (SELECT 1 FROM providers p WHERE p.npi = n.npi) ORDER BY n.npi`, batchID)
	if err != nil {
		return nil, fmt.Errorf("provider needs of batch %s: %w", batchID, err)
	}
	return out, nil
}

// BatchesNeedingProviders returns the batches (IDs, oldest first) whose
// held claims wait for one of the NPIs.
func (d *DB) BatchesNeedingProviders(ctx context.Context, npis []string) ([]string, error) {
	if len(npis) == 0 {
		return nil, nil
	}
	args := make([]any, len(npis))
	for i, n := range npis {
		args[i] = n
	}
	var ids []string
	err := d.r.SelectContext(ctx, &ids, d.r.Rebind(`SELECT DISTINCT n.batch_id FROM batch_provider_needs n
		WHERE n.npi IN (`+placeholders(len(npis))+`) ORDER BY n.batch_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("batches needing providers: %w", err)
	}
	return ids, nil
}
