package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/store"
)

// RetentionStore is what the retention sweep needs of the database.
type RetentionStore interface {
	ExpiredUploads(ctx context.Context, cutoff time.Time, limit int) ([]store.Batch, error)
	UploadPurged(ctx context.Context, id string) error
}

// Retention deletes stored files past their retention period.
type Retention struct {
	DB    RetentionStore
	Blobs *blob.Store
	// Uploads is how long uploaded claims files are kept (RCMBOT_UPLOAD_RETENTION).
	Uploads time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RetentionResult counts what a sweep deleted.
type RetentionResult struct {
	Uploads int `json:"uploads"`
}

// PurgeExpiredUploads deletes the encrypted uploads of batches older than
// the retention period and records it on each batch (its claims and
// findings stay; the annotated workbook can no longer be made). It works
// in pages and heartbeats, so a retry goes on where it stopped.
func (r *Retention) PurgeExpiredUploads(ctx context.Context) (RetentionResult, error) {
	if r.Uploads <= 0 {
		return RetentionResult{}, errors.New("upload retention is not set (RCMBOT_UPLOAD_RETENTION)")
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	cutoff := now().Add(-r.Uploads)
	var res RetentionResult
	for {
		batches, err := r.DB.ExpiredUploads(ctx, cutoff, 200)
		if err != nil {
			return res, err
		}
		if len(batches) == 0 {
			return res, nil
		}
		for _, b := range batches {
			if err := r.Blobs.Delete(b.UploadRef); err != nil {
				return res, fmt.Errorf("delete upload of batch %s: %w", b.ID, err)
			}
			if err := r.DB.UploadPurged(ctx, b.ID); err != nil {
				return res, err
			}
			res.Uploads++
			activity.RecordHeartbeat(ctx, res.Uploads)
		}
	}
}
