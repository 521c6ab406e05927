package inventory

import (
	"cmp"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Lot is a quantity of one item at one location that arrived together and
// expires together.
type Lot struct {
	SKU      SKU        `json:"sku"`
	Location string     `json:"location"`
	Number   string     `json:"lot"` // the manufacturer's lot number; "" when not tracked
	Quantity float64    `json:"quantity"`
	Received claim.Date `json:"received"`
	// Expires is the first day the lot may no longer be used; zero means
	// it does not expire. For an item with a shelf life, Expires =
	// Received + ShelfLifeDays (ExpiryFor).
	Expires claim.Date `json:"expires,omitempty"`
	// Counted is the day of the lot's last cycle count (zero: never
	// counted). The count already reflects usage up to that day, so
	// usage of earlier days is not issued from the lot.
	Counted claim.Date `json:"counted,omitempty"`
}

// ExpiryFor returns the expiry of a lot of it received on day r: the first
// day it is no longer usable, or zero for an item that does not expire.
func ExpiryFor(it Item, r claim.Date) claim.Date {
	if it.ShelfLifeDays <= 0 {
		return 0
	}
	return r.AddDays(it.ShelfLifeDays)
}

// UsableOn reports whether the lot may be issued on day d.
func (l Lot) UsableOn(d claim.Date) bool { return l.Expires == 0 || d < l.Expires }

// Stock is the lots of one item at one location, kept in issue order:
// first-expiring-first, lots that do not expire last, ties by receipt.
type Stock struct {
	lots []Lot
}

// NewStock returns the stock made of lots (copied), in issue order.
func NewStock(lots ...Lot) *Stock {
	s := &Stock{lots: slices.Clone(lots)}
	slices.SortStableFunc(s.lots, compareIssueOrder)
	return s
}

// compareIssueOrder orders lots first-expiring-first.
func compareIssueOrder(a, b Lot) int {
	switch {
	case a.Expires == b.Expires:
		return cmp.Compare(a.Received, b.Received)
	case a.Expires == 0:
		return 1
	case b.Expires == 0:
		return -1
	}
	return cmp.Compare(a.Expires, b.Expires)
}

// Lots returns the lots in issue order; the caller must not change them.
func (s *Stock) Lots() []Lot { return s.lots }

// OnHand returns the total quantity of the lots.
func (s *Stock) OnHand() float64 {
	var q float64
	for _, l := range s.lots {
		q += l.Quantity
	}
	return q
}

// Receive adds a lot.
func (s *Stock) Receive(l Lot) {
	if l.Quantity <= 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(s.lots, l, func(a, b Lot) int {
		if c := compareIssueOrder(a, b); c != 0 {
			return c
		}
		return -1 // after lots that compare equal: stable
	})
	s.lots = slices.Insert(s.lots, i, l)
}

// Expire removes the lots no longer usable on day d and returns them (the
// waste).
func (s *Stock) Expire(d claim.Date) []Lot {
	var gone []Lot
	keep := s.lots[:0]
	for _, l := range s.lots {
		if l.UsableOn(d) {
			keep = append(keep, l)
		} else {
			gone = append(gone, l)
		}
	}
	s.lots = keep
	return gone
}

// Issue is the part of a demand met from one lot.
type Issue struct {
	Lot      Lot     `json:"lot"` // the lot as it was before the issue
	Quantity float64 `json:"quantity"`
}

// Issue meets up to q units of demand on day d first-expiring-first from
// lots usable that day. It returns the issues made and the quantity it
// could not meet (a stock-out, lost: the clinic uses something else).
func (s *Stock) Issue(q float64, d claim.Date) (issues []Issue, short float64) {
	keep := s.lots[:0]
	for _, l := range s.lots {
		if q > 0 && l.UsableOn(d) {
			take := min(q, l.Quantity)
			issues = append(issues, Issue{Lot: l, Quantity: take})
			q -= take
			l.Quantity -= take
		}
		if l.Quantity > 0 {
			keep = append(keep, l)
		}
	}
	s.lots = keep
	return issues, max(q, 0)
}

// IssueFEFO meets q units of an item's demand on day d from its lots
// (every location), first-expiring-first, lots that do not expire last
// (Stock.Issue). Lots received or counted after d are not touched: they
// did not exist yet, or their count already reflects the day's usage; nor
// are lots no longer usable on d. It returns the issues made, in issue
// order, and the demand left unmet. known says whether the stock of the
// item on d is known at all (some lot received and not counted since by
// then, empty or not): without it the unmet part is not a stock-out but
// usage the lots never saw (history before the first count or receipt).
func IssueFEFO(lots []Lot, q float64, d claim.Date) (issues []Issue, unmet float64, known bool) {
	var open []Lot
	for _, l := range lots {
		if l.Received > d || l.Counted > d {
			continue
		}
		known = true
		if l.Quantity > 0 {
			open = append(open, l)
		}
	}
	if !known {
		return nil, 0, false
	}
	issues, unmet = NewStock(open...).Issue(q, d)
	return issues, unmet, true
}

// ExpiringWithin returns the lots still usable on day d that expire within
// n days of it (Expires ≤ d+n): the use-first list.
func (s *Stock) ExpiringWithin(d claim.Date, n int) []Lot {
	var out []Lot
	for _, l := range s.lots {
		if l.Expires != 0 && l.UsableOn(d) && l.Expires <= d.AddDays(n) {
			out = append(out, l)
		}
	}
	return out
}

// Position is what a reorder decision looks at for one item.
type Position struct {
	OnHand float64 `json:"on_hand"` // usable stock in every location
	// OnOrder is what open purchase orders will still deliver: ordered
	// minus received, including lines the supplier has backordered (they
	// are still coming) and excluding rejected or cancelled ones.
	OnOrder float64 `json:"on_order"`
	// Backorders is demand already promised and not yet issued (a request
	// from a department that will be filled from the next delivery).
	Backorders float64 `json:"backorders"`
}

// Inventory returns the inventory position: on hand + on order −
// backorders.
func (p Position) Inventory() float64 { return p.OnHand + p.OnOrder - p.Backorders }
