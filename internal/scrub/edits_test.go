package scrub

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/shareddata"
)

// The edits of issue 16, each with cases that must be flagged and cases
// that must not, run on the full public code sets (../shared/codesets;
// CI sets RCMBOT_REQUIRE_SHARED, so they fail there rather than skip) with
// a payers.yaml that adds test payers of each edit set.

var (
	sharedOnce sync.Once
	sharedRef  *refdata.Data
	sharedErr  error
)

// testPayers adds to the starter payers three commercial payers with
// other edit sets.
const testPayers = `payers:
  - id: "01112"
    name: Medicare Part B
    claim_filing_indicator: MB
  - id: "60054"
    name: Aetna
    timely_filing_days: 90
    claim_filing_indicator: CI
  - id: "SKCO0"
    name: State Medicaid
    claim_filing_indicator: MC
  - id: "CMALL"
    name: Commercial applying every MUE
    claim_filing_indicator: CI
    edits:
      mue: all
  - id: "CMNONE"
    name: Commercial without NCCI and MUE
    claim_filing_indicator: CI
    edits:
      ncci_ptp: false
      mue: none
  - id: "CMANY"
    name: Commercial with Medicare's bypass rule
    claim_filing_indicator: CI
    edits:
      ncci_bypass: any_line
`

// shared loads the public code sets with the test payers once.
func shared(t testing.TB) *refdata.Data {
	t.Helper()
	dir := shareddata.Dir(t, "codesets")
	sharedOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "rcmbot-scrub-refdata-")
		if err != nil {
			sharedErr = err
			return
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			sharedErr = err
			return
		}
		for _, e := range entries {
			if e.IsDir() {
				if err := os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
					sharedErr = err
					return
				}
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, "payers.yaml"), []byte(testPayers), 0o644); err != nil {
			sharedErr = err
			return
		}
		sharedRef, sharedErr = refdata.Load(tmp)
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedRef
}

// onShared runs the cases on the shared code sets.
func onShared(t *testing.T, cases []scrubCase) {
	t.Helper()
	ref := shared(t)
	for i := range cases {
		cases[i].refdat = ref
	}
	runCases(t, cases)
}

// payer sets the claim's payer (and an MBI for Medicare).
func payer(id string) func(c *claim.Claim) {
	return func(c *claim.Claim) {
		c.PayerID = id
		if id == "01112" {
			c.MemberID = testMBI
		}
	}
}

func both(fs ...func(c *claim.Claim)) func(c *claim.Claim) {
	return func(c *claim.Claim) {
		for _, f := range fs {
			f(c)
		}
	}
}

func l(code string, mods ...string) claim.Line { return claim.Line{Procedure: code, Modifiers: mods} }

// TestNCCIModifierLogic covers the correct-coding rules and each payer's
// bypass behaviour, including the four cases issue 16 found passing clean.
func TestNCCIModifierLogic(t *testing.T) {
	medicare, aetna := payer("01112"), payer("60054")
	onShared(t, []scrubCase{
		// E/M billed with a procedure it is bundled into.
		{name: "99213 + 20610-RT: the E/M needs 25 (Aetna)", edit: both(aetna, ncciLines(l("99213"), l("20610", "RT"))),
			want: []string{"NCCI-PTP-004"}, line: 1, field: claim.FieldModifiers, inMsg: "correct coding"},
		{name: "99213 + 20610-RT: the E/M needs 25 (Medicare bypasses on RT, still denied)", edit: both(medicare, ncciLines(l("99213"), l("20610", "RT"))),
			want: []string{"NCCI-PTP-004"}, inMsg: "would bypass the edit on RT on line 2"},
		{name: "20610-25 + 99213: 25 on the wrong line", edit: both(aetna, ncciLines(l("20610", "25"), l("99213"))),
			want: []string{"NCCI-PTP-004"}, line: 2, inMsg: "Modifier 25 is on 20610"},
		{name: "99213-59 + 20610: 59 never on an E/M", edit: both(aetna, ncciLines(l("99213", "59"), l("20610"))),
			want: []string{"NCCI-PTP-005"}, line: 1, inFix: "25"},
		{name: "99213-XS + 20610 (Medicare): X modifiers never on an E/M", edit: both(medicare, ncciLines(l("99213", "XS"), l("20610"))),
			want: []string{"NCCI-PTP-005"}},
		{name: "99213-25 + 20610-RT is correct", edit: both(aetna, ncciLines(l("99213", "25"), l("20610", "RT")))},
		{name: "99213-57 + 20610 is correct (decision for surgery)", edit: both(aetna, ncciLines(l("99213", "57"), l("20610")))},
		{name: "99214 + 99213-25 (E/M pair: 25 on the column-2 E/M)", edit: both(aetna, ncciLines(l("99214"), l("99213", "25")))},
		// Procedure pairs: anatomic modifiers, distinct-service modifiers.
		{name: "20611-RT + 20610-RT, same knee (Aetna: correct coding denies)", edit: both(aetna, ncciLines(l("20611", "RT"), l("20610", "RT"))),
			want: []string{"NCCI-PTP-002"}, line: 2, inMsg: "same site"},
		{name: "20611-RT + 20610-RT, same knee (Medicare bypasses: audit warning)", edit: both(medicare, ncciLines(l("20611", "RT"), l("20610", "RT"))),
			want: []string{"NCCI-PTP-006"}, inMsg: "Audit exposure"},
		{name: "20611-RT + 20610-RT, commercial payer with any_line bypass", edit: both(payer("CMANY"), ncciLines(l("20611", "RT"), l("20610", "RT"))),
			want: []string{"NCCI-PTP-006"}},
		{name: "20611-RT + 20610-LT, other knee", edit: both(aetna, ncciLines(l("20611", "RT"), l("20610", "LT")))},
		{name: "29881 + 29875-XS", edit: both(aetna, ncciLines(l("29881"), l("29875", "XS")))},
		{name: "29881 + 29875-59: X modifier more specific", edit: both(aetna, ncciLines(l("29881"), l("29875", "59"))),
			want: []string{"NCCI-PTP-007"}, inMsg: "XS (separate structure)"},
		{name: "29881-59 + 29875: the modifier belongs on column 2 (Aetna)", edit: both(aetna, ncciLines(l("29881", "59"), l("29875"))),
			want: []string{"NCCI-PTP-002"}, inMsg: "column-1 code 29881"},
		{name: "29881-59 + 29875 (Medicare bypasses on either line: audit warning)", edit: both(medicare, ncciLines(l("29881", "59"), l("29875"))),
			want: []string{"NCCI-PTP-006"}},
		{name: "29881 + 29875, no modifier (Medicare rule decides)", edit: both(medicare, ncciLines(l("29881"), l("29875"))),
			want: []string{"NCCI-PTP-002"}, inMsg: "claim-system rule"},
		{name: "29881 + 29877 indicator 0 even with XS", edit: both(aetna, ncciLines(l("29881", "RT"), l("29877", "XS"))),
			want: []string{"NCCI-PTP-001"}},
		{name: "payer without NCCI edits", edit: both(payer("CMNONE"), ncciLines(l("29881"), l("29877")))},
	})
}

func TestAddOnCodeEdits(t *testing.T) {
	onShared(t, []scrubCase{
		{name: "11103 alone (type 1)", edit: ncciLines(l("11103")), want: []string{"AOC-001"}, line: 1, field: claim.FieldProcedureCode, inMsg: "11102"},
		{name: "11102 + 11103", edit: ncciLines(l("11102"), l("11103"))},
		{name: "99417 with 99214 (type 1: only 99205 or 99215)", edit: ncciLines(l("99214"), l("99417")), want: []string{"AOC-001"}, line: 2, inMsg: "99215"},
		{name: "99417 with 99215", edit: ncciLines(l("99215"), l("99417"))},
		{name: "96160 alone (type 3)", edit: ncciLines(l("96160")), want: []string{"AOC-002"}},
		{name: "96160 with 99213 (type 3, listed)", edit: ncciLines(l("99213"), l("96160"))},
		{name: "76937 alone (type 2)", edit: ncciLines(l("76937")), want: []string{"AOC-003"}},
		{name: "76937 with a procedure (type 2)", edit: ncciLines(l("36556"), l("76937"))},
		{name: "11103 with its primary on another claim, same provider and day", batch: twoClaims(func(a, b *claim.Claim) {
			ncciLines(l("11102"))(a)
			ncciLines(l("11103"))(b)
		})},
		{name: "11103 with its primary on another claim of another provider", batch: twoClaims(func(a, b *claim.Claim) {
			ncciLines(l("11102"))(a)
			ncciLines(l("11103"))(b)
			b.RenderingNPI = "1234567893"
		}), want: []string{"AOC-001"}},
		{name: "11103 with its primary on a stored claim", edit: ncciLines(l("11103")), ctx: func(x *Context) {
			x.History = []HistoryLine{{ClaimID: "OLD", PatientID: "PAT-C1", DOS: claim.MustDate("2026-01-05"), Procedure: "11102", Units: 1, Charge: 9000,
				BillingNPI: "1234567893", RenderingNPI: "1558598797"}}
		}},
	})
}

func TestProcedureRulePackEdits(t *testing.T) {
	born := func(dob string) func(c *claim.Claim) {
		return func(c *claim.Claim) { c.Patient.DOB = claim.MustDate(dob) }
	}
	visit := func(code string) func(c *claim.Claim) {
		return func(c *claim.Claim) {
			c.Lines = c.Lines[:1]
			c.Lines[0].Procedure = code
			c.Lines[0].DxPointers = []int{1}
			c.Diagnoses = []string{"Z0000"}
		}
	}
	male := func(c *claim.Claim) { c.Patient.Sex = claim.SexMale }
	onShared(t, []scrubCase{
		// Preventive-visit age bands (the 45-year-old is 45 on 2026-01-05).
		{name: "99385 for a 45-year-old", edit: both(born("1980-05-17"), visit("99385")), want: []string{"PRA-001"}, inMsg: "18–39"},
		{name: "99386 for a 45-year-old", edit: both(born("1980-05-17"), visit("99386"))},
		{name: "99396 for a 45-year-old", edit: both(born("1980-05-17"), visit("99396"))},
		{name: "99391 for a 30-year-old", edit: both(born("1995-05-17"), visit("99391"), func(c *claim.Claim) { c.Diagnoses = []string{"Z0001"} }),
			want: []string{"PRA-001"}},
		{name: "99397 for a 70-year-old (Medicare: MUE 0, not the age)", edit: both(born("1955-05-17"), visit("99397"), payer("01112")),
			want: []string{"MUE-004"}},
		{name: "99397 for a 70-year-old, commercial", edit: both(born("1955-05-17"), visit("99397"))},
		// Sex-specific procedures.
		{name: "prostate biopsy for a woman", edit: func(c *claim.Claim) {
			c.Lines = []claim.Line{{From: c.Lines[0].From, Procedure: "55700", Units: 1, Charge: 90000, DxPointers: []int{1}}}
			c.Diagnoses = []string{"R319"}
		}, want: []string{"PRS-001"}, inFix: "KX"},
		{name: "prostate biopsy for a woman with KX", edit: func(c *claim.Claim) {
			c.Lines = []claim.Line{{From: c.Lines[0].From, Procedure: "55700", Modifiers: []string{"KX"}, Units: 1, Charge: 90000, DxPointers: []int{1}}}
			c.Diagnoses = []string{"R319"}
		}},
		{name: "prostate biopsy for a man", edit: both(male, func(c *claim.Claim) {
			c.Lines = []claim.Line{{From: c.Lines[0].From, Procedure: "55700", Units: 1, Charge: 90000, DxPointers: []int{1}}}
			c.Diagnoses = []string{"R319"}
		})},
		// Place-of-service families.
		{name: "office E/M at inpatient POS 21", edit: func(c *claim.Claim) { c.PlaceOfService, c.Facility = "21", testHospital }, want: []string{"POS-002"}, line: 1, field: claim.FieldPlaceOfService},
		{name: "office E/M in the office", edit: func(c *claim.Claim) { c.PlaceOfService = "11" }},
		{name: "office E/M by telehealth", edit: func(c *claim.Claim) { c.PlaceOfService = "02"; c.Lines = c.Lines[:1] }},
		{name: "emergency E/M in the office", edit: both(visit("99283"), func(c *claim.Claim) { c.Diagnoses = []string{"R1013"} }), want: []string{"POS-002"}},
		{name: "emergency E/M in the emergency department", edit: both(visit("99283"), func(c *claim.Claim) {
			c.Diagnoses = []string{"R1013"}
			c.PlaceOfService, c.Facility = "23", testHospital
		})},
		{name: "a line's own inpatient POS", edit: func(c *claim.Claim) { c.Lines[0].PlaceOfService = "21" }, want: []string{"POS-002"}, line: 1},
		// Combination code.
		{name: "20610 + 76942 is 20611", edit: ncciLines(l("20610", "RT"), l("76942", "XU")), want: []string{"PRC-006"}, line: 1, inMsg: "20611"},
		{name: "20611 alone", edit: ncciLines(l("20611", "RT"))},
	})
}

func TestMedicaidNDCAndDuplicates(t *testing.T) {
	drug := func(ndc ...string) func(c *claim.Claim) {
		return func(c *claim.Claim) {
			d := c.Lines[0].From
			c.Lines = c.Lines[:1]
			c.Lines[0].Modifiers = []string{"25"}
			for _, n := range ndc {
				c.Lines = append(c.Lines, claim.Line{From: d, Procedure: "J1100", Units: 5, Charge: 2000, DxPointers: []int{1}, NDC: n,
					NDCQuantity: 1, NDCUnit: claim.NDCUnitMilliliter})
			}
			c.Lines = append(c.Lines, claim.Line{From: d, Procedure: "96372", Units: 1, Charge: 3800, DxPointers: []int{1}})
		}
	}
	medicaid := payer("SKCO0")
	onShared(t, []scrubCase{
		{name: "Medicaid drug line without NDC", edit: both(medicaid, drug("")), want: []string{"NDC-001"}, line: 2, field: claim.FieldNDC},
		{name: "Medicaid drug line with NDC", edit: both(medicaid, drug("63323016501"))},
		{name: "commercial drug line without NDC", edit: drug("")},
		{name: "Medicaid drug split by NDC is not a duplicate", edit: both(medicaid, drug("63323016501", "00641036725"))},
		{name: "the same NDC twice is", edit: both(medicaid, drug("63323016501", "63323016501")), want: []string{"DUP-001"}, line: 3},
		{name: "same code, other units: suspect, not exact", edit: func(c *claim.Claim) {
			c.Lines[1].Procedure = "97110" // MUE 6
			c.Lines = append(c.Lines, c.Lines[1])
			c.Lines[2].Units = 2
		}, want: []string{"DUP-003"}, inMsg: "units"},
	})
}

func TestDiagnosisOrderAndExcludes1(t *testing.T) {
	dx := func(codes ...string) func(c *claim.Claim) {
		return func(c *claim.Claim) {
			c.Diagnoses = codes
			c.Lines[0].DxPointers = []int{1}
			c.Lines[1].DxPointers = []int{1}
		}
	}
	onShared(t, []scrubCase{
		{name: "external cause first", edit: dx("W19XXXA", "S0181XA"), want: []string{"ICD-008"}, field: claim.FieldDx(1), inFix: "external-cause code after"},
		{name: "external cause after the injury", edit: dx("S0181XA", "W19XXXA")},
		{name: "type 1 and type 2 diabetes", edit: dx("E119", "E109"), want: []string{"ICD-009"}, field: claim.FieldDx(2)},
		{name: "prediabetes with diabetes", edit: dx("R7303", "I10", "E119"), want: []string{"ICD-009"}, field: claim.FieldDx(3)},
		{name: "headache with migraine: only when unrelated", edit: dx("R519", "G43909"), want: []string{"ICD-010"}},
		{name: "diabetes with hypertension", edit: dx("E119", "I10")},
		{name: "asthma with COPD", edit: dx("J45909", "J449"), want: []string{"ICD-009"}},
	})
}

func TestMBIAndModifiers(t *testing.T) {
	medicare := func(id string) func(c *claim.Claim) {
		return func(c *claim.Claim) { c.PayerID, c.MemberID = "01112", id }
	}
	mod := func(m string) func(c *claim.Claim) {
		return func(c *claim.Claim) { c.Lines[1].Modifiers = []string{m} }
	}
	onShared(t, []scrubCase{
		{name: "Medicare with an MBI", edit: medicare(testMBI)},
		{name: "Medicare with a HICN", edit: medicare("123456789A"), want: []string{"MBI-001"}, field: claim.FieldMemberID, inMsg: "HICN"},
		{name: "Medicare MBI with dashes", edit: medicare("1EG4-TE5-MK73"), want: []string{"MBI-001"}, inMsg: "dashes"},
		{name: "Medicare MBI with a letter O", edit: medicare("1EG4TE5MK7O"), want: []string{"MBI-001"}, inMsg: "character 11"},
		{name: "commercial member ID is not an MBI", edit: payer("60054")},
		{name: "modifier ZZ", edit: mod("ZZ"), want: []string{"MOD-005"}, line: 2, field: claim.FieldModifier(1)},
		{name: "modifier 00", edit: mod("00"), want: []string{"MOD-005"}},
		{name: "modifier 91", edit: mod("91")},
	})
	for _, c := range []string{"1EG4TE5MK73", "9AA0AA0AA00", "1A00A00AA00"} {
		if p := mbiProblem(c); p != "" {
			t.Errorf("%s: %s", c, p)
		}
	}
	for _, c := range []string{"0EG4TE5MK73", "1SG4TE5MK73", "1EG4TE5MK7", "1EGATE5MK73", "1EG4TE5MK73X"} {
		if p := mbiProblem(c); p == "" || strings.Contains(p, c) {
			t.Errorf("%s: %q", c, p)
		}
	}
}

// TestPayerEditSets: MUE 0 marks what Medicare does not pay; commercial
// payers are not held for it (issue 16's false alarms).
func TestPayerEditSets(t *testing.T) {
	preventive := func(code, payerID string) func(c *claim.Claim) {
		return both(payer(payerID), func(c *claim.Claim) {
			c.Lines = c.Lines[:1]
			c.Lines[0].Procedure = code
			c.Diagnoses = []string{"Z0000"}
			c.Lines[0].DxPointers = []int{1}
		})
	}
	onShared(t, []scrubCase{
		{name: "99396 to Aetna", edit: preventive("99396", "60054")},
		{name: "99396 to Medicare", edit: preventive("99396", "01112"), want: []string{"MUE-004"}, inMsg: "Medicare does not pay"},
		{name: "99396 to Medicaid", edit: preventive("99396", "SKCO0"), want: []string{"MUE-004"}},
		{name: "99396 to a commercial payer applying every MUE", edit: preventive("99396", "CMALL"), want: []string{"MUE-004"}},
		{name: "99396 to a payer not in the directory", edit: preventive("99396", "99999")},
		{name: "36416 and 80050 to Aetna", edit: ncciLines(l("36416"), l("80050"))},
		{name: "J1100 121 units to a payer without MUEs", edit: both(payer("CMNONE"), func(c *claim.Claim) {
			c.Lines[1] = claim.Line{From: c.Lines[0].From, Procedure: "J1100", Units: 121, Charge: 12100, DxPointers: []int{1}}
		})},
		{name: "J1100 121 units to Aetna", edit: func(c *claim.Claim) {
			c.Lines[1] = claim.Line{From: c.Lines[0].From, Procedure: "J1100", Units: 121, Charge: 12100, DxPointers: []int{1}}
		}, want: []string{"MUE-003"}},
	})
}

// TestStaleReferenceData: a HCPCS list older than the date of service
// does not call a newer code invalid, and the batch says once which code
// sets were stale for which dates.
func TestStaleReferenceData(t *testing.T) {
	ref := shared(t)
	newCode := func(c *claim.Claim) { c.Lines[1].Procedure = "G0556" } // added in 2025, after the July 2024 list
	onShared(t, []scrubCase{
		{name: "G0556 in 2026 with the 2024 Q3 list", edit: newCode, want: []string{"PRC-005"}, inMsg: "may be a code added since"},
		{name: "an unknown code inside the list's quarter", edit: both(newCode, atDOS(claim.MustDate("2024-08-05"))),
			ctx: func(x *Context) { x.Today = claim.MustDate("2024-08-20") }, want: []string{"PRC-002"}},
	})
	s := newScrubber(t, ref)
	a, b := cleanClaim("A"), cleanClaim("B")
	newCode(&a)
	atDOS(claim.MustDate("2024-08-05"))(&b)
	rep := s.Scrub([]claim.Claim{a, b}, Context{Today: today})
	got := map[NoticeCode]Notice{}
	for _, n := range rep.Notices {
		got[n.Code] = n
	}
	if n := got[NoticeHCPCSStale]; n.Claims != 1 || n.From != claim.MustDate("2026-01-05") || !strings.Contains(n.Message, "2024 Q3") {
		t.Errorf("HCPCS notice %+v", n)
	}
	if n := got[NoticeNCCIStale]; n.Claims != 1 || n.Through != claim.MustDate("2026-01-05") {
		t.Errorf("NCCI notice %+v", n)
	}
	if _, ok := got[NoticeICDYear]; ok {
		t.Errorf("FY2024 and FY2026 are loaded: %+v", got[NoticeICDYear])
	}
	// A date of service in FY2027: reported once for the batch.
	c := cleanClaim("C")
	atDOS(claim.MustDate("2026-11-02"))(&c)
	rep = s.Scrub([]claim.Claim{c, c}, Context{Today: claim.MustDate("2026-12-01")})
	n := got[NoticeICDYear]
	for _, x := range rep.Notices {
		if x.Code == NoticeICDYear {
			n = x
		}
	}
	if n.Claims != 2 || !strings.Contains(n.Message, "FY2027") || !strings.Contains(n.Message, "against FY2026") {
		t.Errorf("FY2027 notice %+v", rep.Notices)
	}
}

// TestEachLineAgainstItsOwnFiscalYear: a claim across 1 October checks the
// diagnoses of each line in the set of that line's date of service.
func TestEachLineAgainstItsOwnFiscalYear(t *testing.T) {
	dir := t.TempDir()
	line := func(n int, code, flag string) string {
		return strings.Join([]string{pad5(n), pad(code, 7), flag, pad("x", 60), "x"}, " ") + "\n"
	}
	for name, body := range map[string]string{
		"icd10cm_order_2021.txt": line(1, "E119", "1") + line(2, "I10", "1") + line(3, "M545", "1"),
		"icd10cm_order_2022.txt": line(1, "E119", "1") + line(2, "I10", "1") + line(3, "M545", "0") + line(4, "M5450", "1"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := refdata.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	across := func(ptr1, ptr2 []int) func(c *claim.Claim) {
		return func(c *claim.Claim) {
			c.PayerID, c.MemberID = "01112", testMBI
			c.Diagnoses = []string{"I10", "M545"}
			d1, d2 := claim.MustDate("2021-09-30"), claim.MustDate("2021-10-01")
			c.Lines[0].From, c.Lines[0].To, c.Lines[0].DxPointers = d1, d1, ptr1
			c.Lines[1].From, c.Lines[1].To, c.Lines[1].DxPointers = d2, d2, ptr2
		}
	}
	ctx := func(x *Context) { x.Today = claim.MustDate("2021-11-01") }
	runCases(t, []scrubCase{
		{name: "M54.5 on the September line only", edit: across([]int{1, 2}, []int{1}), ctx: ctx, refdat: ref},
		{name: "M54.5 on the October line too", edit: across([]int{1, 2}, []int{2}), ctx: ctx, refdat: ref, want: []string{"ICD-003"}, inMsg: "FY2022"},
	})
}

// classifyProcedure is the plain reading of the code shapes keyAndKind
// classifies in one pass, as the test's reference.
func classifyProcedure(code string) procKind {
	if len(code) != 5 {
		return procInvalid
	}
	if digits(code[1:4]) {
		if c := code[0]; c >= '0' && c <= '9' {
			switch code[4] {
			case 'F':
				return procCPT2
			case 'T':
				return procCPT3
			case 'U':
				return procPLA
			case 'M':
				return procMAAA
			}
			if code[4] >= '0' && code[4] <= '9' {
				return procCPT1
			}
			return procInvalid
		}
		if code[4] >= '0' && code[4] <= '9' && strings.IndexByte("ABCDEGHJKLMPQRSTUV", code[0]) >= 0 {
			return procHCPCS
		}
	}
	return procInvalid
}

// TestKeyAndKind checks the one-pass classifier against KeyOf and
// classifyProcedure on every shape of code.
func TestKeyAndKind(t *testing.T) {
	codes := []string{}
	const alphabet = "0159AFGJMTUWZa-"
	for i := 0; i < 50_000; i++ {
		b := make([]byte, 5)
		for j, x := 0, i*7919; j < 5; j, x = j+1, x/len(alphabet) {
			b[j] = alphabet[(x+j*i)%len(alphabet)]
		}
		codes = append(codes, string(b))
	}
	for _, code := range append(codes, "99213", "0001U", "3074F", "0042T", "0002M", "J1100", "W1234", "G0008", "9921", "992133", "J11A0", "j1100",
		"A000A", "00100", "ZZZZZ", "1234X", "", "9921-", "F1234", "I1234") {
		k, kind := keyAndKind(code)
		wantKind := classifyProcedure(code)
		wantKey := refdata.KeyOf(code)
		if wantKind == procInvalid && kind == procInvalid {
			if k != wantKey {
				t.Errorf("%q: key %v, KeyOf %v", code, k, wantKey)
			}
			continue
		}
		if k != wantKey || kind != wantKind {
			t.Errorf("%q: %v %v; want %v %v", code, k, kind, wantKey, wantKind)
		}
	}
}

// testHospital is the service facility of claims at a hospital place of service.
var testHospital = claim.Facility{Name: "Test General Hospital", Address: claim.Address{Line1: "500 Hospital Dr", City: "Springfield", State: "IL", Zip: "62704"}}
