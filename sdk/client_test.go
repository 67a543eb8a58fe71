package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
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

func TestHeaders(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL,
		sdk.WithHTTPReferer("https://example.com/app"),
		sdk.WithAppTitle("Example App"),
		sdk.WithAppCategories("cli-agent", "cloud-agent"),
		sdk.WithUserAgentSuffix("example/1.0"))

	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	_, err = c.QueryAnalytics(t.Context(), simpleQuery,
		sdk.WithHTTPReferer("https://override.example"),
		sdk.WithAppTitle("Override"),
		sdk.WithAppCategories("programming-app"))
	require.NoError(t, err)

	reqs := s.requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Regexp(t, `^openrouter-analytics-go/`+sdk.Version+` \(go[^;]+; [a-z0-9]+/[a-z0-9]+\) example/1\.0$`, r.Header.Get("User-Agent"))
	}
	assert.Equal(t, "https://example.com/app", reqs[0].Header.Get("HTTP-Referer"))
	assert.Equal(t, "Example App", reqs[0].Header.Get("X-OpenRouter-Title"))
	assert.Equal(t, "cli-agent,cloud-agent", reqs[0].Header.Get("X-OpenRouter-Categories"))
	assert.Equal(t, "https://override.example", reqs[1].Header.Get("HTTP-Referer"))
	assert.Equal(t, "Override", reqs[1].Header.Get("X-OpenRouter-Title"))
	assert.Equal(t, "programming-app", reqs[1].Header.Get("X-OpenRouter-Categories"))
}

func TestUnsetAppHeadersAreNotSent(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL)
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	h := s.requests()[0].Header
	for _, name := range []string{"HTTP-Referer", "X-OpenRouter-Title", "X-OpenRouter-Categories", "X-Title"} {
		_, present := h[http.CanonicalHeaderKey(name)]
		assert.False(t, present, name)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	for name, opt := range map[string]sdk.CallOption{
		"HTTP-Referer":            sdk.WithHTTPReferer("https://x\r\nX-Evil: 1"),
		"X-OpenRouter-Title":      sdk.WithAppTitle("title\nX-Evil: 1"),
		"X-OpenRouter-Categories": sdk.WithAppCategories("a\rb"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sdk.NewClient(sdk.WithAPIKey(testKey), opt)
			var ve *sdk.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, name+" header", ve.Field)

			c := newClient(t, s.URL)
			_, err = c.GetAnalyticsMeta(t.Context(), opt)
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, err.Error(), name+" header: contains control character U+000")
		})
	}
	_, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithUserAgentSuffix("x\ny"))
	assert.EqualError(t, err, "openrouter: invalid request: User-Agent header: contains control character U+000A")
	_, err = sdk.NewClient(sdk.WithAPIKey(testKey[:9] + "\r\n" + testKey[9:]))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey[9:])
	assert.Empty(t, s.requests(), "nothing may be sent")
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
