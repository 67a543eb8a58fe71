package dbsync_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// small is the data most tests sync: 5 days, two dimensions, one of
// which (api_key_id) has two keys that share a name.
var small = analyticstest.DataConfig{Rows: 3_000, Days: 5}

// newFake is the fake the sync tests talk to: the small data set unless
// opts say otherwise, and no request log. It does not check its own
// answers against the spec, which would be a third of its cost here: the
// contract tests (tests/) and the fake's own tests do that.
func newFake(t testing.TB, opts ...analyticstest.Option) *analyticstest.Server {
	t.Helper()
	base := []analyticstest.Option{analyticstest.WithData(small), analyticstest.WithoutRequestLog(), analyticstest.WithViolationHandler(nil)}
	return analyticstest.NewServer(t, append(base, opts...)...)
}

var (
	end   = analyticstest.DefaultEnd
	start = end.AddDate(0, 0, -small.Days)
)

func hourly() dbsync.Dataset {
	return dbsync.Dataset{Table: "hourly", Query: sdk.QueryRequest{
		Metrics:     []string{"request_count", "total_usage", "avg_latency"},
		Dimensions:  []string{"model", "api_key_id"},
		Granularity: sdk.GranularityHour,
		Limit:       400, // many pages
	}}
}

func clockAt(t time.Time) dbsync.Option { return dbsync.WithClock(func() time.Time { return t }) }

// syncOnce runs a sync with the options every test wants.
func syncOnce(t *testing.T, db *sql.DB, tg target, c *sdk.Client, ds dbsync.Dataset, opts ...dbsync.Option) (dbsync.Summary, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return dbsync.Sync(ctx, db, tg.dialect, c, ds, append([]dbsync.Option{dbsync.WithFrom(start), clockAt(end)}, opts...)...)
}

// truth is the fake's complete answer for a dataset over [from, to), as
// lines: bucket, dimensions, metrics, partial (open at now).
func truth(t *testing.T, fake *analyticstest.Server, ds dbsync.Dataset, from, to, now time.Time) []string {
	t.Helper()
	q := ds.Query
	q.TimeRange = sdk.TimeRange{Start: from, End: to}
	res, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	var lines []string
	for _, r := range res.Data {
		b, err := r.Bucket()
		require.NoError(t, err)
		fields := []string{b.Start.UTC().Format(time.RFC3339)}
		for _, d := range q.Dimensions {
			fields = append(fields, text(r.Value(d)))
		}
		for _, m := range q.Metrics {
			fields = append(fields, text(r.Value(m)))
		}
		fields = append(fields, strconv.FormatBool(next(q.Granularity, b.Start).After(now)))
		lines = append(lines, strings.Join(fields, "|"))
	}
	slices.Sort(lines)
	return lines
}

// table reads a dataset's table as truth's lines.
func table(t *testing.T, db *sql.DB, ds dbsync.Dataset) []string {
	t.Helper()
	cols := []string{"bucket"}
	for _, d := range ds.Query.Dimensions {
		if base, ok := strings.CutSuffix(d, "_id"); ok {
			d = base + "_name" // the label column: api_key_id holds the id
		}
		cols = append(cols, d)
	}
	cols = append(cols, ds.Query.Metrics...)
	rs, err := db.Query(`SELECT "` + strings.Join(cols, `", "`) + `", partial FROM "` + ds.Table + `"`)
	require.NoError(t, err)
	defer rs.Close()
	var lines []string
	for rs.Next() {
		vals := make([]any, len(cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rs.Scan(ptrs...))
		fields := []string{bucketText(t, vals[0])}
		for i, v := range vals[1 : len(vals)-1] {
			if i >= len(ds.Query.Dimensions) && v != nil { // a metric: as a float64, whatever the column's type
				if n, ok := v.(int64); ok && money[ds.Query.Metrics[i-len(ds.Query.Dimensions)]] {
					v = usd(n) // SQLite keeps money as nano-USD
				}
				f, err := strconv.ParseFloat(text(v), 64)
				require.NoError(t, err)
				v = f
			}
			fields = append(fields, text(v))
		}
		fields = append(fields, strconv.FormatBool(truthy(vals[len(vals)-1])))
		lines = append(lines, strings.Join(fields, "|"))
	}
	require.NoError(t, rs.Err())
	slices.Sort(lines)
	return lines
}

// dump is every column of every row, the engine's included, in key order.
func dump(t *testing.T, db *sql.DB, name string) []string {
	t.Helper()
	rs, err := db.Query(`SELECT * FROM "` + name + `" ORDER BY bucket, row_key`)
	require.NoError(t, err)
	defer rs.Close()
	cols, err := rs.Columns()
	require.NoError(t, err)
	var lines []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rs.Scan(ptrs...))
		fields := make([]string, len(vals))
		for i, v := range vals {
			fields[i] = text(v)
		}
		lines = append(lines, strings.Join(fields, "|"))
	}
	require.NoError(t, rs.Err())
	return lines
}

// money are the fake's currency metrics, which SQLite keeps as nano-USD.
var money = map[string]bool{"total_usage": true, "avg_latency": true, "usage_web": true}

// usd is a count of nano-USD as exact decimal text.
func usd(nanos int64) string {
	sign := ""
	if nanos < 0 {
		sign, nanos = "-", -nanos
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%s%d.%09d", sign, nanos/1e9, nanos%1e9), "0"), ".")
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func bucketText(t *testing.T, v any) string {
	if s, ok := v.(string); ok {
		b, err := time.Parse("2006-01-02 15:04:05", s)
		require.NoError(t, err)
		return b.Format(time.RFC3339)
	}
	return text(v)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	return false
}

// state is a dataset's saved state: how far it is synced, and the rows
// it counts.
func state(t *testing.T, db *sql.DB, tg target, name string) (syncedTo time.Time, rows int64) {
	t.Helper()
	var to any
	q := "SELECT synced_to, row_count FROM openrouter_sync_state WHERE dataset = $1"
	if tg.dialect == dbsync.SQLite {
		q = strings.Replace(q, "$1", "?", 1)
	}
	require.NoError(t, db.QueryRow(q, name).Scan(&to, &rows))
	b, err := time.Parse(time.RFC3339, bucketText(t, to))
	require.NoError(t, err)
	return b, rows
}

func count(t *testing.T, db *sql.DB, name string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM "`+name+`"`).Scan(&n))
	return n
}

// before keeps the lines of buckets before t.
func before(lines []string, t time.Time) []string {
	var out []string
	for _, l := range lines {
		b, _ := time.Parse(time.RFC3339, l[:strings.IndexByte(l, '|')])
		if b.Before(t) {
			out = append(out, l)
		}
	}
	return out
}

// yes is true as the dialect's SQL spells it.
func (tg target) yes() string {
	if tg.dialect == dbsync.SQLite {
		return "1"
	}
	return "true"
}

// bucket is a bucket start as the dialect's SQL spells it.
func (tg target) bucket(b time.Time) string {
	if tg.dialect == dbsync.SQLite {
		return "'" + b.UTC().Format("2006-01-02 15:04:05") + "'"
	}
	return "'" + b.UTC().Format(time.RFC3339) + "'::timestamptz"
}

// rewritten is a server in front of the fake that changes every row of
// its query answers.
type rewritten struct{ url string }

func rewriting(t *testing.T, fake *analyticstest.Server, change func(map[string]any)) rewritten {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasSuffix(r.URL.Path, "/analytics/query") && rec.Code == http.StatusOK {
			var res map[string]any
			if err := json.Unmarshal(body, &res); err != nil {
				t.Error(err)
			}
			for _, row := range res["data"].(map[string]any)["data"].([]any) {
				change(row.(map[string]any))
			}
			body, _ = json.Marshal(res)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return rewritten{srv.URL}
}

func (r rewritten) Client() *sdk.Client {
	c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(r.url), sdk.WithMaxRetries(0))
	if err != nil {
		panic(err)
	}
	return c
}

// next is the start of the bucket after b's.
func next(g sdk.Granularity, b time.Time) time.Time {
	switch g {
	case sdk.GranularityMinute:
		return b.Add(time.Minute)
	case sdk.GranularityHour:
		return b.Add(time.Hour)
	case sdk.GranularityDay:
		return b.AddDate(0, 0, 1)
	case sdk.GranularityWeek:
		return b.AddDate(0, 0, 7)
	}
	return b.AddDate(0, 1, 0)
}
