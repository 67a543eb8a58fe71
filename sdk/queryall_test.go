package sdk_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/retrytest"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/series"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

var (
	dataEnd = analyticstest.DefaultEnd
	last    = func(d time.Duration) sdk.TimeRange { return sdk.TimeRange{Start: dataEnd.Add(-d), End: dataEnd} }
	day     = 24 * time.Hour
)

// collect drains QueryAll, failing the test on an error.
func collect(t *testing.T, c *sdk.Client, q sdk.QueryRequest, opts ...sdk.CallOption) []sdk.Row {
	t.Helper()
	var rows []sdk.Row
	for r, err := range c.QueryAll(t.Context(), q, opts...) {
		require.NoError(t, err)
		rows = append(rows, r)
	}
	return rows
}

// rowTexts is each row as its JSON object.
func rowTexts(t *testing.T, rows []sdk.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		b, err := json.Marshal(r.Map())
		require.NoError(t, err)
		out[i] = string(b)
	}
	return out
}

// The rows of QueryAll are the fake's complete answer: the same rows, in
// the same order for a time-ordered query, or the same multiset, in the
// requested order, for one ordered by a metric.
func TestQueryAllGathersEveryRow(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	for _, tc := range []struct {
		name    string
		q       sdk.QueryRequest
		minRows int
	}{
		{"hourly by user over 30 days", sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
			Granularity: sdk.GranularityHour, TimeRange: last(30 * day)}, 10_000},
		{"daily by model and provider", sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"model", "provider"},
			Granularity: sdk.GranularityDay, TimeRange: last(90 * day), Limit: 500}, 2000},
		{"minute by model over 3 days", sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"},
			Granularity: sdk.GranularityMinute, TimeRange: last(3 * day), Limit: 1000}, 2000},
		{"weekly by app", sdk.QueryRequest{Metrics: []string{"request_count", "avg_latency"}, Dimensions: []string{"app"},
			Granularity: sdk.GranularityWeek, TimeRange: last(90 * day), Limit: 20}, 100},
		{"filtered", sdk.QueryRequest{Metrics: []string{"tokens_total"}, Dimensions: []string{"model", "country"},
			Filters:     []sdk.Filter{sdk.In("model", "openai/gpt-4o", "deepseek/deepseek-r1"), sdk.Gt("tokens_total", 500)},
			Granularity: sdk.GranularityHour, TimeRange: last(30 * day), Limit: 700}, 1000},
		{"without a time range", sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"country"},
			Granularity: sdk.GranularityDay, Limit: 300}, 1000},
		{"by date, descending", sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"origin"},
			Granularity: sdk.GranularityDay, TimeRange: last(60 * day), Limit: 50, OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Desc}}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, err := fake.QueryUncapped(tc.q)
			require.NoError(t, err)
			single, err := c.QueryAnalytics(t.Context(), tc.q)
			require.NoError(t, err)
			require.True(t, single.Metadata.Truncated, "the single query must be cut, or there is nothing to test")

			got := collect(t, c, tc.q)
			assert.GreaterOrEqual(t, len(got), tc.minRows)
			assert.Equal(t, rowTexts(t, want.Data), rowTexts(t, got), "the same rows in the same order")
		})
	}
}

func TestQueryAllOrderedByAMetric(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	q := sdk.QueryRequest{Metrics: []string{"total_usage"}, Dimensions: []string{"model"},
		Granularity: sdk.GranularityDay, TimeRange: last(90 * day), Limit: 200,
		OrderBy: sdk.OrderBy{Field: "total_usage", Direction: sdk.Desc}}
	want, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	got := collect(t, fake.Client(), q)

	wantTexts, gotTexts := rowTexts(t, want.Data), rowTexts(t, got)
	slices.Sort(wantTexts)
	slices.Sort(gotTexts)
	assert.Equal(t, wantTexts, gotTexts, "the same rows")
	for i := 1; i < len(got); i++ {
		prev, _ := got[i-1].Float("total_usage")
		cur, _ := got[i].Float("total_usage")
		require.GreaterOrEqual(t, prev, cur, "row %d out of order", i)
	}
}

// A range whose ends fall inside buckets keeps the single query's bucket
// membership, for every granularity.
func TestQueryAllWithRaggedEnds(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	ragged := sdk.TimeRange{Start: dataEnd.Add(-70*day + 10*time.Hour + 37*time.Minute + 30*time.Second), End: dataEnd.Add(-3*day - 13*time.Hour - 11*time.Minute)}
	for _, g := range []sdk.Granularity{sdk.GranularityMinute, sdk.GranularityHour, sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth} {
		t.Run(string(g), func(t *testing.T) {
			t.Parallel()
			q := sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Granularity: g, TimeRange: ragged, Limit: 2}
			switch g {
			case sdk.GranularityMinute:
				q.TimeRange = sdk.TimeRange{Start: ragged.Start, End: ragged.Start.Add(5 * time.Hour)}
				q.Limit = 50
			case sdk.GranularityHour:
				q.Limit = 48 // two days a response: the ends are as ragged, in 34 requests rather than 800
			}
			want, err := fake.QueryUncapped(q)
			require.NoError(t, err)
			assert.Equal(t, rowTexts(t, want.Data), rowTexts(t, collect(t, c, q)))
		})
	}
}

func TestQueryAllRetriesFaultsInPieces(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	fake.Script(analyticstest.Status(503), analyticstest.ResetBeforeHeaders(), analyticstest.ResetMidBody())
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"},
		Granularity: sdk.GranularityDay, TimeRange: last(90 * day), Limit: 300}
	want, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	got := collect(t, fake.Client(retrytest.Fast()), q)
	assert.Equal(t, rowTexts(t, want.Data), rowTexts(t, got))
}

func TestQueryAllYieldsThePersistentFailure(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"},
		Granularity: sdk.GranularityDay, TimeRange: last(90 * day), Limit: 300}
	want, err := fake.QueryUncapped(q)
	require.NoError(t, err)
	c := fake.Client(sdk.WithMaxRetries(0))
	// The first response comes; a later piece fails for good.
	fake.Script(analyticstest.Delay(0), analyticstest.Status(500), analyticstest.Status(500), analyticstest.Status(500))
	var errs []error
	var rows []sdk.Row
	for r, err := range c.QueryAll(t.Context(), q, sdk.WithConcurrency(1)) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, r)
	}
	require.Len(t, errs, 1, "one error, then the end")
	var e *sdk.InternalServerResponseError
	assert.ErrorAs(t, errs[0], &e)
	require.NotEmpty(t, rows, "the first page came before the failure")
	assert.Less(t, len(rows), len(want.Data), "not every row")
	assert.Equal(t, rowTexts(t, want.Data[:len(rows)]), rowTexts(t, rows), "the rows before the error are the answer's first rows, in order")
}

// Stopping after the first rows stops all fetching: once the loop has
// ended, no request is sent however long one waits (virtual time), and
// nothing is left running (synctest fails on a goroutine that outlives
// the bubble).
func TestQueryAllStopsWhenTheLoopDoes(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 30), Users: 10, PageRows: 100})
		m := newMemAPI(serveInMemory(s))
		c := memClient(t, m)
		q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
			TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
		seen := 0
		for _, err := range c.QueryAll(t.Context(), q, sdk.WithConcurrency(2)) {
			require.NoError(t, err)
			if seen++; seen == 3 {
				break
			}
		}
		after := m.calls()
		time.Sleep(time.Hour)
		assert.Equal(t, after, m.calls(), "no request after the loop ended")
		assert.Less(t, after, 10, "far fewer requests than the 72 pages of the whole answer")
	})
}

func TestQueryAllNeverReturnsAPartialResult(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	t.Run("no granularity", func(t *testing.T) {
		var err error
		for _, e := range c.QueryAll(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user", "model"}, Limit: 10}) {
			err = e
		}
		var te *sdk.TruncatedError
		require.ErrorAs(t, err, &te)
		assert.True(t, te.Bucket.IsZero())
		assert.Equal(t, 10, te.Rows)
		assert.Contains(t, err.Error(), "add a granularity, use fewer dimensions, or a filter")
	})
	t.Run("one bucket too many rows", func(t *testing.T) {
		var err error
		for _, e := range c.QueryAll(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
			Granularity: sdk.GranularityDay, TimeRange: last(2 * day), Limit: 5}) {
			err = e
		}
		var te *sdk.TruncatedError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, sdk.GranularityDay, te.Granularity)
		assert.False(t, te.Bucket.IsZero())
		assert.Regexp(t, `the day bucket at 2025-06-2\dT00:00:00Z alone has more rows than one response holds \(5 came back\): use a finer granularity`, err.Error())
	})
	t.Run("bad options", func(t *testing.T) {
		var err error
		for _, e := range c.QueryAll(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}}, sdk.WithConcurrency(-1)) {
			err = e
		}
		var ve *sdk.ValidationError
		require.True(t, errors.As(err, &ve))
	})
}

func TestQueryAllReportsProgress(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"},
		Granularity: sdk.GranularityDay, TimeRange: last(90 * day), Limit: 300}
	var reports []sdk.Progress
	rows := collect(t, fake.Client(), q, sdk.WithConcurrency(8), sdk.WithProgress(func(p sdk.Progress) {
		reports = append(reports, p) // no lock: reports come one at a time, in order
	}))
	require.NotEmpty(t, reports)
	for i, p := range reports[1:] {
		prev := reports[i]
		assert.Equal(t, prev.Pages+1, p.Pages, "a report a page")
		assert.GreaterOrEqual(t, p.Covered, prev.Covered)
		assert.GreaterOrEqual(t, p.Rows, prev.Rows)
		assert.GreaterOrEqual(t, p.Fetched, prev.Fetched)
		assert.GreaterOrEqual(t, p.Requests, prev.Requests)
		assert.GreaterOrEqual(t, p.Elapsed, prev.Elapsed)
	}
	assert.Greater(t, reports[0].Rows, 0, "the first report already has rows")
	final := reports[len(reports)-1]
	assert.Equal(t, 1.0, final.Covered)
	assert.Equal(t, len(rows), final.Rows)
	assert.Equal(t, len(fake.Requests()), final.Requests)
	assert.GreaterOrEqual(t, final.Fetched, final.Rows)
}

// Under a flaky API (45% of requests fail in mixed ways), every row still
// comes, in order, on each of a few seeds.
func TestQueryAllUnderChaos(t *testing.T) {
	t.Parallel()

	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
		Granularity: sdk.GranularityHour, TimeRange: last(10 * day), Limit: 500}
	for seed := uint64(1); seed <= 3; seed++ {
		fake := analyticstest.NewServer(t, analyticstest.WithoutRequestLog(), analyticstest.WithChaos(analyticstest.ChaosConfig{
			Seed: seed, Rate: 0.45, RetryAfter: "0",
			Faults: []analyticstest.ChaosFault{analyticstest.Chaos503, analyticstest.Chaos429, analyticstest.ChaosHTML500,
				analyticstest.ChaosResetBeforeHeaders, analyticstest.ChaosResetMidBody, analyticstest.ChaosTruncatedBody},
		}))
		want, err := fake.QueryUncapped(q)
		require.NoError(t, err)
		c := fake.Client(sdk.WithMaxRetries(20), retrytest.Fast(),
			sdk.WithRetryBudget(sdk.RetryBudget{Disabled: true}))
		got := collect(t, c, q)
		assert.Equal(t, rowTexts(t, want.Data), rowTexts(t, got), "seed %d", seed)
	}
}
