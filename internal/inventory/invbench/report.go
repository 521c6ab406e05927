package invbench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// LoadSettings reads settings from a JSON file (fixtures/inventory/bench.json).
func LoadSettings(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, err
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// summary returns the policy's overall summary.
func (r *Report) summary(k PolicyKind) Summary {
	for _, s := range r.Summaries {
		if s.Policy == k {
			return s
		}
	}
	return Summary{}
}

// WriteMarkdown writes the report as Markdown tables: one row per policy,
// the goals, and rcmbot against the floor per demand pattern.
func (r *Report) WriteMarkdown(w io.Writer) error {
	s := r.Settings
	var b strings.Builder
	fmt.Fprintf(&b, "Inventory policy benchmark: %d items, %d days (last %d evaluated after a %d-day warm-up), seed %d, rcmbot refit every %d days, floor over %d simulated years per candidate.\n\n",
		s.Items, s.Days, s.EvalDays, s.WarmupDays, s.Seed, s.RefitDays, s.FloorRuns)
	fl := r.summary(Floor).Cost.Total()
	b.WriteString("| policy | fill rate (demand-weighted) | target | items within 2 pts | mean item fill | annual cost | holding | ordering | expired | cost ÷ floor |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.Summaries {
		fmt.Fprintf(&b, "| %s | %.2f%% | %.2f%% | %.1f%% | %.2f%% | $%.0f | $%.0f | $%.0f | $%.0f | %.2f |\n", x.Policy,
			100*x.FillRate, 100*x.Target, 100*x.WithinTwoPoints, 100*x.MeanItemFill, x.Cost.Total(),
			x.Cost.Holding, x.Cost.Ordering, x.Cost.Expiry, x.Cost.Total()/fl)
	}
	writeGoals(&b, "goal", r.Goals)
	b.WriteString("\n| pattern | items | rcmbot fill | floor fill | target | rcmbot within 2 pts | floor within 2 pts | rcmbot cost | floor cost |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range Patterns {
		o, f := r.ByPattern[p][RCMBot], r.ByPattern[p][Floor]
		n := 0
		for _, it := range r.Items {
			if it.Pattern == p {
				n++
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f%% | %.2f%% | %.2f%% | %.0f%% | %.0f%% | $%.0f | $%.0f |\n", p, n, 100*o.FillRate, 100*f.FillRate,
			100*o.Target, 100*o.WithinTwoPoints, 100*f.WithinTwoPoints, o.Cost.Total(), f.Cost.Total())
	}
	fmt.Fprintf(&b, "\nrcmbot computed %d policies (forecast, backtest and optimisation each) in %s on %d workers: %.2f ms each (wall time per policy × workers).\n",
		r.Plans, r.PlanWall.Round(1e6), r.Workers, float64(r.PlanWall.Microseconds())/1000*float64(r.Workers)/float64(max(r.Plans, 1)))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGoals writes goals as a Markdown table whose first column is
// headed head.
func writeGoals(b *strings.Builder, head string, goals []Goal) {
	fmt.Fprintf(b, "\n| %s | value | want | met |\n|---|---|---|---|\n", head)
	for _, g := range goals {
		fmt.Fprintf(b, "| %s | %.3f | %s | %s |\n", g.Name, g.Value, g.Want, yesNo(g.Met))
	}
}
