package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// templatePageData is a provider's template as an admin edits it.
type templatePageData struct {
	Available  bool
	Provider   schedule.Provider
	Known      bool // stored already (else a new provider's template)
	Providers  []schedule.Provider
	VisitTypes []schedule.VisitType
	Weekdays   []schedule.Weekday
	// Posted is the add form whose refused input Form shows again ("":
	// none).
	Posted templateForm
	Form   url.Values
}

// templateForm names an add form of the template page.
type templateForm string

// The template page's add forms (the paths they post to).
const (
	formSessions templateForm = "sessions"
	formBlocked  templateForm = "blocked"
)

func (s *schedulingWeb) templatePage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Provider template", "scheduling-templates", nil)
	if r.URL.Query().Get("done") == "1" {
		v.Flash = "Saved. New requests are planned on the changed template; booked visits stay where they are."
	}
	s.renderTemplate(w, r, http.StatusOK, v, "")
}

func (s *schedulingWeb) renderTemplate(w http.ResponseWriter, r *http.Request, status int, v view, posted templateForm) {
	d := templatePageData{Available: s.scheduling != nil, Provider: schedule.Provider{ID: r.PathValue("pid")}, Posted: posted, Form: r.PostForm}
	for wd := schedule.Monday; wd <= schedule.Sunday; wd++ {
		d.Weekdays = append(d.Weekdays, wd)
	}
	if s.scheduling != nil {
		var err error
		if d.Provider, d.Known, err = s.scheduling.Provider(r.Context(), r.PathValue("pid")); err == nil {
			if d.Providers, err = s.scheduling.Providers(r.Context()); err == nil {
				d.VisitTypes, err = s.scheduling.VisitTypes(r.Context())
			}
		}
		if err != nil {
			s.failErr(w, r, "the template", err)
			return
		}
	}
	v.Data = d
	s.page(w, status, "scheduling_templates", v)
}

// templateEdited redirects to the template page, or shows it again (the
// stored template as it is now) with the refusal and, in the add form
// posted ("" for none), the input refused.
func (s *schedulingWeb) templateEdited(w http.ResponseWriter, r *http.Request, id auth.Identity, form templateForm, err error) {
	if err == nil {
		http.Redirect(w, r, "/scheduling/templates/"+url.PathEscape(r.PathValue("pid"))+"?done=1", http.StatusSeeOther)
		return
	}
	if !staffFacing(err) {
		s.failErr(w, r, "the template", err)
		return
	}
	v := newView(id, "Provider template", "scheduling-templates", nil)
	v.Error = fault.MessageOf(err)
	if r.PostFormValue("remove") == "1" {
		form = ""
	}
	s.renderTemplate(w, r, statusOf(fault.CodeOf(err)), v, form)
}

// clockField reads the form's time of day field (HH:MM); optional fields
// may be empty (midnight).
func clockField(r *http.Request, field string, optional bool) (schedule.Clock, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" && optional {
		return 0, nil
	}
	c, err := schedule.ParseClock(v)
	if err != nil {
		return 0, fault.Errorf(fault.Invalid, "%s: %q is not a time of day (HH:MM).", field, v)
	}
	return c, nil
}

// versionField reads the version of the template the form was shown
// with (hidden field version; absent: 0, no template yet).
func versionField(r *http.Request) (int, error) {
	v := strings.TrimSpace(r.PostFormValue("version"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fault.Errorf(fault.Invalid, "version: %q is not a template version: reload the page.", v)
	}
	return n, nil
}

// sessionForm reads weekday (1 = Monday … 7), start and end.
func sessionForm(r *http.Request) (schedule.Window, error) {
	var out schedule.Window
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("weekday")))
	if err != nil || !schedule.Weekday(n).Valid() {
		return out, fault.Errorf(fault.Invalid, "weekday: choose a day, 1 (Monday) to 7 (Sunday).")
	}
	out.Weekday = schedule.Weekday(n)
	if out.Start, err = clockField(r, "start", false); err != nil {
		return out, err
	}
	out.End, err = clockField(r, "end", false)
	return out, err
}

// blockForm reads date, start and end (both empty: the whole day) and
// kind.
func blockForm(r *http.Request) (schedule.Exception, error) {
	var out schedule.Exception
	v := strings.TrimSpace(r.PostFormValue("date"))
	d, err := claim.ParseDate(v)
	if err != nil {
		return out, fault.Errorf(fault.Invalid, "date: %q is not a date (YYYY-MM-DD).", v)
	}
	out.Date, out.Kind = d, schedule.ExceptionKind(r.PostFormValue("kind"))
	if out.Start, err = clockField(r, "start", true); err != nil {
		return out, err
	}
	out.End, err = clockField(r, "end", true)
	return out, err
}

// editSessions adds the form's session, or removes it (remove=1).
func (s *schedulingWeb) editSessions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the template", errNoSchedulingBot)
		return
	}
	var win schedule.Window
	version, err := versionField(r)
	if err == nil {
		win, err = sessionForm(r)
	}
	if err == nil {
		e := schedule.TemplateEdit{AddSession: &win}
		if r.PostFormValue("remove") == "1" {
			e = schedule.TemplateEdit{RemoveSession: &win}
		}
		_, err = s.scheduling.EditTemplate(r.Context(), r.PathValue("pid"), version, e)
	}
	s.templateEdited(w, r, id, formSessions, err)
}

// editBlocked adds the form's blocked date or hours, or removes them
// (remove=1).
func (s *schedulingWeb) editBlocked(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the template", errNoSchedulingBot)
		return
	}
	var b schedule.Exception
	version, err := versionField(r)
	if err == nil {
		b, err = blockForm(r)
	}
	if err == nil {
		e := schedule.TemplateEdit{AddBlock: &b}
		if r.PostFormValue("remove") == "1" {
			e = schedule.TemplateEdit{RemoveBlock: &b}
		}
		_, err = s.scheduling.EditTemplate(r.Context(), r.PathValue("pid"), version, e)
	}
	s.templateEdited(w, r, id, formBlocked, err)
}

// saveVisitType adds or changes a visit type from the template page's
// form (id, minutes, providers: comma-separated, empty = all), then shows
// the page of the provider the form came from.
func (s *schedulingWeb) saveVisitType(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the visit type", errNoSchedulingBot)
		return
	}
	r.SetPathValue("pid", r.PostFormValue("provider"))
	vt := schedule.VisitType{ID: strings.TrimSpace(r.PostFormValue("id"))}
	minutes := strings.TrimSpace(r.PostFormValue("minutes"))
	n, err := strconv.Atoi(minutes)
	if err != nil {
		err = fault.Errorf(fault.Invalid, "minutes: %q is not a whole number of minutes.", minutes)
	}
	if err == nil {
		vt.Minutes = n
		for _, p := range strings.Split(r.PostFormValue("providers"), ",") {
			if p = strings.TrimSpace(p); p != "" {
				vt.ProviderIDs = append(vt.ProviderIDs, p)
			}
		}
		_, err = s.scheduling.SaveVisitType(r.Context(), vt)
	}
	s.templateEdited(w, r, id, "", err)
}

func (s *schedulingWeb) apiTemplate(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the template", errNoSchedulingBot)
		return
	}
	p, known, err := s.scheduling.Provider(r.Context(), r.PathValue("pid"))
	if err == nil && !known {
		err = fault.Errorf(fault.NotFound, "There is no template for provider %s yet: PUT one.", p.ID)
	}
	if err != nil {
		s.failErr(w, r, "the template", err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *schedulingWeb) apiSaveTemplate(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the template", errNoSchedulingBot)
		return
	}
	var p schedule.Provider
	if !s.readJSON(w, r, &p, `{"version", "sessions": [{"weekday", "start", "end"}], "blocked": [{"date", "start", "end", "kind"}]}`) {
		return
	}
	if p.ID == "" {
		p.ID = r.PathValue("pid")
	}
	if p.ID != r.PathValue("pid") {
		s.failErr(w, r, "the template", fault.Errorf(fault.Invalid, "id: the template names provider %q, the address %q.", p.ID, r.PathValue("pid")))
		return
	}
	saved, err := s.scheduling.SaveTemplate(r.Context(), p)
	if err != nil {
		s.failErr(w, r, "the template", err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
}

func (s *schedulingWeb) apiVisitTypes(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the visit types", errNoSchedulingBot)
		return
	}
	types, err := s.scheduling.VisitTypes(r.Context())
	if err != nil {
		s.failErr(w, r, "the visit types", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"visit_types": types})
}

func (s *schedulingWeb) apiSaveVisitType(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.scheduling == nil {
		s.failErr(w, r, "the visit type", errNoSchedulingBot)
		return
	}
	var vt schedule.VisitType
	if !s.readJSON(w, r, &vt, `{"minutes", "provider_ids"}`) {
		return
	}
	if vt.ID == "" {
		vt.ID = r.PathValue("vid")
	}
	if vt.ID != r.PathValue("vid") {
		s.failErr(w, r, "the visit type", fault.Errorf(fault.Invalid, "id: the body names visit type %q, the address %q.", vt.ID, r.PathValue("vid")))
		return
	}
	saved, err := s.scheduling.SaveVisitType(r.Context(), vt)
	if err != nil {
		s.failErr(w, r, "the visit type", err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
}
