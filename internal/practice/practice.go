// Package practice holds what the practice tells the clearinghouse about
// itself on every 837P besides the claims: who submits (loop 1000A, with a
// contact), who receives (1000B), and the names and taxonomies of the
// rendering and referring providers the spreadsheets name only by NPI
// (loops 2310A/B, whose NM103 name is required).
//
// It comes from practice.yaml in the reference-data directory, falling back
// to a starter file embedded in the binary that matches the demo data.
package practice

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// Practice is the content of practice.yaml.
type Practice struct {
	Submitter x12.Submitter `yaml:"submitter"`
	Receiver  x12.Party     `yaml:"receiver"`
	Providers []Provider    `yaml:"providers"`
	// Source names where it came from ("embedded" or a path).
	Source string `yaml:"-"`
}

// Provider is a rendering or referring provider of the practice.
type Provider struct {
	NPI       string `yaml:"npi"`
	LastName  string `yaml:"last_name"`
	FirstName string `yaml:"first_name"`
	Taxonomy  string `yaml:"taxonomy"`
}

//go:embed starter/practice.yaml
var starterYAML []byte

// Starter returns the practice file embedded in the binary.
func Starter() *Practice {
	p, err := parse(starterYAML, "embedded practice.yaml")
	if err != nil {
		panic(err) // a build defect, caught by tests
	}
	p.Source = "embedded"
	return p
}

// Load reads practice.yaml from dir, or returns the starter practice when
// dir is empty or has none. Errors name the file and say what to fix.
func Load(dir string) (*Practice, error) {
	if dir == "" {
		return Starter(), nil
	}
	path := filepath.Join(dir, "practice.yaml")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Starter(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read practice file: %w", err)
	}
	p, err := parse(b, path)
	if err != nil {
		return nil, err
	}
	p.Source = path
	return p, nil
}

func parse(b []byte, name string) (*Practice, error) {
	var p Practice
	if err := yaml.UnmarshalWithOptions(b, &p, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, false))
	}
	if p.Submitter.Name == "" || p.Submitter.ID == "" || p.Submitter.ContactName == "" || (p.Submitter.Phone == "" && p.Submitter.Email == "") {
		return nil, fmt.Errorf("%s: submitter needs name, id, contact_name and a phone or email (837P loop 1000A)", name)
	}
	if p.Receiver.Name == "" || p.Receiver.ID == "" {
		return nil, fmt.Errorf("%s: receiver needs name and id (837P loop 1000B)", name)
	}
	seen := map[string]bool{}
	for i, pr := range p.Providers {
		if len(pr.NPI) != 10 || strings.Trim(pr.NPI, "0123456789") != "" {
			return nil, fmt.Errorf("%s: provider %d: npi %q is not 10 digits", name, i+1, pr.NPI)
		}
		if pr.LastName == "" {
			return nil, fmt.Errorf("%s: provider %s has no last_name (the 837P requires it)", name, pr.NPI)
		}
		if seen[pr.NPI] {
			return nil, fmt.Errorf("%s: provider %s appears twice", name, pr.NPI)
		}
		seen[pr.NPI] = true
	}
	return &p, nil
}

// Envelope837 returns the 837P envelope for an interchange: env's ISA/GS
// settings, the practice's submitter, receiver and provider names, and
// the payers' claim filing indicators. Every 837P rcmbot writes, and the
// check that a claim can be written, use it.
func (p *Practice) Envelope837(env x12.Envelope, dir *payers.Directory) x12.Envelope837 {
	e := x12.Envelope837{Envelope: env, Submitter: p.Submitter, Receiver: p.Receiver, Practitioners: p.Practitioners()}
	if dir != nil {
		e.FilingIndicators = dir.FilingIndicators()
	}
	return e
}

// Practitioners returns the providers in the form the 837P writer takes.
func (p *Practice) Practitioners() map[string]x12.Practitioner {
	out := make(map[string]x12.Practitioner, len(p.Providers))
	for _, pr := range p.Providers {
		out[pr.NPI] = x12.Practitioner{LastName: pr.LastName, FirstName: pr.FirstName, Taxonomy: pr.Taxonomy}
	}
	return out
}
