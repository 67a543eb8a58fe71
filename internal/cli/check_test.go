//nolint:misspell // "modle" is the misspelling these tests type on purpose
package cli_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// Every mistake at once, each with its suggestion, and no query sent.
func TestQueryIsCheckedBeforeItIsSent(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "query", "--demo", "--metric", "cost,request_count", "--dimension", "modle")
	assert.Equal(t, cli.ExitError, code)
	assert.Empty(t, out)
	assert.Equal(t, 2, strings.Count(errOut, "did you mean"), errOut)
	assert.Contains(t, errOut, `"cost" is not a metric in the catalog; did you mean "total_usage"?`)
	assert.Contains(t, errOut, `"modle" is not a dimension in the catalog; did you mean "model"?`)
	assert.LessOrEqual(t, strings.Count(errOut, "\n"), 6)

	// --no-check sends it, and the server's 400 names the first mistake.
	code, _, errOut = run(t, nil, "query", "--demo", "--metric", "cost,request_count", "--dimension", "modle", "--no-check")
	assert.Equal(t, cli.ExitError, code)
	assert.Contains(t, errOut, "400 Bad Request")
}

func TestOperatorsByTheirUsualSpellings(t *testing.T) {
	t.Parallel()

	count := func(filter string) string {
		code, out, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--last", "7d", "--format", "csv", "--filter", filter)
		require.Equal(t, 0, code, errOut)
		return out
	}
	for spelled, named := range map[string]string{"=": "eq", "==": "eq", "!=": "neq", "<>": "neq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"} {
		field, value := "country", "US"
		if named != "eq" && named != "neq" {
			field, value = "tokens_total", "900"
		}
		assert.Equal(t, count(field+" "+named+" "+value), count(field+" "+spelled+" "+value), spelled)
	}
}

func TestPeriods(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--period", "month-to-date", "--granularity", "day", "--format", "csv")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 1+29, strings.Count(out, "\n"), "June 1 to 29: the demo's now is June 30, midnight")
	code, _, errOut = run(t, nil, "query", "--demo", "--metric", "request_count", "--period", "month-to-date", "--last", "7d")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, errOut, "--period does not go with --last, --from or --to")
	code, _, errOut = run(t, nil, "query", "--demo", "--metric", "request_count", "--period", "fortnight")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, errOut, "want one of today, yesterday")
}

func TestClassifiersCanBeFound(t *testing.T) {
	t.Parallel()

	code, out, _ := run(t, nil, "meta", "--demo")
	require.Equal(t, 0, code)
	assert.Contains(t, out, analyticstest.ClassifierID)
	code, _, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--classifier-tags")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Equal(t, 2, strings.Count(errOut, "\n"), errOut)
	assert.Contains(t, errOut, "need --classifier, the classifier's UUID (meta --demo shows the demo's)")
}
