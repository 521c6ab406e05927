package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// FieldChange is one value a reviewer corrected.
type FieldChange struct {
	Field claim.Field `json:"field"`
	Line  int         `json:"line,omitempty"` // 1-based line for line fields, 0 for claim level
	From  string      `json:"from"`
	To    string      `json:"to"`
}

// ReviewAction is one entry of the append-only review log.
type ReviewAction struct {
	ID       string // "" = opaqueid.New("ra-"); give a stable ID (e.g. the Temporal update ID) to make retries idempotent
	BatchID  string
	ClaimID  string
	Action   batch.Action
	Reviewer string // username
	Reason   string
	Changes  []FieldChange // for correct
	// DecisionID names the signed decision the action came from
	// (RecordDecision); "" for actions recorded before decisions were
	// signed.
	DecisionID string
	At         time.Time // zero = now
}

// ApplyReview appends a review action to the log and moves the claim to
// the state the action leaves it in, recording reviewer, reason and time,
// in one transaction. An action whose ID was applied before does nothing.
// Override without a reason is ErrInvalid; an unknown claim ErrNotFound.
func (d *DB) ApplyReview(ctx context.Context, a ReviewAction) error {
	state, ok := a.Action.State()
	switch {
	case !ok:
		return fmt.Errorf("review claim %s: action %q (want approve, override, reject or correct): %w", a.ClaimID, a.Action, ErrInvalid)
	case a.Action == batch.Override && a.Reason == "":
		return fmt.Errorf("review claim %s: override needs a reason: %w", a.ClaimID, ErrInvalid)
	case a.Reviewer == "":
		return fmt.Errorf("review claim %s: no reviewer: %w", a.ClaimID, ErrInvalid)
	}
	if a.ID == "" {
		a.ID = opaqueid.New("ra-")
	}
	if a.At.IsZero() {
		a.At = now()
	}
	changes := ""
	if len(a.Changes) > 0 {
		b, err := json.Marshal(a.Changes)
		if err != nil {
			return fmt.Errorf("review claim %s: encode changes: %w", a.ClaimID, err)
		}
		changes = string(b)
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := exec(ctx, tx, `INSERT INTO review_actions (id, batch_id, claim_id, action, reviewer, reason, changed_fields, decision_id, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			a.ID, a.BatchID, a.ClaimID, a.Action, a.Reviewer, a.Reason, changes, a.DecisionID, ts(a.At))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // applied before
		}
		return execOne(ctx, tx, `UPDATE claims SET state = ?, reviewer = ?, review_reason = ?, reviewed_at = ?, updated_at = ?
			WHERE batch_id = ? AND claim_id = ?`, state, a.Reviewer, a.Reason, ts(a.At), ts(now()), a.BatchID, a.ClaimID)
	})
	if err != nil {
		return fmt.Errorf("review claim %s of batch %s: %w", a.ClaimID, a.BatchID, err)
	}
	return nil
}

// ReviewActions lists the review log of a batch (claimID "" = every
// claim), oldest first.
func (d *DB) ReviewActions(ctx context.Context, batchID, claimID string) ([]ReviewAction, error) {
	q := `SELECT id, batch_id, claim_id, action, reviewer, reason, changed_fields, decision_id, at FROM review_actions WHERE batch_id = ?`
	args := []any{batchID}
	if claimID != "" {
		q += " AND claim_id = ?"
		args = append(args, claimID)
	}
	out, err := queryAll(ctx, d.r, func(a *ReviewAction) []any {
		return []any{&a.ID, &a.BatchID, &a.ClaimID, &a.Action, &a.Reviewer, &a.Reason, jsonDest{&a.Changes}, &a.DecisionID, scanTime(&a.At)}
	}, q+" ORDER BY at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list review actions of batch %s: %w", batchID, err)
	}
	return out, nil
}

// jsonDest scans JSON text into v ("" leaves v zero).
type jsonDest struct{ v any }

func (d jsonDest) Scan(src any) error {
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("scan json: unsupported type %T", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, d.v)
}
