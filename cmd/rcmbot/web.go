package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web"
)

func newWebCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "web",
		Short: "Serve the web app, the REST API and the Temporal codec server",
		Long: `Serve rcmbot's web app for billing staff, its REST API (/api/v1) and the
codec server the Temporal UI decrypts payloads with (/codec), on
RCMBOT_HTTP_ADDR. Staff open RCMBOT_PUBLIC_URL; when it is https, cookies are
Secure and HSTS is sent (terminate TLS in front of rcmbot).

The database must be migrated ('rcmbot setup' or 'rcmbot migrate') and the
bots' workers running ('rcmbot worker'). Users are managed with 'rcmbot users'.
On SIGINT or SIGTERM the server stops accepting connections and lets requests
in flight finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			k, err := a.connect(ctx, false)
			if err != nil {
				return err
			}
			defer k.Close()
			srv, err := a.newWebServer(k.db, k.ring, k.c)
			if err != nil {
				return err
			}
			if err := a.hintNoUsers(ctx, k.db, cmd); err != nil {
				return err
			}
			return srv.Run(ctx, a.cfg.HTTPAddr)
		},
	}
	config.Bind(cmd.Flags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.Flags(), &a.cfg, "db-url", "temporal-ui-url", "http-addr", "public-url",
		"keys", "keys-file", "decision-key", "decision-key-file", "audit-key-file", "audit-verifier-key", "audit-checkpoints", "refdata", "timezone", "codec-origins", "session-idle", "upload-max-bytes", "max-rows", "max-unzipped-bytes",
		"review-reminder", "review-deadline", "eligibility-cron", "high-deductible", "provider-npi", "provider-name")
	return cmd
}

// newWebServer builds the web app on the bots' front doors; `rcmbot dev`
// serves the same.
func (a *app) newWebServer(db *store.DB, ring *keyring.Ring, c client.Client) (*web.Server, error) {
	env := a.env(db, ring)
	var err error
	if env.Signer, err = a.decisionSigner(); err != nil {
		return nil, err
	}
	webBots, err := bots.WebBots(env, c)
	if err != nil {
		return nil, err
	}
	dir, err := payers.Load(a.cfg.RefdataDir)
	if err != nil {
		return nil, err
	}
	seal, err := a.sealAccessLog(db)
	if err != nil {
		return nil, err
	}
	return web.New(web.Options{DB: db, Ring: ring, Bots: webBots, Temporal: c, Schedules: bots.Schedules(&a.cfg),
		Payers: dir, Config: &a.cfg, Log: a.log, FirstAdminPasswordFile: a.firstAdminPasswordFile(), AccessLogSeal: seal})
}

// firstAdminPasswordFile is where `rcmbot dev` puts the first
// administrator's one-time password (never in its output).
func (a *app) firstAdminPasswordFile() string {
	return filepath.Join(a.cfg.DataDir, "first-admin-password.txt")
}

// hintNoUsers says how to create the first user when there is none.
func (a *app) hintNoUsers(ctx context.Context, db *store.DB, cmd *cobra.Command) error {
	us, err := db.Users(ctx)
	if err != nil {
		return err
	}
	if len(us) == 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "rcmbot has no users yet: create an administrator with\n  rcmbot users add NAME --role admin")
	}
	return nil
}
