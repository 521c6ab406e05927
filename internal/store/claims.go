package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
)

// validTier reports whether t is one of the scorer's tiers.
func validTier(t scrub.Tier) bool {
	return t == scrub.TierClean || t == scrub.TierReview || t == scrub.TierHold
}

// Finding is one problem the scorer found on a claim, pointing at the
// spreadsheet cell it is about.
type Finding struct {
	BatchID  string // set when read back
	ClaimID  string // set when read back
	Line     int    // 1-based line number, 0 for claim level
	Category string // npi, icd10, duplicate, ...
	RuleID   string
	Severity scrub.Severity
	Field    claim.Field
	Message  string
	Fix      string
	CARC     string // the claim adjustment reason code the finding prevents
	Points   int    // what the finding added to the claim's score
	Row      int    // spreadsheet row, 0 when unknown
	Column   string // spreadsheet column letter(s), "" when unknown
}

// ClaimRecord is a claim as stored: the full claim, its scrub result and
// review state.
type ClaimRecord struct {
	BatchID string
	Claim   claim.Claim
	// PatientKey identifies the patient for duplicate checks across
	// batches and in access records: an opaque key, never a plaintext
	// identifier; "" stores claim.PatientKey of the claim.
	PatientKey string
	Score      int
	Tier       scrub.Tier
	State      batch.ReviewState
	Errors     int // findings of severity error (computed on save)
	Warnings   int // findings of severity warning (computed on save)
	// Findings are saved with the claim; reads fill them only for Claim
	// and for ClaimFilter.WithFindings.
	Findings   []Finding
	Reviewer   string // username of the last review action
	Reason     string // its reason
	ReviewedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The kinds of chunk batch_chunks records.
const (
	chunkClaims    = "claims"
	chunkRowErrors = "row_errors"
)

// markChunk records that chunk (kind, index) of a batch is being saved,
// reporting false when it was saved before.
func markChunk(ctx context.Context, tx *sqlx.Tx, batchID, kind string, index int) (bool, error) {
	res, err := exec(ctx, tx, `INSERT INTO batch_chunks (batch_id, kind, chunk_index, saved_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (batch_id, kind, chunk_index) DO NOTHING`, batchID, kind, index, ts(now()))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SaveClaims stores chunk number chunkIndex of a batch's claims with their
// lines and findings, in one transaction. Saving a chunk that was saved
// before does nothing, so a retried activity can call it again. Claim IDs
// must be unique within the batch: a repeat is ErrConflict naming it.
// Listing order is chunk order, then order within the chunk.
func (d *DB) SaveClaims(ctx context.Context, batchID string, chunkIndex int, recs []ClaimRecord) error {
	seen := make(map[string]bool, len(recs))
	for i := range recs {
		id := recs[i].Claim.ID
		if id == "" {
			return fmt.Errorf("save claims of batch %s chunk %d: claim %d has no claim ID: %w", batchID, chunkIndex, i+1, ErrInvalid)
		}
		if seen[id] {
			return fmt.Errorf("save claims of batch %s chunk %d: claim ID %s appears twice: %w", batchID, chunkIndex, id, ErrConflict)
		}
		seen[id] = true
		if err := recs[i].check(); err != nil {
			return fmt.Errorf("save claims of batch %s chunk %d: claim %s: %w", batchID, chunkIndex, id, err)
		}
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		fresh, err := markChunk(ctx, tx, batchID, chunkClaims, chunkIndex)
		if err != nil || !fresh {
			return err
		}
		t := ts(now())
		claims := make([][]any, 0, len(recs))
		var lines, findings [][]any
		for i := range recs {
			row, err := d.claimRow(&recs[i], batchID, chunkIndex, i, t)
			if err != nil {
				return err
			}
			claims = append(claims, row)
			lines = recs[i].appendLineRows(lines, batchID)
			findings = recs[i].appendFindingRows(findings, batchID)
		}
		if err := insertRows(ctx, tx, "claims", claimInsertCols, claims, ""); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("%w (%s)", ErrConflict, d.savedClaimIDs(ctx, batchID, recs))
			}
			return err
		}
		if err := insertRows(ctx, tx, "claim_lines", lineInsertCols, lines, ""); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, "findings", findingInsertCols, findings, ""); err != nil {
			return err
		}
		keys := make([]string, len(recs))
		for i := range recs {
			keys[i] = recs[i].PatientKey
		}
		return insertBatchPatients(ctx, tx, batchID, keys)
	})
	if err != nil {
		return fmt.Errorf("save claims of batch %s chunk %d: %w", batchID, chunkIndex, err)
	}
	return nil
}

// savedClaimIDs names the claims of recs already stored in a batch, for
// the error when a chunk repeats them.
func (d *DB) savedClaimIDs(ctx context.Context, batchID string, recs []ClaimRecord) string {
	// The failed statement aborted a PostgreSQL transaction; ask outside it.
	var dup []string
	for i := range recs {
		var n int
		if err := d.r.QueryRowContext(ctx, d.r.Rebind("SELECT COUNT(*) FROM claims WHERE batch_id = ? AND claim_id = ?"),
			batchID, recs[i].Claim.ID).Scan(&n); err == nil && n > 0 {
			dup = append(dup, recs[i].Claim.ID)
		}
		if len(dup) == 5 {
			break
		}
	}
	if len(dup) == 0 {
		return "a claim ID repeats one saved in an earlier chunk"
	}
	return "claim IDs already saved in an earlier chunk: " + strings.Join(dup, ", ")
}

func (r *ClaimRecord) check() error {
	if !validTier(r.Tier) {
		return fmt.Errorf("tier %q: %w", r.Tier, ErrInvalid)
	}
	if !r.State.Valid() {
		return fmt.Errorf("review state %q: %w", r.State, ErrInvalid)
	}
	for _, f := range r.Findings {
		if f.Severity != scrub.SevError && f.Severity != scrub.SevWarning {
			return fmt.Errorf("finding %s severity %q: %w", f.RuleID, f.Severity, ErrInvalid)
		}
	}
	return nil
}

func (r *ClaimRecord) countFindings() (errs, warns int) {
	for _, f := range r.Findings {
		if f.Severity == scrub.SevError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

var claimInsertCols = []string{"batch_id", "claim_id", "chunk_index", "chunk_pos", "patient_id", "patient_key",
	"payer_id", "billing_npi", "first_dos", "total_charge", "line_count", "score", "tier", "state", "errors", "warnings",
	"data", "created_at", "updated_at"}

// claimRow is a claim's row in claims, its data sealed. patient_id is
// left empty: the patient is indexed by its opaque key only.
func (d *DB) claimRow(r *ClaimRecord, batchID string, chunk, pos int, t any) ([]any, error) {
	data, err := d.sealClaimData(batchID, &r.Claim)
	if err != nil {
		return nil, err
	}
	d.keyPatient(r)
	c := &r.Claim
	errs, warns := r.countFindings()
	return []any{batchID, c.ID, chunk, pos, "", r.PatientKey, c.PayerID, c.Billing.NPI,
		c.FirstServiceDate(), c.LineTotal(), len(c.Lines), r.Score, r.Tier, r.State, errs, warns,
		data, t, t}, nil
}

// sealClaimData is a claim as the data column holds it: JSON, sealed.
func (d *DB) sealClaimData(batchID string, c *claim.Claim) (string, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("claim %s: encode: %w", c.ID, err)
	}
	sealed, err := d.seal(sealClaim, claimRow(batchID, c.ID), data)
	if err != nil {
		return "", fmt.Errorf("claim %s: %w", c.ID, err)
	}
	return sealed, nil
}

// keyPatient fills r.PatientKey when the caller left it empty (d has a
// sealer: sealClaimData succeeded).
func (d *DB) keyPatient(r *ClaimRecord) {
	if r.PatientKey == "" {
		r.PatientKey = claim.PatientKey(d.sealer, &r.Claim)
	}
}

var lineInsertCols = []string{"batch_id", "claim_id", "line_no", "patient_key", "payer_id", "dos_from", "dos_to",
	"procedure_code", "modifiers", "units", "charge", "rendering_npi", "billing_npi"}

func (r *ClaimRecord) appendLineRows(rows [][]any, batchID string) [][]any {
	c := &r.Claim
	for i, l := range c.Lines {
		n := l.Number
		if n == 0 {
			n = i + 1
		}
		rows = append(rows, []any{batchID, c.ID, n, r.PatientKey, c.PayerID, l.From, l.To,
			l.Procedure, strings.Join(l.Modifiers, ","), l.Units, l.Charge, c.RenderingNPI, c.Billing.NPI})
	}
	return rows
}

var findingInsertCols = []string{"batch_id", "claim_id", "seq", "line_no", "category", "rule_id", "severity",
	"field", "message", "fix", "carc", "points", "sheet_row", "sheet_column"}

func (r *ClaimRecord) appendFindingRows(rows [][]any, batchID string) [][]any {
	for i, f := range r.Findings {
		rows = append(rows, []any{batchID, r.Claim.ID, i, f.Line, f.Category, f.RuleID, f.Severity,
			f.Field, f.Message, f.Fix, f.CARC, f.Points, f.Row, f.Column})
	}
	return rows
}

// UpdateClaim replaces a stored claim after a correction: its data, lines,
// findings, score, tier and review state (the reviewer fields stay; see
// ApplyReview). The claim must exist (ErrNotFound).
func (d *DB) UpdateClaim(ctx context.Context, rec ClaimRecord) error {
	id := rec.Claim.ID
	if err := rec.check(); err != nil {
		return fmt.Errorf("update claim %s of batch %s: %w", id, rec.BatchID, err)
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		data, err := d.sealClaimData(rec.BatchID, &rec.Claim)
		if err != nil {
			return err
		}
		d.keyPatient(&rec)
		c := &rec.Claim
		errs, warns := rec.countFindings()
		if err := execOne(ctx, tx, `UPDATE claims SET patient_id = ?, patient_key = ?, payer_id = ?, billing_npi = ?,
			first_dos = ?, total_charge = ?, line_count = ?, score = ?, tier = ?, state = ?, errors = ?, warnings = ?,
			data = ?, updated_at = ? WHERE batch_id = ? AND claim_id = ?`,
			"", rec.PatientKey, c.PayerID, c.Billing.NPI, c.FirstServiceDate(), c.LineTotal(), len(c.Lines),
			rec.Score, rec.Tier, rec.State, errs, warns, data, ts(now()), rec.BatchID, id); err != nil {
			return err
		}
		for _, table := range []string{"claim_lines", "findings"} {
			if _, err := exec(ctx, tx, "DELETE FROM "+table+" WHERE batch_id = ? AND claim_id = ?", rec.BatchID, id); err != nil {
				return err
			}
		}
		if err := insertRows(ctx, tx, "claim_lines", lineInsertCols, rec.appendLineRows(nil, rec.BatchID), ""); err != nil {
			return err
		}
		if err := insertBatchPatients(ctx, tx, rec.BatchID, []string{rec.PatientKey}); err != nil {
			return err
		}
		return insertRows(ctx, tx, "findings", findingInsertCols, rec.appendFindingRows(nil, rec.BatchID), "")
	})
	if err != nil {
		return fmt.Errorf("update claim %s of batch %s: %w", id, rec.BatchID, err)
	}
	return nil
}

// ClaimFilter selects claims. Zero fields do not filter.
type ClaimFilter struct {
	BatchID      string              // one batch; "" = every batch not deleted
	ClaimIDs     []string            // only these claims (a page's worth, not thousands)
	Tiers        []scrub.Tier        // only these tiers
	States       []batch.ReviewState // only these review states
	Flagged      bool                // only claims whose tier is not clean
	WithFindings bool                // load each claim's findings
}

const claimCols = `c.batch_id, c.claim_id, c.patient_key, c.score, c.tier, c.state, c.errors, c.warnings,
	c.reviewer, c.review_reason, c.reviewed_at, c.created_at, c.updated_at, c.data`

// where returns f's WHERE clause over claims c, and its arguments.
func (f ClaimFilter) where() (string, []any) {
	var c conditions
	if f.BatchID != "" {
		c.add("c.batch_id = ?", f.BatchID)
	}
	if len(f.ClaimIDs) > 0 {
		c.add("c.claim_id IN ("+placeholders(len(f.ClaimIDs))+")", anys(f.ClaimIDs)...)
	}
	if len(f.Tiers) > 0 {
		c.add("c.tier IN ("+placeholders(len(f.Tiers))+")", anys(f.Tiers)...)
	}
	if len(f.States) > 0 {
		c.add("c.state IN ("+placeholders(len(f.States))+")", anys(f.States)...)
	}
	if f.Flagged {
		c.add("c.tier <> 'clean'")
	}
	return c.where(), c.args
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// anys returns xs as query arguments.
func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// conditions collects a listing's WHERE conditions and their arguments.
type conditions struct {
	conds []string
	args  []any
}

// add adds one condition with its arguments.
func (c *conditions) add(cond string, args ...any) {
	c.conds, c.args = append(c.conds, cond), append(c.args, args...)
}

// where returns the WHERE clause (" WHERE a AND b"), "" when there are no
// conditions.
func (c *conditions) where() string {
	if len(c.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.conds, " AND ")
}

// claimsFrom joins each claim c to its batch b, whose upload time orders
// claims across batches; claimOrder is that order, then file order.
const (
	claimsFrom = " FROM claims c JOIN batches b ON b.id = c.batch_id"
	claimOrder = " ORDER BY b.created_at, c.batch_id, c.chunk_index, c.chunk_pos"
)

// EachClaim calls fn for every claim matching f, in file order (batches
// oldest first), streaming: it holds one claim in memory at a time. The
// read sees the claims as they were when it started.
func (d *DB) EachClaim(ctx context.Context, f ClaimFilter, fn func(ClaimRecord) error) error {
	if err := d.eachClaim(ctx, f, All, fn); err != nil {
		return fmt.Errorf("read claims: %w", err)
	}
	return nil
}

// Claims lists the claims matching f in file order (see EachClaim).
func (d *DB) Claims(ctx context.Context, f ClaimFilter, p Page) ([]ClaimRecord, error) {
	var out []ClaimRecord
	err := d.eachClaim(ctx, f, p, func(r ClaimRecord) error { out = append(out, r); return nil })
	if err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	return out, nil
}

// Claim returns one claim with its findings.
func (d *DB) Claim(ctx context.Context, batchID, claimID string) (ClaimRecord, error) {
	var rec ClaimRecord
	found := false
	err := d.eachClaim(ctx, ClaimFilter{BatchID: batchID, ClaimIDs: []string{claimID}, WithFindings: true}, All,
		func(r ClaimRecord) error { rec, found = r, true; return nil })
	if err == nil && !found {
		err = ErrNotFound
	}
	if err != nil {
		return rec, fmt.Errorf("get claim %s of batch %s: %w", claimID, batchID, err)
	}
	return rec, nil
}

func (d *DB) eachClaim(ctx context.Context, f ClaimFilter, p Page, fn func(ClaimRecord) error) error {
	where, args := f.where()
	return d.scanClaims(ctx, where, args, f.WithFindings, p, fn)
}

func (d *DB) scanClaims(ctx context.Context, where string, args []any, withFindings bool, p Page, fn func(ClaimRecord) error) error {
	var q string
	if withFindings {
		// Page the claims, then join their findings; rows of one claim are adjacent.
		q = "SELECT " + claimCols + `, COALESCE(f.seq, -1), COALESCE(f.line_no, 0), COALESCE(f.category, ''),
			COALESCE(f.rule_id, ''), COALESCE(f.severity, ''), COALESCE(f.field, ''), COALESCE(f.message, ''),
			COALESCE(f.fix, ''), COALESCE(f.carc, ''), COALESCE(f.points, 0), COALESCE(f.sheet_row, 0),
			COALESCE(f.sheet_column, '')
			FROM (SELECT c.*, b.created_at AS batch_created_at` + claimsFrom + where + claimOrder + p.clause() + `) c
			LEFT JOIN findings f ON f.batch_id = c.batch_id AND f.claim_id = c.claim_id
			ORDER BY c.batch_created_at, c.batch_id, c.chunk_index, c.chunk_pos, f.seq`
	} else {
		q = "SELECT " + claimCols + claimsFrom + where + claimOrder + p.clause()
	}
	rows, err := d.r.QueryContext(ctx, d.r.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur ClaimRecord
	var claimID, data, curKey string
	have := false
	for rows.Next() {
		var r ClaimRecord
		var seq int
		var fd Finding
		dest := []any{&r.BatchID, &claimID, &r.PatientKey, &r.Score, &r.Tier, &r.State, &r.Errors, &r.Warnings,
			&r.Reviewer, &r.Reason, scanTime(&r.ReviewedAt), scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt), &data}
		if withFindings {
			dest = append(dest, &seq, &fd.Line, &fd.Category, &fd.RuleID, &fd.Severity, &fd.Field, &fd.Message,
				&fd.Fix, &fd.CARC, &fd.Points, &fd.Row, &fd.Column)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		key := claimRow(r.BatchID, claimID)
		if have && key != curKey {
			if err := fn(cur); err != nil {
				return err
			}
			have = false
		}
		if !have {
			plain, err := d.open(sealClaim, key, data)
			if err != nil {
				return fmt.Errorf("claim %s of batch %s: %w", claimID, r.BatchID, err)
			}
			if err := json.Unmarshal(plain, &r.Claim); err != nil {
				return fmt.Errorf("decode claim %s of batch %s: %w", claimID, r.BatchID, err)
			}
			cur, curKey, have = r, key, true
		}
		if withFindings && seq >= 0 {
			fd.BatchID, fd.ClaimID = cur.BatchID, cur.Claim.ID
			cur.Findings = append(cur.Findings, fd)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if have {
		return fn(cur)
	}
	return nil
}

// HistoryRow is a stored service line of another batch, for duplicate
// checks against history.
type HistoryRow struct {
	BatchID      string
	ClaimID      string
	Line         int
	PatientKey   string
	PayerID      string
	From, To     claim.Date
	Procedure    string
	Modifiers    []string
	Units        float64
	Charge       claim.Money
	RenderingNPI string
	BillingNPI   string
	State        batch.ReviewState // the claim's review state (rejected claims were never sent)
	Submission   string            // the claim's ledger status (queued, sent, accepted, rejected), "" if never submitted
}

// historyKeysPerQuery bounds the patient keys in one IN list.
const historyKeysPerQuery = 500

// HistoryForPatients returns the stored lines of the given patients with
// a service start date in [from, to], from every batch except
// excludeBatchID, ordered by patient, date, batch, claim and line.
func (d *DB) HistoryForPatients(ctx context.Context, excludeBatchID string, patientKeys []string, from, to claim.Date) ([]HistoryRow, error) {
	var out []HistoryRow
	patientKeys = distinct(patientKeys)
	for start := 0; start < len(patientKeys); start += historyKeysPerQuery {
		keys := patientKeys[start:min(start+historyKeysPerQuery, len(patientKeys))]
		args := []any{excludeBatchID, from, to}
		for _, k := range keys {
			args = append(args, k)
		}
		rows, err := queryAll(ctx, d.r, func(h *HistoryRow) []any {
			return []any{&h.BatchID, &h.ClaimID, &h.Line, &h.PatientKey, &h.PayerID, &h.From, &h.To, &h.Procedure,
				listDest{&h.Modifiers}, &h.Units, &h.Charge, &h.RenderingNPI, &h.BillingNPI, &h.State, &h.Submission}
		}, `SELECT l.batch_id, l.claim_id, l.line_no, l.patient_key, l.payer_id, l.dos_from, l.dos_to, l.procedure_code,
			l.modifiers, l.units, l.charge, l.rendering_npi, l.billing_npi, c.state, COALESCE(s.status, '')
			FROM claim_lines l
			JOIN claims c ON c.batch_id = l.batch_id AND c.claim_id = l.claim_id
			LEFT JOIN submitted_claims s ON s.batch_id = l.batch_id AND s.claim_id = l.claim_id
			WHERE l.batch_id <> ? AND l.dos_from >= ? AND l.dos_from <= ?
			AND l.patient_key IN (`+placeholders(len(keys))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("history for %d patients: %w", len(patientKeys), err)
		}
		out = append(out, rows...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.PatientKey != b.PatientKey {
			return a.PatientKey < b.PatientKey
		}
		if a.From != b.From {
			return a.From < b.From
		}
		if a.BatchID != b.BatchID {
			return a.BatchID < b.BatchID
		}
		if a.ClaimID != b.ClaimID {
			return a.ClaimID < b.ClaimID
		}
		return a.Line < b.Line
	})
	return out, nil
}

// listDest scans comma-separated text into a slice ("" is nil).
type listDest struct{ l *[]string }

func (d listDest) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("scan list: unsupported type %T", src)
	}
	*d.l = nil
	if s != "" {
		*d.l = strings.Split(s, ",")
	}
	return nil
}

// distinct returns keys without repeats, in first-seen order.
func distinct(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
