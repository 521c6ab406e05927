package audit_test

import (
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/audit"
)

func TestCaseNoteCheck(t *testing.T) {
	for _, c := range []struct {
		note  audit.CaseNote
		state audit.CaseState
		want  string // "" = accepted
	}{
		{audit.CaseNote{Disposition: audit.Appropriate}, audit.CaseOpen, ""},
		{audit.CaseNote{Disposition: audit.Inappropriate, Note: "  "}, audit.CaseOpen, "needs a note"},
		{audit.CaseNote{Disposition: audit.NeedsEducation, Note: "talked to them"}, audit.CaseEscalated, ""},
		{audit.CaseNote{Disposition: audit.Escalate, Note: "to HR"}, audit.CaseClosed, "closed"},
		{audit.CaseNote{Disposition: "shrug", Note: "x"}, audit.CaseOpen, "unknown disposition"},
		{audit.CaseNote{Disposition: audit.Escalate, Note: strings.Repeat("x", audit.MaxNoteLength+1)}, audit.CaseOpen, "longer than"},
	} {
		err := c.note.Check(c.state)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v in %s: %v, want %q", c.note.Disposition, c.state, err, c.want)
		}
	}
	if !audit.CanDecide(audit.RolePrivacyOfficer) || !audit.CanDecide(audit.RoleAdmin) || audit.CanDecide("auditor") {
		t.Error("CanDecide")
	}
}
