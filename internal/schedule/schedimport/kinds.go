package schedimport

import (
	"slices"

	"github.com/rcmbot/rcmbot/internal/schedule"
)

// Field names, as RowError.Field and the missing-column messages say them.
const (
	fProvider    = "provider_id"
	fWeekday     = "weekday"
	fStart       = "start"
	fEnd         = "end"
	fDate        = "date"
	fKind        = "kind"
	fID          = "appointment_id"
	fPatient     = "patient_id"
	fVisitType   = "visit_type"
	fBookedOn    = "booked_on"
	fStatus      = "status"
	fProbability = "no_show_probability"
	fLeadDays    = "lead_days"
	fOutcome     = "outcome"
)

// Header synonyms shared by several exports.
var (
	providerNames = []string{"Provider", "Provider ID", "Provider Code", "Resource", "Resource ID", "Doctor", "Physician", "Clinician",
		"Rendering Provider", "Practitioner", "Staff"}
	startNames   = []string{"Start Time", "Start", "From", "Begin", "Time", "Appt Time", "Appointment Time", "Time In", "Slot Time"}
	dateNames    = []string{"Date", "Appt Date", "Appointment Date", "Visit Date", "Scheduled Date", "DOS", "Day"}
	patientNames = []string{"Patient ID", "Patient", "MRN", "Medical Record Number", "Patient Account No", "Account No", "Chart No",
		"Person ID", "Patient Number"}
	visitNames = []string{"Visit Type", "Appt Type", "Appointment Type", "Type", "Event Type", "Reason", "Visit Reason"}
)

var templateSpec = spec{noun: "templates", columns: []column{
	{fProvider, providerNames, true},
	{fWeekday, []string{"Day of Week", "Weekday", "Day", "DOW"}, true},
	{fStart, []string{"Start Time", "Start", "From", "Begin", "Session Start"}, true},
	{fEnd, []string{"End Time", "End", "To", "Until", "Finish", "Session End"}, true},
}}

var blockSpec = spec{noun: "blocked days", columns: []column{
	{fDate, []string{"Date", "Blocked Date", "Holiday", "Day Off", "Closed On"}, true},
	{fProvider, providerNames, false},
	{fStart, []string{"Start Time", "Start", "From", "Begin"}, false},
	{fEnd, []string{"End Time", "End", "To", "Until"}, false},
	{fKind, []string{"Kind", "Reason", "Block Type", "Type"}, false},
}}

var appointmentSpec = spec{noun: "appointments", columns: []column{
	{fID, []string{"Appointment ID", "Appt ID", "Appointment No", "Appt No", "Encounter ID", "Visit ID", "ID"}, true},
	{fProvider, providerNames, true},
	{fDate, dateNames, true},
	{fStart, startNames, true},
	{fVisitType, visitNames, true},
	{fPatient, patientNames, false},
	{fBookedOn, []string{"Booked On", "Date Booked", "Scheduled On", "Created", "Created On", "Made On", "Entered", "Booking Date"}, false},
	{fStatus, []string{"Status", "Appt Status", "Appointment Status"}, false},
	{fProbability, []string{"No Show Probability", "No-Show Risk", "Risk", "No Show Risk"}, false},
}}

var historySpec = spec{noun: "attendance history", columns: []column{
	{fPatient, patientNames, true},
	{fDate, dateNames, true},
	{fStart, startNames, true},
	{fOutcome, []string{"Outcome", "Status", "Appt Status", "Attendance", "Show/No Show", "Showed", "Show", "Attended", "Arrived"}, true},
	{fLeadDays, []string{"Lead Days", "Lead Time", "Lead Time Days", "Days Booked Ahead"}, false},
	{fBookedOn, []string{"Booked On", "Date Booked", "Scheduled On", "Created", "Created On", "Made On", "Booking Date"}, false},
	{fVisitType, visitNames, false},
	{fProvider, providerNames, false},
	{fID, []string{"Appointment ID", "Appt ID", "Encounter ID", "Visit ID"}, false},
}, oneOf: [][]string{{fLeadDays, fBookedOn}}}

// Templates is a read session-templates export: one row per provider,
// weekday and session.
type Templates struct {
	File      string              `json:"file"`
	Sheet     string              `json:"sheet,omitempty"`
	Providers []schedule.Provider `json:"providers"` // in the order first seen
	Errors    []RowError          `json:"errors,omitempty"`
}

// ReadTemplates reads a templates export (columns provider, weekday,
// start, end). Sessions that overlap another of the same provider and
// weekday are row errors.
func ReadTemplates(src Source, o Options) (*Templates, error) {
	out := &Templates{}
	index := map[string]int{}
	errs, err := read(src, &templateSpec, o, func(r *rowReader) {
		out.File, out.Sheet = r.t.Name, r.t.Sheet
		id := r.need(fProvider)
		w := schedule.Window{Weekday: value(r, fWeekday, true, ParseWeekday), Start: value(r, fStart, true, ParseTime), End: value(r, fEnd, true, ParseTime)}
		if r.broken {
			return
		}
		if err := w.Check(); err != nil {
			r.bad(fEnd, err.Error())
			return
		}
		i, ok := index[id]
		if !ok {
			i = len(out.Providers)
			index[id] = i
			out.Providers = append(out.Providers, schedule.Provider{ID: id})
		}
		p := &out.Providers[i]
		p.Sessions = append(p.Sessions, w)
		if err := p.Check(); err != nil {
			p.Sessions = p.Sessions[:len(p.Sessions)-1]
			r.bad(fStart, "overlaps another session of the provider on that weekday")
		}
	})
	if err != nil {
		return nil, err
	}
	out.Errors = errs
	return out, nil
}

// Blocks is a read blocked-days export: holidays (rows without a
// provider) and each provider's blocked dates or hours.
type Blocks struct {
	File     string                          `json:"file"`
	Sheet    string                          `json:"sheet,omitempty"`
	Holidays []schedule.Exception            `json:"holidays"`
	Blocked  map[string][]schedule.Exception `json:"blocked"` // by provider
	Errors   []RowError                      `json:"errors,omitempty"`
}

// ReadBlocks reads a blocked-days export (columns date, and optionally
// provider, start, end, kind). A row without a provider closes the
// clinic that day; with start and end it blocks those hours.
func ReadBlocks(src Source, o Options) (*Blocks, error) {
	out := &Blocks{Blocked: map[string][]schedule.Exception{}}
	errs, err := read(src, &blockSpec, o, func(r *rowReader) {
		out.File, out.Sheet = r.t.Name, r.t.Sheet
		e := schedule.Exception{Date: r.date(fDate, true), Start: value(r, fStart, false, ParseTime), End: value(r, fEnd, false, ParseTime),
			Kind: schedule.ExceptionBlocked}
		provider := r.get(fProvider)
		if provider == "" {
			e.Kind = schedule.ExceptionHoliday
		}
		if r.broken {
			return
		}
		switch {
		case (r.get(fStart) == "") != (r.get(fEnd) == ""):
			r.bad(fEnd, "give both start and end to block some hours, or neither to block the day")
		case !e.WholeDay() && e.End <= e.Start:
			r.bad(fEnd, "must be after start")
		case provider == "" && !e.WholeDay():
			r.bad(fProvider, "is empty; a clinic-wide closure is for the whole day, so name the provider whose hours are blocked")
		case provider == "":
			out.Holidays = append(out.Holidays, e)
		default:
			out.Blocked[provider] = append(out.Blocked[provider], e)
		}
	})
	if err != nil {
		return nil, err
	}
	out.Errors = errs
	return out, nil
}

// Appointments is a read appointments export.
type Appointments struct {
	File         string                 `json:"file"`
	Sheet        string                 `json:"sheet,omitempty"`
	Appointments []schedule.Appointment `json:"appointments"`
	Errors       []RowError             `json:"errors,omitempty"`
}

// ReadAppointments reads an appointments export (columns appointment ID,
// provider, date, start, visit type, and optionally patient, booked-on
// date, status and no-show probability). A repeated appointment ID is a
// row error on the later row.
func ReadAppointments(src Source, o Options) (*Appointments, error) {
	out := &Appointments{Appointments: []schedule.Appointment{}}
	seen := map[string]bool{}
	errs, err := read(src, &appointmentSpec, o, func(r *rowReader) {
		out.File, out.Sheet = r.t.Name, r.t.Sheet
		a := schedule.Appointment{ID: r.need(fID), ProviderID: r.need(fProvider), Date: r.date(fDate, true), Start: value(r, fStart, true, ParseTime),
			VisitType: r.need(fVisitType), PatientID: r.get(fPatient), BookedOn: r.date(fBookedOn, false), Status: value(r, fStatus, false, ParseStatus)}
		if r.get(fProbability) != "" {
			p := value(r, fProbability, false, ParseProbability)
			a.NoShowProbability = &p
		}
		switch {
		case r.broken:
			return
		case seen[a.ID]:
			r.bad(fID, "repeats an earlier row's appointment ID")
			return
		case !a.BookedOn.IsZero() && a.BookedOn > a.Date:
			r.bad(fBookedOn, "is after the appointment date")
			return
		}
		seen[a.ID] = true
		out.Appointments = append(out.Appointments, a)
	})
	if err != nil {
		return nil, err
	}
	out.Errors = errs
	return out, nil
}

// History is a read attendance-history export.
type History struct {
	File   string                `json:"file"`
	Sheet  string                `json:"sheet,omitempty"`
	Visits []schedule.Attendance `json:"visits"`
	Errors []RowError            `json:"errors,omitempty"`
}

// ReadHistory reads an attendance-history export (columns patient, date,
// start, outcome, and lead days or booked-on date; optionally visit
// type, provider, appointment ID).
func ReadHistory(src Source, o Options) (*History, error) {
	out := &History{Visits: []schedule.Attendance{}}
	errs, err := read(src, &historySpec, o, func(r *rowReader) {
		out.File, out.Sheet = r.t.Name, r.t.Sheet
		a := schedule.Attendance{PatientID: r.need(fPatient), Date: r.date(fDate, true), Start: value(r, fStart, true, ParseTime),
			Outcome: value(r, fOutcome, true, ParseOutcome), VisitType: r.get(fVisitType), ProviderID: r.get(fProvider), AppointmentID: r.get(fID)}
		switch {
		case r.get(fLeadDays) != "":
			a.LeadDays = value(r, fLeadDays, false, ParseDays)
		case r.has(fBookedOn):
			if booked := r.date(fBookedOn, true); !r.broken {
				if booked > a.Date {
					r.bad(fBookedOn, "is after the visit date")
				}
				a.LeadDays = a.Date.DaysSince(booked)
			}
		default:
			r.bad(fLeadDays, "is empty; give the lead time in days, or a booked-on date")
		}
		if !r.broken {
			out.Visits = append(out.Visits, a)
		}
	})
	if err != nil {
		return nil, err
	}
	out.Errors = errs
	return out, nil
}

// ApplyBlocks puts a blocked-days export into the providers' templates:
// each provider's blocks onto it; the holidays are returned for the
// instance. Blocks of providers not in the templates are returned as
// unknown (by ID, sorted).
func ApplyBlocks(providers []schedule.Provider, b *Blocks) (holidays []schedule.Exception, unknown []string) {
	for id, blocks := range b.Blocked {
		i := slices.IndexFunc(providers, func(p schedule.Provider) bool { return p.ID == id })
		if i < 0 {
			unknown = append(unknown, id)
			continue
		}
		providers[i].Blocked = append(providers[i].Blocked, blocks...)
	}
	slices.Sort(unknown)
	return b.Holidays, unknown
}
