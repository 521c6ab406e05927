package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/store"
)

// history is a realistic access log of n entries: claim views naming one
// patient, pages listing several, batch exports, denials.
func history(t0 time.Time, n int) []store.AccessEvent {
	var out []store.AccessEvent
	for i := range n {
		e := store.AccessEvent{At: t0.Add(time.Duration(i) * time.Minute), UserID: fmt.Sprintf("u-%d", i%3), Username: []string{"rita", "bill", "ana"}[i%3],
			Role: store.RoleReviewer, Action: store.AccessViewClaim, BatchID: "b-1", ClaimID: fmt.Sprintf("C-%d", i),
			PatientID: fmt.Sprintf("a:%d", i%7), ClientAddr: "10.0.0.5", Outcome: store.AccessAllowed}
		switch i % 5 {
		case 1:
			e.Action, e.ClaimID, e.PatientID, e.Patients = store.AccessViewFindings, "", "", []string{"a:1", "a:2", fmt.Sprintf("a:%d", i)}
		case 2:
			e.Action, e.ClaimID, e.PatientID, e.ShowedBatch = store.AccessExportFindings, "", "", "b-1"
		case 3:
			e.Outcome, e.Detail = store.AccessDenied, "role biller may not view claim detail"
		}
		out = append(out, e)
	}
	return out
}

// audited is a database whose access log signs a checkpoint per append
// into a file outside it, as `rcmbot web` runs.
type audited struct {
	env
	verifier    note.Verifier
	checkpoints string // the checkpoint file
}

func newAudited(t *testing.T, e env) audited {
	t.Helper()
	skey, vkey, err := auditlog.GenerateKey("rcmbot-audit-test")
	check(t, err)
	signer := must[note.Signer](t)(note.NewSigner(skey))
	v := must[note.Verifier](t)(note.NewVerifier(vkey))
	path := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	e.db.SetAuditSigner(signer, auditlog.NewCheckpointFile(path))
	return audited{env: e, verifier: v, checkpoints: path}
}

func (a audited) append(t *testing.T, evs []store.AccessEvent) {
	t.Helper()
	for _, ev := range evs {
		must[store.AccessEvent](t)(a.db.AppendAccess(context.Background(), ev))
	}
}

// verify checks the log against every checkpoint in the file.
func (a audited) verify(t *testing.T) *auditlog.Report {
	t.Helper()
	cps := must[[]auditlog.Trusted](t)(auditlog.ReadCheckpoints(a.checkpoints))
	return must[*auditlog.Report](t)(a.db.VerifyAccessLog(context.Background(), a.verifier, cps))
}

// wantTampered fails unless rep found tampering and says each of want.
func wantTampered(t *testing.T, rep *auditlog.Report, want ...string) {
	t.Helper()
	all := strings.Join(rep.Problems, "\n")
	if rep.OK() {
		t.Fatalf("tampering not detected (%d records, %d checks)", rep.Records, len(rep.Checks))
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("report lacks %q:\n%s", w, all)
		}
	}
}

// accessTables are the access log's tables and their columns in key order.
var accessTables = []struct{ name, cols, order string }{
	{"phi_access_log", "seq, at, user_id, username, role, action, batch_id, claim_id, patient_id, client_addr, outcome, detail, prev_hash, hash", "seq"},
	{"phi_access_patients", "seq, patient_key", "seq, patient_key"},
	{"phi_access_batches", "seq, batch_id", "seq, batch_id"},
	{"phi_access_tree", "idx, hash", "idx"},
}

// dropAllGuards removes or disables every trigger guarding the access
// log's tables, as their owner can.
func dropAllGuards(t *testing.T, e env) {
	t.Helper()
	if e.db.Dialect() == store.Postgres {
		for _, tb := range accessTables {
			e.exec(t, "ALTER TABLE "+tb.name+" DISABLE TRIGGER USER")
		}
		return
	}
	var names []string
	check(t, e.raw.Select(&names, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'phi_access%'"))
	if len(names) < 8 {
		t.Fatalf("only %d triggers on the access log's tables: %v", len(names), names)
	}
	for _, n := range names {
		e.exec(t, "DROP TRIGGER "+n)
	}
}

// forge builds the log an attacker wants (evs, appended by rcmbot's own
// code, so every hash in it is right) in a database of their own.
func forge(t *testing.T, evs []store.AccessEvent) env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "forged.db")
	f := openEnv(t, "sqlite://"+path, "sqlite", "file:"+path)
	for _, ev := range evs {
		must[store.AccessEvent](t)(f.db.AppendAccess(context.Background(), ev))
	}
	return f
}

// rows reads a table's rows from e.
func rows(t *testing.T, e env, table, cols, order string) [][]any {
	t.Helper()
	rs, err := e.raw.Query("SELECT " + cols + " FROM " + table + " ORDER BY " + order)
	check(t, err)
	defer rs.Close()
	n := len(strings.Split(cols, ","))
	var out [][]any
	for rs.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		check(t, rs.Scan(ptrs...))
		out = append(out, vals)
	}
	check(t, rs.Err())
	return out
}

// overwrite replaces the victim's access log with the forged one: with
// verb "INSERT" after deleting every row, or with "INSERT OR REPLACE"
// (SQLite) / an UPSERT (PostgreSQL) over the rows in place.
func overwrite(t *testing.T, victim, forged env, replace bool) {
	t.Helper()
	for _, tb := range accessTables {
		if !replace {
			victim.exec(t, "DELETE FROM "+tb.name)
		}
		cols := strings.Split(tb.cols, ", ")
		q := "INSERT INTO " + tb.name + " (" + tb.cols + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		if replace {
			q = upsert(victim, tb.name, tb.cols, tb.order)
		}
		for _, r := range rows(t, forged, tb.name, tb.cols, tb.order) {
			victim.exec(t, q, r...)
		}
	}
}

// upsert is the statement that writes a row over the one with its key.
func upsert(e env, table, cols, key string) string {
	list := strings.Split(cols, ", ")
	vals := strings.TrimSuffix(strings.Repeat("?, ", len(list)), ", ")
	if e.db.Dialect() == store.SQLite {
		return "INSERT OR REPLACE INTO " + table + " (" + cols + ") VALUES (" + vals + ")"
	}
	var set []string
	for _, c := range list {
		set = append(set, c+" = excluded."+c)
	}
	return "INSERT INTO " + table + " (" + cols + ") VALUES (" + vals + ") ON CONFLICT (" + key + ") DO UPDATE SET " + strings.Join(set, ", ")
}

var t0 = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

func TestAccessLogVerifiesAgainstCheckpoints(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		a := newAudited(t, e)
		a.append(t, history(t0, 40))
		rep := a.verify(t)
		if !rep.OK() || rep.Records != 40 || len(rep.Checks) != 40 {
			t.Fatalf("clean log: %d records, %d checks, problems %v", rep.Records, len(rep.Checks), rep.Problems)
		}
		for _, c := range rep.Checks {
			if !c.OK {
				t.Errorf("check %+v", c)
			}
		}
		// A log with entries and no checkpoint vouching for it is not verified.
		rep = must[*auditlog.Report](t)(a.db.VerifyAccessLog(context.Background(), a.verifier, nil))
		wantTampered(t, rep, "no signed checkpoint vouches for the 40 entries")
	})
}

// TestAccessLogGuardsStopReplace: INSERT OR REPLACE and UPSERT, which
// rewrote every entry through SQLite's triggers (issue 14), are refused on
// the log and its tree, and nothing in any of the log's tables changes.
func TestAccessLogGuardsStopReplace(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		a := newAudited(t, e)
		a.append(t, history(t0, 12))
		before := make(map[string][][]any)
		for _, tb := range accessTables {
			before[tb.name] = rows(t, e, tb.name, tb.cols, tb.order)
		}
		var stmts []string
		// (The patient tables' every column is their key: a REPLACE there
		// writes back the row it removes; UPDATE triggers stop UPSERTs.)
		for _, tb := range []struct{ name, cols, order string }{accessTables[0], accessTables[3]} {
			cols := strings.Split(tb.cols, ", ")
			forged := append([]string{cols[0]}, cols[1:]...)
			for i := range forged[1:] {
				forged[i+1] = "'forged'"
			}
			verb := "INSERT OR REPLACE INTO"
			if e.db.Dialect() == store.Postgres {
				verb = "INSERT INTO"
			}
			// Every row at once, as the attack did, then one row.
			for _, limit := range []string{"", " LIMIT 1"} {
				q := verb + " " + tb.name + " (" + tb.cols + ") SELECT " + strings.Join(forged, ", ") + " FROM " + tb.name + limit
				if e.db.Dialect() == store.Postgres {
					var set []string
					for _, c := range cols {
						set = append(set, c+" = excluded."+c)
					}
					q += " ON CONFLICT (" + tb.order + ") DO UPDATE SET " + strings.Join(set, ", ")
				}
				stmts = append(stmts, q)
			}
		}
		if e.db.Dialect() == store.SQLite {
			stmts = append(stmts, "REPLACE INTO phi_access_log (seq, at, action, outcome, prev_hash, hash) VALUES (3, 'x', 'view_claim', 'allowed', 'x', 'x')")
		}
		// Inserting among the entries (a forged entry after deleting one) is refused too.
		stmts = append(stmts, "INSERT INTO phi_access_log (seq, at, action, outcome, prev_hash, hash) VALUES (40, 'x', 'view_claim', 'allowed', 'x', 'x')",
			"INSERT INTO phi_access_tree (idx, hash) VALUES (1000, 'x')")
		for _, q := range stmts {
			_, err := e.raw.Exec(q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v", q, err)
			}
		}
		for _, tb := range accessTables {
			if got := rows(t, e, tb.name, tb.cols, tb.order); fmt.Sprint(got) != fmt.Sprint(before[tb.name]) {
				t.Errorf("%s changed", tb.name)
			}
		}
		if rep := a.verify(t); !rep.OK() {
			t.Errorf("log no longer verifies: %v", rep.Problems)
		}
		a.append(t, history(t0.Add(time.Hour), 1)) // appends still work
	})
}

// TestAccessLogRewritesAreDetected performs each attack of issue 14 as
// the database's owner would (guards dropped, every hash recomputed by
// rcmbot's own code in a database of the attacker's), shows the unkeyed
// chain still verifies, and that the signed checkpoints do not. The log
// has 242 entries, as the one the finding rewrote.
func TestAccessLogRewritesAreDetected(t *testing.T) {
	h := history(t0, 242)
	attacks := []struct {
		name    string
		attack  func(t *testing.T, a audited)
		problem []string
	}{
		{"edit one entry and recompute every hash forward", func(t *testing.T, a audited) {
			forged := append([]store.AccessEvent(nil), h...)
			forged[17].Username, forged[17].Outcome, forged[17].Detail = "rita", store.AccessAllowed, "" // hide a denial
			forged[16].Patients = forged[16].Patients[:1]                                                // and who a page showed
			dropAllGuards(t, a.env)
			overwrite(t, a.env, forge(t, forged), false)
		}, []string{"the change lies in records 16 to 16", "were changed, removed, reordered or renumbered"}},
		{"delete entries and renumber the rest", func(t *testing.T, a audited) {
			forged := append(append([]store.AccessEvent(nil), h[:9]...), h[12:]...)
			dropAllGuards(t, a.env)
			overwrite(t, a.env, forge(t, forged), false)
		}, []string{"the change lies in records 9 to 9", "records at the end were cut off"}},
		{"cut off the tail", func(t *testing.T, a audited) {
			dropAllGuards(t, a.env)
			for _, tb := range accessTables[:3] {
				a.exec(t, "DELETE FROM "+tb.name+" WHERE seq > 35")
			}
			a.exec(t, "DELETE FROM phi_access_tree WHERE idx >= ?", tlog.StoredHashCount(35))
		}, []string{"it covers 242 records but the export has only 35: records at the end were cut off"}},
		{"INSERT OR REPLACE every entry, one forged (UPSERT on PostgreSQL)", func(t *testing.T, a audited) {
			forged := append([]store.AccessEvent(nil), h...)
			forged[230].Action, forged[230].PatientID = store.AccessViewEligibility, "a:999"
			dropAllGuards(t, a.env)
			overwrite(t, a.env, forge(t, forged), true)
		}, []string{"the change lies in records 230 to 230"}},
	}
	for _, at := range attacks {
		t.Run(strings.ReplaceAll(at.name, " ", "_"), func(t *testing.T) {
			forEachDB(t, func(t *testing.T, e env) {
				a := newAudited(t, e)
				a.append(t, h)
				if rep := a.verify(t); !rep.OK() {
					t.Fatalf("before the attack: %v", rep.Problems)
				}
				at.attack(t, a)
				// The attack gets through the unkeyed chain...
				if _, err := a.db.VerifyAuditChain(context.Background()); err != nil {
					t.Fatalf("the attacker's chain should verify (that was the finding): %v", err)
				}
				// ...and not through the checkpoints.
				wantTampered(t, a.verify(t), at.problem...)
			})
		})
	}
}

// TestAccessLogCheckpointsCannotBeForged: without the signing key, the
// attacker cannot add a checkpoint for a rewritten log; one signed with
// another key, or edited, is reported.
func TestAccessLogCheckpointsCannotBeForged(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		a := newAudited(t, e)
		a.append(t, history(t0, 10))
		forged := history(t0, 10)
		forged[4].Username = "ana"
		dropAllGuards(t, e)
		overwrite(t, e, forge(t, forged), false)
		// The attacker signs the new tree with a key of their own and appends it.
		skey, _, err := auditlog.GenerateKey("rcmbot-audit-test")
		check(t, err)
		signer := must[note.Signer](t)(note.NewSigner(skey))
		e.db.SetAuditSigner(signer, auditlog.NewCheckpointFile(a.checkpoints))
		a.append(t, history(t0.Add(time.Hour), 1))
		wantTampered(t, a.verify(t), "not signed by the audit key", "the change lies in records 4 to 4")
		// An edited checkpoint's signature fails.
		b := must[[]byte](t)(os.ReadFile(a.checkpoints))
		check(t, os.WriteFile(a.checkpoints, []byte(strings.Replace(string(b), "\n10\n", "\n9\n", 1)), 0o600))
		wantTampered(t, a.verify(t), "signature is invalid")
	})
}

// TestAccessLogTreeTakesInOlderEntries: entries written before the tree
// existed (before migration 0012) become its first leaves on the next
// append, and that append's checkpoint vouches for them.
func TestAccessLogTreeTakesInOlderEntries(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		for _, ev := range history(t0, 6) {
			must[store.AccessEvent](t)(e.db.AppendAccess(ctx, ev))
		}
		dropAllGuards(t, e)
		e.exec(t, "DELETE FROM phi_access_tree")
		a := newAudited(t, e)
		a.append(t, history(t0.Add(time.Hour), 1))
		rep := a.verify(t)
		if !rep.OK() || rep.Records != 7 || len(rep.Checks) != 1 || rep.Checks[0].Size != 7 {
			t.Fatalf("%d records, checks %+v, problems %v", rep.Records, rep.Checks, rep.Problems)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM phi_access_tree"); int64(n) != tlog.StoredHashCount(7) {
			t.Errorf("%d stored hashes", n)
		}
	})
}
