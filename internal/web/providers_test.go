package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/store"
)

// A batch whose claims name a rendering NPI nobody set up says so once,
// with a link to add it; the Providers page adds it (a bad NPI is refused
// with the reason), the batch stops asking, and an import lists the rows
// it left out.
func TestProvidersPage(t *testing.T) {
	h := newHarness(t, withBots)
	c := h.bearer(store.RoleBiller)
	csv := bytes.ReplaceAll(smallCSV(), []byte(",1299000012,"), []byte(",1300000001,"))
	res := c.upload("/api/v1/batches", "monday-claims.csv", csv)
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", res.StatusCode, res.body)
	}
	up := decodeJSON[uploadResponse](t, res)
	h.waitStatus(up.BatchID, batch.AwaitingReview)

	rev := h.signIn(store.RoleReviewer)
	page := rev.get("/batches/" + up.BatchID).body
	has(t, "batch page", page, "Set up a provider to send the claims held for it", `<a href="/providers?npi=1300000001"><code>1300000001</code></a> (3 claims)`)
	if n := strings.Count(page, `id="providers-needed"`); n != 1 {
		t.Errorf("%d setup messages, want 1", n)
	}
	form := rev.get("/providers?npi=1300000001").body
	has(t, "providers page", form, `name="npi" required inputmode="numeric" pattern="[0-9]{10}" value="1300000001"`, "No providers set up yet", "Import from the NPPES NPI file")

	bad := rev.postForm("/providers", url.Values{"npi": {"1300000002"}, "entity": {"individual"}, "last_name": {"Newdoc"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "not a valid NPI") || !strings.Contains(bad.body, `value="Newdoc"`) {
		t.Fatalf("bad NPI: %d", bad.StatusCode)
	}
	ok := rev.postForm("/providers", url.Values{"npi": {"1300000001"}, "entity": {"individual"}, "last_name": {"Newdoc"}, "first_name": {"Pat"}, "taxonomy": {"207q00000x"}})
	if ok.StatusCode != http.StatusSeeOther || ok.Header.Get("Location") != "/providers?done=add" {
		t.Fatalf("add: %d %s", ok.StatusCode, ok.body)
	}
	has(t, "after adding", rev.get("/providers?done=add").body, "Provider saved", "Newdoc, Pat", "207Q00000X")
	if page := rev.get("/batches/" + up.BatchID).body; strings.Contains(page, `id="providers-needed"`) {
		t.Error("the batch still asks for the provider")
	}

	imp := rev.postForm("/providers/import", url.Values{"csv": {"NPI,Entity Type Code,Provider Organization Name (Legal Business Name)\n1558598797,2,LAKESIDE ORTHOPEDICS\n1558598798,2,TYPO CLINIC\n"}})
	if imp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", imp.StatusCode)
	}
	has(t, "import", imp.body, "1 provider imported, 1 row left out.", "the pasted CSV, row 3, column A (NPI): not a valid NPI", "LAKESIDE ORTHOPEDICS")

	if res := h.signIn(store.RoleBiller).postForm("/providers", url.Values{"npi": {"1300000019"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a biller adds a provider: %d", res.StatusCode)
	}
}

// A 277CA status category rcmbot cannot read leaves the claim pending with
// a work item the batch page shows.
func TestBatchPageShowsWorkItems(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	b, err := h.db.CreateBatch(ctx, store.NewBatch{FileName: "monday.csv", UploadedBy: "biller"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.AddWorkItem(ctx, store.WorkItem{Kind: batch.WorkItemKind, SweepID: b.ID, ResultID: "C1002", ReasonCode: "277CA_R9",
		Message: `the 277CA gave claim status category "R9", which rcmbot cannot read`}); err != nil {
		t.Fatal(err)
	}
	page := h.signIn(store.RoleBiller).get("/batches/" + b.ID).body
	has(t, "batch page", page, "1 claim needs someone", `<a href="/batches/`+b.ID+`/claims/C1002">C1002</a>`, "which rcmbot cannot read")
}
