package cli_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

var hourlyByUser = []string{"query", "--demo", "--metric", "request_count", "--dimension", "user", "--granularity", "hour", "--last", "14d"}

// Without --all, a truncated result says so on stderr in every format.
func TestTruncationIsNeverSilent(t *testing.T) {
	t.Parallel()

	for _, format := range []string{"table", "csv", "json", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := run(t, nil, append(hourlyByUser, "--limit", "100", "--format", format)...)
			require.Equal(t, 0, code, errOut)
			assert.NotEmpty(t, out)
			assert.Equal(t, "openrouter-analytics: the result is truncated: 100 rows came back and more matched; --all fetches every row\n", errOut)
		})
	}
	code, _, _ := run(t, nil, append(hourlyByUser, "--limit", "100", "--strict")...)
	assert.Equal(t, cli.ExitTruncated, code)
	code, _, _ = run(t, nil, append(hourlyByUser, "--limit", "100", "--all", "--strict")...)
	assert.Equal(t, cli.ExitOK, code)
}

// --all gets every row in every format, streaming CSV in time order.
func TestAll(t *testing.T) {
	t.Parallel()

	code, single, _ := run(t, nil, append(hourlyByUser, "--limit", "10000", "--format", "csv")...)
	require.Equal(t, 0, code)
	code, all, errOut := run(t, nil, append(hourlyByUser, "--all", "--limit", "500", "--format", "csv")...)
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut, "no progress when stderr is not a terminal")
	singleRows := records(t, single)
	allRows := records(t, all)
	assert.Greater(t, len(singleRows), 5000)
	assert.Equal(t, singleRows, allRows, "every row, in time order")

	code, table, _ := run(t, nil, append(hourlyByUser, "--all", "--limit", "500")...)
	require.Equal(t, 0, code)
	assert.Contains(t, table, fmt.Sprintf("\n%d rows\n", len(allRows)-1))
	assert.NotContains(t, table, "truncated")

	for _, format := range []string{"json", "jsonl"} {
		code, out, errOut := run(t, nil, append(hourlyByUser, "--all", "--limit", "500", "--format", format)...)
		require.Equal(t, 0, code, errOut)
		assert.NotEmpty(t, out)
	}
	code, out, errOut := run(t, nil, append(hourlyByUser, "--all", "--limit", "500", "--chart", "--width", "100")...)
	require.Equal(t, 0, code, errOut)
	assert.NotEmpty(t, out)
}

func TestAllShowsProgressOnATerminal(t *testing.T) {
	t.Parallel()

	var stdout, stderr bytes.Buffer
	code := cli.Run(t.Context(), append(hourlyByUser, "--all", "--limit", "500", "--format", "csv"),
		cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, StderrIsTerminal: true})
	require.Equal(t, 0, code, stderr.String())
	assert.Regexp(t, `^\r\033\[Kfetching: +\d+%, [\d,]+ rows, [\d,]+ rows/s, 1 requests\r`, stderr.String())
	assert.Regexp(t, `\r\033\[Kfetching: 100%, [\d,]+ rows, [\d,]+ rows/s, \d+ requests\r\033\[K$`, stderr.String())
	assert.True(t, strings.HasSuffix(stderr.String(), "\r\033[K"), "the line is cleared at the end")
}

// A warning of the server's reaches stderr once in every format, with
// and without --all, and --strict makes it exit 4.
func TestWarningsAreNeverSilent(t *testing.T) {
	t.Parallel()

	// An id the service does not know passes the command's look-up (ids
	// pass through: a look-up need not list them all) and gets the
	// server's warning.
	const warning = "openrouter-analytics: warning: filters[0]: model value \"anthropic/claude-9\" could not be resolved\n"
	byLabel := append(slices.Clone(hourlyByUser), "--filter", "model eq anthropic/claude-9")
	for _, format := range []string{"table", "csv", "json", "jsonl"} {
		for _, all := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/all=%v", format, all), func(t *testing.T) {
				args := append(slices.Clone(byLabel), "--format", format)
				if all {
					args = append(args, "--all", "--limit", "50")
				}
				code, _, errOut := run(t, nil, args...)
				assert.Equal(t, cli.ExitOK, code)
				assert.Equal(t, warning, errOut)
				code, _, errOut = run(t, nil, append(args, "--strict")...)
				assert.Equal(t, cli.ExitWarnings, code)
				assert.Equal(t, warning, errOut)
			})
		}
	}
	// Over many pages, each repeating the warning, it is printed once.
	code, out, errOut := run(t, nil, append(slices.Clone(hourlyByUser), "--filter", "model in openai/gpt-4o,openai/gpt-9", "--all", "--limit", "200", "--format", "csv")...)
	assert.Equal(t, cli.ExitOK, code)
	assert.Greater(t, strings.Count(out, "\n"), 1000)
	assert.Equal(t, "openrouter-analytics: warning: filters[0]: model value \"openai/gpt-9\" could not be resolved\n", errOut)
}

// --all streams: JSON is the same document as without it.
func TestAllStreamsJSON(t *testing.T) {
	t.Parallel()

	args := append(slices.Clone(hourlyByUser), "--last", "2d", "--filter", "model in openai/gpt-4o,openai/gpt-9", "--format", "json")
	code, once, _ := run(t, nil, append(args, "--limit", "10000")...)
	require.Equal(t, 0, code)
	code, all, errOut := run(t, nil, append(args, "--all", "--limit", "100")...)
	require.Equal(t, 0, code, errOut)
	var a, b map[string]any
	require.NoError(t, json.Unmarshal([]byte(once), &a))
	require.NoError(t, json.Unmarshal([]byte(all), &b))
	assert.Equal(t, a["data"], b["data"])
	assert.Equal(t, a["warnings"], b["warnings"])
	assert.Equal(t, a["metadata"].(map[string]any)["row_count"], b["metadata"].(map[string]any)["row_count"])
	code, all, _ = run(t, nil, "query", "--demo", "--metric", "request_count", "--granularity", "day", "--filter", "model eq nobody/nothing",
		"--all", "--format", "json")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(all), &b))
	assert.Equal(t, []any{}, b["data"])
}

func TestAllRefusesAPartialResult(t *testing.T) {
	t.Parallel()

	code, _, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--dimension", "user,model", "--limit", "10", "--all")
	assert.Equal(t, cli.ExitError, code)
	assert.Contains(t, errOut, "has no granularity to split it by: add a granularity, use fewer dimensions, or a filter")
}

func records(t *testing.T, out string) [][]string {
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	return recs
}

// The check is against the server's own catalog, not this version's
// lists; with --no-check, names reach the server, and the fake answers
// 400 for unknown ones as the service would.
func TestUnknownNamesReachTheServer(t *testing.T) {
	t.Parallel()

	code, _, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--granularity", "quarter", "--no-check")
	assert.Equal(t, cli.ExitError, code, "not a usage error: the server refused it")
	assert.Contains(t, errOut, `openrouter: POST /analytics/query: 400 Bad Request: Invalid request parameters: unknown granularity "quarter"`)
	code, _, errOut = run(t, nil, "query", "--demo", "--metric", "request_count", "--filter", "model contains gpt", "--no-check")
	assert.Equal(t, cli.ExitError, code)
	assert.Contains(t, errOut, `unknown operator "contains"`)
}

// A metric whose display format this version does not know is shown as a
// plain number.
func TestUnknownDisplayFormatPrintsPlain(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	fake.Script(analyticstest.Raw(200, "application/json", `{"data":{
		"metrics":[{"name":"request_count","display_label":"Requests","is_rate":false,"display_format":"grams_co2"}],
		"dimensions":[{"name":"model","display_label":"Model"}],
		"operators":[{"name":"eq","value_type":"scalar"}],
		"granularities":[{"name":"day","display_label":"Day"}]}}`))
	code, out, errOut := run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey},
		"query", "--base-url", fake.URL, "--metric", "request_count", "--from", "2025-01-01", "--to", "2025-07-01")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "100,000")
	assert.NotContains(t, out, "$")

	fake.Script(analyticstest.Raw(200, "application/json", `{"data":{
		"metrics":[{"name":"carbon","display_label":"Carbon","is_rate":false,"display_format":"grams_co2"}],
		"dimensions":[], "operators":[], "granularities":[{"name":"quarter","display_label":"Quarter"}]}}`))
	code, out, errOut = run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey}, "meta", "--base-url", fake.URL)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "grams_co2")
	assert.Contains(t, out, "quarter")
}

// Classifier dimensions without names show as clf_dimension_name and
// clf_dimension_value columns.
func TestClassifierColumnsWithoutNames(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--classifier", analyticstest.ClassifierID,
		"--classifier-tags", "--format", "csv")
	require.Equal(t, 0, code, errOut)
	recs := records(t, out)
	assert.Equal(t, []string{"clf_dimension_name", "clf_dimension_value", "request_count"}, recs[0])
	assert.Greater(t, len(recs), 5)
}
