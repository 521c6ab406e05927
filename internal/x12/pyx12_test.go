//go:build pyx12

// The pyx12 checks are a local tool, not part of the test suite: pyx12 is
// not a Go module and is never vendored, so CI cannot install it. Run them
// with -tags pyx12 (see internal/x12/README.md); they fail, never skip,
// when the checkout is missing.

package x12

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// pyx12 validates data with pyx12's x12valid (an independent
// implementation-guide validator) in the pyx12 checkout RCMBOT_PYX12 names. x12valid always exits 0: the verdict is the
// "FILE: OK" or "FILE: Failure" line, the reasons the ERROR lines.
func pyx12(t *testing.T, name string, data []byte) {
	t.Helper()
	root := os.Getenv("RCMBOT_PYX12")
	if root == "" {
		t.Fatal("RCMBOT_PYX12 is not set: set it to a pyx12 checkout (see internal/x12/README.md)")
	}
	python := os.Getenv("RCMBOT_PYX12_PYTHON")
	if python == "" {
		python = "python3"
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-m", "pyx12.scripts.x12valid", path)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pyx12 x12valid: %v\n%s", err, out)
	}
	switch {
	case bytes.Contains(out, []byte(path+": OK")):
		t.Logf("pyx12: %s: OK", name)
	case bytes.Contains(out, []byte(path+": Failure")):
		t.Errorf("pyx12 rejects %s:\n%s\n--- document ---\n%s", name, out, strings.ReplaceAll(string(data), "~", "~\n"))
	default:
		t.Fatalf("pyx12 gave no verdict on %s:\n%s", name, out)
	}
}

func TestPyx12Accepts837P(t *testing.T) {
	data, _ := write837(t, testEnvelope837(), demoClaims())
	pyx12(t, "demo.837", data)

	// Many patients, both payers and providers, line-feed separated, odd
	// delimiters.
	var claims []claim.Claim
	for i := range 40 {
		c := demoClaims()[i%4]
		c.ID = fmt.Sprintf("B%03d", i)
		c.MemberID = fmt.Sprintf("%s%d", c.MemberID, i%7)
		claims = append(claims, c)
	}
	env := testEnvelope837()
	env.Delimiters = Delimiters{Element: '|', Repetition: '!', Component: '>', Segment: '~'}
	env.Newline = true
	data, _ = write837(t, env, claims)
	check837(t, data, claims)
	pyx12(t, "batch.837", data)
}

// The claims of issue 15, each in a file of its own and all together: a
// subscriber, a dependant, a secondary claim with the primary's payment, a
// replacement, a void, an outpatient-hospital claim and NDC quantities.
func TestPyx12AcceptsCoverage837P(t *testing.T) {
	claims := coverageClaims()
	for _, c := range claims {
		data, _ := write837(t, testEnvelope837(), []claim.Claim{c})
		pyx12(t, c.ID+".837", data)
	}
	data, _ := write837(t, testEnvelope837(), claims)
	pyx12(t, "coverage.837", data)
}

func TestPyx12Accepts270(t *testing.T) {
	var buf bytes.Buffer
	if err := Write270(&buf, testEnvelope270(), demoInquiries()); err != nil {
		t.Fatal(err)
	}
	pyx12(t, "demo.270", buf.Bytes())
}

func TestPyx12Accepts999And277CA(t *testing.T) {
	data, _ := write837(t, testEnvelope837(), demoClaims())
	text := strings.Replace(string(data), "HI*ABK:J029~", "h1*ABK:J029~", 1)
	ic, _ := Parse([]byte(text))
	var buf bytes.Buffer
	if err := Write999(&buf, testEnvelope(), Acknowledge(ic)); err != nil {
		t.Fatal(err)
	}
	pyx12(t, "partial.999", buf.Bytes())

	buf.Reset()
	if err := Write277CA(&buf, testEnvelope(), []Report277CA{demoReport()}); err != nil {
		t.Fatal(err)
	}
	pyx12(t, "demo.277", buf.Bytes())
}

// The 271 map comes from pyx12's unmerged PR #30 (see README.md). It
// accepts a typical answer; it cannot take EB03 repetitions or LS/LE
// without III (a map limitation), so rich.271 is checked by our own
// round trip only.
func TestPyx12Accepts271(t *testing.T) {
	pyx12(t, "demo.271", write271(t, testEnvelope(), demoAnswer()))
}
