package x12

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestDescribe reads every shared sample and fixture into JSON with the
// reader its ST01 calls for.
func TestDescribe(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedSamples(t), "*", "*", "*"))
	fixtures, _ := filepath.Glob(fixturePath("*"))
	want := map[string]string{"270": "*x12.Document270", "271": "*x12.Document271", "277": "*x12.Document277CA",
		"837": "*x12.Document837", "999": "*x12.Document999", "835": "*x12.GenericDocument", "276": "*x12.GenericDocument"}
	seen := map[string]bool{}
	for _, f := range append(files, fixtures...) {
		if strings.HasSuffix(f, "LICENSE") || strings.HasSuffix(f, ".md") || strings.Contains(f, "no_isa_line") {
			continue
		}
		desc, err := Describe(mustRead(t, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		w := want[desc.Transaction]
		if strings.Contains(f, "X212") || strings.Contains(f, "x212") {
			w = "*x12.GenericDocument" // a claim status response is not a 277CA
		}
		if got := reflect.TypeOf(desc.Document).String(); got != w {
			t.Errorf("%s: ST01 %s read as %s", f, desc.Transaction, got)
		}
		seen[desc.Transaction] = true
		b, err := json.Marshal(desc)
		if err != nil || !strings.Contains(string(b), `"transaction":"`+desc.Transaction+`"`) {
			t.Errorf("%s: JSON %v %.200s", f, err, b)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("transaction sets seen: %v", seen)
	}
	desc, err := Describe(readSample(t, "lfh/271_005010X279A1/subscriber-health-benefit-check.271"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(desc)
	for _, frag := range []string{`"info":"B"`, `"amount":"10.00"`, `"in_network":"Y"`, `"service_types":["1","33","35"`, `"entity_id":"P3"`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("271 JSON lacks %s", frag)
		}
	}
	if _, err := Describe([]byte("not x12")); err == nil {
		t.Error("garbage described")
	}
}
