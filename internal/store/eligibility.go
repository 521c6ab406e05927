package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// EligibilityResult is one stored eligibility answer. The member ID itself
// is only inside Result; MemberKey is a keyed hash of it that the caller
// computes, so lookups never need the raw ID in an indexed column.
type EligibilityResult struct {
	ID        string // "" = opaqueid.New("el-"); give a stable ID to make retries idempotent
	SweepID   string // "" for a one-off check
	PatientID string // the practice's opaque patient ID, may be ""
	PayerID   string
	MemberKey string
	DOS       claim.Date
	Status    eligibility.CheckStatus
	Result    json.RawMessage // the full result model (PHI)
	RawRef    string          // blob reference of the raw payer response
	CheckedAt time.Time       // zero = now
}

const eligibilityCols = "id, sweep_id, patient_id, payer_id, member_key, dos, status, result, raw_ref, checked_at"

func eligibilityDest(r *EligibilityResult) []any {
	return []any{&r.ID, &r.SweepID, &r.PatientID, &r.PayerID, &r.MemberKey, &r.DOS, &r.Status,
		rawJSONDest{&r.Result}, &r.RawRef, scanTime(&r.CheckedAt)}
}

// SaveEligibilityResult stores a result and returns it as stored. If a
// result with the same ID exists, it is returned unchanged.
func (d *DB) SaveEligibilityResult(ctx context.Context, r EligibilityResult) (EligibilityResult, error) {
	if !r.Status.Valid() || r.PayerID == "" || r.MemberKey == "" || r.DOS.IsZero() {
		return r, fmt.Errorf("save eligibility result: payer, member key, date and a known status (got %q) are required: %w", r.Status, ErrInvalid)
	}
	if r.ID == "" {
		r.ID = opaqueid.New("el-")
	}
	if r.CheckedAt.IsZero() {
		r.CheckedAt = now()
	}
	result := ""
	if len(r.Result) > 0 {
		var err error
		if result, err = d.seal(sealEligibility, r.ID, r.Result); err != nil {
			return r, fmt.Errorf("save eligibility result %s: %w", r.ID, err)
		}
	}
	_, err := exec(ctx, d.w, "INSERT INTO eligibility_results ("+eligibilityCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, r.ID, r.SweepID, r.PatientID, r.PayerID, r.MemberKey, r.DOS, r.Status,
		result, r.RawRef, ts(r.CheckedAt))
	if err != nil {
		return r, fmt.Errorf("save eligibility result %s: %w", r.ID, err)
	}
	return d.EligibilityResult(ctx, r.ID)
}

// EligibilityResult returns one stored result.
func (d *DB) EligibilityResult(ctx context.Context, id string) (EligibilityResult, error) {
	r, err := queryOne(ctx, d.r, eligibilityDest, "SELECT "+eligibilityCols+" FROM eligibility_results WHERE id = ?", id)
	if err == nil {
		r.Result, err = d.openResult(r.ID, r.Result)
	}
	if err != nil {
		return r, fmt.Errorf("get eligibility result %s: %w", id, err)
	}
	return r, nil
}

// openResult decrypts a result model as scanned from the result column.
func (d *DB) openResult(id string, stored json.RawMessage) (json.RawMessage, error) {
	if len(stored) == 0 {
		return nil, nil
	}
	return d.open(sealEligibility, id, string(stored))
}

// LatestCoverage returns the most recent definitive result (active,
// inactive or unknown member; not error or pending) for a member of a
// payer on a date of service, or ErrNotFound. The scorer's eligibility
// edits use it.
func (d *DB) LatestCoverage(ctx context.Context, payerID, memberKey string, dos claim.Date) (EligibilityResult, error) {
	r, err := queryOne(ctx, d.r, eligibilityDest, "SELECT "+eligibilityCols+` FROM eligibility_results
		WHERE payer_id = ? AND member_key = ? AND dos = ? AND status IN ('active', 'inactive', 'unknown_member')
		ORDER BY checked_at DESC, id DESC LIMIT 1`, payerID, memberKey, dos)
	if err == nil {
		r.Result, err = d.openResult(r.ID, r.Result)
	}
	if err != nil {
		// No date of service here: with a member it identifies a visit.
		return r, fmt.Errorf("latest coverage for payer %s: %w", payerID, err)
	}
	return r, nil
}

// EligibilityFilter selects stored results; at least one field is set.
type EligibilityFilter struct {
	SweepID string
	DOS     claim.Date
	Status  []eligibility.CheckStatus
}

// EligibilityResults lists results matching f, problems first (unknown
// member, inactive, error, pending, then active), then oldest check first.
func (d *DB) EligibilityResults(ctx context.Context, f EligibilityFilter, p Page) ([]EligibilityResult, error) {
	var conds []string
	var args []any
	if f.SweepID != "" {
		conds = append(conds, "sweep_id = ?")
		args = append(args, f.SweepID)
	}
	if !f.DOS.IsZero() {
		conds = append(conds, "dos = ?")
		args = append(args, f.DOS)
	}
	if len(f.Status) > 0 {
		conds = append(conds, "status IN ("+placeholders(len(f.Status))+")")
		for _, s := range f.Status {
			args = append(args, s)
		}
	}
	if len(conds) == 0 {
		return nil, fmt.Errorf("list eligibility results: give a sweep, a date or a status: %w", ErrInvalid)
	}
	out, err := queryAll(ctx, d.r, eligibilityDest, "SELECT "+eligibilityCols+" FROM eligibility_results WHERE "+
		strings.Join(conds, " AND ")+` ORDER BY CASE status WHEN 'unknown_member' THEN 0 WHEN 'inactive' THEN 1
		WHEN 'error' THEN 2 WHEN 'pending' THEN 3 ELSE 4 END, checked_at, id`+p.clause(), args...)
	for i := 0; err == nil && i < len(out); i++ {
		out[i].Result, err = d.openResult(out[i].ID, out[i].Result)
	}
	if err != nil {
		return nil, fmt.Errorf("list eligibility results: %w", err)
	}
	return out, nil
}

// rawJSONDest scans JSON text into a json.RawMessage ("" is nil).
type rawJSONDest struct{ m *json.RawMessage }

func (d rawJSONDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.m = nil
	case string:
		*d.m = nil
		if v != "" {
			*d.m = json.RawMessage(v)
		}
	case []byte:
		*d.m = nil
		if len(v) > 0 {
			*d.m = append(json.RawMessage(nil), v...)
		}
	default:
		return fmt.Errorf("scan json: unsupported type %T", src)
	}
	return nil
}

// Sweep is one run of the eligibility sweep for a date of service.
type Sweep struct {
	ID          string // "" = opaqueid.New("sw-")
	Date        claim.Date
	Status      eligibility.SweepStatus
	Counts      eligibility.SweepCounts
	WorkflowID  string
	WorklistRef string // blob reference of the front-desk worklist
	StartedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt time.Time
}

const sweepCols = `id, sweep_date, status, members, checked, active, inactive, unknown, failed, discrepancies,
	workflow_id, worklist_ref, started_at, updated_at, completed_at`

func sweepDest(s *Sweep) []any {
	c := &s.Counts
	return []any{&s.ID, &s.Date, &s.Status, &c.Members, &c.Checked, &c.Active, &c.Inactive, &c.Unknown, &c.Failed,
		&c.Discrepancies, &s.WorkflowID, &s.WorklistRef, scanTime(&s.StartedAt), scanTime(&s.UpdatedAt), scanTime(&s.CompletedAt)}
}

// CreateSweep records a sweep as running and returns it as stored. If a
// sweep with the same ID exists it is returned unchanged (a retry).
func (d *DB) CreateSweep(ctx context.Context, s Sweep) (Sweep, error) {
	if s.Date.IsZero() {
		return s, fmt.Errorf("create sweep: no date: %w", ErrInvalid)
	}
	if s.ID == "" {
		s.ID = opaqueid.New("sw-")
	}
	t := ts(now())
	_, err := exec(ctx, d.w, `INSERT INTO eligibility_sweeps (id, sweep_date, status, members, workflow_id, started_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, s.ID, s.Date, eligibility.SweepRunning, s.Counts.Members, s.WorkflowID, t, t)
	if err != nil {
		return s, fmt.Errorf("create sweep %s: %w", s.ID, err)
	}
	return d.Sweep(ctx, s.ID)
}

// UpdateSweep stores a sweep's status, counts and worklist reference;
// completed and failed set CompletedAt.
func (d *DB) UpdateSweep(ctx context.Context, id string, status eligibility.SweepStatus, c eligibility.SweepCounts, worklistRef string) error {
	if status != eligibility.SweepRunning && status != eligibility.SweepCompleted && status != eligibility.SweepFailed {
		return fmt.Errorf("update sweep %s: status %q: %w", id, status, ErrInvalid)
	}
	t := ts(now())
	var completed any
	if status != eligibility.SweepRunning {
		completed = t
	}
	err := execOne(ctx, d.w, `UPDATE eligibility_sweeps SET status = ?, members = ?, checked = ?, active = ?, inactive = ?,
		unknown = ?, failed = ?, discrepancies = ?, worklist_ref = ?, updated_at = ?, completed_at = COALESCE(?, completed_at)
		WHERE id = ?`, status, c.Members, c.Checked, c.Active, c.Inactive, c.Unknown, c.Failed, c.Discrepancies,
		worklistRef, t, completed, id)
	if err != nil {
		return fmt.Errorf("update sweep %s: %w", id, err)
	}
	return nil
}

// Sweep returns one sweep.
func (d *DB) Sweep(ctx context.Context, id string) (Sweep, error) {
	s, err := queryOne(ctx, d.r, sweepDest, "SELECT "+sweepCols+" FROM eligibility_sweeps WHERE id = ?", id)
	if err != nil {
		return s, fmt.Errorf("get sweep %s: %w", id, err)
	}
	return s, nil
}

// SweepsForDate lists the sweeps of a date of service, newest first.
func (d *DB) SweepsForDate(ctx context.Context, date claim.Date) ([]Sweep, error) {
	out, err := queryAll(ctx, d.r, sweepDest, "SELECT "+sweepCols+" FROM eligibility_sweeps WHERE sweep_date = ? ORDER BY started_at DESC, id DESC", date)
	if err != nil {
		return nil, fmt.Errorf("list sweeps for %s: %w", date, err)
	}
	return out, nil
}

// WorkItemStatus is whether staff have dealt with a work item.
type WorkItemStatus string

// The work item statuses.
const (
	WorkItemOpen     WorkItemStatus = "open"
	WorkItemResolved WorkItemStatus = "resolved"
)

// WorkItem is a problem a bot could not solve and a person must: an
// eligibility check the payer refused for good (AAA 72/75, a 4xx), a
// 277CA status the claims bot cannot read.
type WorkItem struct {
	ID         string // "" = opaqueid.New("wi-"); give a stable ID to make retries idempotent
	Kind       string // e.g. "eligibility"
	SweepID    string // the eligibility sweep, or the claims batch
	ResultID   string // the eligibility result (or claim) it is about
	PatientID  string // opaque practice patient ID
	PayerID    string
	ReasonCode string // e.g. AAA03 "72", or "http_400"
	Message    string // what staff should do; no PHI
	Status     WorkItemStatus
	CreatedAt  time.Time
	ResolvedAt time.Time
	ResolvedBy string
	Note       string
}

const workItemCols = `id, kind, sweep_id, result_id, patient_id, payer_id, reason_code, message, status,
	created_at, resolved_at, resolved_by, note`

func workItemDest(w *WorkItem) []any {
	return []any{&w.ID, &w.Kind, &w.SweepID, &w.ResultID, &w.PatientID, &w.PayerID, &w.ReasonCode, &w.Message,
		&w.Status, scanTime(&w.CreatedAt), scanTime(&w.ResolvedAt), &w.ResolvedBy, &w.Note}
}

// AddWorkItem records an open work item and returns it as stored; an
// existing ID returns the stored item unchanged.
func (d *DB) AddWorkItem(ctx context.Context, w WorkItem) (WorkItem, error) {
	if w.Kind == "" {
		return w, fmt.Errorf("add work item: no kind: %w", ErrInvalid)
	}
	if w.ID == "" {
		w.ID = opaqueid.New("wi-")
	}
	_, err := exec(ctx, d.w, `INSERT INTO work_items (id, kind, sweep_id, result_id, patient_id, payer_id, reason_code, message, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		w.ID, w.Kind, w.SweepID, w.ResultID, w.PatientID, w.PayerID, w.ReasonCode, w.Message, WorkItemOpen, ts(now()))
	if err != nil {
		return w, fmt.Errorf("add work item %s: %w", w.ID, err)
	}
	out, err := queryOne(ctx, d.r, workItemDest, "SELECT "+workItemCols+" FROM work_items WHERE id = ?", w.ID)
	if err != nil {
		return w, fmt.Errorf("add work item %s: %w", w.ID, err)
	}
	return out, nil
}

// WorkItems lists work items with the given status ("" = any) and sweep
// ("" = any), oldest first.
func (d *DB) WorkItems(ctx context.Context, status WorkItemStatus, sweepID string, p Page) ([]WorkItem, error) {
	q := "SELECT " + workItemCols + " FROM work_items WHERE 1 = 1"
	var args []any
	if status != "" {
		q += " AND status = ?"
		args = append(args, status)
	}
	if sweepID != "" {
		q += " AND sweep_id = ?"
		args = append(args, sweepID)
	}
	out, err := queryAll(ctx, d.r, workItemDest, q+" ORDER BY created_at, id"+p.clause(), args...)
	if err != nil {
		return nil, fmt.Errorf("list work items: %w", err)
	}
	return out, nil
}

// WorkItem returns the work item with an ID; none is ErrNotFound.
func (d *DB) WorkItem(ctx context.Context, id string) (WorkItem, error) {
	w, err := queryOne(ctx, d.r, workItemDest, "SELECT "+workItemCols+" FROM work_items WHERE id = ?", id)
	if err != nil {
		return w, fmt.Errorf("get work item %s: %w", id, err)
	}
	return w, nil
}

// ResolveWorkItem marks a work item resolved by a user, with a note.
func (d *DB) ResolveWorkItem(ctx context.Context, id, by, note string) error {
	err := execOne(ctx, d.w, "UPDATE work_items SET status = ?, resolved_at = ?, resolved_by = ?, note = ? WHERE id = ?",
		WorkItemResolved, ts(now()), by, note, id)
	if err != nil {
		return fmt.Errorf("resolve work item %s: %w", id, err)
	}
	return nil
}
