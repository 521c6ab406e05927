package eligibility

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The JSON eligibility API is the shape the major clearinghouses share:
//
//	POST {url}/eligibility/v3
//	{"controlNumber": "123456789", "tradingPartnerServiceId": "60054",
//	 "provider": {"organizationName": "...", "npi": "1234567893"},
//	 "subscriber": {"memberId": "...", "firstName": "...", "lastName": "...", "dateOfBirth": "19800517"},
//	 "encounter": {"dateOfService": "20260302", "serviceTypeCodes": ["30"]}}
//
// The answer is the 271 in JSON (JSONResponse): the echoed control number,
// provider, subscriber (and dependents), payer, planInformation,
// planDateInformation, planStatus, benefitsInformation (one entry per EB
// segment: code, coverageLevelCode, serviceTypeCodes, insuranceTypeCode,
// planCoverage, timeQualifierCode, benefitAmount, benefitPercent,
// quantityQualifierCode, benefitQuantity, authOrCertIndicator,
// inPlanNetworkIndicatorCode, compositeMedicalProcedureIdentifier,
// benefitsDateInformation, additionalInformation, benefitsRelatedEntities)
// and errors (the AAA rejections: code, description, followupAction,
// location). Dates are YYYYMMDD, ranges YYYYMMDD-YYYYMMDD; amounts and
// percents are decimal strings ("1500.00", "0.2"). Each coded field comes
// with its description beside it (code/name, timeQualifierCode/
// timeQualifier ...); rcmbot reads the codes.

// JSONRequest is the body of POST {url}/eligibility/v3.
type JSONRequest struct {
	ControlNumber           string        `json:"controlNumber"`
	TradingPartnerServiceID string        `json:"tradingPartnerServiceId"`
	Provider                JSONProvider  `json:"provider"`
	Subscriber              JSONPerson    `json:"subscriber"`
	Encounter               JSONEncounter `json:"encounter"`
}

// JSONProvider is the provider asking (request) or echoed (response).
type JSONProvider struct {
	OrganizationName string `json:"organizationName,omitempty"`
	ProviderName     string `json:"providerName,omitempty"`
	NPI              string `json:"npi"`
}

// JSONPerson is a subscriber or dependent.
type JSONPerson struct {
	MemberID                 string `json:"memberId,omitempty"`
	FirstName                string `json:"firstName,omitempty"`
	MiddleName               string `json:"middleName,omitempty"`
	LastName                 string `json:"lastName,omitempty"`
	Gender                   string `json:"gender,omitempty"`
	DateOfBirth              string `json:"dateOfBirth,omitempty"` // YYYYMMDD
	GroupNumber              string `json:"groupNumber,omitempty"`
	RelationToSubscriberCode string `json:"relationToSubscriberCode,omitempty"`
	RelationToSubscriber     string `json:"relationToSubscriber,omitempty"`
}

// JSONEncounter is what the question is about.
type JSONEncounter struct {
	DateOfService    string   `json:"dateOfService"` // YYYYMMDD
	ServiceTypeCodes []string `json:"serviceTypeCodes"`
}

// JSONResponse is the answer to a JSONRequest.
type JSONResponse struct {
	ControlNumber           string              `json:"controlNumber"`
	TradingPartnerServiceID string              `json:"tradingPartnerServiceId,omitempty"`
	Provider                *JSONProvider       `json:"provider,omitempty"`
	Subscriber              *JSONPerson         `json:"subscriber,omitempty"`
	Dependents              []JSONPerson        `json:"dependents,omitempty"`
	Payer                   *JSONPayer          `json:"payer,omitempty"`
	PlanInformation         *JSONPlanInfo       `json:"planInformation,omitempty"`
	PlanDateInformation     *JSONPlanDates      `json:"planDateInformation,omitempty"`
	PlanStatus              []JSONPlanStatus    `json:"planStatus,omitempty"`
	BenefitsInformation     []JSONBenefit       `json:"benefitsInformation,omitempty"`
	Errors                  []JSONError         `json:"errors,omitempty"`
	Messages                []JSONAdditionalMsg `json:"additionalInformation,omitempty"`
}

// JSONPayer is the payer answering (271 loop 2100A).
type JSONPayer struct {
	Name                string `json:"name,omitempty"`
	PayorIdentification string `json:"payorIdentification,omitempty"`
}

// JSONPlanInfo carries the plan's reference numbers (271 2100C REF).
type JSONPlanInfo struct {
	GroupNumber      string `json:"groupNumber,omitempty"`
	GroupDescription string `json:"groupDescription,omitempty"`
	PlanNumber       string `json:"planNumber,omitempty"`
	PlanDescription  string `json:"planDescription,omitempty"`
}

// JSONPlanDates are the subscriber-level dates (271 2100C DTP).
type JSONPlanDates struct {
	PlanBegin        string `json:"planBegin,omitempty"`
	PlanEnd          string `json:"planEnd,omitempty"`
	Plan             string `json:"plan,omitempty"` // range
	EligibilityBegin string `json:"eligibilityBegin,omitempty"`
	EligibilityEnd   string `json:"eligibilityEnd,omitempty"`
	Eligibility      string `json:"eligibility,omitempty"` // range
}

// JSONPlanStatus summarises coverage per service type group.
type JSONPlanStatus struct {
	StatusCode       string   `json:"statusCode"`
	Status           string   `json:"status,omitempty"`
	PlanDetails      string   `json:"planDetails,omitempty"`
	ServiceTypeCodes []string `json:"serviceTypeCodes,omitempty"`
}

// JSONBenefit is one EB segment with its 2110 loop.
type JSONBenefit struct {
	Code                                string              `json:"code"`
	Name                                string              `json:"name,omitempty"`
	CoverageLevelCode                   string              `json:"coverageLevelCode,omitempty"`
	ServiceTypeCodes                    []string            `json:"serviceTypeCodes,omitempty"`
	InsuranceTypeCode                   string              `json:"insuranceTypeCode,omitempty"`
	PlanCoverage                        string              `json:"planCoverage,omitempty"`
	TimeQualifierCode                   string              `json:"timeQualifierCode,omitempty"`
	BenefitAmount                       string              `json:"benefitAmount,omitempty"`
	BenefitPercent                      string              `json:"benefitPercent,omitempty"`
	QuantityQualifierCode               string              `json:"quantityQualifierCode,omitempty"`
	BenefitQuantity                     string              `json:"benefitQuantity,omitempty"`
	AuthOrCertIndicator                 string              `json:"authOrCertIndicator,omitempty"`
	InPlanNetworkIndicatorCode          string              `json:"inPlanNetworkIndicatorCode,omitempty"`
	CompositeMedicalProcedureIdentifier *JSONProcedure      `json:"compositeMedicalProcedureIdentifier,omitempty"`
	BenefitsDateInformation             map[string]string   `json:"benefitsDateInformation,omitempty"`
	AdditionalInformation               []JSONAdditionalMsg `json:"additionalInformation,omitempty"`
	BenefitsRelatedEntities             []JSONRelatedEntity `json:"benefitsRelatedEntities,omitempty"`
}

// JSONProcedure is EB13.
type JSONProcedure struct {
	ProductOrServiceIDQualifierCode string   `json:"productOrServiceIdQualifierCode,omitempty"`
	ProcedureCode                   string   `json:"procedureCode,omitempty"`
	ProcedureModifiers              []string `json:"procedureModifiers,omitempty"`
}

// JSONAdditionalMsg is a free-text message (MSG).
type JSONAdditionalMsg struct {
	Description string `json:"description"`
}

// JSONRelatedEntity is a 2120 loop entity (LS/LE).
type JSONRelatedEntity struct {
	EntityIdentifierCode      string `json:"entityIdentifierCode,omitempty"`
	EntityIdentifier          string `json:"entityIdentifier,omitempty"`
	EntityType                string `json:"entityType,omitempty"` // "Person" or "Non-Person Entity"
	EntityName                string `json:"entityName,omitempty"`
	EntityFirstname           string `json:"entityFirstname,omitempty"`
	EntityIdentification      string `json:"entityIdentification,omitempty"` // NM108 qualifier
	EntityIdentificationValue string `json:"entityIdentificationValue,omitempty"`
	Phone                     string `json:"phone,omitempty"`
}

// JSONError is an AAA rejection.
type JSONError struct {
	Field          string `json:"field,omitempty"`
	Code           string `json:"code"`
	Description    string `json:"description,omitempty"`
	FollowupAction string `json:"followupAction,omitempty"`
	Location       string `json:"location,omitempty"` // "Loop 2100C"
}

// dateKeys maps benefitsDateInformation keys to DTP qualifiers.
var dateKeys = map[string]string{
	"plan": "291", "planBegin": "346", "planEnd": "347", "benefit": "292", "benefitBegin": "348",
	"benefitEnd": "349", "eligibility": "307", "eligibilityBegin": "356", "eligibilityEnd": "357",
	"service": "472", "coordinationOfBenefits": "290", "added": "295", "latestVisitOrConsultation": "304",
}

// dateKey returns the benefitsDateInformation key of a DTP qualifier; an
// unknown qualifier is its own key, so nothing is lost.
func dateKey(qualifier string) string {
	for k, q := range dateKeys {
		if q == qualifier {
			return k
		}
	}
	return qualifier
}

// NewJSONRequest builds the JSON eligibility request for req.
func NewJSONRequest(req *Request) JSONRequest {
	st := req.ServiceTypes
	if len(st) == 0 {
		st = []string{ServiceTypePlan}
	}
	return JSONRequest{
		ControlNumber:           req.ControlNumber,
		TradingPartnerServiceID: req.Partner(),
		Provider:                JSONProvider{OrganizationName: req.ProviderName, NPI: req.ProviderNPI},
		Subscriber: JSONPerson{MemberID: req.MemberID, FirstName: req.FirstName, LastName: req.LastName,
			DateOfBirth: req.DOB.Compact()},
		Encounter: JSONEncounter{DateOfService: req.DateOfService.Compact(), ServiceTypeCodes: st},
	}
}

// RequestFromJSON reads a JSONRequest back into a Request (the simulator's
// side). Errors name the field, never its value.
func RequestFromJSON(j *JSONRequest) (Request, error) {
	r := Request{
		ControlNumber: j.ControlNumber, PayerID: j.TradingPartnerServiceID,
		ProviderNPI: j.Provider.NPI, ProviderName: j.Provider.OrganizationName,
		MemberID: j.Subscriber.MemberID, FirstName: j.Subscriber.FirstName, LastName: j.Subscriber.LastName,
		ServiceTypes: j.Encounter.ServiceTypeCodes,
	}
	var err error
	if r.DOB, err = parseD8(j.Subscriber.DateOfBirth); err != nil {
		return r, fmt.Errorf("subscriber.dateOfBirth: %w", err)
	}
	if r.DateOfService, err = parseD8(j.Encounter.DateOfService); err != nil {
		return r, fmt.Errorf("encounter.dateOfService: %w", err)
	}
	return r, nil
}

// errDate is wrapped by date errors; it names the format, not the value
// (a date of birth is PHI).
var errDate = errors.New("not a date (want YYYYMMDD)")

// parseD8 reads YYYYMMDD (or YYYY-MM-DD); "" is the zero Date.
func parseD8(s string) (claim.Date, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 0:
		return 0, nil
	case 8:
		if d, err := claim.ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:]); err == nil {
			return d, nil
		}
	case 10:
		if d, err := claim.ParseDate(s); err == nil {
			return d, nil
		}
	}
	return 0, errDate
}

// parseRange reads YYYYMMDD-YYYYMMDD or a single date (End zero).
func parseRange(s string) (start, end claim.Date, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange || len(s) == 10 && strings.Count(s, "-") == 2 {
		start, err = parseD8(s)
		return start, 0, err
	}
	if start, err = parseD8(a); err != nil {
		return 0, 0, err
	}
	end, err = parseD8(b)
	return start, end, err
}

// FromJSON maps a JSON eligibility response to a Result. raw is kept as
// Result.Raw. An error means the body is not a readable response; it names
// the field at fault but no patient data.
func FromJSON(raw []byte, req *Request) (*Result, error) {
	var j JSONResponse
	if err := json.Unmarshal(raw, &j); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("eligibility response is not JSON (offset %d)", se.Offset)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("eligibility response: field %s has the wrong type (%s, want %s)", te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("eligibility response: %w", err)
	}
	res := &Result{Format: "json", Raw: raw, ControlNumber: j.ControlNumber}
	if j.Payer != nil {
		res.Payer = Party{ID: j.Payer.PayorIdentification, Name: j.Payer.Name}
	}
	if res.Payer.ID == "" {
		res.Payer.ID = j.TradingPartnerServiceID
	}
	if j.Provider != nil {
		res.Provider = Party{ID: j.Provider.NPI, Name: firstNonEmpty(j.Provider.ProviderName, j.Provider.OrganizationName)}
	}
	var err error
	if j.Subscriber != nil {
		if res.Subscriber, err = personFromJSON(j.Subscriber); err != nil {
			return nil, fmt.Errorf("eligibility response: subscriber.%w", err)
		}
	}
	if len(j.Dependents) > 0 {
		i := matchDependent(j.Dependents, req)
		p, err := personFromJSON(&j.Dependents[i])
		if err != nil {
			return nil, fmt.Errorf("eligibility response: dependents[%d].%w", i, err)
		}
		res.Patient = &p
	}
	if pi := j.PlanInformation; pi != nil {
		res.Plan.Number, res.Plan.GroupNumber, res.Plan.GroupName = pi.PlanNumber, pi.GroupNumber, pi.GroupDescription
		res.Plan.Name = pi.PlanDescription
	}
	if res.Plan.GroupNumber == "" {
		res.Plan.GroupNumber = res.Subscriber.GroupNumber
	}
	if pd := j.PlanDateInformation; pd != nil {
		if err := planDatesFromJSON(&res.Plan, pd); err != nil {
			return nil, fmt.Errorf("eligibility response: planDateInformation.%w", err)
		}
	}
	for i := range j.BenefitsInformation {
		b, err := benefitFromJSON(&j.BenefitsInformation[i])
		if err != nil {
			return nil, fmt.Errorf("eligibility response: benefitsInformation[%d].%w", i, err)
		}
		res.Benefits = append(res.Benefits, b)
	}
	if !hasCoverageBenefit(res.Benefits) {
		for _, ps := range j.PlanStatus {
			res.Benefits = append(res.Benefits, Benefit{Code: ps.StatusCode, ServiceTypes: ps.ServiceTypeCodes, PlanCoverage: ps.PlanDetails})
		}
	}
	for _, e := range j.Errors {
		res.Errors = append(res.Errors, AAAError{
			Loop: strings.TrimSpace(strings.TrimPrefix(e.Location, "Loop")), Code: e.Code,
			Description: e.Description, FollowUpDescription: e.FollowupAction,
		})
	}
	for _, m := range j.Messages {
		res.addMessage(m.Description)
	}
	res.finish(req)
	return res, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func hasCoverageBenefit(bs []Benefit) bool {
	for i := range bs {
		if isActiveCode(bs[i].Code) || isInactiveCode(bs[i].Code) {
			return true
		}
	}
	return false
}

// matchDependent picks the dependent the request is about: the one whose
// first name matches, else the first.
func matchDependent(ds []JSONPerson, req *Request) int {
	for i := range ds {
		if sameName(ds[i].FirstName, req.FirstName) {
			return i
		}
	}
	return 0
}

func personFromJSON(j *JSONPerson) (Person, error) {
	dob, err := parseD8(j.DateOfBirth)
	if err != nil {
		return Person{}, fmt.Errorf("dateOfBirth: %w", err)
	}
	return Person{MemberID: j.MemberID, FirstName: j.FirstName, MiddleName: j.MiddleName, LastName: j.LastName,
		DOB: dob, Sex: j.Gender, GroupNumber: j.GroupNumber, Relationship: j.RelationToSubscriberCode}, nil
}

func planDatesFromJSON(p *Plan, pd *JSONPlanDates) error {
	for _, f := range []struct {
		name string
		v    string
		dst  *claim.Date
	}{{"planBegin", pd.PlanBegin, &p.Begin}, {"planEnd", pd.PlanEnd, &p.End},
		{"eligibilityBegin", pd.EligibilityBegin, &p.EligibilityBegin}, {"eligibilityEnd", pd.EligibilityEnd, &p.EligibilityEnd}} {
		d, err := parseD8(f.v)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		setIfZero(f.dst, d)
	}
	for _, f := range []struct {
		name       string
		v          string
		begin, end *claim.Date
	}{{"plan", pd.Plan, &p.Begin, &p.End}, {"eligibility", pd.Eligibility, &p.EligibilityBegin, &p.EligibilityEnd}} {
		if f.v == "" {
			continue
		}
		s, e, err := parseRange(f.v)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		setIfZero(f.begin, s)
		setIfZero(f.end, e)
	}
	return nil
}

func benefitFromJSON(j *JSONBenefit) (Benefit, error) {
	b := Benefit{
		Code: j.Code, Name: j.Name, CoverageLevel: j.CoverageLevelCode, ServiceTypes: j.ServiceTypeCodes,
		InsuranceType: j.InsuranceTypeCode, PlanCoverage: j.PlanCoverage, Period: j.TimeQualifierCode,
		QuantityQualifier: j.QuantityQualifierCode, AuthRequired: j.AuthOrCertIndicator,
		InNetwork: j.InPlanNetworkIndicatorCode,
	}
	var err error
	if b.Amount, err = parseAmount(j.BenefitAmount); err != nil {
		return b, fmt.Errorf("benefitAmount: %w", err)
	}
	if b.Percent, err = parseDecimal(j.BenefitPercent); err != nil {
		return b, fmt.Errorf("benefitPercent: %w", err)
	}
	if b.Quantity, err = parseDecimal(j.BenefitQuantity); err != nil {
		return b, fmt.Errorf("benefitQuantity: %w", err)
	}
	if p := j.CompositeMedicalProcedureIdentifier; p != nil {
		b.Procedure = strings.Join(append([]string{p.ProductOrServiceIDQualifierCode, p.ProcedureCode}, p.ProcedureModifiers...), ":")
	}
	for _, k := range sortedKeys(j.BenefitsDateInformation) {
		q, ok := dateKeys[k]
		if !ok {
			q = k
		}
		s, e, err := parseRange(j.BenefitsDateInformation[k])
		if err != nil {
			return b, fmt.Errorf("benefitsDateInformation.%s: %w", k, err)
		}
		b.Dates = append(b.Dates, BenefitDate{Qualifier: q, Start: s, End: e})
	}
	for _, m := range j.AdditionalInformation {
		if m.Description != "" {
			b.Messages = append(b.Messages, m.Description)
		}
	}
	for _, e := range j.BenefitsRelatedEntities {
		q := "2"
		if e.EntityType == "Person" {
			q = "1"
		}
		b.Entities = append(b.Entities, Entity{Code: e.EntityIdentifierCode, Name: e.EntityName, FirstName: e.EntityFirstname,
			IDType: e.EntityIdentification, ID: e.EntityIdentificationValue, Phone: e.Phone, Qualifier: q})
	}
	return b, nil
}

// errNumber is wrapped by number errors.
var errNumber = errors.New("not a decimal number")

func parseAmount(s string) (*claim.Money, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return nil, fmt.Errorf("%q: %w", s, errNumber)
	}
	m, err := claim.ParseMoney(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, errNumber)
	}
	return &m, nil
}

func parseDecimal(s string) (*float64, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%q: %w", s, errNumber)
	}
	return &f, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// JSONResponseOf renders res as a JSON eligibility response, the inverse
// of FromJSON (the simulator answers with it). Summary figures are not
// written: they are derived from the benefits when read.
func JSONResponseOf(res *Result) *JSONResponse {
	j := &JSONResponse{ControlNumber: res.ControlNumber, TradingPartnerServiceID: res.Payer.ID,
		Payer: &JSONPayer{Name: res.Payer.Name, PayorIdentification: res.Payer.ID}}
	if res.Provider != (Party{}) {
		j.Provider = &JSONProvider{ProviderName: res.Provider.Name, NPI: res.Provider.ID}
	}
	if res.Subscriber != (Person{}) {
		j.Subscriber = personToJSON(&res.Subscriber)
	}
	if res.Patient != nil {
		j.Dependents = []JSONPerson{*personToJSON(res.Patient)}
	}
	p := &res.Plan
	if p.Number != "" || p.GroupNumber != "" || p.GroupName != "" {
		j.PlanInformation = &JSONPlanInfo{PlanNumber: p.Number, GroupNumber: p.GroupNumber, GroupDescription: p.GroupName}
	}
	if p.Begin != 0 || p.End != 0 || p.EligibilityBegin != 0 || p.EligibilityEnd != 0 {
		j.PlanDateInformation = &JSONPlanDates{PlanBegin: p.Begin.Compact(), PlanEnd: p.End.Compact(),
			EligibilityBegin: p.EligibilityBegin.Compact(), EligibilityEnd: p.EligibilityEnd.Compact()}
	}
	for i := range res.Benefits {
		b := &res.Benefits[i]
		if isActiveCode(b.Code) || isInactiveCode(b.Code) {
			j.PlanStatus = append(j.PlanStatus, JSONPlanStatus{StatusCode: b.Code, Status: BenefitName(b.Code),
				PlanDetails: b.PlanCoverage, ServiceTypeCodes: b.ServiceTypes})
		}
		j.BenefitsInformation = append(j.BenefitsInformation, benefitToJSON(b))
	}
	for _, e := range res.Errors {
		loc := ""
		if e.Loop != "" {
			loc = "Loop " + e.Loop
		}
		j.Errors = append(j.Errors, JSONError{Code: e.Code, Description: firstNonEmpty(e.Description, RejectName(e.Code)),
			FollowupAction: firstNonEmpty(e.FollowUpDescription, FollowUpName(e.FollowUp)), Location: loc})
	}
	return j
}

func personToJSON(p *Person) *JSONPerson {
	return &JSONPerson{MemberID: p.MemberID, FirstName: p.FirstName, MiddleName: p.MiddleName, LastName: p.LastName,
		Gender: p.Sex, DateOfBirth: p.DOB.Compact(), GroupNumber: p.GroupNumber, RelationToSubscriberCode: p.Relationship}
}

func benefitToJSON(b *Benefit) JSONBenefit {
	j := JSONBenefit{Code: b.Code, Name: firstNonEmpty(b.Name, BenefitName(b.Code)), CoverageLevelCode: b.CoverageLevel,
		ServiceTypeCodes: b.ServiceTypes, InsuranceTypeCode: b.InsuranceType, PlanCoverage: b.PlanCoverage,
		TimeQualifierCode: b.Period, QuantityQualifierCode: b.QuantityQualifier, AuthOrCertIndicator: b.AuthRequired,
		InPlanNetworkIndicatorCode: b.InNetwork}
	if b.Amount != nil {
		j.BenefitAmount = b.Amount.String()
	}
	if b.Percent != nil {
		j.BenefitPercent = strconv.FormatFloat(*b.Percent, 'f', -1, 64)
	}
	if b.Quantity != nil {
		j.BenefitQuantity = strconv.FormatFloat(*b.Quantity, 'f', -1, 64)
	}
	if b.Procedure != "" {
		parts := strings.Split(b.Procedure, ":")
		p := &JSONProcedure{ProductOrServiceIDQualifierCode: parts[0]}
		if len(parts) > 1 {
			p.ProcedureCode, p.ProcedureModifiers = parts[1], parts[2:]
		}
		j.CompositeMedicalProcedureIdentifier = p
	}
	if len(b.Dates) > 0 {
		j.BenefitsDateInformation = make(map[string]string, len(b.Dates))
		for _, d := range b.Dates {
			v := d.Start.Compact()
			if d.End != 0 {
				v += "-" + d.End.Compact()
			}
			j.BenefitsDateInformation[dateKey(d.Qualifier)] = v
		}
	}
	for _, m := range b.Messages {
		j.AdditionalInformation = append(j.AdditionalInformation, JSONAdditionalMsg{Description: m})
	}
	for _, e := range b.Entities {
		t := "Non-Person Entity"
		if e.Qualifier == "1" {
			t = "Person"
		}
		j.BenefitsRelatedEntities = append(j.BenefitsRelatedEntities, JSONRelatedEntity{EntityIdentifierCode: e.Code,
			EntityType: t, EntityName: e.Name, EntityFirstname: e.FirstName, EntityIdentification: e.IDType,
			EntityIdentificationValue: e.ID, Phone: e.Phone})
	}
	return j
}
