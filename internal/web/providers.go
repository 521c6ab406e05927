package web

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// maxProviderImportBytes bounds an NPPES-layout import (a practice's
// providers, not the national file).
const maxProviderImportBytes = 4 << 20

// providersPageData is the providers page: who is set up, the facilities,
// the last import's rows left out, and the form as sent (after an error).
type providersPageData struct {
	Providers  []provider.Provider
	Facilities []provider.Facility
	RowErrors  []provider.RowError
	Form       provider.Provider
	Entities   []provider.Entity
}

func (s *claimsWeb) providersPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Providers", "providers", nil)
	q := r.URL.Query()
	v.Flash = map[string]string{
		"add":      "Provider saved. Claims held for it are being re-scrubbed.",
		"facility": "Facility saved.",
	}[q.Get("done")]
	// A batch's setup message links here with the NPI to add.
	s.renderProviders(w, r, id, http.StatusOK, v, providersPageData{Form: provider.Provider{NPI: strings.TrimSpace(q.Get("npi")), Entity: provider.Individual}})
}

func (s *claimsWeb) renderProviders(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, v view, d providersPageData) {
	var err error
	if d.Providers, err = s.db.Providers(r.Context(), store.All); err == nil {
		d.Facilities, err = s.db.Facilities(r.Context())
	}
	if err != nil {
		s.failErr(w, r, "the provider list", err)
		return
	}
	d.Entities = []provider.Entity{provider.Individual, provider.Organisation}
	v.Data = d
	s.page(w, status, "providers", v)
}

// providerFromForm reads the add-provider form.
func providerFromForm(r *http.Request) provider.Provider {
	f := r.PostFormValue
	return provider.Provider{NPI: f("npi"), Entity: provider.Entity(f("entity")), LastName: f("last_name"), FirstName: f("first_name"),
		Organisation: f("organisation"), Taxonomy: f("taxonomy"),
		Address: claim.Address{Line1: f("line1"), Line2: f("line2"), City: f("city"), State: f("state"), Zip: f("zip")}}
}

func (s *claimsWeb) addProviderForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	p := providerFromForm(r)
	var err error = errNoClaimsBot
	if s.claims != nil {
		_, err = s.claims.SaveProviders(r.Context(), []provider.Provider{p}, id.User.Username)
	}
	if staffFacing(err) {
		v := newView(id, "Providers", "providers", nil)
		v.Error = fault.MessageOf(err)
		s.renderProviders(w, r, id, statusOf(fault.CodeOf(err)), v, providersPageData{Form: p})
		return
	}
	if err != nil {
		s.failErr(w, r, "saving the provider", err)
		return
	}
	http.Redirect(w, r, "/providers?done=add", http.StatusSeeOther)
}

// importProvidersForm imports the CSV pasted in the form's text area.
func (s *claimsWeb) importProvidersForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Providers", "providers", nil)
	var err error = errNoClaimsBot
	var res provider.ImportResult
	if s.claims != nil {
		res, err = s.claims.ImportProviders(r.Context(), strings.NewReader(r.PostFormValue("csv")), "the pasted CSV", id.User.Username)
	}
	if staffFacing(err) {
		v.Error = fault.MessageOf(err)
		s.renderProviders(w, r, id, statusOf(fault.CodeOf(err)), v, providersPageData{Form: provider.Provider{Entity: provider.Individual}})
		return
	}
	if err != nil {
		s.failErr(w, r, "the provider import", err)
		return
	}
	v.Flash = fmt.Sprintf("%d %s imported, %d %s left out.", res.Saved, plural(res.Saved, "provider", "providers"), len(res.RowErrors), plural(len(res.RowErrors), "row", "rows"))
	s.renderProviders(w, r, id, http.StatusOK, v, providersPageData{RowErrors: res.RowErrors, Form: provider.Provider{Entity: provider.Individual}})
}

func (s *claimsWeb) addFacilityForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	f := r.PostFormValue
	fac := provider.Facility{Name: f("name"), NPI: strings.TrimSpace(f("npi")),
		Address: claim.Address{Line1: f("line1"), Line2: f("line2"), City: f("city"), State: strings.ToUpper(f("state")), Zip: f("zip")}}
	var err error = errNoClaimsBot
	if s.claims != nil {
		_, err = s.claims.SaveFacility(r.Context(), fac, id.User.Username)
	}
	if staffFacing(err) {
		v := newView(id, "Providers", "providers", nil)
		v.Error = fault.MessageOf(err)
		s.renderProviders(w, r, id, statusOf(fault.CodeOf(err)), v, providersPageData{Form: provider.Provider{Entity: provider.Individual}})
		return
	}
	if err != nil {
		s.failErr(w, r, "saving the facility", err)
		return
	}
	http.Redirect(w, r, "/providers?done=facility", http.StatusSeeOther)
}

func (s *claimsWeb) apiProviders(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	ps, err := s.db.Providers(r.Context(), store.All)
	if err != nil {
		s.failErr(w, r, "the provider list", err)
		return
	}
	if ps == nil {
		ps = []provider.Provider{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": ps})
}

// apiSaveProviders takes a JSON array of providers.
func (s *claimsWeb) apiSaveProviders(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.claims == nil {
		s.failErr(w, r, "saving providers", errNoClaimsBot)
		return
	}
	var ps []provider.Provider
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ps); err != nil {
		s.fail(w, r, http.StatusBadRequest, `Send a JSON array of providers: [{"npi":"...","entity":"individual|organisation","last_name":"...","first_name":"...","organisation":"...","taxonomy":"..."}]. `+jsonProblem(err))
		return
	}
	told, err := s.claims.SaveProviders(r.Context(), ps, id.User.Username)
	if err != nil {
		s.failErr(w, r, "saving providers", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"saved": len(ps), "batches_rescrubbed": told})
}

// apiImportProviders takes the CSV as the request body (text/csv).
func (s *claimsWeb) apiImportProviders(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.claims == nil {
		s.failErr(w, r, "the provider import", errNoClaimsBot)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "text/csv" {
		s.fail(w, r, http.StatusUnsupportedMediaType, "Send the NPPES-layout CSV as the request body with Content-Type: text/csv.")
		return
	}
	body := http.MaxBytesReader(w, r.Body, maxProviderImportBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("Send at most %s of providers: filter the NPPES file to the practice's NPIs first.", humanBytes(maxProviderImportBytes)))
		return
	}
	name := cleanFileName(r.URL.Query().Get("file_name"))
	if name == "" {
		name = "the uploaded CSV"
	}
	res, err := s.claims.ImportProviders(r.Context(), strings.NewReader(string(data)), name, id.User.Username)
	if err != nil {
		s.failErr(w, r, "the provider import", err)
		return
	}
	if res.RowErrors == nil {
		res.RowErrors = []provider.RowError{}
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *claimsWeb) apiFacilities(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	fs, err := s.db.Facilities(r.Context())
	if err != nil {
		s.failErr(w, r, "the facility list", err)
		return
	}
	if fs == nil {
		fs = []provider.Facility{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"facilities": fs})
}

func (s *claimsWeb) apiSaveFacility(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.claims == nil {
		s.failErr(w, r, "saving the facility", errNoClaimsBot)
		return
	}
	var f provider.Facility
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		s.fail(w, r, http.StatusBadRequest, `Send a JSON facility: {"name":"...","npi":"...","address":{"line1":"...","city":"...","state":"TX","zip":"78701"}}. `+jsonProblem(err))
		return
	}
	out, err := s.claims.SaveFacility(r.Context(), f, id.User.Username)
	if err != nil {
		s.failErr(w, r, "saving the facility", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
