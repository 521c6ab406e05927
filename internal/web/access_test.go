package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// accessEvents returns the access log oldest first.
func (h *harness) accessEvents() []store.AccessEvent {
	h.t.Helper()
	evs, err := h.db.AccessEvents(context.Background(), store.AccessFilter{}, store.All)
	if err != nil {
		h.t.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// lastEvent is the newest access-log entry.
func (h *harness) lastEvent() store.AccessEvent {
	h.t.Helper()
	evs, err := h.db.AccessEvents(context.Background(), store.AccessFilter{}, store.Page{Limit: 1})
	if err != nil || len(evs) == 0 {
		h.t.Fatalf("access log empty (%v)", err)
	}
	return evs[0]
}

func TestAccessLogRecordsEveryPHIView(t *testing.T) {
	storetest.OpenAll(t, func(t *testing.T, db *store.DB) { accessLogScenario(t, newHarnessOn(t, db, withBots)) })
}

// accessLogScenario views every kind of patient data and checks each view,
// and each refusal, is in the access log.
func accessLogScenario(t *testing.T, h *harness) {
	b, _ := h.uploadSmall()
	id := b.BatchID
	date := claim.DateOf(h.clock.now()).AddDays(3)
	h.sweep(date, "60054")
	rev := h.signIn(store.RoleReviewer)
	api := h.bearer(store.RoleAuditor)

	type view struct {
		who     *agent
		path    string
		action  store.AccessAction
		claim   string
		patient string
	}
	var sweepResult store.EligibilityResult
	_, results, _ := h.stack.Eligibility.SweepResults(context.Background(), date)
	for _, r := range results {
		if r.Status != eligibility.CheckActive {
			sweepResult = r // a problem result
			break
		}
	}
	if sweepResult.ID == "" {
		t.Fatalf("the sweep found no problem among %d results", len(results))
	}
	views := []view{
		{rev, "/batches/" + id, store.AccessViewFindings, "", ""},
		{rev, "/batches/" + id + "/claims/C1002", store.AccessViewClaim, "C1002", claim.AccountKey(h.stack.Ring, "P502")},
		{rev, "/review", accessViewReviewQueue, "", ""},
		{api, "/api/v1/batches/" + id + "/findings", store.AccessViewFindings, "", ""},
		{api, "/api/v1/batches/" + id + "/findings.csv", store.AccessExportFindings, "", ""},
		{api, "/api/v1/batches/" + id + "/claims/C1003", store.AccessViewClaim, "C1003", claim.AccountKey(h.stack.Ring, "P503")},
		{api, "/api/v1/batches/" + id + "/annotated.xlsx", store.AccessDownloadWorkbook, "", ""},
		{rev, "/eligibility?date=" + date.String(), store.AccessViewEligibility, "", ""},
		{rev, "/eligibility/" + date.String() + "/results/" + sweepResult.ID, store.AccessViewEligibility, "", ""},
		{api, "/api/v1/eligibility/sweeps/" + date.String(), store.AccessViewEligibility, "", ""},
		{api, "/api/v1/eligibility/sweeps/" + date.String() + "/worklist.xlsx", accessDownloadWorklist, "", ""},
	}
	for _, v := range views {
		res := v.who.get(v.path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", v.path, res.StatusCode, res.body)
		}
		e := h.lastEvent()
		who := "reviewer"
		if v.who == api {
			who = "auditor"
		}
		if e.Action != v.action || e.Username != who || string(e.Role) != who || e.Outcome != store.AccessAllowed ||
			e.ClientAddr != "127.0.0.1" || e.ClaimID != v.claim || e.PatientID != v.patient || e.At.IsZero() {
			t.Errorf("%s logged %+v", v.path, e)
		}
		if v.claim != "" || v.action == store.AccessViewFindings {
			if e.BatchID != id {
				t.Errorf("%s logged batch %q", v.path, e.BatchID)
			}
		}
	}

	// A check run from the page and from the API.
	biller := h.signIn(store.RoleBiller)
	m := h.stack.Payer.Roster()[0]
	form := map[string][]string{"payer_id": {m.PayerID}, "member_id": {m.ID}, "first_name": {m.FirstName}, "last_name": {m.LastName},
		"dob": {m.DOB.String()}, "date_of_service": {date.String()}}
	res := biller.postForm("/eligibility/check", form)
	if res.StatusCode != 200 || !strings.Contains(res.body, "Eligibility result") || !strings.Contains(strings.ToUpper(res.body), strings.ToUpper(m.LastName)) {
		t.Fatalf("check now: %d %s", res.StatusCode, res.body)
	}
	if e := h.lastEvent(); e.Action != store.AccessViewEligibility || e.Username != "biller" || !strings.HasPrefix(e.Detail, "check ") {
		t.Errorf("check logged %+v", e)
	}
	req := eligibility.Request{PayerID: m.PayerID, MemberID: m.ID, FirstName: m.FirstName, LastName: m.LastName, DOB: m.DOB, DateOfService: date}
	apiRes := h.bearer(store.RoleBiller).sendJSON("POST", "/api/v1/eligibility/checks", req)
	if apiRes.StatusCode != 200 || !strings.Contains(apiRes.body, `"status"`) {
		t.Fatalf("check API: %d %s", apiRes.StatusCode, apiRes.body)
	}
	if e := h.lastEvent(); e.Action != store.AccessViewEligibility || !strings.HasSuffix(e.Detail, "(API)") {
		t.Errorf("check API logged %+v", e)
	}

	// Refused attempts by known users are logged as denied.
	aud := h.signIn(store.RoleAuditor)
	if res := aud.postForm("/eligibility/check", form); res.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor check: %d", res.StatusCode)
	}
	if e := h.lastEvent(); e.Outcome != store.AccessDenied || e.Username != "auditor" || e.Action != store.AccessViewEligibility {
		t.Errorf("auditor's refused check logged %+v", e)
	}
	u, _ := h.db.UserByUsername(context.Background(), "auditor")
	if err := h.db.SetUserDisabled(context.Background(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	if res := api.get("/api/v1/batches/" + id + "/findings"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user's token: %d", res.StatusCode)
	}
	if e := h.lastEvent(); e.Outcome != store.AccessDenied || e.Username != "auditor" || e.Detail != "account disabled" || e.BatchID != id {
		t.Errorf("disabled user's attempt logged %+v", e)
	}

	// Nothing from the claims list pages (no patient data) is logged, and
	// the chain verifies.
	before := len(h.accessEvents())
	rev.get("/batches")
	rev.get("/reports")
	if after := len(h.accessEvents()); after != before {
		t.Errorf("non-PHI pages logged %d events", after-before)
	}
	if n, err := h.db.VerifyAuditChain(context.Background()); err != nil || int(n) != before {
		t.Errorf("chain: %d entries, %v", n, err)
	}

	// The auditor reads and filters the log; a reviewer cannot.
	if err := h.db.SetUserDisabled(context.Background(), u.ID, false); err != nil {
		t.Fatal(err)
	}
	aud = h.signIn(store.RoleAuditor)
	page := aud.get("/access-log?username=reviewer&action=view_claim")
	if page.StatusCode != 200 || strings.Count(page.body, "<td>view_claim</td>") != 1 || strings.Contains(page.body, "<td>auditor</td>") {
		t.Errorf("filtered access log page: %d\n%s", page.StatusCode, page.body)
	}
	if page := aud.get("/access-log?verify=1"); !strings.Contains(page.body, "The hash chain is intact") {
		t.Errorf("verify: %s", page.body)
	}
	if page := aud.get("/access-log?from=yesterday"); page.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page.body, "YYYY-MM-DD") {
		t.Errorf("bad date filter: %d", page.StatusCode)
	}
	denied := decodeJSON[struct{ Events []accessEventJSON }](t, h.bearer(store.RoleAdmin).get("/api/v1/access-log?outcome=denied"))
	if len(denied.Events) != 2 {
		t.Errorf("denied events via API: %+v", denied.Events)
	}
	if res := rev.get("/access-log"); res.StatusCode != http.StatusForbidden {
		t.Errorf("reviewer reads the access log: %d", res.StatusCode)
	}
	// Who saw patient P502? Every view above that showed C1002: the batch
	// page (it is flagged), the claim page, the review queue, the findings
	// report, the CSV and the annotated workbook (whole batch), and the
	// question itself; and the eligibility result's patient, found by
	// account number and by member ID.
	whoSaw := func(q string) []int64 {
		t.Helper()
		res := api.get("/api/v1/access-log/patient?" + q)
		if res.StatusCode != 200 {
			t.Fatalf("who saw %s: %d %s", q, res.StatusCode, res.body)
		}
		out := decodeJSON[struct {
			Events []struct {
				Seq    int64  `json:"seq"`
				Action string `json:"action"`
			} `json:"events"`
		}](t, res)
		var seqs []int64
		for _, e := range out.Events {
			if e.Action != string(accessPatientLookup) {
				seqs = append(seqs, e.Seq)
			}
		}
		return seqs
	}
	if got := whoSaw("account=P502"); len(got) != 6 {
		t.Errorf("who saw P502: %d accesses %v, want the batch page, the claim, the queue, the report, the CSV and the workbook", len(got), got)
	}
	if got := whoSaw("account=" + url.QueryEscape(sweepResult.PatientID)); len(got) < 3 {
		t.Errorf("who saw the sweep's patient: %v, want the sweep page, the result and the sweep API at least", got)
	}
	var member store.Appointment
	if err := func() error {
		as, err := h.db.SweepAppointments(context.Background(), date)
		for _, a := range as {
			if a.PatientID == sweepResult.PatientID {
				member = a
			}
		}
		return err
	}(); err != nil || member.MemberID == "" {
		t.Fatalf("the sweep's appointment: %v", err)
	}
	if byAccount, byMember := whoSaw("account="+url.QueryEscape(sweepResult.PatientID)), whoSaw("payer_id="+member.PayerID+"&member_id="+url.QueryEscape(member.MemberID)); !slices.Equal(byAccount, byMember) {
		t.Errorf("by account %v, by member %v", byAccount, byMember)
	}
	if e := h.lastEvent(); e.Action != accessPatientLookup || e.Username != "auditor" {
		t.Errorf("the lookup itself logged %+v", e)
	}
	if res := api.get("/api/v1/access-log/patient?member_id=X"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a member ID without its payer: %d", res.StatusCode)
	}
	// The record outlives the batch.
	whoBefore := whoSaw("account=P502")
	if res := h.bearer(store.RoleAdmin).do(h.bearer(store.RoleAdmin).newRequest("DELETE", "/api/v1/batches/"+id, nil)); res.StatusCode >= 300 {
		t.Fatalf("delete batch: %d %s", res.StatusCode, res.body)
	}
	if after := whoSaw("account=P502"); !slices.Equal(whoBefore, after) {
		t.Errorf("after deleting the batch: %v, before %v", after, whoBefore)
	}
	// The access-log page answers it too, without showing any patient data.
	whoPage := h.signIn(store.RoleAuditor).get("/access-log?account=P502")
	has(t, "who-saw section", whoPage.body, `id="who-saw"`, "view_claim", "export_findings", "download_workbook")
}

func TestCodecServer(t *testing.T) {
	id, key := keyring.NewEntry()
	ring, err := keyring.Load("active="+id+";"+id+"="+key, "")
	if err != nil {
		t.Fatal(err)
	}
	const uiOrigin = "http://localhost:8233"
	h := newHarness(t, func(_ *harness, o *Options) { o.Ring = ring })
	payload, err := codec.NewDataConverter(ring, codec.RefusePlaintext).ToPayload(map[string]string{"patient_last_name": "Roe", "member_id": "MEM1002"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{payload}})
	decode := func(a *agent, origin string) response {
		req := a.newRequest("POST", "/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return a.do(req)
	}

	// A reviewer signed in to rcmbot, from the Temporal UI: decoded, logged.
	rev := h.signIn(store.RoleReviewer)
	res := decode(rev, uiOrigin)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != uiOrigin || res.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("reviewer decode: %d %v %s", res.StatusCode, res.Header, res.body)
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &got); err != nil || got["member_id"] != "MEM1002" {
		t.Fatalf("decoded %v %v", got, err)
	}
	e := h.lastEvent()
	if e.Action != store.AccessCodecDecode || e.Username != "reviewer" || e.UserID == "" || e.Outcome != store.AccessAllowed ||
		e.ClientAddr != "127.0.0.1" || !strings.Contains(e.Detail, "decoded 1 payloads") {
		t.Errorf("decode logged %+v", e)
	}
	// An auditor's API token works too (the CLI and scripts).
	if res := decode(h.bearer(store.RoleAuditor), ""); res.StatusCode != 200 {
		t.Errorf("auditor token decode: %d", res.StatusCode)
	}
	// A biller may not decode: 403, logged as denied.
	if res := decode(h.signIn(store.RoleBiller), uiOrigin); res.StatusCode != http.StatusForbidden {
		t.Errorf("biller decode: %d", res.StatusCode)
	}
	if e := h.lastEvent(); e.Outcome != store.AccessDenied || e.Username != "biller" || e.Action != store.AccessCodecDecode {
		t.Errorf("biller decode logged %+v", e)
	}
	// No credentials: 401; another origin: 403; neither is decoded.
	if res := decode(h.anonymous(), uiOrigin); res.StatusCode != http.StatusUnauthorized || strings.Contains(res.body, "MEM1002") {
		t.Errorf("anonymous decode: %d", res.StatusCode)
	}
	if res := decode(rev, "http://evil.example"); res.StatusCode != http.StatusForbidden || strings.Contains(res.body, "MEM1002") {
		t.Errorf("decode from another origin: %d", res.StatusCode)
	}
	// A disabled account's token is refused and recorded under its name.
	adm := h.bearer(store.RoleAdmin)
	u, _ := h.db.UserByUsername(context.Background(), "admin")
	h.db.SetUserDisabled(context.Background(), u.ID, true)
	if res := decode(adm, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("disabled admin decode: %d", res.StatusCode)
	}
	if e := h.lastEvent(); e.Outcome != store.AccessDenied || e.Username != "admin" {
		t.Errorf("disabled admin decode logged %+v", e)
	}
	// Preflight from the UI.
	req := rev.newRequest("OPTIONS", "/codec/decode", nil)
	req.Header.Set("Origin", uiOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	if res := rev.do(req); res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
}
