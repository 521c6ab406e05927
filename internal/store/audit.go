package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// The access-monitoring bot's rows (migration 0017): imported access logs
// with their rosters, rcmbot's own sign-ins, alerts and their cases,
// per-rule thresholds with their history, and the watch's cursors.

// sealAuditDirectory is the purpose of an import's sealed rosters.
const sealAuditDirectory = "audit_imports.directory"

// sealCaseNote is the purpose of a case decision's sealed note.
const sealCaseNote = "audit_case_decisions.note"

// AuditImport is one import of an EHR access log: its counts and the rows
// it could not read (file, row, column and why; no values).
type AuditImport struct {
	ID         string
	Label      string // what staff called it ("EHR export, March"): never a file name
	At         time.Time
	ImportedBy string
	Events     int64
	First      time.Time // the first and last access imported
	Last       time.Time
	Staff      int
	Patients   int
	Encounters int
	BadRows    int
	RowErrors  []audit.RowError
}

// AuditDirectory is an import's rosters and encounters: what its accesses
// are explained and judged against.
type AuditDirectory struct {
	Staff      []audit.Staff     `json:"staff"`
	Patients   []audit.Patient   `json:"patients"`
	Encounters []audit.Encounter `json:"encounters"`
}

// maxStoredRowErrors bounds the bad rows an import keeps (the count is kept in full).
const maxStoredRowErrors = 1000

const auditImportCols = "id, label, imported_at, imported_by, events, first_at, last_at, staff, patients, encounters, bad_rows, row_errors"

type auditImportRow struct {
	AuditImport
	errs string
}

func auditImportDest(r *auditImportRow) []any {
	return []any{&r.ID, &r.Label, scanTime(&r.At), &r.ImportedBy, &r.Events, scanTime(&r.First), scanTime(&r.Last),
		&r.Staff, &r.Patients, &r.Encounters, &r.BadRows, &r.errs}
}

func (r auditImportRow) imp() (AuditImport, error) {
	out := r.AuditImport
	if err := json.Unmarshal([]byte(r.errs), &out.RowErrors); err != nil {
		return out, fmt.Errorf("import %s: row errors: %w", r.ID, err)
	}
	return out, nil
}

// BeginAuditImport stores an import's rosters and encounters (sealed)
// before its events are appended; imp.ID is assigned when empty.
func (d *DB) BeginAuditImport(ctx context.Context, imp AuditImport, dir AuditDirectory) (AuditImport, error) {
	if imp.ID == "" {
		imp.ID = opaqueid.New("ai-")
	}
	if imp.At.IsZero() {
		imp.At = now()
	}
	imp.Staff, imp.Patients, imp.Encounters = len(dir.Staff), len(dir.Patients), len(dir.Encounters)
	plain, err := json.Marshal(dir)
	if err != nil {
		return imp, err
	}
	sealed, err := d.seal(sealAuditDirectory, imp.ID, plain)
	if err != nil {
		return imp, fmt.Errorf("store import %s: %w", imp.ID, err)
	}
	_, err = exec(ctx, d.w, "INSERT INTO audit_imports ("+auditImportCols+", directory) VALUES (?, ?, ?, ?, 0, NULL, NULL, ?, ?, ?, 0, '[]', ?)",
		imp.ID, imp.Label, ts(imp.At), imp.ImportedBy, imp.Staff, imp.Patients, imp.Encounters, sealed)
	if err != nil {
		return imp, fmt.Errorf("store import %s: %w", imp.ID, err)
	}
	return imp, nil
}

var auditEventCols = []string{"import_id", "n", "at", "user_id", "patient_id", "action", "workstation", "ip"}

// AppendAuditEvents stores events of an import numbered from start, in
// one transaction; appending the same numbers again changes nothing.
func (d *DB) AppendAuditEvents(ctx context.Context, importID string, start int64, evs []audit.Event) error {
	rows := make([][]any, len(evs))
	for i, e := range evs {
		rows[i] = []any{importID, start + int64(i), ts(e.Time), e.UserID, e.PatientID, string(e.Action), e.Workstation, e.IP}
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		return insertRows(ctx, tx, "audit_events", auditEventCols, rows, " ON CONFLICT DO NOTHING")
	})
	if err != nil {
		return fmt.Errorf("store accesses of import %s: %w", importID, err)
	}
	return nil
}

// FinishAuditImport records an import's counts and bad rows (the first
// maxStoredRowErrors of them).
func (d *DB) FinishAuditImport(ctx context.Context, imp AuditImport) error {
	errs := imp.RowErrors
	if len(errs) > maxStoredRowErrors {
		errs = errs[:maxStoredRowErrors]
	}
	if errs == nil {
		errs = []audit.RowError{}
	}
	b, err := json.Marshal(errs)
	if err != nil {
		return err
	}
	err = execOne(ctx, d.w, "UPDATE audit_imports SET events = ?, first_at = ?, last_at = ?, bad_rows = ?, row_errors = ? WHERE id = ?",
		imp.Events, ts(imp.First), ts(imp.Last), imp.BadRows, string(b), imp.ID)
	if err != nil {
		return fmt.Errorf("finish import %s: %w", imp.ID, err)
	}
	return nil
}

// AuditImports lists imports, newest first.
func (d *DB) AuditImports(ctx context.Context, p Page) ([]AuditImport, error) {
	rows, err := queryAll(ctx, d.r, auditImportDest, "SELECT "+auditImportCols+" FROM audit_imports ORDER BY imported_at DESC, id DESC"+p.clause())
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	out := make([]AuditImport, len(rows))
	for i, r := range rows {
		if out[i], err = r.imp(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AuditImportByID returns one import.
func (d *DB) AuditImportByID(ctx context.Context, id string) (AuditImport, error) {
	r, err := queryOne(ctx, d.r, auditImportDest, "SELECT "+auditImportCols+" FROM audit_imports WHERE id = ?", id)
	if err != nil {
		return AuditImport{}, fmt.Errorf("import %s: %w", id, err)
	}
	return r.imp()
}

// LatestAuditDirectory returns the rosters and encounters of the newest
// import (empty, with ErrNotFound, before any).
func (d *DB) LatestAuditDirectory(ctx context.Context) (AuditDirectory, error) {
	var dir AuditDirectory
	type row struct{ id, sealed string }
	r, err := queryOne(ctx, d.r, func(r *row) []any { return []any{&r.id, &r.sealed} },
		"SELECT id, directory FROM audit_imports ORDER BY imported_at DESC, id DESC LIMIT 1")
	if err != nil {
		return dir, fmt.Errorf("latest import: %w", err)
	}
	plain, err := d.open(sealAuditDirectory, r.id, r.sealed)
	if err != nil {
		return dir, fmt.Errorf("import %s: %w", r.id, err)
	}
	if err := json.Unmarshal(plain, &dir); err != nil {
		return dir, fmt.Errorf("import %s: rosters: %w", r.id, err)
	}
	return dir, nil
}

func auditEventDest(e *audit.Event) []any {
	return []any{scanTime(&e.Time), &e.UserID, &e.PatientID, &e.Action, &e.Workstation, &e.IP}
}

const auditEventSelect = "SELECT at, user_id, patient_id, action, workstation, ip FROM audit_events"

// EachAuditEvent streams the imported accesses at or after from and
// before to (zero: unbounded), in time order, to fn: nothing is held.
func (d *DB) EachAuditEvent(ctx context.Context, from, to time.Time, fn func(audit.Event) error) error {
	q, args := auditEventSelect+" WHERE at >= ?", []any{sinceArg(from)}
	if !to.IsZero() {
		q, args = q+" AND at < ?", append(args, ts(to))
	}
	if err := each(ctx, d.r, auditEventDest, fn, q+" ORDER BY at, import_id, n", args...); err != nil {
		return fmt.Errorf("read imported accesses: %w", err)
	}
	return nil
}

// sinceArg is the argument of "at >= ?" for from: every row when zero.
func sinceArg(from time.Time) any {
	if from.IsZero() {
		return ""
	}
	return ts(from)
}

// AuditEventsOf lists the imported accesses to a patient's record (or, with
// byUser, by a user), newest first.
func (d *DB) AuditEventsOf(ctx context.Context, id string, byUser bool, p Page) ([]audit.Event, error) {
	col := "patient_id"
	if byUser {
		col = "user_id"
	}
	out, err := queryAll(ctx, d.r, auditEventDest, auditEventSelect+" WHERE "+col+" = ? ORDER BY at DESC"+p.clause(), id)
	if err != nil {
		return nil, fmt.Errorf("list imported accesses: %w", err)
	}
	return out, nil
}

// AuditEventCount counts the imported accesses in [from, to).
func (d *DB) AuditEventCount(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := d.r.QueryRowContext(ctx, d.r.Rebind("SELECT COUNT(*) FROM audit_events WHERE at >= ? AND at < ?"), ts(from), ts(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count imported accesses: %w", err)
	}
	return n, nil
}

// signInLockKey serialises sign-in appends on PostgreSQL (seq order).
const signInLockKey = 0x72636d7369676e // "rcmsign"

// SignInEvent is one stored sign-in, numbered in the order recorded.
type SignInEvent struct {
	Seq int64
	audit.SignIn
}

const signInCols = "seq, at, account, kind, client_addr, agent, token_id"

func signInDest(s *SignInEvent) []any {
	return []any{&s.Seq, scanTime(&s.Time), &s.Account, &s.Kind, &s.IP, &s.Agent, &s.TokenID}
}

// nextSeq appends under a PostgreSQL advisory lock (SQLite serialises
// writers) and returns table's next seq.
func (d *DB) nextSeq(ctx context.Context, tx *sqlx.Tx, table string, lock int64) (int64, error) {
	if d.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lock); err != nil {
			return 0, err
		}
	}
	var seq int64
	err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM "+table).Scan(&seq)
	return seq, err
}

// RecordSignIn stores one of rcmbot's own sign-ins and returns its seq.
func (d *DB) RecordSignIn(ctx context.Context, s audit.SignIn) (int64, error) {
	if s.Account == "" || s.Kind == "" {
		return 0, fmt.Errorf("record sign-in: an account and a kind are required: %w", ErrInvalid)
	}
	if s.Time.IsZero() {
		s.Time = now()
	}
	var seq int64
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if seq, err = d.nextSeq(ctx, tx, "audit_sign_ins", signInLockKey); err != nil {
			return err
		}
		_, err = exec(ctx, tx, "INSERT INTO audit_sign_ins ("+signInCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			seq, ts(s.Time), NormalizeUsername(s.Account), string(s.Kind), s.IP, s.Agent, s.TokenID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record sign-in: %w", err)
	}
	return seq, nil
}

// SignIns lists the sign-ins at or after from (zero: all), oldest first.
func (d *DB) SignIns(ctx context.Context, from time.Time, p Page) ([]SignInEvent, error) {
	out, err := queryAll(ctx, d.r, signInDest, "SELECT "+signInCols+" FROM audit_sign_ins WHERE at >= ? ORDER BY seq"+p.clause(), sinceArg(from))
	if err != nil {
		return nil, fmt.Errorf("list sign-ins: %w", err)
	}
	return out, nil
}

// LastSignInSeq is the seq of the newest sign-in (0 before any).
func (d *DB) LastSignInSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := d.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_sign_ins").Scan(&seq); err != nil {
		return 0, fmt.Errorf("last sign-in: %w", err)
	}
	return seq, nil
}

// LastSignIns returns each account's newest successful password sign-in
// or token use.
func (d *DB) LastSignIns(ctx context.Context) (map[string]time.Time, error) {
	type row struct {
		account string
		at      time.Time
	}
	rows, err := queryAll(ctx, d.r, func(r *row) []any { return []any{&r.account, scanTime(&r.at)} },
		"SELECT account, MAX(at) FROM audit_sign_ins WHERE kind IN (?, ?) GROUP BY account", string(audit.SignInSuccess), string(audit.SignInToken))
	if err != nil {
		return nil, fmt.Errorf("last sign-ins: %w", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.account] = r.at
	}
	return out, nil
}

const alertCols = `id, rule, user_id, patient_id, address, score, first_at, last_at, events, explanation, source, state,
	disposition, decided_by, decided_at, reminded_at, created_at, updated_at`

func alertDest(a *audit.Case) []any {
	return []any{&a.ID, &a.Rule, &a.UserID, &a.PatientID, &a.Address, &a.Score, scanTime(&a.FirstTime), scanTime(&a.LastTime),
		&a.Events, &a.Explanation, &a.Source, &a.State, &a.Disposition, &a.DecidedBy, scanTime(&a.DecidedAt),
		scanTime(&a.RemindedAt), scanTime(&a.CreatedAt), scanTime(&a.UpdatedAt)}
}

// SavedAlerts says what SaveAlerts did.
type SavedAlerts struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	// NeedCase are the alerts saved whose case has not started (new
	// ones, and those a failed earlier attempt saved): start one each.
	NeedCase []audit.Case `json:"need_case"`
}

// SaveAlerts stores the alerts a scan found: an alert whose key (rule,
// user, patient, address) has an undecided or escalated case — or a
// closed one it overlaps — updates it (the span widened, the higher score
// and count kept); any other is a new alert with an open case.
func (d *DB) SaveAlerts(ctx context.Context, src audit.AlertSource, alerts []audit.Alert) (SavedAlerts, error) {
	var out SavedAlerts
	at := now()
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, al := range alerts {
			key := al.Key()
			cur, err := queryOne(ctx, tx, alertDest, "SELECT "+alertCols+" FROM audit_alerts WHERE alert_key = ? ORDER BY created_at DESC, id DESC LIMIT 1", key)
			switch {
			case err == nil && (cur.State != audit.CaseClosed || !al.FirstTime.After(cur.LastTime)):
				if _, err := exec(ctx, tx, `UPDATE audit_alerts SET score = ?, first_at = ?, last_at = ?, events = ?, explanation = ?, updated_at = ? WHERE id = ?`,
					max(cur.Score, al.Score), ts(minTime(cur.FirstTime, al.FirstTime)), ts(maxTime(cur.LastTime, al.LastTime)),
					max(cur.Events, al.Events), al.Explanation, ts(at), cur.ID); err != nil {
					return err
				}
				out.Updated++
				var started bool
				if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT case_started FROM audit_alerts WHERE id = ?"), cur.ID).Scan(&started); err != nil {
					return err
				}
				if !started && cur.State != audit.CaseClosed {
					cur.Alert = al
					out.NeedCase = append(out.NeedCase, cur)
				}
			case err == nil || errors.Is(err, ErrNotFound):
				sa := audit.Case{ID: opaqueid.New("al-"), Alert: al, Source: src, State: audit.CaseOpen, CreatedAt: at, UpdatedAt: at}
				if _, err := exec(ctx, tx, `INSERT INTO audit_alerts (id, alert_key, rule, user_id, patient_id, address, score, first_at, last_at,
					events, explanation, source, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					sa.ID, key, string(al.Rule), al.UserID, al.PatientID, al.Address, al.Score, ts(al.FirstTime), ts(al.LastTime),
					al.Events, al.Explanation, string(src), string(sa.State), ts(at), ts(at)); err != nil {
					return err
				}
				out.Created++
				out.NeedCase = append(out.NeedCase, sa)
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return SavedAlerts{}, fmt.Errorf("store alerts: %w", err)
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// MarkCaseStarted records that an alert's case workflow runs, so scans
// stop asking for one.
func (d *DB) MarkCaseStarted(ctx context.Context, alertID string) error {
	if err := execOne(ctx, d.w, "UPDATE audit_alerts SET case_started = ? WHERE id = ?", true, alertID); err != nil {
		return fmt.Errorf("alert %s: %w", alertID, err)
	}
	return nil
}

// MarkReminded records when the privacy officer was last reminded of a case.
func (d *DB) MarkReminded(ctx context.Context, alertID string, t time.Time) error {
	if err := execOne(ctx, d.w, "UPDATE audit_alerts SET reminded_at = ? WHERE id = ?", ts(t), alertID); err != nil {
		return fmt.Errorf("alert %s: %w", alertID, err)
	}
	return nil
}

// AlertCase returns one alert with its case.
func (d *DB) AlertCase(ctx context.Context, id string) (audit.Case, error) {
	a, err := queryOne(ctx, d.r, alertDest, "SELECT "+alertCols+" FROM audit_alerts WHERE id = ?", id)
	if err != nil {
		return a, fmt.Errorf("alert %s: %w", id, err)
	}
	return a, nil
}

// AlertFilter selects alerts. Zero fields do not filter.
type AlertFilter struct {
	States    []audit.CaseState
	Rule      audit.RuleID
	UserID    string
	PatientID string
	From, To  time.Time // created in [From, To)
}

// AlertCases lists alerts matching f, highest score first (then newest).
func (d *DB) AlertCases(ctx context.Context, f AlertFilter, p Page) ([]audit.Case, error) {
	var c conditions
	if len(f.States) > 0 {
		c.add("state IN ("+placeholders(len(f.States))+")", anys(f.States)...)
	}
	if f.Rule != "" {
		c.add("rule = ?", string(f.Rule))
	}
	if f.UserID != "" {
		c.add("user_id = ?", f.UserID)
	}
	if f.PatientID != "" {
		c.add("patient_id = ?", f.PatientID)
	}
	if !f.From.IsZero() {
		c.add("created_at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		c.add("created_at < ?", ts(f.To))
	}
	q := "SELECT " + alertCols + " FROM audit_alerts" + c.where()
	out, err := queryAll(ctx, d.r, alertDest, q+" ORDER BY score DESC, last_at DESC, id"+p.clause(), c.args...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

const caseDecisionCols = "alert_id, decision_id, n, disposition, state, note, actor, role, decided_at"

func caseDecisionDest(c *audit.CaseDecision) []any {
	return []any{&c.AlertID, &c.DecisionID, &c.N, &c.Disposition, &c.State, &c.Note, &c.Actor, &c.Role, scanTime(&c.At)}
}

// DecideCase records a disposition of an alert's case and moves the case
// on (audit.CaseState.After): a closed case refuses it (ErrInvalid).
// Recording the same decision ID again returns the alert as it stands.
func (d *DB) DecideCase(ctx context.Context, c audit.CaseDecision) (audit.Case, error) {
	if c.AlertID == "" || c.DecisionID == "" || c.Actor == "" {
		return audit.Case{}, fmt.Errorf("decide case: alert, decision ID and actor are required: %w", ErrInvalid)
	}
	if _, err := audit.ParseDisposition(string(c.Disposition)); err != nil {
		return audit.Case{}, fmt.Errorf("decide case %s: %v: %w", c.AlertID, err, ErrInvalid)
	}
	if c.At.IsZero() {
		c.At = now()
	}
	note, err := d.seal(sealCaseNote, c.DecisionID, []byte(c.Note))
	if err != nil {
		return audit.Case{}, fmt.Errorf("decide case %s: %w", c.AlertID, err)
	}
	var out audit.Case
	err = d.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM audit_case_decisions WHERE decision_id = ?"), c.DecisionID).Scan(&n); err != nil {
			return err
		}
		cur, err := queryOne(ctx, tx, alertDest, "SELECT "+alertCols+" FROM audit_alerts WHERE id = ?", c.AlertID)
		if err != nil {
			return err
		}
		if n > 0 {
			out = cur
			return nil
		}
		next, err := cur.State.After(c.Disposition)
		if err != nil {
			return fmt.Errorf("%v: %w", err, ErrInvalid)
		}
		if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) + 1 FROM audit_case_decisions WHERE alert_id = ?"), c.AlertID).Scan(&c.N); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, "INSERT INTO audit_case_decisions ("+caseDecisionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			c.AlertID, c.DecisionID, c.N, string(c.Disposition), string(next), note, c.Actor, c.Role, ts(c.At)); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, "UPDATE audit_alerts SET state = ?, disposition = ?, decided_by = ?, decided_at = ?, updated_at = ? WHERE id = ?",
			string(next), string(c.Disposition), c.Actor, ts(c.At), ts(c.At), c.AlertID); err != nil {
			return err
		}
		cur.State, cur.Disposition, cur.DecidedBy, cur.DecidedAt, cur.UpdatedAt = next, c.Disposition, c.Actor, c.At.UTC(), c.At.UTC()
		out = cur
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("decide case %s: %w", c.AlertID, err)
	}
	return out, nil
}

// CaseDecisions lists an alert's decisions in order, notes opened.
func (d *DB) CaseDecisions(ctx context.Context, alertID string) ([]audit.CaseDecision, error) {
	out, err := queryAll(ctx, d.r, caseDecisionDest, "SELECT "+caseDecisionCols+" FROM audit_case_decisions WHERE alert_id = ? ORDER BY n", alertID)
	if err != nil {
		return nil, fmt.Errorf("decisions of alert %s: %w", alertID, err)
	}
	for i := range out {
		plain, err := d.open(sealCaseNote, out[i].DecisionID, out[i].Note)
		if err != nil {
			return nil, fmt.Errorf("decisions of alert %s: %w", alertID, err)
		}
		out[i].Note = string(plain)
	}
	return out, nil
}

// TuningDecisions returns every decided alert's rule, score and latest
// disposition: what audit.Tune reads.
func (d *DB) TuningDecisions(ctx context.Context) ([]audit.Decision, error) {
	out, err := queryAll(ctx, d.r, func(t *audit.Decision) []any { return []any{&t.Rule, &t.Score, &t.Disposition} },
		"SELECT rule, score, disposition FROM audit_alerts WHERE disposition <> '' ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("tuning decisions: %w", err)
	}
	return out, nil
}

// Thresholds returns each rule's threshold: the default, unless tuned.
func (d *DB) Thresholds(ctx context.Context) (audit.Thresholds, error) {
	t := audit.DefaultThresholds()
	type row struct {
		rule audit.RuleID
		v    int
	}
	rows, err := queryAll(ctx, d.r, func(r *row) []any { return []any{&r.rule, &r.v} }, "SELECT rule, threshold FROM audit_thresholds")
	if err != nil {
		return nil, fmt.Errorf("thresholds: %w", err)
	}
	for _, r := range rows {
		t[r.rule] = r.v
	}
	return t, nil
}

// thresholdLockKey serialises threshold changes on PostgreSQL.
const thresholdLockKey = 0x72636d74756e65 // "rcmtune"

// ApplyThresholdChanges stores the new threshold of every change that
// moved one, with the change in the history; others are not kept.
func (d *DB) ApplyThresholdChanges(ctx context.Context, changes []audit.ThresholdChange, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, c := range changes {
			if !c.Changed() {
				continue
			}
			seq, err := d.nextSeq(ctx, tx, "audit_threshold_changes", thresholdLockKey)
			if err != nil {
				return err
			}
			if _, err := exec(ctx, tx, `INSERT INTO audit_threshold_changes (seq, at, rule, from_value, to_value, reviewed, appropriate, confirmed, reason)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, seq, ts(at), string(c.Rule), c.From, c.To, c.Reviewed, c.Appropriate, c.Confirmed, c.Reason); err != nil {
				return err
			}
			if _, err := exec(ctx, tx, `INSERT INTO audit_thresholds (rule, threshold, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (rule) DO UPDATE SET threshold = excluded.threshold, updated_at = excluded.updated_at`, string(c.Rule), c.To, ts(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store thresholds: %w", err)
	}
	return nil
}

// ThresholdHistory lists the threshold changes, newest first.
func (d *DB) ThresholdHistory(ctx context.Context, p Page) ([]reports.ThresholdChangeAt, error) {
	out, err := queryAll(ctx, d.r, func(c *reports.ThresholdChangeAt) []any {
		return []any{scanTime(&c.At), &c.Rule, &c.From, &c.To, &c.Reviewed, &c.Appropriate, &c.Confirmed, &c.Reason}
	}, "SELECT at, rule, from_value, to_value, reviewed, appropriate, confirmed, reason FROM audit_threshold_changes ORDER BY seq DESC"+p.clause())
	if err != nil {
		return nil, fmt.Errorf("threshold history: %w", err)
	}
	return out, nil
}

// The watch's cursors (audit_cursors names).
const (
	CursorAccessLog = "watch:phi_access_log" // the PHI access log's seq read up to
	CursorSignIns   = "watch:sign_ins"       // the sign-ins' seq read up to
)

// AuditCursor returns a cursor's position (0 when never set).
func (d *DB) AuditCursor(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := d.r.QueryRowContext(ctx, d.r.Rebind("SELECT position FROM audit_cursors WHERE name = ?"), name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cursor %s: %w", name, err)
	}
	return pos, nil
}

// SetAuditCursor moves a cursor.
func (d *DB) SetAuditCursor(ctx context.Context, name string, pos int64) error {
	_, err := exec(ctx, d.w, `INSERT INTO audit_cursors (name, position, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`, name, pos, ts(now()))
	if err != nil {
		return fmt.Errorf("cursor %s: %w", name, err)
	}
	return nil
}

// SaveBaselines keeps the baselines the last scan learned, for the watch.
func (d *DB) SaveBaselines(ctx context.Context, b *audit.Baselines) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = exec(ctx, d.w, `INSERT INTO audit_baselines (id, data, updated_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, string(data), ts(now()))
	if err != nil {
		return fmt.Errorf("store baselines: %w", err)
	}
	return nil
}

// Baselines returns the baselines the last scan kept (empty before any).
func (d *DB) Baselines(ctx context.Context) (*audit.Baselines, error) {
	var data string
	err := d.r.QueryRowContext(ctx, "SELECT data FROM audit_baselines WHERE id = 1").Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return &audit.Baselines{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("baselines: %w", err)
	}
	var b audit.Baselines
	if err := json.Unmarshal([]byte(data), &b); err != nil {
		return nil, fmt.Errorf("baselines: %w", err)
	}
	return &b, nil
}

// AccessEventsAfter lists PHI access log entries after seq, oldest first.
func (d *DB) AccessEventsAfter(ctx context.Context, seq int64, limit int) ([]AccessEvent, error) {
	out, err := queryAll(ctx, d.r, accessDest, "SELECT "+accessCols+" FROM phi_access_log WHERE seq > ? ORDER BY seq"+Page{Limit: limit}.clause(), seq)
	if err != nil {
		return nil, fmt.Errorf("list access events: %w", err)
	}
	return out, nil
}

// EachAccessEvent streams the PHI access log's entries at or after from
// (zero: all) in order to fn: nothing is held.
func (d *DB) EachAccessEvent(ctx context.Context, from time.Time, fn func(AccessEvent) error) error {
	if err := each(ctx, d.r, accessDest, fn, "SELECT "+accessCols+" FROM phi_access_log WHERE at >= ? ORDER BY seq", sinceArg(from)); err != nil {
		return fmt.Errorf("read access events: %w", err)
	}
	return nil
}

// EachSignIn streams the sign-ins at or after from (zero: all) in order.
func (d *DB) EachSignIn(ctx context.Context, from time.Time, fn func(SignInEvent) error) error {
	if err := each(ctx, d.r, signInDest, fn, "SELECT "+signInCols+" FROM audit_sign_ins WHERE at >= ? ORDER BY seq", sinceArg(from)); err != nil {
		return fmt.Errorf("read sign-ins: %w", err)
	}
	return nil
}
