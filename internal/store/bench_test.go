package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// BenchmarkSaveClaims saves chunks of 500 claims, each with 4 lines and 2
// findings, as the parse-and-scrub activity does, and reports claims/s.
func BenchmarkSaveClaims(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchSaveClaims(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv(storetest.PGEnv)
		if base == "" {
			b.Skip(storetest.PGEnv + " is not set")
		}
		db, err := store.Open(context.Background(), storetest.NewPGSchema(b, base))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchSaveClaims(b, db)
	})
}

func benchSaveClaims(b *testing.B, db *store.DB) {
	ctx := context.Background()
	ring, err := keyring.New()
	if err != nil {
		b.Fatal(err)
	}
	db.SetSealer(ring) // claims are sealed as in production
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	batch := must[store.Batch](b)(db.CreateBatch(ctx, store.NewBatch{FileName: "bench.xlsx"}))
	const perChunk = 500
	tmpl := make([]store.ClaimRecord, perChunk)
	for i := range tmpl {
		tmpl[i] = record(sampleClaim("", fmt.Sprintf("P-%d", i%97), "2026-02-03", 4), scrub.TierReview,
			finding("npi", "npi.check_digit", scrub.SevError, 0), finding("modifier", "mod.25", scrub.SevWarning, 1))
	}
	chunk := make([]store.ClaimRecord, perChunk)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := range chunk {
			chunk[i] = tmpl[i]
			chunk[i].Claim.ID = fmt.Sprintf("C-%d-%d", n, i)
		}
		if err := db.SaveClaims(ctx, batch.ID, n, chunk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*perChunk)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkAppendAccess appends PHI access events as the web app does (one
// in five a page showing 25 patients) and reports events/s: unsigned, and
// signed as `rcmbot web` runs (a checkpoint per append into a file).
func BenchmarkAppendAccess(b *testing.B) {
	forEachBenchDB(b, func(b *testing.B, db *store.DB) {
		b.Run("unsigned", func(b *testing.B) { benchAppendAccess(b, db) })
		b.Run("signed", func(b *testing.B) {
			skey, _, err := auditlog.GenerateKey("rcmbot-audit-bench")
			if err != nil {
				b.Fatal(err)
			}
			signer, err := note.NewSigner(skey)
			if err != nil {
				b.Fatal(err)
			}
			db.SetAuditSigner(signer, auditlog.NewCheckpointFile(filepath.Join(b.TempDir(), "checkpoints.log")))
			benchAppendAccess(b, db)
		})
	})
}

// forEachBenchDB runs fn on a fresh migrated SQLite database and, when
// RCMBOT_TEST_PG is set, PostgreSQL.
func forEachBenchDB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.Open(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.OpenPG(b)) })
}

// benchPage is the 25 patients a page of claims shows.
var benchPage = func() []string {
	page := make([]string, 25)
	for i := range page {
		page[i] = fmt.Sprintf("a:%040d", i)
	}
	return page
}()

// benchEvent is the nth access of a benchmark: a claim view, or one in
// five a page of 25 patients.
func benchEvent(n int) store.AccessEvent {
	e := store.AccessEvent{UserID: "u-1", Username: "rita", Role: store.RoleReviewer, Action: store.AccessViewClaim,
		BatchID: "b-1", ClaimID: fmt.Sprintf("C-%d", n), PatientID: "a:1", ClientAddr: "10.0.0.5", Outcome: store.AccessAllowed}
	if n%5 == 0 {
		e.Action, e.ClaimID, e.PatientID, e.Patients = store.AccessViewFindings, "", "", benchPage
	}
	return e
}

func benchAppendAccess(b *testing.B, db *store.DB) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := db.AppendAccess(ctx, benchEvent(n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkVerifyAccessLog verifies a log of 10,000 entries (one in five
// a page of 25 patients) against 64 signed checkpoints, as `rcmbot audit
// verify` and the access log page do, and reports entries/s.
func BenchmarkVerifyAccessLog(b *testing.B) {
	forEachBenchDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		const entries, every = 10000, 10000 / 64
		skey, vkey, err := auditlog.GenerateKey("rcmbot-audit-bench")
		if err != nil {
			b.Fatal(err)
		}
		signer, _ := note.NewSigner(skey)
		v, _ := note.NewVerifier(vkey)
		var trusted []auditlog.Trusted
		for n := range entries {
			e := benchEvent(n)
			if n%every == every-1 || n == entries-1 {
				sink := &memorySink{}
				db.SetAuditSigner(signer, sink)
				if _, err := db.AppendAccess(ctx, e); err != nil {
					b.Fatal(err)
				}
				db.SetAuditSigner(nil, nil)
				trusted = append(trusted, auditlog.Trusted{Source: fmt.Sprint(n), Signed: sink.last})
				continue
			}
			if _, err := db.AppendAccess(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for range b.N {
			rep, err := db.VerifyAccessLog(ctx, v, trusted)
			if err != nil || !rep.OK() || rep.Records != entries {
				b.Fatalf("%v %+v", err, rep)
			}
		}
		b.ReportMetric(float64(b.N*entries)/b.Elapsed().Seconds(), "entries/s")
	})
}

// memorySink keeps the last checkpoint signed.
type memorySink struct{ last []byte }

func (m *memorySink) AppendCheckpoint(signed []byte) error { m.last = signed; return nil }
