package invbench

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/rcmbot/rcmbot/fixtures/benchmem"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
)

// BenchmarkPolicy10k computes the policies of 10,000 benchmark items with
// two years of history each (forecast, backtest, optimisation), on
// GOMAXPROCS workers. The goal: under 5 s.
//
//	go test -run '^$' -bench Policy10k -benchtime 1x ./internal/inventory/invbench
func BenchmarkPolicy10k(b *testing.B) {
	cases := Cases(Settings{Seed: 7, Items: 10_000, Days: 730})
	in := make([]policy.Input, len(cases))
	for i, c := range cases {
		in[i] = policy.Input{Key: string(c.Item.SKU), Params: policy.ParamsFor(c.Item), History: c.Demand}
	}
	var used benchmem.Result
	for b.Loop() {
		m := benchmem.Start()
		plans := policy.ComputeAll(in, policy.Options{Seed: 1}, 0)
		used = used.Max(m.Stop())
		if len(plans) != len(in) {
			b.Fatal("missing plans")
		}
	}
	used.Report(b) // CPU time is the steadier figure on a shared machine
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "workers")
}

func TestMinMaxRules(t *testing.T) {
	c := Case{Item: inventory.Item{LeadTime: inventory.LeadTime{MeanDays: 5, SDDays: 1}}, Demand: make([]float64, 20)}
	for i := range 10 {
		c.Demand[i] = 2
	}
	c.Demand[3] = 4 // peak 4, mean (9·2+4)/10 = 2.2
	plain, safety, peak := minMax(c, 10)
	// min = ⌈2.2·5⌉ = 11, max = ⌈11 + 66⌉ = 77
	if plain != (policy.Policy{ReorderPoint: 11, OrderUpTo: 77}) {
		t.Errorf("min/max %+v", plain)
	}
	// + half the lead-time usage: ⌈11 + 5.5⌉ = 17, max 17 + 66 = 83
	if safety != (policy.Policy{ReorderPoint: 17, OrderUpTo: 83}) {
		t.Errorf("with half the lead-time usage %+v", safety)
	}
	// + peak·(5+2) − 11 = 17: ⌈28⌉ = 28, max 94
	if peak != (policy.Policy{ReorderPoint: 28, OrderUpTo: 94}) {
		t.Errorf("with peak × longest lead time %+v", peak)
	}
}

func TestCasesLookLikeTheirPatterns(t *testing.T) {
	cases := Cases(Settings{Seed: 5, Items: 120})
	want := map[Pattern][]forecast.Class{
		Smooth:       {forecast.Smooth},
		Erratic:      {forecast.Erratic},
		Intermittent: {forecast.Intermittent},
		Lumpy:        {forecast.Lumpy},
	}
	for p, classes := range want {
		n, ok := 0, 0
		for _, c := range cases {
			if c.Pattern != p {
				continue
			}
			n++
			fit := c.Demand[:365]
			cl := forecast.Classify(fit).Class
			if closed := forecast.ClosedDays(fit, 0); closed != [7]bool{} {
				var open []float64
				for d, v := range fit {
					if !closed[d%7] {
						open = append(open, v)
					}
				}
				cl = forecast.Classify(open).Class
			}
			for _, w := range classes {
				if cl == w {
					ok++
				}
			}
		}
		if float64(ok) < 0.7*float64(n) {
			t.Errorf("%s: %d of %d items classified as %v", p, ok, n, classes)
		}
	}
	for _, c := range cases {
		if err := c.Item.Validate(); err != nil {
			t.Errorf("%s: %v", c.Item.SKU, err)
		}
	}
}

func TestRunSmallIsDeterministic(t *testing.T) {
	s := Settings{Seed: 3, Items: 12, FloorRuns: 6, RefitDays: 28}
	a, b := Run(s), Run(s)
	if !reflect.DeepEqual(a.Summaries, b.Summaries) {
		t.Fatal("two runs with the same settings differ")
	}
	for _, it := range a.Items {
		for _, k := range Kinds {
			r, ok := it.Results[k]
			if !ok || r.Demand <= 0 || r.Fill < 0 || r.Fill > 1 || math.IsNaN(r.Cost.Total()) {
				t.Errorf("%s %s: %+v", it.SKU, k, r)
			}
		}
	}
	if len(a.Goals) != 5 || a.Plans != 12*14 {
		t.Errorf("goals %d, plans %d", len(a.Goals), a.Plans)
	}
}

// The committed demo files are what the generator writes (see DemoCommand).
func TestCommittedDemo(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDemo(dir, 24, 11, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"items.csv", "usage.csv"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "inventory", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("fixtures/inventory/%s differs from the generator's output; regenerate with %s", name, DemoCommand)
		}
	}
}

// Several seeds: each seed's goals are its own run's, and the pooled
// goals score all the seeds' items together.
func TestRunSeedsPoolsTheSeeds(t *testing.T) {
	s := Settings{Items: 12, FloorRuns: 6, RefitDays: 28}
	r := RunSeeds(s, []uint64{3, 4})
	if len(r.Seeds) != 2 || r.Checks != 10 || len(r.PoolGoals) != 5 {
		t.Fatalf("seeds %d, checks %d, pooled goals %d", len(r.Seeds), r.Checks, len(r.PoolGoals))
	}
	one := Run(Settings{Seed: 3, Items: 12, FloorRuns: 6, RefitDays: 28})
	if !reflect.DeepEqual(r.Seeds[0].Goals, one.Goals) {
		t.Errorf("seed 3's goals %+v, a run of seed 3 %+v", r.Seeds[0].Goals, one.Goals)
	}
	met := 0
	for _, sr := range r.Seeds {
		for _, g := range sr.Goals {
			if g.Met {
				met++
			}
		}
	}
	if met != r.Met {
		t.Errorf("met %d, counted %d", r.Met, met)
	}
	// The pooled fill rate is both seeds' sales over both seeds' demand.
	two := Run(Settings{Seed: 4, Items: 12, FloorRuns: 6, RefitDays: 28})
	var met2, dem float64
	for _, rep := range []Report{one, two} {
		for _, it := range rep.Items {
			met2 += it.Results[RCMBot].Met
			dem += it.Results[RCMBot].Demand
		}
	}
	var pooled Summary
	for _, x := range r.Pooled {
		if x.Policy == RCMBot {
			pooled = x
		}
	}
	if math.Abs(pooled.FillRate-met2/dem) > 1e-12 {
		t.Errorf("pooled fill %v, want %v", pooled.FillRate, met2/dem)
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil || !bytes.Contains(md.Bytes(), []byte("Pooled over all 24 items")) {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
}
