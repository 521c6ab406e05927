package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/store"
)

// A claims work item (an unknown 277CA status category) is resolved by a
// reviewer on the batch page or through the API; it records who and when,
// leaves the page, and cannot be resolved twice, from another batch or by
// a biller.
func TestResolveClaimsWorkItems(t *testing.T) {
	h := newHarness(t, withBots)
	c := h.bearer(store.RoleBiller)
	res := c.upload("/api/v1/batches", "monday-claims.csv", smallCSV())
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", res.StatusCode, res.body)
	}
	up := decodeJSON[uploadResponse](t, res)
	h.waitStatus(up.BatchID, batch.AwaitingReview)
	ctx := context.Background()
	var items []store.WorkItem
	for _, id := range []string{"wi-277-a", "wi-277-b"} {
		wi, err := h.db.AddWorkItem(ctx, store.WorkItem{ID: id, Kind: batch.WorkItemKind, SweepID: up.BatchID, ResultID: "C1",
			ReasonCode: "E9", Message: "The 277CA answered status category E9, which rcmbot cannot read: look the claim up on the clearinghouse portal."})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, wi)
	}
	other, err := h.db.AddWorkItem(ctx, store.WorkItem{ID: "wi-elig", Kind: "eligibility", SweepID: "sw-1", Message: "x"})
	if err != nil {
		t.Fatal(err)
	}

	biller := h.signIn(store.RoleBiller)
	if page := biller.get("/batches/" + up.BatchID).body; strings.Contains(page, "Mark resolved") {
		t.Error("a biller is offered to resolve work items")
	}
	if r := biller.postForm("/batches/"+up.BatchID+"/work-items/"+items[0].ID+"/resolve", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("a biller resolves: %d", r.StatusCode)
	}
	rev := h.signIn(store.RoleReviewer)
	page := rev.get("/batches/" + up.BatchID).body
	has(t, "batch page", page, "2 claims need someone", `action="/batches/`+up.BatchID+`/work-items/wi-277-a/resolve"`, "Mark resolved")
	r := rev.postForm("/batches/"+up.BatchID+"/work-items/wi-277-a/resolve", url.Values{})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/batches/"+up.BatchID+"#work-items" {
		t.Fatalf("resolve form: %d %s", r.StatusCode, r.body)
	}
	has(t, "after resolving", rev.get("/batches/"+up.BatchID).body, "1 claim needs someone")

	api := h.bearer(store.RoleReviewer)
	if r := api.sendJSON(http.MethodPost, "/api/v1/batches/"+up.BatchID+"/work-items/wi-277-a/resolve", nil); r.StatusCode != http.StatusConflict {
		t.Errorf("resolving twice: %d", r.StatusCode)
	}
	if r := api.sendJSON(http.MethodPost, "/api/v1/batches/b-other/work-items/wi-277-b/resolve", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("resolving through another batch: %d", r.StatusCode)
	}
	if r := api.sendJSON(http.MethodPost, "/api/v1/batches/"+up.BatchID+"/work-items/"+other.ID+"/resolve", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("resolving an eligibility work item as a claims one: %d", r.StatusCode)
	}
	r = api.sendJSON(http.MethodPost, "/api/v1/batches/"+up.BatchID+"/work-items/wi-277-b/resolve", nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("API resolve: %d %s", r.StatusCode, r.body)
	}
	got := decodeJSON[workItemJSON](t, r)
	if got.Status != store.WorkItemResolved || got.ResolvedBy == "" || got.ResolvedAt == nil || got.ClaimID != "C1" {
		t.Errorf("resolved item = %+v", got)
	}
	list := decodeJSON[struct {
		WorkItems []workItemJSON `json:"work_items"`
	}](t, h.bearer(store.RoleBiller).get("/api/v1/batches/"+up.BatchID+"/work-items"))
	resolved := 0
	for _, wi := range list.WorkItems {
		if wi.Status == store.WorkItemResolved && wi.ResolvedBy != "" && wi.ResolvedAt != nil {
			resolved++
		}
	}
	if resolved != 2 {
		t.Errorf("work items listed: %+v", list.WorkItems)
	}
	if page := rev.get("/batches/" + up.BatchID).body; strings.Contains(page, `id="work-items"`) {
		t.Error("the batch page still lists resolved work items")
	}
}

// The claim page marks the values the patient's stored record filled.
func TestClaimViewMarksFilledValues(t *testing.T) {
	rec := store.ClaimRecord{Claim: claim.Claim{ID: "C1", Patient: claim.Patient{LastName: "Doe",
		Address: claim.Address{Line1: "1 Test Ln"}}, Filled: []claim.Field{claim.FieldPatientAddress}}}
	sections, _, _ := buildClaimView(&rec)
	marked := map[claim.Field]bool{}
	for _, s := range sections {
		for _, v := range s.Values {
			marked[v.Field] = v.Filled
		}
	}
	if !marked[claim.FieldPatientAddress] || marked[claim.FieldPatientLastName] {
		t.Errorf("filled marks %v", marked)
	}
}
