package sdk_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/guidetest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// Tests against a handwritten server that answers as OpenRouter's guides
// say the live service does (internal/guidetest), not the fake.

var guideStart = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func guideClient(t *testing.T, cfg guidetest.Config) (*guidetest.Server, *sdk.Client) {
	t.Helper()
	if cfg.Start.IsZero() {
		cfg.Start, cfg.End = guideStart, guideStart.AddDate(0, 0, 40)
	}
	s := guidetest.New(cfg)
	t.Cleanup(s.Close)
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(s.URL), sdk.WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return s, c
}

// A count sent as "1540" is 1540 to every reader: Int, Float and Decode.
func TestStringCountsReadAsNumbers(t *testing.T) {
	t.Parallel()

	s, c := guideClient(t, guidetest.Config{})
	res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count", "total_usage", "usage_web"}, Dimensions: []string{"model"},
		TimeRange: sdk.TimeRange{Start: guideStart, End: guideStart.AddDate(0, 0, 30)}})
	require.NoError(t, err)
	require.Len(t, res.Data, 3)
	raw, _ := res.Data[0].Get("request_count")
	require.IsType(t, "", raw, "the server sends counts as strings")

	type byModel struct {
		Model    string   `json:"model"`
		Requests int64    `json:"request_count"`
		Spend    float64  `json:"total_usage"`
		Web      *float64 `json:"usage_web"`
	}
	typed, err := row.Decode[byModel](res.Data)
	require.NoError(t, err)
	var total int64
	for i, r := range res.Data {
		n, err := r.Int("request_count")
		require.NoError(t, err)
		f, err := r.Float("request_count")
		require.NoError(t, err)
		assert.Equal(t, float64(n), f)
		assert.Equal(t, n, typed[i].Requests)
		assert.Nil(t, typed[i].Web, "an unused component is null, not 0")
		total += n
	}
	assert.Equal(t, int64(s.Total("request_count", guideStart, guideStart.AddDate(0, 0, 30))), total)
}

// Row.Bucket and a time.Time field read every bucket shape under either
// prefix: a bare date, "YYYY-MM-DD HH:MM:SS", RFC 3339.
func TestEveryBucketShapeReads(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		cfg  guidetest.Config
		g    sdk.Granularity
	}{
		{"bare dates", guidetest.Config{}, sdk.GranularityDay},
		{"created_at days", guidetest.Config{CreatedAt: true}, sdk.GranularityDay},
		{"clickhouse hours", guidetest.Config{}, sdk.GranularityHour},
		{"created_at hours", guidetest.Config{CreatedAt: true}, sdk.GranularityHour},
		{"spec times", guidetest.Config{SpecTimes: true, NumberCounts: true}, sdk.GranularityDay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := guideClient(t, tc.cfg)
			from := guideStart.AddDate(0, 0, 2)
			res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: tc.g,
				TimeRange: sdk.TimeRange{Start: from, End: from.AddDate(0, 0, 2)}, OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Asc}})
			require.NoError(t, err)
			require.NotEmpty(t, res.Data)
			b, err := res.Data[0].Bucket()
			require.NoError(t, err)
			assert.Equal(t, row.Bucket{Start: from, Granularity: string(tc.g)}, b)

			type bucketed struct {
				At       time.Time `row:"bucket"`
				Day      time.Time `json:"date__day"`
				Requests int64     `json:"request_count"`
			}
			if tc.g == sdk.GranularityDay {
				got, err := row.Decode[bucketed](res.Data)
				require.NoError(t, err)
				assert.Equal(t, from, got[0].At)
				assert.Equal(t, from, got[0].Day, "a field tagged date__day takes created_at__day too")
				assert.NotZero(t, got[0].Requests)
			}
		})
	}
}

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
