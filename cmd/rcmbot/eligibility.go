package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/eligibilitybot"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

func newEligibilityCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eligibility",
		Short: "Check patients' insurance eligibility with their payers",
		Long: `The eligibility bot asks payers whether patients are covered on a date of
service, over each payer's JSON API or X12 270/271 (payers.yaml says which).

  check    ask about one patient now (the EligibilityCheck workflow)
  roster   import the appointments of one or more days from a spreadsheet
  sweep    check every appointment of a day (the EligibilitySweep workflow;
           the eligibility-nightly Schedule runs it for the next business day)
  worklist save a day's front-desk worklist (xlsx, problems first)

Answers are stored for the claims scrubber's eligibility edits; refusals
(unknown member, invalid ID, HTTP 4xx) and payers that never answer open
work items for staff. The workers (rcmbot worker or rcmbot dev) must run.`,
	}
	config.Bind(cmd.PersistentFlags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.PersistentFlags(), &a.cfg, "db-url", "temporal-ui-url",
		"keys", "keys-file", "timezone", "refdata", "high-deductible")
	cmd.AddCommand(newEligibilityCheckCmd(a), newEligibilityRosterCmd(a), newEligibilitySweepCmd(a), newEligibilityWorklistCmd(a))
	return cmd
}

// eligibilityService opens what the eligibility front door needs; with
// temporal false it connects only to the database (roster imports).
func (a *app) eligibilityService(ctx context.Context, temporal bool) (*eligibilitybot.Service, func(), error) {
	ring, err := a.openRing(false)
	if err != nil {
		return nil, nil, err
	}
	db, err := a.openDB(ctx, ring, false)
	if err != nil {
		return nil, nil, err
	}
	closeAll := func() { db.Close() }
	env := a.env(db, ring)
	if !temporal {
		svc, err := bots.EligibilityService(env, nil)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		return svc, closeAll, nil
	}
	c, err := a.dialTemporal(ctx, ring)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	closeAll = func() { c.Close(); db.Close() }
	svc, err := bots.EligibilityService(env, c)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return svc, closeAll, nil
}

// cliUser names who runs a command, for the records: "cli:USERNAME".
func cliUser() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// dateFlag is a YYYY-MM-DD flag value; empty is the zero Date.
type dateFlag struct{ d *claim.Date }

func (f dateFlag) String() string {
	if f.d == nil || f.d.IsZero() {
		return ""
	}
	return f.d.String()
}

func (f dateFlag) Set(s string) error {
	d, err := claim.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a date: write it as YYYY-MM-DD", s)
	}
	*f.d = d
	return nil
}

func (dateFlag) Type() string { return "YYYY-MM-DD" }

func newEligibilityCheckCmd(a *app) *cobra.Command {
	var req eligibility.Request
	var format string
	cmd := &cobra.Command{
		Use:   "check --payer ID --member ID --last NAME --first NAME --dob YYYY-MM-DD [--date YYYY-MM-DD]",
		Short: "Ask a patient's payer about coverage on a date of service, now",
		Long: `Ask one patient's payer whether they are covered on a date of service
(default: today in the practice's time zone). The question is stored and the
EligibilityCheck workflow asks the payer, retrying while it cannot answer
(Retry-After honoured, AAA 42 later). The answer is stored for the claims
scrubber; an unknown member or a refusal also opens a work item.

--format json prints the result model (the same JSON the REST API returns
under "result"); the default prints a summary. If the payer has not answered
within 30 seconds, the check goes on in the background and the command says
so (exit status 1).

The output holds patient data: do not paste it into tickets or chats.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: use text or json", format)
			}
			if req.DateOfService.IsZero() {
				req.DateOfService = claim.DateOf(time.Now().In(a.cfg.Location()))
			}
			ctx := cmd.Context()
			svc, closeAll, err := a.eligibilityService(ctx, true)
			if err != nil {
				return err
			}
			defer closeAll()
			res, err := svc.Check(ctx, req, cliUser())
			if err != nil {
				return userFacing(cmd, err)
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				var buf bytes.Buffer
				if err := json.Indent(&buf, res.Result, "", "  "); err != nil {
					return fmt.Errorf("result %s: %w", res.ID, err)
				}
				buf.WriteByte('\n')
				_, err := buf.WriteTo(out)
				return err
			}
			var m eligibility.Result
			if err := json.Unmarshal(res.Result, &m); err != nil {
				return fmt.Errorf("result %s: %w", res.ID, err)
			}
			printResult(out, res.ID, &m)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.PayerID, "payer", "", "payer ID as in payers.yaml (e.g. 60054)")
	f.StringVar(&req.MemberID, "member", "", "member ID from the insurance card")
	f.StringVar(&req.LastName, "last", "", "patient's last name")
	f.StringVar(&req.FirstName, "first", "", "patient's first name")
	f.Var(dateFlag{&req.DOB}, "dob", "patient's date of birth")
	f.Var(dateFlag{&req.DateOfService}, "date", "date of service (default today)")
	f.StringVar(&req.ProviderNPI, "npi", "", "provider NPI to ask under (default RCMBOT_PROVIDER_NPI)")
	f.StringVar(&format, "format", "text", "output: text or json")
	for _, name := range []string{"payer", "member", "last", "first", "dob"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func dateOrDash(d claim.Date) string {
	if d.IsZero() {
		return "-"
	}
	return d.String()
}

func newEligibilityRosterCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "roster FILE",
		Short: "Import appointments (xlsx or csv) for the eligibility sweep",
		Long: `Import a roster of appointments, as a scheduling system exports it: an .xlsx
(first sheet) or .csv with the member ID, payer ID, patient name, date of birth
and appointment date of each visit (header synonyms such as "Subscriber ID",
"Payor ID", "DOB", "Appt Date", "MRN" are understood; other columns are
ignored). The file becomes the roster of every date it covers: importing a
corrected file again replaces those days.

Rows that cannot be read are listed with their file, sheet, row and column and
left out; the other rows are imported, and the command exits with status 1 so
the file gets fixed. Nothing is imported from a file that cannot be read at
all.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, closeAll, err := a.eligibilityService(ctx, false)
			if err != nil {
				return err
			}
			defer closeAll()
			imp, err := svc.ImportRoster(ctx, args[0])
			if err != nil {
				return userFacing(cmd, err)
			}
			var dates []string
			for _, d := range imp.Dates {
				dates = append(dates, d.String())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d appointments imported for %s", imp.File, imp.Added, strings.Join(dates, ", "))
			if imp.Replaced > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), " (replacing %d imported before)", imp.Replaced)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			if len(imp.Errors) == 0 {
				return nil
			}
			for _, e := range imp.Errors {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d rows were not imported: fix them and import the file again\n", len(imp.Errors))
			return exitError{code: 1}
		},
	}
}

func newEligibilitySweepCmd(a *app) *cobra.Command {
	var date claim.Date
	var wait bool
	cmd := &cobra.Command{
		Use:   "sweep [--date YYYY-MM-DD] [--wait]",
		Short: "Check every appointment of a day now (default: the next business day)",
		Long: `Start the EligibilitySweep workflow for the appointments of a date (default:
the next business day in the practice's time zone, as the nightly Schedule
does). Each patient is checked once per payer; payers that cannot answer are
asked again in later rounds; refusals open work items; the front-desk
worklist is stored with the sweep (rcmbot eligibility worklist).

With --wait, report progress until the sweep ends and print its counts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, closeAll, err := a.eligibilityService(ctx, true)
			if err != nil {
				return err
			}
			defer closeAll()
			id, err := svc.Sweep(ctx, date)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "sweep %s started\n  temporal: %s\n", id,
				temporalx.UILink(a.cfg.TemporalUIURL, a.cfg.TemporalNamespace, eligibilitybot.SweepWorkflowID(id)))
			if !wait {
				return nil
			}
			p, err := waitSweep(ctx, svc, id, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			c := p.Counts
			fmt.Fprintf(out, "sweep %s for %s %s: %d members, %d checked: %d active, %d inactive, %d unknown member, %d not verified; %d differ from the file\n",
				id, p.Date, p.Status, c.Members, c.Checked, c.Active, c.Inactive, c.Unknown, c.Failed, c.Discrepancies)
			if p.Status == eligibility.PhaseFailed {
				fmt.Fprintln(cmd.ErrOrStderr(), "failed:", p.Reason)
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().Var(dateFlag{&date}, "date", "date of service to check (default the next business day)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the sweep to end, reporting progress")
	return cmd
}

// waitSweep waits for a sweep to end, writing its progress to w every few
// seconds.
func waitSweep(ctx context.Context, svc *eligibilitybot.Service, id string, w io.Writer) (eligibility.SweepProgress, error) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if p, err := svc.Progress(ctx, id); err == nil {
					fmt.Fprintf(w, "  %s: round %d, %d of %d members answered, %d waiting to retry, %d flagged\n",
						p.Status, p.Round, p.Checked, p.Members, p.Retrying, p.Flagged)
				}
			}
		}
	}()
	return svc.WaitSweep(ctx, id)
}

func newEligibilityWorklistCmd(a *app) *cobra.Command {
	var date claim.Date
	var output string
	cmd := &cobra.Command{
		Use:   "worklist --date YYYY-MM-DD -o FILE",
		Short: "Save the front-desk worklist (xlsx) of a day's latest sweep",
		Long: `Save the front-desk worklist of the latest sweep of a date: one row per patient
checked, problems first (inactive coverage, unknown members, coverage not
verified, details differing from the practice's records, high deductibles),
each with what to do. A sweep still running gives the answers so far.

The worklist holds patient data: keep it where patient data may be kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if date.IsZero() || output == "" {
				return errors.New("give --date and -o FILE")
			}
			ctx := cmd.Context()
			svc, closeAll, err := a.eligibilityService(ctx, false)
			if err != nil {
				return err
			}
			defer closeAll()
			f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			if err := svc.WriteWorklist(ctx, date, f); err != nil {
				f.Close()
				os.Remove(output)
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "worklist for %s saved to %s\n", date, output)
			return nil
		},
	}
	cmd.Flags().Var(dateFlag{&date}, "date", "date of service")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (xlsx)")
	return cmd
}
