package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// ClearinghouseConfig configures the clearinghouse simulator. Every field
// has a flag-friendly type; zero values take the documented defaults.
type ClearinghouseConfig struct {
	// ID is the clearinghouse's ISA/GS ID on the 999 and 277CA
	// (default "CLEARINGHOUSE").
	ID string
	// AckDelay is how long after a submission its 277CA becomes
	// available (default 2 s).
	AckDelay time.Duration
	// Delay slows every submission's answer by this much.
	Delay time.Duration
	// Hang is how long a timeout fault holds a request before answering
	// 504 (default 2 minutes).
	Hang time.Duration
	// Rejection rules for the 277CA (a claim matching any is rejected):
	// RejectPayers is a comma-separated list of payer IDs (A3:116, claim
	// submitted to the wrong payer); KeepUnbalanced turns off the rule
	// that rejects a claim whose CLM02 differs from the sum of its line
	// charges (A7:178); RejectEvery rejects every Nth claim accepted
	// (A7:21); RejectPrefix rejects claim IDs starting with it (A7:21).
	RejectPayers   string
	KeepUnbalanced bool
	RejectEvery    int
	RejectPrefix   string
	// RejectProviders is a comma-separated list of billing NPIs the 277CA
	// rejects at the billing provider level (2200C STC A7:562:85, the
	// provider's claims not listed under it, as clearinghouses answer).
	RejectProviders string
	// PendingPrefix answers claim IDs starting with it A1:19 (received,
	// not yet accepted); UnknownPrefix with a status category outside the
	// code list (R9), for testing how a submitter copes.
	PendingPrefix, UnknownPrefix string
	// RejectSubmitters is a comma-separated list of submitter IDs (ISA06)
	// whose interchanges the 277CA rejects at the information receiver
	// level (2200B STC A3:24:41, no claims listed).
	RejectSubmitters string
	// Seed drives the fault rates.
	Seed int64
	// MaxBody bounds a submission (default 64 MB).
	MaxBody int64
}

// ClearinghouseStats are the clearinghouse simulator's counters.
type ClearinghouseStats struct {
	Submissions int64 `json:"submissions"`  // accepted for processing (a 999 was made)
	Replays     int64 `json:"replays"`      // same Idempotency-Key, answered from the store
	Conflicts   int64 `json:"conflicts"`    // key reused with another body, or key in progress, or ICN reused
	BadRequests int64 `json:"bad_requests"` // missing key, not an 837
	FaultCounts
	Claims   int64 `json:"claims"`   // claims received (counted once per submission)
	Accepted int64 `json:"accepted"` // claims the 277CA accepts
	Rejected int64 `json:"rejected"` // claims the 277CA rejects
	// ClaimCounts is how many times each claim ID arrived in a processed
	// submission: exactly-once delivery means every count is 1.
	ClaimCounts map[string]int `json:"claim_counts"`
	// Duplicates lists the claim IDs that arrived more than once.
	Duplicates []string `json:"duplicates"`
}

// ClearinghouseSim is the clearinghouse simulator: an http.Handler that
// takes 837P submissions and acknowledges them.
//
//	POST /claims/837                  837P body, Idempotency-Key header required →
//	                                  200 999 (application/edi-x12), header X-Interchange-Control-Number
//	GET  /claims/277ca?interchange=N  404 unknown ICN; 202 + Retry-After until the 277CA is ready; 200 277CA
//	GET  /admin/stats                 ClearinghouseStats
//	POST /admin/stats/reset
//	GET|POST|DELETE /admin/faults     the FaultPlan (plus "delay" in Go duration syntax; DELETE restores the configured one)
//
// Idempotency: the first request with a key is processed and its answer
// stored; the same key with the same body gets the stored answer again
// (claims are not counted twice); with another body, 422; while the first
// is still being processed, 409. A new key reusing an interchange control
// number already received gets 409 (a duplicate interchange). An
// interchange whose envelope is broken at the ISA/IEA level gets 422 with
// the problems (what a TA1 would say); group and transaction problems go
// in the 999, and only transaction sets the 999 accepts reach the 277CA.
type ClearinghouseSim struct {
	cfg          ClearinghouseConfig
	rejectPayers map[string]bool
	rejectNPIs   map[string]bool
	rejectSubs   map[string]bool
	mux          *http.ServeMux

	mu       sync.Mutex
	byKey    map[string]*stored
	byICN    map[string]*received
	faults   FaultPlan
	delay    time.Duration // starts as cfg.Delay; /admin/faults may change it
	stats    ClearinghouseStats
	rng      *rand.Rand
	nextCtl  int
	accepted int // claims accepted so far, for RejectEvery
}

// stored is the answer to one idempotency key (done false while in progress).
type stored struct {
	hash   [32]byte
	done   bool
	status int
	header http.Header
	body   []byte
}

// received is one processed interchange and its claims' fates.
type received struct {
	icn       string
	submitter string
	at        time.Time
	claims    []ackClaim
	report    []byte // the 277CA, written when first asked for
}

type ackClaim struct {
	x12.Claim837Summary
	last, first string // patient (subscriber) name, echoed in the 277CA
	status      x12.StatusCode
	message     string // why it was rejected; "" when accepted
}

// NewClearinghouseSim builds the simulator.
func NewClearinghouseSim(cfg ClearinghouseConfig) (*ClearinghouseSim, error) {
	if cfg.ID == "" {
		cfg.ID = "CLEARINGHOUSE"
	}
	if cfg.AckDelay <= 0 {
		cfg.AckDelay = 2 * time.Second
	}
	if cfg.Hang <= 0 {
		cfg.Hang = 2 * time.Minute
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 20
	}
	if cfg.RejectEvery < 0 || cfg.Delay < 0 {
		return nil, fmt.Errorf("clearinghouse simulator: reject-every and delay cannot be negative")
	}
	s := &ClearinghouseSim{cfg: cfg, rejectPayers: map[string]bool{}, rejectNPIs: map[string]bool{}, rejectSubs: map[string]bool{}, byKey: map[string]*stored{},
		byICN: map[string]*received{}, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0xc1ea)), nextCtl: 1, delay: cfg.Delay}
	for _, p := range strings.Split(cfg.RejectPayers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.rejectPayers[p] = true
		}
	}
	for _, p := range strings.Split(cfg.RejectProviders, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.rejectNPIs[p] = true
		}
	}
	for _, p := range strings.Split(cfg.RejectSubmitters, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.rejectSubs[p] = true
		}
	}
	s.stats.ClaimCounts = map[string]int{}
	s.routes()
	return s, nil
}

// Run serves the simulator on addr until ctx ends.
func (s *ClearinghouseSim) Run(ctx context.Context, addr string) error { return serve(ctx, addr, s) }

// SetFaults replaces the injected faults.
func (s *ClearinghouseSim) SetFaults(f FaultPlan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Stats returns a copy of the counters.
func (s *ClearinghouseSim) Stats() ClearinghouseStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ClaimCounts, st.Duplicates = receipts(s.stats.ClaimCounts)
	return st
}

// ResetStats zeroes the counters (stored answers and interchanges stay).
func (s *ClearinghouseSim) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = ClearinghouseStats{ClaimCounts: map[string]int{}}
}

// routes registers the endpoints listed on ClearinghouseSim.
func (s *ClearinghouseSim) routes() {
	s.mux = newMux(admin{name: "clearinghouse", stats: func() any { return s.Stats() }, resetStats: s.ResetStats,
		faults: func() any {
			s.mu.Lock()
			defer s.mu.Unlock()
			return clearinghouseFaults{FaultPlan: s.faults, Delay: s.delay.String()}
		},
		setFaults: s.postFaults, clearFaults: func() { s.SetFaults(FaultPlan{}); s.SetDelay(s.cfg.Delay) }})
	s.mux.HandleFunc("POST /claims/837", s.submit)
	s.mux.HandleFunc("GET /claims/277ca", s.fetch277CA)
}

// ServeHTTP serves the simulator's endpoints.
func (s *ClearinghouseSim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// clearinghouseFaults is the body of /admin/faults: the fault plan and,
// optionally, a new delay before each submission's answer.
type clearinghouseFaults struct {
	FaultPlan
	Delay string `json:"delay,omitempty"`
}

func (s *ClearinghouseSim) postFaults(w http.ResponseWriter, r *http.Request) {
	var f clearinghouseFaults
	if !readFaults(w, r, &f) {
		return
	}
	if err := f.check(); err != nil {
		http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
		return
	}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 {
			http.Error(w, "faults: delay: want a duration such as 2s", http.StatusBadRequest)
			return
		}
		s.SetDelay(d)
	}
	s.SetFaults(f.FaultPlan)
	writeJSON(w, http.StatusOK, f)
}

// SetDelay changes how long each submission's answer is held back (after
// the submission is processed: a slow answer, not a slow clearinghouse).
func (s *ClearinghouseSim) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

func (s *ClearinghouseSim) bump(f func(*ClearinghouseStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

func (s *ClearinghouseSim) submit(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" || len(key) > 255 {
		s.bump(func(st *ClearinghouseStats) { st.BadRequests++ })
		http.Error(w, "an Idempotency-Key header (1-255 characters) is required", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBody+1))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(body)) > s.cfg.MaxBody {
		s.bump(func(st *ClearinghouseStats) { st.BadRequests++ })
		http.Error(w, fmt.Sprintf("submission larger than %d bytes", s.cfg.MaxBody), http.StatusRequestEntityTooLarge)
		return
	}
	// Faults strike after the body is read, so a hung request notices the
	// client leaving.
	s.mu.Lock()
	f := s.faults.next(s.rng)
	retryAfter := s.faults.RetryAfter
	s.mu.Unlock()
	if f.answers() {
		s.bump(func(st *ClearinghouseStats) { st.count(f) })
		f.write(w, r, retryAfter, s.cfg.Hang)
		return
	}
	hash := sha256.Sum256(body)

	s.mu.Lock()
	if prev, ok := s.byKey[key]; ok {
		s.mu.Unlock()
		switch {
		case prev.hash != hash:
			s.bump(func(st *ClearinghouseStats) { st.Conflicts++ })
			http.Error(w, "this Idempotency-Key was used for a different submission", http.StatusUnprocessableEntity)
		case !prev.done:
			s.bump(func(st *ClearinghouseStats) { st.Conflicts++ })
			w.Header().Set("Retry-After", "1")
			http.Error(w, "a submission with this Idempotency-Key is still being processed", http.StatusConflict)
		default:
			s.bump(func(st *ClearinghouseStats) { st.Replays++ })
			prev.replay(w)
		}
		return
	}
	entry := &stored{hash: hash}
	s.byKey[key] = entry
	s.mu.Unlock()

	status, header, out := s.process(body)
	if status >= 500 {
		// Not stored: the submitter retries with the same key.
		s.mu.Lock()
		delete(s.byKey, key)
		s.mu.Unlock()
	} else {
		s.mu.Lock()
		entry.status, entry.header, entry.body, entry.done = status, header, out, true
		s.mu.Unlock()
	}
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if !sleep(r.Context(), delay) {
		return
	}
	(&stored{status: status, header: header, body: out}).replay(w)
}

func (st *stored) replay(w http.ResponseWriter) {
	for k, v := range st.header {
		w.Header()[k] = v
	}
	w.WriteHeader(st.status)
	w.Write(st.body)
}

// process reads an 837 and returns the answer to store: 200 with a 999,
// or a 4xx with the reason.
func (s *ClearinghouseSim) process(body []byte) (int, http.Header, []byte) {
	text := func(status int, msg string) (int, http.Header, []byte) {
		s.bump(func(st *ClearinghouseStats) {
			if status == http.StatusConflict {
				st.Conflicts++
			} else {
				st.BadRequests++
			}
		})
		return status, http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, []byte(msg + "\n")
	}
	doc, err := x12.Read837P(body)
	if err != nil {
		return text(http.StatusBadRequest, "not an 837 interchange: "+err.Error())
	}
	ic, _ := x12.Parse(body)
	if ic == nil {
		return text(http.StatusBadRequest, "not an X12 interchange")
	}
	var fatal []string
	for _, p := range ic.Problems {
		if p.Level == x12.LevelInterchange {
			fatal = append(fatal, p.String())
		}
	}
	if len(fatal) > 0 {
		return text(http.StatusUnprocessableEntity, "interchange rejected:\n"+strings.Join(fatal, "\n"))
	}
	icn := doc.Header.Control
	acks := x12.Acknowledge(ic)
	ok := map[string]bool{} // ST02 of accepted transaction sets
	for _, a := range acks {
		for _, t := range a.Transactions {
			if t.Status == "A" || t.Status == "E" {
				ok[t.Control] = true
			}
		}
	}
	names := patientNames(ic)

	s.mu.Lock()
	if _, dup := s.byICN[icn]; dup {
		s.mu.Unlock()
		return text(http.StatusConflict, fmt.Sprintf("interchange control number %s was already received in another submission", icn))
	}
	rec := &received{icn: icn, submitter: doc.Header.SenderID, at: time.Now()}
	for _, c := range doc.Claims {
		if !ok[c.Transaction] {
			continue
		}
		ac := ackClaim{Claim837Summary: c, last: names[c.Segment][0], first: names[c.Segment][1]}
		s.accepted++
		ac.status, ac.message = s.judge(&c, s.accepted)
		if s.rejectSubs[strings.TrimSpace(doc.Header.SenderID)] {
			ac.status, ac.message = receiverRejection, "submitter not authorised to send claims"
		}
		rec.claims = append(rec.claims, ac)
		s.stats.Claims++
		s.stats.ClaimCounts[c.ClaimID]++
		if x12.CategoryOutcome(ac.status.Category) != x12.OutcomeRejected {
			s.stats.Accepted++
		} else {
			s.stats.Rejected++
		}
	}
	s.byICN[icn] = rec
	s.stats.Submissions++
	ctl := s.nextCtl
	s.nextCtl++
	s.mu.Unlock()

	var buf bytes.Buffer
	env := x12.Envelope{SenderID: s.cfg.ID, ReceiverID: doc.Header.SenderID, InterchangeControl: ctl, GroupControl: ctl,
		TransactionControl: 1, Usage: doc.Header.Usage, Time: time.Now()}
	if err := x12.Write999(&buf, env, acks); err != nil {
		return http.StatusInternalServerError, nil, []byte("write 999: " + err.Error())
	}
	return http.StatusOK, http.Header{"Content-Type": {"application/edi-x12"}, "X-Interchange-Control-Number": {icn}}, buf.Bytes()
}

// providerRejection is the billing provider level status of
// RejectProviders, receiverRejection the information receiver level one of
// RejectSubmitters.
var (
	providerRejection = x12.StatusCode{Category: "A7", Code: "562", Entity: "85"}
	receiverRejection = x12.StatusCode{Category: "A3", Code: "24", Entity: "41"}
)

// judge applies the rejection rules to the n-th accepted claim.
func (s *ClearinghouseSim) judge(c *x12.Claim837Summary, n int) (x12.StatusCode, string) {
	switch {
	case s.rejectNPIs[c.BillingNPI]:
		return providerRejection, "billing provider NPI not enrolled with the clearinghouse"
	case s.rejectPayers[c.PayerID]:
		return x12.StatusCode{Category: "A3", Code: "116", Entity: "PR"}, "claim submitted to the incorrect payer"
	case !s.cfg.KeepUnbalanced && !c.Balanced():
		return x12.StatusCode{Category: "A7", Code: "178"}, "total charge does not equal the sum of the line charges"
	case s.cfg.RejectPrefix != "" && strings.HasPrefix(c.ClaimID, s.cfg.RejectPrefix):
		return x12.StatusCode{Category: "A7", Code: "21"}, "rejected by the simulator's claim ID rule"
	case s.cfg.RejectEvery > 0 && n%s.cfg.RejectEvery == 0:
		return x12.StatusCode{Category: "A7", Code: "21"}, "rejected by the simulator's every-Nth rule"
	case s.cfg.PendingPrefix != "" && strings.HasPrefix(c.ClaimID, s.cfg.PendingPrefix):
		return x12.StatusCode{Category: "A1", Code: "19", Entity: "PR"}, ""
	case s.cfg.UnknownPrefix != "" && strings.HasPrefix(c.ClaimID, s.cfg.UnknownPrefix):
		return x12.StatusCode{Category: "R9", Code: "0"}, ""
	}
	return x12.StatusCode{Category: "A2", Code: "20"}, ""
}

// patientNames maps each CLM segment's position to the last subscriber
// name (NM1*IL, or the patient NM1*QC) before it.
func patientNames(ic *x12.Interchange) map[int][2]string {
	out := map[int][2]string{}
	var cur [2]string
	for i := range ic.Segments {
		sg := &ic.Segments[i]
		switch {
		case sg.ID == "NM1" && (sg.El(1) == "IL" || sg.El(1) == "QC"):
			cur = [2]string{sg.El(3), sg.El(4)}
		case sg.ID == "CLM":
			out[sg.Pos] = cur
		}
	}
	return out
}

func (s *ClearinghouseSim) fetch277CA(w http.ResponseWriter, r *http.Request) {
	icn := strings.TrimSpace(r.URL.Query().Get("interchange"))
	if n, err := strconv.Atoi(icn); err == nil {
		icn = fmt.Sprintf("%09d", n)
	}
	s.mu.Lock()
	rec := s.byICN[icn]
	s.mu.Unlock()
	if rec == nil {
		http.Error(w, "no submission with interchange control number "+icn, http.StatusNotFound)
		return
	}
	if len(rec.claims) == 0 {
		http.Error(w, "the 999 rejected every transaction set of interchange "+icn+": there is no 277CA", http.StatusNotFound)
		return
	}
	if wait := time.Until(rec.at.Add(s.cfg.AckDelay)); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		http.Error(w, "the 277CA is not ready yet", http.StatusAccepted)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.report == nil {
		b, err := s.write277CA(rec)
		if err != nil {
			http.Error(w, "write 277CA: "+err.Error(), http.StatusInternalServerError)
			return
		}
		rec.report = b
	}
	w.Header().Set("Content-Type", "application/edi-x12")
	w.Write(rec.report)
}

// write277CA renders a received interchange's 277CA: one report, claims
// grouped by billing provider. The caller holds s.mu.
func (s *ClearinghouseSim) write277CA(rec *received) ([]byte, error) {
	day := claim.DateOf(rec.at)
	rep := x12.Report277CA{Reference: rec.icn, Received: day, Processed: day, PayerTrace: rec.icn, ReceiverTrace: rec.icn,
		Payer:    x12.Entity277{EntityID: "AY", EntityType: "2", Name: "RCMBOT CLEARINGHOUSE SIMULATOR", IDQualifier: "46", ID: s.cfg.ID},
		Receiver: x12.Entity277{EntityID: "41", EntityType: "2", Name: rec.submitter, IDQualifier: "46", ID: rec.submitter}}
	byNPI := map[string]int{}
	for i, c := range rec.claims {
		if c.status == receiverRejection {
			if len(rep.ReceiverStatus) == 0 {
				rep.ReceiverStatus = []x12.Status277{{StatusCode: c.status, Date: day, Action: "U", Message: c.message}}
			}
			continue
		}
		pi, ok := byNPI[c.BillingNPI]
		if !ok {
			pi = len(rep.Providers)
			byNPI[c.BillingNPI] = pi
			rep.Providers = append(rep.Providers, x12.Provider277{Trace: rec.icn,
				Entity: x12.Entity277{EntityID: "85", EntityType: "2", Name: "BILLING PROVIDER", IDQualifier: "XX", ID: c.BillingNPI}})
		}
		if c.status == providerRejection {
			if len(rep.Providers[pi].Statuses) == 0 {
				rep.Providers[pi].Statuses = []x12.Status277{{StatusCode: c.status, Action: "U", Message: c.message}}
			}
			continue
		}
		charge := c.Charge
		action := "WQ"
		if c.message != "" {
			action = "U"
		}
		rep.Providers[pi].Claims = append(rep.Providers[pi].Claims, x12.ClaimStatus277{
			Patient:              x12.Entity277{EntityID: "QC", EntityType: "1", Name: c.last, First: c.first},
			PatientControlNumber: c.ClaimID,
			Statuses:             []x12.Status277{{StatusCode: c.status, Date: day, Action: action, Amount: &charge, Message: c.message}},
			Refs:                 []x12.Ref{{Qualifier: "D9", ID: fmt.Sprintf("%s%04d", rec.icn, i+1)}},
		})
	}
	if len(rep.Providers) == 0 && len(rep.ReceiverStatus) == 0 {
		return nil, fmt.Errorf("interchange %s has no accepted claims to acknowledge", rec.icn)
	}
	ctl := s.nextCtl
	s.nextCtl++
	var buf bytes.Buffer
	env := x12.Envelope{SenderID: s.cfg.ID, ReceiverID: rec.submitter, InterchangeControl: ctl, GroupControl: ctl,
		TransactionControl: 1, Time: rec.at.Add(s.cfg.AckDelay)}
	if err := x12.Write277CA(&buf, env, []x12.Report277CA{rep}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
