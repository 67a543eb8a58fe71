package sdk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// handlerDoer sends requests straight to a handler, in memory, so that
// synctest's clock runs the fake's rate limit and the client's pacer.
type handlerDoer struct {
	h       http.Handler
	refused atomic.Int64 // 429s
	sent    atomic.Int64
	// latency, when set, is how long the n-th request (from 0) takes to
	// reach the handler.
	latency func(n int64) time.Duration
	started atomic.Int64
}

func (d *handlerDoer) Do(req *http.Request) (*http.Response, error) {
	if d.latency != nil {
		time.Sleep(d.latency(d.started.Add(1) - 1))
	}
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	d.sent.Add(1)
	if rec.Code == http.StatusTooManyRequests {
		d.refused.Add(1)
	}
	return rec.Result(), nil
}

// pacedQuery needs about 150 requests: hourly rows by user over ten days,
// 40 rows a request.
func pacedQuery() sdk.QueryRequest {
	end := analyticstest.DefaultEnd
	return sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
		TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -10), End: end}, Limit: 40}
}

// A client paces itself under the service's 64 requests a minute: an
// export of over 100 requests gets every row, and the server refuses
// none of them.
func TestAPacedExportCausesNoRefusal(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		fake := analyticstest.NewHandler(analyticstest.WithLimits(analyticstest.ServiceLimits()), analyticstest.WithoutRequestLog())
		doer := &handlerDoer{h: fake}
		c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL("https://api.test/api/v1"), sdk.WithHTTPClient(doer))
		require.NoError(t, err)
		q := pacedQuery()
		want, err := fake.QueryUncapped(q)
		require.NoError(t, err)

		start := time.Now()
		var last sdk.Progress
		rows, err := drain(t.Context(), c, q, sdk.WithProgress(func(p sdk.Progress) { last = p }))
		took := time.Since(start)
		require.NoError(t, err)
		assert.Equal(t, rowKeys(t, want.Data), rowKeys(t, rows), "every row")
		sent := doer.sent.Load()
		require.GreaterOrEqual(t, sent, int64(100))
		assert.Zero(t, doer.refused.Load(), "no request refused")
		// The first 64 go at once, then one each time the oldest leaves
		// the minute: a minute for every 64 after them.
		minutes := time.Duration((sent-1)/64) * time.Minute
		assert.GreaterOrEqual(t, took, minutes)
		assert.Less(t, took, minutes+time.Minute)
		assert.Positive(t, last.Paced, "Progress says why it took minutes")
		t.Logf("%d requests, %d rows, 0 refusals, %s of virtual time, %s waited for the pacer in all", sent, len(rows), took, last.Paced)
	})
}

// Without the pacer, the same export meets 429s; each one's Retry-After
// holds the client's requests as the pacer would, so the export still
// gets every row, and no wait counts against the retry budget.
func TestA429IsWaitedOutAsTheRateLimit(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		fake := analyticstest.NewHandler(analyticstest.WithLimits(analyticstest.ServiceLimits()), analyticstest.WithoutRequestLog())
		doer := &handlerDoer{h: fake}
		c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL("https://api.test/api/v1"), sdk.WithHTTPClient(doer),
			sdk.WithRateLimit(1000, time.Minute)) // faster than the server takes
		require.NoError(t, err)
		q := pacedQuery()
		want, err := fake.QueryUncapped(q)
		require.NoError(t, err)
		rows, err := drain(t.Context(), c, q, sdk.WithConcurrency(1))
		require.NoError(t, err)
		assert.Len(t, rows, len(want.Data))
		assert.Positive(t, doer.refused.Load())
		t.Logf("%d requests, %d refused and waited out", doer.sent.Load(), doer.refused.Load())
	})
}

// The pacer holds across goroutines and calls: 200 single queries from
// 8 goroutines take three minutes, and none is refused.
func TestThePacerIsTheClients(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		fake := analyticstest.NewHandler(analyticstest.WithLimits(analyticstest.ServiceLimits()), analyticstest.WithoutRequestLog())
		doer := &handlerDoer{h: fake}
		c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL("https://api.test/api/v1"), sdk.WithHTTPClient(doer))
		require.NoError(t, err)
		start := time.Now()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 25 {
					_, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}})
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		assert.Zero(t, doer.refused.Load())
		assert.Equal(t, 3*time.Minute, time.Since(start).Truncate(time.Minute))
	})
}

// Requests that take different times to reach the server cause no
// refusal either: a slot is freed a minute after its answer, not after
// its send, so a slow request and the fast one 64 later never meet in
// one of the server's minutes.
func TestNetworkJitterCausesNoRefusal(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		fake := analyticstest.NewHandler(analyticstest.WithLimits(analyticstest.ServiceLimits()), analyticstest.WithoutRequestLog())
		// 0 to 900 ms on the way, in no order.
		doer := &handlerDoer{h: fake, latency: func(n int64) time.Duration { return time.Duration(n*7%10) * 100 * time.Millisecond }}
		c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL("https://api.test/api/v1"), sdk.WithHTTPClient(doer))
		require.NoError(t, err)
		start := time.Now()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 25 {
					_, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}})
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int64(200), doer.sent.Load(), "no request sent twice")
		assert.Zero(t, doer.refused.Load())
		// The cost: each slot's minute starts at its answer, up to 0.9 s
		// late, and a slot serves up to four requests, one after another,
		// in whatever order the callers reach it (which varies from run to
		// run: 3m2.1s to 3m4.4s were seen): under 6 s in all.
		took := time.Since(start)
		assert.GreaterOrEqual(t, took, 3*time.Minute)
		assert.Less(t, took, 3*time.Minute+6*time.Second)
		t.Logf("200 requests with 0-900 ms of jitter: 0 refusals, %s of virtual time", took)
	})
}

// A wait for the pacer that would pass the call's deadline is not begun.
func TestAPacerWaitPastTheDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(200, queryBody))
		c := memClient(t, m, sdk.WithRateLimit(1, time.Hour))
		_, err := c.QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err)
		start := time.Now()
		_, err = c.QueryAnalytics(t.Context(), simpleQuery, sdk.WithTimeout(time.Minute))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "for the rate limit (1 requests in 1h0m0s) would pass the call's deadline")
		assert.Zero(t, time.Since(start))
		assert.Equal(t, 1, m.calls())
	})
}

// Hostile rate headers are bounded: a reset far off, in the past, or
// garbage holds nothing.
func TestRateHeadersAreBounded(t *testing.T) {
	t.Parallel()

	for _, h := range []map[string]string{
		{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999999999999"},
		{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}, // one second from now
		{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "-5"},
		{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"},
		{"X-RateLimit-Remaining": "0", "RateLimit-Reset": "100000"},
		{"X-RateLimit-Remaining": "garbage", "X-RateLimit-Reset": "30"},
	} {
		synctest.Test(t, func(t *testing.T) {
			var header []string
			for k, v := range h {
				header = append(header, k, v)
			}
			m := newMemAPI(always(200, queryBody, header...))
			c := memClient(t, m)
			start := time.Now()
			for range 3 {
				_, err := c.QueryAnalytics(t.Context(), simpleQuery)
				require.NoError(t, err)
			}
			assert.LessOrEqual(t, time.Since(start), 2*time.Second, "%v", h)
		})
	}
	// A reset the service names that is near is kept: every request waits.
	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(200, queryBody, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "30"))
		c := memClient(t, m)
		start := time.Now()
		for range 3 {
			_, err := c.QueryAnalytics(t.Context(), simpleQuery)
			require.NoError(t, err)
		}
		assert.Equal(t, time.Minute, time.Since(start))
	})
}
