package intake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// How rows become claims
//
// One row per service line. Rows with the same claim_id next to each other
// are one claim; a row with a blank claim_id continues the claim above it.
// Claim-level columns may repeat on every row or be filled only on the
// claim's first row: a blank claim-level cell on a later row inherits, a
// filled one must agree with the claim's value (the same date written
// differently agrees), else it is a row error. A row with claim-level data
// but no line data (no code, dates, units, charge, modifiers, pointers or
// NDC) adds no line: exports that write a claim header row above the lines
// read naturally.
//
// A claim_id that reappears after other claims is a row error on every row
// of the later group, and those rows are not read into any claim: a claim
// must be on consecutive rows, and merging would mean holding the whole
// file in memory. The errors carry the claim ID, so the earlier claim is
// held too (it is missing the lines staff put further down).
//
// A row whose claim_id cell says "Total", "Totals", "Subtotal" or "Grand
// Total" is a report footer: it is reported (without holding anything)
// and skipped.

// columns holds the cell index of each field, -1 when the file has none.
type columns struct {
	claimID, from, to, proc, modList, units, charge, ptr, ndc, dxList int
	dx                                                                [claim.MaxDiagnoses]int
	mod                                                               [claim.MaxModifiers]int
	claimLevel                                                        []fieldCol
	hasUnits                                                          bool
}

type fieldCol struct {
	field claim.Field
	index int
}

// claimLevelFields are the claim-level fields other than the claim ID and diagnoses.
var claimLevelFields = []claim.Field{
	claim.FieldPatientID, claim.FieldPatientLastName, claim.FieldPatientFirstName, claim.FieldPatientDOB,
	claim.FieldPatientSex, claim.FieldMemberID, claim.FieldGroupNumber, claim.FieldPayerID, claim.FieldPayerName,
	claim.FieldBillingName, claim.FieldBillingNPI, claim.FieldBillingTIN, claim.FieldBillingTaxonomy,
	claim.FieldBillingAddress, claim.FieldBillingCity, claim.FieldBillingState, claim.FieldBillingZip,
	claim.FieldRenderingNPI, claim.FieldReferringNPI, claim.FieldPlaceOfService, claim.FieldFrequencyCode,
	claim.FieldPriorAuth, claim.FieldTotalCharge,
}

func resolveColumns(l *Layout) columns {
	idx := func(f claim.Field) int {
		if c, ok := l.Column(f); ok {
			return c.Index
		}
		return -1
	}
	c := columns{
		claimID: idx(claim.FieldClaimID), from: idx(claim.FieldDateFrom),
		to: idx(claim.FieldDateTo), proc: idx(claim.FieldProcedureCode), modList: idx(claim.FieldModifiers),
		units: idx(claim.FieldUnits), charge: idx(claim.FieldLineCharge), ptr: idx(claim.FieldDxPointers),
		ndc: idx(claim.FieldNDC), dxList: idx(claim.FieldDiagnosisCodes),
	}
	c.hasUnits = c.units >= 0
	for n := range c.dx {
		c.dx[n] = idx(claim.FieldDx(n + 1))
	}
	for n := range c.mod {
		c.mod[n] = idx(claim.FieldModifier(n + 1))
	}
	for _, f := range claimLevelFields {
		if i := idx(f); i >= 0 {
			c.claimLevel = append(c.claimLevel, fieldCol{f, i})
		}
	}
	return c
}

// building is the claim being read.
type building struct {
	c        claim.Claim
	rejected bool     // a reappearing claim ID: rows are reported, not read
	firstRaw []string // claim-level cells as first given, by claimLevel position
	slots    []string // diagnosis slots as written (dx1..dx12 or the list)
	dxRow    int      // row the diagnoses came from
	ptrs     [][]int  // each line's pointers, as slot numbers
	ptrRaw   []string // each line's pointer cell as written
	errs     []RowError
}

// row reads one sheet row. It returns a claim when the row starts a new
// one and so completes the previous.
func (r *Reader) row(row int, cells []string) (claim.Claim, bool) {
	if blankRow(cells) {
		return claim.Claim{}, false
	}
	id := IDText(cell(cells, r.col.claimID))
	if isFooter(id) {
		r.loose = append(r.loose, r.rowErr(row, r.col.claimID, cells, "", "a report total row, not a claim: it was skipped"))
		return claim.Claim{}, false
	}
	var done claim.Claim
	var ok bool
	switch {
	case id == "" && r.cur == nil:
		r.loose = append(r.loose, r.rowErr(row, r.col.claimID, cells, "",
			"claim ID is blank and there is no claim above to continue; fill in the claim ID"))
		return claim.Claim{}, false
	case id == "" || (r.cur != nil && id == r.cur.c.ID):
		// A continuation of the current claim.
	default:
		done, ok = r.finish()
		r.start(row, id)
	}
	if r.cur.rejected {
		first := r.seen[r.cur.c.ID]
		r.cur.errs = append(r.cur.errs, r.rowErr(row, r.col.claimID, cells, r.cur.c.ID, fmt.Sprintf(
			"claim %s already appeared on rows starting at row %d; all lines of a claim must be on consecutive rows: move this row up next to the others",
			r.cur.c.ID, first)))
		return done, ok
	}
	r.claimLevel(row, cells)
	r.line(row, cells)
	return done, ok
}

// start begins a claim (or a rejected group, for a reappearing ID).
func (r *Reader) start(row int, id string) {
	b := &building{c: claim.Claim{ID: id, Row: row}}
	if _, dup := r.seen[id]; dup {
		b.rejected = true
	} else {
		r.seen[id] = row
		b.firstRaw = make([]string, len(r.col.claimLevel))
	}
	r.cur = b
}

// finish completes the current claim: diagnoses compacted, pointers
// remapped to them, defaults applied. Its row errors move to r.loose.
func (r *Reader) finish() (claim.Claim, bool) {
	b := r.cur
	r.cur = nil
	if b == nil {
		return claim.Claim{}, false
	}
	r.loose = append(r.loose, b.errs...)
	if b.rejected {
		return claim.Claim{}, false
	}
	c := b.c
	// Diagnoses: the filled slots in order. A pointer names a slot; it is
	// remapped to the slot's position among the filled ones.
	pos := make([]int, len(b.slots)+1)
	last := 0
	for i, code := range b.slots {
		if code != "" {
			c.Diagnoses = append(c.Diagnoses, code)
			pos[i+1] = len(c.Diagnoses)
			last = i + 1
		}
	}
	for li := range c.Lines {
		ptrs := b.ptrs[li]
		if len(ptrs) == 0 {
			continue
		}
		out := make([]int, 0, len(ptrs))
		for _, p := range ptrs {
			switch {
			case p < len(pos) && pos[p] > 0:
				out = append(out, pos[p])
			case p < last:
				e := r.rowErr(c.Lines[li].Row, r.col.ptr, nil, c.ID, fmt.Sprintf(
					"points at diagnosis %d, but that diagnosis is blank; point at a filled diagnosis", p))
				e.Value = b.ptrRaw[li]
				r.loose = append(r.loose, e)
			default: // beyond the last diagnosis: left for the scorer's pointer edit
				out = append(out, p)
			}
		}
		c.Lines[li].DxPointers = out
	}
	if c.FrequencyCode == "" {
		c.FrequencyCode = "1"
	}
	return c, true
}

// claimLevel reads (first row) or checks (later rows) the claim-level cells.
func (r *Reader) claimLevel(row int, cells []string) {
	b := r.cur
	for i, fc := range r.col.claimLevel {
		raw := cell(cells, fc.index)
		if raw == "" || raw == b.firstRaw[i] {
			continue
		}
		if b.firstRaw[i] == "" {
			b.firstRaw[i] = raw
			if err := r.setField(&b.c, fc.field, raw); err != nil {
				b.errs = append(b.errs, r.rowErr(row, fc.index, cells, b.c.ID, err.Error()))
			}
			continue
		}
		r.scratch = claim.Claim{}
		if err := r.setField(&r.scratch, fc.field, raw); err != nil {
			b.errs = append(b.errs, r.rowErr(row, fc.index, cells, b.c.ID, err.Error()))
			continue
		}
		if !strings.EqualFold(r.scratch.Value(fc.field, 0), b.c.Value(fc.field, 0)) {
			b.errs = append(b.errs, r.rowErr(row, fc.index, cells, b.c.ID, fmt.Sprintf(
				"differs from the value given for this claim on row %d; all rows of a claim must agree on %s (or leave it blank after the first row)",
				b.c.Row, fc.field)))
		}
	}
	r.diagnoses(row, cells)
}

// diagnoses reads the diagnosis cells of a row into slots and keeps or
// checks them against the claim's.
func (r *Reader) diagnoses(row int, cells []string) {
	b := r.cur
	var slots []string
	var bad bool
	if r.col.dxList >= 0 {
		raw := cell(cells, r.col.dxList)
		if raw == "" {
			return
		}
		codes, err := ParseCodeList(raw, ParseDiagnosis)
		if err != nil {
			b.errs = append(b.errs, r.rowErr(row, r.col.dxList, cells, b.c.ID, "expected ICD-10-CM codes separated by commas, such as E11.9, I10"))
			bad = true
		}
		slots = codes
	} else {
		var filled bool
		slots = make([]string, claim.MaxDiagnoses)
		for n, i := range r.col.dx {
			raw := cell(cells, i)
			if raw == "" {
				continue
			}
			filled = true
			code, err := ParseDiagnosis(raw)
			if err != nil {
				b.errs = append(b.errs, r.rowErr(row, i, cells, b.c.ID, err.Error()))
				bad = true
			}
			slots[n] = code
		}
		if !filled {
			return
		}
	}
	if b.dxRow == 0 {
		b.slots, b.dxRow = slots, row
		return
	}
	if !bad && !slices.Equal(trimSlots(slots), trimSlots(b.slots)) {
		col := r.col.dxList
		if col < 0 {
			for n := range slots {
				if n >= len(b.slots) || slots[n] != b.slots[n] {
					col = r.col.dx[n]
					break
				}
			}
		}
		b.errs = append(b.errs, r.rowErr(row, col, cells, b.c.ID, fmt.Sprintf(
			"diagnoses differ from those given for this claim on row %d; all rows of a claim must list the same diagnoses (or leave them blank after the first row)", b.dxRow)))
	}
}

func trimSlots(s []string) []string {
	for len(s) > 0 && s[len(s)-1] == "" {
		s = s[:len(s)-1]
	}
	return s
}

// line reads the line-level cells of a row into a new service line, when
// the row has any.
func (r *Reader) line(row int, cells []string) {
	b, col := r.cur, &r.col
	has := false
	for _, i := range []int{col.from, col.to, col.proc, col.modList, col.units, col.charge, col.ptr, col.ndc} {
		if cell(cells, i) != "" {
			has = true
			break
		}
	}
	for _, i := range col.mod {
		if cell(cells, i) != "" {
			has = true
		}
	}
	if !has {
		return
	}
	fail := func(i int, err error) {
		b.errs = append(b.errs, r.rowErr(row, i, cells, b.c.ID, err.Error()))
	}
	l := claim.Line{Number: len(b.c.Lines) + 1, Row: row}
	var err error
	if l.From, err = ParseDate(cell(cells, col.from), ServiceDate, r.opts.AsOf, r.date1904); err != nil {
		fail(col.from, err)
	}
	if l.To, err = ParseDate(cell(cells, col.to), ServiceDate, r.opts.AsOf, r.date1904); err != nil {
		fail(col.to, err)
	}
	if l.To == 0 {
		l.To = l.From
	}
	var embedded []string
	if l.Procedure, embedded, err = ParseProcedure(cell(cells, col.proc)); err != nil {
		fail(col.proc, err)
	}
	l.Modifiers = append(l.Modifiers, embedded...)
	for _, i := range col.mod {
		m, err := ParseModifier(cell(cells, i))
		if err != nil {
			fail(i, err)
		} else if m != "" {
			l.Modifiers = append(l.Modifiers, m)
		}
	}
	if raw := cell(cells, col.modList); raw != "" {
		ms, err := ParseCodeList(raw, ParseModifier)
		if err != nil {
			fail(col.modList, errValue("expected modifiers separated by commas, such as 25, 59"))
		}
		l.Modifiers = append(l.Modifiers, ms...)
	}
	if col.hasUnits {
		if l.Units, err = ParseUnits(cell(cells, col.units)); err != nil {
			fail(col.units, err)
		}
	} else {
		l.Units = 1
	}
	if l.Charge, _, err = ParseAmount(cell(cells, col.charge)); err != nil {
		fail(col.charge, err)
	}
	ptrs, err := ParsePointers(cell(cells, col.ptr))
	if err != nil {
		fail(col.ptr, err)
	}
	if l.NDC, err = ParseNDC(cell(cells, col.ndc)); err != nil {
		fail(col.ndc, err)
	}
	b.c.Lines = append(b.c.Lines, l)
	b.ptrs = append(b.ptrs, ptrs)
	b.ptrRaw = append(b.ptrRaw, cell(cells, col.ptr))
}

// setField parses raw into claim-level field f of c.
func (r *Reader) setField(c *claim.Claim, f claim.Field, raw string) error {
	var err error
	switch f {
	case claim.FieldPatientID:
		c.Patient.ID = IDText(raw)
	case claim.FieldPatientLastName:
		c.Patient.LastName = raw
	case claim.FieldPatientFirstName:
		c.Patient.FirstName = raw
	case claim.FieldPatientDOB:
		c.Patient.DOB, err = ParseDate(raw, BirthDate, r.opts.AsOf, r.date1904)
	case claim.FieldPatientSex:
		c.Patient.Sex, err = ParseSex(raw)
	case claim.FieldMemberID:
		c.MemberID = IDText(raw)
	case claim.FieldGroupNumber:
		c.GroupNumber = IDText(raw)
	case claim.FieldPayerID:
		c.PayerID = ParsePayerID(raw)
	case claim.FieldPayerName:
		c.PayerName = raw
	case claim.FieldBillingName:
		c.Billing.Name = raw
	case claim.FieldBillingNPI:
		c.Billing.NPI = IDText(raw)
	case claim.FieldBillingTIN:
		c.Billing.TIN = ParseTIN(raw)
	case claim.FieldBillingTaxonomy:
		c.Billing.Taxonomy = Code(raw)
	case claim.FieldBillingAddress:
		c.Billing.Address.Line1 = raw
	case claim.FieldBillingCity:
		c.Billing.Address.City = raw
	case claim.FieldBillingState:
		c.Billing.Address.State = Code(raw)
	case claim.FieldBillingZip:
		c.Billing.Address.Zip = ParseZip(raw)
	case claim.FieldRenderingNPI:
		c.RenderingNPI = IDText(raw)
	case claim.FieldReferringNPI:
		c.ReferringNPI = IDText(raw)
	case claim.FieldPlaceOfService:
		c.PlaceOfService = ParsePOS(raw)
	case claim.FieldFrequencyCode:
		c.FrequencyCode, err = ParseFrequency(raw)
	case claim.FieldPriorAuth:
		c.PriorAuth = IDText(raw)
	case claim.FieldTotalCharge:
		c.TotalCharge, c.HasTotal, err = ParseAmount(raw)
	}
	return err
}

// ParseFrequency reads the claim frequency code (CLM05-3) a professional
// claim may carry: 1 original, 7 replacement, 8 void. Blank defaults to 1
// when the claim is complete.
func ParseFrequency(s string) (string, error) {
	c := integral(Code(s))
	switch c {
	case "", "1", "7", "8":
		return c, nil
	}
	return "", errValue("expected a claim frequency code: 1 (original), 7 (replacement) or 8 (void)")
}

// rowErr builds a row error for the cell at index i (-1: the whole row).
func (r *Reader) rowErr(row, i int, cells []string, claimID, msg string) RowError {
	e := RowError{Sheet: r.layout.Sheet, Row: row, Message: msg, ClaimID: claimID}
	if i >= 0 {
		e.Column = ColumnLetter(i)
		if c, ok := r.layout.columnAt(i); ok {
			e.Header, e.Field = c.Header, c.Field
		}
		e.Value = cell(cells, i)
	}
	return e
}

// cell returns the trimmed cell at index i, "" when the row is shorter or i < 0.
func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func isFooter(id string) bool {
	switch strings.TrimSuffix(strings.ToLower(id), ":") {
	case "total", "totals", "subtotal", "grand total", "report total":
		return true
	}
	return false
}

func today() claim.Date { return claim.DateOf(time.Now()) }
