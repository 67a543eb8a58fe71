# Everything runs through the go command at the versions pinned in go.mod,
# so a fresh machine with Go installed needs nothing else.
GO ?= go
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

.PHONY: all test vet generate check-generate lint-ci

all: test

## generate: regenerate gen/ from openapi/analytics.yaml and codegen.yaml
generate:
	cd gen && $(GO) generate ./...

## check-generate: fail, naming the files, when gen/ is not what the spec and config produce
check-generate:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -R go.mod go.sum codegen.yaml openapi gen "$$tmp"/; \
	rm -f "$$tmp"/gen/*.gen.go; \
	(cd "$$tmp/gen" && $(GO) generate ./...) || exit 1; \
	if ! diff -rq gen "$$tmp/gen"; then \
		echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1; \
	fi; \
	$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'" >&2; exit 1; }
	@echo "check-generate: gen/ matches openapi/ and codegen.yaml"

## vet: go vet over every package
vet:
	$(GO) vet ./...

## test: vet, the generated-code check, the workflow lint, and every test with the race detector
test: vet check-generate lint-ci
	$(GO) test -race -count=1 ./...

## lint-ci: check the GitHub workflows with actionlint (pinned, run through go run)
lint-ci:
	$(GO) run $(ACTIONLINT) -no-color
