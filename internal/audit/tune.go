package audit

import (
	"fmt"
	"slices"
)

// Decision is a privacy officer's disposition of one alert, as threshold
// tuning reads it.
type Decision struct {
	Rule        RuleID
	Score       int
	Disposition Disposition
}

// ThresholdChange is tuning's verdict on one rule: its threshold before
// and after, the decisions it rests on, and why, in words the privacy
// officer sees next to the rule.
type ThresholdChange struct {
	Rule        RuleID `json:"rule"`
	From        int    `json:"from"`
	To          int    `json:"to"`
	Reviewed    int    `json:"reviewed"`
	Appropriate int    `json:"appropriate"`
	Confirmed   int    `json:"confirmed"`
	Reason      string `json:"reason"`
}

// Changed reports whether the threshold moved.
func (c ThresholdChange) Changed() bool { return c.From != c.To }

// The tuning limits: a rule needs this many decisions before it is tuned,
// moves at most MaxStep per tuning, and stays within [Min, Max].
const (
	TuneMinDecisions = 10
	TuneMaxStep      = 15
	TuneLowerStep    = 5
	TuneMin          = 30
	TuneMax          = 95
)

// Tune sets each rule's threshold from the dispositions of its alerts.
// An alert the officer confirmed (inappropriate, needs education,
// escalate) is never tuned away: the threshold rises at most to the
// lowest confirmed score, and only as far as it takes to silence the
// alerts found appropriate below it. A rule whose reviewed alerts were all
// confirmed is lowered a step, to catch similar accesses just below it.
// Rules with fewer than TuneMinDecisions decisions keep their threshold.
func Tune(current Thresholds, decisions []Decision) []ThresholdChange {
	byRule := make(map[RuleID][]Decision)
	for _, d := range decisions {
		byRule[d.Rule] = append(byRule[d.Rule], d)
	}
	var out []ThresholdChange
	for _, spec := range Rules {
		ds := byRule[spec.ID]
		from := current.For(spec.ID)
		c := ThresholdChange{Rule: spec.ID, From: from, To: from, Reviewed: len(ds)}
		var appr, conf []int
		for _, d := range ds {
			if d.Disposition.Confirmed() {
				conf = append(conf, d.Score)
			} else {
				appr = append(appr, d.Score)
			}
		}
		c.Appropriate, c.Confirmed = len(appr), len(conf)
		switch {
		case len(ds) == 0:
			continue
		case len(ds) < TuneMinDecisions:
			c.Reason = fmt.Sprintf("Kept at %d: %s reviewed; tuning waits for %d.", from, times(len(ds), "alert"), TuneMinDecisions)
		case len(appr) == 0:
			c.To = max(TuneMin, from-TuneLowerStep)
			c.Reason = fmt.Sprintf("All %d reviewed alerts were confirmed, so the threshold is lowered from %d to %d to catch similar accesses just below it.", len(ds), from, c.To)
			if c.To == from {
				c.Reason = fmt.Sprintf("Kept at %d (the lowest allowed): all %d reviewed alerts were confirmed.", from, len(ds))
			}
		default:
			c.To, c.Reason = raise(from, appr, conf)
		}
		out = append(out, c)
	}
	return out
}

// raise finds how far the threshold can rise to silence appropriate
// alerts without losing a confirmed one.
func raise(from int, appr, conf []int) (int, string) {
	ceiling := TuneMax
	if len(conf) > 0 {
		ceiling = min(ceiling, slices.Min(conf))
	}
	// The highest appropriate score below the ceiling: the threshold
	// goes just above it.
	target := from
	silenced := 0
	for _, s := range appr {
		if s < ceiling {
			target = max(target, s+1)
		}
	}
	to := min(target, ceiling, from+TuneMaxStep)
	for _, s := range appr {
		if s < to {
			silenced++
		}
	}
	switch {
	case to <= from:
		if len(conf) > 0 && slices.Min(conf) <= slices.Max(appr) {
			return from, fmt.Sprintf("Kept at %d: %d of %d reviewed alerts were appropriate, but they scored as high as confirmed ones (lowest confirmed %d), so a higher threshold would hide real problems.",
				from, len(appr), len(appr)+len(conf), slices.Min(conf))
		}
		return from, fmt.Sprintf("Kept at %d: the %d appropriate alerts already score at or above it.", from, len(appr))
	}
	why := fmt.Sprintf("Raised from %d to %d: %d of %d reviewed alerts were appropriate; %d of them scored below %d and would not have been raised.",
		from, to, len(appr), len(appr)+len(conf), silenced, to)
	if len(conf) > 0 {
		why += fmt.Sprintf(" Every confirmed alert (lowest score %d) would still be raised.", slices.Min(conf))
	}
	if to == from+TuneMaxStep && to < target {
		why += fmt.Sprintf(" The step is capped at %d per tuning.", TuneMaxStep)
	}
	return to, why
}

// Apply returns the thresholds after the changes.
func (t Thresholds) Apply(changes []ThresholdChange) Thresholds {
	out := make(Thresholds, len(t)+len(changes))
	for k, v := range t {
		out[k] = v
	}
	for _, c := range changes {
		out[c.Rule] = c.To
	}
	return out
}
