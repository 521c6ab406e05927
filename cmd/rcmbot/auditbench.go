package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/synth"
)

// benchReport is what 'rcmbot audit bench --format json' prints.
type benchReport struct {
	Staff           int              `json:"staff"`
	Patients        int              `json:"patients"`
	Encounters      int              `json:"encounters"`
	Events          int              `json:"events"`
	InjectedEvents  int              `json:"injected_events"`
	NoiseEvents     int              `json:"noise_events"`
	Days            int              `json:"days"`
	ScanSeconds     float64          `json:"scan_seconds"`
	ScanCPUSeconds  float64          `json:"scan_cpu_seconds"`
	EventsPerCPUSec float64          `json:"events_per_cpu_second"`
	ExplainedAll    float64          `json:"explained_fraction"`
	ExplainedLegit  float64          `json:"explained_fraction_legitimate"`
	Templates       []audit.Template `json:"discovered_templates"`
	Evaluation      synth.Evaluation `json:"evaluation"`
	RowErrors       int              `json:"row_errors"`
}

func newAuditBenchCmd(a *app) *cobra.Command {
	cfg := synth.DefaultConfig()
	var out, format string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Generate a synthetic hospital, scan its access log and score the alerts against the labels",
		Long: `Generate a synthetic hospital (about 550 staff in 15 departments and shifts,
40,000 patients, 30 days, about a million accesses), inject labelled
inappropriate accesses (co-worker, family, neighbour, VIP curiosity, a
terminated user, a compromised account exporting at night, slow curiosity,
self-access) and traps that must not alert, write the four files, run
'rcmbot audit scan' on them and report recall (overall and per scenario),
false alerts per 100 staff per day, the share of legitimate accesses
explained, and the scan's speed (wall and CPU time, which includes parsing
the CSV files). --out keeps the files; otherwise they go to a temporary
directory that is removed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Seed = seed
			t0 := time.Now()
			h := synth.Generate(cfg)
			genTime := time.Since(t0)
			dir := out
			if dir == "" {
				tmp, err := os.MkdirTemp("", "rcmbot-auditbench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			} else if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			src, err := h.WriteFiles(dir)
			if err != nil {
				return err
			}
			opts := audit.Options{Location: cfg.Location}
			cpu0, wall0 := cpuTime(), time.Now()
			res, base, err := audit.ScanFiles(src, opts)
			if err != nil {
				return err
			}
			wall, cpu := time.Since(wall0), cpuTime()-cpu0
			// The explained share of legitimate accesses: judge the
			// injected accesses alone against the same baselines and
			// take them out.
			dir2, _, err := audit.LoadDirectory(src, opts)
			if err != nil {
				return err
			}
			j := audit.NewJudge(dir2, base, opts)
			for _, e := range h.Injected() {
				j.Add(e)
			}
			inj := j.Result()
			rep := benchReport{Staff: len(h.Staff), Patients: len(h.Patients), Encounters: len(h.Encounters), Events: h.Events(),
				InjectedEvents: h.InjectedEvents(), NoiseEvents: h.NoiseEvents(), Days: cfg.Days,
				ScanSeconds: wall.Seconds(), ScanCPUSeconds: cpu.Seconds(), EventsPerCPUSec: float64(res.Events) / cpu.Seconds(),
				ExplainedAll: res.ExplainedFraction(), Templates: res.Templates, RowErrors: len(res.RowErrors),
				ExplainedLegit: float64(res.Explained-inj.Explained) / float64(max(1, res.WithPatient-inj.WithPatient)),
				Evaluation:     synth.Evaluate(h, res.Alerts)}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printBench(cmd.OutOrStdout(), rep, genTime)
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", cfg.Seed, "random seed (the data set is deterministic for a seed)")
	cmd.Flags().IntVar(&cfg.Days, "days", cfg.Days, "days of access log")
	cmd.Flags().IntVar(&cfg.Patients, "patients", cfg.Patients, "patients on the roster")
	cmd.Flags().Float64Var(&cfg.StaffScale, "staff-scale", cfg.StaffScale, "multiply every department's staff")
	cmd.Flags().Float64Var(&cfg.Load, "load", cfg.Load, "multiply the clinical work (and so the accesses)")
	cmd.Flags().IntVar(&cfg.Instances, "instances", cfg.Instances, "labelled cases per scenario")
	cmd.Flags().StringVar(&out, "out", "", "write the generated files (and labels.json) to this directory and keep them")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func printBench(w io.Writer, r benchReport, gen time.Duration) {
	ev := r.Evaluation
	fmt.Fprintf(w, "hospital: %d staff, %d patients, %d encounters, %d days, %d accesses (%d injected, %d legitimate but unrecorded); generated in %.1fs\n",
		r.Staff, r.Patients, r.Encounters, r.Days, r.Events, r.InjectedEvents, r.NoiseEvents, gen.Seconds())
	fmt.Fprintf(w, "scan: %.2fs wall, %.2fs CPU, %.0f accesses per CPU-second (two passes, CSV parsing included)\n",
		r.ScanSeconds, r.ScanCPUSeconds, r.EventsPerCPUSec)
	fmt.Fprintf(w, "explained: %.2f%% of all accesses naming a patient, %.2f%% of legitimate ones; %d discovered templates\n",
		100*r.ExplainedAll, 100*r.ExplainedLegit, len(r.Templates))
	fmt.Fprintf(w, "recall: %.3f overall (%d of %d units)\n", ev.Overall.Recall(), ev.Overall.Detected, ev.Overall.Units)
	var names []string
	for s := range ev.PerScenario {
		names = append(names, string(s))
	}
	sort.Strings(names)
	for _, s := range names {
		sc := ev.PerScenario[synth.Scenario(s)]
		fmt.Fprintf(w, "  %-20s %.3f (%d of %d)\n", s, sc.Recall(), sc.Detected, sc.Units)
	}
	fmt.Fprintf(w, "alerts: %d, false %d (%.2f per 100 staff per day), on traps %d\n",
		ev.Alerts, ev.FalseAlerts, ev.FalsePer100StaffDays, ev.TrapAlerts)
	fmt.Fprintf(w, "  false by rule: %v\n  true by rule: %v\n", ev.FalseByRule, ev.TrueByRule)
	for _, m := range ev.Missed {
		fmt.Fprintf(w, "  missed: %s %s %s\n", m.Scenario, m.UserID, m.PatientID)
	}
	if r.RowErrors > 0 {
		fmt.Fprintf(w, "row errors: %d\n", r.RowErrors)
	}
}
