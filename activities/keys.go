package activities

import (
	"github.com/rcmbot/rcmbot/internal/claim"
)

// patientKeys maps each claim's patient key (what the store indexes and
// history rows carry) to the claim's own patient identity, so that stored
// lines of the same patient compare with the batch's claims in the scorer.
type patientKeys map[string]*claim.Claim

func (k patientKeys) add(t claim.Tagger, c *claim.Claim) string {
	key := claim.PatientKey(t, c)
	if _, ok := k[key]; !ok {
		k[key] = c
	}
	return key
}
