package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/store"
)

// importFilesCSV is a small hospital: a nurse with an appointment, a
// clerk terminated on March 1 who opens the VIP's record on March 3, and
// a bad time on row 3 of the access log.
var importFilesCSV = map[string]string{
	"staff": "user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end\n" +
		"nurse1,Adeyemi,Tola,ED,nurse,1 Oak St,02134,2020-01-01,,07:00,19:00\n" +
		"clerk9,Brandt,Kai,Billing,clerk,9 Elm St,02135,2019-01-01,2026-03-01,,\n",
	"patients": "patient_id,last_name,first_name,dob,address,zip,vip,employee_user_id\n" +
		"p1,Ng,Lee,1980-02-03,5 Pine St,02139,false,\n" +
		"vip,Star,Rae,1975-05-06,1 Hill Rd,02140,true,\n",
	"encounters": "patient_id,user_id,department,start,end,kind\n" +
		"p1,nurse1,ED,2026-03-02T09:00:00-05:00,2026-03-02T10:00:00-05:00,appointment\n",
	"access_log": "time,user_id,patient_id,action,workstation,ip\n" +
		"2026-03-02T09:30:00-05:00,nurse1,p1,view,ed-1,10.0.0.1\n" +
		"not a time,nurse1,p1,view,ed-1,10.0.0.1\n" +
		"2026-03-03T22:10:00-05:00,clerk9,vip,view,bill-3,10.0.0.9\n",
}

// postImport sends files (field → content, each named upload-<field>.csv)
// and the label as the browser form does (its CSRF token first) or, for
// an API agent, as a plain multipart request.
func (c *agent) postImport(path, label string, files map[string]string) response {
	c.h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if c.csrf != "" {
		mw.WriteField(csrfField, c.csrf)
	}
	mw.WriteField(importLabelField, label)
	for _, f := range importFiles {
		if data, ok := files[f.field]; ok {
			fw, _ := mw.CreateFormFile(f.field, "upload-"+f.field+".csv")
			fw.Write([]byte(data))
		}
	}
	mw.Close()
	req := c.newRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestAuditImportUploadStoresGoodRowsNamesBadOnesAndScans: on the real
// stack, the privacy officer imports the four files through the page; the
// good rows are stored, the bad one is named by file, row and column
// (never its value) on the page and in the list, and the scan starts; the
// API answers the same as JSON; an unreadable access log is refused
// naming the file and stores nothing; an auditor may not import.
func TestAuditImportUploadStoresGoodRowsNamesBadOnesAndScans(t *testing.T) {
	h := newHarness(t, withBots)
	ctx := context.Background()
	po := h.signIn(store.RolePrivacyOfficer)

	if queue := po.get("/audit/alerts"); !strings.Contains(queue.body, `href="/audit/imports"`) {
		t.Errorf("the alert queue does not link to the imports: %s", queue.body)
	}
	if auditorQueue := h.signIn(store.RoleAuditor).get("/audit/alerts"); strings.Contains(auditorQueue.body, `href="/audit/imports"`) {
		t.Error("the auditor's queue links to a page the auditor may not use")
	}
	page := po.get("/audit/imports")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `id="import-form"`) || !strings.Contains(page.body, "No imports yet") {
		t.Fatalf("imports page: %d %s", page.StatusCode, page.body)
	}

	res := po.postImport("/audit/imports", "EHR export, March", importFilesCSV)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "Imported 2 accesses; 1 bad rows skipped") {
		t.Fatalf("form import: %d %s", res.StatusCode, res.body)
	}
	for _, want := range []string{`id="import-errors"`, "access.csv row 3, column A (time)", "EHR export, March"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the page after the import lacks %q", want)
		}
	}
	for _, leak := range []string{"not a time", "upload-access_log"} {
		if strings.Contains(res.body, leak) {
			t.Errorf("the page shows %q (a value or the uploaded file's name)", leak)
		}
	}
	imps, err := h.db.AuditImports(ctx, store.All)
	if err != nil {
		t.Fatal(err)
	}
	if len(imps) != 1 || imps[0].Events != 2 || imps[0].Staff != 2 || imps[0].Patients != 2 || imps[0].Encounters != 1 || imps[0].BadRows != 1 || imps[0].ImportedBy != "privacy_officer" {
		t.Fatalf("stored imports: %+v", imps)
	}

	api := h.bearer(store.RolePrivacyOfficer)
	ar := api.postImport("/api/v1/audit/imports", "April", map[string]string{"access_log": importFilesCSV["access_log"]})
	if ar.StatusCode != http.StatusCreated {
		t.Fatalf("API import: %d %s", ar.StatusCode, ar.body)
	}
	out := decodeJSON[audit.ImportResult](t, ar)
	if out.ImportID == "" || out.Events != 2 || len(out.Errors) != 1 || out.Errors[0].File != "access.csv" || out.Errors[0].Row != 3 || out.Errors[0].Column != "time" || out.ScanID == "" {
		t.Errorf("API result: %+v", out)
	}

	bad := api.postImport("/api/v1/audit/imports", "", map[string]string{"access_log": "when,who\n1,2\n"})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "access.csv") {
		t.Errorf("unreadable access log: %d %s", bad.StatusCode, bad.body)
	}
	none := api.postImport("/api/v1/audit/imports", "", map[string]string{"staff": importFilesCSV["staff"]})
	if none.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(none.body, "needs an access log") {
		t.Errorf("no access log: %d %s", none.StatusCode, none.body)
	}
	if imps, _ := h.db.AuditImports(ctx, store.All); len(imps) != 2 {
		t.Errorf("refused imports stored something: %d imports", len(imps))
	}
	if list := po.get("/audit/imports"); !strings.Contains(list.body, "April") || !strings.Contains(list.body, "access.csv row 3, column A (time)") {
		t.Errorf("the list lacks the imports or their bad rows: %s", list.body)
	}
	if r := h.bearer(store.RoleAuditor).postImport("/api/v1/audit/imports", "", importFilesCSV); r.StatusCode != http.StatusForbidden {
		t.Errorf("an auditor's import: %d", r.StatusCode)
	}
}

// TestAuditImportOverTheUploadLimitIsRefused: an access log larger than
// the claims upload limit is refused with 413 and the limit named, and
// nothing is stored.
func TestAuditImportOverTheUploadLimitIsRefused(t *testing.T) {
	h := newHarness(t, func(h *harness, _ *Options) { h.cfg.UploadMaxBytes = 4096 }, withBots)
	big := importFilesCSV["access_log"] + strings.Repeat("2026-03-02T09:30:00-05:00,nurse1,p1,view,ed-1,10.0.0.1\n", 200)
	po := h.signIn(store.RolePrivacyOfficer)
	res := po.postImport("/audit/imports", "", map[string]string{"access_log": big})
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "upload limit") {
		t.Errorf("form: %d %s", res.StatusCode, res.body)
	}
	api := h.bearer(store.RolePrivacyOfficer)
	if r := api.postImport("/api/v1/audit/imports", "", map[string]string{"access_log": big}); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("API: %d %s", r.StatusCode, r.body)
	}
	if imps, _ := h.db.AuditImports(context.Background(), store.All); len(imps) != 0 {
		t.Errorf("an upload over the limit stored %d imports", len(imps))
	}
}
