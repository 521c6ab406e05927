package scrub

import (
	"cmp"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Payer rules in Go
//
// expr-lang's VM reads the environment through reflection and boxes every
// number it fetches, and the environment must be built for each claim:
// together most of a claim's scrub time when a rule applies to every
// payer. The rules payers write are almost always comparisons of claim
// and line fields with literals, joined with and/or/not and any/all/none/
// one/count over the lines — so a `when` made only of those parts is also
// compiled into Go closures that read the claim directly. A rule with
// anything else (arithmetic, indexing, other builtins, variables) runs on
// the VM as before. Both give the same answer: TestFastRulesMatchVM and
// FuzzFastRules compare them on generated rules and claims. Messages and
// fixes are still rendered by the VM, only for the rules that fire.

// fastEnv is what the closures read: the claim, the line a line rule or
// a predicate is on, and values computed once per claim.
type fastEnv struct {
	c     *claim.Claim
	line  int    // `line` in a line rule (index), -1 in a claim rule
	it    int    // the line a predicate over claim.lines is at
	str   string // # in a predicate over a list of strings
	dos   claim.Date
	today claim.Date
	age   int
	dxBuf []string
}

type (
	boolFn  func(*fastEnv) bool
	numFn   func(*fastEnv) float64
	strFn   func(*fastEnv) string
	listFn  func(*fastEnv) []string
	fastVal struct {
		b boolFn
		n numFn
		s strFn
		l listFn
		// lines marks claim.lines, only usable as a builtin's collection.
		lines bool
	}
)

// elemKind is what # stands for inside a predicate.
type elemKind uint8

const (
	elemLine elemKind = iota + 1
	elemString
)

// fastCompiler turns a checked expr AST into closures; ok is false for any
// construct it does not know.
type fastCompiler struct {
	scope []elemKind
}

// compileFast compiles src, a rule's `when`, to closures; nil when the
// expression uses anything the fast path does not cover.
func compileFast(src string) boolFn {
	prog, err := expr.Compile(src, expr.Env(RuleEnv{}), expr.AsBool(), expr.Optimize(false))
	if err != nil {
		return nil
	}
	var fc fastCompiler
	v, ok := fc.node(prog.Node())
	if !ok || v.b == nil {
		return nil
	}
	return v.b
}

func (fc *fastCompiler) node(n ast.Node) (fastVal, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		b := n.Value
		return fastVal{b: func(*fastEnv) bool { return b }}, true
	case *ast.IntegerNode:
		x := float64(n.Value)
		return fastVal{n: func(*fastEnv) float64 { return x }}, true
	case *ast.FloatNode:
		x := n.Value
		return fastVal{n: func(*fastEnv) float64 { return x }}, true
	case *ast.StringNode:
		s := n.Value
		return fastVal{s: func(*fastEnv) string { return s }}, true
	case *ast.IdentifierNode:
		if n.Value == "today" {
			return fastVal{s: func(e *fastEnv) string { return e.today.String() }}, true
		}
	case *ast.PointerNode:
		if n.Name != "" || len(fc.scope) == 0 || fc.scope[len(fc.scope)-1] != elemString {
			return fastVal{}, false
		}
		return fastVal{s: func(e *fastEnv) string { return e.str }}, true
	case *ast.MemberNode:
		return fc.member(n)
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return fastVal{}, false
		}
		x, ok := fc.node(n.Node)
		if !ok || x.b == nil {
			return fastVal{}, false
		}
		return fastVal{b: func(e *fastEnv) bool { return !x.b(e) }}, true
	case *ast.BinaryNode:
		return fc.binary(n)
	case *ast.BuiltinNode:
		return fc.builtin(n)
	}
	return fastVal{}, false
}

// member compiles claim.<field>, line.<field> and #.<field> (# a line).
func (fc *fastCompiler) member(n *ast.MemberNode) (fastVal, bool) {
	prop, ok := n.Property.(*ast.StringNode)
	if !ok || n.Optional || n.Method {
		return fastVal{}, false
	}
	switch base := n.Node.(type) {
	case *ast.IdentifierNode:
		switch base.Value {
		case "claim":
			return claimField(prop.Value)
		case "line":
			return lineField(prop.Value, func(e *fastEnv) int { return e.line })
		}
	case *ast.PointerNode:
		if base.Name == "" && len(fc.scope) > 0 && fc.scope[len(fc.scope)-1] == elemLine {
			return lineField(prop.Value, func(e *fastEnv) int { return e.it })
		}
	}
	return fastVal{}, false
}

func claimField(name string) (fastVal, bool) {
	str := func(f func(c *claim.Claim) string) (fastVal, bool) {
		return fastVal{s: func(e *fastEnv) string { return f(e.c) }}, true
	}
	switch name {
	case "id":
		return str(func(c *claim.Claim) string { return c.ID })
	case "payer_id":
		return str(func(c *claim.Claim) string { return c.PayerID })
	case "pos":
		return str(func(c *claim.Claim) string { return c.PlaceOfService })
	case "frequency":
		return str(func(c *claim.Claim) string { return string(c.FrequencyCode) })
	case "prior_auth":
		return str(func(c *claim.Claim) string { return c.PriorAuth })
	case "billing_npi":
		return str(func(c *claim.Claim) string { return c.Billing.NPI })
	case "billing_taxonomy":
		return str(func(c *claim.Claim) string { return c.Billing.Taxonomy })
	case "billing_state":
		return str(func(c *claim.Claim) string { return c.Billing.Address.State })
	case "rendering_npi":
		return str(func(c *claim.Claim) string { return c.RenderingNPI })
	case "referring_npi":
		return str(func(c *claim.Claim) string { return c.ReferringNPI })
	case "patient_sex":
		return str(func(c *claim.Claim) string { return string(c.Patient.Sex) })
	case "dos":
		return fastVal{s: func(e *fastEnv) string { return e.dos.String() }}, true
	case "total_charge":
		return fastVal{n: func(e *fastEnv) float64 { return e.c.LineTotal().Float() }}, true
	case "patient_age":
		return fastVal{n: func(e *fastEnv) float64 { return float64(e.age) }}, true
	case "diagnoses":
		return fastVal{l: func(e *fastEnv) []string { return e.c.Diagnoses }}, true
	case "lines":
		return fastVal{lines: true}, true
	}
	return fastVal{}, false
}

// lineField compiles a field of the line at index at(e).
func lineField(name string, at func(*fastEnv) int) (fastVal, bool) {
	str := func(f func(c *claim.Claim, i int) string) (fastVal, bool) {
		return fastVal{s: func(e *fastEnv) string { return f(e.c, at(e)) }}, true
	}
	num := func(f func(l *claim.Line, i int) float64) (fastVal, bool) {
		return fastVal{n: func(e *fastEnv) float64 { i := at(e); return f(&e.c.Lines[i], i) }}, true
	}
	switch name {
	case "number":
		return num(func(_ *claim.Line, i int) float64 { return float64(i + 1) })
	case "units":
		return num(func(l *claim.Line, _ int) float64 { return l.Units })
	case "charge":
		return num(func(l *claim.Line, _ int) float64 { return l.Charge.Float() })
	case "procedure":
		return str(func(c *claim.Claim, i int) string { return c.Lines[i].Procedure })
	case "ndc":
		return str(func(c *claim.Claim, i int) string { return c.Lines[i].NDC })
	case "from":
		return str(func(c *claim.Claim, i int) string { return c.Lines[i].From.String() })
	case "to":
		return str(func(c *claim.Claim, i int) string { return c.Lines[i].To.String() })
	case "pos":
		return str(func(c *claim.Claim, i int) string { return c.LinePlaceOfService(i) })
	case "rendering_npi":
		return str(func(c *claim.Claim, i int) string { return c.LineRenderingNPI(i) })
	case "modifiers":
		return fastVal{l: func(e *fastEnv) []string { return e.c.Lines[at(e)].Modifiers }}, true
	case "diagnoses":
		return fastVal{l: func(e *fastEnv) []string {
			c := e.c
			e.dxBuf = e.dxBuf[:0]
			for _, p := range c.Lines[at(e)].DxPointers {
				if p >= 1 && p <= len(c.Diagnoses) {
					e.dxBuf = append(e.dxBuf, c.Diagnoses[p-1])
				}
			}
			return e.dxBuf
		}}, true
	}
	return fastVal{}, false
}

func (fc *fastCompiler) binary(n *ast.BinaryNode) (fastVal, bool) {
	op := n.Operator
	if op == "in" {
		return fc.in(n)
	}
	if op == "matches" {
		lit, ok := n.Right.(*ast.StringNode)
		l, lok := fc.node(n.Left)
		if !ok || !lok || l.s == nil {
			return fastVal{}, false
		}
		re, err := regexp.Compile(lit.Value)
		if err != nil {
			return fastVal{}, false
		}
		return fastVal{b: func(e *fastEnv) bool { return re.MatchString(l.s(e)) }}, true
	}
	l, ok1 := fc.node(n.Left)
	r, ok2 := fc.node(n.Right)
	if !ok1 || !ok2 {
		return fastVal{}, false
	}
	switch {
	case l.b != nil && r.b != nil:
		switch op {
		case "&&", "and":
			return fastVal{b: func(e *fastEnv) bool { return l.b(e) && r.b(e) }}, true
		case "||", "or":
			return fastVal{b: func(e *fastEnv) bool { return l.b(e) || r.b(e) }}, true
		case "==":
			return fastVal{b: func(e *fastEnv) bool { return l.b(e) == r.b(e) }}, true
		case "!=":
			return fastVal{b: func(e *fastEnv) bool { return l.b(e) != r.b(e) }}, true
		}
	case l.n != nil && r.n != nil:
		if f := compare(op, l.n, r.n); f != nil {
			return fastVal{b: f}, true
		}
	case l.s != nil && r.s != nil:
		a, b := l.s, r.s
		if f := compare(op, a, b); f != nil {
			return fastVal{b: f}, true
		}
		switch op {
		case "startsWith":
			return fastVal{b: func(e *fastEnv) bool { return strings.HasPrefix(a(e), b(e)) }}, true
		case "endsWith":
			return fastVal{b: func(e *fastEnv) bool { return strings.HasSuffix(a(e), b(e)) }}, true
		case "contains":
			return fastVal{b: func(e *fastEnv) bool { return strings.Contains(a(e), b(e)) }}, true
		}
	}
	return fastVal{}, false
}

// compare compiles a comparison of two numbers or two strings; nil for
// another operator.
func compare[T cmp.Ordered](op string, a, b func(*fastEnv) T) boolFn {
	switch op {
	case "==":
		return func(e *fastEnv) bool { return a(e) == b(e) }
	case "!=":
		return func(e *fastEnv) bool { return a(e) != b(e) }
	case "<":
		return func(e *fastEnv) bool { return a(e) < b(e) }
	case "<=":
		return func(e *fastEnv) bool { return a(e) <= b(e) }
	case ">":
		return func(e *fastEnv) bool { return a(e) > b(e) }
	case ">=":
		return func(e *fastEnv) bool { return a(e) >= b(e) }
	}
	return nil
}

// in compiles `x in [literals]` and `s in list` (a []string field).
func (fc *fastCompiler) in(n *ast.BinaryNode) (fastVal, bool) {
	l, ok := fc.node(n.Left)
	if !ok {
		return fastVal{}, false
	}
	if arr, isArr := n.Right.(*ast.ArrayNode); isArr {
		var strs []string
		var nums []float64
		for _, el := range arr.Nodes {
			switch el := el.(type) {
			case *ast.StringNode:
				strs = append(strs, el.Value)
			case *ast.IntegerNode:
				nums = append(nums, float64(el.Value))
			case *ast.FloatNode:
				nums = append(nums, el.Value)
			default:
				return fastVal{}, false
			}
		}
		switch {
		case l.s != nil && nums == nil:
			set := make(map[string]struct{}, len(strs))
			for _, s := range strs {
				set[s] = struct{}{}
			}
			return fastVal{b: func(e *fastEnv) bool { _, ok := set[l.s(e)]; return ok }}, true
		case l.n != nil && strs == nil:
			return fastVal{b: func(e *fastEnv) bool {
				x := l.n(e)
				for _, v := range nums {
					if v == x {
						return true
					}
				}
				return false
			}}, true
		}
		return fastVal{}, false
	}
	r, ok := fc.node(n.Right)
	if !ok || r.l == nil || l.s == nil {
		return fastVal{}, false
	}
	return fastVal{b: func(e *fastEnv) bool {
		x := l.s(e)
		for _, v := range r.l(e) {
			if v == x {
				return true
			}
		}
		return false
	}}, true
}

// builtin compiles len and the predicate builtins over claim.lines or a
// list of strings.
func (fc *fastCompiler) builtin(n *ast.BuiltinNode) (fastVal, bool) {
	if n.Name == "len" && len(n.Arguments) == 1 {
		x, ok := fc.node(n.Arguments[0])
		switch {
		case !ok:
		case x.s != nil:
			return fastVal{n: func(e *fastEnv) float64 { return float64(len(x.s(e))) }}, true
		case x.l != nil:
			return fastVal{n: func(e *fastEnv) float64 { return float64(len(x.l(e))) }}, true
		case x.lines:
			return fastVal{n: func(e *fastEnv) float64 { return float64(len(e.c.Lines)) }}, true
		}
		return fastVal{}, false
	}
	switch n.Name {
	case "any", "all", "none", "one", "count":
	default:
		return fastVal{}, false
	}
	if len(n.Arguments) != 2 {
		return fastVal{}, false
	}
	coll, ok := fc.node(n.Arguments[0])
	pred, isPred := n.Arguments[1].(*ast.PredicateNode)
	if !ok || !isPred || (!coll.lines && coll.l == nil) {
		return fastVal{}, false
	}
	kind := elemString
	if coll.lines {
		kind = elemLine
	}
	fc.scope = append(fc.scope, kind)
	body, ok := fc.node(pred.Node)
	fc.scope = fc.scope[:len(fc.scope)-1]
	if !ok || body.b == nil {
		return fastVal{}, false
	}
	match := loopOver(coll, body.b)
	switch n.Name {
	case "any":
		return fastVal{b: func(e *fastEnv) bool { return match(e, 1) > 0 }}, true
	case "none":
		return fastVal{b: func(e *fastEnv) bool { return match(e, 1) == 0 }}, true
	case "one":
		return fastVal{b: func(e *fastEnv) bool { return match(e, 2) == 1 }}, true
	case "count":
		return fastVal{n: func(e *fastEnv) float64 { return float64(match(e, -1)) }}, true
	}
	p := body.b
	fail := loopOver(coll, func(e *fastEnv) bool { return !p(e) })
	return fastVal{b: func(e *fastEnv) bool { return fail(e, 1) == 0 }}, true // all
}

// loopOver returns a function counting the elements of coll (claim.lines
// or a list of strings) that p holds for, up to stop (-1: all). It saves
// and restores the element, so nested predicates each see their own.
func loopOver(coll fastVal, p boolFn) func(e *fastEnv, stop int) int {
	if coll.lines {
		return func(e *fastEnv, stop int) int {
			saved := e.it
			k := countUpTo(len(e.c.Lines), stop, func(i int) bool { e.it = i; return p(e) })
			e.it = saved
			return k
		}
	}
	list := coll.l
	return func(e *fastEnv, stop int) int {
		saved, items := e.str, list(e)
		k := countUpTo(len(items), stop, func(i int) bool { e.str = items[i]; return p(e) })
		e.str = saved
		return k
	}
}

// countUpTo counts the i in [0, n) that holds for, stopping at stop (-1: never).
func countUpTo(n, stop int, holds func(i int) bool) int {
	k := 0
	for i := 0; i < n && k != stop; i++ {
		if holds(i) {
			k++
		}
	}
	return k
}
