package activities

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// BenchmarkAuditScanStored: the nightly scan over accesses imported into
// SQLite (200 users, 2,000 patients, 50,000 and 200,000 accesses over 20
// days), both passes streamed from the database. Reports accesses per
// second and the peak heap in use during the scan, which must not grow
// with the accesses.
func BenchmarkAuditScanStored(b *testing.B) {
	for _, n := range []int{50_000, 200_000} {
		b.Run(fmt.Sprintf("accesses=%d", n), func(b *testing.B) { benchScanStored(b, n) })
	}
}

func benchScanStored(b *testing.B, events int) {
	const users, patients = 200, 2_000
	db := storetest.Open(b)
	ctx := context.Background()
	var dir store.AuditDirectory
	for u := range users {
		dir.Staff = append(dir.Staff, audit.Staff{UserID: fmt.Sprintf("u%03d", u), LastName: fmt.Sprintf("Name%d", u), Department: fmt.Sprintf("D%d", u%10),
			Role: "nurse", ShiftStart: audit.NoClock, ShiftEnd: audit.NoClock})
	}
	for p := range patients {
		dir.Patients = append(dir.Patients, audit.Patient{PatientID: fmt.Sprintf("p%04d", p), LastName: fmt.Sprintf("Pat%d", p)})
	}
	start := time.Now().Add(-20 * 24 * time.Hour)
	for p := range patients {
		at := start.Add(time.Duration(p) * time.Minute * 10)
		dir.Encounters = append(dir.Encounters, audit.Encounter{PatientID: fmt.Sprintf("p%04d", p), Department: fmt.Sprintf("D%d", p%10), Kind: audit.KindAdmission, Start: at, End: at.Add(48 * time.Hour)})
	}
	imp, err := db.BeginAuditImport(ctx, store.AuditImport{Label: "bench"}, dir)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]audit.Event, 0, 2000)
	for i := range events {
		p := (i * 7919) % patients
		chunk = append(chunk, audit.Event{Time: start.Add(time.Duration(i) * (20 * 24 * time.Hour) / time.Duration(events)), UserID: fmt.Sprintf("u%03d", (p%10)+10*((i/3)%20)),
			PatientID: fmt.Sprintf("p%04d", p), Action: audit.ActionView, Workstation: "ws"})
		if len(chunk) == cap(chunk) {
			if err := db.AppendAuditEvents(ctx, imp.ID, int64(i-len(chunk)+2), chunk); err != nil {
				b.Fatal(err)
			}
			chunk = chunk[:0]
		}
	}
	a := &Audit{DB: db}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	var out AccessScanOutput
	for range b.N {
		v, err := env.ExecuteActivity(a.ScanAccess, AccessScanInput{})
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Get(&out); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	<-sampled
	if out.Events != events {
		b.Fatalf("scanned %d accesses, want %d", out.Events, events)
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "accesses/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(out.ExplainedFraction, "explained")
}
