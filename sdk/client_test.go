package sdk_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestGetAnalyticsMeta(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL)

	meta, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "request_count", meta.Metrics[0].Name)
	assert.Equal(t, sdk.FormatNumber, meta.Metrics[0].DisplayFormat)
	assert.Equal(t, "model", meta.Dimensions[0].Name)
	assert.Equal(t, sdk.ValueArray, meta.Operators[1].ValueType)
	assert.Equal(t, sdk.GranularityDay, meta.Granularities[0].Name)

	reqs := s.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/analytics/meta", reqs[0].Path)
}

func TestQueryAnalytics(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{
		Metrics:     []string{"request_count"},
		Dimensions:  []string{"model"},
		Filters:     []sdk.Filter{sdk.In("model", "openai/gpt-4o"), sdk.Gte("request_count", 10)},
		Granularity: sdk.GranularityDay,
		Limit:       10,
		OrderBy:     sdk.OrderBy{Field: "request_count", Direction: sdk.Desc},
		TimeRange:   sdk.TimeRange{Start: start, End: start.AddDate(0, 0, 7)},
	})
	require.NoError(t, err)
	require.Len(t, res.Data, 1)
	assert.Equal(t, "openai/gpt-4o", res.Data[0].Value("model"))
	assert.Equal(t, 1500.0, res.Data[0].Value("request_count"))
	assert.Equal(t, sdk.QueryMetadata{QueryTimeMs: 42, RowCount: 1, Truncated: false}, res.Metadata)
	assert.Equal(t, []string{"w1"}, res.Warnings)
	assert.Equal(t, 1735689600000.0, res.CachedAt)

	reqs := s.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.JSONEq(t, `{"metrics":["request_count"],"dimensions":["model"],
		"filters":[{"field":"model","operator":"in","value":["openai/gpt-4o"]},{"field":"request_count","operator":"gte","value":10}],
		"granularity":"day","limit":10,"order_by":{"field":"request_count","direction":"desc"},
		"time_range":{"start":"2025-01-01T00:00:00Z","end":"2025-01-08T00:00:00Z"}}`, string(reqs[0].Body))
}

// Not parallel: it sets an environment variable.
func TestAPIKeyFromEnvironment(t *testing.T) {
	s := newServer(t, okHandler)
	t.Setenv(sdk.APIKeyEnv, "sk-from-env")
	c, err := sdk.NewClient(sdk.WithBaseURL(s.URL))
	require.NoError(t, err)
	_, err = c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Bearer sk-from-env", s.requests()[0].Header.Get("Authorization"))

	t.Setenv(sdk.APIKeyEnv, "")
	_, err = sdk.NewClient()
	assert.ErrorIs(t, err, sdk.ErrMissingAPIKey)
	assert.EqualError(t, err, "openrouter: no API key: set OPENROUTER_API_KEY or use WithAPIKey")
}

func TestBadBaseURL(t *testing.T) {
	t.Parallel()

	_, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL("openrouter.ai/api"))
	assert.EqualError(t, err, `openrouter: invalid request: base URL: "openrouter.ai/api" is not an absolute http(s) URL`)
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, errorBody(401, "Missing Authentication header"))
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, s.URL, sdk.WithLogger(logger))

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		out := fmt.Sprintf(verb, c)
		assert.NotContains(t, out, testKey, verb)
		assert.NotContains(t, out, "SECRET", verb)
	}
	_, err := c.GetAnalyticsMeta(t.Context())
	require.Error(t, err)
	_, err2 := c.QueryAnalytics(t.Context(), sdk.QueryRequest{})
	require.Error(t, err2)
	for _, e := range []error{err, err2} {
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			assert.NotContains(t, fmt.Sprintf(verb, e), "SECRET")
		}
	}
	require.NotEmpty(t, logs.String(), "the logger must have been used")
	assert.NotContains(t, logs.String(), "SECRET")
}

func TestTimeout(t *testing.T) {
	t.Parallel()

	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newClient(t, s.URL, sdk.WithTimeout(time.Hour), sdk.WithMaxRetries(0))
	_, err := c.GetAnalyticsMeta(t.Context(), sdk.WithTimeout(50*time.Millisecond))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCacheTime(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		ms   float64
		want time.Time
	}{
		{1735689600000, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		{0, time.Time{}},
		{-5, time.Time{}},
		{math.Inf(1), time.Time{}},
		{math.NaN(), time.Time{}},
		{1e300, time.Time{}},
	} {
		r := &sdk.QueryResult{CachedAt: tc.ms}
		assert.Equal(t, tc.want, r.CacheTime(), "%v", tc.ms)
	}
	var none *sdk.QueryResult
	assert.True(t, none.CacheTime().IsZero())

	s := newServer(t, okHandler)
	res, err := newClient(t, s.URL).QueryAnalytics(t.Context(), simpleQuery)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), res.CacheTime())
}
