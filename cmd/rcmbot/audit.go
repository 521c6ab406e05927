package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/config"
)

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Access monitoring: scan access logs, the privacy officer's alerts and cases, reports, the tamper-evident audit log",
		Long: `The access-monitoring bot (task queue audit):

  rcmbot audit import  store an EHR access log with its rosters and encounters, then scan it
  rcmbot audit alerts  list alerts, highest score first
  rcmbot audit case    an alert's explanation, evidence timeline, decisions and threshold
  rcmbot audit decide  decide an alert's case (signed), showing what it did to the threshold
  rcmbot audit report  monthly activity review (json, xlsx, pdf), patient access, user review, posture
  rcmbot audit watch   start the watch over rcmbot's own accesses and sign-ins

Offline tools (no Temporal needed):

  rcmbot audit scan    explain and judge an EHR access log against the rosters and encounters
  rcmbot audit verify  prove the PHI access log (or an export) against signed checkpoints kept outside the database
  rcmbot audit export  export the PHI access log for offline verification
  rcmbot audit keygen  make the key that signs the audit log's checkpoints
  rcmbot audit bench   generate a synthetic hospital, scan it and score the detection`,
	}
	cmd.AddCommand(newAuditScanCmd(a), newAuditVerifyCmd(a), newAuditExportCmd(a), newAuditKeygenCmd(a), newAuditBenchCmd(a),
		newAuditImportCmd(a), newAuditAlertsCmd(a), newAuditCaseCmd(a), newAuditDecideCmd(a), newAuditReportCmd(a), newAuditWatchCmd(a))
	return cmd
}

// scanReport is the pinned JSON shape of 'rcmbot audit scan --format json'.
type scanReport struct {
	Events            int           `json:"events"`
	ExplainedFraction float64       `json:"explained_fraction"`
	Alerts            []audit.Alert `json:"alerts"`
}

func newAuditScanCmd(a *app) *cobra.Command {
	var src audit.Sources
	var format string
	cmd := &cobra.Command{
		Use:   "scan --access-log FILE --staff FILE --patients FILE --encounters FILE",
		Short: "Explain and judge an access log offline and print the alerts",
		Long: `Read an access log (time,user_id,patient_id,action,workstation,ip), the staff and
patient rosters and the encounters (.csv, or .xlsx), explain every access the
encounters account for, and print an alert for each (user, patient, rule) — or
(user, rule) — whose score reaches the rule's threshold.

--format json prints {"events", "explained_fraction", "alerts": [...]}; table
prints a summary, the templates that explained accesses and the alerts.
Hours of the day and dates are judged in the practice time zone (--timezone,
RCMBOT_TIMEZONE). The log is read twice (baselines, then judgement) and never
held in memory.

Exit status 0 when every row was read; 2 when some rows were skipped (each is
listed on standard error with its file, row and column; the report covers the
rest); 1 when a file could not be read at all.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "table" {
				return fmt.Errorf("--format %q: want json or table", format)
			}
			res, _, err := audit.ScanFiles(src, audit.Options{Location: a.cfg.Location()})
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{code: 1}
			}
			for i, e := range res.RowErrors {
				if i == 100 {
					fmt.Fprintf(cmd.ErrOrStderr(), "... and %d more bad rows\n", len(res.RowErrors)-100)
					break
				}
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			if format == "json" {
				rep := scanReport{Events: res.Events, ExplainedFraction: math.Round(res.ExplainedFraction()*1e4) / 1e4, Alerts: res.Alerts}
				if rep.Alerts == nil {
					rep.Alerts = []audit.Alert{}
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else if err := printScanTable(cmd.OutOrStdout(), res); err != nil {
				return err
			}
			if len(res.RowErrors) > 0 {
				return exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&src.AccessLog, "access-log", "", "the access log: time,user_id,patient_id,action,workstation,ip")
	cmd.Flags().StringVar(&src.Staff, "staff", "", "the staff roster: user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end")
	cmd.Flags().StringVar(&src.Patients, "patients", "", "the patient roster: patient_id,last_name,first_name,dob,address,zip,vip,employee_user_id")
	cmd.Flags().StringVar(&src.Encounters, "encounters", "", "the encounters: patient_id,user_id,department,start,end,kind")
	cmd.Flags().StringVar(&format, "format", "table", "output: json or table")
	for _, f := range []string{"access-log", "staff", "patients", "encounters"} {
		_ = cmd.MarkFlagRequired(f)
	}
	config.Bind(cmd.Flags(), &a.cfg, "timezone")
	return cmd
}

func printScanTable(w io.Writer, res *audit.Result) error {
	fmt.Fprintf(w, "%d accesses (%d naming a patient), %.1f%% explained, %d alerts\n",
		res.Events, res.WithPatient, 100*res.ExplainedFraction(), len(res.Alerts))
	type row struct {
		id string
		n  int
	}
	var rows []row
	for id, n := range res.ExplainedBy {
		rows = append(rows, row{string(id), n})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n > rows[j].n || rows[i].n == rows[j].n && rows[i].id < rows[j].id })
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEMPLATE\tEXPLAINED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\n", r.id, r.n)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "SCORE\tRULE\tUSER\tPATIENT\tEVENTS\tFIRST\tLAST\tEXPLANATION")
	for _, al := range res.Alerts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", al.Score, al.Rule, al.UserID, al.PatientID, al.Events,
			al.FirstTime.Format(time.DateTime), al.LastTime.Format(time.DateTime), al.Explanation)
	}
	return tw.Flush()
}
