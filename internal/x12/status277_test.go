package x12

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// The imsweb 277 samples (BSD-3-Clause, ../shared/x12-samples/imsweb).
func TestParse277CASamples(t *testing.T) {
	doc, err := Parse277CA(readSample(t, "imsweb/277_5010/x12_277CA_accepted.txt"))
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	r := doc.Reports[0]
	if r.Reference != "000000674" || r.Payer.Name != "NYSDOH" || r.Payer.IDQualifier != "FI" || r.PayerTrace != "000014420" ||
		r.Received != d("2011-03-11") || r.Processed != d("2011-03-11") || r.Receiver.ID != "ETIN" || r.ReceiverTrace != "000000674" {
		t.Errorf("report header %+v", r)
	}
	if len(r.ReceiverStatus) != 1 || r.ReceiverStatus[0].StatusCode != (StatusCode{Category: "A1", Code: "20"}) ||
		*r.ReceiverStatus[0].Amount != *money("125") || r.ReceiverStatus[0].Action != "WQ" {
		t.Errorf("receiver status %+v", r.ReceiverStatus)
	}
	if r.Totals == nil || *r.Totals != (Totals277{Accepted: 1, AcceptedAmount: 12500}) {
		t.Errorf("totals %+v", r.Totals)
	}
	claims := r.Claims()
	if len(claims) != 1 {
		t.Fatalf("%d claims", len(claims))
	}
	c := claims[0]
	if c.PatientControlNumber != "5781" || c.Outcome() != OutcomeAccepted || c.Charge() != 12500 || c.Ref("1K") != "1107000000014420" ||
		c.Patient.ID != "LL99999X" || r.Providers[0].Entity.ID != "1234567890" || r.Providers[0].Trace != "1107000000000135FF" {
		t.Errorf("claim %+v", c)
	}

	// The rejected sample uses | as component separator: STC*A7|562|85.
	doc, err = Parse277CA(readSample(t, "imsweb/277_5010/x12_277CA_rejected.txt"))
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	c = doc.Reports[0].Claims()[0]
	if c.PatientControlNumber != "3920394930203" || c.Outcome() != OutcomeRejected ||
		c.Statuses[0].StatusCode != (StatusCode{Category: "A7", Code: "562", Entity: "85"}) || c.Ref("BLT") != "731" ||
		len(c.Dates) != 1 || c.Dates[0].From != d("2009-03-11") {
		t.Errorf("rejected claim %+v", c)
	}

	// A 277 claim status response (X212) reads through the same model:
	// eight claims under subscriber levels, received (A1), with messages.
	doc, err = Parse277CA(readSample(t, "imsweb/277_5010/x12_277_x212.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Problems) != 1 || doc.Problems[0].Code != "001" {
		t.Errorf("problems %v (the sample's IEA02 does not match ISA13)", doc.Problems)
	}
	claims = doc.Reports[0].Claims()
	if len(claims) != 8 {
		t.Fatalf("%d claims, want 8", len(claims))
	}
	for _, c := range claims {
		if c.Outcome() != OutcomeReceived || c.Statuses[0].Message != "PAYER ACKNOWLEDGED RECEIPT OF THE CLAIM" || c.Ref("EJ") == "" {
			t.Errorf("X212 claim %+v", c)
		}
	}
	if claims[7].PatientControlNumber != "0000008" || claims[7].Dates[0].Format != "RD8" || claims[7].Charge() != 10000 {
		t.Errorf("last claim %+v", claims[7])
	}
}

// demoReport acknowledges the demo 837P: PCN1001 accepted with a payer
// claim number, PCN1002 rejected for an invalid member ID with two more
// status codes, PCN2001 rejected at line level.
func demoReport() Report277CA {
	return Report277CA{
		Reference: "BATCH20260302A", Payer: Entity277{EntityID: "AY", EntityType: "2", Name: "EXAMPLE CLEARINGHOUSE", IDQualifier: "46", ID: "CLEARHOUSE"},
		PayerTrace: "CH-20260303-1", Received: d("2026-03-02"), Processed: d("2026-03-03"),
		Receiver:       Entity277{EntityID: "41", EntityType: "2", Name: "RIVERSIDE BILLING OFFICE", IDQualifier: "46", ID: "RCMBOT01"},
		ReceiverTrace:  "BATCH20260302A",
		ReceiverStatus: []Status277{{StatusCode: StatusCode{Category: "A1", Code: "19", Entity: "PR"}, Date: d("2026-03-03"), Action: "WQ", Amount: money("1434.40")}},
		Providers: []Provider277{
			{Entity: Entity277{EntityID: "85", EntityType: "2", Name: "RIVERSIDE FAMILY MEDICINE PA", IDQualifier: "XX", ID: npiRiverside}, Trace: "0002",
				Statuses: []Status277{{StatusCode: StatusCode{Category: "A1", Code: "19", Entity: "85"}, Action: "WQ", Amount: money("428.25")}},
				Claims: []ClaimStatus277{
					{Patient: Entity277{EntityID: "QC", EntityType: "1", Name: "GONZALEZ", First: "MARIA", IDQualifier: "MI", ID: "W123456789"},
						PatientControlNumber: "PCN1001",
						Statuses:             []Status277{{StatusCode: StatusCode{Category: "A2", Code: "20", Entity: "PR"}, Date: d("2026-03-03"), Action: "WQ", Amount: money("283.25")}},
						Refs:                 []Ref{{Qualifier: "1K", ID: "26062000123"}, {Qualifier: "D9", ID: "CH778899"}},
						Dates:                []DateRef{{Qualifier: "472", Format: "D8", Value: "20260210", From: d("2026-02-10"), To: d("2026-02-10")}}},
					{Patient: Entity277{EntityID: "QC", EntityType: "1", Name: "GONZALEZ", First: "MARIA", IDQualifier: "MI", ID: "W123456789"},
						PatientControlNumber: "PCN1002",
						Statuses: []Status277{{StatusCode: StatusCode{Category: "A7", Code: "164", Entity: "IL"}, Date: d("2026-03-03"), Action: "U", Amount: money("145"),
							More: []StatusCode{{Category: "A7", Code: "33", Entity: "IL"}, {Category: "A6", Code: "35"}}, Message: "SUBSCRIBER ID NOT FOUND"}},
						Dates: []DateRef{{Qualifier: "472", Format: "D8", Value: "20260217", From: d("2026-02-17"), To: d("2026-02-17")}}},
				}},
			{Entity: Entity277{EntityID: "85", EntityType: "2", Name: "LAKESIDE ORTHOPEDICS", IDQualifier: "XX", ID: npiLakeside}, Trace: "0001",
				Statuses: []Status277{{StatusCode: StatusCode{Category: "A1", Code: "19", Entity: "85"}, Action: "WQ", Amount: money("596.15")}},
				Claims: []ClaimStatus277{{Patient: Entity277{EntityID: "QC", EntityType: "1", Name: "WHITFIELD", First: "JAMES", IDQualifier: "MI", ID: "1EG4TE5MK72"},
					PatientControlNumber: "PCN2001",
					Statuses:             []Status277{{StatusCode: StatusCode{Category: "A3", Code: "21", Entity: "85"}, Date: d("2026-03-03"), Action: "U", Amount: money("596.15")}},
					Dates:                []DateRef{{Qualifier: "472", Format: "RD8", Value: "20260202-20260213", From: d("2026-02-02"), To: d("2026-02-13")}},
					Lines: []LineStatus277{{Procedure: Procedure271{Qualifier: "HC", Code: "J1100"}, Charge: 995, Units: "0.5",
						Statuses: []Status277{{StatusCode: StatusCode{Category: "A7", Code: "507", Entity: "85"}, Date: d("2026-03-03"), Action: "U"}},
						Refs:     []Ref{{Qualifier: "FJ", ID: "4"}},
						Dates:    []DateRef{{Qualifier: "472", Format: "D8", Value: "20260213", From: d("2026-02-13"), To: d("2026-02-13")}}}}}}},
		},
	}
}

func TestWrite277CARoundTrip(t *testing.T) {
	want := []Report277CA{demoReport()}
	var buf bytes.Buffer
	env := testEnvelope()
	env.SenderID, env.ReceiverID = "CLEARHOUSE", "RCMBOT01"
	if err := Write277CA(&buf, env, want); err != nil {
		t.Fatal(err)
	}
	golden(t, "demo.277", buf.Bytes())
	text := buf.String()
	for _, seg := range []string{
		"ST*277*0001*005010X214~BHT*0085*08*BATCH20260302A*20260302*1405*TH~HL*1**20*1~NM1*AY*2*EXAMPLE CLEARINGHOUSE*****46*CLEARHOUSE~TRN*1*CH-20260303-1~DTP*050*D8*20260302~DTP*009*D8*20260303~",
		"HL*2*1*21*1~NM1*41*2*RIVERSIDE BILLING OFFICE*****46*RCMBOT01~TRN*2*BATCH20260302A~STC*A1:19:PR*20260303*WQ*1434.4~QTY*90*1~QTY*AA*2~AMT*YU*283.25~AMT*YY*741.15~",
		"HL*3*2*19*1~NM1*85*2*RIVERSIDE FAMILY MEDICINE PA*****XX*1234567893~TRN*1*0002~STC*A1:19:85**WQ*428.25~QTY*QA*1~QTY*QC*1~AMT*YU*283.25~AMT*YY*145~",
		"HL*4*3*PT~NM1*QC*1*GONZALEZ*MARIA****MI*W123456789~TRN*2*PCN1001~STC*A2:20:PR*20260303*WQ*283.25~REF*1K*26062000123~REF*D9*CH778899~DTP*472*D8*20260210~",
		"STC*A7:164:IL*20260303*U*145******A7:33:IL*A6:35*SUBSCRIBER ID NOT FOUND~",
		"SVC*HC:J1100*9.95*****0.5~STC*A7:507:85*20260303*U~REF*FJ*4~DTP*472*D8*20260213~",
	} {
		if !strings.Contains(text, seg) {
			t.Errorf("277CA lacks %s", seg)
		}
	}
	doc, err := Parse277CA(buf.Bytes())
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	// Totals are computed by the writer and read back by the parser.
	want[0].Totals = &Totals277{Accepted: 1, Rejected: 2, AcceptedAmount: 28325, RejectedAmount: 74115}
	want[0].Providers[0].Totals = &Totals277{Accepted: 1, Rejected: 1, AcceptedAmount: 28325, RejectedAmount: 14500}
	want[0].Providers[1].Totals = &Totals277{Rejected: 1, RejectedAmount: 59615}
	got := doc.Reports
	got[0].Control = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", got, want)
	}
	outcomes := map[string]Outcome{}
	for _, c := range got[0].Claims() {
		outcomes[c.PatientControlNumber] = c.Outcome()
	}
	if !reflect.DeepEqual(outcomes, map[string]Outcome{"PCN1001": OutcomeAccepted, "PCN1002": OutcomeRejected, "PCN2001": OutcomeRejected}) {
		t.Errorf("outcomes %v", outcomes)
	}
	bad := demoReport()
	bad.Providers[0].Claims[0].PatientControlNumber = ""
	if err := Write277CA(&bytes.Buffer{}, env, []Report277CA{bad}); err == nil {
		t.Error("claim without patient control number written")
	}
}
