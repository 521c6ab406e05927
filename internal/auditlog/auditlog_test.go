package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const origin = "rcmbot audit log test"

// testKey is the audit key of the tests; attackerKey is someone else's.
func keys(t *testing.T, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func record(i int64) Record {
	kind := KindAccess
	if i%7 == 6 {
		kind = KindDecision
	}
	return Record{Index: i, Kind: kind, Body: fmt.Sprintf(`{"seq":%d,"user":"u%02d","patient":"P%04d","action":"view_claim"}`, i+1, i%5, i*13)}
}

func records(n int64) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = record(int64(i))
	}
	return out
}

func buildLog(t *testing.T, recs []Record) (*Log, *MemoryHashes) {
	t.Helper()
	store := &MemoryHashes{}
	l := Open(store, 0)
	if err := l.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	return l, store
}

func TestFrontierMatchesTreeHash(t *testing.T) {
	ctx := context.Background()
	l, _ := buildLog(t, nil)
	var f frontier
	for n := int64(0); n <= 300; n++ {
		want, err := l.Root(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.root(); got != want {
			t.Fatalf("size %d: frontier root %v, tlog %v", n, got, want)
		}
		r := record(n)
		if err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
		f.add(r.Hash())
	}
}

func TestInclusionAndConsistencyProofs(t *testing.T) {
	ctx := context.Background()
	recs := records(77)
	l, _ := buildLog(t, recs)
	for _, size := range []int64{1, 2, 13, 64, 77} {
		root, err := l.Root(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i < size; i++ {
			p, err := l.ProveRecord(ctx, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckRecord(p, size, root, i, recs[i].Hash()); err != nil {
				t.Errorf("record %d in tree %d: %v", i, size, err)
			}
			forged := recs[i]
			forged.Body += " "
			if tlog.CheckRecord(p, size, root, i, forged.Hash()) == nil {
				t.Errorf("a changed record %d passed its inclusion proof", i)
			}
		}
		for old := int64(1); old <= size; old++ {
			oldRoot, _ := l.Root(ctx, old)
			p, err := l.ProveTree(ctx, old, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(p, size, root, old, oldRoot); err != nil {
				t.Errorf("tree %d extends %d: %v", size, old, err)
			}
		}
	}
	// A tree built from different records is not consistent with the first.
	other := records(77)
	other[5].Body = `{"forged":true}`
	l2, _ := buildLog(t, other)
	root77, _ := l2.Root(ctx, 77)
	oldRoot, _ := l.Root(ctx, 20)
	p, _ := l2.ProveTree(ctx, 20, 77)
	if tlog.CheckTree(p, 77, root77, 20, oldRoot) == nil {
		t.Error("a rewritten tree passed the consistency proof against the original")
	}
}

func TestCheckpointSignatures(t *testing.T) {
	ctx := context.Background()
	signer, verifier := keys(t, "rcmbot-audit")
	_, attacker := keys(t, "rcmbot-audit") // same name, different key
	l, _ := buildLog(t, records(10))
	msg, c, err := l.Checkpoint(ctx, origin, time.Date(2025, 3, 4, 5, 0, 0, 0, time.UTC), signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenCheckpoint(msg, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if got != c || got.Size != 10 || got.Time.IsZero() {
		t.Errorf("opened %+v, signed %+v", got, c)
	}
	if _, err := OpenCheckpoint(msg, attacker); !IsMismatch(err) {
		t.Errorf("a checkpoint opened with another key: %v", err)
	}
	changed := bytes.Replace(msg, []byte("\n10\n"), []byte("\n11\n"), 1)
	if _, err := OpenCheckpoint(changed, verifier); !IsMismatch(err) || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("a checkpoint with changed text: %v", err)
	}
	if _, err := ParseCheckpoint("x\n-1\nAAAA\n"); err == nil {
		t.Error("a negative size parsed")
	}
}

// fixture is a log of 50 records with trusted checkpoints at 20 and 50.
type fixture struct {
	recs     []Record
	log      *Log
	store    *MemoryHashes
	signer   note.Signer
	verifier note.Verifier
	trusted  []Trusted
	cps      []Checkpoint
	own      []byte // the log's latest checkpoint, as the database keeps it
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{recs: records(50)}
	f.signer, f.verifier = keys(t, "rcmbot-audit")
	f.store = &MemoryHashes{}
	f.log = Open(f.store, 0)
	day := time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)
	for i, size := range []int64{20, 50} {
		if err := f.log.Append(ctx, f.recs[f.log.Size():size]...); err != nil {
			t.Fatal(err)
		}
		msg, c, err := f.log.Checkpoint(ctx, origin, day.AddDate(0, 0, i), f.signer)
		if err != nil {
			t.Fatal(err)
		}
		f.trusted = append(f.trusted, Trusted{Source: fmt.Sprintf("checkpoint-%d.txt", size), Signed: msg})
		f.cps = append(f.cps, c)
		f.own = msg
	}
	return f
}

// export writes a complete export of recs under header h (as an attacker
// holding the database could write it).
func exportOf(t *testing.T, h ExportHeader, recs []Record) []byte {
	t.Helper()
	var b bytes.Buffer
	h.Complete = true
	w, err := NewExportWriter(&b, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(ExportRecord{Record: r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fixture) verify(t *testing.T, export []byte) *Report {
	t.Helper()
	rep, err := Verify(bytes.NewReader(export), f.verifier, f.trusted)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustDetect(t *testing.T, rep *Report, want string) {
	t.Helper()
	if rep.OK() {
		t.Fatalf("tampering went undetected: %+v", rep)
	}
	if want != "" && !strings.Contains(strings.Join(rep.Problems, "\n"), want) {
		t.Errorf("problems %q do not mention %q", rep.Problems, want)
	}
}

func TestVerifyCompleteExport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var b bytes.Buffer
	i := 0
	next := func() (Record, error) { i++; return f.recs[i-1], nil }
	if err := ExportLog(ctx, &b, f.log, origin, f.own, []int64{20}, next); err != nil {
		t.Fatal(err)
	}
	rep := f.verify(t, b.Bytes())
	if !rep.OK() || rep.Records != 50 || len(rep.Checks) != 2 || !rep.Checks[0].OK || !rep.Checks[1].OK {
		t.Fatalf("a clean export: %+v", rep)
	}
}

func TestTamperingIsDetected(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	h := ExportHeader{Origin: origin, Size: 50, Checkpoint: string(f.own)}
	clone := func() []Record { return append([]Record(nil), f.recs...) }

	t.Run("edit a row", func(t *testing.T) {
		recs := clone()
		recs[30].Body = strings.Replace(recs[30].Body, `"u00"`, `"u04"`, 1) + " "
		rep := f.verify(t, exportOf(t, h, recs))
		mustDetect(t, rep, "the change lies in records 20 to 49")
	})
	t.Run("edit a row before every checkpoint", func(t *testing.T) {
		recs := clone()
		recs[3].Body = `{"seq":4,"user":"admin"}`
		mustDetect(t, f.verify(t, exportOf(t, h, recs)), "records up to 20 were changed")
	})
	t.Run("delete rows and renumber", func(t *testing.T) {
		recs := append(clone()[:10], clone()[12:]...)
		for i := range recs {
			recs[i].Index = int64(i)
		}
		hh := h
		hh.Size = int64(len(recs))
		mustDetect(t, f.verify(t, exportOf(t, hh, recs)), "")
	})
	t.Run("delete rows and keep the numbers", func(t *testing.T) {
		recs := append(clone()[:10], clone()[12:]...)
		var b bytes.Buffer
		w, _ := NewExportWriter(&b, h) // not Complete: the writer would refuse
		for _, r := range recs {
			w.Write(ExportRecord{Record: r})
		}
		w.Close()
		raw := bytes.Replace(b.Bytes(), []byte(`"complete":false`), []byte(`"complete":true`), 1)
		mustDetect(t, f.verify(t, raw), "records are missing")
	})
	t.Run("truncate the tail", func(t *testing.T) {
		recs := clone()[:45]
		hh := h
		hh.Size, hh.Checkpoint = 45, ""
		mustDetect(t, f.verify(t, exportOf(t, hh, recs)), "records at the end were cut off")
	})
	t.Run("rewrite everything and recompute the hashes", func(t *testing.T) {
		// The attacker changes a record, rebuilds the whole tree and
		// signs a fresh checkpoint, with a key of their own.
		recs := clone()
		recs[7].Body = `{"seq":8,"user":"u01","patient":"P9999","action":"view_claim"}`
		forged, _ := buildLog(t, recs)
		attackerSigner, _ := keys(t, "rcmbot-audit")
		msg, _, err := forged.Checkpoint(ctx, origin, time.Now(), attackerSigner)
		if err != nil {
			t.Fatal(err)
		}
		hh := h
		hh.Checkpoint = string(msg)
		rep := f.verify(t, exportOf(t, hh, recs))
		mustDetect(t, rep, "not signed by the audit key")
		mustDetect(t, rep, "records up to 20 were changed")
		// Keeping the genuine checkpoint instead does not help.
		mustDetect(t, f.verify(t, exportOf(t, h, recs)), "does not match its records")
	})
	t.Run("forge the trusted checkpoint", func(t *testing.T) {
		recs := clone()
		recs[40].Body = "{}"
		forged, _ := buildLog(t, recs)
		attackerSigner, _ := keys(t, "rcmbot-audit")
		msg, _, _ := forged.Checkpoint(ctx, origin, time.Now(), attackerSigner)
		g := *f
		g.trusted = append([]Trusted{{Source: "forged.txt", Signed: msg}}, f.trusted...)
		mustDetect(t, g.verify(t, exportOf(t, h, recs)), "forged.txt: the checkpoint is not signed by the audit key")
	})
}

func TestVerifyPartialExport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pick := []Record{f.recs[3], f.recs[17], f.recs[42]}
	var b bytes.Buffer
	if err := ExportRecords(ctx, &b, f.log, origin, f.own, []int64{20}, pick); err != nil {
		t.Fatal(err)
	}
	clean := b.Bytes()
	if rep := f.verify(t, clean); !rep.OK() || rep.Records != 3 {
		t.Fatalf("a clean partial export: %+v", rep)
	}
	changed := bytes.Replace(clean, []byte(`P0039`), []byte(`P0040`), 1) // record 3's patient
	mustDetect(t, f.verify(t, changed), "record 3 is not in the signed tree")

	// Without a consistency proof from the checkpoint of 20 records the
	// export cannot be tied to it.
	b.Reset()
	if err := ExportRecords(ctx, &b, f.log, origin, f.own, nil, pick); err != nil {
		t.Fatal(err)
	}
	mustDetect(t, f.verify(t, b.Bytes()), "no consistency proof from 20 records")

	// A partial export of a rewritten log: its proofs hold for its own
	// tree, but that tree does not extend the trusted one.
	recs := append([]Record(nil), f.recs...)
	recs[5].Body = "{}"
	forged, _ := buildLog(t, recs)
	msg, _, _ := forged.Checkpoint(ctx, origin, time.Now(), f.signer) // even with the real key
	b.Reset()
	if err := ExportRecords(ctx, &b, forged, origin, msg, []int64{20}, []Record{recs[5]}); err != nil {
		t.Fatal(err)
	}
	mustDetect(t, f.verify(t, b.Bytes()), "does not extend the signed tree of 20")
}

func TestStoreTampering(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.log.Check(ctx, f.cps[1]); err != nil {
		t.Fatalf("an intact store: %v", err)
	}
	for _, r := range f.recs {
		if err := f.log.CheckRecord(ctx, r); err != nil {
			t.Fatalf("record %d: %v", r.Index, err)
		}
	}
	// A row edited in the database no longer matches its leaf.
	edited := f.recs[12]
	edited.Body = `{"seq":13,"user":"admin"}`
	if err := f.log.CheckRecord(ctx, edited); !IsMismatch(err) {
		t.Errorf("an edited row: %v", err)
	}
	// Rewriting the stored hashes to match changes the root.
	f.store.Set(tlog.StoredHashIndex(0, 12), edited.Hash())
	if err := f.log.Check(ctx, f.cps[1]); !IsMismatch(err) {
		t.Errorf("rewritten stored hashes: %v", err)
	}
	// A log cut back to fewer records than a checkpoint covers.
	short := Open(f.store, 40)
	if err := short.Check(ctx, f.cps[1]); !IsMismatch(err) || !strings.Contains(err.Error(), "removed") {
		t.Errorf("a truncated log: %v", err)
	}
}

func TestAppendRefusesGapsAndBadKinds(t *testing.T) {
	ctx := context.Background()
	l, _ := buildLog(t, records(3))
	if err := l.Append(ctx, record(5)); err == nil {
		t.Error("a record appended out of order")
	}
	if err := l.Append(ctx, Record{Index: 3, Kind: "PHI Access"}); err == nil {
		t.Error("a record with a bad kind")
	}
}

func TestExportReaderRefusesOtherFiles(t *testing.T) {
	for _, in := range []string{"", "not json", `{"format":"something-else"}`, `{"format":"rcmbot-auditlog-export/v1","extra":1}`} {
		if _, err := NewExportReader(strings.NewReader(in)); err == nil {
			t.Errorf("%q read as an export", in)
		}
	}
}

func TestVerifyRecordsFromTheDatabase(t *testing.T) {
	f := newFixture(t)
	rows := func(recs []Record) func() (Record, error) {
		i := 0
		return func() (Record, error) {
			if i == len(recs) {
				return Record{}, io.EOF
			}
			i++
			return recs[i-1], nil
		}
	}
	rep, err := VerifyRecords(rows(f.recs), f.verifier, f.trusted, origin, f.own)
	if err != nil || !rep.OK() || rep.Size != 50 {
		t.Fatalf("intact rows: %+v %v", rep, err)
	}
	edited := append([]Record(nil), f.recs...)
	edited[44].Body = "{}"
	rep, err = VerifyRecords(rows(edited), f.verifier, f.trusted, origin, f.own)
	if err != nil {
		t.Fatal(err)
	}
	mustDetect(t, rep, "the change lies in records 20 to 49")
	rep, _ = VerifyRecords(rows(f.recs[:49]), f.verifier, f.trusted, origin, f.own)
	mustDetect(t, rep, "cut off")
}
