package tests

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/retrytest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// lockedBuffer collects log output from concurrent goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// TestFaultMatrix drives the SDK through every fault the issue lists and
// asserts the outcome: success after retry, or a specific typed error.
// The API key must not show in any error or log line, and no goroutine
// may be left behind (TestMain checks with goleak).
func TestFaultMatrix(t *testing.T) {
	type env = faultEnv
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"}, TimeRange: analyticstest.DefaultRange}
	cases := []struct {
		name  string
		setup func(t *testing.T, e *env)
		check func(t *testing.T, e *env, res *sdk.QueryResult, err error)
	}{
		{"connection refused", func(t *testing.T, e *env) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			e.url = "http://" + l.Addr().String()
			require.NoError(t, l.Close())
			e.opts = append(e.opts, sdk.WithBackoff(sdk.BackoffStrategy{
				InitialInterval: time.Nanosecond, MaxInterval: time.Nanosecond, MaxElapsedTime: 50 * time.Millisecond,
			}))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			assert.ErrorIs(t, err, syscall.ECONNREFUSED)
			assert.True(t, isType[*net.OpError](err))
		}},
		{"reset before headers", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.ResetBeforeHeaders())
		}, success(2)},
		{"reset mid-body", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.ResetMidBody())
		}, success(2)},
		{"503 then 200", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Status(503))
		}, success(2)},
		{"429 with Retry-After in the past", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.RetryAfter(429, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)))
		}, success(2)},
		{"429 with garbage Retry-After", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.RetryAfter(429, "soon"))
		}, success(2)},
		{"503 with Retry-After that overflows", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.RetryAfter(503, "10000000000"))
			e.opts = append(e.opts, sdk.WithMaxRetries(sdk.DefaultMaxRetries))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			assert.Len(t, e.fake.Requests(), 1, "no retry, no storm")
			var unavailable *sdk.ServiceUnavailableResponseError
			require.ErrorAs(t, err, &unavailable)
			assert.Equal(t, 503, unavailable.StatusCode)
			var re *sdk.RetryError
			require.ErrorAs(t, err, &re)
			assert.Contains(t, err.Error(), "would pass the retry budget")
		}},
		{"429 with Retry-After past the deadline", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.RetryAfter(429, "30"))
			e.opts = append(e.opts, sdk.WithMaxRetries(sdk.DefaultMaxRetries), sdk.WithTimeout(10*time.Second))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			assert.Len(t, e.fake.Requests(), 1)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			var rl *sdk.RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, 30*time.Second, rl.RetryAfter)
		}},
		{"stalled server, attempt timeout", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Delay(time.Minute))
			// Long enough for a normal answer under -race on a loaded
			// machine (100 ms cut one in CI), far short of the stall.
			e.opts = append(e.opts, sdk.WithAttemptTimeout(2*time.Second))
		}, success(2)},
		{"deadline during backoff keeps the 503", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Status(503))
			e.opts = append(e.opts, retrytest.Patient(), sdk.WithTimeout(time.Minute))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			assert.Len(t, e.fake.Requests(), 1)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			var apiErr *sdk.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 503, apiErr.StatusCode)
			assert.Contains(t, err.Error(), ": 503 Service Unavailable;")
		}},
		{"32 MiB error body", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Raw(502, "text/html", strings.Repeat("<p>", 32<<20/3)))
			e.opts = append(e.opts, sdk.WithMaxRetries(0))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			var apiErr *sdk.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 502, apiErr.StatusCode)
			assert.LessOrEqual(t, cap(apiErr.Body), 64<<10)
		}},
		{"500 with HTML, retried", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.HTMLPage(500))
		}, success(2)},
		{"500 with HTML, not retried", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.HTMLPage(500))
			e.opts = append(e.opts, sdk.WithMaxRetries(0))
		}, apiError(500, "unexpected text/html body")},
		{"502 with empty body", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Raw(502, "", ""))
			e.opts = append(e.opts, sdk.WithMaxRetries(0))
		}, apiError(502, "empty response body")},
		{"200 with truncated JSON, retried", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.TruncatedBody())
		}, success(2)},
		{"200 with truncated JSON, not retried", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.TruncatedBody())
			e.opts = append(e.opts, sdk.WithMaxRetries(0))
		}, apiError(200, "unexpected end of JSON input")},
		{"200 with wrong content type, retried", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Raw(200, "text/plain", `{"data":{"data":[]}}`))
		}, success(2)},
		{"200 with wrong content type, not retried", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Raw(200, "text/plain", `{"data":{"data":[]}}`))
			e.opts = append(e.opts, sdk.WithMaxRetries(0))
		}, apiError(200, "unexpected text/plain body")},
		{"200 with JSON of the wrong shape, every time", func(t *testing.T, e *env) {
			bad := analyticstest.Raw(200, "application/json", `{"rows":[{"model":"x"}]}`)
			e.fake.Script(bad, bad, bad, bad, bad)
		}, apiError(200, "data.data is required")},
		{"headers never arrive", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Delay(time.Minute))
			e.opts = append(e.opts, sdk.WithTimeout(100*time.Millisecond))
		}, deadline},
		{"body trickles past the timeout", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Trickle(20 * time.Millisecond))
			e.opts = append(e.opts, sdk.WithTimeout(200*time.Millisecond))
		}, deadline},
		{"body larger than the cap", func(t *testing.T, e *env) {
			e.opts = append(e.opts, sdk.WithMaxResponseBytes(512))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			var tooLarge *sdk.ResponseTooLargeError
			require.ErrorAs(t, err, &tooLarge)
			assert.Equal(t, int64(512), tooLarge.Limit)
			assert.Len(t, e.fake.Requests(), 1, "not retried")
		}},
		{"context cancelled during backoff", func(t *testing.T, e *env) {
			e.fake.Script(analyticstest.Status(503))
			e.opts = append(e.opts, retrytest.Patient(), sdk.WithLogger(slog.New(slog.NewTextHandler(cancelOnRetry{e.cancel}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			assert.ErrorIs(t, err, context.Canceled)
			assert.Len(t, e.fake.Requests(), 1)
			var apiErr *sdk.APIError
			require.ErrorAs(t, err, &apiErr, "the cause survives")
			assert.Equal(t, 503, apiErr.StatusCode)
		}},
		{"TLS version mismatch, not retried", func(t *testing.T, e *env) {
			// A server that speaks only TLS 1.1, which Go's client refuses.
			var conns atomic.Int32
			s := httptest.NewUnstartedServer(http.NotFoundHandler())
			s.TLS = &tls.Config{MaxVersion: tls.VersionTLS11} //nolint:gosec // the mismatch is the point
			s.Config.ErrorLog = log.New(io.Discard, "", 0)
			s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
				if state == http.StateNew {
					conns.Add(1)
				}
			}
			s.StartTLS()
			t.Cleanup(s.Close)
			e.url = s.URL
			e.opts = append(e.opts, sdk.WithMaxRetries(sdk.DefaultMaxRetries))
			t.Cleanup(func() { assert.Equal(t, int32(1), conns.Load(), "one connection: no retry") })
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			require.Error(t, err)
			assert.Contains(t, err.Error(), "tls")
			var re *sdk.RetryError
			assert.NotErrorAs(t, err, &re, "not retried")
		}},
		{"redirect to another host", func(t *testing.T, e *env) {
			// The fake answers on 127.0.0.1; the redirect goes to localhost,
			// another host, so the client refuses to follow it.
			target := strings.Replace(e.fake.URL, "127.0.0.1", "localhost", 1)
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			t.Cleanup(redirector.Close)
			e.url = redirector.URL
		}, func(t *testing.T, e *env, res *sdk.QueryResult, err error) {
			var re *sdk.RedirectError
			require.ErrorAs(t, err, &re)
			assert.Empty(t, e.fake.Requests(), "refused before anything reached the other host")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := analyticstest.NewServer(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			e := &env{fake: fake, url: fake.URL, ctx: ctx, cancel: cancel, opts: []sdk.Option{retrytest.Fast()}}
			tc.setup(t, e)
			var logs lockedBuffer
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			opts := append([]sdk.Option{
				sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(e.url), sdk.WithHTTPClient(&http.Client{Transport: tr}),
				sdk.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
			}, e.opts...)
			client, err := sdk.NewClient(opts...)
			require.NoError(t, err)

			res, err := client.QueryAnalytics(e.ctx, q)
			tc.check(t, e, res, err)

			for _, out := range []string{fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err),
				fmt.Sprintf("%v", client), fmt.Sprintf("%+v", client), fmt.Sprintf("%#v", client), logs.String()} {
				assert.NotContains(t, out, analyticstest.ManagementKey)
			}
		})
	}
}

// cancelOnRetry is a log sink that cancels the call's context when the
// client announces a retry, that is, once it has started to wait.
type cancelOnRetry struct{ cancel context.CancelFunc }

func (c cancelOnRetry) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("openrouter: retrying")) {
		c.cancel()
	}
	return len(p), nil
}

// faultEnv is one case's fake, the client's base URL and options, and the
// call's context.
type faultEnv struct {
	fake   *analyticstest.Server
	url    string
	opts   []sdk.Option
	ctx    context.Context
	cancel context.CancelFunc
}

// success expects the call to succeed on the given attempt.
func success(attempts int) func(*testing.T, *faultEnv, *sdk.QueryResult, error) {
	return func(t *testing.T, e *faultEnv, res *sdk.QueryResult, err error) {
		require.NoError(t, err)
		assert.Len(t, res.Data, 16, "one row a model")
		assert.Len(t, e.fake.Requests(), attempts)
	}
}

// apiError expects an *sdk.APIError with this status whose message
// contains text; a 2XX is an *sdk.OpenRouterDefaultError, any other
// status the type of its own.
func apiError(status int, text string) func(*testing.T, *faultEnv, *sdk.QueryResult, error) {
	return func(t *testing.T, e *faultEnv, res *sdk.QueryResult, err error) {
		assert.Nil(t, res)
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		assert.Contains(t, apiErr.Message, text)
		assert.Equal(t, status < 300, errors.As(err, new(*sdk.OpenRouterDefaultError)))
	}
}

func deadline(t *testing.T, e *faultEnv, res *sdk.QueryResult, err error) {
	assert.Nil(t, res)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
