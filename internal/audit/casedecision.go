package audit

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rcmbot/rcmbot/internal/decision"
)

// DecisionCase is the kind of a privacy officer's signed disposition of
// an alert's case (internal/decision): its payload is a CaseNote.
const DecisionCase decision.Kind = "audit.case"

// The roles that may decide cases: the privacy officer, and the
// administrator of a practice too small to have one. Auditors read
// everything and decide nothing.
const (
	RolePrivacyOfficer = "privacy_officer"
	RoleAdmin          = "admin"
)

// CanDecide reports whether a user in role may decide an alert's case.
func CanDecide(role string) bool { return role == RolePrivacyOfficer || role == RoleAdmin }

// MaxNoteLength bounds a case note, in characters.
const MaxNoteLength = 4000

// CaseNote is a disposition with the privacy officer's note.
type CaseNote struct {
	Disposition Disposition `json:"disposition"`
	Note        string      `json:"note"`
}

// Check reports what is wrong with a note for a case in state s: an
// unknown disposition, a closed case, a missing or overlong note (every
// disposition but appropriate needs one: what was found and done).
func (n CaseNote) Check(s CaseState) error {
	if _, err := ParseDisposition(string(n.Disposition)); err != nil {
		return err
	}
	if _, err := s.After(n.Disposition); err != nil {
		return err
	}
	note := strings.TrimSpace(n.Note)
	if n.Disposition != Appropriate && note == "" {
		return fmt.Errorf("the disposition %q needs a note saying what was found and what was done", strings.ReplaceAll(string(n.Disposition), "_", " "))
	}
	if utf8.RuneCountInString(note) > MaxNoteLength {
		return fmt.Errorf("the note is longer than %d characters", MaxNoteLength)
	}
	return nil
}
