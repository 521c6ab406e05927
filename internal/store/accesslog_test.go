package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
)

// appendEvents writes a small realistic access history.
func appendEvents(t *testing.T, db *store.DB, t0 time.Time) []store.AccessEvent {
	t.Helper()
	evs := []store.AccessEvent{
		{At: t0, UserID: "u-1", Username: "Rita", Role: store.RoleReviewer, Action: store.AccessViewClaim, BatchID: "b-1", ClaimID: "C-1", PatientID: "P-1", ClientAddr: "10.0.0.5", Outcome: store.AccessAllowed},
		{At: t0.Add(time.Minute), UserID: "u-2", Username: "bill", Role: store.RoleBiller, Action: store.AccessDownloadWorkbook, BatchID: "b-1", ClientAddr: "10.0.0.6", Outcome: store.AccessAllowed},
		{At: t0.Add(2 * time.Minute), UserID: "u-2", Username: "bill", Role: store.RoleBiller, Action: store.AccessViewClaim, BatchID: "b-1", ClaimID: "C-2", PatientID: "P-2", ClientAddr: "10.0.0.6", Outcome: store.AccessDenied, Detail: "role biller may not view claim detail"},
		{At: t0.Add(time.Hour), UserID: "u-1", Username: "rita", Role: store.RoleReviewer, Action: store.AccessCodecDecode, ClientAddr: "10.0.0.5", Outcome: store.AccessAllowed, Detail: "3 payloads"},
	}
	var out []store.AccessEvent
	for _, ev := range evs {
		out = append(out, must[store.AccessEvent](t)(db.AppendAccess(context.Background(), ev)))
	}
	return out
}

func TestAccessLogAppendAndList(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
		evs := appendEvents(t, e.db, t0)
		if evs[0].Seq != 1 || evs[3].Seq != 4 || evs[1].PrevHash != evs[0].Hash || len(evs[0].Hash) != 64 || evs[0].Username != "rita" {
			t.Errorf("chain fields %+v", evs[:2])
		}
		if _, err := e.db.AppendAccess(ctx, store.AccessEvent{Action: store.AccessViewClaim, Outcome: "maybe"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad outcome: %v", err)
		}
		all := must[[]store.AccessEvent](t)(e.db.AccessEvents(ctx, store.AccessFilter{}, store.Page{}))
		if len(all) != 4 || all[0].Seq != 4 || !reflect.DeepEqual(all[3], evs[0]) {
			t.Errorf("newest first / round trip:\n%+v\n%+v", all[3], evs[0])
		}
		cases := []struct {
			f    store.AccessFilter
			want []int64
		}{
			{store.AccessFilter{Username: "RITA"}, []int64{4, 1}},
			{store.AccessFilter{Action: store.AccessViewClaim}, []int64{3, 1}},
			{store.AccessFilter{PatientID: "P-2"}, []int64{3}},
			{store.AccessFilter{ClaimID: "C-1"}, []int64{1}},
			{store.AccessFilter{Outcome: store.AccessDenied}, []int64{3}},
			{store.AccessFilter{From: t0.Add(time.Minute), To: t0.Add(time.Hour)}, []int64{3, 2}},
			{store.AccessFilter{Username: "bill", Action: store.AccessViewClaim}, []int64{3}},
		}
		for _, c := range cases {
			got := must[[]store.AccessEvent](t)(e.db.AccessEvents(ctx, c.f, store.All))
			var seqs []int64
			for _, ev := range got {
				seqs = append(seqs, ev.Seq)
			}
			if len(seqs) != len(c.want) || (len(seqs) > 0 && (seqs[0] != c.want[0] || seqs[len(seqs)-1] != c.want[len(c.want)-1])) {
				t.Errorf("%+v: got %v, want %v", c.f, seqs, c.want)
			}
		}
		page := must[[]store.AccessEvent](t)(e.db.AccessEvents(ctx, store.AccessFilter{}, store.Page{Limit: 1, Offset: 1}))
		if len(page) != 1 || page[0].Seq != 3 {
			t.Errorf("page %+v", page)
		}
		if n, err := e.db.VerifyAuditChain(ctx); n != 4 || err != nil {
			t.Errorf("verify: %d %v", n, err)
		}
	})
}

func TestAccessLogIsAppendOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		appendEvents(t, e.db, time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
		for _, q := range []string{
			"UPDATE phi_access_log SET username = 'mallory' WHERE seq = 2",
			"DELETE FROM phi_access_log WHERE seq = 2",
			"DELETE FROM phi_access_log",
		} {
			_, err := e.raw.Exec(q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v", q, err)
			}
		}
		if e.db.Dialect() == store.Postgres {
			if _, err := e.raw.Exec("TRUNCATE phi_access_log"); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("truncate: %v", err)
			}
		}
		if n := e.count(t, "SELECT COUNT(*) FROM phi_access_log WHERE username = 'bill'"); n != 2 {
			t.Errorf("log changed: %d rows of bill", n)
		}
	})
}

// dropGuards removes the append-only triggers, as an attacker with DDL
// rights could.
func dropGuards(t *testing.T, e env) {
	if e.db.Dialect() == store.Postgres {
		e.exec(t, "DROP TRIGGER phi_access_log_no_change ON phi_access_log")
		return
	}
	e.exec(t, "DROP TRIGGER phi_access_log_no_update")
	e.exec(t, "DROP TRIGGER phi_access_log_no_delete")
}

func TestAuditChainDetectsTampering(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		appendEvents(t, e.db, t0)
		dropGuards(t, e)
		// Hide who was denied access to a patient's claim.
		e.exec(t, "UPDATE phi_access_log SET username = 'rita', outcome = 'allowed' WHERE seq = 3")
		n, err := e.db.VerifyAuditChain(ctx)
		var ce *store.ChainError
		if !errors.As(err, &ce) || ce.Seq != 3 || n != 2 || !strings.Contains(err.Error(), "entry 3") {
			t.Fatalf("edit not detected: n=%d err=%v", n, err)
		}
	})
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		appendEvents(t, e.db, t0)
		dropGuards(t, e)
		// Recomputing the edited row's own hash does not help: the next link breaks.
		e.exec(t, "UPDATE phi_access_log SET hash = ? WHERE seq = 2", strings.Repeat("ab", 32))
		if _, err := e.db.VerifyAuditChain(ctx); err == nil {
			t.Fatal("forged hash not detected")
		}
	})
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		appendEvents(t, e.db, t0)
		dropGuards(t, e)
		e.exec(t, "DELETE FROM phi_access_log WHERE seq = 2")
		_, err := e.db.VerifyAuditChain(ctx)
		var ce *store.ChainError
		if !errors.As(err, &ce) || ce.Seq != 2 || !strings.Contains(ce.Reason, "missing") {
			t.Fatalf("deletion not detected: %v", err)
		}
	})
}
