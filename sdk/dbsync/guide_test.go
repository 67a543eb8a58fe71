package dbsync_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/guidetest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// Syncs from a handwritten server that answers as OpenRouter's guides
// say the live service does (internal/guidetest): string counts, bare
// dates, created_at__ keys, Sunday weeks, user_email, permaslugs, nulls.

var (
	guideStart = time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC) // a Sunday
	guideEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func guideServer(t *testing.T, cfg guidetest.Config) (*guidetest.Server, *sdk.Client) {
	t.Helper()
	cfg.Start, cfg.End = guideStart, guideEnd
	s := guidetest.New(cfg)
	t.Cleanup(s.Close)
	c, err := sdk.NewClient(sdk.WithAPIKey("sk-or-v1-guidetest"), sdk.WithBaseURL(s.URL), sdk.WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return s, c
}

func guideSync(t *testing.T, db *sql.DB, tg target, c *sdk.Client, ds dbsync.Dataset, from time.Time) (dbsync.Summary, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return dbsync.Sync(ctx, db, tg.dialect, c, ds, dbsync.WithFrom(from), clockAt(guideEnd))
}

// columnTypes are a table's declared column types, by name.
func columnTypes(t *testing.T, db *sql.DB, tg target, table string) map[string]string {
	t.Helper()
	q := `SELECT name, type FROM pragma_table_info('` + table + `')`
	if tg.dialect == dbsync.PostgreSQL {
		q = `SELECT column_name, upper(data_type) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '` + table + `'`
	}
	rows, err := db.Query(q)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, typ string
		require.NoError(t, rows.Scan(&name, &typ))
		out[name] = strings.ToUpper(typ)
	}
	require.NoError(t, rows.Err())
	return out
}

// Every answer of the service's shape is stored, every total exact,
// counts as whole numbers, money exact, user_email kept, ids filled.
func TestSyncOfTheServicesShapes(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		for _, cfg := range []guidetest.Config{{}, {CreatedAt: true}} {
			s, c := guideServer(t, cfg)
			db, _, _ := tg.open(t)
			ds := dbsync.Dataset{Table: "daily_by_user", Query: sdk.QueryRequest{
				Metrics: []string{"request_count", "tokens_total", "total_usage", "usage_web"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityDay, Limit: 50}}
			from := guideStart.AddDate(0, 0, 3)
			sum, err := guideSync(t, db, tg, c, ds, from)
			require.NoError(t, err)
			days := int(guideEnd.Sub(from).Hours() / 24)
			assert.Equal(t, 3*days, sum.Inserted, "every day of the three users")
			assert.Empty(t, sum.Warnings)

			var rows, requests, tokens int64
			var spend string
			var webNulls, emails, ids int
			require.NoError(t, db.QueryRow(`SELECT count(*), sum(request_count), sum(tokens_total), CAST(sum(total_usage) AS TEXT),
				sum(CASE WHEN usage_web IS NULL THEN 1 ELSE 0 END), count(DISTINCT user_email), count(DISTINCT user_id) FROM daily_by_user`).
				Scan(&rows, &requests, &tokens, &spend, &webNulls, &emails, &ids))
			assert.Equal(t, int64(3*days), rows)
			assert.Equal(t, int64(s.Total("request_count", from, guideEnd)), requests)
			assert.Equal(t, int64(s.Total("tokens_total", from, guideEnd)), tokens)
			assert.Equal(t, 3*days, webNulls, "an unused component is NULL, not 0")
			assert.Equal(t, 3, emails, "user_email is kept: the member with no name is told apart")
			assert.Equal(t, 3, ids, "user_id is filled, by the email where the row shows no name")
			micros := int64(s.Total("total_usage", from, guideEnd))
			if tg.dialect == dbsync.SQLite {
				assert.Equal(t, micros*1000, mustInt(t, spend), "nano-USD, summed exactly")
			} else {
				assert.Equal(t, usd(micros*1000), strings.TrimSuffix(strings.TrimRight(spend, "0"), "."), "numeric, summed exactly")
			}

			types := columnTypes(t, db, tg, ds.Table)
			count := map[bool]string{true: "INTEGER", false: "BIGINT"}[tg.dialect == dbsync.SQLite]
			moneyType := map[bool]string{true: "INTEGER", false: "NUMERIC"}[tg.dialect == dbsync.SQLite]
			assert.Equal(t, count, types["request_count"])
			assert.Equal(t, count, types["tokens_total"])
			assert.Equal(t, moneyType, types["total_usage"])
			assert.Equal(t, "TEXT", types["user_email"])

			// A second run changes nothing.
			again, err := guideSync(t, db, tg, c, ds, from)
			require.NoError(t, err)
			assert.Zero(t, again.Inserted+again.Updated+again.Deleted, "%+v", again)
		}
	})
}

// Rows that show permaslugs fill model_id with them.
func TestPermaslugsAreTheirOwnIDs(t *testing.T) {
	t.Parallel()

	_, c := guideServer(t, guidetest.Config{CreatedAt: true})
	db, _, _ := sqliteTarget.open(t)
	ds := dbsync.Dataset{Table: "hourly_by_model", Query: sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityHour}}
	_, err := guideSync(t, db, sqliteTarget, c, ds, guideEnd.AddDate(0, 0, -2))
	require.NoError(t, err)
	var nulls, distinct int
	require.NoError(t, db.QueryRow(`SELECT sum(CASE WHEN model_id IS NULL THEN 1 ELSE 0 END), count(DISTINCT model_id) FROM hourly_by_model`).Scan(&nulls, &distinct))
	assert.Zero(t, nulls)
	assert.Equal(t, len(guidetest.Models), distinct)
}

// Weeks start where the server's keys say: Sunday here, from a Sunday
// or from inside a week (which starts the table at that week's Sunday).
func TestWeeksStartWhereTheServerSays(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		for _, from := range []time.Time{time.Date(2026, 9, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)} {
			s, c := guideServer(t, guidetest.Config{})
			db, _, _ := tg.open(t)
			ds := dbsync.Dataset{Table: "weekly", Query: sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityWeek}}
			sum, err := guideSync(t, db, tg, c, ds, from)
			require.NoError(t, err, "from %s", from)
			sunday := time.Date(2026, 9, 27, 0, 0, 0, 0, time.UTC)
			assert.Equal(t, sunday, sum.Range.Start)
			assert.Equal(t, 5, sum.Inserted, "Sep 27, Oct 4, 11, 18, 25")
			var requests int64
			require.NoError(t, db.QueryRow(`SELECT sum(request_count) FROM weekly`).Scan(&requests))
			assert.Equal(t, int64(s.Total("request_count", sunday, guideEnd)), requests)

			// A later run takes the day from the table, with no probe.
			before := s.Queries()
			again, err := guideSync(t, db, tg, c, ds, from)
			require.NoError(t, err)
			assert.Zero(t, again.Inserted+again.Updated+again.Deleted)
			assert.Equal(t, again.Requests, s.Queries()-before)
		}
	})
}

// A server whose weeks start on Monday is as good as one whose start on
// Sunday: the table follows its keys.
func TestMondayWeeksToo(t *testing.T) {
	t.Parallel()

	monday := time.Monday
	s, c := guideServer(t, guidetest.Config{WeekStart: &monday})
	db, _, _ := sqliteTarget.open(t)
	ds := dbsync.Dataset{Table: "weekly", Query: sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityWeek}}
	from := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	sum, err := guideSync(t, db, sqliteTarget, c, ds, from)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC), sum.Range.Start)
	var requests int64
	require.NoError(t, db.QueryRow(`SELECT sum(request_count) FROM weekly`).Scan(&requests))
	assert.Equal(t, int64(s.Total("request_count", sum.Range.Start, guideEnd)), requests)
}

// A bucket that starts inside a bucket of the page is a typed error,
// never a row that mixes two buckets, and nothing of the page is kept.
func TestABucketMidPageIsRefused(t *testing.T) {
	t.Parallel()

	fake := newFake(t)
	srv := rewriting(t, fake, func(r map[string]any) {
		if k, ok := r["date__hour"].(string); ok {
			r["date__hour"] = strings.Replace(k, ":00:00", ":30:00", 1)
		}
	})
	db, _, _ := sqliteTarget.open(t)
	_, err := syncOnce(t, db, sqliteTarget, srv.Client(), hourly())
	var be *dbsync.BucketError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 30, be.Bucket.Minute())
	assert.Contains(t, err.Error(), `is not where a bucket of granularity "hour" starts inside the page`)
	assert.Zero(t, count(t, db, "hourly"))
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int64(c-'0')
	}
	return n
}

// fresh closes the idle connections, whose statements pgx cached for the
// columns' old types ("cached plan must not change result type").
func fresh(db *sql.DB) {
	db.SetMaxIdleConns(0)
	db.SetMaxIdleConns(2)
}

// A server that narrows a long range quietly leaves no gap in a table
// that sync fills, which asks in the service's windows; and a table an
// earlier version filled with a gap is fetched again once, and mended.
func TestNoGapFromANarrowingServer(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		data := analyticstest.DataConfig{Rows: 20_000, Days: 90}
		fake := newFake(t, analyticstest.WithData(data),
			analyticstest.WithLimits(analyticstest.Limits{Ranges: analyticstest.RangesNarrow}))
		ds := dbsync.Dataset{Table: "daily_by_provider", Query: sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"provider"}, Granularity: sdk.GranularityDay}}
		from := end.AddDate(0, 0, -60)
		want := truth(t, fake, ds, from, end, end)

		db, _, _ := tg.open(t)
		_, err := dbsync.Sync(context.Background(), db, tg.dialect, fake.Client(), ds, dbsync.WithFrom(from), clockAt(end))
		require.NoError(t, err)
		assert.Equal(t, want, table(t, db, ds), "every day of the 60")

		// The earlier version: no windows, and a state table without the
		// column that says the table was fetched in them.
		old, _, _ := tg.open(t)
		_, err = dbsync.Sync(context.Background(), old, tg.dialect, fake.Client(sdk.WithWindows(sdk.Windows{})), ds, dbsync.WithFrom(from), clockAt(end))
		require.NoError(t, err)
		require.Less(t, len(table(t, old, ds)), len(want), "the gap a narrowing server leaves")
		_, err = old.Exec(`ALTER TABLE openrouter_sync_state DROP COLUMN windowed`)
		require.NoError(t, err)
		fresh(old)
		sum, err := dbsync.Sync(context.Background(), old, tg.dialect, fake.Client(), ds, clockAt(end))
		require.NoError(t, err)
		require.NotEmpty(t, sum.Warnings)
		assert.Contains(t, sum.Warnings[0], "fetched again from "+from.Format(time.RFC3339))
		assert.Equal(t, want, table(t, old, ds), "the gap is mended")
		again, err := dbsync.Sync(context.Background(), old, tg.dialect, fake.Client(), ds, clockAt(end))
		require.NoError(t, err)
		assert.Empty(t, again.Warnings, "once")
	})
}
