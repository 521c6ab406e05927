package supplier_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/supplier"
)

// TestPlaceClassifiesFailures runs the client against the real supplier
// simulator: a 429's Retry-After, a 503 and a timeout are retryable, a
// refused order is permanent, and a repeat after them places one order.
func TestPlaceClassifiesFailures(t *testing.T) {
	s, err := sim.NewSupplierSim(sim.SupplierConfig{Hang: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := supplier.New(supplier.Options{URL: srv.URL, Timeout: 300 * time.Millisecond})
	ctx := context.Background()
	o := inventory.SupplierOrder{Number: "PO-1", SupplierID: "medline", Lines: []inventory.SupplierOrderLine{{SKU: "GLV-M", Quantity: 20}}}

	s.SetFaults(sim.SupplierFaults{FaultPlan: sim.FaultPlan{Throttles: 1, ServerErrors: 1, Hangs: 1, RetryAfter: 7}})
	_, err = c.Place(ctx, o)
	if after, ok := payer.RetryAfter(err); !ok || after != 7*time.Second {
		t.Errorf("429: %v (after %s)", err, after)
	}
	if _, err = c.Place(ctx, o); !retryable(err) {
		t.Errorf("503: %v", err)
	}
	if _, err = c.Place(ctx, o); !retryable(err) {
		t.Errorf("timeout: %v", err)
	}
	ack, err := c.Place(ctx, o)
	if err != nil || ack.Number != "PO-1" || len(ack.Lines) != 1 || ack.Lines[0].Outcome != inventory.AckAccepted {
		t.Fatalf("place: %+v %v", ack, err)
	}
	again, err := c.Place(ctx, o)
	if err != nil || again.Confirmation != ack.Confirmation {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	o.Lines[0].Quantity = 30
	if _, err := c.Place(ctx, o); !payer.IsPermanent(err) {
		t.Errorf("other lines under the same number: %v", err)
	}
	if st := s.Stats(); st.Orders != 1 || st.OrderCounts["PO-1"] != 1 {
		t.Errorf("stats: %+v", st)
	}
	if _, err := supplier.New(supplier.Options{}).Place(ctx, o); !payer.IsPermanent(err) {
		t.Errorf("no URL: %v", err)
	}
}

func retryable(err error) bool {
	_, ok := payer.RetryAfter(err)
	return ok
}
