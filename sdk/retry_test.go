package sdk_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Every test here that waits runs under testing/synctest against memAPI:
// the waits are exact virtual time, and no test sleeps.

func TestRetriedStatuses(t *testing.T) {
	t.Parallel()

	for _, status := range []int{408, 429, 500, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(failing(2, status))
				res, err := memClient(t, m).QueryAnalytics(t.Context(), simpleQuery)
				require.NoError(t, err)
				assert.Len(t, res.Data, 1)
				assert.Equal(t, 3, m.calls())
			})
		})
	}
}

func TestNeverRetriedStatuses(t *testing.T) {
	t.Parallel()

	for _, status := range []int{400, 401, 403, 404, 422, 501} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(failing(5, status))
				_, err := memClient(t, m).QueryAnalytics(t.Context(), simpleQuery)
				var apiErr *sdk.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, status, apiErr.StatusCode)
				assert.Equal(t, 1, m.calls())
				var retryErr *sdk.RetryError
				assert.False(t, errors.As(err, &retryErr), "nothing was retried: %v", err)
			})
		})
	}
}

// The default policy against an API that is down for good: five
// attempts, about four seconds, and the typed 503 with what happened.
func TestDefaultPolicyAgainstAPermanent503(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(503, errorBody(503, "upstream overloaded")))
		c := memClient(t, m)
		start := time.Now()
		_, err := c.QueryAnalytics(context.Background(), simpleQuery)
		elapsed := time.Since(start)

		assert.Equal(t, 5, m.calls())
		assert.Less(t, elapsed, 2*time.Minute)
		// Nominal waits 0.5, 0.75, 1.125 and 1.6875 s, each ±25%.
		assert.GreaterOrEqual(t, elapsed, 3*time.Second)
		assert.LessOrEqual(t, elapsed, 5*time.Second)

		var unavailable *sdk.ServiceUnavailableResponseError
		require.ErrorAs(t, err, &unavailable)
		assert.Equal(t, 503, unavailable.StatusCode)
		var retryErr *sdk.RetryError
		require.ErrorAs(t, err, &retryErr)
		assert.Len(t, retryErr.Attempts, 5)
		assert.Zero(t, retryErr.Attempts[0].Wait)
		for _, a := range retryErr.Attempts[1:] {
			assert.Positive(t, a.Wait)
		}
		assert.Equal(t, "openrouter: POST /analytics/query: attempt 5: 503 Service Unavailable: upstream overloaded; "+
			"before it: 503 Service Unavailable (x4); gave up: no retries left (at most 4)", err.Error())
	})
}

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(failing(5, 503))
		backoff := sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: 4 * time.Second, MaxInterval: 12 * time.Second, Exponent: 2})
		_, err := memClient(t, m, sdk.WithMaxRetries(5), backoff).QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err)
		waits := m.waits()
		require.Len(t, waits, 5)
		// Nominal 4, 8, 12 (capped), 12, 12 s, each within ±25% and never past the cap.
		for i, nominal := range []time.Duration{4, 8, 12, 12, 12} {
			nominal *= time.Second
			assert.GreaterOrEqual(t, waits[i], nominal*3/4, "wait %d", i)
			assert.LessOrEqual(t, waits[i], min(nominal*5/4, 12*time.Second), "wait %d", i)
		}
	})
}

func TestRetryCap(t *testing.T) {
	t.Parallel()

	for _, retries := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(retries), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(always(500, errorBody(500, "Internal Server Error")))
				backoff := sdk.WithBackoff(sdk.BackoffStrategy{MaxElapsedTime: time.Hour})
				_, err := memClient(t, m, sdk.WithMaxRetries(retries), backoff).GetAnalyticsMeta(t.Context())
				var e *sdk.InternalServerResponseError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, retries+1, m.calls())
			})
		})
	}
}

// Retry-After is read from hostile input: each value either sets the
// wait, or falls back to the backoff schedule, or (when it asks for more
// than the budget) stops the retries at once. It never storms.
func TestRetryAfter(t *testing.T) {
	t.Parallel()

	// synctest's clock starts at midnight UTC, 2000-01-01: whole seconds.
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	backoff := func(t *testing.T, waits []time.Duration) {
		require.Len(t, waits, 1)
		assert.GreaterOrEqual(t, waits[0], 375*time.Millisecond)
		assert.LessOrEqual(t, waits[0], 625*time.Millisecond)
	}
	exactly := func(d time.Duration) func(*testing.T, []time.Duration) {
		return func(t *testing.T, waits []time.Duration) { assert.Equal(t, []time.Duration{d}, waits) }
	}
	for _, tc := range []struct {
		name, value string
		waits       func(*testing.T, []time.Duration) // nil: no retry at all
	}{
		{"seconds", "3", exactly(3 * time.Second)},
		{"shorter than the backoff", "0", backoff},
		{"with spaces", " 2 ", exactly(2 * time.Second)},
		{"date", epoch.Add(7 * time.Second).Format(http.TimeFormat), exactly(7 * time.Second)},
		{"negative", "-1", backoff},
		{"garbage", "soon", backoff},
		{"fraction", "1.5", backoff},
		{"past date", epoch.Add(-time.Hour).Format(http.TimeFormat), backoff},
		{"very long", strings.Repeat("9", 10_000), backoff},
		// A 429's wait up to the rate limiter's minute is the limiter's,
		// which every request keeps: not the retry budget's.
		{"the budget, as a rate limit", "60", exactly(60 * time.Second)},
		{"beyond the budget", "61", nil},
		{"overflows time.Duration", "10000000000", nil},
		{"overflows int64", "99999999999999999999999", nil},
		{"date beyond the budget", epoch.Add(24 * time.Hour).Format(http.TimeFormat), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(failing(1, 429, "Retry-After", tc.value))
				start := time.Now()
				_, err := memClient(t, m).QueryAnalytics(t.Context(), simpleQuery)
				if tc.waits != nil {
					require.NoError(t, err)
					tc.waits(t, m.waits())
					return
				}
				assert.Equal(t, 1, m.calls(), "no retry")
				assert.Zero(t, time.Since(start), "no wait")
				var rl *sdk.RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Greater(t, rl.RetryAfter, time.Minute)
				assert.Contains(t, err.Error(), "openrouter: POST /analytics/query: 429 Too Many Requests: try again; gave up: a wait of ")
				assert.Contains(t, err.Error(), "would pass the retry budget of 1m0s")
			})
		})
	}
}

func TestRateLimitErrorCarriesRetryAfter(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(429, errorBody(429, "slow down"), "Retry-After", "30"))
		_, err := memClient(t, m, sdk.WithMaxRetries(0)).QueryAnalytics(t.Context(), simpleQuery)
		var rl *sdk.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, 30*time.Second, rl.RetryAfter)
		assert.Equal(t, "slow down", rl.Message)
		assert.Equal(t, "openrouter: POST /analytics/query: 429 Too Many Requests: slow down", err.Error())

		m = newMemAPI(always(429, errorBody(429, "slow down"), "Retry-After", "10000000000"))
		_, err = memClient(t, m, sdk.WithMaxRetries(0)).QueryAnalytics(t.Context(), simpleQuery)
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, time.Duration(1<<63-1), rl.RetryAfter, "saturates, never overflows")
	})
}

// A Retry-After that ends past the context's deadline stops the retries
// at once, as context.DeadlineExceeded with the 503 as the cause.
func TestRetryAfterPastTheDeadline(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(503, errorBody(503, "upstream overloaded"), "Retry-After", "10"))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := memClient(t, m).QueryAnalytics(ctx, simpleQuery)
		assert.Zero(t, time.Since(start), "returns at once instead of sleeping into the deadline")
		assert.Equal(t, 1, m.calls())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 503, apiErr.StatusCode)
		assert.Equal(t, "openrouter: POST /analytics/query: 503 Service Unavailable: upstream overloaded; "+
			"gave up: a wait of 10s would pass the call's deadline: context deadline exceeded", err.Error())
	})
}

// When the context ends during a backoff wait, the error still says what
// the retries were for.
func TestCancelDuringBackoffKeepsTheCause(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(503, errorBody(503, "upstream overloaded")))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel) // during the first wait (375 ms at least)
		start := time.Now()
		_, err := memClient(t, m).QueryAnalytics(ctx, simpleQuery)
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "the wait ends with the context")
		assert.Equal(t, 1, m.calls())
		assert.ErrorIs(t, err, context.Canceled)
		var unavailable *sdk.ServiceUnavailableResponseError
		require.ErrorAs(t, err, &unavailable)
		assert.Equal(t, 503, unavailable.StatusCode)
		assert.Equal(t, "openrouter: POST /analytics/query: 503 Service Unavailable: upstream overloaded; gave up: context canceled", err.Error())
	})
}

// A deadline reached during a later attempt keeps the earlier 503.
func TestDeadlineDuringRetryKeepsTheCause(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				return reply(503, errorBody(503, "upstream overloaded")), nil
			}
			<-req.Context().Done() // the second attempt hangs
			return nil, req.Context().Err()
		})
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_, err := memClient(t, m).QueryAnalytics(ctx, simpleQuery)
		assert.Equal(t, 2, m.calls())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 503, apiErr.StatusCode)
		assert.Equal(t, "openrouter: POST /analytics/query: attempt 2: no response before the call's deadline (waiting for headers); "+
			"before it: 503 Service Unavailable; gave up: context deadline exceeded", err.Error())
		assert.ErrorIs(t, err, sdk.ErrServer, "the 503 decides the class")
		var timeout *sdk.AttemptTimeoutError
		require.ErrorAs(t, err, &timeout, "the last attempt's own story")
		assert.True(t, timeout.CallDeadline)
		assert.Equal(t, sdk.PhaseHeaders, timeout.Phase)
	})
}

// A server that accepts and never answers costs one attempt timeout per
// attempt, not the call's whole budget.
func TestStalledServerWithAttemptTimeout(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(_ int, req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: req.Context().Err()}
		})
		c := memClient(t, m, sdk.WithAttemptTimeout(2*time.Second), sdk.WithMaxRetries(2))
		start := time.Now()
		_, err := c.QueryAnalytics(context.Background(), simpleQuery)
		elapsed := time.Since(start)
		assert.Equal(t, 3, m.calls())
		// Three attempts of 2 s, and waits of 0.5 and 0.75 s ±25%.
		assert.GreaterOrEqual(t, elapsed, 6*time.Second+937500*time.Microsecond)
		assert.LessOrEqual(t, elapsed, 6*time.Second+1562500*time.Microsecond)
		var timeout *sdk.AttemptTimeoutError
		require.ErrorAs(t, err, &timeout)
		assert.Equal(t, 2*time.Second, timeout.Limit)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "the call itself had no deadline")
		assert.Equal(t, "openrouter: POST /analytics/query: attempt 3: no response within the attempt timeout of 2s (waiting for headers); "+
			"before it: no response within the attempt timeout of 2s (waiting for headers) (x2); gave up: no retries left (at most 2)", err.Error())
	})
}

// The default attempt timeout applies without any option.
func TestDefaultAttemptTimeout(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(_ int, req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		start := time.Now()
		_, err := memClient(t, m, sdk.WithMaxRetries(0)).GetAnalyticsMeta(context.Background())
		assert.Equal(t, sdk.DefaultAttemptTimeout, time.Since(start))
		var timeout *sdk.AttemptTimeoutError
		require.ErrorAs(t, err, &timeout)
	})
}

// A slow server, a 503 and a 429 can be told apart from the error alone.
func TestRetryErrorsTellWhatHappened(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		cfg := sdk.WithMaxRetries(1)
		slow := newMemAPI(func(_ int, req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		_, errSlow := memClient(t, slow, cfg, sdk.WithAttemptTimeout(time.Second)).GetAnalyticsMeta(t.Context())
		_, err503 := memClient(t, newMemAPI(always(503, errorBody(503, "overloaded"))), cfg).GetAnalyticsMeta(t.Context())
		_, err429 := memClient(t, newMemAPI(always(429, errorBody(429, "slow down"))), cfg).GetAnalyticsMeta(t.Context())

		assert.Equal(t, "openrouter: GET /analytics/meta: attempt 2: no response within the attempt timeout of 1s (waiting for headers); "+
			"before it: no response within the attempt timeout of 1s (waiting for headers); gave up: no retries left (at most 1)", errSlow.Error())
		assert.Equal(t, "openrouter: GET /analytics/meta: attempt 2: 503 Service Unavailable: overloaded; "+
			"before it: 503 Service Unavailable; gave up: no retries left (at most 1)", err503.Error())
		assert.Equal(t, "openrouter: GET /analytics/meta: attempt 2: 429 Too Many Requests: slow down; "+
			"before it: 429 Too Many Requests; gave up: no retries left (at most 1)", err429.Error())
		assert.ErrorAs(t, errSlow, new(*sdk.AttemptTimeoutError))
		assert.ErrorAs(t, err503, new(*sdk.ServiceUnavailableResponseError))
		assert.ErrorAs(t, err429, new(*sdk.RateLimitError))
		assert.NotErrorAs(t, errSlow, new(*sdk.APIError))
		assert.NotErrorAs(t, err503, new(*sdk.RateLimitError))
	})
}

func TestMaxElapsedTimeBoundsTheRetries(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(always(502, "", "Content-Type", "text/html"))
		backoff := sdk.WithBackoff(sdk.BackoffStrategy{
			InitialInterval: time.Second, MaxInterval: time.Second, MaxElapsedTime: 10 * time.Second,
		})
		start := time.Now()
		_, err := memClient(t, m, sdk.WithMaxRetries(100), backoff).QueryAnalytics(t.Context(), simpleQuery)
		assert.LessOrEqual(t, time.Since(start), 10*time.Second)
		assert.GreaterOrEqual(t, m.calls(), 9) // waits of 0.75 to 1 s
		assert.LessOrEqual(t, m.calls(), 14)
		assert.Contains(t, err.Error(), "would pass the retry budget of 10s")
	})
}

func TestPOSTBodyResentIntact(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(failing(2, 502))
		q := sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Filters: []sdk.Filter{sdk.In("model", "a", "b")},
			TimeRange: sdk.TimeRange{Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}}
		_, err := memClient(t, m).QueryAnalytics(t.Context(), q)
		require.NoError(t, err)
		require.Len(t, m.bodies, 3)
		assert.JSONEq(t, `{"metrics":["request_count","total_usage"],"filters":[{"field":"model","operator":"in","value":["a","b"]}],`+
			`"time_range":{"start":"2026-03-01T00:00:00Z","end":"2026-03-02T00:00:00Z"}}`, m.bodies[0])
		assert.Equal(t, m.bodies[0], m.bodies[1])
		assert.Equal(t, m.bodies[0], m.bodies[2])
	})
}

func TestPerCallRetriesBeatClientConfig(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(failing(1, 503))
		c := memClient(t, m, sdk.WithMaxRetries(0))
		_, err := c.GetAnalyticsMeta(t.Context())
		require.Error(t, err, "client-wide: no retries")
		assert.Equal(t, 1, m.calls())

		m = newMemAPI(failing(1, 503))
		c = memClient(t, m, sdk.WithMaxRetries(0))
		_, err = c.GetAnalyticsMeta(t.Context(), sdk.WithMaxRetries(sdk.DefaultMaxRetries))
		require.NoError(t, err, "per call: the default policy")
		assert.Equal(t, 2, m.calls())

		m = newMemAPI(failing(1, 503))
		_, err = memClient(t, m).GetAnalyticsMeta(t.Context(), sdk.WithMaxRetries(0))
		require.Error(t, err, "per call: none")
		assert.Equal(t, 1, m.calls())
	})
}

// Setting only the backoff keeps the default count and connection
// errors retried.
func TestZeroFieldsMeanTheDefaults(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		reset := func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
			}
			return okReply(req), nil
		}
		m := newMemAPI(reset)
		_, err := memClient(t, m, sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: time.Second})).QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err)
		assert.Equal(t, 2, m.calls())

		m = newMemAPI(reset)
		_, err = memClient(t, m, sdk.WithoutConnectionRetries()).QueryAnalytics(t.Context(), simpleQuery)
		assert.ErrorIs(t, err, syscall.ECONNRESET)
		assert.Equal(t, 1, m.calls(), "opted out")

		m = newMemAPI(failing(1, 503))
		_, err = memClient(t, m, sdk.WithoutConnectionRetries()).QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err, "statuses are still retried")
	})
}

func TestBadRetryConfigIsRefused(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		cfg  sdk.CallOption
		want string
	}{
		{sdk.WithMaxRetries(-1), "max retries: must not be negative, got -1 (0 sends each request once)"},
		{sdk.WithMaxRetries(101), "max retries: must be at most 100, got 101"},
		{sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: -time.Second}), "backoff: InitialInterval: must not be negative, got -1s"},
		{sdk.WithBackoff(sdk.BackoffStrategy{MaxInterval: -1}), "backoff: MaxInterval: must not be negative, got -1ns"},
		{sdk.WithBackoff(sdk.BackoffStrategy{MaxElapsedTime: -1}), "backoff: MaxElapsedTime: must not be negative, got -1ns"},
		{sdk.WithBackoff(sdk.BackoffStrategy{Exponent: 0.5}), "backoff: Exponent: must be from 1 to 100, got 0.5"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := sdk.NewClient(sdk.WithAPIKey(testKey), tc.cfg)
			var ve *sdk.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "openrouter: invalid request: "+tc.want, err.Error())

			m := newMemAPI(always(200, queryBody))
			_, err = memClient(t, m).QueryAnalytics(t.Context(), simpleQuery, tc.cfg)
			require.ErrorAs(t, err, &ve)
			assert.Zero(t, m.calls(), "nothing sent")
		})
	}
	_, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithAttemptTimeout(-time.Second))
	assert.EqualError(t, err, "openrouter: invalid request: attempt timeout: must not be negative, got -1s")
	_, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithTimeout(-time.Second))
	assert.EqualError(t, err, "openrouter: invalid request: timeout: must not be negative, got -1s")
}

// Only failures another attempt may fix are retried: an allowlist.
func TestConnectionErrors(t *testing.T) {
	t.Parallel()

	opErr := func(err error) error { return &net.OpError{Op: "read", Net: "tcp", Err: err} }
	for _, tc := range []struct {
		name  string
		err   error
		retry bool
	}{
		{"refused", opErr(syscall.ECONNREFUSED), true},
		{"reset", opErr(syscall.ECONNRESET), true},
		{"aborted", opErr(syscall.ECONNABORTED), true},
		{"broken pipe", opErr(syscall.EPIPE), true},
		{"EOF", io.EOF, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"timeout", opErr(timeoutError{}), true},
		{"DNS timeout", &net.DNSError{Err: "timeout", Name: "api.test", IsTimeout: true}, true},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "api.test", IsNotFound: true}, false},
		{"TLS alert", opErr(tls.AlertError(70)), false},
		{"TLS record", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, false},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false},
		{"hostname", x509.HostnameError{Host: "api.test", Certificate: &x509.Certificate{}}, false},
		{"other", errors.New("malformed HTTP response"), false},
		{"other net.OpError", opErr(errors.New("protocol error")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
					if n == 1 {
						return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: tc.err}
					}
					return okReply(req), nil
				})
				_, err := memClient(t, m).QueryAnalytics(t.Context(), simpleQuery)
				if tc.retry {
					require.NoError(t, err)
					assert.Equal(t, 2, m.calls())
					return
				}
				assert.ErrorIs(t, err, tc.err)
				assert.Equal(t, 1, m.calls())
				assert.True(t, strings.HasPrefix(err.Error(), "openrouter: POST /analytics/query: "), err.Error())
			})
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string { return "i/o timeout" }
func (timeoutError) Timeout() bool { return true }

// A body cut short is retried like a reset.
func TestBodyCutShortIsRetried(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				r := reply(200, queryBody)
				r.Body = &cutBody{r: bytes.NewReader([]byte(queryBody[:20])), err: io.ErrUnexpectedEOF}
				return r, nil
			}
			return okReply(req), nil
		})
		res, err := memClient(t, m).QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err)
		assert.Len(t, res.Data, 1)
		assert.Equal(t, 2, m.calls())
	})
}

// TLS failures are permanent: one attempt each, over real loopback TLS.
func TestTLSFailuresAreNotRetried(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name           string
		server, client *tls.Config
		want           string
	}{
		{"version mismatch", &tls.Config{MinVersion: tls.VersionTLS13},
			&tls.Config{MaxVersion: tls.VersionTLS12, InsecureSkipVerify: true}, //nolint:gosec // the mismatch is the point
			"protocol version"},
		{"untrusted certificate", nil, nil, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewUnstartedServer(http.HandlerFunc(okHandler))
			s.TLS = tc.server
			s.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
			s.StartTLS()
			defer s.Close()
			tr := &http.Transport{TLSClientConfig: tc.client}
			defer tr.CloseIdleConnections()
			var attempts atomic.Int32
			doer := sdk.HTTPDoerFunc(func(req *http.Request) (*http.Response, error) {
				attempts.Add(1)
				return (&http.Client{Transport: tr}).Do(req)
			})
			c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(s.URL), sdk.WithHTTPClient(doer))
			require.NoError(t, err)
			_, err = c.GetAnalyticsMeta(t.Context())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, int32(1), attempts.Load())
		})
	}
}

// A real reset over loopback is retried. Its one wait is 1 ns long.
func TestConnectionResetOverLoopbackIsRetried(t *testing.T) {
	t.Parallel()

	var calls atomic.Int32
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0) // RST, not FIN
				_ = conn.Close()
			}
			return
		}
		okHandler(w, r)
	})
	c := newClient(t, s.URL)
	res, err := c.QueryAnalytics(t.Context(), simpleQuery)
	require.NoError(t, err)
	assert.Len(t, res.Data, 1)
	assert.Equal(t, int32(2), calls.Load())
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

func TestLoggerRecordsAttempts(t *testing.T) {
	t.Parallel()

	var logs bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c := memClient(t, newMemAPI(failing(1, 503)), sdk.WithLogger(logger))
		_, err := c.QueryAnalytics(t.Context(), simpleQuery)
		require.NoError(t, err)
	})

	var records []map[string]any
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		records = append(records, rec)
	}
	require.Len(t, records, 3)
	assert.Equal(t, "openrouter: response", records[0]["msg"])
	assert.Equal(t, 503.0, records[0]["status"])
	assert.Equal(t, "openrouter: retrying", records[1]["msg"])
	assert.InDelta(t, float64(500*time.Millisecond), records[1]["wait"], float64(125*time.Millisecond))
	assert.Equal(t, "openrouter: POST /analytics/query: 503 Service Unavailable: try again", records[1]["reason"])
	assert.Equal(t, 200.0, records[2]["status"])
	assert.Equal(t, 2.0, records[2]["attempt"])
}
