package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/retrytest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

var sentinels = map[string]error{
	"ErrBadRequest": sdk.ErrBadRequest, "ErrUnauthorized": sdk.ErrUnauthorized, "ErrForbidden": sdk.ErrForbidden,
	"ErrRequestTimeout": sdk.ErrRequestTimeout, "ErrRateLimited": sdk.ErrRateLimited, "ErrServer": sdk.ErrServer,
}

// matched names the sentinels err matches.
func matched(err error) []string {
	var out []string
	for name, s := range sentinels {
		if errors.Is(err, s) {
			out = append(out, name)
		}
	}
	return out
}

func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// A 400 after two 503s says the operation, the attempts and the request
// id, and is a bad request only.
func TestFinalStatusAfterRetries(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
			id := "req-" + strconv.Itoa(n)
			if n <= 2 {
				return reply(503, errorBody(503, "overloaded"), "X-Request-Id", id), nil
			}
			return reply(400, errorBody(400, "bad"), "CF-Ray", "8f1e-"+id), nil
		})
		_, err := memClient(t, m).QueryAnalytics(t.Context(), simpleQuery)
		assert.Equal(t, "openrouter: POST /analytics/query: attempt 3: 400 Bad Request: bad (request id 8f1e-req-3); "+
			"before it: 503 Service Unavailable (x2)", err.Error())
		assert.Equal(t, []string{"ErrBadRequest"}, matched(err))
		assert.False(t, sdk.IsRetryable(err))
		var retryErr *sdk.RetryError
		require.ErrorAs(t, err, &retryErr)
		require.Len(t, retryErr.Attempts, 3)
		assert.Nil(t, retryErr.Reason, "not retried because a 400 never is")
		var earlier *sdk.ServiceUnavailableResponseError
		require.ErrorAs(t, retryErr.Attempts[0].Err, &earlier)
		assert.Equal(t, "req-1", earlier.RequestID)
	})
}

// A 500, then an attempt that never answers, under a 1 s deadline: the
// error tells the last attempt's story, and the 500 stays reachable.
func TestHangAfterA500(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				return reply(500, errorBody(500, "boom")), nil
			}
			<-req.Context().Done()
			return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: req.Context().Err()}
		})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := memClient(t, m).QueryAnalytics(ctx, simpleQuery)
		assert.Equal(t, "openrouter: POST /analytics/query: attempt 2: no response before the call's deadline (waiting for headers); "+
			"before it: 500 Internal Server Error; gave up: context deadline exceeded", err.Error())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var internal *sdk.InternalServerResponseError
		require.ErrorAs(t, err, &internal, "the earlier status is kept")
		assert.Equal(t, "boom", internal.Message)
		assert.Equal(t, []string{"ErrServer"}, matched(err))
		assert.True(t, sdk.IsRetryable(err), "a 500 is worth another call")
	})
}

// An attempt timeout names its phase and unwraps to the transport's error.
func TestAttemptTimeoutPhases(t *testing.T) {
	t.Parallel()

	hang := func(req *http.Request) error { <-req.Context().Done(); return req.Context().Err() }
	for _, tc := range []struct {
		phase  sdk.Phase
		answer func(int, *http.Request) (*http.Response, error)
		text   string
	}{
		{sdk.PhaseConnect, func(_ int, req *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: dialTimeout(hang(req))}}
		}, "no connection within the attempt timeout of 1s (connecting)"},
		{sdk.PhaseHeaders, func(_ int, req *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: hang(req)}
		}, "no response within the attempt timeout of 1s (waiting for headers)"},
		{sdk.PhaseBody, func(_ int, req *http.Request) (*http.Response, error) {
			r := reply(200, queryBody)
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(queryBody[:10]), readerFunc(func([]byte) (int, error) { return 0, hang(req) })))
			return r, nil
		}, "response body not read whole within the attempt timeout of 1s (reading the body)"},
	} {
		t.Run(string(tc.phase), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(tc.answer)
				_, err := memClient(t, m, sdk.WithMaxRetries(0), sdk.WithAttemptTimeout(time.Second)).QueryAnalytics(t.Context(), simpleQuery)
				var timeout *sdk.AttemptTimeoutError
				require.ErrorAs(t, err, &timeout)
				assert.Equal(t, tc.phase, timeout.Phase)
				assert.Equal(t, time.Second, timeout.Limit)
				assert.False(t, timeout.CallDeadline)
				assert.Equal(t, "openrouter: POST /analytics/query: "+tc.text, err.Error())
				require.NotNil(t, errors.Unwrap(timeout), "unwraps to the transport's error")
				assert.NotErrorIs(t, err, context.DeadlineExceeded, "the call itself had no deadline")
				assert.True(t, sdk.IsRetryable(err))
			})
		})
	}
}

// dialTimeout is what net reports for a dial cut by its context: its own
// timeout, not the context's error.
func dialTimeout(error) error { return os.ErrDeadlineExceeded }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestIsRetryable(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, false},
		{&url.Error{Op: "Post", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, false},
		{&sdk.ValidationError{Field: "metrics", Problem: "empty"}, false},
		{&sdk.AttemptTimeoutError{Limit: time.Second}, true},
		{&sdk.AttemptTimeoutError{CallDeadline: true}, false},
		{&sdk.OpenRouterDefaultError{APIError: sdk.APIError{StatusCode: 501}}, false},
		{&sdk.OpenRouterDefaultError{APIError: sdk.APIError{StatusCode: 404}}, false},
		{&sdk.OpenRouterDefaultError{APIError: sdk.APIError{StatusCode: 200}}, true},
		{&sdk.OpenRouterDefaultError{APIError: sdk.APIError{StatusCode: 520}}, true},
		{&sdk.RateLimitError{APIError: sdk.APIError{StatusCode: 429}}, true},
		{fmt.Errorf("wrapped: %w", &sdk.RequestTimeoutResponseError{APIError: sdk.APIError{StatusCode: 408}}), true},
	} {
		assert.Equal(t, tc.want, sdk.IsRetryable(tc.err), "%#v", tc.err)
	}
}

// A server that announces 200,000,000 bytes and sends 8 costs the whole
// call, all five attempts, what it sent, not what it announced.
//
// Not parallel: it measures the process's heap.
func TestLyingContentLengthCostsWhatItSent(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "200000000")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"data":`) // and the connection closes
	})
	c := newClient(t, s.URL)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.QueryAnalytics(t.Context(), simpleQuery)
	runtime.ReadMemStats(&after)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, s.requests(), 1+sdk.DefaultMaxRetries)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %.1f MiB for %d attempts", float64(allocated)/(1<<20), len(s.requests()))
	assert.Less(t, allocated, uint64(32<<20))
}

// Middleware sees every attempt, in order, and cannot lose the guard.
func TestMiddlewareSeesEveryAttempt(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(failing(2, 503))
		var order []string
		mw := func(name string) sdk.Middleware {
			return func(req *http.Request, next sdk.MiddlewareNext) (*http.Response, error) {
				order = append(order, name+">")
				resp, err := next(req)
				order = append(order, "<"+name)
				return resp, err
			}
		}
		c := memClient(t, m, sdk.WithMiddleware(mw("a")))
		var info sdk.ResponseInfo
		_, err := c.QueryAnalytics(t.Context(), simpleQuery, sdk.WithMiddleware(mw("b")), sdk.WithResponseInto(&info))
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat("a> b> <b <a ", 3), strings.Join(order, " ")+" ")
		assert.Equal(t, 3, info.Attempts)
		assert.Equal(t, 200, info.StatusCode)

		order = nil
		_, err = c.QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err)
		assert.Equal(t, []string{"a>", "<a"}, order, "a call's middleware is its own")
	})
}

// ExampleWithMiddleware times each attempt of a call.
func ExampleWithMiddleware() {
	fake := analyticstest.NewHandler()
	fake.Script(analyticstest.Status(503))
	api := httptest.NewServer(fake)
	defer api.Close()
	var attempts []string
	timing := func(req *http.Request, next sdk.MiddlewareNext) (*http.Response, error) {
		start := time.Now()
		resp, err := next(req)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		attempts = append(attempts, fmt.Sprintf("%s %s -> %d", req.Method, req.URL.Path, status))
		_ = time.Since(start) // log it, or feed a histogram
		return resp, err
	}
	client, _ := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(api.URL), sdk.WithMiddleware(timing),
		retrytest.Fast())
	_, err := client.GetAnalyticsMeta(context.Background())
	fmt.Println(strings.Join(attempts, "\n"), err)
	// Output:
	// GET /analytics/meta -> 503
	// GET /analytics/meta -> 200 <nil>
}

// WithResponseInto tells a success's facts without a custom doer, and is
// refused on a client.
func TestResponseInto(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-42")
		okHandler(w, r)
	})
	var info sdk.ResponseInfo
	_, err := newClient(t, s.URL).QueryAnalytics(t.Context(), simpleQuery, sdk.WithResponseInto(&info))
	require.NoError(t, err)
	assert.Equal(t, sdk.ResponseInfo{StatusCode: 200, Header: info.Header, RequestID: "req-42", Attempts: 1}, info)
	assert.Equal(t, "application/json", info.Header.Get("Content-Type"))

	_, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithResponseInto(&info))
	assert.EqualError(t, err, "openrouter: invalid request: WithResponseInto: is a per-call option; pass it to the call")
}

// A request id is printable ASCII and bounded, whatever the header holds.
func TestRequestIDIsBounded(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct{ header, want string }{
		{"abc-123", "abc-123"},
		{"  padded  ", "padded"},
		{"caf\u00e9\tx", "caf??x"},
		{strings.Repeat("x", 10_000), strings.Repeat("x", 128) + "..."},
	} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header()["X-Request-Id"] = []string{tc.header}
			writeJSON(w, 400, errorBody(400, "bad"))
		})
		_, err := newClient(t, s.URL).QueryAnalytics(t.Context(), simpleQuery)
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, tc.want, apiErr.RequestID)
		assert.NotContains(t, err.Error(), "\x01")
	}
}

// A wrapped doer that follows redirects on its own still cannot take the
// key off the base URL's host: the response is refused.
func TestRedirectGuardSurvivesAWrappedDoer(t *testing.T) {
	t.Parallel()

	other := newServer(t, okHandler)
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	redirector := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	})
	plain := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(plain.CloseIdleConnections)
	wrapped := sdk.HTTPDoerFunc(func(req *http.Request) (*http.Response, error) { return plain.Do(req) })
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(redirector.URL), sdk.WithHTTPClient(wrapped))
	require.NoError(t, err)
	_, err = c.GetAnalyticsMeta(t.Context())
	var re *sdk.RedirectError
	require.ErrorAs(t, err, &re)

	// An *http.Client with a CheckRedirect of its own keeps the guard too.
	own := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	t.Cleanup(own.CloseIdleConnections)
	c, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(redirector.URL), sdk.WithHTTPClient(own))
	require.NoError(t, err)
	_, err = c.GetAnalyticsMeta(t.Context())
	require.ErrorAs(t, err, &re)
	for _, r := range other.requests() {
		assert.Empty(t, r.Header.Get("Authorization"), "the other host never saw the key")
	}
}

// The catalog is fetched again after its TTL, and once, shared, for a
// name it does not know; then the name is accepted or refused.
func TestCatalogKeepsUp(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		var metric atomic.Value
		metric.Store("request_count")
		m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
			time.Sleep(10 * time.Millisecond) // virtual: lets concurrent callers meet the fetch in flight
			body := strings.Replace(metaBody, `"request_count"`, strconv.Quote(metric.Load().(string)), 1)
			return reply(200, body), nil
		})
		c := memClient(t, m, sdk.WithCatalogTTL(time.Hour))
		_, err := c.Catalog(t.Context())
		require.NoError(t, err)
		_, err = c.Catalog(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, m.calls(), "kept within the TTL")

		time.Sleep(time.Hour)
		_, err = c.Catalog(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 2, m.calls(), "fetched again after the TTL")

		// The service adds a metric; ten concurrent checks of it share one fetch.
		metric.Store("new_metric")
		q := sdk.QueryRequest{Metrics: []string{"new_metric"}}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { assert.NoError(t, c.CheckQuery(t.Context(), &q)) })
		}
		wg.Wait()
		assert.Equal(t, 3, m.calls(), "one shared refresh")

		// A name that is nowhere costs one refresh, then is refused.
		q = sdk.QueryRequest{Metrics: []string{"no_such_metric"}}
		err = c.CheckQuery(t.Context(), &q)
		var ve *sdk.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, 4, m.calls())

		_, err = c.RefreshCatalog(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 5, m.calls(), "on demand")

		_, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithCatalogTTL(0))
		assert.EqualError(t, err, "openrouter: invalid request: WithCatalogTTL: must be positive, got 0s")
	})
}

// The worst cases of a default client, pinned in virtual time; docs/sdk.md's
// table quotes these figures.
func TestWorstCases(t *testing.T) {
	t.Parallel()

	hang := func(req *http.Request) (*http.Response, error) {
		<-req.Context().Done()
		return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: req.Context().Err()}
	}
	for _, tc := range []struct {
		name     string
		answer   func(int, *http.Request) (*http.Response, error)
		min, max time.Duration
		attempts int
	}{
		{"never answers", func(_ int, req *http.Request) (*http.Response, error) { return hang(req) },
			time.Minute, time.Minute, 1},
		{"503 forever", always(503, errorBody(503, "down")),
			3046875 * time.Microsecond, 5078125 * time.Microsecond, 5},
		{"429 with Retry-After: 3600", always(429, errorBody(429, "slow"), "Retry-After", "3600"),
			0, 0, 1},
		{"429 with Retry-After: 55, then a hang", func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				return reply(429, errorBody(429, "slow"), "Retry-After", "55"), nil
			}
			return hang(req)
		}, 115 * time.Second, 115 * time.Second, 2},
		// Each wait is the rate limiter's, outside the retry budget.
		{"429 with Retry-After: 60 forever", always(429, errorBody(429, "slow"), "Retry-After", "60"),
			4 * time.Minute, 4 * time.Minute, 5},
		{"a hang after a 503", func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				return reply(503, errorBody(503, "down")), nil
			}
			return hang(req)
		}, 60375 * time.Millisecond, 60625 * time.Millisecond, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(tc.answer)
				start := time.Now()
				_, err := memClient(t, m).QueryAnalytics(context.Background(), simpleQuery)
				took := time.Since(start)
				require.Error(t, err)
				t.Logf("%s: %s, %d attempts: %v", tc.name, took, m.calls(), err)
				assert.GreaterOrEqual(t, took, tc.min)
				assert.LessOrEqual(t, took, tc.max)
				assert.Equal(t, tc.attempts, m.calls())
				assert.LessOrEqual(t, took, sdk.DefaultBackoff().MaxElapsedTime+sdk.DefaultAttemptTimeout+sdk.DefaultMaxRetries*time.Minute, "the bound of every default call")
			})
		})
	}
}
