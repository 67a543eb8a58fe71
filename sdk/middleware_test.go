package sdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/retrytest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

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
