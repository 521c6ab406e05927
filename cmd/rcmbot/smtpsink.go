package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/sim"
)

func newSMTPSinkCmd(*app) *cobra.Command {
	var cfg sim.SMTPSinkConfig
	var smtpAddr, httpAddr string
	cmd := &cobra.Command{
		Use:   "smtp-sink",
		Short: "Run an SMTP server that keeps every message it receives, with a page listing them",
		Long: `Run the SMTP sink for development and tests: a real SMTP server (emersion/go-smtp)
that accepts every message and keeps the last --max-messages in memory, and an
HTTP page listing them (GET /, and JSON at GET /api/messages, ?to=ADDRESS
filters; DELETE /api/messages empties it). rcmbot's email (access alerts,
reminders, the daily audit checkpoint) goes through it exactly as it would
through a production mail server.

--username and --password make it require AUTH PLAIN with those. Faults are set
at run time, as for the other simulators:

  curl -X POST localhost:8025/admin/faults -d '{"temp_fail":2,"perm_fail":1}'
  curl localhost:8025/admin/stats

The default SMTP address matches RCMBOT_SMTP_HOST:RCMBOT_SMTP_PORT's defaults
and the page RCMBOT_SMTP_SINK_URL's; 'rcmbot dev' runs one itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sim.NewSMTPSink(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "SMTP sink listening on %s; messages at http://%s/\n", smtpAddr, httpAddr)
			return s.Run(cmd.Context(), smtpAddr, httpAddr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&smtpAddr, "smtp-addr", "localhost:2525", "address the SMTP server listens on")
	f.StringVar(&httpAddr, "http-addr", "localhost:8025", "address the page of received messages listens on")
	f.IntVar(&cfg.MaxMessages, "max-messages", 0, "messages kept, newest last (0: 1000)")
	f.Int64Var(&cfg.MaxBytes, "max-bytes", 0, "largest message accepted in bytes (0: 1 MiB)")
	f.StringVar(&cfg.Username, "username", "", "require AUTH PLAIN with this user name")
	f.StringVar(&cfg.Password, "password", "", "... and this password")
	return cmd
}
