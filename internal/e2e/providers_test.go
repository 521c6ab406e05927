package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// newDoctorNPI is a rendering NPI (valid check digit) that neither the
// starter practice.yaml nor the store names.
const newDoctorNPI = "1300000001"

// renderingOnlyWorkbook is the demo claims file cut to the claims the demo
// expects no finding on, every one rendered by newDoctorNPI: a practice's
// export with rendering NPIs and no provider names. It returns the path
// and the claim IDs.
func renderingOnlyWorkbook(t *testing.T) (string, []string) {
	t.Helper()
	f, err := os.Open(Fixture("demo-claims.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(Fixture("demo-claims.csv.expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Expectations []struct {
			ClaimID string `json:"claim_id"`
		} `json:"expectations"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	mentioned := map[string]bool{}
	for _, e := range exp.Expectations {
		mentioned[e.ClaimID] = true
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := [][]string{rows[0]}
	var ids []string
	for _, r := range rows[1:] {
		id := r[col["Encounter ID"]]
		if mentioned[id] {
			continue
		}
		if len(ids) == 0 || ids[len(ids)-1] != id {
			if len(ids) == 12 {
				break
			}
			ids = append(ids, id)
		}
		r[col["Rendering Provider NPI"]] = newDoctorNPI
		out = append(out, r)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(out); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rendering-only.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, ids
}

// TestClaimsRenderingProviderSetUp: a workbook with only rendering NPIs
// holds its claims with one setup message for the batch; the provider
// added through the REST API re-scrubs the held claims by themselves, and
// the batch completes with every claim received once by the clearinghouse.
func TestClaimsRenderingProviderSetUp(t *testing.T) {
	s := Start(t, Options{})
	ctx := context.Background()
	path, ids := renderingOnlyWorkbook(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Claims.SubmitBatch(ctx, f, "rendering-only.csv", "tester")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b = s.WaitStatus(t, b.ID, 2*time.Minute, batch.AwaitingReview, batch.Completed, batch.Failed)
	if b.Status != batch.AwaitingReview || b.Counts.Claims != len(ids) || b.Counts.Flagged != len(ids) {
		t.Fatalf("batch after scrub: %s, counts %+v, want all %d claims held", b.Status, b.Counts, len(ids))
	}

	srv, err := web.New(web.Options{DB: s.DB, Ring: s.Ring, Config: s.Config, Log: s.Log, Bots: []web.Bot{web.Claims(s.Claims)}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	u, _, err := auth.CreateAccount(ctx, s.DB, auth.NewAccount{Username: "office1", Role: store.RoleReviewer, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.IssueAPIToken(ctx, s.DB, u.ID, "providers test", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode
	}

	// One setup message for the batch, not one per claim.
	var got struct {
		ProvidersNeeded []batch.ProviderNeed `json:"providers_needed"`
	}
	if code := call(http.MethodGet, "/api/v1/batches/"+b.ID, "", &got); code != http.StatusOK ||
		len(got.ProvidersNeeded) != 1 || got.ProvidersNeeded[0] != (batch.ProviderNeed{NPI: newDoctorNPI, Claims: len(ids)}) {
		t.Fatalf("batch API: %d %+v", code, got)
	}
	// A typo in the NPI is refused with the reason, and nothing moves.
	var refusal struct {
		Error string `json:"error"`
	}
	if code := call(http.MethodPost, "/api/v1/providers", `[{"npi":"1300000002","entity":"individual","last_name":"NEWDOC"}]`, &refusal); code != http.StatusUnprocessableEntity ||
		!strings.Contains(refusal.Error, "not a valid NPI") {
		t.Fatalf("bad NPI: %d %+v", code, refusal)
	}
	var saved struct {
		Saved   int `json:"saved"`
		Batches int `json:"batches_rescrubbed"`
	}
	if code := call(http.MethodPost, "/api/v1/providers", `[{"npi":"`+newDoctorNPI+`","entity":"individual","last_name":"NEWDOC","first_name":"PAT","taxonomy":"207Q00000X"}]`, &saved); code != http.StatusOK ||
		saved.Saved != 1 || saved.Batches != 1 {
		t.Fatalf("add provider: %d %+v", code, saved)
	}

	// The held claims re-scrub by themselves; the batch submits and completes.
	final := s.WaitStatus(t, b.ID, 2*time.Minute, batch.Completed, batch.Failed)
	var res batch.Progress
	if err := s.Client.GetWorkflow(ctx, claimsbot.WorkflowID(b.ID), "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if final.Status != batch.Completed || res.Unreviewed != 0 || res.Submit.Claims != len(ids) || final.Counts.Submitted != len(ids) {
		t.Fatalf("final: %s counts %+v progress %+v", final.Status, final.Counts, res)
	}
	st := s.Clearinghouse.Stats()
	for _, id := range ids {
		if st.ClaimCounts[id] != 1 {
			t.Errorf("claim %s received %d times by the clearinghouse, want once", id, st.ClaimCounts[id])
		}
	}
	if code := call(http.MethodGet, "/api/v1/batches/"+b.ID, "", &got); code != http.StatusOK || len(got.ProvidersNeeded) != 0 {
		t.Errorf("batch API after: %d %+v", code, got)
	}
}
