package activities

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

func TestPurgeExpiredUploads(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	ring, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.New(t.TempDir()+"/blobs", ring)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	put := func(age time.Duration) (store.Batch, string) {
		ref, _, err := blobs.Put(ctx, "upload", strings.NewReader("claim_id,dos\nC1,2026-01-01\n"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateBatch(ctx, store.NewBatch{FileName: "x.csv", UploadRef: ref, CreatedAt: now.Add(-age)})
		if err != nil {
			t.Fatal(err)
		}
		return b, ref
	}
	old, oldRef := put(100 * 24 * time.Hour)
	recent, recentRef := put(10 * 24 * time.Hour)

	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	r := &Retention{DB: db, Blobs: blobs, Uploads: 90 * 24 * time.Hour, Now: func() time.Time { return now }}
	env.RegisterActivity(r)
	v, err := env.ExecuteActivity(r.PurgeExpiredUploads)
	if err != nil {
		t.Fatal(err)
	}
	var res RetentionResult
	if err := v.Get(&res); err != nil || res.Uploads != 1 {
		t.Fatalf("result %+v %v", res, err)
	}
	if _, err := blobs.Open(oldRef); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("old upload still readable: %v", err)
	}
	if rc, err := blobs.Open(recentRef); err != nil {
		t.Errorf("recent upload gone: %v", err)
	} else {
		rc.Close()
	}
	if b, _ := db.Batch(ctx, old.ID); b.UploadRef != "" || b.UploadPurgedAt.IsZero() {
		t.Errorf("old batch not marked purged: %+v", b)
	}
	if b, _ := db.Batch(ctx, recent.ID); b.UploadRef == "" {
		t.Errorf("recent batch lost its upload: %+v", b)
	}
}
