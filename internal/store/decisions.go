package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rcmbot/rcmbot/internal/decision"
)

// SignedDecision is a staff decision as its front door signed it (package
// decision), kept as the evidence of who decided what, when: the note
// verifies with the decision public keys long after the workflow ended.
type SignedDecision struct {
	ID       string // DecisionID of the decision
	Kind     decision.Kind
	Subject  string // the workflow it was for
	BatchID  string // the batch it is about; "" for none
	Actor    string
	Role     string
	SignedAt time.Time
	Note     string // the signed note (sealed at rest)
}

// DecisionID is the ID under which a decision is recorded: its nonce,
// unique per signed decision.
func DecisionID(d decision.Decision) string { return "sd-" + d.Nonce }

// RecordDecision keeps a signed decision; recording one again does
// nothing (a retried activity).
func (d *DB) RecordDecision(ctx context.Context, sd SignedDecision) error {
	if sd.ID == "" || sd.Kind == "" || sd.Actor == "" || sd.Note == "" {
		return fmt.Errorf("record decision: ID, kind, actor and note are required: %w", ErrInvalid)
	}
	note, err := d.seal(sealDecision, sd.ID, []byte(sd.Note))
	if err != nil {
		return fmt.Errorf("record decision %s: %w", sd.ID, err)
	}
	var batchID any
	if sd.BatchID != "" {
		batchID = sd.BatchID
	}
	_, err = exec(ctx, d.w, `INSERT INTO signed_decisions (id, kind, subject, batch_id, actor, role, signed_at, note, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		sd.ID, sd.Kind, sd.Subject, batchID, sd.Actor, sd.Role, ts(sd.SignedAt), note, ts(now()))
	if err != nil {
		return fmt.Errorf("record decision %s: %w", sd.ID, err)
	}
	return nil
}

// Decision returns a recorded decision with its note opened.
func (d *DB) Decision(ctx context.Context, id string) (SignedDecision, error) {
	var note string
	sd, err := queryOne(ctx, d.r, func(s *SignedDecision) []any {
		return []any{&s.ID, &s.Kind, &s.Subject, &s.BatchID, &s.Actor, &s.Role, scanTime(&s.SignedAt), &note}
	}, "SELECT id, kind, subject, COALESCE(batch_id, ''), actor, role, signed_at, note FROM signed_decisions WHERE id = ?", id)
	if err == nil {
		var plain []byte
		plain, err = d.open(sealDecision, id, note)
		sd.Note = string(plain)
	}
	if err != nil {
		return sd, fmt.Errorf("get decision %s: %w", id, err)
	}
	return sd, nil
}
