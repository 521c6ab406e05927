package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// benchBatch stores a batch of n claims of two lines each, every fifth
// with two findings, and returns its ID.
func benchBatch(b *testing.B, db *store.DB, n int) string {
	b.Helper()
	ctx := context.Background()
	bt, err := db.CreateBatch(ctx, store.NewBatch{FileName: "bench.xlsx", UploadedBy: "biller"})
	if err != nil {
		b.Fatal(err)
	}
	dos := claim.MustDate("2026-11-02")
	const chunk = 1000
	for start := 0; start < n; start += chunk {
		var recs []store.ClaimRecord
		for i := start; i < min(start+chunk, n); i++ {
			c := claim.Claim{ID: fmt.Sprintf("C%06d", i), Patient: claim.Patient{ID: fmt.Sprintf("P%06d", i), LastName: "Testley", FirstName: "Ann", DOB: claim.MustDate("1980-01-02"), Sex: claim.SexFemale},
				MemberID: "M1", PayerID: "60054", Billing: claim.Provider{Name: "Clinic", NPI: "1234567893"}, PlaceOfService: "11", FrequencyCode: "1",
				Diagnoses: []string{"J069"}, Row: 2 + 2*i,
				Lines: []claim.Line{{Number: 1, From: dos, To: dos, Procedure: "99213", Units: 1, Charge: 12500, DxPointers: []int{1}, Row: 2 + 2*i},
					{Number: 2, From: dos, To: dos, Procedure: "87880", Units: 1, Charge: 2500, DxPointers: []int{1}, Row: 3 + 2*i}}}
			rec := store.ClaimRecord{Claim: c, Tier: scrub.TierClean, State: batch.StateClean}
			if i%5 == 0 {
				rec.Tier, rec.State, rec.Score = scrub.TierHold, batch.StatePending, 80
				rec.Findings = []store.Finding{
					{Line: 0, Category: "npi", RuleID: "NPI-001", Severity: scrub.SevError, Field: claim.FieldBillingNPI, Message: "Billing NPI is not valid", Fix: "Check NPPES", CARC: "16", Row: c.Row, Column: "K"},
					{Line: 2, Category: "ncci_ptp", RuleID: "NCCI-PTP-001", Severity: scrub.SevWarning, Field: claim.FieldProcedureCode, Message: "bundled", Fix: "add a modifier", CARC: "97", Row: c.Row + 1, Column: "Y"},
				}
			}
			recs = append(recs, rec)
		}
		if err := db.SaveClaims(ctx, bt.ID, start/chunk, recs); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.RecountBatch(ctx, bt.ID); err != nil {
		b.Fatal(err)
	}
	return bt.ID
}

// BenchmarkFindingsReport streams the findings report of a 20,000-claim
// batch (40,000 lines, 8,000 findings) over HTTP, as a script reads it.
func BenchmarkFindingsReport(b *testing.B) {
	db := storetest.Open(b)
	const claims = 20000
	id := benchBatch(b, db, claims)
	s, tok := benchServer(b, db)
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	for b.Loop() {
		req, _ := http.NewRequest("GET", s+"/api/v1/batches/"+id+"/findings", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%v %v", err, res)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		bytes = n
	}
	b.ReportMetric(float64(claims)*float64(b.N)/b.Elapsed().Seconds(), "claims/s")
	b.ReportMetric(float64(bytes), "bytes/report")
}

// BenchmarkBatchPage renders the batch page of the same batch: findings
// grouped by category, flagged claims, row errors.
func BenchmarkBatchPage(b *testing.B) {
	db := storetest.Open(b)
	id := benchBatch(b, db, 20000)
	s, tok := benchServer(b, db)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", s+"/batches/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%v %v", err, res)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// benchServer serves the web app on db and returns its URL and an
// auditor's API token.
func benchServer(b *testing.B, db *store.DB) (string, string) {
	b.Helper()
	srv := httptest.NewServer(nil)
	b.Cleanup(srv.Close)
	w, err := New(Options{DB: db, Bots: []Bot{Claims(nil), Eligibility(nil), Inventory(nil), Scheduling(nil)}, Config: testConfig(b, srv.URL)})
	if err != nil {
		b.Fatal(err)
	}
	srv.Config.Handler = w
	u, _, err := auth.CreateAccount(context.Background(), db, auth.NewAccount{Username: "auditor", Role: store.RoleAuditor, Password: rolePassword})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := auth.IssueAPIToken(context.Background(), db, u.ID, "bench", 0, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return srv.URL, tok
}
