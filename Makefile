# dagworker — run `make help` for the targets.
GO        ?= go
BIN       ?= bin/dagworker
PKGS      ?= ./...
# FUZZTIME is an execution count: a duration can end a clean run with a spurious
# "context deadline exceeded" when a worker is starved at the deadline (Go issue 75804).
FUZZTIME  ?= 20000x
STATICCHECK_VERSION ?= v0.8.2
OAPI_CODEGEN_VERSION ?= v2.8.2
# Airflow 3's OpenAPI document, the source of internal/api/airflowspec.
AIRFLOW_SPEC ?= $(or $(DAGWORKER_AIRFLOW_SPEC),../shared/airflow/v2.yaml)

.DEFAULT_GOAL := help

.PHONY: help build run test test-ort test-race fuzz bench lint generate generate-check clean e2e

help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z0-9-]+:.*## /{printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/dagworker
	$(GO) build -o $(BIN) ./cmd/dagworker

run: build ## run the main job: the nightly DAG against the demo site, on embedded defaults
	$(BIN) demo

# ORT=0 leaves out the ONNX Runtime backend's tests (they need cargo and pip to build its libraries once).
ORT ?= 1

test: ## run every test (needs redis-server on PATH), the ONNX Runtime backend's (ORT=0: not), a short fuzz of each parser
	$(GO) test -count=1 $(PKGS)
	@if [ "$(ORT)" != 0 ]; then $(MAKE) --no-print-directory test-ort; else echo "test: ORT=0, the ONNX Runtime backend's tests are left out"; fi
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)

test-ort: ## the classify tests on both backends and the real-model end-to-end test, built with -tags ORT
	@set -e; dir=$$(bash scripts/ort.sh); \
	export CGO_ENABLED=1 CGO_LDFLAGS="-L$$dir $${CGO_LDFLAGS:-}" DAGWORKER_ORT_LIBRARY="$$dir/libonnxruntime.so" DAGWORKER_TEST_REQUIRE_ORT=1; \
	echo "$(GO) test -tags ORT ./tasks/classify/ ./cmd/dagworker/ (ORT libraries in $$dir)"; \
	$(GO) test -tags ORT -count=1 ./tasks/classify/; \
	$(GO) test -tags ORT -count=1 -run 'TestRealModel|TestDemoNightlyPipeline' ./cmd/dagworker/

fuzz: ## fuzz every parser of outside input for FUZZTIME each (default 20000x executions)
	@for target in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$target/*_test.go | sed 's/func //'); do \
	    echo "fuzz $$target $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$target || exit 1; \
	  done; \
	done

test-race: ## run every test with the race detector
	$(GO) test -race -count=1 $(PKGS)

bench: ## run the benchmarks and print their figures; classify on both backends beside Python (see README)
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 $$($(GO) list $(PKGS) | grep -v '/tasks/classify$$')
	@set -e; if [ "$(ORT)" = 0 ]; then $(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./tasks/classify/; exit 0; fi; \
	dir=$$(bash scripts/ort.sh); \
	export CGO_ENABLED=1 CGO_LDFLAGS="-L$$dir $${CGO_LDFLAGS:-}" DAGWORKER_ORT_LIBRARY="$$dir/libonnxruntime.so"; \
	for b in 'BenchmarkClassify/go/' 'BenchmarkClassify/ort/' 'BenchmarkClassifyPython' 'BenchmarkFirstBatch'; do \
	  $(GO) test -tags ORT -run '^$$' -bench "$$b" -benchtime 1x -count 1 ./tasks/classify/ | grep -E '^Benchmark|^ok|FAIL'; \
	done

e2e: ## end-to-end tests from Python: real Airflow 3, the client, the notebook (nbclient), the KFP component (venv cached in ~/.cache/dagworker, keyed by the pins)
	bash deploy/airflow/e2e.sh

lint: ## gofmt, go mod tidy, go vet, staticcheck (also of the cloud and ORT builds) and golangci-lint
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) vet -tags cloud ./tasks/  # the gs:// and azblob:// drivers compile
	$(GO) vet -tags ORT ./tasks/classify/ ./cmd/dagworker/  # the ONNX Runtime backend compiles (no libraries needed)
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck -tags ORT ./tasks/classify/...
	@gl=$$(bash scripts/golangci.sh) && echo "$$gl run ./..." && "$$gl" run ./...  # .golangci.yaml: layering (depguard), errorlint, gosec, noctx, sloglint
	@$(MAKE) --no-print-directory generate-check

GEN_DIR ?= internal/api/airflowspec
OAPI_CODEGEN = $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$(OAPI_CODEGEN_VERSION)

generate: ## regenerate internal/api/airflowspec (models and embedded document) from AIRFLOW_SPEC and its operations.txt
	@test -f "$(AIRFLOW_SPEC)" || { echo "generate: Airflow's OpenAPI document is not at $(AIRFLOW_SPEC) (set AIRFLOW_SPEC)"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./internal/api/airflowspec/filter -spec "$(AIRFLOW_SPEC)" -ops internal/api/airflowspec/operations.txt -o "$$tmp/airflow.json"; \
	$(GO) run ./internal/api/airflowspec/filter -models -spec "$(AIRFLOW_SPEC)" -ops internal/api/airflowspec/operations.txt -o "$$tmp/models.json"; \
	$(OAPI_CODEGEN) -config internal/api/airflowspec/oapi-codegen.yaml -o "$(GEN_DIR)/spec.gen.go" "$$tmp/airflow.json"; \
	$(OAPI_CODEGEN) -config internal/api/airflowspec/oapi-codegen-models.yaml -o "$(GEN_DIR)/models.gen.go" "$$tmp/models.json"

generate-check: ## fail when the committed generated code is not what make generate writes (needs AIRFLOW_SPEC)
	@if [ ! -f "$(AIRFLOW_SPEC)" ]; then echo "generate-check: Airflow's document is not at $(AIRFLOW_SPEC); the generated code was not re-derived"; exit 0; fi; \
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory generate GEN_DIR="$$tmp"; \
	for f in spec.gen.go models.gen.go; do \
	  cmp -s "$$tmp/$$f" "internal/api/airflowspec/$$f" || { echo "generate-check: internal/api/airflowspec/$$f is out of date: run make generate"; exit 1; }; \
	done; \
	echo "generate-check: internal/api/airflowspec is up to date"

clean: ## remove build outputs
	rm -rf bin

# ONNX Runtime backend (build tag ORT): scripts/ort.sh caches libonnxruntime.so and libtokenizers.a under
# ${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/ort and prints that folder; the binary loads the copy of
# libonnxruntime.so beside it unless DAGWORKER_ORT_LIBRARY names another.
ORT_BIN   ?= bin/dagworker-ort

.PHONY: ort build-ort models-ref

ort: ## fetch libonnxruntime.so and build libtokenizers.a into the cache (prints the folder)
	bash scripts/ort.sh

build-ort: ## build bin/dagworker-ort (-tags ORT) with libonnxruntime.so beside it
	@set -e; dir=$$(bash scripts/ort.sh); \
	echo "CGO_LDFLAGS=-L$$dir $(GO) build -tags ORT -o $(ORT_BIN) ./cmd/dagworker"; \
	CGO_ENABLED=1 CGO_LDFLAGS="-L$$dir $${CGO_LDFLAGS:-}" $(GO) build -tags ORT -o $(ORT_BIN) ./cmd/dagworker; \
	lib="$(dir $(ORT_BIN))libonnxruntime.so"; \
	cmp -s "$$dir/libonnxruntime.so" "$$lib" || cp -fL "$$dir/libonnxruntime.so" "$$lib"

models-ref: ## fetch the real all-MiniLM-L6-v2 model into the cache (prints the folder)
	bash scripts/minilm.sh
