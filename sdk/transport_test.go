package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

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

// A huge error body costs at most 64 KiB, read and kept: the error does
// not pin the response.
//
// Not parallel: it measures the process's heap.
func TestErrorBodyIsBounded(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 32<<20)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(503)
		_, _ = w.Write(big)
	})
	c := newClient(t, s.URL, sdk.WithMaxRetries(0))
	_, _ = c.GetAnalyticsMeta(t.Context()) // warm the connection pool

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.GetAnalyticsMeta(t.Context())
	runtime.ReadMemStats(&after)

	var e *sdk.APIError
	require.ErrorAs(t, err, &e)
	assert.Len(t, e.Body, 64<<10)
	assert.LessOrEqual(t, cap(e.Body), 64<<10)
	assert.Equal(t, "openrouter: GET /analytics/meta: 503 Service Unavailable: text/plain body of more than 65536 bytes (only its start was read)", err.Error())
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(2<<20), "bytes allocated by one call with a 32 MiB error body")
}

func TestResponseOverCapIsRefused(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, queryBody)
	})
	c := newClient(t, s.URL, sdk.WithMaxResponseBytes(100))
	_, err := c.QueryAnalytics(t.Context(), simpleQuery)
	var e *sdk.ResponseTooLargeError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, int64(100), e.Limit)
	assert.Len(t, s.requests(), 1, "too large is not retried")
}
