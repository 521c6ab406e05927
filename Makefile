# rcmbot developer commands. The two that matter on a fresh machine:
#   make dev    run the whole product on embedded defaults (SQLite, Temporal dev server + UI)
#   make test   check the code (gofmt, go mod tidy, go vet, staticcheck) and run every
#               test, the concurrent packages under the race detector (installs the
#               pinned Temporal CLI and staticcheck first if missing)
#   make topology   the production topology under faults (internal/topology; after make test in CI)

TEMPORAL_CLI_MODULE := github.com/temporalio/cli/cmd/temporal@v1.5.1
STATICCHECK_MODULE := honnef.co/go/tools/cmd/staticcheck@v0.8.2
TOOLS := $(CURDIR)/.tools/bin

# RACE_PKGS run under the race detector: the packages whose code shares
# state between goroutines and whose tests drive it concurrently (the sweep
# chunk's parallel checks in activities and workflows, the payer pool and
# client, the simulators, SQLite's single writer and PostgreSQL's pool in
# the store, the key ring's first-run file, the blob store and payload
# codec under the workers, the web server with the real workers behind it,
# sign-in throttling, the workers' start and stop, the scorer shared by
# concurrent activities). The rest (parsers, intake, the workbook,
# end-to-end runs of whole binaries and benchmarks' fixtures) runs once
# without it: -race costs several times
# the CPU on two cores and finds nothing in single-goroutine code.
RACE_PKGS := ./activities ./workflows ./internal/payer ./internal/sim ./internal/store/... ./internal/keyring \
	./internal/blob ./internal/codec ./internal/clearinghouse ./internal/web/... ./internal/bots \
	./internal/inventory/policy ./internal/scrub
OTHER_PKGS = $(filter-out $(shell go list $(RACE_PKGS)),$(shell go list ./...))

.PHONY: dev test check tools vet bench build fmt topology topology-tools topology-bench

dev:
	go run ./cmd/rcmbot dev

test: tools check
	go test -race -timeout 25m $(RACE_PKGS)
	go test -timeout 25m $(OTHER_PKGS)

# check is what CI checks besides the tests.
check: tools
	@files=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$files" ]; then echo "gofmt: run make fmt for"; echo "$$files"; exit 1; fi
	go mod tidy -diff
	go vet ./...
	$(TOOLS)/staticcheck ./...

# The Temporal CLI and staticcheck are installed into .tools/bin, never
# added to go.mod: the CLI's server API version clashes with the one the
# SDK needs, and a linter is no dependency of rcmbot.
tools: $(TOOLS)/temporal $(TOOLS)/staticcheck

$(TOOLS)/temporal:
	@echo "installing the Temporal CLI ($(TEMPORAL_CLI_MODULE)); the first build takes a few minutes"
	GOBIN=$(TOOLS) go install $(TEMPORAL_CLI_MODULE)

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) go install $(STATICCHECK_MODULE)

build:
	go build -o bin/rcmbot ./cmd/rcmbot

vet:
	go vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

bench:
	go test -run '^$$' -bench . -benchmem ./...

# The production topology (internal/topology): Temporal server and
# temporal-sql-tool of the release docker-compose.yml runs, installed into
# .tools/bin like the CLI (cached there; never in go.mod).
topology-tools: tools $(TOOLS)/server $(TOOLS)/sql

$(TOOLS)/server:
	@echo "installing the Temporal server; the first build takes a few minutes"
	GOBIN=$(TOOLS) go install go.temporal.io/server/cmd/server@v1.29.1

$(TOOLS)/sql:
	@echo "installing temporal-sql-tool; the first build takes a few minutes"
	GOBIN=$(TOOLS) go install go.temporal.io/server/cmd/tools/sql@v1.29.1

topology: topology-tools
	go vet -tags topology ./internal/topology/
	go test -tags topology -count=1 -timeout 20m -run TestTopology -v ./internal/topology/

# Throughput on the topology against the dev server (a few minutes).
topology-bench: topology-tools
	go test -tags topology -run '^$$' -bench Topology -benchtime 1x -timeout 30m ./internal/topology/
