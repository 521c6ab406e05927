package x12

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The imsweb 999 samples (BSD-3-Clause, ../shared/x12-samples/imsweb).
func TestParse999Samples(t *testing.T) {
	doc, err := Parse999(readSample(t, "imsweb/837_5010/x12_999_accepted.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := Ack999{Control: "0001", GroupID: "HC", GroupControl: "17456", Version: "005010X223A2",
		Transactions: []TransactionAck{{Code: "837", Control: "0001", Version: "005010X223A2", Status: "A"}},
		Status:       "A", Included: 1, Received: 1, Accepted: 1}
	if len(doc.Acks) != 1 || !reflect.DeepEqual(doc.Acks[0], want) {
		t.Errorf("accepted 999: %+v", doc.Acks)
	}
	// The sample's IEA02 (000000001) does not match its ISA13 (000000286).
	if len(doc.Problems) != 1 || doc.Problems[0].Code != "001" || doc.Problems[0].Segment != 10 {
		t.Errorf("problems %v", doc.Problems)
	}

	doc, err = Parse999(readSample(t, "imsweb/837_5010/x12_999_rejected.txt"))
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("rejected 999: %v %v", err, doc.Problems)
	}
	want = Ack999{Control: "95832987", GroupID: "HC", GroupControl: "28", Version: "005010X223A2",
		Transactions: []TransactionAck{{Code: "837", Control: "0028", Status: "R", Errors: []string{"5"},
			Segments: []SegmentError{{ID: "NM", Position: 17, Code: "1"}}}},
		Status: "R", Included: 1, Received: 1, Accepted: 0}
	if len(doc.Acks) != 1 || !reflect.DeepEqual(doc.Acks[0], want) {
		t.Errorf("rejected 999:\n%+v\nwant\n%+v", doc.Acks[0], want)
	}
}

// TestAcknowledgeSound: a sound 837P gets an accepted 999 naming every
// transaction set, which round-trips through Write999/Parse999.
func TestAcknowledgeSound(t *testing.T) {
	data, man := write837(t, testEnvelope837(), demoClaims())
	ic, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	acks := Acknowledge(ic)
	if len(acks) != 1 || acks[0].Status != AckAccepted || acks[0].GroupControl != "1201" || acks[0].Accepted != 3 {
		t.Fatalf("acks %+v", acks)
	}
	for i, ta := range acks[0].Transactions {
		if ta.Control != man.Transactions[i].Control || ta.Status != AckAccepted || ta.Code != "837" || ta.Version != Version837P {
			t.Errorf("transaction ack %+v", ta)
		}
	}
	var buf bytes.Buffer
	env := testEnvelope()
	env.SenderID, env.ReceiverID = "CLEARHOUSE", "RCMBOT01"
	if err := Write999(&buf, env, acks); err != nil {
		t.Fatal(err)
	}
	golden(t, "accepted.999", buf.Bytes())
	back, err := Parse999(buf.Bytes())
	if err != nil || len(back.Problems) > 0 {
		t.Fatalf("%v %v", err, back.Problems)
	}
	back.Acks[0].Control = ""
	if !reflect.DeepEqual(back.Acks, acks) {
		t.Errorf("round trip:\n%+v\n%+v", back.Acks, acks)
	}
}

// TestAcknowledgeBroken: a damaged 837P is partially accepted: the broken
// transaction sets are rejected with the right IK3/IK5 codes, the rest
// accepted.
func TestAcknowledgeBroken(t *testing.T) {
	data, _ := write837(t, testEnvelope837(), demoClaims())
	text := string(data)
	// Set 0001: a wrong segment count. Set 0002: SE02 differs from ST02
	// and a segment ID is garbage. Set 0003 stays sound. GE01 says 4.
	text = strings.Replace(text, "SE*38*0001~", "SE*37*0001~", 1)
	text = strings.Replace(text, "*0002~GE*", "*0002~GE*", 1)
	i := strings.Index(text, "ST*837*0002")
	j := strings.Index(text[i:], "SE*") + i
	text = text[:j] + strings.Replace(text[j:], "*0002~", "*0099~", 1)
	text = strings.Replace(text, "HI*ABK:J029~", "h1*ABK:J029~", 1)
	text = strings.Replace(text, "GE*3*1201~", "GE*4*1201~", 1)
	ic, err := Parse([]byte(text))
	if err == nil {
		t.Fatal("no envelope error")
	}
	acks := Acknowledge(ic)
	a := acks[0]
	if a.Status != AckRejected || !slices.Equal(a.Errors, []string{"5"}) || a.Included != 4 || a.Received != 3 || a.Accepted != 1 {
		t.Errorf("group ack %+v", a)
	}
	t1, t2, t3 := a.Transactions[0], a.Transactions[1], a.Transactions[2]
	if t1.Status != AckRejected || !slices.Equal(t1.Errors, []string{"4"}) {
		t.Errorf("set 0001: %+v", t1)
	}
	if t2.Status != AckRejected || !slices.Equal(t2.Errors, []string{"3", "5"}) || len(t2.Segments) != 1 ||
		t2.Segments[0].ID != "h1" || t2.Segments[0].Code != "1" || t2.Segments[0].Position != 34 {
		t.Errorf("set 0002: %+v", t2)
	}
	if t3.Status != AckAccepted {
		t.Errorf("set 0003: %+v", t3)
	}
	// Without the GE problem the group is partially accepted.
	text = strings.Replace(text, "GE*4*1201~", "GE*3*1201~", 1)
	ic, _ = Parse([]byte(text))
	if a := Acknowledge(ic)[0]; a.Status != AckPartial || a.Accepted != 1 {
		t.Errorf("partial: %+v", a)
	}
	var buf bytes.Buffer
	if err := Write999(&buf, testEnvelope(), Acknowledge(ic)); err != nil {
		t.Fatal(err)
	}
	golden(t, "partial.999", buf.Bytes())
	for _, seg := range []string{"AK1*HC*1201*005010X222A1~", "AK2*837*0001*005010X222A1~IK5*R*4~",
		"AK2*837*0002*005010X222A1~IK3*h1*34**1~IK5*R*3*5~", "AK2*837*0003*005010X222A1~IK5*A~", "AK9*P*3*3*1~"} {
		if !strings.Contains(buf.String(), seg) {
			t.Errorf("999 lacks %s:\n%s", seg, buf.String())
		}
	}
}

// TestWrite999Details: IK3 with CTX and IK4 composites, written and read back.
func TestWrite999Details(t *testing.T) {
	acks := []Ack999{{GroupID: "HC", GroupControl: "77", Version: Version837P, Status: AckRejected, Included: 1, Received: 1,
		Errors: []string{"5"},
		Transactions: []TransactionAck{{Code: "837", Control: "0001", Version: Version837P, Status: AckRejected, Errors: []string{"5"},
			Segments: []SegmentError{{ID: "NM1", Position: 9, Loop: "2010AA", Code: "8",
				Context:  []ErrorContext{{Name: "CLM01", Reference: "PCN1001"}, {Name: "SITUATIONAL TRIGGER", SegmentID: "CLM", Position: "20", Loop: "2300", Element: "5"}},
				Elements: []ElementError{{Position: 9, Reference: "67", Code: "7", Value: "123"}, {Position: 1, Component: 2, Repetition: 1, Code: "6"}}}}}}}}
	var buf bytes.Buffer
	if err := Write999(&buf, testEnvelope(), acks); err != nil {
		t.Fatal(err)
	}
	for _, seg := range []string{"IK3*NM1*9*2010AA*8~CTX*CLM01:PCN1001~CTX*SITUATIONAL TRIGGER*CLM*20*2300*5~IK4*9*67*7*123~IK4*1:2:1**6~IK5*R*5~AK9*R*1*1*0*5~"} {
		if !strings.Contains(buf.String(), seg) {
			t.Errorf("999 lacks %s:\n%s", seg, buf.String())
		}
	}
	doc, err := Parse999(buf.Bytes())
	if err != nil || len(doc.Problems) > 0 {
		t.Fatal(err, doc.Problems)
	}
	doc.Acks[0].Control = ""
	if !reflect.DeepEqual(doc.Acks, acks) {
		t.Errorf("round trip:\n%+v\n%+v", doc.Acks, acks)
	}
	if err := Write999(&bytes.Buffer{}, testEnvelope(), []Ack999{{GroupID: "HC"}}); err == nil {
		t.Error("incomplete ack written")
	}
}

// The imsweb 837 samples are acknowledged with the codes their defects
// call for. (Even x12_valid.txt has SE01 = 25 for 34 segments; pyx12
// counts the same.)
func TestAcknowledgeSamples(t *testing.T) {
	for _, tc := range []struct {
		file   string
		status string
		codes  []string // IK5 codes of the first transaction set
	}{
		{"imsweb/837_5010/x12_valid.txt", AckRejected, []string{"4"}},
		{"imsweb/837_5010/x12_multiple_st.txt", AckRejected, []string{"4"}},
		{"imsweb/837_5010/x12_bad_segment_identifier.txt", AckRejected, []string{"4", "5"}},
		{"lfh/837_005010X222A2/demo.example1.837", AckAccepted, nil},
	} {
		ic, err := Parse(readSample(t, tc.file))
		if ic == nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		acks := Acknowledge(ic)
		if len(acks) == 0 {
			t.Errorf("%s: no acks", tc.file)
			continue
		}
		if acks[0].Status != tc.status || !slices.Equal(acks[0].Transactions[0].Errors, tc.codes) {
			t.Errorf("%s: status %s %v, want %s %v (problems %v)", tc.file, acks[0].Status, acks[0].Transactions[0].Errors, tc.status, tc.codes, ic.Problems)
		}
		if err := Write999(&bytes.Buffer{}, testEnvelope(), acks); err != nil {
			t.Errorf("%s: %v", tc.file, err)
		}
	}
}
