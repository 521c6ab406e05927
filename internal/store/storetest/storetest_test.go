package storetest_test

import (
	"context"
	"os"
	"testing"

	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

func TestOpenAllGivesFreshMigratedDatabases(t *testing.T) {
	var ran []store.Dialect
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) {
		ran = append(ran, db.Dialect())
		ctx := context.Background()
		if v, err := db.AppliedMigrations(ctx); err != nil || len(v) == 0 {
			t.Fatalf("not migrated: %v %v", v, err)
		}
		if bs, err := db.Batches(ctx, store.All); err != nil || len(bs) != 0 {
			t.Fatalf("not fresh: %d batches, %v", len(bs), err)
		}
		if _, err := db.CreateBatch(ctx, store.NewBatch{ID: "b-1", FileName: "x.csv"}); err != nil {
			t.Fatal(err)
		}
	})
	want := 1
	if os.Getenv(storetest.PGEnv) != "" {
		want = 2
	}
	if len(ran) != want || ran[0] != store.SQLite {
		t.Errorf("ran on %v", ran)
	}
	// A second database does not see the first one's batch.
	if _, err := storetest.Open(t).Batch(context.Background(), "b-1"); err == nil {
		t.Error("databases are shared between tests")
	}
}
