package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/store"
)

// An admin edits a provider's template and the visit types on the page
// and through the API, over the real front door and store: sessions and
// blocked days added and removed, refusals that name the field and change
// nothing, and nobody else may.
func TestSchedulingTemplateEditing(t *testing.T) {
	h := newHarness(t, func(h *harness, o *Options) {
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(nil), Scheduling(&schedulingbot.Service{DB: h.db, Location: time.UTC})}
	})
	ctx := context.Background()
	stored := func() schedule.Provider {
		t.Helper()
		all, err := h.db.Templates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range all {
			if p.ID == "P7" {
				return p
			}
		}
		return schedule.Provider{}
	}
	admin, desk := h.signIn(store.RoleAdmin), h.signIn(store.RoleFrontDesk)

	if p := admin.get("/scheduling/templates/P7"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "has no template yet") {
		t.Fatalf("a new provider's page: %d\n%s", p.StatusCode, p.body)
	}
	// Each form carries the version of the template it was shown with,
	// as the page's do.
	add := func(vals url.Values) response {
		t.Helper()
		vals.Set("version", strconv.Itoa(stored().Version))
		return admin.postForm("/scheduling/templates/P7/sessions", vals)
	}
	for _, s := range []url.Values{{"weekday": {"2"}, "start": {"13:00"}, "end": {"17:00"}}, {"weekday": {"2"}, "start": {"08:00"}, "end": {"12:00"}}} {
		if res := add(s); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/scheduling/templates/P7?done=1" {
			t.Fatalf("adding a session: %d\n%s", res.StatusCode, res.body)
		}
	}
	want := []schedule.Window{{Weekday: schedule.Tuesday, Start: 8 * 60, End: 12 * 60}, {Weekday: schedule.Tuesday, Start: 13 * 60, End: 17 * 60}}
	if got := stored().Sessions; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("stored sessions %v, want %v (ordered by day and start)", got, want)
	}
	if p := admin.get("/scheduling/templates/P7?done=1"); !strings.Contains(p.body, "Saved.") || !strings.Contains(p.body, `data-session="2 08:00-12:00"`) {
		t.Fatalf("the page after the edit:\n%s", p.body)
	}
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"weekday": {"2"}, "start": {"11:00"}, "end": {"14:00"}}, "overlaps the session Tuesday 08:00–12:00"},
		{url.Values{"weekday": {"9"}, "start": {"08:00"}, "end": {"09:00"}}, "weekday: choose a day"},
		{url.Values{"weekday": {"3"}, "start": {"8am"}, "end": {"09:00"}}, "start: &#34;8am&#34; is not a time of day"},
		{url.Values{"weekday": {"3"}, "start": {"10:00"}, "end": {"09:00"}}, "the new session: end must be after start"},
		{url.Values{"weekday": {"4"}, "start": {"08:00"}, "end": {"09:00"}, "remove": {"1"}}, "the template has no session Thursday 08:00–09:00"},
	} {
		res := add(c.form)
		if res.StatusCode/100 != 4 || !strings.Contains(res.body, c.want) {
			t.Errorf("%v: %d, want the refusal %q\n%s", c.form, res.StatusCode, c.want, res.body)
		}
	}
	if got := stored().Sessions; len(got) != 2 {
		t.Fatalf("a refused edit changed the template: %v", got)
	}
	if res := add(url.Values{"weekday": {"2"}, "start": {"13:00"}, "end": {"17:00"}, "remove": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("removing a session: %d", res.StatusCode)
	}
	if got := stored().Sessions; len(got) != 1 || got[0] != want[0] {
		t.Fatalf("after removing the afternoon: %v", got)
	}

	day := claim.DateOf(time.Now().UTC()).AddDays(10)
	block := func(vals url.Values) response {
		t.Helper()
		vals.Set("version", strconv.Itoa(stored().Version))
		return admin.postForm("/scheduling/templates/P7/blocked", vals)
	}
	if res := block(url.Values{"date": {day.String()}, "start": {"09:00"}, "end": {"10:00"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("blocking hours: %d\n%s", res.StatusCode, res.body)
	}
	if p := admin.get("/scheduling/templates/P7"); !strings.Contains(p.body, `data-block="`+day.String()+`"`) || !strings.Contains(p.body, "09:00–10:00") {
		t.Fatalf("the page after blocking:\n%s", p.body)
	}
	if res := block(url.Values{"date": {day.AddDays(1).String()}, "kind": {"holiday"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("blocking a day: %d", res.StatusCode)
	}
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"date": {"tomorrow"}}, "date: &#34;tomorrow&#34; is not a date"},
		{url.Values{"date": {day.String()}, "start": {"10:00"}, "end": {"09:00"}}, "the new block: end must be after start"},
		{url.Values{"date": {day.String()}, "kind": {"party"}}, "kind must be"},
	} {
		if res := block(c.form); res.StatusCode/100 != 4 || !strings.Contains(res.body, c.want) {
			t.Errorf("%v: %d, want the refusal %q\n%s", c.form, res.StatusCode, c.want, res.body)
		}
	}
	if res := block(url.Values{"date": {day.String()}, "start": {"09:00"}, "end": {"10:00"}, "remove": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unblocking: %d", res.StatusCode)
	}
	if got := stored().Blocked; len(got) != 1 || got[0].Date != day.AddDays(1) || !got[0].WholeDay() || got[0].Kind != schedule.ExceptionHoliday {
		t.Fatalf("blocked after the edits: %+v", got)
	}

	if res := admin.postForm("/scheduling/visit-types", url.Values{"provider": {"P7"}, "id": {"NEW"}, "minutes": {"40"}, "providers": {"P7, P8"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding a visit type: %d\n%s", res.StatusCode, res.body)
	}
	if p := admin.get("/scheduling/templates/P7"); !strings.Contains(p.body, `data-visit-type="NEW"`) || !strings.Contains(p.body, "P7, P8") {
		t.Fatalf("the page after adding a visit type:\n%s", p.body)
	}
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"provider": {"P7"}, "id": {"NEW"}, "minutes": {"forty"}}, "minutes: &#34;forty&#34; is not a whole number"},
		{url.Values{"provider": {"P7"}, "id": {"NEW"}, "minutes": {"0"}}, "minutes: a visit of type NEW lasts 1 to 480 minutes"},
		{url.Values{"provider": {"P7"}, "id": {"new visit"}, "minutes": {"20"}}, "visit type: use 1 to 40 letters"},
	} {
		if res := admin.postForm("/scheduling/visit-types", c.form); res.StatusCode/100 != 4 || !strings.Contains(res.body, c.want) {
			t.Errorf("%v: %d, want the refusal %q\n%s", c.form, res.StatusCode, c.want, res.body)
		}
	}

	// The API: the whole template read and replaced, the visit types.
	if res := admin.get("/api/v1/scheduling/templates/P7"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"start": "08:00"`) {
		t.Fatalf("template API: %d %s", res.StatusCode, res.body)
	}
	if res := admin.get("/api/v1/scheduling/templates/P9"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown provider's template: %d", res.StatusCode)
	}
	bad := map[string]any{"sessions": []map[string]any{{"weekday": 1, "start": "08:00", "end": "12:00"}, {"weekday": 1, "start": "09:00", "end": "10:00"}}}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P7", bad); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "sessions[1] overlaps sessions[0]") {
		t.Errorf("an overlapping template: %d %s", res.StatusCode, res.body)
	}
	good := map[string]any{"version": stored().Version, "sessions": []map[string]any{{"weekday": 1, "start": "08:00", "end": "12:00"}}}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/templates/P7", good); res.StatusCode != http.StatusOK {
		t.Fatalf("replacing the template: %d %s", res.StatusCode, res.body)
	}
	if got := stored(); len(got.Sessions) != 1 || got.Sessions[0].Weekday != schedule.Monday || len(got.Blocked) != 0 {
		t.Fatalf("after the PUT: %+v", got)
	}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/visit-types/FU", map[string]any{"minutes": 20}); res.StatusCode != http.StatusOK {
		t.Fatalf("a visit type through the API: %d %s", res.StatusCode, res.body)
	}
	if res := admin.sendJSON("PUT", "/api/v1/scheduling/visit-types/FU", map[string]any{"minutes": 999}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "minutes:") {
		t.Errorf("a visit type too long: %d %s", res.StatusCode, res.body)
	}
	if res := admin.get("/api/v1/scheduling/visit-types"); !strings.Contains(res.body, `"id": "FU"`) || !strings.Contains(res.body, `"minutes": 20`) || !strings.Contains(res.body, `"id": "NEW"`) {
		t.Errorf("visit types API: %s", res.body)
	}

	// The front desk books but does not edit templates.
	if res := desk.postForm("/scheduling/templates/P7/sessions", url.Values{"weekday": {"3"}, "start": {"08:00"}, "end": {"09:00"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("the front desk edits a template: %d", res.StatusCode)
	}
	if res := desk.sendJSON("PUT", "/api/v1/scheduling/templates/P7", good); res.StatusCode != http.StatusForbidden {
		t.Errorf("the front desk replaces a template: %d", res.StatusCode)
	}
	if p := admin.get("/scheduling?provider=P7"); !strings.Contains(p.body, `href="/scheduling/templates/P7"`) {
		t.Error("the calendar has no link to the template for an admin")
	}
}
