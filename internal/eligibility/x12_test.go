package eligibility

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/shareddata"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// samplesDir is the shared X12 samples (../shared/x12-samples).
func samplesDir(t *testing.T) string {
	t.Helper()
	return shareddata.Dir(t, "x12-samples")
}

func readSample(t *testing.T, name string, req *Request) *Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samplesDir(t), "lfh", "271_005010X279A1", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := FromX12(raw, req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func TestFromX12SubscriberSample(t *testing.T) {
	res := readSample(t, "subscriber-health-benefit-check.271", &Request{DateOfService: claim.MustDate("2006-05-01")})
	if res.Status != StatusActive || res.Format != "x12" || len(res.Raw) == 0 {
		t.Fatalf("status %s (%s)", res.Status, res.Reason)
	}
	if res.Payer != (Party{ID: "841610001", Name: "ABC COMPANY"}) || res.Provider.Name != "BONE AND JOIN CLINIC" {
		t.Errorf("payer %+v provider %+v", res.Payer, res.Provider)
	}
	if s := res.Subscriber; s.MemberID != "123456789" || s.LastName != "SMITH" || s.DOB != claim.MustDate("1963-05-19") || s.Sex != "M" {
		t.Errorf("subscriber %+v", s)
	}
	if res.Plan.Name != "GOLD 123 PLAN" || res.Plan.Begin != claim.MustDate("2006-01-01") || res.ControlNumber != "93175-012547" {
		t.Errorf("plan %+v control %q", res.Plan, res.ControlNumber)
	}
	// The co-pays are for service types 1, 33 ... 98: the office visit (98) fallback finds them; EB12 Y/N split them.
	money(t, "copay in", res.CoPay.InNetwork, "10.00")
	money(t, "copay out", res.CoPay.OutNetwork, "30.00")
	if res.PCP == nil || res.PCP.Name != "JONES" || res.PCP.FirstName != "MARCUS" || res.PCP.IDType != "SV" {
		t.Errorf("pcp %+v", res.PCP)
	}
	if len(res.Benefits) != 5 || len(res.Benefits[3].ServiceTypes) != 10 || res.Benefits[3].PlanCoverage != "GOLD 123 PLAN" {
		t.Errorf("benefits %+v", res.Benefits)
	}
}

func TestFromX12DependentSample(t *testing.T) {
	res := readSample(t, "dependent-health-benefit-check.271", &Request{FirstName: "Mary", ControlNumber: "93175-012547"})
	if res.Status != StatusActive || res.Patient == nil {
		t.Fatalf("status %s patient %+v", res.Status, res.Patient)
	}
	if p := res.Patient; p.FirstName != "MARY" || p.DOB != claim.MustDate("1998-10-14") || p.Relationship != "19" || p.MemberID != "" {
		t.Errorf("patient %+v", p)
	}
	if res.Subscriber.MemberID != "123456789" || res.Subscriber.FirstName != "JOHN" {
		t.Errorf("subscriber %+v", res.Subscriber)
	}
}

func TestFromX12ProviderRejection(t *testing.T) {
	res := readSample(t, "subscriber-health-benefit-check-error.271", &Request{})
	want := []AAAError{{Loop: "2100B", Code: "50", Description: "Provider Ineligible for Inquiries", FollowUp: "N",
		FollowUpDescription: "Resubmission Not Allowed"}}
	if res.Status != StatusError || !res.Status.Permanent() || !reflect.DeepEqual(res.Errors, want) {
		t.Errorf("status %s errors %+v", res.Status, res.Errors)
	}
}

// write271 renders res as a 271 interchange the way the simulator does.
func write271(t *testing.T, res *Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	env := x12.Envelope{SenderID: "60054", ReceiverID: "RCMBOT", InterchangeControl: 7, GroupControl: 7, TransactionControl: 1,
		Time: time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)}
	if err := x12.Write271(&buf, env, []x12.Eligibility271{X12ResponseOf(res)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The same answer reads the same whether it came as JSON or as X12.
func TestX12AndJSONAgree(t *testing.T) {
	req := &Request{DateOfService: claim.MustDate("2026-03-02"), ControlNumber: "123456789"}
	fromJSON := readJSON(t, "active_ppo.json", req)
	fromJSON.Plan.GroupName = ""    // JSON-only (REF*6P description)
	fromJSON.Benefits[15].Name = "" // the payer's own name for its own code Z9
	raw := write271(t, fromJSON)
	fromX12, err := FromX12(raw, req)
	if err != nil {
		t.Fatal(err)
	}
	fromX12.Raw, fromJSON.Raw, fromX12.Format, fromJSON.Format = nil, nil, "", ""
	if !reflect.DeepEqual(fromX12, fromJSON) {
		t.Errorf("X12 round trip differs:\n x12 %+v\njson %+v\n%s", fromX12, fromJSON, raw)
	}
	// Rejections and dependents round-trip too.
	for _, res := range []*Result{
		{ControlNumber: "000000001", Payer: Party{ID: "87726", Name: "UHC"}, Errors: []AAAError{{Loop: "2100A", Code: "42", FollowUp: "R"}}},
		{ControlNumber: "000000002", Payer: Party{ID: "87726", Name: "UHC"}, Provider: Party{ID: "1234567893", Name: "CLINIC"},
			Subscriber: Person{MemberID: "912003311", LastName: "TRENT", FirstName: "OSWALDO"}, Errors: []AAAError{{Loop: "2100C", Code: "75", FollowUp: "C"}}},
		{ControlNumber: "000000003", Payer: Party{ID: "87726", Name: "UHC"}, Provider: Party{ID: "1234567893", Name: "CLINIC"},
			Subscriber: Person{MemberID: "912003311", LastName: "TRENT", FirstName: "OSWALDO", GroupNumber: "G1"},
			Patient:    &Person{LastName: "TRENT", FirstName: "ADA", DOB: claim.MustDate("2015-06-01"), Relationship: "19"},
			Benefits:   []Benefit{{Code: "1", ServiceTypes: []string{"30"}}}},
	} {
		r := &Request{FirstName: "ADA", ControlNumber: res.ControlNumber}
		res.finish(r)
		back, err := FromX12(write271(t, res), r)
		if err != nil {
			t.Fatal(err)
		}
		back.Raw, back.Format = nil, ""
		res.Plan.GroupNumber = res.Subscriber.GroupNumber
		if !reflect.DeepEqual(back, res) {
			t.Errorf("round trip:\n got %+v\nwant %+v", back, res)
		}
	}
}

func FuzzFromX12(f *testing.F) {
	for _, name := range []string{"subscriber-health-benefit-check.271", "dependent-health-benefit-check.271", "subscriber-health-benefit-check-error.271"} {
		if d, ok := shareddata.Find("x12-samples"); ok {
			if b, err := os.ReadFile(filepath.Join(d, "lfh", "271_005010X279A1", name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260301*2300*^*00501*000000007*0*T*:~GS*HB*A*B*20260301*2300*7*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*1*20260301*2300~HL*1**20*1~NM1*PR*2*P*****PI*1~HL*2*1*21*1~NM1*1P*2*C*****XX*1234567893~HL*3*2*22*0~TRN*2*1*9RCMBOT000~NM1*IL*1*A*B****MI*1~EB*C*IND*30***29*12.5*.2*VS*x*Y*Y~SE*11*0001~GE*1*7~IEA*1*000000007~"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := FromX12(b, &Request{ControlNumber: "1", FirstName: "B"})
		if err == nil && res.Status == "" {
			t.Fatal("no status")
		}
	})
}
