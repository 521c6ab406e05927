package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/schedimport"
	"github.com/rcmbot/rcmbot/internal/schedulingbot"
	"github.com/rcmbot/rcmbot/internal/store"
)

// The scheduling bot's commands that use the database and the workers:
// import, request, list, book, attend, cancel, waitlist, replan.

// scheduleBotCmds are the subcommands added to `rcmbot schedule`.
func scheduleBotCmds(a *app) []*cobra.Command {
	return []*cobra.Command{newScheduleImportCmd(a), newScheduleRequestCmd(a), newScheduleListCmd(a), newScheduleBookCmd(a),
		newScheduleAttendCmd(a), newScheduleCancelCmd(a), newScheduleWaitlistCmd(a), newScheduleReplanCmd(a)}
}

// bindScheduling binds the settings the scheduling bot's commands read.
func bindScheduling(a *app, cmd *cobra.Command) {
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "keys", "keys-file", "decision-key", "decision-key-file", "timezone",
		"upload-max-bytes", "max-rows", "max-unzipped-bytes")
}

func (a *app) schedulingService(cmd *cobra.Command, needs botNeeds) (*schedulingbot.Service, func(), error) {
	return openFrontDoor(cmd.Context(), a, needs, bots.SchedulingService)
}

func newScheduleImportCmd(a *app) *cobra.Command {
	var visitTypes []string
	cmd := &cobra.Command{
		Use:   "import templates|blocks|appointments|history FILE",
		Short: "Import providers' templates, blocked days, booked appointments or attendance history (.csv or .xlsx)",
		Long: `Import a scheduling system's export into the scheduling bot's store (headers in
any of the first rows, common synonyms accepted: "Resource", "Doctor"; "Appt
Date"; "Show/No Show" ...).

  templates     provider, weekday, start, end: each provider's weekly sessions
                (replacing the sessions of the providers it lists; their
                blocked days stay). --visit-type ID=MINUTES (repeat) stores
                the visit types too.
  blocks        date, and optionally provider, start, end, kind: a row without
                a provider closes the clinic that day.
  appointments  appointment ID, provider, date, start, visit type, and
                optionally patient, booked-on date, status: booked into the
                calendar (the overbooking limit holds: a full slot refuses).
  history       patient, date, start, outcome and lead days or booked-on date:
                the no-show model learns from it. The same file again adds
                nothing.

Exit status: 0 when every row was used; 1 with a one-line reason when the file
cannot be used at all; 2 when some rows were refused — each is printed on
stderr with file, sheet, row, column and why (never the cell's value), and the
other rows are stored.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := schedulingbot.ImportKind(args[0])
			types, err := parseVisitTypes(visitTypes)
			if err != nil {
				return userFacing(cmd, err)
			}
			svc, closeAll, err := a.schedulingService(cmd, needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			if len(types) > 0 {
				if err := svc.DB.SaveVisitTypes(cmd.Context(), types); err != nil {
					return userFacing(cmd, fault.Wrap(err, fault.Invalid, "--visit-type: %v", err))
				}
			}
			res, err := svc.Import(cmd.Context(), kind, schedimport.File(args[1]))
			if err != nil {
				return userFacing(cmd, err)
			}
			for _, e := range res.Errors {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): %d stored, %d rows refused", res.File, res.Kind, res.Stored, len(res.Errors))
			if len(res.Refused) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "; not stored: %s", strings.Join(res.Refused, ", "))
			}
			fmt.Fprintln(cmd.OutOrStdout())
			if len(res.Errors) > 0 || len(res.Refused) > 0 {
				return exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&visitTypes, "visit-type", nil, "ID=MINUTES of a visit type to store (repeat), such as FU=15")
	bindScheduling(a, cmd)
	return cmd
}

// parseVisitTypes reads ID=MINUTES pairs.
func parseVisitTypes(list []string) ([]schedule.VisitType, error) {
	var out []schedule.VisitType
	for _, v := range list {
		id, m, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(m)
		if !ok || id == "" || err != nil || n <= 0 {
			return nil, fault.Errorf(fault.Invalid, "--visit-type %q: want ID=MINUTES, such as FU=15", v)
		}
		out = append(out, schedule.VisitType{ID: id, Minutes: n})
	}
	return out, nil
}

func newScheduleRequestCmd(a *app) *cobra.Command {
	var r schedule.Request
	var p schedule.Patient
	var earliest, latest, dob, providers, urgency string
	cmd := &cobra.Command{
		Use:   "request --patient ID --visit-type FU --latest DATE [--earliest DATE] [--provider P1,P2] [--email ...]",
		Short: "Store an appointment request and plan its options (the AppointmentRequest workflow)",
		Long: `Store an appointment request and start its AppointmentRequest workflow: the
planner proposes the best slots (what each adds to the clinic's expected cost,
its no-show risk); staff choose one with 'rcmbot schedule book'. The patient's
email (for reminders with confirm and cancel links) and insurance (payer,
member ID, date of birth: the booked visit is checked by the eligibility bot)
are stored when given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			for _, d := range []struct {
				flag, v string
				dst     *claim.Date
			}{{"earliest", earliest, &r.Earliest}, {"latest", latest, &r.Latest}, {"dob", dob, &p.DOB}} {
				if d.v == "" {
					continue
				}
				if *d.dst, err = claim.ParseDate(d.v); err != nil {
					return userFacing(cmd, fault.Errorf(fault.Invalid, "--%s %q is not a date (YYYY-MM-DD)", d.flag, d.v))
				}
			}
			if providers != "" {
				r.ProviderIDs = strings.Split(providers, ",")
			}
			r.Urgency = schedule.Urgency(urgency)
			var patient *schedule.Patient
			if p.Email != "" || p.LastName != "" || p.PayerID != "" {
				p.ID = r.PatientID
				patient = &p
			}
			svc, closeAll, err := a.schedulingService(cmd, needTemporal)
			if err != nil {
				return err
			}
			defer closeAll()
			stored, err := svc.Request(cmd.Context(), r, patient, cliUser())
			if err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "request %s stored; its options are being planned (rcmbot schedule list)\n", stored.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&r.PatientID, "patient", "", "the practice's patient ID")
	f.StringVar(&r.VisitType, "visit-type", "", "visit type ID")
	f.StringVar(&earliest, "earliest", "", "first date the visit may be on (default today)")
	f.StringVar(&latest, "latest", "", "last date the visit may be on")
	f.StringVar(&providers, "provider", "", "providers the patient may see, comma-separated (default any)")
	f.StringVar(&urgency, "urgency", "", "routine, soon or urgent")
	f.StringVar(&p.Email, "email", "", "patient's email address, for reminders")
	f.StringVar(&p.FirstName, "first-name", "", "patient's first name (for the eligibility check)")
	f.StringVar(&p.LastName, "last-name", "", "patient's last name (for the eligibility check)")
	f.StringVar(&dob, "dob", "", "patient's date of birth (YYYY-MM-DD)")
	f.StringVar(&p.PayerID, "payer", "", "patient's payer ID")
	f.StringVar(&p.MemberID, "member", "", "patient's member ID")
	bindScheduling(a, cmd)
	return cmd
}

func newScheduleListCmd(a *app) *cobra.Command {
	var statuses []string
	var format, day string
	cmd := &cobra.Command{
		Use:   "list [--status open,proposed] [--day DATE] [--format table|json]",
		Short: "List appointment requests with their proposed options, or a day's appointments (--day)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.schedulingService(cmd, needStore)
			if err != nil {
				return err
			}
			defer closeAll()
			if day != "" {
				d, err := claim.ParseDate(day)
				if err != nil {
					return userFacing(cmd, fault.Errorf(fault.Invalid, "--day %q is not a date (YYYY-MM-DD)", day))
				}
				appts, err := svc.Appointments(cmd.Context(), d, d)
				if err != nil {
					return userFacing(cmd, err)
				}
				return writeAppointments(cmd.OutOrStdout(), appts, format)
			}
			var st []schedule.RequestStatus
			for _, s := range statuses {
				st = append(st, schedule.RequestStatus(s))
			}
			reqs, err := svc.Requests(cmd.Context(), store.Page{Limit: store.MaxPageSize}, st...)
			if err != nil {
				return userFacing(cmd, err)
			}
			return writeRequests(cmd.OutOrStdout(), reqs, format)
		},
	}
	cmd.Flags().StringSliceVar(&statuses, "status", []string{string(schedule.RequestOpen), string(schedule.RequestProposed)}, "statuses to list (open, proposed, booked, waitlisted, withdrawn)")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().StringVar(&day, "day", "", "list the appointments of this date instead (their IDs are what attend and cancel take)")
	bindScheduling(a, cmd)
	return cmd
}

func writeAppointments(w io.Writer, appts []store.SchedAppointment, format string) error {
	if format == "json" {
		out := make([]schedule.Appointment, len(appts))
		for i, ap := range appts {
			out[i] = ap.Appointment
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"appointments": out})
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APPOINTMENT	SLOT	STATUS	PATIENT	VISIT	REQUEST	ELIGIBILITY")
	for _, ap := range appts {
		checked := "no insurance on file"
		if ap.Checked {
			checked = "checked"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ap.ID, ap.SlotOf(), ap.Status, ap.PatientID, ap.VisitType, ap.RequestID, checked)
	}
	return tw.Flush()
}

func newScheduleReplanCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replan",
		Short: "Start the nightly plan now: propose slots (and overbookings) to every request not yet booked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeAll, err := a.schedulingService(cmd, needTemporal)
			if err != nil {
				return err
			}
			defer closeAll()
			id, err := svc.PlanAhead(cmd.Context())
			if err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "plan started: workflow %s; its proposals appear in 'rcmbot schedule list'\n", id)
			return nil
		},
	}
	bindScheduling(a, cmd)
	return cmd
}

func writeRequests(w io.Writer, reqs []store.SchedRequest, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		type row struct {
			schedule.Request
			Status  schedule.RequestStatus `json:"status"`
			Options any                    `json:"options"`
		}
		out := make([]row, len(reqs))
		for i, r := range reqs {
			out[i] = row{Request: r.Request, Status: r.Status, Options: r.Options}
		}
		return enc.Encode(map[string]any{"requests": out})
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tSTATUS\tPATIENT\tVISIT\tWINDOW\tOPTION (cost, no-show risk)")
	for _, r := range reqs {
		first := "—"
		if len(r.Options) > 0 {
			o := r.Options[0]
			first = fmt.Sprintf("%s (%.1f, %s)", o.Slot, o.Cost, o.NoShow)
			if o.Overbooked {
				first += " overbooking"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s–%s\t%s\n", r.ID, r.Status, r.PatientID, r.VisitType, r.Earliest, r.Latest, first)
		for _, o := range r.Options[min(1, len(r.Options)):] {
			fmt.Fprintf(tw, "\t\t\t\t\t%s (%.1f, %s)\n", o.Slot, o.Cost, o.NoShow)
		}
	}
	return tw.Flush()
}

func newScheduleBookCmd(a *app) *cobra.Command {
	var d decisionFlags
	var provider, date, start string
	var overbook bool
	cmd := &cobra.Command{
		Use:   "book REQUEST --provider P1 --date 2026-12-07 --start 09:00 [--overbook]",
		Short: "Book a request into a slot (signed as you; front desk or admin)",
		Long: `Choose a slot for a request, signed with the decision key as the web app
signs it: the workflow refuses a slot outside the request's window or
providers, and the store one with no room left. --overbook confirms a booking
into a slot another appointment starts in. The visit's eligibility check starts
and the patient is reminded by email.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dt, err := claim.ParseDate(date)
			if err != nil {
				return userFacing(cmd, fault.Errorf(fault.Invalid, "--date %q is not a date (YYYY-MM-DD)", date))
			}
			t, err := schedule.ParseClock(start)
			if err != nil {
				return userFacing(cmd, fault.Errorf(fault.Invalid, "--start %q is not a time of day (HH:MM)", start))
			}
			svc, closeAll, err := a.schedulingService(cmd, needSigning)
			if err != nil {
				return err
			}
			defer closeAll()
			ap, err := svc.Book(cmd.Context(), args[0], schedule.Slot{ProviderID: provider, Date: dt, Start: t}, overbook, d.actor(), d.role)
			if err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "appointment %s booked: %s, %s\n", ap.ID, ap.SlotOf(), ap.Status)
			return nil
		},
	}
	cmd.Flags().StringVar(&provider, "provider", "", "provider ID")
	cmd.Flags().StringVar(&date, "date", "", "date (YYYY-MM-DD)")
	cmd.Flags().StringVar(&start, "start", "", "start time (HH:MM)")
	cmd.Flags().BoolVar(&overbook, "overbook", false, "confirm an overbooking")
	d.bind(cmd, schedule.RoleFrontDesk)
	bindScheduling(a, cmd)
	return cmd
}

func newScheduleAttendCmd(a *app) *cobra.Command {
	var d decisionFlags
	cmd := &cobra.Command{
		Use:   "attend APPOINTMENT arrived|no_show|cancelled",
		Short: "Record an appointment's attendance (signed as you; front desk or admin)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.attend(cmd, args[0], schedule.Outcome(args[1]), d)
		},
	}
	d.bind(cmd, schedule.RoleFrontDesk)
	bindScheduling(a, cmd)
	return cmd
}

func newScheduleCancelCmd(a *app) *cobra.Command {
	var d decisionFlags
	cmd := &cobra.Command{
		Use:   "cancel APPOINTMENT",
		Short: "Cancel an appointment: its slot is offered to the waitlist (signed as you)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.attend(cmd, args[0], schedule.OutcomeCancelled, d)
		},
	}
	d.bind(cmd, schedule.RoleFrontDesk)
	bindScheduling(a, cmd)
	return cmd
}

func (a *app) attend(cmd *cobra.Command, id string, o schedule.Outcome, d decisionFlags) error {
	svc, closeAll, err := a.schedulingService(cmd, needSigning)
	if err != nil {
		return err
	}
	defer closeAll()
	ap, err := svc.Attend(cmd.Context(), id, o, d.actor(), d.role)
	if err != nil {
		return userFacing(cmd, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "appointment %s: %s\n", ap.ID, ap.Status)
	return nil
}

func newScheduleWaitlistCmd(a *app) *cobra.Command {
	var d decisionFlags
	var accept, decline string
	cmd := &cobra.Command{
		Use:   "waitlist [--accept OFFER | --decline OFFER]",
		Short: "List the waitlist and the offers of freed slots; answer an offer for a patient",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			needs := needStore
			if accept != "" || decline != "" {
				needs = needSigning
			}
			svc, closeAll, err := a.schedulingService(cmd, needs)
			if err != nil {
				return err
			}
			defer closeAll()
			if accept != "" || decline != "" {
				id := accept + decline
				o, err := svc.AnswerOffer(cmd.Context(), id, accept != "", d.actor(), d.role)
				if err != nil {
					return userFacing(cmd, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "offer %s: %s\n", o.ID, o.State)
				return nil
			}
			reqs, offers, err := svc.Waitlist(cmd.Context())
			if err != nil {
				return userFacing(cmd, err)
			}
			if err := writeRequests(cmd.OutOrStdout(), reqs, "table"); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\nOFFER\tREQUEST\tSLOT\tSTATE\tEXPIRES")
			for _, o := range offers {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.RequestID, o.Slot, o.State, o.Expires.Format("2006-01-02 15:04 MST"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&accept, "accept", "", "accept this offer for the patient")
	cmd.Flags().StringVar(&decline, "decline", "", "decline this offer for the patient")
	cmd.MarkFlagsMutuallyExclusive("accept", "decline")
	d.bind(cmd, schedule.RoleFrontDesk)
	bindScheduling(a, cmd)
	return cmd
}
