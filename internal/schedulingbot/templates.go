package schedulingbot

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/store"
)

// idPattern is what provider and visit type IDs may be: they appear in
// URLs, workflow inputs and exports.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// checkID refuses an ID that is empty or has other than letters, digits,
// dots, dashes and underscores, naming the field.
func checkID(field, id string) error {
	if !idPattern.MatchString(id) {
		return fault.Errorf(fault.Invalid, "%s: use 1 to 40 letters, digits, dots, dashes or underscores (got %q).", field, id)
	}
	return nil
}

// Provider returns one provider's template with its version; known is
// false (and the template empty, version 0) for a provider not stored
// yet, whose template an admin may start.
func (s *Service) Provider(ctx context.Context, id string) (p schedule.Provider, known bool, err error) {
	if err := checkID("provider", id); err != nil {
		return schedule.Provider{ID: id}, false, err
	}
	all, err := s.DB.Templates(ctx)
	if err != nil {
		return schedule.Provider{ID: id}, false, err
	}
	for _, q := range all {
		if q.ID == id {
			return q, true, nil
		}
	}
	return schedule.Provider{ID: id}, false, nil
}

// SaveTemplate replaces a provider's template (sessions and blocked
// dates or hours) with p as an edit based on version p.Version (0: a
// provider with no template yet) and returns it with its new version
// (the store keeps when it changed). A bad template is fault.Invalid
// naming the field ("sessions[1]: end must be after start"); one whose
// stored template changed since p.Version, or that has a template
// already when p.Version is 0, is fault.Conflict and saves nothing.
func (s *Service) SaveTemplate(ctx context.Context, p schedule.Provider) (schedule.Provider, error) {
	if err := checkID("provider", p.ID); err != nil {
		return p, err
	}
	if err := p.Check(); err != nil {
		return p, fault.Errorf(fault.Invalid, "The template of provider %s: %v.", p.ID, err)
	}
	v, err := s.DB.SaveTemplate(ctx, p)
	if errors.Is(err, store.ErrStale) {
		return p, staleTemplate(err, p)
	}
	if err != nil {
		return p, invalid(err)
	}
	p.Version = v
	return p, nil
}

// staleTemplate is the refusal of an edit of p's template based on a
// version that is not the stored one.
func staleTemplate(err error, p schedule.Provider) error {
	if p.Version == 0 {
		return fault.Wrap(err, fault.Conflict, "Provider %s has a template already (made since you opened it, or your change names no version): reload it and apply your change again.", p.ID)
	}
	return fault.Wrap(err, fault.Conflict, "Someone else changed the template of provider %s since you opened it: reload it and apply your change again.", p.ID)
}

// EditTemplate applies one edit to provider id's template (a provider not
// stored yet starts empty) and saves it, based on the version the admin
// saw (0: no template yet). A template changed since is fault.Conflict
// and nothing is saved. A new session or block that is bad, or a session
// that overlaps another, is fault.Invalid naming the field; removing
// what the template does not have is fault.NotFound.
func (s *Service) EditTemplate(ctx context.Context, id string, version int, e schedule.TemplateEdit) (schedule.Provider, error) {
	p, _, err := s.Provider(ctx, id)
	if err != nil {
		return p, err
	}
	if p.Version != version {
		return p, staleTemplate(store.ErrStale, schedule.Provider{ID: id, Version: version})
	}
	if err := p.Apply(e); errors.Is(err, schedule.ErrNotInTemplate) {
		return p, fault.Wrap(err, fault.NotFound, "Provider %s: %v.", id, err)
	} else if err != nil {
		return p, fault.Wrap(err, fault.Invalid, "Provider %s: %v.", id, err)
	}
	return s.SaveTemplate(ctx, p)
}

// VisitTypes lists the visit types.
func (s *Service) VisitTypes(ctx context.Context) ([]schedule.VisitType, error) {
	return s.DB.VisitTypes(ctx)
}

// SaveVisitType adds a visit type or changes its minutes (and the
// providers who offer it: none means all). A bad one is
// fault.Invalid naming the field.
func (s *Service) SaveVisitType(ctx context.Context, v schedule.VisitType) (schedule.VisitType, error) {
	if err := checkID("visit type", v.ID); err != nil {
		return v, err
	}
	if v.Minutes <= 0 || v.Minutes > schedule.MaxVisitMinutes {
		return v, fault.Errorf(fault.Invalid, "minutes: a visit of type %s lasts 1 to %d minutes (got %d).", v.ID, schedule.MaxVisitMinutes, v.Minutes)
	}
	for i, p := range v.ProviderIDs {
		if err := checkID(fmt.Sprintf("provider_ids[%d]", i), p); err != nil {
			return v, err
		}
	}
	if err := s.DB.SaveVisitTypes(ctx, []schedule.VisitType{v}); err != nil {
		return v, invalid(err)
	}
	return v, nil
}
