package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

func supplierOrder(number string) inventory.SupplierOrder {
	return inventory.SupplierOrder{Number: number, SupplierID: "medline", Lines: []inventory.SupplierOrderLine{
		{SKU: "GLV-M", Quantity: 40}, {SKU: "SUT-4", Quantity: 9}, {SKU: "VAC-FLU", Quantity: 10}}}
}

func sendOrder(t *testing.T, url, key string, o inventory.SupplierOrder) (*http.Response, inventory.SupplierAck) {
	t.Helper()
	b, _ := json.Marshal(o)
	req, _ := http.NewRequest(http.MethodPost, url+"/orders", bytes.NewReader(b))
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ack inventory.SupplierAck
	if resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(&ack); err != nil {
			t.Fatal(err)
		}
	}
	return resp, ack
}

// TestSupplierPlacesEachPOOnce: the first send places the order (201) and
// backorders, splits or refuses the lines configured so; a repeat gets the
// same acknowledgment (200) and no second order; the same number with
// other lines is refused.
func TestSupplierPlacesEachPOOnce(t *testing.T) {
	s, err := NewSupplierSim(SupplierConfig{BackorderSKUs: "VAC-FLU", PartialSKUs: "GLV-M", RefuseSKUs: "SUT-4", LeadDays: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	o := supplierOrder("PO-1")
	r1, a1 := sendOrder(t, srv.URL, "PO-1", o)
	if r1.StatusCode != http.StatusCreated {
		t.Fatalf("first send: %s", r1.Status)
	}
	want := []inventory.LineAck{{SKU: "GLV-M", Outcome: inventory.AckPartial, Backordered: 20}, {SKU: "SUT-4", Outcome: inventory.AckRefused},
		{SKU: "VAC-FLU", Outcome: inventory.AckBackordered, Backordered: 10}}
	if len(a1.Lines) != 3 || a1.Lines[0] != want[0] || a1.Lines[1] != want[1] || a1.Lines[2] != want[2] || a1.LeadDays != 4 || a1.Confirmation == "" {
		t.Fatalf("ack: %+v", a1)
	}
	r2, a2 := sendOrder(t, srv.URL, "PO-1", o)
	if r2.StatusCode != http.StatusOK || a2.Confirmation != a1.Confirmation {
		t.Fatalf("repeat: %s %+v", r2.Status, a2)
	}
	o.Lines[0].Quantity = 50
	if r, _ := sendOrder(t, srv.URL, "PO-1", o); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("other lines under the same number: %s", r.Status)
	}
	if r, _ := sendOrder(t, srv.URL, "PO-other", supplierOrder("PO-2")); r.StatusCode != http.StatusBadRequest {
		t.Errorf("key differs from the number: %s", r.Status)
	}
	st := s.Stats()
	if st.Orders != 1 || st.Replays != 1 || st.Conflicts != 1 || st.BadRequests != 1 || st.OrderCounts["PO-1"] != 1 || len(st.Duplicates) != 0 {
		t.Errorf("stats: %+v", st)
	}
	resp, err := http.Get(srv.URL + "/orders/PO-1")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("get order: %v %v", resp, err)
	}
	if resp, _ := http.Get(srv.URL + "/orders/PO-9"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown order: %s", resp.Status)
	}
}

// TestSupplierFaults: throttles answer 429 with Retry-After, server errors
// 503, and a lost answer places the order but answers 503, so the repeat
// finds it placed.
func TestSupplierFaults(t *testing.T) {
	s, err := NewSupplierSim(SupplierConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/admin/faults", "application/json", bytes.NewReader([]byte(`{"throttles":1,"server_errors":1,"retry_after":2,"lose_answers":1}`)))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("set faults: %v %v", resp, err)
	}
	o := supplierOrder("PO-7")
	if r, _ := sendOrder(t, srv.URL, "PO-7", o); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "2" {
		t.Errorf("throttled: %s %q", r.Status, r.Header.Get("Retry-After"))
	}
	if r, _ := sendOrder(t, srv.URL, "PO-7", o); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("server error: %s", r.Status)
	}
	if r, _ := sendOrder(t, srv.URL, "PO-7", o); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("lost answer: %s", r.Status)
	}
	if r, a := sendOrder(t, srv.URL, "PO-7", o); r.StatusCode != http.StatusOK || a.Number != "PO-7" {
		t.Errorf("after the lost answer: %s %+v", r.Status, a)
	}
	st := s.Stats()
	if st.Throttled != 1 || st.ServerErrors != 1 || st.Lost != 1 || st.Orders != 1 || st.Replays != 1 || st.OrderCounts["PO-7"] != 1 {
		t.Errorf("stats: %+v", st)
	}
	for _, bad := range []string{`{"lose_answers":-1}`, `{"hang_rate":2}`, `{"nope":1}`} {
		if r, _ := http.Post(srv.URL+"/admin/faults", "application/json", bytes.NewReader([]byte(bad))); r.StatusCode != http.StatusBadRequest {
			t.Errorf("faults %s: %s", bad, r.Status)
		}
	}
	if r, _ := sendOrder(t, srv.URL, "PO-8", inventory.SupplierOrder{Number: "PO-8"}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an order without lines: %s", r.Status)
	}
}

// FuzzSupplierOrder posts arbitrary bodies as orders: the simulator never
// fails with a server error (no fault is injected), never places an order
// it refused, and places each PO number at most once.
func FuzzSupplierOrder(f *testing.F) {
	good, _ := json.Marshal(supplierOrder("PO-1"))
	f.Add(good, "PO-1")
	f.Add([]byte(`{"po_number":"PO-2","lines":[{"sku":"A","quantity":-1}]}`), "PO-2")
	f.Add([]byte(`{"po_number":"PO-3","lines":[{"sku":"A","quantity":1},{"sku":"A","quantity":2}]}`), "PO-3")
	f.Add([]byte(`{"po_number":"","lines":[]}`), "")
	f.Add([]byte(`[`), "x")
	s, err := NewSupplierSim(SupplierConfig{BackorderRate: 0.3, PartialRate: 0.3})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		req := httptest.NewRequest(http.MethodPost, "/orders", bytes.NewReader(body))
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		before := s.Stats().Orders
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		st := s.Stats()
		if len(st.Duplicates) != 0 {
			t.Fatalf("placed twice: %v", st.Duplicates)
		}
		if rec.Code != http.StatusCreated && st.Orders != before {
			t.Fatalf("answered %d but placed an order", rec.Code)
		}
		if rec.Code == http.StatusCreated || rec.Code == http.StatusOK {
			var ack inventory.SupplierAck
			if err := json.Unmarshal(rec.Body.Bytes(), &ack); err != nil || ack.Number == "" || ack.Number != strings.TrimSpace(key) {
				t.Fatalf("ack %q for key %q: %v", rec.Body.String(), key, err)
			}
		}
	})
}
