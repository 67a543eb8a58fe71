package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

const key = "sk-or-v1-bench"

// The two shapes a response may take: the OpenAPI document's (numbers
// as numbers, ISO timestamps) and the service's, as OpenRouter's guides
// show it (counts as strings, bare-date days, user and user_email, nulls).
const (
	shapeSpec    = "spec"
	shapeService = "service"
)

var shapes = []string{shapeSpec, shapeService}

var queries = map[string]sdk.QueryRequest{
	shapeSpec: {Metrics: []string{"request_count", "total_usage", "avg_latency", "cache_hit_rate"},
		Dimensions: []string{"model", "provider"}, Granularity: sdk.GranularityDay},
	shapeService: {Metrics: []string{"request_count", "tokens_total", "total_usage", "cache_hit_rate"},
		Dimensions: []string{"model", "user"}, Granularity: sdk.GranularityDay},
}

var models = []string{"openai/gpt-4o", "anthropic/claude-3.5-sonnet", "google/gemini-2.0-flash-001", "meta-llama/llama-3.3-70b-instruct", "deepseek/deepseek-r1"}
var providers = []string{"OpenAI", "Azure", "Anthropic", "Google Vertex", "DeepInfra", "Together"}
var users = []struct{ name, email string }{
	{"Ada Lovelace", "ada.lovelace@example.com"}, {"Grace Hopper", "grace.hopper@example.com"}, {"Alan Turing", "alan.turing@example.com"},
	{"", "ops-bot-07@example.com"}, {"Katherine Johnson", "katherine.johnson@example.com"}, {"", ""},
}

// payload is a realistic query response of n rows in a shape: a day
// bucket, two dimensions and four metrics per row (and the service's
// user_email beside its user).
func payload(shape string, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":{"data":[`)
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		d := day.AddDate(0, 0, i/30)
		cost := strconv.FormatFloat(float64(i%1000)*0.123457, 'f', 6, 64)
		if shape == shapeSpec {
			fmt.Fprintf(&b, `{"date__day":"%s","model":"%s","provider":"%s","request_count":%d,"total_usage":%s,"avg_latency":%s,"cache_hit_rate":%s}`,
				d.Format("2006-01-02T15:04:05.000Z"), models[i%len(models)], providers[i%len(providers)],
				1000+i%977, cost, strconv.FormatFloat(800+float64(i%500)*1.5, 'f', 3, 64), strconv.FormatFloat(float64(i%50)/1000, 'f', 6, 64))
			continue
		}
		u := users[i%len(users)]
		name, email := jsonOrNull(u.name), jsonOrNull(u.email)
		hit := "null"
		if i%7 != 0 {
			hit = strconv.FormatFloat(float64(i%50)/1000, 'f', 6, 64)
		}
		fmt.Fprintf(&b, `{"date__day":"%s","model":"%s","user":%s,"user_email":%s,"request_count":"%d","tokens_total":"%d","total_usage":%s,"cache_hit_rate":%s}`,
			d.Format("2006-01-02"), models[i%len(models)], name, email, 1000+i%977, 250_000+i*37%100_000, cost, hit)
	}
	fmt.Fprintf(&b, `],"metadata":{"query_time_ms":12.5,"row_count":%d,"truncated":false},"warnings":[],"cachedAt":1735689600000}}`, n)
	return b.Bytes()
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return strconv.Quote(s)
}

// metaBody is the catalog as the service lists it: 34 metrics, 13
// dimensions, 8 operators, 5 granularities.
func metaBody() []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":{"metrics":[`)
	for i := range 34 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"metric_%02d","display_label":"Metric %02d","is_rate":%t,"display_format":"number"}`, i, i, i%5 == 0)
	}
	b.WriteString(`],"dimensions":[`)
	for i := range 13 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"dimension_%02d","display_label":"Dimension %02d"}`, i, i)
	}
	b.WriteString(`],"operators":[`)
	for i, op := range []string{"eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte"} {
		if i > 0 {
			b.WriteByte(',')
		}
		vt := "scalar"
		if op == "in" || op == "not_in" {
			vt = "array"
		}
		fmt.Fprintf(&b, `{"name":"%s","value_type":"%s"}`, op, vt)
	}
	b.WriteString(`],"granularities":[`)
	for i, g := range []string{"minute", "hour", "day", "week", "month"} {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"%s","display_label":"%s"}`, g, strings.ToUpper(g[:1])+g[1:])
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// body is what the child server answers for a spec: "meta", or
// "<shape>:<rows>".
func body(spec string) []byte {
	if spec == "meta" {
		return metaBody()
	}
	shape, n, _ := strings.Cut(spec, ":")
	rows, _ := strconv.Atoi(n)
	return payload(shape, rows)
}

// newServer is a server in a child process (so that its allocations and
// CPU are not the client's) answering every request with body(spec).
func newServer(b *testing.B, spec string) (url string, payload []byte) {
	return startChild(b, "bytes:"+spec), body(spec)
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

// The typed rows, for the SDK (row.Decode) and for encoding/json, which
// needs ",string" for the service's counts and cannot read a bare date
// into a time.Time.
type typedRow struct {
	Day          time.Time `json:"date__day"`
	Model        string    `json:"model"`
	Provider     string    `json:"provider"`
	Requests     int       `json:"request_count"`
	Cost         float64   `json:"total_usage"`
	AvgLatency   float64   `json:"avg_latency"`
	CacheHitRate float64   `json:"cache_hit_rate"`
}

type typedServiceRow struct {
	Day          time.Time `json:"date__day"`
	Model        string    `json:"model"`
	User         *string   `json:"user"`
	Email        *string   `json:"user_email"`
	Requests     int64     `json:"request_count"`
	Tokens       int64     `json:"tokens_total"`
	Cost         float64   `json:"total_usage"`
	CacheHitRate *float64  `json:"cache_hit_rate"`
}

type baselineServiceRow struct {
	Day          string   `json:"date__day"`
	Model        string   `json:"model"`
	User         *string  `json:"user"`
	Email        *string  `json:"user_email"`
	Requests     int64    `json:"request_count,string"`
	Tokens       int64    `json:"tokens_total,string"`
	Cost         float64  `json:"total_usage"`
	CacheHitRate *float64 `json:"cache_hit_rate"`
}

type baselineTyped[R any] struct {
	Data struct {
		Data     []R `json:"data"`
		Metadata struct {
			RowCount  int  `json:"row_count"`
			Truncated bool `json:"truncated"`
		} `json:"metadata"`
	} `json:"data"`
}

type baselineMeta struct {
	Data struct {
		Metrics []struct {
			Name          string `json:"name"`
			DisplayLabel  string `json:"display_label"`
			IsRate        bool   `json:"is_rate"`
			DisplayFormat string `json:"display_format"`
		} `json:"metrics"`
		Dimensions []struct {
			Name         string `json:"name"`
			DisplayLabel string `json:"display_label"`
		} `json:"dimensions"`
		Operators []struct {
			Name      string `json:"name"`
			ValueType string `json:"value_type"`
		} `json:"operators"`
		Granularities []struct {
			Name         string `json:"name"`
			DisplayLabel string `json:"display_label"`
		} `json:"granularities"`
	} `json:"data"`
}

// send is plain net/http sending what the SDK sends: the query (or, for
// nil, the catalog's GET) with the key and the JSON headers.
func send(ctx context.Context, hc *http.Client, url string, q *sdk.QueryRequest) (*http.Response, error) {
	method, path, r := http.MethodGet, "/analytics/meta", io.Reader(nil)
	if q != nil {
		body, err := json.Marshal(q)
		if err != nil {
			return nil, err
		}
		method, path, r = http.MethodPost, "/analytics/query", bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if q != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp, nil
}

// baseline is plain net/http + encoding/json doing the SDK's work.
func baseline[T any](ctx context.Context, hc *http.Client, url string, q *sdk.QueryRequest, out *T) error {
	resp, err := send(ctx, hc, url, q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// limit is what any client that reads every token must pay: the same
// request, the response read through net/http into io.Discard, and a
// jsontext scan of every token of the same bytes in memory.
func limit(ctx context.Context, hc *http.Client, url string, q *sdk.QueryRequest, payload []byte) error {
	resp, err := send(ctx, hc, url, q)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read %d of %d bytes: %w", n, len(payload), err)
	}
	if n != int64(len(payload)) {
		return fmt.Errorf("read %d of %d bytes", n, len(payload))
	}
	dec := jsontext.NewDecoder(bytes.NewReader(payload))
	for {
		if _, err := dec.ReadToken(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// impls runs the three implementations of one scenario, side by side.
func impls(b *testing.B, bytes int, sdkOp, baselineOp, limitOp func() error) {
	for _, impl := range []struct {
		name string
		op   func() error
	}{{"sdk", sdkOp}, {"baseline", baselineOp}, {"limit", limitOp}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			if bytes > 0 {
				b.SetBytes(int64(bytes))
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := impl.op(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func httpClient(b *testing.B) *http.Client {
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// sdkTyped is the SDK's typed decode of a shape's n rows.
func sdkTyped(ctx context.Context, c *sdk.Client, shape string, q sdk.QueryRequest, n int) error {
	res, err := c.QueryAnalytics(ctx, q)
	if err != nil {
		return err
	}
	if shape == shapeSpec {
		rows, err := row.Decode[typedRow](res.Data)
		return wantRows(len(rows), n, err)
	}
	rows, err := row.Decode[typedServiceRow](res.Data)
	return wantRows(len(rows), n, err)
}

func wantRows(got, want int, err error) error {
	if err == nil && got != want {
		err = fmt.Errorf("%d rows, want %d", got, want)
	}
	return err
}

func BenchmarkMeta(b *testing.B) {
	url, body := newServer(b, "meta")
	c, hc := sdkClient(b, url), httpClient(b)
	impls(b, 0,
		func() error { _, err := c.GetAnalyticsMeta(b.Context()); return err },
		func() error { var out baselineMeta; return baseline(b.Context(), hc, url, nil, &out) },
		func() error { return limit(b.Context(), hc, url, nil, body) })
}

func BenchmarkRoundTrip(b *testing.B) {
	for _, shape := range shapes {
		b.Run("shape="+shape, func(b *testing.B) {
			q := queries[shape]
			url, body := newServer(b, shape+":3")
			c, hc := sdkClient(b, url), httpClient(b)
			impls(b, 0,
				func() error { _, err := c.QueryAnalytics(b.Context(), q); return err },
				func() error { var out baselineResponse; return baseline(b.Context(), hc, url, &q, &out) },
				func() error { return limit(b.Context(), hc, url, &q, body) })
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, shape := range shapes {
		for _, n := range []int{1_000, 10_000, 100_000} {
			q := queries[shape]
			url, body := newServer(b, fmt.Sprintf("%s:%d", shape, n))
			c, hc := sdkClient(b, url), httpClient(b)
			b.Run(fmt.Sprintf("shape=%s/rows=%d", shape, n), func(b *testing.B) {
				impls(b, len(body),
					func() error { res, err := c.QueryAnalytics(b.Context(), q); return wantRows(len(res.Data), n, err) },
					func() error {
						var out baselineResponse
						err := baseline(b.Context(), hc, url, &q, &out)
						return wantRows(len(out.Data.Data), n, err)
					},
					func() error { return limit(b.Context(), hc, url, &q, body) })
			})
			b.Run(fmt.Sprintf("shape=%s/typed-rows=%d", shape, n), func(b *testing.B) {
				typed := func() error { return sdkTyped(b.Context(), c, shape, q, n) }
				base := func() error {
					if shape == shapeSpec {
						var out baselineTyped[typedRow]
						err := baseline(b.Context(), hc, url, &q, &out)
						return wantRows(len(out.Data.Data), n, err)
					}
					var out baselineTyped[baselineServiceRow]
					err := baseline(b.Context(), hc, url, &q, &out)
					return wantRows(len(out.Data.Data), n, err)
				}
				impls(b, len(body), typed, base, func() error { return limit(b.Context(), hc, url, &q, body) })
			})
		}
	}
}

// BenchmarkPeakHeap reports the highest heap in use while one
// 100,000-row response is fetched and decoded, as a multiple of the
// payload's size (with the collector set to run often, so that the
// figure is close to what is live rather than garbage awaiting
// collection), for each shape, as rows and as typed rows.
func BenchmarkPeakHeap(b *testing.B) {
	const n = 100_000
	for _, shape := range shapes {
		q := queries[shape]
		url, body := newServer(b, fmt.Sprintf("%s:%d", shape, n))
		c, hc := sdkClient(b, url), httpClient(b)
		measure := func(b *testing.B, op func() error) {
			old := debug.SetGCPercent(10)
			defer debug.SetGCPercent(old)
			var worst float64
			for b.Loop() {
				runtime.GC()
				base := heapObjects()
				var err error
				peak := samplePeak(func() { err = op() })
				if err != nil {
					b.Fatal(err)
				}
				worst = max(worst, float64(peak-min(peak, base))/float64(len(body)))
			}
			b.ReportMetric(worst, "peak-heap/payload")
			b.ReportMetric(float64(len(body))/(1<<20), "payload-MiB")
		}
		b.Run("shape="+shape+"/rows/impl=sdk", func(b *testing.B) {
			measure(b, func() error { res, err := c.QueryAnalytics(b.Context(), q); return wantRows(len(res.Data), n, err) })
		})
		b.Run("shape="+shape+"/rows/impl=baseline", func(b *testing.B) {
			measure(b, func() error {
				var out baselineResponse
				err := baseline(b.Context(), hc, url, &q, &out)
				return wantRows(len(out.Data.Data), n, err)
			})
		})
		b.Run("shape="+shape+"/typed/impl=sdk", func(b *testing.B) {
			measure(b, func() error { return sdkTyped(b.Context(), c, shape, q, n) })
		})
	}
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

// server answers every query with body and counts the connections it
// accepts: in this process, for the connection count.
type server struct {
	*httptest.Server
	conns atomic.Int64
}

func newCountingServer(b *testing.B, body []byte) *server {
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
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
	q := queries[shapeService]
	b.Run("impl=sdk", func(b *testing.B) {
		s := newCountingServer(b, payload(shapeService, 3))
		c := sdkClient(b, s.URL)
		run(b, s, func() error { _, err := c.QueryAnalytics(context.Background(), q); return err })
	})
	b.Run("impl=baseline", func(b *testing.B) {
		s := newCountingServer(b, payload(shapeService, 3))
		hc := httpClient(b)
		run(b, s, func() error { var out baselineResponse; return baseline(context.Background(), hc, s.URL, &q, &out) })
	})
}
