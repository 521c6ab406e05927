package x12

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func write837(t testing.TB, env Envelope837, claims []claim.Claim) ([]byte, *Manifest837) {
	t.Helper()
	var buf bytes.Buffer
	man, err := Write837P(&buf, env, claims)
	if err != nil {
		t.Fatalf("Write837P: %v", err)
	}
	return buf.Bytes(), man
}

// check837 is the structural self-check of a written 837P: a sound
// envelope, HL links, one transaction set per payer and billing provider,
// at most 100 claims per subscriber loop and 50 lines per claim,
// CLM02 = ΣSV102, HI without dots and at most 12 codes, and every input
// claim present exactly once with its payer and billing NPI.
func check837(t *testing.T, data []byte, claims []claim.Claim) {
	t.Helper()
	ic, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse of written 837P: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("ISA")) || bytes.IndexByte(data, '~') != isaLength-1 {
		t.Errorf("ISA is not %d characters", isaLength)
	}
	if g := ic.Groups; len(g) != 1 || g[0].FunctionalID() != "HC" || g[0].Version() != Version837P {
		t.Fatalf("want one HC %s group, got %d", Version837P, len(g))
	}
	type setKey struct{ payer, npi string }
	sets := map[setKey]int{} // claims in the last set of each key
	for _, tx := range ic.Transactions() {
		if p := checkHL(tx); len(p) > 0 {
			t.Errorf("ST %s HL problems: %v", tx.Control(), p)
		}
		if tx.ST.El(3) != Version837P || tx.Segments[0].ID != "BHT" || tx.Segments[0].El(1) != "0019" {
			t.Errorf("ST %s: header %v %v", tx.Control(), tx.ST.Elements, tx.Segments[0].Elements)
		}
		claimsInSub, linesInClaim, claimsInSet := 0, 0, 0
		subscriberHL, subscriberHasChild, inClaim := "", false, false
		var payer, npi string
		for i := range tx.Segments {
			s := &tx.Segments[i]
			switch s.ID {
			case "HL":
				inClaim = false
				switch s.El(3) {
				case "20":
					if s.El(2) != "" {
						t.Errorf("segment %d: 2000A HL has a parent", s.Pos)
					}
				case "22":
					if s.El(2) != "1" {
						t.Errorf("segment %d: 2000B HL %v: want parent 1", s.Pos, s.Elements)
					}
					subscriberHL, subscriberHasChild = s.El(1), s.El(4) == "1"
					claimsInSub = 0
				case "23":
					if s.El(2) != subscriberHL || !subscriberHasChild || s.El(4) != "0" {
						t.Errorf("segment %d: 2000C HL %v: want parent %s (HL04 1), no children", s.Pos, s.Elements, subscriberHL)
					}
					claimsInSub = 0
				}
			case "NM1":
				switch s.El(1) {
				case "85":
					npi = s.El(9)
				case "PR":
					if !inClaim { // 2010BB, not a 2330B other payer
						payer = s.El(9)
					}
				}
			case "CLM":
				inClaim = true
				claimsInSet++
				if claimsInSub++; claimsInSub > MaxClaimsPerSubscriber {
					t.Errorf("segment %d: more than %d claims in one 2000B", s.Pos, MaxClaimsPerSubscriber)
				}
				linesInClaim = 0
				if s.Comp(5, 2) != "B" || s.El(6) != "Y" || s.El(7) != "A" || s.El(8) != "Y" || s.El(9) != "Y" {
					t.Errorf("segment %d: CLM05-09 %v", s.Pos, s.Elements[5:])
				}
			case "HI":
				if s.Len() > claim.MaxDiagnoses {
					t.Errorf("segment %d: HI has %d codes", s.Pos, s.Len())
				}
				for k := 1; k <= s.Len(); k++ {
					q := s.Comp(k, 1)
					if (k == 1 && q != "ABK") || (k > 1 && q != "ABF") || strings.Contains(s.Comp(k, 2), ".") {
						t.Errorf("segment %d: HI%02d = %q", s.Pos, k, s.El(k))
					}
				}
			case "LX":
				if linesInClaim++; linesInClaim > MaxLinesPerClaim || s.El(1) != strconv.Itoa(linesInClaim) {
					t.Errorf("segment %d: LX %q is line %d", s.Pos, s.El(1), linesInClaim)
				}
			}
		}
		// A payer and billing provider share one set unless it is full.
		k := setKey{payer, npi}
		if n, ok := sets[k]; ok && n <= MaxClaimsPerTransaction-MaxClaimsPerSubscriber {
			t.Errorf("payer %s / billing %s spread over more than one transaction set", payer, npi)
		}
		if claimsInSet > MaxClaimsPerTransaction {
			t.Errorf("ST %s holds %d claims", tx.Control(), claimsInSet)
		}
		sets[k] = claimsInSet
	}
	doc, err := Read837P(data)
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("Read837P: %v %v", err, doc.Problems)
	}
	got := map[string]Claim837Summary{}
	for _, c := range doc.Claims {
		if _, dup := got[c.ClaimID]; dup {
			t.Errorf("claim %s written twice", c.ClaimID)
		}
		got[c.ClaimID] = c
		if !c.Balanced() {
			t.Errorf("claim %s: CLM02 %s != ΣSV102 %s", c.ClaimID, c.Charge, c.LineTotal)
		}
	}
	for _, c := range claims {
		s, ok := got[c.ID]
		switch {
		case !ok:
			t.Errorf("claim %s missing from the 837P", c.ID)
		case s.Charge != c.LineTotal() || s.Lines != len(c.Lines) || s.PayerID != c.PayerID || s.BillingNPI != c.Billing.NPI:
			t.Errorf("claim %s written as %+v; want charge %s, %d lines, payer %s, NPI %s", c.ID, s, c.LineTotal(), len(c.Lines), c.PayerID, c.Billing.NPI)
		}
	}
	if len(got) != len(claims) {
		t.Errorf("837P holds %d claims, want %d", len(got), len(claims))
	}
}

func TestWrite837PDemo(t *testing.T) {
	claims := demoClaims()
	data, man := write837(t, testEnvelope837(), claims)
	check837(t, data, claims)
	golden(t, "demo.837", data)

	// Three transaction sets: Aetna and UHC for Riverside, Medicare for
	// Lakeside, sorted by payer ID.
	var sets []string
	for _, s := range man.Transactions {
		sets = append(sets, fmt.Sprintf("%s %s %s %v %s", s.Control, s.PayerID, s.BillingNPI, s.ClaimIDs, s.Total))
	}
	want := []string{
		"0001 01112 " + npiLakeside + " [PCN2001] 596.15",
		"0002 60054 " + npiRiverside + " [PCN1001 PCN1002] 428.25",
		"0003 87726 " + npiRiverside + " [PCN1003] 410.00",
	}
	if !slices.Equal(sets, want) {
		t.Errorf("manifest:\n%s\nwant:\n%s", strings.Join(sets, "\n"), strings.Join(want, "\n"))
	}

	text := string(data)
	for _, seg := range []string{
		"BHT*0019*00*BATCH20260302A-0000012010001*20260302*1405*CH~", "BHT*0019*00*BATCH20260302A-0000012010003*20260302*1405*CH~",
		"NM1*41*2*RIVERSIDE BILLING OFFICE*****46*RCMBOT01~",
		"PER*IC*DANA RUIZ*TE*5125550142*EM*billing@riverside.example~",
		"PRV*BI*PXC*207Q00000X~",
		"NM1*85*2*LAKESIDE ORTHOPEDICS & REHAB*****XX*" + npiLakeside + "~",
		"N4*AUSTIN*TX*787031234~",
		"REF*EI*741234567~",
		"SBR*P*18*GRP7781******CI~",
		"SBR*P*18*******MB~",
		"DMG*D8*19710814*F~",
		"CLM*PCN1001*283.25***11:B:1*Y*A*Y*Y~",
		"HI*ABK:E119*ABF:I10*ABF:E785~",
		"HI*ABK:M1711*ABF:M25561*ABF:M6281*ABF:R2689*ABF:Z96652*ABF:E669*ABF:I10*ABF:E1142*ABF:G8929*ABF:M79604*ABF:Z794*ABF:Z6830~",
		"NM1*DN*1*OKAFOR*CHIDI****XX*" + npiOkafor + "~",
		"NM1*82*1*PATEL*ANITA****XX*" + npiPatel + "~PRV*PE*PXC*207Q00000X~",
		"SV1*HC:99214:25*185*UN*1***1:2:3~",
		"SV1*HC:97110:GP:KX:59:XU*360*UN*8***1:2:3:4~",
		"DTP*472*RD8*20260202-20260213~",
		"DTP*472*D8*20260213~",
		"SV1*HC:J1100*9.95*UN*0.5***12:11:10:9~",
		"LIN**N4*63323016501~CTP****0.5*UN~",
		"LIN**N4*00003029305~",
		"REF*G1*PA-55120~",
		// Accents folded, delimiters in data turned into spaces, upper case.
		"NM1*IL*1*O'BRIEN-NUNEZ*SIOBHAN ANN****MI*UHC99887766~",
	} {
		if !strings.Contains(text, seg) {
			t.Errorf("837P lacks %s", seg)
		}
	}
	// PCN1002 is rendered by the billing NPI itself: no 2310B; both of
	// Maria's Aetna claims share one 2000B.
	if n := strings.Count(text, "NM1*82*"); n != 2 {
		t.Errorf("%d rendering provider loops, want 2 (PCN1001, PCN2001)", n)
	}
	if n := strings.Count(text, "NM1*IL*1*GONZALEZ"); n != 1 {
		t.Errorf("Maria's two claims are in %d subscriber loops, want 1", n)
	}
}

// TestWrite837PDeterministic: the same claims in any order give the same
// transaction sets in the same order, and the same input gives the same
// bytes.
func TestWrite837PDeterministic(t *testing.T) {
	claims := demoClaims()
	a, _ := write837(t, testEnvelope837(), claims)
	b, _ := write837(t, testEnvelope837(), demoClaims())
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same claims differ")
	}
	shuffled := demoClaims()
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	_, m1 := write837(t, testEnvelope837(), claims)
	_, m2 := write837(t, testEnvelope837(), shuffled)
	for i := range m1.Transactions {
		x, y := m1.Transactions[i], m2.Transactions[i]
		if x.PayerID != y.PayerID || x.BillingNPI != y.BillingNPI || x.Total != y.Total {
			t.Errorf("set %d: %+v vs %+v after shuffling", i, x, y)
		}
	}
}

// TestWrite837PSplitsSubscriberLoops: 230 claims of one patient go into
// three 2000B loops (100, 100, 30); 5,100 claims of many patients into two
// transaction sets.
func TestWrite837PSplitsSubscriberLoops(t *testing.T) {
	base := demoClaims()[1]
	var claims []claim.Claim
	for i := range 230 {
		c := base
		c.ID = fmt.Sprintf("R%04d", i)
		claims = append(claims, c)
	}
	data, man := write837(t, testEnvelope837(), claims)
	check837(t, data, claims)
	if n := strings.Count(string(data), "HL*"); n != 4 {
		t.Errorf("%d HL segments, want 1 billing + 3 subscriber", n)
	}
	if len(man.Transactions) != 1 || len(man.Transactions[0].ClaimIDs) != 230 {
		t.Errorf("manifest %d sets", len(man.Transactions))
	}

	claims = claims[:0]
	for i := range MaxClaimsPerTransaction + 100 {
		c := base
		c.ID = fmt.Sprintf("M%05d", i)
		c.MemberID = fmt.Sprintf("MEM%05d", i/3)
		claims = append(claims, c)
	}
	data, man = write837(t, testEnvelope837(), claims)
	check837(t, data, claims)
	if len(man.Transactions) != 2 || len(man.Transactions[0].ClaimIDs) > MaxClaimsPerTransaction {
		t.Errorf("%d transaction sets, first with %d claims", len(man.Transactions), len(man.Transactions[0].ClaimIDs))
	}
}

func TestWrite837PRefusesBadClaims(t *testing.T) {
	env := testEnvelope837()
	good := demoClaims()[0]

	long := good
	long.ID = "LONG1"
	long.Lines = nil
	for i := range MaxLinesPerClaim + 1 {
		l := good.Lines[0]
		l.Number = i + 1
		long.Lines = append(long.Lines, l)
	}
	manyDx := good
	manyDx.ID = "DX13"
	manyDx.Diagnoses = []string{"E119", "I10", "E785", "J029", "M5416", "M5126", "M1711", "M25561", "M6281", "R2689", "Z96652", "E669", "G8929"}
	unnamed := good
	unnamed.ID = "NONAME"
	unnamed.RenderingNPI = withCheckDigit("111111111")
	badLine := good
	badLine.ID = "BADLINE"
	badLine.Lines = []claim.Line{{From: d("2026-02-10"), To: d("2026-02-09"), Procedure: "9921", Modifiers: []string{"2"}, Units: 0, Charge: -5, DxPointers: []int{4}, NDC: "1234567890"}}
	replacement := good
	replacement.ID = "REPL"
	replacement.FrequencyCode = "7"
	poBox := good
	poBox.ID = "POBOX"
	poBox.Billing.Address.Line1 = "P.O. Box 1200"
	poBox.Billing.Address.Zip = "78703"

	for _, tc := range []struct {
		c     claim.Claim
		field claim.Field
		line  int
		msg   string
	}{
		{long, claim.FieldLineNumber, 0, "51 service lines"},
		{manyDx, claim.FieldDiagnosisCodes, 0, "13 diagnoses"},
		{unnamed, claim.FieldRenderingNPI, 0, "has no name"},
		{badLine, claim.FieldProcedureCode, 1, "5-character"},
		{badLine, claim.FieldModifier(1), 1, "modifier"},
		{badLine, claim.FieldUnits, 1, "units"},
		{badLine, claim.FieldLineCharge, 1, "negative"},
		{badLine, claim.FieldDateTo, 1, "before"},
		{badLine, claim.FieldDxPointers, 1, "points at no diagnosis"},
		{badLine, claim.FieldNDC, 1, "ambiguous"},
		{replacement, claim.FieldOriginalClaimNumber, 0, "REF*F8"},
		{poBox, claim.FieldBillingAddress, 0, "post office box"},
		{poBox, claim.FieldBillingZip, 0, "ZIP+4"},
	} {
		var buf bytes.Buffer
		_, err := Write837P(&buf, env, []claim.Claim{demoClaims()[2], tc.c})
		if err == nil {
			t.Errorf("claim %s written", tc.c.ID)
			continue
		}
		if buf.Len() != 0 {
			t.Errorf("claim %s: %d bytes written despite the error", tc.c.ID, buf.Len())
		}
		if !hasClaimError(err, tc.c.ID, tc.line, tc.field, tc.msg) {
			t.Errorf("claim %s: want a ClaimError on %s line %d mentioning %q; got %v", tc.c.ID, tc.field, tc.line, tc.msg, err)
		}
		if strings.Contains(err.Error(), "Gonzalez") || strings.Contains(err.Error(), "W123456789") {
			t.Errorf("error leaks patient data: %v", err)
		}
	}

	dup := []claim.Claim{good, good}
	if _, err := Write837P(&bytes.Buffer{}, env, dup); !hasClaimError(err, good.ID, 0, claim.FieldClaimID, "twice") {
		t.Errorf("duplicate claim IDs: %v", err)
	}
	noSubmitter := env
	noSubmitter.Submitter.Phone, noSubmitter.Submitter.Email = "", ""
	if _, err := Write837P(&bytes.Buffer{}, noSubmitter, []claim.Claim{good}); err == nil || !strings.Contains(err.Error(), "phone number or an email") {
		t.Errorf("submitter without contact: %v", err)
	}
	badEnv := env
	badEnv.InterchangeControl = 1_000_000_000
	badEnv.Usage = "X"
	if _, err := Write837P(&bytes.Buffer{}, badEnv, []claim.Claim{good}); err == nil || !strings.Contains(err.Error(), "ISA13") || !strings.Contains(err.Error(), "ISA15") {
		t.Errorf("bad envelope: %v", err)
	}
}

func hasClaimError(err error, id string, line int, field claim.Field, msg string) bool {
	var all []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		all = append(all, e)
	}
	walk(err)
	for _, e := range all {
		var ce *ClaimError
		if errors.As(e, &ce) && ce.ClaimID == id && ce.Line == line && ce.Field == field && strings.Contains(ce.Error(), msg) {
			return true
		}
	}
	return false
}

func TestNDC11(t *testing.T) {
	for in, want := range map[string]string{
		"00003029305": "00003029305", "0003-0293-05": "00003029305", "63323-165-01": "63323016501",
		"63323-0165-1": "63323016501", "63323-0165-01": "63323016501", " 12345-6789-01 ": "12345678901",
	} {
		if got, err := ndc11(in); err != nil || got != want {
			t.Errorf("ndc11(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"1234567890", "123-456-78", "123456-789-01", "12345-6789-012", "ABCDE-6789-01", "", "12345678901234"} {
		if got, err := ndc11(in); err == nil {
			t.Errorf("ndc11(%q) = %q, want an error", in, got)
		}
	}
}

func TestIsPOBox(t *testing.T) {
	for line, want := range map[string]bool{"PO Box 12": true, "P.O. BOX 9": true, "Post Office Box 3": true, "Box 44": true,
		"1200 W 6th St": false, "Boxwood Ln": false, "88 Box Elder Rd": false, "": false} {
		if isPOBox(line) != want {
			t.Errorf("isPOBox(%q) = %v", line, !want)
		}
	}
}

// TestWrite837PLineRenderingAndPOS: a line with its own rendering provider
// and place of service gets loop 2420A and SV105; lines that repeat the
// claim's get neither.
func TestWrite837PLineRenderingAndPOS(t *testing.T) {
	env := testEnvelope837()
	c := demoClaims()[0]
	c.Lines = append(c.Lines[:1:1], c.Lines[0])
	c.Lines[1].Number, c.Lines[1].Procedure = 2, "71046"
	var other string
	for npi := range env.Practitioners {
		if npi != c.RenderingNPI && npi != c.ReferringNPI {
			other = npi
			break
		}
	}
	c.Lines[1].RenderingNPI, c.Lines[1].PlaceOfService = other, "22"
	c.Lines[0].RenderingNPI, c.Lines[0].PlaceOfService = c.RenderingNPI, c.PlaceOfService // the claim's own: nothing extra
	data, _ := write837(t, env, []claim.Claim{c})
	check837(t, data, []claim.Claim{c})
	segs := strings.Split(string(data), "~")
	var sv1 []string
	nm182 := 0
	for _, s := range segs {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "SV1*") {
			sv1 = append(sv1, s)
		}
		if strings.HasPrefix(s, "NM1*82*") && strings.HasSuffix(s, "*XX*"+other) {
			nm182++
		}
	}
	if len(sv1) != 2 || strings.Split(sv1[0], "*")[5] != "" || strings.Split(sv1[1], "*")[5] != "22" {
		t.Errorf("SV1 segments %q", sv1)
	}
	if nm182 != 1 {
		t.Errorf("loop 2420A for the line's rendering provider: %d NM1*82 with NPI %s", nm182, other)
	}
	// A line rendering NPI the practitioners list does not name is refused.
	c.Lines[1].RenderingNPI = "1234567893"
	env.Practitioners = map[string]Practitioner{c.RenderingNPI: env.Practitioners[c.RenderingNPI], c.ReferringNPI: env.Practitioners[c.ReferringNPI]}
	var ce *ClaimError
	if err := Check837P(&env, &c); !errors.As(err, &ce) || ce.Line != 2 || ce.Field != claim.FieldRenderingNPI {
		t.Errorf("Check837P = %v", err)
	}
}

// TestCheck837PReportsValuesLongerThanX12Allows: a 10 MB patient name (and
// every other value past its element's length) is a finding naming the
// field, the element and the length, never the value.
func TestCheck837PReportsValuesLongerThanX12Allows(t *testing.T) {
	env := testEnvelope837()
	c := demoClaims()[0]
	c.Patient.LastName = strings.Repeat("Q", 10<<20)
	c.Patient.FirstName = strings.Repeat("Ä", 36) // characters, not bytes
	c.MemberID = strings.Repeat("9", 81)
	c.PayerName = strings.Repeat("P", 61)
	c.Billing.Address.Line1 = strings.Repeat("1", 56)
	c.PriorAuth = strings.Repeat("A", 51)
	c.Lines[0].NDC = strings.Repeat("0", 49)
	err := Check837P(&env, &c)
	for _, tc := range []struct {
		field claim.Field
		line  int
		msg   string
	}{
		{claim.FieldPatientLastName, 0, "patient last name is 10485760 characters; 2010BA NM103 allows at most 60"},
		{claim.FieldPatientFirstName, 0, "36 characters; 2010BA NM104 allows at most 35"},
		{claim.FieldMemberID, 0, "NM109 allows at most 80"},
		{claim.FieldPayerName, 0, "2010BB NM103"},
		{claim.FieldBillingAddress, 0, "2010AA N301 allows at most 55"},
		{claim.FieldPriorAuth, 0, "REF02 allows at most 50"},
		{claim.FieldNDC, 1, "LIN03 allows at most 48"},
	} {
		if !hasClaimError(err, c.ID, tc.line, tc.field, tc.msg) {
			t.Errorf("no finding for %s (line %d) %q in %v", tc.field, tc.line, tc.msg, err)
		}
	}
	if strings.Contains(err.Error(), "QQQQ") || len(err.Error()) > 4096 {
		t.Errorf("the error carries the value (%d bytes)", len(err.Error()))
	}
	// At the limits, nothing is reported.
	ok := demoClaims()[0]
	ok.Patient.LastName, ok.Patient.FirstName, ok.MemberID = strings.Repeat("Q", 60), strings.Repeat("Ä", 35), strings.Repeat("9", 80)
	if err := Check837P(&env, &ok); err != nil {
		t.Errorf("values at the limits refused: %v", err)
	}
}

// BHT03 differs per transaction set and per interchange, and Read837P
// gives each claim its set's reference; a batch ID too long for BHT03 is
// refused.
func TestWrite837PReferencesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, isa := range []int{1201, 1202} {
		env := testEnvelope837()
		env.InterchangeControl = isa
		data, _ := write837(t, env, demoClaims())
		doc, err := Read837P(data)
		if err != nil {
			t.Fatal(err)
		}
		sets := map[string]string{}
		for _, c := range doc.Claims {
			if ref, ok := sets[c.Transaction]; ok && ref != c.Reference {
				t.Errorf("set %s has two references", c.Transaction)
			}
			sets[c.Transaction] = c.Reference
		}
		for _, ref := range sets {
			if seen[ref] || len(ref) > 50 {
				t.Errorf("BHT03 %q repeated or too long", ref)
			}
			seen[ref] = true
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d distinct BHT03s, want 6 (3 sets × 2 interchanges)", len(seen))
	}
	env := testEnvelope837()
	env.BatchID = strings.Repeat("B", MaxBatchIDLength+1)
	if _, err := Write837P(&bytes.Buffer{}, env, demoClaims()); err == nil || !strings.Contains(err.Error(), "batch ID") {
		t.Errorf("long batch ID: %v", err)
	}
}
