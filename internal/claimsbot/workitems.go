package claimsbot

import (
	"context"
	"errors"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
)

// ResolveWorkItem marks an open work item of a claims batch (a 277CA
// status category rcmbot cannot read) resolved by user by, now; it
// returns the item as stored. An item of another batch or bot is
// fault.NotFound, one already resolved fault.Conflict. No note is taken:
// a free-text note could carry patient data into a plaintext column.
func (s *Service) ResolveWorkItem(ctx context.Context, batchID, itemID, by string) (store.WorkItem, error) {
	wi, err := s.DB.WorkItem(ctx, itemID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (wi.Kind != batch.WorkItemKind || wi.SweepID != batchID)) {
		return wi, fault.Errorf(fault.NotFound, "Batch %s has no work item %s.", batchID, itemID)
	}
	if err != nil {
		return wi, err
	}
	if wi.Status == store.WorkItemResolved {
		return wi, fault.Errorf(fault.Conflict, "Work item %s was already resolved by %s.", itemID, wi.ResolvedBy)
	}
	if err := s.DB.ResolveWorkItem(ctx, itemID, by, ""); err != nil {
		return wi, err
	}
	return s.DB.WorkItem(ctx, itemID)
}
