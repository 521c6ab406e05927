package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeAndMessage(t *testing.T) {
	cause := errors.New("sql: connection refused")
	wrapped := fmt.Errorf("save batch: %w", Wrap(cause, Unavailable, "The database is not answering; try again in a minute."))
	cases := []struct {
		name string
		err  error
		code Code
		msg  string
	}{
		{"nil", nil, "", ""},
		{"plain", errors.New("boom"), Internal, internalMessage},
		{"invalid", Errorf(Invalid, "row %d, column %s: not a date", 4, "DOS"), Invalid, "row 4, column DOS: not a date"},
		{"wrapped", wrapped, Unavailable, "The database is not answering; try again in a minute."},
		{"internal code hides message", Errorf(Internal, "secret detail"), Internal, internalMessage},
	}
	for _, c := range cases {
		if got := CodeOf(c.err); got != c.code {
			t.Errorf("%s: CodeOf = %q, want %q", c.name, got, c.code)
		}
		if got := MessageOf(c.err); got != c.msg {
			t.Errorf("%s: MessageOf = %q, want %q", c.name, got, c.msg)
		}
	}
	if !errors.Is(wrapped, cause) {
		t.Error("Wrap loses its cause for errors.Is")
	}
	if !Is(wrapped, Unavailable) || Is(wrapped, Invalid) {
		t.Error("Is does not follow the chain")
	}
	if got := wrapped.Error(); got != "save batch: The database is not answering; try again in a minute.: sql: connection refused" {
		t.Errorf("Error() = %q", got)
	}
}
