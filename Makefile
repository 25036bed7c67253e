# Quell: the front door. `make run` starts the distribution on the default
# config; `make test` is what CI runs.

GO        ?= go
BIN       := $(CURDIR)/bin
COLLECTOR := $(BIN)/otelcol-quell
BUILDER   := $(BIN)/builder
MDATAGEN  := $(BIN)/mdatagen
GOLANGCI_LINT := $(BIN)/golangci-lint
CONFIGS   := $(wildcard config/*.yaml)
# Packages with unit tests: everything but the end-to-end suite.
UNIT_PKGS  = $(shell $(GO) list ./... | grep -v /internal/e2e)
# How many times `make bench` runs each benchmark (benchstat wants >= 6 for
# confidence intervals; 1 is a quick look).
BENCH_COUNT ?= 6
BENCH       ?= .

export PATH := $(BIN):$(PATH)

.PHONY: all build run test unit-test e2e-test validate-configs check-versions \
        check-generated generate tools bench lint fmt clean test-deps \
        eval-alerts reduction-logs

all: build

## tools: build the pinned ocb (builder) and mdatagen into ./bin
tools: $(BUILDER) $(MDATAGEN)

$(BUILDER) $(MDATAGEN): internal/tools/go.mod internal/tools/go.sum
	cd internal/tools && GOBIN=$(BIN) $(GO) install \
		go.opentelemetry.io/collector/cmd/builder \
		go.opentelemetry.io/collector/cmd/mdatagen
	@touch $(BUILDER) $(MDATAGEN)

## generate: regenerate components/ with ocb and every component's mdatagen output
generate: tools
	@$(BUILDER) --config builder-config.yaml --skip-get-modules --skip-compilation >$(BIN)/ocb.log 2>&1 || { cat $(BIN)/ocb.log; exit 1; }
	gofmt -w components  # ocb's output is not gofmt-clean
	$(GO) generate ./...

## build: build bin/otelcol-quell from components/
build:
	$(GO) build -o $(COLLECTOR) ./components

## run: build if needed, then start the collector on config/default.yaml
run: build
	$(COLLECTOR) --config config/default.yaml

## test: versions, generated code, unit tests (-race), config validation, end-to-end tests
test: test-deps check-versions check-generated build unit-test validate-configs e2e-test

## test-deps: install Alertmanager and Chromium from Debian's packages when missing
test-deps:
	@./scripts/install-test-deps.sh

check-versions:
	@./scripts/check-versions.sh

check-generated: tools
	@./scripts/check-generated.sh

unit-test:
	$(GO) test -race -timeout 20m $(UNIT_PKGS)

validate-configs: build
	@for f in $(CONFIGS); do \
		QUELL_DATA_DIR=$$(mktemp -d) $(COLLECTOR) validate --config $$f || { echo "invalid: $$f"; exit 1; }; \
		echo "valid: $$f"; \
	done

## e2e-test: start the built binary on loopback ports and test it end to end
e2e-test: build
	QUELL_BINARY=$(COLLECTOR) $(GO) test -p 1 -count=1 -timeout 40m ./internal/e2e/...

## bench: side-by-side benchmarks against the upstream components
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCH_COUNT) -timeout 60m ./benchmarks/... | tee bench.out
	@echo "compare with: go run golang.org/x/perf/cmd/benchstat@latest bench.out"

## eval-alerts: score alert_correlator on seeded alert-storm scenarios beside Alertmanager-style grouping
eval-alerts:
	EVAL_FAMILIES=1 $(GO) test -count=1 -timeout 30m -run 'TestEvaluation|TestSeverityConventions|TestFamilies' -v ./processor/alertcorrelatorprocessor/internal/eval/

## reduction-logs: log_budget's reduction report on a seeded 200k-record workload
reduction-logs:
	$(GO) test -count=1 -run TestReductionReport -v ./processor/logbudgetprocessor/

## lint: golangci-lint (pinned in internal/tools/lint, built into ./bin on first use) with .golangci.yml
lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

# golangci-lint has its own tools module: its dependencies must not move
# ocb's or mdatagen's. The first build takes several minutes.
$(GOLANGCI_LINT): internal/tools/lint/go.mod internal/tools/lint/go.sum
	cd internal/tools/lint && GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	@touch $(GOLANGCI_LINT)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) bench.out
