package intake

import (
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func TestParsePractitionerName(t *testing.T) {
	for in, want := range map[string]claim.Practitioner{
		"SMITH, JOHN":            {LastName: "SMITH", FirstName: "JOHN"},
		"Smith, John A, MD":      {LastName: "Smith", FirstName: "John", MiddleName: "A"},
		"SMITH MD, JOHN":         {LastName: "SMITH", FirstName: "JOHN"},
		"Dr. Welby, Marcus M.D.": {LastName: "Welby", FirstName: "Marcus"},
		"JONES, ANN PA-C":        {LastName: "JONES", FirstName: "ANN"},
		"DO, MINH":               {LastName: "DO", FirstName: "MINH"},
		"ROE JR, RICHARD D.O.":   {LastName: "ROE JR", FirstName: "RICHARD"},
	} {
		got, err := ParsePractitionerName(in)
		if err != nil || got != want {
			t.Errorf("ParsePractitionerName(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"John Smith MD", "SMITH, MD", ", JOHN", ""} {
		if p, err := ParsePractitionerName(bad); err == nil {
			t.Errorf("ParsePractitionerName(%q) = %+v; want an error", bad, p)
		} else if !isValueError(err) || strings.Contains(err.Error(), "JOHN") || strings.Contains(err.Error(), "SMITH") {
			t.Errorf("ParsePractitionerName(%q): %v (a value error without the name expected)", bad, err)
		}
	}
}

func TestReadPractitionerNames(t *testing.T) {
	header := []string{"Claim #", "Patient Name", "DOB", "Payer ID", "Member ID", "Billing NPI", "DOS", "CPT", "Charge", "Units", "Dx 1",
		"Rendering Provider NPI", "Rendering Provider", "Referring NPI", "Referring Provider Last Name", "Referring Provider First Name"}
	row := func(id, rendering, refLast, refFirst string) []string {
		return []string{id, `"ROE, RICHARD"`, "2015-04-02", "60054", "W111", "1234567893", "2026-02-10", "99213", "100", "1", "J02.9",
			"1326046822", rendering, "1508880733", refLast, refFirst}
	}
	body := csvText(",", header,
		row("C1", `"WELBY, MARCUS A, MD"`, "KILDARE", "JAMES"),
		row("C1", "", "", ""),
		row("C2", "", "", ""),
		row("C3", "Marcus Welby", "", ""),
		row("C4", `"WELBY, MARCUS"`, "", ""),
		row("C4", `"CASEY, BEN"`, "", ""),
	)
	res := readAll(t, writeFile(t, "prov.csv", []byte(body)), opts())
	by := map[string]claim.Claim{}
	for _, c := range res.Claims {
		by[c.ID] = c
	}
	if c := by["C1"]; c.Rendering != (claim.Practitioner{LastName: "WELBY", FirstName: "MARCUS", MiddleName: "A"}) ||
		c.Referring != (claim.Practitioner{LastName: "KILDARE", FirstName: "JAMES"}) || len(c.Lines) != 2 {
		t.Errorf("C1 rendering %+v referring %+v, %d lines", c.Rendering, c.Referring, len(c.Lines))
	}
	if c := by["C2"]; c.Rendering != (claim.Practitioner{}) || c.Referring != (claim.Practitioner{}) {
		t.Errorf("C2 without names: %+v %+v", c.Rendering, c.Referring)
	}
	errs := map[string]RowError{}
	for _, e := range res.Errors {
		errs[e.ClaimID] = e
		if strings.Contains(e.Error(), "Welby") || strings.Contains(e.Error(), "CASEY") {
			t.Errorf("error shows the name: %v", e)
		}
	}
	if e, ok := errs["C3"]; !ok || e.Row != 5 || e.Column != "M" || e.Field != FieldRenderingName {
		t.Errorf("C3 (name without a comma): %+v", e)
	}
	if e, ok := errs["C4"]; !ok || e.Row != 7 || e.Column != "M" {
		t.Errorf("C4 (rows disagree on the rendering provider): %+v", e)
	}
	if len(res.Errors) != 2 {
		t.Errorf("errors: %v", res.Errors)
	}
}

func TestCorrectPractitionerNames(t *testing.T) {
	c := claim.Claim{ID: "K1", RenderingNPI: "1326046822"}
	for _, fix := range []struct {
		f     claim.Field
		value string
	}{{FieldRenderingName, "WELBY, MARCUS MD"}, {claim.FieldReferringLastName, "KILDARE"}, {claim.FieldReferringFirstName, "JAMES"}} {
		if _, err := Correct(&c, fix.f, 0, fix.value, asOf); err != nil {
			t.Errorf("Correct(%s): %v", fix.f, err)
		}
	}
	if c.Rendering != (claim.Practitioner{LastName: "WELBY", FirstName: "MARCUS"}) || c.Referring.LastName != "KILDARE" ||
		c.Value(claim.FieldReferringFirstName, 0) != "JAMES" || c.Value(claim.FieldRenderingLastName, 0) != "WELBY" {
		t.Errorf("corrected claim %+v %+v", c.Rendering, c.Referring)
	}
}

// FuzzPractitionerName: the provider name parser never panics, refuses
// with a value error, and what it accepts has a last name and no credential
// left after the first word.
func FuzzPractitionerName(f *testing.F) {
	for _, s := range []string{"SMITH, JOHN", "Smith, John A, MD", "SMITH MD, JOHN", "Dr. X, Y", "DO, MINH", ",", "MD, MD, MD", "A,\tB C D, JR"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePractitionerName(s)
		if err != nil {
			if !isValueError(err) {
				t.Errorf("ParsePractitionerName(%q): %v is not a value error", s, err)
			}
			return
		}
		if p.LastName == "" || p.FirstName == "" {
			t.Errorf("ParsePractitionerName(%q) = %+v: blank name accepted", s, p)
		}
		for _, w := range strings.Fields(p.FirstName + " " + p.MiddleName) {
			if credentials[strings.ToUpper(strings.ReplaceAll(w, ".", ""))] {
				t.Errorf("ParsePractitionerName(%q) = %+v keeps credential %q", s, p, w)
			}
		}
	})
}

// A reviewer's correction takes the field off the list of values the
// patient's record filled.
func TestCorrectUnmarksFilled(t *testing.T) {
	c := claim.Claim{ID: "K1", Filled: []claim.Field{claim.FieldPatientAddress, claim.FieldMemberID}}
	if _, err := Correct(&c, claim.FieldPatientAddress, 0, "2 New St", asOf); err != nil {
		t.Fatal(err)
	}
	if len(c.Filled) != 1 || c.Filled[0] != claim.FieldMemberID {
		t.Errorf("filled after the correction: %v", c.Filled)
	}
	if _, err := Correct(&c, claim.FieldMemberID, 0, "", asOf); err != nil || len(c.Filled) != 0 {
		t.Errorf("after clearing the member ID: %v %v", c.Filled, err)
	}
}
