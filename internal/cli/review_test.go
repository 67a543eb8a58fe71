package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
)

// The review's figures are the ones query gives for the same month.
func TestReviewAgreesWithQuery(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "review", "--demo", "--format", "json")
	require.Equal(t, 0, code, errOut)
	var rv struct {
		Total struct {
			Usage    float64 `json:"total_usage"`
			Requests float64 `json:"request_count"`
			PerMTok  float64 `json:"usd_per_mtok"`
		} `json:"total"`
		Models []struct {
			ID      string  `json:"id"`
			Usage   float64 `json:"total_usage"`
			Flagged bool    `json:"flagged"`
			Keys    []struct {
				Label, ID string
			} `json:"keys"`
		} `json:"models"`
		Queries  []json.RawMessage `json:"queries"`
		Requests int               `json:"requests"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rv))

	code, out, errOut = run(t, nil, "query", "--demo", "--metric", "total_usage,request_count", "--from", "2025-05-01", "--to", "2025-06-01", "--format", "json")
	require.Equal(t, 0, code, errOut)
	var res struct{ Data []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	rows := res.Data
	require.Len(t, rows, 1)
	assert.InDelta(t, num(t, rows[0]["total_usage"]), rv.Total.Usage, 0.005)
	assert.Equal(t, num(t, rows[0]["request_count"]), rv.Total.Requests)
	assert.InDelta(t, 3.19, rv.Total.PerMTok, 0.005)

	flagged := 0
	for _, m := range rv.Models {
		if m.Flagged {
			flagged++
			assert.Len(t, m.Keys, 8, "every key, the two called CI apart")
		}
	}
	assert.Equal(t, 3, flagged)
	assert.Len(t, rv.Queries, 18)
	assert.Equal(t, 18, rv.Requests)
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		return v
	case string:
		var f float64
		require.NoError(t, json.Unmarshal([]byte(v), &f))
		return f
	}
	t.Fatalf("%v is not a number", v)
	return 0
}

func TestReviewFormats(t *testing.T) {
	t.Parallel()

	png := filepath.Join(t.TempDir(), "review.png")
	code, out, errOut := run(t, nil, "review", "--demo", "--format", "markdown", "--plot", png)
	require.Equal(t, 0, code, errOut)
	for _, h := range []string{"## Cost review, 2025-05-01 to 2025-05-31 (UTC)", "### Baseline", "### Models by spend (flagged: at least 1.5x the blended rate, $4.79/Mtok)",
		"### Behind anthropic/claude-3.5-sonnet ($40.56): keys", "### Spend by part", "### Prompt-heaviness", "### Queries run (18, in 18 requests)"} {
		assert.Contains(t, out, h)
	}
	assert.Contains(t, out, "| usage_data | -$0.0745 | -0.1% |")
	assert.Contains(t, errOut, "wrote "+png)
	body, err := os.ReadFile(png)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(body), "\x89PNG"))

	code, out, _ = run(t, nil, "review", "--demo", "--drill", "0")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "Behind openai/o3-mini: not drilled into (--drill)")
	assert.Contains(t, out, "Queries run (3, in 3 requests)")
}

func TestReviewRefusesBadFlags(t *testing.T) {
	t.Parallel()

	for _, args := range [][]string{
		{"--format", "csv"}, {"--flag-ratio", "0.5"}, {"--flag-ratio", "NaN"}, {"--drill", "-1"},
		{"--from", "2025-05-01"}, {"--from", "2025-06-01", "--to", "2025-05-01"}, {"--plot", "x.gif"},
	} {
		code, _, errOut := run(t, nil, append([]string{"review", "--demo"}, args...)...)
		assert.Equal(t, cli.ExitUsage, code, "%v: %s", args, errOut)
		assert.NotEmpty(t, errOut)
	}
}
