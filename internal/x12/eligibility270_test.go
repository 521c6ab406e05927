package x12

import (
	"bytes"
	"cmp"
	"reflect"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func testEnvelope270() Envelope270 {
	env := testEnvelope()
	env.ReceiverID = "60054"
	return Envelope270{Envelope: env, BatchID: "ELIG20260302", Originator: "1741234567"}
}

// demoInquiries asks two payers about three members for one practice.
func demoInquiries() []Inquiry270 {
	return []Inquiry270{
		{TraceNumber: "T0001", PayerID: "60054", PayerName: "Aetna", ProviderName: "Riverside Family Medicine PA", ProviderNPI: npiRiverside,
			MemberID: "W123456789", LastName: "Gonzalez", FirstName: "Maria", DOB: d("1971-08-14"), Sex: claim.SexFemale, ServiceDate: d("2026-03-03")},
		{TraceNumber: "T0002", PayerID: "87726", PayerName: "UnitedHealthcare", ProviderName: "Riverside Family Medicine PA", ProviderNPI: npiRiverside,
			MemberID: "UHC99887766", LastName: "O'Brien-Núñez", FirstName: "Siobhán", DOB: d("1990-11-03"), ServiceDate: d("2026-03-03"),
			ServiceTypes: []string{"30", "98", "86", "88"}},
		{TraceNumber: "T0003", PayerID: "60054", PayerName: "Aetna", ProviderName: "Riverside Family Medicine PA", ProviderNPI: npiRiverside,
			MemberID: "W555000111", LastName: "Nguyen", FirstName: "Bao", DOB: d("2012-05-30"), Sex: claim.SexMale, ServiceDate: d("2026-03-03")},
	}
}

func TestWrite270(t *testing.T) {
	var buf bytes.Buffer
	if err := Write270(&buf, testEnvelope270(), demoInquiries()); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	golden(t, "demo.270", data)
	ic, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	txs := ic.Transactions()
	if len(txs) != 2 || ic.Groups[0].FunctionalID() != "HS" {
		t.Fatalf("want two transaction sets in an HS group")
	}
	for _, tx := range txs {
		if p := checkHL(tx); len(p) > 0 || tx.Code() != "270" {
			t.Errorf("ST %s %s: HL problems: %v", tx.Code(), tx.Control(), p)
		}
	}
	text := string(data)
	// Aetna's two members share its 2000A and the provider's 2000B, in
	// order of first appearance; UHC comes second.
	want := strings.Join([]string{
		"ST*270*0001*005010X279A1~BHT*0022*13*ELIG20260302*20260302*1405~",
		"HL*1**20*1~NM1*PR*2*AETNA*****PI*60054~",
		"HL*2*1*21*1~NM1*1P*2*RIVERSIDE FAMILY MEDICINE PA*****XX*" + npiRiverside + "~",
		"HL*3*2*22*0~TRN*1*T0001*1741234567~NM1*IL*1*GONZALEZ*MARIA****MI*W123456789~DMG*D8*19710814*F~DTP*291*D8*20260303~EQ*30~",
		"HL*4*2*22*0~TRN*1*T0003*1741234567~NM1*IL*1*NGUYEN*BAO****MI*W555000111~DMG*D8*20120530*M~DTP*291*D8*20260303~EQ*30~",
		"SE*19*0001~",
		"ST*270*0002*005010X279A1~BHT*0022*13*ELIG20260302*20260302*1405~",
		"HL*1**20*1~NM1*PR*2*UNITEDHEALTHCARE*****PI*87726~",
		"HL*2*1*21*1~NM1*1P*2*RIVERSIDE FAMILY MEDICINE PA*****XX*" + npiRiverside + "~",
		"HL*3*2*22*0~TRN*1*T0002*1741234567~NM1*IL*1*O'BRIEN-NUNEZ*SIOBHAN****MI*UHC99887766~DMG*D8*19901103~DTP*291*D8*20260303~EQ*30~EQ*98~EQ*86~EQ*88~",
		"SE*16*0002~GE*2*1201~",
	}, "")
	if !strings.Contains(text, want) {
		t.Errorf("270 body:\n%s\nwant:\n%s", text, want)
	}
}

func TestWrite270Refuses(t *testing.T) {
	env := testEnvelope270()
	q := demoInquiries()[0]
	bad := q
	bad.TraceNumber = ""
	bad.ProviderNPI = "12345"
	bad.ServiceTypes = []string{"300"}
	err := Write270(&bytes.Buffer{}, env, []Inquiry270{q, bad})
	for _, want := range []string{"inquiry 2", "trace number", "10-digit NPI", `service type "300"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "Gonzalez") {
		t.Errorf("error leaks the name: %v", err)
	}
	env.Originator = "12345"
	if err := Write270(&bytes.Buffer{}, env, []Inquiry270{q}); err == nil || !strings.Contains(err.Error(), "TRN03") {
		t.Errorf("short originator: %v", err)
	}
	if err := Write270(&bytes.Buffer{}, testEnvelope270(), nil); err == nil {
		t.Error("no inquiries: no error")
	}
}

// Parse270 reads the LinuxForHealth samples (Apache-2.0) and what Write270
// writes.
func TestParse270(t *testing.T) {
	doc, err := Parse270(readSample(t, "lfh/270_005010X279A1/subscriber-health-benefit-check.270"))
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	want := Inquiry270{TraceNumber: "93175-012547", TraceOriginator: "9877281234", PayerID: "842610001", PayerName: "ABC COMPANY",
		ProviderNPI: "2000035", ProviderName: "BONE AND JOINT CLINIC", MemberID: "11122333301", LastName: "SMITH", FirstName: "ROBERT",
		DOB: d("1943-05-19"), ServiceDate: d("2006-05-01"), ServiceTypes: []string{"30"}}
	if len(doc.Inquiries) != 1 || !reflect.DeepEqual(doc.Inquiries[0], want) {
		t.Errorf("subscriber inquiry %+v", doc.Inquiries)
	}
	doc, err = Parse270(readSample(t, "lfh/270_005010X279A1/dependent-health-benefit-check.270"))
	if err != nil || len(doc.Problems) > 0 || len(doc.Inquiries) != 2 {
		t.Fatalf("%v %v %+v", err, doc.Problems, doc.Inquiries)
	}
	if dep := doc.Inquiries[1]; !dep.Dependent || dep.MemberID != "11122333301" || dep.FirstName != "MARY" || dep.DOB != d("1978-10-14") || dep.TraceNumber != "93175-012547" {
		t.Errorf("dependent inquiry %+v", dep)
	}
	if err := Write270(&bytes.Buffer{}, testEnvelope270(), doc.Inquiries[1:]); err == nil || !strings.Contains(err.Error(), "dependent") {
		t.Errorf("dependent inquiry written: %v", err)
	}

	var buf bytes.Buffer
	qs := demoInquiries()
	qs[2].TraceOriginator = "9999999999"
	if err := Write270(&buf, testEnvelope270(), qs); err != nil {
		t.Fatal(err)
	}
	doc, err = Parse270(buf.Bytes())
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("%v %v", err, doc.Problems)
	}
	// Written in payer order: Aetna's two, then UHC's.
	order := []int{0, 2, 1}
	for i, q := range doc.Inquiries {
		w := qs[order[i]]
		w.PayerName, w.ProviderName = strings.ToUpper(w.PayerName), strings.ToUpper(w.ProviderName)
		w.LastName, w.FirstName = strings.ToUpper(w.LastName), strings.ToUpper(w.FirstName)
		if w.TraceNumber == "T0002" {
			w.LastName, w.FirstName = "O'BRIEN-NUNEZ", "SIOBHAN"
		}
		w.TraceOriginator = cmp.Or(w.TraceOriginator, "1741234567")
		if w.ServiceTypes == nil {
			w.ServiceTypes = []string{"30"}
		}
		if !reflect.DeepEqual(q, w) {
			t.Errorf("inquiry %d:\n%+v\nwant\n%+v", i, q, w)
		}
	}
}
