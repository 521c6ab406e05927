package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// `rcmbot users add --role purchaser` adds a purchaser; a role rcmbot
// does not have is refused and adds nobody.
func TestUsersAddPurchaser(t *testing.T) {
	t.Setenv("RCMBOT_DATA_DIR", t.TempDir())
	if _, errOut, code := run(t, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	out, errOut, code := run(t, "users", "add", "Pat", "--role", "purchaser", "--name", "Pat Supplies")
	if code != 0 || !strings.Contains(out, "user pat added as purchaser") || !strings.Contains(out, "initial password") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	root := newRootCmd()
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"users", "add", "root", "--role", "root"})
	if err := root.ExecuteContext(context.Background()); err == nil {
		t.Error("a user with the role root was added")
	}
	out, _, code = run(t, "users", "list")
	if code != 0 || !strings.Contains(out, "pat") || !strings.Contains(out, "purchaser") || strings.Contains(out, "root") {
		t.Errorf("users list: %s", out)
	}
}
