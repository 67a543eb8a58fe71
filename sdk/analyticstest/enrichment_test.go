package analyticstest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// The fake follows upstream's rule on every dimension: an enriched one
// shows a label, its filter takes the id (from the look-ups), and the
// label in a filter gets a warning and matches nothing; any other shows
// the value its filter takes.
func TestEnrichmentRule(t *testing.T) {
	t.Parallel()

	for _, v := range analyticstest.Variants() {
		t.Run(v.Name, func(t *testing.T) { testEnrichmentRule(t, v) })
	}
}

func testEnrichmentRule(t *testing.T, v analyticstest.Variant) {
	fake := analyticstest.NewServer(t, v.Options...)
	c := fake.Client(sdk.WithApps(analyticstest.Apps()...))
	ctx := t.Context()
	meta, err := c.GetAnalyticsMeta(ctx)
	require.NoError(t, err)
	require.Len(t, meta.Dimensions, 13)
	for _, d := range meta.Dimensions {
		// The service's rows show models by their permaslugs: the id.
		shownAsID := d.Name == "model" && v.Name != "spec"
		t.Run(d.Name, func(t *testing.T) {
			top, err := c.QueryAnalytics(ctx, sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{d.Name},
				OrderBy: sdk.OrderBy{Field: "request_count", Direction: sdk.Desc}, Limit: 3})
			require.NoError(t, err)
			var label string
			var want float64
			for _, r := range top.Data {
				if s, _ := r.Text(d.Name); s != "" {
					label, want = s, requests(&sdk.QueryResult{Data: sdk.Rows{r}})
					break
				}
			}
			require.NotEmpty(t, label)
			byLabel, err := c.QueryAnalytics(ctx, sdk.QueryRequest{Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Eq(d.Name, label)}})
			require.NoError(t, err)
			if !sdk.IsEnriched(d.Name) || shownAsID {
				assert.Equal(t, want, requests(byLabel), "the shown value is what the filter takes")
				assert.Empty(t, byLabel.Warnings)
				return
			}
			assert.Equal(t, []string{`filters[0]: ` + d.Name + ` value "` + label + `" could not be resolved`}, byLabel.Warnings)
			assert.Zero(t, requests(byLabel), "a label matches nothing")

			id, err := c.Resolve(ctx, d.Name, label)
			require.NoError(t, err)
			assert.NotEqual(t, label, id.ID)
			var value any = id.ID
			if d.Name == "app" {
				value = mustFloat(t, id.ID)
			}
			f, err := sdk.NewFilter(d.Name, sdk.OpEq, value)
			require.NoError(t, err)
			byID, err := c.QueryAnalytics(ctx, sdk.QueryRequest{Metrics: []string{"request_count"}, Filters: []sdk.Filter{f}})
			require.NoError(t, err)
			assert.Empty(t, byID.Warnings)
			assert.Equal(t, want, requests(byID), "the id finds the label's rows")
		})
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	for _, c := range s {
		f = f*10 + float64(c-'0')
	}
	return f
}

// requests is the request_count of a result of one row, or 0 for none.
func requests(res *sdk.QueryResult) float64 {
	if len(res.Data) == 0 {
		return 0
	}
	n, err := res.Data[0].Float("request_count")
	if err != nil {
		panic(err)
	}
	return n
}
