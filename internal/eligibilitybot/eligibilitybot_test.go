package eligibilitybot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// The Temporal parts of the service are tested end to end in internal/e2e;
// these tests cover what it decides before any workflow starts.

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const rosterHeader = "MRN,Patient Name,DOB,Member ID,Payor ID,Appt Date\n"

// Good rows are imported, bad ones reported by file, row and column (and
// not by value); importing the corrected file replaces the day.
func TestImportRosterKeepsGoodRowsAndReportsBadOnes(t *testing.T) {
	db := storetest.Open(t)
	s := &Service{DB: db}
	ctx := context.Background()
	path := writeFile(t, "monday.csv", rosterHeader+
		"PT-1,\"Okafor, Ada\",05/17/1980,W100000001,60054,03/02/2026\n"+
		"PT-2,\"Vance, Ida\",13/45/1980,W100000002,60054,03/02/2026\n"+
		"PT-3,\"Brandt, Lena\",01/02/1975,1EG4TE5MK73,01112,03/02/2026\n")
	imp, err := s.ImportRoster(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Added != 2 || len(imp.Errors) != 1 || len(imp.Dates) != 1 || imp.Dates[0] != claim.MustDate("2026-03-02") {
		t.Fatalf("import %+v", imp)
	}
	e := imp.Errors[0]
	msg := e.Error()
	if e.Row != 3 || !strings.Contains(msg, "monday.csv") || !strings.Contains(msg, "row 3") || !strings.Contains(msg, "DOB") || strings.Contains(msg, "13/45/1980") {
		t.Errorf("row error %q (%+v)", msg, e)
	}
	appts, err := db.SweepAppointments(ctx, claim.MustDate("2026-03-02"))
	if err != nil || len(appts) != 2 || appts[0].PatientID != "PT-1" || appts[0].SourceRow != 2 || appts[1].LastName != "Brandt" {
		t.Fatalf("stored %+v %v", appts, err)
	}

	fixed := writeFile(t, "monday.csv", rosterHeader+
		"PT-1,\"Okafor, Ada\",05/17/1980,W100000001,60054,03/02/2026\n"+
		"PT-2,\"Vance, Ida\",12/05/1980,W100000002,60054,03/02/2026\n"+
		"PT-3,\"Brandt, Lena\",01/02/1975,1EG4TE5MK73,01112,03/02/2026\n")
	if imp, err = s.ImportRoster(ctx, fixed); err != nil || imp.Added != 3 || imp.Replaced != 2 || len(imp.Errors) != 0 {
		t.Fatalf("corrected import %+v %v", imp, err)
	}
}

func TestImportRosterRefusesUnreadableFiles(t *testing.T) {
	s := &Service{DB: storetest.Open(t)}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"claims.pdf", "%PDF-1.7", "claims.pdf"},
		{"nocolumns.csv", "Name,Phone\nAda,555\n", "nocolumns.csv"},
		{"allbad.csv", rosterHeader + "PT-2,\"Vance, Ida\",13/45/1980,W100000002,60054,03/02/2026\n", "no appointment"},
	} {
		_, err := s.ImportRoster(context.Background(), writeFile(t, tc.name, tc.content))
		if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.MessageOf(err), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// Requests missing data or naming an unknown payer are refused before
// anything is stored or started.
func TestCheckRefusesIncompleteRequests(t *testing.T) {
	db := storetest.Open(t)
	s := &Service{DB: db, Payers: payers.Starter()}
	ok := eligibility.Request{PayerID: "60054", MemberID: "W100000001", LastName: "Okafor", FirstName: "Ada",
		DOB: claim.MustDate("1980-05-17"), DateOfService: claim.MustDate("2026-03-02")}
	noDOB, unknown := ok, ok
	noDOB.DOB, noDOB.FirstName = 0, " "
	unknown.PayerID = "99999"
	for _, tc := range []struct {
		req  eligibility.Request
		want string
	}{
		{noDOB, "first name, date of birth"},
		{unknown, `Payer "99999" is not in the payer directory`},
	} {
		_, err := s.Check(context.Background(), tc.req, "rita")
		if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.MessageOf(err), tc.want) {
			t.Errorf("%+v: %v", tc.req, err)
		}
		if strings.Contains(err.Error(), "W100000001") || strings.Contains(err.Error(), "Okafor") {
			t.Errorf("error %q carries patient data", err)
		}
	}
}

func TestSweepResultsOfAnUnsweptDate(t *testing.T) {
	s := &Service{DB: storetest.Open(t)}
	if _, _, err := s.SweepResults(context.Background(), claim.MustDate("2026-03-02")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("results: %v", err)
	}
	var buf bytes.Buffer
	if err := s.WriteWorklist(context.Background(), claim.MustDate("2026-03-02"), &buf); !errors.Is(err, store.ErrNotFound) || buf.Len() != 0 {
		t.Errorf("worklist: %v", err)
	}
}
