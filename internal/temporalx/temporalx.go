// Package temporalx adapts rcmbot to Temporal: the task queue of each bot,
// the search attributes staff filter on in the Temporal UI, dialling a
// client with the encrypting data converter, registering search attributes
// and keeping each bot's Schedule in the shape the code declares.
//
// Nothing here may carry PHI: task queues, search attributes, workflow and
// schedule IDs are stored by Temporal in plaintext.
package temporalx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
)

// Search attributes (all plaintext in Temporal: opaque values only).
var (
	// AttrBot names the bot that owns a workflow: "claims", "eligibility", "system".
	AttrBot = temporal.NewSearchAttributeKeyKeyword("RcmBot")
	// AttrBatchID is the claims batch (or eligibility sweep) ID.
	AttrBatchID = temporal.NewSearchAttributeKeyKeyword("BatchId")
	// AttrBatchStatus is the batch's status: parsing, scrubbing, awaiting_review, ...
	AttrBatchStatus = temporal.NewSearchAttributeKeyKeyword("BatchStatus")
	// AttrClaimCount is the number of claims (or members) in the batch.
	AttrClaimCount = temporal.NewSearchAttributeKeyInt64("ClaimCount")
	// AttrFlaggedCount is the number of claims (or members) flagged for staff.
	AttrFlaggedCount = temporal.NewSearchAttributeKeyInt64("FlaggedCount")
)

// SearchAttributes maps each rcmbot search attribute name to its type.
var SearchAttributes = map[string]enumspb.IndexedValueType{
	AttrBot.GetName():          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrBatchID.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrBatchStatus.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrClaimCount.GetName():   enumspb.INDEXED_VALUE_TYPE_INT,
	AttrFlaggedCount.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
}

// DevServerFlags returns the `temporal server start-dev` flags that
// register rcmbot's search attributes at start-up.
func DevServerFlags() []string {
	var out []string
	for _, name := range sortedKeys(SearchAttributes) {
		kind := "Keyword"
		if SearchAttributes[name] == enumspb.INDEXED_VALUE_TYPE_INT {
			kind = "Int"
		}
		out = append(out, "--search-attribute", name+"="+kind)
	}
	return out
}

// DialOptions says how to reach Temporal.
type DialOptions struct {
	Address   string
	Namespace string
	// DataConverter and FailureConverter encrypt payloads and failures;
	// nil leaves Temporal's defaults (tests of the converters only).
	DataConverter    converter.DataConverter
	FailureConverter converter.FailureConverter
	Logger           *slog.Logger
	// TLS is the client certificate and CA for a frontend with mutual
	// TLS; the zero value dials in plaintext.
	TLS TLSFiles
}

// Dial connects to Temporal and checks that the frontend answers.
func Dial(ctx context.Context, o DialOptions) (client.Client, error) {
	opts := client.Options{
		HostPort:         o.Address,
		Namespace:        o.Namespace,
		DataConverter:    o.DataConverter,
		FailureConverter: o.FailureConverter,
	}
	if o.Logger != nil {
		opts.Logger = tlog.NewStructuredLogger(o.Logger.With("component", "temporal"))
	}
	if o.TLS.Enabled() {
		tc, err := o.TLS.Config()
		if err != nil {
			return nil, err
		}
		opts.ConnectionOptions.TLS = tc
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", o.Address, o.Namespace, err)
	}
	return c, nil
}

// EnsureSearchAttributes registers rcmbot's search attributes in the
// namespace, adding only those missing. Safe to call at every start.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ops := c.OperatorService()
	have, err := listSearchAttributes(ctx, ops, namespace)
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range SearchAttributes {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("search attribute %s exists with type %s, rcmbot needs %s: remove it or use another namespace", name, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("add search attributes %s: %w", strings.Join(sortedKeys(missing), ", "), err)
	}
	return awaitSearchAttributes(ctx, c, namespace, sortedKeys(missing))
}

// listSearchAttributes lists the namespace's search attributes, waiting
// (up to searchAttributeWait) for a namespace registered moments ago to
// reach the frontend's namespace cache.
func listSearchAttributes(ctx context.Context, ops operatorservice.OperatorServiceClient, namespace string) (*operatorservice.ListSearchAttributesResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, searchAttributeWait)
	defer cancel()
	for {
		have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		var nf *serviceerror.NamespaceNotFound
		if err == nil || !errors.As(err, &nf) {
			if err != nil {
				return nil, fmt.Errorf("list search attributes: %w", err)
			}
			return have, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("list search attributes: %w (register it first: docker-compose's temporal-namespace service does)", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// searchAttributeWait bounds how long EnsureSearchAttributes waits for new
// search attributes to be usable: a server on SQL visibility maps them
// through its namespace cache, refreshed every 10 s by default.
const searchAttributeWait = time.Minute

// awaitSearchAttributes waits until a visibility query naming each new
// attribute is accepted, so that workflows and schedules created right after
// (rcmbot setup applies the schedules next) can set them.
func awaitSearchAttributes(ctx context.Context, c client.Client, namespace string, names []string) error {
	ctx, cancel := context.WithTimeout(ctx, searchAttributeWait)
	defer cancel()
	var clauses []string
	for _, n := range names {
		if SearchAttributes[n] == enumspb.INDEXED_VALUE_TYPE_INT {
			clauses = append(clauses, n+" = 0")
		} else {
			clauses = append(clauses, n+" = 'probe'")
		}
	}
	query := strings.Join(clauses, " AND ")
	for {
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search attributes %s were added but Temporal does not accept them yet: %w", strings.Join(names, ", "), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// WaitReady polls Temporal until the frontend answers a health check or ctx
// ends, calling progress with the time waited so far every few seconds.
func WaitReady(ctx context.Context, o DialOptions, progress func(waited time.Duration)) (client.Client, error) {
	start := time.Now()
	last := start
	for {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := Dial(dctx, o)
		cancel()
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no answer from Temporal at %s: %w", o.Address, err)
		case <-time.After(300 * time.Millisecond):
		}
		if progress != nil && time.Since(last) >= 3*time.Second {
			last = time.Now()
			progress(time.Since(start))
		}
	}
}

// UILink returns the Temporal UI address of a workflow's page.
func UILink(uiBase, namespace, workflowID string) string {
	return strings.TrimRight(uiBase, "/") + "/namespaces/" + namespace + "/workflows/" + workflowID
}
