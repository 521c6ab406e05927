package eligibility

import (
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
)

// Validate says what a one-off request lacks or gets wrong, for the person
// who wrote it (the web form, an API call or the command line), as a
// fault.Invalid error naming fields, never values. It trims the text
// fields first. today is the practice's date; known reports whether a
// payer ID is in the payer directory (nil: not checked). The web app, the
// REST API and the CLI all go through the eligibility bot's front door,
// which calls this once: one place, one wording.
func (r *Request) Validate(today claim.Date, known func(payerID string) bool) error {
	for _, f := range []*string{&r.PayerID, &r.MemberID, &r.LastName, &r.FirstName, &r.ProviderNPI, &r.ProviderName} {
		*f = strings.TrimSpace(*f)
	}
	var missing []string
	for _, f := range []struct{ v, name string }{{r.PayerID, "payer"}, {r.MemberID, "member ID"}, {r.LastName, "last name"}, {r.FirstName, "first name"}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if r.DOB.IsZero() {
		missing = append(missing, "date of birth")
	}
	if r.DateOfService.IsZero() {
		missing = append(missing, "date of service")
	}
	switch {
	case len(missing) > 0:
		return fault.Errorf(fault.Invalid, "Fill in the %s, then check again.", strings.Join(missing, ", "))
	case !today.IsZero() && r.DOB > today:
		return fault.Errorf(fault.Invalid, "The date of birth is in the future. Check it and try again.")
	case r.DateOfService < r.DOB:
		return fault.Errorf(fault.Invalid, "The date of service is before the date of birth. Check both dates.")
	case known != nil && !known(r.PayerID):
		return fault.Errorf(fault.Invalid, "Payer %q is not in the payer directory: pick one from the list, or use a payer ID from payers.yaml.", r.PayerID)
	}
	return nil
}
