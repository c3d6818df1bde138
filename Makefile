# dagworker — run `make help` for the targets.
GO        ?= go
BIN       ?= bin/dagworker
PKGS      ?= ./...
# FUZZTIME is an execution count: a duration can end a clean run with a spurious
# "context deadline exceeded" when a worker is starved at the deadline (Go issue 75804).
FUZZTIME  ?= 20000x
STATICCHECK_VERSION ?= v0.8.2

.DEFAULT_GOAL := help

.PHONY: help build run test test-race fuzz bench lint clean e2e

help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z0-9-]+:.*## /{printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/dagworker
	$(GO) build -o $(BIN) ./cmd/dagworker

run: build ## run the main job: the nightly DAG against the demo site, on embedded defaults
	$(BIN) demo

test: ## run every test (needs redis-server on PATH) and a short fuzz of each parser
	$(GO) test -count=1 $(PKGS)
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)

fuzz: ## fuzz every parser of outside input for FUZZTIME each (default 20000x executions)
	@for target in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$target/*_test.go | sed 's/func //'); do \
	    echo "fuzz $$target $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$target || exit 1; \
	  done; \
	done

test-race: ## run every test with the race detector
	$(GO) test -race -count=1 $(PKGS)

bench: ## run the benchmarks and print their figures
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 $(PKGS)

e2e: ## end-to-end test against real Airflow 3 in deploy/airflow/.venv (reused when present)
	bash deploy/airflow/e2e.sh

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags cloud ./tasks/  # the gs:// and azblob:// drivers compile
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)

clean: ## remove build outputs
	rm -rf bin
