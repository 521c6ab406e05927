package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TemplateEdit is one change to a provider's template: a weekly session
// added or removed, a blocked date (or hours of one) added or removed.
// Exactly one field is set.
type TemplateEdit struct {
	AddSession    *Window
	RemoveSession *Window
	AddBlock      *Exception
	RemoveBlock   *Exception
}

// ErrNotInTemplate is Apply's error for removing a session or block the
// template does not have.
var ErrNotInTemplate = errors.New("nothing removed")

// Apply makes the edit to p, or returns why not (p unchanged): a bad new
// session or block, a session overlapping another of its weekday (the
// message names the field), ErrNotInTemplate. Sessions stay ordered by
// weekday and start, blocks by date and start.
func (p *Provider) Apply(e TemplateEdit) error {
	switch {
	case e.AddSession != nil:
		w := *e.AddSession
		if err := w.Check(); err != nil {
			return fmt.Errorf("the new session: %w", err)
		}
		for _, t := range p.Sessions {
			if t.Weekday == w.Weekday && t.Start < w.End && w.Start < t.End {
				return fmt.Errorf("the new session (%s) overlaps the session %s", w, t)
			}
		}
		p.Sessions = append(p.Sessions, w)
		slices.SortFunc(p.Sessions, func(a, b Window) int {
			if a.Weekday != b.Weekday {
				return int(a.Weekday) - int(b.Weekday)
			}
			return int(a.Start) - int(b.Start)
		})
	case e.RemoveSession != nil:
		i := slices.Index(p.Sessions, *e.RemoveSession)
		if i < 0 {
			return fmt.Errorf("the template has no session %s: %w", e.RemoveSession, ErrNotInTemplate)
		}
		p.Sessions = slices.Delete(p.Sessions, i, i+1)
	case e.AddBlock != nil:
		b := *e.AddBlock
		if b.Kind == "" {
			b.Kind = ExceptionBlocked
		}
		if err := b.check(); err != nil {
			return fmt.Errorf("the new block: %w", err)
		}
		p.Blocked = append(p.Blocked, b)
		slices.SortStableFunc(p.Blocked, func(a, b Exception) int {
			return strings.Compare(a.Date.String()+a.Start.String(), b.Date.String()+b.Start.String())
		})
	case e.RemoveBlock != nil:
		r := *e.RemoveBlock
		i := slices.IndexFunc(p.Blocked, func(b Exception) bool { return b.Date == r.Date && b.Start == r.Start && b.End == r.End })
		if i < 0 {
			return fmt.Errorf("the template has no block on %s at those hours: %w", r.Date, ErrNotInTemplate)
		}
		p.Blocked = slices.Delete(p.Blocked, i, i+1)
	default:
		return errors.New("say what to change in the template")
	}
	return nil
}
