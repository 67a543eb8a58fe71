package sdk_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

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
