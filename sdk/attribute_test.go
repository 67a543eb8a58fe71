package sdk_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

var may2025 = sdk.TimeRange{Start: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}

func allRows(t *testing.T, c *sdk.Client, q sdk.QueryRequest) sdk.Rows {
	t.Helper()
	var rows sdk.Rows
	for r, err := range c.QueryAll(t.Context(), q) {
		require.NoError(t, err)
		rows = append(rows, r)
	}
	return rows
}

func sum(t *testing.T, rows sdk.Rows, col string) float64 {
	t.Helper()
	total := 0.0
	for _, r := range rows {
		v, err := r.Float(col)
		require.NoError(t, err)
		total += v
	}
	return total
}

// The fake's two keys called "CI" come back as two keys, each with the
// requests a filter on its id counts.
func TestAttributeTellsSharedLabelsApart(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	q := sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"api_key_id"},
		Granularity: sdk.GranularityDay, TimeRange: may2025}
	rows := allRows(t, c, q)
	before := requestsTo(fake, "/analytics/query")
	a, err := c.Attribute(t.Context(), q, rows)
	require.NoError(t, err)

	ciIDs := map[string]float64{}
	ciRows := 0
	for i, r := range a.Rows {
		label, _ := r.Text("api_key_id")
		id := a.IDs[i]["api_key_id"]
		require.NotEmpty(t, id, "row %d (%s) has no id", i, label)
		if label == "CI" {
			n, _ := r.Float("request_count")
			ciIDs[id] += n
			ciRows++
		}
	}
	require.Len(t, ciIDs, 2, "two keys called CI")
	assert.Zero(t, a.Unattributed)
	assert.Len(t, a.Asked, 2, "one query again for each id of the label")
	assert.Equal(t, 2, a.Requests)
	assert.Equal(t, a.Requests, requestsTo(fake, "/analytics/query")-before, "Requests counts the queries sent")
	assert.Equal(t, sum(t, rows, "request_count"), sum(t, a.Rows, "request_count"), "no request lost or counted twice")
	assert.InDelta(t, sum(t, rows, "total_usage"), sum(t, a.Rows, "total_usage"), 1e-6)

	// Computed another way: a filter on each id, no grouping.
	for id, n := range ciIDs {
		res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, TimeRange: may2025,
			Filters: []sdk.Filter{sdk.Eq("api_key_id", id)}})
		require.NoError(t, err)
		assert.Equal(t, n, sum(t, res.Data, "request_count"), "key %s", id)
	}
	// Still in date order.
	var last time.Time
	for _, r := range a.Rows {
		b, err := r.Bucket()
		require.NoError(t, err)
		assert.False(t, b.Start.Before(last))
		last = b.Start
	}
}

// What it costs: nothing where no label is shared; unknown ids are
// counted, not guessed.
func TestAttributeCostsNothingWithoutSharedLabels(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model", "app"}, TimeRange: may2025, Limit: 1000}
	rows := allRows(t, c, q)
	before := len(fake.Requests())
	a, err := c.Attribute(t.Context(), q, rows)
	require.NoError(t, err)
	assert.Empty(t, a.Asked)
	assert.Zero(t, a.Requests)
	assert.Equal(t, 1, len(fake.Requests())-before, "the models look-up (apps come from WithApps), and no query")
	unknown := 0
	for i, r := range a.Rows {
		assert.NotEmpty(t, a.IDs[i]["model"])
		if label, _ := r.Text("app"); label != "" {
			assert.Empty(t, a.IDs[i]["app"], "no app is known without WithApps")
			unknown++
		}
	}
	assert.Equal(t, unknown, a.Unattributed)
	assert.Positive(t, unknown)
	assert.Equal(t, rows, a.Rows, "unchanged, in the order they came")
}
