package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// BatchCounts are a batch's tallies, as the batch list and page show them.
type BatchCounts struct {
	Claims        int // claims read
	Lines         int // service lines read
	Clean         int // claims with tier clean
	Flagged       int // claims with tier review or hold
	Errors        int // findings of severity error
	Warnings      int // findings of severity warning
	Approved      int // claims a reviewer approved
	Rejected      int // claims a reviewer rejected
	Overridden    int // claims a reviewer overrode
	Submitted     int // claims in the submission ledger
	Accepted      int // claims the payer accepted (277CA)
	PayerRejected int // claims the clearinghouse or payer rejected (999/277CA)
	Unreviewed    int // flagged claims still pending review
	ChargesTotal  claim.Money
	ChargesHeld   claim.Money // charges of flagged claims that will not be submitted as things stand (pending or rejected)
	ChargesAtRisk claim.Money // charges of flagged claims, whatever their review state
}

// Batch is one uploaded claims file and its progress. It holds no PHI:
// the file name is the upload's original name, shown to staff.
type Batch struct {
	ID             string
	FileName       string
	UploadRef      string // blob reference of the stored upload; "" once purged
	Status         batch.Status
	FailureReason  string
	Counts         BatchCounts
	WorkflowID     string
	UploadedBy     string // username
	CreatedAt      time.Time
	UpdatedAt      time.Time
	CompletedAt    time.Time // zero until completed or failed
	UploadPurgedAt time.Time // zero until the retention sweeper removed the upload
	DeletedAt      time.Time // zero unless deleted
}

const batchCols = `id, file_name, upload_ref, status, failure_reason,
	claims, lines, clean, flagged, errors, warnings, approved, rejected, overridden,
	submitted, accepted, payer_rejected, unreviewed, charges_total, charges_held, charges_at_risk,
	workflow_id, uploaded_by, created_at, updated_at, completed_at, upload_purged_at, deleted_at`

func batchDest(b *Batch) []any {
	c := &b.Counts
	return []any{&b.ID, &b.FileName, &b.UploadRef, &b.Status, &b.FailureReason,
		&c.Claims, &c.Lines, &c.Clean, &c.Flagged, &c.Errors, &c.Warnings, &c.Approved, &c.Rejected, &c.Overridden,
		&c.Submitted, &c.Accepted, &c.PayerRejected, &c.Unreviewed, &c.ChargesTotal, &c.ChargesHeld, &c.ChargesAtRisk,
		&b.WorkflowID, &b.UploadedBy, scanTime(&b.CreatedAt), scanTime(&b.UpdatedAt), scanTime(&b.CompletedAt),
		scanTime(&b.UploadPurgedAt), scanTime(&b.DeletedAt)}
}

// NewBatch describes a batch to create.
type NewBatch struct {
	ID         string // "" = opaqueid.New("b-")
	FileName   string
	UploadRef  string
	WorkflowID string
	UploadedBy string
	Status     batch.Status // "" = parsing
	CreatedAt  time.Time    // zero = now; set when importing history
}

// CreateBatch records a new batch and returns it. A batch ID that exists
// already is ErrConflict.
func (d *DB) CreateBatch(ctx context.Context, nb NewBatch) (Batch, error) {
	if nb.ID == "" {
		nb.ID = opaqueid.New("b-")
	}
	if nb.Status == "" {
		nb.Status = batch.Parsing
	}
	if !nb.Status.Valid() {
		return Batch{}, fmt.Errorf("create batch %s: status %q: %w", nb.ID, nb.Status, ErrInvalid)
	}
	t := now()
	if !nb.CreatedAt.IsZero() {
		t = nb.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	_, err := exec(ctx, d.w, `INSERT INTO batches (id, file_name, upload_ref, status, workflow_id, uploaded_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nb.ID, nb.FileName, nb.UploadRef, nb.Status, nb.WorkflowID, nb.UploadedBy, ts(t), ts(t))
	if isUniqueViolation(err) {
		return Batch{}, fmt.Errorf("create batch %s: %w", nb.ID, ErrConflict)
	}
	if err != nil {
		return Batch{}, fmt.Errorf("create batch %s: %w", nb.ID, err)
	}
	return Batch{ID: nb.ID, FileName: nb.FileName, UploadRef: nb.UploadRef, Status: nb.Status,
		WorkflowID: nb.WorkflowID, UploadedBy: nb.UploadedBy, CreatedAt: t, UpdatedAt: t}, nil
}

// Batch returns the batch with the given ID, deleted or not (DeletedAt
// tells); a batch that never existed is ErrNotFound.
func (d *DB) Batch(ctx context.Context, id string) (Batch, error) {
	b, err := queryOne(ctx, d.r, batchDest, "SELECT "+batchCols+" FROM batches WHERE id = ?", id)
	if err != nil {
		return b, fmt.Errorf("get batch %s: %w", id, err)
	}
	return b, nil
}

// Batches lists batches that are not deleted, newest first.
func (d *DB) Batches(ctx context.Context, p Page) ([]Batch, error) {
	bs, err := queryAll(ctx, d.r, batchDest, "SELECT "+batchCols+
		" FROM batches WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC"+p.clause())
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	return bs, nil
}

// SetBatchStatus moves a batch to status; reason is kept for failed
// batches (a plain sentence for staff, no PHI). Completed and failed set
// CompletedAt.
func (d *DB) SetBatchStatus(ctx context.Context, id string, status batch.Status, reason string) error {
	if !status.Valid() {
		return fmt.Errorf("set batch %s status %q: %w", id, status, ErrInvalid)
	}
	t := now()
	var completed any
	if status.Finished() {
		completed = ts(t)
	}
	err := execOne(ctx, d.w, `UPDATE batches SET status = ?, failure_reason = ?, updated_at = ?,
		completed_at = COALESCE(?, completed_at) WHERE id = ?`, status, reason, ts(t), completed, id)
	if err != nil {
		return fmt.Errorf("set batch %s status %s: %w", id, status, err)
	}
	return nil
}

// SetBatchCounts stores counts as the batch's tallies.
func (d *DB) SetBatchCounts(ctx context.Context, id string, c BatchCounts) error {
	if err := setBatchCounts(ctx, d.w, id, c); err != nil {
		return fmt.Errorf("set batch %s counts: %w", id, err)
	}
	return nil
}

func setBatchCounts(ctx context.Context, e execer, id string, c BatchCounts) error {
	return execOne(ctx, e, `UPDATE batches SET claims = ?, lines = ?, clean = ?, flagged = ?, errors = ?, warnings = ?,
		approved = ?, rejected = ?, overridden = ?, submitted = ?, accepted = ?, payer_rejected = ?, unreviewed = ?,
		charges_total = ?, charges_held = ?, charges_at_risk = ?, updated_at = ? WHERE id = ?`,
		c.Claims, c.Lines, c.Clean, c.Flagged, c.Errors, c.Warnings, c.Approved, c.Rejected, c.Overridden,
		c.Submitted, c.Accepted, c.PayerRejected, c.Unreviewed, c.ChargesTotal, c.ChargesHeld, c.ChargesAtRisk,
		ts(now()), id)
}

// RecountBatch computes a batch's counts from its claims, findings and
// submission ledger, stores them and returns them.
func (d *DB) RecountBatch(ctx context.Context, id string) (BatchCounts, error) {
	var c BatchCounts
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		row := tx.QueryRowContext(ctx, tx.Rebind(`SELECT
			COUNT(*),
			COALESCE(SUM(line_count), 0),
			COALESCE(SUM(CASE WHEN tier = 'clean' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN tier <> 'clean' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(errors), 0),
			COALESCE(SUM(warnings), 0),
			COALESCE(SUM(CASE WHEN state = 'approved' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'overridden' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN tier <> 'clean' AND state = 'pending' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(total_charge), 0),
			COALESCE(SUM(CASE WHEN tier <> 'clean' AND state IN ('pending', 'rejected') THEN total_charge ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN tier <> 'clean' THEN total_charge ELSE 0 END), 0)
			FROM claims WHERE batch_id = ?`), id)
		if err := row.Scan(&c.Claims, &c.Lines, &c.Clean, &c.Flagged, &c.Errors, &c.Warnings, &c.Approved,
			&c.Rejected, &c.Overridden, &c.Unreviewed, &c.ChargesTotal, &c.ChargesHeld, &c.ChargesAtRisk); err != nil {
			return err
		}
		row = tx.QueryRowContext(ctx, tx.Rebind(`SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), 0)
			FROM submitted_claims WHERE batch_id = ?`), id)
		if err := row.Scan(&c.Submitted, &c.Accepted, &c.PayerRejected); err != nil {
			return err
		}
		return setBatchCounts(ctx, tx, id, c)
	})
	if err != nil {
		return c, fmt.Errorf("recount batch %s: %w", id, err)
	}
	return c, nil
}

// DeleteBatch removes everything stored for a batch: claims, lines,
// findings, row errors, review actions and submission records. The batch
// row stays as a tombstone (file name, counts, DeletedAt) so the ID is not
// reused and lists can say it was deleted; its upload reference is
// cleared. The caller deletes the upload blob first. Deleting a deleted
// batch is a no-op; an unknown ID is ErrNotFound.
func (d *DB) DeleteBatch(ctx context.Context, id string) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		t := ts(now())
		if err := execOne(ctx, tx, `UPDATE batches SET upload_ref = '', updated_at = ?,
			deleted_at = COALESCE(deleted_at, ?) WHERE id = ?`, t, t, id); err != nil {
			return err
		}
		// Children first: SQLite checks composite foreign keys per statement.
		for _, table := range []string{"submitted_claims", "interchanges", "findings", "claim_lines", "claims",
			"row_errors", "review_actions", "signed_decisions", "batch_chunks"} {
			if _, err := exec(ctx, tx, "DELETE FROM "+table+" WHERE batch_id = ?", id); err != nil {
				return fmt.Errorf("delete %s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete batch %s: %w", id, err)
	}
	return nil
}

// ExpiredUploads lists batches whose upload blob is still stored and was
// uploaded before cutoff, oldest first, at most limit (0 = DefaultPageSize,
// at most MaxPageSize): the
// retention sweeper deletes each blob and then calls UploadPurged.
func (d *DB) ExpiredUploads(ctx context.Context, cutoff time.Time, limit int) ([]Batch, error) {
	bs, err := queryAll(ctx, d.r, batchDest, "SELECT "+batchCols+
		" FROM batches WHERE upload_ref <> '' AND created_at < ? ORDER BY created_at, id"+Page{Limit: limit}.clause(),
		ts(cutoff))
	if err != nil {
		return nil, fmt.Errorf("list expired uploads: %w", err)
	}
	return bs, nil
}

// UploadPurged records that a batch's upload blob was deleted.
func (d *DB) UploadPurged(ctx context.Context, id string) error {
	t := ts(now())
	if err := execOne(ctx, d.w, "UPDATE batches SET upload_ref = '', upload_purged_at = ?, updated_at = ? WHERE id = ?", t, t, id); err != nil {
		return fmt.Errorf("mark upload of batch %s purged: %w", id, err)
	}
	return nil
}
