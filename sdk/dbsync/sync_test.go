package dbsync_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/retrytest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

func TestFirstRunHoldsEveryRow(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		sum, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		want := truth(t, fake, ds, start, end, end)
		assert.Equal(t, want, table(t, db, ds))
		assert.Equal(t, len(want), sum.Inserted)
		assert.Equal(t, int64(len(want)), sum.Rows)
		assert.Equal(t, int64(len(want)), count(t, db, ds.Table))
		to, rows := state(t, db, tg, ds.Table)
		assert.Equal(t, end, to)
		assert.Equal(t, int64(len(want)), rows)
		assert.Zero(t, sum.Updated+sum.Unchanged+sum.Deleted+sum.Partial)
		assert.Empty(t, sum.Warnings)
		assert.Equal(t, end, sum.OldestCache, "the fake says it cached its answers at the data's end")
		assert.Equal(t, 1.0, sum.Covered)

		// What it costs: one request a page, as QueryPages sends them
		// (a cut response's bucket is fetched again), and one for each
		// of the two keys called "CI" on each page that shows them.
		assert.GreaterOrEqual(t, sum.Pages, 5, "the limit of 400 rows makes many pages")
		assert.LessOrEqual(t, sum.Attributed, 2*sum.Pages)
		assert.LessOrEqual(t, sum.Requests, sum.Pages+2+sum.Attributed)
		assert.Zero(t, sum.Unattributed)
		assert.LessOrEqual(t, len(want)/sum.Pages, 400)
	})
}

func TestIDsBesideLabels(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		_, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		rows, err := db.Query(`SELECT DISTINCT model, model_id, api_key_name, api_key_id FROM hourly`)
		require.NoError(t, err)
		defer rows.Close()
		ids := map[string]map[string]bool{} // key label: its ids
		for rows.Next() {
			var model, key string
			var modelID *string
			var keyID sql.NullString
			require.NoError(t, rows.Scan(&model, &modelID, &key, &keyID))
			if model == "OpenAI: GPT-4o" {
				require.NotNil(t, modelID)
				assert.Equal(t, "openai/gpt-4o", *modelID)
			}
			if ids[key] == nil {
				ids[key] = map[string]bool{}
			}
			id := "NULL"
			if keyID.Valid {
				id = keyID.String
			}
			ids[key][id] = true
		}
		require.NoError(t, rows.Err())
		assert.Len(t, ids["CI"], 2, "two keys are called CI: each row has the id of its own")
		assert.NotContains(t, ids["CI"], "NULL")
		assert.Len(t, ids["Production"], 1)
		assert.NotContains(t, ids["Production"], "NULL")
		var nulls int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM hourly WHERE api_key_id IS NULL OR model_id IS NULL`).Scan(&nulls))
		assert.Zero(t, nulls)

		// The two CI keys' rows are keyed by their ids: no "#2" rows.
		var dup int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM hourly WHERE row_key LIKE '%#2'`).Scan(&dup))
		assert.Zero(t, dup)
	})
}

func TestTwoRunsEqualOne(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		_, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		once := dump(t, db, ds.Table)
		sum, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		assert.Equal(t, once, dump(t, db, ds.Table))
		assert.Zero(t, sum.Inserted+sum.Updated+sum.Deleted)
		assert.Positive(t, sum.Unchanged)
		// The lookback: two buckets, in one request.
		assert.Equal(t, sdk.TimeRange{Start: end.Add(-2 * time.Hour), End: end}, sum.Range)
		assert.Equal(t, 1+2, sum.Requests, "one page, and one query for each key called CI")
		assert.Equal(t, 2, sum.Attributed)
		assert.Equal(t, int64(len(once)), sum.Rows)

		sum, err = syncOnce(t, db, tg, fake.Client(), ds, dbsync.WithLookback(30*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, end.Add(-30*time.Hour), sum.Range.Start)
		assert.Equal(t, once, dump(t, db, ds.Table))
	})
}

func TestAnEarlierFromBackfills(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		ds.Query.Limit = 0
		mid := start.AddDate(0, 0, 5)
		_, err := syncOnce(t, db, tg, fake.Client(), ds, dbsync.WithFrom(mid.Add(30*time.Minute)))
		require.NoError(t, err)
		assert.Equal(t, truth(t, fake, ds, mid, end, end), table(t, db, ds), "the start is rounded down to its bucket")
		sum, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		assert.Equal(t, start, sum.Range.Start)
		assert.Equal(t, truth(t, fake, ds, start, end, end), table(t, db, ds))
		_, rows := state(t, db, tg, ds.Table)
		assert.Equal(t, count(t, db, ds.Table), rows)
	})
}

func TestLateGenerationsUpdateTheOpenBucket(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		last := end.Add(-time.Hour) // the data's last hour
		now := last.Add(40 * time.Minute)
		sum, err := syncOnce(t, db, tg, fake.Client(), ds, clockAt(now))
		require.NoError(t, err)
		require.Equal(t, truth(t, fake, ds, start, now, now), table(t, db, ds))
		require.Positive(t, sum.Partial, "the open hour is stored, marked partial")
		var before float64
		require.NoError(t, db.QueryRow(`SELECT sum(request_count) FROM hourly WHERE partial = `+tg.yes()).Scan(&before))

		fake.AddLate(300)
		sum, err = syncOnce(t, db, tg, fake.Client(), ds, clockAt(end.Add(time.Minute)))
		require.NoError(t, err)
		assert.Equal(t, truth(t, fake, ds, start, end, end), table(t, db, ds))
		assert.Positive(t, sum.Updated, "the open bucket grew")
		assert.Zero(t, sum.Partial)
		var after float64
		require.NoError(t, db.QueryRow(`SELECT sum(request_count) FROM hourly WHERE bucket >= `+tg.bucket(last)).Scan(&after))
		assert.Greater(t, after, before)
		_, rows := state(t, db, tg, ds.Table)
		assert.Equal(t, count(t, db, ds.Table), rows)
	})
}

func TestChaosEndsCleanOrAtACommittedPage(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		ds := hourly()
		var clean, failed int
		for seed := uint64(1); seed <= 3; seed++ {
			fake := newFake(t, analyticstest.WithChaos(analyticstest.ChaosConfig{
				Seed: seed, Rate: 0.3, RetryAfter: "0",
				Faults: []analyticstest.ChaosFault{analyticstest.Chaos503, analyticstest.Chaos429, analyticstest.ChaosHTML500,
					analyticstest.ChaosResetBeforeHeaders, analyticstest.ChaosResetMidBody, analyticstest.ChaosTruncatedBody},
			}))
			want := truth(t, fake, ds, start, end, end)
			db, _, _ := tg.open(t)
			// Few retries, so that some runs fail part way.
			c := fake.Client(sdk.WithMaxRetries(2), retrytest.Fast(),
				sdk.WithRetryBudget(sdk.RetryBudget{Disabled: true}))
			_, err := syncOnce(t, db, tg, c, ds)
			if err != nil {
				failed++
				to, rows := state(t, db, tg, ds.Table)
				if count(t, db, ds.Table) > 0 {
					assert.Equal(t, before(want, to), table(t, db, ds), "seed %d: the table is as its last page left it", seed)
				}
				assert.Equal(t, count(t, db, ds.Table), rows)
				fake.SetChaos(analyticstest.ChaosConfig{})
				_, err = syncOnce(t, db, tg, c, ds)
				require.NoError(t, err)
			} else {
				clean++
			}
			assert.Equal(t, want, table(t, db, ds), "seed %d", seed)
		}
		t.Logf("%d runs clean, %d failed part way and were completed", clean, failed)
		assert.Positive(t, failed, "the chaos is strong enough to fail a run")
	})
}

func TestAChangedDefinitionIsRefused(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		ds.Query.Limit = 0
		ds.Query.Filters = []sdk.Filter{sdk.Eq("model", "openai/gpt-4o")}
		_, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		was := dump(t, db, ds.Table)

		// The same filter by the name rows show is the same dataset.
		same := ds
		same.Query.Filters = []sdk.Filter{sdk.Eq("model", "OpenAI: GPT-4o")}
		_, err = syncOnce(t, db, tg, fake.Client(), same)
		require.NoError(t, err)

		other := ds
		other.Query.Metrics = []string{"request_count", "cache_hit_rate"}
		_, err = syncOnce(t, db, tg, fake.Client(), other)
		var de *dbsync.DefinitionError
		require.ErrorAs(t, err, &de)
		assert.Contains(t, err.Error(), `"metrics":["request_count","total_usage","avg_latency"]`)
		assert.Contains(t, err.Error(), `"metrics":["request_count","cache_hit_rate"]`)
		assert.Equal(t, was, dump(t, db, ds.Table))
	})
}

func TestDryRunKeepsNothing(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		ds.Query.Limit = 0
		sum, err := syncOnce(t, db, tg, fake.Client(), ds, dbsync.WithDryRun())
		require.NoError(t, err)
		assert.True(t, sum.DryRun)
		assert.Equal(t, len(truth(t, fake, ds, start, end, end)), sum.Inserted)
		_, err = db.Exec(`SELECT 1 FROM hourly`)
		assert.Error(t, err, "the table was rolled back")

		_, err = syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		was := dump(t, db, ds.Table)
		fake.AddLate(100)
		sum, err = syncOnce(t, db, tg, fake.Client(), ds, dbsync.WithDryRun())
		require.NoError(t, err)
		assert.Positive(t, sum.Updated, "a dry run says what a run would update")
		assert.Equal(t, was, dump(t, db, ds.Table))
	})
}

func TestDatasetsThatCannotBeSynced(t *testing.T) {
	t.Parallel()

	fake := newFake(t)
	db, _, _ := sqliteTarget.open(t)
	mod := func(f func(*dbsync.Dataset)) dbsync.Dataset { ds := hourly(); f(&ds); return ds }
	for _, tc := range []struct {
		name string
		ds   dbsync.Dataset
		want string
	}{
		{"a table name with a space", mod(func(d *dbsync.Dataset) { d.Table = "my table" }), "letters, digits and underscores"},
		{"a table name of 64 characters", mod(func(d *dbsync.Dataset) { d.Table = strings.Repeat("t", 64) }), "at most 63"},
		{"the state table", mod(func(d *dbsync.Dataset) { d.Table = dbsync.StateTable }), "is the state table"},
		{"no granularity", mod(func(d *dbsync.Dataset) { d.Query.Granularity = "" }), `granularity ""`},
		{"an unknown granularity", mod(func(d *dbsync.Dataset) { d.Query.Granularity = "fortnight" }), `granularity "fortnight"`},
		{"a time range", mod(func(d *dbsync.Dataset) { d.Query.TimeRange = sdk.TimeRange{Start: start, End: end} }), "time range"},
		{"an order", mod(func(d *dbsync.Dataset) { d.Query.OrderBy = sdk.OrderBy{Field: "request_count"} }), "order_by"},
		{"a group limit", mod(func(d *dbsync.Dataset) { d.Query.GroupLimit = 3 }), "group_limit"},
		{"a dimension named like the engine's column", mod(func(d *dbsync.Dataset) { d.Query.Dimensions = []string{"partial"} }), `column "partial" is both`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := syncOnce(t, db, sqliteTarget, fake.Client(), tc.ds)
			var de *dbsync.DatasetError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.Empty(t, fake.Requests(), "nothing was sent")

	t.Run("no start", func(t *testing.T) {
		ctx := context.Background()
		_, err := dbsync.Sync(ctx, db, dbsync.SQLite, fake.Client(), hourly())
		var de *dbsync.DatasetError
		require.ErrorAs(t, err, &de)
		assert.Contains(t, err.Error(), "needs a start")
	})
	t.Run("a table of someone else's", func(t *testing.T) {
		_, err := db.Exec(`CREATE TABLE theirs (bucket TEXT)`)
		require.NoError(t, err)
		ds := hourly()
		ds.Table = "theirs"
		_, err = syncOnce(t, db, sqliteTarget, fake.Client(), ds)
		var de *dbsync.DatasetError
		require.ErrorAs(t, err, &de)
		assert.Contains(t, err.Error(), "not made by a sync")
	})
	t.Run("an unknown metric", func(t *testing.T) {
		ds := hourly()
		ds.Query.Metrics = []string{"request_cuont"}
		_, err := syncOnce(t, db, sqliteTarget, fake.Client(), ds)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "request_count")
	})
	t.Run("a negative lookback", func(t *testing.T) {
		_, err := syncOnce(t, db, sqliteTarget, fake.Client(), hourly(), dbsync.WithLookback(-time.Hour))
		var de *dbsync.DatasetError
		require.ErrorAs(t, err, &de)
	})
}

func TestRowsUnlikeTheDatasetAreRefused(t *testing.T) {
	t.Parallel()

	db, _, _ := sqliteTarget.open(t)
	fake := newFake(t)
	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		want   string
	}{
		{"an extra column no table can hold", func(r map[string]any) { r["sur prise"] = 1 }, "sur prise"},
		{"an extra column named like an engine column", func(r map[string]any) { r["row_hash"] = "x" }, "row_hash"},
		{"a metric as text", func(r map[string]any) { r["total_usage"] = "cheap" }, "total_usage"},
		{"a nested dimension", func(r map[string]any) { r["model"] = map[string]any{"id": 1} }, "model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := rewriting(t, fake, tc.change)
			ds := hourly()
			ds.Table = strings.ReplaceAll(tc.name, " ", "_")
			_, err := syncOnce(t, db, sqliteTarget, srv.Client(), ds)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Zero(t, count(t, db, ds.Table), "nothing of the page was kept")
		})
	}
}

// A sync's error is the page's, or the database's, never swallowed.
func TestADatabaseErrorEndsTheRun(t *testing.T) {
	t.Parallel()

	fake := newFake(t)
	db, _, _ := sqliteTarget.open(t)
	ds := hourly()
	_, err := syncOnce(t, db, sqliteTarget, fake.Client(), ds)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TRIGGER no_more BEFORE INSERT ON hourly BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`)
	require.NoError(t, err)
	was := dump(t, db, ds.Table)
	fake.AddLate(10)
	_, err = syncOnce(t, db, sqliteTarget, fake.Client(), ds)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the disk is full")
	assert.Equal(t, was, dump(t, db, ds.Table))
	assert.False(t, errors.Is(err, context.Canceled))
}

// Every granularity, from a start inside a bucket and to a now inside
// one: the first bucket starts where the API's does (weeks on Monday,
// months on the 1st), and the last is partial.
func TestEveryGranularity(t *testing.T) {
	t.Parallel()

	fake := newFake(t)
	from := start.Add(50*time.Hour + 7*time.Minute) // a Sunday, 02:07
	now := end.Add(-17*time.Hour - 30*time.Second)
	for _, g := range []sdk.Granularity{sdk.GranularityMinute, sdk.GranularityHour, sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth} {
		t.Run(string(g), func(t *testing.T) {
			db, _, _ := sqliteTarget.open(t)
			ds := dbsync.Dataset{Table: "by_" + string(g), Query: sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: g}}
			sum, err := syncOnce(t, db, sqliteTarget, fake.Client(), ds, dbsync.WithFrom(from), clockAt(now))
			require.NoError(t, err)
			first := sum.Range.Start
			assert.True(t, !first.After(from) && next(g, first).After(from), "%s starts the bucket of %s", first, from)
			want := truth(t, fake, ds, first, now, now)
			got := table(t, db, ds)
			assert.Equal(t, want, got)
			require.NotEmpty(t, got)
			if g != sdk.GranularityMinute { // the last minute may have had no generation
				assert.True(t, strings.HasSuffix(got[len(got)-1], "|true"), "the last bucket is open: %s", got[len(got)-1])
				assert.Equal(t, 1, sum.Partial)
			}
		})
	}
}

// The server's warnings reach the summary, each once, however many
// pages repeat them.
func TestWarningsReachTheSummary(t *testing.T) {
	t.Parallel()

	fake := newFake(t)
	db, _, _ := sqliteTarget.open(t)
	ds := hourly()
	ds.Query.Filters = []sdk.Filter{sdk.In("model", "openai/gpt-4o", "nobody/nothing")}
	sum, err := syncOnce(t, db, sqliteTarget, fake.Client(), ds)
	require.NoError(t, err)
	assert.Greater(t, sum.Pages, 1)
	assert.Equal(t, []string{`filters[0]: model value "nobody/nothing" could not be resolved`}, sum.Warnings)
	assert.Positive(t, sum.Inserted)
}
