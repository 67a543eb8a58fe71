package cli_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// run runs the command with an environment of its own.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(t.Context(), args, cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
	return code, stdout.String(), stderr.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

var dailyByModel = []string{"query", "--demo", "--metric", "request_count", "--metric", "total_usage,cache_hit_rate,avg_latency",
	"--dimension", "model", "--granularity", "day", "--from", "2025-06-01", "--to", "2025-06-04",
	"--filter", "model in openai/gpt-4o,anthropic/claude-3.5-sonnet"}

func TestTableGolden(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, dailyByModel...)
	require.Equal(t, 0, code, errOut)
	golden(t, "daily_by_model.table", out)

	code, out, errOut = run(t, nil, "query", "--demo", "--metric", "request_count,total_usage,avg_throughput", "--dimension", "provider",
		"--order-by", "total_usage desc", "--limit", "4", "--filter", "model in openai/gpt-4o,anthropic/claude-3.5-sonnet,no/such-model")
	require.Equal(t, 0, code, errOut)
	golden(t, "top_providers.table", out)
	assert.Contains(t, out, "\n4 rows\n")
	assert.Equal(t, 1, strings.Count(out+errOut, "truncated"), "said once")
	assert.Contains(t, errOut, `warning: filters[0]: model value "no/such-model" could not be resolved`)
}

func TestCSVGolden(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, append(dailyByModel, "--format", "csv")...)
	require.Equal(t, 0, code, errOut)
	golden(t, "daily_by_model.csv", out)
}

func TestMetaGolden(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "meta", "--demo")
	require.Equal(t, 0, code, errOut)
	golden(t, "meta.table", out)
	code, out, _ = run(t, nil, "meta", "--demo", "--format", "jsonl")
	require.Equal(t, 0, code)
	assert.Equal(t, 34+13+8+5, strings.Count(out, "\n"), "metrics, dimensions, operators, granularities")
}

func TestJSONFormats(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, append(dailyByModel, "--format", "json")...)
	require.Equal(t, 0, code, errOut)
	var res struct {
		Data     []map[string]any `json:"data"`
		Metadata struct {
			RowCount  int  `json:"row_count"`
			Truncated bool `json:"truncated"`
		} `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Len(t, res.Data, 6)
	assert.Equal(t, 6, res.Metadata.RowCount)
	assert.Equal(t, "2025-06-01T00:00:00Z", res.Data[0]["date__day"])

	code, out, _ = run(t, nil, append(dailyByModel, "--format", "jsonl")...)
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 6)
	var row map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &row))
	assert.Equal(t, res.Data[0], row)
}

func TestChartFitsTheTerminal(t *testing.T) {
	t.Parallel()

	for _, width := range []string{"40", "80", "132"} {
		for name, args := range map[string][]string{
			"series":  {"query", "--demo", "--metric", "request_count", "--dimension", "model", "--granularity", "day", "--last", "60d", "--chart"},
			"ranking": {"query", "--demo", "--metric", "total_usage", "--dimension", "model", "--order-by", "total_usage", "--limit", "10", "--chart"},
		} {
			code, out, errOut := run(t, map[string]string{"COLUMNS": width}, append(args, "--format", "csv")...)
			require.Equal(t, 0, code, errOut)
			chart := out[strings.LastIndex(out, "\n\n")+2:]
			lines := strings.Split(strings.TrimSuffix(chart, "\n"), "\n")
			require.Greater(t, len(lines), 2, name)
			for _, l := range lines {
				assert.LessOrEqual(t, utf8.RuneCountInString(l), atoi(width), "%s at %s: %q", name, width, l)
			}
			if name == "series" {
				assert.Regexp(t, "[▁▂▃▄▅▆▇█]{8,}", chart)
			} else {
				assert.Contains(t, chart, "████")
			}
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestPlotImages(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	pngPath, svgPath := filepath.Join(dir, "series.png"), filepath.Join(dir, "ranking.svg")
	code, _, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--dimension", "model", "--granularity", "day", "--last", "30d", "--plot", pngPath)
	require.Equal(t, 0, code, errOut)
	f, err := os.Open(pngPath)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	// 8 in of plot, at 96 dpi, and a legend as wide as its longest entry
	// ("meta-llama/llama-3.3-70b-instruct"): about 2.8 in, not a fixed strip.
	assert.Greater(t, img.Bounds().Dx(), 768+150)
	assert.Less(t, img.Bounds().Dx(), 768+300)
	assert.Equal(t, 432, img.Bounds().Dy())

	code, _, errOut = run(t, nil, "query", "--demo", "--metric", "total_usage", "--dimension", "provider", "--limit", "8", "--plot", svgPath)
	require.Equal(t, 0, code, errOut)
	raw, err := os.ReadFile(svgPath)
	require.NoError(t, err)
	var svg struct {
		XMLName xml.Name `xml:"svg"`
		Width   string   `xml:"width,attr"`
		Height  string   `xml:"height,attr"`
	}
	require.NoError(t, xml.Unmarshal(raw, &svg))
	assert.Equal(t, "576pt", svg.Width)
	assert.Equal(t, "381.6pt", svg.Height)
	assert.Contains(t, string(raw), "openai")
}

func TestBadFlagsExit2(t *testing.T) {
	t.Parallel()

	cases := map[string][]string{
		"no command":       {},
		"unknown command":  {"stats"},
		"unknown flag":     {"query", "--demo", "--metric", "request_count", "--colour"},
		"no metric":        {"query", "--demo"},
		"bad format":       {"query", "--demo", "--metric", "request_count", "--format", "xml"},
		"three dimensions": {"query", "--demo", "--metric", "request_count", "--dimension", "model,provider,app"},
		"bad filter":       {"query", "--demo", "--metric", "request_count", "--filter", "model"},
		"bad last":         {"query", "--demo", "--metric", "request_count", "--last", "soon"},
		"bad from":         {"query", "--demo", "--metric", "request_count", "--from", "yesterday"},
		"start after end":  {"query", "--demo", "--metric", "request_count", "--from", "2025-06-02", "--to", "2025-06-01"},
		"bad direction":    {"query", "--demo", "--metric", "request_count", "--order-by", "request_count up"},
		"extra argument":   {"meta", "--demo", "please"},
		"bad classifier":   {"query", "--demo", "--metric", "request_count", "--classifier", "x", "--classifier-dimension", "topic"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, nil, args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			if name == "no command" {
				assert.Contains(t, errOut, "usage: openrouter-analytics")
				return
			}
			assert.Contains(t, errOut, "-h' for its flags")
			assert.LessOrEqual(t, strings.Count(errOut, "\n"), 2, "one line and the hint, not the whole usage: %s", errOut)
		})
	}
}

func TestAPIErrorsExit1WithOneLine(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "query", "--demo", "--metric", "vibes", "--no-check")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, "openrouter-analytics: openrouter: POST /analytics/query: 400 Bad Request: Invalid request parameters: unknown metric \"vibes\"\n", errOut)

	fake := analyticstest.NewServer(t)
	code, _, errOut = run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.OrdinaryKey}, "meta", "--base-url", fake.URL)
	assert.Equal(t, 1, code)
	assert.Equal(t, "openrouter-analytics: openrouter: GET /analytics/meta: 403 Forbidden: Only management keys can perform this operation\n", errOut)
	assert.NotContains(t, errOut, analyticstest.OrdinaryKey)

	fake.Script(analyticstest.Status(500))
	code, _, errOut = run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey},
		"query", "--base-url", fake.URL, "--metric", "request_count", "--retries=false")
	assert.Equal(t, 1, code)
	assert.Equal(t, "openrouter-analytics: openrouter: GET /analytics/meta: 500 Internal Server Error\n", errOut)

	code, _, errOut = run(t, nil, "meta")
	assert.Equal(t, 1, code)
	assert.Equal(t, "openrouter-analytics: no API key: set OPENROUTER_API_KEY to a management key, or use --demo\n", errOut)
}

func TestRealModeSendsAppHeaders(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	code, out, errOut := run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey},
		"query", "--base-url", fake.URL, "--metric", "request_count", "--referer", "https://example.com",
		"--title", "CLI test", "--categories", "cli-agent, cloud-agent", "--filter", "app in 1001,'1002' +unset",
		"--from", "2025-01-01", "--to", "2025-07-01")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "1 row")
	reqs := fake.Requests()
	last := reqs[len(reqs)-1] // the query; the catalog comes before it
	assert.Equal(t, "/analytics/query", last.Path)
	assert.Equal(t, "https://example.com", last.Header.Get("HTTP-Referer"))
	assert.Equal(t, "CLI test", last.Header.Get("X-OpenRouter-Title"))
	assert.Equal(t, "cli-agent,cloud-agent", last.Header.Get("X-OpenRouter-Categories"))
	assert.Contains(t, last.Header.Get("User-Agent"), "openrouter-analytics-cli")
	assert.JSONEq(t, `{"metrics":["request_count"],"filters":[{"field":"app","operator":"in","value":[1001,"1002"],"include_unset":true}],
		"time_range":{"start":"2025-01-01T00:00:00Z","end":"2025-07-01T00:00:00Z"}}`, string(last.Body))
}

func TestBaseURLFromEnvironment(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	code, out, errOut := run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey, "OPENROUTER_BASE_URL": fake.URL},
		"meta", "--format", "jsonl")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `{"kind":"metric","name":"request_count"`)
	assert.Len(t, fake.Requests(), 1)
}
