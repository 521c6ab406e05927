package eligibility

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func kinds(ds []Discrepancy) []DiscrepancyKind {
	out := []DiscrepancyKind{}
	for _, d := range ds {
		out = append(out, d.Kind)
	}
	return out
}

func activeResult(remaining claim.Money) Result {
	res := Result{
		Payer:      Party{ID: "60054", Name: "AETNA"},
		Subscriber: Person{MemberID: "W884412907", FirstName: "DOLORES A", LastName: "FAIRWEATHER", DOB: claim.MustDate("1971-03-04")},
		Benefits: []Benefit{{Code: "1", ServiceTypes: []string{"30"}},
			{Code: "C", CoverageLevel: "IND", Period: "29", Amount: &remaining, InNetwork: "Y"}},
	}
	res.finish(&Request{DateOfService: claim.MustDate("2026-03-02")})
	return res
}

var onFile = Request{PayerID: "60054", MemberID: "w884-412-907", FirstName: "Dolores", LastName: "Fairweather",
	DOB: claim.MustDate("1971-03-04"), DateOfService: claim.MustDate("2026-03-02")}

func TestDiscrepanciesCleanMatchIsNotFlagged(t *testing.T) {
	// Case, dashes in the member ID, a middle initial in the payer's first
	// name and a deductible just under the threshold are all fine.
	if ds := Discrepancies(onFile, activeResult(99999)); len(ds) != 0 {
		t.Errorf("clean match flagged: %+v", ds)
	}
	tricky := []struct{ payerFirst, payerLast, fileFirst, fileLast string }{
		{"MARY", "OBRIEN", "Mary", "O'Brien"},
		{"MARY ANN", "SMITH", "Mary-Ann", "Smith"},
		{"MARY", "SMITH JR", "Mary Ann", "Smith"},
		{"JOSE", "NUNEZ", "José", "Núñez"},
		{"ANNE", "VAN DER BERG", "Anne", "Van der Berg"},
	}
	for _, c := range tricky {
		res := activeResult(0)
		res.Subscriber.FirstName, res.Subscriber.LastName = c.payerFirst, c.payerLast
		f := onFile
		f.FirstName, f.LastName = c.fileFirst, c.fileLast
		if ds := Discrepancies(f, res); len(ds) != 0 {
			t.Errorf("%s %s vs %s %s flagged: %+v", c.payerFirst, c.payerLast, c.fileFirst, c.fileLast, ds)
		}
	}
}

func TestDiscrepanciesFlagged(t *testing.T) {
	res := activeResult(150000)
	res.Payer.ID = "87726"
	res.Subscriber.MemberID = "W884412970"
	res.Subscriber.FirstName = "JON"
	res.Subscriber.DOB = claim.MustDate("1971-04-03")
	res.Benefits = append(res.Benefits, Benefit{Code: "R", Entities: []Entity{{Code: "PRP", Name: "MEDICARE PART B", ID: "01112"}}})
	res.finish(&onFile)
	ds := Discrepancies(onFile, res)
	want := []DiscrepancyKind{PayerMismatch, MemberIDMismatch, NameMismatch, DOBMismatch, OtherCoverage, HighDeductible}
	if !reflect.DeepEqual(kinds(ds), want) {
		t.Fatalf("kinds %v; want %v", kinds(ds), want)
	}
	for _, d := range ds {
		for _, phi := range []string{"W884", "DOLORES", "Fairweather", "1971"} {
			if strings.Contains(d.Message, phi) {
				t.Errorf("%s message carries patient data: %q", d.Kind, d.Message)
			}
		}
	}
	if ds[4].Payer != "primary MEDICARE PART B 01112" || ds[5].Payer != "1500.00" || ds[3].OnFile != "1971-03-04" {
		t.Errorf("values: %+v", ds)
	}
	// The threshold is configurable, and 0 turns the check off.
	if k := kinds(Rules{HighDeductible: 200000}.Discrepancies(onFile, activeResult(150000))); len(k) != 0 {
		t.Errorf("raised threshold still flags: %v", k)
	}
	if k := kinds(Rules{}.Discrepancies(onFile, activeResult(150000))); len(k) != 0 {
		t.Errorf("threshold 0 flags: %v", k)
	}
}

func TestDiscrepanciesStatus(t *testing.T) {
	inactive := Result{Benefits: []Benefit{{Code: "6"}}, Plan: Plan{Begin: claim.MustDate("2024-01-01"), End: claim.MustDate("2025-12-31")}}
	inactive.finish(&onFile)
	ds := Discrepancies(onFile, inactive)
	if !reflect.DeepEqual(kinds(ds), []DiscrepancyKind{InactiveCoverage}) || ds[0].Payer != "2024-01-01 to 2025-12-31" {
		t.Errorf("inactive: %+v", ds)
	}
	unknown := Result{Errors: []AAAError{{Code: "75"}}, Subscriber: Person{MemberID: "X"}}
	unknown.finish(&onFile)
	// An unknown member is not also a member ID or name mismatch.
	if k := kinds(Discrepancies(onFile, unknown)); !reflect.DeepEqual(k, []DiscrepancyKind{UnknownMember}) {
		t.Errorf("unknown: %v", k)
	}
	retry := Result{Errors: []AAAError{{Code: "42"}}}
	retry.finish(&onFile)
	if k := kinds(Discrepancies(onFile, retry)); len(k) != 0 {
		t.Errorf("retry later is not a discrepancy: %v", k)
	}
}

func TestDiscrepanciesDependent(t *testing.T) {
	res := activeResult(0)
	res.Patient = &Person{FirstName: "MARY", LastName: "FAIRWEATHER", DOB: claim.MustDate("2012-10-14"), Relationship: "19"}
	f := onFile
	f.FirstName, f.DOB = "Mary", claim.MustDate("2012-10-14")
	// The patient is compared with the dependent, the member ID with the subscriber's.
	if ds := Discrepancies(f, res); len(ds) != 0 {
		t.Errorf("dependent flagged: %+v", ds)
	}
}
