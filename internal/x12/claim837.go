package x12

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Version837P is the implementation guide rcmbot writes 837P claims to
// (GS08, ST03).
const Version837P = "005010X222A1"

// Limits of the 837P implementation guide that the writer enforces.
const (
	MaxLinesPerClaim         = 50   // 2400 loop repeats per claim
	MaxClaimsPerSubscriber   = 100  // 2300 loop repeats per 2000B
	MaxClaimsPerTransaction  = 5000 // the guide's recommended CLM count per ST
	maxClaimIDLength         = 38   // CLM01
	maxDiagnosisPointersLine = 4    // SV107 components
	// MaxBatchIDLength keeps BHT03 (BatchID, "-", 9 + 4 digits) within
	// its 50 characters.
	MaxBatchIDLength = 36
)

// Envelope837 is everything an 837P interchange says besides the claims.
type Envelope837 struct {
	Envelope
	// BatchID is the submitter's reference for the batch: BHT03 of each
	// transaction set is BatchID-ISA13ST02 (ISA13ST02 when empty), unique
	// per transaction set and per interchange. At most MaxBatchIDLength.
	BatchID   string    `json:"batch_id"`
	Submitter Submitter `json:"submitter"` // loop 1000A
	Receiver  Party     `json:"receiver"`  // loop 1000B
	// Practitioners names the rendering and referring providers by NPI:
	// the claim carries only their NPIs, and the 837P requires a name.
	Practitioners map[string]Practitioner `json:"practitioners,omitempty"`
	// FilingIndicators maps a payer ID to the claim filing indicator
	// written in SBR09 (MB Medicare Part B, MC Medicaid, BL Blue Cross,
	// HM HMO, CI commercial …); Check837P refuses a claim whose payers
	// are not listed, rather than guess.
	FilingIndicators map[string]string `json:"filing_indicators,omitempty"`
	// Facilities are the service facilities set up, by NPI: a claim that
	// names a facility NPI without its address gets the name and address
	// of loop 2310C from here.
	Facilities map[string]claim.Facility `json:"facilities,omitempty"`
}

// Facility returns the service facility the 837P gives claim c: the
// claim's own, filled from the facility set up with its NPI when the
// claim gives the NPI but no street address (the name too when blank).
func (env *Envelope837) Facility(c *claim.Claim) claim.Facility {
	f := c.Facility
	set, ok := env.Facilities[f.NPI]
	if f.NPI == "" || f.Address.Line1 != "" || !ok {
		return f
	}
	f.Address = set.Address
	if f.Name == "" {
		f.Name = set.Name
	}
	return f
}

// Submitter is the sender of an 837P (loop 1000A): its name and electronic
// transmitter ID (ETIN), and a contact with a phone number or email.
type Submitter struct {
	Name        string `json:"name"`
	ID          string `json:"id"`
	ContactName string `json:"contact_name"`
	Phone       string `json:"phone,omitempty"` // digits only, e.g. 8005551212
	Email       string `json:"email,omitempty"`
}

// Party is an organisation named with its ID (the 837P receiver, loop 1000B).
type Party struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Practitioner is a rendering or referring provider's name (and taxonomy
// for the rendering provider's PRV segment).
type Practitioner struct {
	LastName   string `json:"last_name"`
	FirstName  string `json:"first_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	Taxonomy   string `json:"taxonomy,omitempty"`
}

// Practitioner returns the name the 837P gives provider npi on claim c:
// the name the claims file gave for the claim's rendering or referring
// provider when it gave one, else the one set up for the NPI
// (Practitioners). The taxonomy always comes from the setup.
func (env *Envelope837) Practitioner(c *claim.Claim, npi string) Practitioner {
	p := env.Practitioners[npi]
	var named claim.Practitioner
	switch {
	case npi == "":
		return p
	case npi == c.RenderingNPI && c.Rendering.LastName != "":
		named = c.Rendering
	case npi == c.ReferringNPI && c.Referring.LastName != "":
		named = c.Referring
	default:
		return p
	}
	return Practitioner{LastName: named.LastName, FirstName: named.FirstName, MiddleName: named.MiddleName, Taxonomy: p.Taxonomy}
}

// Manifest837 says what Write837P put in which transaction set, so
// acknowledgements (999 AK2, 277CA) can be matched back to claims.
type Manifest837 struct {
	Transactions []Manifest837Set `json:"transactions"`
}

// Manifest837Set is one ST…SE of a written 837P.
type Manifest837Set struct {
	Control    string      `json:"control"` // ST02
	PayerID    string      `json:"payer_id"`
	BillingNPI string      `json:"billing_npi"`
	ClaimIDs   []string    `json:"claim_ids"`
	Total      claim.Money `json:"total"` // Σ CLM02
}

// ClaimError is a claim that cannot be written as an 837P. It names the
// claim, the line (1-based position, 0 for the claim) and the field, never
// patient data.
type ClaimError struct {
	ClaimID string      `json:"claim_id"`
	Line    int         `json:"line,omitempty"`
	Field   claim.Field `json:"field,omitempty"`
	Msg     string      `json:"message"`
}

func (e *ClaimError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("claim %s line %d: %s", e.ClaimID, e.Line, e.Msg)
	}
	return fmt.Sprintf("claim %s: %s", e.ClaimID, e.Msg)
}

// Check837P reports why c cannot be written as an 837P under env: limits
// (more than 50 lines or 12 diagnoses), missing required data, values in a
// shape the 837P does not allow. The result joins one *ClaimError per
// problem; nil means Write837P will accept the claim.
func Check837P(env *Envelope837, c *claim.Claim) error {
	var errs []error
	bad := func(line int, f claim.Field, format string, args ...any) {
		errs = append(errs, &ClaimError{ClaimID: c.ID, Line: line, Field: f, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(c.ID) == "":
		bad(0, claim.FieldClaimID, "the claim has no claim ID (CLM01)")
	case len(c.ID) > maxClaimIDLength:
		bad(0, claim.FieldClaimID, "claim ID is %d characters; CLM01 allows %d", len(c.ID), maxClaimIDLength)
	}
	switch n := len(c.Lines); {
	case n == 0:
		bad(0, claim.FieldProcedureCode, "the claim has no service lines")
	case n > MaxLinesPerClaim:
		bad(0, claim.FieldLineNumber, "the claim has %d service lines; an 837P claim carries at most %d: split it into several claims", n, MaxLinesPerClaim)
	}
	switch n := len(c.Diagnoses); {
	case n == 0:
		bad(0, claim.FieldDx(1), "the claim has no diagnosis; HI needs a principal diagnosis")
	case n > claim.MaxDiagnoses:
		bad(0, claim.FieldDiagnosisCodes, "the claim has %d diagnoses; an 837P claim carries at most %d", n, claim.MaxDiagnoses)
	}
	for i, dx := range c.Diagnoses {
		if !validICD(strings.ReplaceAll(dx, ".", "")) {
			bad(0, claim.FieldDx(i+1), "diagnosis %d %q is not an ICD-10-CM code (a letter and 2–6 letters or digits)", i+1, dx)
		}
	}
	if !isDigits(c.PlaceOfService) || len(c.PlaceOfService) != 2 {
		bad(0, claim.FieldPlaceOfService, "place of service %q must be a 2-digit CMS code", c.PlaceOfService)
	}
	switch c.FrequencyCode {
	case "", claim.FrequencyOriginal, claim.FrequencyReplacement, claim.FrequencyVoid:
	default:
		bad(0, claim.FieldFrequencyCode, "frequency code %q must be 1 (original), 7 (replacement) or 8 (void)", c.FrequencyCode)
	}
	if c.MemberID == "" {
		bad(0, claim.FieldMemberID, "the claim has no member ID")
	}
	if c.PayerID == "" {
		bad(0, claim.FieldPayerID, "the claim has no payer ID")
	}
	if c.PayerName == "" {
		bad(0, claim.FieldPayerName, "the claim has no payer name (2010BB NM103)")
	}
	if c.Patient.LastName == "" {
		bad(0, claim.FieldPatientLastName, "the patient has no last name")
	}
	if c.Patient.DOB.IsZero() {
		bad(0, claim.FieldPatientDOB, "the patient has no date of birth (DMG02)")
	}
	switch c.Patient.Sex {
	case "", claim.SexFemale, claim.SexMale, claim.SexUnknown:
	default:
		bad(0, claim.FieldPatientSex, "patient sex %q must be F, M or U", c.Patient.Sex)
	}
	b := &c.Billing
	if b.Name == "" {
		bad(0, claim.FieldBillingName, "the billing provider has no name")
	}
	if !validNPI(b.NPI) {
		bad(0, claim.FieldBillingNPI, "billing NPI %q must be 10 digits", b.NPI)
	}
	if !isDigits(b.TIN) || len(b.TIN) != 9 {
		bad(0, claim.FieldBillingTIN, "billing TIN must be 9 digits without a hyphen")
	}
	switch a := b.Address; {
	case a.Line1 == "":
		bad(0, claim.FieldBillingAddress, "the billing provider has no street address (2010AA N3)")
	case isPOBox(a.Line1) || isPOBox(a.Line2):
		bad(0, claim.FieldBillingAddress, "the billing provider address is a post office box; 2010AA needs a street address (use a pay-to address for the box)")
	}
	if !validCityStateZip(b.Address) || len(b.Address.Zip) != 9 {
		bad(0, claim.FieldBillingZip, "the billing address needs a city, a 2-letter state and the 9-digit ZIP+4 code (2010AA N403)")
	}
	for _, p := range []struct {
		npi   string
		field claim.Field
		role  string
		need  bool
	}{{c.ReferringNPI, claim.FieldReferringNPI, "referring", c.ReferringNPI != ""},
		{c.RenderingNPI, claim.FieldRenderingNPI, "rendering", c.RenderingNPI != "" && c.RenderingNPI != b.NPI}} {
		if !p.need {
			continue
		}
		if !validNPI(p.npi) {
			bad(0, p.field, "%s NPI %q must be 10 digits", p.role, p.npi)
		} else if env.Practitioner(c, p.npi).LastName == "" {
			bad(0, p.field, "%s provider NPI %s has no name: give it in the claims file or set the provider up (the 837P requires NM103)", p.role, p.npi)
		}
	}
	checkCoverage(env, c, bad)
	checkLengths(env, c, bad)
	for i := range c.Lines {
		checkLine(c, i, bad)
		l := &c.Lines[i]
		if pos := l.PlaceOfService; pos != "" && pos != c.PlaceOfService && (!isDigits(pos) || len(pos) != 2) {
			bad(i+1, claim.FieldPlaceOfService, "line place of service %q must be a 2-digit CMS code (SV105)", pos)
		}
		if npi := l.RenderingNPI; npi != "" && npi != c.RenderingNPI {
			if !validNPI(npi) {
				bad(i+1, claim.FieldRenderingNPI, "line rendering NPI %q must be 10 digits", npi)
			} else if env.Practitioner(c, npi).LastName == "" {
				bad(i+1, claim.FieldRenderingNPI, "rendering provider NPI %s has no name: add it to the practitioners list (loop 2420A requires NM103)", npi)
			}
		}
	}
	return errors.Join(errs...)
}

// elementLimit is the longest value the 005010X222A1 guide allows in an
// element the writer fills from the claim.
type elementLimit struct {
	field   claim.Field
	line    int
	what    string // for the reviewer: "patient last name"
	element string // where it goes: "2010BA NM103"
	value   string
	max     int
}

// checkLengths reports claim values longer than their 837P element
// allows (a name pasted with a whole note in it, a 10 MB cell): the
// writer would otherwise send them and the clearinghouse reject the file.
// Messages give the length, never the value.
func checkLengths(env *Envelope837, c *claim.Claim, bad func(int, claim.Field, string, ...any)) {
	p, b := &c.Patient, &c.Billing
	limits := []elementLimit{
		{claim.FieldPatientLastName, 0, "patient last name", "2010BA NM103", p.LastName, 60},
		{claim.FieldPatientFirstName, 0, "patient first name", "2010BA NM104", p.FirstName, 35},
		{claim.FieldMemberID, 0, "member ID", "2010BA NM109", c.MemberID, 80},
		{claim.FieldGroupNumber, 0, "group number", "SBR03", c.GroupNumber, 50},
		{claim.FieldPayerName, 0, "payer name", "2010BB NM103", c.PayerName, 60},
		{claim.FieldPayerID, 0, "payer ID", "2010BB NM109", c.PayerID, 80},
		{claim.FieldBillingName, 0, "billing provider name", "2010AA NM103", b.Name, 60},
		{claim.FieldBillingTaxonomy, 0, "billing taxonomy", "PRV03", b.Taxonomy, 50},
		{claim.FieldBillingAddress, 0, "billing address line 1", "2010AA N301", b.Address.Line1, 55},
		{claim.FieldBillingAddress, 0, "billing address line 2", "2010AA N302", b.Address.Line2, 55},
		{claim.FieldBillingCity, 0, "billing city", "2010AA N401", b.Address.City, 30},
		{claim.FieldBillingZip, 0, "billing ZIP code", "2010AA N403", b.Address.Zip, 15},
		{claim.FieldPatientAddress, 0, "patient address line 1", "N301", p.Address.Line1, 55},
		{claim.FieldPatientAddress, 0, "patient address line 2", "N302", p.Address.Line2, 55},
		{claim.FieldPatientCity, 0, "patient city", "N401", p.Address.City, 30},
		{claim.FieldPatientZip, 0, "patient ZIP code", "N403", p.Address.Zip, 15},
		{claim.FieldPriorAuth, 0, "prior authorisation number", "2300 REF02", c.PriorAuth, 50},
	}
	limits = append(limits, coverageLimits(env, c)...)
	for _, npi := range []struct {
		npi   string
		field claim.Field
		role  string
	}{{c.ReferringNPI, claim.FieldReferringNPI, "referring"}, {c.RenderingNPI, claim.FieldRenderingNPI, "rendering"}} {
		if pr := env.Practitioner(c, npi.npi); npi.npi != "" {
			limits = append(limits, elementLimit{npi.field, 0, npi.role + " provider's last name", "NM103", pr.LastName, 60},
				elementLimit{npi.field, 0, npi.role + " provider's first name", "NM104", pr.FirstName, 35},
				elementLimit{npi.field, 0, npi.role + " provider's middle name", "NM105", pr.MiddleName, 25})
		}
	}
	for i := range c.Lines {
		limits = append(limits, elementLimit{claim.FieldNDC, i + 1, "NDC", "2410 LIN03", c.Lines[i].NDC, 48})
	}
	for _, l := range limits {
		if n := utf8.RuneCountInString(l.value); n > l.max {
			bad(l.line, l.field, "the %s is %d characters; %s allows at most %d", l.what, n, l.element, l.max)
		}
	}
}

func checkLine(c *claim.Claim, i int, bad func(int, claim.Field, string, ...any)) {
	l := &c.Lines[i]
	n := i + 1
	if len(l.Procedure) != 5 || !allAlnum(l.Procedure) {
		bad(n, claim.FieldProcedureCode, "procedure code %q must be a 5-character CPT or HCPCS code", l.Procedure)
	}
	if len(l.Modifiers) > claim.MaxModifiers {
		bad(n, claim.FieldModifiers, "the line has %d modifiers; SV101 carries at most %d", len(l.Modifiers), claim.MaxModifiers)
	}
	for k, m := range l.Modifiers {
		if len(m) != 2 || !allAlnum(m) {
			bad(n, claim.FieldModifier(k+1), "modifier %q must be 2 letters or digits", m)
		}
	}
	if l.Charge < 0 {
		bad(n, claim.FieldLineCharge, "line charge %s is negative", l.Charge)
	}
	if !(l.Units > 0) || l.Units > 99999 {
		bad(n, claim.FieldUnits, "units %v must be more than 0 and at most 99999", l.Units)
	}
	if l.From.IsZero() {
		bad(n, claim.FieldDateFrom, "the line has no date of service")
	} else if !l.To.IsZero() && l.To < l.From {
		bad(n, claim.FieldDateTo, "service date to %s is before from %s", l.To, l.From)
	}
	switch np := len(l.DxPointers); {
	case np == 0:
		bad(n, claim.FieldDxPointers, "the line points at no diagnosis (SV107 needs 1–4 pointers)")
	case np > maxDiagnosisPointersLine:
		bad(n, claim.FieldDxPointers, "the line has %d diagnosis pointers; SV107 carries at most %d", np, maxDiagnosisPointersLine)
	}
	for _, p := range l.DxPointers {
		if p < 1 || p > len(c.Diagnoses) || p > claim.MaxDiagnoses {
			bad(n, claim.FieldDxPointers, "diagnosis pointer %d points at no diagnosis (the claim has %d)", p, len(c.Diagnoses))
		}
	}
	if l.NDC != "" {
		if _, err := ndc11(l.NDC); err != nil {
			bad(n, claim.FieldNDC, "%v", err)
		}
	}
}

// Write837P writes claims as one 837P interchange: one transaction set per
// payer and billing provider (sorted by payer ID, then billing NPI), one
// subscriber loop per patient with at most 100 claims each, claims in the
// order given. Every claim is checked first (Check837P, and claim IDs must
// be unique); if any fails nothing is written and the error joins one
// *ClaimError per problem.
func Write837P(out io.Writer, env Envelope837, claims []claim.Claim) (*Manifest837, error) {
	var errs []error
	seen := make(map[string]bool, len(claims))
	for i := range claims {
		c := &claims[i]
		if err := Check837P(&env, c); err != nil {
			errs = append(errs, err)
		}
		if seen[c.ID] {
			errs = append(errs, &ClaimError{ClaimID: c.ID, Field: claim.FieldClaimID, Msg: "the claim ID appears twice in the batch (CLM01 must be unique)"})
		}
		seen[c.ID] = true
	}
	if len(claims) == 0 {
		errs = append(errs, errors.New("837P: no claims to write"))
	}
	errs = append(errs, env.checkParties())
	if len(env.BatchID) > MaxBatchIDLength {
		errs = append(errs, fmt.Errorf("837P batch ID (BHT03) must be at most %d characters, not %d", MaxBatchIDLength, len(env.BatchID)))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	w, err := newWriter(out, env.Envelope)
	if err != nil {
		return nil, err
	}
	w.open("HC", Version837P)
	man := &Manifest837{}
	for _, set := range plan837(claims) {
		man.Transactions = append(man.Transactions, w.transaction837(&env, set))
	}
	if err := w.close(); err != nil {
		return nil, fmt.Errorf("write 837P: %w", err)
	}
	return man, nil
}

// reference is BHT03 of the transaction set numbered ctrl (ST02): the batch
// ID, ISA13 and ST02, so no two transaction sets share one, in one file or
// across files.
func (e *Envelope837) reference(ctrl string) string {
	ref := fmt.Sprintf("%09d%s", e.InterchangeControl, ctrl)
	if e.BatchID != "" {
		ref = e.BatchID + "-" + ref
	}
	return ref
}

func (e *Envelope837) checkParties() error {
	var errs []error
	s := e.Submitter
	if s.Name == "" || s.ID == "" || s.ContactName == "" {
		errs = append(errs, errors.New("837P submitter (1000A) needs a name, an ID and a contact name"))
	}
	if s.Phone == "" && s.Email == "" {
		errs = append(errs, errors.New("837P submitter contact (1000A PER) needs a phone number or an email"))
	}
	if s.Phone != "" && !isDigits(s.Phone) {
		errs = append(errs, fmt.Errorf("837P submitter phone %q must be digits only", s.Phone))
	}
	if e.Receiver.Name == "" || e.Receiver.ID == "" {
		errs = append(errs, errors.New("837P receiver (1000B) needs a name and an ID"))
	}
	return errors.Join(errs...)
}

// set837 is the claims of one transaction set: one payer, one billing
// provider, subscribers in order of first appearance.
type set837 struct {
	payerID     string
	billing     claim.Provider
	subscribers [][]*claim.Claim // each at most MaxClaimsPerSubscriber claims
}

type setKey struct {
	payerID string
	billing claim.Provider
}

// subscriberKey is what claims sharing a 2000B (and 2000C) loop share.
type subscriberKey struct {
	patient, insured           claim.Patient
	relationship               claim.Relationship
	responsibility             claim.Responsibility
	msp                        claim.MSPType
	memberID, group, payerName string
}

// plan837 groups claims into transaction sets: by (payer, billing
// provider), sorted by payer ID, billing NPI, TIN, name; within a set,
// claims of one subscriber share a 2000B loop (split at 100 claims), and
// a set holds at most MaxClaimsPerTransaction claims.
func plan837(claims []claim.Claim) []set837 {
	type building struct {
		set   set837
		index map[subscriberKey]int
	}
	byKey := map[setKey]*building{}
	var order []setKey
	for i := range claims {
		c := &claims[i]
		k := setKey{c.PayerID, c.Billing}
		b := byKey[k]
		if b == nil {
			b = &building{set: set837{payerID: c.PayerID, billing: c.Billing}, index: map[subscriberKey]int{}}
			byKey[k] = b
			order = append(order, k)
		}
		sk := subscriberKey{patient: c.Patient, memberID: c.MemberID, group: c.GroupNumber, payerName: c.PayerName,
			relationship: c.Relationship, responsibility: c.Responsibility.Or(), msp: c.MSPType}
		if c.IsDependant() {
			sk.insured = c.Insured
		}
		j, ok := b.index[sk]
		if !ok || len(b.set.subscribers[j]) == MaxClaimsPerSubscriber {
			j = len(b.set.subscribers)
			b.set.subscribers = append(b.set.subscribers, nil)
			b.index[sk] = j
		}
		b.set.subscribers[j] = append(b.set.subscribers[j], c)
	}
	slices.SortStableFunc(order, func(a, b setKey) int {
		return cmp.Or(cmp.Compare(a.payerID, b.payerID), cmp.Compare(a.billing.NPI, b.billing.NPI),
			cmp.Compare(a.billing.TIN, b.billing.TIN), cmp.Compare(a.billing.Name, b.billing.Name),
			cmp.Compare(a.billing.Taxonomy, b.billing.Taxonomy), cmp.Compare(a.billing.Address.Line1, b.billing.Address.Line1),
			cmp.Compare(a.billing.Address.Line2, b.billing.Address.Line2), cmp.Compare(a.billing.Address.City, b.billing.Address.City),
			cmp.Compare(a.billing.Address.State, b.billing.Address.State), cmp.Compare(a.billing.Address.Zip, b.billing.Address.Zip))
	})
	var sets []set837
	for _, k := range order {
		full := byKey[k].set
		cur := set837{payerID: full.payerID, billing: full.billing}
		n := 0
		for _, sub := range full.subscribers {
			if n+len(sub) > MaxClaimsPerTransaction {
				sets = append(sets, cur)
				cur = set837{payerID: full.payerID, billing: full.billing}
				n = 0
			}
			cur.subscribers = append(cur.subscribers, sub)
			n += len(sub)
		}
		sets = append(sets, cur)
	}
	return sets
}

// transaction837 writes one ST…SE.
func (w *writer) transaction837(env *Envelope837, set set837) Manifest837Set {
	ctrl := w.st("837", Version837P)
	w.bht("0019", "00", env.reference(ctrl), "CH")
	s := env.Submitter
	w.seg("NM1", "41", "2", upper(s.Name), "", "", "", "", "46", s.ID)
	w.start("PER")
	w.el("IC")
	w.el(upper(s.ContactName))
	if s.Phone != "" {
		w.el("TE")
		w.el(s.Phone)
	}
	if s.Email != "" {
		w.el("EM")
		w.el(s.Email)
	}
	w.end()
	w.seg("NM1", "40", "2", upper(env.Receiver.Name), "", "", "", "", "46", env.Receiver.ID)

	b := &set.billing
	w.seg("HL", "1", "", "20", "1")
	if b.Taxonomy != "" {
		w.seg("PRV", "BI", "PXC", upper(b.Taxonomy))
	}
	w.seg("NM1", "85", "2", upper(b.Name), "", "", "", "", "XX", b.NPI)
	w.address(b.Address)
	w.seg("REF", "EI", b.TIN)

	m := Manifest837Set{Control: ctrl, PayerID: set.payerID, BillingNPI: b.NPI}
	hl := 1
	for _, sub := range set.subscribers {
		hl = w.subscriber837(env, hl, sub)
		for _, c := range sub {
			m.ClaimIDs = append(m.ClaimIDs, c.ID)
			m.Total += c.LineTotal()
		}
	}
	w.se(ctrl)
	return m
}

// address writes N3 and N4.
func (w *writer) address(a claim.Address) {
	w.seg("N3", upper(a.Line1), upper(a.Line2))
	w.seg("N4", upper(a.City), upper(a.State), a.Zip)
}

// claim837 writes loop 2300 and its lines.
func (w *writer) claim837(env *Envelope837, c *claim.Claim) {
	w.start("CLM")
	w.el(c.ID)
	w.raw(c.LineTotal().X12())
	w.raw("")
	w.raw("")
	w.comp(c.PlaceOfService, "B", string(cmp.Or(c.FrequencyCode, claim.FrequencyOriginal)))
	for _, v := range []string{"Y", "A", "Y", "Y"} { // CLM06..CLM09
		w.raw(v)
	}
	w.end()
	if c.PriorAuth != "" {
		w.seg("REF", "G1", c.PriorAuth)
	}
	if c.FrequencyCode.NeedsOriginal() {
		w.seg("REF", "F8", c.OriginalClaimNumber)
	}
	w.start("HI")
	for i, dx := range c.Diagnoses {
		q := "ABF"
		if i == 0 {
			q = "ABK"
		}
		w.comp(q, strings.ReplaceAll(dx, ".", ""))
	}
	w.end()
	if npi := c.ReferringNPI; npi != "" {
		p := env.Practitioner(c, npi)
		w.seg("NM1", "DN", "1", upper(p.LastName), upper(p.FirstName), upper(p.MiddleName), "", "", "XX", npi)
	}
	if npi := c.RenderingNPI; npi != "" && npi != c.Billing.NPI {
		w.rendering837(env.Practitioner(c, npi), npi)
	}
	w.facility837(env.Facility(c), c)
	w.otherPayers837(env, c)
	ptrs := make([]string, 0, maxDiagnosisPointersLine)
	for i := range c.Lines {
		l := &c.Lines[i]
		w.seg("LX", strconv.Itoa(i+1))
		w.start("SV1")
		w.comp(append([]string{"HC", l.Procedure}, l.Modifiers...)...)
		w.raw(l.Charge.X12())
		w.raw("UN")
		w.raw(units(l.Units))
		pos := "" // SV105 place of service: only when it differs from CLM05-1
		if l.PlaceOfService != "" && l.PlaceOfService != c.PlaceOfService {
			pos = l.PlaceOfService
		}
		w.raw(pos)
		w.raw("")
		ptrs = ptrs[:0]
		for _, p := range l.DxPointers {
			ptrs = append(ptrs, strconv.Itoa(p))
		}
		w.comp(ptrs...)
		w.end()
		if l.To.IsZero() || l.To == l.From {
			w.seg("DTP", "472", "D8", l.From.Compact())
		} else {
			w.seg("DTP", "472", "RD8", l.From.Compact()+"-"+l.To.Compact())
		}
		if l.NDC != "" {
			code, _ := ndc11(l.NDC) // checked by Check837P
			w.seg("LIN", "", "N4", code)
			w.seg("CTP", "", "", "", units(l.NDCQuantity), string(l.NDCUnit))
		}
		// 2420A rendering provider: only when the line's differs from the claim's.
		if npi := l.RenderingNPI; npi != "" && npi != c.RenderingNPI && npi != c.Billing.NPI {
			w.rendering837(env.Practitioner(c, npi), npi)
		}
		w.linePrior837(c, l)
	}
}

// rendering837 writes a rendering provider (loop 2310B or 2420A): NM1*82
// and, when the taxonomy is known, PRV*PE.
func (w *writer) rendering837(p Practitioner, npi string) {
	w.seg("NM1", "82", "1", upper(p.LastName), upper(p.FirstName), upper(p.MiddleName), "", "", "XX", npi)
	if p.Taxonomy != "" {
		w.seg("PRV", "PE", "PXC", upper(p.Taxonomy))
	}
}

// units formats a unit count with at most three decimals.
func units(u float64) string {
	return strconv.FormatFloat(math.Round(u*1000)/1000, 'f', -1, 64)
}

// ndc11 returns an NDC in the 11-digit 5-4-2 form the 837P N4 qualifier
// wants. Hyphenated 10-digit forms (4-4-2, 5-3-2, 5-4-1) are padded with a
// zero in the short segment; 11 digits pass as they are; 10 digits without
// hyphens are ambiguous and refused.
func ndc11(s string) (string, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, "-")
	switch {
	case len(parts) == 1 && len(s) == 11 && isDigits(s):
		return s, nil
	case len(parts) == 1 && len(s) == 10 && isDigits(s):
		return "", fmt.Errorf("NDC %q has 10 digits and no hyphens, which is ambiguous: write it hyphenated (4-4-2, 5-3-2, 5-4-1) or as 11 digits", s)
	case len(parts) == 3 && isDigits(parts[0]) && isDigits(parts[1]) && isDigits(parts[2]):
		want := [3]int{5, 4, 2}
		var b strings.Builder
		for i, p := range parts {
			if len(p) > want[i] || len(p) < want[i]-1 {
				return "", fmt.Errorf("NDC %q is not in 5-4-2, 4-4-2, 5-3-2 or 5-4-1 form", s)
			}
			b.WriteString(strings.Repeat("0", want[i]-len(p)) + p)
		}
		if b.Len() != 11 || len(parts[0])+len(parts[1])+len(parts[2]) < 10 {
			return "", fmt.Errorf("NDC %q is not in 5-4-2, 4-4-2, 5-3-2 or 5-4-1 form", s)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("NDC %q must be 11 digits or hyphenated (5-4-2, 4-4-2, 5-3-2, 5-4-1)", s)
}

// validICD reports whether code looks like an ICD-10-CM code without its
// dot: a letter, then 2–6 letters or digits.
func validICD(code string) bool {
	if len(code) < 3 || len(code) > 7 || code[0] < 'A' || code[0] > 'Z' {
		return false
	}
	for i := 1; i < len(code); i++ {
		if c := code[i]; !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// squeeze drops the dots and spaces that vary in how PO boxes are written.
var squeeze = strings.NewReplacer(".", "", " ", "")

// isPOBox reports whether an address line is a post office box.
func isPOBox(line string) bool {
	l := squeeze.Replace(strings.ToUpper(line))
	return strings.HasPrefix(l, "POBOX") || strings.HasPrefix(l, "POSTOFFICEBOX") || strings.HasPrefix(l, "BOX") && len(l) > 3 && isDigits(l[3:4])
}

func validNPI(npi string) bool { return len(npi) == 10 && isDigits(npi) }

func validCityStateZip(a claim.Address) bool {
	st := a.State
	return a.City != "" && len(st) == 2 && isAlnum(st[0]) && isAlnum(st[1]) &&
		isDigits(a.Zip) && (len(a.Zip) == 5 || len(a.Zip) == 9)
}

func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return s != ""
}
