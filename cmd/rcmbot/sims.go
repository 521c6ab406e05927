package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/sim"
)

func newPayerSimCmd(a *app) *cobra.Command {
	var cfg sim.PayerConfig
	var addr, payerList string
	cmd := &cobra.Command{
		Use:   "payer-sim",
		Short: "Run the payer simulator (eligibility over JSON and X12 270/271)",
		Long: `Run a payer simulator for development, demos and load tests: a real HTTP
server answering eligibility questions like a clearinghouse's JSON API
(POST /eligibility/v3) and like an X12 payer (POST /x12/270 → 271).

Its members are fictional and seeded (the same --seed gives the same people
and answers): active, high-deductible, dependent, inactive, other-payer,
not-found (AAA 75), invalid-ID (AAA 72), changed-ID and unavailable (AAA 42)
members for every payer; any other member ID gets a profile picked from it.
GET /admin/roster lists them. Answers take --latency-min to --latency-max;
--rate answers 429 with Retry-After beyond that many requests per second
per payer. Faults (5xx bursts, hangs, AAA 42) are set at run time:

  curl -X POST localhost:9091/admin/faults -d '{"payer":"60054","server_errors":5,"retry_after":2}'
  curl localhost:9091/admin/stats

The default address matches RCMBOT_ELIGIBILITY_URL's default; 'rcmbot dev'
runs one itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, p := range strings.Split(payerList, ",") {
				if p = strings.TrimSpace(p); p != "" {
					cfg.Payers = append(cfg.Payers, p)
				}
			}
			s, err := sim.NewPayerSim(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "payer simulator listening on %s (%d roster members; GET /admin/roster lists them)\n", addr, len(s.Roster()))
			return s.Run(cmd.Context(), addr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", ":9091", "address to listen on")
	f.Int64Var(&cfg.Seed, "seed", sim.DefaultSeed, "seed of the roster and answers (the committed roster fixtures use the default)")
	f.IntVar(&cfg.PerProfile, "per-profile", 2, "roster members per payer and profile")
	f.StringVar(&payerList, "payers", "", "comma-separated payer IDs on the roster (default: the starter payer directory's)")
	f.DurationVar(&cfg.LatencyMin, "latency-min", 0, "shortest answer delay")
	f.DurationVar(&cfg.LatencyMax, "latency-max", 0, "longest answer delay (0: answer at once)")
	f.StringVar(&cfg.Latency, "latency", "uniform", "delay distribution between the bounds: uniform or lognormal")
	f.Float64Var(&cfg.Rate, "rate", 0, "requests per second each payer accepts before answering 429 (0: no limit)")
	f.IntVar(&cfg.Burst, "burst", 0, "token bucket size of the rate limit (0: rate/5, at least 1)")
	f.StringVar(&cfg.PayerRates, "payer-rates", "", `per-payer rate[:burst] overrides, e.g. "60054=20,01112=50:10"`)
	f.DurationVar(&cfg.Hang, "hang", 0, "how long a timeout fault holds a request before answering 504 (0: 2 minutes)")
	return cmd
}

func newClearinghouseSimCmd(a *app) *cobra.Command {
	var cfg sim.ClearinghouseConfig
	var addr string
	cmd := &cobra.Command{
		Use:   "clearinghouse-sim",
		Short: "Run the clearinghouse simulator (837P in, 999 and 277CA out)",
		Long: `Run a clearinghouse simulator for development, demos and tests: a real HTTP
server that takes 837P submissions (POST /claims/837 with an Idempotency-Key
header) and answers with a 999, then makes each claim's 277CA available after
--ack-delay (GET /claims/277ca?interchange=N). A repeated Idempotency-Key gets
the stored answer, so exactly-once delivery can be checked in /admin/stats.

Claims are rejected in the 277CA when they match a rule: --reject-payers,
--reject-every, --reject-prefix, and (unless --keep-unbalanced) a claim whose
total differs from the sum of its lines. Faults are set at run time:

  curl -X POST localhost:9092/admin/faults -d '{"server_errors":3,"retry_after":1}'
  curl localhost:9092/admin/stats

The default address matches RCMBOT_CLEARINGHOUSE_URL's default; 'rcmbot dev'
runs one itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sim.NewClearinghouseSim(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "clearinghouse simulator listening on %s\n", addr)
			return s.Run(cmd.Context(), addr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", ":9092", "address to listen on")
	f.StringVar(&cfg.ID, "id", "CLEARINGHOUSE", "the clearinghouse's ISA/GS ID on 999s and 277CAs")
	f.DurationVar(&cfg.AckDelay, "ack-delay", 0, "how long after a submission its 277CA is ready (0: 2 s)")
	f.DurationVar(&cfg.Delay, "delay", 0, "extra delay before answering each submission")
	f.DurationVar(&cfg.Hang, "hang", 0, "how long a timeout fault holds a request before answering 504 (0: 2 minutes)")
	f.StringVar(&cfg.RejectPayers, "reject-payers", "", "comma-separated payer IDs whose claims the 277CA rejects (A3:116)")
	f.BoolVar(&cfg.KeepUnbalanced, "keep-unbalanced", false, "accept claims whose total differs from the sum of their lines")
	f.IntVar(&cfg.RejectEvery, "reject-every", 0, "reject every Nth accepted claim (0: none)")
	f.StringVar(&cfg.RejectPrefix, "reject-prefix", "", "reject claims whose ID starts with this")
	f.StringVar(&cfg.RejectSubmitters, "reject-submitters", "", "comma-separated submitter IDs (ISA06) the 277CA rejects at the information receiver level (A3:24:41)")
	f.StringVar(&cfg.RejectProviders, "reject-providers", "", "comma-separated billing NPIs the 277CA rejects at the billing provider level (A7:562:85)")
	f.Int64Var(&cfg.Seed, "seed", 0, "seed of the fault rates")
	f.Int64Var(&cfg.MaxBody, "max-body", 0, "largest submission accepted in bytes (0: 64 MB)")
	return cmd
}

func newSupplierSimCmd(*app) *cobra.Command {
	var cfg sim.SupplierConfig
	var addr string
	cmd := &cobra.Command{
		Use:   "supplier-sim",
		Short: "Run the supplier simulator (purchase orders in, acknowledgments out)",
		Long: `Run a supplier simulator for development, demos and tests: a real HTTP server
that takes purchase orders (POST /orders, JSON, with the PO number as the
Idempotency-Key header) and acknowledges each line: accepted, backordered,
partial (half now, the rest backordered) or refused. A PO number is placed
once: sending it again returns the same acknowledgment, and /admin/stats
counts how often each number was placed (exactly-once means 1).

Lines are backordered, split or refused by --backorder, --partial and
--refuse (SKU lists) or by --backorder-rate and --partial-rate. Faults are set
at run time; lose_answers places the next N orders but answers 503 (the buyer
crashing between sending and reading the acknowledgment):

  curl -X POST localhost:9093/admin/faults -d '{"throttles":2,"retry_after":3,"lose_answers":1}'
  curl localhost:9093/admin/stats

The default address matches RCMBOT_SUPPLIER_URL's default; 'rcmbot dev' runs
one itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sim.NewSupplierSim(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "supplier simulator listening on %s\n", addr)
			return s.Run(cmd.Context(), addr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", ":9093", "address to listen on")
	f.StringVar(&cfg.BackorderSKUs, "backorder", "", "comma-separated SKUs backordered in full")
	f.StringVar(&cfg.PartialSKUs, "partial", "", "comma-separated SKUs shipped half now, half backordered")
	f.StringVar(&cfg.RefuseSKUs, "refuse", "", "comma-separated SKUs the supplier does not sell")
	f.Float64Var(&cfg.BackorderRate, "backorder-rate", 0, "fraction of other lines backordered")
	f.Float64Var(&cfg.PartialRate, "partial-rate", 0, "fraction of other lines shipped partially")
	f.IntVar(&cfg.LeadDays, "lead-days", 0, "lead time the acknowledgment promises in days (0: 3)")
	f.DurationVar(&cfg.Delay, "delay", 0, "extra delay before each answer")
	f.DurationVar(&cfg.Hang, "hang", 0, "how long a timeout fault holds a request before answering 504 (0: 2 minutes)")
	f.Int64Var(&cfg.Seed, "seed", 0, "seed of the rates")
	return cmd
}
