package sdk_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// The error contract, one status at a time, with the documented JSON
// body and with a proxy's HTML page: the status alone decides the type
// and the class sentinel, whatever the body; the retried statuses are
// retried, the others sent once; every error names the operation, the
// status, the message and the last attempt's request id, and a JSON body
// fills every field of *APIError.
func TestStatusesMapToTypedErrors(t *testing.T) {
	t.Parallel()

	cases := []struct {
		status    int
		message   string
		sentinel  string // "" for none
		retryable bool
		is        func(error) bool
	}{
		{400, "Invalid request parameters", "ErrBadRequest", false, isA[*sdk.BadRequestResponseError]},
		{401, "Missing Authentication header", "ErrUnauthorized", false, isA[*sdk.UnauthorizedResponseError]},
		{403, "Only management keys can perform this operation", "ErrForbidden", false, isA[*sdk.ForbiddenResponseError]},
		{404, "Not Found", "", false, isA[*sdk.OpenRouterDefaultError]},
		{408, "Operation timed out. Please try again later.", "ErrRequestTimeout", true, isA[*sdk.RequestTimeoutResponseError]},
		{429, "Rate limit exceeded", "ErrRateLimited", true, isA[*sdk.RateLimitError]},
		{500, "Internal Server Error", "ErrServer", true, isA[*sdk.InternalServerResponseError]},
		{501, "Not Implemented", "ErrServer", false, isA[*sdk.OpenRouterDefaultError]},
		{502, "Provider returned error", "ErrServer", true, isA[*sdk.BadGatewayResponseError]},
		{503, "Overloaded", "ErrServer", true, isA[*sdk.ServiceUnavailableResponseError]},
		{504, "Gateway timeout", "ErrServer", true, isA[*sdk.GatewayTimeoutResponseError]},
		{599, "Network connect timeout", "ErrServer", true, isA[*sdk.OpenRouterDefaultError]},
	}
	for _, tc := range cases {
		for _, html := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d html=%v", tc.status, html), func(t *testing.T) {
				t.Parallel()
				var n atomic.Int32
				s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n.Add(1)))
					if html {
						w.Header().Set("Content-Type", "text/html; charset=utf-8")
						w.WriteHeader(tc.status)
						_, _ = io.WriteString(w, "<html><body>proxy says no</body></html>")
						return
					}
					writeJSON(w, tc.status, errorBody(tc.status, tc.message))
				})
				_, err := newClient(t, s.URL).QueryAnalytics(t.Context(), simpleQuery)
				require.Error(t, err)
				assert.True(t, tc.is(err), "%T", err)
				var want []string
				if tc.sentinel != "" {
					want = []string{tc.sentinel}
				}
				assert.Equal(t, want, matched(err), "the class sentinel, and no other")
				assert.Equal(t, tc.retryable, sdk.IsRetryable(err))
				attempts := 1
				if tc.retryable {
					attempts = 1 + sdk.DefaultMaxRetries
				}
				assert.Len(t, s.requests(), attempts)

				var apiErr *sdk.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, tc.status, apiErr.StatusCode)
				last := fmt.Sprintf("req-%d", attempts)
				assert.Equal(t, last, apiErr.RequestID, "the last attempt's id")
				assert.Contains(t, err.Error(), "openrouter: POST /analytics/query: ")
				assert.Contains(t, err.Error(), "(request id "+last+")")
				if html {
					return
				}
				assert.Equal(t, tc.status, apiErr.Code)
				assert.Equal(t, tc.message, apiErr.Message)
				assert.Equal(t, map[string]any{"provider": "x"}, apiErr.Metadata)
				assert.Equal(t, "user_123", apiErr.UserID)
				assert.Equal(t, last, apiErr.Header.Get("X-Request-Id"))
				assert.JSONEq(t, errorBody(tc.status, tc.message), string(apiErr.Body))
				if attempts == 1 {
					msg := fmt.Sprintf("openrouter: POST /analytics/query: %d %s: %s (request id req-1)", tc.status, http.StatusText(tc.status), tc.message)
					if strings.EqualFold(tc.message, http.StatusText(tc.status)) {
						// A message that only repeats the status is not repeated.
						msg = fmt.Sprintf("openrouter: POST /analytics/query: %d %s (request id req-1)", tc.status, http.StatusText(tc.status))
					}
					assert.Equal(t, msg, err.Error())
				}
			})
		}
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

var sentinels = map[string]error{
	"ErrBadRequest": sdk.ErrBadRequest, "ErrUnauthorized": sdk.ErrUnauthorized, "ErrForbidden": sdk.ErrForbidden,
	"ErrRequestTimeout": sdk.ErrRequestTimeout, "ErrRateLimited": sdk.ErrRateLimited, "ErrServer": sdk.ErrServer,
}
