package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/store"
)

// appt is a roster row of fictional fixture patients.
func appt(row int, date, payer, member, last string) store.Appointment {
	return store.Appointment{Date: claim.MustDate(date), PayerID: payer, PatientID: "PT-" + member[len(member)-3:], MemberID: member,
		LastName: last, FirstName: "Ann", DOB: claim.MustDate("1980-05-17"), Source: "roster.xlsx", SourceRow: row}
}

func TestRosterImportReplacesItsDates(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		mon, tue := claim.MustDate("2026-03-02"), claim.MustDate("2026-03-03")
		imp := must[store.RosterImport](t)(e.db.ReplaceRoster(ctx, []store.Appointment{
			appt(3, "2026-03-02", "60054", "W100000003", "Okafor"),
			appt(2, "2026-03-02", "60054", "W100000002", "Lindqvist"),
			appt(4, "2026-03-03", "01112", "1EG4TE5MK73", "Brandt"),
		}))
		if !reflect.DeepEqual(imp.Dates, []claim.Date{mon, tue}) || imp.Added != 3 || imp.Replaced != 0 {
			t.Fatalf("first import: %+v", imp)
		}
		monday := must[[]store.Appointment](t)(e.db.SweepAppointments(ctx, mon))
		if len(monday) != 2 || monday[0].SourceRow != 2 || monday[1].LastName != "Okafor" || monday[0].Kind != store.AppointmentRoster ||
			!strings.HasPrefix(monday[0].ID, "ap-") || monday[0].DOB != claim.MustDate("1980-05-17") || monday[0].CreatedAt.IsZero() {
			t.Fatalf("monday: %+v", monday)
		}

		// A corrected Monday roster replaces Monday only; the replaced rows
		// stay readable (sweeps that checked them still point at them).
		imp = must[store.RosterImport](t)(e.db.ReplaceRoster(ctx, []store.Appointment{appt(2, "2026-03-02", "60054", "W100000009", "Okafor")}))
		if imp.Added != 1 || imp.Replaced != 2 {
			t.Fatalf("second import: %+v", imp)
		}
		now := must[[]store.Appointment](t)(e.db.SweepAppointments(ctx, mon))
		if len(now) != 1 || now[0].MemberID != "W100000009" {
			t.Fatalf("monday after re-import: %+v", now)
		}
		old := must[store.Appointment](t)(e.db.Appointment(ctx, monday[0].ID))
		if old.CancelledAt.IsZero() {
			t.Errorf("replaced appointment not cancelled: %+v", old)
		}
		if n := len(must[[]store.Appointment](t)(e.db.SweepAppointments(ctx, tue))); n != 1 {
			t.Errorf("tuesday touched by a Monday import: %d rows", n)
		}

		// A row without a member ID refuses the whole file, naming the row, not the patient.
		bad := appt(7, "2026-03-03", "60054", "W100000007", "Okafor")
		bad.MemberID = ""
		_, err := e.db.ReplaceRoster(ctx, []store.Appointment{appt(6, "2026-03-03", "60054", "W100000006", "Quist"), bad})
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "row 7") || !strings.Contains(err.Error(), "member ID") || strings.Contains(err.Error(), "Okafor") {
			t.Errorf("bad row: %v", err)
		}
		if n := len(must[[]store.Appointment](t)(e.db.SweepAppointments(ctx, tue))); n != 1 {
			t.Errorf("a refused import changed tuesday: %d rows", n)
		}
	})
}

func TestCheckRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		req := appt(0, "2026-03-02", "87726", "987654321", "Vance")
		req.Source = "rita"
		req.ProviderNPI, req.ProviderName = "1234567893", "Riverside Family Medicine"
		a := must[store.Appointment](t)(e.db.AddCheckRequest(ctx, req))
		if !strings.HasPrefix(a.ID, "ck-") || a.Kind != store.AppointmentCheck || a.Source != "rita" || a.ProviderNPI != "1234567893" {
			t.Fatalf("stored %+v", a)
		}
		// The same ID again (a retried front door) changes nothing.
		req.ID, req.LastName = a.ID, "Changed"
		if again := must[store.Appointment](t)(e.db.AddCheckRequest(ctx, req)); again.LastName != "Vance" {
			t.Errorf("retry overwrote: %+v", again)
		}
		// Check requests are not part of the day's roster.
		if n := len(must[[]store.Appointment](t)(e.db.SweepAppointments(ctx, claim.MustDate("2026-03-02")))); n != 0 {
			t.Errorf("a check request appears in the roster: %d", n)
		}
		if _, err := e.db.Appointment(ctx, "ck-missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
	})
}

func TestSweepPlanChecksAndCounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		dos := claim.MustDate("2026-03-02")
		rows := []store.Appointment{
			appt(2, "2026-03-02", "60054", "W100000002", "Lindqvist"),
			appt(3, "2026-03-02", "01112", "1EG4TE5MK73", "Brandt"),
			appt(4, "2026-03-02", "87726", "987654321", "Vance"),
		}
		must[store.RosterImport](t)(e.db.ReplaceRoster(ctx, rows))
		appts := must[[]store.Appointment](t)(e.db.SweepAppointments(ctx, dos))
		sw := must[store.Sweep](t)(e.db.CreateSweep(ctx, store.Sweep{Date: dos, WorkflowID: "eligibility-sweep-x"}))
		var plan []store.SweepCheck
		for i, a := range appts {
			plan = append(plan, store.SweepCheck{Seq: i, AppointmentID: a.ID, PayerID: a.PayerID, Appointments: 1 + i%2})
		}
		if n := must[int](t)(e.db.PlanSweep(ctx, sw.ID, plan)); n != 3 {
			t.Fatalf("planned %d", n)
		}
		// A retried plan keeps the first one.
		if n := must[int](t)(e.db.PlanSweep(ctx, sw.ID, plan[:1])); n != 3 {
			t.Fatalf("re-planned %d", n)
		}
		if _, err := e.db.PlanSweep(ctx, "sw-other", []store.SweepCheck{{Seq: 1, AppointmentID: appts[0].ID, PayerID: "60054"}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("gap in sequence: %v", err)
		}

		items := must[[]store.SweepItem](t)(e.db.SweepChecks(ctx, sw.ID, []int{2, 0, 9}))
		if len(items) != 2 || items[0].Seq != 0 || items[1].Seq != 2 || items[1].Appointment.LastName != "Vance" || items[1].Appointments != 1 ||
			items[0].ResultID != "" || items[0].Result != nil {
			t.Fatalf("items: %+v", items)
		}

		model := json.RawMessage(`{"status":"inactive","subscriber":{"member_id":"W100000002"}}`)
		res := must[store.EligibilityResult](t)(e.db.SaveEligibilityResult(ctx, store.EligibilityResult{ID: "el-" + sw.ID + "-0", SweepID: sw.ID,
			PayerID: "60054", MemberKey: "mk-1", DOS: dos, Status: eligibility.CheckInactive, Result: model}))
		check(t, e.db.SetSweepCheckResult(ctx, sw.ID, 0, res.ID, eligibility.CheckInactive, []string{"inactive_coverage", "name_mismatch"}))
		must[store.EligibilityResult](t)(e.db.SaveEligibilityResult(ctx, store.EligibilityResult{ID: "el-" + sw.ID + "-1", SweepID: sw.ID,
			PayerID: "01112", MemberKey: "mk-2", DOS: dos, Status: eligibility.CheckPending}))
		check(t, e.db.SetSweepCheckResult(ctx, sw.ID, 1, "el-"+sw.ID+"-1", eligibility.CheckPending, nil))
		if err := e.db.SetSweepCheckResult(ctx, sw.ID, 7, "el-x", eligibility.CheckActive, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown check: %v", err)
		}
		if err := e.db.SetSweepCheckResult(ctx, sw.ID, 2, "el-x", "maybe", nil); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown status: %v", err)
		}

		c := must[eligibility.SweepCounts](t)(e.db.CountSweep(ctx, sw.ID))
		want := eligibility.SweepCounts{Members: 3, Checked: 2, Inactive: 1, Failed: 1, Discrepancies: 1}
		if c != want {
			t.Errorf("counts %+v, want %+v", c, want)
		}

		var seen []store.SweepItem
		check(t, e.db.EachSweepItem(ctx, sw.ID, func(it store.SweepItem) error { seen = append(seen, it); return nil }))
		if len(seen) != 3 || string(seen[0].Result) != string(model) || !reflect.DeepEqual(seen[0].Flags, []string{"inactive_coverage", "name_mismatch"}) ||
			seen[0].Status != eligibility.CheckInactive || seen[1].Flags != nil || seen[2].Status != "" || seen[2].Appointment.PayerID != "87726" {
			t.Fatalf("items: %+v", seen)
		}
	})
}
