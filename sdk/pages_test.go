package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/series"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// These tests page through a small handwritten server (internal/series),
// not the fake: each pins one way a server may answer a little
// differently, where QueryAll must still give every row or an error.

var seriesStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

// seriesClient serves s on loopback.
func seriesClient(t *testing.T, s *series.Server, opts ...sdk.Option) *sdk.Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	// The series' data lies in the past and it answers a query without a
	// range over all of it: the client sends such a query as it is.
	w := sdk.DefaultWindows()
	w.Default = 0
	c, err := sdk.NewClient(append([]sdk.Option{sdk.WithAPIKey(testKey), sdk.WithBaseURL(srv.URL), sdk.WithMaxRetries(0), sdk.WithWindows(w)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// whole is the complete answer of s to q: one uncapped response.
func whole(t *testing.T, s *series.Server, q sdk.QueryRequest) []string {
	t.Helper()
	uncapped := s.Config
	uncapped.PageRows = 1 << 30
	q.Limit = 0 // the uncapped server's default: everything
	res, err := seriesClient(t, series.New(uncapped)).QueryAnalytics(t.Context(), q)
	require.NoError(t, err)
	require.False(t, res.Metadata.Truncated)
	return rowTexts(t, res.Data)
}

// drain runs QueryAll to its end: the rows, and the error it ended with.
func drain(ctx context.Context, c *sdk.Client, q sdk.QueryRequest, opts ...sdk.CallOption) ([]sdk.Row, error) {
	var rows []sdk.Row
	for r, err := range c.QueryAll(ctx, q, opts...) {
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func TestAGranularityThisVersionDoesNotKnow(t *testing.T) {
	t.Parallel()

	s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 70), Users: 3, PageRows: 4})
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: "fortnight"}
	want := whole(t, s, q)
	require.Len(t, want, 18, "6 fortnights of 3 users")

	t.Run("without a range, truncated: an error that says to set one", func(t *testing.T) {
		rows, err := drain(t.Context(), seriesClient(t, s), q)
		var be *sdk.BucketError
		require.ErrorAs(t, err, &be, "got %d rows", len(rows))
		assert.Contains(t, err.Error(), `the end of the last "fortnight" bucket is unknown`)
		assert.Contains(t, err.Error(), "set a time range")
		assert.Empty(t, rows, "no partial answer")
	})
	t.Run("without a range, whole: every row", func(t *testing.T) {
		big := s.Config
		big.PageRows = 100
		rows, err := drain(t.Context(), seriesClient(t, series.New(big)), q)
		require.NoError(t, err)
		assert.Equal(t, want, rowTexts(t, rows))
	})
	t.Run("with a range: every row, cut where the server's keys say", func(t *testing.T) {
		for _, dir := range []sdk.OrderDirection{sdk.Asc, sdk.Desc} {
			q := q
			q.TimeRange = sdk.TimeRange{Start: s.Start, End: s.End}
			q.OrderBy = sdk.OrderBy{Field: "date", Direction: dir}
			rows, err := drain(t.Context(), seriesClient(t, s), q)
			require.NoError(t, err)
			assert.ElementsMatch(t, want, rowTexts(t, rows), dir)
		}
	})
}

func TestRowsWithoutTheirBucketColumn(t *testing.T) {
	t.Parallel()

	for _, pageRows := range []int{5, 1000} {
		s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 2), Users: 3, PageRows: pageRows, NoKey: true})
		rows, err := drain(t.Context(), seriesClient(t, s), sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityHour})
		var be *sdk.BucketError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, 0, be.Row)
		assert.Contains(t, err.Error(), `row 0: has no "date__hour" column`)
		assert.Empty(t, rows)
	}
}

func TestBucketKeysThatDoNotSayWhereToCut(t *testing.T) {
	t.Parallel()

	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityDay,
		TimeRange: sdk.TimeRange{Start: seriesStart, End: seriesStart.AddDate(0, 0, 20)}}
	for name, tc := range map[string]struct {
		server  series.Config
		problem string
	}{
		"a key that is not a time": {series.Config{Key: func(time.Time) string { return "yesterday" }}, `row 0 (bucket "yesterday"): the bucket key is not a date or a time in a shape the service sends`},
		"rows out of date order":   {series.Config{UsersFirst: true}, "although the rows were asked in ascending date order"},
		"a key outside the range": {series.Config{Key: func(t time.Time) string { return t.AddDate(1, 0, 0).Format(time.RFC3339) }},
			"lies outside the range asked for"},
		"latest first asked, earliest first sent": {series.Config{Ascending: true}, "although the rows were asked in descending date order"},
	} {
		t.Run(name, func(t *testing.T) {
			s := tc.server
			s.Start, s.End, s.Users, s.PageRows = q.TimeRange.Start, q.TimeRange.End, 4, 10
			q := q
			if s.Ascending {
				q.OrderBy = sdk.OrderBy{Field: "date", Direction: sdk.Desc}
			}
			rows, err := drain(t.Context(), seriesClient(t, series.New(s)), q)
			var be *sdk.BucketError
			require.ErrorAs(t, err, &be, "got %d rows", len(rows))
			assert.Contains(t, err.Error(), tc.problem)
		})
	}
}

// Without a time range, the far edge of the data comes from a one-row
// request sorted the other way. A server that sorts ascending whatever
// is asked gets paged by its own keys up to now instead: every row. One
// asked for latest first gets an error (see TestBucketKeysThatDoNotSayWhereToCut).
func TestAServerThatDoesNotSortByDate(t *testing.T) {
	t.Parallel()

	s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 20), Users: 4, PageRows: 10, Ascending: true})
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityDay}
	want := whole(t, s, q)
	rows, err := drain(t.Context(), seriesClient(t, s), q)
	require.NoError(t, err)
	assert.Equal(t, want, rowTexts(t, rows))
}

// Bucket keys as ISO 8601 allows them beyond RFC 3339: a date alone, or
// a time without its zone (UTC).
func TestBucketKeysInOtherISOForms(t *testing.T) {
	t.Parallel()

	for name, key := range map[string]func(time.Time) string{
		"a date alone":     func(t time.Time) string { return t.Format("2006-01-02") },
		"no zone":          func(t time.Time) string { return t.Format("2006-01-02T15:04:05") },
		"an offset of +00": func(t time.Time) string { return t.Format("2006-01-02T15:04:05+00:00") },
	} {
		t.Run(name, func(t *testing.T) {
			s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 20), Users: 4, PageRows: 10, Key: key})
			q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityDay,
				TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
			rows, err := drain(t.Context(), seriesClient(t, s), q)
			require.NoError(t, err)
			assert.Equal(t, whole(t, s, q), rowTexts(t, rows))
		})
	}
}

// A server whose days start at 05:30 UTC (a local calendar) is paged by
// its own keys alone: every row, each bucket summed once.
func TestBucketsOffTheUTCCalendar(t *testing.T) {
	t.Parallel()

	const offset = 5*time.Hour + 30*time.Minute
	s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 30), Users: 5, PageRows: 12,
		Bucket: func(g string, t time.Time) (time.Time, bool) {
			b, ok := series.CalendarBucket(g, t.Add(-offset))
			return b.Add(offset), ok
		}})
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityDay,
		TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
	want := whole(t, s, q)
	rows, err := drain(t.Context(), seriesClient(t, s), q)
	require.NoError(t, err)
	assert.Equal(t, want, rowTexts(t, rows))
}

func TestWarningsReachTheCaller(t *testing.T) {
	t.Parallel()

	const warning = `filters[0]: model value "GPT-4o" could not be resolved`
	s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 10), Users: 10, PageRows: 500, Warnings: []string{warning}})
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
		Filters: []sdk.Filter{sdk.Eq("model", "GPT-4o")}, TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
	c := seriesClient(t, s)

	t.Run("on every page", func(t *testing.T) {
		pages := 0
		for p, err := range c.QueryPages(t.Context(), q) {
			require.NoError(t, err)
			assert.Equal(t, []string{warning}, p.Warnings)
			pages++
		}
		assert.Greater(t, pages, 3)
	})
	t.Run("once to QueryAll's handler, before the rows", func(t *testing.T) {
		var got []string
		rows := 0
		for _, err := range c.QueryAll(t.Context(), q, sdk.WithWarningHandler(func(w string) {
			assert.Zero(t, rows, "before the first row")
			got = append(got, w)
		})) {
			require.NoError(t, err)
			rows++
		}
		assert.Equal(t, []string{warning}, got)
		assert.Equal(t, s.Total("hour"), rows)
	})
	t.Run("as an error, with no rows", func(t *testing.T) {
		rows, err := drain(t.Context(), c, q, sdk.WithWarningsAsErrors())
		var we *sdk.WarningError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, []string{warning}, we.Warnings)
		assert.Empty(t, rows)
		_, err = c.QueryAnalytics(t.Context(), q, sdk.WithWarningsAsErrors())
		require.ErrorAs(t, err, &we)
	})
	t.Run("on an empty answer", func(t *testing.T) {
		empty := q
		empty.TimeRange = sdk.TimeRange{Start: s.End, End: s.End.AddDate(0, 0, 3)}
		var got []string
		rows, err := drain(t.Context(), c, empty, sdk.WithWarningHandler(func(w string) { got = append(got, w) }))
		require.NoError(t, err)
		assert.Empty(t, rows)
		assert.Equal(t, []string{warning}, got, "0 rows and the reason why")
		pages := 0
		for p, err := range c.QueryPages(t.Context(), empty) {
			require.NoError(t, err)
			assert.Equal(t, []string{warning}, p.Warnings)
			assert.Equal(t, empty.TimeRange, p.TimeRange)
			pages++
		}
		assert.Equal(t, 1, pages, "an empty answer is one empty page")
	})
}

// serveInMemory answers a memAPI's requests with a handler, for tests
// under synctest.
func serveInMemory(h http.Handler) func(int, *http.Request) (*http.Response, error) {
	h = http.StripPrefix("/api/v1", h)
	return func(_ int, req *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return rec.Result(), nil
	}
}

// WithTimeout bounds the whole export, not each of its requests.
func TestOneDeadlineForTheWholeExport(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 7), Users: 10, PageRows: 300, Delay: 200 * time.Millisecond})
		m := newMemAPI(serveInMemory(s))
		c := memClient(t, m)
		q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
			TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
		start := time.Now()
		rows, err := drain(t.Context(), c, q, sdk.WithTimeout(300*time.Millisecond), sdk.WithConcurrency(1))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 300*time.Millisecond, time.Since(start), "the call ends at its deadline")
		assert.Less(t, len(rows), s.Total("hour"))
		assert.LessOrEqual(t, m.calls(), 2, "a 200 ms request, and the one the deadline cut")
	})
}

// The export fetches a bounded window of pages ahead of a loop that
// stops to think, however many pages remain.
func TestFetchingAheadIsBounded(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 30), Users: 10, PageRows: 100})
		m := newMemAPI(serveInMemory(s))
		c := memClient(t, m)
		q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
			TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
		const concurrency = 2
		rows := 0
		for _, err := range c.QueryAll(t.Context(), q, sdk.WithConcurrency(concurrency)) {
			require.NoError(t, err)
			if rows++; rows == 1 {
				time.Sleep(time.Hour) // every worker runs until the window stops it
				assert.LessOrEqual(t, m.calls(), 1+2*concurrency+1, "the first page, the window and one past it")
			}
		}
		assert.Equal(t, s.Total("hour"), rows)
		assert.Greater(t, m.calls(), 60)
	})
}

// Each row is decoded about once: a response cut inside its last bucket
// costs that bucket's rows again, not the whole response.
func TestRowsAreDecodedAboutOnce(t *testing.T) {
	t.Parallel()

	s := series.New(series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, 30), Users: 100})
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
		TimeRange: sdk.TimeRange{Start: s.Start, End: s.End}}
	var last sdk.Progress
	rows, err := drain(t.Context(), seriesClient(t, s), q, sdk.WithProgress(func(p sdk.Progress) { last = p }))
	require.NoError(t, err)
	require.Equal(t, 72_000, len(rows))
	assert.Equal(t, s.Rows(), last.Fetched, "Progress counts what the server sent")
	assert.LessOrEqual(t, float64(s.Rows())/float64(len(rows)), 1.3, "decoded per delivered")
	assert.LessOrEqual(t, s.Requests(), 14, "about one request per 8,000 rows")
}

func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()

	c, err := sdk.NewClient(sdk.WithAPIKey(testKey))
	require.NoError(t, err)
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityDay}
	for _, n := range []int{0, -1, sdk.MaxConcurrency + 1, 1 << 40} {
		_, err := drain(t.Context(), c, q, sdk.WithConcurrency(n))
		var ve *sdk.ValidationError
		require.ErrorAs(t, err, &ve, n)
		assert.Equal(t, "WithConcurrency", ve.Field)
		assert.Contains(t, ve.Problem, "must be from 1 to 32")
	}
	_, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithConcurrency(0))
	require.Error(t, err, "refused as a client default too")
}

func TestGroupLimitIsRefused(t *testing.T) {
	t.Parallel()

	c, err := sdk.NewClient(sdk.WithAPIKey(testKey))
	require.NoError(t, err)
	_, err = drain(t.Context(), c, sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
		Granularity: sdk.GranularityDay, GroupLimit: 5})
	var ve *sdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "group_limit", ve.Field)
	assert.True(t, errors.As(err, &ve))
}

// Every shape at once: each granularity, both date orders, with and
// without a time range (and with ragged ends), on the UTC calendar and
// off it. The answer is always the whole one, in order.
func TestEveryShapeIsExact(t *testing.T) {
	t.Parallel()

	const offset = 5*time.Hour + 30*time.Minute
	local := func(g string, t time.Time) (time.Time, bool) {
		b, ok := series.CalendarBucket(g, t.Add(-offset))
		return b.Add(offset), ok
	}
	for _, g := range []sdk.Granularity{sdk.GranularityHour, sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth} {
		days, pageRows := 200, 40
		if g == sdk.GranularityHour {
			days = 10
		}
		for _, offCalendar := range []bool{false, true} {
			cfg := series.Config{Start: seriesStart, End: seriesStart.AddDate(0, 0, days), Users: 3, PageRows: pageRows}
			if offCalendar {
				cfg.Bucket = local
			}
			ragged := sdk.TimeRange{Start: cfg.Start.Add(90 * time.Minute), End: cfg.End.Add(-3*24*time.Hour - 7*time.Hour)}
			for _, tr := range []sdk.TimeRange{{}, {Start: cfg.Start, End: cfg.End}, ragged} {
				for _, dir := range []sdk.OrderDirection{sdk.Asc, sdk.Desc} {
					name := fmt.Sprintf("%s/off-calendar=%v/range=%v/%s", g, offCalendar, tr != (sdk.TimeRange{}), dir)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						s := series.New(cfg)
						q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: g,
							TimeRange: tr, OrderBy: sdk.OrderBy{Field: "date", Direction: dir}}
						want := whole(t, s, q)
						var info sdk.ResponseInfo
						rows, err := drain(t.Context(), seriesClient(t, s), q, sdk.WithResponseInto(&info))
						require.NoError(t, err)
						require.Equal(t, want, rowTexts(t, rows))
						assert.Equal(t, s.Requests(), info.Attempts, "ResponseInfo counts every request of the export")
						assert.Equal(t, 200, info.StatusCode)
						assert.LessOrEqual(t, float64(s.Rows()), 1.3*float64(len(rows))+float64(pageRows), "decoded about once")
					})
				}
			}
		}
	}
}
