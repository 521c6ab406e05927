package provider

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// nppesHeader is a few columns of CMS's NPPES NPI file, in its order, with
// columns rcmbot does not read between them.
const nppesHeader = `"NPI","Entity Type Code","Replacement NPI","Employer Identification Number (EIN)","Provider Organization Name (Legal Business Name)","Provider Last Name (Legal Name)","Provider First Name","Provider First Line Business Practice Location Address","Provider Second Line Business Practice Location Address","Provider Business Practice Location Address City Name","Provider Business Practice Location Address State Name","Provider Business Practice Location Address Postal Code","Healthcare Provider Taxonomy Code_1"`

func TestReadNPPES(t *testing.T) {
	csv := nppesHeader + "\n" +
		`"1299000012","1","","","","PATEL","ANITA","1200 W 6TH ST","SUITE 300","AUSTIN","TX","787031234","207Q00000X"` + "\n" +
		`"1558598797","2","","<UNAVAIL>","LAKESIDE ORTHOPEDICS","","","88 SHORELINE DR","","ROUND ROCK","TX","78664-1187","207X00000X"` + "\n" +
		`"9876543210","1","","","","DOE","JOHN","","","","","",""` + "\n" + // check digit wrong
		`"1234567893","","","","","","","","","","","",""` + "\n" + // deactivated: no entity type
		`"1299000012","1","","","","PATEL","ANITA","","","","","",""` + "\n" + // twice
		`"1456789126","3","","","","CHEN","WEI","","","","","",""` + "\n" +
		`"1728394051","1","","","","","","","","","","","207Q0000"` + "\n"
	got, rowErrs, err := ReadNPPES(strings.NewReader("\ufeff"+csv), "providers.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Provider{{NPI: "1299000012", Entity: Individual, LastName: "PATEL", FirstName: "ANITA", Taxonomy: "207Q00000X"},
		{NPI: "1558598797", Entity: Organisation, Organisation: "LAKESIDE ORTHOPEDICS", Taxonomy: "207X00000X"}}
	want[0].Address.Line1, want[0].Address.Line2, want[0].Address.City, want[0].Address.State, want[0].Address.Zip = "1200 W 6TH ST", "SUITE 300", "AUSTIN", "TX", "787031234"
	want[1].Address.Line1, want[1].Address.City, want[1].Address.State, want[1].Address.Zip = "88 SHORELINE DR", "ROUND ROCK", "TX", "786641187"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("providers\n%+v\nwant\n%+v", got, want)
	}
	var msgs []string
	for _, e := range rowErrs {
		msgs = append(msgs, e.Error())
	}
	wantMsgs := []string{
		"providers.csv, row 4, column A (NPI): not a valid NPI (10 digits starting with 1 or 2, the last a Luhn check digit)",
		"providers.csv, row 5, column B (Entity Type Code): is empty: NPPES leaves it so for deactivated NPIs; give 1 (individual) or 2 (organisation)",
		"providers.csv, row 6, column A (NPI): the same NPI is on row 2",
		"providers.csv, row 7, column B (Entity Type Code): must be 1 (individual) or 2 (organisation)",
		"providers.csv, row 8, column F (Provider Last Name (Legal Name)): an individual provider needs a last name (the 837P requires it)",
		"providers.csv, row 8, column M (Healthcare Provider Taxonomy Code_1): a taxonomy code is 10 letters and digits (e.g. 207Q00000X)",
	}
	if !reflect.DeepEqual(msgs, wantMsgs) {
		t.Errorf("row errors\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(wantMsgs, "\n"))
	}
	for _, bad := range []struct{ in, why string }{
		{"", "not a CSV file with a header row"},
		{"NPI,Name\n1299000012,X\n", `no "Entity Type Code" column`},
		{nppesHeader + "\n\"1299000012,1\n", "row 2 is not valid CSV"},
	} {
		_, _, err := ReadNPPES(strings.NewReader(bad.in), "p.csv")
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), bad.why) {
			t.Errorf("%q: %v, want %q", bad.in, err, bad.why)
		}
	}
}

func TestValidateAndPractitioners(t *testing.T) {
	p := Provider{NPI: " 1299000012 ", Entity: Individual, LastName: " Patel ", Taxonomy: "207q00000x"}
	p.Normalize()
	if err := p.Validate(); err != nil || p.Taxonomy != "207Q00000X" || p.Name() != "Patel" {
		t.Errorf("%+v %v", p, err)
	}
	org := Provider{NPI: "1558598797", Entity: Organisation}
	if err := org.Validate(); err == nil || !strings.Contains(err.Error(), "legal business name") {
		t.Errorf("organisation without a name: %v", err)
	}
	org.Organisation = "LAKESIDE"
	base := map[string]x12.Practitioner{"1299000012": {LastName: "OLD"}, "1456789126": {LastName: "CHEN"}}
	got := Practitioners(base, []Provider{p, org})
	if got["1299000012"].LastName != "Patel" || got["1558598797"].LastName != "LAKESIDE" || got["1456789126"].LastName != "CHEN" || len(base) != 2 {
		t.Errorf("practitioners %+v", got)
	}
	f := Facility{Name: "Riverside ASC", NPI: "1234567890"}
	if err := f.Validate(); err == nil || !strings.Contains(err.Error(), "npi") || !strings.Contains(err.Error(), "address") {
		t.Errorf("facility: %v", err)
	}
}

// FuzzReadNPPES: any input gives providers that validate, row errors with
// a row past the header, or a file error; never a panic.
func FuzzReadNPPES(f *testing.F) {
	f.Add([]byte(nppesHeader + "\n\"1299000012\",\"1\",\"\",\"\",\"\",\"PATEL\",\"ANITA\",\"\",\"\",\"\",\"\",\"\",\"207Q00000X\"\n"))
	f.Add([]byte("NPI,Entity Type Code\n1558598797,2\n,\n"))
	f.Add([]byte("\"NPI\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, rowErrs, err := ReadNPPES(strings.NewReader(string(data)), "f.csv")
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T", err)
			}
			return
		}
		for i := range ps {
			if err := ps[i].Validate(); err != nil {
				t.Fatalf("provider %+v: %v", ps[i], err)
			}
		}
		for _, e := range rowErrs {
			if e.Row < 2 || e.Message == "" {
				t.Fatalf("row error %+v", e)
			}
		}
	})
}

func TestFacilitiesByNPI(t *testing.T) {
	a := claim.Address{Line1: "1 A St", City: "Austin", State: "TX", Zip: "78701"}
	got := FacilitiesByNPI([]Facility{{ID: "f1", Name: "First", NPI: "1558598797", Address: a},
		{ID: "f2", Name: "Second", NPI: "1558598797"}, {ID: "f3", Name: "No NPI"}})
	if len(got) != 1 || got["1558598797"] != (claim.Facility{Name: "First", NPI: "1558598797", Address: a}) {
		t.Errorf("FacilitiesByNPI = %+v", got)
	}
}
