//go:build tools

// Package tools pins the code generator's version in go.mod, as the
// project's layout asks, so that `go generate` builds exactly that
// version on any machine. The development tools (workflow and code lint,
// release, API diff) live in tools/go.mod instead, out of the module
// graph of every program that imports the SDK.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
