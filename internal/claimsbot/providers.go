package claimsbot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/api/serviceerror"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/workflows"
)

// MaxProviders bounds one request that types providers in.
const MaxProviders = 500

// SaveProviders checks providers typed in (an NPI with its check digit,
// the name their entity type needs), stores them as set up by, and tells
// every batch whose held claims wait for one of them to re-scrub them. A
// provider that cannot be used is a fault.Invalid naming which one and
// which field; nothing is saved then. It returns how many batches were
// told.
func (s *Service) SaveProviders(ctx context.Context, ps []provider.Provider, by string) (int, error) {
	if len(ps) == 0 || len(ps) > MaxProviders {
		return 0, fault.Errorf(fault.Invalid, "Send between 1 and %d providers.", MaxProviders)
	}
	var msgs []string
	seen := map[string]bool{}
	for i := range ps {
		ps[i].Normalize()
		if err := ps[i].Validate(); err != nil {
			msgs = append(msgs, fmt.Sprintf("provider %d (NPI %s): %s", i+1, ps[i].NPI, strings.ReplaceAll(err.Error(), "\n", "; ")))
		} else if seen[ps[i].NPI] {
			msgs = append(msgs, fmt.Sprintf("provider %d: NPI %s appears twice", i+1, ps[i].NPI))
		}
		seen[ps[i].NPI] = true
	}
	if len(msgs) > 0 {
		return 0, fault.Errorf(fault.Invalid, "Nothing was saved: %s.", strings.Join(msgs, "; "))
	}
	return s.saveProviders(ctx, ps, by)
}

// ImportProviders reads providers from a CSV in the layout of CMS's NPPES
// NPI file, saves the rows that can be used and re-scrubs the batches
// waiting for them. Rows that cannot be used come back in the result, each
// naming file, row, column and why; a file that cannot be read at all is a
// fault.Invalid.
func (s *Service) ImportProviders(ctx context.Context, file io.Reader, fileName, by string) (provider.ImportResult, error) {
	ps, rowErrs, err := provider.ReadNPPES(file, fileName)
	var fe *provider.FileError
	if errors.As(err, &fe) {
		return provider.ImportResult{}, fault.Wrap(err, fault.Invalid, "%s", fe.Error())
	}
	if err != nil {
		return provider.ImportResult{}, fmt.Errorf("import providers: %w", err)
	}
	res := provider.ImportResult{RowErrors: rowErrs}
	if len(ps) == 0 {
		return res, nil
	}
	if res.Batches, err = s.saveProviders(ctx, ps, by); err != nil {
		return res, err
	}
	res.Saved = len(ps)
	return res, nil
}

// saveProviders stores valid providers and signals the batches waiting.
func (s *Service) saveProviders(ctx context.Context, ps []provider.Provider, by string) (int, error) {
	if err := s.DB.SaveProviders(ctx, ps, by); err != nil {
		return 0, err
	}
	npis := make([]string, len(ps))
	for i := range ps {
		npis[i] = ps[i].NPI
	}
	ids, err := s.DB.BatchesNeedingProviders(ctx, npis)
	if err != nil {
		return 0, err
	}
	told := 0
	for _, id := range ids {
		err := s.Temporal.SignalWorkflow(ctx, WorkflowID(id), "", workflows.SignalProvidersChanged, nil)
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf):
			// The batch finished: its held claims were given up on.
		case err != nil:
			return told, fmt.Errorf("tell batch %s providers were set up: %w", id, err)
		default:
			told++
		}
	}
	return told, nil
}

// SaveFacility checks and stores a facility.
func (s *Service) SaveFacility(ctx context.Context, f provider.Facility, by string) (provider.Facility, error) {
	f.Name = strings.TrimSpace(f.Name)
	if err := f.Validate(); err != nil {
		return f, fault.Errorf(fault.Invalid, "The facility was not saved: %s.", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return s.DB.SaveFacility(ctx, f, by)
}
