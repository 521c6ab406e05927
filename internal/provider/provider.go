// Package provider holds the practice's providers and facilities as staff
// set them up in rcmbot: the rendering and referring providers the claims
// files name only by NPI (the 837P needs their names, loops 2310A/B and
// 2420A), typed in or imported from a CSV in the layout of CMS's NPPES
// NPI file.
package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// Entity is whether a provider is a person or an organisation (NPPES
// Entity Type Code 1 or 2; 837P NM102 1 or 2).
type Entity string

// The provider entity types.
const (
	Individual   Entity = "individual"
	Organisation Entity = "organisation"
)

// Provider is one of the practice's providers.
type Provider struct {
	NPI    string `json:"npi"`
	Entity Entity `json:"entity"`
	// LastName and FirstName name an individual; Organisation names an
	// organisation (its legal business name).
	LastName     string        `json:"last_name,omitempty"`
	FirstName    string        `json:"first_name,omitempty"`
	Organisation string        `json:"organisation,omitempty"`
	Taxonomy     string        `json:"taxonomy,omitempty"` // Healthcare Provider Taxonomy Code, 10 characters
	Address      claim.Address `json:"address,omitzero"`   // practice location
}

// Facility is a place the practice renders services (837P 2310C).
type Facility struct {
	ID      string        `json:"id"` // "" = a new one (opaque ID on save)
	Name    string        `json:"name"`
	NPI     string        `json:"npi,omitempty"`
	Address claim.Address `json:"address"`
}

// Field names a provider's value in errors (and the form's inputs).
type Field string

// The provider fields.
const (
	FieldNPI          Field = "npi"
	FieldEntity       Field = "entity"
	FieldLastName     Field = "last_name"
	FieldFirstName    Field = "first_name"
	FieldOrganisation Field = "organisation"
	FieldTaxonomy     Field = "taxonomy"
	FieldAddress      Field = "address"
	FieldName         Field = "name"
)

// FieldError is a value of a provider (or facility) that cannot be used:
// which field and why, never the value itself.
type FieldError struct {
	Field   Field
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// Normalize trims the values and upper-cases the taxonomy and state.
func (p *Provider) Normalize() {
	for _, s := range []*string{&p.NPI, &p.LastName, &p.FirstName, &p.Organisation, &p.Address.Line1, &p.Address.Line2, &p.Address.City, &p.Address.Zip} {
		*s = strings.TrimSpace(*s)
	}
	p.Taxonomy = strings.ToUpper(strings.TrimSpace(p.Taxonomy))
	p.Address.State = strings.ToUpper(strings.TrimSpace(p.Address.State))
	p.Address.Zip = strings.ReplaceAll(p.Address.Zip, "-", "")
}

// Validate returns every problem with p as *FieldError values joined: an
// NPI with a valid check digit, the name its entity type needs, a taxonomy
// of 10 characters when given, an address complete when given.
func (p *Provider) Validate() error {
	var errs []error
	bad := func(f Field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if !scrub.ValidNPI(p.NPI) {
		bad(FieldNPI, "not a valid NPI (10 digits starting with 1 or 2, the last a Luhn check digit)")
	}
	switch p.Entity {
	case Individual:
		if p.LastName == "" {
			bad(FieldLastName, "an individual provider needs a last name (the 837P requires it)")
		}
	case Organisation:
		if p.Organisation == "" {
			bad(FieldOrganisation, "an organisation needs its legal business name")
		}
	default:
		bad(FieldEntity, "must be %s or %s", Individual, Organisation)
	}
	if t := p.Taxonomy; t != "" && (len(t) != 10 || !alnum(t)) {
		bad(FieldTaxonomy, "a taxonomy code is 10 letters and digits (e.g. 207Q00000X)")
	}
	if a := p.Address; a != (claim.Address{}) && !completeAddress(a) {
		bad(FieldAddress, "an address needs a street, a city, a 2-letter state and a 5- or 9-digit ZIP code")
	}
	return errors.Join(errs...)
}

// Validate returns the problems with a facility: a name, a complete
// address, a valid NPI when given.
func (f *Facility) Validate() error {
	var errs []error
	if strings.TrimSpace(f.Name) == "" {
		errs = append(errs, &FieldError{Field: FieldName, Message: "a facility needs a name"})
	}
	if f.NPI != "" && !scrub.ValidNPI(f.NPI) {
		errs = append(errs, &FieldError{Field: FieldNPI, Message: "not a valid NPI (10 digits starting with 1 or 2, the last a Luhn check digit)"})
	}
	if !completeAddress(f.Address) {
		errs = append(errs, &FieldError{Field: FieldAddress, Message: "a facility needs a street, a city, a 2-letter state and a 5- or 9-digit ZIP code"})
	}
	return errors.Join(errs...)
}

// Name is how staff read the provider: "LAST, FIRST" or the organisation.
func (p *Provider) Name() string {
	if p.Entity == Organisation {
		return p.Organisation
	}
	if p.FirstName == "" {
		return p.LastName
	}
	return p.LastName + ", " + p.FirstName
}

// Practitioner is the provider as the 837P writer names it.
func (p *Provider) Practitioner() x12.Practitioner {
	if p.Entity == Organisation {
		return x12.Practitioner{LastName: p.Organisation, Taxonomy: p.Taxonomy}
	}
	return x12.Practitioner{LastName: p.LastName, FirstName: p.FirstName, Taxonomy: p.Taxonomy}
}

// Practitioners adds providers to the names the 837P writer knows (base,
// from practice.yaml): the map to put in x12.Envelope837.Practitioners.
// Where both name an NPI, the provider set up in the app wins: that is
// where staff correct it.
func Practitioners(base map[string]x12.Practitioner, providers []Provider) map[string]x12.Practitioner {
	out := make(map[string]x12.Practitioner, len(base)+len(providers))
	for npi, p := range base {
		out[npi] = p
	}
	for i := range providers {
		out[providers[i].NPI] = providers[i].Practitioner()
	}
	return out
}

func alnum(s string) bool {
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

func completeAddress(a claim.Address) bool {
	digits := strings.Trim(a.Zip, "0123456789") == ""
	return a.Line1 != "" && a.City != "" && len(a.State) == 2 && digits && (len(a.Zip) == 5 || len(a.Zip) == 9)
}

// FacilitiesByNPI returns the facilities that have an NPI, by NPI, as the
// 837P writer takes them (x12.Envelope837.Facilities). Of two facilities
// with one NPI the first listed wins.
func FacilitiesByNPI(fs []Facility) map[string]claim.Facility {
	out := make(map[string]claim.Facility, len(fs))
	for _, f := range fs {
		if _, dup := out[f.NPI]; f.NPI != "" && !dup {
			out[f.NPI] = claim.Facility{Name: f.Name, NPI: f.NPI, Address: f.Address}
		}
	}
	return out
}
