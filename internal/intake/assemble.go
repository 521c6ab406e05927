package intake

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// How rows become claims
//
// One row per service line. Rows with the same claim_id are one claim,
// wherever they are in the file: exports sorted by date or provider
// interleave claims, so the reader first reads the whole file (keeping
// only the cells of the columns it knows) and then assembles each claim
// from its rows, in the order claims first appear. A row with a blank
// claim_id continues the claim of the row above it.
//
// Claim-level columns may repeat on every row or be filled only on the
// claim's first row: a blank claim-level cell on a later row inherits, a
// filled one must agree with the claim's value (the same date written
// differently agrees), else it is a row error. Rendering NPI and place of
// service may differ per line, as on the CMS-1500 (24J, 24B): the claim
// takes its first row's, and a line whose row gives another keeps its own.
// A row with claim-level data but no line data (no code, dates, units,
// charge, modifiers, pointers or NDC) adds no line: exports that write a
// claim header row above the lines read naturally.
//
// A row whose claim_id cell says "Total", "Totals", "Subtotal" or "Grand
// Total" is a report footer: it is reported (without holding anything)
// and skipped.
//
// Dates: numeric dates are read month first (US) unless the file shows it
// writes them day first: some date with a day above 12 in the first place
// (25/09/2026) and none with one in the second. A file that does both has
// each date that could be read either way (03/04/2026) reported as a row
// error; a file where no date decides and some could be read either way
// gets a row error without a claim saying they were read month first.
//
// A file without a units column reads every line as 1 unit, and a row
// error without a claim (on the header row) says so.

// columns holds the cell index of each field, -1 when the file has none.
type columns struct {
	claimID, from, to, proc, modList, units, charge, ptr, ndc, dxList    int
	rendering, pos, dob, insuredDOB, otherDOB, paidDate, ndcQty, ndcUnit int
	linePaid, lineAdj                                                    int
	dx                                                                   [claim.MaxDiagnoses]int
	mod                                                                  [claim.MaxModifiers]int
	ptrs                                                                 [maxPointerColumns]int
	claimLevel                                                           []fieldCol
	hasUnits                                                             bool
	// known lists the cell index of every column the reader reads, and
	// width is one past the last: rows keep only those cells.
	known []int
	width int
}

type fieldCol struct {
	field claim.Field
	index int
}

// claimLevelFields are the claim-level fields other than the claim ID and
// diagnoses, the composite name column among them. Rendering NPI and
// place of service are read apart (they may differ per line).
var claimLevelFields = []claim.Field{
	claim.FieldPatientID, claim.FieldPatientLastName, claim.FieldPatientFirstName, FieldPatientName, claim.FieldPatientDOB,
	claim.FieldPatientSex, claim.FieldMemberID, claim.FieldGroupNumber, claim.FieldPayerID, claim.FieldPayerName,
	claim.FieldBillingName, claim.FieldBillingNPI, claim.FieldBillingTIN, claim.FieldBillingTaxonomy,
	claim.FieldBillingAddress, claim.FieldBillingCity, claim.FieldBillingState, claim.FieldBillingZip,
	claim.FieldReferringNPI, claim.FieldFrequencyCode, claim.FieldPriorAuth, claim.FieldTotalCharge,
	claim.FieldPatientAddress, claim.FieldPatientCity, claim.FieldPatientState, claim.FieldPatientZip,
	claim.FieldRelationship, FieldInsuredName, claim.FieldInsuredLastName, claim.FieldInsuredFirstName,
	claim.FieldInsuredDOB, claim.FieldInsuredSex, claim.FieldInsuredAddress, claim.FieldInsuredCity,
	claim.FieldInsuredState, claim.FieldInsuredZip, claim.FieldResponsibility, claim.FieldMSPType,
	claim.FieldOtherPayerID, claim.FieldOtherPayerName, claim.FieldOtherMemberID, claim.FieldOtherGroupNumber,
	claim.FieldOtherRelationship, FieldOtherInsuredName, claim.FieldOtherInsuredDOB, claim.FieldOtherInsuredSex,
	claim.FieldOtherInsuredAddress, claim.FieldOtherInsuredCity, claim.FieldOtherInsuredState, claim.FieldOtherInsuredZip,
	claim.FieldPriorPaid, claim.FieldPriorPaidDate,
	claim.FieldPriorAdjustments, claim.FieldOriginalClaimNumber,
	claim.FieldFacilityName, claim.FieldFacilityNPI, claim.FieldFacilityAddress, claim.FieldFacilityCity,
	claim.FieldFacilityState, claim.FieldFacilityZip,
	FieldRenderingName, claim.FieldRenderingLastName, claim.FieldRenderingFirstName,
	FieldReferringName, claim.FieldReferringLastName, claim.FieldReferringFirstName,
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
		rendering: idx(claim.FieldRenderingNPI), pos: idx(claim.FieldPlaceOfService), dob: idx(claim.FieldPatientDOB),
		insuredDOB: idx(claim.FieldInsuredDOB), otherDOB: idx(claim.FieldOtherInsuredDOB), paidDate: idx(claim.FieldPriorPaidDate),
		ndcQty: idx(claim.FieldNDCQuantity), ndcUnit: idx(claim.FieldNDCUnit),
		linePaid: idx(claim.FieldLinePriorPaid), lineAdj: idx(claim.FieldLinePriorAdjustments),
	}
	c.hasUnits = c.units >= 0
	for n := range c.dx {
		c.dx[n] = idx(claim.FieldDx(n + 1))
	}
	for n := range c.mod {
		c.mod[n] = idx(claim.FieldModifier(n + 1))
	}
	for n := range c.ptrs {
		c.ptrs[n] = idx(FieldDxPointer(n + 1))
	}
	for _, f := range claimLevelFields {
		if i := idx(f); i >= 0 {
			c.claimLevel = append(c.claimLevel, fieldCol{f, i})
		}
	}
	for _, col := range l.Columns {
		if col.Field != "" {
			c.known = append(c.known, col.Index)
			c.width = max(c.width, col.Index+1)
		}
	}
	return c
}

// rawRow is one data row as read in the first pass: the cells of the
// known columns, in columns.known order, stored one after the other in a
// chunk of the row store.
type rawRow struct {
	row   int32
	chunk int32  // chunk of rowStore.chunks
	start uint32 // offset of the first cell in the chunk
	ends  int32  // index in rowStore.ends of the row's first cell end
}

// rowStore keeps the first pass's cells in large string chunks, so a row
// costs its text and four bytes per cell rather than an allocation each.
type rowStore struct {
	chunks []string
	cur    []byte
	ends   []uint32 // end offset of each stored cell in its chunk
}

// rowChunkSize is the size a chunk is closed at.
const rowChunkSize = 1 << 20

// add stores the known cells of a row and returns where.
func (s *rowStore) add(row int, cells []string, known []int) rawRow {
	size := 0
	for _, i := range known {
		size += len(cell(cells, i))
	}
	if len(s.cur) > 0 && len(s.cur)+size > rowChunkSize {
		s.flush()
	}
	if s.cur == nil {
		s.cur = make([]byte, 0, max(rowChunkSize, size))
	}
	raw := rawRow{row: int32(row), chunk: int32(len(s.chunks)), start: uint32(len(s.cur)), ends: int32(len(s.ends))}
	for _, i := range known {
		s.cur = append(s.cur, cell(cells, i)...)
		s.ends = append(s.ends, uint32(len(s.cur)))
	}
	return raw
}

// flush closes the chunk being filled.
func (s *rowStore) flush() {
	if s.cur != nil {
		s.chunks = append(s.chunks, string(s.cur))
		s.cur = nil
	}
}

// group is one claim's rows, in file order (indices into Reader.raw).
type group struct {
	id   string
	rows []int32
}

// scanRow keeps row for assembly: it finds the row's claim, notes what its
// dates say about the file's date order and stores its known cells.
func (r *Reader) scanRow(row int, cells []string) {
	if blankRow(cells) {
		return
	}
	r.filled++
	col := &r.col
	id := IDText(cell(cells, col.claimID))
	if isFooter(id) {
		r.loose = append(r.loose, r.rowErr(row, col.claimID, cells, "", "a report total row, not a claim: it was skipped"))
		return
	}
	if id == "" {
		id = r.lastID
	}
	if id == "" {
		r.loose = append(r.loose, r.rowErr(row, col.claimID, cells, "",
			"claim ID is blank and there is no claim above to continue; fill in the claim ID"))
		return
	}
	r.lastID = id
	for _, i := range [6]int{col.from, col.to, col.dob, col.insuredDOB, col.otherDOB, col.paidDate} {
		r.dates.note(row, i, cell(cells, i))
	}
	g, ok := r.byID[id]
	if !ok {
		g = int32(len(r.groups))
		r.byID[id] = g
		r.groups = append(r.groups, group{id: strings.Clone(id)})
	}
	r.groups[g].rows = append(r.groups[g].rows, int32(len(r.raw)))
	r.raw = append(r.raw, r.store.add(row, cells, col.known))
}

// endScan decides the date order and adds the notes about the whole file.
func (r *Reader) endScan() {
	r.scanned = true
	r.store.flush()
	r.layout.DateOrder = r.dates.order()
	if n, ok := r.dates.ambiguousNote(); ok {
		r.loose = append(r.loose, r.rowErr(n.row, n.col, nil, "", fmt.Sprintf(
			"dates such as this one can be read month first or day first, and no date in the file has a day above 12 to tell: they were read month first (%s); if the export writes day first, write the dates as YYYY-MM-DD", n.example)))
	}
	if !r.col.hasUnits {
		r.loose = append(r.loose, RowError{Sheet: r.layout.Sheet, Row: r.layout.HeaderRow, Message: "the file has no units column (Units, Qty, Days/Units): every line was read as 1 unit; if any service was billed for more units, add the column and upload again"})
	}
}

// cellsOf rebuilds a stored row's cells at their column positions.
func (r *Reader) cellsOf(raw *rawRow) []string {
	if cap(r.cellBuf) < r.col.width {
		r.cellBuf = make([]string, r.col.width)
	}
	cells := r.cellBuf[:r.col.width]
	text, start := r.store.chunks[raw.chunk], raw.start
	for k, i := range r.col.known {
		end := r.store.ends[int(raw.ends)+k]
		cells[i] = text[start:end]
		start = end
	}
	return cells
}

// assemble builds the claim of group g from its rows; the group's row
// errors go to r.loose. It returns false when the group yields no claim.
func (r *Reader) assemble(g *group) (claim.Claim, bool) {
	b := &building{c: claim.Claim{ID: g.id}, firstRaw: make([]string, len(r.col.claimLevel))}
	r.cur = b
	for k, ri := range g.rows {
		raw := &r.raw[ri]
		row := int(raw.row)
		if k == 0 {
			b.c.Row = row
		}
		cells := r.cellsOf(raw)
		r.claimLevel(row, cells)
		r.line(row, cells)
	}
	return r.finish()
}

// building is the claim being assembled.
type building struct {
	c        claim.Claim
	firstRaw []string // claim-level cells as first given, by claimLevel position
	slots    []string // diagnosis slots as written (dx1..dx12 or the list)
	dxRow    int      // row the diagnoses came from
	ptrs     [][]int  // each line's pointers, as slot numbers
	ptrRaw   []string // each line's pointer cell as written
	ptrCol   []int    // the pointer column a line's pointers came from
	errs     []RowError
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
				e := r.rowErr(c.Lines[li].Row, b.ptrCol[li], nil, c.ID, fmt.Sprintf(
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
		c.FrequencyCode = claim.FrequencyOriginal
	}
	if f, msg := settleCoverage(&c); msg != "" {
		i := -1
		if col, ok := r.layout.Column(f); ok {
			i = col.Index
		}
		r.loose = append(r.loose, r.rowErr(c.Row, i, nil, c.ID, msg))
	}
	return c, true
}

// claimLevel reads (first row) or checks (later rows) the claim-level
// cells, and the rendering NPI and place of service of the claim.
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
		if !strings.EqualFold(fieldText(&r.scratch, fc.field), fieldText(&b.c, fc.field)) {
			b.errs = append(b.errs, r.rowErr(row, fc.index, cells, b.c.ID, fmt.Sprintf(
				"differs from the value given for this claim on row %d; all rows of a claim must agree on %s (or leave it blank after the first row)",
				b.c.Row, fc.field)))
		}
	}
	if b.c.RenderingNPI == "" {
		b.c.RenderingNPI = IDText(cell(cells, r.col.rendering))
	}
	if b.c.PlaceOfService == "" {
		b.c.PlaceOfService = ParsePOS(cell(cells, r.col.pos))
	}
	r.diagnoses(row, cells)
}

// fieldText is a claim-level field's value as text, for comparing rows.
func fieldText(c *claim.Claim, f claim.Field) string {
	if comp, ok := composites[f]; ok {
		return comp.text(c)
	}
	return c.Value(f, 0)
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
	for _, i := range []int{col.from, col.to, col.proc, col.modList, col.units, col.charge, col.ptr, col.ndc, col.ndcQty, col.ndcUnit, col.linePaid, col.lineAdj} {
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
	for _, i := range col.ptrs {
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
	if l.From, err = r.date(cell(cells, col.from), ServiceDate); err != nil {
		fail(col.from, err)
	}
	if l.To, err = r.date(cell(cells, col.to), ServiceDate); err != nil {
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
	ptrCol, ptrRaw := col.ptr, cell(cells, col.ptr)
	for _, i := range col.ptrs {
		raw := cell(cells, i)
		if raw == "" {
			continue
		}
		if ptrCol < 0 || ptrRaw == "" {
			ptrCol, ptrRaw = i, raw
		}
		p, err := ParsePointer(raw)
		if err != nil {
			fail(i, err)
		} else {
			ptrs = append(ptrs, p)
		}
	}
	if l.NDC, err = ParseNDC(cell(cells, col.ndc)); err != nil {
		fail(col.ndc, err)
	}
	if l.NDCQuantity, err = ParseNDCQuantity(cell(cells, col.ndcQty)); err != nil {
		fail(col.ndcQty, err)
	}
	if l.NDCUnit, err = ParseNDCUnit(cell(cells, col.ndcUnit)); err != nil {
		fail(col.ndcUnit, err)
	}
	if l.Prior, err = parseLinePrior(cell(cells, col.linePaid), cell(cells, col.lineAdj)); err != nil {
		i := col.lineAdj
		if errors.Is(err, errLinePaid) {
			i = col.linePaid
		}
		fail(i, err)
	}
	if npi := IDText(cell(cells, col.rendering)); npi != "" && npi != b.c.RenderingNPI {
		l.RenderingNPI = npi
	}
	if pos := ParsePOS(cell(cells, col.pos)); pos != "" && pos != b.c.PlaceOfService {
		l.PlaceOfService = pos
	}
	b.c.Lines = append(b.c.Lines, l)
	b.ptrs = append(b.ptrs, ptrs)
	b.ptrRaw = append(b.ptrRaw, ptrRaw)
	b.ptrCol = append(b.ptrCol, ptrCol)
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
		c.Patient.DOB, err = r.date(raw, BirthDate)
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
	default:
		if comp, ok := composites[f]; ok {
			err = comp.set(c, raw)
		} else {
			err = r.setCoverageField(c, f, raw)
		}
	}
	return err
}

// setCoverageField is setField for the fields of issue 15: the patient's
// and insured's addresses, the insured, the other coverage and its
// adjudication, the original claim number and the service facility.
func (r *Reader) setCoverageField(c *claim.Claim, f claim.Field, raw string) error {
	if a := addressOf(c, f); a != nil {
		setAddress(a, f, raw)
		return nil
	}
	var err error
	switch f {
	case claim.FieldRelationship:
		c.Relationship, err = ParseRelationship(raw)
	case claim.FieldInsuredLastName:
		c.Insured.LastName = raw
	case claim.FieldInsuredFirstName:
		c.Insured.FirstName = raw
	case claim.FieldInsuredDOB:
		c.Insured.DOB, err = r.date(raw, BirthDate)
	case claim.FieldInsuredSex:
		c.Insured.Sex, err = ParseSex(raw)
	case claim.FieldResponsibility:
		c.Responsibility, err = ParseResponsibility(raw)
	case claim.FieldMSPType:
		c.MSPType, err = ParseMSPType(raw)
	case claim.FieldOtherPayerID:
		otherCoverage(c).PayerID = ParsePayerID(raw)
	case claim.FieldOtherPayerName:
		otherCoverage(c).PayerName = raw
	case claim.FieldOtherMemberID:
		otherCoverage(c).MemberID = IDText(raw)
	case claim.FieldOtherGroupNumber:
		otherCoverage(c).GroupNumber = IDText(raw)
	case claim.FieldOtherRelationship:
		otherCoverage(c).Relationship, err = ParseRelationship(raw)
	case claim.FieldOtherInsuredDOB:
		otherCoverage(c).Insured.DOB, err = r.date(raw, BirthDate)
	case claim.FieldOtherInsuredSex:
		otherCoverage(c).Insured.Sex, err = ParseSex(raw)
	case claim.FieldPriorPaid:
		var m claim.Money
		if m, _, err = ParseAmount(raw); err == nil {
			adjudication(c).Paid = m
		}
	case claim.FieldPriorPaidDate:
		var d claim.Date
		if d, err = r.date(raw, ServiceDate); err == nil {
			adjudication(c).PaidDate = d
		}
	case claim.FieldPriorAdjustments:
		var adj []claim.Adjustment
		if adj, err = ParseAdjustments(raw); err == nil {
			adjudication(c).Adjustments = adj
		}
	case claim.FieldOriginalClaimNumber:
		c.OriginalClaimNumber = IDText(raw)
	case claim.FieldFacilityName:
		c.Facility.Name = raw
	case claim.FieldFacilityNPI:
		c.Facility.NPI = IDText(raw)
	case claim.FieldRenderingLastName:
		c.Rendering.LastName = raw
	case claim.FieldRenderingFirstName:
		c.Rendering.FirstName = raw
	case claim.FieldReferringLastName:
		c.Referring.LastName = raw
	case claim.FieldReferringFirstName:
		c.Referring.FirstName = raw
	}
	return err
}

// addressOf returns the address an address field of c fills, nil for
// another field.
func addressOf(c *claim.Claim, f claim.Field) *claim.Address {
	switch f {
	case claim.FieldPatientAddress, claim.FieldPatientCity, claim.FieldPatientState, claim.FieldPatientZip:
		return &c.Patient.Address
	case claim.FieldInsuredAddress, claim.FieldInsuredCity, claim.FieldInsuredState, claim.FieldInsuredZip:
		return &c.Insured.Address
	case claim.FieldFacilityAddress, claim.FieldFacilityCity, claim.FieldFacilityState, claim.FieldFacilityZip:
		return &c.Facility.Address
	case claim.FieldOtherInsuredAddress, claim.FieldOtherInsuredCity, claim.FieldOtherInsuredState, claim.FieldOtherInsuredZip:
		return &otherCoverage(c).Insured.Address
	}
	return nil
}

// setAddress fills the part of a that address field f names.
func setAddress(a *claim.Address, f claim.Field, raw string) {
	switch f {
	case claim.FieldPatientAddress, claim.FieldInsuredAddress, claim.FieldFacilityAddress, claim.FieldOtherInsuredAddress:
		a.Line1 = raw
	case claim.FieldPatientCity, claim.FieldInsuredCity, claim.FieldFacilityCity, claim.FieldOtherInsuredCity:
		a.City = raw
	case claim.FieldPatientState, claim.FieldInsuredState, claim.FieldFacilityState, claim.FieldOtherInsuredState:
		a.State = Code(raw)
	default:
		a.Zip = ParseZip(raw)
	}
}

// adjudication returns the other coverage's adjudication, adding both
// when the claim has none.
func adjudication(c *claim.Claim) *claim.Adjudication {
	o := otherCoverage(c)
	if o.Adjudication == nil {
		o.Adjudication = &claim.Adjudication{}
	}
	return o.Adjudication
}

// settleCoverage completes the coverage of a claim read from a file: the
// payer columns give the primary coverage and the secondary columns the
// other one; a claim billed to the secondary (payer responsibility S,
// or a primary paid amount with no responsibility given) has the two
// swapped, so that the claim's payer is the one billed and the primary,
// with what it paid, is the other coverage. It returns why the coverage
// cannot be read as given, or "".
func settleCoverage(c *claim.Claim) (claim.Field, string) {
	if len(c.OtherCoverage) == 0 {
		if c.Responsibility != "" && c.Responsibility != claim.Primary {
			return claim.FieldResponsibility, "the claim is billed to a secondary or tertiary payer but names no other payer: fill in the primary payer's ID, name and member ID in the secondary payer columns' place"
		}
		return "", ""
	}
	o := &c.OtherCoverage[0]
	paid := o.Adjudication != nil
	if c.Responsibility == "" && paid {
		c.Responsibility = claim.Secondary
	}
	if c.Responsibility.Or() == claim.Primary {
		if paid {
			return claim.FieldPriorPaid, "a primary claim carries no prior payer's payment: set the payer responsibility to S to bill the secondary payer, or clear the primary paid columns"
		}
		o.Responsibility = claim.Secondary
		return "", ""
	}
	// Billed to the secondary: the payer columns were the primary.
	billed := claim.Coverage{PayerID: o.PayerID, PayerName: o.PayerName, MemberID: o.MemberID, GroupNumber: o.GroupNumber,
		Relationship: o.Relationship, Insured: o.Insured}
	*o = claim.Coverage{Responsibility: claim.Primary, PayerID: c.PayerID, PayerName: c.PayerName, MemberID: c.MemberID,
		GroupNumber: c.GroupNumber, Relationship: c.Relationship, Insured: c.Insured, Adjudication: o.Adjudication}
	c.PayerID, c.PayerName, c.MemberID, c.GroupNumber = billed.PayerID, billed.PayerName, billed.MemberID, billed.GroupNumber
	c.Relationship, c.Insured = billed.Relationship, billed.Insured
	if c.Relationship.IsSelf() {
		c.Insured = claim.Patient{}
	}
	return "", ""
}

// ParseFrequency reads the claim frequency code (CLM05-3) a professional
// claim may carry: 1 original, 7 replacement, 8 void. Blank defaults to 1
// when the claim is complete.
func ParseFrequency(s string) (claim.Frequency, error) {
	c := claim.Frequency(integral(Code(s)))
	switch c {
	case "", claim.FrequencyOriginal, claim.FrequencyReplacement, claim.FrequencyVoid:
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
