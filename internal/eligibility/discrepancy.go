package eligibility

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// DiscrepancyKind names what differs between the practice's records and
// the payer's answer.
type DiscrepancyKind string

// The discrepancies the front desk is told about.
const (
	PayerMismatch    DiscrepancyKind = "payer_mismatch"     // the payer answering is not the payer on file
	MemberIDMismatch DiscrepancyKind = "member_id_mismatch" // the payer knows the member under another ID
	NameMismatch     DiscrepancyKind = "name_mismatch"
	DOBMismatch      DiscrepancyKind = "dob_mismatch"
	InactiveCoverage DiscrepancyKind = "inactive_coverage" // coverage not active on the date of service
	UnknownMember    DiscrepancyKind = "unknown_member"    // the payer could not find the member
	OtherCoverage    DiscrepancyKind = "other_payer"       // the payer reports another payer (coordination of benefits)
	HighDeductible   DiscrepancyKind = "high_deductible"   // much of the deductible remains: collect at the visit
)

// Discrepancy is one difference worth a person's attention. Message says
// what to do and carries no patient data; OnFile and Payer hold the two
// values (PHI for names, IDs and dates: for the worklist, never for logs).
type Discrepancy struct {
	Kind    DiscrepancyKind `json:"kind"`
	Message string          `json:"message"`
	OnFile  string          `json:"on_file,omitempty"`
	Payer   string          `json:"payer,omitempty"`
}

// Rules holds the thresholds of the discrepancy checks.
type Rules struct {
	// HighDeductible is the remaining individual in-network deductible at
	// or above which the visit is flagged; 0 turns the check off.
	HighDeductible claim.Money
}

// DefaultRules flags a remaining deductible of $1,000 or more.
var DefaultRules = Rules{HighDeductible: 100000}

// Discrepancies compares what the practice has on file with the payer's
// answer, with DefaultRules.
func Discrepancies(onFile Request, res Result) []Discrepancy {
	return DefaultRules.Discrepancies(onFile, res)
}

// Discrepancies compares what the practice has on file with the payer's
// answer. Only what the payer actually stated is compared: a missing
// value is never a mismatch. Names compare without case, accents,
// punctuation, spacing or generational suffixes; a first name matches
// when one is the other's first word ("MARY" and "Mary Ann").
func (r Rules) Discrepancies(onFile Request, res Result) []Discrepancy {
	var out []Discrepancy
	add := func(k DiscrepancyKind, msg, file, payer string) {
		out = append(out, Discrepancy{Kind: k, Message: msg, OnFile: file, Payer: payer})
	}
	switch res.Status {
	case StatusUnknownMember:
		add(UnknownMember, "The payer could not find this member: check the insurance card (member ID, name, date of birth) and the payer.", "", res.Reason)
	case StatusInactive:
		add(InactiveCoverage, "Coverage is not active on the date of service: ask the patient for current insurance or arrange self-pay.",
			onFile.DateOfService.String(), coveragePeriod(&res.Plan))
	}
	if res.Payer.ID != "" && !sameID(res.Payer.ID, onFile.PayerID) && !sameID(res.Payer.ID, onFile.TradingPartnerID) {
		add(PayerMismatch, "The answering payer is not the payer on file: check which payer covers the patient.", onFile.PayerID, res.Payer.ID)
	}
	if !res.MemberFound {
		return out
	}
	who := res.Subscriber
	if res.Patient != nil {
		who = *res.Patient
	}
	idOnPayer := res.Subscriber.MemberID
	if res.Patient != nil && res.Patient.MemberID != "" {
		idOnPayer = res.Patient.MemberID
	}
	if idOnPayer != "" && onFile.MemberID != "" && !sameID(idOnPayer, onFile.MemberID) {
		add(MemberIDMismatch, "The payer has the member under a different member ID: update the patient's insurance record.", onFile.MemberID, idOnPayer)
	}
	if who.LastName != "" && onFile.LastName != "" &&
		(!sameName(who.LastName, onFile.LastName) || who.FirstName != "" && onFile.FirstName != "" && !sameFirstName(who.FirstName, onFile.FirstName)) {
		add(NameMismatch, "The patient's name differs from the payer's: correct it in the practice record or ask the payer to update theirs.",
			strings.TrimSpace(onFile.LastName+", "+onFile.FirstName), strings.TrimSpace(who.LastName+", "+who.FirstName))
	}
	if who.DOB != 0 && onFile.DOB != 0 && who.DOB != onFile.DOB {
		add(DOBMismatch, "The date of birth differs from the payer's: check it against the insurance card.", onFile.DOB.String(), who.DOB.String())
	}
	for _, op := range res.OtherPayers {
		add(OtherCoverage, "The payer reports other coverage: confirm which payer is primary before billing.", onFile.PayerID,
			strings.TrimSpace(strings.Join([]string{op.Order, op.Name, op.ID}, " ")))
	}
	if rem := res.Deductible.IndividualRemaining.InNetwork; r.HighDeductible > 0 && res.CoverageActive && rem != nil && *rem >= r.HighDeductible {
		add(HighDeductible, "Much of the deductible remains: estimate the patient's share and collect at the visit.", r.HighDeductible.String(), rem.String())
	}
	return out
}

func coveragePeriod(p *Plan) string {
	if p.Begin == 0 && p.End == 0 {
		return ""
	}
	return p.Begin.String() + " to " + p.End.String()
}

// sameID compares identifiers ignoring case, spaces and dashes.
func sameID(a, b string) bool {
	return a != "" && b != "" && squash(a, false) == squash(b, false)
}

// sameName compares last names (or whole names): case, accents,
// punctuation and spacing do not count, nor do suffixes (JR, SR, II...).
func sameName(a, b string) bool { return squash(a, true) == squash(b, true) }

// sameFirstName is sameName, or one name's first word equals the other
// (a middle name written into the first-name field).
func sameFirstName(a, b string) bool {
	if sameName(a, b) {
		return true
	}
	fa, fb := firstWord(a), firstWord(b)
	return fa != "" && (squash(fa, false) == squash(b, false) || squash(fb, false) == squash(a, false))
}

func firstWord(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '.' })
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

var nameSuffixes = map[string]bool{"JR": true, "SR": true, "II": true, "III": true, "IV": true}

// squash upper-cases s and keeps only letters and digits, folding accents
// (É → E); with dropSuffix it also drops a trailing generational suffix.
func squash(s string, dropSuffix bool) string {
	words := strings.FieldsFunc(norm.NFD.String(s), func(r rune) bool { return r == ' ' || r == ',' || r == '.' })
	if dropSuffix && len(words) > 1 && nameSuffixes[strings.ToUpper(words[len(words)-1])] {
		words = words[:len(words)-1]
	}
	var b strings.Builder
	for _, w := range words {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(unicode.ToUpper(r))
			}
		}
	}
	return b.String()
}
