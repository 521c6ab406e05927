package sim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestClearinghouseThrottleAndDelay sets faults at run time: the next two
// submissions get 429 with the Retry-After asked for, then answers are held
// back by the delay; DELETE restores the configured delay.
func TestClearinghouseThrottleAndDelay(t *testing.T) {
	s, err := NewClearinghouseSim(ClearinghouseConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	if r := post(t, srv.URL+"/admin/faults", "application/json", []byte(`{"throttles":2,"retry_after":3,"delay":"300ms"}`)); r.StatusCode != http.StatusOK {
		t.Fatalf("set faults: %s", r.Status)
	}
	submit := func() (*http.Response, time.Duration) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/claims/837", nil)
		req.Header.Set("Idempotency-Key", "k-1")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp, time.Since(start)
	}
	for i := range 2 {
		if r, _ := submit(); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "3" {
			t.Errorf("submission %d: %s, Retry-After %q; want 429 with 3", i+1, r.Status, r.Header.Get("Retry-After"))
		}
	}
	// Not an 837: refused (400) once processed, after the delay.
	if r, took := submit(); r.StatusCode != http.StatusBadRequest || took < 300*time.Millisecond {
		t.Errorf("third submission: %s after %s; want 400 after the 300 ms delay", r.Status, took)
	}
	if st := s.Stats(); st.Throttled != 2 {
		t.Errorf("throttled %d, want 2", st.Throttled)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/admin/faults", nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusNoContent {
		t.Fatalf("clear faults: %v %v", r, err)
	}
	s.mu.Lock()
	d := s.delay
	s.mu.Unlock()
	if d != 0 {
		t.Errorf("delay after DELETE: %s, want the configured 0", d)
	}
	for _, bad := range []string{`{"delay":"soon"}`, `{"delay":"-1s"}`, `{"throttles":-1}`} {
		if r := post(t, srv.URL+"/admin/faults", "application/json", []byte(bad)); r.StatusCode != http.StatusBadRequest {
			t.Errorf("faults %s: %s, want 400", bad, r.Status)
		}
	}
}
