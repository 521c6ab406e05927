package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// env is a migrated database plus a raw connection to the same data, for
// checks (and tampering) the store's API does not allow. Patient data is
// sealed with ring.
type env struct {
	db   *store.DB
	raw  *sqlx.DB
	url  string
	ring *keyring.Ring
}

// exec runs a raw statement written with ? placeholders.
func (e env) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := e.raw.Exec(e.raw.Rebind(q), args...); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
}

// count returns a raw COUNT(*) query's result.
func (e env) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.raw.Get(&n, e.raw.Rebind(q), args...); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
	return n
}

// forEachDB runs fn on SQLite, and on PostgreSQL when RCMBOT_TEST_PG is set.
func forEachDB(t *testing.T, fn func(t *testing.T, e env)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "rcmbot.db")
		esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
		fn(t, openEnv(t, "sqlite://"+path, "sqlite", "file:"+esc+"?_pragma=busy_timeout(10000)"))
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv(storetest.PGEnv)
		if base == "" {
			t.Skip(storetest.PGEnv + " is not set: skipping the PostgreSQL run")
		}
		u := storetest.NewPGSchema(t, base)
		fn(t, openEnv(t, u, "pgx", u))
	})
}

func openEnv(t testing.TB, url, driver, dsn string) env {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(ring)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := sqlx.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return env{db: db, raw: raw, url: url, ring: ring}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sampleClaim returns a realistic office-visit claim with n lines on dos
// for patient pid (fixture PHI only).
func sampleClaim(id, pid, dos string, n int) claim.Claim {
	d := claim.MustDate(dos)
	c := claim.Claim{
		ID: id,
		Patient: claim.Patient{ID: pid, LastName: "Okafor", FirstName: "Adaeze", DOB: claim.MustDate("1958-07-04"),
			Sex: claim.SexFemale, Address: claim.Address{Line1: "12 Elm St", City: "Dayton", State: "OH", Zip: "45402"}},
		MemberID: "W123456789", PayerID: "SX123", PayerName: "Acme Health",
		Billing: claim.Provider{Name: "Riverside Family Medicine", NPI: "1234567893", TIN: "311234567",
			Taxonomy: "207Q00000X", Address: claim.Address{Line1: "400 Main St", City: "Dayton", State: "OH", Zip: "45402"}},
		RenderingNPI: "1558598797", PlaceOfService: "11", FrequencyCode: "1",
		Diagnoses: []string{"E119", "I10"}, Row: 2,
	}
	codes := []string{"99214", "36415", "82947", "G0439"}
	for i := 0; i < n; i++ {
		l := claim.Line{Number: i + 1, From: d, To: d, Procedure: codes[i%len(codes)], Units: 1,
			Charge: claim.Money(1000 * (i + 1)), DxPointers: []int{1}, Row: 2 + i}
		if i == 0 {
			l.Modifiers = []string{"25"}
		}
		c.Lines = append(c.Lines, l)
	}
	c.TotalCharge, c.HasTotal = c.LineTotal(), true
	return c
}

// record wraps a claim as a stored record with the given tier and findings.
func record(c claim.Claim, tier scrub.Tier, findings ...store.Finding) store.ClaimRecord {
	state := batch.StateClean
	if tier != scrub.TierClean {
		state = batch.StatePending
	}
	return store.ClaimRecord{Claim: c, Score: 10 * len(findings), Tier: tier, State: state, Findings: findings}
}

func finding(cat, rule string, sev scrub.Severity, line int) store.Finding {
	return store.Finding{Line: line, Category: cat, RuleID: rule, Severity: sev, Field: claim.FieldProcedureCode,
		Message: fmt.Sprintf("%s check failed", cat), Fix: "correct the code", CARC: "16", Points: 10, Row: 2 + line, Column: "AB"}
}

// newBatch creates a batch, failing the test on error.
func newBatch(t testing.TB, db *store.DB, nb store.NewBatch) store.Batch {
	t.Helper()
	if nb.FileName == "" {
		nb.FileName = "claims-march.xlsx"
	}
	return must[store.Batch](t)(db.CreateBatch(context.Background(), nb))
}
