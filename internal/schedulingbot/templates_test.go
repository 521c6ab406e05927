package schedulingbot

import (
	"context"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// An edit carries the version of the template it was based on: a fresh
// one is saved with the next version, a stale one is fault.Conflict
// telling the admin to reload, and changes nothing.
func TestTemplateEditsAreBasedOnAVersion(t *testing.T) {
	s := &Service{DB: storetest.Open(t)}
	ctx := context.Background()
	morning := schedule.Window{Weekday: schedule.Monday, Start: 8 * 60, End: 12 * 60}
	afternoon := schedule.Window{Weekday: schedule.Monday, Start: 13 * 60, End: 17 * 60}
	p, err := s.EditTemplate(ctx, "P1", 0, schedule.TemplateEdit{AddSession: &morning})
	if err != nil || p.Version != 1 {
		t.Fatalf("a new provider's first session: %+v %v", p, err)
	}
	conflict := func(what string, err error, want string) {
		t.Helper()
		if fault.CodeOf(err) != fault.Conflict || !strings.Contains(fault.MessageOf(err), want) {
			t.Errorf("%s: %v, want fault.Conflict %q", what, err, want)
		}
	}
	_, err = s.EditTemplate(ctx, "P1", 0, schedule.TemplateEdit{AddSession: &afternoon})
	conflict("an edit based on no template", err, "Provider P1 has a template already")
	p.Sessions = append(p.Sessions, afternoon)
	if p, err = s.SaveTemplate(ctx, p); err != nil || p.Version != 2 {
		t.Fatalf("the whole template saved based on version 1: %+v %v", p, err)
	}
	_, err = s.EditTemplate(ctx, "P1", 1, schedule.TemplateEdit{RemoveSession: &morning})
	conflict("an edit based on version 1", err, "Someone else changed the template of provider P1 since you opened it: reload it and apply your change again.")
	_, err = s.SaveTemplate(ctx, schedule.Provider{ID: "P1", Version: 1})
	conflict("a whole template based on version 1", err, "Someone else changed the template of provider P1")
	_, err = s.SaveTemplate(ctx, schedule.Provider{ID: "P1"})
	conflict("a whole template without a version", err, "your change names no version")
	if got, _, err := s.Provider(ctx, "P1"); err != nil || got.Version != 2 || len(got.Sessions) != 2 {
		t.Fatalf("after the refused edits: %+v %v, want version 2 with both sessions", got, err)
	}
	if p, err = s.EditTemplate(ctx, "P1", 2, schedule.TemplateEdit{RemoveSession: &morning}); err != nil || p.Version != 3 || len(p.Sessions) != 1 {
		t.Fatalf("an edit based on version 2: %+v %v", p, err)
	}
}
