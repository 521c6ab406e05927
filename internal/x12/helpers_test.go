package x12

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite the fixtures in fixtures/x12 from the writers")

// testTime is the envelope time of every written test document.
var testTime = time.Date(2026, time.March, 2, 14, 5, 0, 0, time.UTC)

// withCheckDigit completes a 9-digit NPI prefix with its Luhn check digit
// (computed over 80840 + prefix, as CMS specifies).
func withCheckDigit(prefix string) string {
	digits := "80840" + prefix
	sum := 0
	double := true // the rightmost digit of the prefix is doubled
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return prefix + strconv.Itoa((10-sum%10)%10)
}

// NPIs of the test providers (valid check digits).
var (
	npiRiverside = "1234567893" // the NOTES' known-valid NPI
	npiLakeside  = "1558598797"
	npiPatel     = withCheckDigit("172839405")
	npiOkafor    = withCheckDigit("198765432")
	npiChen      = withCheckDigit("145678912")
)

func testEnvelope() Envelope {
	return Envelope{
		SenderQualifier: "ZZ", SenderID: "RCMBOT01", ReceiverQualifier: "ZZ", ReceiverID: "CLEARHOUSE",
		InterchangeControl: 1201, GroupControl: 1201, TransactionControl: 1, Usage: "T", Time: testTime,
	}
}

func testEnvelope837() Envelope837 {
	return Envelope837{
		Envelope:  testEnvelope(),
		BatchID:   "BATCH20260302A",
		Submitter: Submitter{Name: "Riverside Billing Office", ID: "RCMBOT01", ContactName: "Dana Ruiz", Phone: "5125550142", Email: "billing@riverside.example"},
		Receiver:  Party{Name: "Example Clearinghouse", ID: "CLEARHOUSE"},
		Practitioners: map[string]Practitioner{
			npiPatel:  {LastName: "Patel", FirstName: "Anita", Taxonomy: "207Q00000X"},
			npiOkafor: {LastName: "Okafor", FirstName: "Chidi"},
			npiChen:   {LastName: "Chen", FirstName: "Wei", Taxonomy: "207X00000X"},
		},
		FilingIndicators: map[string]string{"01112": "MB", "60054": "CI", "87726": "CI"},
	}
}

var (
	riverside = claim.Provider{Name: "Riverside Family Medicine PA", NPI: npiRiverside, TIN: "741234567", Taxonomy: "207Q00000X",
		Address: claim.Address{Line1: "1200 W 6th St", Line2: "Suite 300", City: "Austin", State: "TX", Zip: "787031234"}}
	lakeside = claim.Provider{Name: "Lakeside Orthopedics & Rehab", NPI: npiLakeside, TIN: "209876543",
		Address: claim.Address{Line1: "88 Shoreline Dr", City: "Round Rock", State: "TX", Zip: "786641187"}}
)

// stDavids is a hospital, the service facility of outpatient claims.
var stDavids = claim.Facility{Name: "St David's Medical Center", NPI: "1558598797",
	Address: claim.Address{Line1: "919 E 32nd St", City: "Austin", State: "TX", Zip: "787051405"}}

func d(s string) claim.Date { return claim.MustDate(s) }

// demoClaims is a realistic small batch: two payers for one practice, a
// second practice billing Medicare, a patient with two claims, rendering
// and referring providers, a prior authorization, an NDC, a date range,
// 12 diagnoses, 4 modifiers and a name that needs cleaning.
func demoClaims() []claim.Claim {
	maria := claim.Patient{ID: "P-2201", LastName: "Gonzalez", FirstName: "Maria", DOB: d("1971-08-14"), Sex: claim.SexFemale,
		Address: claim.Address{Line1: "415 Oak Hollow Ln", City: "Austin", State: "TX", Zip: "78745"}}
	james := claim.Patient{ID: "P-3307", LastName: "Whitfield", FirstName: "James", DOB: d("1948-02-29"), Sex: claim.SexMale,
		Address: claim.Address{Line1: "9 Elm Ct", City: "Georgetown", State: "TX", Zip: "786263301"}}
	siobhan := claim.Patient{ID: "P-4410", LastName: "O'Brien-Núñez", FirstName: "Siobhán*Ann~", DOB: d("1990-11-03"), Sex: claim.SexFemale,
		Address: claim.Address{Line1: "77 Rio Grande St", Line2: "Apt 4", City: "Austin", State: "TX", Zip: "78701"}}
	return []claim.Claim{
		{ID: "PCN1001", Patient: maria, MemberID: "W123456789", GroupNumber: "GRP7781", PayerID: "60054", PayerName: "Aetna",
			Billing: riverside, RenderingNPI: npiPatel, ReferringNPI: npiOkafor, PlaceOfService: "11", FrequencyCode: "1",
			Diagnoses: []string{"E11.9", "I10", "E78.5"},
			Lines: []claim.Line{
				{Number: 1, From: d("2026-02-10"), To: d("2026-02-10"), Procedure: "99214", Modifiers: []string{"25"}, Units: 1, Charge: 18500, DxPointers: []int{1, 2, 3}},
				{Number: 2, From: d("2026-02-10"), To: d("2026-02-10"), Procedure: "93000", Units: 1, Charge: 6250, DxPointers: []int{2}},
				{Number: 3, From: d("2026-02-10"), Procedure: "83036", Units: 1, Charge: 3575, DxPointers: []int{1}},
			}},
		{ID: "PCN1002", Patient: maria, MemberID: "W123456789", GroupNumber: "GRP7781", PayerID: "60054", PayerName: "Aetna",
			Billing: riverside, RenderingNPI: npiRiverside, PlaceOfService: "11",
			Diagnoses: []string{"J02.9"},
			Lines: []claim.Line{
				{Number: 1, From: d("2026-02-17"), To: d("2026-02-17"), Procedure: "99213", Units: 1, Charge: 12000, DxPointers: []int{1}},
				{Number: 2, From: d("2026-02-17"), To: d("2026-02-17"), Procedure: "87880", Modifiers: []string{"QW"}, Units: 1, Charge: 2500, DxPointers: []int{1}},
			}},
		{ID: "PCN1003", Patient: siobhan, MemberID: "UHC99887766", PayerID: "87726", PayerName: "UnitedHealthcare",
			Billing: riverside, PlaceOfService: "22", PriorAuth: "PA-55120", Facility: stDavids,
			Diagnoses: []string{"M54.16", "M51.26"},
			Lines: []claim.Line{
				{Number: 1, From: d("2026-02-20"), Procedure: "72148", Modifiers: []string{"26"}, Units: 1, Charge: 41000, DxPointers: []int{1, 2}},
			}},
		{ID: "PCN2001", Patient: james, MemberID: "1EG4TE5MK72", PayerID: "01112", PayerName: "Medicare Part B",
			Billing: lakeside, RenderingNPI: npiChen, PlaceOfService: "11",
			Diagnoses: []string{"M17.11", "M25.561", "M62.81", "R26.89", "Z96.652", "E66.9", "I10", "E11.42", "G89.29", "M79.604", "Z79.4", "Z68.30"},
			Lines: []claim.Line{
				{Number: 1, From: d("2026-02-02"), To: d("2026-02-13"), Procedure: "97110", Modifiers: []string{"GP", "KX", "59", "XU"}, Units: 8, Charge: 36000, DxPointers: []int{1, 2, 3, 4}},
				{Number: 2, From: d("2026-02-13"), To: d("2026-02-13"), Procedure: "20610", Modifiers: []string{"RT"}, Units: 1, Charge: 21000, DxPointers: []int{1, 2}},
				{Number: 3, From: d("2026-02-13"), To: d("2026-02-13"), Procedure: "J3301", Units: 4, Charge: 1620, DxPointers: []int{1}, NDC: "0003-0293-05",
					NDCQuantity: 1, NDCUnit: claim.NDCUnitMilliliter},
				{Number: 4, From: d("2026-02-13"), To: d("2026-02-13"), Procedure: "J1100", Units: 0.5, Charge: 995, DxPointers: []int{12, 11, 10, 9}, NDC: "63323-0165-01",
					NDCQuantity: 0.5, NDCUnit: claim.NDCUnitUnit},
			}},
	}
}

// sharedSamples returns the directory of the shared X12 samples
// (../shared/x12-samples): skipped without them, failed under
// RCMBOT_REQUIRE_SHARED.
func sharedSamples(t testing.TB) string {
	t.Helper()
	return shareddata.Dir(t, "x12-samples")
}

func readSample(t testing.TB, rel string) []byte {
	t.Helper()
	return mustRead(t, filepath.Join(sharedSamples(t), rel))
}

// fixturePath is the path of a committed fixture in fixtures/x12.
func fixturePath(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures", "x12", name)
}

// golden compares got with fixtures/x12/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := fixturePath(name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if the change is intended)\ngot:\n%s", path, got)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
