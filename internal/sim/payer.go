package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/payers"
)

// PayerConfig configures the payer simulator. Every field has a flag-friendly
// type; zero values take the documented defaults.
type PayerConfig struct {
	// Seed makes the roster and every answer reproducible (0 means
	// DefaultSeed, the seed of the committed roster fixtures).
	Seed int64
	// PerProfile is how many roster members each payer has per profile
	// (default 2).
	PerProfile int
	// Payers are the payer IDs on the roster; default the payer IDs of the
	// embedded starter payer directory.
	Payers []string
	// LatencyMin and LatencyMax bound the delay before each answer.
	LatencyMin, LatencyMax time.Duration
	// Latency is the delay distribution between the bounds: "uniform"
	// (default) or "lognormal" (median at the geometric mean of the bounds,
	// the bounds at ±2σ, clipped to them).
	Latency string
	// Rate is the requests per second each payer accepts before answering
	// 429 with Retry-After; 0 means no limit. Burst is its token bucket
	// size (default Rate/5, at least 1).
	Rate  float64
	Burst int
	// PayerRates overrides Rate (and optionally Burst) per payer:
	// "60054=20,01112=50:10".
	PayerRates string
	// Hang is how long a timeout fault holds a request before answering
	// 504 (default 2 minutes; the client normally gives up first).
	Hang time.Duration
}

// Faults are failures the payer simulator injects, for one payer or all.
// Counts ("the next N requests") are used up first, then the rates apply.
type Faults struct {
	// Payer limits the faults to one payer ID; "" means every payer.
	Payer string `json:"payer,omitempty"`
	FaultPlan
	// Unavailable answers the next N requests with AAA 42 (unable to
	// respond now); UnavailableRate that fraction of later ones.
	Unavailable     int     `json:"unavailable,omitempty"`
	UnavailableRate float64 `json:"unavailable_rate,omitempty"`
}

// PayerStats are one payer's counters on the simulator.
type PayerStats struct {
	Requests int64 `json:"requests"` // every request received
	JSON     int64 `json:"json"`     // of which JSON
	X12      int64 `json:"x12"`      // of which X12
	Answered int64 `json:"answered"` // 200 answers
	// FaultCounts counts the injected faults; its Throttled also counts
	// the 429s of the rate limit.
	FaultCounts
	Unavailable int64 `json:"unavailable"`  // AAA 42 answers
	BadRequests int64 `json:"bad_requests"` // 400 answers
	// MaxPerSecond is the most requests accepted (not answered 429)
	// within one wall-clock second.
	MaxPerSecond int64 `json:"max_per_second"`
	InFlight     int64 `json:"in_flight"`
	MaxInFlight  int64 `json:"max_in_flight"`

	second    int64 // the wall-clock second accepted counts
	thisCount int64
}

// PayerSim is the payer simulator: an http.Handler answering eligibility
// requests in both wire formats.
//
//	POST /eligibility/v3   JSON request (eligibility.JSONRequest) → eligibility.JSONResponse
//	POST /x12/270          270 document (application/edi-x12) → 271 document
//	GET  /admin/stats      per-payer counters (map of payer ID to PayerStats)
//	POST /admin/stats/reset
//	GET  /admin/faults     current faults (list of Faults)
//	POST /admin/faults     set the faults for Faults.Payer (replacing earlier ones for it)
//	DELETE /admin/faults   clear every fault
//	GET  /admin/roster     the seeded roster (list of Member)
//
// Which answer a member gets: a member ID on the roster under the payer
// asked gets its profile and the roster's name and date of birth; a member
// ID on the roster under another payer gets AAA 75; any other ID gets the
// profile HashProfile picks, with the name and date of birth as asked.
type PayerSim struct {
	cfg   PayerConfig
	names map[string]string // payer ID → name
	mux   *http.ServeMux

	roster  []Member
	byPayer map[string]*Member // payer ID + "|" + member ID
	anyID   map[string]bool

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	faults   map[string]*Faults
	stats    map[string]*PayerStats
	rng      *rand.Rand
}

// NewPayerSim builds the simulator and its roster.
func NewPayerSim(cfg PayerConfig) (*PayerSim, error) {
	dir := payers.Starter()
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	if cfg.PerProfile <= 0 {
		cfg.PerProfile = 2
	}
	if len(cfg.Payers) == 0 {
		for _, p := range dir.Payers {
			cfg.Payers = append(cfg.Payers, p.ID)
		}
	}
	if cfg.LatencyMax < cfg.LatencyMin {
		return nil, fmt.Errorf("payer simulator: latency max %s is below min %s", cfg.LatencyMax, cfg.LatencyMin)
	}
	switch cfg.Latency {
	case "", "uniform", "lognormal":
	default:
		return nil, fmt.Errorf("payer simulator: latency distribution %q: want uniform or lognormal", cfg.Latency)
	}
	if cfg.Hang <= 0 {
		cfg.Hang = 2 * time.Minute
	}
	s := &PayerSim{cfg: cfg, names: map[string]string{}, byPayer: map[string]*Member{}, anyID: map[string]bool{},
		limiters: map[string]*rate.Limiter{}, faults: map[string]*Faults{}, stats: map[string]*PayerStats{},
		rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))}
	for _, p := range dir.Payers {
		s.names[p.ID] = p.Name
	}
	if err := s.parseRates(); err != nil {
		return nil, err
	}
	s.roster = Roster(cfg.Seed, cfg.Payers, cfg.PerProfile)
	for i := range s.roster {
		m := &s.roster[i]
		key := m.PayerID + "|" + m.ID
		if _, dup := s.byPayer[key]; !dup || m.Profile != ProfileDependent {
			s.byPayer[key] = m
		}
		s.anyID[m.ID] = true
	}
	s.routes()
	return s, nil
}

// routes registers the endpoints listed on PayerSim.
func (s *PayerSim) routes() {
	s.mux = newMux(admin{name: "payer", stats: func() any { return s.Stats() }, resetStats: s.ResetStats,
		faults: func() any { return s.faultList() }, setFaults: s.postFaults, clearFaults: s.ClearFaults})
	s.mux.HandleFunc("POST /eligibility/v3", s.serveJSON)
	s.mux.HandleFunc("POST /x12/270", s.serveX12)
	s.mux.HandleFunc("GET /admin/roster", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.roster) })
}

// parseRates creates the limiters PayerRates names ("ID=rate[:burst],...").
func (s *PayerSim) parseRates() error {
	if strings.TrimSpace(s.cfg.PayerRates) == "" {
		return nil
	}
	for _, part := range strings.Split(s.cfg.PayerRates, ",") {
		id, spec, ok := strings.Cut(strings.TrimSpace(part), "=")
		r, b, _ := strings.Cut(spec, ":")
		rps, err := strconv.ParseFloat(r, 64)
		if !ok || id == "" || err != nil || rps < 0 {
			return fmt.Errorf("payer simulator: payer rate %q: want PAYERID=RATE[:BURST], e.g. 60054=20:4", part)
		}
		burst := defaultBurst(rps)
		if b != "" {
			if burst, err = strconv.Atoi(b); err != nil || burst < 1 {
				return fmt.Errorf("payer simulator: payer rate %q: burst must be a whole number ≥ 1", part)
			}
		}
		s.limiters[id] = newLimiter(rps, burst)
	}
	return nil
}

func defaultBurst(rps float64) int { return max(1, int(rps/5)) }

func newLimiter(rps float64, burst int) *rate.Limiter {
	if rps == 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(rps), burst)
}

// Roster returns the simulator's seeded members.
func (s *PayerSim) Roster() []Member { return slices.Clone(s.roster) }

// Member returns the roster member a payer knows under id, if any.
func (s *PayerSim) Member(payerID, id string) (Member, bool) {
	m, ok := s.byPayer[payerID+"|"+strings.ToUpper(id)]
	if !ok {
		return Member{}, false
	}
	return *m, true
}

// SetFaults replaces the faults for f.Payer ("" = every payer).
func (s *PayerSim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[f.Payer] = &f
}

// ClearFaults removes every fault.
func (s *PayerSim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*Faults{}
}

// Stats returns a copy of every payer's counters.
func (s *PayerSim) Stats() map[string]PayerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]PayerStats, len(s.stats))
	for id, st := range s.stats {
		c := *st
		c.second, c.thisCount = 0, 0
		out[id] = c
	}
	return out
}

// ResetStats zeroes the counters.
func (s *PayerSim) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = map[string]*PayerStats{}
}

// Run serves the simulator on addr until ctx ends.
func (s *PayerSim) Run(ctx context.Context, addr string) error { return serve(ctx, addr, s) }

// ServeHTTP serves the simulator's endpoints.
func (s *PayerSim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// faultList returns the faults set, by payer.
func (s *PayerSim) faultList() []Faults {
	s.mu.Lock()
	list := []Faults{}
	for _, f := range s.faults {
		list = append(list, *f)
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b Faults) int { return strings.Compare(a.Payer, b.Payer) })
	return list
}

func (s *PayerSim) postFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if !readFaults(w, r, &f) {
		return
	}
	if err := f.check(f.UnavailableRate); err != nil {
		http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}

// admit counts a request for payer and decides whether it is throttled
// (returning the Retry-After seconds) and which fault, if any, hits it.
func (s *PayerSim) admit(payer, format string) (retryAfter int, f fault, retryAfter503 int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[payer]
	if st == nil {
		st = &PayerStats{}
		s.stats[payer] = st
	}
	st.Requests++
	if format == "x12" {
		st.X12++
	} else {
		st.JSON++
	}
	lim, ok := s.limiters[payer]
	if !ok {
		lim = newLimiter(s.cfg.Rate, orDefault(s.cfg.Burst, defaultBurst(s.cfg.Rate)))
		s.limiters[payer] = lim
	}
	if lim != nil {
		now := time.Now()
		res := lim.ReserveN(now, 1)
		if d := res.DelayFrom(now); d > 0 {
			res.CancelAt(now)
			st.Throttled++
			return max(1, int(math.Ceil(d.Seconds()))), faultNone, 0
		}
	}
	sec := time.Now().Unix()
	if sec != st.second {
		st.second, st.thisCount = sec, 0
	}
	st.thisCount++
	st.MaxPerSecond = max(st.MaxPerSecond, st.thisCount)

	for _, key := range []string{payer, ""} {
		fs := s.faults[key]
		if fs == nil {
			continue
		}
		if f := fs.next(s.rng); f != faultNone {
			return 0, f, fs.RetryAfter
		}
		switch {
		case fs.Unavailable > 0:
			fs.Unavailable--
			return 0, faultUnavailable, 0
		case s.rng.Float64() < fs.UnavailableRate:
			return 0, faultUnavailable, 0
		}
	}
	return 0, faultNone, 0
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (s *PayerSim) count(payer string, f func(*PayerStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stats[payer]; st != nil {
		f(st)
	}
}

// latency draws one answer delay.
func (s *PayerSim) latency() time.Duration {
	lo, hi := s.cfg.LatencyMin, s.cfg.LatencyMax
	if hi <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Latency == "lognormal" && lo > 0 {
		mu := (math.Log(float64(lo)) + math.Log(float64(hi))) / 2
		sigma := (math.Log(float64(hi)) - math.Log(float64(lo))) / 4
		d := time.Duration(math.Exp(mu + sigma*s.rng.NormFloat64()))
		return min(max(d, lo), hi)
	}
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)+1))
}

// respond runs the common part of both formats: throttling, faults and
// latency. It returns false when it has answered (or the client left).
func (s *PayerSim) respond(w http.ResponseWriter, r *http.Request, payer, format string) (unavailable, ok bool) {
	retryAfter, f, ra503 := s.admit(payer, format)
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		http.Error(w, "rate limit exceeded for payer "+payer, http.StatusTooManyRequests)
		return false, false
	}
	s.count(payer, func(st *PayerStats) { st.InFlight++; st.MaxInFlight = max(st.MaxInFlight, st.InFlight) })
	defer s.count(payer, func(st *PayerStats) { st.InFlight-- })
	if f.answers() {
		s.count(payer, func(st *PayerStats) { st.count(f) })
		f.write(w, r, ra503, s.cfg.Hang)
		return false, false
	}
	if !sleep(r.Context(), s.latency()) {
		return false, false
	}
	return f == faultUnavailable, true
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// resolve picks the profile and roster member for a request.
func (s *PayerSim) resolve(req *eligibility.Request) (Profile, *Member) {
	id := strings.ToUpper(strings.TrimSpace(req.MemberID))
	if id == "" {
		return ProfileInvalidID, nil
	}
	if m, ok := s.byPayer[req.Partner()+"|"+id]; ok {
		if m.Profile == ProfileDependent && !strings.EqualFold(req.FirstName, m.FirstName) {
			// Asked about the policy holder of a dependent member.
			return ProfileActive, m.Subscriber
		}
		return m.Profile, m
	}
	if s.anyID[id] {
		return ProfileNotFound, nil
	}
	return HashProfile(s.cfg.Seed, id), nil
}

// answerFor builds the answer to req; unavailable forces AAA 42.
func (s *PayerSim) answerFor(req *eligibility.Request, unavailable bool) *eligibility.Result {
	prof, m := s.resolve(req)
	if unavailable {
		prof = ProfileUnavailable
	}
	if prof == ProfileUnavailable {
		s.count(req.Partner(), func(st *PayerStats) { st.Unavailable++ })
	}
	name := s.names[req.Partner()]
	if name == "" {
		name = "PAYER " + req.Partner()
	}
	return answer(s.cfg.Seed, name, req, prof, m)
}

func (s *PayerSim) serveJSON(w http.ResponseWriter, r *http.Request) {
	var jr eligibility.JSONRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&jr); err != nil {
		http.Error(w, "request body is not an eligibility JSON request", http.StatusBadRequest)
		return
	}
	req, err := eligibility.RequestFromJSON(&jr)
	if err != nil || req.PayerID == "" || len(jr.ControlNumber) != 9 {
		s.count(req.PayerID, func(st *PayerStats) { st.BadRequests++ })
		msg := "tradingPartnerServiceId and a 9-digit controlNumber are required"
		if err != nil {
			msg = err.Error()
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []eligibility.JSONError{{Code: "33", Description: msg}}})
		return
	}
	unavailable, ok := s.respond(w, r, req.PayerID, "json")
	if !ok {
		return
	}
	res := s.answerFor(&req, unavailable)
	s.count(req.PayerID, func(st *PayerStats) { st.Answered++ })
	writeJSON(w, http.StatusOK, eligibility.JSONResponseOf(res))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
