package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// maxInstanceFile bounds what `rcmbot schedule plan` reads into memory.
const maxInstanceFile = 64 << 20

func newScheduleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Scheduling bot: plan offline, benchmark; import, request, list, book, attend, cancel, waitlist",
	}
	cmd.AddCommand(newSchedulePlanCmd(), newScheduleEvaluateCmd(), newScheduleBenchCmd(a))
	cmd.AddCommand(scheduleBotCmds(a)...)
	return cmd
}

func newSchedulePlanCmd() *cobra.Command {
	var instance, format string
	cmd := &cobra.Command{
		Use:   "plan --instance FILE.json [--format json|table]",
		Short: "Book an instance's requests at the lowest expected cost (no Temporal needed)",
		Long: `Read a scheduling instance (the JSON format of issue 11: horizon, slot length,
service-time variability, overbooking limit, cost weights, providers' weekly
sessions, visit types, existing appointments, requests and attendance history)
and plan it with the scheduling bot's planner: every request booked into a
feasible slot or left unscheduled, at the lowest expected cost found (patient
waiting, provider idle time and overtime, lead time, missed preferences,
requests left out), overbooking where no-shows are likely.

--format json prints {"assignments": [...], "unscheduled": [...],
"expected_cost": ...} (plus a "breakdown" of the cost and, for probabilities
estimated from the history, each assignment's "no_show_reason"); table
prints the same for people.

Exit status 0 with the plan; 1 with a one-line reason naming the field and
the record for an instance that cannot be planned (unknown or duplicate IDs,
a request in both lists, dates outside the horizon, bad times ...).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "table" {
				return fmt.Errorf("--format %q: want json or table", format)
			}
			in, err := readInstance(cmd.ErrOrStderr(), instance)
			if err != nil {
				return err
			}
			pb := planner.Compile(in)
			plan, err := planner.Plan(pb)
			if err != nil {
				return err
			}
			if format == "table" {
				return printPlan(cmd.OutOrStdout(), in, plan)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(plan)
		},
	}
	cmd.Flags().StringVar(&instance, "instance", "", "the instance, a JSON file (required)")
	cmd.Flags().StringVar(&format, "format", "json", "output: json or table")
	_ = cmd.MarkFlagRequired("instance")
	return cmd
}

func newScheduleEvaluateCmd() *cobra.Command {
	var instance, planFile string
	cmd := &cobra.Command{
		Use:   "evaluate --instance FILE.json --plan PLAN.json",
		Short: "Check a plan against its instance and print its expected cost term by term",
		Long: `Check that a plan (the output of 'rcmbot schedule plan', or another tool's in
the same format) is feasible for the instance, and recompute its expected
cost from scratch with the cost model, using the no_show_probability each
assignment states. Prints the breakdown as JSON.

Exit status 0 for a feasible plan; 1 with a one-line reason for a bad
instance or an infeasible plan (naming the request and the rule broken).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := readInstance(cmd.ErrOrStderr(), instance)
			if err != nil {
				return err
			}
			data, err := readLimited(planFile)
			if err != nil {
				return err
			}
			var plan schedule.Plan
			if err := json.Unmarshal(data, &plan); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "rcmbot: %s: not a plan (%v)\n", planFile, err)
				return exitError{code: 1}
			}
			b, err := planner.Evaluate(planner.Compile(in), &plan)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "rcmbot: %s: %s\n", planFile, fault.MessageOf(err))
				return exitError{code: 1}
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(b)
		},
	}
	cmd.Flags().StringVar(&instance, "instance", "", "the instance, a JSON file (required)")
	cmd.Flags().StringVar(&planFile, "plan", "", "the plan, a JSON file (required)")
	_ = cmd.MarkFlagRequired("instance")
	_ = cmd.MarkFlagRequired("plan")
	return cmd
}

func newScheduleBenchCmd(_ *app) *cobra.Command {
	cfg := clinicsim.DefaultBenchConfig
	var format, jsonOut string
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Run the scheduling benchmark: the planner against FCFS, flat overbooking and Bailey–Welch",
		Long: `Run the scheduling benchmark of issue 11 on the seeded clinic simulator
(internal/schedule/clinicsim): a clinic whose patients' no-show probabilities
rise with lead time and vary by patient, weekday and time of day, and whose
service times are lognormal. Each replication is a fortnight in which requests
arrive day by day and each policy books each night's arrivals onto the
calendar booked so far: the planner, first-come-first-served earliest slot,
flat overbooking (a second patient in every k-th slot, k tuned on separate
replications) and Bailey–Welch. Every policy's final calendar is priced under
the true probabilities (expected cost) and in one simulated fortnight with the
same shows and service times for all (common random numbers). The table gives
each metric's mean and the planner's paired difference from the best rule with
its 95% confidence interval. Then small instances are solved exactly to
measure the planner's gap to the optimum, and the 400-request instance is
planned on one core to time it.

The default run (1,000 replications) takes several minutes of CPU on every
core; --replications 100 gives a quick look.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "table" {
				return fmt.Errorf("--format %q: want json or table", format)
			}
			if cfg.Replications < 2 || cfg.Tuning < 1 {
				return errors.New("--replications must be at least 2 and --tuning at least 1")
			}
			rep, err := clinicsim.Bench(cfg)
			if err != nil {
				return err
			}
			if jsonOut != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
					return err
				}
			}
			if format == "table" {
				return rep.WriteTable(cmd.OutOrStdout())
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed of the clinic and the replications")
	f.IntVar(&cfg.Replications, "replications", cfg.Replications, "fortnights compared")
	f.IntVar(&cfg.Tuning, "tuning", cfg.Tuning, "replications (other seeds) that choose flat overbooking's k")
	f.IntVar(&cfg.Requests, "requests", cfg.Requests, "requests arriving per fortnight")
	f.Float64Var(&cfg.Fill, "fill", cfg.Fill, "share of slots booked before the fortnight")
	f.IntVar(&cfg.Small, "small", cfg.Small, "small instances solved exactly")
	f.IntVar(&cfg.TimingRuns, "timing-runs", cfg.TimingRuns, "plans of the 400-request instance timed (0: none)")
	f.IntVar(&cfg.Workers, "workers", 0, "replications run in parallel (0: one per CPU)")
	f.StringVar(&format, "format", "table", "output: table or json")
	f.StringVar(&jsonOut, "json-out", "", "also write the report as JSON to this file")
	return cmd
}

// readInstance reads and checks an instance file; a bad instance prints
// its one-line reason to stderr and ends with exit status 1.
func readInstance(stderr io.Writer, path string) (*schedule.Instance, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	in, err := schedule.ParseInstance(data)
	if err != nil {
		fmt.Fprintf(stderr, "rcmbot: %s: %s\n", path, fault.MessageOf(err))
		return nil, exitError{code: 1}
	}
	return in, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInstanceFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInstanceFile {
		return nil, errors.New(path + " is larger than 64 MB; split it")
	}
	return data, nil
}

// printPlan writes a plan for people: one line per booking in service
// order, the unscheduled requests, the cost's terms.
func printPlan(w io.Writer, in *schedule.Instance, p *schedule.Plan) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tDATE\tSTART\tREQUEST\tNO-SHOW\tWHY")
	for _, a := range p.Assignments {
		why := a.NoShowReason
		if why == "" {
			why = "given"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f%%\t%s\n", a.ProviderID, a.Date, a.Start, a.RequestID, 100*a.NoShowProbability, why)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.Unscheduled) > 0 {
		fmt.Fprintf(w, "unscheduled: %v\n", p.Unscheduled)
	}
	if b := p.Breakdown; b != nil {
		c := in.Costs
		fmt.Fprintf(w, "expected cost %.2f = wait %.1f min ×%g + idle %.1f min ×%g + overtime %.1f min ×%g + lead %d days ×%g + %d preference misses ×%g + %d unscheduled ×%g\n",
			p.ExpectedCost, b.WaitMinutes, c.WaitPerMinute, b.IdleMinutes, c.IdlePerMinute, b.OvertimeMinutes, c.OvertimePerMinute,
			b.LeadDays, c.LeadTimePerDay, b.PreferenceMisses, c.PreferenceMiss, b.Unscheduled, c.Unscheduled)
		fmt.Fprintf(w, "%d booked (%d overbooked) in %d sessions\n", b.Booked, b.Overbooked, b.Sessions)
	}
	return nil
}
