package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/reports"
	"github.com/rcmbot/rcmbot/internal/auditbot"
	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
)

// The access-monitoring bot's commands that use the database and the
// workers: import, alerts, case, decide, report, watch.

// bindAudit binds the settings the access-monitoring commands read.
func bindAudit(a *app, cmd *cobra.Command) {
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "keys", "keys-file", "decision-key", "decision-key-file", "timezone",
		"audit-notify-score", "audit-reminder")
}

// auditService opens the access-monitoring front door.
func (a *app) auditService(cmd *cobra.Command, needs botNeeds) (*auditbot.Service, func(), error) {
	return openFrontDoor(cmd.Context(), a, needs, bots.AuditService)
}

func newAuditImportCmd(a *app) *cobra.Command {
	var src audit.Sources
	var label string
	var noScan bool
	cmd := &cobra.Command{
		Use:   "import --access-log FILE [--staff FILE --patients FILE --encounters FILE] [--label TEXT]",
		Short: "Import an EHR access log with its rosters and encounters, then scan it",
		Long: `Store an EHR access log (the columns of 'rcmbot audit scan') with the staff and
patient rosters and the encounters it is judged against (kept encrypted), then
start a scan on the audit task queue (unless --no-scan): every new alert opens
a case for the privacy officer.

Bad rows are skipped and listed on standard error with file, row and column;
the rest is stored. Exit status 0 when every row was read, 2 when some were
skipped, 1 when a file could not be read (nothing is stored).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			needs := needTemporal
			if noScan {
				needs = needStore
			}
			svc, closeAll, err := a.auditService(cmd, needs)
			if err != nil {
				return err
			}
			defer closeAll()
			res, err := svc.Import(cmd.Context(), src, label, cliUser())
			if err != nil {
				return userFacing(cmd, err)
			}
			for _, e := range res.Errors {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			if err := printJSON(cmd.OutOrStdout(), res); err != nil {
				return err
			}
			if len(res.Errors) > 0 {
				return exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&src.AccessLog, "access-log", "", "the access log: time,user_id,patient_id,action,workstation,ip")
	cmd.Flags().StringVar(&src.Staff, "staff", "", "the staff roster")
	cmd.Flags().StringVar(&src.Patients, "patients", "", "the patient roster")
	cmd.Flags().StringVar(&src.Encounters, "encounters", "", "the encounters")
	cmd.Flags().StringVar(&label, "label", "", "what to call the import in lists (not a file name)")
	cmd.Flags().BoolVar(&noScan, "no-scan", false, "store only; the nightly scan (audit-nightly) judges it")
	_ = cmd.MarkFlagRequired("access-log")
	bindAudit(a, cmd)
	return cmd
}

func newAuditAlertsCmd(a *app) *cobra.Command {
	var state, rule, user, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "alerts [--state open|escalated|closed] [--rule RULE] [--user ID]",
		Short: "List access alerts, highest score first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := store.AlertFilter{UserID: user}
			if state != "" {
				f.States = []audit.CaseState{audit.CaseState(state)}
			}
			if rule != "" {
				r, err := audit.ParseRuleID(rule)
				if err != nil {
					return userFacing(cmd, fault.Wrap(err, fault.Invalid, "--rule: %s", err.Error()))
				}
				f.Rule = r
			}
			svc, closeAll, err := a.auditService(cmd, needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			list, err := svc.Alerts(cmd.Context(), f, store.Page{Limit: limit})
			if err != nil {
				return userFacing(cmd, err)
			}
			if format == "json" {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ALERT\tSCORE\tRULE\tSTATE\tUSER\tPATIENT\tLAST\tEVENTS")
			for _, al := range list {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\n", al.ID, al.Score, al.Rule, al.State, al.UserID, al.PatientID,
					al.LastTime.Format(time.DateTime), al.Events)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&state, "state", "open", "open, escalated or closed (\"\": all)")
	cmd.Flags().StringVar(&rule, "rule", "", "only this rule's alerts")
	cmd.Flags().StringVar(&user, "user", "", "only this user's alerts")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many")
	bindAudit(a, cmd)
	return cmd
}

func newAuditCaseCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "case ALERT",
		Short: "Show an alert's case: explanation, evidence timeline, decisions and the rule's threshold (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeAll, err := a.auditService(cmd, needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			v, err := svc.Alert(cmd.Context(), args[0])
			if err != nil {
				return userFacing(cmd, err)
			}
			return printJSON(cmd.OutOrStdout(), v)
		},
	}
	bindAudit(a, cmd)
	return cmd
}

func newAuditDecideCmd(a *app) *cobra.Command {
	var d decisionFlags
	var disposition, note string
	cmd := &cobra.Command{
		Use:   "decide ALERT --disposition appropriate|inappropriate|needs_education|escalate [--note TEXT]",
		Short: "Decide an alert's case (signed as you) and show what it did to the rule's threshold",
		Long: `Send the privacy officer's disposition of an alert to its case, signed with the
decision key (RCMBOT_DECISION_KEY) as the web app signs it. The workflow records
you (cli:USER, or --by) and refuses the decision unless the role is
privacy_officer or admin. Every disposition but appropriate needs a note.
Escalate leaves the case escalated until a further disposition closes it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			disp, err := audit.ParseDisposition(disposition)
			if err != nil {
				return userFacing(cmd, fault.Wrap(err, fault.Invalid, "--disposition: %s", err.Error()))
			}
			svc, closeAll, err := a.auditService(cmd, needSigning)
			if err != nil {
				return err
			}
			defer closeAll()
			out, err := svc.Decide(cmd.Context(), args[0], d.actor(), d.role, audit.CaseNote{Disposition: disp, Note: note})
			if err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", args[0], out.State)
			if out.Tuning != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "threshold of %s: %d → %d. %s\n", out.Tuning.Rule, out.Tuning.From, out.Tuning.To, out.Tuning.Reason)
			}
			return nil
		},
	}
	bindAudit(a, cmd)
	d.bind(cmd, audit.RolePrivacyOfficer)
	cmd.Flags().StringVar(&disposition, "disposition", "", "appropriate, inappropriate, needs_education or escalate")
	cmd.Flags().StringVar(&note, "note", "", "what was found and what was done")
	return cmd
}

// auditReports are the reports 'rcmbot audit report' writes.
var auditReports = []string{"monthly", "patient", "users", "posture"}

func newAuditReportCmd(a *app) *cobra.Command {
	var month, patient, format, out string
	cmd := &cobra.Command{
		Use:   "report monthly|patient|users|posture",
		Short: "The monthly activity review (json, xlsx, pdf), a patient's access report, the user access review, the security posture",
		Long: `monthly   the information-system activity review of --month (YYYY-MM, default this
          month): events, alerts by rule, dispositions, open cases, time to close;
          --format xlsx or pdf writes it to --out
patient   who opened --patient's record, when and why (JSON)
users     rcmbot accounts and terminated staff with a recommended action (JSON)
posture   security-posture checks with recommendations (JSON)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeAll, err := a.auditService(cmd, needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			ctx, now := cmd.Context(), time.Now()
			var v any
			switch args[0] {
			case "monthly":
				day := now
				if month != "" {
					if day, err = time.ParseInLocation("2006-01", month, a.cfg.Location()); err != nil {
						return userFacing(cmd, fault.Errorf(fault.Invalid, "--month %q: want YYYY-MM", month))
					}
				}
				r, err := svc.MonthlyReview(ctx, day)
				if err != nil {
					return userFacing(cmd, err)
				}
				if format == "xlsx" || format == "pdf" {
					return writeReport(cmd, out, format, r)
				}
				v = r
			case "patient":
				if patient == "" {
					return userFacing(cmd, fault.Errorf(fault.Invalid, "--patient is required"))
				}
				v, err = svc.PatientReport(ctx, patient)
			case "users":
				v, err = svc.UserReview(ctx, now)
			case "posture":
				v, err = svc.Posture(ctx, now)
			default:
				return userFacing(cmd, fault.Errorf(fault.Invalid, "unknown report %q: want one of %s", args[0], strings.Join(auditReports, ", ")))
			}
			if err != nil {
				return userFacing(cmd, err)
			}
			return printJSON(cmd.OutOrStdout(), v)
		},
	}
	cmd.Flags().StringVar(&month, "month", "", "YYYY-MM (monthly)")
	cmd.Flags().StringVar(&patient, "patient", "", "the patient ID (patient)")
	cmd.Flags().StringVar(&format, "format", "json", "json, xlsx or pdf (monthly)")
	cmd.Flags().StringVar(&out, "out", "", "file to write an xlsx or pdf report to")
	bindAudit(a, cmd)
	return cmd
}

func writeReport(cmd *cobra.Command, path, format string, r reports.ActivityReview) error {
	if path == "" {
		return userFacing(cmd, fault.Errorf(fault.Invalid, "--out is required with --format %s", format))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	write := reports.WriteReviewXLSX
	if format == "pdf" {
		write = reports.WriteReviewPDF
	}
	if err := write(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", path)
	return nil
}

func newAuditWatchCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Start the watch over rcmbot's own accesses and sign-ins (unless it runs; each scan also starts it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.auditService(cmd, needTemporal)
			if err != nil {
				return err
			}
			defer closeAll()
			if err := svc.StartWatch(cmd.Context()); err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "access watch running")
			return nil
		},
	}
	bindAudit(a, cmd)
	return cmd
}
