package activities

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/sim/simtest"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
	"github.com/rcmbot/rcmbot/internal/supplier"
)

// inventoryFixture is the inventory activities on a real SQLite store and
// the supplier simulator over HTTP.
type inventoryFixture struct {
	a   *Inventory
	db  *store.DB
	sim *sim.SupplierSim
	env *testsuite.TestActivityEnvironment
}

func newInventoryFixture(t *testing.T, cfg sim.SupplierConfig) *inventoryFixture {
	t.Helper()
	db := storetest.Open(t)
	s, err := sim.NewSupplierSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	a := &Inventory{DB: db, Supplier: supplier.New(supplier.Options{URL: srv.URL, Timeout: 200 * time.Millisecond}), Policy: policy.Options{Seed: 1, Days: 365}}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	items := []inventory.Item{
		{SKU: "GLV-M", SupplierID: "acme", UnitCost: 8, OrderCost: 10, LeadTime: inventory.LeadTime{MeanDays: 3}, OrderMultiple: 10},
		{SKU: "VAC-FLU", SupplierID: "acme", UnitCost: 20, LeadTime: inventory.LeadTime{MeanDays: 5}, ShelfLifeDays: 180},
		{SKU: "SUT-4", SupplierID: "bolt", UnitCost: 3, LeadTime: inventory.LeadTime{MeanDays: 2}},
	}
	if err := db.UpsertItems(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	return &inventoryFixture{a: a, db: db, sim: s, env: env}
}

func order(n string) inventory.SupplierOrder {
	return inventory.SupplierOrder{Number: n, SupplierID: "acme", Lines: []inventory.SupplierOrderLine{{SKU: "GLV-M", Quantity: 40}}}
}

// SendPurchaseOrder turns the supplier's answers into the error types the
// workflow's retry policy names, and a retry after a lost answer finds the
// order placed instead of placing a second.
func TestInventorySendPurchaseOrder(t *testing.T) {
	f := newInventoryFixture(t, sim.SupplierConfig{Hang: 2 * time.Second, PartialSKUs: "GLV-M"})
	f.sim.SetFaults(sim.SupplierFaults{FaultPlan: sim.FaultPlan{Throttles: 1, Hangs: 1, RetryAfter: 9}, LoseAnswers: 1})
	_, err := f.env.ExecuteActivity(f.a.SendPurchaseOrder, order("PO-1"))
	if app := appError(err); app == nil || app.Type() != ErrSupplierBusy || app.NonRetryable() || app.NextRetryDelay() != 9*time.Second {
		t.Errorf("429: %v", err)
	}
	_, err = f.env.ExecuteActivity(f.a.SendPurchaseOrder, order("PO-1"))
	if app := appError(err); app == nil || app.NonRetryable() {
		t.Errorf("timeout: %v", err)
	}
	_, err = f.env.ExecuteActivity(f.a.SendPurchaseOrder, order("PO-1"))
	if app := appError(err); app == nil || app.Type() != ErrSupplierBusy {
		t.Errorf("lost answer: %v", err)
	}
	v, err := f.env.ExecuteActivity(f.a.SendPurchaseOrder, order("PO-1"))
	if err != nil {
		t.Fatal(err)
	}
	var ack inventory.SupplierAck
	if err := v.Get(&ack); err != nil || ack.Number != "PO-1" || len(ack.Lines) != 1 || ack.Lines[0].Outcome != inventory.AckPartial || ack.Lines[0].Backordered != 20 {
		t.Fatalf("ack: %+v %v", ack, err)
	}
	if st := f.sim.Stats(); st.Orders != 1 || st.OrderCounts["PO-1"] != 1 || st.Lost != 1 || st.Replays != 1 {
		t.Errorf("supplier: %+v", st)
	}
	changed := order("PO-1")
	changed.Lines[0].Quantity = 50
	_, err = f.env.ExecuteActivity(f.a.SendPurchaseOrder, changed)
	if app := appError(err); app == nil || app.Type() != ErrSupplierRefused || !app.NonRetryable() {
		t.Errorf("refused: %v", err)
	}
}

// ReviewInventory drafts orders from stored usage, lots and orders; a
// retry stores nothing twice, and an order awaiting approval keeps the
// next review from proposing the same stock again.
func TestInventoryReviewActivity(t *testing.T) {
	f := newInventoryFixture(t, sim.SupplierConfig{})
	ctx := context.Background()
	asOf := claim.MustDate("2026-03-02")
	var usage []inventory.Usage
	for d := range 365 {
		day := asOf.AddDays(-365 + d)
		usage = append(usage, inventory.Usage{Day: day, SKU: "GLV-M", Quantity: float64(8 + d%5)}, inventory.Usage{Day: day, SKU: "SUT-4", Quantity: float64(d % 2)})
	}
	if _, err := f.db.RecordUsage(ctx, "usage.csv", usage); err != nil {
		t.Fatal(err)
	}
	run := func() InventoryReviewOutcome {
		t.Helper()
		v, err := f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{AsOf: asOf, HistoryDays: 365})
		if err != nil {
			t.Fatal(err)
		}
		var out InventoryReviewOutcome
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := run()
	if out.Items != 3 || len(out.Orders) != 2 || out.New != 2 || out.Orders[0] != "PO-20260302-ACME" || out.Orders[1] != "PO-20260302-BOLT" {
		t.Fatalf("review: %+v", out)
	}
	if again := run(); again.New != 0 || len(again.Orders) != 2 {
		t.Errorf("retried review: %+v", again)
	}
	// The next night, the drafted orders count as on their way: nothing
	// new is drafted; as they are still proposed (their workflows never
	// ran here), they are handed back to be started.
	v, err := f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{AsOf: asOf.AddDays(1), HistoryDays: 365})
	if err != nil {
		t.Fatal(err)
	}
	var next InventoryReviewOutcome
	if err := v.Get(&next); err != nil || next.New != 0 || next.ToOrder != 0 || len(next.Orders) != 2 || next.Orders[0] != out.Orders[0] {
		t.Errorf("next night: %+v %v", next, err)
	}
	// Once an order's workflow has moved it on, it is not handed back.
	po, _ := f.db.PurchaseOrder(ctx, out.Orders[0])
	if err := po.Submit(1_000_000_00); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SavePurchaseOrder(ctx, po.PurchaseOrder); err != nil {
		t.Fatal(err)
	}
	v, _ = f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{AsOf: asOf.AddDays(2), HistoryDays: 365})
	if err := v.Get(&next); err != nil || len(next.Orders) != 1 || next.Orders[0] != out.Orders[1] {
		t.Errorf("after one order moved on: %+v %v", next, err)
	}
	if _, err := f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{}); appError(err) == nil || !appError(err).NonRetryable() {
		t.Errorf("no date: %v", err)
	}
}

// ReviewInventory stores every item's policy as it computed it, stamped
// with the day reviewed and when, for the items pages; the next review's
// replace them.
func TestInventoryReviewStoresPolicies(t *testing.T) {
	f := newInventoryFixture(t, sim.SupplierConfig{})
	ctx := context.Background()
	asOf := claim.MustDate("2026-03-02")
	var usage []inventory.Usage
	for d := range 365 {
		usage = append(usage, inventory.Usage{Day: asOf.AddDays(-365 + d), SKU: "GLV-M", Quantity: float64(8 + d%5)})
	}
	if _, err := f.db.RecordUsage(ctx, "usage.csv", usage); err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC()
	if _, err := f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{AsOf: asOf, HistoryDays: 365}); err != nil {
		t.Fatal(err)
	}
	pols, err := f.db.Policies(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	glv := pols["GLV-M"]
	if len(pols) != 3 || glv.Reviewed != asOf || glv.ComputedAt.Before(before.Truncate(time.Second)) || glv.ComputedAt.After(time.Now()) ||
		glv.Source != review.PolicyFromReview || glv.DailyMean < 9 || glv.DailyMean > 11 || !(glv.ReorderPoint > 0) || glv.OrderUpTo <= glv.ReorderPoint ||
		glv.ExpectedFill < 0.9 || glv.LeadDays != 3 || glv.Risk.DailyVariance <= 0 || glv.DemandClass == "" || glv.ForecastMethod == "" {
		t.Errorf("stored policy of GLV-M: %+v", glv)
	}
	// What the review computed is what it stored (and ordered by).
	items, err := f.db.InventoryItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := review.Input{AsOf: asOf, HistoryStart: asOf.AddDays(-365), Items: items, Usage: usage, Policy: f.a.Policy}
	for _, p := range review.Run(in).Plans {
		p.Policy.Source, p.Policy.ComputedAt = review.PolicyFromReview, pols[p.SKU].ComputedAt
		if pols[p.SKU] != p.Policy {
			t.Errorf("%s stored %+v, computed %+v", p.SKU, pols[p.SKU], p.Policy)
		}
	}
	if _, err := f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{AsOf: asOf.AddDays(1), HistoryDays: 365}); err != nil {
		t.Fatal(err)
	}
	if pols, err := f.db.Policies(ctx, "GLV-M"); err != nil || pols["GLV-M"].Reviewed != asOf.AddDays(1) {
		t.Errorf("the next review's policy: %+v %v", pols, err)
	}
}

// The review's positions are the lots as usage drew them down: the same
// history and count, with the last ten days' usage imported after the
// count (issued from it) or before (the count already took it in).
func TestInventoryReviewSeesIssuedUsage(t *testing.T) {
	ctx := context.Background()
	asOf := claim.MustDate("2026-03-02")
	counted := asOf.AddDays(-10)
	var before, after []inventory.Usage
	for d := range 365 {
		day := asOf.AddDays(-365 + d)
		u := inventory.Usage{Day: day, SKU: "GLV-M", Quantity: float64(8 + d%5)}
		if day < counted {
			before = append(before, u)
		} else {
			after = append(after, u) // 100 gloves in ten days
		}
	}
	review := func(usageAfterCount bool) InventoryReviewOutcome {
		t.Helper()
		f := newInventoryFixture(t, sim.SupplierConfig{})
		if _, err := f.db.RecordUsage(ctx, "before.csv", before); err != nil {
			t.Fatal(err)
		}
		if !usageAfterCount {
			if _, err := f.db.RecordUsage(ctx, "after.csv", after); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.db.ApplyCount(ctx, "count", counted, []inventory.Lot{{SKU: "GLV-M", Location: "main", Quantity: 105}}); err != nil {
			t.Fatal(err)
		}
		if usageAfterCount {
			if _, err := f.db.RecordUsage(ctx, "after.csv", after); err != nil {
				t.Fatal(err)
			}
		}
		v, err := f.env.ExecuteActivity(f.a.ReviewInventory, InventoryReviewInput{AsOf: asOf, HistoryDays: 365})
		if err != nil {
			t.Fatal(err)
		}
		var out InventoryReviewOutcome
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// 105 on the shelf: above the reorder point, nothing ordered.
	if out := review(false); out.ToOrder != 0 || len(out.Orders) != 0 || len(out.AtRisk) != 0 {
		t.Errorf("usage before the count: %+v", out)
	}
	// 105 − 100 = 5: at or below it; the review orders gloves and lists them at risk.
	if out := review(true); out.ToOrder != 1 || len(out.Orders) != 1 || out.Orders[0] != "PO-20260302-ACME" ||
		len(out.AtRisk) != 1 || out.AtRisk[0].OnHand != 5 {
		t.Errorf("usage after the count: %+v", out)
	}
}

// ReceivePurchaseOrder records the signed receipt once: lots, the order
// and the evidence of who received it.
func TestInventoryReceivePurchaseOrder(t *testing.T) {
	f := newInventoryFixture(t, sim.SupplierConfig{})
	ctx := context.Background()
	po := inventory.PurchaseOrder{Number: "PO-9", SupplierID: "acme", Status: inventory.POProposed, Created: claim.MustDate("2026-03-02"),
		Lines: []inventory.POLine{{SKU: "VAC-FLU", Quantity: 10, UnitCost: 20, Status: inventory.LineOpen}}}
	if _, err := f.db.ProposePurchaseOrder(ctx, po, PurchaseOrderWorkflowID(po.Number)); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{func() error { return po.Submit(1000_00) }, po.MarkSent, func() error { return po.Acknowledge(nil) }} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	note := inventory.ReceiptNote{Location: "fridge", Lot: "L1", Quantities: map[inventory.SKU]float64{"VAC-FLU": 4}}
	next, err := note.Check(&po)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := decision.NewPair("test", nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := pair.Signer.Sign(inventory.DecisionReceipt, PurchaseOrderWorkflowID(po.Number), "rob", "biller", note)
	if err != nil {
		t.Fatal(err)
	}
	in := POReceiveInput{PO: next, Receipt: note, Day: claim.MustDate("2026-03-05"), Decision: signed}
	for range 2 { // a retried activity
		if _, err := f.env.ExecuteActivity(f.a.ReceivePurchaseOrder, in); err != nil {
			t.Fatal(err)
		}
	}
	lots, _ := f.db.Lots(ctx)
	if len(lots) != 1 || lots[0].Quantity != 4 || lots[0].Number != "L1" || lots[0].Expires != claim.MustDate("2026-03-05").AddDays(180) {
		t.Errorf("lots: %+v", lots)
	}
	stored, _ := f.db.PurchaseOrder(ctx, po.Number)
	if stored.Status != inventory.POPartiallyReceived || stored.Lines[0].Received != 4 {
		t.Errorf("order: %+v", stored)
	}
	d, _ := decision.Read(signed, nil)
	if sd, err := f.db.Decision(ctx, store.DecisionID(d)); err != nil || sd.Actor != "rob" || sd.Kind != inventory.DecisionReceipt {
		t.Errorf("evidence: %+v %v", sd, err)
	}
}

// BenchmarkInventoryReview runs the review activity over a real SQLite
// store of 1,000 items with a year of daily usage each (365,000 usage
// rows): loading, policies, positions and drafting orders.
func BenchmarkInventoryReview(b *testing.B) {
	db := storetest.Open(b)
	ctx := context.Background()
	asOf := claim.MustDate("2026-03-02")
	const n = 1000
	items := make([]inventory.Item, n)
	var usage []inventory.Usage
	for i := range items {
		sku := inventory.SKU(fmt.Sprintf("SKU-%05d", i))
		items[i] = inventory.Item{SKU: sku, SupplierID: fmt.Sprintf("sup-%d", i%7), UnitCost: 5, OrderCost: 20,
			LeadTime: inventory.LeadTime{MeanDays: 4, SDDays: 1}, OrderMultiple: 10}
		for d := range 365 {
			usage = append(usage, inventory.Usage{Day: asOf.AddDays(-365 + d), SKU: sku, Quantity: float64((i + d) % 13)})
		}
	}
	if err := db.UpsertItems(ctx, items); err != nil {
		b.Fatal(err)
	}
	if _, err := db.RecordUsage(ctx, "bench", usage); err != nil {
		b.Fatal(err)
	}
	a := &Inventory{DB: db, Policy: policy.Options{Seed: 1}}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	b.ResetTimer()
	for b.Loop() {
		if _, err := env.ExecuteActivity(a.ReviewInventory, InventoryReviewInput{AsOf: asOf, HistoryDays: 365}); err != nil {
			b.Fatal(err)
		}
	}
}

// While the supplier fails, each attempt heartbeats the outage carried
// over from the attempt before (since when, how many attempts, the last
// failure) and logs it; the order is placed once when the supplier is
// back.
func TestInventorySendHeartbeatsOutage(t *testing.T) {
	f := newInventoryFixture(t, sim.SupplierConfig{})
	var logs bytes.Buffer
	f.a.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	f.sim.SetFaults(sim.SupplierFaults{FaultPlan: sim.FaultPlan{ServerErrors: 1}})
	since := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.env.SetHeartbeatDetails(SupplierOutage{Since: since, Attempts: 41, Last: "earlier"})
	var beat SupplierOutage
	f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		if err := d.Get(&beat); err != nil {
			t.Error(err)
		}
	})
	_, err := f.env.ExecuteActivity(f.a.SendPurchaseOrder, order("PO-1"))
	if app := appError(err); app == nil || app.Type() != ErrSupplierBusy || app.NonRetryable() {
		t.Fatalf("503: %v", err)
	}
	if !beat.Since.Equal(since) || beat.Attempts != 42 || !strings.Contains(beat.Last, "503") {
		t.Errorf("heartbeat: %+v", beat)
	}
	if l := logs.String(); !strings.Contains(l, `"attempt":42`) || !strings.Contains(l, `"failing_since":"2026-03-02T09:00:00Z"`) || !strings.Contains(l, `"po":"PO-1"`) {
		t.Errorf("log: %s", l)
	}
	if _, err := f.env.ExecuteActivity(f.a.SendPurchaseOrder, order("PO-1")); err != nil {
		t.Fatal(err)
	}
	if st := f.sim.Stats(); st.Orders != 1 || st.ServerErrors != 1 {
		t.Errorf("supplier: %+v", st)
	}
}

// MailSupplierOutage sends purchasing the outage email and the "taken"
// one through a real SMTP sink; without mail set up it sends nothing and
// says so; a refused address is ErrMailRefused, without the address.
func TestInventoryMailSupplierOutage(t *testing.T) {
	f := newInventoryFixture(t, sim.SupplierConfig{})
	sink, port := simtest.SMTPSink(t, sim.SMTPSinkConfig{})
	po := inventory.PurchaseOrder{Number: "PO-20260302-ACME", SupplierID: "acme", Status: inventory.POAwaitingSupplier,
		Lines: []inventory.POLine{{SKU: "GLV-M", Quantity: 40, UnitCost: 8, Status: inventory.LineOpen}}}
	since := time.Date(2026, 3, 2, 6, 45, 30, 0, time.UTC)
	in := SupplierOutageInput{PO: po, Since: since, Last: "retryable: supplier order PO-20260302-ACME: no answer within 30s"}
	sent := func(in SupplierOutageInput) (bool, error) {
		t.Helper()
		v, err := f.env.ExecuteActivity(f.a.MailSupplierOutage, in)
		if err != nil {
			return false, err
		}
		var ok bool
		return ok, v.Get(&ok)
	}
	if ok, err := sent(in); ok || err != nil || len(sink.Messages()) != 0 {
		t.Fatalf("no mail set up: %v %v", ok, err)
	}
	m, err := mail.New(mail.Settings{Host: "127.0.0.1", Port: port, TLS: mail.TLSNone, From: "rcmbot@clinic.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f.a.Mail, f.a.FollowUpTo, f.a.OrdersURL = m, []string{"purchasing@clinic.test"}, "https://rcm.example/inventory/orders"
	if ok, err := sent(in); !ok || err != nil {
		t.Fatalf("outage: %v %v", ok, err)
	}
	taken := in
	taken.PO.Status, taken.Taken = inventory.POAcknowledged, true
	if ok, err := sent(taken); !ok || err != nil {
		t.Fatalf("taken: %v %v", ok, err)
	}
	msgs := sink.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	if o := msgs[0]; o.To[0] != "purchasing@clinic.test" || o.Subject != "Purchase order PO-20260302-ACME: supplier acme has not taken it since 2026-03-02 06:45 UTC" ||
		!strings.Contains(o.Text, "Last failure: retryable: supplier order PO-20260302-ACME: no answer within 30s") ||
		!strings.Contains(o.Text, "withdraw it on the purchase orders page:\r\nhttps://rcm.example/inventory/orders") {
		t.Errorf("outage message: %+v", o)
	}
	if k := msgs[1]; k.Subject != "Purchase order PO-20260302-ACME: supplier acme has taken it" ||
		!strings.Contains(k.Text, "(not taken since 2026-03-02 06:45 UTC); it is now acknowledged") {
		t.Errorf("taken message: %+v", k)
	}
	sink.SetFaults(sim.SinkFaults{PermFail: 1})
	if _, err := sent(in); appError(err) == nil || appError(err).Type() != ErrMailRefused || !appError(err).NonRetryable() || strings.Contains(err.Error(), "purchasing@") {
		t.Errorf("refused: %v", err)
	}
}
