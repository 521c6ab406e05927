package invbench

import (
	"fmt"
	"io"
	"strings"
)

// SeedRun is one seed's goals in a multi-seed run.
type SeedRun struct {
	Seed  uint64 `json:"seed"`
	Goals []Goal `json:"goals"`
}

// SeedsReport is the benchmark run on several seeds: each seed is an
// independent draw of the items and their two years, so one 200-item run
// is a noisy sample of the policy's performance (its share of items within
// 2 points moves by about ±2 points from seed to seed). Pooled scores all
// the seeds' items as one benchmark.
type SeedsReport struct {
	Settings Settings  `json:"settings"`
	Seeds    []SeedRun `json:"seeds"`
	// Met counts the goals met over all seeds, of Checks.
	Met    int `json:"goals_met"`
	Checks int `json:"goal_checks"`
	// Pooled summarises every seed's items together.
	Pooled    []Summary `json:"pooled_summaries"`
	PoolGoals []Goal    `json:"pooled_goals"`
}

// RunSeeds runs the benchmark once per seed in seeds (s.Seed is ignored)
// and pools the items.
func RunSeeds(s Settings, seeds []uint64) SeedsReport {
	out := SeedsReport{Settings: s.withDefaults()}
	var all Report
	for _, seed := range seeds {
		s.Seed = seed
		rep := Run(s)
		out.Seeds = append(out.Seeds, SeedRun{Seed: seed, Goals: rep.Goals})
		for _, g := range rep.Goals {
			out.Checks++
			if g.Met {
				out.Met++
			}
		}
		all.Items = append(all.Items, rep.Items...)
	}
	all.summarise()
	out.Pooled, out.PoolGoals = all.Summaries, all.Goals
	return out
}

// WriteMarkdown writes one row per seed with its goal values to four
// places (✓ met, ✗ not), then the pooled policies and goals.
func (r *SeedsReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	s := r.Settings
	fmt.Fprintf(&b, "Inventory policy benchmark on %d seeds: %d items each, %d days (last %d evaluated), rcmbot refit every %d days. Goals met: %d of %d.\n\n",
		len(r.Seeds), s.Items, s.Days, s.EvalDays, s.RefitDays, r.Met, r.Checks)
	if len(r.Seeds) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| seed |")
	for _, g := range r.Seeds[0].Goals {
		fmt.Fprintf(&b, " %s (%s) |", g.Name, g.Want)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(r.Seeds[0].Goals)) + "\n")
	for _, sr := range r.Seeds {
		fmt.Fprintf(&b, "| %d |", sr.Seed)
		for _, g := range sr.Goals {
			fmt.Fprintf(&b, " %.4f %s |", g.Value, mark(g.Met))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nPooled over all %d items:\n\n", len(r.Seeds)*s.Items)
	b.WriteString("| policy | fill rate (demand-weighted) | target | items within 2 pts | annual cost |\n|---|---|---|---|---|\n")
	for _, x := range r.Pooled {
		fmt.Fprintf(&b, "| %s | %.2f%% | %.2f%% | %.1f%% | $%.0f |\n", x.Policy, 100*x.FillRate, 100*x.Target, 100*x.WithinTwoPoints, x.Cost.Total())
	}
	writeGoals(&b, "goal (pooled)", r.PoolGoals)
	_, err := io.WriteString(w, b.String())
	return err
}

func mark(met bool) string {
	if met {
		return "✓"
	}
	return "✗"
}

func yesNo(met bool) string {
	if met {
		return "yes"
	}
	return "no"
}
