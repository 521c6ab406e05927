package scrub

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/expr-lang/expr"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// ruleGen writes random payer-rule expressions from the grammar the fast
// path covers (and a little beyond it, which must fall back to the VM).
type ruleGen struct {
	next  func(n int) int
	depth int
}

func (g *ruleGen) pick(opts ...string) string { return opts[g.next(len(opts))] }

// scope says what a predicate's # is: "" none, "line" a line, "str" a string.
func (g *ruleGen) boolExpr(lineRule bool, scope string) string {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 4 {
		return g.pick("true", "false", g.cmpStr(lineRule, scope))
	}
	switch g.next(12) {
	case 0:
		return g.boolExpr(lineRule, scope) + g.pick(" && ", " || ", " and ", " or ") + g.boolExpr(lineRule, scope)
	case 1:
		return g.pick("!", "not ") + "(" + g.boolExpr(lineRule, scope) + ")"
	case 2, 3:
		return g.cmpStr(lineRule, scope)
	case 4, 5:
		return g.numExpr(lineRule, scope) + g.pick(" == ", " != ", " < ", " <= ", " > ", " >= ") + g.numExpr(lineRule, scope)
	case 6:
		return g.strExpr(lineRule, scope) + " in [" + g.pick(`"11", "02", "10"`, `"99213", "36415"`, `"E119"`, ``, `"25", "59"`) + "]"
	case 7:
		return g.pick(`"25"`, `"59"`, `"E119"`, `"I10"`, `"RT"`) + " in " + g.listExpr(lineRule, scope)
	case 8:
		return g.pick("any", "all", "none", "one") + "(claim.lines, {" + g.boolExpr(lineRule, "line") + "})"
	case 9:
		return g.pick("any", "all", "none", "one") + "(" + g.listExpr(lineRule, scope) + ", {" + g.boolExpr(lineRule, "str") + "})"
	case 10:
		return g.numExpr(lineRule, scope) + " in [" + g.pick("1, 2", "0", "65, 66", "1.5") + "]"
	}
	// beyond the fast path: arithmetic, indexing, conditionals
	return g.pick("claim.total_charge * 2 > 100", "len(claim.diagnoses) > 0 ? true : false", "claim.id + \"x\" != \"\"", "upper(claim.pos) == \"11\"")
}

func (g *ruleGen) cmpStr(lineRule bool, scope string) string {
	return g.strExpr(lineRule, scope) + g.pick(" == ", " != ", " < ", " >= ", " startsWith ", " endsWith ", " contains ", " matches ") + g.strLit()
}

func (g *ruleGen) strLit() string {
	return g.pick(`""`, `"11"`, `"99213"`, `"9"`, `"2026-01-05"`, `"E11"`, `"60054"`, `"F"`, `"^9921[0-9]$"`, `"J"`, `"1558598797"`)
}

func (g *ruleGen) strExpr(lineRule bool, scope string) string {
	opts := []string{"claim.id", "claim.payer_id", "claim.pos", "claim.frequency", "claim.prior_auth", "claim.billing_npi",
		"claim.billing_taxonomy", "claim.billing_state", "claim.rendering_npi", "claim.referring_npi", "claim.patient_sex",
		"claim.dos", "today", g.strLit()}
	lineFields := []string{"procedure", "ndc", "from", "to", "pos", "rendering_npi"}
	if lineRule {
		for _, f := range lineFields {
			opts = append(opts, "line."+f)
		}
	}
	switch scope {
	case "line":
		for _, f := range lineFields {
			opts = append(opts, "."+f, "#."+f)
		}
	case "str":
		opts = append(opts, "#", "#", "#")
	}
	return g.pick(opts...)
}

func (g *ruleGen) numExpr(lineRule bool, scope string) string {
	opts := []string{"claim.total_charge", "claim.patient_age", "0", "1", "65", "150.5", "10000", "len(claim.diagnoses)",
		"len(claim.lines)", "count(claim.lines, {.units > 1})"}
	if lineRule {
		opts = append(opts, "line.units", "line.charge", "line.number", "len(line.modifiers)", "len(line.diagnoses)")
	}
	if scope == "line" {
		opts = append(opts, ".units", ".charge", ".number", "#.charge", "len(.modifiers)")
	}
	return g.pick(opts...)
}

func (g *ruleGen) listExpr(lineRule bool, scope string) string {
	opts := []string{"claim.diagnoses"}
	if lineRule {
		opts = append(opts, "line.modifiers", "line.diagnoses")
	}
	if scope == "line" {
		opts = append(opts, ".modifiers", ".diagnoses")
	}
	return g.pick(opts...)
}

// randomClaim varies every field the rules read.
func randomClaim(next func(int) int) claim.Claim {
	c := cleanClaim("C1")
	pick := func(opts ...string) string { return opts[next(len(opts))] }
	c.PlaceOfService = pick("11", "02", "10", "")
	c.PayerID = pick("60054", "01112", "")
	c.PriorAuth = pick("", "PA1")
	c.Patient.Sex = claim.Sex(pick("F", "M", "U", ""))
	c.Patient.DOB = []claim.Date{0, claim.MustDate("1950-02-01"), claim.MustDate("2026-01-05"), claim.MustDate("2030-01-01")}[next(4)]
	c.Diagnoses = [][]string{nil, {"E119"}, {"E119", "I10"}, {"I10", "E1165", "Z23"}}[next(4)]
	c.RenderingNPI = pick("1558598797", "")
	n := next(4)
	c.Lines = c.Lines[:0]
	for i := 0; i < n; i++ {
		d := []claim.Date{0, claim.MustDate("2026-01-05"), claim.MustDate("2025-12-31")}[next(3)]
		l := claim.Line{Number: i + 1, From: d, To: d, Procedure: pick("99213", "36415", "J1100", "99214", ""),
			Units: float64(next(3)), Charge: claim.Money(next(3) * 600000), NDC: pick("", "00409123401"),
			PlaceOfService: pick("", "22"), RenderingNPI: pick("", "1234567893")}
		l.Modifiers = [][]string{nil, {"25"}, {"RT", "59"}}[next(3)]
		l.DxPointers = [][]int{nil, {1}, {2, 1}, {4}}[next(4)]
		c.Lines = append(c.Lines, l)
	}
	return c
}

// checkFastMatchesVM compiles src both ways and compares them on claims.
func checkFastMatchesVM(t *testing.T, r *run, src string, lineRule bool, claims []claim.Claim) (fast bool) {
	t.Helper()
	prog, err := expr.Compile(src, expr.Env(RuleEnv{}), expr.AsBool())
	if err != nil {
		return false // not a valid rule: New refuses it anyway
	}
	fn := compileFast(src)
	if fn == nil {
		return false
	}
	ctx := Context{Today: today}
	for ci := range claims {
		c := &claims[ci]
		dos := c.FirstServiceDate()
		r.buildEnv(c, dos, ctx)
		age := -1
		if c.Patient.DOB != 0 && dos >= c.Patient.DOB {
			age = dos.YearsSince(c.Patient.DOB)
		}
		fe := &fastEnv{c: c, line: -1, dos: dos, today: ctx.Today, age: age}
		lines := []int{-1}
		if lineRule {
			lines = lines[:0]
			for i := range c.Lines {
				lines = append(lines, i)
			}
		}
		for _, li := range lines {
			r.env.Line = &noLine
			if li >= 0 {
				r.env.Line = r.env.Claim.Lines[li]
			}
			fe.line = li
			out, err := r.machine.Run(prog, &r.env)
			if err != nil {
				t.Fatalf("%s: the VM fails on a fast-path rule: %v", src, err)
			}
			if got := fn(fe); got != out.(bool) {
				t.Fatalf("%s on claim %+v line %d: fast %v, VM %v", src, c, li, got, out)
			}
		}
	}
	return true
}

func diffRun(t testing.TB) *run {
	s := newScrubber(t, starter(t))
	s.rules.needDates, s.rules.needLineDx = true, true // the environment carries everything
	r := s.get()
	r.start(nil, Context{Today: today})
	return r
}

// TestFastRulesMatchVM generates thousands of rules and claims and checks
// that every rule the fast path takes gives the VM's answer.
func TestFastRulesMatchVM(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	next := func(n int) int { return rng.IntN(n) }
	r := diffRun(t)
	claims := make([]claim.Claim, 60)
	for i := range claims {
		claims[i] = randomClaim(next)
	}
	fast, total := 0, 0
	for i := 0; i < 3000; i++ {
		lineRule := i%2 == 0
		g := &ruleGen{next: next}
		src := g.boolExpr(lineRule, "")
		if lineRule && !strings.Contains(src, "line.") {
			src = "line.number > 0 && (" + src + ")"
		}
		total++
		if checkFastMatchesVM(t, r, src, lineRule, claims) {
			fast++
		}
	}
	// Every starter rule takes the fast path.
	for _, p := range starter(t).Payers.Payers {
		for _, rule := range p.Rules {
			if compileFast(rule.When) == nil {
				t.Errorf("starter rule %s runs on the VM", rule.ID)
			}
		}
	}
	t.Logf("%d of %d generated rules took the fast path", fast, total)
	if fast < total/2 {
		t.Errorf("only %d of %d generated rules took the fast path", fast, total)
	}
}

// FuzzFastRules lets the fuzzer choose the rule and the claims.
func FuzzFastRules(f *testing.F) {
	for _, seed := range []string{"\x00\x01\x02", "\x08\x00\x05\x07\x03", "\x09\x01\x00\x02\x04\x06", "rule"} {
		f.Add([]byte(seed))
	}
	r := diffRun(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		i := 0
		next := func(n int) int {
			if i >= len(b) {
				return 0
			}
			i++
			return int(b[i-1]) % n
		}
		lineRule := next(2) == 0
		g := &ruleGen{next: next}
		src := g.boolExpr(lineRule, "")
		if lineRule && !strings.Contains(src, "line.") {
			src = "line.number > 0 && (" + src + ")"
		}
		claims := []claim.Claim{randomClaim(next), randomClaim(next)}
		checkFastMatchesVM(t, r, src, lineRule, claims)
		_ = fmt.Sprint(src)
	})
}
