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

# What `otelcol-quell --version` shows: git describe and the commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: all build run test unit-test e2e-test validate-configs check-versions \
        check-generated generate tools bench lint fmt clean test-deps \
        eval-alerts reduction-logs
.PHONY: image image-test dist helm-test promtool-test

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
	@# --version comes from the linker flags (components/version.go), not from builder-config.yaml.
	sed -i 's/^\(\t*Version: *\)"[^"]*",$$/\1buildVersion(),/' components/main.go
	$(GO) generate ./...

## build: build bin/otelcol-quell from components/, static (CGO_ENABLED=0, as
## the image and the release archives ship it, sharing their build cache)
build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(COLLECTOR) ./components

## run: build if needed, then start the collector on config/default.yaml
run: build
	$(COLLECTOR) --config config/default.yaml

## test: versions, generated code, unit tests (-race), config validation, end-to-end tests,
## alerting rules, Helm values files, the container image, every fuzz target briefly
test: test-deps check-versions check-generated build unit-test validate-configs e2e-test \
      promtool-test helm-test image-test fuzz-test

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

## fuzz: run every Go fuzz target in the repository (scripts/fuzz.sh finds
## them) for FUZZTIME each, one after another: `make fuzz FUZZTIME=10m`
FUZZTIME ?= 2m
.PHONY: fuzz fuzz-test
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

# fuzz-test: the short pass `make test` runs, 10s per target.
fuzz-test:
	FUZZTIME=10s ./scripts/fuzz.sh

## bench: side-by-side benchmarks against the upstream components
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCH_COUNT) -timeout 60m ./benchmarks/... | tee bench.out
	@echo "compare with: go run golang.org/x/perf/cmd/benchstat@latest bench.out"

## eval-alerts: score alert_correlator on seeded alert-storm scenarios beside Alertmanager-style grouping
eval-alerts:
	EVAL_FAMILIES=1 $(GO) test -count=1 -timeout 30m -run 'TestEvaluation|TestSeverityConventions|TestFamilies' -v ./processor/alertcorrelatorprocessor/internal/eval/

## eval-alerts-e2e: score the built binary (config/alerts.yaml, 10s waits) on the first storms of the tuning storm family replayed in real time, beside the in-process replay of the same cut (about 20 min; not part of make test; QUELL_EVAL_STORMS=3 for three storms, QUELL_EVAL_FAMILY=social-network for the social-network storms)
.PHONY: eval-alerts-e2e
eval-alerts-e2e: build
	QUELL_EVAL_E2E=1 $(GO) test -count=1 -run 'TestE2EStorm' -v ./processor/alertcorrelatorprocessor/internal/eval/
	QUELL_EVAL_E2E=1 QUELL_BINARY=$(COLLECTOR) $(GO) test -p 1 -count=1 -timeout 60m -run 'TestStormEvalBinary' -v ./internal/e2e/

## eval-templates: log_budget's template grouping accuracy on the loghub development set beside Drain's
.PHONY: eval-templates
eval-templates:
	$(GO) test -count=1 -run 'TestTemplateAccuracy' -v ./processor/logbudgetprocessor/

## reduction-logs: log_budget's reduction report on a seeded 200k-record workload
reduction-logs:
	$(GO) test -count=1 -run TestReductionReport -v ./processor/logbudgetprocessor/

## image: a static linux binary and an OCI image from Containerfile, built
## with buildah (CONTAINER_BUILD="docker build" for Docker); tag in IMAGE
IMAGE           ?= localhost/otelcol-quell:$(subst +,-,$(VERSION))
IMAGE_ARCH      ?= $(shell $(GO) env GOARCH)
CONTAINER_BUILD ?= buildah bud
CA_BUNDLE       ?= /etc/ssl/certs/ca-certificates.crt
IMAGE_CONTEXT   := $(BIN)/image

image:
	rm -rf $(IMAGE_CONTEXT) && mkdir -p $(IMAGE_CONTEXT)/linux-$(IMAGE_ARCH) $(IMAGE_CONTEXT)/data
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -ldflags '$(LDFLAGS) -s -w' \
		-o $(IMAGE_CONTEXT)/linux-$(IMAGE_ARCH)/otelcol-quell ./components
	cp $(CA_BUNDLE) $(IMAGE_CONTEXT)/ca-certificates.crt
	cp config/default.yaml $(IMAGE_CONTEXT)/config.yaml
	$(CONTAINER_BUILD) -f Containerfile --build-arg VERSION=$(VERSION) -t $(IMAGE) $(IMAGE_CONTEXT)

## image-test: build the image and run it with podman (internal/e2e TestImage);
## skips outside CI when buildah or podman is missing
image-test:
	@if ! command -v buildah >/dev/null 2>&1 || ! command -v podman >/dev/null 2>&1; then \
		if [ -n "$$CI" ]; then echo "image-test: buildah and podman are required under CI" >&2; exit 1; fi; \
		echo "image-test: skipped: buildah or podman missing (scripts/install-test-deps.sh installs them)"; exit 0; \
	fi; \
	$(MAKE) --no-print-directory image && \
	QUELL_IMAGE=$(IMAGE) $(GO) test -p 1 -count=1 -timeout 10m -run '^TestImage' ./internal/e2e/

## dist: static linux/amd64 and linux/arm64 archives with SHA256SUMS in dist/
DIST_ARCHES ?= amd64 arm64

dist:
	rm -rf dist && mkdir -p dist
	@set -e; for arch in $(DIST_ARCHES); do \
		name=otelcol-quell_$(VERSION)_linux_$$arch; mkdir -p dist/$$name; \
		echo "building $$name"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS) -s -w' \
			-o dist/$$name/otelcol-quell ./components; \
		cp LICENSE README.md CHANGELOG.md dist/$$name/; mkdir -p dist/$$name/config; cp config/*.yaml dist/$$name/config/; \
		tar -C dist --owner=0 --group=0 --sort=name --mtime='@0' -czf dist/$$name.tar.gz $$name; rm -rf dist/$$name; \
	done
	cd dist && sha256sum *.tar.gz > SHA256SUMS && cat SHA256SUMS

## helm-test: render every deploy/helm values file with the official chart
## (../shared/charts, or CHART=...), decode every object strictly with the
## k8s.io/api types and validate each rendered collector config
HELM  := $(BIN)/helm
CHART ?= $(abspath $(CURDIR)/../shared/charts/opentelemetry-collector)

helm-test: build $(HELM)
	cd internal/helmcheck && HELM=$(HELM) QUELL_BINARY=$(COLLECTOR) QUELL_CHART=$(CHART) \
		$(GO) test -count=1 -timeout 10m ./...

# helm has its own tools module (internal/tools/helm): its Kubernetes
# dependencies must not move ocb's, mdatagen's or the product's.
$(HELM): internal/tools/helm/go.mod internal/tools/helm/go.sum
	cd internal/tools/helm && GOBIN=$(BIN) $(GO) install helm.sh/helm/v3/cmd/helm
	@touch $(HELM)

## promtool-test: `promtool check rules` and `promtool test rules` on
## deploy/prometheus (promtool from Debian's prometheus package; skips outside
## CI when missing)
RULES      := $(filter-out %.test.yaml,$(wildcard deploy/prometheus/*.yaml))
RULE_TESTS := $(wildcard deploy/prometheus/*.test.yaml)

promtool-test:
	@if ! command -v promtool >/dev/null 2>&1; then \
		if [ -n "$$CI" ]; then echo "promtool-test: promtool is required under CI" >&2; exit 1; fi; \
		echo "promtool-test: skipped: promtool missing (scripts/install-test-deps.sh installs it)"; exit 0; \
	fi; \
	promtool check rules $(RULES) && promtool test rules $(RULE_TESTS)

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
	rm -rf $(BIN) bench.out dist
