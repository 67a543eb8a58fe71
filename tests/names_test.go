package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// Where a document names a metric or dimension: CLI flags, the Go
// fields of a query, filter helpers and order_by.
var (
	flagNames   = regexp.MustCompile(`--(metric|dimension)[ =]([a-z0-9_,]+)`)
	sliceNames  = regexp.MustCompile(`(Metrics|Dimensions):\s*(?:append\()?\[\]string\{([^}]*)\}`)
	filterNames = regexp.MustCompile(`sdk\.(?:Eq|Neq|In|NotIn|Gt|Gte|Lt|Lte)\("([a-z0-9_]+)"`)
	quoted      = regexp.MustCompile(`"([a-z0-9_]+)"`)
)

// misspelt are names the documents use on purpose, to show the error a
// name outside the catalog gets.
var misspelt = []string{"cost", "modle", "mdoel", "total_cost"}

// TestDocumentedNamesAreInTheCatalog fails when README.md, docs/*.md, the Makefile
// or a runnable example names a metric or dimension the fake's catalog,
// which follows the service's, does not have: what a user copies must
// work against the service.
func TestDocumentedNamesAreInTheCatalog(t *testing.T) {
	t.Parallel()

	meta, err := analyticstest.NewServer(t).Client().GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	var metrics, dims []string
	for _, m := range meta.Metrics {
		metrics = append(metrics, m.Name)
	}
	for _, d := range meta.Dimensions {
		dims = append(dims, d.Name)
	}

	files := append(markdownDocs(t), "../Makefile")
	examples, err := filepath.Glob("../sdk/*example*_test.go")
	require.NoError(t, err)
	more, err := filepath.Glob("../sdk/*/*example*_test.go")
	require.NoError(t, err)
	files = append(append(files, examples...), more...)

	seen := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		require.NoError(t, err)
		check := func(kind, name string) {
			seen++
			switch {
			case slices.Contains(misspelt, name):
			case kind == "metric":
				assert.Contains(t, metrics, name, "%s names metric %q", f, name)
			case kind == "dimension":
				assert.Contains(t, dims, name, "%s names dimension %q", f, name)
			default: // a filter takes either
				assert.True(t, slices.Contains(metrics, name) || slices.Contains(dims, name), "%s filters on %q", f, name)
			}
		}
		for _, m := range flagNames.FindAllStringSubmatch(string(text), -1) {
			for name := range strings.SplitSeq(m[2], ",") {
				if name != "" {
					check(m[1], name)
				}
			}
		}
		for _, m := range sliceNames.FindAllStringSubmatch(string(text), -1) {
			kind := map[string]string{"Metrics": "metric", "Dimensions": "dimension"}[m[1]]
			for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
				check(kind, q[1])
			}
		}
		for _, m := range filterNames.FindAllStringSubmatch(string(text), -1) {
			check("filter", m[1])
		}
	}
	assert.Greater(t, seen, 50, "the patterns still find the names the documents use")
}
