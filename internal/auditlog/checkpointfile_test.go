package auditlog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckpointFileRoundTrip(t *testing.T) {
	s, v := keys(t, "rcmbot-audit")
	_, other := keys(t, "rcmbot-audit")
	path := filepath.Join(t.TempDir(), "sub", "checkpoints.log")
	f := NewCheckpointFile(path)
	l, _ := buildLog(t, nil)
	ctx := context.Background()
	for i := range int64(5) {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
		msg, _, err := l.Checkpoint(ctx, origin, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), s)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.AppendCheckpoint(msg); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", fi, err)
	}
	cps, err := ReadCheckpoints(path)
	if err != nil || len(cps) != 5 {
		t.Fatalf("read %d checkpoints: %v", len(cps), err)
	}
	for i, c := range cps {
		cp, err := OpenCheckpoint(c.Signed, v)
		if err != nil || cp.Size != int64(i+1) {
			t.Errorf("checkpoint %d (%s): size %d, %v", i, c.Source, cp.Size, err)
		}
		if _, err := OpenCheckpoint(c.Signed, other); !IsMismatch(err) {
			t.Errorf("another key's verifier accepted checkpoint %d: %v", i, err)
		}
	}
	if cps[0].Source != "checkpoints.log:1" || !strings.HasSuffix(cps[1].Source, ":7") {
		t.Errorf("sources %s %s", cps[0].Source, cps[1].Source)
	}
	if err := f.AppendCheckpoint([]byte("no newline")); err == nil {
		t.Error("a note without its final newline was appended")
	}
	if cps, err := ReadCheckpoints(filepath.Join(t.TempDir(), "none")); err != nil || cps != nil {
		t.Errorf("missing file: %v %v", cps, err)
	}
}

func TestParseCheckpointsSplitsGarbage(t *testing.T) {
	s, v := keys(t, "rcmbot-audit")
	l, _ := buildLog(t, records(3))
	msg, _, err := l.Checkpoint(context.Background(), origin, time.Time{}, s)
	if err != nil {
		t.Fatal(err)
	}
	// A note an attacker appended is a note of its own that fails, and
	// does not swallow or break the genuine ones around it.
	in := "\n" + string(msg) + "forged\n9\nroot\n\n— rcmbot-audit AAAA\n" + string(msg)
	cps, err := ParseCheckpoints(strings.NewReader(in), "f")
	if err != nil || len(cps) != 3 {
		t.Fatalf("%d notes: %v", len(cps), err)
	}
	for i, want := range []bool{true, false, true} {
		_, err := OpenCheckpoint(cps[i].Signed, v)
		if (err == nil) != want {
			t.Errorf("note %d (%q): %v", i, cps[i].Signed, err)
		}
	}
}

func TestSampleKeepsNewestAndSpreads(t *testing.T) {
	var cps []Trusted
	for i := range 100 {
		cps = append(cps, Trusted{Source: string(rune('a' + i%26)), Signed: []byte{byte(i)}})
	}
	got := Sample(cps, 5)
	var idx []byte
	for _, c := range got {
		idx = append(idx, c.Signed[0])
	}
	if !bytes.Equal(idx, []byte{0, 24, 49, 74, 99}) {
		t.Errorf("sampled %v", idx)
	}
	if len(Sample(cps[:3], 5)) != 3 {
		t.Error("a short list is kept whole")
	}
}

func FuzzParseCheckpoints(f *testing.F) {
	f.Add("rcmbot\n1\nAAAA\n\n— k abc\n— k def\nnext\n\n— k x\n")
	f.Add("\n\n\n")
	f.Add("— \n\n")
	f.Fuzz(func(t *testing.T, in string) {
		cps, err := ParseCheckpoints(strings.NewReader(in), "f")
		if err != nil {
			return
		}
		var total int
		for _, c := range cps {
			if len(c.Signed) == 0 || c.Signed[len(c.Signed)-1] != '\n' {
				t.Fatalf("note %q", c.Signed)
			}
			total += len(strings.TrimSpace(string(c.Signed)))
		}
		if total > len(in) {
			t.Fatalf("notes hold more than the input")
		}
	})
}
