package claim

import "strings"

// Tagger makes keyed, deterministic opaque identifiers: equal inputs give
// equal tags, and a tag reveals nothing without the key. keyring.Ring is
// one; the key it uses for tags does not change when encryption keys
// rotate.
type Tagger interface {
	Tag(kind, value string) string
}

// MemberKey is the opaque key of a payer's member: what indexed columns
// (eligibility results) hold instead of the member ID.
func MemberKey(t Tagger, payerID, memberID string) string {
	return t.Tag("member", payerID+"|"+memberID)
}

// Prefixes of patient keys: which identifier a key was made from.
const (
	// PatientKeyAccount prefixes the tag of the practice's patient
	// account number (Patient.ID).
	PatientKeyAccount = "pt-"
	// PatientKeyMember prefixes the member key (payer and member ID),
	// for claims without an account number.
	PatientKeyMember = "mk-"
)

// PatientKey identifies a claim's patient wherever an identity must be
// stored or indexed without being readable: the claims' and service lines'
// patient_key (duplicate checks across batches) and the PHI access log's
// per-patient records. It is the tag of the practice's patient account
// number when the claim has one, else "mk-" and the member key. An
// account number rcmbot filled in itself before keys were tagged ("mk-"
// and a member key) is already a key and is kept as it is.
func PatientKey(t Tagger, c *Claim) string {
	switch id := c.Patient.ID; {
	case id == "":
		return PatientKeyMember + MemberKey(t, c.PayerID, c.MemberID)
	case strings.HasPrefix(id, PatientKeyMember):
		return id
	default:
		return AccountKey(t, id)
	}
}

// AccountKey is the patient key of a practice's patient account number,
// for looking a patient up by the number staff know.
func AccountKey(t Tagger, accountNumber string) string {
	return PatientKeyAccount + t.Tag("patient", accountNumber)
}

// RecordKey is the patient key a patient record (PatientRecord) is kept
// under: PatientKey when the claim has the practice's account number or
// a payer and member ID, "" when it has neither (a claim that cannot be
// matched to a patient without its name, which is never used to match).
func RecordKey(t Tagger, c *Claim) string {
	if c.Patient.ID == "" && (c.PayerID == "" || c.MemberID == "") {
		return ""
	}
	return PatientKey(t, c)
}
