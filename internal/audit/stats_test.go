package audit

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func TestRobustStatistics(t *testing.T) {
	r := robustOf([]float64{5, 1, 4, 2, 3, 1000})
	if r.Median != 3.5 || r.MAD != 1.5 || r.N != 6 {
		t.Errorf("robustOf = %+v; one outlier must not move it", r)
	}
	if z := r.z(10, 0); math.Abs(z-(10-3.5)/(1.4826*1.5)) > 1e-9 {
		t.Errorf("z = %v", z)
	}
	flat := robustOf([]float64{4, 4, 4, 4})
	if flat.MAD != 0 || flat.z(6, 1) != 2/1.4826 {
		t.Errorf("a constant baseline: %+v z=%v", flat, flat.z(6, 1))
	}
	if (Robust{}).N != 0 || robustOf(nil).Median != 0 {
		t.Error("empty sample")
	}
}

func TestZoneAndLocalDay(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	z := zone{loc: ny}
	for _, s := range []string{"2025-03-09T06:59:00Z", "2025-03-09T07:00:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z", "1969-12-31T23:00:00Z"} {
		u, _ := time.Parse(time.RFC3339, s)
		local := u.In(ny)
		d, m := localDay(z.local(u.Unix()))
		if d != claim.DateOf(local) || m != local.Hour()*60+local.Minute() {
			t.Errorf("%s: day %v minute %d, want %v %d", s, d, m, claim.DateOf(local), local.Hour()*60+local.Minute())
		}
	}
}

func TestInShift(t *testing.T) {
	cases := []struct {
		m, start, end, slack int
		want                 bool
	}{
		{8 * 60, 7 * 60, 19 * 60, 0, true},
		{20 * 60, 7 * 60, 19 * 60, 0, false},
		{19*60 + 30, 7 * 60, 19 * 60, 60, true},
		{3 * 60, 19 * 60, 7 * 60, 0, true}, // wraps past midnight
		{23 * 60, 19 * 60, 7 * 60, 0, true},
		{12 * 60, 19 * 60, 7 * 60, 60, false},
		{12 * 60, 0, 0, 0, true}, // a 24-hour shift
		{12 * 60, -1, -1, 0, false},
	}
	for _, c := range cases {
		if got := inShift(c.m, c.start, c.end, c.slack); got != c.want {
			t.Errorf("inShift(%d, %d, %d, %d) = %v", c.m, c.start, c.end, c.slack, got)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	same := []string{"12 Oak Street, Apt. 4", "12 OAK ST #4", "12 oak st apt 4", "12 Oak St. Unit 4", "12  Oak Street  # 4"}
	want, street := NormalizeAddress(same[0])
	for _, s := range same {
		if f, st := NormalizeAddress(s); f != want || st != street {
			t.Errorf("%q → %q / %q, want %q / %q", s, f, st, want, street)
		}
	}
	if street != "oak st" {
		t.Errorf("street %q", street)
	}
	if f, _ := NormalizeAddress("12 Oak Avenue Apt 4"); f == want {
		t.Error("Avenue and Street compared equal")
	}
	for in, want := range map[string]string{"02134-1234": "02134", "2134": "02134", "abc": "", "021": ""} {
		if got := NormalizeZIP(in); got != want {
			t.Errorf("NormalizeZIP(%q) = %q", in, got)
		}
	}
	if NormalizeSurname("O'Brien") != NormalizeSurname("OBRIEN") {
		t.Error("surname normalisation")
	}
}

// TestIDTable checks the table against a map: short and long keys, growth.
func TestIDTable(t *testing.T) {
	var tab idTable
	want := make(map[string]int32)
	for i := range 5000 {
		k := fmt.Sprintf("P%06d", i*7919%100000)
		if i%10 == 0 {
			k = strings.Repeat("long-key-", 4) + k
		}
		if i%13 == 0 {
			k = ""
		}
		if _, ok := want[k]; !ok {
			want[k] = int32(len(want))
		}
		if got := tab.internBytes([]byte(k)); got != want[k] {
			t.Fatalf("intern(%q) = %d, want %d", k, got, want[k])
		}
	}
	for k, v := range want {
		if got, ok := tab.lookup(k); !ok || got != v || tab.names[v] != k {
			t.Fatalf("lookup(%q) = %d %v", k, got, ok)
		}
	}
	if _, ok := tab.lookup("absent"); ok {
		t.Error("found a key never added")
	}
}
