package benchmarks

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// BenchmarkQueryAll gathers every hourly row by user over the fake's 90
// days (36,671 rows; one response holds 10,000) against the fake on
// loopback, and reports rows/s, the requests it took and the peak heap.
// The single truncated query is beside it for scale. The fake runs in the
// same process, so the fetches share its 2 cores with the server.
func BenchmarkQueryAll(b *testing.B) {
	fake := analyticstest.NewServer(b, analyticstest.WithoutRequestLog())
	end := analyticstest.DefaultEnd
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
		Granularity: sdk.GranularityHour, TimeRange: sdk.TimeRange{Start: end.Add(-90 * 24 * time.Hour), End: end}}

	measure := func(b *testing.B, op func() (rows, requests int)) {
		var rows, requests int
		var peak uint64
		for b.Loop() {
			runtime.GC()
			base := heapObjects()
			p := samplePeak(func() { rows, requests = op() })
			peak = max(peak, p-base)
		}
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(requests), "requests")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	}
	b.Run("single-truncated", func(b *testing.B) {
		c := fake.Client()
		measure(b, func() (int, int) {
			res, err := c.QueryAnalytics(b.Context(), q)
			if err != nil || !res.Metadata.Truncated {
				b.Fatal(err, "want a truncated result")
			}
			return len(res.Data), 1
		})
	})
	for _, tc := range []struct{ page, concurrency int }{{0, 1}, {0, 4}, {0, 8}, {2000, 1}, {2000, 4}, {2000, 8}} {
		page := "default"
		if tc.page > 0 {
			page = fmt.Sprint(tc.page)
		}
		b.Run(fmt.Sprintf("all/page=%s/concurrency=%d", page, tc.concurrency), func(b *testing.B) {
			c := fake.Client()
			q := q
			q.Limit = tc.page
			measure(b, func() (int, int) {
				rows, pieces := 0, 0
				progress := sdk.WithProgress(func(p sdk.Progress) { pieces = p.Done })
				for _, err := range c.QueryAll(b.Context(), q, sdk.WithConcurrency(tc.concurrency), progress) {
					if err != nil {
						b.Fatal(err)
					}
					rows++
				}
				return rows, pieces
			})
		})
	}
}
