package topology

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/sim"
)

// API is a client of rcmbot web's REST API, authenticated with an API
// token, as a practice's script would use it.
type API struct {
	URL, Token string
	HTTP       *http.Client
}

// API returns a client of the topology's web app as the reviewer.
func (t *Topology) API() *API {
	return &API{URL: t.WebURL, Token: t.Token, HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// StatusError is an API answer other than the one expected.
type StatusError struct {
	Status      int
	ContentType string
	Body        string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d (%s): %s", e.Status, e.ContentType, e.Body)
}

// do sends a request and decodes a JSON answer with status want into out.
func (a *API) do(ctx context.Context, method, path, contentType string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, a.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return &StatusError{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(b)}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// Upload sends a claims file (POST /api/v1/batches) and returns the batch ID.
func (a *API) Upload(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", filepath.Base(path))
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(part, f); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	var out struct {
		BatchID string `json:"batch_id"`
	}
	if err := a.do(ctx, http.MethodPost, "/api/v1/batches", mw.FormDataContentType(), &buf, http.StatusAccepted, &out); err != nil {
		return "", fmt.Errorf("upload %s: %w", filepath.Base(path), err)
	}
	return out.BatchID, nil
}

// Batch is the part of GET /api/v1/batches/{id} the scenarios read.
type Batch struct {
	BatchID       string `json:"batch_id"`
	Status        string `json:"status"`
	FailureReason string `json:"failure_reason"`
	Counts        struct {
		Claims    int `json:"claims"`
		Clean     int `json:"clean"`
		Flagged   int `json:"flagged"`
		Submitted int `json:"submitted"`
	} `json:"counts"`
}

// Batch reads a batch.
func (a *API) Batch(ctx context.Context, id string) (Batch, error) {
	var b Batch
	err := a.do(ctx, http.MethodGet, "/api/v1/batches/"+id, "", nil, http.StatusOK, &b)
	return b, err
}

// ClaimFindings is one claim of GET /api/v1/batches/{id}/findings.
type ClaimFindings struct {
	ClaimID string `json:"claim_id"`
	Tier    string `json:"tier"`
	State   string `json:"state"`
}

// Findings lists a batch's claims with their tier and review state.
func (a *API) Findings(ctx context.Context, id string) ([]ClaimFindings, error) {
	var out struct {
		Claims []ClaimFindings `json:"claims"`
	}
	err := a.do(ctx, http.MethodGet, "/api/v1/batches/"+id+"/findings", "", nil, http.StatusOK, &out)
	return out.Claims, err
}

// ReviewAction is one element of POST /api/v1/batches/{id}/review.
type ReviewAction struct {
	ClaimID string `json:"claim_id"`
	Action  string `json:"action"`
	Reason  string `json:"reason,omitempty"`
}

// Review sends review actions.
func (a *API) Review(ctx context.Context, id string, actions []ReviewAction) error {
	b, err := json.Marshal(actions)
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodPost, "/api/v1/batches/"+id+"/review", "application/json", bytes.NewReader(b), http.StatusOK, nil)
}

// ApproveOrder approves a purchase order awaiting approval as it stands
// (POST /api/v1/inventory/orders/{po}/approve).
func (a *API) ApproveOrder(ctx context.Context, number string) (inventory.PurchaseOrder, error) {
	var po inventory.PurchaseOrder
	err := a.do(ctx, http.MethodPost, "/api/v1/inventory/orders/"+number+"/approve", "application/json", strings.NewReader(`{}`), http.StatusOK, &po)
	return po, err
}

// ReceiveOrder records a delivery against a purchase order
// (POST /api/v1/inventory/orders/{po}/receive).
func (a *API) ReceiveOrder(ctx context.Context, number string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error) {
	b, err := json.Marshal(note)
	if err != nil {
		return inventory.PurchaseOrder{}, err
	}
	var po inventory.PurchaseOrder
	err = a.do(ctx, http.MethodPost, "/api/v1/inventory/orders/"+number+"/receive", "application/json", bytes.NewReader(b), http.StatusOK, &po)
	return po, err
}

// ScheduledRequest is an appointment request as the scheduling API
// answers it: the request, its status and the options proposed.
type ScheduledRequest struct {
	schedule.Request
	Status  schedule.RequestStatus `json:"status"`
	Options []planner.Choice       `json:"options"`
}

// RequestAppointment stores an appointment request for patient (POST
// /api/v1/scheduling/requests): its AppointmentRequest workflow plans the
// options.
func (a *API) RequestAppointment(ctx context.Context, r schedule.Request, patient schedule.Patient) (ScheduledRequest, error) {
	b, err := json.Marshal(struct {
		schedule.Request
		Patient schedule.Patient `json:"patient"`
	}{r, patient})
	if err != nil {
		return ScheduledRequest{}, err
	}
	var out ScheduledRequest
	err = a.do(ctx, http.MethodPost, "/api/v1/scheduling/requests", "application/json", bytes.NewReader(b), http.StatusCreated, &out)
	return out, err
}

// Book books a request into a slot (POST
// /api/v1/scheduling/requests/{rid}/book), as the front desk's one click.
func (a *API) Book(ctx context.Context, requestID string, slot schedule.Slot) (schedule.Appointment, error) {
	b, err := json.Marshal(schedule.Booking{Slot: slot})
	if err != nil {
		return schedule.Appointment{}, err
	}
	var ap schedule.Appointment
	err = a.do(ctx, http.MethodPost, "/api/v1/scheduling/requests/"+requestID+"/book", "application/json", bytes.NewReader(b), http.StatusOK, &ap)
	return ap, err
}

// Attend records a visit's outcome (POST
// /api/v1/scheduling/appointments/{aid}/attendance).
func (a *API) Attend(ctx context.Context, appointmentID string, outcome schedule.Outcome) error {
	b, err := json.Marshal(schedule.AttendanceNote{Outcome: outcome})
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodPost, "/api/v1/scheduling/appointments/"+appointmentID+"/attendance", "application/json", bytes.NewReader(b), http.StatusOK, nil)
}

// DecideAlert records a privacy officer's disposition of an access alert
// (POST /api/v1/audit/alerts/{alert}/decide).
func (a *API) DecideAlert(ctx context.Context, alertID string, cn audit.CaseNote) (audit.CaseOutcome, error) {
	b, err := json.Marshal(cn)
	if err != nil {
		return audit.CaseOutcome{}, err
	}
	var out audit.CaseOutcome
	err = a.do(ctx, http.MethodPost, "/api/v1/audit/alerts/"+alertID+"/decide", "application/json", bytes.NewReader(b), http.StatusOK, &out)
	return out, err
}

// ClearinghouseStats reads the clearinghouse simulator's received log.
func (t *Topology) ClearinghouseStats(ctx context.Context) (sim.ClearinghouseStats, error) {
	var st sim.ClearinghouseStats
	err := getJSON(ctx, t.ClearinghouseURL+"/admin/stats", &st)
	return st, err
}

// SupplierStats reads the supplier simulator's counters: the orders
// placed, per PO number.
func (t *Topology) SupplierStats(ctx context.Context) (sim.SupplierStats, error) {
	var st sim.SupplierStats
	err := getJSON(ctx, t.SupplierURL+"/admin/stats", &st)
	return st, err
}

// PayerStats reads the payer simulator's counters by payer ID.
func (t *Topology) PayerStats(ctx context.Context) (map[string]sim.PayerStats, error) {
	st := map[string]sim.PayerStats{}
	err := getJSON(ctx, t.PayerURL+"/admin/stats", &st)
	return st, err
}

// ClearinghouseFaultPlan is the clearinghouse simulator's /admin/faults
// body: the faults and, optionally, how long answers are held back.
type ClearinghouseFaultPlan struct {
	sim.FaultPlan
	Delay string `json:"delay,omitempty"` // Go duration, e.g. "700ms"
}

// ClearinghouseFaults sets the clearinghouse simulator's faults.
func (t *Topology) ClearinghouseFaults(ctx context.Context, f ClearinghouseFaultPlan) error {
	return postJSON(ctx, t.ClearinghouseURL+"/admin/faults", f)
}

// PayerFaults sets the payer simulator's faults (for f.Payer, or all).
func (t *Topology) PayerFaults(ctx context.Context, f sim.Faults) error {
	return postJSON(ctx, t.PayerURL+"/admin/faults", f)
}

// ResetSimulators clears the simulators' counters and faults.
func (t *Topology) ResetSimulators(ctx context.Context) error {
	for _, u := range []string{t.ClearinghouseURL, t.PayerURL, t.SupplierURL} {
		if err := send(ctx, http.MethodPost, u+"/admin/stats/reset", nil); err != nil {
			return err
		}
	}
	return t.ResetFaults(ctx)
}

// ResetFaults clears the simulators' faults (and the clearinghouse's delay).
func (t *Topology) ResetFaults(ctx context.Context) error {
	for _, u := range []string{t.ClearinghouseURL, t.PayerURL, t.SupplierURL} {
		if err := send(ctx, http.MethodDelete, u+"/admin/faults", nil); err != nil {
			return err
		}
	}
	return nil
}

func getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func postJSON(ctx context.Context, url string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return send(ctx, http.MethodPost, url, b)
}

func send(ctx context.Context, method, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, b)
	}
	return nil
}
