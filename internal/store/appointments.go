package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// AppointmentKind says where an appointment row came from.
type AppointmentKind string

// The appointment kinds.
const (
	// AppointmentRoster is a visit imported from a roster spreadsheet (the
	// stand-in for a scheduling system); the nightly sweep checks these.
	AppointmentRoster AppointmentKind = "roster"
	// AppointmentCheck is a one-off eligibility question asked through the
	// web app, the API or the CLI.
	AppointmentCheck AppointmentKind = "check"
)

// Appointment is a patient booked with a payer on a date, with the
// insurance the practice has on file: what an eligibility check asks
// about. It is PHI; workflows carry only its ID.
type Appointment struct {
	ID           string // "" = opaqueid.New("ap-") for roster rows, opaqueid.New("ck-") for checks
	Kind         AppointmentKind
	Date         claim.Date // date of service
	PayerID      string
	PatientID    string // the practice's patient ID (MRN), may be ""
	MemberID     string
	LastName     string
	FirstName    string
	DOB          claim.Date
	ProviderNPI  string // "" = the practice's default
	ProviderName string
	// Source is the roster file's name, or the user who asked for a check;
	// SourceRow the spreadsheet row.
	Source      string
	SourceRow   int
	CreatedAt   time.Time
	CancelledAt time.Time // a later roster import no longer listed it
}

// OnFile is the appointment as an eligibility question: what the
// practice has on file, to ask the payer and to compare its answer with.
func (a Appointment) OnFile() eligibility.Request {
	return eligibility.Request{PayerID: a.PayerID, ProviderNPI: a.ProviderNPI, ProviderName: a.ProviderName,
		MemberID: a.MemberID, FirstName: a.FirstName, LastName: a.LastName, DOB: a.DOB, DateOfService: a.Date}
}

// appointmentColumns are the appointments table's columns in the order
// appointmentDest and args use.
var appointmentColumns = []string{"id", "kind", "appt_date", "payer_id", "patient_id", "member_id", "last_name", "first_name", "dob",
	"provider_npi", "provider_name", "source", "source_row", "created_at", "cancelled_at"}

var appointmentCols = strings.Join(appointmentColumns, ", ")

func appointmentDest(a *Appointment) []any {
	return []any{&a.ID, &a.Kind, &a.Date, &a.PayerID, &a.PatientID, &a.MemberID, &a.LastName, &a.FirstName, &a.DOB,
		&a.ProviderNPI, &a.ProviderName, &a.Source, &a.SourceRow, scanTime(&a.CreatedAt), scanTime(&a.CancelledAt)}
}

func (a *Appointment) args(created time.Time) []any {
	return []any{a.ID, a.Kind, a.Date, a.PayerID, a.PatientID, a.MemberID, a.LastName, a.FirstName, a.DOB,
		a.ProviderNPI, a.ProviderName, a.Source, a.SourceRow, ts(created), nil}
}

// check says which required value an appointment lacks; the message
// names the field and row, never a value.
func (a *Appointment) check() error {
	var missing []string
	if a.Date.IsZero() {
		missing = append(missing, "date")
	}
	if a.PayerID == "" {
		missing = append(missing, "payer ID")
	}
	if a.MemberID == "" {
		missing = append(missing, "member ID")
	}
	if a.LastName == "" {
		missing = append(missing, "last name")
	}
	if a.DOB.IsZero() {
		missing = append(missing, "date of birth")
	}
	if len(missing) > 0 {
		return fmt.Errorf("appointment (row %d) has no %s: %w", a.SourceRow, strings.Join(missing, ", "), ErrInvalid)
	}
	return nil
}

// RosterImport says what ReplaceRoster did.
type RosterImport struct {
	Dates    []claim.Date // the dates the roster covers, in order
	Added    int          // appointments stored
	Replaced int          // earlier roster appointments of those dates cancelled
}

// ReplaceRoster stores a roster's appointments as the roster of every date
// it covers: roster appointments of those dates stored earlier are
// cancelled (kept for the sweeps that checked them), so importing a
// corrected or repeated file never doubles a day. All or nothing.
func (d *DB) ReplaceRoster(ctx context.Context, appts []Appointment) (RosterImport, error) {
	var out RosterImport
	dates := map[claim.Date]bool{}
	rows := make([][]any, 0, len(appts))
	created := now()
	for i := range appts {
		a := appts[i]
		a.Kind = AppointmentRoster
		if err := a.check(); err != nil {
			return out, fmt.Errorf("import roster: %w", err)
		}
		if a.ID == "" {
			a.ID = opaqueid.New("ap-")
		}
		dates[a.Date] = true
		rows = append(rows, a.args(created))
	}
	for dt := range dates {
		out.Dates = append(out.Dates, dt)
	}
	sort.Slice(out.Dates, func(i, j int) bool { return out.Dates[i] < out.Dates[j] })
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, dt := range out.Dates {
			res, err := exec(ctx, tx, `UPDATE appointments SET cancelled_at = ?
				WHERE kind = ? AND appt_date = ? AND cancelled_at IS NULL`, ts(created), AppointmentRoster, dt)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			out.Replaced += int(n)
		}
		return insertRows(ctx, tx, "appointments", appointmentColumns, rows, "")
	})
	if err != nil {
		return RosterImport{}, fmt.Errorf("import roster: %w", err)
	}
	out.Added = len(rows)
	return out, nil
}

// AddCheckRequest stores a one-off eligibility question and returns it as
// stored; an existing ID returns the stored request unchanged.
func (d *DB) AddCheckRequest(ctx context.Context, a Appointment) (Appointment, error) {
	a.Kind = AppointmentCheck
	if err := a.check(); err != nil {
		return a, fmt.Errorf("add check request: %w", err)
	}
	if a.ID == "" {
		a.ID = opaqueid.New("ck-")
	}
	_, err := exec(ctx, d.w, "INSERT INTO appointments ("+appointmentCols+`) VALUES (`+placeholders(len(appointmentColumns))+`)
		ON CONFLICT (id) DO NOTHING`, a.args(now())...)
	if err != nil {
		return a, fmt.Errorf("add check request %s: %w", a.ID, err)
	}
	return d.Appointment(ctx, a.ID)
}

// Appointment returns one appointment or check request.
func (d *DB) Appointment(ctx context.Context, id string) (Appointment, error) {
	a, err := queryOne(ctx, d.r, appointmentDest, "SELECT "+appointmentCols+" FROM appointments WHERE id = ?", id)
	if err != nil {
		return a, fmt.Errorf("get appointment %s: %w", id, err)
	}
	return a, nil
}

// SweepAppointments lists the appointments of a date that the nightly
// sweep checks: the roster's and those the scheduling bot booked
// (AppointmentBooked), not cancelled; the roster's first, in spreadsheet
// order, then the booked ones in the order they were booked.
func (d *DB) SweepAppointments(ctx context.Context, date claim.Date) ([]Appointment, error) {
	out, err := queryAll(ctx, d.r, appointmentDest, "SELECT "+appointmentCols+` FROM appointments
		WHERE appt_date = ? AND kind IN (?, ?) AND cancelled_at IS NULL
		ORDER BY CASE WHEN kind = ? THEN 0 ELSE 1 END, source_row, created_at, id`, date, AppointmentRoster, AppointmentBooked, AppointmentRoster)
	if err != nil {
		// The date alone identifies no one.
		return nil, fmt.Errorf("list appointments of %s: %w", date, err)
	}
	return out, nil
}

// SweepCheck is one member/payer check of a sweep: the appointment it asks
// about (and how many appointments of the day share it), then its outcome
// once checked.
type SweepCheck struct {
	SweepID       string
	Seq           int // 0..n-1 within the sweep
	AppointmentID string
	Appointments  int // appointments of the member at the payer that day (≥ 1)
	PayerID       string

	ResultID string                  // "" until checked
	Status   eligibility.CheckStatus // "" until checked
	Flags    []string                // discrepancy kinds found
}

const sweepCheckCols = "k.sweep_id, k.seq, k.appointment_id, k.appointments, k.payer_id, k.result_id, k.status, k.flags"

func sweepCheckDest(k *SweepCheck) []any {
	return []any{&k.SweepID, &k.Seq, &k.AppointmentID, &k.Appointments, &k.PayerID, &k.ResultID, &k.Status, listDest{&k.Flags}}
}

// PlanSweep stores the checks a sweep will make, numbered by their Seq,
// and returns how many the sweep has. A sweep already planned keeps its
// plan (a retried activity): the count stored is returned.
func (d *DB) PlanSweep(ctx context.Context, sweepID string, checks []SweepCheck) (int, error) {
	n := 0
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM eligibility_sweep_checks WHERE sweep_id = ?"), sweepID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		rows := make([][]any, len(checks))
		for i, k := range checks {
			if k.Seq != i || k.AppointmentID == "" || k.PayerID == "" {
				return fmt.Errorf("check %d: sequence numbers must run 0..n-1 with an appointment and a payer: %w", i, ErrInvalid)
			}
			rows[i] = []any{sweepID, k.Seq, k.AppointmentID, max(k.Appointments, 1), k.PayerID}
		}
		n = len(checks)
		return insertRows(ctx, tx, "eligibility_sweep_checks", []string{"sweep_id", "seq", "appointment_id", "appointments", "payer_id"}, rows, "")
	})
	if err != nil {
		return 0, fmt.Errorf("plan sweep %s: %w", sweepID, err)
	}
	return n, nil
}

// SweepItem is a sweep check with its appointment and, once checked, the
// stored result model (JSON, PHI).
type SweepItem struct {
	SweepCheck
	Appointment Appointment
	Result      json.RawMessage
}

const sweepItemFrom = ` FROM eligibility_sweep_checks k
	JOIN appointments a ON a.id = k.appointment_id
	LEFT JOIN eligibility_results r ON r.id = k.result_id AND k.result_id <> ''`

func sweepItemDest(it *SweepItem) []any {
	return append(append(sweepCheckDest(&it.SweepCheck), appointmentDest(&it.Appointment)...), rawJSONDest{&it.Result})
}

// sweepItemCols are the columns sweepItemDest scans, over sweepItemFrom.
var sweepItemCols = sweepCheckCols + ", a." + strings.Join(appointmentColumns, ", a.") + ", r.result"

// SweepChecks returns the checks of a sweep with the given sequence
// numbers, with their appointments, in sequence order. Unknown numbers
// are left out.
func (d *DB) SweepChecks(ctx context.Context, sweepID string, seqs []int) ([]SweepItem, error) {
	var out []SweepItem
	for start := 0; start < len(seqs); start += maxParams - 1 {
		part := seqs[start:min(start+maxParams-1, len(seqs))]
		args := make([]any, 0, len(part)+1)
		args = append(args, sweepID)
		for _, s := range part {
			args = append(args, s)
		}
		items, err := queryAll(ctx, d.r, sweepItemDest, "SELECT "+sweepItemCols+sweepItemFrom+
			" WHERE k.sweep_id = ? AND k.seq IN ("+placeholders(len(part))+") ORDER BY k.seq", args...)
		if err != nil {
			return nil, fmt.Errorf("load checks of sweep %s: %w", sweepID, err)
		}
		for i := range items {
			if items[i].Result, err = d.openResult(items[i].ResultID, items[i].Result); err != nil {
				return nil, fmt.Errorf("load check %d of sweep %s: %w", items[i].Seq, sweepID, err)
			}
		}
		out = append(out, items...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// EachSweepItem calls fn for every check of a sweep in sequence order,
// streaming.
func (d *DB) EachSweepItem(ctx context.Context, sweepID string, fn func(SweepItem) error) error {
	err := each(ctx, d.r, sweepItemDest, func(it SweepItem) error {
		var err error
		if it.Result, err = d.openResult(it.ResultID, it.Result); err != nil {
			return fmt.Errorf("check %d: %w", it.Seq, err)
		}
		return fn(it)
	}, "SELECT "+sweepItemCols+sweepItemFrom+" WHERE k.sweep_id = ? ORDER BY k.seq", sweepID)
	if err != nil {
		return fmt.Errorf("read checks of sweep %s: %w", sweepID, err)
	}
	return nil
}

// EachWorklistItem calls fn for every check of a sweep in sequence order,
// as the front-desk worklist reads it (eligibility.WorklistSource).
func (d *DB) EachWorklistItem(ctx context.Context, sweepID string, fn func(eligibility.WorklistItem) error) error {
	return d.EachSweepItem(ctx, sweepID, func(it SweepItem) error {
		return fn(eligibility.WorklistItem{Seq: it.Seq, PatientID: it.Appointment.PatientID, OnFile: it.Appointment.OnFile(),
			Appointments: it.Appointments, ResultID: it.ResultID, Status: it.Status, Result: it.Result})
	})
}

// SetSweepCheckResult records a check's stored result, its status and the
// discrepancy kinds found. Recording the same outcome again is harmless.
func (d *DB) SetSweepCheckResult(ctx context.Context, sweepID string, seq int, resultID string, status eligibility.CheckStatus, flags []string) error {
	if resultID == "" || !status.Valid() {
		return fmt.Errorf("record check %d of sweep %s: a result and a known status (got %q) are required: %w", seq, sweepID, status, ErrInvalid)
	}
	err := execOne(ctx, d.w, "UPDATE eligibility_sweep_checks SET result_id = ?, status = ?, flags = ? WHERE sweep_id = ? AND seq = ?",
		resultID, status, strings.Join(flags, ","), sweepID, seq)
	if err != nil {
		return fmt.Errorf("record check %d of sweep %s: %w", seq, sweepID, err)
	}
	return nil
}

// CountSweep tallies a sweep's checks from the store: members planned,
// checked, each status, failed (error or never answered) and
// discrepancies (checks with at least one difference from what the
// practice has on file, inactive coverage and unknown members included).
func (d *DB) CountSweep(ctx context.Context, sweepID string) (eligibility.SweepCounts, error) {
	var c eligibility.SweepCounts
	err := d.r.QueryRowContext(ctx, d.r.Rebind(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN result_id <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'inactive' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'unknown_member' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status IN ('error', 'pending') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN flags <> '' THEN 1 ELSE 0 END), 0)
		FROM eligibility_sweep_checks WHERE sweep_id = ?`), sweepID).
		Scan(&c.Members, &c.Checked, &c.Active, &c.Inactive, &c.Unknown, &c.Failed, &c.Discrepancies)
	if err != nil {
		return c, fmt.Errorf("count sweep %s: %w", sweepID, err)
	}
	return c, nil
}
