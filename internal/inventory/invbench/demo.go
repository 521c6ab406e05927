package invbench

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

// demoItems name the demo's supplies; patterns cycle as in Cases.
var demoItems = []struct{ sku, description string }{
	{"GLV-NIT-M", "Nitrile exam gloves, medium (box of 100)"},
	{"SYR-3ML", "Syringe 3 mL Luer-lock"},
	{"SUT-4-0", "Suture kit 4-0 nylon"},
	{"VAX-TDAP", "Tdap vaccine, single-dose vial"},
	{"GAUZE-4X4", "Gauze sponges 4x4 (pack of 200)"},
	{"SPEC-URINE", "Urine specimen cup, sterile"},
	{"ALC-PREP", "Alcohol prep pads (box of 200)"},
	{"BANDAGE-AST", "Adhesive bandages, assorted"},
	{"NDL-25G", "Hypodermic needle 25G 1 in"},
	{"VAX-FLU-QIV", "Influenza vaccine, prefilled syringe"},
	{"TONGUE-DEP", "Tongue depressors (box of 500)"},
	{"EKG-ELEC", "ECG electrodes (pack of 30)"},
	{"STRIP-GLU", "Glucose test strips (vial of 50)"},
	{"CAST-PAD", "Cast padding 3 in"},
	{"LIDO-1PCT", "Lidocaine 1% 20 mL vial"},
	{"MASK-PROC", "Procedure masks (box of 50)"},
	{"SPLINT-FNG", "Finger splint, aluminium"},
	{"SWAB-NP", "Nasopharyngeal swab with transport medium"},
	{"PAPER-TBL", "Exam table paper roll"},
	{"SHARPS-1G", "Sharps container 1 gal"},
	{"KETOROLAC", "Ketorolac 30 mg/mL vial"},
	{"CATH-IV-22", "IV catheter 22G"},
	{"TB-PPD", "Tuberculin PPD 5 TU vial"},
	{"OTOSCOPE-TIP", "Otoscope specula (bag of 850)"},
}

// WriteDemo writes a demo item master (items.csv, the offline report's
// columns) and two years of daily usage (usage.csv, rows for days with
// usage only) for up to 24 clinic supplies, drawn like the benchmark's
// items, to dir. The usage ends the day before end.
func WriteDemo(dir string, items int, seed uint64, end string) error {
	items = min(items, len(demoItems))
	s := Settings{Seed: seed, Items: items, Days: 730, Start: end}.withDefaults()
	first := s.start().AddDays(-s.Days)
	s.Start = first.String()
	cases := Cases(s)
	f, err := os.Create(filepath.Join(dir, "items.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"sku", "description", "unit_cost", "order_cost", "lead_time_days", "lead_time_sd_days",
		"order_multiple", "min_order_qty", "shelf_life_days", "target_fill_rate", "on_hand"})
	for i, c := range cases {
		it := c.Item
		it.SKU, it.Description = inventory.SKU(demoItems[i].sku), demoItems[i].description
		cases[i].Item = it
		var recent float64
		for _, d := range c.Demand[len(c.Demand)-30:] {
			recent += d
		}
		shelf := ""
		if it.ShelfLifeDays > 0 {
			shelf = strconv.Itoa(it.ShelfLifeDays)
		}
		_ = w.Write([]string{string(it.SKU), it.Description, num(it.UnitCost), num(it.OrderCost), num(it.LeadTime.MeanDays),
			num(it.LeadTime.SDDays), num(it.OrderMultiple), num(it.MinOrderQty), shelf, num(it.TargetFillRate),
			num(math.Round(recent / 3))})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	u, err := os.Create(filepath.Join(dir, "usage.csv"))
	if err != nil {
		return err
	}
	w = csv.NewWriter(u)
	_ = w.Write([]string{"date", "sku", "quantity"})
	for t := range s.Days {
		day := first.AddDays(t).String()
		for _, c := range cases {
			if q := c.Demand[t]; q > 0 {
				_ = w.Write([]string{day, string(c.Item.SKU), num(q)})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		u.Close()
		return err
	}
	return u.Close()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// DemoCommand is how the committed demo files were made.
const DemoCommand = "go run ./fixtures/inventory/gen -o fixtures/inventory -items 24 -seed 11 -end 2026-12-01"
