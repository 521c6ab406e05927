package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProvidersCommands runs `rcmbot providers import|add|list` against a
// stack: an NPPES-layout CSV with a bad row (listed by row and column,
// exit 1, the good rows saved), a typed-in provider, a refused NPI.
func TestProvidersCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rcmbot")
	}
	s := Start(t, Options{NoWorkers: true})
	bin := filepath.Join(t.TempDir(), "rcmbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/rcmbot").CombinedOutput(); err != nil {
		t.Fatalf("build rcmbot: %v\n%s", err, out)
	}
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), s.Env()...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		return o.String(), e.String(), code
	}
	csv := filepath.Join(t.TempDir(), "npidata.csv")
	if err := os.WriteFile(csv, []byte(`NPI,Entity Type Code,Provider Organization Name (Legal Business Name),Provider Last Name (Legal Name),Provider First Name,Healthcare Provider Taxonomy Code_1
1300000001,1,,NEWDOC,PAT,207Q00000X
1300000002,1,,TYPO,TERRY,207Q00000X
1558598797,2,LAKESIDE ORTHOPEDICS,,,207X00000X
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run("providers", "import", csv)
	if code != 1 || !strings.Contains(out, "2 providers saved, 1 rows left out") ||
		!strings.Contains(errOut, "npidata.csv, row 3, column A (NPI): not a valid NPI") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code = run("providers", "add", "--npi", "1300000019", "--last-name", "SECOND", "--taxonomy", "207r00000x"); code != 0 {
		t.Fatalf("add: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, errOut, code = run("providers", "add", "--npi", "1300000020", "--last-name", "X"); code != 1 || !strings.Contains(errOut, "not a valid NPI") {
		t.Fatalf("add with a bad NPI: exit %d %s", code, errOut)
	}
	out, errOut, code = run("providers", "list")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, "1300000019  individual    SECOND                207R00000X") ||
		!strings.Contains(out, "LAKESIDE ORTHOPEDICS") || strings.Contains(out, "1300000002") {
		t.Fatalf("list: exit %d\n%s\n%s", code, out, errOut)
	}
}
