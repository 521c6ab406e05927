package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
)

// InterchangeStatus is where an 837P interchange is in submission.
type InterchangeStatus string

// The interchange statuses.
const (
	InterchangeReserved     InterchangeStatus = "reserved"     // recorded with its claims, not yet sent
	InterchangeSent         InterchangeStatus = "sent"         // the clearinghouse took it
	InterchangeAcknowledged InterchangeStatus = "acknowledged" // its 999 arrived
)

// Interchange is one 837P file (ISA..IEA) and its submission.
type Interchange struct {
	ID             string // "" = opaqueid.New("ic-") on reserve
	BatchID        string
	ControlNumber  int64 // ISA13
	GroupNumber    int64 // GS06
	IdempotencyKey string
	PayerID        string
	Content        string // the X12 text, when stored in the database
	BlobRef        string // or a reference to it in blob storage
	Status         InterchangeStatus
	AckCode        string // 999 IK5/AK9 code: A accepted, E accepted with errors, P partially, R rejected
	AckDetail      string // the 999's errors, as the x12 package renders them
	ClaimIDs       []string
	CreatedAt      time.Time
	SentAt         time.Time
	AckedAt        time.Time
}

const interchangeCols = `id, batch_id, control_number, group_number, idempotency_key, payer_id, content, blob_ref,
	status, ack_code, ack_detail, created_at, sent_at, acked_at`

func interchangeDest(i *Interchange) []any {
	return []any{&i.ID, &i.BatchID, &i.ControlNumber, &i.GroupNumber, &i.IdempotencyKey, &i.PayerID, &i.Content,
		&i.BlobRef, &i.Status, &i.AckCode, &i.AckDetail, scanTime(&i.CreatedAt), scanTime(&i.SentAt), scanTime(&i.AckedAt)}
}

// SubmissionStatus is where one claim is in submission.
type SubmissionStatus string

// The claim submission statuses.
const (
	SubmissionQueued   SubmissionStatus = "queued"   // in a reserved interchange
	SubmissionSent     SubmissionStatus = "sent"     // its interchange was sent
	SubmissionPending  SubmissionStatus = "pending"  // 277CA received or forwarded it, not yet accepted (or said what rcmbot cannot read)
	SubmissionAccepted SubmissionStatus = "accepted" // 277CA accepted
	SubmissionRejected SubmissionStatus = "rejected" // 999 or 277CA rejected
)

// SubmittedClaim is a claim's entry in the submission ledger.
type SubmittedClaim struct {
	BatchID          string
	ClaimID          string
	InterchangeID    string
	Status           SubmissionStatus
	AckCategory      string // 277CA STC01-1 category (A1, A2, A3, A6 ...)
	AckCode          string // 277CA STC01-2 status code
	PayerClaimNumber string // the payer's claim control number (REF*1K)
	Message          string
	QueuedAt         time.Time
	SentAt           time.Time
	AckedAt          time.Time
}

const submittedCols = `batch_id, claim_id, interchange_id, status, ack_category, ack_code, payer_claim_number,
	message, queued_at, sent_at, acked_at`

func submittedDest(s *SubmittedClaim) []any {
	return []any{&s.BatchID, &s.ClaimID, &s.InterchangeID, &s.Status, &s.AckCategory, &s.AckCode,
		&s.PayerClaimNumber, &s.Message, scanTime(&s.QueuedAt), scanTime(&s.SentAt), scanTime(&s.AckedAt)}
}

// ControlNumberMax is the largest X12 control number (9 digits); after it
// NextControlNumber wraps to 1.
const ControlNumberMax = 999999999

// NextControlNumber returns the next control number of a kind (e.g.
// "isa", "gs"), starting at 1 and wrapping after ControlNumberMax. Each
// call gets a distinct number, across processes, on both databases.
func (d *DB) NextControlNumber(ctx context.Context, kind string) (int64, error) {
	var n int64
	err := d.w.QueryRowContext(ctx, d.w.Rebind(`INSERT INTO control_numbers (kind, last_number) VALUES (?, 1)
		ON CONFLICT (kind) DO UPDATE SET last_number =
			CASE WHEN control_numbers.last_number >= ? THEN 1 ELSE control_numbers.last_number + 1 END
		RETURNING last_number`), kind, ControlNumberMax).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s control number: %w", kind, err)
	}
	return n, nil
}

// ReserveInterchange records an interchange and its claims (status
// queued) in one transaction, before the file is sent: the activity
// reserves, sends, then calls MarkInterchangeSent. If an interchange with
// the same idempotency key exists, it returns that one unchanged (a
// retry; send what it returns, with its key). A claim already in the
// ledger for the batch, in any interchange, is never put in a second one:
// ErrConflict naming the claims, and nothing is recorded.
func (d *DB) ReserveInterchange(ctx context.Context, ic Interchange, claimIDs []string) (Interchange, error) {
	if ic.IdempotencyKey == "" || len(claimIDs) == 0 {
		return Interchange{}, fmt.Errorf("reserve interchange for batch %s: idempotency key and claims are required: %w", ic.BatchID, ErrInvalid)
	}
	if ic.ID == "" {
		ic.ID = opaqueid.New("ic-")
	}
	out, err := d.reserveInterchange(ctx, ic, claimIDs)
	if isUniqueViolation(err) {
		// A concurrent reserve committed first (PostgreSQL); look again:
		// its key, or the claims it took, decide.
		out, err = d.reserveInterchange(ctx, ic, claimIDs)
		if isUniqueViolation(err) {
			err = fmt.Errorf("%w: %w", ErrConflict, err)
		}
	}
	if err != nil {
		return Interchange{}, fmt.Errorf("reserve interchange for batch %s: %w", ic.BatchID, err)
	}
	if out.ClaimIDs == nil {
		if out.ClaimIDs, err = d.interchangeClaimIDs(ctx, out.ID); err != nil {
			return Interchange{}, fmt.Errorf("reserve interchange for batch %s: %w", ic.BatchID, err)
		}
	}
	return out, nil
}

func (d *DB) reserveInterchange(ctx context.Context, ic Interchange, claimIDs []string) (Interchange, error) {
	var out Interchange
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		prev, err := interchangeBy(ctx, tx, "idempotency_key", ic.IdempotencyKey)
		if err == nil {
			out = prev
			return nil
		}
		if err != ErrNotFound {
			return err
		}
		var taken []string
		for start := 0; start < len(claimIDs); start += 500 {
			ids := claimIDs[start:min(start+500, len(claimIDs))]
			args := []any{ic.BatchID}
			for _, id := range ids {
				args = append(args, id)
			}
			var got []string
			if err := tx.SelectContext(ctx, &got, tx.Rebind(`SELECT claim_id FROM submitted_claims WHERE batch_id = ?
				AND claim_id IN (`+placeholders(len(ids))+") ORDER BY claim_id"), args...); err != nil {
				return err
			}
			taken = append(taken, got...)
		}
		if len(taken) > 0 {
			// A reserve with our key may have committed since we looked.
			if prev, err := interchangeBy(ctx, tx, "idempotency_key", ic.IdempotencyKey); err == nil {
				out = prev
				return nil
			}
			if len(taken) > 10 {
				taken = append(taken[:10], "...")
			}
			return fmt.Errorf("claims already submitted: %s: %w", strings.Join(taken, ", "), ErrConflict)
		}
		t := now()
		ic.Status, ic.CreatedAt, ic.ClaimIDs = InterchangeReserved, t, claimIDs
		ic.SentAt, ic.AckedAt, ic.AckCode, ic.AckDetail = time.Time{}, time.Time{}, "", ""
		if _, err := exec(ctx, tx, "INSERT INTO interchanges ("+interchangeCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ic.ID, ic.BatchID, ic.ControlNumber, ic.GroupNumber,
			ic.IdempotencyKey, ic.PayerID, ic.Content, ic.BlobRef, ic.Status, "", "", ts(t), nil, nil); err != nil {
			return err
		}
		rows := make([][]any, len(claimIDs))
		for i, id := range claimIDs {
			rows[i] = []any{ic.BatchID, id, ic.ID, SubmissionQueued, ts(t)}
		}
		if err := insertRows(ctx, tx, "submitted_claims", []string{"batch_id", "claim_id", "interchange_id", "status", "queued_at"}, rows, ""); err != nil {
			return err
		}
		out = ic
		return nil
	})
	return out, err
}

func interchangeBy(ctx context.Context, e execer, col, v string) (Interchange, error) {
	return queryOne(ctx, e, interchangeDest, "SELECT "+interchangeCols+" FROM interchanges WHERE "+col+" = ?", v)
}

func (d *DB) interchangeClaimIDs(ctx context.Context, id string) ([]string, error) {
	var ids []string
	err := d.r.SelectContext(ctx, &ids, d.r.Rebind("SELECT claim_id FROM submitted_claims WHERE interchange_id = ? ORDER BY claim_id"), id)
	return ids, err
}

// Interchange returns an interchange with its claim IDs.
func (d *DB) Interchange(ctx context.Context, id string) (Interchange, error) {
	ic, err := interchangeBy(ctx, d.r, "id", id)
	if err == nil {
		ic.ClaimIDs, err = d.interchangeClaimIDs(ctx, id)
	}
	if err != nil {
		return ic, fmt.Errorf("get interchange %s: %w", id, err)
	}
	return ic, nil
}

// Interchanges lists a batch's interchanges (without claim IDs), oldest
// first; status "" lists every status.
func (d *DB) Interchanges(ctx context.Context, batchID string, status InterchangeStatus) ([]Interchange, error) {
	q := "SELECT " + interchangeCols + " FROM interchanges WHERE batch_id = ?"
	args := []any{batchID}
	if status != "" {
		q += " AND status = ?"
		args = append(args, status)
	}
	out, err := queryAll(ctx, d.r, interchangeDest, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list interchanges of batch %s: %w", batchID, err)
	}
	return out, nil
}

// MarkInterchangeSent records that a reserved interchange was delivered:
// it and its queued claims become sent. Marking a sent interchange again
// does nothing.
func (d *DB) MarkInterchangeSent(ctx context.Context, id string) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		t := ts(now())
		res, err := exec(ctx, tx, "UPDATE interchanges SET status = ?, sent_at = ? WHERE id = ? AND status = ?",
			InterchangeSent, t, id, InterchangeReserved)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				_, err = interchangeBy(ctx, tx, "id", id) // ErrNotFound, or sent before
			}
			return err
		}
		_, err = exec(ctx, tx, "UPDATE submitted_claims SET status = ?, sent_at = ? WHERE interchange_id = ? AND status = ?",
			SubmissionSent, t, id, SubmissionQueued)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark interchange %s sent: %w", id, err)
	}
	return nil
}

// InterchangeAck is a 999 acknowledgement of one interchange.
type InterchangeAck struct {
	Code   string // A, E, P or R
	Detail string
	// RejectedClaimIDs are the claims of rejected transaction sets when
	// the 999 rejects only some (code P); with code R every claim of the
	// interchange is rejected.
	RejectedClaimIDs []string
	At               time.Time // zero = now
}

// RecordInterchangeAck stores a 999 for an interchange; the claims it
// rejects become rejected with the 999's detail as their message.
func (d *DB) RecordInterchangeAck(ctx context.Context, id string, ack InterchangeAck) error {
	if ack.At.IsZero() {
		ack.At = now()
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOne(ctx, tx, "UPDATE interchanges SET status = ?, ack_code = ?, ack_detail = ?, acked_at = ? WHERE id = ?",
			InterchangeAcknowledged, ack.Code, ack.Detail, ts(ack.At), id); err != nil {
			return err
		}
		msg := "rejected by the clearinghouse (999)"
		if ack.Detail != "" {
			msg += ": " + ack.Detail
		}
		q := "UPDATE submitted_claims SET status = ?, message = ?, acked_at = ? WHERE interchange_id = ?"
		args := []any{SubmissionRejected, msg, ts(ack.At), id}
		switch {
		case ack.Code == "R":
		case len(ack.RejectedClaimIDs) > 0:
			q += " AND claim_id IN (" + placeholders(len(ack.RejectedClaimIDs)) + ")"
			for _, c := range ack.RejectedClaimIDs {
				args = append(args, c)
			}
		default:
			return nil
		}
		_, err := exec(ctx, tx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("record 999 for interchange %s: %w", id, err)
	}
	return nil
}

// ClaimAck is a 277CA status for one claim.
type ClaimAck struct {
	Status           SubmissionStatus // pending, accepted or rejected
	Category         string           // STC01-1
	Code             string           // STC01-2
	PayerClaimNumber string
	Message          string
	At               time.Time // zero = now
}

// RecordClaimAck stores a claim's 277CA status. A claim not in the
// ledger is ErrNotFound. A pending claim may be acknowledged again by a
// later 277CA.
func (d *DB) RecordClaimAck(ctx context.Context, batchID, claimID string, ack ClaimAck) error {
	if ack.Status != SubmissionAccepted && ack.Status != SubmissionRejected && ack.Status != SubmissionPending {
		return fmt.Errorf("record 277CA for claim %s: status %q (want pending, accepted or rejected): %w", claimID, ack.Status, ErrInvalid)
	}
	if ack.At.IsZero() {
		ack.At = now()
	}
	err := execOne(ctx, d.w, `UPDATE submitted_claims SET status = ?, ack_category = ?, ack_code = ?, payer_claim_number = ?,
		message = ?, acked_at = ? WHERE batch_id = ? AND claim_id = ?`,
		ack.Status, ack.Category, ack.Code, ack.PayerClaimNumber, ack.Message, ts(ack.At), batchID, claimID)
	if err != nil {
		return fmt.Errorf("record 277CA for claim %s of batch %s: %w", claimID, batchID, err)
	}
	return nil
}

// SubmittedClaims lists a batch's submission ledger in claim ID order.
func (d *DB) SubmittedClaims(ctx context.Context, batchID string) ([]SubmittedClaim, error) {
	out, err := queryAll(ctx, d.r, submittedDest, "SELECT "+submittedCols+" FROM submitted_claims WHERE batch_id = ? ORDER BY claim_id", batchID)
	if err != nil {
		return nil, fmt.Errorf("list submitted claims of batch %s: %w", batchID, err)
	}
	return out, nil
}

// ClaimsToSubmit returns the claims of a batch that may be submitted and
// are not in the ledger yet, in file order: clean, approved and
// overridden claims, and corrected claims that re-scrubbed clean. A
// submitter takes them a page at a time (p.Limit): claims put in the
// ledger drop out of the next call.
func (d *DB) ClaimsToSubmit(ctx context.Context, batchID string, p Page) ([]ClaimRecord, error) {
	var out []ClaimRecord
	err := d.scanClaims(ctx, ` WHERE `+`c.batch_id = ? AND (c.state IN ('clean', 'approved', 'overridden')
		OR (c.state = 'corrected' AND c.tier = 'clean'))
		AND NOT EXISTS (SELECT 1 FROM submitted_claims s WHERE s.batch_id = c.batch_id AND s.claim_id = c.claim_id)`,
		[]any{batchID}, false, p, func(r ClaimRecord) error { out = append(out, r); return nil })
	if err != nil {
		return nil, fmt.Errorf("claims to submit of batch %s: %w", batchID, err)
	}
	return out, nil
}
