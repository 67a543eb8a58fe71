package dbsync_test

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// TestReadmeQueries runs the SQL of docs/sync.md, each block on its database,
// over the two tables its cron lines sync, with data up to now.
func TestReadmeQueries(t *testing.T) {
	t.Parallel()

	readme, err := os.ReadFile("../../docs/sync.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```sql\n-- (PostgreSQL|SQLite)\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.Len(t, blocks, 6, "three queries, each for PostgreSQL and for SQLite")
	now := time.Now().UTC()
	data := analyticstest.DataConfig{Rows: 5_000, Days: 40, End: now.Truncate(time.Hour).Add(time.Hour)}
	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t, analyticstest.WithData(data))
		db, _, _ := tg.open(t)
		for _, ds := range []dbsync.Dataset{
			{Table: "daily_by_key", Query: sdk.QueryRequest{Metrics: []string{"total_usage", "request_count"}, Dimensions: []string{"api_key_id"}, Granularity: sdk.GranularityDay}},
			{Table: "daily_by_model_provider", Query: sdk.QueryRequest{Metrics: []string{"request_count", "total_usage", "cache_hit_rate"}, Dimensions: []string{"model", "provider"}, Granularity: sdk.GranularityDay}},
		} {
			_, err := dbsync.Sync(context.Background(), db, tg.dialect, fake.Client(), ds, dbsync.WithFrom(now.AddDate(0, 0, -data.Days)))
			require.NoError(t, err)
		}
		for _, b := range blocks {
			if b[1] != tg.name {
				continue
			}
			rows, err := db.Query(b[2])
			require.NoError(t, err, b[2])
			n := 0
			for rows.Next() {
				n++
			}
			require.NoError(t, rows.Err())
			rows.Close()
			assert.Positive(t, n, b[2])
		}
	})
}
