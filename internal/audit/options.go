package audit

import (
	"math"
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Options tune a scan. The zero value scans in UTC with the default
// windows and thresholds.
type Options struct {
	// Location is the practice's time zone (RCMBOT_TIMEZONE): hours of
	// the day, days and employment dates are judged in it.
	Location *time.Location
	// Windows are the explanation templates' time windows; zero takes
	// DefaultWindows.
	Windows Windows
	// Thresholds are the score each rule's alerts need; missing rules
	// take DefaultThreshold.
	Thresholds Thresholds
	// LearningDays is how many days of a user's own history the
	// history-based rules need before they judge the user (usual hours,
	// new workstation); zero means 7.
	LearningDays int
	// Progress, when set, is called every ProgressEvery rows of each
	// pass of ScanFiles (pass 1 learns, pass 2 judges): an activity
	// heartbeats from it.
	Progress func(pass, rows int)
}

// ProgressEvery is how many access-log rows pass between Progress calls.
const ProgressEvery = 100_000

func (o Options) withDefaults() Options {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Windows == (Windows{}) {
		o.Windows = DefaultWindows
	}
	if o.LearningDays <= 0 {
		o.LearningDays = 7
	}
	return o
}

// Thresholds maps each rule to the score its alerts need (0–100).
type Thresholds map[RuleID]int

// DefaultThreshold is every rule's threshold until dispositions tune it.
const DefaultThreshold = 50

// For returns rule r's threshold.
func (t Thresholds) For(r RuleID) int {
	if v, ok := t[r]; ok {
		return v
	}
	return DefaultThreshold
}

// DefaultThresholds returns the default threshold of every rule.
func DefaultThresholds() Thresholds {
	t := make(Thresholds, len(Rules))
	for _, r := range Rules {
		t[r.ID] = DefaultThreshold
	}
	return t
}

// The parameters of the history-based rules. They are deliberately few
// and fixed: what adapts to a practice are the baselines (learned) and the
// thresholds (tuned from dispositions).
const (
	usualMinDays      = 2    // an hour is usual when the user worked it on at least this many days...
	usualShare        = 0.10 // ...or this share of their active days, whichever is more
	shiftSlackMinutes = 60   // the rostered shift, widened by an hour each side, is always usual
	newMaxDays        = 2    // a workstation used on more days than this is no longer new
	workedMinEvents   = 3    // explained accesses to a department's patients that make it one the user works with
	bulkMinPerHour    = 25   // exports or prints within an hour that can be bulk...
	bulkHabitFactor   = 4    // ...when also this many times the user's usual busiest hour
	spikeMinEvents    = 50   // accesses in a day that can be a spike...
	spikeMinZ         = 4.0  // ...when this many robust deviations above both baselines,
	spikeUnexplained  = 20   // ...and at least this many of them are unexplained...
	spikeUnexplFactor = 3    // ...and this many times the user's usual unexplained accesses a day
	leadShare         = 0.7  // a rule leads an alert of its own only with this share of its threshold
	curiosityMinDays  = 3    // days with first-department accesses before peers are compared
	curiosityMinZ     = 2.0  // robust deviations above peers where that comparison starts to add score
)

// zone turns Unix seconds into local seconds in the practice time zone,
// remembering the zone period it last looked up.
type zone struct {
	loc    *time.Location
	lo, hi int64
	off    int64
	valid  bool
}

func (z *zone) local(sec int64) int64 {
	if !z.valid || sec < z.lo || sec >= z.hi {
		t := time.Unix(sec, 0).In(z.loc)
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		z.lo, z.hi, z.off, z.valid = math.MinInt64, math.MaxInt64, int64(off), true
		if !start.IsZero() {
			z.lo = start.Unix()
		}
		if !end.IsZero() {
			z.hi = end.Unix()
		}
	}
	return sec + z.off
}

// localDay returns the local date and the minute of the day.
func localDay(local int64) (claim.Date, int) {
	d := local / 86400
	if local < 0 && local%86400 != 0 {
		d--
	}
	return unixEpochDate + claim.Date(d), int(local-d*86400) / 60
}

// Robust is a sample's median and median absolute deviation: a summary
// one outlier cannot move, so a user's own spike does not hide itself by
// raising their baseline.
type Robust struct {
	Median float64 `json:"median"`
	MAD    float64 `json:"mad"`
	N      int     `json:"n"`
}

// robustOf summarises xs (which it sorts).
func robustOf(xs []float64) Robust {
	if len(xs) == 0 {
		return Robust{}
	}
	slices.Sort(xs)
	med := medianSorted(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	slices.Sort(dev)
	return Robust{Median: med, MAD: medianSorted(dev), N: len(xs)}
}

func medianSorted(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// z returns how many robust standard deviations x lies above the median.
// The MAD is scaled by 1.4826 (so it estimates σ for normal data) and
// floored at floor, so a perfectly regular baseline does not make every
// small change infinite.
func (r Robust) z(x, floor float64) float64 {
	return (x - r.Median) / (1.4826 * math.Max(r.MAD, floor))
}

// dayEntry returns the entry of day d in m, creating it, and remembers it
// in *last and *cur: a user's accesses come day by day, so the map is
// consulted once per user and day.
func dayEntry[T any](m map[claim.Date]*T, last *claim.Date, cur **T, d claim.Date) *T {
	if d != *last || *cur == nil {
		*cur = m[d]
		if *cur == nil {
			*cur = new(T)
			m[d] = *cur
		}
		*last = d
	}
	return *cur
}
