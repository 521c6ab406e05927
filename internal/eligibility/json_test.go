package eligibility

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func readJSON(t *testing.T, name string, req *Request) *Result {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := FromJSON(raw, req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if string(res.Raw) != string(raw) || res.Format != "json" {
		t.Fatalf("%s: raw response not kept", name)
	}
	return res
}

func money(t *testing.T, what string, got *claim.Money, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("%s = %s; want not stated", what, got)
		}
		return
	}
	if got == nil || got.String() != want {
		t.Errorf("%s = %v; want %s", what, got, want)
	}
}

func TestFromJSONActivePPO(t *testing.T) {
	req := &Request{PayerID: "60054", DateOfService: claim.MustDate("2026-03-02")}
	res := readJSON(t, "active_ppo.json", req)
	if res.Status != StatusActive || !res.MemberFound || !res.CoverageActive {
		t.Fatalf("status %s found %v active %v (%s)", res.Status, res.MemberFound, res.CoverageActive, res.Reason)
	}
	if res.Subscriber.MemberID != "W884412907" || res.Subscriber.DOB != claim.MustDate("1971-03-04") || res.Subscriber.LastName != "FAIRWEATHER" {
		t.Errorf("subscriber %+v", res.Subscriber)
	}
	p := res.Plan
	if p.Name != "OPEN ACCESS PPO" || p.Number != "PPO-2026-A" || p.GroupNumber != "0081234" || p.InsuranceType != "PR" ||
		p.Begin != claim.MustDate("2026-01-01") || p.End != claim.MustDate("2026-12-31") || p.EligibilityBegin != claim.MustDate("2019-06-01") {
		t.Errorf("plan %+v", p)
	}
	// Service type 30 was asked: no 30 co-pay, so the office visit (98) co-pays are the summary.
	money(t, "copay in", res.CoPay.InNetwork, "25.00")
	money(t, "copay out", res.CoPay.OutNetwork, "60.00")
	if ci := res.CoInsurance; ci.InNetwork == nil || *ci.InNetwork != 0.2 || ci.OutNetwork == nil || *ci.OutNetwork != 0.4 {
		t.Errorf("coinsurance %+v", ci)
	}
	d := res.Deductible
	money(t, "ded ind total in", d.IndividualTotal.InNetwork, "1500.00")
	money(t, "ded ind total out", d.IndividualTotal.OutNetwork, "3000.00")
	money(t, "ded ind remaining in", d.IndividualRemaining.InNetwork, "1123.45")
	money(t, "ded ind remaining out", d.IndividualRemaining.OutNetwork, "")
	money(t, "ded fam total in", d.FamilyTotal.InNetwork, "3000.00")
	money(t, "ded fam remaining in", d.FamilyRemaining.InNetwork, "2650.10")
	money(t, "oop ind total in", res.OutOfPocket.IndividualTotal.InNetwork, "6000.00")
	money(t, "oop ind remaining in", res.OutOfPocket.IndividualRemaining.InNetwork, "5210.00")
	if res.PCP == nil || res.PCP.Name != "OKAFOR" || res.PCP.ID != "1558365427" || res.PCP.IDType != "XX" {
		t.Errorf("pcp %+v", res.PCP)
	}
	if len(res.Benefits) != 17 {
		t.Fatalf("%d benefits; want all 17 kept", len(res.Benefits))
	}
	unknown := res.Benefits[15]
	if unknown.Code != "Z9" || unknown.PlanCoverage != "WELLNESS REWARDS" || BenefitName("Z9") != "" {
		t.Errorf("unknown EB01 code not kept as sent: %+v", unknown)
	}
	lim := res.Benefits[14]
	if lim.Quantity == nil || *lim.Quantity != 20 || lim.QuantityQualifier != "VS" ||
		!reflect.DeepEqual(lim.Dates, []BenefitDate{{Qualifier: "291", Start: claim.MustDate("2026-01-01"), End: claim.MustDate("2026-12-31")}}) {
		t.Errorf("limitation %+v", lim)
	}
	if res.Benefits[16].Procedure != "HC:99395" {
		t.Errorf("procedure %q", res.Benefits[16].Procedure)
	}
	if !reflect.DeepEqual(res.Messages, []string{"COPAY APPLIES TO PCP OFFICE VISITS"}) {
		t.Errorf("messages %q", res.Messages)
	}
}

func TestFromJSONServiceTypeChoosesFigures(t *testing.T) {
	req := &Request{DateOfService: claim.MustDate("2026-03-02"), ServiceTypes: []string{"86"}}
	res := readJSON(t, "active_ppo.json", req)
	// Emergency (86) co-pay is W: it applies in and out of network.
	money(t, "ER copay in", res.CoPay.InNetwork, "250.00")
	money(t, "ER copay out", res.CoPay.OutNetwork, "250.00")
	// No 86 deductible: plan coverage (30) is the fallback.
	money(t, "ded ind total in", res.Deductible.IndividualTotal.InNetwork, "1500.00")
}

func TestFromJSONCoverageDates(t *testing.T) {
	for dos, want := range map[string]Status{
		"2025-12-31": StatusInactive, // before the plan began
		"2026-01-01": StatusActive,
		"2026-12-31": StatusActive,
		"2027-01-01": StatusInactive, // after it ended
	} {
		res := readJSON(t, "active_ppo.json", &Request{DateOfService: claim.MustDate(dos)})
		if res.Status != want || res.MemberFound != true || res.CoverageActive != (want == StatusActive) {
			t.Errorf("DOS %s: %s active=%v; want %s", dos, res.Status, res.CoverageActive, want)
		}
	}
}

func TestFromJSONRejections(t *testing.T) {
	res := readJSON(t, "not_found.json", &Request{})
	if res.Status != StatusUnknownMember || !res.Status.Permanent() || res.MemberFound {
		t.Errorf("AAA 75: %s found=%v", res.Status, res.MemberFound)
	}
	if len(res.Errors) != 1 || res.Errors[0] != (AAAError{Loop: "2100C", Code: "75", Description: "Subscriber/Insured Not Found",
		FollowUp: "C", FollowUpDescription: "Please Correct and Resubmit"}) {
		t.Errorf("errors %+v", res.Errors)
	}
	if strings.Contains(res.Reason, "TRENT") || !strings.Contains(res.Reason, "75") {
		t.Errorf("reason %q", res.Reason)
	}
	res = readJSON(t, "unable.json", &Request{})
	if res.Status != StatusRetryLater || res.Status.Permanent() || res.Errors[0].FollowUp != "R" {
		t.Errorf("AAA 42: %s %+v", res.Status, res.Errors)
	}
}

func TestClassifyPrecedence(t *testing.T) {
	cases := []struct {
		name string
		res  Result
		want Status
	}{
		{"42 beats 72", Result{Errors: []AAAError{{Code: "72"}, {Code: "42"}}}, StatusRetryLater},
		{"72 invalid member", Result{Errors: []AAAError{{Code: "72"}}}, StatusUnknownMember},
		{"provider not on file", Result{Errors: []AAAError{{Code: "51"}}}, StatusError},
		{"unknown reject code", Result{Errors: []AAAError{{Code: "ZZ"}}}, StatusError},
		{"service-type reject with plan active", Result{Errors: []AAAError{{Loop: "2110C", Code: "53"}},
			Benefits: []Benefit{{Code: "1", ServiceTypes: []string{"30"}}}}, StatusActive},
		{"inactive", Result{Benefits: []Benefit{{Code: "6"}}}, StatusInactive},
		{"cannot process", Result{Benefits: []Benefit{{Code: "V"}}}, StatusError},
		{"empty", Result{}, StatusError},
	}
	for _, c := range cases {
		c.res.finish(&Request{})
		if c.res.Status != c.want {
			t.Errorf("%s: %s (%s); want %s", c.name, c.res.Status, c.res.Reason, c.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	req := &Request{DateOfService: claim.MustDate("2026-03-02")}
	res := readJSON(t, "active_ppo.json", req)
	b, err := json.Marshal(JSONResponseOf(res))
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromJSON(b, req)
	if err != nil {
		t.Fatal(err)
	}
	back.Raw, res.Raw = nil, nil
	if !reflect.DeepEqual(back, res) {
		t.Errorf("round trip changed the result:\n got %+v\nwant %+v", back, res)
	}
}

func TestNewJSONRequest(t *testing.T) {
	req := &Request{PayerID: "60054", TradingPartnerID: "AETNA", ProviderNPI: "1234567893", ProviderName: "RIVERSIDE",
		MemberID: "W1", FirstName: "Ann", LastName: "Lee", DOB: claim.MustDate("1980-05-17"),
		DateOfService: claim.MustDate("2026-03-02"), ControlNumber: "000000001"}
	j := NewJSONRequest(req)
	b, _ := json.Marshal(j)
	want := `{"controlNumber":"000000001","tradingPartnerServiceId":"AETNA","provider":{"organizationName":"RIVERSIDE","npi":"1234567893"},` +
		`"subscriber":{"memberId":"W1","firstName":"Ann","lastName":"Lee","dateOfBirth":"19800517"},"encounter":{"dateOfService":"20260302","serviceTypeCodes":["30"]}}`
	if string(b) != want {
		t.Errorf("request\n got %s\nwant %s", b, want)
	}
	back, err := RequestFromJSON(&j)
	if err != nil || back.DOB != req.DOB || back.DateOfService != req.DateOfService || back.PayerID != "AETNA" {
		t.Errorf("RequestFromJSON: %+v %v", back, err)
	}
	j.Subscriber.DateOfBirth = "1980-13-45"
	if _, err := RequestFromJSON(&j); err == nil || strings.Contains(err.Error(), "1980") {
		t.Errorf("bad DOB error %v must name the field, not the value", err)
	}
}

func TestFromJSONErrorsNameTheField(t *testing.T) {
	cases := map[string]string{
		`{"benefitsInformation":[{"code":"C","benefitAmount":"12x"}]}`:  "benefitsInformation[0].benefitAmount",
		`{"benefitsInformation":[{"code":"A","benefitPercent":"NaN"}]}`: "benefitsInformation[0].benefitPercent",
		`{"subscriber":{"dateOfBirth":"19711399"}}`:                     "subscriber.dateOfBirth",
		`{"planDateInformation":{"plan":"20260101-2026"}}`:              "planDateInformation.plan",
		`{"benefitsInformation":{}}`:                                    "benefitsInformation",
		`{"controlNumber": `:                                            "not JSON",
	}
	for body, want := range cases {
		_, err := FromJSON([]byte(body), &Request{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FromJSON(%s) = %v; want an error naming %s", body, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "19711399") {
			t.Errorf("error leaks the date of birth: %v", err)
		}
	}
}

func FuzzFromJSON(f *testing.F) {
	for _, name := range []string{"active_ppo.json", "not_found.json", "unable.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"dependents":[{}],"planStatus":[{"statusCode":"6"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := FromJSON(b, &Request{DateOfService: claim.MustDate("2026-03-02"), FirstName: "X"})
		if err != nil {
			return
		}
		switch res.Status {
		case StatusActive, StatusInactive, StatusUnknownMember, StatusRetryLater, StatusError:
		default:
			t.Fatalf("status %q", res.Status)
		}
		if res.Status == StatusActive && !res.CoverageActive {
			t.Fatal("active without coverage")
		}
	})
}
