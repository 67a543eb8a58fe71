package analyticstest

import (
	"testing"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// BenchmarkQueryTwoDimensions scans all 100,000 generations, grouping by
// two dimensions with four metrics (the data set is built before timing).
func BenchmarkQueryTwoDimensions(b *testing.B) {
	h := NewHandler()
	q := sdk.QueryRequest{Metrics: []string{"request_count", "total_usage", "avg_latency", "cache_hit_rate"}, Dimensions: []string{"model", "country"}}
	if _, err := h.Query(q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := h.Query(q)
		if err != nil || len(res.Data) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueryDailyByModel is the demo's time series over all 90 days.
func BenchmarkQueryDailyByModel(b *testing.B) {
	h := NewHandler()
	q := sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityDay}
	if _, err := h.Query(q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Query(q); err != nil {
			b.Fatal(err)
		}
	}
}
