# rcmbot developer commands. The two that matter on a fresh machine:
#   make dev    run the whole product on embedded defaults (SQLite, Temporal dev server + UI)
#   make test   run every test (installs the pinned Temporal CLI first if missing)

TEMPORAL_CLI_MODULE := github.com/temporalio/cli/cmd/temporal@v1.5.1
TOOLS := $(CURDIR)/.tools/bin

.PHONY: dev test tools vet bench build fmt

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
