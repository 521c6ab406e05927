package claim

// Sex is the patient's administrative sex as 837P DMG03 carries it.
type Sex string

// The values DMG03 allows.
const (
	SexFemale  Sex = "F"
	SexMale    Sex = "M"
	SexUnknown Sex = "U"
)

// Address is a street address (837P N3/N4).
type Address struct {
	Line1 string `json:"line1"`
	Line2 string `json:"line2,omitempty"`
	City  string `json:"city"`
	State string `json:"state"` // two-letter USPS code
	Zip   string `json:"zip"`   // 5 or 9 digits, no hyphen
}

// Patient is the person who received the services, or (as a claim's
// Insured) the subscriber of the patient's coverage when the patient is a
// dependant.
type Patient struct {
	// ID is the practice's own patient account number. It is often the
	// medical record number, an identifier under HIPAA: indexed columns
	// and access records hold its keyed tag (PatientKey), never the number.
	ID        string `json:"id"`
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
	// MiddleName and Suffix (JR, SR, III) come from exports that write the
	// whole name in one cell ("DOE JR, JOHN A"); 837P NM105 and NM107.
	MiddleName string  `json:"middle_name,omitempty"`
	Suffix     string  `json:"suffix,omitempty"`
	DOB        Date    `json:"dob"`
	Sex        Sex     `json:"sex"`
	Address    Address `json:"address"`
}

// Provider is the billing provider (837P loop 2010AA).
type Provider struct {
	Name     string  `json:"name"`
	NPI      string  `json:"npi"`
	TIN      string  `json:"tin"`      // EIN, 9 digits, no hyphen
	Taxonomy string  `json:"taxonomy"` // NUCC code, e.g. 207Q00000X
	Address  Address `json:"address"`
}

// Practitioner is an individual provider's name as a claims file gives
// it (837P NM103, NM104, NM105).
type Practitioner struct {
	LastName   string `json:"last_name"`
	FirstName  string `json:"first_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
}

// Claim is one professional claim: claim-level data and its service lines,
// as read from one or more spreadsheet rows.
type Claim struct {
	// ID is the claim identifier from the spreadsheet (the patient control
	// number, CLM01). Unique within a batch.
	ID string `json:"claim_id"`

	Patient Patient `json:"patient"`

	// The coverage billed: its payer, the member ID and group of its
	// subscriber, and that payer's place in the patient's coverage order
	// (SBR01; "" is primary).
	MemberID       string         `json:"member_id"`
	GroupNumber    string         `json:"group_number,omitempty"`
	PayerID        string         `json:"payer_id"`
	PayerName      string         `json:"payer_name"`
	Responsibility Responsibility `json:"responsibility,omitempty"`
	// Relationship is the patient's relationship to the subscriber of the
	// coverage billed ("" or RelationshipSelf: the patient is the
	// subscriber); Insured is that subscriber when it is someone else.
	Relationship Relationship `json:"relationship,omitempty"`
	Insured      Patient      `json:"insured,omitzero"`
	// MSPType says why Medicare pays second (SBR05) on a claim billed to
	// Medicare as secondary or tertiary; "" otherwise.
	MSPType MSPType `json:"msp_type,omitempty"`
	// OtherCoverage lists the patient's other coverages (2320/2330), with
	// the adjudication of those that already decided on the claim.
	OtherCoverage []Coverage `json:"other_coverage,omitempty"`

	Billing      Provider `json:"billing"`
	RenderingNPI string   `json:"rendering_npi,omitempty"`
	ReferringNPI string   `json:"referring_npi,omitempty"`
	// Rendering and Referring are the names of the claim's rendering and
	// referring providers when the claims file gives them; zero when it
	// does not (the 837P then takes the name set up for the NPI).
	Rendering Practitioner `json:"rendering,omitzero"`
	Referring Practitioner `json:"referring,omitzero"`

	PlaceOfService string    `json:"place_of_service"` // 2-digit CMS POS code (CLM05-1)
	FrequencyCode  Frequency `json:"frequency_code"`   // CLM05-3: 1 original, 7 replacement, 8 void
	// OriginalClaimNumber is the payer's claim control number of the claim
	// a replacement (7) or void (8) refers to (REF*F8).
	OriginalClaimNumber string `json:"original_claim_number,omitempty"`
	PriorAuth           string `json:"prior_auth,omitempty"`
	// Facility is the service location (loop 2310C) when it is not the
	// billing provider's address; zero when it is.
	Facility Facility `json:"facility,omitzero"`

	// TotalCharge is the claim total as the spreadsheet gave it; HasTotal
	// says whether one was given. The 837P always carries ΣLine.Charge.
	TotalCharge Money `json:"total_charge"`
	HasTotal    bool  `json:"has_total"`

	// Diagnoses are ICD-10-CM codes, upper-case without the dot, in claim
	// order: Diagnoses[0] is the principal diagnosis (HI ABK), the rest
	// are HI ABF. At most 12 are billable on an 837P.
	Diagnoses []string `json:"diagnoses"`

	Lines []Line `json:"lines"`

	// Row is the spreadsheet row (1-based, as Excel numbers rows) of the
	// claim's first line; 0 when the claim did not come from a sheet.
	Row int `json:"row,omitempty"`

	// Filled lists the fields the file left blank that the patient's
	// stored record filled (PatientRecord.Fill): values from an earlier
	// upload, an eligibility answer or another claim of the same file.
	// A correction in review takes its field off the list.
	Filled []Field `json:"filled,omitempty"`
}

// Line is one service line (837P loop 2400).
type Line struct {
	// Number is the line's position on the claim, 1-based (LX01).
	Number int `json:"line_number"`

	From Date `json:"service_date_from"`
	To   Date `json:"service_date_to"` // equal to From for a single day

	// Procedure is the CPT or HCPCS Level II code, upper-case.
	Procedure string   `json:"procedure_code"`
	Modifiers []string `json:"modifiers,omitempty"` // up to 4, upper-case

	Units  float64 `json:"units"`
	Charge Money   `json:"line_charge"`

	// DxPointers are 1-based positions into Claim.Diagnoses (SV107),
	// whatever form the spreadsheet used (1,2 or A,B).
	DxPointers []int `json:"dx_pointers"`

	NDC string `json:"ndc,omitempty"`
	// NDCQuantity and NDCUnit are the drug quantity and its unit of
	// measure (CTP04, CTP05-1): the amount of drug given, which is not
	// the HCPCS units (J1100 is billed per 1 mg; 10 units may be 1 ML).
	NDCQuantity float64 `json:"ndc_quantity,omitempty"`
	NDCUnit     NDCUnit `json:"ndc_unit,omitempty"`
	// Prior is the prior payer's decision on this line (837P loop 2430),
	// on secondary claims whose primary adjudicated line by line; nil
	// when only claim-level amounts are known.
	Prior *LineAdjudication `json:"prior,omitempty"`

	// RenderingNPI and PlaceOfService are the line's own rendering
	// provider (CMS-1500 24J, 837P loop 2420A) and place of service (24B,
	// SV105) when they differ from the claim's; "" means the claim's.
	RenderingNPI   string `json:"rendering_npi,omitempty"`
	PlaceOfService string `json:"place_of_service,omitempty"`

	// Row is the spreadsheet row of this line, 0 when not from a sheet.
	Row int `json:"row,omitempty"`
}

// LineTotal returns the sum of the line charges (the CLM02 an 837P carries).
func (c *Claim) LineTotal() Money {
	var t Money
	for i := range c.Lines {
		t += c.Lines[i].Charge
	}
	return t
}

// LineRenderingNPI returns the rendering NPI of line i (0-based): the
// line's own, else the claim's.
func (c *Claim) LineRenderingNPI(i int) string {
	if r := c.Lines[i].RenderingNPI; r != "" {
		return r
	}
	return c.RenderingNPI
}

// LinePlaceOfService returns the place of service of line i (0-based): the
// line's own, else the claim's.
func (c *Claim) LinePlaceOfService(i int) string {
	if p := c.Lines[i].PlaceOfService; p != "" {
		return p
	}
	return c.PlaceOfService
}

// FirstServiceDate returns the earliest line From date, or the zero Date
// when no line has one.
func (c *Claim) FirstServiceDate() Date {
	var first Date
	for i := range c.Lines {
		if d := c.Lines[i].From; d != 0 && (first == 0 || d < first) {
			first = d
		}
	}
	return first
}
