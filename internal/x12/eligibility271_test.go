package x12

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func money(s string) *claim.Money {
	m, err := claim.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return &m
}

// The LinuxForHealth 271 samples (Apache-2.0, ../shared/x12-samples/lfh).
func TestParse271Samples(t *testing.T) {
	doc, err := Parse271(readSample(t, "lfh/271_005010X279A1/subscriber-health-benefit-check.271"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Problems) > 0 {
		t.Errorf("problems: %v", doc.Problems)
	}
	r := doc.Responses[0]
	if r.Purpose != "11" || r.Reference != "10001234" || r.Control != "4321" || len(r.Sources) != 1 {
		t.Fatalf("response header %+v", r)
	}
	src := r.Sources[0]
	if src.Entity.EntityID != "PR" || src.Entity.Name != "ABC COMPANY" || src.Entity.ID != "841610001" {
		t.Errorf("source %+v", src.Entity)
	}
	rcv := src.Receivers[0]
	if rcv.Entity.EntityID != "1P" || rcv.Entity.IDQualifier != "SV" || rcv.Entity.ID != "2000035" {
		t.Errorf("receiver %+v", rcv.Entity)
	}
	sub := &rcv.Subscribers[0]
	if sub.MemberID() != "123456789" || sub.Entity.Name != "SMITH" || sub.Entity.First != "JOHN" ||
		sub.DOB != d("1963-05-19") || sub.Sex != "M" || sub.Entity.Address == nil || sub.Entity.Address.Zip != "64108" {
		t.Errorf("subscriber %+v", sub)
	}
	if len(sub.Traces) != 1 || sub.Traces[0] != (Trace{Type: "2", Number: "93175-012547", Originator: "9877281234"}) {
		t.Errorf("traces %+v", sub.Traces)
	}
	if doc.Trace("93175-012547") != sub || doc.Trace("nope") != nil {
		t.Error("Trace lookup")
	}
	if len(sub.Dates) != 1 || sub.Dates[0].Qualifier != "346" || sub.Dates[0].From != d("2006-01-01") {
		t.Errorf("dates %+v", sub.Dates)
	}
	eb := sub.Benefits
	if len(eb) != 5 {
		t.Fatalf("%d benefits, want 5", len(eb))
	}
	if eb[0].Info != "1" || !slices.Equal(eb[0].ServiceTypes, []string{"30"}) || eb[0].Plan != "GOLD 123 PLAN" {
		t.Errorf("EB1: %+v", eb[0])
	}
	if eb[1].Info != "L" || len(eb[1].Entities) != 1 || eb[1].Entities[0].EntityID != "P3" || eb[1].Entities[0].Name != "JONES" {
		t.Errorf("EB L with PCP: %+v", eb[1])
	}
	wantTypes := []string{"1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"}
	for i, net := range map[int]string{3: "Y", 4: "N"} {
		b := eb[i]
		want := map[string]string{"Y": "10", "N": "30"}[net]
		if b.Info != "B" || !slices.Equal(b.ServiceTypes, wantTypes) || b.InsuranceType != "HM" || b.Period != "27" ||
			b.Amount == nil || *b.Amount != *money(want) || b.InNetwork != net {
			t.Errorf("EB B %s network: %+v", net, b)
		}
	}

	dep, err := Parse271(readSample(t, "lfh/271_005010X279A1/dependent-health-benefit-check.271"))
	if err != nil || len(dep.Problems) > 0 {
		t.Fatalf("dependent sample: %v %v", err, dep.Problems)
	}
	s := &dep.Responses[0].Sources[0].Receivers[0].Subscribers[0]
	if len(s.Dependents) != 1 || len(s.Benefits) != 0 {
		t.Fatalf("subscriber with %d dependents, %d benefits", len(s.Dependents), len(s.Benefits))
	}
	child := &s.Dependents[0]
	if child.Entity.EntityID != "03" || child.Entity.First != "MARY" || child.DOB != d("1998-10-14") || child.Relationship() != "19" ||
		len(child.Benefits) != 5 || dep.Trace("93175-012547") != child {
		t.Errorf("dependent %+v", child)
	}

	// The error sample: AAA*Y**50*N at the receiver level (provider
	// ineligible), and an SE02 that does not match ST02: reported, not fatal.
	bad, err := Parse271(readSample(t, "lfh/271_005010X279A1/subscriber-health-benefit-check-error.271"))
	if err != nil {
		t.Fatal(err)
	}
	rc := bad.Responses[0].Sources[0].Receivers[0]
	if len(rc.Rejections) != 1 || rc.Rejections[0] != (Rejection{Valid: "Y", Reason: "50", FollowUp: "N"}) || len(rc.Subscribers) != 0 {
		t.Errorf("receiver rejection %+v", rc)
	}
	if len(bad.Problems) != 1 || bad.Problems[0].Code != "3" || !strings.Contains(bad.Problems[0].Message, "SE02") {
		t.Errorf("problems %v", bad.Problems)
	}
}

func TestParse271Refuses(t *testing.T) {
	if _, err := Parse271(readSample(t, "lfh/270_005010X279A1/subscriber-health-benefit-check.270")); err == nil || !strings.Contains(err.Error(), "no 271") {
		t.Errorf("270 read as 271: %v", err)
	}
	if _, err := Parse271([]byte("hello")); err == nil {
		t.Error("garbage read as 271")
	}
}

// ebCodes are the EB01 codes of X279A1.
var ebCodes = []string{"1", "2", "3", "4", "5", "6", "7", "8", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
	"M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "CB", "MC"}

// richResponse is a 271 exercising every part of the model: every EB01
// code, calendar-year, remaining and per-visit amounts in and out of
// network, AAA at every level, dependents, 2120 entities, HSD, MSG, REF,
// RD8 dates, EB13, kept segments, and codes the guide does not list.
func richResponse() []Eligibility271 {
	pcp := Entity271{EntityID: "P3", EntityType: "1", Name: "JONES", First: "MARCUS", IDQualifier: "XX", ID: npiPatel,
		Address:  &Address271{Line1: "12 CLINIC WAY", City: "AUSTIN", State: "TX", Zip: "78701"},
		Contacts: []Contact{{Function: "IC", Numbers: []ContactNumber{{"TE", "5125550100"}, {"UR", "WWW.PCP.EXAMPLE/FIND"}}}},
		Extra:    []RawSegment{{ID: "PRV", Elements: []string{"PE", "PXC", "207Q00000X"}}}}
	otherPayer := Entity271{EntityID: "PR", EntityType: "2", Name: "SECOND HEALTH PLAN", IDQualifier: "PI", ID: "99123",
		Refs: nil}
	var benefits []Benefit
	for _, code := range ebCodes {
		benefits = append(benefits, Benefit{Info: code, CoverageLevel: "IND", ServiceTypes: []string{"30"}})
	}
	benefits = append(benefits,
		Benefit{Info: "1", CoverageLevel: "FAM", ServiceTypes: []string{"30", "1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"}, InsuranceType: "PR", Plan: "GOLD PPO 1500",
			Dates: []DateRef{{Qualifier: "291", Format: "RD8", Value: "20260101-20261231", From: d("2026-01-01"), To: d("2026-12-31")}},
			Refs:  []Ref{{Qualifier: "18", ID: "PLAN-1500"}, {Qualifier: "6P", ID: "GRP7781", Description: "RIVERSIDE EMPLOYEES"}}},
		Benefit{Info: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, Period: "23", Amount: money("1500"), InNetwork: "Y"},
		Benefit{Info: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, Period: "29", Amount: money("1212.34"), InNetwork: "Y"},
		Benefit{Info: "C", CoverageLevel: "FAM", ServiceTypes: []string{"30"}, Period: "23", Amount: money("3000"), InNetwork: "N"},
		Benefit{Info: "G", CoverageLevel: "IND", ServiceTypes: []string{"30"}, Period: "23", Amount: money("6000"), InNetwork: "W"},
		Benefit{Info: "G", CoverageLevel: "IND", ServiceTypes: []string{"30"}, Period: "29", Amount: money("0"), InNetwork: "U"},
		Benefit{Info: "A", CoverageLevel: "IND", ServiceTypes: []string{"98"}, Percent: ".2", InNetwork: "Y"},
		Benefit{Info: "A", CoverageLevel: "IND", ServiceTypes: []string{"98"}, Percent: "0.4", InNetwork: "N",
			Messages: []string{"COINSURANCE APPLIES AFTER DEDUCTIBLE", "OUT OF NETWORK - BALANCE BILLING MAY APPLY"}},
		Benefit{Info: "B", CoverageLevel: "IND", ServiceTypes: []string{"98"}, Period: "27", Amount: money("25"), InNetwork: "Y", AuthRequired: "N"},
		Benefit{Info: "B", CoverageLevel: "IND", ServiceTypes: []string{"86"}, Period: "27", Amount: money("250.5"), InNetwork: "N"},
		Benefit{Info: "F", ServiceTypes: []string{"AD"}, Period: "22", QuantityQualifier: "VS", Quantity: "20", AuthRequired: "Y",
			Limits: []HSD{{QuantityQualifier: "VS", Quantity: "20", Period: "23", Periods: "1"}, {QuantityQualifier: "VS", Quantity: "3", UnitBasis: "DA", Period: "7", Periods: "1", Frequency: "1"}}},
		Benefit{Info: "I", ServiceTypes: []string{"BY"}, Procedure: &Procedure271{Qualifier: "HC", Code: "97110", Modifiers: []string{"GP", "", "KX"}}, DiagnosisPointers: []string{"1", "2"}},
		Benefit{Info: "L", Entities: []Entity271{pcp}},
		Benefit{Info: "R", InsuranceType: "C1", Entities: []Entity271{otherPayer},
			Extra: []RawSegment{{ID: "III", Elements: []string{"ZZ", "21"}}}},
		Benefit{Info: "V", ServiceTypes: []string{"UC"}, Rejections: []Rejection{{Valid: "Y", Reason: "T4", FollowUp: "W"}}},
		// A code from a later release: kept as written.
		Benefit{Info: "ZZ9", CoverageLevel: "XYZ", ServiceTypes: []string{"Q7"}, Period: "99"},
	)
	subscriber := Member271{
		Traces: []Trace{{Type: "2", Number: "T0001", Originator: "1741234567"}, {Type: "1", Number: "PAYER-TRACE-77", Originator: "9060054000", Secondary: "ELIG"}},
		Entity: Entity271{EntityID: "IL", EntityType: "1", Name: "GONZALEZ", First: "MARIA", Middle: "L", IDQualifier: "MI", ID: "W123456789",
			Refs:    []Ref{{Qualifier: "6P", ID: "GRP7781"}},
			Address: &Address271{Line1: "415 OAK HOLLOW LN", Line2: "APT 2", City: "AUSTIN", State: "TX", Zip: "78745"},
			Extra:   []RawSegment{{ID: "INS", Elements: []string{"Y", "18", "001", "25"}}, {ID: "MPI", Elements: []string{"C", "AO", "A", "", "", "", "", "", "", "", "", "RD8", "20200101-20251231"}}}},
		DOB: d("1971-08-14"), Sex: "F",
		Dates: []DateRef{{Qualifier: "346", Format: "D8", Value: "20260101", From: d("2026-01-01"), To: d("2026-01-01")},
			{Qualifier: "347", Format: "D8", Value: "20261231", From: d("2026-12-31"), To: d("2026-12-31")},
			{Qualifier: "356", Format: "RD8", Value: "20260101-20261231", From: d("2026-01-01"), To: d("2026-12-31")},
			{Qualifier: "096", Format: "TM", Value: "1405"}},
		Benefits: benefits,
		Dependents: []Member271{{
			Traces: []Trace{{Type: "2", Number: "T0003", Originator: "1741234567"}},
			Entity: Entity271{EntityID: "03", EntityType: "1", Name: "GONZALEZ", First: "LUIS",
				Extra: []RawSegment{{ID: "INS", Elements: []string{"N", "19"}}}},
			DOB: d("2012-05-30"), Sex: "M",
			Benefits: []Benefit{{Info: "6", CoverageLevel: "DEP", ServiceTypes: []string{"30"},
				Dates: []DateRef{{Qualifier: "357", Format: "D8", Value: "20251231", From: d("2025-12-31"), To: d("2025-12-31")}}}},
		}},
	}
	return []Eligibility271{
		{Purpose: "11", Reference: "ELIG20260302", Sources: []Source271{{
			Entity: Entity271{EntityID: "PR", EntityType: "2", Name: "AETNA", IDQualifier: "PI", ID: "60054",
				Contacts: []Contact{{Function: "IC", Name: "PROVIDER SERVICES", Numbers: []ContactNumber{{"TE", "8005550199"}}}}},
			Receivers: []Receiver271{{
				Entity: Entity271{EntityID: "1P", EntityType: "2", Name: "RIVERSIDE FAMILY MEDICINE PA", IDQualifier: "XX", ID: npiRiverside,
					Extra: []RawSegment{{ID: "PRV", Elements: []string{"PE", "PXC", "207Q00000X"}}}},
				Subscribers: []Member271{subscriber,
					{Traces: []Trace{{Type: "2", Number: "T0004"}},
						Entity:     Entity271{EntityID: "IL", EntityType: "1", Name: "DOE", First: "JANE", IDQualifier: "MI", ID: "W000000000"},
						Rejections: []Rejection{{Valid: "Y", Reason: "72", FollowUp: "C"}, {Valid: "N", Reason: "58", FollowUp: "C"}}},
					{Traces: []Trace{{Type: "2", Number: "T0005"}},
						Entity:     Entity271{EntityID: "IL", EntityType: "1", Name: "ROE", First: "RICHARD", IDQualifier: "MI", ID: "W999"},
						Rejections: []Rejection{{Valid: "Y", Reason: "75", FollowUp: "C"}}},
				}}}}},
		},
		{Purpose: "11", Reference: "ELIG20260302-B", Sources: []Source271{
			{Entity: Entity271{EntityID: "PR", EntityType: "2", Name: "MEDICARE PART B", IDQualifier: "PI", ID: "01112"},
				Rejections: []Rejection{{Valid: "Y", Reason: "42", FollowUp: "R"}}},
			{Entity: Entity271{EntityID: "PR", EntityType: "2", Name: "UNITEDHEALTHCARE", IDQualifier: "PI", ID: "87726"},
				Receivers: []Receiver271{{Entity: Entity271{EntityID: "1P", EntityType: "2", Name: "LAKESIDE ORTHOPEDICS", IDQualifier: "XX", ID: npiLakeside},
					Rejections: []Rejection{{Valid: "N", Reason: "51", FollowUp: "N"}}}}},
		}},
	}
}

func write271(t testing.TB, env Envelope, rs []Eligibility271) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write271(&buf, env, rs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWrite271RoundTrip: what Write271 writes, Parse271 reads back to the
// same model, with the default delimiters, odd ones, and line feeds.
func TestWrite271RoundTrip(t *testing.T) {
	for _, delims := range []Delimiters{
		DefaultDelimiters,
		{Element: '|', Repetition: '!', Component: '>', Segment: '~'},
		{Element: '!', Repetition: '{', Component: '}', Segment: '\n'},
		{Element: 0x1d, Repetition: 0x1f, Component: 0x1e, Segment: 0x1c},
	} {
		env := testEnvelope()
		env.Delimiters = delims
		env.Newline = delims.Segment != '\n'
		want := richResponse()
		data := write271(t, env, want)
		doc, err := Parse271(data)
		if err != nil {
			t.Fatalf("delimiters %q: %v", []byte{delims.Element, delims.Repetition, delims.Component, delims.Segment}, err)
		}
		if len(doc.Problems) > 0 {
			t.Errorf("delimiters %q: problems %v", []byte{delims.Element, delims.Repetition, delims.Component, delims.Segment}, doc.Problems)
		}
		for i := range doc.Responses {
			if doc.Responses[i].Control != []string{"0001", "0002"}[i] {
				t.Errorf("control %q", doc.Responses[i].Control)
			}
			doc.Responses[i].Control = ""
		}
		if !reflect.DeepEqual(doc.Responses, want) {
			g, _ := json.MarshalIndent(doc.Responses, "", " ")
			w, _ := json.MarshalIndent(want, "", " ")
			t.Errorf("delimiters %q: round trip differs\n%s", []byte{delims.Element, delims.Repetition, delims.Component, delims.Segment}, firstDiff(string(g), string(w)))
		}
		if delims == DefaultDelimiters {
			golden(t, "rich.271", data)
		}
	}
}

// firstDiff shows where two texts first differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			lo := max(0, i-3)
			return "got:\n" + strings.Join(al[lo:min(len(al), i+3)], "\n") + "\nwant:\n" + strings.Join(bl[lo:min(len(bl), i+3)], "\n")
		}
	}
	return "lengths differ"
}

// TestWrite271Segments checks the written text of chosen parts, so the
// round trip cannot pass by a writer and parser agreeing on a mistake.
func TestWrite271Segments(t *testing.T) {
	text := string(write271(t, testEnvelope(), richResponse()))
	for _, seg := range []string{
		"GS*HB*RCMBOT01*CLEARHOUSE*20260302*1405*1201*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*ELIG20260302*20260302*1405~",
		"HL*1**20*1~NM1*PR*2*AETNA*****PI*60054~PER*IC*PROVIDER SERVICES*TE*8005550199~",
		"HL*2*1*21*1~NM1*1P*2*RIVERSIDE FAMILY MEDICINE PA*****XX*1234567893~PRV*PE*PXC*207Q00000X~",
		"HL*3*2*22*1~TRN*2*T0001*1741234567~TRN*1*PAYER-TRACE-77*9060054000*ELIG~NM1*IL*1*GONZALEZ*MARIA*L***MI*W123456789~REF*6P*GRP7781~N3*415 OAK HOLLOW LN*APT 2~N4*AUSTIN*TX*78745~DMG*D8*19710814*F~INS*Y*18*001*25~DTP*346*D8*20260101~",
		"DTP*096*TM*1405~MPI*C*AO*A*********RD8*20200101-20251231~EB*1*IND*30~",
		"EB*1*FAM*30^1^33^35^47^86^88^98^AL^MH^UC*PR*GOLD PPO 1500~REF*18*PLAN-1500~REF*6P*GRP7781*RIVERSIDE EMPLOYEES~DTP*291*RD8*20260101-20261231~",
		"EB*C*IND*30***29*1212.34*****Y~",
		"EB*G*IND*30***29*0*****U~",
		"EB*A*IND*98*****.2****Y~",
		"EB*A*IND*98*****0.4****N~MSG*COINSURANCE APPLIES AFTER DEDUCTIBLE~MSG*OUT OF NETWORK - BALANCE BILLING MAY APPLY~",
		"EB*B*IND*98***27*25****N*Y~",
		"EB*F**AD***22***VS*20*Y~HSD*VS*20***23*1~HSD*VS*3*DA**7*1*1~",
		"EB*I**BY**********HC:97110:GP::KX*1:2~",
		"EB*L~LS*2120~NM1*P3*1*JONES*MARCUS****XX*" + npiPatel + "~N3*12 CLINIC WAY~N4*AUSTIN*TX*78701~PER*IC**TE*5125550100*UR*WWW.PCP.EXAMPLE/FIND~PRV*PE*PXC*207Q00000X~LE*2120~",
		"EB*R***C1~III*ZZ*21~LS*2120~NM1*PR*2*SECOND HEALTH PLAN*****PI*99123~LE*2120~",
		"EB*V**UC~AAA*Y**T4*W~",
		"EB*ZZ9*XYZ*Q7***99~",
		"HL*4*3*23*0~TRN*2*T0003*1741234567~NM1*03*1*GONZALEZ*LUIS~DMG*D8*20120530*M~INS*N*19~EB*6*DEP*30~DTP*357*D8*20251231~",
		"HL*5*2*22*0~TRN*2*T0004~NM1*IL*1*DOE*JANE****MI*W000000000~AAA*Y**72*C~AAA*N**58*C~",
		"HL*1**20*0~NM1*PR*2*MEDICARE PART B*****PI*01112~AAA*Y**42*R~HL*2**20*1~",
		"HL*3*2*21*0~NM1*1P*2*LAKESIDE ORTHOPEDICS*****XX*1558598797~AAA*N**51*N~SE*",
	} {
		if !strings.Contains(text, seg) {
			t.Errorf("271 lacks %s", seg)
		}
	}
	// A delimiter inside data is removed, not written as structure.
	rs := richResponse()
	rs[0].Sources[0].Receivers[0].Subscribers[0].Benefits[0].Messages = []string{"NOTE: CALL*FIRST~THEN^VISIT"}
	if got := string(write271(t, testEnvelope(), rs)); !strings.Contains(got, "~MSG*NOTE CALL FIRST THEN VISIT~") {
		t.Errorf("delimiters in MSG not cleaned")
	}
	// The 35 EB01 codes are all there.
	for _, code := range ebCodes {
		if !strings.Contains(text, "~EB*"+code+"*IND*30~") {
			t.Errorf("EB01 %s missing", code)
		}
	}
}

// TestParse271Tolerates: misplaced segments and bad values are reported
// with their segment number, and everything else is still read.
func TestParse271Tolerates(t *testing.T) {
	data := []byte(interchangeAround("HB", "005010X279A1", "271", []string{
		"BHT*0022*11*R1*20260302*1405",
		"EB*1", // before any HL
		"HL*1**20*1", "NM1*PR*2*AETNA*****PI*60054",
		"HL*2*1*21*1", "NM1*1P*2*CLINIC*****XX*1234567893",
		"HL*3*2*22*0", "TRN*2*T1", "NM1*IL*1*DOE*JANE****MI*W1", "DMG*D8*19711301*F",
		"DTP*346*RD8*20260101-20251231", "DTP*347*D8*2026", "LS*2120",
		"EB*C*IND*30***23*12,00", "EB*B*IND*98***27*15", "MSG*FIRST", "LE*2120", "ZZZ*KEEP*ME",
		"HL*4*3*99*0", "EB*1*IND*30",
	}))
	doc, err := Parse271(data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, p := range doc.Problems {
		got[p.Segment] = p.Message
	}
	// Segment numbers count from ISA = 1, GS = 2, ST = 3.
	for seg, want := range map[int]string{5: "before the first hierarchical level", 10: "has no children", 13: "CCYYMMDD",
		14: "RD8", 15: "D8", 16: "LS outside", 17: `"12,00" is not an amount`, 20: "LE without LS", 22: "hierarchical level code"} {
		if !strings.Contains(got[seg], want) {
			t.Errorf("segment %d: problem %q, want %q (all: %v)", seg, got[seg], want, doc.Problems)
		}
	}
	sub := doc.Responses[0].Sources[0].Receivers[0].Subscribers[0]
	if len(sub.Benefits) != 3 || sub.Benefits[1].Amount == nil || sub.Benefits[1].Messages[0] != "FIRST" ||
		sub.Benefits[1].Extra[0].ID != "ZZZ" || sub.Benefits[2].Info != "1" {
		t.Errorf("benefits %+v", sub.Benefits)
	}
	if strings.Contains(doc.Problems[0].Message, "19711301") {
		t.Error("problem message carries the date of birth")
	}
}

// interchangeAround wraps transaction set body segments (without ST and
// SE) in ST/SE, GS/GE and ISA/IEA with correct counts.
func interchangeAround(fid, version, code string, body []string) string {
	segs := append([]string{"ST*" + code + "*0001*" + version}, body...)
	segs = append(segs, "SE*"+strconv.Itoa(len(segs)+1)+"*0001")
	return "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260302*1405*^*00501*000000001*0*T*:~" +
		"GS*" + fid + "*SENDER*RECEIVER*20260302*1405*1*X*" + version + "~" + strings.Join(segs, "~") + "~GE*1*1~IEA*1*000000001~"
}

// demoAnswer is what a payer answers to demo.270's Aetna inquiries: an
// active PPO member with deductible, out-of-pocket, co-pay and
// co-insurance in and out of network, and an unknown member ID (AAA 72).
// It is the shape the payer simulator produces; demo.271 is its fixture.
func demoAnswer() []Eligibility271 {
	ind := func(info, period, amount, net string, types ...string) Benefit {
		b := Benefit{Info: info, CoverageLevel: "IND", ServiceTypes: types, Period: period, InNetwork: net}
		if amount != "" {
			b.Amount = money(amount)
		}
		return b
	}
	coins := ind("A", "", "", "Y", "98")
	coins.Percent = ".2"
	coinsOut := ind("A", "", "", "N", "98")
	coinsOut.Percent = ".4"
	return []Eligibility271{{Purpose: "11", Reference: "ELIG20260302", Sources: []Source271{{
		Entity: Entity271{EntityID: "PR", EntityType: "2", Name: "AETNA", IDQualifier: "PI", ID: "60054"},
		Receivers: []Receiver271{{
			Entity: Entity271{EntityID: "1P", EntityType: "2", Name: "RIVERSIDE FAMILY MEDICINE PA", IDQualifier: "XX", ID: npiRiverside},
			Subscribers: []Member271{
				{Traces: []Trace{{Type: "2", Number: "T0001", Originator: "1741234567"}},
					Entity: Entity271{EntityID: "IL", EntityType: "1", Name: "GONZALEZ", First: "MARIA", IDQualifier: "MI", ID: "W123456789",
						Address: &Address271{Line1: "415 OAK HOLLOW LN", City: "AUSTIN", State: "TX", Zip: "78745"}},
					DOB: d("1971-08-14"), Sex: "F",
					Dates: []DateRef{{Qualifier: "346", Format: "D8", Value: "20260101", From: d("2026-01-01"), To: d("2026-01-01")}},
					Benefits: []Benefit{
						{Info: "1", CoverageLevel: "IND", ServiceTypes: []string{"30"}, InsuranceType: "PR", Plan: "OPEN CHOICE PPO"},
						ind("C", "23", "1500", "Y", "30"), ind("C", "29", "1212.34", "Y", "30"),
						ind("C", "23", "3000", "N", "30"), ind("C", "29", "3000", "N", "30"),
						ind("G", "23", "6000", "Y", "30"), ind("G", "29", "5100", "Y", "30"),
						ind("B", "27", "25", "Y", "98"), ind("B", "27", "60", "N", "98"),
						coins, coinsOut,
					}},
				{Traces: []Trace{{Type: "2", Number: "T0003", Originator: "1741234567"}},
					Entity:     Entity271{EntityID: "IL", EntityType: "1", Name: "NGUYEN", First: "BAO", IDQualifier: "MI", ID: "W555000111"},
					Rejections: []Rejection{{Valid: "Y", Reason: "72", FollowUp: "C"}}},
			}}}}}}}
}

func TestWrite271Demo(t *testing.T) {
	env := testEnvelope()
	env.SenderID, env.ReceiverID = "60054", "RCMBOT01"
	data := write271(t, env, demoAnswer())
	golden(t, "demo.271", data)
	doc, err := Parse271(data)
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	if m := doc.Trace("T0003"); m == nil || len(m.Rejections) != 1 || m.Rejections[0].Reason != "72" {
		t.Errorf("T0003: %+v", m)
	}
	if m := doc.Trace("T0001"); m == nil || len(m.Benefits) != 11 {
		t.Errorf("T0001: %+v", m)
	}
}
