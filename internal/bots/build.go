package bots

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/clearinghouse"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

// Env is what every bot is built from: the settings, the database, the
// key ring and the decision keys of the process's part (front doors sign
// staff decisions; workers verify them).
type Env struct {
	Config *config.Config
	DB     *store.DB
	Ring   *keyring.Ring
	Log    *slog.Logger
	// Signer signs staff decisions in front doors (web app, CLI); nil in
	// workers, which never hold the signing key.
	Signer *decision.Signer
	// Verifier opens staff decisions in workers' Update validators.
	Verifier *decision.Verifier
}

// IntakeOptions are the upload limits from the settings, shared by the
// upload check at the front door and the activity that reads the file.
func (e Env) IntakeOptions() intake.Options {
	c := e.Config
	return intake.Options{Limits: intake.Limits{
		MaxBytes: c.UploadMaxBytes, MaxRows: c.MaxRows, MaxUnzippedBytes: c.MaxUnzippedBytes,
	}}
}

// Blobs opens the encrypted file store in the data directory.
func (e Env) Blobs() (*blob.Store, error) {
	return blob.New(filepath.Join(e.Config.DataDir, "blobs"), e.Ring)
}

// Reference loads the reference data, payers and practice file from
// RCMBOT_REFDATA_DIR (the embedded starter sets where files are missing).
func (e Env) Reference() (*refdata.Data, *practice.Practice, error) {
	ref, err := refdata.Load(e.Config.RefdataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("load reference data: %w", err)
	}
	pr, err := practice.Load(e.Config.RefdataDir)
	if err != nil {
		return nil, nil, err
	}
	return ref, pr, nil
}

// Build makes every bot's activities with their dependencies injected,
// and hands the workflows the decision public keys.
func Build(e Env) (Deps, error) {
	if e.Verifier == nil {
		return Deps{}, errors.New("workers need the public keys of staff decisions: set RCMBOT_DECISION_PUBLIC_KEYS or RCMBOT_DECISION_PUBLIC_KEYS_FILE (`rcmbot keys decision new` makes a pair)")
	}
	ref, pr, err := e.Reference()
	if err != nil {
		return Deps{}, err
	}
	scrubber, err := scrub.New(ref, scrub.Config{})
	if err != nil {
		return Deps{}, err
	}
	blobs, err := e.Blobs()
	if err != nil {
		return Deps{}, err
	}
	sched, err := e.schedulingActivities()
	if err != nil {
		return Deps{}, err
	}
	c := e.Config
	inv, err := e.inventoryActivities()
	if err != nil {
		return Deps{}, err
	}
	providerName := c.ProviderName
	if providerName == "" {
		providerName = pr.Submitter.Name
	}
	audit, err := e.auditActivities()
	if err != nil {
		return Deps{}, err
	}
	return Deps{
		Audit:  audit,
		System: &activities.System{DB: e.DB, Refdata: refdataSummary(ref)},
		// One payer pool per process: every eligibility worker here
		// shares each payer's rate limit and concurrency cap.
		Eligibility: &activities.Eligibility{
			DB: e.DB, Blobs: blobs, Ring: e.Ring, Payers: ref.Payers, Rules: e.EligibilityRules(), Log: e.Log,
			Payer:       payer.New(ref.Payers, payer.NewPool(), payer.Options{DefaultURL: c.EligibilityURL, SubmitterID: c.SubmitterID, Usage: c.X12Usage}),
			ProviderNPI: c.ProviderNPI, ProviderName: providerName,
		},
		Claims: &activities.Claims{
			DB: e.DB, Blobs: blobs, Ring: e.Ring, Intake: e.IntakeOptions(), Scrubber: scrubber, Log: e.Log,
			Submit: &activities.Submission{
				DB:       e.DB,
				Client:   clearinghouse.New(clearinghouse.Options{URL: c.ClearingURL}),
				Practice: pr, Payers: ref.Payers,
				SenderID: c.SubmitterID, ReceiverID: c.ReceiverID, Usage: c.X12Usage,
			},
		},
		Retention:  &activities.Retention{DB: e.DB, Blobs: blobs, Uploads: c.UploadRetention},
		Inventory:  inv,
		Scheduling: sched,
		Decisions:  e.Verifier,
	}, nil
}

// refdataSummary says in one line which reference tables are loaded from
// files and which from the starter set.
func refdataSummary(ref *refdata.Data) string {
	files, starter := 0, 0
	for _, s := range ref.Sources() {
		if s.Starter {
			starter++
		} else {
			files++
		}
	}
	return fmt.Sprintf("%d tables from files, %d from the embedded starter set", files, starter)
}
