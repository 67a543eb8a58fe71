# Everything runs through the go command at the versions pinned in go.mod,
# so a fresh machine with Go installed needs nothing else.
# The library's tools (oapi-codegen, actionlint) are pinned in go.mod
# through tools.go; the release and lint tools, whose dependencies users
# of the SDK should never see, in tools/go.mod.
GO ?= go
TOOL := $(GO) tool -modfile=tools/go.mod

.PHONY: spec-drift all test test-long vet generate check-generate lint-ci lint vulncheck api-diff api-diff-selftest release-snapshot demo bench fuzz soak

all: test

## generate: regenerate gen/ from openapi/analytics.yaml and codegen.yaml
generate:
	cd gen && $(GO) generate ./...

## check-generate: fail, naming the files, when gen/ is not what the spec and config produce
check-generate:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -R go.mod go.sum codegen.yaml codegen.overlay.yaml openapi gen "$$tmp"/; \
	rm -f "$$tmp"/gen/*.gen.go; \
	(cd "$$tmp/gen" && $(GO) generate ./...) || exit 1; \
	if ! diff -rq gen "$$tmp/gen"; then \
		echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1; \
	fi; \
	$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'" >&2; exit 1; }
	@echo "check-generate: gen/ matches openapi/ and codegen.yaml"

# The race detector's pointer checks (checkptr) are off for the pure-Go
# SQLite driver alone: its C translated to Go does pointer arithmetic on
# purpose, and checking each step made the sync tests three times slower.
# Races are still detected in it, and everything else keeps checkptr.
# (Building it without the race detector, -race=false, is faster still,
# but then the detector cannot see the driver's own synchronization and
# reports races in code that merely follows it.)
RACEFLAGS := -race -gcflags='modernc.org/...=-d=checkptr=0'

# A binary built with the race detector sleeps a second at exit, by
# default, for late reports; a test binary's reports come before its
# result, so the suite waits 50 ms instead (GORACE options of your own
# are kept).
export GORACE := atexit_sleep_ms=50 $(GORACE)

## vet: go vet over every package (built as the tests are, so that a
## fresh machine compiles the dependencies once, not twice)
vet:
	$(GO) vet $(RACEFLAGS) ./...

## test: vet, the generated-code check, the workflow lint, and every test
## with the race detector; the ten slowest tests are printed at the end
## (the allocation bounds that skip under -race run first, without it)
test: vet check-generate lint-ci
	$(GO) test -count=1 -run '$(NORACE_TESTS)' ./sdk/row/
	$(GO) run ./internal/tools/testtimes $(RACEFLAGS) -count=1 $(SLOWEST_FIRST) ./...

# The packages whose tests take longest, named first: the go command
# starts test binaries in the order it is given packages, two at a time
# on two cores, so the longest (dbsync, about 38 s) starts at once
# rather than last, where it ran alone for its final 15 s (83 s then,
# 63 s so; ./... adds the rest, each once).
SLOWEST_FIRST := ./sdk/dbsync/ ./sdk/ ./tests/ ./internal/soak/

# The tests that skip under -race: they count bytes, which the race
# detector does not change, and take many times as long under it.
NORACE_TESTS := ^TestAdversarialBodiesCostAtMost3xTheirSize$$

## test-long: the sweeps make test cuts short (the adversarial bodies at 8 MiB;
## sync killed at five moments and eight overlapping runs, under -race)
test-long:
	$(GO) test -count=1 -run '^TestAdversarialBodiesCostAtMost3xTheirSize$$' ./sdk/row/ -args -long
	$(GO) test $(RACEFLAGS) -count=1 -run '^(TestKilledRunsLoseNothing|TestOverlappingRuns)$$' ./sdk/dbsync/ -args -long

## lint-ci: check the GitHub workflows with actionlint (pinned in tools/go.mod)
lint-ci:
	$(TOOL) actionlint -no-color

## lint: golangci-lint (pinned in tools/go.mod) with .golangci.yml
lint:
	$(TOOL) golangci-lint run ./...

## vulncheck: govulncheck (pinned in tools/go.mod); needs the vulnerability database, so not in make test
vulncheck:
	$(TOOL) govulncheck ./...

BASE ?= origin/main

## api-diff: incompatible changes to the exported API of sdk/, sdk/row, sdk/analyticstest, sdk/dbsync and gen/ since BASE
api-diff:
	scripts/api-diff.sh $(BASE)

## api-diff-selftest: show api-diff catching a removed function and a changed field type
api-diff-selftest:
	scripts/api-diff-selftest.sh

## release-snapshot: the CLI's release archives and checksums, built locally into dist/ (GoReleaser, pinned in tools/go.mod)
release-snapshot:
	$(TOOL) goreleaser release --snapshot --clean

CLI := bin/openrouter-analytics

# DEMO_SHAPE is how the demo's fake writes rows: service (as OpenRouter's
# guides show the live service: counts as strings, bare-date days, Sunday
# weeks, user_email) or spec (as the OpenAPI document shows them).
DEMO_SHAPE ?= service
SHAPE := --demo-shape $(DEMO_SHAPE)

## demo: the main job, against the embedded fake API (no key, no network):
## the catalog, a two-metric daily series (two panels), all 16 models
## ranked, a percent metric, every row of a large series with --all, and
## a series kept in SQLite with sync
demo:
	$(GO) build -o $(CLI) ./cmd/openrouter-analytics
	@echo "== The fake answers in the $(DEMO_SHAPE) shape (make demo DEMO_SHAPE=spec for the OpenAPI document's)"
	@mkdir -p out
	@echo "== The catalog: what a query may use"
	$(CLI) meta --demo
	@echo
	@echo "== Daily requests and cost by model, last 14 days: one panel per metric"
	$(CLI) query --demo $(SHAPE) --metric request_count,total_usage --dimension model --granularity day --last 14d \
		--filter 'model in openai/gpt-4o,anthropic/claude-3.5-sonnet,google/gemini-2.0-flash-001' \
		--chart --plot out/daily-requests-and-cost.png
	@echo
	@echo "== Every model ranked by requests, last 30 days, with its cache hit rate"
	$(CLI) query --demo $(SHAPE) --metric request_count,cache_hit_rate --dimension model --last 30d \
		--order-by 'request_count desc' --chart --plot out/models-ranked.png
	@echo
	@echo "== Cache hit rate per day, last 30 days: a percent metric"
	$(CLI) query --demo $(SHAPE) --metric cache_hit_rate --granularity day --last 30d --chart --quiet --plot out/cache-hit-rate-by-day.png
	@echo
	@echo "== The cost review of OpenRouter's cookbook for the last full month, as Markdown for a ticket"
	$(CLI) review --demo $(SHAPE) --drill 1 --format markdown --plot out/cost-review.png > out/cost-review.md
	@sed -n '/### Baseline/,/### Behind/p' out/cost-review.md | head -n -1
	@echo "out/cost-review.md: $$(wc -l < out/cost-review.md) lines, out/cost-review.png"
	@echo
	@echo "== Every hourly row by user over the 90 days, in as many requests as the row cap needs (--all)"
	$(CLI) query --demo $(SHAPE) --metric request_count --dimension user --granularity hour --last 90d --all --format csv \
		> out/hourly-by-user.csv
	@echo "out/hourly-by-user.csv: $$(($$(wc -l < out/hourly-by-user.csv) - 1)) rows"
	@echo
	@echo "== The hourly requests and cost by model kept in SQLite (sync), run twice: the second run fetches only its lookback"
	@rm -f out/history.db out/history.db-wal out/history.db-shm
	$(CLI) sync --demo $(SHAPE) --db sqlite:out/history.db --table hourly_by_model --metric request_count,total_usage \
		--dimension model --granularity hour --from 2025-04-01
	$(CLI) sync --demo $(SHAPE) --db sqlite:out/history.db --table hourly_by_model --metric request_count,total_usage \
		--dimension model --granularity hour --from 2025-04-01
	@echo
	@echo "== The totals of the 90 days: the same in every shape"
	$(CLI) query --demo $(SHAPE) --metric request_count,tokens_total,total_usage --last 90d

BENCHTIME ?= 1s
BENCHCOUNT ?= 6
FUZZTIME ?= 30s

## bench: the SDK beside a plain net/http + encoding/json baseline and the
## limit (the wire into io.Discard plus a jsontext token scan), on both
## shapes of answer, against the same server in a child process (side by
## side, BENCHCOUNT rounds; benchstat prints medians with their 95%
## confidence intervals, and "~" where the difference is within noise),
## then the SDK's own figures
## (exports against servers in a child process; sync into SQLite and a
## throwaway PostgreSQL cluster beside the hand-written export it replaces)
bench:
	@mkdir -p out
	# -p 1: no package is compiled or linked while another one's benchmarks run
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -benchtime=$(BENCHTIME) -count=$(BENCHCOUNT) ./benchmarks/ ./sdk/analyticstest/ ./sdk/dbsync/ | tee out/bench.txt
	@echo
	$(TOOL) benchstat -filter '/impl:(baseline OR sdk)' -col '/impl@(baseline sdk)' out/bench.txt
	@echo
	$(TOOL) benchstat -filter '/impl:(limit OR sdk)' -col '/impl@(limit sdk)' out/bench.txt
	@echo
	$(TOOL) benchstat -filter '-/impl:(baseline OR sdk OR limit)' out/bench.txt

## fuzz: run each fuzz target for FUZZTIME (their seed corpora also run in make test)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzErrorBody$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run '^$$' -fuzz '^FuzzQueryResponse$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run '^$$' -fuzz '^FuzzEnvelopeDecodesAsEncodingJSON$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run '^$$' -fuzz '^FuzzRows$$' -fuzztime=$(FUZZTIME) ./sdk/row/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRows$$' -fuzztime=$(FUZZTIME) ./sdk/row/
	$(GO) test -run '^$$' -fuzz '^FuzzValues$$' -fuzztime=$(FUZZTIME) ./sdk/row/
	$(GO) test -run '^$$' -fuzz '^FuzzValidateQueryAgreesWithTheSpec$$' -fuzztime=$(FUZZTIME) ./tests/

SOAK ?= 60s
SOAK_WORKERS ?= 256
SOAK_SEED ?= 1
SOAK_OUTAGE ?= 30s

## soak: one client, SOAK_WORKERS concurrent calls, SOAK of chaos then
## SOAK_OUTAGE of outage against the fake; prints the report, exit 1 on a
## failed check (a 5 s version runs in make test)
soak:
	$(GO) run ./internal/tools/soak -duration $(SOAK) -workers $(SOAK_WORKERS) -seed $(SOAK_SEED) -outage $(SOAK_OUTAGE)

UPSTREAM ?= https://openrouter.ai/openapi.json

## spec-drift: what OpenRouter's published document (UPSTREAM: a URL or a path) has for the
## analytics endpoints that openapi/analytics.yaml lacks or contradicts; exit 1 on drift
spec-drift:
	$(GO) run ./internal/tools/specdrift -upstream $(UPSTREAM)
