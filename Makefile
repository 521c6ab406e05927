# rcmbot developer commands. The two that matter on a fresh machine:
#   make dev    run the whole product on embedded defaults (SQLite, Temporal dev server + UI)
#   make test   run every test (installs the pinned Temporal CLI first if missing)
#   make topology   the production topology under faults (internal/topology; after make test in CI)

TEMPORAL_CLI_MODULE := github.com/temporalio/cli/cmd/temporal@v1.5.1
TOOLS := $(CURDIR)/.tools/bin

.PHONY: dev test tools vet bench build fmt topology topology-tools topology-bench

dev:
	go run ./cmd/rcmbot dev

test: tools
	go vet ./...
	go test -timeout 25m ./...

# The Temporal CLI is installed into .tools/bin, never added to go.mod: its
# server's API version clashes with the one the SDK needs.
tools: $(TOOLS)/temporal

$(TOOLS)/temporal:
	@echo "installing the Temporal CLI ($(TEMPORAL_CLI_MODULE)); the first build takes a few minutes"
	GOBIN=$(TOOLS) go install $(TEMPORAL_CLI_MODULE)

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
