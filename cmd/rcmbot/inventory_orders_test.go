package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventorybot"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/supplier"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
	"github.com/rcmbot/rcmbot/workflows"
)

// TestInventoryCommands runs the inventory bot's front door from the
// command line against a real Temporal dev server, an in-process worker
// on the inventory queue, a real SQLite store and the supplier simulator:
// import, review, orders, a refused and an accepted approval, a partial
// receipt, the rest of the delivery closing the order.
func TestInventoryCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	srv := temporaltest.Start(t)
	data := t.TempDir()
	id, key := keyring.NewEntry()
	priv, pub, err := decision.GenerateKey("rcmbot-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RCMBOT_DATA_DIR", data)
	t.Setenv("RCMBOT_KEYS", "active="+id+";"+id+"="+key)
	t.Setenv("RCMBOT_DECISION_KEY", priv)
	t.Setenv("TEMPORAL_ADDRESS", srv.Address)
	t.Setenv("RCMBOT_TIMEZONE", "UTC")
	ctx := context.Background()
	ring, err := keyring.Load(os.Getenv("RCMBOT_KEYS"), "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(data, "rcmbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetSealer(ring)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	// The worker: the inventory queue's workflows and activities, on the
	// same codec as the CLI.
	sup, _ := sim.NewSupplierSim(sim.SupplierConfig{PartialSKUs: "GLV-NIT-M"})
	hs := httptest.NewServer(sup)
	defer hs.Close()
	var o client.Options
	codec.ConfigureClient(&o, ring, codec.RefusePlaintext)
	c := srv.Client(t, temporaltest.Options{DataConverter: o.DataConverter, FailureConverter: o.FailureConverter})
	verifier, err := decision.NewVerifier(decision.MaxAge, pub)
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, inventorybot.TaskQueue, worker.Options{})
	inv := &workflows.Inventory{Decisions: verifier}
	w.RegisterWorkflow(inv.InventoryReview)
	w.RegisterWorkflow(inv.PurchaseOrder)
	w.RegisterActivity(&activities.Inventory{DB: db, Supplier: supplier.New(supplier.Options{URL: hs.URL})})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run := func(args ...string) (string, string, int) {
		t.Helper()
		root := newRootCmd()
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs(args)
		err := root.Execute()
		var ee exitError
		switch {
		case errors.As(err, &ee):
			return out.String(), errOut.String(), ee.code
		case err != nil:
			return out.String(), errOut.String() + err.Error(), 1
		}
		return out.String(), errOut.String(), 0
	}

	if out, errOut, code := run("inventory", "import", "items", demoItems, "--supplier", "acme", "--location", "main"); code != 0 || !strings.Contains(out, "24 stored") {
		t.Fatalf("import items: %d %s %s", code, out, errOut)
	}
	if out, errOut, code := run("inventory", "import", "usage", demoUsage); code != 0 || !strings.Contains(out, "stored, 0 rows refused") {
		t.Fatalf("import usage: %d %s %s", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "count.csv")
	if err := os.WriteFile(bad, []byte("sku,location,counted\nSYR-3ML,main,40\nSYR-3ML,main,lots\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run("inventory", "import", "counts", bad)
	if code != 2 || !strings.Contains(errOut, "count.csv") || !strings.Contains(errOut, "row 3") || !strings.Contains(out, "1 stored") {
		t.Errorf("bad count: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := run("inventory", "import", "counts", "/nonexistent/count.csv"); code == 0 {
		t.Errorf("missing file: %q", errOut)
	}

	out, errOut, code = run("inventory", "review", "--po-approval-limit", "1")
	if code != 0 || !strings.HasPrefix(out, "inventory-review-rv-") {
		t.Fatalf("review: %d %s %s", code, out, errOut)
	}
	var res workflows.InventoryReviewResult
	if err := c.GetWorkflow(ctx, strings.TrimSpace(out), "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Orders) != 1 || res.Items != 24 || len(res.Started) != 1 {
		t.Fatalf("review result: %+v", res)
	}
	number := res.Orders[0]
	po := waitPO(t, db, number, inventory.POAwaitingApproval)

	if _, errOut, code := run("inventory", "approve", number, "--role", "biller"); code != 1 || !strings.Contains(errOut, "admin or a purchaser") {
		t.Errorf("approve as biller: %d %q", code, errOut)
	}
	if _, errOut, code := run("inventory", "approve", number, "--qty", "nonsense"); code != 1 || !strings.Contains(errOut, "SKU=QUANTITY") {
		t.Errorf("bad --qty: %d %q", code, errOut)
	}
	if _, errOut, code := run("inventory", "withdraw", number); code != 1 || !strings.Contains(errOut, "Say why purchase order "+number+" is withdrawn") {
		t.Errorf("withdraw without a reason: %d %q", code, errOut)
	}
	if out, errOut, code := run("inventory", "approve", number, "--by", "pat"); code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("approve: %d %s %s", code, out, errOut)
	}
	po = waitPO(t, db, number, inventory.POAcknowledged, inventory.POBackordered)
	line := po.Lines[0]
	out, errOut, code = run("inventory", "receive", number, "--sku", string(line.SKU), "--qty", "1", "--location", "room-2")
	if code != 0 || !strings.Contains(out, string(inventory.POPartiallyReceived)) {
		t.Fatalf("receive: %d %s %s", code, out, errOut)
	}
	if out, _, code := run("inventory", "orders", "--status", "partially_received"); code != 0 || !strings.Contains(out, number) {
		t.Errorf("orders: %d %s", code, out)
	}
	// The rest of every line arrives: the order closes.
	for i, l := range po.Lines {
		q := l.Outstanding()
		if i == 0 {
			q--
		}
		if q <= 0 {
			continue
		}
		if out, errOut, code := run("inventory", "receive", number, "--sku", string(l.SKU), "--qty", fmt.Sprint(q)); code != 0 {
			t.Fatalf("receive %s: %d %s %s", l.SKU, code, out, errOut)
		}
	}
	closed := waitPO(t, db, number, inventory.POClosed)
	for _, l := range closed.Lines {
		if l.Status != inventory.LineCancelled && l.Received != l.Quantity {
			t.Errorf("line %+v not received in full", l)
		}
	}
	if _, errOut, code := run("inventory", "receive", number, "--sku", string(line.SKU), "--qty", "1"); code != 1 || !strings.Contains(errOut, "no longer open") {
		t.Errorf("receiving on a closed order: %d %q", code, errOut)
	}
	if _, errOut, code := run("inventory", "withdraw", number, "--reason", "too late"); code != 1 || !strings.Contains(errOut, "no longer open") {
		t.Errorf("withdrawing a closed order: %d %q", code, errOut)
	}
	if _, errOut, code := run("inventory", "receive", "PO-NONE", "--sku", "X", "--qty", "1"); code != 1 || !strings.Contains(errOut, "no purchase order PO-NONE") {
		t.Errorf("unknown order: %d %q", code, errOut)
	}
	if s := sup.Stats(); s.Orders != 1 || s.OrderCounts[number] != 1 {
		t.Errorf("supplier: %+v", s)
	}
}

// waitPO waits until the stored order is in one of statuses.
func waitPO(t *testing.T, db *store.DB, number string, statuses ...inventory.POStatus) store.StoredPO {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		po, err := db.PurchaseOrder(context.Background(), number)
		if err == nil {
			for _, s := range statuses {
				if po.Status == s {
					return po
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s (%v), want %v", number, po.Status, err, statuses)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
