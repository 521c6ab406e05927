package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// jsonText is v as JSON text for a TEXT column ("" for nil or empty).
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if s := string(b); s != "null" && s != "[]" {
		return s, nil
	}
	return "", nil
}

// SaveTemplates stores providers' templates (sessions and blocked dates
// or hours), replacing those of providers stored before, and bumps each
// one's version. All or nothing. It checks no version: it is for imports
// and demos, which replace templates wholesale on purpose; an admin's
// edit goes through SaveTemplate.
func (d *DB) SaveTemplates(ctx context.Context, providers []schedule.Provider) error {
	at := ts(now())
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for i := range providers {
			tmpl, err := templateJSON(i, providers[i])
			if err != nil {
				return err
			}
			if _, err := exec(ctx, tx, `INSERT INTO sched_providers (id, template, updated_at, version) VALUES (?, ?, ?, 1)
				ON CONFLICT (id) DO UPDATE SET template = excluded.template, updated_at = excluded.updated_at,
				version = sched_providers.version + 1`, providers[i].ID, tmpl, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save provider templates: %w", err)
	}
	return nil
}

// SaveTemplate stores one provider's template as an edit based on
// version p.Version (0: the provider had no template yet) and returns
// the new version. The check and the write are one statement, so of two
// saves based on the same version exactly one wins; the other, and any
// save based on an older version, is ErrStale and changes nothing.
func (d *DB) SaveTemplate(ctx context.Context, p schedule.Provider) (int, error) {
	tmpl, err := templateJSON(0, p)
	if err != nil {
		return 0, fmt.Errorf("save provider template: %w", err)
	}
	at := ts(now())
	err = d.inTx(ctx, func(tx *sqlx.Tx) error {
		var res sql.Result
		var err error
		if p.Version == 0 {
			res, err = exec(ctx, tx, `INSERT INTO sched_providers (id, template, updated_at, version) VALUES (?, ?, ?, 1)
				ON CONFLICT (id) DO NOTHING`, p.ID, tmpl, at)
		} else {
			res, err = exec(ctx, tx, `UPDATE sched_providers SET template = ?, updated_at = ?, version = version + 1
				WHERE id = ? AND version = ?`, tmpl, at, p.ID, p.Version)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("provider %s template version %d: %w", p.ID, p.Version, ErrStale)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("save provider template: %w", err)
	}
	return p.Version + 1, nil
}

// templateJSON checks the i-th template and returns it as stored: JSON
// without its version, which has a column of its own.
func templateJSON(i int, p schedule.Provider) (string, error) {
	if p.ID == "" {
		return "", fmt.Errorf("provider %d has no ID: %w", i+1, ErrInvalid)
	}
	if err := p.Check(); err != nil {
		return "", fmt.Errorf("provider %s: %v: %w", p.ID, err, ErrInvalid)
	}
	p.Version = 0
	tmpl, err := json.Marshal(p)
	return string(tmpl), err
}

// Templates returns every provider's template, by provider ID, each with
// its version (the stored JSON has none, so scanning it leaves Version
// to its column).
func (d *DB) Templates(ctx context.Context) ([]schedule.Provider, error) {
	out, err := queryAll(ctx, d.r, func(p *schedule.Provider) []any { return []any{jsonDest{p}, &p.Version} },
		"SELECT template, version FROM sched_providers ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	return out, nil
}

// SaveHolidays stores clinic-wide closures (whole days), replacing the
// kind of a date stored before.
func (d *DB) SaveHolidays(ctx context.Context, days []schedule.Exception) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, e := range days {
			if e.Date.IsZero() || !e.WholeDay() {
				return fmt.Errorf("a holiday is a whole date: %w", ErrInvalid)
			}
			kind := e.Kind
			if kind == "" {
				kind = schedule.ExceptionHoliday
			}
			if _, err := exec(ctx, tx, `INSERT INTO sched_holidays (holiday_date, kind) VALUES (?, ?)
				ON CONFLICT (holiday_date) DO UPDATE SET kind = excluded.kind`, e.Date, kind); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save holidays: %w", err)
	}
	return nil
}

// Holidays returns the clinic's closures, by date.
func (d *DB) Holidays(ctx context.Context) ([]schedule.Exception, error) {
	out, err := queryAll(ctx, d.r, func(e *schedule.Exception) []any { return []any{&e.Date, &e.Kind} },
		"SELECT holiday_date, kind FROM sched_holidays ORDER BY holiday_date")
	if err != nil {
		return nil, fmt.Errorf("list holidays: %w", err)
	}
	return out, nil
}

// SaveVisitTypes stores visit types, replacing those stored before.
func (d *DB) SaveVisitTypes(ctx context.Context, types []schedule.VisitType) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, v := range types {
			if v.ID == "" || v.Minutes <= 0 || v.Minutes > schedule.MaxVisitMinutes {
				return fmt.Errorf("visit type %q: an ID and 1 to %d minutes are required: %w", v.ID, schedule.MaxVisitMinutes, ErrInvalid)
			}
			if _, err := exec(ctx, tx, `INSERT INTO sched_visit_types (id, minutes, provider_ids) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET minutes = excluded.minutes, provider_ids = excluded.provider_ids`,
				v.ID, v.Minutes, strings.Join(v.ProviderIDs, ",")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save visit types: %w", err)
	}
	return nil
}

// VisitTypes returns every visit type, by ID.
func (d *DB) VisitTypes(ctx context.Context) ([]schedule.VisitType, error) {
	out, err := queryAll(ctx, d.r, func(v *schedule.VisitType) []any { return []any{&v.ID, &v.Minutes, listDest{&v.ProviderIDs}} },
		"SELECT id, minutes, provider_ids FROM sched_visit_types ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list visit types: %w", err)
	}
	return out, nil
}

const schedPatientCols = "id, first_name, last_name, email, phone, dob, payer_id, member_id, preferred"

func schedPatientDest(p *schedule.Patient) []any {
	return []any{&p.ID, &p.FirstName, &p.LastName, &p.Email, &p.Phone, &p.DOB, &p.PayerID, &p.MemberID, jsonDest{&p.Preferred}}
}

// SavePatients stores patients' contact, preferences and insurance,
// replacing what was stored of them before (PHI: the store is the only
// place it is kept).
func (d *DB) SavePatients(ctx context.Context, patients []schedule.Patient) error {
	at := ts(now())
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for i, p := range patients {
			if p.ID == "" {
				return fmt.Errorf("patient %d has no ID: %w", i+1, ErrInvalid)
			}
			pref, err := jsonText(p.Preferred)
			if err != nil {
				return err
			}
			if _, err := exec(ctx, tx, `INSERT INTO sched_patients (`+schedPatientCols+`, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
				phone = excluded.phone, dob = excluded.dob, payer_id = excluded.payer_id, member_id = excluded.member_id,
				preferred = excluded.preferred, updated_at = excluded.updated_at`,
				p.ID, p.FirstName, p.LastName, p.Email, p.Phone, p.DOB, p.PayerID, p.MemberID, pref, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save patients: %w", err)
	}
	return nil
}

// SchedPatient returns what the scheduling bot keeps of a patient.
func (d *DB) SchedPatient(ctx context.Context, id string) (schedule.Patient, error) {
	p, err := queryOne(ctx, d.r, schedPatientDest, "SELECT "+schedPatientCols+" FROM sched_patients WHERE id = ?", id)
	if err != nil {
		// The patient ID is the practice's MRN: not named.
		return p, fmt.Errorf("get patient: %w", err)
	}
	return p, nil
}

// SchedRequest is a stored appointment request: the request, where it
// is, and the options last proposed for it.
type SchedRequest struct {
	schedule.Request
	Status    schedule.RequestStatus
	Options   []planner.Choice
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const schedRequestCols = "id, patient_id, visit_type, requested_on, earliest, latest, provider_ids, preferred, urgency, status, options, created_by, created_at, updated_at"

func schedRequestDest(r *SchedRequest) []any {
	return []any{&r.ID, &r.PatientID, &r.VisitType, &r.RequestedOn, &r.Earliest, &r.Latest, listDest{&r.ProviderIDs},
		jsonDest{&r.Preferred}, &r.Urgency, &r.Status, jsonDest{&r.Options}, &r.CreatedBy, scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt)}
}

// AddRequest stores an appointment request as open (ID "" =
// opaqueid.New("rq-")) and returns it as stored; an existing ID returns
// the stored request unchanged. A request without a patient, visit type
// or a window whose latest date is before its earliest is ErrInvalid.
func (d *DB) AddRequest(ctx context.Context, r schedule.Request, createdBy string) (SchedRequest, error) {
	switch {
	case r.PatientID == "" || r.VisitType == "":
		return SchedRequest{}, fmt.Errorf("add request: a patient and a visit type are required: %w", ErrInvalid)
	case r.Earliest.IsZero() || r.Latest < r.Earliest:
		return SchedRequest{}, fmt.Errorf("add request: the latest date must not be before the earliest: %w", ErrInvalid)
	case !r.Urgency.Valid():
		return SchedRequest{}, fmt.Errorf("add request: urgency must be routine, soon or urgent: %w", ErrInvalid)
	}
	if r.ID == "" {
		r.ID = opaqueid.New("rq-")
	}
	if r.RequestedOn.IsZero() {
		r.RequestedOn = claim.DateOf(time.Now())
	}
	pref, err := jsonText(r.Preferred)
	if err != nil {
		return SchedRequest{}, err
	}
	at := ts(now())
	_, err = exec(ctx, d.w, `INSERT INTO sched_requests (`+schedRequestCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, r.ID, r.PatientID, r.VisitType, r.RequestedOn, r.Earliest, r.Latest, strings.Join(r.ProviderIDs, ","),
		pref, r.Urgency, schedule.RequestOpen, createdBy, at, at)
	if err != nil {
		return SchedRequest{}, fmt.Errorf("add request %s: %w", r.ID, err)
	}
	return d.SchedRequest(ctx, r.ID)
}

// SchedRequest returns one appointment request.
func (d *DB) SchedRequest(ctx context.Context, id string) (SchedRequest, error) {
	r, err := queryOne(ctx, d.r, schedRequestDest, "SELECT "+schedRequestCols+" FROM sched_requests WHERE id = ?", id)
	if err != nil {
		return r, fmt.Errorf("get request %s: %w", id, err)
	}
	return r, nil
}

// RequestLinkToken returns the token of the link a patient chooses among
// request id's options through, setting one (opaqueid "rl-", 80 random
// bits) the first time: asking again returns the same token. An unknown
// request is ErrNotFound.
func (d *DB) RequestLinkToken(ctx context.Context, id string) (string, error) {
	var token string
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, "UPDATE sched_requests SET link_token = ? WHERE id = ? AND link_token IS NULL", opaqueid.New("rl-"), id); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, tx.Rebind("SELECT link_token FROM sched_requests WHERE id = ?"), id).Scan(&token)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("link of request %s: %w", id, err)
	}
	return token, nil
}

// SchedRequestByToken returns the request of a patient's options link.
func (d *DB) SchedRequestByToken(ctx context.Context, token string) (SchedRequest, error) {
	r, err := queryOne(ctx, d.r, schedRequestDest, "SELECT "+schedRequestCols+" FROM sched_requests WHERE link_token = ?", token)
	if err != nil {
		return r, fmt.Errorf("get request of a link: %w", err)
	}
	return r, nil
}

// SchedRequests lists requests in the statuses given (all when none),
// oldest first: the request queue and the waitlist.
func (d *DB) SchedRequests(ctx context.Context, page Page, statuses ...schedule.RequestStatus) ([]SchedRequest, error) {
	q := "SELECT " + schedRequestCols + " FROM sched_requests"
	args := make([]any, len(statuses))
	if len(statuses) > 0 {
		q += " WHERE status IN (" + placeholders(len(statuses)) + ")"
		for i, s := range statuses {
			args[i] = s
		}
	}
	out, err := queryAll(ctx, d.r, schedRequestDest, q+" ORDER BY created_at, id"+page.clause(), args...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

// ProposeOptions stores the options proposed for a request and marks an
// open one proposed (a waitlisted request stays on the waitlist with its
// options; a booked or withdrawn one keeps its status).
func (d *DB) ProposeOptions(ctx context.Context, id string, options []planner.Choice) error {
	opts, err := jsonText(options)
	if err != nil {
		return err
	}
	err = execOne(ctx, d.w, `UPDATE sched_requests SET options = ?, updated_at = ?,
		status = CASE WHEN status IN (?, ?) THEN ? ELSE status END WHERE id = ?`,
		opts, ts(now()), schedule.RequestOpen, schedule.RequestProposed, schedule.RequestProposed, id)
	if err != nil {
		return fmt.Errorf("propose options for request %s: %w", id, err)
	}
	return nil
}

// SetRequestStatus moves a request to status.
func (d *DB) SetRequestStatus(ctx context.Context, id string, status schedule.RequestStatus) error {
	if err := execOne(ctx, d.w, "UPDATE sched_requests SET status = ?, updated_at = ? WHERE id = ?", status, ts(now()), id); err != nil {
		return fmt.Errorf("set status of request %s: %w", id, err)
	}
	return nil
}

// SchedAppointment is a stored appointment with the token of its
// patient's confirm and cancel links and whether it is in the
// eligibility bot's appointments (the patient has insurance on file).
type SchedAppointment struct {
	schedule.Appointment
	Token     string
	Checked   bool
	UpdatedAt time.Time
}

const schedApptCols = "s.id, s.request_id, s.patient_id, s.provider_id, s.appt_date, s.start_min, s.visit_type, s.booked_on, s.status, s.no_show_p, s.link_token, s.updated_at, a.id IS NOT NULL"

const schedApptFrom = " FROM sched_appointments s LEFT JOIN appointments a ON a.id = s.id"

func schedApptDest(a *SchedAppointment) []any {
	return []any{&a.ID, &a.RequestID, &a.PatientID, &a.ProviderID, &a.Date, &a.Start, &a.VisitType, &a.BookedOn, &a.Status,
		probDest{&a.NoShowProbability}, &a.Token, scanTime(&a.UpdatedAt), &a.Checked}
}

// probDest scans a nullable probability.
type probDest struct{ p **float64 }

func (d probDest) Scan(src any) error {
	var f sql.NullFloat64
	if err := f.Scan(src); err != nil {
		return err
	}
	*d.p = nil
	if f.Valid {
		v := f.Float64
		*d.p = &v
	}
	return nil
}

// Booking asks BookAppointment for one appointment.
type Booking struct {
	// Appointment is what to book: ID "" = opaqueid.New("sa-"); Status
	// "" = booked. An appointment with a final status (an import of past
	// visits) is stored without holding its slot.
	schedule.Appointment
	// Seats is how many appointments may start in one slot: 1 +
	// max_overbook_per_slot (0 reads as 1).
	Seats int
}

// AppointmentBooked is an appointment booked by the scheduling bot for
// an insured patient: the nightly sweep checks these with the roster's.
const AppointmentBooked AppointmentKind = "booked"

// BookAppointment books an appointment into its slot in one transaction:
// it takes the slot's first free seat (ErrConflict when all Seats are
// held: the primary key of the holds keeps two concurrent bookings out of
// one seat), stores the appointment, marks its request booked and, when
// the patient has insurance on file, adds it to the appointments the
// eligibility bot checks. Booking an ID already stored returns the
// stored appointment unchanged (a retried activity books once).
func (d *DB) BookAppointment(ctx context.Context, b Booking) (SchedAppointment, error) {
	a := b.Appointment
	if a.ID == "" {
		a.ID = opaqueid.New("sa-")
	}
	if a.Status == "" {
		a.Status = schedule.StatusBooked
	}
	switch {
	case a.ProviderID == "" || a.VisitType == "" || a.Date.IsZero():
		return SchedAppointment{}, fmt.Errorf("book appointment %s: a provider, a visit type and a date are required: %w", a.ID, ErrInvalid)
	case !a.Status.Valid():
		return SchedAppointment{}, fmt.Errorf("book appointment %s: unknown status: %w", a.ID, ErrInvalid)
	case a.Start < 0 || a.Start >= schedule.MinutesPerDay:
		return SchedAppointment{}, fmt.Errorf("book appointment %s: the start is not a time of day: %w", a.ID, ErrInvalid)
	}
	seats := max(b.Seats, 1)
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM sched_appointments WHERE id = ?"), a.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if a.Status.Holds() {
			if err := holdSeat(ctx, tx, a, seats); err != nil {
				return err
			}
		}
		at := ts(now())
		if _, err := exec(ctx, tx, `INSERT INTO sched_appointments (id, request_id, patient_id, provider_id, appt_date, start_min, visit_type,
			booked_on, status, no_show_p, link_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.RequestID, a.PatientID, a.ProviderID, a.Date, a.Start, a.VisitType, a.BookedOn, a.Status, a.NoShowProbability,
			opaqueid.New("lt-"), at, at); err != nil {
			return err
		}
		if a.RequestID != "" && a.Status.Holds() {
			if _, err := exec(ctx, tx, "UPDATE sched_requests SET status = ?, updated_at = ? WHERE id = ?", schedule.RequestBooked, at, a.RequestID); err != nil {
				return err
			}
		}
		if a.PatientID == "" || !a.Status.Holds() {
			return nil
		}
		p, err := queryOne(ctx, tx, schedPatientDest, "SELECT "+schedPatientCols+" FROM sched_patients WHERE id = ?", a.PatientID)
		if errors.Is(err, ErrNotFound) || err == nil && (!p.Complete() || p.LastName == "") {
			return nil // self-pay or not on file: no eligibility check
		}
		if err != nil {
			return err
		}
		elig := Appointment{ID: a.ID, Kind: AppointmentBooked, Date: a.Date, PayerID: p.PayerID, PatientID: p.ID, MemberID: p.MemberID,
			LastName: p.LastName, FirstName: p.FirstName, DOB: p.DOB, ProviderName: a.ProviderID, Source: "scheduling"}
		_, err = exec(ctx, tx, "INSERT INTO appointments ("+appointmentCols+") VALUES ("+placeholders(len(appointmentColumns))+
			") ON CONFLICT (id) DO NOTHING", elig.args(now())...)
		return err
	})
	if err != nil {
		return SchedAppointment{}, fmt.Errorf("book appointment %s: %w", a.ID, err)
	}
	return d.SchedAppointment(ctx, a.ID)
}

// holdSeat takes the first free seat of a's slot, of seats.
func holdSeat(ctx context.Context, tx *sqlx.Tx, a schedule.Appointment, seats int) error {
	var held []int
	err := each(ctx, tx, func(s *int) []any { return []any{s} }, func(s int) error { held = append(held, s); return nil },
		"SELECT seat FROM sched_slot_holds WHERE provider_id = ? AND appt_date = ? AND start_min = ? ORDER BY seat", a.ProviderID, a.Date, a.Start)
	if err != nil {
		return err
	}
	seat := 0
	for _, s := range held {
		if s == seat {
			seat++
		}
	}
	if seat >= seats {
		return fmt.Errorf("the slot %s holds %d appointments already: %w", a.SlotOf(), len(held), ErrConflict)
	}
	_, err = exec(ctx, tx, "INSERT INTO sched_slot_holds (provider_id, appt_date, start_min, seat, appointment_id) VALUES (?, ?, ?, ?, ?)",
		a.ProviderID, a.Date, a.Start, seat, a.ID)
	if isUniqueViolation(err) {
		return fmt.Errorf("the slot %s was booked meanwhile: %w", a.SlotOf(), ErrConflict)
	}
	return err
}

// SchedAppointment returns one appointment.
func (d *DB) SchedAppointment(ctx context.Context, id string) (SchedAppointment, error) {
	a, err := queryOne(ctx, d.r, schedApptDest, "SELECT "+schedApptCols+schedApptFrom+" WHERE s.id = ?", id)
	if err != nil {
		return a, fmt.Errorf("get appointment %s: %w", id, err)
	}
	return a, nil
}

// SchedAppointmentByToken returns the appointment of a patient's link.
func (d *DB) SchedAppointmentByToken(ctx context.Context, token string) (SchedAppointment, error) {
	a, err := queryOne(ctx, d.r, schedApptDest, "SELECT "+schedApptCols+schedApptFrom+" WHERE s.link_token = ?", token)
	if err != nil {
		return a, fmt.Errorf("get appointment of a link: %w", err)
	}
	return a, nil
}

// SchedAppointments lists the appointments from first to last (dates
// included), whatever their status, by date, provider and start.
func (d *DB) SchedAppointments(ctx context.Context, first, last claim.Date) ([]SchedAppointment, error) {
	out, err := queryAll(ctx, d.r, schedApptDest, "SELECT "+schedApptCols+schedApptFrom+
		" WHERE s.appt_date >= ? AND s.appt_date <= ? ORDER BY s.appt_date, s.provider_id, s.start_min, s.created_at, s.id", first, last)
	if err != nil {
		return nil, fmt.Errorf("list appointments %s to %s: %w", first, last, err)
	}
	return out, nil
}

// ConfirmAppointment marks a booked appointment confirmed by the patient;
// one confirmed already is left as it is, one with an outcome is
// ErrConflict.
func (d *DB) ConfirmAppointment(ctx context.Context, id string) (SchedAppointment, error) {
	a, err := d.SchedAppointment(ctx, id)
	if err != nil {
		return a, err
	}
	if !a.Status.Holds() {
		return a, fmt.Errorf("confirm appointment %s: it is %s: %w", id, a.Status, ErrConflict)
	}
	if _, err := exec(ctx, d.w, "UPDATE sched_appointments SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
		schedule.StatusConfirmed, ts(now()), id, schedule.StatusBooked); err != nil {
		return a, fmt.Errorf("confirm appointment %s: %w", id, err)
	}
	return d.SchedAppointment(ctx, id)
}

// RecordOutcome records an appointment's outcome in one transaction: its
// status, its slot freed, the eligibility bot's copy cancelled when it
// was cancelled, and the visit appended to the attendance history.
// Recording the same outcome again changes nothing; another outcome over
// a recorded one is ErrConflict.
func (d *DB) RecordOutcome(ctx context.Context, id string, o schedule.Outcome) (SchedAppointment, error) {
	if !o.Valid() {
		return SchedAppointment{}, fmt.Errorf("record outcome of %s: unknown outcome: %w", id, ErrInvalid)
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := queryOne(ctx, tx, schedApptDest, "SELECT "+schedApptCols+schedApptFrom+" WHERE s.id = ?", id)
		if err != nil {
			return err
		}
		if a.Status.Final() {
			if a.Status == o.Status() {
				return nil
			}
			return fmt.Errorf("it is %s already: %w", a.Status, ErrConflict)
		}
		at := now()
		if _, err := exec(ctx, tx, "UPDATE sched_appointments SET status = ?, updated_at = ? WHERE id = ?", o.Status(), ts(at), id); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, "DELETE FROM sched_slot_holds WHERE appointment_id = ?", id); err != nil {
			return err
		}
		if o == schedule.OutcomeCancelled {
			if _, err := exec(ctx, tx, "UPDATE appointments SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL", ts(at), id); err != nil {
				return err
			}
		}
		return insertAttendance(ctx, tx, []schedule.Attendance{schedule.AttendanceOf(&a.Appointment, o)}, at)
	})
	if err != nil {
		return SchedAppointment{}, fmt.Errorf("record outcome of %s: %w", id, err)
	}
	return d.SchedAppointment(ctx, id)
}

// attendanceID keys a history entry: its appointment's ID, or (imported
// without one) a digest of the patient, date and start, so importing the
// same history again adds nothing.
func attendanceID(a schedule.Attendance) string {
	if a.AppointmentID != "" {
		return a.AppointmentID
	}
	h := sha256.Sum256([]byte(a.PatientID + "|" + a.Date.String() + "|" + a.Start.String()))
	return "hs-" + hex.EncodeToString(h[:12])
}

var attendanceColumns = []string{"id", "patient_id", "provider_id", "visit_type", "visit_date", "start_min", "lead_days", "outcome", "recorded_at"}

func insertAttendance(ctx context.Context, e execer, visits []schedule.Attendance, at time.Time) error {
	rows := make([][]any, len(visits))
	for i, a := range visits {
		rows[i] = []any{attendanceID(a), a.PatientID, a.ProviderID, a.VisitType, a.Date, a.Start, a.LeadDays, a.Outcome, ts(at)}
	}
	return insertRows(ctx, e, "sched_attendance", attendanceColumns, rows, " ON CONFLICT (id) DO NOTHING")
}

// AddHistory appends imported attendance history; entries stored before
// (the same appointment, or patient, date and start) are skipped. It
// returns how many entries it added.
func (d *DB) AddHistory(ctx context.Context, visits []schedule.Attendance) (int, error) {
	for i, a := range visits {
		if a.PatientID == "" || a.Date.IsZero() || !a.Outcome.Valid() {
			return 0, fmt.Errorf("add history: entry %d needs a patient, a date and an outcome: %w", i+1, ErrInvalid)
		}
	}
	var before, after int
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sched_attendance").Scan(&before); err != nil {
			return err
		}
		if err := insertAttendance(ctx, tx, visits, now()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sched_attendance").Scan(&after)
	})
	if err != nil {
		return 0, fmt.Errorf("add history: %w", err)
	}
	return after - before, nil
}

// History returns the attendance history of visits on or after since, by
// date and start.
func (d *DB) History(ctx context.Context, since claim.Date) ([]schedule.Attendance, error) {
	out, err := queryAll(ctx, d.r, func(a *schedule.Attendance) []any {
		return []any{&a.AppointmentID, &a.PatientID, &a.ProviderID, &a.VisitType, &a.Date, &a.Start, &a.LeadDays, &a.Outcome}
	}, "SELECT id, patient_id, provider_id, visit_type, visit_date, start_min, lead_days, outcome FROM sched_attendance WHERE visit_date >= ? ORDER BY visit_date, start_min, id", since)
	if err != nil {
		return nil, fmt.Errorf("read attendance history: %w", err)
	}
	for i := range out {
		if strings.HasPrefix(out[i].AppointmentID, "hs-") {
			out[i].AppointmentID = ""
		}
	}
	return out, nil
}

// SchedOffer is one offer of a freed slot to a waitlisted request.
type SchedOffer struct {
	ID         string
	RequestID  string
	Slot       schedule.Slot
	State      schedule.OfferState
	WorkflowID string // the WaitlistFill run that made it
	Expires    time.Time
	Created    time.Time
}

const schedOfferCols = "id, request_id, provider_id, appt_date, start_min, state, workflow_id, expires_at, created_at"

func schedOfferDest(o *SchedOffer) []any {
	return []any{&o.ID, &o.RequestID, &o.Slot.ProviderID, &o.Slot.Date, &o.Slot.Start, &o.State, &o.WorkflowID, scanTime(&o.Expires), scanTime(&o.Created)}
}

// AddOffer stores a pending offer; one stored already is left as it is.
func (d *DB) AddOffer(ctx context.Context, o SchedOffer) error {
	if o.ID == "" || o.RequestID == "" || o.WorkflowID == "" || o.Expires.IsZero() {
		return fmt.Errorf("add offer: an ID, a request, a workflow and an expiry are required: %w", ErrInvalid)
	}
	_, err := exec(ctx, d.w, "INSERT INTO sched_offers ("+schedOfferCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
		o.ID, o.RequestID, o.Slot.ProviderID, o.Slot.Date, o.Slot.Start, schedule.OfferPending, o.WorkflowID, ts(o.Expires), ts(now()))
	if err != nil {
		return fmt.Errorf("add offer %s: %w", o.ID, err)
	}
	return nil
}

// SetOfferState closes an offer (accepted, declined, expired, withdrawn).
func (d *DB) SetOfferState(ctx context.Context, id string, state schedule.OfferState) error {
	if err := execOne(ctx, d.w, "UPDATE sched_offers SET state = ? WHERE id = ?", state, id); err != nil {
		return fmt.Errorf("set offer %s: %w", id, err)
	}
	return nil
}

// SchedOffer returns one offer.
func (d *DB) SchedOffer(ctx context.Context, id string) (SchedOffer, error) {
	o, err := queryOne(ctx, d.r, schedOfferDest, "SELECT "+schedOfferCols+" FROM sched_offers WHERE id = ?", id)
	if err != nil {
		return o, fmt.Errorf("get offer %s: %w", id, err)
	}
	return o, nil
}

// SchedOffers lists the offers made since a time, newest first.
func (d *DB) SchedOffers(ctx context.Context, since time.Time) ([]SchedOffer, error) {
	out, err := queryAll(ctx, d.r, schedOfferDest, "SELECT "+schedOfferCols+" FROM sched_offers WHERE created_at >= ? ORDER BY created_at DESC, id", ts(since))
	if err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	return out, nil
}
