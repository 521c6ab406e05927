package opaqueid

import (
	"strings"
	"testing"
)

func TestNewIsSortableAndUnique(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 2000; i++ {
		id := New("b-")
		if len(id) != 28 || !strings.HasPrefix(id, "b-") || seen[id] {
			t.Fatalf("bad or repeated ID %q", id)
		}
		seen[id] = true
		if id[:12] < prev[:min(12, len(prev))] {
			t.Fatalf("time part went backwards: %s after %s", id, prev)
		}
		prev = id
	}
}
