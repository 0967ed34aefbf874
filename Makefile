# gongsync — make targets. `make demo` and `make test` work on a machine that has only Go.
GO        ?= go
BINARY    ?= bin/gongsync
FUZZTIME  ?= 10s
BENCH_SECONDS ?= 30
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)

.PHONY: build run demo test fuzz bench lint clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BINARY) ./cmd/gongsync

run: build
	$(BINARY) serve

# The whole job end to end, on a temporary SQLite database and in-process
# fakes of Gong and Planhat.
demo:
	$(GO) run ./cmd/gongsync demo

# Unit, end-to-end and durability tests with the race detector, then each
# fuzz target briefly. PostgreSQL tests run when GONGSYNC_TEST_POSTGRES_URL is
# set (.ci/run starts a private cluster and sets it).
test:
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) fuzz

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseWebhook$$' -fuzztime $(FUZZTIME) ./internal/gong
	$(GO) test -run '^$$' -fuzz '^FuzzVerifyJWT$$' -fuzztime $(FUZZTIME) ./internal/gong

# Benchmarks print their figures; see docs/BENCHMARKS.md. The PostgreSQL
# variants run when GONGSYNC_TEST_POSTGRES_URL is set
# (export "$$(scripts/postgres-test-cluster.sh)").
bench:
	$(GO) test -run '^$$' -bench . -benchtime 20000x -count 1 ./internal/store
	GONGSYNC_BENCH_SECONDS=$(BENCH_SECONDS) $(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 60m ./cmd/gongsync

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
