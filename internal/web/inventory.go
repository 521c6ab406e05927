package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// errNoInventoryBot is returned when the process runs without the
// inventory bot.
var errNoInventoryBot = fault.Errorf(fault.Unavailable, "The inventory bot is not running in this rcmbot process. Tell your rcmbot administrator.")

// ordersPageData is the approval queue and the deliveries expected.
type ordersPageData struct {
	Available bool
	Awaiting  []store.StoredPO // awaiting approval
	Expected  []store.StoredPO // sent, acknowledged, backordered, partially received
}

func (s *inventoryWeb) ordersPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	v := newView(id, "Purchase orders", "inventory", nil)
	switch r.URL.Query().Get("done") {
	case "approve":
		v.Flash = "Purchase order " + r.URL.Query().Get("po") + " approved: it goes to the supplier now."
	case "reject":
		v.Flash = "Purchase order " + r.URL.Query().Get("po") + " rejected."
	case "receive":
		v.Flash = "Delivery on purchase order " + r.URL.Query().Get("po") + " recorded."
	case "withdraw":
		v.Flash = "Purchase order " + r.URL.Query().Get("po") + " withdrawn: it will not be sent."
	}
	s.renderOrders(w, r, http.StatusOK, v)
}

func (s *inventoryWeb) renderOrders(w http.ResponseWriter, r *http.Request, status int, v view) {
	d := ordersPageData{Available: s.inventory != nil}
	if s.inventory != nil {
		var err error
		if d.Awaiting, err = s.inventory.Orders(r.Context(), store.Page{Limit: 200}, inventory.POAwaitingApproval); err == nil {
			d.Expected, err = s.inventory.Orders(r.Context(), store.Page{Limit: 200}, inventory.POAwaitingSupplier, inventory.POSent,
				inventory.POAcknowledged, inventory.POBackordered, inventory.POPartiallyReceived)
		}
		if err != nil {
			s.failErr(w, r, "the purchase orders", err)
			return
		}
	}
	v.Data = d
	s.page(w, status, "inventory_orders", v)
}

// decided redirects to the queue after a decision, or shows the queue
// again with the refusal.
func (s *inventoryWeb) decided(w http.ResponseWriter, r *http.Request, id auth.Identity, done string, err error) {
	if err == nil {
		http.Redirect(w, r, "/inventory/orders?done="+done+"&po="+url.QueryEscape(r.PathValue("po")), http.StatusSeeOther)
		return
	}
	if !staffFacing(err) {
		s.failErr(w, r, "the purchase order", err)
		return
	}
	v := newView(id, "Purchase orders", "inventory", nil)
	v.Error = fault.MessageOf(err)
	s.renderOrders(w, r, statusOf(fault.CodeOf(err)), v)
}

// approveOrder approves an order; form fields qty_SKU replace the lines'
// quantities.
func (s *inventoryWeb) approveOrder(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the approval", errNoInventoryBot)
		return
	}
	qty := map[inventory.SKU]float64{}
	var err error
	if perr := r.ParseForm(); perr != nil {
		err = fault.Errorf(fault.Invalid, "The form could not be read. Reload the page and try again.")
	}
	for k, vals := range r.PostForm {
		sku, ok := strings.CutPrefix(k, "qty_")
		if !ok || len(vals) == 0 || err != nil {
			continue
		}
		q, perr := strconv.ParseFloat(strings.TrimSpace(vals[0]), 64)
		if perr != nil {
			err = fault.Errorf(fault.Invalid, "The quantity of item %s must be a number (0 removes the line).", sku)
			continue
		}
		qty[inventory.SKU(sku)] = q
	}
	if err == nil {
		_, err = s.inventory.Approve(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), qty)
	}
	s.decided(w, r, id, "approve", err)
}

func (s *inventoryWeb) rejectOrder(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the rejection", errNoInventoryBot)
		return
	}
	_, err := s.inventory.Reject(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), strings.TrimSpace(r.PostFormValue("reason")))
	s.decided(w, r, id, "reject", err)
}

// withdrawOrder withdraws an order the supplier has not taken, with the
// form's reason.
func (s *inventoryWeb) withdrawOrder(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the withdrawal", errNoInventoryBot)
		return
	}
	_, err := s.inventory.Withdraw(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), strings.TrimSpace(r.PostFormValue("reason")))
	s.decided(w, r, id, "withdraw", err)
}

func (s *inventoryWeb) receiveOrder(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the receipt", errNoInventoryBot)
		return
	}
	sku := strings.TrimSpace(r.PostFormValue("sku"))
	q, perr := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("quantity")), 64)
	var err error
	switch {
	case sku == "":
		err = fault.Errorf(fault.Invalid, "Choose the item that arrived.")
	case perr != nil || !(q > 0):
		err = fault.Errorf(fault.Invalid, "Enter how many of item %s arrived (a number above 0).", sku)
	default:
		note := inventory.ReceiptNote{Location: strings.TrimSpace(r.PostFormValue("location")), Lot: strings.TrimSpace(r.PostFormValue("lot")),
			Quantities: map[inventory.SKU]float64{inventory.SKU(sku): q}}
		_, err = s.inventory.Receive(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), note)
	}
	s.decided(w, r, id, "receive", err)
}

// apiOrders lists purchase orders as JSON: ?status= (repeat) filters.
func (s *inventoryWeb) apiOrders(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the purchase orders", errNoInventoryBot)
		return
	}
	var statuses []inventory.POStatus
	for _, st := range r.URL.Query()["status"] {
		statuses = append(statuses, inventory.POStatus(st))
	}
	pos, err := s.inventory.Orders(r.Context(), store.Page{Limit: store.MaxPageSize}, statuses...)
	if err != nil {
		s.failErr(w, r, "the purchase orders", err)
		return
	}
	out := make([]inventory.PurchaseOrder, len(pos))
	for i, po := range pos {
		out[i] = po.PurchaseOrder
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": out})
}

// readJSON decodes a request body (unknown fields refused), answering 400
// with what to send when it cannot.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any, want string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.fail(w, r, http.StatusBadRequest, "Send JSON: "+want+". "+jsonProblem(err))
		return false
	}
	return true
}

// answer writes the order after a decision, or the refusal.
func (s *inventoryWeb) answer(w http.ResponseWriter, r *http.Request, po inventory.PurchaseOrder, err error) {
	if err != nil {
		s.failErr(w, r, "the purchase order", err)
		return
	}
	writeJSON(w, http.StatusOK, po)
}

func (s *inventoryWeb) apiApprove(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the approval", errNoInventoryBot)
		return
	}
	var req struct {
		Quantities map[inventory.SKU]float64 `json:"quantities"`
	}
	if !s.readJSON(w, r, &req, `{"quantities": {"SKU": quantity}} (optional: replaces the lines' quantities)`) {
		return
	}
	po, err := s.inventory.Approve(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), req.Quantities)
	s.answer(w, r, po, err)
}

func (s *inventoryWeb) apiReject(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the rejection", errNoInventoryBot)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if !s.readJSON(w, r, &req, `{"reason": "why"}`) {
		return
	}
	po, err := s.inventory.Reject(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), strings.TrimSpace(req.Reason))
	s.answer(w, r, po, err)
}

func (s *inventoryWeb) apiWithdraw(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the withdrawal", errNoInventoryBot)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if !s.readJSON(w, r, &req, `{"reason": "why"}`) {
		return
	}
	po, err := s.inventory.Withdraw(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), strings.TrimSpace(req.Reason))
	s.answer(w, r, po, err)
}

func (s *inventoryWeb) apiReceive(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the receipt", errNoInventoryBot)
		return
	}
	var note inventory.ReceiptNote
	if !s.readJSON(w, r, &note, `{"location": "main", "lot": "optional", "quantities": {"SKU": quantity}}`) {
		return
	}
	po, err := s.inventory.Receive(r.Context(), r.PathValue("po"), id.User.Username, string(id.User.Role), note)
	s.answer(w, r, po, err)
}
