package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

const key = "sk-or-v1-bench"

var query = sdk.QueryRequest{
	Metrics:     []string{"request_count", "total_usage", "avg_latency", "cache_hit_rate"},
	Dimensions:  []string{"model", "provider"},
	Granularity: sdk.GranularityDay,
}

var models = []string{"openai/gpt-4o", "anthropic/claude-3.5-sonnet", "google/gemini-2.0-flash-001", "meta-llama/llama-3.3-70b-instruct", "deepseek/deepseek-r1"}
var providers = []string{"OpenAI", "Azure", "Anthropic", "Google Vertex", "DeepInfra", "Together"}

// payload is a realistic query response of n rows: a day bucket, two
// dimensions and four metrics per row.
func payload(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":{"data":[`)
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"date__day":"%s","model":"%s","provider":"%s","request_count":%d,"total_usage":%s,"avg_latency":%s,"cache_hit_rate":%s}`,
			day.AddDate(0, 0, i/30).Format("2006-01-02T15:04:05.000Z"), models[i%len(models)], providers[i%len(providers)],
			1000+i%977, strconv.FormatFloat(float64(i%1000)*0.123457, 'f', 6, 64),
			strconv.FormatFloat(800+float64(i%500)*1.5, 'f', 3, 64), strconv.FormatFloat(float64(i%50)/1000, 'f', 6, 64))
	}
	fmt.Fprintf(&b, `],"metadata":{"query_time_ms":12.5,"row_count":%d,"truncated":false},"warnings":[],"cachedAt":1735689600000}}`, n)
	return b.Bytes()
}

// server answers every query with body and counts the connections it accepts.
type server struct {
	*httptest.Server
	conns atomic.Int64
}

func newServer(b *testing.B, body []byte) *server {
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = r.Body.Read(make([]byte, 512))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	b.Cleanup(s.Close)
	return s
}

func sdkClient(b *testing.B, url string, opts ...sdk.Option) *sdk.Client {
	c, err := sdk.NewClient(append([]sdk.Option{sdk.WithAPIKey(key), sdk.WithBaseURL(url), sdk.WithMaxRetries(0), sdk.WithRateLimit(0, 0)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// The baseline's types: what a hand-written client would decode into.
type baselineResponse struct {
	Data struct {
		Data     []map[string]any `json:"data"`
		Metadata struct {
			QueryTimeMs float64 `json:"query_time_ms"`
			RowCount    int     `json:"row_count"`
			Truncated   bool    `json:"truncated"`
		} `json:"metadata"`
		Warnings []string `json:"warnings"`
		CachedAt float64  `json:"cachedAt"`
	} `json:"data"`
}

type typedRow struct {
	Day          time.Time `json:"date__day"`
	Model        string    `json:"model"`
	Provider     string    `json:"provider"`
	Requests     int       `json:"request_count"`
	Cost         float64   `json:"total_usage"`
	AvgLatency   float64   `json:"avg_latency"`
	CacheHitRate float64   `json:"cache_hit_rate"`
}

type baselineTypedResponse struct {
	Data struct {
		Data     []typedRow `json:"data"`
		Metadata struct {
			RowCount  int  `json:"row_count"`
			Truncated bool `json:"truncated"`
		} `json:"metadata"`
	} `json:"data"`
}

// baseline is plain net/http + encoding/json doing the SDK's work.
func baseline[T any](ctx context.Context, hc *http.Client, url string, out *T) error {
	body, err := json.Marshal(query)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/analytics/query", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func BenchmarkRoundTrip(b *testing.B) {
	s := newServer(b, payload(3))
	b.Run("impl=sdk", func(b *testing.B) {
		c := sdkClient(b, s.URL)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.QueryAnalytics(b.Context(), query); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=baseline", func(b *testing.B) {
		hc := &http.Client{Transport: &http.Transport{}}
		b.ReportAllocs()
		for b.Loop() {
			var out baselineResponse
			if err := baseline(b.Context(), hc, s.URL, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		body := payload(n)
		s := newServer(b, body)
		b.Run(fmt.Sprintf("rows=%d/impl=sdk", n), func(b *testing.B) {
			c := sdkClient(b, s.URL)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := c.QueryAnalytics(b.Context(), query)
				if err != nil || len(res.Data) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/impl=baseline", n), func(b *testing.B) {
			hc := &http.Client{Transport: &http.Transport{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var out baselineResponse
				if err := baseline(b.Context(), hc, s.URL, &out); err != nil || len(out.Data.Data) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("typed-rows=%d/impl=sdk", n), func(b *testing.B) {
			c := sdkClient(b, s.URL)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := c.QueryAnalytics(b.Context(), query)
				if err != nil {
					b.Fatal(err)
				}
				rows, err := row.Decode[typedRow](res.Data)
				if err != nil || len(rows) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("typed-rows=%d/impl=baseline", n), func(b *testing.B) {
			hc := &http.Client{Transport: &http.Transport{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var out baselineTypedResponse
				if err := baseline(b.Context(), hc, s.URL, &out); err != nil || len(out.Data.Data) != n {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPeakHeap reports the highest heap in use while one
// 100,000-row response is fetched and decoded, as a multiple of the
// payload's size (with the collector set to run often, so that the
// figure is close to what is live rather than garbage awaiting
// collection).
func BenchmarkPeakHeap(b *testing.B) {
	body := payload(100_000)
	s := newServer(b, body)
	measure := func(b *testing.B, op func() int) {
		old := debug.SetGCPercent(10)
		defer debug.SetGCPercent(old)
		var worst float64
		for b.Loop() {
			runtime.GC()
			base := heapObjects()
			peak := samplePeak(func() {
				if op() != 100_000 {
					b.Fatal("wrong row count")
				}
			})
			worst = max(worst, float64(peak-base)/float64(len(body)))
		}
		b.ReportMetric(worst, "peak-heap/payload")
		b.ReportMetric(float64(len(body))/(1<<20), "payload-MiB")
	}
	b.Run("impl=sdk", func(b *testing.B) {
		c := sdkClient(b, s.URL)
		measure(b, func() int {
			res, err := c.QueryAnalytics(b.Context(), query)
			if err != nil {
				b.Fatal(err)
			}
			return len(res.Data)
		})
	})
	b.Run("impl=baseline", func(b *testing.B) {
		hc := &http.Client{Transport: &http.Transport{}}
		measure(b, func() int {
			var out baselineResponse
			if err := baseline(b.Context(), hc, s.URL, &out); err != nil {
				b.Fatal(err)
			}
			return len(out.Data.Data)
		})
	})
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapObjects() uint64 {
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

// samplePeak runs op while a goroutine samples the heap every 50 µs.
func samplePeak(op func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(50 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	op()
	close(done)
	wg.Wait()
	return max(peak.Load(), heapObjects())
}

// BenchmarkConcurrent sends 1,000 concurrent queries over one client and
// reports the connections the server accepted.
func BenchmarkConcurrent(b *testing.B) {
	const callers = 1000
	run := func(b *testing.B, s *server, call func() error) {
		b.ReportAllocs()
		start := s.conns.Load()
		for b.Loop() {
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for range callers {
				wg.Go(func() {
					if err := call(); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(s.conns.Load()-start), "conns-opened")
		b.ReportMetric(float64(b.N*callers)/b.Elapsed().Seconds(), "queries/s")
	}
	b.Run("impl=sdk", func(b *testing.B) {
		s := newServer(b, payload(3))
		c := sdkClient(b, s.URL)
		run(b, s, func() error { _, err := c.QueryAnalytics(context.Background(), query); return err })
	})
	b.Run("impl=baseline", func(b *testing.B) {
		s := newServer(b, payload(3))
		hc := &http.Client{Transport: &http.Transport{}}
		run(b, s, func() error { var out baselineResponse; return baseline(context.Background(), hc, s.URL, &out) })
	})
}
