package analyticstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// post sends a raw body to the fake, bypassing the SDK's checks.
func post(t *testing.T, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/analytics/query", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func message(body map[string]any) string {
	return body["error"].(map[string]any)["message"].(string)
}

func TestAuth(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	status, body := post(t, fake.URL, "", `{"metrics":["request_count"]}`)
	assert.Equal(t, 401, status)
	assert.Equal(t, "Missing Authentication header", message(body))

	status, body = post(t, fake.URL, "Basic abc", `{"metrics":["request_count"]}`)
	assert.Equal(t, 401, status)
	assert.Contains(t, message(body), "Malformed Authorization header")

	status, body = post(t, fake.URL, "Bearer "+analyticstest.OrdinaryKey, `{"metrics":["request_count"]}`)
	assert.Equal(t, 403, status)
	assert.Equal(t, "Only management keys can perform this operation", message(body))

	_, err := fake.Client(sdk.WithAPIKey(analyticstest.OrdinaryKey)).GetAnalyticsMeta(t.Context())
	var forbidden *sdk.ForbiddenResponseError
	require.ErrorAs(t, err, &forbidden)

	_, err = fake.Client(sdk.WithAPIKey("sk-or-v1-unknown")).GetAnalyticsMeta(t.Context())
	var unauthorized *sdk.UnauthorizedResponseError
	require.ErrorAs(t, err, &unauthorized)
	assert.Equal(t, "Invalid API key", unauthorized.Message)
}

func TestRequestsThatBreakTheSpecGet400(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	filters := strings.Repeat(`{"field":"model","operator":"eq","value":"x"},`, 21)
	cases := map[string]struct{ body, want string }{
		"no metrics":      {`{"metrics":[]}`, "metrics: minimum number of items is 1"},
		"missing metrics": {`{"dimensions":["model"]}`, `property "metrics" is missing`},
		"3 dimensions":    {`{"metrics":["request_count"],"dimensions":["model","provider","app"]}`, "dimensions: maximum number of items is 2"},
		"21 filters":      {`{"metrics":["request_count"],"filters":[` + strings.TrimSuffix(filters, ",") + `]}`, "filters: maximum number of items is 20"},
		// Open sets in the spec, refused by the fake's catalog, as the service would.
		"unknown operator":    {`{"metrics":["request_count"],"filters":[{"field":"model","operator":"like","value":"x"}]}`, `filters[0].operator: unknown operator "like"`},
		"unknown granularity": {`{"metrics":["request_count"],"granularity":"year"}`, `unknown granularity "year"`},
		"bad direction":       {`{"metrics":["request_count"],"order_by":{"field":"request_count","direction":"up"}}`, "order_by.direction: value is not one of the allowed values"},
		"bad time":            {`{"metrics":["request_count"],"time_range":{"start":"yesterday","end":"2025-01-01T00:00:00Z"}}`, "time_range.start"},
		"start after end":     {`{"metrics":["request_count"],"time_range":{"start":"2025-02-01T00:00:00Z","end":"2025-01-01T00:00:00Z"}}`, "time_range: start 2025-02-01T00:00:00Z is after end 2025-01-01T00:00:00Z"},
		"bad uuid":            {`{"metrics":["request_count"],"classifier_dimensions":{"classifier_id":"nope"}}`, "classifier_dimensions.classifier_id"},
		"unknown metric":      {`{"metrics":["request_count","vibes"]}`, `unknown metric "vibes"`},
		"unknown dim":         {`{"metrics":["request_count"],"dimensions":["planet"]}`, `unknown dimension "planet"`},
		"unknown field":       {`{"metrics":["request_count"],"filters":[{"field":"planet","operator":"eq","value":"x"}]}`, `filters[0]: unknown filter field "planet"`},
		"in with scalar":      {`{"metrics":["request_count"],"filters":[{"field":"model","operator":"in","value":"x"}]}`, `filters[0].value: operator "in" takes an array`},
		"bad order field":     {`{"metrics":["request_count"],"order_by":{"field":"total_usage","direction":"asc"}}`, `order_by.field "total_usage" is not a requested metric`},
		"not json":            {`{"metrics":`, "body"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			status, body := post(t, fake.URL, "Bearer "+analyticstest.ManagementKey, tc.body)
			assert.Equal(t, 400, status)
			assert.Contains(t, message(body), "Invalid request parameters: ")
			assert.Contains(t, message(body), tc.want)
		})
	}
}

func TestFaultScript(t *testing.T) {
	t.Parallel()

	retries := sdk.WithBackoff(sdk.BackoffStrategy{
		InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxElapsedTime: 5 * time.Second,
	})
	q := sdk.QueryRequest{Metrics: []string{"request_count"}}
	cases := []struct {
		name   string
		faults []analyticstest.Fault
		check  func(t *testing.T, res *sdk.QueryResult, err error)
	}{
		{"statuses then success", []analyticstest.Fault{analyticstest.Status(503), analyticstest.RetryAfter(429, "0"), analyticstest.Status(408)},
			func(t *testing.T, res *sdk.QueryResult, err error) {
				require.NoError(t, err)
				assert.Len(t, res.Data, 1)
			}},
		{"resets then success", []analyticstest.Fault{analyticstest.ResetBeforeHeaders(), analyticstest.ResetMidBody()},
			func(t *testing.T, res *sdk.QueryResult, err error) { require.NoError(t, err) }},
		{"html page then success", []analyticstest.Fault{analyticstest.HTMLPage(502)},
			func(t *testing.T, res *sdk.QueryResult, err error) { require.NoError(t, err) }},
		{"delay then success", []analyticstest.Fault{analyticstest.Delay(10 * time.Millisecond)},
			func(t *testing.T, res *sdk.QueryResult, err error) { require.NoError(t, err) }},
		{"trickle", []analyticstest.Fault{analyticstest.Trickle(time.Microsecond)},
			func(t *testing.T, res *sdk.QueryResult, err error) {
				require.NoError(t, err)
				assert.Len(t, res.Data, 1)
			}},
		{"truncated body then success", []analyticstest.Fault{analyticstest.TruncatedBody()},
			func(t *testing.T, res *sdk.QueryResult, err error) { require.NoError(t, err) }},
		{"400 is final", []analyticstest.Fault{analyticstest.Status(400)},
			func(t *testing.T, res *sdk.QueryResult, err error) {
				var e *sdk.BadRequestResponseError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "Invalid request parameters", e.Message)
			}},
		{"raw wrong content type, every attempt", slices.Repeat([]analyticstest.Fault{analyticstest.Raw(200, "text/plain", "ok")}, 5),
			func(t *testing.T, res *sdk.QueryResult, err error) {
				var e *sdk.OpenRouterDefaultError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "ok", string(e.Body))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := analyticstest.NewServer(t)
			fake.Script(tc.faults...)
			res, err := fake.Client(retries).QueryAnalytics(t.Context(), q)
			tc.check(t, res, err)
			reqs := fake.Requests()
			require.NotEmpty(t, reqs)
			for _, r := range reqs {
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, "/analytics/query", r.Path)
				assert.JSONEq(t, `{"metrics":["request_count"]}`, string(r.Body))
				assert.Equal(t, "Bearer "+analyticstest.ManagementKey, r.Header.Get("Authorization"))
			}
		})
	}
}

func TestResetWithoutRetriesIsAConnectionError(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	fake.Script(analyticstest.ResetBeforeHeaders())
	_, err := fake.Client(sdk.WithMaxRetries(0)).GetAnalyticsMeta(t.Context())
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF), "%v", err)
}

func TestDelayPastTheTimeout(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	fake.Script(analyticstest.Delay(time.Minute))
	_, err := fake.Client(sdk.WithMaxRetries(0)).GetAnalyticsMeta(t.Context(), sdk.WithTimeout(20*time.Millisecond))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestMountedHandler(t *testing.T) {
	t.Parallel()

	mux := http.NewServeMux()
	mux.Handle("/api/v1/", analyticstest.NewHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(srv.URL+"/api/v1"),
		sdk.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	meta, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(meta.Metrics), 10)
}

func TestCatalog(t *testing.T) {
	t.Parallel()

	meta, err := analyticstest.NewServer(t).Client().GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(meta.Metrics), 10)
	formats := map[sdk.DisplayFormat]bool{}
	rates := 0
	for _, m := range meta.Metrics {
		formats[m.DisplayFormat] = true
		if m.IsRate {
			rates++
		}
	}
	assert.Len(t, formats, 5, "every display_format")
	assert.Positive(t, rates)
	assert.GreaterOrEqual(t, len(meta.Dimensions), 8)
	assert.Len(t, meta.Operators, 8)
	assert.Len(t, meta.Granularities, 5)
}

func TestNormalResponsesMatchTheSpec(t *testing.T) {
	t.Parallel()

	// A fake whose every response is checked: a normal run reports nothing.
	var violations []error
	h := analyticstest.NewHandler(analyticstest.WithViolationHandler(func(err error) { violations = append(violations, err) }))
	srv := httptest.NewServer(h)
	defer srv.Close()
	status, _ := post(t, srv.URL, "Bearer "+analyticstest.ManagementKey, `{"metrics":["request_count"],"dimensions":["app"]}`)
	assert.Equal(t, 200, status)
	assert.Empty(t, violations)
}

// What checking the fake's own answers costs, and that only a fake with
// a violation handler pays it: NewHandler's default, and a nil handler,
// answer for a small share of the allocations.
//
// Not parallel: it counts the process's allocations.
func TestResponsesAreCheckedOnlyForAHandler(t *testing.T) {
	serve := func(h http.Handler) func() {
		return func() {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/analytics/meta", nil)
			r.Header.Set("Authorization", "Bearer "+analyticstest.ManagementKey)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("meta: %d %s", w.Code, w.Body)
			}
		}
	}
	checked := analyticstest.NewHandler(analyticstest.WithoutRequestLog(), analyticstest.WithViolationHandler(func(err error) { t.Error(err) }))
	unchecked := analyticstest.NewHandler(analyticstest.WithoutRequestLog())
	unset := analyticstest.NewHandler(analyticstest.WithoutRequestLog(), analyticstest.WithViolationHandler(nil))
	serve(checked)() // the spec loads once, outside the counts

	withCheck := testing.AllocsPerRun(20, serve(checked))
	for name, h := range map[string]http.Handler{"no handler": unchecked, "nil handler": unset} {
		without := testing.AllocsPerRun(20, serve(h))
		t.Logf("%s: %.0f allocations a meta answer, %.0f checked", name, without, withCheck)
		assert.Less(t, without, withCheck/3, name)
	}
}
