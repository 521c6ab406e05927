// Package scrub is rcmbot's claim scrubber: an explainable, rule-based
// scorer that flags billing errors on professional (837P) claims before
// they are submitted, the way clearinghouse edit engines do.
//
// Given a batch of claims and loaded reference data (package refdata), Scrub
// returns findings per claim — each naming the rule, the claim field, what
// is wrong with the values involved, how to fix it and the claim adjustment
// reason code (CARC) it prevents — plus a 0–100 risk score whose points all
// come from findings, a tier (clean, review, hold) and a batch summary.
// RULES.md lists every rule.
//
// The package does no I/O: stored history (for duplicates) and eligibility
// results come in through Context. It is deterministic: the same input
// gives the same findings in the same order. A Scrubber is safe for
// concurrent use: each call keeps its state to itself.
package scrub

import (
	"hash/maphash"
	"slices"
	"sync"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// Category groups rules into the edit families staff know.
type Category string

// The categories, in report order.
const (
	CatRequired     Category = "required"
	CatNPI          Category = "npi"
	CatTaxonomy     Category = "taxonomy"
	CatICD10        Category = "icd10"
	CatProcedure    Category = "procedure"
	CatModifier     Category = "modifier"
	CatPOS          Category = "pos"
	CatDxPointer    Category = "dx_pointer"
	CatDates        Category = "dates"
	CatTimelyFiling Category = "timely_filing"
	CatDuplicate    Category = "duplicate"
	CatCharges      Category = "charges"
	CatNCCIPTP      Category = "ncci_ptp"
	CatMUE          Category = "mue"
	CatAgeSex       Category = "age_sex"
	CatEligibility  Category = "eligibility"
	CatPayerRule    Category = "payer_rule"
)

// Categories lists every category in report order.
var Categories = []Category{CatRequired, CatNPI, CatTaxonomy, CatICD10, CatProcedure, CatModifier, CatPOS,
	CatDxPointer, CatDates, CatTimelyFiling, CatDuplicate, CatCharges, CatNCCIPTP, CatMUE, CatAgeSex,
	CatEligibility, CatPayerRule}

// Severity says what a finding means for the claim.
type Severity string

// Severities: an error will be rejected or denied; a warning may be (it
// fails for some payers or needs a human look).
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Tier is the scrubber's verdict on a claim.
type Tier string

// Tiers: clean claims have no findings; review claims have warnings only
// and a score under Config.HoldScore; hold claims have an error (or
// warnings adding up to HoldScore).
const (
	TierClean  Tier = "clean"
	TierReview Tier = "review"
	TierHold   Tier = "hold"
)

// Finding is one problem found on a claim.
type Finding struct {
	ClaimID string `json:"claim_id"`
	// Line is the 1-based position of the service line in Claim.Lines, or 0
	// for a claim-level finding.
	Line     int      `json:"line"`
	Category Category `json:"category"`
	RuleID   string   `json:"rule_id"`
	Severity Severity `json:"severity"`
	// Field is the canonical claim field (claim.Field*) the finding is
	// about, so the annotated workbook can mark the cell.
	Field claim.Field `json:"field"`
	// Message says what is wrong with the values involved; it never holds
	// patient names, dates of birth or member IDs.
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// CARC is the claim adjustment reason code the finding prevents ("" when none applies).
	CARC string `json:"carc"`
	// Points is this finding's share of the claim's score.
	Points int `json:"points"`
	// Row is the spreadsheet row of the line (or of the claim's first
	// line, for claim-level findings); 0 when the claim did not come from a sheet.
	Row int `json:"row,omitempty"`
}

// Result is the verdict on one claim.
type Result struct {
	ClaimID  string    `json:"claim_id"`
	Score    int       `json:"score"` // 0–100, the sum of the findings' Points
	Tier     Tier      `json:"tier"`
	Findings []Finding `json:"findings"`
}

// CategorySummary counts one category's findings in a batch.
type CategorySummary struct {
	Findings int `json:"findings"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Claims   int `json:"claims"` // claims with at least one finding in the category
}

// Summary describes a scrubbed batch.
type Summary struct {
	Claims   int `json:"claims"`
	Lines    int `json:"lines"`
	Clean    int `json:"clean"`   // claims with no findings
	Flagged  int `json:"flagged"` // claims with findings (review or hold)
	Review   int `json:"review"`
	Hold     int `json:"hold"`
	Errors   int `json:"errors"`   // error findings
	Warnings int `json:"warnings"` // warning findings
	// ChargesAtRisk is the billed amount (sum of line charges) of the
	// claims on hold.
	ChargesAtRisk claim.Money                  `json:"charges_at_risk"`
	ByCategory    map[Category]CategorySummary `json:"by_category"`
}

// Report is the outcome of scrubbing a batch.
type Report struct {
	Results []Result `json:"results"` // in input order
	Summary Summary  `json:"summary"`
	// Notices say, once per batch, where the reference data did not cover
	// the dates of service (a fiscal year or quarter not loaded).
	Notices []Notice `json:"notices"`
}

// Config tunes scoring.
type Config struct {
	// Weights overrides rule weights (points per finding), by rule ID
	// ("NCCI-PTP-001", a payer rule's id) or by category ("mue"); a rule
	// ID wins over its category.
	Weights map[string]int
	// HoldScore is the score at which a claim with warnings only is held
	// rather than sent to review (0 means DefaultHoldScore). Claims with
	// any error are always held.
	HoldScore int
}

// DefaultHoldScore is the HoldScore used when Config leaves it 0.
const DefaultHoldScore = 60

// CoverageStatus is what stored eligibility results say about a member on a date.
type CoverageStatus uint8

// Coverage statuses.
const (
	CoverageNoData        CoverageStatus = iota // no eligibility result: the rule stays silent
	CoverageActive                              // active coverage on the date
	CoverageInactive                            // coverage inactive on the date (271 EB*6)
	CoverageMemberUnknown                       // payer does not know the member (AAA 72/75)
)

// CoverageLookup reports a member's coverage with a payer on a date of
// service, from stored eligibility results.
type CoverageLookup func(payerID, memberID string, dos claim.Date) CoverageStatus

// HistoryLine is one service line of a claim already stored (submitted or
// scrubbed before), as duplicate, NCCI and MUE checks need it.
type HistoryLine struct {
	ClaimID string
	// PatientID is the practice's patient account number (claim.Patient.ID);
	// when empty, PayerID and MemberID identify the patient.
	PatientID string
	PayerID   string
	MemberID  string
	DOS       claim.Date
	Procedure string
	Modifiers []string
	Units     float64
	Charge    claim.Money
	// NDC is the line's drug code, "" when none or not recorded: lines
	// with different NDCs are not duplicates.
	NDC          string
	BillingNPI   string
	RenderingNPI string
}

// HistoryFromClaim returns the history lines of a stored claim.
func HistoryFromClaim(c *claim.Claim) []HistoryLine {
	out := make([]HistoryLine, len(c.Lines))
	for i := range c.Lines {
		l := &c.Lines[i]
		out[i] = HistoryLine{ClaimID: c.ID, PatientID: c.Patient.ID, PayerID: c.PayerID, MemberID: c.MemberID,
			DOS: l.From, Procedure: l.Procedure, Modifiers: l.Modifiers, Units: l.Units, Charge: l.Charge, NDC: l.NDC,
			BillingNPI: c.Billing.NPI, RenderingNPI: c.LineRenderingNPI(i)}
	}
	return out
}

// Context is what a scrub needs besides the claims.
type Context struct {
	// Today is the date the batch is scrubbed (for future dates of
	// service and timely filing); the zero Date skips those checks.
	Today claim.Date
	// History holds lines of stored claims, for duplicates and for NCCI and
	// MUE across claims. Lines whose ClaimID equals a batch claim's ID are
	// that same claim (a re-scrub or correction) and are ignored for it.
	History []HistoryLine
	// Coverage looks up eligibility; nil means no eligibility data.
	Coverage CoverageLookup
}

// Scrubber scores claims against one set of reference data. Create one
// with New and share it: it is safe for concurrent use (each call takes
// its own working state from a pool).
type Scrubber struct {
	ref     *refdata.Data
	cfg     Config
	weights []int // by rule index
	rules   payerRules
	// payers holds each directory payer's edit set and rules; unknown is
	// used for payer IDs the directory does not list.
	payers  map[string]*payerSetup
	unknown *payerSetup
	seed    maphash.Seed // for patient hashes (table layout only: results do not depend on it)
	pool    sync.Pool    // *run
}

// payerSetup is what the scrubber applies to one payer's claims.
type payerSetup struct {
	id         string
	known      bool
	name       string
	edits      payers.EditSet
	filingDays int
	rules      []*compiledRule // the payer's own rules (the global ones are in payerRules)
}

// New prepares a Scrubber: it compiles the payer rules in ref.Payers (a
// bad rule fails with its file, rule id and the expression error) and
// resolves the weights and each payer's edit set.
func New(ref *refdata.Data, cfg Config) (*Scrubber, error) {
	if cfg.HoldScore <= 0 {
		cfg.HoldScore = DefaultHoldScore
	}
	s := &Scrubber{ref: ref, cfg: cfg, weights: make([]int, len(catalogue)), payers: map[string]*payerSetup{},
		unknown: &payerSetup{edits: payers.CommercialEdits, filingDays: payers.MedicareTimelyFilingDays}, seed: maphash.MakeSeed()}
	for i, r := range catalogue {
		s.weights[i] = s.weightFor(r.ID, r.Category, r.Weight)
	}
	if err := s.compilePayerRules(); err != nil {
		return nil, err
	}
	if ref.Payers != nil {
		for i := range ref.Payers.Payers {
			p := &ref.Payers.Payers[i]
			s.payers[p.ID] = &payerSetup{id: p.ID, known: true, name: p.Name, edits: p.EditSet(), filingDays: p.FilingLimitDays(),
				rules: s.rules.byPayer[p.ID]}
		}
	}
	s.pool.New = func() any { return &run{s: s} }
	return s, nil
}

func (s *Scrubber) payer(id string) *payerSetup {
	if p, ok := s.payers[id]; ok {
		return p
	}
	return s.unknown
}

func (s *Scrubber) weightFor(id string, cat Category, def int) int {
	if w, ok := s.cfg.Weights[id]; ok {
		return w
	}
	if w, ok := s.cfg.Weights[string(cat)]; ok {
		return w
	}
	return def
}

// Scrub checks a batch of claims: every claim on its own, and duplicates,
// NCCI pairs, add-on codes and MUE day totals across the batch and
// ctx.History.
func (s *Scrubber) Scrub(claims []claim.Claim, ctx Context) Report {
	results := make([]Result, len(claims))
	r := s.get()
	defer s.put(r)
	lines := r.scrub(claims, -1, ctx, results)
	return Report{Results: results, Summary: summarize(claims, results, lines), Notices: r.notices.list()}
}

// Rescrub checks claims[i] again (after staff corrected it) in the context
// of its batch, so cross-claim edits still see the other claims.
func (s *Scrubber) Rescrub(claims []claim.Claim, i int, ctx Context) Result {
	var res [1]Result
	r := s.get()
	defer s.put(r)
	r.scrub(claims, i, ctx, res[:])
	return res[0]
}

func (s *Scrubber) get() *run { return s.pool.Get().(*run) }

// put returns a run to the pool without the references it held into the
// caller's claims and history.
func (s *Scrubber) put(r *run) {
	r.b.claims, r.b.history = nil, nil
	clear(r.claimPayer)
	clear(r.infos)
	clear(r.lines)
	clear(r.dxBuf)
	clear(r.fast.dxBuf)
	r.env, r.fast = RuleEnv{}, fastEnv{dxBuf: r.fast.dxBuf[:0]}
	s.pool.Put(r)
}

// scrub checks claims (only claims[only] when only ≥ 0) into results and
// returns the number of service lines. It makes one pass over the claims:
// each claim's lines join the cross-claim index and its own checks run
// while it is in the cache; the cross-claim findings (which later claims
// may add to earlier ones) join the claims' own at the end.
func (r *run) scrub(claims []claim.Claim, only int, ctx Context, results []Result) int {
	r.start(claims, ctx)
	r.indexHistory(ctx)
	r.own, r.ownEnd = r.own[:0], r.ownEnd[:0]
	lines := 0
	for i := range claims {
		c := &claims[i]
		lines += len(c.Lines)
		r.resolve(i, c)
		r.indexClaim(i, c, only)
		if only >= 0 && i != only {
			r.ownEnd = append(r.ownEnd, int32(len(r.own)))
			continue
		}
		r.out = r.out[:0]
		r.checkClaim(i, c, ctx)
		r.own = append(r.own, r.out...)
		r.ownEnd = append(r.ownEnd, int32(len(r.own)))
		if only < 0 {
			results[i] = Result{ClaimID: c.ID, Tier: TierClean}
		}
	}
	r.finishCross()
	// All findings of the batch share one backing array.
	var all []Finding
	ci := 0 // next cross finding
	for i := range claims {
		if only >= 0 && i != only {
			continue
		}
		start := int32(0)
		if i > 0 {
			start = r.ownEnd[i-1]
		}
		for ; ci < len(r.cross) && r.cross[ci].claim < i; ci++ {
		}
		ce := ci
		for ; ce < len(r.cross) && r.cross[ce].claim == i; ce++ {
		}
		slot := &results[0]
		if only < 0 {
			slot = &results[i]
		}
		n := int(r.ownEnd[i]-start) + ce - ci
		if n == 0 {
			if only >= 0 {
				*slot = Result{ClaimID: claims[i].ID, Tier: TierClean}
			}
			continue
		}
		c := &claims[i]
		if all == nil {
			all = make([]Finding, 0, n*4)
		}
		first := len(all)
		all = append(all, r.own[start:r.ownEnd[i]]...)
		for ; ci < ce; ci++ {
			all = append(all, r.cross[ci].f)
		}
		fs := all[first:len(all):len(all)]
		slices.SortStableFunc(fs, func(a, b Finding) int { return a.Line - b.Line })
		for k := range fs {
			fs[k].ClaimID = c.ID
			fs[k].Row = c.Row
			if fs[k].Line > 0 && fs[k].Line <= len(c.Lines) && c.Lines[fs[k].Line-1].Row != 0 {
				fs[k].Row = c.Lines[fs[k].Line-1].Row
			}
		}
		*slot = Result{ClaimID: c.ID, Findings: fs}
		slot.Score, slot.Tier = score(fs, r.s.cfg.HoldScore)
	}
	return lines
}

// score assigns each finding its points (capped at 100 in all, the
// heaviest findings first) and returns the claim's score and tier.
func score(fs []Finding, holdScore int) (int, Tier) {
	total, hasError := 0, false
	for _, f := range fs {
		total += f.Points
		hasError = hasError || f.Severity == SevError
	}
	if total > 100 {
		// Keep the points of the heaviest findings; trim the rest so the
		// points still add up to the score.
		order := make([]int, len(fs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return fs[b].Points - fs[a].Points })
		left := 100
		for _, i := range order {
			fs[i].Points = min(fs[i].Points, left)
			left -= fs[i].Points
		}
		total = 100
	}
	switch {
	case hasError || total >= holdScore:
		return total, TierHold
	default:
		return total, TierReview
	}
}

func summarize(claims []claim.Claim, results []Result, lines int) Summary {
	sum := Summary{Claims: len(claims), Lines: lines, ByCategory: make(map[Category]CategorySummary)}
	for i := range results {
		r := &results[i]
		switch r.Tier {
		case TierClean:
			sum.Clean++
			continue
		case TierHold:
			sum.Hold++
			sum.ChargesAtRisk += claims[i].LineTotal()
		case TierReview:
			sum.Review++
		}
		sum.Flagged++
		var seen uint32 // categories already counted for this claim
		for _, f := range r.Findings {
			cs := sum.ByCategory[f.Category]
			cs.Findings++
			if f.Severity == SevError {
				cs.Errors++
				sum.Errors++
			} else {
				cs.Warnings++
				sum.Warnings++
			}
			if bit := uint32(1) << catOrder[f.Category]; seen&bit == 0 {
				seen |= bit
				cs.Claims++
			}
			sum.ByCategory[f.Category] = cs
		}
	}
	return sum
}

// catOrder maps a category to its position in Categories.
var catOrder = func() map[Category]int {
	m := make(map[Category]int, len(Categories))
	for i, c := range Categories {
		m[c] = i
	}
	return m
}()
