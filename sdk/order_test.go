package sdk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/guidetest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// QueryAll gathers every row of an answer larger than a page, under each
// bucket shape, and ranks string counts as numbers: 987 before 90.
func TestQueryAllRanksStringCountsAsNumbers(t *testing.T) {
	t.Parallel()

	for _, cfg := range []guidetest.Config{{PageRows: 50}, {PageRows: 50, CreatedAt: true}} {
		s, c := guideClient(t, cfg)
		end := guideStart.AddDate(0, 0, 40)
		q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityDay,
			TimeRange: sdk.TimeRange{Start: guideStart, End: end}, OrderBy: sdk.OrderBy{Field: "request_count", Direction: sdk.Desc}}
		rows, err := drain(t.Context(), c, q)
		require.NoError(t, err)
		require.Len(t, rows, 40*3, "40 days x 3 users")
		var sum int64
		prev := int64(1 << 62)
		for i, r := range rows {
			n, err := r.Int("request_count")
			require.NoError(t, err)
			assert.LessOrEqual(t, n, prev, "row %d: %d after %d", i, n, prev)
			prev = n
			sum += n
		}
		assert.Equal(t, int64(s.Total("request_count", guideStart, end)), sum)

		// By hour, whose keys read "2026-09-01 05:00:00".
		q = sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityHour,
			TimeRange: sdk.TimeRange{Start: guideStart, End: guideStart.AddDate(0, 0, 5)}}
		rows, err = drain(t.Context(), c, q)
		require.NoError(t, err)
		assert.Len(t, rows, 5*24)
	}
}
