package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// logCapture collects the client's log records, to read the attempts and
// the waits the retry policy chose.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records returns the records whose message is msg.
func (l *logCapture) records(t *testing.T, msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// waits returns the waits the client chose between attempts.
func (l *logCapture) waits(t *testing.T) []time.Duration {
	var out []time.Duration
	for _, rec := range l.records(t, "openrouter: retrying") {
		out = append(out, time.Duration(rec["wait"].(float64)))
	}
	return out
}

// failThen answers the first n requests with status (and header), then 200.
func failThen(n int32, status int, header map[string]string) (http.HandlerFunc, *atomic.Int32) {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			writeJSON(w, status, errorBody(status, "try again"))
			return
		}
		okHandler(w, r)
	}, &calls
}

func TestRetriedStatuses(t *testing.T) {
	for _, status := range []int{408, 429, 500, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			h, calls := failThen(2, status, nil)
			s := newServer(t, h)
			c := newClient(t, s.URL)
			res, err := c.QueryAnalytics(t.Context(), simpleQuery)
			require.NoError(t, err)
			assert.Len(t, res.Data, 1)
			assert.Equal(t, int32(3), calls.Load())
		})
	}
}

func TestNeverRetriedStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 422} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			h, calls := failThen(5, status, nil)
			s := newServer(t, h)
			c := newClient(t, s.URL)
			_, err := c.QueryAnalytics(t.Context(), simpleQuery)
			var apiErr *sdk.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, int32(1), calls.Load())
		})
	}
}

func TestRetriesRunOutWithTheLastTypedError(t *testing.T) {
	h, calls := failThen(1000, 500, nil)
	s := newServer(t, h)
	cfg := fastRetries()
	cfg.Backoff.MaxElapsedTime = 30 * time.Millisecond
	c := newClient(t, s.URL, sdk.WithRetries(cfg))
	_, err := c.QueryAnalytics(t.Context(), simpleQuery)
	var e *sdk.InternalServerResponseError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "try again", e.Message)
	assert.Greater(t, calls.Load(), int32(2))
}

func TestBackoffSchedule(t *testing.T) {
	h, calls := failThen(5, 503, nil)
	s := newServer(t, h)
	var logs logCapture
	cfg := sdk.RetryConfig{Backoff: sdk.BackoffStrategy{
		InitialInterval: 4 * time.Millisecond, MaxInterval: 12 * time.Millisecond, Exponent: 2, MaxElapsedTime: time.Minute,
	}}
	c := newClient(t, s.URL, sdk.WithRetries(cfg), sdk.WithLogger(logs.logger()))
	_, err := c.QueryAnalytics(t.Context(), simpleQuery)
	require.NoError(t, err)
	assert.Equal(t, int32(6), calls.Load())

	// Nominal waits 4, 8, 12 (capped), 12, 12 ms, each within ±25% and never past the cap.
	waits := logs.waits(t)
	require.Len(t, waits, 5)
	for i, nominal := range []time.Duration{4, 8, 12, 12, 12} {
		nominal *= time.Millisecond
		assert.GreaterOrEqual(t, waits[i], nominal*3/4, "wait %d", i)
		assert.LessOrEqual(t, waits[i], min(nominal*5/4, 12*time.Millisecond), "wait %d", i)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	h, calls := failThen(1, 429, map[string]string{"Retry-After": "1"})
	s := newServer(t, h)
	var logs logCapture
	c := newClient(t, s.URL, sdk.WithRetries(sdk.DefaultRetryConfig()), sdk.WithLogger(logs.logger()))
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, []time.Duration{time.Second}, logs.waits(t))
}

func TestRetryAfterDateIsCappedByMaxInterval(t *testing.T) {
	h, calls := failThen(1, 503, map[string]string{"Retry-After": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)})
	s := newServer(t, h)
	var logs logCapture
	cfg := fastRetries()
	cfg.Backoff.MaxInterval = 20 * time.Millisecond
	c := newClient(t, s.URL, sdk.WithRetries(cfg), sdk.WithLogger(logs.logger()))
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, []time.Duration{20 * time.Millisecond}, logs.waits(t), "an hour away, capped to MaxInterval")
}

func TestRetryAfterDate(t *testing.T) {
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	h, _ := failThen(1, 503, map[string]string{"Retry-After": date})
	s := newServer(t, h)
	var logs logCapture
	cfg := fastRetries()
	cfg.Backoff.MaxInterval, cfg.Backoff.MaxElapsedTime = 5*time.Second, 10*time.Second
	c := newClient(t, s.URL, sdk.WithRetries(cfg), sdk.WithLogger(logs.logger()))
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	waits := logs.waits(t)
	require.Len(t, waits, 1)
	// The date has whole seconds, so the wait is between 2 and 3 s (less
	// the time the first attempt took), far above the 1 ms the backoff
	// alone would choose.
	assert.Greater(t, waits[0], 1500*time.Millisecond)
	assert.LessOrEqual(t, waits[0], 3*time.Second)
}

func TestPOSTBodyResentIntact(t *testing.T) {
	h, _ := failThen(2, 502, nil)
	s := newServer(t, h)
	c := newClient(t, s.URL)
	q := sdk.QueryRequest{Metrics: []string{"request_count", "total_cost"}, Filters: []sdk.Filter{sdk.In("model", "a", "b")}}
	_, err := c.QueryAnalytics(t.Context(), q)
	require.NoError(t, err)
	reqs := s.requests()
	require.Len(t, reqs, 3)
	assert.NotEmpty(t, reqs[0].Body)
	for _, r := range reqs[1:] {
		assert.Equal(t, string(reqs[0].Body), string(r.Body))
		assert.Equal(t, reqs[0].Header.Get("Content-Length"), r.Header.Get("Content-Length"))
	}
}

func TestPerCallRetriesBeatClientConfig(t *testing.T) {
	h, calls := failThen(1, 503, nil)
	s := newServer(t, h)
	c := newClient(t, s.URL, sdk.WithRetries(sdk.NoRetries()))
	_, err := c.GetAnalyticsMeta(t.Context())
	require.Error(t, err, "client-wide: no retries")
	assert.Equal(t, int32(1), calls.Load())

	calls.Store(0)
	_, err = c.GetAnalyticsMeta(t.Context(), sdk.WithRetries(fastRetries()))
	require.NoError(t, err, "per call: retried")
	assert.Equal(t, int32(2), calls.Load())

	calls.Store(0)
	c2 := newClient(t, s.URL) // fast retries client-wide
	_, err = c2.GetAnalyticsMeta(t.Context(), sdk.WithRetries(sdk.NoRetries()))
	require.Error(t, err, "per call: none")
	assert.Equal(t, int32(1), calls.Load())
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func TestConnectionRefused(t *testing.T) {
	url := closedAddr(t)
	t.Run("retried when enabled", func(t *testing.T) {
		var logs logCapture
		cfg := fastRetries()
		cfg.Backoff.MaxElapsedTime = 30 * time.Millisecond
		c := newClient(t, url, sdk.WithRetries(cfg), sdk.WithLogger(logs.logger()))
		_, err := c.QueryAnalytics(t.Context(), simpleQuery)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		assert.Greater(t, len(logs.records(t, "openrouter: request failed")), 1)
	})
	t.Run("not retried when disabled", func(t *testing.T) {
		var logs logCapture
		cfg := fastRetries()
		cfg.RetryConnectionErrors = false
		c := newClient(t, url, sdk.WithRetries(cfg), sdk.WithLogger(logs.logger()))
		_, err := c.QueryAnalytics(t.Context(), simpleQuery)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		assert.Len(t, logs.records(t, "openrouter: request failed"), 1)
	})
}

func TestConnectionResetRetriedForQuery(t *testing.T) {
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

func TestCancelStopsWaitingAtOnce(t *testing.T) {
	first := make(chan struct{})
	var once sync.Once
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 503, errorBody(503, "busy"))
		once.Do(func() { close(first) })
	})
	cfg := sdk.DefaultRetryConfig() // would wait up to 60 s
	c := newClient(t, s.URL, sdk.WithRetries(cfg))
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-first; cancel() }()
	done := make(chan error, 1)
	go func() { _, err := c.QueryAnalytics(ctx, simpleQuery); done <- err }()
	select {
	case err := <-done:
		assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the call went on waiting after its context was cancelled")
	}
	assert.Len(t, s.requests(), 1)
}

func TestFailuresThatWouldRecurAreNotRetried(t *testing.T) {
	tlsServer := httptest.NewTLSServer(http.HandlerFunc(okHandler)) // its certificate is not trusted
	defer tlsServer.Close()
	var logs logCapture
	c := newClient(t, tlsServer.URL, sdk.WithLogger(logs.logger()))
	_, err := c.GetAnalyticsMeta(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
	assert.Len(t, logs.records(t, "openrouter: request failed"), 1)

}
