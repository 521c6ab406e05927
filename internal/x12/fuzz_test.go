package x12

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/shareddata"
)

// seedX12 adds every shared sample and fixture to the corpus, plus a few
// hand-made edge cases.
func seedX12(f *testing.F) {
	var files []string
	if dir, ok := shareddata.Find("x12-samples"); ok {
		files, _ = filepath.Glob(filepath.Join(dir, "*", "*", "*"))
	}
	fixtures, _ := filepath.Glob(fixturePath("*"))
	for _, p := range append(files, fixtures...) {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte("ISA")) && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(isaLine))
	f.Add([]byte(isaLine + "GS*HB~ST*271*1~HL*1**23*0~LS*2120~NM1*P3~LE*2120~EB*1~SE*2*1~"))
	f.Add([]byte(strings.ReplaceAll(isaLine, "~", "\n") + "ST*271\nHL*1**22\nEB*B**30^98*****1,2\n"))
	f.Add([]byte("ISA|00|          |00|          |ZZ|S              |ZZ|R              |260302|1405|!|00501|000000001|0|P|>~"))
}

// FuzzParse: Parse never panics, and what it returns is consistent: an
// interchange or a SyntaxError, positions counting up from ISA = 1, and an
// EnvelopeError exactly when there are problems.
func FuzzParse(f *testing.F) {
	seedX12(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ic, err := Parse(data)
		if ic == nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("no interchange and error %T %v", err, err)
			}
			return
		}
		var ee *EnvelopeError
		if (len(ic.Problems) > 0) != errors.As(err, &ee) {
			t.Fatalf("problems %v but error %v", ic.Problems, err)
		}
		for i, s := range ic.Segments {
			if s.Pos != i+1 || len(s.Elements) == 0 || s.Elements[0] != s.ID {
				t.Fatalf("segment %d: %+v", i, s)
			}
		}
		for _, tx := range ic.Transactions() {
			_ = tx.Code()
			checkHL(tx)
		}
		Acknowledge(ic)
		DetectTransaction(data)
	})
}

// FuzzParse271: Parse271 never panics; whatever it reads, Write271 writes
// as a sound interchange (the writer cleans what the parser kept), and
// that reads back without problems.
func FuzzParse271(f *testing.F) {
	seedX12(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse271(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write271(&buf, testEnvelope(), doc.Responses); err != nil {
			t.Fatalf("Write271 of a parsed 271: %v", err)
		}
		again, err := Parse271(buf.Bytes())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		for _, p := range again.Problems {
			if p.Level != LevelSegment {
				t.Fatalf("written 271 has envelope problem %v\n%s", p, buf.Bytes())
			}
		}
	})
}

// FuzzDescribe runs every reader (270, 271, 277, 837, 999, generic) on
// arbitrary input: no panics, and the result marshals to JSON.
func FuzzDescribe(f *testing.F) {
	seedX12(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		desc, err := Describe(data)
		if err != nil {
			return
		}
		if _, err := json.Marshal(desc); err != nil {
			t.Fatalf("JSON: %v", err)
		}
	})
}

// FuzzAcknowledgements: a 277CA, whatever it holds, applies to the sent
// claims without panicking; every claim is answered at most once, and a
// claim decided by a higher level is a rejection with that level's status.
func FuzzAcknowledgements(f *testing.F) {
	seedX12(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse277CA(data)
		if err != nil {
			if errors.Is(err, ErrClaimStatus277) && doc != nil {
				t.Fatal("claim status response returned a document")
			}
			return
		}
		var sent []Claim837Summary
		for _, r := range doc.Reports {
			for _, p := range r.Providers {
				sent = append(sent, Claim837Summary{ClaimID: "S" + p.Entity.ID, Reference: r.ReceiverTrace, BillingNPI: p.Entity.ID})
			}
		}
		seen := map[string]bool{}
		for _, a := range doc.Acknowledgements(sent) {
			if a.ClaimID == "" || seen[a.ClaimID] {
				t.Fatalf("acknowledgement %+v repeated or without a claim", a)
			}
			seen[a.ClaimID] = true
			if a.Level != AckClaim && (a.Outcome != OutcomeRejected || CategoryOutcome(a.Status.Category) != OutcomeRejected &&
				!slices.ContainsFunc(a.Status.More, func(c StatusCode) bool { return CategoryOutcome(c.Category) == OutcomeRejected })) {
				t.Fatalf("claim %s decided at %s as %s by %+v", a.ClaimID, a.Level, a.Outcome, a.Status)
			}
		}
	})
}
