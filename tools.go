//go:build tools

// Package tools pins the code generator's and the workflow linter's
// versions in go.mod, so that `go run` builds exactly those versions on
// any machine, from the module cache, with no network. The release and
// lint tools live in tools/go.mod instead, out of the SDK's dependencies.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
