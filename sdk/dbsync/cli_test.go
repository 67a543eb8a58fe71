package dbsync_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
)

// run runs the command in-process and returns its stdout.
func run(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	require.Equal(t, cli.ExitOK, code, "%s\n%s", strings.Join(args, " "), stderr.String())
	return stdout.String()
}

// TestSyncAgreesWithQueryAll is the check: `sync --demo` twice,
// then the table's row count and sums against `query --all` over the
// same range. The two runs are those docs/sync.md shows, and print the
// summaries it quotes, all but the time they took.
func TestSyncAgreesWithQueryAll(t *testing.T) {
	t.Parallel()

	// What query --all says, once for both databases.
	out := run(t, "query", "--demo", "--metric", "request_count,total_usage", "--dimension", "model",
		"--granularity", "hour", "--from", "2025-04-01", "--all", "--format", "csv")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"date__hour", "model", "request_count", "total_usage"}, records[0])
	var requests, cost float64
	for _, r := range records[1:] {
		n, err := strconv.ParseFloat(r[2], 64)
		require.NoError(t, err)
		c, err := strconv.ParseFloat(r[3], 64)
		require.NoError(t, err)
		requests += n
		cost += c
	}
	documented := documentedSyncs(t)
	onBoth(t, func(t *testing.T, tg target) {
		db, driver, dsn := tg.open(t)
		spec := dsn
		if driver == "sqlite" {
			spec = "sqlite:" + dsn[:strings.IndexByte(dsn, '?')]
		}
		args := []string{"sync", "--demo", "--db", spec, "--metric", "request_count,total_usage", "--dimension", "model",
			"--granularity", "hour", "--from", "2025-04-01", "--table", "hourly_by_model"}
		first := run(t, args...)
		assert.Contains(t, first, "hourly_by_model synced 2025-04-01T00:00:00Z to 2025-06-30T00:00:00Z:")
		second := run(t, args...)
		assert.Contains(t, second, " 0 rows inserted, 0 updated, 29 unchanged, 0 deleted")
		assert.Equal(t, documented, []string{untimed(first), untimed(second)}, "docs/sync.md quotes what the two runs print")
		t.Log(strings.TrimSpace(first))
		t.Log(strings.TrimSpace(second))

		var rows int
		var gotRequests, gotCost float64
		var costText string
		require.NoError(t, db.QueryRow(`SELECT count(*), sum(request_count), sum(total_usage), CAST(sum(total_usage) AS TEXT) FROM hourly_by_model`).
			Scan(&rows, &gotRequests, &gotCost, &costText))
		assert.Equal(t, len(records)-1, rows)
		assert.Equal(t, 27_816, rows)
		assert.Equal(t, requests, gotRequests)
		// The sum of the costs is exact: numeric in PostgreSQL, a sum of
		// whole nano-USD in SQLite.
		if tg.dialect == postgresTarget.dialect {
			assert.Equal(t, "423.953391", costText)
		} else {
			assert.Equal(t, "423953391000", costText)
			gotCost /= 1e9
		}
		assert.InDelta(t, cost, gotCost, 1e-9)
		assert.Equal(t, 423.953391, math.Round(gotCost*1e6)/1e6)

		var dups int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM (SELECT bucket, row_key FROM hourly_by_model GROUP BY bucket, row_key HAVING count(*) > 1) d`).Scan(&dups))
		assert.Zero(t, dups)
	})
}

// The command's own mistakes come before any request or write.
func TestSyncFlagMistakes(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--table", "t", "--metric", "request_count", "--granularity", "hour"}, "--db is required"},
		{[]string{"--db", "mysql://me:hunter2@db", "--table", "t", "--metric", "request_count", "--granularity", "hour"}, "--db mysql:(the rest not shown): want sqlite:PATH or a postgres:// URL"},
		{[]string{"--db", "sqlite:a?b", "--table", "t", "--metric", "request_count", "--granularity", "hour"}, "without ? or #"},
		{[]string{"--db", "sqlite:x.db", "--metric", "request_count", "--granularity", "hour"}, "--table is required"},
		{[]string{"--db", "sqlite:x.db", "--table", "t", "--metric", "request_count", "--granularity", "hour", "--lookback", "-2h"}, "--lookback"},
		{[]string{"--db", "sqlite:x.db", "--table", "t", "--metric", "request_count", "--granularity", "hour", "--to", "2025-01-01"}, "flag provided but not defined: -to"},
	} {
		var stderr strings.Builder
		code := cli.Run(context.Background(), append([]string{"sync", "--demo"}, tc.args...), cli.Env{Stdout: &stderr, Stderr: &stderr, Getenv: func(string) string { return "" }})
		assert.Equal(t, cli.ExitUsage, code, tc.args)
		assert.Contains(t, stderr.String(), tc.want)
		assert.NotContains(t, stderr.String(), "hunter2", "a database password is not echoed")
	}
}

// --format json prints the summary as one JSON object.
func TestSyncSummaryAsJSON(t *testing.T) {
	t.Parallel()

	out := run(t, "sync", "--demo", "--db", "sqlite:"+t.TempDir()+"/h.db", "--table", "daily", "--metric", "request_count",
		"--granularity", "day", "--from", "2025-06-01", "--format", "json")
	var sum map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	assert.Equal(t, "daily", sum["table"])
	assert.Equal(t, 29.0, sum["inserted"])
	assert.Equal(t, 29.0, sum["rows"])
	assert.Equal(t, "2025-06-01T00:00:00Z", sum["from"])
	assert.Equal(t, "2025-06-30T00:00:00Z", sum["oldest_cache"])
	assert.Equal(t, false, sum["dry_run"])
}

// took is the end of a summary line that differs from run to run.
var took = regexp.MustCompile(` in [0-9.]+[mµ]?s$`)

func untimed(summary string) string { return took.ReplaceAllString(strings.TrimSpace(summary), "") }

// documentedSyncs returns the summary lines of the two runs docs/sync.md
// shows, without their times, after checking that the page's command is
// the one this test runs.
func documentedSyncs(t *testing.T) []string {
	t.Helper()
	page, err := os.ReadFile("../../docs/sync.md")
	require.NoError(t, err)
	require.Contains(t, string(page), "openrouter-analytics sync --demo --db sqlite:history.db --table hourly_by_model \\\n"+
		"    --metric request_count,total_usage --dimension model --granularity hour --from 2025-04-01\n")
	var lines []string
	for line := range strings.Lines(string(page)) {
		if strings.HasPrefix(line, "hourly_by_model synced ") {
			lines = append(lines, untimed(line))
		}
	}
	require.Len(t, lines, 2, "the first run and the one after")
	return lines
}
