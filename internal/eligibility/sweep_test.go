package eligibility

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Appointments of one patient at one payer share a check; family members
// under one subscriber ID, and a booking with other details on file, do
// not. Payers take turns in the plan.
func TestPlanSweepDedupesAndInterleaves(t *testing.T) {
	dob := claim.MustDate("1980-05-17")
	ap := func(id, payerID, member, last, first string, born claim.Date) Request {
		// The appointment's ID rides in the provider name, to print the plan.
		return Request{ProviderName: id, PayerID: payerID, MemberID: member, LastName: last, FirstName: first, DOB: born}
	}
	appts := []Request{
		ap("a1", "60054", "W1", "Okafor", "Ada", dob),
		ap("a2", "60054", "W1", " okafor ", "ADA", dob),                          // same patient, other spelling of case/space
		ap("a3", "60054", "W1", "Okafor", "Chidi", claim.MustDate("2015-02-01")), // dependent on the same policy
		ap("a4", "01112", "1EG4TE5MK73", "Brandt", "Lena", dob),
		ap("a5", "60054", "W2", "Vance", "Ida", dob),
		ap("a6", "87726", "W1", "Okafor", "Ada", dob), // same ID at another payer
	}
	var got []string
	for _, k := range PlanSweep(appts) {
		got = append(got, fmt.Sprintf("%s:%s:%d", appts[k.Index].ProviderName, k.PayerID, k.Appointments))
	}
	want := "a1:60054:2 a4:01112:1 a6:87726:1 a3:60054:1 a5:60054:1"
	if strings.Join(got, " ") != want {
		t.Errorf("plan %s\nwant %s", strings.Join(got, " "), want)
	}
}
