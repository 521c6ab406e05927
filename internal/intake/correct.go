package intake

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Correct sets one field of c to a reviewer's corrected value, parsed
// exactly as the spreadsheet cell would have been, and returns the old
// value in canonical text (for the review log). line is the 1-based line
// for line fields and 0 for claim-level fields; asOf resolves two-digit
// years. A value that cannot be read leaves c unchanged and returns an
// error that says what is expected (without echoing the value).
func Correct(c *claim.Claim, f claim.Field, line int, value string, asOf claim.Date) (old string, err error) {
	old, err = correct(c, f, line, strings.TrimSpace(value), asOf)
	if err == nil {
		c.Filled = slices.DeleteFunc(c.Filled, func(g claim.Field) bool { return g == f })
	}
	return old, err
}

func correct(c *claim.Claim, f claim.Field, line int, value string, asOf claim.Date) (old string, err error) {
	if claim.IsLineField(f) {
		if line < 1 || line > len(c.Lines) {
			return "", fmt.Errorf("claim %s has no line %d", c.ID, line)
		}
		return correctLine(&c.Lines[line-1], f, value, asOf)
	}
	if line != 0 {
		return "", fmt.Errorf("%s is a claim-level field: give no line number", f)
	}
	if n, ok := dxIndex(f); ok {
		return correctDiagnosis(c, n, value)
	}
	if f == claim.FieldDiagnosisCodes {
		dx, err := ParseCodeList(value, ParseDiagnosis)
		if err != nil {
			return "", err
		}
		if len(dx) > claim.MaxDiagnoses {
			return "", fmt.Errorf("at most %d diagnoses fit on a claim", claim.MaxDiagnoses)
		}
		old = strings.Join(c.Diagnoses, ",")
		c.Diagnoses = dx
		return old, nil
	}
	if f == claim.FieldClaimID || f == claim.FieldPatientID {
		return "", fmt.Errorf("%s identifies the claim and cannot be corrected in review", f)
	}
	if !slices.Contains(claimLevelFields, f) && f != claim.FieldRenderingNPI && f != claim.FieldPlaceOfService {
		return "", fmt.Errorf("%s is not a claim field", f)
	}
	old = c.Value(f, 0)
	fixed := *c
	r := &Reader{opts: Options{AsOf: asOf}}
	if err := r.setField(&fixed, f, value); err != nil {
		return "", err
	}
	*c = fixed
	return old, nil
}

func dxIndex(f claim.Field) (int, bool) {
	s, ok := strings.CutPrefix(string(f), "dx")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > claim.MaxDiagnoses {
		return 0, false
	}
	return n, true
}

// correctDiagnosis sets diagnosis n (1-based); a blank value removes it
// and pointers past it shift down.
func correctDiagnosis(c *claim.Claim, n int, value string) (string, error) {
	code, err := ParseDiagnosis(value)
	if err != nil {
		return "", err
	}
	var old string
	if n <= len(c.Diagnoses) {
		old = c.Diagnoses[n-1]
	}
	switch {
	case code == "" && n <= len(c.Diagnoses):
		for i := range c.Lines {
			for _, p := range c.Lines[i].DxPointers {
				if p == n {
					return "", fmt.Errorf("line %d points at diagnosis %d: change its pointers first", i+1, n)
				}
			}
		}
		c.Diagnoses = append(c.Diagnoses[:n-1:n-1], c.Diagnoses[n:]...)
		for i := range c.Lines {
			for j, p := range c.Lines[i].DxPointers {
				if p > n {
					c.Lines[i].DxPointers[j] = p - 1
				}
			}
		}
	case code == "":
	case n <= len(c.Diagnoses):
		c.Diagnoses[n-1] = code
	case n == len(c.Diagnoses)+1:
		c.Diagnoses = append(c.Diagnoses, code)
	default:
		return "", fmt.Errorf("the claim has %d diagnoses: add dx%d before dx%d", len(c.Diagnoses), len(c.Diagnoses)+1, n)
	}
	return old, nil
}

func correctLine(l *claim.Line, f claim.Field, value string, asOf claim.Date) (string, error) {
	var err error
	switch {
	case f == claim.FieldDateFrom:
		old := l.From.String()
		d, err := ParseDate(value, ServiceDate, asOf, false)
		if err != nil {
			return "", err
		}
		if l.To == l.From {
			l.To = d
		}
		l.From = d
		return old, nil
	case f == claim.FieldDateTo:
		old := l.To.String()
		d, err := ParseDate(value, ServiceDate, asOf, false)
		if err != nil {
			return "", err
		}
		if d == 0 {
			d = l.From
		}
		l.To = d
		return old, nil
	case f == claim.FieldProcedureCode:
		old := l.Procedure
		code, mods, err := ParseProcedure(value)
		if err != nil {
			return "", err
		}
		l.Procedure = code
		if len(mods) > 0 {
			l.Modifiers = mods
		}
		return old, nil
	case f == claim.FieldModifiers:
		old := strings.Join(l.Modifiers, ",")
		ms, err := ParseCodeList(value, ParseModifier)
		if err != nil {
			return "", errValue("expected modifiers separated by commas, such as 25, 59")
		}
		l.Modifiers = ms
		return old, nil
	case f == claim.FieldUnits:
		old := strconv.FormatFloat(l.Units, 'f', -1, 64)
		u, err := ParseUnits(value)
		if err != nil {
			return "", err
		}
		l.Units = u
		return old, nil
	case f == claim.FieldLineCharge:
		old := l.Charge.String()
		m, _, err := ParseAmount(value)
		if err != nil {
			return "", err
		}
		l.Charge = m
		return old, nil
	case f == claim.FieldDxPointers:
		old := joinInts(l.DxPointers)
		p, err := ParsePointers(value)
		if err != nil {
			return "", err
		}
		l.DxPointers = p
		return old, nil
	case f == claim.FieldNDC:
		old := l.NDC
		if l.NDC, err = ParseNDC(value); err != nil {
			l.NDC = old
			return "", err
		}
		return old, nil
	case f == claim.FieldNDCQuantity:
		old := ""
		if l.NDCQuantity != 0 {
			old = strconv.FormatFloat(l.NDCQuantity, 'f', -1, 64)
		}
		q, err := ParseNDCQuantity(value)
		if err != nil {
			return "", err
		}
		l.NDCQuantity = q
		return old, nil
	case f == claim.FieldNDCUnit:
		old := string(l.NDCUnit)
		u, err := ParseNDCUnit(value)
		if err != nil {
			return "", err
		}
		l.NDCUnit = u
		return old, nil
	case f == claim.FieldLinePriorPaid || f == claim.FieldLinePriorAdjustments:
		var paid, adj string
		if l.Prior != nil {
			paid, adj = l.Prior.Paid.String(), claim.FormatAdjustments(l.Prior.Adjustments)
		}
		old := paid
		if f == claim.FieldLinePriorPaid {
			paid = value
		} else {
			old, adj = adj, value
		}
		p, err := parseLinePrior(paid, adj)
		if err != nil {
			return "", err
		}
		l.Prior = p
		return old, nil
	case f == claim.FieldLineNumber:
		return "", errors.New("line numbers cannot be corrected")
	}
	for n := 1; n <= claim.MaxModifiers; n++ {
		if f != claim.FieldModifier(n) {
			continue
		}
		m, err := ParseModifier(value)
		if err != nil {
			return "", err
		}
		var old string
		if n <= len(l.Modifiers) {
			old = l.Modifiers[n-1]
		}
		switch {
		case m == "" && n <= len(l.Modifiers):
			l.Modifiers = append(l.Modifiers[:n-1:n-1], l.Modifiers[n:]...)
		case m == "":
		case n <= len(l.Modifiers):
			l.Modifiers[n-1] = m
		default:
			l.Modifiers = append(l.Modifiers, m)
		}
		return old, nil
	}
	return "", fmt.Errorf("%s is not a line field", f)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
