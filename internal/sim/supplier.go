package sim

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

// SupplierConfig configures the supplier simulator. Zero values take the
// documented defaults.
type SupplierConfig struct {
	// BackorderSKUs and PartialSKUs are comma-separated SKUs the supplier
	// backorders in full, or ships half of now and backorders the rest;
	// RefuseSKUs it will not sell (discontinued).
	BackorderSKUs string
	PartialSKUs   string
	RefuseSKUs    string
	// BackorderRate and PartialRate backorder or split that fraction of
	// the other lines, drawn from Seed (deterministic per PO and SKU).
	BackorderRate float64
	PartialRate   float64
	// LeadDays is the lead time the acknowledgment promises (default 3).
	LeadDays int
	// Delay slows every answer by this much.
	Delay time.Duration
	// Hang is how long a timeout fault holds a request before answering
	// 504 (default 2 minutes).
	Hang time.Duration
	// Seed drives the rates and the fault rates.
	Seed int64
}

// SupplierStats are the supplier simulator's counters.
type SupplierStats struct {
	Orders      int64 `json:"orders"`       // orders placed (a PO number seen for the first time)
	Replays     int64 `json:"replays"`      // a PO number sent again: the stored acknowledgment
	Conflicts   int64 `json:"conflicts"`    // a PO number sent again with other lines
	BadRequests int64 `json:"bad_requests"` // not an order, or key and number differ
	FaultCounts
	Lost int64 `json:"lost"` // orders placed whose answer was dropped (lose_answers)
	// OrderCounts is how many times each PO number was placed as an
	// order: exactly-once ordering means every count is 1.
	OrderCounts map[string]int `json:"order_counts"`
	// Duplicates lists the PO numbers placed more than once.
	Duplicates []string `json:"duplicates"`
}

// SupplierFaults is the body of the supplier simulator's /admin/faults:
// the shared FaultPlan plus LoseAnswers, the next N orders that are placed
// but whose answer is a 503 (the crash between send and acknowledgment,
// seen from the buyer).
type SupplierFaults struct {
	FaultPlan
	LoseAnswers int `json:"lose_answers,omitempty"`
}

// SupplierSim is the supplier simulator: an http.Handler that takes
// purchase orders and acknowledges them.
//
//	POST /orders           inventory.SupplierOrder JSON, Idempotency-Key header = po_number →
//	                       201 inventory.SupplierAck (first time), 200 the same ack (a repeat)
//	GET  /orders/{number}  200 the ack of a placed order, 404 unknown
//	GET  /admin/stats      SupplierStats
//	POST /admin/stats/reset
//	GET|POST|DELETE /admin/faults  SupplierFaults
//
// A PO number is placed once: sending it again with the same lines gets
// the stored acknowledgment, with other lines 422.
type SupplierSim struct {
	cfg                        SupplierConfig
	backorder, partial, refuse map[inventory.SKU]bool
	mux                        *http.ServeMux

	mu     sync.Mutex
	orders map[string]*placed
	faults SupplierFaults
	stats  SupplierStats
	rng    *rand.Rand
}

type placed struct {
	hash [32]byte
	ack  inventory.SupplierAck
}

// NewSupplierSim builds the simulator.
func NewSupplierSim(cfg SupplierConfig) (*SupplierSim, error) {
	if cfg.LeadDays <= 0 {
		cfg.LeadDays = 3
	}
	if cfg.Hang <= 0 {
		cfg.Hang = 2 * time.Minute
	}
	for _, r := range []float64{cfg.BackorderRate, cfg.PartialRate} {
		if r < 0 || r > 1 || math.IsNaN(r) {
			return nil, fmt.Errorf("supplier simulator: rates are fractions between 0 and 1")
		}
	}
	if cfg.Delay < 0 {
		return nil, fmt.Errorf("supplier simulator: delay cannot be negative")
	}
	s := &SupplierSim{cfg: cfg, backorder: skuSet(cfg.BackorderSKUs), partial: skuSet(cfg.PartialSKUs), refuse: skuSet(cfg.RefuseSKUs),
		orders: map[string]*placed{}, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5b9)), stats: SupplierStats{OrderCounts: map[string]int{}}}
	s.mux = newMux(admin{name: "supplier", stats: func() any { return s.Stats() }, resetStats: s.ResetStats,
		faults: func() any {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.faults
		},
		setFaults: s.postFaults, clearFaults: func() { s.SetFaults(SupplierFaults{}) }})
	s.mux.HandleFunc("POST /orders", s.order)
	s.mux.HandleFunc("GET /orders/{number}", s.get)
	return s, nil
}

func skuSet(list string) map[inventory.SKU]bool {
	out := map[inventory.SKU]bool{}
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out[inventory.SKU(p)] = true
		}
	}
	return out
}

// Run serves the simulator on addr until ctx ends.
func (s *SupplierSim) Run(ctx context.Context, addr string) error { return serve(ctx, addr, s) }

// ServeHTTP serves the simulator's endpoints.
func (s *SupplierSim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetFaults replaces the injected faults.
func (s *SupplierSim) SetFaults(f SupplierFaults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Stats returns a copy of the counters.
func (s *SupplierSim) Stats() SupplierStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.OrderCounts, st.Duplicates = receipts(s.stats.OrderCounts)
	return st
}

// ResetStats zeroes the counters (placed orders stay).
func (s *SupplierSim) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = SupplierStats{OrderCounts: map[string]int{}}
}

func (s *SupplierSim) postFaults(w http.ResponseWriter, r *http.Request) {
	var f SupplierFaults
	if !readFaults(w, r, &f) {
		return
	}
	if err := f.check(); err != nil || f.LoseAnswers < 0 {
		http.Error(w, "faults: counts cannot be negative and rates are fractions between 0 and 1", http.StatusBadRequest)
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}

func (s *SupplierSim) bump(f func(*SupplierStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

func (s *SupplierSim) order(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil || len(body) > 1<<20 {
		s.bump(func(st *SupplierStats) { st.BadRequests++ })
		http.Error(w, "an order is at most 1 MB of JSON", http.StatusRequestEntityTooLarge)
		return
	}
	s.mu.Lock()
	f := s.faults.next(s.rng)
	retryAfter := s.faults.RetryAfter
	s.mu.Unlock()
	if f.answers() {
		s.bump(func(st *SupplierStats) { st.count(f) })
		f.write(w, r, retryAfter, s.cfg.Hang)
		return
	}
	var o inventory.SupplierOrder
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		s.bump(func(st *SupplierStats) { st.BadRequests++ })
		http.Error(w, "not an order: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := o.Validate(); err != nil {
		s.bump(func(st *SupplierStats) { st.BadRequests++ })
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	if key := strings.TrimSpace(r.Header.Get("Idempotency-Key")); key != o.Number {
		s.bump(func(st *SupplierStats) { st.BadRequests++ })
		http.Error(w, "the Idempotency-Key header must be the order's po_number", http.StatusBadRequest)
		return
	}
	canon, _ := json.Marshal(o)
	hash := sha256.Sum256(canon)

	s.mu.Lock()
	prev, seen := s.orders[o.Number]
	status := http.StatusOK
	var ack inventory.SupplierAck
	lose := false
	switch {
	case seen && prev.hash != hash:
		s.stats.Conflicts++
		s.mu.Unlock()
		http.Error(w, "order "+o.Number+" was placed with other lines", http.StatusUnprocessableEntity)
		return
	case seen:
		s.stats.Replays++
		ack = prev.ack
	default:
		ack = s.acknowledge(o)
		s.orders[o.Number] = &placed{hash: hash, ack: ack}
		s.stats.Orders++
		s.stats.OrderCounts[o.Number]++
		status = http.StatusCreated
		if s.faults.LoseAnswers > 0 {
			s.faults.LoseAnswers--
			s.stats.Lost++
			lose = true
		}
	}
	s.mu.Unlock()
	if !sleep(r.Context(), s.cfg.Delay) {
		return
	}
	if lose {
		http.Error(w, "simulated failure after the order was placed", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, status, ack)
}

// acknowledge decides each line's fate. The caller holds s.mu.
func (s *SupplierSim) acknowledge(o inventory.SupplierOrder) inventory.SupplierAck {
	ack := inventory.SupplierAck{Number: o.Number, Confirmation: fmt.Sprintf("SO-%06d", len(s.orders)+1), LeadDays: s.cfg.LeadDays}
	for _, l := range o.Lines {
		a := inventory.LineAck{SKU: l.SKU, Outcome: inventory.AckAccepted}
		x := float64(idHash(s.cfg.Seed, o.Number+"/"+string(l.SKU))>>11) / (1 << 53)
		switch {
		case s.refuse[l.SKU]:
			a.Outcome = inventory.AckRefused
		case s.backorder[l.SKU] || x < s.cfg.BackorderRate:
			a.Outcome, a.Backordered = inventory.AckBackordered, l.Quantity
		case s.partial[l.SKU] || x < s.cfg.BackorderRate+s.cfg.PartialRate:
			a.Outcome, a.Backordered = inventory.AckPartial, math.Floor(l.Quantity/2)
			if a.Backordered <= 0 {
				a.Outcome, a.Backordered = inventory.AckBackordered, l.Quantity
			}
		}
		ack.Lines = append(ack.Lines, a)
	}
	return ack
}

func (s *SupplierSim) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.orders[r.PathValue("number")]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no such order", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, p.ack)
}
