package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// Two metrics of 16 models a day, over two weeks.
	twoMetricSeries = []string{"query", "--demo", "--metric", "request_count,total_usage", "--dimension", "model",
		"--granularity", "day", "--last", "14d", "--chart", "--quiet"}
	// Every model ranked, with a percent and a latency metric.
	allModelsRanked = []string{"query", "--demo", "--metric", "request_count,cache_hit_rate,avg_latency", "--dimension", "model",
		"--last", "30d", "--order-by", "request_count desc", "--chart", "--quiet"}
)

func TestTerminalChartGolden(t *testing.T) {
	t.Parallel()

	for _, width := range []string{"60", "120"} {
		for name, args := range map[string][]string{"series": twoMetricSeries, "ranking": allModelsRanked} {
			t.Run(name+"-"+width, func(t *testing.T) {
				code, out, errOut := run(t, nil, append(args, "--width", width)...)
				require.Equal(t, 0, code, errOut)
				golden(t, "chart_"+name+"_"+width+".txt", out)
			})
		}
	}
}

// Every series is drawn, or the chart says what it left out.
func TestTerminalChartNeverDropsSilently(t *testing.T) {
	t.Parallel()

	code, out, _ := run(t, nil, twoMetricSeries...)
	require.Equal(t, 0, code)
	assert.Equal(t, 2*16, strings.Count(out, "  max "), "16 models in each of the 2 panels")
	assert.NotContains(t, out, "more")

	code, out, _ = run(t, nil, append(twoMetricSeries, "--top", "5")...)
	require.Equal(t, 0, code)
	assert.Equal(t, 2*5, strings.Count(out, "  max "))
	assert.Contains(t, out, "top 5 of 16 by Request Count; +11 more (--top N chooses how many)")

	code, out, _ = run(t, nil, append(allModelsRanked, "--top", "3")...)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "top 3 of 16 by Request Count; +13 more")
	assert.Contains(t, out, "Cache Hit Rate (%)")
	assert.Contains(t, out, "Average Latency (ms)")
}

// The demo's images: each renders to PNG and SVG; each SVG names every
// series it draws and the units of its axes; the summary line says what
// was drawn.
func TestDemoPlots(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		summary string
		texts   []string
	}{
		{"daily", []string{"query", "--demo", "--metric", "request_count,total_usage", "--dimension", "model", "--granularity", "day", "--last", "14d",
			"--filter", "model in openai/gpt-4o,anthropic/claude-3.5-sonnet,google/gemini-2.0-flash-001"},
			"(3 series, 2 metrics)", []string{"openai/gpt-4o", "anthropic/claude-3.5-sonnet", "google/gemini-2.0-flash-001", "Total Usage ($)", "Request Count", "time (UTC)", "$"}},
		{"all-models", []string{"query", "--demo", "--metric", "request_count", "--dimension", "model", "--granularity", "day", "--last", "30d"},
			"(12 of 16 series, 1 metric)", []string{"top 12 of 16 by Request Count; +4 more", "openai/gpt-4o"}},
		{"ranking", []string{"query", "--demo", "--metric", "request_count,cache_hit_rate", "--dimension", "model", "--last", "30d", "--order-by", "request_count desc"},
			"(16 bars, 2 metrics)", []string{"Cache Hit Rate (%)", "%", "microsoft/phi-4"}},
		{"cache-hit-rate", []string{"query", "--demo", "--metric", "cache_hit_rate", "--granularity", "day", "--last", "30d"},
			"(1 series, 1 metric)", []string{"Cache Hit Rate (%)", "%", "time (UTC)"}},
		{"hourly", []string{"query", "--demo", "--metric", "avg_latency", "--granularity", "hour", "--last", "24h"},
			"(1 series, 1 metric)", []string{"Average Latency (ms)", " ms", "06:00", "12:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exts := []string{".svg"} // the texts are read from the SVG; a PNG is the same drawing, rasterized
			if tc.name == "daily" {
				exts = append(exts, ".png")
			}
			for _, ext := range exts {
				path := filepath.Join(dir, tc.name+ext)
				code, out, errOut := run(t, nil, append(tc.args, "--plot", path, "--quiet")...)
				require.Equal(t, 0, code, errOut)
				assert.Empty(t, out, "--quiet")
				assert.Equal(t, "wrote "+path+" "+tc.summary+"\n", errOut)
				info, err := os.Stat(path)
				require.NoError(t, err)
				assert.Greater(t, info.Size(), int64(1000))
				if ext == ".svg" {
					raw, err := os.ReadFile(path)
					require.NoError(t, err)
					for _, text := range tc.texts {
						assert.Contains(t, string(raw), text)
					}
				}
			}
		})
	}
}
