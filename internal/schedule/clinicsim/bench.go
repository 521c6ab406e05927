package clinicsim

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// BenchConfig sizes the benchmark.
type BenchConfig struct {
	Seed         uint64
	Replications int // two-week booking periods compared under common random numbers
	Tuning       int // replications (other seeds) that choose flat overbooking's k
	Providers    int
	Patients     int
	History      int // past visits the clinic's no-show model is fitted on
	Requests     int // requests per replication
	Fill         float64
	Small        int // small instances solved exactly
	TimingRuns   int // plans of LargeInstance timed
	Workers      int // goroutines; 0 means GOMAXPROCS
}

// DefaultBenchConfig is the benchmark of the README: 1,000 replications
// of a busy clinic (half the slots booked before the fortnight, 300
// requests arriving over it: about the capacity left, so that no-shows
// and missed bookings both cost).
var DefaultBenchConfig = BenchConfig{Seed: 1, Replications: 1000, Tuning: 100, Providers: 4, Patients: 2500, History: 30_000,
	Requests: 300, Fill: 0.5, Small: 50, TimingRuns: 3}

// calibrationVisits is the history the benchmark backtests the no-show
// model on: the last four of 24 months hold out about 36,000 visits,
// 3,600 per decile, so sampling noise stays near 0.7 points.
const calibrationVisits = 240_000

// benchStart is the first day of every replication's horizon (a Monday).
var benchStart = claim.MustDate("2026-12-07")

// benchDays is the horizon: two weeks, ten working days.
const benchDays = 14

// Requests arrive from arriveBefore days before the horizon to
// arriveAfter days into it, each planned the night it arrives.
const (
	arriveBefore = 10
	arriveAfter  = 8
)

// Policy is a way of booking requests: the planner or a rule.
type Policy struct {
	Name string
	rule *planner.Rule // nil for the planner
}

// PlannerPolicy is the scheduling bot's planner.
var PlannerPolicy = Policy{Name: "planner"}

// RulePolicy books with a clinic rule.
func RulePolicy(r planner.Rule) Policy { return Policy{Name: r.Name, rule: &r} }

// Outcome is what one policy achieved in one replication.
type Outcome struct {
	Expected  float64 // expected cost under the true no-show probabilities
	Realized  float64 // cost of the simulated fortnight (shows and service times drawn)
	Wait      float64 // expected minutes (true probabilities)
	Idle      float64
	Overtime  float64
	LeadDays  int
	Misses    int
	Unbooked  int
	Overbooks int
	// Realised minutes.
	RealWait, RealIdle, RealOvertime float64
}

// booked is an appointment on the simulated calendar.
type booked struct {
	id, patient, visit string
	provider           string
	date               claim.Date
	start              schedule.Clock
	bookedOn           claim.Date
	trueP              float64
}

// replication is one fortnight's draw: the appointments already on the
// calendar and the requests that arrive.
type replication struct {
	existing []booked
	requests []schedule.Request
}

// bench holds what every replication shares.
type bench struct {
	cfg   BenchConfig
	c     *Clinic
	model *noshow.Model
}

func newBench(cfg BenchConfig) *bench {
	c := NewClinic(ClinicConfig{Seed: cfg.Seed, Providers: cfg.Providers, Patients: cfg.Patients, PatientSpread: 0.8})
	return &bench{cfg: cfg, c: c, model: noshow.Fit(c.History(cfg.Seed+1, cfg.History, benchStart.AddDays(-arriveBefore)))}
}

// draw draws replication rep's calendar and requests.
func (b *bench) draw(rep uint64) replication {
	rng := rand.New(rand.NewPCG(b.cfg.Seed, 0xbe9c<<32|rep))
	var out replication
	h := schedule.Horizon{Start: benchStart, Days: benchDays}
	for _, s := range schedule.Sessions(b.c.Providers, nil, h) {
		for t := s.Start; t < s.End; {
			if rng.Float64() >= b.cfg.Fill {
				t += 15
				continue
			}
			vt := b.c.visitType(rng)
			if t+schedule.Clock(vt.Minutes) > s.End {
				break
			}
			a := booked{id: fmt.Sprintf("E%04d", len(out.existing)+1), patient: b.c.patient(rng), visit: vt.ID, provider: s.ProviderID,
				date: s.Date, start: t, bookedOn: s.Date.AddDays(-1 - leadDays(rng))}
			a.trueP = b.c.Truth.NoShow(a.patient, a.visit, a.date, a.start, a.date.DaysSince(a.bookedOn))
			out.existing = append(out.existing, a)
			t += schedule.Clock(vt.Minutes)
		}
	}
	last := h.Last()
	for i := range b.cfg.Requests {
		on := benchStart.AddDays(-arriveBefore + rng.IntN(arriveBefore+arriveAfter))
		if wd := schedule.WeekdayOf(on); wd > schedule.Friday {
			on = on.AddDays(-int(wd - schedule.Friday)) // weekend requests are taken on Friday
		}
		out.requests = append(out.requests, b.c.request(rng, fmt.Sprintf("R%04d", i+1), on, benchStart, last, b.c.Providers))
	}
	slices.SortStableFunc(out.requests, func(x, y schedule.Request) int { return int(x.RequestedOn - y.RequestedOn) })
	return out
}

// instanceOf is the planning instance of the night of day: the requests
// that arrived that day, the calendar as booked so far.
func (b *bench) instanceOf(day claim.Date, cal []booked, reqs []schedule.Request) *schedule.Instance {
	start := max(benchStart, day.AddDays(1))
	end := benchStart.AddDays(benchDays - 1)
	in := &schedule.Instance{Start: start, Days: end.DaysSince(start) + 1, SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 1,
		Costs: DefaultCosts, Providers: b.c.Providers, VisitTypes: b.c.VisitTypes(), Requests: reqs}
	for _, a := range cal {
		if a.date >= start {
			in.Existing = append(in.Existing, schedule.Appointment{ID: a.id, ProviderID: a.provider, Date: a.date, Start: a.start,
				VisitType: a.visit, PatientID: a.patient, BookedOn: a.bookedOn})
		}
	}
	return in
}

// run books replication r with policy p and scores the result.
func (b *bench) run(rep uint64, r replication, p Policy) (Outcome, error) {
	cal := slices.Clone(r.existing)
	byID := map[string]*schedule.Request{}
	for i := range r.requests {
		byID[r.requests[i].ID] = &r.requests[i]
	}
	var o Outcome
	cache := planner.NewSessionCache()
	for i := 0; i < len(r.requests); {
		day := r.requests[i].RequestedOn
		j := i
		for j < len(r.requests) && r.requests[j].RequestedOn == day {
			j++
		}
		batch := r.requests[i:j]
		i = j
		if day.AddDays(1) > benchStart.AddDays(benchDays-1) {
			o.Unbooked += len(batch)
			continue
		}
		pb := planner.CompileWith(b.instanceOf(day, cal, batch), planner.Options{Model: b.model, Cache: cache})
		var plan *schedule.Plan
		var err error
		if p.rule == nil {
			plan, err = planner.Plan(pb)
		} else {
			plan, err = pb.Apply(*p.rule)
		}
		if err != nil {
			return o, err
		}
		o.Unbooked += len(plan.Unscheduled)
		for _, a := range plan.Assignments {
			req := byID[a.RequestID]
			lead := req.LeadDays(a.Date)
			cal = append(cal, booked{id: req.ID, patient: req.PatientID, visit: req.VisitType, provider: a.ProviderID, date: a.Date,
				start: a.Start, bookedOn: req.RequestedOn, trueP: b.c.Truth.NoShow(req.PatientID, req.VisitType, a.Date, a.Start, lead)})
			o.LeadDays += lead
			if req.Misses(schedule.WeekdayOf(a.Date), a.Start) {
				o.Misses++
			}
		}
		o.Overbooks += plan.Breakdown.Overbooked
	}
	return o, b.score(rep, cal, &o)
}

// score prices the final calendar under the truth: expected queue cost
// from the true probabilities, and one simulated fortnight with shows
// and service times drawn per appointment (the same draws for every
// policy: common random numbers).
func (b *bench) score(rep uint64, cal []booked, o *Outcome) error {
	in := &schedule.Instance{Start: benchStart, Days: benchDays, SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 1,
		Costs: DefaultCosts, Providers: b.c.Providers, VisitTypes: b.c.VisitTypes()}
	for _, a := range cal {
		p := a.trueP
		in.Existing = append(in.Existing, schedule.Appointment{ID: a.id, ProviderID: a.provider, Date: a.date, Start: a.start,
			VisitType: a.visit, NoShowProbability: &p})
	}
	br, err := planner.Evaluate(planner.Compile(in), &schedule.Plan{})
	if err != nil {
		return err
	}
	c := DefaultCosts
	o.Wait, o.Idle, o.Overtime = br.WaitMinutes, br.IdleMinutes, br.OvertimeMinutes
	static := c.LeadTimePerDay*float64(o.LeadDays) + c.PreferenceMiss*float64(o.Misses) + c.Unscheduled*float64(o.Unbooked)
	o.Expected = br.Cost + static
	// The simulated fortnight, session by session in service order
	// (calendar order breaks ties: existing first, then booking order).
	minutes := map[string]float64{}
	for _, v := range b.c.VisitTypes() {
		minutes[v.ID] = float64(v.Minutes)
	}
	for _, s := range in.Sessions() {
		var vs []cost.Visit
		var shows []bool
		var service []float64
		var idx []int
		for i, a := range cal {
			if a.provider == s.ProviderID && a.date == s.Date && a.start >= s.Start && a.start < s.End {
				idx = append(idx, i)
			}
		}
		slices.SortStableFunc(idx, func(x, y int) int { return int(cal[x].start - cal[y].start) })
		for _, i := range idx {
			a := cal[i]
			u, z := draws(b.cfg.Seed, rep, a.id)
			vs = append(vs, cost.Visit{At: float64(a.start - s.Start), Minutes: minutes[a.visit], NoShow: a.trueP})
			shows = append(shows, u >= a.trueP)
			service = append(service, cost.ServiceTime(minutes[a.visit], 0.35, z))
		}
		r := cost.Realize(float64(s.Minutes()), vs, shows, service)
		o.RealWait += r.Wait
		o.RealIdle += r.Idle
		o.RealOvertime += r.Overtime
	}
	o.Realized = c.WaitPerMinute*o.RealWait + c.IdlePerMinute*o.RealIdle + c.OvertimePerMinute*o.RealOvertime + static
	return nil
}

// draws returns the uniform (show if ≥ the no-show probability) and the
// standard normal (service time) of appointment id in replication rep:
// keyed by the patient's appointment, not by where it was booked, so
// every policy meets the same patients behaving the same way.
func draws(seed, rep uint64, id string) (u, z float64) {
	h := fnv.New64a()
	h.Write([]byte(id))
	rng := rand.New(rand.NewPCG(seed^0xc0ffee, rep<<32^h.Sum64()))
	return rng.Float64(), rng.NormFloat64()
}

// runAll runs replications first…first+n-1 for every policy, in parallel
// over replications; results are in replication order whatever the
// number of workers.
func (b *bench) runAll(first uint64, n int, policies []Policy) ([][]Outcome, error) {
	out := make([][]Outcome, len(policies))
	for i := range out {
		out[i] = make([]Outcome, n)
	}
	workers := b.cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				rep := first + uint64(k)
				r := b.draw(rep)
				for pi, p := range policies {
					o, err := b.run(rep, r, p)
					if err != nil {
						mu.Lock()
						firstErr = fmt.Errorf("replication %d, %s: %w", rep, p.Name, err)
						mu.Unlock()
					}
					out[pi][k] = o
				}
			}
		}()
	}
	for k := range n {
		next <- k
	}
	close(next)
	wg.Wait()
	return out, firstErr
}

// Interval is a mean with its 95% confidence interval.
type Interval struct {
	Mean, Lo, Hi float64
}

// pairedInterval returns the mean of x − y and its 95% confidence
// interval (Student t on the paired differences).
func pairedInterval(x, y []float64) Interval {
	n := float64(len(x))
	var sum, sq float64
	for i := range x {
		d := x[i] - y[i]
		sum += d
		sq += d * d
	}
	mean := sum / n
	sd := math.Sqrt(max(0, (sq-n*mean*mean)/(n-1)))
	half := tQuantile975(len(x)-1) * sd / math.Sqrt(n)
	return Interval{Mean: mean, Lo: mean - half, Hi: mean + half}
}

// tQuantile975 is Student's t 97.5% quantile with df degrees of freedom
// (Cornish–Fisher expansion around the normal's 1.95996; within 0.1% for
// df ≥ 10, exact enough for the hundreds of replications used here).
func tQuantile975(df int) float64 {
	z := 1.959963984540054
	v := float64(max(df, 1))
	return z + (z*z*z+z)/(4*v) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*v*v)
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Metric names a measure of an Outcome.
type Metric struct {
	Name string
	Of   func(Outcome) float64
}

// Metrics are the rows of the report, total cost first.
var Metrics = []Metric{
	{"total expected cost", func(o Outcome) float64 { return o.Expected }},
	{"simulated cost", func(o Outcome) float64 { return o.Realized }},
	{"wait (min)", func(o Outcome) float64 { return o.Wait }},
	{"idle (min)", func(o Outcome) float64 { return o.Idle }},
	{"overtime (min)", func(o Outcome) float64 { return o.Overtime }},
	{"lead time (days)", func(o Outcome) float64 { return float64(o.LeadDays) }},
	{"preference misses", func(o Outcome) float64 { return float64(o.Misses) }},
	{"unscheduled", func(o Outcome) float64 { return float64(o.Unbooked) }},
	{"overbooked", func(o Outcome) float64 { return float64(o.Overbooks) }},
}

// Row is one metric across policies, and the planner minus the best rule.
type Row struct {
	Metric   string    `json:"metric"`
	Means    []float64 `json:"means"` // per policy, in Report.Policies order
	VsBest   Interval  `json:"planner_minus_best_rule"`
	VsBestPc float64   `json:"planner_vs_best_rule_percent"`
}

// SmallResult compares the planner with the exact optimum.
type SmallResult struct {
	Instances int           `json:"instances"`
	Within5   int           `json:"within_5_percent"`
	MaxGap    float64       `json:"max_gap_percent"`
	MeanGap   float64       `json:"mean_gap_percent"`
	Optimal   int           `json:"optimal"` // planner cost equal to the optimum (within 1e-6)
	ExactTime time.Duration `json:"exact_time_ns"`
}

// Report is what Bench measured.
type Report struct {
	Config       BenchConfig          `json:"config"`
	NoShowRate   float64              `json:"clinic_no_show_rate"`
	Calibration  noshow.Calibration   `json:"calibration"`
	FlatK        int                  `json:"flat_k"`
	FlatTuning   map[int]float64      `json:"flat_tuning"` // k → mean expected cost over the tuning replications
	Policies     []string             `json:"policies"`
	BestRule     string               `json:"best_rule"`
	Rows         []Row                `json:"rows"`
	Small        SmallResult          `json:"small"`
	Timing       Timing               `json:"plan_timing"`
	Elapsed      time.Duration        `json:"elapsed_ns"`
	PerReplicate map[string][]Outcome `json:"-"`
}

// Bench runs the benchmark of issue 11: it fits the clinic's no-show
// model on its history (and backtests it), chooses flat overbooking's k
// on Tuning replications of other seeds (the k with the lowest mean
// expected cost among 2…12: the strongest version of that rule), runs
// Replications two-week periods in which requests arrive day by day and
// each policy books each night's arrivals onto the calendar as booked so
// far, scores every policy's final calendar under the truth and under
// one simulated fortnight with the same draws for all (common random
// numbers), and solves Small small instances exactly to measure the
// planner's gap to the optimum.
func Bench(cfg BenchConfig) (*Report, error) {
	t0 := time.Now()
	timing, err := TimePlan(cfg.TimingRuns)
	if err != nil {
		return nil, err
	}
	b := newBench(cfg)
	rep := &Report{Config: cfg, NoShowRate: b.model.Base, FlatTuning: map[int]float64{}, Timing: timing}
	// Calibration needs many held-out visits to resolve 3 points per
	// decile: a longer history than the planner's model is fitted on.
	h := b.c.History(cfg.Seed+2, calibrationVisits, benchStart)
	_, rep.Calibration = noshow.Backtest(h, benchStart.AddDays(-122))

	var flat []Policy
	for k := 2; k <= 12; k++ {
		flat = append(flat, RulePolicy(planner.FlatOverbook(k)))
	}
	tuning, err := b.runAll(1_000_000, cfg.Tuning, flat)
	if err != nil {
		return nil, err
	}
	best := math.Inf(1)
	for i := range flat {
		m := mean(costs(tuning[i], Metrics[0]))
		rep.FlatTuning[i+2] = m
		if m < best {
			best, rep.FlatK = m, i+2
		}
	}
	policies := []Policy{PlannerPolicy, RulePolicy(planner.FCFS()), RulePolicy(planner.FlatOverbook(rep.FlatK)), RulePolicy(planner.BaileyWelch())}
	outs, err := b.runAll(0, cfg.Replications, policies)
	if err != nil {
		return nil, err
	}
	rep.PerReplicate = map[string][]Outcome{}
	for i, p := range policies {
		rep.Policies = append(rep.Policies, p.Name)
		rep.PerReplicate[p.Name] = outs[i]
	}
	bestRule, bestMean := 1, math.Inf(1)
	for i := 1; i < len(policies); i++ {
		if m := mean(costs(outs[i], Metrics[0])); m < bestMean {
			bestRule, bestMean = i, m
		}
	}
	rep.BestRule = policies[bestRule].Name
	for _, m := range Metrics {
		row := Row{Metric: m.Name}
		for i := range policies {
			row.Means = append(row.Means, mean(costs(outs[i], m)))
		}
		row.VsBest = pairedInterval(costs(outs[0], m), costs(outs[bestRule], m))
		if d := row.Means[bestRule]; d != 0 {
			row.VsBestPc = 100 * row.VsBest.Mean / d
		}
		rep.Rows = append(rep.Rows, row)
	}
	small, err := compareExact(cfg.Small)
	if err != nil {
		return nil, err
	}
	rep.Small = small
	rep.Elapsed = time.Since(t0)
	return rep, nil
}

func costs(os []Outcome, m Metric) []float64 {
	out := make([]float64, len(os))
	for i, o := range os {
		out[i] = m.Of(o)
	}
	return out
}

// compareExact plans n small instances and solves them exactly.
func compareExact(n int) (SmallResult, error) {
	r := SmallResult{Instances: n}
	for seed := range uint64(n) {
		pb := planner.Compile(SmallInstance(seed))
		plan, err := planner.Plan(pb)
		if err != nil {
			return r, err
		}
		t0 := time.Now()
		opt, err := planner.Exact(pb, plan)
		if err != nil {
			return r, fmt.Errorf("small instance %d: %w", seed, err)
		}
		r.ExactTime += time.Since(t0)
		gap := 100 * (plan.ExpectedCost/opt.ExpectedCost - 1)
		r.MaxGap = max(r.MaxGap, gap)
		r.MeanGap += gap / float64(n)
		if gap <= 5 {
			r.Within5++
		}
		if plan.ExpectedCost-opt.ExpectedCost < 1e-6 {
			r.Optimal++
		}
	}
	return r, nil
}

// Timing is how long planning LargeInstance took, per plan.
type Timing struct {
	Runs int             `json:"runs"`
	CPU  []time.Duration `json:"cpu_ns"`  // process CPU time, one core (GOMAXPROCS 1 while timing)
	Wall []time.Duration `json:"wall_ns"` // elapsed
}

// TimePlan compiles and plans LargeInstance runs times on one core
// (GOMAXPROCS 1 while it runs) and measures each plan.
func TimePlan(runs int) (Timing, error) {
	t := Timing{Runs: runs}
	if runs <= 0 {
		return t, nil
	}
	in := LargeInstance()
	if err := in.Check(); err != nil {
		return t, err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	for range runs {
		c0, w0 := CPUTime(), time.Now()
		if _, err := planner.Plan(planner.Compile(in)); err != nil {
			return t, err
		}
		t.CPU = append(t.CPU, CPUTime()-c0)
		t.Wall = append(t.Wall, time.Since(w0))
	}
	return t, nil
}

// WriteTable writes the report for people: the setting, the rows with
// the planner's paired difference from the best rule, the small
// instances' gaps and the planning time.
func (r *Report) WriteTable(w io.Writer) error {
	c := r.Config
	fmt.Fprintf(w, "Scheduling benchmark: %d replications (seed %d) of a %d-provider clinic over two weeks (10 working days),\n",
		c.Replications, c.Seed, c.Providers)
	fmt.Fprintf(w, "%.0f%% of slots booked beforehand, %d requests per replication arriving day by day, each night's arrivals booked onto the calendar so far.\n",
		100*c.Fill, c.Requests)
	fmt.Fprintf(w, "Clinic no-show rate %.1f%%; no-show model calibration on %d held-out visits: max decile gap %.1f points.\n",
		100*r.NoShowRate, r.Calibration.Visits, 100*r.Calibration.MaxGap)
	var ks []int
	for k := range r.FlatTuning {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	fmt.Fprintf(w, "Flat overbooking k = %d, the best of k = 2…12 on %d tuning replications (other seeds):", r.FlatK, c.Tuning)
	for _, k := range ks {
		fmt.Fprintf(w, " %d:%.0f", k, r.FlatTuning[k])
	}
	fmt.Fprintf(w, "\n\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "metric (mean per replication)\t")
	for _, p := range r.Policies {
		fmt.Fprintf(tw, "%s\t", p)
	}
	fmt.Fprintf(tw, "planner − %s [95%% CI]\t%%\t\n", r.BestRule)
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t", row.Metric)
		for _, m := range row.Means {
			fmt.Fprintf(tw, "%.1f\t", m)
		}
		fmt.Fprintf(tw, "%.1f [%.1f, %.1f]\t%+.1f%%\t\n", row.VsBest.Mean, row.VsBest.Lo, row.VsBest.Hi, row.VsBestPc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s := r.Small; s.Instances > 0 {
		fmt.Fprintf(w, "\nSmall instances (one session of 6–8 slots, 3–6 requests): %d solved exactly in %v; planner within 5%% of the optimum on %d/%d, optimal on %d, max gap %.2f%%, mean gap %.2f%%.\n",
			s.Instances, s.ExactTime.Round(time.Millisecond), s.Within5, s.Instances, s.Optimal, s.MaxGap, s.MeanGap)
	}
	if t := r.Timing; t.Runs > 0 {
		fmt.Fprintf(w, "Planning time, 400 requests × 10 providers × 10 working days, one core: CPU")
		for _, d := range t.CPU {
			fmt.Fprintf(w, " %.2fs", d.Seconds())
		}
		fmt.Fprintf(w, "; wall")
		for _, d := range t.Wall {
			fmt.Fprintf(w, " %.2fs", d.Seconds())
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "Elapsed %v.\n", r.Elapsed.Round(time.Second))
	return err
}
