package sdk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// rowKeys are rows as comparable text, in order.
func rowKeys(t *testing.T, rows []sdk.Row) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}

// Exports stay inside the service's windows, so that a server that
// refuses a long range and one that narrows it quietly both give every
// row: a 31-day metric, a 31-day dimension, minute granularity, and a
// 400-day range of a 365-day metric.
func TestExportsStayInsideTheWindows(t *testing.T) {
	t.Parallel()

	end := analyticstest.DefaultEnd
	data := analyticstest.DataConfig{Rows: 40_000, Days: 420}
	for _, tc := range []struct {
		name string
		q    sdk.QueryRequest
	}{
		{"a 31-day metric over 90 days", sdk.QueryRequest{Metrics: []string{"request_count", "avg_latency"}, Granularity: sdk.GranularityDay,
			TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -90), End: end}}},
		{"a 31-day dimension over 60 days", sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"provider"},
			Granularity: sdk.GranularityDay, TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -60), End: end}}},
		{"minutes over 12 hours", sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityMinute,
			TimeRange: sdk.TimeRange{Start: end.Add(-12 * time.Hour), End: end}}},
		{"400 days of a 365-day metric", sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityDay,
			TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -400), End: end}}},
		{"weeks of a 31-day metric, latest first", sdk.QueryRequest{Metrics: []string{"avg_latency"}, Granularity: sdk.GranularityWeek,
			TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -100), End: end}, OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Desc}}},
	} {
		for _, policy := range []analyticstest.RangePolicy{analyticstest.RangesRefuse, analyticstest.RangesNarrow} {
			t.Run(fmt.Sprintf("%s/policy %d", tc.name, policy), func(t *testing.T) {
				fake := analyticstest.NewServer(t, analyticstest.WithData(data), analyticstest.WithLimits(analyticstest.Limits{Ranges: policy}))
				want, err := fake.QueryUncapped(tc.q)
				require.NoError(t, err)
				require.NotEmpty(t, want.Data)
				got, err := drain(t.Context(), fake.Client(), tc.q)
				require.NoError(t, err)
				assert.Equal(t, rowKeys(t, want.Data), rowKeys(t, got), "every row, in order")

				window, _ := sdk.DefaultWindows().Window(&tc.q)
				for _, r := range fake.Requests() {
					if r.Path != "/analytics/query" {
						continue
					}
					q := decodeQuery(t, r.Body)
					assert.LessOrEqual(t, q.TimeRange.End.Sub(q.TimeRange.Start), window, "no request asks for more than the window")
				}
			})
		}
	}
}

// Without the windows (a table of none), a narrowing server turns a long
// export into a silent gap: the test above would fail.
func TestWithoutWindowsANarrowingServerCutsQuietly(t *testing.T) {
	t.Parallel()

	end := analyticstest.DefaultEnd
	fake := analyticstest.NewServer(t, analyticstest.WithLimits(analyticstest.Limits{Ranges: analyticstest.RangesNarrow}))
	q := sdk.QueryRequest{Metrics: []string{"avg_latency"}, Granularity: sdk.GranularityDay, TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -80), End: end}}
	got, err := drain(t.Context(), fake.Client(sdk.WithWindows(sdk.Windows{})), q)
	require.NoError(t, err)
	assert.Len(t, got, 31, "31 of 80 days: what the windows prevent")
}

// A single query longer than its window is sent as asked, one request,
// and its result says so.
func TestASingleLongQueryIsWarned(t *testing.T) {
	t.Parallel()

	end := analyticstest.DefaultEnd
	fake := analyticstest.NewServer(t)
	res, err := fake.Client().QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"avg_latency"},
		TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -60), End: end}})
	require.NoError(t, err)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], `the time range is 60 days, longer than the 31 days the service answers a query over for metric "avg_latency"`)
	res, err = fake.Client().QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"},
		TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -60), End: end}})
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)

	// Without a granularity an export cannot be cut: a typed error.
	_, err = drain(t.Context(), fake.Client(), sdk.QueryRequest{Metrics: []string{"avg_latency"}, TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -60), End: end}})
	var ve *sdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "time_range", ve.Field)
}

// The caps are checked before sending; exports lower a limit past the
// service's 10,000 rows.
func TestCapsAreCheckedBeforeSending(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	for _, q := range []sdk.QueryRequest{
		{Metrics: []string{"request_count"}, Limit: 20_000},
		{Metrics: []string{"request_count"}, Dimensions: []string{"model"}, GroupLimit: 10_001},
		{Metrics: []string{"request_count"}, Filters: slices.Repeat([]sdk.Filter{sdk.Eq("country", "US")}, 21)},
	} {
		_, err := c.QueryAnalytics(t.Context(), q)
		var ve *sdk.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", q)
	}
	assert.Empty(t, fake.Requests(), "nothing was sent")

	end := analyticstest.DefaultEnd
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
		TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -20), End: end}, Limit: 20_000}
	rows, err := drain(t.Context(), c, q)
	require.NoError(t, err)
	want, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	assert.Len(t, rows, len(want.Data))
	for _, r := range fake.Requests() {
		assert.LessOrEqual(t, decodeQuery(t, r.Body).Limit, sdk.MaxRows)
	}
}

// decodeQuery is the query a request sent.
func decodeQuery(t *testing.T, body []byte) sdk.QueryRequest {
	t.Helper()
	var q sdk.QueryRequest
	require.NoError(t, json.Unmarshal(body, &q))
	return q
}

// A query without a time range is sent with the service's default, the
// last 7 days up to the current minute, so that the range a result
// covers is known; WithWindows without a Default sends it as it is.
func TestAQueryWithoutARangeAsksForTheLast7Days(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(_ int, req *http.Request) (*http.Response, error) { return okReply(req), nil })
		time.Sleep(90 * time.Second) // 2000-01-01 00:01:30 in the bubble: the range ends at 00:01
		res, err := memClient(t, m).QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}})
		require.NoError(t, err)
		week := sdk.TimeRange{Start: time.Date(1999, 12, 25, 0, 1, 0, 0, time.UTC), End: time.Date(2000, 1, 1, 0, 1, 0, 0, time.UTC)}
		assert.Equal(t, week, res.TimeRange)
		require.Len(t, m.bodies, 1)
		assert.JSONEq(t, `{"metrics":["request_count"],"time_range":{"start":"1999-12-25T00:01:00Z","end":"2000-01-01T00:01:00Z"}}`, m.bodies[0])

		w := sdk.DefaultWindows()
		w.Default = 0
		res, err = memClient(t, m, sdk.WithWindows(w)).QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}})
		require.NoError(t, err)
		assert.Zero(t, res.TimeRange)
		assert.JSONEq(t, `{"metrics":["request_count"]}`, m.bodies[1])
	})
}

// An export without a range fetches the last 7 days, says so in its
// Progress, and holds every row of them, against a fake whose clock is
// now and which answers such a query as the service does.
func TestAnExportWithoutARangeFetchesTheLast7Days(t *testing.T) {
	t.Parallel()

	end := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	fake := analyticstest.NewServer(t, analyticstest.WithData(analyticstest.DataConfig{Rows: 20_000, Days: 20, End: end}),
		analyticstest.WithLimits(analyticstest.Limits{Ranges: analyticstest.RangesNarrow}))
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityDay, Limit: 25}
	var last sdk.Progress
	before := time.Now().UTC().Truncate(time.Minute)
	rows, err := drain(t.Context(), fake.Client(), q, sdk.WithProgress(func(p sdk.Progress) { last = p }))
	after := time.Now().UTC()
	require.NoError(t, err)

	tr := last.TimeRange
	assert.False(t, tr.End.Before(before) || tr.End.After(after), "ends at the current minute: %v", tr)
	assert.Equal(t, 7*24*time.Hour, tr.End.Sub(tr.Start))
	assert.Equal(t, 1.0, last.Covered)
	for _, r := range fake.Requests() {
		sent := decodeQuery(t, r.Body).TimeRange
		assert.False(t, sent.Start.Before(tr.Start) || sent.End.After(tr.End), "every request inside the 7 days: %v", sent)
	}
	q.TimeRange = tr
	want, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	require.NotEmpty(t, want.Data)
	assert.Equal(t, rowKeys(t, want.Data), rowKeys(t, rows), "every row of the 7 days")
}

// The fake with limits answers a query without a range as the service
// does: over the last 7 days.
func TestTheLimitedFakeAnswersTheLast7DaysWithoutARange(t *testing.T) {
	t.Parallel()

	end := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	fake := analyticstest.NewServer(t, analyticstest.WithData(analyticstest.DataConfig{Rows: 20_000, Days: 20, End: end}),
		analyticstest.WithLimits(analyticstest.Limits{Ranges: analyticstest.RangesRefuse}))
	w := sdk.DefaultWindows()
	w.Default = 0
	q := sdk.QueryRequest{Metrics: []string{"request_count"}}
	res, err := fake.Client(sdk.WithWindows(w)).QueryAnalytics(t.Context(), q)
	require.NoError(t, err)
	got, err := res.Data[0].Int("request_count")
	require.NoError(t, err)

	now := time.Now().UTC().Truncate(time.Minute)
	q.TimeRange = sdk.TimeRange{Start: now.Add(-7 * 24 * time.Hour), End: now}
	all, err := fake.QueryUncapped(sdk.QueryRequest{Metrics: []string{"request_count"}, TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -20), End: end}})
	require.NoError(t, err)
	week, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	want, _ := week.Data[0].Int("request_count")
	assert.InDelta(t, want, got, float64(want)/1000, "the last 7 days (a minute's generations either way)")
	total, _ := all.Data[0].Int("request_count")
	assert.Less(t, got, total*1/2, "not the whole data set")
}
