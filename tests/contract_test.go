// Package tests holds contract tests: the SDK runs against the fake API and
// every exchange, both ways, is checked against openapi/analytics.yaml.
package tests

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exchange is one request and its response, as they crossed the wire.
type exchange struct {
	req      *http.Request
	reqBody  []byte
	status   int
	header   http.Header
	respBody []byte
}

// capture is a transport that keeps a copy of every exchange.
type capture struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []exchange
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	c.mu.Lock()
	c.seen = append(c.seen, exchange{req.Clone(context.Background()), body, resp.StatusCode, resp.Header.Clone(), out})
	c.mu.Unlock()
	return resp, nil
}

func (c *capture) take() []exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.seen
	c.seen = nil
	return out
}

// contract is the fake, a client whose traffic is captured, and the spec
// routed at the fake's URL.
type contract struct {
	fake   *analyticstest.Server
	client *sdk.Client
	wire   *capture
	router routers.Router
}

func newContract(t *testing.T, opts ...analyticstest.Option) *contract {
	t.Helper()
	// The fake's check of its own answers is off: verify checks the same
	// traffic, both ways.
	fake := analyticstest.NewServer(t, append([]analyticstest.Option{analyticstest.WithViolationHandler(nil)}, opts...)...)
	router := routerAt(t, fake.URL)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	wire := &capture{next: tr}
	client := fake.Client(sdk.WithHTTPClient(&http.Client{Transport: wire}), sdk.WithMaxRetries(0))
	return &contract{fake: fake, client: client, wire: wire, router: router}
}

var uuidFormat = openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))

// verify checks every captured exchange against the spec, both ways.
func (c *contract) verify(t *testing.T) int {
	t.Helper()
	exchanges := c.wire.take()
	require.NotEmpty(t, exchanges)
	for _, ex := range exchanges {
		route, params, err := c.router.FindRoute(ex.req)
		require.NoError(t, err, "%s %s", ex.req.Method, ex.req.URL)
		ex.req.Body = io.NopCloser(bytes.NewReader(ex.reqBody))
		in := &openapi3filter.RequestValidationInput{
			Request: ex.req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{
				MultiError: true,
				AuthenticationFunc: func(_ context.Context, a *openapi3filter.AuthenticationInput) error {
					if !strings.HasPrefix(ex.req.Header.Get("Authorization"), "Bearer ") {
						return a.NewError(nil)
					}
					return nil
				},
				SchemaValidationOptions: []openapi3.SchemaValidationOption{uuidFormat},
			},
		}
		assert.NoError(t, openapi3filter.ValidateRequest(t.Context(), in), "request %s", ex.reqBody)
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: ex.status, Header: ex.header,
			Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
		}
		out.SetBodyBytes(ex.respBody)
		assert.NoError(t, openapi3filter.ValidateResponse(t.Context(), out), "response %d %s", ex.status, ex.respBody)
	}
	return len(exchanges)
}

func TestMetaContract(t *testing.T) {
	t.Parallel()

	c := newContract(t)
	meta, err := c.client.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	c.verify(t)

	// The decoded catalog is what went over the wire, field for field.
	var wire struct {
		Data sdk.AnalyticsMeta `json:"data"`
	}
	status, body := get(t, c.fake.URL+"/analytics/meta", analyticstest.ManagementKey)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(body, &wire))
	assert.Equal(t, wire.Data, *meta)
	assert.GreaterOrEqual(t, len(meta.Metrics), 10)
	assert.Len(t, meta.Operators, 8)
	assert.Len(t, meta.Granularities, 5)

	// A client with a key the fake does not know: 401, in the documented shape.
	_, err = c.fake.Client(sdk.WithAPIKey("sk-or-v1-nobody"), sdk.WithHTTPClient(&http.Client{Transport: c.wire})).GetAnalyticsMeta(t.Context())
	var unauthorized *sdk.UnauthorizedResponseError
	require.ErrorAs(t, err, &unauthorized)
	c.verify(t)
}

func get(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

func TestQueryContract(t *testing.T) {
	t.Parallel()

	classifier := uuid.MustParse(analyticstest.ClassifierID)
	june := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	week := sdk.TimeRange{Start: june, End: june.AddDate(0, 0, 7)}
	queries := map[string]sdk.QueryRequest{
		"metrics only":     {Metrics: []string{"request_count", "total_usage"}},
		"every metric":     {Metrics: []string{"request_count", "tokens_total", "tokens_prompt", "tokens_completion", "reasoning_tokens", "cached_tokens", "byok_request_count", "guardrail_invoked_count", "response_cached_count", "total_usage", "byok_usage", "credits_usage", "openrouter_usage", "byok_fees", "usage_upstream", "usage_cache", "usage_data", "usage_web", "usage_upstream_web", "usage_file", "usage_upstream_file", "usage_web_fetch", "usage_upstream_web_fetch", "avg_latency", "p50_latency", "p90_latency", "p99_latency", "avg_throughput", "p50_throughput", "p90_throughput", "p99_throughput", "cache_hit_rate", "guardrail_invoked_rate", "response_cached_rate"}},
		"unused component": {Metrics: []string{"request_count", "usage_web"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityHour, TimeRange: sdk.TimeRange{Start: june, End: june.Add(3 * time.Hour)}},
		"user and email":   {Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityWeek, TimeRange: week},
		"two dimensions":   {Metrics: []string{"request_count"}, Dimensions: []string{"model", "provider"}, Limit: 50},
		"eq":               {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Eq("model", "openai/gpt-4o")}},
		"neq":              {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Neq("country", "US")}},
		"in":               {Metrics: []string{"request_count"}, Dimensions: []string{"provider"}, Filters: []sdk.Filter{sdk.In("provider", "openai", "azure")}},
		"not_in":           {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.NotIn("origin", "api")}},
		"in include_unset": {Metrics: []string{"request_count"}, Dimensions: []string{"app"}, Filters: []sdk.Filter{sdk.IncludeUnset(sdk.In("app", 1001, 1002))}},
		"not_in unset":     {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.IncludeUnset(sdk.NotIn("user", "user_01"))}},
		"gt":               {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Gt("app", 1006)}},
		"gte":              {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Gte("avg_latency", 2000)}},
		"lt":               {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Lt("api_key_id", 503)}},
		"lte":              {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Lte("total_usage", 0.001)}},
		"key hash":         {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.In("api_key_id", keyHash("Production"))}},
		"minute":           {Metrics: []string{"request_count"}, Granularity: sdk.GranularityMinute, TimeRange: sdk.TimeRange{Start: june, End: june.Add(time.Hour)}},
		"hour":             {Metrics: []string{"request_count"}, Granularity: sdk.GranularityHour, TimeRange: week},
		"day by model":     {Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityDay, TimeRange: week},
		"week":             {Metrics: []string{"cache_hit_rate"}, Granularity: sdk.GranularityWeek},
		"month":            {Metrics: []string{"total_usage"}, Granularity: sdk.GranularityMonth, OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Desc}},
		"order asc":        {Metrics: []string{"total_usage"}, Dimensions: []string{"country"}, OrderBy: sdk.OrderBy{Field: "total_usage", Direction: sdk.Asc}},
		"order desc":       {Metrics: []string{"total_usage"}, Dimensions: []string{"country"}, OrderBy: sdk.OrderBy{Field: "country", Direction: sdk.Desc}},
		"order by count":   {Metrics: []string{"total_usage"}, Dimensions: []string{"workspace"}, OrderBy: sdk.OrderBy{Field: "request_count", Direction: sdk.Desc}},
		"limit":            {Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Limit: 5},
		"group_limit":      {Metrics: []string{"request_count"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityDay, GroupLimit: 3, TimeRange: week},
		"warnings":         {Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.In("model", "no/such-model", "openai/gpt-4o")}},
		"classifier dims": {Metrics: []string{"request_count"}, ClassifierDimensions: sdk.ClassifierDimensions{
			ClassifierID: classifier, DimensionNames: []string{"topic", "language"}, IncludeNulls: true}},
		"classifier filters": {Metrics: []string{"request_count"}, Dimensions: []string{"model"}, ClassifierFilters: sdk.ClassifierFilters{
			ClassifierID: classifier, Filters: []sdk.ClassifierFilter{
				{Field: "topic", Operator: "in", Value: sdk.In("", "coding", "analysis").Value},
				{Field: "language", Operator: "neq", Value: sdk.Eq("", "ja").Value},
			}}},
		"everything": {
			Metrics: []string{"request_count", "avg_latency"}, Dimensions: []string{"model", "country"},
			Filters: []sdk.Filter{sdk.In("provider", "openai", "anthropic", "azure"), sdk.Gt("tokens_prompt", 100)}, Granularity: sdk.GranularityDay,
			GroupLimit: 2, Limit: 40, OrderBy: sdk.OrderBy{Field: "avg_latency", Direction: sdk.Desc}, TimeRange: week,
			ClassifierFilters: sdk.ClassifierFilters{ClassifierID: classifier, Filters: []sdk.ClassifierFilter{{Field: "topic", Operator: "eq", Value: sdk.Eq("", "coding").Value}}},
		},
	}
	for _, v := range analyticstest.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel() // a fake and a client of its own; its queries in turn, as verify reads the last exchange
			testQueryContract(t, newContract(t, v.Options...), queries)
		})
	}
}

// testQueryContract runs every query, checks the traffic against the
// spec, and the rows against the fake's own answer.
func testQueryContract(t *testing.T, c *contract, queries map[string]sdk.QueryRequest) {
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			got, err := c.client.QueryAnalytics(t.Context(), q)
			require.NoError(t, err)
			c.verify(t)

			want, err := c.fake.Query(q)
			require.NoError(t, err)
			require.NotEmpty(t, want.Data, "a query with no rows proves little")
			assert.Equal(t, jsonOf(t, want.Data), jsonOf(t, got.Data))
			assert.Equal(t, want.Metadata.RowCount, got.Metadata.RowCount)
			assert.Equal(t, want.Metadata.Truncated, got.Metadata.Truncated)
			assert.Equal(t, want.Warnings, got.Warnings)
			assert.Equal(t, want.CachedAt, got.CachedAt)
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestErrorStatusContract(t *testing.T) {
	t.Parallel()

	c := newContract(t)
	for _, status := range []int{400, 401, 403, 408, 500, 429, 502} {
		c.fake.Script(analyticstest.Status(status))
		_, err := c.client.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}})
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		c.verify(t)
	}
	for _, status := range []int{401, 403, 500} {
		c.fake.Script(analyticstest.Status(status))
		_, err := c.client.GetAnalyticsMeta(t.Context())
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		c.verify(t)
	}
	// The fake's own 400, 401 and 403 validate too.
	_, err := c.client.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"no_such_metric"}})
	var bad *sdk.BadRequestResponseError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, `Invalid request parameters: unknown metric "no_such_metric"`, bad.Message)
	c.verify(t)
}

// Requests the spec forbids: the SDK refuses them before sending, and the
// fake refuses them with 400 when they are sent anyway.
func TestForbiddenRequests(t *testing.T) {
	t.Parallel()

	filters := make([]sdk.Filter, 21)
	for i := range filters {
		filters[i] = sdk.Eq("model", "openai/gpt-4o")
	}
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	cases := map[string]sdk.QueryRequest{
		"no metrics":      {},
		"3 dimensions":    {Metrics: []string{"request_count"}, Dimensions: []string{"model", "provider", "app"}},
		"21 filters":      {Metrics: []string{"request_count"}, Filters: filters},
		"no operator":     {Metrics: []string{"request_count"}, Filters: []sdk.Filter{{Field: "model", Value: sdk.Eq("", "x").Value}}},
		"start after end": {Metrics: []string{"request_count"}, TimeRange: sdk.TimeRange{Start: start, End: start.AddDate(0, 0, -1)}},
	}
	c := newContract(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.client.QueryAnalytics(t.Context(), q)
			var ve *sdk.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Empty(t, c.wire.take(), "nothing sent")

			body, err := json.Marshal(q)
			require.NoError(t, err)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, c.fake.URL+"/analytics/query", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+analyticstest.ManagementKey)
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Transport: tr}).Do(req)
			require.NoError(t, err)
			raw, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, 400, resp.StatusCode, string(raw))
			assert.Contains(t, string(raw), "Invalid request parameters: ")
		})
	}
}

// keyHash is the 64-hex hash the fake gives a key of that name.
func keyHash(name string) string {
	sum := sha256.Sum256([]byte("analyticstest key " + name))
	return hex.EncodeToString(sum[:])
}
