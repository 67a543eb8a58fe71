package sdk

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// The hand-built requests are gen's, byte for byte: method, URL,
// headers and body, for base URLs with and without a path, and for app
// headers empty, plain and odd.
//
// Not parallel: it uses the process's default transport.
func TestRequestsAreGens(t *testing.T) {
	queries := []QueryRequest{
		{Metrics: []string{"request_count"}},
		{Metrics: []string{"total_usage", "tokens_total"}, Dimensions: []string{"model", "api_key_id"}, Granularity: GranularityDay,
			Filters: []Filter{Eq("model", "openai/gpt-4o"), In("app", 1001, 1002), Gt("total_usage", 0.5)},
			OrderBy: OrderBy{Field: "total_usage", Direction: Desc}, Limit: 100, GroupLimit: 5,
			TimeRange: TimeRange{Start: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}},
	}
	headers := []appHeaders{{}, {referer: "https://example.com/app?x=1&y=2", title: "My app", categories: "cli-agent,programming-app"},
		{title: "Ünïcode — title", categories: "a"}, {referer: "https://example.com/ spaced"}}
	for _, base := range []string{"https://openrouter.ai/api/v1", "http://127.0.0.1:8080", "https://proxy.example.com/a/b/"} {
		c, err := NewClient(WithAPIKey("sk-or-v1-test"), WithBaseURL(base))
		require.NoError(t, err)
		for _, h := range headers {
			want, err := gen.NewGetAnalyticsMetaRequest(c.server, (*gen.GetAnalyticsMetaParams)(h.params()))
			require.NoError(t, err)
			got, err := c.newMetaRequest(h)
			require.NoError(t, err)
			sameRequest(t, want, got)
			for _, q := range queries {
				want, err := gen.NewQueryAnalyticsRequest(c.server, h.params(), q)
				require.NoError(t, err)
				got, err := c.newQueryRequest(h, q)
				require.NoError(t, err)
				sameRequest(t, want, got)
			}
		}
	}
}

func sameRequest(t *testing.T, want, got *http.Request) {
	t.Helper()
	assert.Equal(t, want.Method, got.Method)
	assert.Equal(t, want.URL.String(), got.URL.String())
	assert.Equal(t, want.Host, got.Host)
	assert.Equal(t, want.Header, got.Header)
	assert.Equal(t, want.ContentLength, got.ContentLength)
	read := func(r *http.Request) string {
		if r.Body == nil {
			return ""
		}
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, read(want), read(got))
	assert.Equal(t, want.GetBody == nil, got.GetBody == nil)
}

// What building a query request costs: no more allocations than plain
// json.Marshal and http.NewRequest with the headers set.
//
// Not parallel: it counts the process's allocations.
func TestQueryRequestCost(t *testing.T) {
	c, err := NewClient(WithAPIKey("sk-or-v1-test"))
	require.NoError(t, err)
	h := appHeaders{title: "My app"}
	q := QueryRequest{Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"model"}, Granularity: GranularityDay}
	ours := testing.AllocsPerRun(200, func() { _, _ = c.newQueryRequest(h, q) })
	gens := testing.AllocsPerRun(200, func() { _, _ = gen.NewQueryAnalyticsRequest(c.server, h.params(), q) })
	assert.Less(t, ours, gens, "fewer allocations than gen's builder")
	assert.LessOrEqual(t, ours, 20.0)
	t.Logf("allocations: ours %.0f, gen's %.0f", ours, gens)
}
