package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/guidetest"
)

// The command against a handwritten server that answers as OpenRouter's
// guides say the live service does (internal/guidetest): string counts,
// bare dates, created_at__ keys, ClickHouse hours, user_email.

var (
	guideFrom = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	guideTo   = guideFrom.AddDate(0, 0, 5)
)

func guide(t *testing.T, cfg guidetest.Config, args ...string) (int, string, string) {
	t.Helper()
	cfg.Start, cfg.End = guideFrom, guideTo
	s := guidetest.New(cfg)
	t.Cleanup(s.Close)
	return run(t, map[string]string{"OPENROUTER_API_KEY": "sk-or-v1-guidetest"}, append(args, "--base-url", s.URL)...)
}

func TestChartsDrawStringCounts(t *testing.T) {
	t.Parallel()

	for _, args := range [][]string{
		{"query", "--metric", "request_count", "--dimension", "user", "--from", "2026-09-01", "--to", "2026-09-04", "--chart"},
		{"query", "--metric", "request_count,total_usage", "--granularity", "day", "--from", "2026-09-01", "--to", "2026-09-04", "--chart"},
	} {
		code, out, errOut := guide(t, guidetest.Config{CreatedAt: true}, args...)
		require.Equal(t, 0, code, errOut)
		assert.NotContains(t, out, "no data")
		assert.Contains(t, out, "█", "bars are drawn")
	}
}

func TestTheTableReadsEveryBucketShape(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		cfg         guidetest.Config
		granularity string
		first       string
	}{
		{guidetest.Config{CreatedAt: true}, "day", "2026-09-01  "},
		{guidetest.Config{}, "hour", "2026-09-01 00:00  "},
		{guidetest.Config{CreatedAt: true}, "hour", "2026-09-01 00:00  "},
	} {
		code, out, errOut := guide(t, tc.cfg, "query", "--metric", "request_count", "--granularity", tc.granularity, "--from", "2026-09-01", "--to", "2026-09-02", "--order-by", "date asc")
		require.Equal(t, 0, code, errOut)
		assert.NotContains(t, out, "(unset)")
		assert.Contains(t, out, "\n"+tc.first)
	}
}

func TestCSVKeepsColumnsNobodyAskedFor(t *testing.T) {
	t.Parallel()

	code, out, errOut := guide(t, guidetest.Config{}, "query", "--metric", "request_count", "--dimension", "user", "--from", "2026-09-01", "--to", "2026-09-04", "--format", "csv")
	require.Equal(t, 0, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"user", "user_email", "request_count"}, recs[0])
	require.Len(t, recs, 4)
	emails := map[string]bool{}
	for _, r := range recs[1:] {
		emails[r[1]] = true
	}
	assert.Len(t, emails, 3, "the member with no name is told apart by its email")

	// As rows stream with --all too, and in JSON lines, counts as numbers.
	code, out, errOut = guide(t, guidetest.Config{PageRows: 20}, "query", "--metric", "request_count", "--dimension", "user", "--granularity", "hour",
		"--from", "2026-09-01", "--to", "2026-09-03", "--all", "--format", "jsonl")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Len(t, lines, 2*24*3)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.IsType(t, float64(0), first["request_count"])
	assert.Contains(t, first, "user_email")
	assert.Equal(t, "2026-09-01T00:00:00Z", first["date__hour"])
}

func TestAllReadsClickHouseHoursAndCreatedAt(t *testing.T) {
	t.Parallel()

	for _, cfg := range []guidetest.Config{{PageRows: 30}, {PageRows: 30, CreatedAt: true}} {
		code, out, errOut := guide(t, cfg, "query", "--metric", "request_count", "--dimension", "model", "--granularity", "hour",
			"--from", "2026-09-01", "--to", "2026-09-04", "--all", "--format", "csv")
		require.Equal(t, 0, code, errOut)
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		require.NoError(t, err)
		assert.Len(t, recs, 1+3*24*3, "every hour of every model")
		assert.Equal(t, "date__hour", recs[0][0])
	}
}

// Every shape the fake serves prints the same figures, in every format.
func TestEveryShapePrintsTheSame(t *testing.T) {
	t.Parallel()

	shapes := [][]string{
		{"--demo-shape", "service"},
		{"--demo-shape", "service", "--demo-bucket-prefix", "created_at__"},
		{"--demo-shape", "spec"},
	}
	for _, args := range [][]string{
		{"query", "--demo", "--metric", "request_count,total_usage,cache_hit_rate", "--dimension", "provider", "--granularity", "day", "--last", "7d"},
		{"query", "--demo", "--metric", "request_count,tokens_total", "--dimension", "country", "--granularity", "week", "--last", "30d", "--format", "csv"},
		{"query", "--demo", "--metric", "request_count,total_usage", "--granularity", "hour", "--last", "3d", "--all", "--format", "jsonl"},
		{"query", "--demo", "--metric", "request_count", "--dimension", "provider", "--last", "30d", "--chart"},
		{"query", "--demo", "--metric", "total_usage", "--granularity", "day", "--last", "14d", "--format", "json"},
	} {
		var want string
		for i, shape := range shapes {
			code, out, errOut := run(t, nil, append(args, shape...)...)
			require.Equal(t, 0, code, errOut)
			out = queryTime.ReplaceAllString(out, `"query_time_ms": 0`)
			if i == 0 {
				want = out
				continue
			}
			if strings.Contains(strings.Join(args, " "), "week") {
				// Weeks start on Sunday in the service's shape, on Monday
				// in the spec's: other buckets, the same totals.
				assert.Equal(t, csvTotals(t, want), csvTotals(t, out), "%v %v", args, shape)
				continue
			}
			assert.Equal(t, want, out, "%v %v", args, shape)
		}
	}
}

// csvTotals sums each numeric column of a CSV.
func csvTotals(t *testing.T, text string) map[string]float64 {
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	require.NoError(t, err)
	sums := map[string]float64{}
	for _, r := range recs[1:] {
		for i, v := range r {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				sums[recs[0][i]] += f
			}
		}
	}
	return sums
}

var queryTime = regexp.MustCompile(`"query_time_ms": [0-9.]+`)

// A component nothing used is null in the service's shape: "-" in the
// table, empty in CSV, null in JSON; never 0.
func TestUnusedComponentsStayNull(t *testing.T) {
	t.Parallel()

	args := []string{"query", "--demo", "--metric", "request_count,usage_web", "--dimension", "provider", "--last", "1d", "--filter", "provider eq groq"}
	code, out, errOut := run(t, nil, args...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `groq +[0-9]+ +-\n`, out)
	code, out, errOut = run(t, nil, append(args, "--format", "csv")...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `groq,[0-9]+,\n`, out)
	code, out, errOut = run(t, nil, append(args, "--format", "jsonl")...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `"usage_web":null`)
}

func TestAShapeFlagIsChecked(t *testing.T) {
	t.Parallel()

	code, _, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--demo-shape", "live")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `shape "live": want service or spec`)
	code, _, errOut = run(t, nil, "fake", "--bucket-prefix", "day__")
	assert.NotZero(t, code)
	assert.Contains(t, errOut, `bucket prefix "day__": want date__ or created_at__`)
}
