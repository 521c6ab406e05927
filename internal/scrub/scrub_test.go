package scrub

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

var (
	starterOnce sync.Once
	starterData *refdata.Data
)

func starter(t testing.TB) *refdata.Data {
	t.Helper()
	starterOnce.Do(func() {
		d, err := refdata.Starter()
		if err != nil {
			panic(err)
		}
		starterData = d
	})
	return starterData
}

var today = claim.MustDate("2026-02-02")

// testMBI is a Medicare Beneficiary Identifier in the CMS format (the
// example CMS publishes), for claims billed to Medicare.
const testMBI = "1EG4TE5MK73"

// atDOS moves every line of a claim to dos.
func atDOS(dos claim.Date) func(c *claim.Claim) {
	return func(c *claim.Claim) {
		for i := range c.Lines {
			c.Lines[i].From, c.Lines[i].To = dos, dos
		}
	}
}

// cleanClaim is a correct office-visit claim: it must produce no findings.
func cleanClaim(id string) claim.Claim {
	dos := claim.MustDate("2026-01-05")
	return claim.Claim{
		ID: id,
		Patient: claim.Patient{ID: "PAT-" + id, LastName: "Doe", FirstName: "Jane", DOB: claim.MustDate("1980-05-17"), Sex: claim.SexFemale,
			Address: claim.Address{Line1: "1 Test Ln", City: "Springfield", State: "IL", Zip: "62704"}},
		MemberID: "W" + id + "77", PayerID: "60054", PayerName: "Aetna",
		Billing: claim.Provider{Name: "Riverside Family Medicine", NPI: "1234567893", TIN: "123456789", Taxonomy: "207Q00000X",
			Address: claim.Address{Line1: "12 Main St", City: "Springfield", State: "IL", Zip: "62701"}},
		RenderingNPI: "1558598797", PlaceOfService: "11", FrequencyCode: "1",
		Diagnoses: []string{"E119", "I10"},
		Lines: []claim.Line{
			{Number: 1, From: dos, To: dos, Procedure: "99213", Units: 1, Charge: 12500, DxPointers: []int{1, 2}, Row: 2},
			{Number: 2, From: dos, To: dos, Procedure: "36415", Units: 1, Charge: 1500, DxPointers: []int{1}, Row: 3},
		},
		Row: 2,
	}
}

func newScrubber(t testing.TB, ref *refdata.Data) *Scrubber {
	t.Helper()
	s, err := New(ref, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ruleIDs(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	return out
}

type scrubCase struct {
	name   string
	edit   func(c *claim.Claim) // on a clean claim
	batch  func() []claim.Claim // instead of edit: a whole batch; findings of the last claim are checked
	ctx    func(*Context)
	want   []string    // rule IDs expected on the checked claim, in order
	field  claim.Field // when set, the first finding's field
	line   int         // when field is set, the first finding's line
	inMsg  string      // when set, the first finding's message contains it
	inFix  string      // when set, the first finding's fix contains it
	refdat *refdata.Data
}

func runCases(t *testing.T, cases []scrubCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := tc.refdat
			if ref == nil {
				ref = starter(t)
			}
			s := newScrubber(t, ref)
			var batch []claim.Claim
			if tc.batch != nil {
				batch = tc.batch()
			} else {
				c := cleanClaim("C1")
				if tc.edit != nil {
					tc.edit(&c)
				}
				batch = []claim.Claim{c}
			}
			ctx := Context{Today: today}
			if tc.ctx != nil {
				tc.ctx(&ctx)
			}
			rep := s.Scrub(batch, ctx)
			res := rep.Results[len(batch)-1]
			got := ruleIDs(res.Findings)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("rules %v; want %v\nfindings: %s", got, want, dump(res.Findings))
			}
			if len(want) == 0 {
				if res.Tier != TierClean || res.Score != 0 {
					t.Errorf("clean claim: tier %s score %d", res.Tier, res.Score)
				}
				return
			}
			f := res.Findings[0]
			if tc.field != "" && (f.Field != tc.field || f.Line != tc.line) {
				t.Errorf("field %s line %d; want %s line %d", f.Field, f.Line, tc.field, tc.line)
			}
			if tc.inMsg != "" && !strings.Contains(f.Message, tc.inMsg) {
				t.Errorf("message %q; want it to contain %q", f.Message, tc.inMsg)
			}
			if tc.inFix != "" && !strings.Contains(f.Fix, tc.inFix) {
				t.Errorf("fix %q; want it to contain %q", f.Fix, tc.inFix)
			}
			for _, f := range res.Findings {
				checkFinding(t, f, batch[len(batch)-1])
			}
			// Rescrub of the claim gives the same result as the batch scrub.
			if again := s.Rescrub(batch, len(batch)-1, ctx); !reflect.DeepEqual(again, res) {
				t.Errorf("Rescrub differs:\n%s\n%s", dump(again.Findings), dump(res.Findings))
			}
		})
	}
}

// checkFinding checks what every finding must hold.
func checkFinding(t *testing.T, f Finding, c claim.Claim) {
	t.Helper()
	if f.ClaimID != c.ID || f.Category == "" || f.Severity == "" || f.Message == "" || f.Fix == "" || f.Points < 0 {
		t.Errorf("incomplete finding %+v", f)
	}
	if _, ok := catOrder[f.Category]; !ok {
		t.Errorf("unknown category %q", f.Category)
	}
	if f.Field != "" && !knownField(f.Field) {
		t.Errorf("finding field %q is not a canonical claim field", f.Field)
	}
	// Claim-level payer rules may name a line field (they cannot tell which
	// line); built-in rules point line fields at their line. Place of
	// service and rendering NPI are claim fields a line may override.
	perLine := f.Field == claim.FieldPlaceOfService || f.Field == claim.FieldRenderingNPI
	if f.Category != CatPayerRule && (f.Line == 0) == claim.IsLineField(f.Field) && f.Field != claim.FieldProcedureCode && f.Field != claim.FieldDateFrom && !(perLine && f.Line > 0) {
		t.Errorf("finding %s: line %d with field %s", f.RuleID, f.Line, f.Field)
	}
	for _, phi := range []string{c.Patient.LastName, c.Patient.FirstName, c.MemberID, c.Patient.DOB.String()} {
		if phi != "" && (strings.Contains(f.Message, phi) || strings.Contains(f.Fix, phi)) {
			t.Errorf("finding %s leaks %q: %s", f.RuleID, phi, f.Message)
		}
	}
}

func dump(fs []Finding) string {
	b, _ := json.MarshalIndent(fs, "", " ")
	return string(b)
}

func TestCleanClaimHasNoFindings(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "office visit and venipuncture"},
		{name: "pointers given as letters A,B arrive as 1,2", edit: func(c *claim.Claim) { c.Lines[0].DxPointers = []int{2, 1} }},
		{name: "7th-character codes", edit: func(c *claim.Claim) {
			c.Diagnoses = []string{"S72001A", "T450X1A", "S0181XA", "W19XXXA"}
			c.Lines[0].DxPointers = []int{1, 2, 3, 4}
		}},
		{name: "sequela code not principal", edit: func(c *claim.Claim) { c.Diagnoses = []string{"M5450", "S72001S"} }},
		{name: "category II code at zero charge", edit: func(c *claim.Claim) {
			c.Lines = append(c.Lines, claim.Line{From: c.Lines[0].From, Procedure: "3074F", Units: 1, Charge: 0, DxPointers: []int{1}})
		}},
		{name: "claim total equal to lines", edit: func(c *claim.Claim) { c.HasTotal, c.TotalCharge = true, 14000 }},
		{name: "maternity code for a 30-year-old woman", edit: func(c *claim.Claim) {
			c.Patient.DOB = claim.MustDate("1995-06-01")
			c.Diagnoses = []string{"Z3481", "Z3A20"}
		}},
		{name: "prostate cancer for a man", edit: func(c *claim.Claim) { c.Patient.Sex = claim.SexMale; c.Diagnoses = []string{"C61", "I10"} }},
		{name: "sex U is not checked", edit: func(c *claim.Claim) { c.Patient.Sex = claim.SexUnknown; c.Diagnoses = []string{"C61", "I10"} }},
		{name: "filed on day 90 for a 90-day payer", edit: func(c *claim.Claim) {
			d := today.AddDays(-90)
			for i := range c.Lines {
				c.Lines[i].From, c.Lines[i].To = d, d
			}
		}},
		{name: "codes unknown to the starter set are not judged", edit: func(c *claim.Claim) {
			c.Diagnoses = []string{"E1122", "N1830", "J0190"}
			c.Lines[0].Modifiers = []string{"25"}
			c.Lines[0].Procedure = "99214"
			c.Billing.Taxonomy = "207RG0100X"
		}},
	})
}

func TestRequired(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "billing NPI", edit: func(c *claim.Claim) { c.Billing.NPI = "" }, want: []string{"REQ-001"}, field: claim.FieldBillingNPI},
		{name: "billing name", edit: func(c *claim.Claim) { c.Billing.Name = " " }, want: []string{"REQ-002"}, field: claim.FieldBillingName},
		{name: "billing zip", edit: func(c *claim.Claim) { c.Billing.Address.Zip = "6270" }, want: []string{"REQ-003"}, field: claim.FieldBillingZip, inMsg: "6270"},
		{name: "billing city", edit: func(c *claim.Claim) { c.Billing.Address.City = "" }, want: []string{"REQ-003"}, field: claim.FieldBillingCity},
		{name: "TIN with hyphen", edit: func(c *claim.Claim) { c.Billing.TIN = "12-3456789" }, want: []string{"REQ-004"}, field: claim.FieldBillingTIN},
		{name: "member ID", edit: func(c *claim.Claim) { c.MemberID = "" }, want: []string{"REQ-005"}, field: claim.FieldMemberID},
		{name: "payer ID", edit: func(c *claim.Claim) { c.PayerID = "" }, want: []string{"REQ-006"}, field: claim.FieldPayerID},
		{name: "first name", edit: func(c *claim.Claim) { c.Patient.FirstName = "" }, want: []string{"REQ-007"}, field: claim.FieldPatientFirstName},
		{name: "DOB", edit: func(c *claim.Claim) { c.Patient.DOB = 0 }, want: []string{"REQ-008"}, field: claim.FieldPatientDOB},
		{name: "sex X", edit: func(c *claim.Claim) { c.Patient.Sex = "X" }, want: []string{"REQ-009"}, field: claim.FieldPatientSex},
		{name: "no diagnosis", edit: func(c *claim.Claim) { c.Diagnoses = nil }, want: []string{"REQ-010", "PTR-003", "PTR-003", "PTR-003"}, field: claim.FieldDx(1)},
		{name: "no lines", edit: func(c *claim.Claim) { c.Lines = nil }, want: []string{"REQ-011"}},
		{name: "line without code", edit: func(c *claim.Claim) { c.Lines[1].Procedure = "" }, want: []string{"REQ-012"}, field: claim.FieldProcedureCode, line: 2},
		{name: "line without date", edit: func(c *claim.Claim) { c.Lines[1].From, c.Lines[1].To = 0, 0 }, want: []string{"REQ-013"}, field: claim.FieldDateFrom, line: 2},
		{name: "line without units", edit: func(c *claim.Claim) { c.Lines[0].Units = 0 }, want: []string{"REQ-014"}, field: claim.FieldUnits, line: 1},
		{name: "line without charge", edit: func(c *claim.Claim) { c.Lines[0].Charge = 0 }, want: []string{"REQ-015"}, field: claim.FieldLineCharge, line: 1},
		{name: "51 lines", edit: func(c *claim.Claim) {
			codes := []string{"99213", "36415", "85025", "80053", "81002", "93000", "71046", "73721", "G0008", "90471"}
			c.Lines = c.Lines[:0]
			for i := 0; i < 51; i++ {
				d := claim.MustDate("2025-12-01").AddDays(i / 10)
				c.Lines = append(c.Lines, claim.Line{From: d, To: d, Procedure: codes[i%10], Units: 1, Charge: 1000, DxPointers: []int{1}})
			}
		}, want: []string{"REQ-016"}, line: 51, field: claim.FieldLineNumber},
		{name: "13 diagnoses", edit: func(c *claim.Claim) {
			c.Diagnoses = []string{"E119", "I10", "E785", "K219", "N390", "J069", "R51.9", "F411", "G4733", "Z23", "M542", "R0602", "D649"}
			c.Diagnoses[6] = "R519"
		}, want: []string{"REQ-017"}, field: claim.FieldDx(12)},
	})
}

func TestNPIAndTaxonomy(t *testing.T) {
	for npi, ok := range map[string]bool{"1234567893": true, "1558598797": true, "1234567890": false, "9876543210": false, "123456789": false, "12345678AB": false} {
		if ValidNPI(npi) != ok {
			t.Errorf("ValidNPI(%s) = %v", npi, !ok)
		}
	}
	runCases(t, []scrubCase{
		{name: "billing NPI check digit", edit: func(c *claim.Claim) { c.Billing.NPI = "1234567890" }, want: []string{"NPI-001"}, field: claim.FieldBillingNPI, inMsg: "1234567890"},
		{name: "rendering NPI", edit: func(c *claim.Claim) { c.RenderingNPI = "9876543210" }, want: []string{"NPI-002"}, field: claim.FieldRenderingNPI},
		{name: "referring NPI", edit: func(c *claim.Claim) { c.ReferringNPI = "155859879" }, want: []string{"NPI-003"}, field: claim.FieldReferringNPI},
		{name: "taxonomy format", edit: func(c *claim.Claim) { c.Billing.Taxonomy = "207Q00000" }, want: []string{"TAX-001"}, field: claim.FieldBillingTaxonomy},
	})
}

func TestICD10(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "ICD-9 code", edit: func(c *claim.Claim) { c.Diagnoses[1] = "25000" }, want: []string{"ICD-001"}, field: claim.FieldDx(2)},
		{name: "header E11", edit: func(c *claim.Claim) { c.Diagnoses[0] = "E11" }, want: []string{"ICD-003"}, field: claim.FieldDx(1), inFix: "E11.22"},
		{name: "header M54.5 since FY2022", edit: func(c *claim.Claim) { c.Diagnoses[0] = "M545" }, want: []string{"ICD-003"}, inFix: "M54.50, M54.59"},
		{name: "7th character missing", edit: func(c *claim.Claim) { c.Diagnoses[0] = "S72001" }, want: []string{"ICD-004"}, inFix: "S72.001A, S72.001D, S72.001S"},
		{name: "X placeholder missing", edit: func(c *claim.Claim) { c.Diagnoses[1] = "T4501A" }, want: []string{"ICD-004"}, field: claim.FieldDx(2), inFix: "T45.0X1A"},
		{name: "sequela as principal", edit: func(c *claim.Claim) { c.Diagnoses[0] = "T450X1S" }, want: []string{"ICD-005"}, field: claim.FieldDx(1)},
		{name: "manifestation as principal", edit: func(c *claim.Claim) { c.Diagnoses = []string{"G63", "E1142"} }, want: []string{"ICD-006"}},
		{name: "duplicate diagnosis", edit: func(c *claim.Claim) { c.Diagnoses = []string{"E119", "I10", "E119"} }, want: []string{"ICD-007"}, field: claim.FieldDx(3)},
	})
}

// TestICD10FiscalYears uses order files of two fiscal years: M54.5 was
// billable until FY2021 and a header from FY2022.
func TestICD10FiscalYears(t *testing.T) {
	dir := t.TempDir()
	line := func(n int, code, flag string) string {
		return strings.Join([]string{pad5(n), pad(code, 7), flag, pad("x", 60), "x"}, " ") + "\n"
	}
	files := map[string]string{
		"icd10cm_order_2021.txt": line(1, "E119", "1") + line(2, "I10", "1") + line(3, "M545", "1"),
		"icd10cm_order_2022.txt": line(1, "E119", "1") + line(2, "I10", "1") + line(3, "M545", "0") + line(4, "M5450", "1"),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := refdata.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := func(dos string, dx ...string) func(c *claim.Claim) {
		return func(c *claim.Claim) {
			d := claim.MustDate(dos)
			c.PayerID, c.MemberID = "01112", testMBI // Medicare: 365-day filing limit
			c.Diagnoses = dx
			c.Lines = c.Lines[:1]
			c.Lines[0].From, c.Lines[0].To, c.Lines[0].DxPointers = d, d, []int{1}
		}
	}
	ctx := func(x *Context) { x.Today = claim.MustDate("2022-03-01") }
	runCases(t, []scrubCase{
		{name: "M54.5 on 2021-09-30 (FY2021)", edit: at("2021-09-30", "M545"), ctx: ctx, refdat: ref},
		{name: "M54.5 on 2021-10-01 (FY2022)", edit: at("2021-10-01", "M545"), ctx: ctx, refdat: ref, want: []string{"ICD-003"}, inFix: "M54.50"},
		{name: "M54.50 on 2021-10-01", edit: at("2021-10-01", "M5450"), ctx: ctx, refdat: ref},
		{name: "M54.50 before it existed", edit: at("2021-09-30", "M5450"), ctx: ctx, refdat: ref, want: []string{"ICD-002"}, inMsg: "FY2021"},
		{name: "unknown code with full order files", edit: at("2021-10-01", "E1199"), ctx: ctx, refdat: ref, want: []string{"ICD-002"}},
	})
	// A date in a fiscal year with no order file is checked against the
	// nearest one: the finding keeps its severity, and the batch says once
	// that the year is missing.
	s := newScrubber(t, ref)
	c, c2 := cleanClaim("C1"), cleanClaim("C2")
	at("2023-01-10", "M545")(&c)
	at("2023-01-12", "M5450")(&c2)
	rep := s.Scrub([]claim.Claim{c, c2}, Context{Today: claim.MustDate("2023-02-01")})
	r := rep.Results[0]
	if len(r.Findings) != 1 || r.Findings[0].Severity != SevError || !strings.Contains(r.Findings[0].Message, "FY2022") || r.Tier != TierHold {
		t.Errorf("approximate fiscal year: %s", dump(r.Findings))
	}
	if len(rep.Notices) != 1 || rep.Notices[0].Code != NoticeICDYear || rep.Notices[0].Claims != 2 ||
		rep.Notices[0].From != claim.MustDate("2023-01-10") || rep.Notices[0].Through != claim.MustDate("2023-01-12") ||
		!strings.Contains(rep.Notices[0].Message, "FY2023") || !strings.Contains(rep.Notices[0].Message, "against FY2022") {
		t.Errorf("notices %+v", rep.Notices)
	}
}

func pad(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }
func pad5(n int) string {
	s := strings.Repeat("0", 5) + string(rune('0'+n))
	return s[len(s)-5:]
}

func TestProcedureModifierPOSPointers(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "4-digit CPT", edit: func(c *claim.Claim) { c.Lines[1].Procedure = "3641" }, want: []string{"PRC-001"}, field: claim.FieldProcedureCode, line: 2},
		{name: "HCPCS with a letter that does not exist", edit: func(c *claim.Claim) { c.Lines[1].Procedure = "W1234" }, want: []string{"PRC-001"}},
		{name: "category III and PLA are valid", edit: func(c *claim.Claim) {
			c.Lines[1].Procedure = "0042T"
			c.Lines = append(c.Lines, claim.Line{From: c.Lines[0].From, Procedure: "0001U", Units: 1, Charge: 9900, DxPointers: []int{1}})
		}},
		{name: "HCPCS before it was added", edit: func(c *claim.Claim) {
			d := claim.MustDate("2020-06-01")
			c.Lines[1].Procedure, c.Lines[1].From, c.Lines[1].To = "G2211", d, d
			c.Lines[0].From, c.Lines[0].To = d, d
		}, ctx: func(x *Context) { x.Today = claim.MustDate("2020-07-01") }, want: []string{"PRC-003"}, inMsg: "2021-01-01"},
		{name: "NOC drug code", edit: func(c *claim.Claim) { c.Lines[1].Procedure = "J3490" }, want: []string{"PRC-004"}},
		{name: "five modifiers", edit: func(c *claim.Claim) { c.Lines[0].Modifiers = []string{"25", "GT", "95", "59", "XS"} }, want: []string{"MOD-003"}, field: claim.FieldModifiers, line: 1},
		{name: "bad modifier", edit: func(c *claim.Claim) { c.Lines[0].Modifiers = []string{"25", "5"} }, want: []string{"MOD-001"}, field: claim.FieldModifier(2), line: 1},
		{name: "repeated modifier", edit: func(c *claim.Claim) { c.Lines[0].Modifiers = []string{"25", "25"} }, want: []string{"MOD-004"}, field: claim.FieldModifier(2), line: 1},
		{name: "POS 00", edit: func(c *claim.Claim) { c.PlaceOfService = "00" }, want: []string{"POS-001"}, field: claim.FieldPlaceOfService},
		{name: "POS unassigned 28", edit: func(c *claim.Claim) { c.PlaceOfService = "28" }, want: []string{"POS-001"}},
		{name: "no patient address", edit: func(c *claim.Claim) { c.Patient.Address = claim.Address{} }, want: []string{"REQ-018"}, field: claim.FieldPatientAddress},
		{name: "patient ZIP of 4 digits", edit: func(c *claim.Claim) { c.Patient.Address.Zip = "6270" }, want: []string{"REQ-018"}, field: claim.FieldPatientZip},
		{name: "a child without the insured", edit: func(c *claim.Claim) { c.Relationship = claim.RelationshipChild }, want: []string{"REQ-019"}, field: claim.FieldInsuredLastName},
		{name: "a child with the insured", edit: func(c *claim.Claim) {
			c.Relationship, c.Insured = claim.RelationshipChild, claim.Patient{LastName: "Doe", FirstName: "Pat"}
		}},
		{name: "void without the original", edit: func(c *claim.Claim) { c.FrequencyCode = claim.FrequencyVoid }, want: []string{"REQ-020"}, field: claim.FieldOriginalClaimNumber},
		{name: "secondary without the primary", edit: func(c *claim.Claim) { c.Responsibility = claim.Secondary }, want: []string{"REQ-021"}, field: claim.FieldOtherPayerID},
		{name: "secondary without the primary's payment", edit: func(c *claim.Claim) {
			c.Responsibility, c.OtherCoverage = claim.Secondary, []claim.Coverage{{Responsibility: claim.Primary, PayerID: "60054"}}
		}, want: []string{"REQ-021"}, field: claim.FieldPriorPaid, inMsg: "60054"},
		{name: "secondary with the primary's payment", edit: func(c *claim.Claim) {
			c.Responsibility = claim.Secondary
			c.OtherCoverage = []claim.Coverage{{Responsibility: claim.Primary, PayerID: "60054", Adjudication: &claim.Adjudication{Paid: 100, PaidDate: claim.MustDate("2026-03-01")}}}
		}},
		{name: "outpatient hospital without the facility", edit: func(c *claim.Claim) { c.PlaceOfService = "22" }, want: []string{"REQ-022"}, field: claim.FieldFacilityName},
		{name: "NDC without its quantity", edit: func(c *claim.Claim) { c.Lines[1].NDC = "00409123401" }, want: []string{"REQ-023"}, field: claim.FieldNDCQuantity, line: 2},
		{name: "NDC without its unit", edit: func(c *claim.Claim) { c.Lines[1].NDC, c.Lines[1].NDCQuantity = "00409123401", 2 }, want: []string{"REQ-023"}, field: claim.FieldNDCUnit, line: 2},
		{name: "POS missing", edit: func(c *claim.Claim) { c.PlaceOfService = "" }, want: []string{"POS-001"}},
		{name: "no pointer", edit: func(c *claim.Claim) { c.Lines[1].DxPointers = nil }, want: []string{"PTR-001"}, field: claim.FieldDxPointers, line: 2},
		{name: "five pointers", edit: func(c *claim.Claim) {
			c.Diagnoses = []string{"E119", "I10", "E785", "K219", "N390"}
			c.Lines[0].DxPointers = []int{1, 2, 3, 4, 5}
		}, want: []string{"PTR-002"}},
		{name: "pointer C with two diagnoses", edit: func(c *claim.Claim) { c.Lines[0].DxPointers = []int{1, 3} }, want: []string{"PTR-003"}, inMsg: "3 (C)"},
		{name: "pointer repeated", edit: func(c *claim.Claim) { c.Lines[0].DxPointers = []int{1, 1} }, want: []string{"PTR-004"}},
	})
}

func TestDatesChargesTimely(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "future DOS", edit: func(c *claim.Claim) { c.Lines[1].From, c.Lines[1].To = today.AddDays(3), today.AddDays(3) }, want: []string{"DT-001"}, line: 2, field: claim.FieldDateFrom},
		{name: "DOS before birth", edit: func(c *claim.Claim) { c.Patient.DOB = claim.MustDate("2026-01-06") }, want: []string{"DT-002", "DT-002"}, line: 1, field: claim.FieldDateFrom},
		{name: "to before from", edit: func(c *claim.Claim) { c.Lines[0].To = c.Lines[0].From.AddDays(-1) }, want: []string{"DT-003"}, field: claim.FieldDateTo, line: 1},
		{name: "age 160", edit: func(c *claim.Claim) { c.Patient.DOB = claim.MustDate("1866-01-01") }, want: []string{"DT-004"}, field: claim.FieldPatientDOB},
		{name: "negative charge", edit: func(c *claim.Claim) { c.Lines[1].Charge = -1500 }, want: []string{"CHG-001"}, line: 2, field: claim.FieldLineCharge},
		{name: "negative units", edit: func(c *claim.Claim) { c.Lines[1].Units = -1 }, want: []string{"CHG-002"}, line: 2, field: claim.FieldUnits},
		{name: "total differs", edit: func(c *claim.Claim) { c.HasTotal, c.TotalCharge = true, 14500 }, want: []string{"CHG-003"}, field: claim.FieldTotalCharge, inMsg: "145.00"},
		{name: "91 days for a 90-day payer", edit: func(c *claim.Claim) {
			d := today.AddDays(-91)
			for i := range c.Lines {
				c.Lines[i].From, c.Lines[i].To = d, d
			}
		}, want: []string{"TF-001"}, inMsg: "90 days"},
		{name: "Medicare 366 days", edit: func(c *claim.Claim) {
			c.PayerID, c.MemberID = "01112", testMBI
			d := today.AddDays(-366)
			for i := range c.Lines {
				c.Lines[i].From, c.Lines[i].To = d, d
			}
		}, want: []string{"TF-001"}, inMsg: "365 days"},
		{name: "Medicare 365 days is in time", edit: func(c *claim.Claim) {
			c.PayerID, c.MemberID = "01112", testMBI
			d := today.AddDays(-365)
			for i := range c.Lines {
				c.Lines[i].From, c.Lines[i].To = d, d
			}
		}},
	})
}

func TestAgeSexEligibility(t *testing.T) {
	coverage := func(st CoverageStatus) func(*Context) {
		return func(x *Context) {
			x.Coverage = func(payer, member string, dos claim.Date) CoverageStatus {
				if payer != "60054" || member != "WC177" || dos != claim.MustDate("2026-01-05") {
					return CoverageNoData
				}
				return st
			}
		}
	}
	runCases(t, []scrubCase{
		{name: "maternity code at 70", edit: func(c *claim.Claim) {
			c.Patient.DOB = claim.MustDate("1955-01-01")
			c.Diagnoses = []string{"Z3481", "I10"}
		}, want: []string{"MCE-001"}, field: claim.FieldDx(1), inMsg: "maternity"},
		{name: "pregnancy for a man", edit: func(c *claim.Claim) { c.Patient.Sex = claim.SexMale; c.Diagnoses = []string{"O80", "Z3A20"} }, want: []string{"MCE-002", "MCE-002"}, inMsg: "female"},
		{name: "prostate for a woman", edit: func(c *claim.Claim) { c.Diagnoses = []string{"C61"}; c.Lines[0].DxPointers = []int{1} }, want: []string{"MCE-002"}},
		{name: "newborn code at 3", edit: func(c *claim.Claim) {
			c.Patient.DOB = claim.MustDate("2022-11-01")
			c.Diagnoses = []string{"Z3800", "Z00129"}
		}, want: []string{"MCE-001"}, inMsg: "newborn"},
		{name: "child exam code for an adult", edit: func(c *claim.Claim) { c.Diagnoses = []string{"Z00129", "I10"} }, want: []string{"MCE-001"}, inMsg: "pediatric"},
		{name: "newborn code at birth", edit: func(c *claim.Claim) {
			c.Patient.DOB = claim.MustDate("2026-01-04")
			c.Diagnoses = []string{"Z3800", "P599"}
		}},
		{name: "coverage inactive", ctx: coverage(CoverageInactive), want: []string{"ELIG-001"}, field: claim.FieldMemberID},
		{name: "member unknown", ctx: coverage(CoverageMemberUnknown), want: []string{"ELIG-002"}},
		{name: "coverage active", ctx: coverage(CoverageActive)},
		{name: "no eligibility data", ctx: coverage(CoverageNoData)},
	})
}

// twoClaims returns a batch of two claims of one patient on one day; edit
// changes the second.
func twoClaims(edit func(first, second *claim.Claim)) func() []claim.Claim {
	return func() []claim.Claim {
		a, b := cleanClaim("C1"), cleanClaim("C2")
		b.Patient, b.MemberID = a.Patient, a.MemberID
		edit(&a, &b)
		return []claim.Claim{a, b}
	}
}

func TestDuplicates(t *testing.T) {
	stored := func(x *Context) {
		c := cleanClaim("OLD1")
		c.Patient.ID = "PAT-C1"
		x.History = HistoryFromClaim(&c)
	}
	runCases(t, []scrubCase{
		{name: "exact duplicate claim in batch", batch: twoClaims(func(a, b *claim.Claim) {}), want: []string{"DUP-001", "DUP-001"}, line: 1, field: claim.FieldProcedureCode, inMsg: "claim C1 line 1"},
		{name: "same line twice on a claim", edit: func(c *claim.Claim) { c.Lines = append(c.Lines, c.Lines[1]) }, want: []string{"DUP-001"}, inMsg: "line 2 of this claim"},
		{name: "duplicate of a stored claim", ctx: stored, want: []string{"DUP-002", "DUP-002"}, inMsg: "stored claim OLD1"},
		{name: "re-scrub of the same stored claim", ctx: func(x *Context) { c := cleanClaim("C1"); x.History = HistoryFromClaim(&c) }},
		{name: "replacement claim vs the stored original", edit: func(c *claim.Claim) { c.FrequencyCode, c.OriginalClaimNumber = "7", "ICN1" }, ctx: stored},
		{name: "secondary claim vs the stored primary claim", edit: func(c *claim.Claim) {
			c.Responsibility, c.PayerID = claim.Secondary, "87726"
			c.OtherCoverage = []claim.Coverage{{Responsibility: claim.Primary, PayerID: "60054", Adjudication: &claim.Adjudication{Paid: 100, PaidDate: claim.MustDate("2026-03-01")}}}
		}, ctx: stored},
		{name: "secondary claim sent twice", edit: func(c *claim.Claim) { c.Responsibility = claim.Secondary }, ctx: func(x *Context) {
			c := cleanClaim("OLD1")
			c.Patient.ID = "PAT-C1"
			x.History = HistoryFromClaim(&c)
		}, want: []string{"REQ-021", "DUP-002", "DUP-002"}},
		{name: "suspect: same code, other charge", batch: twoClaims(func(a, b *claim.Claim) { b.Lines = b.Lines[:1]; b.Lines[0].Charge = 15000 }), want: []string{"DUP-003"}},
		{name: "repeat lab with 91 is not a duplicate", batch: twoClaims(func(a, b *claim.Claim) {
			b.Lines = b.Lines[1:]
			b.Lines[0].Modifiers = []string{"91"}
		})},
		{name: "right and left knee imaging are not duplicates", edit: func(c *claim.Claim) {
			c.Lines = []claim.Line{
				{From: c.Lines[0].From, Procedure: "73721", Modifiers: []string{"RT"}, Units: 1, Charge: 90000, DxPointers: []int{1}},
				{From: c.Lines[0].From, Procedure: "73721", Modifiers: []string{"LT"}, Units: 1, Charge: 90000, DxPointers: []int{1}},
			}
		}},
		{name: "other patient same codes", batch: func() []claim.Claim { return []claim.Claim{cleanClaim("C1"), cleanClaim("C2")} }},
		{name: "same patient other day", batch: twoClaims(func(a, b *claim.Claim) {
			for i := range b.Lines {
				b.Lines[i].From, b.Lines[i].To = b.Lines[i].From.AddDays(7), b.Lines[i].From.AddDays(7)
			}
		})},
		{name: "patient matched by payer and member when no patient ID", batch: twoClaims(func(a, b *claim.Claim) {
			a.Patient.ID, b.Patient.ID = "", ""
		}), want: []string{"DUP-001", "DUP-001"}},
	})
}

// ncciLines builds a claim with the given procedure lines on one day.
func ncciLines(lines ...claim.Line) func(c *claim.Claim) {
	return func(c *claim.Claim) {
		for i := range lines {
			lines[i].From, lines[i].To = c.Lines[0].From, c.Lines[0].From
			lines[i].DxPointers = []int{1}
			if lines[i].Units == 0 {
				lines[i].Units = 1
			}
			if lines[i].Charge == 0 {
				lines[i].Charge = 10000
			}
		}
		c.Diagnoses = []string{"M1711", "M25561"}
		c.Lines = lines
	}
}

func TestNCCIPTP(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "29881 with 29877, indicator 0", edit: ncciLines(claim.Line{Procedure: "29881", Modifiers: []string{"RT"}}, claim.Line{Procedure: "29877", Modifiers: []string{"RT"}}),
			want: []string{"NCCI-PTP-001"}, line: 2, field: claim.FieldProcedureCode, inMsg: "29877 is NCCI column 2 of 29881"},
		{name: "indicator 0 is not bypassed by 59", edit: ncciLines(claim.Line{Procedure: "29881"}, claim.Line{Procedure: "29877", Modifiers: []string{"59"}}), want: []string{"NCCI-PTP-001"}},
		{name: "29881 with 29875, indicator 1, no modifier", edit: ncciLines(claim.Line{Procedure: "29881"}, claim.Line{Procedure: "29875"}),
			want: []string{"NCCI-PTP-002"}, line: 2, field: claim.FieldModifiers, inFix: "59"},
		{name: "column 2 listed first", edit: ncciLines(claim.Line{Procedure: "29875"}, claim.Line{Procedure: "29881"}), want: []string{"NCCI-PTP-002"}, line: 1},
		{name: "indicator 1 with 59: bypassed, X modifier preferred", edit: ncciLines(claim.Line{Procedure: "29881"}, claim.Line{Procedure: "29875", Modifiers: []string{"59"}}),
			want: []string{"NCCI-PTP-007"}},
		{name: "indicator 1 with XS", edit: ncciLines(claim.Line{Procedure: "29881"}, claim.Line{Procedure: "29875", Modifiers: []string{"XS"}})},
		{name: "indicator 1 with 25 on the E/M", edit: ncciLines(claim.Line{Procedure: "20610", Modifiers: []string{"RT"}}, claim.Line{Procedure: "99213", Modifiers: []string{"25"}})},
		{name: "edit deleted before the DOS", edit: ncciLines(claim.Line{Procedure: "97140"}, claim.Line{Procedure: "97530"})},
		{name: "different rendering provider", batch: twoClaims(func(a, b *claim.Claim) {
			ncciLines(claim.Line{Procedure: "29881"})(a)
			ncciLines(claim.Line{Procedure: "29877"})(b)
			b.RenderingNPI = "1234567893"
		})},
		{name: "across two claims of the batch", batch: twoClaims(func(a, b *claim.Claim) {
			ncciLines(claim.Line{Procedure: "29881"})(a)
			ncciLines(claim.Line{Procedure: "29877"})(b)
		}), want: []string{"NCCI-PTP-001"}, inMsg: "claim C1 line 1"},
		{name: "column 1 on the later claim flags the earlier one", batch: func() []claim.Claim {
			cs := twoClaims(func(a, b *claim.Claim) {
				ncciLines(claim.Line{Procedure: "29877"})(a)
				ncciLines(claim.Line{Procedure: "29881"})(b)
			})()
			return []claim.Claim{cs[1], cs[0]}
		}, want: []string{"NCCI-PTP-001"}},
		{name: "column 1 after a stored column 2", edit: ncciLines(claim.Line{Procedure: "29881"}), ctx: func(x *Context) {
			x.History = []HistoryLine{{ClaimID: "OLD", PatientID: "PAT-C1", PayerID: "60054", DOS: claim.MustDate("2026-01-05"), Procedure: "29877", Units: 1, Charge: 5000, BillingNPI: "1234567893", RenderingNPI: "1558598797"}}
		}, want: []string{"NCCI-PTP-003"}},
	})
}

func TestMUE(t *testing.T) {
	runCases(t, []scrubCase{
		{name: "MAI 3 over on one line", edit: func(c *claim.Claim) { c.Lines[1].Units = 3 }, want: []string{"MUE-003"}, line: 2, field: claim.FieldUnits, inMsg: "MUE is 2"},
		{name: "MAI 3 summed over lines", edit: func(c *claim.Claim) {
			l := c.Lines[1]
			l.Modifiers = []string{"91"}
			l.Units = 2
			c.Lines = append(c.Lines, l)
		}, want: []string{"MUE-003"}, line: 3, inMsg: "reach 3"},
		{name: "MAI 2 summed over claims", batch: twoClaims(func(a, b *claim.Claim) {
			a.Lines = []claim.Line{{From: a.Lines[0].From, Procedure: "G0422", Units: 4, Charge: 40000, DxPointers: []int{1}}}
			b.Lines = []claim.Line{{From: a.Lines[0].From, Procedure: "G0422", Units: 3, Charge: 30000, DxPointers: []int{1}, Modifiers: []string{"76"}}}
		}), want: []string{"MUE-002"}, inMsg: "reach 7"},
		{name: "MAI 1 split over lines each within the limit", edit: func(c *claim.Claim) {
			d := c.Lines[0].From
			c.Lines = []claim.Line{
				{From: d, Procedure: "A0425", Units: 200, Charge: 200000, DxPointers: []int{1}},
				{From: d, Procedure: "A0425", Units: 200, Charge: 200000, DxPointers: []int{1}, Modifiers: []string{"76"}},
			}
		}},
		{name: "MAI 1 over on a line", edit: func(c *claim.Claim) {
			c.Lines = []claim.Line{{From: c.Lines[0].From, Procedure: "A0425", Units: 251, Charge: 251000, DxPointers: []int{1}}}
		}, want: []string{"MUE-001"}, inMsg: "251 units"},
		{name: "MAI 3 within limit across claims", batch: twoClaims(func(a, b *claim.Claim) {
			b.Lines = b.Lines[1:]
			b.Lines[0].Modifiers = []string{"91"}
		})},
	})
}

func TestPayerRules(t *testing.T) {
	telehealth := func(mod string) func(c *claim.Claim) {
		return func(c *claim.Claim) {
			c.PlaceOfService = "10"
			c.Lines = c.Lines[:1]
			if mod != "" {
				c.Lines[0].Modifiers = []string{mod}
			}
		}
	}
	runCases(t, []scrubCase{
		{name: "Aetna telehealth without 95", edit: telehealth(""), want: []string{"AETNA-TELEHEALTH-95"}, field: claim.FieldPlaceOfService, inMsg: "POS 10"},
		{name: "Aetna telehealth with 95", edit: telehealth("95")},
		{name: "UHC MRI without prior auth", edit: func(c *claim.Claim) {
			c.PayerID = "87726"
			c.Lines[1].Procedure = "70553"
			c.Lines[1].Charge = 180000
		}, want: []string{"UHC-PRIOR-AUTH-MRI"}, field: claim.FieldPriorAuth},
		{name: "UHC MRI with prior auth", edit: func(c *claim.Claim) {
			c.PayerID, c.PriorAuth = "87726", "PA12345"
			c.Lines[1].Procedure = "70553"
		}},
		{name: "any payer: line over $10,000", edit: func(c *claim.Claim) { c.Lines[0].Charge = 1250000 }, want: []string{"ALL-HIGH-CHARGE"}},
	})
}

func dirWithRules(t *testing.T, rules string) *refdata.Data {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules", "test.yaml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := refdata.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestPayerRuleFeatures(t *testing.T) {
	ref := dirWithRules(t, `payer: "60054"
rules:
  - id: T-LINE-ARM
    description: line rule
    severity: error
    when: 'line.procedure == "36415" && line.charge > 10'
    message: 'Venipuncture charged {{ line.charge }} on line {{line.number}} ({{ line.diagnoses[0] }}, DOS {{ claim.dos }}).'
    fix: Charge the fee schedule amount.
    field: line_charge
    weight: 25
    carc: "45"
  - id: T-EXPIRED
    severity: warning
    when: 'true'
    message: expired rule
    expires: "2025-12-31"
  - id: T-FUTURE
    severity: warning
    when: 'true'
    message: not yet in force
    effective: "2026-06-01"
`)
	s := newScrubber(t, ref)
	r := s.Scrub([]claim.Claim{cleanClaim("C1")}, Context{Today: today}).Results[0]
	if len(r.Findings) != 1 {
		t.Fatalf("findings %s", dump(r.Findings))
	}
	f := r.Findings[0]
	if f.RuleID != "T-LINE-ARM" || f.Line != 2 || f.Field != claim.FieldLineCharge || f.Points != 25 || f.CARC != "45" || f.Row != 3 ||
		f.Message != "Venipuncture charged 15 on line 2 (E119, DOS 2026-01-05)." || r.Tier != TierHold {
		t.Errorf("line rule finding %+v tier %s", f, r.Tier)
	}
	// Weights: by rule ID over category.
	s2, err := New(ref, Config{Weights: map[string]int{"payer_rule": 5, "T-LINE-ARM": 7}})
	if err != nil {
		t.Fatal(err)
	}
	if r := s2.Scrub([]claim.Claim{cleanClaim("C1")}, Context{Today: today}).Results[0]; r.Score != 7 {
		t.Errorf("weighted score %d", r.Score)
	}
}

func TestBadPayerRulesFail(t *testing.T) {
	cases := map[string]string{
		"when: 'claim.pos ==' ":                      "when:",
		"when: 'claim.nope == \"1\"'":                "nope",
		"when: 'claim.pos'":                          "when:",
		"when: 'true'\n    field: not_a_field":       "not a claim field",
		"when: 'true'\n    effective: 2026-13-01":    "effective",
		"when: 'true'\n    fix: 'x {{ claim.zzz }}'": "fix",
	}
	for body, want := range cases {
		rules := "payer: '*'\nrules:\n  - id: BAD-1\n    severity: error\n    message: m\n    " + body + "\n"
		ref := dirWithRules(t, rules)
		_, err := New(ref, Config{})
		if err == nil || !strings.Contains(err.Error(), "test.yaml") || !strings.Contains(err.Error(), "BAD-1") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v; want file, rule id and %q", body, err, want)
		}
	}
	ref := dirWithRules(t, "payer: '*'\nrules:\n  - id: BAD-2\n    severity: fatal\n    when: 'true'\n    message: m\n")
	if _, err := New(ref, Config{}); err == nil || !strings.Contains(err.Error(), "severity") {
		t.Errorf("bad severity: %v", err)
	}
}

func TestStarterPayerRulesCompile(t *testing.T) {
	ref := *starter(t)
	ref.Payers = payers.Starter()
	s := newScrubber(t, &ref)
	n := len(s.rules.global)
	for _, rs := range s.rules.byPayer {
		n += len(rs)
	}
	if n != 4 {
		t.Errorf("compiled %d starter rules; want 4", n)
	}
}

func TestScoreTiersSummary(t *testing.T) {
	s := newScrubber(t, starter(t))
	bad := cleanClaim("C3")
	bad.Billing.NPI = "1234567890" // NPI-001 40
	bad.Diagnoses[0] = "E11"       // ICD-003 40
	bad.PlaceOfService = "00"      // POS-001 40
	warn := cleanClaim("C2")
	warn.Diagnoses = []string{"E119", "I10", "E119"} // ICD-007 warning 10
	rep := s.Scrub([]claim.Claim{cleanClaim("C1"), warn, bad}, Context{Today: today})
	r := rep.Results
	if r[0].Tier != TierClean || r[1].Tier != TierReview || r[1].Score != 10 || r[2].Tier != TierHold || r[2].Score != 100 {
		t.Fatalf("tiers/scores: %v %d / %v %d / %v %d", r[0].Tier, r[0].Score, r[1].Tier, r[1].Score, r[2].Tier, r[2].Score)
	}
	sum := 0
	for _, f := range r[2].Findings {
		sum += f.Points
	}
	if sum != 100 {
		t.Errorf("points add up to %d, not the score 100", sum)
	}
	sm := rep.Summary
	if sm.Claims != 3 || sm.Lines != 6 || sm.Clean != 1 || sm.Flagged != 2 || sm.Review != 1 || sm.Hold != 1 || sm.Errors != 3 || sm.Warnings != 1 || sm.ChargesAtRisk != 14000 {
		t.Errorf("summary %+v", sm)
	}
	if cs := sm.ByCategory[CatICD10]; cs.Findings != 2 || cs.Claims != 2 || cs.Errors != 1 || cs.Warnings != 1 {
		t.Errorf("icd10 summary %+v", cs)
	}
	// Warnings adding up to the hold score hold the claim.
	s2, _ := New(starter(t), Config{Weights: map[string]int{"ICD-007": 30}})
	many := cleanClaim("C4")
	many.Diagnoses = []string{"E119", "I10", "E119", "I10"}
	if r := s2.Scrub([]claim.Claim{many}, Context{Today: today}).Results[0]; r.Score != 60 || r.Tier != TierHold {
		t.Errorf("warnings at hold score: %d %s", r.Score, r.Tier)
	}
}

func TestDeterministicAndJSONShape(t *testing.T) {
	s := newScrubber(t, starter(t))
	batch := benchBatch(200, starter(t))
	a := s.Scrub(batch, Context{Today: today})
	b := s.Scrub(batch, Context{Today: today})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two scrubs of one batch differ")
	}
	flagged := slices.IndexFunc(a.Results, func(r Result) bool { return len(r.Findings) > 0 })
	if flagged < 0 {
		t.Fatal("benchmark batch has no findings")
	}
	js, _ := json.Marshal(a.Results[flagged].Findings[0])
	var m map[string]any
	_ = json.Unmarshal(js, &m)
	for _, k := range []string{"claim_id", "line", "category", "rule_id", "severity", "field", "message", "fix", "carc"} {
		if _, ok := m[k]; !ok {
			t.Errorf("finding JSON lacks %q: %s", k, js)
		}
	}
}

func TestCatalogueIDsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Catalogue() {
		if r.ID == "" || seen[r.ID] || r.Title == "" || r.Weight <= 0 {
			t.Errorf("rule %+v", r)
		}
		seen[r.ID] = true
		if _, ok := catOrder[r.Category]; !ok {
			t.Errorf("rule %s category %q", r.ID, r.Category)
		}
	}
	if len(seen) != numRules {
		t.Errorf("%d rules, %d constants", len(seen), numRules)
	}
	doc, err := os.ReadFile("RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	for id := range seen {
		if !strings.Contains(string(doc), "`"+id+"`") {
			t.Errorf("RULES.md does not document %s", id)
		}
	}
}
