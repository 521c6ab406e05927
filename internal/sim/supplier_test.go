
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
			if err := json.Unmarshal(rec.Body.Bytes(), &ack); err != nil || ack.Number != key || ack.Number == "" {
				t.Fatalf("ack %q for key %q: %v", rec.Body.String(), key, err)
			}
		}
	})
}
