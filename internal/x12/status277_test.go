package x12

import (
	"bytes"
	"errors"
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

	// A 277 claim status response (X212) is not a 277CA: the imsweb one
	// and the LinuxForHealth ones with statuses at the information
	// receiver and billing provider levels (Apache-2.0, ../shared/x12-samples/lfh).
	for _, name := range []string{"imsweb/277_5010/x12_277_x212.txt", "lfh/277_005010X212/information-receiver-level-status.277",
		"lfh/277_005010X212/provider-level-status.277", "lfh/277_005010X212/claim-level-status.277"} {
		data := readSample(t, name)
		if doc, err := Parse277CA(data); !errors.Is(err, ErrClaimStatus277) || doc != nil {
			t.Errorf("%s: %v, want ErrClaimStatus277", name, err)
		}
		// Without its X212 version, the subscriber level (HL 22) still says so.
		if !bytes.Contains(data, []byte("**22*")) {
			continue
		}
		if _, err := Parse277CA(bytes.ReplaceAll(data, []byte("005010X212"), []byte(Version277CA))); !errors.Is(err, ErrClaimStatus277) {
			t.Errorf("%s relabelled X214: %v, want ErrClaimStatus277", name, err)
		}
		if desc, err := Describe(data); err != nil || desc.Transaction != "277" {
			t.Errorf("%s: describe %v", name, err)
		} else if _, ok := desc.Document.(*GenericDocument); !ok {
			t.Errorf("%s: described as %T, want the generic segments", name, desc.Document)
		}
	}
}

func TestCategoryOutcome(t *testing.T) {
	for cat, want := range map[string]Outcome{"A0": OutcomePending, "A1": OutcomePending, "A2": OutcomeAccepted, "A5": OutcomeSplit,
		"A3": OutcomeRejected, "A4": OutcomeRejected, "A6": OutcomeRejected, "A7": OutcomeRejected, "A8": OutcomeRejected,
		"P1": OutcomeUnknown, "E0": OutcomeUnknown, "": OutcomeUnknown} {
		if got := CategoryOutcome(cat); got != want {
			t.Errorf("%q: %s, want %s", cat, got, want)
		}
	}
	st := func(cats ...string) []Status277 {
		var out []Status277
		for _, c := range cats {
			out = append(out, Status277{StatusCode: StatusCode{Category: c}})
		}
		return out
	}
	for _, tc := range []struct {
		cats []string
		want Outcome
		by   string
	}{
		{nil, OutcomeUnknown, ""}, {[]string{"ZZ"}, OutcomeUnknown, "ZZ"}, {[]string{"ZZ", "A1"}, OutcomePending, "A1"},
		{[]string{"A1", "A2"}, OutcomeAccepted, "A2"}, {[]string{"A5", "A1"}, OutcomeSplit, "A5"}, {[]string{"A2", "A7", "A1"}, OutcomeRejected, "A7"},
	} {
		got, by := outcomeOf(st(tc.cats...))
		if got != tc.want || (by == nil) != (tc.by == "") || (by != nil && by.Category != tc.by) {
			t.Errorf("%v: %s by %+v, want %s by %s", tc.cats, got, by, tc.want, tc.by)
		}
	}
	// STC10/STC11 count: an accepted STC01 with a rejecting STC10 rejects.
	c := ClaimStatus277{Statuses: []Status277{{StatusCode: StatusCode{Category: "A2"}, More: []StatusCode{{Category: "A6", Code: "35"}}}}}
	if c.Outcome() != OutcomeRejected {
		t.Errorf("STC10 A6: %s", c.Outcome())
	}
}

// TestAcknowledgements applies the imsweb 277CA samples (BSD-3-Clause) to
// the claims of the 837 they answer, as read, and with the information
// receiver's and the billing provider's STC turned into rejections (the
// public 277CA samples reject only at claim level).
func TestAcknowledgements(t *testing.T) {
	accepted := readSample(t, "imsweb/277_5010/x12_277CA_accepted.txt")
	// 5781 is the claim the sample lists (BHT03 000000674, billing NPI
	// 1234567890); the 837 also carried a claim of the same provider the
	// 277CA does not list, one of another provider and one of another
	// transaction set (another BHT03).
	sent := []Claim837Summary{{ClaimID: "5781", Reference: "000000674", BillingNPI: "1234567890"},
		{ClaimID: "UNLISTED", Reference: "000000674", BillingNPI: "1234567890"},
		{ClaimID: "OTHERNPI", Reference: "000000674", BillingNPI: "1234567893"},
		{ClaimID: "OTHERSET", Reference: "000000999", BillingNPI: "1234567890"}}
	apply := func(t *testing.T, data []byte) map[string]Acknowledgement {
		t.Helper()
		doc, err := Parse277CA(data)
		if err != nil || len(doc.Problems) > 0 {
			t.Fatalf("%v %v", err, doc.Problems)
		}
		out := map[string]Acknowledgement{}
		for _, a := range doc.Acknowledgements(sent) {
			if _, dup := out[a.ClaimID]; dup {
				t.Errorf("claim %s acknowledged twice", a.ClaimID)
			}
			out[a.ClaimID] = a
		}
		return out
	}
	type want struct {
		outcome  Outcome
		level    AckLevel
		category string
	}
	check := func(t *testing.T, got map[string]Acknowledgement, wants map[string]want) {
		t.Helper()
		if len(got) != len(wants) {
			t.Errorf("%d acknowledgements %+v, want %d", len(got), got, len(wants))
		}
		for id, w := range wants {
			a := got[id]
			if a.Outcome != w.outcome || a.Level != w.level || a.Status.Category != w.category {
				t.Errorf("claim %s: %+v, want %+v", id, a, w)
			}
		}
	}

	t.Run("as published: receiver A1 does not decide the claim's A2", func(t *testing.T) {
		got := apply(t, accepted)
		check(t, got, map[string]want{"5781": {OutcomeAccepted, AckClaim, "A2"}})
		if got["5781"].PayerClaimNumber != "1107000000014420" {
			t.Errorf("payer claim number %q", got["5781"].PayerClaimNumber)
		}
	})
	t.Run("claim-level rejection", func(t *testing.T) {
		got := apply(t, readSample(t, "imsweb/277_5010/x12_277CA_rejected.txt"))
		check(t, got, map[string]want{"3920394930203": {OutcomeRejected, AckClaim, "A7"}})
		if got["3920394930203"].Status.Code != "562" {
			t.Errorf("status %+v", got["3920394930203"].Status)
		}
	})
	t.Run("information receiver rejection applies to its transaction set", func(t *testing.T) {
		data := replaceOnce(t, accepted, "STC*A1:20*20110311*WQ*125.0", "STC*A3:24:41*20110311*U*125.0")
		check(t, apply(t, data), map[string]want{"5781": {OutcomeRejected, AckReceiver, "A3"},
			"UNLISTED": {OutcomeRejected, AckReceiver, "A3"}, "OTHERNPI": {OutcomeRejected, AckReceiver, "A3"}})
		// A TRN02 that names no sent transaction set: the whole interchange.
		data = replaceOnce(t, data, "TRN*2*000000674", "TRN*2*NOTSENT")
		check(t, apply(t, data), map[string]want{"5781": {OutcomeRejected, AckReceiver, "A3"},
			"UNLISTED": {OutcomeRejected, AckReceiver, "A3"}, "OTHERNPI": {OutcomeRejected, AckReceiver, "A3"},
			"OTHERSET": {OutcomeRejected, AckReceiver, "A3"}})
	})
	t.Run("billing provider rejection applies to the provider's claims", func(t *testing.T) {
		data := replaceOnce(t, accepted, "TRN*1*1107000000000135FF", "TRN*1*1107000000000135FF~\nSTC*A7:562:85**U*125")
		data = replaceOnce(t, data, "SE*23*", "SE*24*")
		check(t, apply(t, data), map[string]want{"5781": {OutcomeRejected, AckProvider, "A7"},
			"UNLISTED": {OutcomeRejected, AckProvider, "A7"}})
	})
	t.Run("pending, split and unknown categories", func(t *testing.T) {
		for cat, w := range map[string]want{"A1": {OutcomePending, AckClaim, "A1"}, "A0": {OutcomePending, AckClaim, "A0"},
			"A5": {OutcomeSplit, AckClaim, "A5"}, "A4": {OutcomeRejected, AckClaim, "A4"}, "R9": {OutcomeUnknown, AckClaim, "R9"}} {
			check(t, apply(t, replaceOnce(t, accepted, "STC*A2:20", "STC*"+cat+":20")), map[string]want{"5781": w})
		}
	})
}

// replaceOnce replaces the one occurrence of old in a sample.
func replaceOnce(t *testing.T, data []byte, old, repl string) []byte {
	t.Helper()
	if n := bytes.Count(data, []byte(old)); n != 1 {
		t.Fatalf("sample holds %q %d times, want once", old, n)
	}
	return bytes.Replace(data, []byte(old), []byte(repl), 1)
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
