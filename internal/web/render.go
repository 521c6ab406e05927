package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// staticHandler serves the embedded CSS, JavaScript and icons. They change
// only with the binary, so browsers may keep them for an hour.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// pages holds one parsed template set per page: the layout, the shared
// partials and the page's own "content".
type pages struct {
	s   *Server
	set map[string]*template.Template
}

func loadPages(s *Server) (*pages, error) {
	base, err := template.New("").Funcs(s.funcs()).ParseFS(templateFiles, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{s: s, set: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.set[name] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	Nav   string // the main-menu entry to mark current
	User  *store.User
	CSRF  string
	// Flash confirms what the last action did; Error says what went
	// wrong and what to do.
	Flash string
	Error string
	Data  any
}

// Can reports whether the signed-in user has the named permission (see
// permNames), so templates show only what the user may do.
func (v view) Can(name string) bool {
	p, ok := permNames[name]
	return ok && v.User != nil && can(v.User.Role, p)
}

// newView starts a page's view for the signed-in user.
func newView(id auth.Identity, title, nav string, data any) view {
	u := id.User
	return view{Title: title, Nav: nav, User: &u, CSRF: id.Session.CSRFToken, Data: data}
}

// render writes a page. The page is rendered into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (p *pages) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := p.set[name]
	if !ok {
		p.s.log.Error("web: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.s.log.Error("web: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorData is what the error page shows.
type errorData struct {
	Status  int
	Message string
	SignIn  bool
}

// renderError shows an error page: what happened, what to do, and links
// back. It is rendered without a user (the menu is left out), so it can
// answer any request.
func (p *pages) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := view{Title: http.StatusText(status), Data: errorData{Status: status, Message: msg, SignIn: status == http.StatusUnauthorized}}
	p.render(w, status, "error", v)
}

// page renders a page for the signed-in user.
func (s *Server) page(w http.ResponseWriter, status int, name string, v view) {
	s.pages.render(w, status, name, v)
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"money":     formatMoney,
		"hasPrefix": strings.HasPrefix,
		"pct": func(f float64) string {
			return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
		},
		"rate": func(n, d int) string {
			if d == 0 {
				return "—"
			}
			return strconv.FormatFloat(float64(n)*100/float64(d), 'f', 1, 64) + "%"
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(s.cfg.Location()).Format("Jan 2, 2006 15:04")
		},
		"isotime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"date": func(d claim.Date) string {
			if d.IsZero() {
				return "—"
			}
			return d.String()
		},
		"status":      statusLabel,
		"statusClass": statusClass,
		"running":     batch.Status.Reading,
		"cell": func(col string, row int) string {
			if col == "" || row == 0 {
				return ""
			}
			return col + strconv.Itoa(row)
		},
		"uiLink": s.temporalUILink,
		"deref":  func(m *claim.Money) claim.Money { return *m },
		"add":    func(a, b int) int { return a + b },
		"count": func(n int, one, many string) string {
			return strconv.Itoa(n) + " " + plural(n, one, many)
		},
		"join":  strings.Join,
		"title": upperFirst,
		"dash": func(s string) string {
			if s == "" {
				return "—"
			}
			return s
		},
	}
}

// formatMoney writes cents as dollars with thousands separators: $1,234.50.
func formatMoney(m claim.Money) string {
	c := m.Cents()
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	whole := strconv.FormatInt(c/100, 10)
	var b strings.Builder
	for i, ch := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return fmt.Sprintf("%s$%s.%02d", sign, b.String(), c%100)
}

// statusLabels name the statuses people read differently from their
// stored spelling; the others are shown with the first letter upper case
// and spaces for underscores.
var statusLabels = map[string]string{
	string(batch.AwaitingReview):           "Awaiting review",
	string(eligibility.CheckUnknownMember): "Unknown member",
	string(eligibility.StatusRetryLater):   "Retry later",
}

// statusLabel names a batch, sweep, review or eligibility status for
// people.
func statusLabel(st string) string {
	if l, ok := statusLabels[st]; ok {
		return l
	}
	return upperFirst(strings.ReplaceAll(st, "_", " "))
}

// statusClasses are the badge styles of every status the pages show:
// ok, warn or err (others are info). Each vocabulary's typed constants
// are listed, so a new status is a deliberate line here.
var statusClasses = func() map[string]string {
	m := map[string]string{}
	add := func(class string, sts ...string) {
		for _, st := range sts {
			m[st] = class
		}
	}
	add("ok", string(batch.Completed), string(batch.StateApproved), string(batch.StateOverridden), string(scrub.TierClean),
		string(eligibility.CheckActive), string(eligibility.SweepCompleted), string(store.SubmissionAccepted), string(store.AccessAllowed))
	add("warn", string(batch.AwaitingReview), string(batch.StatePending), string(batch.StateCorrected), string(scrub.TierReview),
		string(eligibility.CheckPending), string(eligibility.StatusRetryLater))
	add("err", string(batch.Failed), string(batch.StateRejected), string(scrub.TierHold), string(eligibility.CheckInactive),
		string(eligibility.CheckUnknownMember), string(eligibility.CheckError), string(store.AccessDenied))
	return m
}()

// statusClass is the badge style of a status: ok, warn, err or info.
func statusClass(st string) string {
	if c, ok := statusClasses[st]; ok {
		return c
	}
	return "info"
}
