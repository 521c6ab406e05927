package x12

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// coverageClaims are the claims of issue 15: a subscriber, a dependant,
// a secondary claim with the primary's payment, a replacement and a void,
// a claim at an outpatient hospital and one with NDCs. PCN1001 of demoClaims is the
// subscriber's claim.
func coverageClaims() []claim.Claim {
	base := demoClaims()
	subscriber := base[0]

	kid := base[0]
	kid.ID = "DEP1"
	kid.Patient = claim.Patient{ID: "P-2202", LastName: "Gonzalez", FirstName: "Lucia", MiddleName: "M", DOB: d("2016-05-20"),
		Sex: claim.SexFemale, Address: base[0].Patient.Address}
	kid.Relationship = claim.RelationshipChild
	kid.Insured = base[0].Patient

	secondary := base[0]
	secondary.ID = "SEC1"
	secondary.PayerID, secondary.PayerName, secondary.MemberID, secondary.GroupNumber = "87726", "UnitedHealthcare", "UHC5550001", ""
	secondary.Responsibility = claim.Secondary
	secondary.OtherCoverage = []claim.Coverage{{Responsibility: claim.Primary, PayerID: "60054", PayerName: "Aetna",
		MemberID: "W123456789", GroupNumber: "GRP7781", Adjudication: &claim.Adjudication{Paid: 20000, PaidDate: d("2026-03-01"),
			Adjustments: []claim.Adjustment{{Group: claim.GroupContractual, Reason: "45", Amount: 5325}, {Group: claim.GroupPatientResponse, Reason: "2", Amount: 2000},
				{Group: claim.GroupPatientResponse, Reason: "1", Amount: 1000}}}}}

	replacement := base[1]
	replacement.ID = "REPL1"
	replacement.FrequencyCode = claim.FrequencyReplacement
	replacement.OriginalClaimNumber = "AET2026021700123"
	void := replacement
	void.ID = "VOID1"
	void.FrequencyCode = claim.FrequencyVoid

	// The primary adjudicated line by line (2430): 150 + 30 + 20 paid.
	lines := secondary
	lines.ID = "SEC2"
	lines.OtherCoverage = []claim.Coverage{secondary.OtherCoverage[0]}
	adj := *secondary.OtherCoverage[0].Adjudication
	adj.Adjustments = nil
	lines.OtherCoverage[0].Adjudication = &adj
	lines.Lines = slices.Clone(secondary.Lines)
	lines.Lines[0].Prior = &claim.LineAdjudication{Paid: 15000, Adjustments: []claim.Adjustment{{Group: claim.GroupContractual, Reason: "45", Amount: 3500}}}
	lines.Lines[1].Prior = &claim.LineAdjudication{Paid: 3000, Adjustments: []claim.Adjustment{{Group: claim.GroupContractual, Reason: "45", Amount: 2000},
		{Group: claim.GroupPatientResponse, Reason: "2", Amount: 1250}}}
	lines.Lines[2].Prior = &claim.LineAdjudication{Paid: 2000, Adjustments: []claim.Adjustment{{Group: claim.GroupPatientResponse, Reason: "1", Amount: 1575}}}

	// Medicare pays second for a working-aged beneficiary (SBR05 12).
	msp := secondary
	msp.ID = "MSP1"
	msp.PayerID, msp.PayerName, msp.MemberID, msp.MSPType = "01112", "Medicare Part B", "1EG4TE5MK73", claim.MSPWorkingAged

	hospital := base[2] // POS 22 with its facility
	hospital.Relationship = claim.RelationshipSelf

	// The claims file names rendering and referring providers nobody set up.
	named := base[0]
	named.ID = "NAMED1"
	named.RenderingNPI, named.Rendering = npiFileRendering, claim.Practitioner{LastName: "Welby", FirstName: "Marcus", MiddleName: "A"}
	named.ReferringNPI, named.Referring = npiFileReferring, claim.Practitioner{LastName: "Kildare", FirstName: "James"}

	// The secondary coverage is the spouse's, with the spouse's address (2330A N3/N4).
	spouse := base[0]
	spouse.ID = "OTH1"
	spouse.OtherCoverage = []claim.Coverage{{Responsibility: claim.Secondary, PayerID: "87726", PayerName: "UnitedHealthcare",
		MemberID: "UHC5550002", Relationship: claim.RelationshipSpouse,
		Insured: claim.Patient{LastName: "Gonzalez", FirstName: "Carlos", DOB: d("1969-01-05"), Sex: claim.SexMale,
			Address: claim.Address{Line1: "88 Ranch Rd", City: "Austin", State: "TX", Zip: "787451234"}}}}
	return []claim.Claim{subscriber, kid, secondary, lines, replacement, void, hospital, base[3], msp, named, spouse}
}

// NPIs only the claims file names (valid check digits, not in testEnvelope837).
const (
	npiFileRendering = "1326046822"
	npiFileReferring = "1508880733"
)

// TestWrite837PNamesFromTheFile: rendering and referring names given in the
// claims file go out in 2310B and 2310A without any provider set up, win
// over the setup's names, keep the setup's taxonomy, and 2310B is still
// left out when the rendering provider is the billing provider.
func TestWrite837PNamesFromTheFile(t *testing.T) {
	env := testEnvelope837()
	named := coverageClaims()[9]
	if err := Check837P(&env, &named); err != nil {
		t.Fatalf("Check837P of a claim whose file names its providers: %v", err)
	}
	data, _ := write837(t, env, []claim.Claim{named})
	_, loop := segmentsOf(t, data, "NAMED1")
	for _, want := range []string{"NM1*DN*1*KILDARE*JAMES****XX*" + npiFileReferring, "NM1*82*1*WELBY*MARCUS*A***XX*" + npiFileRendering} {
		if !slices.Contains(loop, want) {
			t.Errorf("2310 loops %q lack %s", loop, want)
		}
	}
	if slices.ContainsFunc(loop, func(s string) bool { return strings.HasPrefix(s, "PRV*PE") }) {
		t.Errorf("PRV written for a provider with no taxonomy set up: %q", loop)
	}

	// The file's name wins over the setup's; the setup's taxonomy stays.
	over := demoClaims()[0]
	over.Rendering = claim.Practitioner{LastName: "Patel-Shah", FirstName: "Anita"}
	data, _ = write837(t, env, []claim.Claim{over})
	_, loop = segmentsOf(t, data, over.ID)
	if !slices.Contains(loop, "NM1*82*1*PATEL-SHAH*ANITA****XX*"+npiPatel) || !slices.Contains(loop, "PRV*PE*PXC*207Q00000X") {
		t.Errorf("file name over the setup: %q", loop)
	}

	// Rendering = billing: no 2310B, even with a name in the file.
	self := named
	self.RenderingNPI = self.Billing.NPI
	data, _ = write837(t, env, []claim.Claim{self})
	_, loop = segmentsOf(t, data, self.ID)
	if slices.ContainsFunc(loop, func(s string) bool { return strings.HasPrefix(s, "NM1*82") }) {
		t.Errorf("2310B written for the billing provider: %q", loop)
	}

	// Without the file's name and without a setup, the claim is refused on its field.
	bare := named
	bare.Rendering, bare.Referring = claim.Practitioner{}, claim.Practitioner{}
	err := Check837P(&env, &bare)
	for _, f := range []claim.Field{claim.FieldRenderingNPI, claim.FieldReferringNPI} {
		if !hasClaimError(err, "NAMED1", 0, f, "has no name") {
			t.Errorf("Check837P without names: %v; want a %s error", err, f)
		}
	}
	long := named
	long.Rendering.LastName = strings.Repeat("W", 61)
	if err := Check837P(&env, &long); !hasClaimError(err, "NAMED1", 0, claim.FieldRenderingNPI, "at most 60") {
		t.Errorf("Check837P of a 61-character rendering name: %v", err)
	}
}

// segmentsOf returns the segments of claim id's 2300 loop (CLM up to the
// next CLM, HL or SE) and of the subscriber loops above it (its 2000B HL
// up to the first CLM), as "ID*el*el" strings without the terminator.
func segmentsOf(t *testing.T, data []byte, id string) (subscriber, claimLoop []string) {
	t.Helper()
	ic, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range ic.Transactions() {
		var sub, cur []string
		inSub, inClaim := false, false
		for i := range tx.Segments {
			s := &tx.Segments[i]
			text := strings.Join(s.Elements, "*")
			if inClaim && (s.ID == "CLM" || s.ID == "HL") {
				return sub, cur
			}
			switch {
			case s.ID == "HL" && s.El(3) == "22":
				sub, inSub = nil, true
			case s.ID == "CLM":
				inSub = false
				inClaim = s.El(1) == id
			}
			if inSub {
				sub = append(sub, text)
			}
			if inClaim {
				cur = append(cur, text)
			}
		}
		if inClaim {
			return sub, cur
		}
	}
	t.Fatalf("claim %s not in the 837P", id)
	return nil, nil
}

func TestWrite837PCoverage(t *testing.T) {
	claims := coverageClaims()
	data, _ := write837(t, testEnvelope837(), claims)
	check837(t, data, claims)
	doc, err := Read837P(data)
	if err != nil || len(doc.Problems) > 0 {
		t.Fatalf("Read837P: %v %v", err, doc.Problems)
	}
	read := map[string]Claim837Summary{}
	for _, c := range doc.Claims {
		read[c.ClaimID] = c
	}
	for _, w := range []struct {
		id, resp, rel, freq, original string
		others                        []string
		facility                      bool
	}{
		{"PCN1001", "P", "18", "1", "", nil, false},
		{"DEP1", "P", "19", "1", "", nil, false},
		{"SEC1", "S", "18", "1", "", []string{"60054"}, false},
		{"SEC2", "S", "18", "1", "", []string{"60054"}, false},
		{"MSP1", "S", "18", "1", "", []string{"60054"}, false},
		{"REPL1", "P", "18", "7", "AET2026021700123", nil, false},
		{"VOID1", "P", "18", "8", "AET2026021700123", nil, false},
		{"PCN1003", "P", "18", "1", "", nil, true},
	} {
		r := read[w.id]
		if r.Responsibility != w.resp || r.Relationship != w.rel || r.Frequency != w.freq || r.OriginalClaim != w.original ||
			!slices.Equal(r.OtherPayers, w.others) || r.Facility != w.facility {
			t.Errorf("claim %s read back as %+v; want SBR01 %s, relationship %s, frequency %s, F8 %q, other payers %v, facility %v",
				w.id, r, w.resp, w.rel, w.freq, w.original, w.others, w.facility)
		}
	}

	// The subscriber: SBR*P*18, 2010BA with the address and DMG, no 2000C.
	sub, _ := segmentsOf(t, data, "PCN1001")
	wantSub := []string{"HL*2*1*22*0", "SBR*P*18*GRP7781******CI", "NM1*IL*1*GONZALEZ*MARIA****MI*W123456789",
		"N3*415 OAK HOLLOW LN", "N4*AUSTIN*TX*78745", "DMG*D8*19710814*F", "NM1*PR*2*AETNA*****PI*60054"}
	if !slices.Equal(sub, wantSub) {
		t.Errorf("subscriber loops:\n%s\nwant:\n%s", strings.Join(sub, "\n"), strings.Join(wantSub, "\n"))
	}

	// The dependant: 2000B names the mother (SBR02 empty, HL04 1) without
	// N3/N4/DMG, which 2010BA sends only when the patient is the
	// subscriber; 2000C the child (HL child of 2000B, PAT*19, NM1*QC with
	// the address and DMG).
	sub, _ = segmentsOf(t, data, "DEP1")
	hl := strings.Split(sub[0], "*")[1]
	n, _ := strconv.Atoi(hl)
	wantSub = []string{"HL*" + hl + "*1*22*1", "SBR*P**GRP7781******CI", "NM1*IL*1*GONZALEZ*MARIA****MI*W123456789",
		"NM1*PR*2*AETNA*****PI*60054",
		"HL*" + strconv.Itoa(n+1) + "*" + hl + "*23*0", "PAT*19", "NM1*QC*1*GONZALEZ*LUCIA*M", "N3*415 OAK HOLLOW LN",
		"N4*AUSTIN*TX*78745", "DMG*D8*20160520*F"}
	if !slices.Equal(sub, wantSub) {
		t.Errorf("dependant loops:\n%s\nwant:\n%s", strings.Join(sub, "\n"), strings.Join(wantSub, "\n"))
	}

	// The secondary claim: SBR*S in 2000B; 2320 with the primary's SBR,
	// CAS by group, AMT*D and OI; 2330A the subscriber; 2330B the primary
	// payer with its paid date. 200.00 + 53.25 + 20.00 + 10.00 = 283.25.
	sub, cl := segmentsOf(t, data, "SEC1")
	if sub[1] != "SBR*S*18*******CI" {
		t.Errorf("secondary 2000B %s", sub[1])
	}
	cob := []string{"SBR*P*18*GRP7781******CI", "CAS*CO*45*53.25", "CAS*PR*2*20**1*10", "AMT*D*200", "OI***Y***Y",
		"NM1*IL*1*GONZALEZ*MARIA****MI*W123456789", "NM1*PR*2*AETNA*****PI*60054", "DTP*573*D8*20260301", "LX*1"}
	if i := slices.Index(cl, cob[0]); i < 0 || !slices.Equal(cl[i:i+len(cob)], cob) {
		t.Errorf("secondary claim loops:\n%s\nwant within them:\n%s", strings.Join(cl, "\n"), strings.Join(cob, "\n"))
	}

	// Line by line: 2320 without claim-level CAS, 2330B without the paid
	// date, each line's 2430 with SVD, CAS and DTP*573.
	_, cl = segmentsOf(t, data, "SEC2")
	for _, want := range [][]string{
		{"AMT*D*200", "OI***Y***Y", "NM1*IL*1*GONZALEZ*MARIA****MI*W123456789", "NM1*PR*2*AETNA*****PI*60054", "LX*1"},
		{"SVD*60054*150*HC:99214:25**1", "CAS*CO*45*35", "DTP*573*D8*20260301", "LX*2"},
		{"SVD*60054*30*HC:93000**1", "CAS*CO*45*20", "CAS*PR*2*12.5", "DTP*573*D8*20260301", "LX*3"},
		{"SVD*60054*20*HC:83036**1", "CAS*PR*1*15.75", "DTP*573*D8*20260301"},
	} {
		if i := slices.Index(cl, want[0]); i < 0 || i+len(want) > len(cl) || !slices.Equal(cl[i:i+len(want)], want) {
			t.Errorf("line-level COB claim:\n%s\nwant within it:\n%s", strings.Join(cl, "\n"), strings.Join(want, "\n"))
		}
	}
	if slices.Contains(cl, "CAS*CO*45*53.25") {
		t.Error("SEC2 repeats claim-level CAS")
	}

	// Medicare as secondary: SBR05 says why.
	if sub, _ := segmentsOf(t, data, "MSP1"); sub[1] != "SBR*S*18***12****MB" {
		t.Errorf("Medicare secondary 2000B %s", sub[1])
	}

	// Replacement and void: CLM05-3 and REF*F8 after the prior authorisation.
	for _, id := range []string{"REPL1", "VOID1"} {
		_, cl := segmentsOf(t, data, id)
		if !slices.Contains(cl, "REF*F8*AET2026021700123") {
			t.Errorf("claim %s lacks REF*F8: %v", id, cl)
		}
	}

	// Outpatient hospital: 2310C after the rendering provider, before the lines.
	_, cl = segmentsOf(t, data, "PCN1003")
	fac := []string{"NM1*77*2*ST DAVID'S MEDICAL CENTER*****XX*1558598797", "N3*919 E 32ND ST", "N4*AUSTIN*TX*787051405", "LX*1"}
	if i := slices.Index(cl, fac[0]); i < 0 || !slices.Equal(cl[i:i+len(fac)], fac) {
		t.Errorf("hospital claim loops:\n%s\nwant within them:\n%s", strings.Join(cl, "\n"), strings.Join(fac, "\n"))
	}
	// The NDC carries its own quantity and unit, not the HCPCS units.
	text := string(data)
	if !strings.Contains(text, "SV1*HC:J3301*16.2*UN*4***1~DTP*472*D8*20260213~LIN**N4*00003029305~CTP****1*ML~") {
		t.Error("the J3301 line does not carry its NDC quantity 1 ML")
	}
}

func TestCheck837PCoverage(t *testing.T) {
	env := testEnvelope837()
	cc := coverageClaims()
	subscriber, kid, secondary, replacement, hospital := cc[0], cc[1], cc[2], cc[4], cc[6]

	noAddress := subscriber
	noAddress.ID = "NOADDR"
	noAddress.Patient.Address = claim.Address{}
	unknownPayer := subscriber
	unknownPayer.ID = "NOSBR09"
	unknownPayer.PayerID = "99999"
	kidNoInsured := kid
	kidNoInsured.ID = "KIDNOINS"
	kidNoInsured.Insured = claim.Patient{}
	badRel := kid
	badRel.ID = "BADREL"
	badRel.Relationship = "17"
	noPrimary := secondary
	noPrimary.ID = "NOPRI"
	noPrimary.OtherCoverage = nil
	unpaid := secondary
	unpaid.ID = "UNPAID"
	unpaid.OtherCoverage = []claim.Coverage{secondary.OtherCoverage[0]}
	unpaid.OtherCoverage[0].Adjudication = nil
	unbalanced := secondary
	unbalanced.ID = "UNBAL"
	unbalanced.OtherCoverage = []claim.Coverage{secondary.OtherCoverage[0]}
	adj := *secondary.OtherCoverage[0].Adjudication
	adj.Paid = 19000
	adj.PaidDate = 0
	unbalanced.OtherCoverage[0].Adjudication = &adj
	noF8 := replacement
	noF8.ID = "NOF8"
	noF8.OriginalClaimNumber = ""
	noFacility := hospital
	noFacility.ID = "NOFAC"
	noFacility.Facility = claim.Facility{}
	ndc := demoClaims()[3]
	ndc.ID = "NDCQTY"
	ndc.Lines = slices.Clone(ndc.Lines)
	ndc.Lines[2].NDCQuantity, ndc.Lines[3].NDCUnit = 0, "MG"
	lineUnbalanced := cc[3]
	lineUnbalanced.ID = "LINEBAL"
	lineUnbalanced.Lines = slices.Clone(lineUnbalanced.Lines)
	lineUnbalanced.Lines[2].Prior = &claim.LineAdjudication{Paid: 2000}
	medicareSecondary := secondary
	medicareSecondary.ID = "MSP"
	medicareSecondary.PayerID = "01112"
	mspOnPrimary := subscriber
	mspOnPrimary.ID = "MSPPRI"
	mspOnPrimary.MSPType = claim.MSPWorkingAged

	for _, tc := range []struct {
		c     claim.Claim
		field claim.Field
		line  int
		msg   string
	}{
		{noAddress, claim.FieldPatientAddress, 0, "2010BA N3 is required"},
		{unknownPayer, claim.FieldPayerID, 0, "no claim filing indicator"},
		{kidNoInsured, claim.FieldInsuredLastName, 0, "insured's last and first name"},
		{badRel, claim.FieldRelationship, 0, "not an X12 individual relationship code"},
		{noPrimary, claim.FieldOtherPayerID, 0, "names no primary payer"},
		{unpaid, claim.FieldPriorPaid, 0, "what payer 60054 paid"},
		{unbalanced, claim.FieldPriorAdjustments, 0, "add up to 273.25, not the claim total 283.25"},
		{unbalanced, claim.FieldPriorPaidDate, 0, "paid date"},
		{noF8, claim.FieldOriginalClaimNumber, 0, "REF*F8"},
		{noFacility, claim.FieldFacilityName, 0, "place of service 22 is a facility"},
		{ndc, claim.FieldNDCQuantity, 3, "quantity of drug"},
		{ndc, claim.FieldNDCUnit, 4, "unit of measure"},
		{medicareSecondary, claim.FieldMSPType, 0, "Medicare billed as a secondary payer"},
		{mspOnPrimary, claim.FieldMSPType, 0, "applies only to a claim billed to Medicare as secondary"},
		{lineUnbalanced, claim.FieldLinePriorAdjustments, 3, "do not add up to the line charge 35.75"},
	} {
		err := Check837P(&env, &tc.c)
		if !hasClaimError(err, tc.c.ID, tc.line, tc.field, tc.msg) {
			t.Errorf("claim %s: want a ClaimError on %s line %d mentioning %q; got %v", tc.c.ID, tc.field, tc.line, tc.msg, err)
		}
		if err != nil && (strings.Contains(err.Error(), "GONZALEZ") || strings.Contains(err.Error(), "Gonzalez") ||
			strings.Contains(err.Error(), "W123456789") || strings.Contains(err.Error(), "OAK")) {
			t.Errorf("error leaks patient data: %v", err)
		}
	}
	for _, c := range cc {
		if err := Check837P(&env, &c); err != nil {
			t.Errorf("claim %s refused: %v", c.ID, err)
		}
	}
	var buf bytes.Buffer
	if _, err := Write837P(&buf, env, []claim.Claim{noAddress}); err == nil || buf.Len() != 0 {
		t.Errorf("Write837P wrote a claim Check837P refuses: %v", err)
	}
}

// TestWrite837PFacilityFromTheSetup: a claim at a facility POS that names
// only the facility's NPI gets its 2310C name and address from the
// facilities set up; the claim's own address wins; without a setup the
// claim is refused on the facility.
func TestWrite837PFacilityFromTheSetup(t *testing.T) {
	env := testEnvelope837()
	hospital := coverageClaims()[6]
	set := hospital.Facility
	if set.NPI == "" || !claim.IsFacilityPOS(hospital.PlaceOfService) {
		t.Fatalf("test claim %s has no facility NPI or POS %s", hospital.ID, hospital.PlaceOfService)
	}
	env.Facilities = map[string]claim.Facility{set.NPI: set}
	byNPI := hospital
	byNPI.Facility = claim.Facility{NPI: set.NPI}
	if err := Check837P(&env, &byNPI); err != nil {
		t.Fatalf("Check837P of a facility named by NPI: %v", err)
	}
	data, _ := write837(t, env, []claim.Claim{byNPI})
	_, loop := segmentsOf(t, data, byNPI.ID)
	want := []string{"NM1*77*2*" + strings.ToUpper(set.Name) + "*****XX*" + set.NPI, "N3*" + strings.ToUpper(set.Address.Line1)}
	for _, w := range want {
		if !slices.ContainsFunc(loop, func(s string) bool {
			return strings.EqualFold(s, w) || strings.HasPrefix(strings.ToUpper(s), strings.ToUpper(w))
		}) {
			t.Errorf("2310C from the setup: %q lacks %s", loop, w)
		}
	}
	own := byNPI
	own.Facility.Name, own.Facility.Address = "Clinic Annex", claim.Address{Line1: "5 Side St", City: "Austin", State: "TX", Zip: "78701"}
	data, _ = write837(t, env, []claim.Claim{own})
	if _, loop = segmentsOf(t, data, own.ID); !slices.Contains(loop, "N3*5 SIDE ST") || !slices.Contains(loop, "NM1*77*2*CLINIC ANNEX*****XX*"+set.NPI) {
		t.Errorf("the claim's own facility address: %q", loop)
	}
	env.Facilities = nil
	if err := Check837P(&env, &byNPI); !hasClaimError(err, byNPI.ID, 0, claim.FieldFacilityAddress, "no street address") {
		t.Errorf("Check837P of a facility NPI nobody set up: %v", err)
	}
}

// TestWrite837POtherInsured: the other coverage's insured, when not the
// patient, goes in 2330A with the address the file gave (N3/N4), and a
// partial address or a bad sex is refused on the field.
func TestWrite837POtherInsured(t *testing.T) {
	env := testEnvelope837()
	c := coverageClaims()[10]
	data, _ := write837(t, env, []claim.Claim{c})
	check837(t, data, []claim.Claim{c})
	_, loop := segmentsOf(t, data, c.ID)
	i := slices.Index(loop, "NM1*IL*1*GONZALEZ*CARLOS****MI*UHC5550002")
	if i < 0 || i+3 >= len(loop) || loop[i+1] != "N3*88 RANCH RD" || loop[i+2] != "N4*AUSTIN*TX*787451234" || !strings.HasPrefix(loop[i+3], "NM1*PR*2*UNITEDHEALTHCARE") {
		t.Errorf("2330A of the spouse: %q", loop)
	}
	if !slices.Contains(loop, "SBR*S*01*******CI") {
		t.Errorf("2320 SBR of the spouse's coverage: %q", loop)
	}
	bad := c
	bad.OtherCoverage = slices.Clone(c.OtherCoverage)
	bad.OtherCoverage[0].Insured.Address.Zip = ""
	bad.OtherCoverage[0].Insured.Sex = "X"
	err := Check837P(&env, &bad)
	if !hasClaimError(err, c.ID, 0, claim.FieldOtherInsuredZip, "2330A N3/N4") || !hasClaimError(err, c.ID, 0, claim.FieldOtherInsuredSex, "F, M or U") {
		t.Errorf("Check837P of a partial other-insured address and sex X: %v", err)
	}
}
