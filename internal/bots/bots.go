// Package bots is the one place every rcmbot bot is declared. A Bot says
// which task queue its workers listen on, which workflows and activities
// they register, which Temporal Schedules it keeps and how the web app
// serves it. `rcmbot worker` and `rcmbot dev` start workers from here,
// `rcmbot schedules apply` applies the Schedules, and `rcmbot web` mounts
// each bot's routes around its front door.
//
// Adding a bot is adding its declaration (a file here beside claims.go,
// its entry in All and its field in Deps) and its packages; see
// ARCHITECTURE.md at the repository root.
package bots

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/workflows"
)

// Bot declares one bot: everything a process needs to run it.
type Bot struct {
	// Name is the bot's name: the RcmBot search attribute, the Bot of its
	// Schedules, log lines.
	Name string
	// Queue is the task queue its workers listen on and its front door
	// starts workflows on (one queue per bot, so bots scale and deploy
	// separately).
	Queue string
	// Workflows returns the workflow functions its workers register, from
	// the process's Deps (workflows that verify staff decisions are
	// methods of a struct holding the public keys).
	Workflows func(Deps) []any
	// Activities returns the activity structs its workers register, from
	// the process's Deps; nil entries mean this process was built without
	// them.
	Activities func(Deps) []any
	// Schedules returns its Temporal Schedules for the settings.
	Schedules func(*config.Config) []temporalx.Schedule
	// Web builds its pages and API routes in the web app around its front
	// door.
	Web func(Env, client.Client) (web.Bot, error)
}

// All lists every bot, in the order workers start.
var All = []Bot{Claims, Eligibility, Inventory, Scheduling, Audit}

// Deps are the activity structs, built by Build with their dependencies
// injected. A nil field means the bot's activities are not available in
// this process; starting its queue is then an error.
type Deps struct {
	System      *activities.System
	Claims      *activities.Claims
	Retention   *activities.Retention
	Eligibility *activities.Eligibility
	Inventory   *activities.Inventory
	Scheduling  *activities.Scheduling
	Audit       *activities.Audit
	// Decisions opens staff decisions in the workflows' Update
	// validators: public keys only, never the signing key.
	Decisions *decision.Verifier
}

// Queues lists every bot's task queue, in start-up order.
func Queues() []string {
	out := make([]string, len(All))
	for i, b := range All {
		out[i] = b.Queue
	}
	return out
}

// byQueue returns the bot listening on queue.
func byQueue(queue string) (Bot, error) {
	for _, b := range All {
		if b.Queue == queue {
			return b, nil
		}
	}
	return Bot{}, fmt.Errorf("unknown task queue %q (known: %v)", queue, Queues())
}

// register adds the workflows and activities of the bot behind queue,
// and the health check every queue answers.
func register(w worker.Registry, queue string, d Deps) error {
	b, err := byQueue(queue)
	if err != nil {
		return err
	}
	if d.System == nil {
		return fmt.Errorf("queue %s: system activities not configured", queue)
	}
	w.RegisterWorkflow(workflows.HealthCheck)
	w.RegisterActivity(d.System)
	acts := b.Activities(d)
	for _, a := range acts {
		if v := reflect.ValueOf(a); !v.IsValid() || v.IsNil() {
			return fmt.Errorf("queue %s: the %s bot's activities are not configured", queue, b.Name)
		}
	}
	for _, wf := range b.Workflows(d) {
		w.RegisterWorkflow(wf)
	}
	for _, a := range acts {
		w.RegisterActivity(a)
	}
	return nil
}

// Schedules returns every bot's Schedules, for the practice's settings.
func Schedules(cfg *config.Config) []temporalx.Schedule {
	var out []temporalx.Schedule
	for _, b := range All {
		if b.Schedules != nil {
			out = append(out, b.Schedules(cfg)...)
		}
	}
	return out
}

// WebBots builds every bot's part of the web app over its front door.
func WebBots(e Env, c client.Client) ([]web.Bot, error) {
	out := make([]web.Bot, 0, len(All))
	for _, b := range All {
		wb, err := b.Web(e, c)
		if err != nil {
			return nil, fmt.Errorf("%s bot: %w", b.Name, err)
		}
		out = append(out, wb)
	}
	return out, nil
}

// RunWorkers starts one worker per queue on c and blocks until ctx ends,
// then stops them, letting running activities finish for up to
// stopTimeout. It returns early with an error if a worker cannot start.
func RunWorkers(ctx context.Context, c client.Client, queues []string, d Deps, log *slog.Logger, stopTimeout time.Duration) error {
	if len(queues) == 0 {
		return fmt.Errorf("no task queues to serve (known: %v)", Queues())
	}
	for _, q := range queues {
		if _, err := byQueue(q); err != nil {
			return err
		}
	}
	var started []worker.Worker
	// Stop every queue's worker at once: each lets its running activities
	// finish for up to stopTimeout, so the process exits within one
	// stopTimeout, not one per queue.
	stopAll := func() {
		var wg sync.WaitGroup
		for _, w := range started {
			wg.Go(w.Stop)
		}
		wg.Wait()
	}
	for _, q := range queues {
		w := worker.New(c, q, worker.Options{
			WorkerStopTimeout: stopTimeout,
			// Workers stop on ctx; activities see cancellation through it.
			BackgroundActivityContext: context.WithoutCancel(ctx),
		})
		if err := register(w, q, d); err != nil {
			stopAll()
			return err
		}
		if err := w.Start(); err != nil {
			stopAll()
			return fmt.Errorf("start worker on queue %s: %w", q, err)
		}
		log.Info("worker started", "task_queue", q)
		started = append(started, w)
	}
	<-ctx.Done()
	log.Info("stopping workers", "timeout", stopTimeout)
	stopAll()
	return nil
}

// HealthCheck runs the HealthCheck workflow over every bot's queue and
// waits for it: it completes only when a worker on each has answered and
// its database answers. It gives up when ctx ends or workerErr (if not
// nil) delivers first.
func HealthCheck(ctx context.Context, c client.Client, summary string, workerErr <-chan error) (workflows.HealthCheckResult, error) {
	var res workflows.HealthCheckResult
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            "healthcheck-" + opaqueid.New(""),
		TaskQueue:     All[0].Queue,
		StaticSummary: summary,
	}, workflows.HealthCheck, workflows.HealthCheckInput{Queues: Queues()})
	if err != nil {
		return res, fmt.Errorf("start health check: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, &res) }()
	select {
	case err := <-done:
		if err != nil {
			return res, fmt.Errorf("health check %s: %w", run.GetID(), err)
		}
		return res, nil
	case err := <-workerErr:
		if err == nil {
			err = errors.New("they returned")
		}
		return res, fmt.Errorf("workers stopped: %w", err)
	}
}
