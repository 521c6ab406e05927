// Package inventory is the inventory bot's domain: supply items, the
// supply rooms that hold them in lots with expiry dates, the suppliers
// that sell them with a lead time and an order cut-off, daily usage, and
// the purchase orders the bot proposes, has approved, sends and receives.
// It imports no Temporal, HTTP or SQL: the workflows, activities, store
// and web app share its types and status vocabularies.
//
// Two ideas hold it together. Stock is issued first-expiring-first
// (Stock.Issue), so the lot that would be thrown away soonest is used
// first. And reorder decisions look at the inventory position (on hand +
// on order − backorders, see Position), never at the shelf alone, or the
// bot would re-order what is already on its way.
//
// The subpackages do the arithmetic: forecast classifies each item's
// demand and picks a forecast method by backtest; policy turns the
// forecast into a reorder point and order-up-to level for a target fill
// rate; invfile reads item masters, usage exports and cycle counts;
// invbench measures the policy against the usual min/max rules.
package inventory
