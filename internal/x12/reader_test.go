package x12

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const isaLine = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260302*1405*^*00501*000000001*0*T*:~"

func TestParseDelimiters(t *testing.T) {
	ic, err := Parse(readSample(t, "lfh/271_005010X279A1/subscriber-health-benefit-check.271"))
	if err != nil {
		t.Fatal(err)
	}
	if ic.Delimiters != DefaultDelimiters {
		t.Errorf("delimiters %+v", ic.Delimiters)
	}
	h := ic.Header
	if h.SenderQualifier != "30" || h.SenderID != "000000005" || h.ReceiverID != "12345" || h.Control != "000000907" || h.Usage != "T" || h.Version != "00501" {
		t.Errorf("header %+v", h)
	}
	if len(ic.Groups) != 1 || ic.Groups[0].FunctionalID() != "HB" || ic.Groups[0].Control() != "1" || ic.Groups[0].Version() != VersionEligibility {
		t.Errorf("group %+v", ic.Groups)
	}
	tx := ic.Transactions()[0]
	if tx.Code() != "271" || tx.Control() != "4321" || len(tx.Segments) != 20 || tx.SE.Pos != 24 {
		t.Errorf("transaction %s %s with %d segments, SE at %d", tx.Code(), tx.Control(), len(tx.Segments), tx.SE.Pos)
	}
	eb := tx.Segments[len(tx.Segments)-1]
	if eb.ID != "EB" || !slices.Equal(eb.Reps(3), []string{"1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"}) || eb.El(7) != "30.00" || eb.El(99) != "" || eb.Len() != 12 {
		t.Errorf("EB segment %v", eb.Elements)
	}

	// Tilde elements, underscore terminator, ^ components, and ISA11 "U"
	// (a 4010-style value, so no repetition separator).
	ic, _ = Parse(readSample(t, "imsweb/837_5010/x12_valid_different_separators.txt"))
	if ic == nil || ic.Delimiters != (Delimiters{Element: '~', Component: '^', Segment: '_'}) {
		t.Fatalf("different separators: %+v", ic)
	}
	for _, s := range ic.Transactions()[0].Segments {
		if s.ID == "SV1" {
			if s.Comp(1, 2) != "99211" || s.Comp(1, 3) != "25" || s.Comp(1, 9) != "" || !slices.Equal(s.Reps(1), []string{"HC^99211^25"}) {
				t.Errorf("SV1 %v", s.Elements)
			}
			break
		}
	}
}

// TestParseLineEnds: CR/LF (and stray blanks) after terminators change
// nothing; a line feed can itself be the terminator.
func TestParseLineEnds(t *testing.T) {
	body := []string{"BHT*0022*13*R1*20260302*1405", "HL*1**20*1", "NM1*PR*2*AETNA*****PI*60054"}
	plain := interchangeAround("HS", VersionEligibility, "270", body)
	want, err := Parse([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"crlf":       strings.ReplaceAll(plain, "~", "~\r\n"),
		"lf":         strings.ReplaceAll(plain, "~", "~\n"),
		"blanks":     strings.ReplaceAll(plain, "~", "~ \n\t"),
		"bom+spaces": "\ufeff \r\n" + plain + "\r\n\r\n",
		"lf-term":    strings.ReplaceAll(strings.ReplaceAll(plain, "~", "\n"), "*:\n", "*:\n"),
		"crlf-term":  strings.ReplaceAll(plain, "~", "\r\n"),
	} {
		ic, err := Parse([]byte(text))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(ic.Segments) != len(want.Segments) {
			t.Errorf("%s: %d segments, want %d", name, len(ic.Segments), len(want.Segments))
			continue
		}
		for i := range ic.Segments {
			if !slices.Equal(ic.Segments[i].Elements, want.Segments[i].Elements) {
				t.Errorf("%s: segment %d %q, want %q", name, i+1, ic.Segments[i].Elements, want.Segments[i].Elements)
			}
		}
	}
}

// TestParseEnvelopeProblems: every envelope defect is named with the
// segment number and the code a 999 or TA1 would carry.
func TestParseEnvelopeProblems(t *testing.T) {
	type want struct {
		seg   int
		level Level
		code  string
		text  string
	}
	st := "ST*270*0001*005010X279A1~BHT*0022*13*R1*20260302*1405~"
	gs := "GS*HS*S*R*20260302*1405*7*X*005010X279A1~"
	for _, tc := range []struct {
		name string
		data string
		want []want
	}{
		{"sound", isaLine + gs + st + "SE*3*0001~GE*1*7~IEA*1*000000001~", nil},
		{"SE01 count", isaLine + gs + st + "SE*4*0001~GE*1*7~IEA*1*000000001~",
			[]want{{5, LevelTransaction, "4", `SE01 says "4" segments but transaction set 0001 has 3`}}},
		{"SE02", isaLine + gs + st + "SE*3*0002~GE*1*7~IEA*1*000000001~",
			[]want{{5, LevelTransaction, "3", `SE02 "0002" does not match ST02 "0001"`}}},
		{"GE01 and GE02", isaLine + gs + st + "SE*3*0001~GE*2*8~IEA*1*000000001~",
			[]want{{6, LevelGroup, "5", `GE01 says "2"`}, {6, LevelGroup, "4", `GE02 "8" does not match GS06 "7"`}}},
		{"IEA01 and IEA02", isaLine + gs + st + "SE*3*0001~GE*1*7~IEA*2*000000009~",
			[]want{{7, LevelInterchange, "021", `IEA01 says "2"`}, {7, LevelInterchange, "001", `IEA02 "000000009" does not match ISA13 "000000001"`}}},
		{"SE missing", isaLine + gs + st + "GE*1*7~IEA*1*000000001~",
			[]want{{3, LevelTransaction, "2", "has no SE trailer"}}},
		{"GE missing", isaLine + gs + st + "SE*3*0001~IEA*1*000000001~",
			[]want{{2, LevelGroup, "3", "has no GE trailer"}}},
		{"IEA missing", isaLine + gs + st + "SE*3*0001~GE*1*7~",
			[]want{{0, LevelInterchange, "023", "no IEA trailer"}}},
		{"segment outside", isaLine + gs + "NTE*X~" + st + "SE*3*0001~GE*1*7~IEA*1*000000001~",
			[]want{{3, LevelSegment, "2", "outside a transaction set"}}},
		{"bad segment ID", isaLine + gs + st + "b@d*1~SE*4*0001~GE*1*7~IEA*1*000000001~",
			[]want{{5, LevelSegment, "1", "not a segment identifier"}}},
		{"ST02 repeated", isaLine + gs + st + "SE*3*0001~" + st + "SE*3*0001~GE*2*7~IEA*1*000000001~",
			[]want{{6, LevelTransaction, "23", `ST02 "0001" repeats`}}},
		{"trailing data", isaLine + gs + st + "SE*3*0001~GE*1*7~IEA*1*000000001~JUNK",
			[]want{{0, LevelInterchange, "022", "4 bytes follow the IEA"}}},
		{"no terminator at end", isaLine + gs + st + "SE*3*0001~GE*1*7~IEA*1*000000001",
			[]want{{7, LevelSegment, "", "without a segment terminator"}}},
		{"bad control numbers", strings.Replace(isaLine, "000000001*0*T", "00000001X*0*Q", 1) + strings.Replace(gs, "*7*X", "*7A*X", 1) +
			"ST*27*1*005010X279A1~SE*2*1~GE*1*7A~IEA*1*00000001X~",
			[]want{{1, LevelInterchange, "018", "ISA13"}, {1, LevelInterchange, "020", "ISA15"}, {2, LevelGroup, "6", "GS06"},
				{3, LevelTransaction, "6", "ST01"}, {3, LevelTransaction, "7", "ST02"}}},
	} {
		ic, err := Parse([]byte(tc.data))
		if ic == nil {
			t.Errorf("%s: no interchange: %v", tc.name, err)
			continue
		}
		if (err != nil) != (len(tc.want) > 0) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		var envErr *EnvelopeError
		if err != nil && (!errors.As(err, &envErr) || len(envErr.Problems) != len(ic.Problems)) {
			t.Errorf("%s: error %T does not carry the problems", tc.name, err)
		}
		if len(ic.Problems) != len(tc.want) {
			t.Errorf("%s: problems %v, want %d", tc.name, ic.Problems, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			p := ic.Problems[i]
			if p.Segment != w.seg || p.Level != w.level || p.Code != w.code || !strings.Contains(p.Message, w.text) {
				t.Errorf("%s: problem %d = %+v, want %+v", tc.name, i, p, w)
			}
		}
	}
}

// TestParseSyntaxErrors: what is not an interchange gets a SyntaxError and
// no Interchange.
func TestParseSyntaxErrors(t *testing.T) {
	for name, data := range map[string]string{
		"empty":              "",
		"text":               "hello, world",
		"no ISA":             strings.TrimPrefix(isaLine, "ISA") + "GS*HC~",
		"short ISA":          isaLine[:80],
		"too few elements":   strings.Repeat("ISA*00", 10) + strings.Repeat(" ", 60),
		"alnum separator":    strings.ReplaceAll(isaLine, "*", "A"),
		"colliding":          strings.Replace(isaLine, "*:~", "**~", 1),
		"repetition = comp.": strings.Replace(isaLine, "*^*", "*:*", 1),
	} {
		ic, err := Parse([]byte(data))
		var se *SyntaxError
		if ic != nil || !errors.As(err, &se) {
			t.Errorf("%s: %v, %v", name, ic, err)
		}
	}
	// A truncated ISA says how much of it there is, not "106; it must be 106".
	if _, err := Parse([]byte(isaLine[:80])); err == nil || !strings.Contains(err.Error(), "ends 80 characters into the ISA segment; an ISA segment is 106") {
		t.Errorf("short ISA: %v", err)
	}
	if _, err := Parse(readSample(t, "imsweb/837_5010/x12_no_isa_line.txt")); err == nil || !strings.Contains(err.Error(), "starts with an ISA") {
		t.Errorf("file without ISA: %v", err)
	}
}

// TestParseMisPaddedISA: an ISA with a field one character short is read
// (by counting separators) and reported, field by field.
func TestParseMisPaddedISA(t *testing.T) {
	ic, err := Parse(readSample(t, "imsweb/837_5010/x12_bad_first_line.txt"))
	if ic == nil {
		t.Fatal(err)
	}
	if ic.Header.ReceiverID != "RECEIVERS.ID" || ic.Delimiters.Component != ':' || len(ic.Transactions()) != 1 {
		t.Errorf("mis-padded ISA read as %+v", ic.Header)
	}
	if p := ic.Problems[0]; p.Segment != 1 || p.Element != 2 || p.Code != "024" || !strings.Contains(p.Message, "ISA02 is 9 characters") {
		t.Errorf("problem %+v", p)
	}
}

// TestParseAgreesWithPyx12: on the imsweb 837 samples our envelope check
// finds what pyx12 finds (counts from pyx12's x12valid output).
func TestParseAgreesWithPyx12(t *testing.T) {
	for file, want := range map[string][]string{
		"x12_valid.txt":                  {`SE01 says "25" segments but transaction set 987654 has 34`},
		"x12_no_errors.txt":              {`SE01 says "25" segments but transaction set 987654 has 41`},
		"x12_many_claims.txt":            {`has 11486`},
		"x12_multiple_st.txt":            {`has 34`, `ST02 "987654" repeats`, `has 34`, `GE01 says "1" transaction sets but group 1 has 2`},
		"x12_multiple_gs.txt":            {`has 34`, `has 34`, `has 34`, `IEA01 says "1" functional groups but the interchange has 3`},
		"x12_bad_segment_identifier.txt": {`not a segment identifier`, `not a segment identifier`, `not a segment identifier`, `has 34`},
	} {
		ic, _ := Parse(readSample(t, filepath.Join("imsweb/837_5010", file)))
		if ic == nil || len(ic.Problems) != len(want) {
			t.Errorf("%s: problems %v, want %q", file, ic.Problems, want)
			continue
		}
		for i, w := range want {
			if !strings.Contains(ic.Problems[i].Message, w) {
				t.Errorf("%s: problem %d %q lacks %q", file, i, ic.Problems[i].Message, w)
			}
		}
	}
}

func TestParseAll(t *testing.T) {
	data := readSample(t, "imsweb/837_5010/x12_multiple_isa.txt")
	ics, err := ParseAll(data)
	if len(ics) != 2 || ics[0].Header.Control != "000000905" || ics[1].Header.Control != "000000906" {
		t.Fatalf("%d interchanges: %v", len(ics), err)
	}
	if _, err := Parse(data); err == nil || !strings.Contains(err.Error(), "follow the IEA") {
		t.Errorf("Parse of two interchanges: %v", err)
	}
	if ics, err := ParseAll([]byte(" \n")); ics != nil || err == nil {
		t.Errorf("ParseAll of nothing: %v %v", ics, err)
	}
}

func TestDetectTransaction(t *testing.T) {
	for file, want := range map[string]string{
		"lfh/271_005010X279A1/subscriber-health-benefit-check.271": "271",
		"lfh/270_005010X279A1/subscriber-health-benefit-check.270": "270",
		"lfh/837_005010X222A2/demo.example1.837":                   "837",
		"imsweb/837_5010/x12_999_rejected.txt":                     "999",
		"imsweb/277_5010/x12_277CA_rejected.txt":                   "277",
		"lfh/835_005010X221A1/managed-care.835":                    "835",
	} {
		if got := DetectTransaction(readSample(t, file)); got != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
	if got := DetectTransaction([]byte(isaLine + "GS*HC~")); got != "" {
		t.Errorf("no ST: %q", got)
	}
}

// The LinuxForHealth 837P samples (Apache-2.0): every claim is read with
// its payer and billing NPI, and CLM02 = ΣSV102 holds in all of them.
func TestRead837PSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedSamples(t), "lfh/837_005010X222A2/*.837"))
	if len(files) < 15 {
		t.Fatalf("%d 837 samples", len(files))
	}
	for _, f := range files {
		doc, err := Read837P(mustRead(t, f))
		if err != nil || len(doc.Problems) > 0 || len(doc.Claims) != 1 {
			t.Errorf("%s: %v %v %d claims", filepath.Base(f), err, doc.Problems, len(doc.Claims))
			continue
		}
		c := doc.Claims[0]
		if !c.Balanced() || c.Lines == 0 || c.PayerID == "" || len(c.BillingNPI) != 10 {
			t.Errorf("%s: %+v", filepath.Base(f), c)
		}
	}
	doc, err := Read837P(readSample(t, "lfh/837_005010X222A2/demo.ambulance.example5.837"))
	if err != nil {
		t.Fatal(err)
	}
	if c := doc.Claims[0]; c.ClaimID != "051068" || c.Charge != 76650 || c.Lines != 4 || c.PayerID != "123245" || c.BillingNPI != "2366554859" {
		t.Errorf("ambulance claim %+v", c)
	}

	doc, err = Read837P(readSample(t, "imsweb/837_5010/x12_many_claims.txt"))
	if err != nil || len(doc.Claims) != 820 {
		t.Fatalf("many claims: %v, %d", err, len(doc.Claims))
	}
	if _, err := Read837P(readSample(t, "lfh/271_005010X279A1/subscriber-health-benefit-check.271")); err == nil {
		t.Error("271 read as 837")
	}
}

// TestRead837PUnbalanced: a CLM02 that is not ΣSV102 and a bad amount are
// reported.
func TestRead837PUnbalanced(t *testing.T) {
	data, _ := write837(t, testEnvelope837(), demoClaims())
	text := strings.Replace(string(data), "CLM*PCN1002*145*", "CLM*PCN1002*150*", 1)
	text = strings.Replace(text, "SV1*HC:99214:25*185*", "SV1*HC:99214:25*1,85*", 1)
	doc, err := Read837P([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var unbalanced []string
	for _, c := range doc.Claims {
		if !c.Balanced() {
			unbalanced = append(unbalanced, c.ClaimID)
		}
	}
	if !slices.Equal(unbalanced, []string{"PCN1001", "PCN1002"}) {
		t.Errorf("unbalanced %v", unbalanced)
	}
	if len(doc.Problems) != 1 || doc.Problems[0].Element != 2 || !strings.Contains(doc.Problems[0].Message, "not an amount") {
		t.Errorf("problems %v", doc.Problems)
	}
}

// A line of free text read as a segment ID must not carry its content into
// problems (it could be a patient's name).
func TestParseBadIDKeepsNoText(t *testing.T) {
	body := []string{"BHT*0019*00*B1*20260302*1405", "MARIA GONZALEZ 1971-08-14"}
	ic, _ := Parse([]byte(interchangeAround("HC", Version837P, "837", body)))
	if ic == nil || len(ic.Problems) != 1 {
		t.Fatalf("%v", ic)
	}
	if p := ic.Problems[0]; p.ID != "MAR" || strings.Contains(p.String(), "GONZALEZ") {
		t.Errorf("problem %q", p.String())
	}
}

// TestParseBounds checks the reader's caps: a long run of problems stops
// the read, a segment with too many elements is cut and reported, and the
// problem list ends with a note once it is full.
func TestParseBounds(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write837P(&buf, testEnvelope837(), benchClaims(1)); err != nil {
		t.Fatal(err)
	}
	isa := buf.String()[:isaLength]
	_, err := Parse([]byte(isa + strings.Repeat("A~", 10_000)))
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "more than 200 problems") {
		t.Fatalf("one-character segments: %v; want a SyntaxError after 200 problems", err)
	}

	long := strings.Replace(buf.String(), "~BHT*", "~REF*EA*X"+strings.Repeat("*", MaxElements)+"~BHT*", 1)
	ic, _ := Parse([]byte(long))
	if ic == nil {
		t.Fatal("no interchange")
	}
	found := false
	for _, p := range ic.Problems {
		found = found || (p.ID == "REF" && strings.Contains(p.Message, "66 data elements"))
	}
	for _, seg := range ic.Segments {
		if seg.ID == "REF" && seg.El(1) == "EA" && len(seg.Elements) != MaxElements+1 {
			t.Errorf("the long segment kept %d elements; want %d", len(seg.Elements), MaxElements+1)
		}
	}
	if !found {
		t.Errorf("no problem for the segment of %d elements: %v", MaxElements+2, ic.Problems)
	}

	// Many well-formed segments outside a transaction: problems listed up
	// to the cap, then one note.
	ic, _ = Parse([]byte(isa + strings.Repeat("N3*A~", 500) + "IEA*0*" + ic.Header.Control + "~"))
	if ic == nil || len(ic.Problems) != MaxProblems+1 || !strings.Contains(ic.Problems[MaxProblems].Message, "only the first 200 are listed") {
		t.Fatalf("problems: %d; want %d ending with the note", len(ic.Problems), MaxProblems+1)
	}
}
