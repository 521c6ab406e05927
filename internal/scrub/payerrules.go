package scrub

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
)

// RuleEnv is the environment payer rules (payers.yaml, rules/*.yaml) are
// evaluated in, with github.com/expr-lang/expr. A rule's `when` must be a
// boolean expression; the rule reports a finding when it is true.
//
//	claim.id             string   claim ID (CLM01)
//	claim.payer_id       string   payer ID
//	claim.pos            string   place of service, e.g. "11", "02"
//	claim.frequency      string   claim frequency code: "1" original, "7" replacement, "8" void
//	claim.prior_auth     string   prior authorization number ("" when none)
//	claim.total_charge   float    sum of the line charges, dollars
//	claim.diagnoses      []string ICD-10-CM codes without the dot, principal first
//	claim.lines          []line   the service lines (fields below)
//	claim.billing_npi, claim.billing_taxonomy, claim.billing_state,
//	claim.rendering_npi, claim.referring_npi   string
//	claim.patient_age    int      whole years on the first date of service (-1 unknown)
//	claim.patient_sex    string   "F", "M" or "U"
//	claim.dos            string   first date of service, YYYY-MM-DD
//	today                string   the scrub date, YYYY-MM-DD ("" unknown)
//
// A line (an element of claim.lines, or `line` in a line rule) has:
//
//	.number int, .procedure string, .modifiers []string, .units float,
//	.charge float (dollars), .from and .to string (YYYY-MM-DD),
//	.diagnoses []string (the codes its pointers name), .ndc string,
//	.pos and .rendering_npi string (the line's own, else the claim's)
//
// A rule whose expression mentions `line` is a line rule: it is evaluated
// once per service line with `line` bound to it and its findings point at
// that line; any other rule is evaluated once per claim. Messages and fixes
// may hold {{ expression }} placeholders over the same environment, e.g.
// "POS {{claim.pos}}". Patient names, dates of birth and member IDs are
// deliberately not in the environment.
type RuleEnv struct {
	Claim ClaimEnv `expr:"claim"`
	Line  *LineEnv `expr:"line"`
	Today string   `expr:"today"`
}

// ClaimEnv is `claim` in RuleEnv.
type ClaimEnv struct {
	ID              string     `expr:"id"`
	PayerID         string     `expr:"payer_id"`
	POS             string     `expr:"pos"`
	Frequency       string     `expr:"frequency"`
	PriorAuth       string     `expr:"prior_auth"`
	TotalCharge     float64    `expr:"total_charge"`
	Diagnoses       []string   `expr:"diagnoses"`
	Lines           []*LineEnv `expr:"lines"`
	BillingNPI      string     `expr:"billing_npi"`
	BillingTaxonomy string     `expr:"billing_taxonomy"`
	BillingState    string     `expr:"billing_state"`
	RenderingNPI    string     `expr:"rendering_npi"`
	ReferringNPI    string     `expr:"referring_npi"`
	PatientAge      int        `expr:"patient_age"`
	PatientSex      string     `expr:"patient_sex"`
	DOS             string     `expr:"dos"`
}

// LineEnv is a service line in RuleEnv.
type LineEnv struct {
	Number       int      `expr:"number"`
	Procedure    string   `expr:"procedure"`
	Modifiers    []string `expr:"modifiers"`
	Units        float64  `expr:"units"`
	Charge       float64  `expr:"charge"`
	From         string   `expr:"from"`
	To           string   `expr:"to"`
	Diagnoses    []string `expr:"diagnoses"`
	NDC          string   `expr:"ndc"`
	POS          string   `expr:"pos"`
	RenderingNPI string   `expr:"rendering_npi"`
}

// noLine is `line` in claim rules: a line rule never sees it, but the
// environment never holds a nil pointer.
var noLine LineEnv

// compiledRule is a payer rule ready to run.
type compiledRule struct {
	rule     payers.Rule
	when     *vm.Program
	fast     boolFn // when compiled to Go as well (see rulefast.go), nil otherwise
	perLine  bool
	msg, fix []tmplPart
	eff, exp claim.Date
	sev      Severity
	weight   int
	field    claim.Field
}

// tmplPart is literal text or a {{ expression }} of a message template.
type tmplPart struct {
	lit  string
	prog *vm.Program
}

// payerRules are the compiled payer rules, shared by every call.
type payerRules struct {
	global  []*compiledRule
	byPayer map[string][]*compiledRule
	// needDates / needLineDx: some rule reads dates / line diagnoses, so
	// the environment must carry them (they cost time to build).
	needDates, needLineDx bool
}

func (s *Scrubber) compilePayerRules() error {
	d := s.ref.Payers
	if d == nil {
		return nil
	}
	pr := &s.rules
	pr.byPayer = make(map[string][]*compiledRule)
	for _, r := range d.Rules {
		cr, err := s.compileRule(r)
		if err != nil {
			return err
		}
		pr.global = append(pr.global, cr)
	}
	for _, p := range d.Payers {
		for _, r := range p.Rules {
			cr, err := s.compileRule(r)
			if err != nil {
				return err
			}
			pr.byPayer[p.ID] = append(pr.byPayer[p.ID], cr)
		}
	}
	return nil
}

func (s *Scrubber) compileRule(r payers.Rule) (*compiledRule, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: rule %s: %s", r.Source, r.ID, fmt.Sprintf(format, args...))
	}
	cr := &compiledRule{rule: r, field: claim.Field(r.Field)}
	switch Severity(r.Severity) {
	case SevError, SevWarning:
		cr.sev = Severity(r.Severity)
	default:
		return nil, bad("severity %q must be error or warning", r.Severity)
	}
	if strings.TrimSpace(r.When) == "" {
		return nil, bad("no `when` expression")
	}
	if strings.TrimSpace(r.Message) == "" {
		return nil, bad("no message")
	}
	if r.Field != "" && !knownField(cr.field) {
		return nil, bad("field %q is not a claim field (e.g. place_of_service, procedure_code, line_charge, dx1)", r.Field)
	}
	var err error
	if cr.eff, err = optDate(r.Effective); err != nil {
		return nil, bad("effective: %v", err)
	}
	if cr.exp, err = optDate(r.Expires); err != nil {
		return nil, bad("expires: %v", err)
	}
	prog, err := expr.Compile(r.When, expr.Env(RuleEnv{}), expr.AsBool())
	if err != nil {
		return nil, bad("when: %v", err)
	}
	cr.when = prog
	cr.fast = compileFast(r.When)
	names := s.rules.noteNames(prog)
	cr.perLine = names["line"]
	if cr.msg, err = s.compileTemplate(r.Message); err != nil {
		return nil, bad("message: %v", err)
	}
	if cr.fix, err = s.compileTemplate(r.Fix); err != nil {
		return nil, bad("fix: %v", err)
	}
	def := r.Weight
	if def == 0 {
		def = 15
		if cr.sev == SevError {
			def = 40
		}
	}
	cr.weight = s.weightFor(r.ID, CatPayerRule, def)
	return cr, nil
}

// noteNames returns the identifiers and member names prog uses and
// records whether rules need dates or line diagnoses in the environment.
func (pr *payerRules) noteNames(prog *vm.Program) map[string]bool {
	c := nameCollector{}
	node := prog.Node()
	ast.Walk(&node, c)
	if c["from"] || c["to"] || c["dos"] || c["today"] {
		pr.needDates = true
	}
	if c["line"] || c["lines"] {
		if c["diagnoses"] {
			pr.needLineDx = true
		}
	}
	return c
}

type nameCollector map[string]bool

func (c nameCollector) Visit(n *ast.Node) {
	switch v := (*n).(type) {
	case *ast.IdentifierNode:
		c[v.Value] = true
	case *ast.MemberNode:
		if p, ok := v.Property.(*ast.StringNode); ok {
			c[p.Value] = true
		}
	}
}

func (s *Scrubber) compileTemplate(t string) ([]tmplPart, error) {
	var parts []tmplPart
	for t != "" {
		i := strings.Index(t, "{{")
		if i < 0 {
			parts = append(parts, tmplPart{lit: t})
			break
		}
		j := strings.Index(t[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("%q has {{ without }}", t)
		}
		if i > 0 {
			parts = append(parts, tmplPart{lit: t[:i]})
		}
		src := strings.TrimSpace(t[i+2 : i+j])
		prog, err := expr.Compile(src, expr.Env(RuleEnv{}))
		if err != nil {
			return nil, fmt.Errorf("{{%s}}: %v", src, err)
		}
		s.rules.noteNames(prog)
		parts = append(parts, tmplPart{prog: prog})
		t = t[i+j+2:]
	}
	return parts, nil
}

func (r *run) render(parts []tmplPart) string {
	if len(parts) == 1 && parts[0].prog == nil {
		return parts[0].lit
	}
	var b strings.Builder
	for _, p := range parts {
		if p.prog == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := r.machine.Run(p.prog, &r.env)
		if err != nil {
			b.WriteString("?")
			continue
		}
		fmt.Fprint(&b, v)
	}
	return b.String()
}

// checkPayerRules runs the payer's rules and the rules for every payer.
func (r *run) checkPayerRules(c *claim.Claim, p *payerSetup, dos claim.Date, ctx Context) {
	pr := &r.s.rules
	specific := p.rules
	if len(pr.global) == 0 && len(specific) == 0 {
		return
	}
	r.envBuilt, r.fastReady = false, false
	for _, list := range [2][]*compiledRule{pr.global, specific} {
		for _, rule := range list {
			if dos != 0 && ((rule.eff != 0 && dos < rule.eff) || (rule.exp != 0 && dos > rule.exp)) {
				continue
			}
			if rule.fast != nil {
				r.evalFast(rule, c, dos, ctx)
				continue
			}
			r.ensureEnv(c, dos, ctx)
			if !rule.perLine {
				r.evalRule(rule, 0)
				continue
			}
			for i, l := range r.env.Claim.Lines {
				r.env.Line = l
				r.evalRule(rule, i+1)
			}
			r.env.Line = &noLine
		}
	}
}

// ensureEnv builds the expr environment of claim c once per claim.
func (r *run) ensureEnv(c *claim.Claim, dos claim.Date, ctx Context) {
	if !r.envBuilt {
		r.buildEnv(c, dos, ctx)
		r.envBuilt = true
	}
}

// evalFast runs a rule compiled to Go; only a rule that fires needs the
// expr environment (to render its message).
func (r *run) evalFast(rule *compiledRule, c *claim.Claim, dos claim.Date, ctx Context) {
	fe := &r.fast
	if !r.fastReady {
		age := -1 // as buildEnv has it: unknown when the DOB or date of service is missing or the DOB later
		if c.Patient.DOB != 0 && dos >= c.Patient.DOB {
			age = r.age
		}
		*fe = fastEnv{c: c, line: -1, dos: dos, today: ctx.Today, age: age, dxBuf: fe.dxBuf}
		r.fastReady = true
	}
	if !rule.perLine {
		if rule.fast(fe) {
			r.ensureEnv(c, dos, ctx)
			r.fire(rule, 0)
		}
		return
	}
	for i := range c.Lines {
		fe.line = i
		if rule.fast(fe) {
			r.ensureEnv(c, dos, ctx)
			r.env.Line = r.env.Claim.Lines[i]
			r.fire(rule, i+1)
			r.env.Line = &noLine
		}
	}
	fe.line = -1
}

func (r *run) evalRule(rule *compiledRule, line int) {
	out, err := r.machine.Run(rule.when, &r.env)
	if err != nil {
		r.out = append(r.out, Finding{Line: line, Category: CatPayerRule, RuleID: rule.rule.ID, Severity: SevWarning, Field: rule.field,
			Message: fmt.Sprintf("Payer rule %s could not be evaluated on this claim: %v", rule.rule.ID, err),
			Fix:     "Ask whoever maintains the payer rules to correct rule " + rule.rule.ID + " (" + rule.rule.Source + ").", Points: rule.weight})
		return
	}
	if hit, _ := out.(bool); hit {
		r.fire(rule, line)
	}
}

// fire records a finding of rule on line (0: the claim), its message and
// fix rendered in the environment.
func (r *run) fire(rule *compiledRule, line int) {
	r.out = append(r.out, Finding{Line: line, Category: CatPayerRule, RuleID: rule.rule.ID, Severity: rule.sev, Field: rule.field,
		Message: r.render(rule.msg), Fix: r.render(rule.fix), CARC: rule.rule.CARC, Points: rule.weight})
}

// buildEnv fills r.env from c, reusing its slices.
func (r *run) buildEnv(c *claim.Claim, dos claim.Date, ctx Context) {
	pr := &r.s.rules
	e := &r.env
	age := -1
	if c.Patient.DOB != 0 && dos >= c.Patient.DOB {
		age = dos.YearsSince(c.Patient.DOB)
	}
	lines := r.lines[:0]
	r.dxBuf = r.dxBuf[:0]
	for i := range c.Lines {
		l := &c.Lines[i]
		le := LineEnv{Number: i + 1, Procedure: l.Procedure, Modifiers: l.Modifiers, Units: l.Units, Charge: l.Charge.Float(), NDC: l.NDC,
			POS: c.LinePlaceOfService(i), RenderingNPI: c.LineRenderingNPI(i)}
		if pr.needDates {
			le.From, le.To = l.From.String(), l.To.String()
		}
		if pr.needLineDx {
			start := len(r.dxBuf)
			for _, p := range l.DxPointers {
				if p >= 1 && p <= len(c.Diagnoses) {
					r.dxBuf = append(r.dxBuf, c.Diagnoses[p-1])
				}
			}
			le.Diagnoses = r.dxBuf[start:len(r.dxBuf):len(r.dxBuf)]
		}
		lines = append(lines, le)
	}
	r.lines = lines
	ptrs := r.linePtrs[:0]
	for i := range lines {
		ptrs = append(ptrs, &lines[i])
	}
	r.linePtrs = ptrs
	*e = RuleEnv{Line: &noLine, Claim: ClaimEnv{ID: c.ID, PayerID: c.PayerID, POS: c.PlaceOfService, Frequency: string(c.FrequencyCode),
		PriorAuth: c.PriorAuth, TotalCharge: c.LineTotal().Float(), Diagnoses: c.Diagnoses, Lines: ptrs,
		BillingNPI: c.Billing.NPI, BillingTaxonomy: c.Billing.Taxonomy, BillingState: c.Billing.Address.State,
		RenderingNPI: c.RenderingNPI, ReferringNPI: c.ReferringNPI, PatientAge: age, PatientSex: string(c.Patient.Sex)}}
	if pr.needDates {
		e.Claim.DOS = dos.String()
		e.Today = ctx.Today.String()
	}
}

func optDate(s string) (claim.Date, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	return claim.ParseDate(strings.TrimSpace(s))
}

// knownField reports whether f is one of the canonical claim fields.
func knownField(f claim.Field) bool {
	switch f {
	case claim.FieldClaimID, claim.FieldPatientID, claim.FieldPatientLastName, claim.FieldPatientFirstName,
		claim.FieldPatientDOB, claim.FieldPatientSex, claim.FieldMemberID, claim.FieldGroupNumber, claim.FieldPayerID,
		claim.FieldPayerName, claim.FieldBillingName, claim.FieldBillingNPI, claim.FieldBillingTIN,
		claim.FieldBillingTaxonomy, claim.FieldBillingAddress, claim.FieldBillingCity, claim.FieldBillingState,
		claim.FieldBillingZip, claim.FieldRenderingNPI, claim.FieldReferringNPI, claim.FieldPlaceOfService,
		claim.FieldFrequencyCode, claim.FieldPriorAuth, claim.FieldTotalCharge, claim.FieldDiagnosisCodes,
		claim.FieldLineNumber, claim.FieldDateFrom, claim.FieldDateTo, claim.FieldProcedureCode, claim.FieldModifiers,
		claim.FieldUnits, claim.FieldLineCharge, claim.FieldDxPointers, claim.FieldNDC,
		claim.FieldNDCQuantity, claim.FieldNDCUnit, claim.FieldLinePriorPaid, claim.FieldLinePriorAdjustments, claim.FieldPatientAddress, claim.FieldPatientCity, claim.FieldPatientState,
		claim.FieldPatientZip, claim.FieldRelationship, claim.FieldInsuredLastName, claim.FieldInsuredFirstName,
		claim.FieldInsuredDOB, claim.FieldInsuredSex, claim.FieldInsuredAddress, claim.FieldInsuredCity, claim.FieldInsuredState,
		claim.FieldInsuredZip, claim.FieldResponsibility, claim.FieldMSPType, claim.FieldOtherPayerID, claim.FieldOtherPayerName,
		claim.FieldOtherMemberID, claim.FieldOtherGroupNumber, claim.FieldOtherRelationship, claim.FieldPriorPaid,
		claim.FieldPriorPaidDate, claim.FieldPriorAdjustments, claim.FieldOriginalClaimNumber, claim.FieldFacilityName,
		claim.FieldFacilityNPI, claim.FieldFacilityAddress, claim.FieldFacilityCity, claim.FieldFacilityState, claim.FieldFacilityZip,
		claim.FieldOtherInsuredDOB, claim.FieldOtherInsuredSex, claim.FieldOtherInsuredAddress, claim.FieldOtherInsuredCity,
		claim.FieldOtherInsuredState, claim.FieldOtherInsuredZip,
		claim.FieldRenderingLastName, claim.FieldRenderingFirstName, claim.FieldReferringLastName, claim.FieldReferringFirstName:
		return true
	}
	for n := 1; n <= claim.MaxDiagnoses; n++ {
		if f == claim.FieldDx(n) {
			return true
		}
	}
	for n := 1; n <= claim.MaxModifiers; n++ {
		if f == claim.FieldModifier(n) {
			return true
		}
	}
	return false
}
