package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/scrub"
)

// FindingFilter selects findings of a batch. Zero fields do not filter.
type FindingFilter struct {
	Category string
	Severity scrub.Severity
	ClaimID  string
}

const findingCols = `batch_id, claim_id, line_no, category, rule_id, severity, field, message, fix, carc,
	points, sheet_row, sheet_column`

func findingDest(f *Finding) []any {
	return []any{&f.BatchID, &f.ClaimID, &f.Line, &f.Category, &f.RuleID, &f.Severity, &f.Field, &f.Message,
		&f.Fix, &f.CARC, &f.Points, &f.Row, &f.Column}
}

// Findings lists a batch's findings matching f in file order (claim by
// claim, in the order the scorer reported them).
func (d *DB) Findings(ctx context.Context, batchID string, f FindingFilter, p Page) ([]Finding, error) {
	conds := []string{"f.batch_id = ?"}
	args := []any{batchID}
	if f.Category != "" {
		conds = append(conds, "f.category = ?")
		args = append(args, f.Category)
	}
	if f.Severity != "" {
		conds = append(conds, "f.severity = ?")
		args = append(args, f.Severity)
	}
	if f.ClaimID != "" {
		conds = append(conds, "f.claim_id = ?")
		args = append(args, f.ClaimID)
	}
	out, err := queryAll(ctx, d.r, findingDest, "SELECT f."+strings.ReplaceAll(findingCols, ", ", ", f.")+
		` FROM findings f JOIN claims c ON c.batch_id = f.batch_id AND c.claim_id = f.claim_id
		WHERE `+strings.Join(conds, " AND ")+" ORDER BY c.chunk_index, c.chunk_pos, f.seq"+p.clause(), args...)
	if err != nil {
		return nil, fmt.Errorf("list findings of batch %s: %w", batchID, err)
	}
	return out, nil
}

// FindingCount is how many findings of one category and severity a batch has.
type FindingCount struct {
	Category string
	Severity scrub.Severity
	Count    int
}

// FindingCounts counts a batch's findings by category and severity,
// ordered by category then severity.
func (d *DB) FindingCounts(ctx context.Context, batchID string) ([]FindingCount, error) {
	out, err := queryAll(ctx, d.r, func(c *FindingCount) []any { return []any{&c.Category, &c.Severity, &c.Count} },
		`SELECT category, severity, COUNT(*) FROM findings WHERE batch_id = ?
		GROUP BY category, severity ORDER BY category, severity`, batchID)
	if err != nil {
		return nil, fmt.Errorf("count findings of batch %s: %w", batchID, err)
	}
	return out, nil
}

// RowError is a spreadsheet value intake could not read. The claim it
// belongs to (if known) is held; the rest of the file goes on.
type RowError struct {
	Sheet   string
	Row     int    // 1-based spreadsheet row
	Column  string // column letter(s)
	Header  string // the column's header text
	Value   string // the value as read
	Message string // what is wrong and what is expected
	ClaimID string // "" when the row's claim is unknown
}

var rowErrorCols = []string{"batch_id", "chunk_index", "seq", "sheet", "sheet_row", "sheet_column", "header",
	"cell_value", "message", "claim_id"}

// SaveRowErrors stores the intake row errors found in chunk chunkIndex of
// a batch. Like SaveClaims, saving a chunk again does nothing.
func (d *DB) SaveRowErrors(ctx context.Context, batchID string, chunkIndex int, errs []RowError) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		fresh, err := markChunk(ctx, tx, batchID, chunkRowErrors, chunkIndex)
		if err != nil || !fresh {
			return err
		}
		rows := make([][]any, len(errs))
		for i, e := range errs {
			rows[i] = []any{batchID, chunkIndex, i, e.Sheet, e.Row, e.Column, e.Header, e.Value, e.Message, e.ClaimID}
		}
		return insertRows(ctx, tx, "row_errors", rowErrorCols, rows, "")
	})
	if err != nil {
		return fmt.Errorf("save row errors of batch %s chunk %d: %w", batchID, chunkIndex, err)
	}
	return nil
}

// RowErrors lists a batch's intake row errors in file order.
func (d *DB) RowErrors(ctx context.Context, batchID string, p Page) ([]RowError, error) {
	out, err := queryAll(ctx, d.r, func(e *RowError) []any {
		return []any{&e.Sheet, &e.Row, &e.Column, &e.Header, &e.Value, &e.Message, &e.ClaimID}
	}, `SELECT sheet, sheet_row, sheet_column, header, cell_value, message, claim_id FROM row_errors
		WHERE batch_id = ? ORDER BY chunk_index, seq`+p.clause(), batchID)
	if err != nil {
		return nil, fmt.Errorf("list row errors of batch %s: %w", batchID, err)
	}
	return out, nil
}
