package auditlog

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

var update = flag.Bool("update", false, "rewrite the demo files under fixtures/audit/log")

const fixtureDir = "../../fixtures/audit/log"

// demoLog builds the demo log deterministically: 60 records (PHI accesses
// and case decisions) over two days, checkpointed at the end of each, and
// signed with a demo key derived from a fixed seed (fictional data: the
// key protects nothing).
func demoLog(t *testing.T) (files map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.NewChaCha8([32]byte([]byte("rcmbot demo audit key, not secret"))), "rcmbot-audit-demo")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	const demoOrigin = "rcmbot audit log (demo)"
	var recs []Record
	store := &MemoryHashes{}
	l := Open(store, 0)
	files = map[string][]byte{"audit.vkey": []byte(vkey + "\n")}
	start := time.Date(2025, 3, 3, 13, 0, 0, 0, time.UTC)
	var sizes []int64
	for i := int64(0); i < 60; i++ {
		at := start.Add(time.Duration(i) * 17 * time.Minute)
		if i >= 25 {
			at = at.Add(24 * time.Hour)
		}
		r := Record{Index: i, Kind: KindAccess, Body: fmt.Sprintf(`{"seq":%d,"at":"%s","user_id":"U%04d","action":"view_claim","batch_id":"B%03d","patient_id":"P%06d","outcome":"allowed"}`,
			i+1, at.Format(time.RFC3339), 1+i%6, 1+i/10, 1000+i*37)}
		if i%10 == 9 {
			r.Kind = KindDecision
			r.Body = fmt.Sprintf(`{"alert":"A%04d","rule":"vip","disposition":"appropriate","by":"U0099","at":"%s"}`, i, at.Format(time.RFC3339))
		}
		recs = append(recs, r)
		if err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
		if i == 24 || i == 59 {
			msg, _, err := l.Checkpoint(ctx, demoOrigin, at.Add(time.Hour), signer)
			if err != nil {
				t.Fatal(err)
			}
			files[fmt.Sprintf("checkpoint-day%d.txt", len(sizes)+1)] = msg
			sizes = append(sizes, l.Size())
			files["own"] = msg
		}
	}
	var b bytes.Buffer
	i := 0
	if err := ExportLog(ctx, &b, l, demoOrigin, files["own"], sizes[:1], func() (Record, error) { i++; return recs[i-1], nil }); err != nil {
		t.Fatal(err)
	}
	files["export.jsonl"] = b.Bytes()
	files["export-edited.jsonl"] = bytes.Replace(b.Bytes(), []byte(`"U0002\",\"action\":\"view_claim\",\"batch_id\":\"B004\"`), []byte(`"U0005\",\"action\":\"view_claim\",\"batch_id\":\"B004\"`), 1)
	delete(files, "own")
	return files
}

// TestDemoFixture checks the committed demo of 'rcmbot audit verify':
// the export verifies against both checkpoints, and the edited copy (one
// record's user changed) does not.
func TestDemoFixture(t *testing.T) {
	want := demoLog(t)
	if bytes.Equal(want["export.jsonl"], want["export-edited.jsonl"]) {
		t.Fatal("the edited demo export is not edited")
	}
	if *update {
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(fixtureDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s differs from what demoLog makes (run go test ./internal/auditlog -run TestDemoFixture -update): %v", name, err)
		}
	}
	v, err := note.NewVerifier(string(bytes.TrimSpace(want["audit.vkey"])))
	if err != nil {
		t.Fatal(err)
	}
	trusted := []Trusted{{"checkpoint-day1.txt", want["checkpoint-day1.txt"]}, {"checkpoint-day2.txt", want["checkpoint-day2.txt"]}}
	rep, err := Verify(bytes.NewReader(want["export.jsonl"]), v, trusted)
	if err != nil || !rep.OK() {
		t.Fatalf("the demo export: %+v %v", rep, err)
	}
	rep, err = Verify(bytes.NewReader(want["export-edited.jsonl"]), v, trusted)
	if err != nil {
		t.Fatal(err)
	}
	mustDetect(t, rep, "the change lies in records 25 to 59")
}
