package inventorybot

import (
	"context"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

func reader(s string) (*strings.Reader, int64) { return strings.NewReader(s), int64(len(s)) }

// Imports store the good rows, report the bad ones by file, row and
// column, and recognise a cycle count imported twice.
func TestImports(t *testing.T) {
	ctx := context.Background()
	s := &Service{DB: storetest.Open(t)}
	items := "Item Code,Description,Unit Price,Lead Time (days),on_hand,supplier_id\n" +
		"GLV-M,Gloves M,8.5,3,40,\n" +
		"VAC-FLU,Flu vaccine,19.25,5,12,mckesson\n" +
		"BAD-1,Broken,free,3,1,\n"
	r, n := reader(items)
	res, err := s.ImportItems(ctx, r, n, "items.csv", ItemImport{Supplier: "medline", Location: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stored != 2 || len(res.Errors) != 1 || res.Errors[0].Row != 4 || !strings.Contains(res.Errors[0].Error(), "items.csv") {
		t.Fatalf("items: %+v", res)
	}
	stored, _ := s.DB.InventoryItems(ctx)
	if len(stored) != 2 || stored[0].SupplierID != "medline" || stored[1].SupplierID != "mckesson" {
		t.Errorf("items stored: %+v", stored)
	}
	sups, _ := s.DB.Suppliers(ctx)
	if len(sups) != 2 {
		t.Errorf("suppliers: %+v", sups)
	}
	lots, _ := s.DB.Lots(ctx)
	if len(lots) != 2 || lots[0].Location != "main" || lots[0].Quantity != 40 {
		t.Errorf("on hand as a count: %+v", lots)
	}

	count := "sku,location,counted,lot,expires\nVAC-FLU,fridge,30,L9,2027-01-31\nNOPE-1,fridge,\n"
	r, n = reader(count)
	res, err = s.ImportCounts(ctx, r, n, "count.csv")
	if err != nil || res.Stored != 1 || len(res.Errors) != 1 {
		t.Fatalf("count: %+v %v", res, err)
	}
	r, n = reader(count)
	if res, err = s.ImportCounts(ctx, r, n, "count-again.csv"); err != nil || res.Stored != 0 || res.Repeated != 1 {
		t.Errorf("count again: %+v %v", res, err)
	}
	r, n = reader("sku,location,counted\nUNKNOWN,fridge,3\n")
	if _, err = s.ImportCounts(ctx, r, n, "other.csv"); fault.CodeOf(err) != fault.Invalid || !strings.Contains(fault.MessageOf(err), "UNKNOWN") {
		t.Errorf("count of an unknown item: %v", err)
	}

	usage := "date,sku,quantity\n2026-03-01,GLV-M,3\n2026-03-02,VAC-FLU,1\n2026-03-01,GLV-M,2\nsoon,GLV-M,1\n"
	r, n = reader(usage)
	if res, err = s.ImportUsage(ctx, r, n, "usage.csv"); err != nil || res.Stored != 2 || len(res.Errors) != 1 || res.Errors[0].Row != 5 {
		t.Errorf("usage: %+v %v", res, err)
	}
	got, _ := s.DB.UsageBetween(ctx, claim.MustDate("2026-01-01"), claim.MustDate("2026-12-31"))
	if len(got) != 2 || got[0].Quantity != 5 {
		t.Errorf("usage stored: %+v", got)
	}

	r, n = reader("nothing,here\n1,2\n")
	if _, err := s.ImportUsage(ctx, r, n, "usage.csv"); fault.CodeOf(err) != fault.Invalid || !strings.Contains(fault.MessageOf(err), "usage.csv") {
		t.Errorf("a file without the columns: %v", err)
	}
}

// Without Temporal or a signing key, decisions are refused as unavailable,
// and an unknown order is not found.
func TestDecisionsNeedTheBot(t *testing.T) {
	ctx := context.Background()
	s := &Service{DB: storetest.Open(t)}
	if _, err := s.Approve(ctx, "PO-1", "pat", inventory.RoleAdmin, nil); fault.CodeOf(err) != fault.Unavailable {
		t.Errorf("approve without Temporal: %v", err)
	}
	if _, err := s.StartReview(ctx); fault.CodeOf(err) != fault.Unavailable {
		t.Errorf("review without Temporal: %v", err)
	}
	if _, err := s.Reject(ctx, "PO-1", "pat", inventory.RoleAdmin, ""); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("reject without a reason: %v", err)
	}
	if _, err := s.Order(ctx, "PO-1"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown order: %v", err)
	}
}
