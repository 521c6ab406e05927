package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// uploadSmall uploads smallCSV with a biller's token and waits for review.
func (h *harness) uploadSmall() (batchJSON, *agent) {
	h.t.Helper()
	c := h.bearer(store.RoleBiller)
	res := c.upload("/api/v1/batches", "monday-claims.csv", smallCSV())
	if res.StatusCode != http.StatusAccepted {
		h.t.Fatalf("upload: %d %s", res.StatusCode, res.body)
	}
	up := decodeJSON[uploadResponse](h.t, res)
	if up.BatchID == "" || up.WorkflowID == "" || up.Status != "parsing" {
		h.t.Fatalf("upload answered %+v", up)
	}
	if loc := res.Header.Get("Location"); loc != "/api/v1/batches/"+up.BatchID {
		h.t.Errorf("Location %q", loc)
	}
	h.waitStatus(up.BatchID, batch.AwaitingReview)
	return decodeJSON[batchJSON](h.t, c.get("/api/v1/batches/"+up.BatchID)), c
}

func TestAPIBatchLifecycle(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) { batchLifecycle(t, newHarnessOn(t, db, withBots)) })
}

// batchLifecycle takes a batch through the REST API from upload to
// submission and deletion.
func batchLifecycle(t *testing.T, h *harness) {
	b, biller := h.uploadSmall()
	if b.Status != "awaiting_review" || b.Counts.Claims != 3 || b.Counts.Flagged < 2 || b.Counts.Clean < 1 {
		t.Fatalf("batch after scrub: %+v", b)
	}
	if b.TemporalUIURL != "http://localhost:8233/namespaces/default/workflows/"+b.WorkflowID {
		t.Errorf("Temporal UI link %q", b.TemporalUIURL)
	}
	if b.PendingReview == nil || *b.PendingReview != b.Counts.Flagged {
		t.Errorf("pending review from the progress query: %v, want %d", b.PendingReview, b.Counts.Flagged)
	}
	if want := float64(b.Counts.Clean) / 3; b.CleanClaimRate != want {
		t.Errorf("clean-claim rate %v, want %v", b.CleanClaimRate, want)
	}

	list := decodeJSON[struct{ Batches []batchJSON }](t, biller.get("/api/v1/batches"))
	if len(list.Batches) != 1 || list.Batches[0].BatchID != b.BatchID {
		t.Fatalf("batch list %+v", list)
	}

	// The findings report has the `rcmbot scrub --format json` shape.
	res := biller.get("/api/v1/batches/" + b.BatchID + "/findings")
	if res.StatusCode != 200 {
		t.Fatalf("findings: %d %s", res.StatusCode, res.body)
	}
	rep := decodeJSON[testReport](t, res)
	if rep.File != "monday-claims.csv" || rep.Summary.Claims != 3 || len(rep.Claims) != 3 {
		t.Fatalf("findings report %+v", rep)
	}
	if len(rep.IntakeErrors) != 1 || rep.IntakeErrors[0]["row"] != 4.0 || rep.IntakeErrors[0]["value"] != "abc" || rep.IntakeErrors[0]["column"] != "Z" {
		t.Errorf("intake errors %v, want the units of row 4 (Z4)", rep.IntakeErrors)
	}
	byID := map[string]int{}
	for i, c := range rep.Claims {
		byID[c.ClaimID] = i
	}
	npi := rep.Claims[byID["C1002"]]
	if npi.Tier == "clean" || len(npi.Findings) == 0 {
		t.Fatalf("claim C1002 (invalid billing NPI) not flagged: %+v", npi)
	}
	var sawNPI bool
	for _, f := range npi.Findings {
		for _, k := range []string{"line", "category", "rule_id", "severity", "field", "row", "column", "message", "fix", "carc"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
		if f["field"] == "billing_npi" {
			sawNPI = true
			if f["row"].(float64) != 3 || f["column"] == "" || f["severity"] != "error" {
				t.Errorf("billing NPI finding does not point at its cell (row 3): %v", f)
			}
		}
	}
	if !sawNPI {
		t.Errorf("no finding on billing_npi for C1002: %v", npi.Findings)
	}
	if c := rep.Claims[byID["C1001"]]; c.Tier != "clean" || len(c.Findings) != 0 {
		t.Errorf("valid claim C1001 flagged: %+v", c)
	}

	// CSV export: a row per finding, formula-looking text neutralised.
	csvRes := biller.get("/api/v1/batches/" + b.BatchID + "/findings.csv")
	if !strings.HasPrefix(csvRes.Header.Get("Content-Type"), "text/csv") || !strings.Contains(csvRes.Header.Get("Content-Disposition"), "monday-claims-findings.csv") {
		t.Errorf("CSV headers %v", csvRes.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(csvRes.body)).ReadAll()
	if err != nil || len(rows) != 1+b.Counts.Errors+b.Counts.Warnings || rows[0][0] != "claim_id" {
		t.Fatalf("findings CSV (%v): %d rows for %d findings\n%s", err, len(rows), b.Counts.Errors+b.Counts.Warnings, csvRes.body)
	}

	// One claim in full.
	cl := decodeJSON[claimJSON](t, biller.get("/api/v1/batches/"+b.BatchID+"/claims/C1002"))
	if cl.Claim.Patient.LastName != "Roe" || cl.State != "pending" || len(cl.Findings) == 0 {
		t.Errorf("claim API: %+v", cl)
	}

	// The annotated workbook is a workbook with a Findings sheet.
	ax := biller.get("/api/v1/batches/" + b.BatchID + "/annotated.xlsx")
	if ax.StatusCode != 200 || ax.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("annotated: %d %v", ax.StatusCode, ax.Header)
	}
	f, err := excelize.OpenReader(strings.NewReader(ax.body))
	if err != nil {
		t.Fatalf("annotated workbook does not open: %v", err)
	}
	if !slices.Contains(f.GetSheetList(), "Findings") {
		t.Errorf("annotated sheets %v", f.GetSheetList())
	}
	f.Close()

	// No 837P before anything was submitted.
	if r := biller.get("/api/v1/batches/" + b.BatchID + "/837p"); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "not submitted") {
		t.Errorf("837P before submission: %d %s", r.StatusCode, r.body)
	}

	// A biller cannot review; a reviewer can, and the batch moves on.
	// C1002's NPI was confirmed with the payer; C1003's units cannot be
	// read, so it cannot be sent at all.
	actions := []reviewRequestJSON{
		{ClaimID: "C1002", Action: batch.Override, Reason: "payer confirmed by phone"},
		{ClaimID: "C1003", Action: batch.Reject, Reason: "units missing"},
	}
	if r := biller.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review", actions); r.StatusCode != http.StatusForbidden {
		t.Fatalf("biller review: %d %s", r.StatusCode, r.body)
	}
	reviewer := h.bearer(store.RoleReviewer)
	if r := reviewer.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review", []reviewRequestJSON{{ClaimID: "C1002", Action: "override"}}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "reason") {
		t.Errorf("override without reason: %d %s", r.StatusCode, r.body)
	}
	if r := reviewer.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review", []reviewRequestJSON{{ClaimID: "C1001", Action: "approve"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not awaiting review") {
		t.Errorf("approving a clean claim: %d %s", r.StatusCode, r.body)
	}
	if r := reviewer.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review", []reviewRequestJSON{{ClaimID: "C1002", Action: "approve"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "has errors that will get it denied") {
		t.Errorf("approving a held claim: %d %s", r.StatusCode, r.body)
	}
	// Overriding a claim the 837P cannot carry comes back as that claim's
	// outcome, and the claim stays pending.
	unsendable := decodeJSON[reviewResponseJSON](t, reviewer.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review",
		[]reviewRequestJSON{{ClaimID: "C1003", Action: "override", Reason: "trust me"}}))
	if len(unsendable.Outcomes) != 1 || unsendable.Outcomes[0].Resolved || !strings.Contains(unsendable.Outcomes[0].Error, "cannot be sent as an 837P") {
		t.Errorf("override of an unsendable claim: %+v", unsendable)
	}
	r := reviewer.sendJSON("POST", "/api/v1/batches/"+b.BatchID+"/review", actions)
	if r.StatusCode != 200 {
		t.Fatalf("review: %d %s", r.StatusCode, r.body)
	}
	out := decodeJSON[reviewResponseJSON](t, r)
	if out.Reviewer != "reviewer" || len(out.Outcomes) != 2 || !out.Outcomes[0].Resolved || out.Outcomes[0].State != "overridden" ||
		!out.Outcomes[1].Resolved || out.Outcomes[1].State != "rejected" {
		t.Fatalf("review outcomes %+v", out)
	}
	log, err := h.db.ReviewActions(context.Background(), b.BatchID, "")
	if err != nil || len(log) != len(actions) || log[0].Reviewer != "reviewer" || log[0].Reason != "payer confirmed by phone" {
		t.Fatalf("review log %+v %v", log, err)
	}
	h.waitStatus(b.BatchID, batch.Completed)

	// Submitted: the ledger says accepted, and the 837P is there.
	sub := decodeJSON[submissionJSON](t, biller.get("/api/v1/batches/"+b.BatchID+"/submission"))
	if len(sub.Interchanges) != 1 || len(sub.Claims) == 0 || sub.Claims[0].Status != "accepted" {
		t.Fatalf("submission %+v", sub)
	}
	x := biller.get("/api/v1/batches/" + b.BatchID + "/837p")
	if x.StatusCode != 200 || !strings.HasPrefix(x.body, "ISA*") || !strings.Contains(x.body, "005010X222A1") {
		t.Fatalf("837P: %d %.200s", x.StatusCode, x.body)
	}
	after := decodeJSON[batchJSON](t, biller.get("/api/v1/batches/"+b.BatchID))
	if after.Status != "completed" || after.Counts.Submitted != len(sub.Claims) || after.Counts.Accepted != len(sub.Claims) || after.CompletedAt == nil {
		t.Errorf("batch after submission %+v", after)
	}

	// Only an admin deletes; the batch is gone afterwards.
	if r := reviewer.sendJSON("DELETE", "/api/v1/batches/"+b.BatchID, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("reviewer delete: %d", r.StatusCode)
	}
	admin := h.bearer(store.RoleAdmin)
	if r := admin.sendJSON("DELETE", "/api/v1/batches/"+b.BatchID, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("admin delete: %d %s", r.StatusCode, r.body)
	}
	if r := biller.get("/api/v1/batches/" + b.BatchID); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted batch: %d %s", r.StatusCode, r.body)
	}
}

// testReport reads the findings report as a script would.
type testReport struct {
	BatchID string `json:"batch_id"`
	File    string `json:"file"`
	Summary struct {
		Claims, Lines, Clean, Flagged, Errors, Warnings int
		ChargesAtRisk                                   string `json:"charges_at_risk"`
	} `json:"summary"`
	IntakeErrors []map[string]any `json:"intake_errors"`
	Claims       []struct {
		ClaimID  string           `json:"claim_id"`
		Score    int              `json:"score"`
		Tier     string           `json:"tier"`
		Findings []map[string]any `json:"findings"`
	} `json:"claims"`
}
