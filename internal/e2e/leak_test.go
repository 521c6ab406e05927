package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// The eligibility check's patient: recognisable strings that must never
// appear in plaintext.
const (
	leakFirst  = "Zelphina"
	leakLast   = "Quorvathine"
	leakMember = "ZQV998877665"
	leakDOB    = "1947-03-19"
)

// TestNoPHIInPlaintext runs a claims batch (with a review step whose
// reason names the patient, and a submission attempt that fails and is
// retried) and an eligibility check with recognisable fixture PHI, then
// reads what Temporal keeps without the key: the raw histories through a
// client without the codec, the dev server's database file and rcmbot's
// logs. None of the patients' names, dates of birth or member IDs may
// appear. Then it decodes the histories through the codec server with an
// API token and finds the reviewer's note: the data is there, encrypted.
func TestNoPHIInPlaintext(t *testing.T) {
	var logs syncBuffer
	s := Start(t, Options{Log: &logs})
	ctx := context.Background()
	s.Clearinghouse.SetFaults(sim.FaultPlan{ServerErrors: 1}) // the first submission fails and is retried

	// A claims batch, reviewed with a note naming a patient.
	f, err := os.Open(Fixture("demo-claims.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Claims.SubmitBatch(ctx, f, "demo-claims.xlsx", "tester")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	s.WaitStatus(t, b.ID, 2*time.Minute, batch.AwaitingReview)
	flagged, err := s.DB.Claims(ctx, store.ClaimFilter{BatchID: b.ID, Flagged: true}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	noted := flagged[0].Claim.Patient
	note := fmt.Sprintf("Called the payer about %s %s (DOB %s): rebill", noted.FirstName, noted.LastName, noted.DOB)
	var actions []batch.ReviewAction
	for _, r := range flagged {
		actions = append(actions, batch.ReviewAction{ClaimID: r.Claim.ID, Action: batch.Reject, Reason: note})
	}
	if _, err := s.Claims.Review(ctx, b.ID, "rita", "reviewer", actions); err != nil {
		t.Fatal(err)
	}
	var res batch.Progress
	if err := s.Client.GetWorkflow(ctx, "claims-batch-"+b.ID, "").Get(ctx, &res); err != nil || res.Status != batch.Completed {
		t.Fatalf("batch: %+v %v", res, err)
	}
	if s.Clearinghouse.Stats().ServerErrors != 1 {
		t.Fatalf("the injected submission failure did not happen: %+v", s.Clearinghouse.Stats())
	}

	// An eligibility check for a recognisable patient.
	elig, err := bots.EligibilityService(bots.Env{Config: s.Config, DB: s.DB, Ring: s.Ring, Log: s.Log}, s.Client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elig.Check(ctx, eligibility.Request{PayerID: "60054", MemberID: leakMember, FirstName: leakFirst, LastName: leakLast,
		DOB: claim.MustDate(leakDOB), DateOfService: DemoAsOf}, "tester"); err != nil {
		t.Fatal(err)
	}

	phi := phiOf(t, s, b.ID)

	// 1. Histories, read without the codec.
	histories := rawHistories(t, s)
	// 2. The dev server's database file (and its write-ahead log).
	var dbBytes []byte
	for _, p := range []string{s.Temporal.DBFile, s.Temporal.DBFile + "-wal"} {
		if b, err := os.ReadFile(p); err == nil {
			dbBytes = append(dbBytes, b...)
		}
	}
	if len(dbBytes) == 0 {
		t.Fatal("could not read the dev server's database")
	}
	places := map[string][]byte{"histories": append(histories, payloadData(t, histories)...), "temporal database": dbBytes, "logs": logs.Bytes()}
	for place, data := range places {
		for _, v := range phi {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%s contain PHI %q", place, v)
			}
		}
	}
	if !bytes.Contains(histories, []byte("encryption-key-id")) || !bytes.Contains(logs.Bytes(), []byte(b.ID)) {
		t.Fatal("the checks read nothing useful: no encrypted payloads in the histories or no batch in the logs")
	}

	// 3. Through the codec server, with a token, the note is readable.
	decoded := decodeThroughCodecServer(t, s, histories)
	for _, v := range []string{noted.LastName, noted.DOB.String()} {
		if !strings.Contains(decoded, v) {
			t.Errorf("decoded histories lack %q", v)
		}
	}
}

// phiOf lists the patient identifiers of the batch's claims and of the
// eligibility fixture, in the forms they could be written.
func phiOf(t *testing.T, s *Stack, batchID string) []string {
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) >= 5 {
			seen[v] = true
		}
	}
	err := s.DB.EachClaim(context.Background(), store.ClaimFilter{BatchID: batchID}, func(r store.ClaimRecord) error {
		p := r.Claim.Patient
		add(p.LastName)
		add(p.FirstName)
		add(r.Claim.MemberID)
		if !p.DOB.IsZero() && p.DOB.Time().Year() < 2010 { // later DOBs could collide with dates of service
			add(p.DOB.String())
			add(p.DOB.Compact())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{leakFirst, leakLast, leakMember, leakDOB, strings.ReplaceAll(leakDOB, "-", "")} {
		add(v)
	}
	if len(seen) < 100 {
		t.Fatalf("only %d PHI values collected", len(seen))
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	return out
}

// rawHistories returns every workflow history of the namespace as JSON,
// read with a client that has no codec, plus the workflow list itself
// (IDs, search attributes, memos).
func rawHistories(t *testing.T, s *Stack) []byte {
	ctx := context.Background()
	plain, err := temporalx.Dial(ctx, temporalx.DialOptions{Address: s.Temporal.Address, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var out bytes.Buffer
	var token []byte
	n := 0
	for {
		page, err := plain.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", PageSize: 100, NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.GetExecutions() {
			b, _ := protojson.Marshal(e)
			out.Write(b)
			iter := plain.GetWorkflowHistory(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			var h historypb.History
			for iter.HasNext() {
				ev, err := iter.Next()
				if err != nil {
					t.Fatal(err)
				}
				h.Events = append(h.Events, ev)
			}
			b, _ = protojson.Marshal(&h)
			out.Write(b)
			n++
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	if n < 2 {
		t.Fatalf("only %d workflows found", n)
	}
	return out.Bytes()
}

// decodeThroughCodecServer sends every encrypted payload found in the
// histories to the web app's codec server with an API token and returns
// the decoded payloads as text.
func decodeThroughCodecServer(t *testing.T, s *Stack, histories []byte) string {
	ctx := context.Background()
	srv, err := web.New(web.Options{DB: s.DB, Ring: s.Ring, Config: s.Config, Log: s.Log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	u, _, err := auth.CreateAccount(ctx, s.DB, auth.NewAccount{Username: "auditor1", Role: store.RoleAuditor, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.IssueAPIToken(ctx, s.DB, u.ID, "leak test", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	payloads := encryptedPayloads(t, histories)
	body, _ := json.Marshal(map[string]any{"payloads": payloads})
	post := func(withToken bool) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if withToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post(false); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("codec server without a token: %d, want 401", resp.StatusCode)
	}
	resp := post(true)
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("decode: %d %s", resp.StatusCode, out.String())
	}
	var decoded struct {
		Payloads []*commonpb.Payload `json:"payloads"`
	}
	if err := json.Unmarshal(out.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, p := range decoded.Payloads {
		text.Write(p.GetData())
	}
	return text.String()
}

// encryptedPayloads finds the encrypted payloads in the histories' JSON.
func encryptedPayloads(t *testing.T, histories []byte) []json.RawMessage {
	var out []json.RawMessage
	eachObject(t, histories, func(x map[string]any) bool {
		md, ok := x["metadata"].(map[string]any)
		if _, enc := md["encryption-key-id"]; !ok || !enc {
			return true
		}
		b, _ := json.Marshal(x)
		out = append(out, b)
		return false
	})
	if len(out) == 0 {
		t.Fatal("no encrypted payloads in the histories")
	}
	return out
}

// payloadData returns the decoded bytes of every payload's data in the
// histories' JSON (protojson writes them base64), so plaintext payloads
// would be found by a search.
func payloadData(t *testing.T, histories []byte) []byte {
	var out []byte
	eachObject(t, histories, func(x map[string]any) bool {
		if str, ok := x["data"].(string); ok {
			if b, err := base64.StdEncoding.DecodeString(str); err == nil {
				out = append(out, b...)
			}
		}
		return true
	})
	return out
}

// eachObject calls fn for every JSON object in a stream of JSON values,
// descending into an object's members while fn returns true.
func eachObject(t *testing.T, stream []byte, fn func(map[string]any) bool) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if !fn(x) {
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(stream))
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		walk(v)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (loggers).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// TestFailedFileNameStaysOutOfLogs uploads a file named after a patient
// that the activity refuses as a whole (more rows than allowed): staff see
// the reason naming the file on the batch, and no log line names it (the
// Temporal SDK logs every activity error's message).
func TestFailedFileNameStaysOutOfLogs(t *testing.T) {
	var logs syncBuffer
	s := Start(t, Options{Log: &logs, Env: map[string]string{"RCMBOT_MAX_ROWS": "3"}})
	ctx := context.Background()
	f, err := os.Open(Fixture("demo-claims.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const name = "DOE_JANE_DOB_1980-01-02_MRN12345.xlsx"
	b, err := s.Claims.SubmitBatch(ctx, f, name, "tester")
	if err != nil {
		t.Fatal(err)
	}
	b = s.WaitStatus(t, b.ID, 2*time.Minute, batch.Failed, batch.AwaitingReview)
	if b.Status != batch.Failed || !strings.Contains(b.FailureReason, name) {
		t.Fatalf("batch %s %s, reason %q: want it failed naming the file", b.ID, b.Status, b.FailureReason)
	}
	if !bytes.Contains(logs.Bytes(), []byte("Activity error")) || !bytes.Contains(logs.Bytes(), []byte(b.ID)) {
		t.Fatalf("the logs hold no activity error of batch %s: nothing was checked", b.ID)
	}
	for _, v := range []string{"DOE_JANE", "MRN12345", "1980-01-02"} {
		if bytes.Contains(logs.Bytes(), []byte(v)) {
			t.Errorf("the logs name the file (%q)", v)
		}
	}
}
