package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// TestInventoryStockCommands: items, lots and report from the command
// line on a real SQLite store (no Temporal needed).
func TestInventoryStockCommands(t *testing.T) {
	write := sqliteDataDir(t)
	today := claim.DateOf(time.Now().UTC())
	items := write("items.csv", "sku,description,unit_cost,lead_time_days,shelf_life_days,on_hand\nGLV-M,Gloves M,2,3,,500\nVAC-FLU,Flu vaccine,20,5,365,1\n")
	var usage strings.Builder
	usage.WriteString("date,sku,quantity\n")
	for d := 1; d <= 60; d++ {
		fmt.Fprintf(&usage, "%s,GLV-M,10\n%s,VAC-FLU,%d\n", today.AddDays(-d), today.AddDays(-d), 2+d%3)
	}
	counts := write("counts.csv", fmt.Sprintf("sku,location,counted,lot,expires\nVAC-FLU,fridge,6,L9,%s\n", today.AddDays(12)))
	for _, args := range [][]string{
		{"inventory", "import", "items", items, "--supplier", "acme", "--location", "main"},
		{"inventory", "import", "usage", write("usage.csv", usage.String())},
		{"inventory", "import", "counts", counts},
	} {
		if out, errOut, code := run(t, args...); code != 0 {
			t.Fatalf("%v: %d %s %s", args, code, out, errOut)
		}
	}

	out, errOut, code := run(t, "inventory", "items")
	if code != 0 || !strings.Contains(out, "REORDER POINT") || !strings.Contains(out, "GLV-M") || !strings.Contains(out, "at_risk") ||
		!strings.Contains(out, "POLICY COMPUTED") || len(regexp.MustCompile(`(?m)%\s+now$`).FindAllString(out, -1)) != 2 {
		t.Fatalf("items (no review yet: every policy computed now): %d %s %s", code, out, errOut)
	}
	out, _, code = run(t, "inventory", "items", "--sku", "VAC-FLU", "--days", "30", "--json")
	var det struct {
		Status   string
		Position struct {
			OnHand float64 `json:"on_hand"`
		}
		Usage struct{ Qty []float64 }
	}
	if err := json.Unmarshal([]byte(out), &det); err != nil || code != 0 || len(det.Usage.Qty) != 30 || det.Position.OnHand != 7 {
		t.Fatalf("item: %d %v %s", code, err, out)
	}
	if _, errOut, code := run(t, "inventory", "items", "--sku", "NOPE"); code != 1 || !strings.Contains(errOut, "There is no item NOPE") {
		t.Errorf("unknown item: %d %s", code, errOut)
	}
	out, _, code = run(t, "inventory", "lots", "--days", "30")
	if code != 0 || !strings.Contains(out, "L9") || !strings.Contains(out, "$120.00") {
		t.Errorf("lots: %d %s", code, out)
	}
	if _, errOut, code := run(t, "inventory", "lots", "--days", "0"); code != 1 || !strings.Contains(errOut, "from 1 to 365") {
		t.Errorf("lots 0 days: %d %s", code, errOut)
	}
	out, _, code = run(t, "inventory", "report", "--weeks", "4", "--json")
	var rep struct {
		Days  int
		Total struct {
			Used       float64
			StockValue float64 `json:"stock_value"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.Total.StockValue != 500*2+7*20 || rep.Days < 22 || rep.Days > 28 {
		t.Fatalf("report: %d %v %s", code, err, out)
	}
	if out, _, code := run(t, "inventory", "report", "--weeks", "1"); code != 0 || !strings.Contains(out, "total") || !strings.Contains(out, "FILL RATE") {
		t.Errorf("report table: %d %s", code, out)
	}

	// Today's usage after the counts is issued from the 7 vials on the
	// shelf; 3 of the 10 could not be met.
	today10 := write("today.csv", fmt.Sprintf("date,sku,quantity\n%s,VAC-FLU,10\n", today))
	if out, errOut, code := run(t, "inventory", "import", "usage", today10); code != 0 ||
		!strings.Contains(out, "1 stored, 0 rows refused") || !strings.Contains(out, "3 units of demand on 1 item-days were more than the lots on the shelf held") {
		t.Fatalf("usage of today: %d %s %s", code, out, errOut)
	}
	out, _, code = run(t, "inventory", "items", "--sku", "VAC-FLU", "--json")
	if err := json.Unmarshal([]byte(out), &det); err != nil || code != 0 || det.Position.OnHand != 0 {
		t.Errorf("item after today's usage: %d %v %s", code, err, out)
	}
}
