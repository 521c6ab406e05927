package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// DefaultMinutesPerRework is the staff time one denied claim costs to
// work (find the problem, fix it, resubmit, follow up), the default for
// ReportOptions.MinutesPerRework.
const DefaultMinutesPerRework = 15

// ReportOptions selects and tunes the weekly report.
type ReportOptions struct {
	From, To         time.Time      // batches uploaded in [From, To); zero = unbounded
	Location         *time.Location // the practice's time zone, for week boundaries; nil = UTC
	MinutesPerRework float64        // 0 = DefaultMinutesPerRework
}

// WeekReport is one ISO week of claims work, counted over the batches
// uploaded that week.
type WeekReport struct {
	Week  string    // ISO week, "2026-W09"
	Start time.Time // Monday 00:00 of the week in the report's location

	Claims int // claims read
	Clean  int // claims that passed every edit with no manual touch (state clean)
	// CleanClaimRate is Clean ÷ Claims (0 when there are no claims).
	CleanClaimRate float64

	// Submitted counts first submissions of claims sent to the
	// clearinghouse (a claim ID already submitted in an earlier batch is
	// a resubmission and not counted); AcceptedFirstPass those of them
	// the payer accepted; AwaitingAck those still without a 277CA.
	Submitted         int
	AcceptedFirstPass int
	AwaitingAck       int
	// FirstPassAcceptance is AcceptedFirstPass ÷ Submitted.
	FirstPassAcceptance float64

	FindingsByCategory map[string]int
	// DollarsAtRisk is the total charge of flagged claims (tier review or hold).
	DollarsAtRisk claim.Money
	// DenialsPrevented counts claims caught with at least one error
	// finding: each would have been denied and reworked.
	DenialsPrevented int
	// HoursSaved = DenialsPrevented × MinutesPerRework ÷ 60.
	HoursSaved float64
}

// WeeklyReport returns the weeks in opts's range that have batches,
// oldest first.
func (d *DB) WeeklyReport(ctx context.Context, opts ReportOptions) ([]WeekReport, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	minutes := opts.MinutesPerRework
	if minutes <= 0 {
		minutes = DefaultMinutesPerRework
	}
	from, to := opts.From, opts.To
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	weeks := map[string]*WeekReport{}
	week := func(t time.Time) *WeekReport {
		lt := t.In(loc)
		y, w := lt.ISOWeek()
		key := fmt.Sprintf("%04d-W%02d", y, w)
		if r, ok := weeks[key]; ok {
			return r
		}
		day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
		offset := (int(day.Weekday()) + 6) % 7 // days since Monday
		r := &WeekReport{Week: key, Start: day.AddDate(0, 0, -offset), FindingsByCategory: map[string]int{}}
		weeks[key] = r
		return r
	}
	rangeArgs := []any{ts(from), ts(to)}
	const inRange = " b.deleted_at IS NULL AND b.created_at >= ? AND b.created_at < ? "

	type claimAgg struct {
		at                       time.Time
		claims, clean, prevented int
		atRisk                   claim.Money
	}
	err := each(ctx, d.r, func(a *claimAgg) []any {
		return []any{scanTime(&a.at), &a.claims, &a.clean, &a.prevented, &a.atRisk}
	}, func(a claimAgg) error {
		r := week(a.at)
		r.Claims += a.claims
		r.Clean += a.clean
		r.DenialsPrevented += a.prevented
		r.DollarsAtRisk += a.atRisk
		return nil
	}, `SELECT b.created_at, COUNT(*),
		COALESCE(SUM(CASE WHEN c.state = 'clean' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.tier <> 'clean' AND c.errors > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.tier <> 'clean' THEN c.total_charge ELSE 0 END), 0)
		FROM claims c JOIN batches b ON b.id = c.batch_id
		WHERE`+inRange+`GROUP BY b.id, b.created_at`, rangeArgs...)
	if err != nil {
		return nil, fmt.Errorf("weekly report: claims: %w", err)
	}

	type findingAgg struct {
		at       time.Time
		category string
		n        int
	}
	err = each(ctx, d.r, func(a *findingAgg) []any { return []any{scanTime(&a.at), &a.category, &a.n} },
		func(a findingAgg) error { week(a.at).FindingsByCategory[a.category] += a.n; return nil },
		`SELECT b.created_at, f.category, COUNT(*) FROM findings f JOIN batches b ON b.id = f.batch_id
		WHERE`+inRange+`GROUP BY b.id, b.created_at, f.category`, rangeArgs...)
	if err != nil {
		return nil, fmt.Errorf("weekly report: findings: %w", err)
	}

	type ledgerAgg struct {
		at                         time.Time
		submitted, accepted, await int
	}
	err = each(ctx, d.r, func(a *ledgerAgg) []any { return []any{scanTime(&a.at), &a.submitted, &a.accepted, &a.await} },
		func(a ledgerAgg) error {
			r := week(a.at)
			r.Submitted += a.submitted
			r.AcceptedFirstPass += a.accepted
			r.AwaitingAck += a.await
			return nil
		}, `SELECT b.created_at, COUNT(*),
		COALESCE(SUM(CASE WHEN s.status = 'accepted' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.status IN ('sent', 'pending') THEN 1 ELSE 0 END), 0)
		FROM submitted_claims s JOIN batches b ON b.id = s.batch_id
		WHERE`+inRange+`AND s.status <> 'queued'
		AND NOT EXISTS (SELECT 1 FROM submitted_claims p WHERE p.claim_id = s.claim_id AND p.queued_at < s.queued_at)
		GROUP BY b.id, b.created_at`, rangeArgs...)
	if err != nil {
		return nil, fmt.Errorf("weekly report: submissions: %w", err)
	}

	out := make([]WeekReport, 0, len(weeks))
	for _, r := range weeks {
		if r.Claims > 0 {
			r.CleanClaimRate = float64(r.Clean) / float64(r.Claims)
		}
		if r.Submitted > 0 {
			r.FirstPassAcceptance = float64(r.AcceptedFirstPass) / float64(r.Submitted)
		}
		r.HoursSaved = float64(r.DenialsPrevented) * minutes / 60
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Week < out[j].Week })
	return out, nil
}
