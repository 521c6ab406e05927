package scrub

import (
	"reflect"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// TestConcurrentScrubsMatchSerial scrubs several batches from many
// goroutines on one Scrubber, each batch several times and with Rescrub
// interleaved, and compares every report with the one a serial run gives.
// Run it with -race: the scorer keeps per-call state, so the claims
// activities share one Scrubber without a lock.
func TestConcurrentScrubsMatchSerial(t *testing.T) {
	ref := starter(t)
	s := newScrubber(t, ref)
	const batches = 6
	inputs := make([][]claim.Claim, batches)
	ctxs := make([]Context, batches)
	want := make([]Report, batches)
	wantRescrub := make([]Result, batches)
	for i := range inputs {
		inputs[i] = benchBatch(120+40*i, ref)
		ctxs[i] = Context{Today: today, History: benchHistory(inputs[i])}
		want[i] = s.Scrub(inputs[i], ctxs[i])
		wantRescrub[i] = s.Rescrub(inputs[i], 9, ctxs[i])
	}
	flagged := 0
	for _, r := range want {
		flagged += r.Summary.Flagged
	}
	if flagged == 0 {
		t.Fatal("the batches have no findings: the comparison would prove nothing")
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*batches)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < batches; k++ {
				i := (g + k) % batches
				if got := s.Scrub(inputs[i], ctxs[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- "Scrub differs from the serial run"
				}
				if got := s.Rescrub(inputs[i], 9, ctxs[i]); !reflect.DeepEqual(got, wantRescrub[i]) {
					errs <- "Rescrub differs from the serial run"
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
