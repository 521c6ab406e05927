package audit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
)

func TestFixedTemplates(t *testing.T) {
	w := newWorld()
	w.staff = append(w.staff, audit.Staff{UserID: "coder", Department: "Billing", Role: "coder", LastName: "X"})
	p := w.patient(audit.Patient{})
	w.encounters = append(w.encounters,
		audit.Encounter{PatientID: p, UserID: "Car-0", Department: "Cardiology", Start: at(2, 9, 0), End: at(2, 9, 30), Kind: audit.KindAppointment},
		audit.Encounter{PatientID: p, Department: "Laboratory", Start: at(20, 9, 0), End: at(20, 11, 0), Kind: audit.KindOrder},
		audit.Encounter{PatientID: p, UserID: "coder", Department: "Cardiology", Start: at(4, 9, 0), End: at(6, 17, 0), Kind: audit.KindClaim},
		audit.Encounter{PatientID: p, Department: "Medicine", Start: at(30, 9, 0), End: at(30, 9, 0), Kind: audit.KindReferral},
	)
	w.staff = append(w.staff, audit.Staff{UserID: "lab", Department: "Laboratory", Role: "technologist", LastName: "Y"})
	j, _ := w.judge(t)
	cases := []struct {
		user string
		when time.Time
		want audit.TemplateID // "" for unexplained
	}{
		{"Car-0", at(2, 9, 10), audit.TemplateUserEncounter},
		{"Car-0", at(60, 9, 10), audit.TemplateUserEncounter},     // continuing care, within 90 days
		{"Car-0", at(2-31, 9, 10), ""},                            // a month before the appointment
		{"Car-1", at(3, 9, 0), audit.TemplateDepartmentEncounter}, // the department, within its window
		{"Car-1", at(10, 9, 0), ""},                               // long after (the claim too)
		{"lab", at(20, 10, 0), audit.TemplateDepartmentOrder},     // an order to the department
		{"lab", at(25, 10, 0), ""},                                // the order is done
		{"coder", at(20, 10, 0), audit.TemplateClaimWorked},       // a claim the user worked, 30 days on
		{"Med-0", at(40, 10, 0), audit.TemplateReferral},          // referred to Medicine
		{"Med-0", at(3, 10, 0), ""},                               // Medicine before the referral
	}
	for _, c := range cases {
		tm, ok := j.Explain(audit.Event{Time: c.when, UserID: c.user, PatientID: p, Action: audit.ActionView})
		if got := tm.ID; ok != (c.want != "") || got != c.want {
			t.Errorf("%s at %s: explained by %q (%v), want %q", c.user, c.when.Format(time.DateTime), got, ok, c.want)
		}
	}
}

func TestDiscoveredTemplates(t *testing.T) {
	w := newWorld()
	// Five pharmacists verify ICU admissions (no pharmacy order recorded);
	// one radiographer looks at ICU patients too, alone.
	for i := range 5 {
		w.staff = append(w.staff, audit.Staff{UserID: fmt.Sprintf("pharm-%d", i), Department: "Pharmacy", Role: "pharmacist", LastName: "Z"})
	}
	w.staff = append(w.staff, audit.Staff{UserID: "rad-0", Department: "Radiology", Role: "technologist", LastName: "Z"})
	for i := range 5 {
		w.staff = append(w.staff, audit.Staff{UserID: fmt.Sprintf("rad-%d", i+1), Department: "Radiology", Role: "technologist", LastName: "Z"})
	}
	var icu []string
	for d := range 14 {
		for k := range 4 {
			p := w.patient(audit.Patient{})
			icu = append(icu, p)
			w.encounters = append(w.encounters, audit.Encounter{PatientID: p, Department: "ICU", Start: at(d, 6, 0), End: at(d+2, 6, 0), Kind: audit.KindAdmission})
			w.access(fmt.Sprintf("pharm-%d", (d+k)%5), p, at(d, 10, k), audit.ActionView)
			if k == 0 {
				w.access("rad-0", p, at(d, 11, 0), audit.ActionView)
			}
			// The other radiographers work their own department's orders.
			q := w.patient(audit.Patient{})
			w.encounters = append(w.encounters, audit.Encounter{PatientID: q, Department: "Radiology", Start: at(d, 8, 0), End: at(d, 9, 0), Kind: audit.KindOrder})
			w.access(fmt.Sprintf("rad-%d", 1+k), q, at(d, 8, 30), audit.ActionView)
		}
	}
	j, b := w.judge(t)
	var found bool
	for _, tm := range b.Templates {
		if tm.ID == "path:Pharmacy/pharmacist>ICU/admission" {
			found = true
			if !tm.Discovered || tm.Users != 5 || tm.Patients != 56 || tm.Lift < 2 {
				t.Errorf("template %+v", tm)
			}
		}
		if tm.UserDepartment == "Radiology" {
			t.Errorf("one radiographer's habit became a template: %+v", tm)
		}
	}
	if !found {
		t.Fatalf("no pharmacist template discovered: %+v", b.Templates)
	}
	tm, ok := j.Explain(audit.Event{Time: at(5, 15, 0), UserID: "pharm-0", PatientID: icu[20], Action: audit.ActionView})
	if !ok || tm.ID != "path:Pharmacy/pharmacist>ICU/admission" {
		t.Errorf("a pharmacist's access to an ICU patient: %v %v", tm, ok)
	}
	if _, ok := j.Explain(audit.Event{Time: at(5, 15, 0), UserID: "rad-0", PatientID: icu[20], Action: audit.ActionView}); ok {
		t.Error("the lone radiographer's access was explained")
	}
}

func TestBaselinesRoundTripJSON(t *testing.T) {
	w := newWorld()
	_, b := w.judge(t)
	data, err := jsonMarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var back audit.Baselines
	if err := jsonUnmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	u := back.Users["Med-0"]
	if u == nil || u.ActiveDays != 14 || u.Daily.Median != 4 || len(u.Departments) != 1 || u.Departments[0] != "Medicine" || u.HourDays[9] != 14 {
		t.Errorf("baseline after JSON: %+v", u)
	}
	if back.Peers["Medicine/nurse"].Median != 4 {
		t.Errorf("peers %+v", back.Peers)
	}
}
