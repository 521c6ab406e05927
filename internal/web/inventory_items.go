package web

import (
	"net/http"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// itemsPageData is every item's stock against its policy.
type itemsPageData struct {
	Available bool
	Stock     review.Stock
}

func (s *inventoryWeb) itemsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	d := itemsPageData{Available: s.inventory != nil}
	if s.inventory != nil {
		var err error
		if d.Stock, err = s.inventory.Items(r.Context()); err != nil {
			s.failErr(w, r, "the items", err)
			return
		}
	}
	s.page(w, http.StatusOK, "inventory_items", newView(id, "Supply items", "inventory-items", d))
}

// itemPageData is one item, with its usage-and-forecast chart and its
// stock against the reorder point and order-up-to level.
type itemPageData struct {
	review.ItemDetail
	Days       int
	Choices    []int
	UsageChart chart
	StockChart chart
}

// itemDays reads ?days= (30, 90, 180 or 365; default 90).
func itemDays(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || (n != 30 && n != 90 && n != 180 && n != 365) {
		return 90
	}
	return n
}

func (s *inventoryWeb) itemPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the item", errNoInventoryBot)
		return
	}
	days := itemDays(r)
	det, err := s.inventory.Item(r.Context(), inventory.SKU(r.PathValue("sku")), days)
	if err != nil {
		s.failErr(w, r, "the item", err)
		return
	}
	d := itemPageData{ItemDetail: det, Days: days, Choices: []int{30, 90, 180, 365}}
	labels := make([]string, len(det.Usage.Qty))
	for i := range labels {
		labels[i] = det.Usage.Start.AddDays(i).Time().Format("Jan 2")
	}
	units := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	oneDecimal := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	d.UsageChart = newRefChart("usage", "Daily usage and the forecast",
		"Units used each day over the last "+strconv.Itoa(days)+" days, with the forecast daily mean the policy plans for.",
		labels, []chartSeries{{Name: "used", Values: det.Usage.Qty}}, oneDecimal, 0, chartRef{Label: "forecast", Value: det.DailyMean})
	d.UsageChart.EmptyText = "No usage recorded in these days."
	d.StockChart = newRefChart("stock", "Stock against the reorder point",
		"Units on the shelf and on order today, against the reorder point (order when the position falls to it) and the order-up-to level.",
		[]string{"today"}, []chartSeries{{Name: "on hand", Values: []float64{det.Position.OnHand}}, {Name: "on order", Values: []float64{det.Position.OnOrder}}},
		units, 0, chartRef{Label: "reorder point", Value: det.ReorderPoint}, chartRef{Label: "order up to", Value: det.OrderUpTo})
	d.StockChart.EmptyText = "Nothing on the shelf or on order, and no reorder point yet."
	s.page(w, http.StatusOK, "inventory_item", newView(id, "Item "+string(det.Item.SKU), "inventory-items", d))
}

func (s *inventoryWeb) apiItems(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the items", errNoInventoryBot)
		return
	}
	st, err := s.inventory.Items(r.Context())
	if err != nil {
		s.failErr(w, r, "the items", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// apiItem returns one item; ?days= as on the page.
func (s *inventoryWeb) apiItem(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the item", errNoInventoryBot)
		return
	}
	det, err := s.inventory.Item(r.Context(), inventory.SKU(r.PathValue("sku")), itemDays(r))
	if err != nil {
		s.failErr(w, r, "the item", err)
		return
	}
	writeJSON(w, http.StatusOK, det)
}

// lotsDays reads ?days= (default 30); anything but a whole number is
// refused with what to send.
func lotsDays(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return 30, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.Errorf(fault.Invalid, "days must be a whole number of days from 1 to %d (it was %q).", inventory.MaxExpiringDays, v)
	}
	return n, nil
}

// lotsPageData is the use-first list.
type lotsPageData struct {
	Available bool
	Expiring  inventory.Expiring
	Value     float64 // of the lots listed, dollars
}

func (s *inventoryWeb) lotsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	d := lotsPageData{Available: s.inventory != nil}
	if s.inventory != nil {
		days, err := lotsDays(r)
		if err == nil {
			d.Expiring, err = s.inventory.ExpiringLots(r.Context(), days)
		}
		if err != nil {
			s.failErr(w, r, "the expiring lots", err)
			return
		}
		for _, l := range d.Expiring.Lots {
			d.Value += l.Value
		}
	}
	s.page(w, http.StatusOK, "inventory_lots", newView(id, "Expiring lots", "inventory-lots", d))
}

// apiLots lists the lots expiring within ?days= (default 30), use-first.
func (s *inventoryWeb) apiLots(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the expiring lots", errNoInventoryBot)
		return
	}
	days, err := lotsDays(r)
	if err == nil {
		var ex inventory.Expiring
		if ex, err = s.inventory.ExpiringLots(r.Context(), days); err == nil {
			writeJSON(w, http.StatusOK, ex)
			return
		}
	}
	s.failErr(w, r, "the expiring lots", err)
}
