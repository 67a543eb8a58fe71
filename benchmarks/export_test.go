package benchmarks

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/series"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// childServer names the server a child process of this test binary runs
// for the benchmarks: "fake", "series:<hours>" (100 users), or
// "bytes:<spec>", fixed bytes (see body).
const childServer = "OPENROUTER_BENCH_CHILD_SERVER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childServer); spec != "" {
		serveChild(spec)
		return
	}
	os.Exit(m.Run())
}

var seriesStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// serveChild serves the named server on loopback, prints its URL and
// serves until its standard input closes.
func serveChild(spec string) {
	var h http.Handler
	switch {
	case strings.HasPrefix(spec, "bytes:"):
		// Fixed bytes, as the service might send them: body(spec).
		payload := body(strings.TrimPrefix(spec, "bytes:"))
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			_, _ = w.Write(payload)
		})
	case spec == "fake":
		h = analyticstest.NewHandler(analyticstest.WithoutRequestLog())
	case strings.HasPrefix(spec, "series:"):
		hours, _ := strconv.Atoi(strings.TrimPrefix(spec, "series:"))
		h = series.New(series.Config{Start: seriesStart, End: seriesStart.Add(time.Duration(hours) * time.Hour), Users: 100})
	default:
		fmt.Fprintln(os.Stderr, "unknown server", spec)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(ln, h) }()
	fmt.Printf("http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startChild runs a server in a child process, so that its allocations
// and its CPU are not the client's; it returns the server's URL.
func startChild(b *testing.B, spec string) string {
	cmd := testproc.Self([]string{"-test.run=^$"}, childServer+"="+spec)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal("the child server did not start: ", err)
	}
	return strings.TrimSpace(url)
}

// exportMetrics drains QueryAll once per round, dropping each row as it
// comes, and reports rows/s, the requests, the peak heap it raised, and
// the rows decoded per row delivered.
func exportMetrics(b *testing.B, c *sdk.Client, q sdk.QueryRequest, opts ...sdk.CallOption) {
	var last sdk.Progress
	var rows int
	var peak uint64
	opts = append(opts, sdk.WithProgress(func(p sdk.Progress) { last = p }))
	for b.Loop() {
		runtime.GC()
		base := heapObjects()
		p := samplePeak(func() {
			rows = 0
			for _, err := range c.QueryAll(b.Context(), q, opts...) {
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
		})
		peak = max(peak, p-min(p, base))
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(last.Requests), "requests")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(last.Fetched)/float64(rows), "decoded/delivered")
}

// BenchmarkExport pages through a dense hourly series of 100 users served
// by a child process (internal/series, 10,000 rows to a response): 1,000,
// 4,000 and 8,760 hours (a year), so 100,000 to 876,000 rows. The peak
// heap should not grow with the rows, and each row should be decoded
// about once.
func BenchmarkExport(b *testing.B) {
	for _, hours := range []int{1000, 4000, 8760} {
		b.Run(fmt.Sprintf("rows=%d", hours*100), func(b *testing.B) {
			url := startChild(b, fmt.Sprint("series:", hours))
			c, err := sdk.NewClient(sdk.WithAPIKey("sk-or-bench"), sdk.WithBaseURL(url), sdk.WithRateLimit(0, 0))
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			exportMetrics(b, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
				Granularity: sdk.GranularityHour, TimeRange: sdk.TimeRange{Start: seriesStart, End: seriesStart.Add(time.Duration(hours) * time.Hour)}})
		})
	}
}

// BenchmarkQueryAll gathers every hourly row by user over the fake's 90
// days (36,671 rows; one response holds 10,000) from the fake in a child
// process, at a few concurrencies and page sizes.
func BenchmarkQueryAll(b *testing.B) {
	url := startChild(b, "fake")
	end := analyticstest.DefaultEnd
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"},
		Granularity: sdk.GranularityHour, TimeRange: sdk.TimeRange{Start: end.Add(-90 * 24 * time.Hour), End: end}}
	for _, tc := range []struct{ page, concurrency int }{{0, 1}, {0, 4}, {0, 8}, {2000, 1}, {2000, 4}, {2000, 8}} {
		page := "default"
		if tc.page > 0 {
			page = fmt.Sprint(tc.page)
		}
		b.Run(fmt.Sprintf("page=%s/concurrency=%d", page, tc.concurrency), func(b *testing.B) {
			c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(url), sdk.WithRateLimit(0, 0))
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			q := q
			q.Limit = tc.page
			exportMetrics(b, c, q, sdk.WithConcurrency(tc.concurrency))
		})
	}
}
