package invfile

import (
	"bytes"
	"testing"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

// The readers must never panic, and every row they keep must be valid.

func FuzzReadItems(f *testing.F) {
	f.Add([]byte("sku,unit_cost,lead_time_days,order_multiple,shelf_life_days,target_fill_rate\nA,1,7,10,30,0.95\nB,x,0,,,\n"))
	f.Add([]byte("Item Code;Unit Price;Lead Time\n\"A;1\";$1,000;3 days\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ReadItems(bytes.NewReader(b), int64(len(b)), "items.csv", Options{})
		if err != nil {
			return
		}
		for _, ir := range got.Items {
			if err := ir.Item.Validate(); err != nil {
				t.Fatalf("kept an invalid item %+v: %v", ir.Item, err)
			}
		}
	})
}

func FuzzScanUsage(f *testing.F) {
	f.Add([]byte("date,sku,quantity\n2026-01-01,A,3\n1/2/26,A,1.5\n"))
	f.Add([]byte("date\tsku\tquantity\n46000\tB\t-1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ScanUsage(bytes.NewReader(b), int64(len(b)), "usage.csv", Options{}, func(_ int, u inventory.Usage) {
			if u.SKU == "" || u.Quantity < 0 || u.Day == 0 {
				t.Fatalf("passed on a bad record %+v", u)
			}
		})
	})
}

func FuzzReadCounts(f *testing.F) {
	f.Add([]byte("sku,location,counted,lot,expires\nA,Main,3,L1,2027-01-01\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ReadCounts(bytes.NewReader(b), int64(len(b)), "counts.csv", Options{})
		if err != nil {
			return
		}
		for _, c := range got.Counts {
			if c.SKU == "" || c.Location == "" || c.Counted < 0 {
				t.Fatalf("kept a bad count %+v", c)
			}
		}
	})
}
