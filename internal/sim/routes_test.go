package sim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Both simulators route by method and path (ServeMux patterns): known
// endpoints answer, other methods on the faults endpoint say which are
// allowed, and unknown paths point at the endpoint list.
func TestSimulatorRoutes(t *testing.T) {
	ps, err := NewPayerSim(PayerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := NewClearinghouseSim(ClearinghouseConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		h        http.Handler
		method   string
		path     string
		body     string
		status   int
		contains string
	}{
		{"payer stats", ps, "GET", "/admin/stats", "", http.StatusOK, "{"},
		{"payer roster", ps, "GET", "/admin/roster", "", http.StatusOK, `"profile"`},
		{"payer faults", ps, "POST", "/admin/faults", `{"payer":"60054","server_errors":1}`, http.StatusOK, `"60054"`},
		{"payer faults listed", ps, "GET", "/admin/faults", "", http.StatusOK, `"server_errors":1`},
		{"payer unknown fault field", ps, "POST", "/admin/faults", `{"explode":true}`, http.StatusBadRequest, "unknown field"},
		{"payer faults cleared", ps, "DELETE", "/admin/faults", "", http.StatusNoContent, ""},
		{"payer faults wrong method", ps, "PUT", "/admin/faults", "", http.StatusMethodNotAllowed, "method not allowed"},
		{"payer eligibility by GET", ps, "GET", "/eligibility/v3", "", http.StatusNotFound, "payer simulator's endpoints"},
		{"payer unknown path", ps, "GET", "/nope", "", http.StatusNotFound, "payer simulator's endpoints"},
		{"clearinghouse stats", ch, "GET", "/admin/stats", "", http.StatusOK, `"submissions"`},
		{"clearinghouse reset", ch, "POST", "/admin/stats/reset", "", http.StatusNoContent, ""},
		{"clearinghouse faults", ch, "POST", "/admin/faults", `{"hangs":1}`, http.StatusOK, `"hangs":1`},
		{"clearinghouse faults wrong method", ch, "PATCH", "/admin/faults", "", http.StatusMethodNotAllowed, ""},
		{"clearinghouse 277CA of an unknown interchange", ch, "GET", "/claims/277ca?interchange=9", "", http.StatusNotFound, "no submission with interchange control number 000000009"},
		{"clearinghouse unknown path", ch, "POST", "/claims/835", "", http.StatusNotFound, "clearinghouse simulator's endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.status || !strings.Contains(string(body), tc.contains) {
				t.Errorf("%s %s: %d %s", tc.method, tc.path, rec.Code, body)
			}
			if rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, POST, DELETE" {
				t.Errorf("Allow %q", rec.Header().Get("Allow"))
			}
		})
	}
}
