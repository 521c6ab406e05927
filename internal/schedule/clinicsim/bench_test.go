package clinicsim

import (
	"math"
	"reflect"
	"testing"
)

// A small benchmark run: deterministic whatever the number of workers,
// every policy's simulated cost agreeing with its expected cost within
// sampling noise, and the planner no worse than the rules on average.
func TestBenchSmallRun(t *testing.T) {
	cfg := DefaultBenchConfig
	cfg.Replications, cfg.Tuning, cfg.Small, cfg.TimingRuns, cfg.Requests, cfg.History = 6, 1, 1, 0, 120, 5000
	cfg.Workers = 1
	one, err := Bench(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 3
	three, err := Bench(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one.Rows, three.Rows) || !reflect.DeepEqual(one.FlatTuning, three.FlatTuning) {
		t.Errorf("results depend on the number of workers:\n%+v\n%+v", one.Rows, three.Rows)
	}
	for _, p := range one.Policies {
		outs := one.PerReplicate[p]
		var d []float64
		for _, o := range outs {
			d = append(d, o.Realized-o.Expected)
		}
		m, se := meanSE(d)
		if math.Abs(m) > 4*se+1 {
			t.Errorf("%s: simulated minus expected cost %.1f ± %.1f", p, m, se)
		}
	}
	if one.Rows[0].Means[0] > one.Rows[0].Means[1] {
		t.Errorf("planner %.1f costs more than FCFS %.1f on average", one.Rows[0].Means[0], one.Rows[0].Means[1])
	}
	if one.Small.Instances != 1 || one.Small.MaxGap > 5 {
		t.Errorf("small instances: %+v", one.Small)
	}
}

func meanSE(x []float64) (float64, float64) {
	m := mean(x)
	v := 0.0
	for _, y := range x {
		v += (y - m) * (y - m)
	}
	return m, math.Sqrt(v / float64(len(x)-1) / float64(len(x)))
}

// Common random numbers: an appointment's draws depend on the
// replication and the appointment, never on the policy or the slot.
func TestDrawsAreCommon(t *testing.T) {
	u1, z1 := draws(1, 7, "R0001")
	u2, z2 := draws(1, 7, "R0001")
	u3, _ := draws(1, 8, "R0001")
	u4, _ := draws(1, 7, "R0002")
	if u1 != u2 || z1 != z2 {
		t.Error("the same appointment draws differently")
	}
	if u1 == u3 || u1 == u4 {
		t.Error("different replications or appointments share draws")
	}
}

// The paired interval of identical series is a point; of shifted series
// the shift.
func TestPairedInterval(t *testing.T) {
	x := []float64{1, 5, 2, 8, 3}
	if iv := pairedInterval(x, x); iv != (Interval{}) {
		t.Errorf("identical: %+v", iv)
	}
	y := []float64{0, 4, 1, 7, 2}
	if iv := pairedInterval(x, y); math.Abs(iv.Mean-1) > 1e-12 || math.Abs(iv.Hi-iv.Lo) > 1e-9 {
		t.Errorf("shift by 1: %+v", iv)
	}
	if q := tQuantile975(999); math.Abs(q-1.9623) > 0.001 {
		t.Errorf("t(999) 97.5%% = %v, want 1.9623", q)
	}
}
