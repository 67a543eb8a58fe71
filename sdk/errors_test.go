package sdk_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestDocumentedStatusesMapToTypedErrors(t *testing.T) {
	t.Parallel()

	cases := []struct {
		status  int
		message string
		target  func(error) bool
	}{
		{400, "Invalid request parameters", func(err error) bool { var e *sdk.BadRequestResponseError; return errors.As(err, &e) }},
		{401, "Missing Authentication header", func(err error) bool { var e *sdk.UnauthorizedResponseError; return errors.As(err, &e) }},
		{403, "Only management keys can perform this operation", func(err error) bool { var e *sdk.ForbiddenResponseError; return errors.As(err, &e) }},
		{408, "Operation timed out. Please try again later.", func(err error) bool { var e *sdk.RequestTimeoutResponseError; return errors.As(err, &e) }},
		{500, "Internal Server Error", func(err error) bool { var e *sdk.InternalServerResponseError; return errors.As(err, &e) }},
		{429, "Rate limit exceeded", func(err error) bool { var e *sdk.RateLimitError; return errors.As(err, &e) }},
		{502, "Provider returned error", func(err error) bool { var e *sdk.BadGatewayResponseError; return errors.As(err, &e) }},
		{503, "Overloaded", func(err error) bool { var e *sdk.ServiceUnavailableResponseError; return errors.As(err, &e) }},
		{504, "Gateway timeout", func(err error) bool { var e *sdk.GatewayTimeoutResponseError; return errors.As(err, &e) }},
		{404, "Not Found", func(err error) bool { var e *sdk.OpenRouterDefaultError; return errors.As(err, &e) }},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req-1")
				writeJSON(w, tc.status, errorBody(tc.status, tc.message))
			})
			c := newClient(t, s.URL, sdk.WithMaxRetries(0))
			_, err := c.QueryAnalytics(t.Context(), simpleQuery)
			require.Error(t, err)
			assert.True(t, tc.target(err), "%T", err)

			var apiErr *sdk.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.status, apiErr.Code)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, map[string]any{"provider": "x"}, apiErr.Metadata)
			assert.Equal(t, "user_123", apiErr.UserID)
			assert.Equal(t, "req-1", apiErr.Header.Get("X-Request-Id"))
			assert.JSONEq(t, errorBody(tc.status, tc.message), string(apiErr.Body))
			assert.Equal(t, "req-1", apiErr.RequestID)
			want := fmt.Sprintf("openrouter: POST /analytics/query: %d %s: %s (request id req-1)", tc.status, http.StatusText(tc.status), tc.message)
			if strings.EqualFold(tc.message, http.StatusText(tc.status)) {
				// A message that only repeats the status is not repeated.
				want = fmt.Sprintf("openrouter: POST /analytics/query: %d %s (request id req-1)", tc.status, http.StatusText(tc.status))
			}
			assert.Equal(t, want, err.Error())
		})
	}
}

func TestMetaErrorsToo(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, errorBody(403, "Only management keys can perform this operation"))
	})
	c := newClient(t, s.URL)
	_, err := c.GetAnalyticsMeta(t.Context())
	var e *sdk.ForbiddenResponseError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 403, e.StatusCode)
	assert.Len(t, s.requests(), 1, "403 is never retried")
}

// A body that is not the documented JSON keeps the status's own type;
// only a 2XX gets OpenRouterDefaultError.
func TestUndocumentedBodiesKeepTheStatusType(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		message     string
	}{
		{"html 502", 502, "text/html; charset=utf-8", "<html><body>Bad gateway</body></html>", "unexpected text/html body (37 bytes)"},
		{"empty 500", 500, "application/json", "", "empty response body"},
		{"truncated json 500", 500, "application/json", `{"error":{"code":500,"mess`, "application/json body (26 bytes) not understood: unexpected end of JSON input"},
		{"json of another shape 500", 500, "application/json", `{"detail":"boom"}`, "application/json body (17 bytes) is not the documented error"},
		{"text 200", 200, "text/plain", "hello", "unexpected text/plain body (5 bytes)"},
		{"truncated json 200", 200, "application/json", `{"data":{"data":[`, "application/json body (17 bytes) not understood: unexpected end of JSON input"},
		{"wrong shape 200", 200, "application/json", `{"rows":[]}`, "application/json body (11 bytes) not understood: data.data is required"},
		{"no content 204", 204, "", "", "empty response body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			c := newClient(t, s.URL, sdk.WithMaxRetries(0))
			res, err := c.QueryAnalytics(t.Context(), simpleQuery)
			assert.Nil(t, res)
			var e *sdk.APIError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.StatusCode)
			if tc.status < 300 {
				assert.ErrorAs(t, err, new(*sdk.OpenRouterDefaultError))
			} else {
				assert.NotErrorAs(t, err, new(*sdk.OpenRouterDefaultError))
			}
			assert.Equal(t, tc.body, string(e.Body))
			assert.Equal(t, tc.message, e.Message)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestMetaWithMissingArraysIsAnError(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":{"metrics":[]}}`)
	})
	c := newClient(t, s.URL)
	_, err := c.GetAnalyticsMeta(t.Context())
	var e *sdk.OpenRouterDefaultError
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Message, "data.metrics, data.dimensions, data.operators and data.granularities are required")
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
