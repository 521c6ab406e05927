package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// Sealer encrypts the patient data the store keeps (claims as JSON,
// eligibility answers, signed decisions) with the key ring; *keyring.Ring
// is one. Seal uses the active key and returns its ID; Open takes the ID
// stored with the ciphertext, so rows written under a retired key still
// open while the key stays in the ring. The ring's tags give the opaque
// patient keys of legacy rows (SealLegacyRows).
type Sealer interface {
	Seal(plaintext, aad []byte) (ciphertext []byte, keyID string)
	Open(keyID string, ciphertext, aad []byte) ([]byte, error)
	claim.Tagger
}

// SetSealer makes d encrypt and decrypt patient data with s. Call it once,
// right after Open. Without a sealer, d refuses to write patient data
// (it is never stored in plaintext) and reads only rows written before
// rows were sealed.
func (d *DB) SetSealer(s Sealer) { d.sealer = s }

// sealedPrefix starts every sealed column value:
// "enc1:" KEY-ID ":" base64(AES-256-GCM ciphertext). JSON never starts
// with 'e', so a legacy plaintext row is told apart by its first byte.
const sealedPrefix = "enc1:"

// errNoSealer refuses patient data when d has no key ring.
var errNoSealer = errors.New("the database was opened without the key ring: patient data is never stored or read in plaintext (set RCMBOT_KEYS or RCMBOT_KEYS_FILE)")

// Purposes of sealed columns: the additional data binds a ciphertext to
// its table and row, so a value copied into another row (or another
// table) does not open.
const (
	sealClaim       = "claims.data"
	sealEligibility = "eligibility_results.result"
	sealDecision    = "signed_decisions.note"
	sealPatient     = "patients.data"
)

func sealAAD(purpose, row string) []byte {
	return []byte("rcmbot/store/" + purpose + "/v1\x00" + row)
}

// seal encrypts plain for the column purpose of the row whose key is row.
func (d *DB) seal(purpose, row string, plain []byte) (string, error) {
	if d.sealer == nil {
		return "", errNoSealer
	}
	ct, keyID := d.sealer.Seal(plain, sealAAD(purpose, row))
	var b strings.Builder
	b.Grow(len(sealedPrefix) + len(keyID) + 1 + base64.RawStdEncoding.EncodedLen(len(ct)))
	b.WriteString(sealedPrefix)
	b.WriteString(keyID)
	b.WriteByte(':')
	b.WriteString(base64.RawStdEncoding.EncodeToString(ct))
	return b.String(), nil
}

// open decrypts a value seal wrote for the same purpose and row. A value
// that is not sealed is a row written before rows were sealed (see
// SealLegacyRows) and is returned as it is. Errors name the purpose and
// key ID, never content.
func (d *DB) open(purpose, row, stored string) ([]byte, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return []byte(stored), nil
	}
	if d.sealer == nil {
		return nil, errNoSealer
	}
	keyID, text, ok := strings.Cut(rest, ":")
	ct, err := base64.RawStdEncoding.DecodeString(text)
	if !ok || err != nil {
		return nil, fmt.Errorf("%s: sealed value is malformed", purpose)
	}
	plain, err := d.sealer.Open(keyID, ct, sealAAD(purpose, row))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", purpose, err)
	}
	return plain, nil
}

// legacyChunk is how many rows SealLegacyRows rewrites per transaction.
const legacyChunk = 200

// SealLegacyRows encrypts the patient data of rows written before rows
// were sealed (claims, eligibility answers) and replaces the plaintext
// patient identifiers of their claims and lines with opaque patient keys
// (claim.PatientKey). It is idempotent and cheap when nothing is left;
// Migrate callers run it at start-up. It returns the rows it rewrote.
func (d *DB) SealLegacyRows(ctx context.Context) (int, error) {
	if d.sealer == nil {
		return 0, errNoSealer
	}
	total := 0
	for {
		n, err := d.sealLegacyClaims(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("seal legacy claims: %w", err)
		}
		if n == 0 {
			break
		}
	}
	for {
		n, err := d.sealLegacyResults(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("seal legacy eligibility results: %w", err)
		}
		if n == 0 {
			break
		}
	}
	return total, nil
}

func (d *DB) sealLegacyClaims(ctx context.Context) (int, error) {
	type row struct{ batchID, claimID, data string }
	rows, err := queryAll(ctx, d.r, func(r *row) []any { return []any{&r.batchID, &r.claimID, &r.data} },
		"SELECT batch_id, claim_id, data FROM claims WHERE data NOT LIKE 'enc1:%' ORDER BY batch_id, claim_id LIMIT ?", legacyChunk)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return len(rows), d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, r := range rows {
			var c claim.Claim
			if err := json.Unmarshal([]byte(r.data), &c); err != nil {
				return fmt.Errorf("claim %s of batch %s: %w", r.claimID, r.batchID, err)
			}
			sealed, err := d.seal(sealClaim, claimRow(r.batchID, r.claimID), []byte(r.data))
			if err != nil {
				return err
			}
			key := claim.PatientKey(d.sealer, &c)
			if err := execOne(ctx, tx, "UPDATE claims SET data = ?, patient_id = '', patient_key = ? WHERE batch_id = ? AND claim_id = ?",
				sealed, key, r.batchID, r.claimID); err != nil {
				return err
			}
			if _, err := exec(ctx, tx, "UPDATE claim_lines SET patient_key = ? WHERE batch_id = ? AND claim_id = ?",
				key, r.batchID, r.claimID); err != nil {
				return err
			}
			if err := insertBatchPatients(ctx, tx, r.batchID, []string{key}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *DB) sealLegacyResults(ctx context.Context) (int, error) {
	type row struct{ id, result string }
	rows, err := queryAll(ctx, d.r, func(r *row) []any { return []any{&r.id, &r.result} },
		"SELECT id, result FROM eligibility_results WHERE result <> '' AND result NOT LIKE 'enc1:%' ORDER BY id LIMIT ?", legacyChunk)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return len(rows), d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, r := range rows {
			sealed, err := d.seal(sealEligibility, r.id, []byte(r.result))
			if err != nil {
				return err
			}
			if err := execOne(ctx, tx, "UPDATE eligibility_results SET result = ? WHERE id = ?", sealed, r.id); err != nil {
				return err
			}
		}
		return nil
	})
}

// claimRow is the row key of a claim's sealed data.
func claimRow(batchID, claimID string) string { return batchID + "\x00" + claimID }
