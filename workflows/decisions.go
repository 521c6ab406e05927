package workflows

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/internal/decision"
)

// decisionGate opens the signed staff decisions a workflow's Updates
// carry: the verifier (public keys only, from the worker) and the nonces
// already acted on.
type decisionGate struct {
	decisions *decision.Verifier
	seen      decision.Seen
}

// open opens a signed decision in a validator: signed for this workflow,
// of this kind, fresh, not acted on.
func (w *decisionGate) open(ctx workflow.Context, s decision.Signed, kind decision.Kind, payload any) (decision.Decision, error) {
	if w.decisions == nil {
		return decision.Decision{}, errors.New("this worker holds no public keys for staff decisions (RCMBOT_DECISION_PUBLIC_KEYS): no decision is accepted")
	}
	d, err := w.decisions.Open(s, kind, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx), payload)
	if err == nil {
		err = w.seen.Check(d)
	}
	return d, err
}

// read reads a validated decision again in its handler (no signature
// check: validators do not run on replay) and remembers its nonce, so two
// copies validated in one workflow task are acted on once.
func (w *decisionGate) read(ctx workflow.Context, s decision.Signed, payload any) (decision.Decision, error) {
	d, err := decision.Read(s, payload)
	if err != nil {
		return d, err
	}
	if err := w.seen.Check(d); err != nil {
		return d, err
	}
	maxAge := decision.MaxAge
	if w.decisions != nil {
		maxAge = w.decisions.MaxAge()
	}
	w.seen.Add(d, workflow.Now(ctx), maxAge)
	return d, nil
}
