package schedulingbot

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/schedimport"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

func fixture(name string) schedimport.Source {
	return schedimport.File(filepath.Join("..", "..", "fixtures", "scheduling", "imports", name))
}

// The demo's exports import into the store: templates, blocks on them,
// appointments (row-precise errors for the bad rows), history, once.
func TestImportsStoreTheDemoExports(t *testing.T) {
	db := storetest.Open(t)
	s := &Service{DB: db, Files: schedimport.Options{AsOf: claim.MustDate("2026-12-01")}}
	ctx := context.Background()
	if err := db.SaveVisitTypes(ctx, []schedule.VisitType{{ID: "FU", Minutes: 15}, {ID: "NEW", Minutes: 30}, {ID: "LONG", Minutes: 45}}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(ctx, ImportTemplates, fixture("templates.csv"))
	if err != nil || res.Stored != 3 || len(res.Errors) != 0 {
		t.Fatalf("templates: %+v %v", res, err)
	}
	if res, err = s.Import(ctx, ImportBlocks, fixture("blocked.csv")); err != nil || res.Stored != 2 {
		t.Fatalf("blocks: %+v %v", res, err)
	}
	// Templates imported again keep the blocks.
	if _, err = s.Import(ctx, ImportTemplates, fixture("templates.csv")); err != nil {
		t.Fatal(err)
	}
	providers, err := db.Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(providers) != 3 || len(providers[1].Blocked) != 1 || providers[1].Blocked[0].Date != claim.MustDate("2026-12-09") {
		t.Fatalf("providers: %+v", providers)
	}
	res, err = s.Import(ctx, ImportAppointments, fixture("appointments-with-errors.csv"))
	if err != nil || res.Stored != 1 || len(res.Errors) != 5 {
		t.Fatalf("appointments: %+v %v", res, err)
	}
	for _, e := range res.Errors {
		if e.Row < 2 || e.File == "" || strings.Contains(e.Error(), e.Value) && e.Value != "" {
			t.Errorf("row error: %+v (%s)", e, e.Error())
		}
	}
	if res, err = s.Import(ctx, ImportAppointments, fixture("appointments.xlsx")); err != nil || res.Stored < 100 {
		t.Fatalf("appointments.xlsx: %+v %v", res, err)
	}
	if res, err = s.Import(ctx, ImportHistory, fixture("history.csv")); err != nil || res.Stored != 600 {
		t.Fatalf("history: %+v %v", res, err)
	}
	if res, err = s.Import(ctx, ImportHistory, fixture("history.csv")); err != nil || res.Stored != 0 {
		t.Fatalf("history again: %+v %v", res, err)
	}
	if _, err := s.Import(ctx, ImportHistory, fixture("missing.csv")); fault.CodeOf(err) != fault.Invalid {
		t.Fatalf("a missing file: %v", err)
	}
	if _, err := s.Import(ctx, "rooms", fixture("history.csv")); fault.CodeOf(err) != fault.Invalid {
		t.Fatalf("an unknown kind: %v", err)
	}
}

// Without Temporal nothing is requested, booked or recorded; bad
// requests are refused before anything is stored.
func TestRequestsNeedTheBotAndAValidRequest(t *testing.T) {
	db := storetest.Open(t)
	s := &Service{DB: db}
	ctx := context.Background()
	if _, err := s.Request(ctx, schedule.Request{PatientID: "MRN1", VisitType: "FU", Latest: s.Today().AddDays(3)}, nil, "desk"); fault.CodeOf(err) != fault.Unavailable {
		t.Fatalf("without Temporal: %v", err)
	}
	if _, err := s.Attend(ctx, "sa-1", schedule.OutcomeArrived, "dana", "biller"); fault.CodeOf(err) != fault.Forbidden {
		t.Fatalf("a biller marking attendance: %v", err)
	}
	if _, err := s.RespondToReminder(ctx, "lt-none", schedule.AnswerConfirm); fault.CodeOf(err) != fault.NotFound {
		t.Fatalf("an unknown link: %v", err)
	}
	r := schedule.Request{PatientID: "MRN1", VisitType: "XX", Earliest: s.Today(), Latest: s.Today().AddDays(3)}
	if err := s.checkRequest(ctx, &r); fault.CodeOf(err) != fault.Invalid || !strings.Contains(err.Error(), "visit type") {
		t.Fatalf("unknown visit type: %v", err)
	}
	r.VisitType, r.Latest = "FU", s.Today().AddDays(-1)
	if err := s.checkRequest(ctx, &r); fault.CodeOf(err) != fault.Invalid {
		t.Fatalf("latest before earliest: %v", err)
	}
	if n, err := db.SchedRequests(ctx, store.All); err != nil || len(n) != 0 {
		t.Fatalf("stored %d requests, %v", len(n), err)
	}
}
