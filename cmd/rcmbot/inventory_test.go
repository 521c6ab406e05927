package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runRcmbot runs the command line in-process and returns stdout, stderr
// and the exit status.
func runRcmbot(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("RCMBOT_DATA_DIR", t.TempDir())
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	code := 0
	var ee exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		errOut.WriteString(err.Error())
		code = 1
	}
	return out.String(), errOut.String(), code
}

const demoItems, demoUsage = "../../fixtures/inventory/items.csv", "../../fixtures/inventory/usage.csv"

func TestInventoryPolicyJSON(t *testing.T) {
	out, errOut, code := runRcmbot(t, "inventory", "policy", "--items", demoItems, "--usage", demoUsage, "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var rep struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 24 {
		t.Fatalf("%d items, want the demo's 24", len(rep.Items))
	}
	for _, it := range rep.Items {
		for _, f := range []string{"sku", "demand_class", "forecast_method", "daily_mean", "reorder_point", "order_up_to", "safety_stock", "expected_fill_rate"} {
			if _, ok := it[f]; !ok {
				t.Errorf("item %v has no %q", it["sku"], f)
			}
		}
		if s, S := it["reorder_point"].(float64), it["order_up_to"].(float64); S < s {
			t.Errorf("%v: order_up_to %v below reorder_point %v", it["sku"], S, s)
		}
	}
	// The same files give the same policies (the simulated futures are seeded).
	again, _, _ := runRcmbot(t, "inventory", "policy", "--items", demoItems, "--usage", demoUsage, "--format", "json")
	if again != out {
		t.Error("two runs on the same files differ")
	}
}

func TestInventoryPolicyBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A bad row: exit 2, the row on stderr, the other items computed.
	items := write("items.csv", "SKU,Unit_Cost,Lead_Time_Days,Target_Fill_Rate,Notes\nGLV-NIT-M,7.89,3,0.95,x\nSYR-3ML,abc,6,0.98,\n")
	usage := write("usage.csv", "date,sku,quantity\n2026-01-01,GLV-NIT-M,3\n2026-01-02,GLV-NIT-M,two\n2026-01-03,SYR-3ML,1\n2026-01-04,GLV-NIT-M,2\n")
	out, errOut, code := runRcmbot(t, "inventory", "policy", "--items", items, "--usage", usage, "--format", "json")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
	}
	want := []string{
		"items.csv row 3 column B (Unit_Cost): expected a unit cost above zero, such as 0.085 or $12.50",
		"usage.csv row 3 column C (quantity): expected a quantity used of zero or more",
	}
	if got := strings.Split(strings.TrimSpace(errOut), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, strings.Join(want, "\n"))
	}
	if strings.Contains(errOut, "abc") || strings.Contains(errOut, "two") {
		t.Error("an error repeats a cell's value")
	}
	var rep struct {
		Items  []struct{ SKU string } `json:"items"`
		Errors []struct{ Row int }    `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// GLV-NIT-M has a bad usage row, SYR-3ML a bad item row: both held.
	if len(rep.Items) != 0 || len(rep.Errors) != 2 {
		t.Errorf("report %+v", rep)
	}

	// A file unusable as a whole: exit 1 with one line.
	bad := write("bad.csv", "sku,unit_cost\nA,1\n")
	_, errOut, code = runRcmbot(t, "inventory", "policy", "--items", bad, "--usage", usage)
	if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 ||
		!strings.Contains(errOut, "bad.csv: the item master is missing column lead_time_days") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	pdf := write("usage.pdf", "%PDF-1.4")
	_, errOut, code = runRcmbot(t, "inventory", "policy", "--items", items, "--usage", pdf)
	if code != 1 || !strings.Contains(errOut, "usage.pdf: this is a PDF") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestParseSeeds(t *testing.T) {
	for in, want := range map[string][]uint64{"1-3": {1, 2, 3}, "4": {4}, "1, 4,7": {1, 4, 7}, "5-5": {5}} {
		got, err := parseSeeds(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "3-1", "a-b", "1,x", "1-1000"} {
		if _, err := parseSeeds(in); err == nil || !strings.Contains(err.Error(), "--seeds") {
			t.Errorf("%q: %v, want an error naming --seeds", in, err)
		}
	}
	_, errOut, code := runRcmbot(t, "inventory", "bench", "--seed", "2", "--seeds", "1-2")
	if code != 1 || !strings.Contains(errOut, "give one") {
		t.Errorf("--seed with --seeds: exit %d, %q", code, errOut)
	}
}
