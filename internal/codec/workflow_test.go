package codec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// wire records everything the converters hand to Temporal (and get back
// from it): what the server would store in history.
type wire struct {
	mu       sync.Mutex
	payloads []*commonpb.Payload
	failures [][]byte
}

func (w *wire) payload(p *commonpb.Payload) {
	if p == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.payloads = append(w.payloads, proto.Clone(p).(*commonpb.Payload))
}

func (w *wire) failure(f *failurepb.Failure) {
	b, _ := proto.Marshal(f)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures = append(w.failures, b)
}

// recordingDC is a DataConverter that notes the payloads passing through.
type recordingDC struct {
	converter.DataConverter
	wire *wire
}

func (r recordingDC) ToPayload(v any) (*commonpb.Payload, error) {
	p, err := r.DataConverter.ToPayload(v)
	r.wire.payload(p)
	return p, err
}

func (r recordingDC) ToPayloads(v ...any) (*commonpb.Payloads, error) {
	ps, err := r.DataConverter.ToPayloads(v...)
	for _, p := range ps.GetPayloads() {
		r.wire.payload(p)
	}
	return ps, err
}

func (r recordingDC) FromPayload(p *commonpb.Payload, ptr any) error {
	r.wire.payload(p)
	return r.DataConverter.FromPayload(p, ptr)
}

func (r recordingDC) FromPayloads(ps *commonpb.Payloads, ptrs ...any) error {
	for _, p := range ps.GetPayloads() {
		r.wire.payload(p)
	}
	return r.DataConverter.FromPayloads(ps, ptrs...)
}

// recordingFC is a FailureConverter that notes the failures passing
// through, as encoded.
type recordingFC struct {
	converter.FailureConverter
	wire *wire
}

func (r recordingFC) ErrorToFailure(err error) *failurepb.Failure {
	f := r.FailureConverter.ErrorToFailure(err)
	r.wire.failure(f)
	return f
}

func (r recordingFC) FailureToError(f *failurepb.Failure) error {
	r.wire.failure(f) // before: FailureToError decodes in place
	return r.FailureConverter.FailureToError(f)
}

type coverage struct {
	Active   bool
	Subject  string // the patient's name, as payers echo it back
	MemberID string
}

func lookupCoverage(_ context.Context, req eligibilityRequest) (coverage, error) {
	return coverage{Active: true, Subject: req.PatientFirst + " " + req.PatientLast, MemberID: req.MemberID}, nil
}

func notifyPayer(_ context.Context, req eligibilityRequest) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("payer 60054 has no subscriber %s born %s", req.MemberID, req.DOB), "SubscriberNotFound", nil)
}

// eligibilityWorkflow checks coverage, tries a notification that fails, and
// reports both, so that inputs, results and failures all cross the wire.
func eligibilityWorkflow(ctx workflow.Context, req eligibilityRequest) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var cov coverage
	if err := workflow.ExecuteActivity(ctx, lookupCoverage, req).Get(ctx, &cov); err != nil {
		return "", err
	}
	err := workflow.ExecuteActivity(ctx, notifyPayer, req).Get(ctx, nil)
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		return "", fmt.Errorf("notify: want an application error, got %v", err)
	}
	return fmt.Sprintf("%s %s active=%t; notify: %s", cov.Subject, cov.MemberID, cov.Active, ae.Message()), nil
}

// failingWorkflow ends in a failure whose message carries PHI.
func failingWorkflow(ctx workflow.Context, req eligibilityRequest) error {
	return temporal.NewNonRetryableApplicationError("cannot bill "+req.PatientLast+" at "+req.Address, "Unbillable", nil)
}

func newEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *wire) {
	ring := newRing(t)
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	w := &wire{}
	env.SetDataConverter(recordingDC{NewDataConverter(ring, RefusePlaintext), w})
	env.SetFailureConverter(recordingFC{NewFailureConverter(ring, RefusePlaintext), w})
	env.RegisterWorkflow(eligibilityWorkflow)
	env.RegisterWorkflow(failingWorkflow)
	env.RegisterActivity(lookupCoverage)
	env.RegisterActivity(notifyPayer)
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.payloads) == 0 {
			t.Error("no payloads crossed the wire: the data converter was not used")
		}
		for _, p := range w.payloads {
			if string(p.Metadata[converter.MetadataEncoding]) != EncodingEncrypted {
				t.Errorf("payload with encoding %q crossed the wire", p.Metadata[converter.MetadataEncoding])
			}
			raw, _ := proto.Marshal(p)
			assertNoPHI(t, "payload on the wire", raw)
		}
		for _, f := range w.failures {
			assertNoPHI(t, "failure on the wire", f)
		}
	})
	return env, w
}

func TestWorkflowPayloadsEncrypted(t *testing.T) {
	env, w := newEnv(t)
	env.ExecuteWorkflow(eligibilityWorkflow, fixture)
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	want := "Margarethe Oyelaran-Whitfield W4815162342 active=true; notify: payer 60054 has no subscriber W4815162342 born 1957-11-23"
	if got != want {
		t.Errorf("result %q\nwant   %q", got, want)
	}
	if len(w.failures) == 0 {
		t.Error("the activity failure did not go through the failure converter")
	}
}

func TestWorkflowFailureEncrypted(t *testing.T) {
	env, w := newEnv(t)
	env.ExecuteWorkflow(failingWorkflow, fixture)
	err := env.GetWorkflowError()
	if err == nil {
		t.Fatal("workflow succeeded")
	}
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Message() != "cannot bill Oyelaran-Whitfield at 1428 Elm Street, Springwood OH" {
		t.Errorf("workflow error %v: message not decoded", err)
	}
	if len(w.failures) == 0 {
		t.Error("the workflow failure did not go through the failure converter")
	}
	for _, f := range w.failures {
		if !strings.Contains(string(f), "Encoded failure") {
			t.Error("failure on the wire lacks the Encoded failure placeholder")
		}
	}
}
