// Package payers reads the payer directory: who the practice bills, how long
// each payer allows for filing, how to reach its eligibility API, and the
// payer's custom scrubbing rules.
//
// The directory comes from payers.yaml (and optionally rules/*.yaml) in the
// reference-data directory; when there is none, a starter directory
// embedded in the binary is used, so rcmbot runs out of the box. The rule
// expressions are only carried here; package scrub compiles them.
package payers

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// MedicareTimelyFilingDays is the Medicare filing limit: one calendar year
// from the date of service (42 CFR 424.44). It is also the default for a
// payer that does not state its own.
const MedicareTimelyFilingDays = 365

// Format is the wire format a payer's eligibility API speaks.
type Format string

// The eligibility wire formats rcmbot speaks.
const (
	FormatJSON Format = "json" // POST {url}/eligibility/v3, the clearinghouse JSON shape
	FormatX12  Format = "x12"  // POST {url}/x12/270 with a 270 document, answered by a 271
)

// Directory is the set of payers the practice bills, by payer ID.
type Directory struct {
	Payers []Payer `yaml:"payers"`
	// Rules that apply to every payer (payer "*" in rules/*.yaml).
	Rules []Rule `yaml:"rules"`
	// Source names where the directory came from ("embedded" or a path).
	Source string `yaml:"-"`
	byID   map[string]int
}

// Payer is one payer's settings.
type Payer struct {
	ID   string `yaml:"id"`   // payer ID as on the claim (837P 2010BB NM1*PR…PI)
	Name string `yaml:"name"` // display name
	// TimelyFilingDays is the filing limit in days from the date of
	// service; 0 means MedicareTimelyFilingDays.
	TimelyFilingDays int `yaml:"timely_filing_days"`
	// ClaimFilingIndicator is what the 837P's SBR09 says about the plan:
	// MB Medicare Part B, MC Medicaid, BL Blue Cross/Blue Shield, HM HMO,
	// CI commercial (the default when empty).
	ClaimFilingIndicator string      `yaml:"claim_filing_indicator"`
	Eligibility          Eligibility `yaml:"eligibility"`
	// Edits says which national edit sets the scrubber applies to the
	// payer's claims; fields left out take the defaults of the payer's
	// plan type (see EditSet).
	Edits Edits  `yaml:"edits"`
	Rules []Rule `yaml:"rules"`
}

// Government plan types, by claim filing indicator (837P SBR09): their
// claim systems apply the CMS edit sets as CMS publishes them.
const (
	FilingMedicarePartA = "MA"
	FilingMedicarePartB = "MB"
	FilingMedicaid      = "MC"
)

// Medicare reports whether the payer is traditional Medicare (Part A or B).
func (p *Payer) Medicare() bool {
	return p.ClaimFilingIndicator == FilingMedicarePartA || p.ClaimFilingIndicator == FilingMedicarePartB
}

// Medicaid reports whether the payer is a state Medicaid program.
func (p *Payer) Medicaid() bool { return p.ClaimFilingIndicator == FilingMedicaid }

// FilingLimitDays returns the payer's timely-filing limit in days.
func (p *Payer) FilingLimitDays() int {
	if p.TimelyFilingDays > 0 {
		return p.TimelyFilingDays
	}
	return MedicareTimelyFilingDays
}

// Eligibility says how to ask the payer about coverage.
type Eligibility struct {
	Format Format `yaml:"format"` // json (default) or x12
	// URL is the base URL of the payer's (or clearinghouse's) API. Empty
	// means "the default eligibility endpoint" from rcmbot's configuration
	// (the payer simulator in development).
	URL string `yaml:"url"`
	// TradingPartnerID is the ID the API knows the payer by; defaults to the payer ID.
	TradingPartnerID string `yaml:"trading_partner_id"`
	// RatePerSecond limits requests to this payer (0 = 10/s). Burst is
	// the token-bucket size (0 = 1). Concurrency caps requests in flight (0 = 4).
	RatePerSecond float64       `yaml:"rate_per_second"`
	Burst         int           `yaml:"burst"`
	Concurrency   int           `yaml:"concurrency"`
	Timeout       time.Duration `yaml:"timeout"` // per request; 0 = 20s (CAQH CORE real-time)
}

// MUEUse says which Medically Unlikely Edits apply to a payer's claims.
type MUEUse string

// The MUE choices. A CMS MUE of 0 units does not mean "at most zero": it
// marks a service Medicare does not pay at all (preventive visits, some
// lab panels), which other payers often do pay.
const (
	MUEAll     MUEUse = "all"     // every MUE row, those of 0 units included (Medicare, Medicaid)
	MUENonzero MUEUse = "nonzero" // the unit limits only, without the 0-unit rows (commercial default)
	MUENone    MUEUse = "none"    // no MUEs
)

// NCCIBypass says how an NCCI-associated modifier bypasses a procedure-to-
// procedure edit whose modifier indicator is 1, in the payer's claim system.
type NCCIBypass string

// The bypass behaviours.
const (
	// BypassAnyLine is Medicare's claim system: an NCCI-associated
	// modifier on either code of the pair bypasses the edit.
	BypassAnyLine NCCIBypass = "any_line"
	// BypassCorrectCoding is what commercial code editors apply: the
	// modifier must be where correct coding puts it (25/57 on an E/M, a
	// distinct-service modifier on the column-2 code, anatomic modifiers
	// that differ between the two lines).
	BypassCorrectCoding NCCIBypass = "correct_coding"
)

// Edits is a payer's edit set as written in payers.yaml; nil and empty
// fields take the plan type's defaults (see EditSet).
type Edits struct {
	NCCIPTP    *bool      `yaml:"ncci_ptp"`    // apply NCCI PTP edits (default true)
	NCCIBypass NCCIBypass `yaml:"ncci_bypass"` // default any_line for Medicare and Medicaid, else correct_coding
	MUE        MUEUse     `yaml:"mue"`         // default all for Medicare and Medicaid, else nonzero
	// MBI checks that member IDs are Medicare Beneficiary Identifiers
	// (default: traditional Medicare, claim filing indicator MA or MB).
	MBI *bool `yaml:"mbi"`
	// NDCDrugs requires an NDC on physician-administered drug lines
	// (default: Medicaid, claim filing indicator MC).
	NDCDrugs *bool `yaml:"ndc_drugs"`
}

// EditSet is a payer's resolved edit set.
type EditSet struct {
	NCCIPTP    bool
	NCCIBypass NCCIBypass
	MUE        MUEUse
	MBI        bool
	NDCDrugs   bool
}

// CommercialEdits is the edit set of a payer that is not in the directory,
// or of one whose plan type is neither Medicare nor Medicaid.
var CommercialEdits = EditSet{NCCIPTP: true, NCCIBypass: BypassCorrectCoding, MUE: MUENonzero}

// EditSet resolves the payer's edit set: what payers.yaml says, else the
// default of its plan type. Medicare and Medicaid claim systems apply NCCI
// and every MUE with Medicare's bypass rule; commercial payers NCCI with
// correct-coding bypass and the MUE unit limits without the 0-unit rows.
func (p *Payer) EditSet() EditSet {
	es := CommercialEdits
	gov := p.Medicare() || p.Medicaid()
	if gov {
		es.NCCIBypass, es.MUE = BypassAnyLine, MUEAll
	}
	es.MBI, es.NDCDrugs = p.Medicare(), p.Medicaid()
	e := p.Edits
	if e.NCCIPTP != nil {
		es.NCCIPTP = *e.NCCIPTP
	}
	if e.NCCIBypass != "" {
		es.NCCIBypass = e.NCCIBypass
	}
	if e.MUE != "" {
		es.MUE = e.MUE
	}
	if e.MBI != nil {
		es.MBI = *e.MBI
	}
	if e.NDCDrugs != nil {
		es.NDCDrugs = *e.NDCDrugs
	}
	return es
}

// Rule is a payer's custom scrubbing rule as written in YAML. Package scrub
// compiles When and reports a finding when it is true for a claim.
type Rule struct {
	ID          string `yaml:"id"`
	Description string `yaml:"description"`
	Severity    string `yaml:"severity"` // error or warning
	When        string `yaml:"when"`     // expr-lang expression over the claim environment
	Message     string `yaml:"message"`
	Fix         string `yaml:"fix"`
	Field       string `yaml:"field"` // optional: the claim field the finding points at
	Weight      int    `yaml:"weight"`
	CARC        string `yaml:"carc"`
	// Effective and Expires bound the dates of service the rule applies to
	// (YYYY-MM-DD, either may be empty).
	Effective string `yaml:"effective"`
	Expires   string `yaml:"expires"`
	// Source is the file the rule was read from, for error messages.
	Source string `yaml:"-"`
}

//go:embed starter/payers.yaml
var starterYAML []byte

// Starter returns the payer directory embedded in the binary.
func Starter() *Directory {
	d, err := parse(starterYAML, "embedded payers.yaml")
	if err != nil {
		panic(fmt.Sprintf("embedded payers.yaml: %v", err)) // a build defect, caught by tests
	}
	d.Source = "embedded"
	return d
}

// Load reads payers.yaml and rules/*.yaml from dir. A dir without
// payers.yaml yields the embedded starter directory (plus any rules/*.yaml).
// Errors name the file and, for YAML errors, the line.
func Load(dir string) (*Directory, error) {
	path := filepath.Join(dir, "payers.yaml")
	b, err := os.ReadFile(path)
	var d *Directory
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d = Starter()
	case err != nil:
		return nil, fmt.Errorf("read payers: %w", err)
	default:
		if d, err = parse(b, path); err != nil {
			return nil, err
		}
		d.Source = path
	}
	files, err := filepath.Glob(filepath.Join(dir, "rules", "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list rule files: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		if err := d.addRuleFile(f); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// ruleFile is the shape of rules/*.yaml: rules for one payer, or "*" for all.
type ruleFile struct {
	Payer string `yaml:"payer"`
	Rules []Rule `yaml:"rules"`
}

func (d *Directory) addRuleFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read rules: %w", err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalWithOptions(b, &rf, yaml.DisallowUnknownField()); err != nil {
		return fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, false))
	}
	for i := range rf.Rules {
		rf.Rules[i].Source = path
		if rf.Rules[i].ID == "" {
			return fmt.Errorf("%s: rule %d has no id", path, i+1)
		}
	}
	if rf.Payer == "" || rf.Payer == "*" {
		d.Rules = append(d.Rules, rf.Rules...)
		return nil
	}
	p := d.Payer(rf.Payer)
	if p == nil {
		return fmt.Errorf("%s: payer %q is not in the payer directory (%s)", path, rf.Payer, d.Source)
	}
	p.Rules = append(p.Rules, rf.Rules...)
	return nil
}

func parse(b []byte, name string) (*Directory, error) {
	var d Directory
	if err := yaml.UnmarshalWithOptions(b, &d, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, false))
	}
	d.byID = make(map[string]int, len(d.Payers))
	for i := range d.Payers {
		p := &d.Payers[i]
		p.ID = strings.TrimSpace(p.ID)
		if p.ID == "" {
			return nil, fmt.Errorf("%s: payer %d has no id", name, i+1)
		}
		if _, dup := d.byID[p.ID]; dup {
			return nil, fmt.Errorf("%s: payer id %q appears twice", name, p.ID)
		}
		d.byID[p.ID] = i
		switch p.Eligibility.Format {
		case "":
			p.Eligibility.Format = FormatJSON
		case FormatJSON, FormatX12:
		default:
			return nil, fmt.Errorf("%s: payer %s: eligibility format %q is not json or x12", name, p.ID, p.Eligibility.Format)
		}
		switch p.Edits.NCCIBypass {
		case "", BypassAnyLine, BypassCorrectCoding:
		default:
			return nil, fmt.Errorf("%s: payer %s: edits.ncci_bypass %q is not any_line or correct_coding", name, p.ID, p.Edits.NCCIBypass)
		}
		switch p.Edits.MUE {
		case "", MUEAll, MUENonzero, MUENone:
		default:
			return nil, fmt.Errorf("%s: payer %s: edits.mue %q is not all, nonzero or none", name, p.ID, p.Edits.MUE)
		}
		if p.TimelyFilingDays < 0 {
			return nil, fmt.Errorf("%s: payer %s: timely_filing_days %d is negative", name, p.ID, p.TimelyFilingDays)
		}
		for j := range p.Rules {
			p.Rules[j].Source = name
			if p.Rules[j].ID == "" {
				return nil, fmt.Errorf("%s: payer %s: rule %d has no id", name, p.ID, j+1)
			}
		}
	}
	for j := range d.Rules {
		d.Rules[j].Source = name
		if d.Rules[j].ID == "" {
			return nil, fmt.Errorf("%s: rule %d has no id", name, j+1)
		}
	}
	return &d, nil
}

// FilingIndicators maps each payer ID to its 837P claim filing indicator,
// for payers that state one.
func (d *Directory) FilingIndicators() map[string]string {
	out := map[string]string{}
	for _, p := range d.Payers {
		if p.ClaimFilingIndicator != "" {
			out[p.ID] = p.ClaimFilingIndicator
		}
	}
	return out
}

// Payer returns the payer with the given ID, or nil when it is not in the directory.
func (d *Directory) Payer(id string) *Payer {
	i, ok := d.byID[id]
	if !ok {
		return nil
	}
	return &d.Payers[i]
}
