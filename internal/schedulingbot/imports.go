package schedulingbot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/schedimport"
	"github.com/rcmbot/rcmbot/internal/store"
)

// ImportKind is which scheduling export a file is.
type ImportKind string

// The exports the scheduling bot reads (package schedimport).
const (
	ImportTemplates    ImportKind = "templates"    // providers' weekly sessions
	ImportBlocks       ImportKind = "blocks"       // holidays and providers' blocked days or hours
	ImportAppointments ImportKind = "appointments" // appointments booked elsewhere
	ImportHistory      ImportKind = "history"      // attendance history
)

// ImportKinds lists the kinds, for help texts and forms.
var ImportKinds = []ImportKind{ImportTemplates, ImportBlocks, ImportAppointments, ImportHistory}

// ImportResult says what an import stored and which rows it left out
// (each naming file, sheet, row and column, never the value).
type ImportResult struct {
	Kind   ImportKind `json:"kind"`
	File   string     `json:"file"`
	Stored int        `json:"stored"` // providers, blocks, appointments or history entries stored
	// Refused lists, for appointments, the IDs the calendar had no room
	// for (a full slot) and, for blocks, the providers with no template.
	Refused []string               `json:"refused,omitempty"`
	Errors  []schedimport.RowError `json:"errors,omitempty"`
}

// Import reads an export of the given kind and stores what it holds.
// Rows that cannot be read are reported and left out; a file that cannot
// be read at all is a fault.Invalid error and nothing is stored.
// Templates replace the sessions of the providers they list (their
// blocked days stay); blocks are added to the stored templates. Either
// bumps the version of every template it saves but checks none: an
// import replaces templates wholesale on purpose (the export is the
// source of truth), so an admin's edit saved while it runs is replaced
// too, and the admin's next edit, based on the version before the
// import, is refused (fault.Conflict) until the page is reloaded.
func (s *Service) Import(ctx context.Context, kind ImportKind, src schedimport.Source) (ImportResult, error) {
	out := ImportResult{Kind: kind}
	var err error
	switch kind {
	case ImportTemplates:
		err = s.importTemplates(ctx, src, &out)
	case ImportBlocks:
		err = s.importBlocks(ctx, src, &out)
	case ImportAppointments:
		err = s.importAppointments(ctx, src, &out)
	case ImportHistory:
		err = s.importHistory(ctx, src, &out)
	default:
		return out, fault.Errorf(fault.Invalid, "Unknown kind of scheduling export %q (known: %v).", kind, ImportKinds)
	}
	var fe *schedimport.FileError
	var pe *fs.PathError
	switch {
	case errors.As(err, &fe):
		return out, fault.Wrap(err, fault.Invalid, "%s", fe.Error())
	case errors.As(err, &pe):
		return out, fault.Wrap(err, fault.Invalid, "The %s file cannot be opened: %v.", kind, pe.Err)
	}
	return out, invalid(err)
}

func (s *Service) importTemplates(ctx context.Context, src schedimport.Source, out *ImportResult) error {
	t, err := schedimport.ReadTemplates(src, s.Files)
	if err != nil {
		return err
	}
	out.File, out.Errors = t.File, t.Errors
	stored, err := s.DB.Templates(ctx)
	if err != nil {
		return err
	}
	for i := range t.Providers {
		if j := slices.IndexFunc(stored, func(p schedule.Provider) bool { return p.ID == t.Providers[i].ID }); j >= 0 {
			t.Providers[i].Blocked = stored[j].Blocked
		}
	}
	if err := s.DB.SaveTemplates(ctx, t.Providers); err != nil {
		return err
	}
	out.Stored = len(t.Providers)
	return nil
}

func (s *Service) importBlocks(ctx context.Context, src schedimport.Source, out *ImportResult) error {
	b, err := schedimport.ReadBlocks(src, s.Files)
	if err != nil {
		return err
	}
	out.File, out.Errors = b.File, b.Errors
	providers, err := s.DB.Templates(ctx)
	if err != nil {
		return err
	}
	holidays, unknown := schedimport.ApplyBlocks(providers, b)
	out.Refused = unknown
	if err := s.DB.SaveTemplates(ctx, providers); err != nil {
		return err
	}
	if err := s.DB.SaveHolidays(ctx, holidays); err != nil {
		return err
	}
	out.Stored = len(holidays)
	for id, bl := range b.Blocked {
		if !slices.Contains(unknown, id) {
			out.Stored += len(bl)
		}
	}
	return nil
}

func (s *Service) importAppointments(ctx context.Context, src schedimport.Source, out *ImportResult) error {
	a, err := schedimport.ReadAppointments(src, s.Files)
	if err != nil {
		return err
	}
	out.File, out.Errors = a.File, a.Errors
	seats := 1 + s.Clinic.MaxOverbookPerSlot
	for _, ap := range a.Appointments {
		_, err := s.DB.BookAppointment(ctx, store.Booking{Appointment: ap, Seats: seats})
		switch {
		case errors.Is(err, store.ErrConflict):
			out.Refused = append(out.Refused, ap.ID)
		case err != nil:
			return fmt.Errorf("%s: %w", a.File, err)
		default:
			out.Stored++
		}
	}
	return nil
}

func (s *Service) importHistory(ctx context.Context, src schedimport.Source, out *ImportResult) error {
	h, err := schedimport.ReadHistory(src, s.Files)
	if err != nil {
		return err
	}
	out.File, out.Errors = h.File, h.Errors
	if len(h.Visits) == 0 {
		return nil
	}
	out.Stored, err = s.DB.AddHistory(ctx, h.Visits)
	return err
}
