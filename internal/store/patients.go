package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// patientLookupChunk is how many patient keys one lookup query names.
const patientLookupChunk = 500

// PatientRecords returns the stored records of the patients with the
// given keys (claim.PatientKey); keys without a record are absent from
// the map.
func (d *DB) PatientRecords(ctx context.Context, keys []string) (map[string]claim.PatientRecord, error) {
	out := make(map[string]claim.PatientRecord, len(keys))
	if err := d.patientRecords(ctx, d.r, keys, out); err != nil {
		return nil, fmt.Errorf("patient records: %w", err)
	}
	return out, nil
}

func (d *DB) patientRecords(ctx context.Context, e execer, keys []string, out map[string]claim.PatientRecord) error {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	type row struct{ key, data string }
	for start := 0; start < len(keys); start += patientLookupChunk {
		part := keys[start:min(start+patientLookupChunk, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		rows, err := queryAll(ctx, e, func(r *row) []any { return []any{&r.key, &r.data} },
			"SELECT patient_key, data FROM patients WHERE patient_key IN (?"+strings.Repeat(", ?", len(part)-1)+")", args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			plain, err := d.open(sealPatient, r.key, r.data)
			if err != nil {
				return err
			}
			var rec claim.PatientRecord
			if err := json.Unmarshal(plain, &rec); err != nil {
				return fmt.Errorf("%s: decode: %w", sealPatient, err)
			}
			out[r.key] = rec
		}
	}
	return nil
}

// MergePatientRecords merges each record into the one stored under its
// key (claim.PatientRecord.Merge: what the newer record gives wins) and
// stores the result, sealed, in one transaction. Merging the same
// records again changes nothing.
func (d *DB) MergePatientRecords(ctx context.Context, recs map[string]claim.PatientRecord) error {
	if len(recs) == 0 {
		return nil
	}
	keys := make([]string, 0, len(recs))
	for k := range recs {
		if k == "" {
			return fmt.Errorf("merge patient records: a record has no patient key: %w", ErrInvalid)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		stored := make(map[string]claim.PatientRecord, len(keys))
		if err := d.patientRecords(ctx, tx, keys, stored); err != nil {
			return err
		}
		t := ts(now())
		for _, k := range keys {
			rec := stored[k]
			rec.Merge(recs[k])
			plain, err := json.Marshal(rec)
			if err != nil {
				return fmt.Errorf("encode: %w", err)
			}
			data, err := d.seal(sealPatient, k, plain)
			if err != nil {
				return err
			}
			if _, err := exec(ctx, tx, `INSERT INTO patients (patient_key, data, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (patient_key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, k, data, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("merge patient records: %w", err)
	}
	return nil
}
