// Package openapi embeds analytics.yaml, the hand-maintained OpenAPI 3.0.3
// document of OpenRouter's analytics API, for the fake API and the
// contract tests.
package openapi

import _ "embed"

// Spec is the text of analytics.yaml.
//
//go:embed analytics.yaml
var Spec []byte
