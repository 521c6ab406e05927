package schedule_test

import (
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

func TestReminderTimes(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	slot := schedule.Slot{ProviderID: "P1", Date: claim.MustDate("2026-12-10"), Start: 9 * 60}
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, ny) // 45 hours before
	got := schedule.ReminderTimes(slot, []time.Duration{24 * time.Hour, 72 * time.Hour, 24 * time.Hour, 2 * time.Hour}, ny, now)
	want := []time.Time{time.Date(2026, 12, 9, 9, 0, 0, 0, ny), time.Date(2026, 12, 10, 7, 0, 0, 0, ny)}
	if len(got) != 2 || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
		t.Errorf("got %v, want %v", got, want)
	}
	a := schedule.Appointment{ID: "A1", PatientID: "PT1", ProviderID: "P1", Date: claim.MustDate("2026-12-10"), Start: 540, VisitType: "FU",
		BookedOn: claim.MustDate("2026-11-30")}
	if h := schedule.AttendanceOf(&a, schedule.OutcomeNoShow); h.LeadDays != 10 || h.Outcome != schedule.OutcomeNoShow || h.AppointmentID != "A1" {
		t.Errorf("attendance %+v", h)
	}
	if a.SlotOf() != slot {
		t.Errorf("slot %+v", a.SlotOf())
	}
}
