package activities

import (
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/keyring"
)

// memberKey is the opaque, keyed hash that stands for a payer's member ID
// in indexed columns (eligibility results) and patient keys: the same
// member at the same payer always gets the same key, and the key reveals
// nothing without the key ring.
func memberKey(ring *keyring.Ring, payerID, memberID string) string {
	return ring.Tag("member", payerID+"|"+memberID)
}

// patientKey identifies a claim's patient across batches: the practice's
// own patient account number when the file has one, else the member key.
func patientKey(ring *keyring.Ring, c *claim.Claim) string {
	if c.Patient.ID != "" {
		return c.Patient.ID
	}
	return "mk-" + memberKey(ring, c.PayerID, c.MemberID)
}
