package exporter_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/exporter"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// now is the tests' clock: the middle of a day, the 18th of its month,
// with the fake's data running up to the end of its hour.
var now = time.Date(2026, 11, 18, 13, 37, 21, 0, time.UTC)

func liveData() analyticstest.DataConfig {
	return analyticstest.DataConfig{Rows: 20_000, Days: 40, End: now.Truncate(time.Hour).Add(time.Hour)}
}

// newExporter is an exporter on the fake, and the fake.
func newExporter(t *testing.T, cfg exporter.Config, opts ...analyticstest.Option) (*exporter.Exporter, *sdk.Client, *analyticstest.Server) {
	t.Helper()
	fake := analyticstest.NewServer(t, append([]analyticstest.Option{analyticstest.WithData(liveData())}, opts...)...)
	cfg.Now = func() time.Time { return now }
	e, err := exporter.New(cfg)
	require.NoError(t, err)
	c := fake.Client(sdk.WithMiddleware(e.CountRequests()), sdk.WithMaxRetries(0))
	return e, c, fake
}

// scrape reads /metrics as Prometheus would, into its families.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	require.NoError(t, err)
	return fams
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func gaugeValue(m *dto.Metric) float64 {
	if m.GetGauge() != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetCounter().GetValue()
}

func sumOf(t *testing.T, res *sdk.QueryResult, col string) float64 {
	t.Helper()
	total := 0.0
	for _, r := range res.Data {
		v, err := r.Float(col)
		require.NoError(t, err)
		total += v
	}
	return total
}

// Every key's spend, today and month to date, is what a query filtered
// on that key's id gives, to the cent; the two keys called CI are two
// series.
func TestSpendPerKeyIsTheQuerys(t *testing.T) {
	t.Parallel()

	e, c, _ := newExporter(t, exporter.Config{})
	require.False(t, e.Ready())
	require.NoError(t, e.Refresh(t.Context(), c))
	require.True(t, e.Ready())

	fams := scrape(t, e.Handler())
	keys := fams["openrouter_api_key_spend_usd"]
	require.NotNil(t, keys)
	windows := map[string]sdk.TimeRange{
		"today": {Start: time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC), End: now},
		"month": {Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), End: now},
	}
	ci := map[string]bool{}
	for _, m := range keys.GetMetric() {
		id, name, w := label(m, "api_key_id"), label(m, "api_key_name"), label(m, "window")
		require.NotEmpty(t, id, name)
		if name == "CI" {
			ci[id] = true
		}
		res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"total_usage"}, TimeRange: windows[w],
			Filters: []sdk.Filter{sdk.Eq("api_key_id", id)}})
		require.NoError(t, err)
		assert.InDelta(t, sumOf(t, res, "total_usage"), gaugeValue(m), 0.005, "%s (%s), %s", name, id, w)
	}
	assert.Len(t, ci, 2, "two keys with one name are two series")
	assert.Len(t, keys.GetMetric(), 8*2, "8 keys, 2 windows")

	// The models' and workspaces' spend add up to the keys'.
	total := func(name, window string) float64 {
		s := 0.0
		for _, m := range fams[name].GetMetric() {
			if label(m, "window") == window {
				s += gaugeValue(m)
			}
		}
		return s
	}
	for _, w := range []string{"today", "month"} {
		assert.InDelta(t, total("openrouter_api_key_spend_usd", w), total("openrouter_model_spend_usd", w), 0.005, w)
		assert.InDelta(t, total("openrouter_api_key_spend_usd", w), total("openrouter_workspace_spend_usd", w), 0.005, w)
	}
	for _, name := range []string{"openrouter_model_requests", "openrouter_model_tokens", "openrouter_model_latency_p90_seconds", "openrouter_model_cache_hit_ratio"} {
		assert.NotEmpty(t, fams[name].GetMetric(), name)
	}
	for _, m := range fams["openrouter_model_latency_p90_seconds"].GetMetric() {
		assert.Less(t, gaugeValue(m), 120.0, "seconds, not milliseconds")
	}
	assert.Positive(t, gaugeValue(fams["openrouter_exporter_last_refresh_success_timestamp_seconds"].GetMetric()[0]))
}

// What a refresh costs, and that a scrape costs nothing: five scrapers
// every 5 s for 10 minutes send the requests that none would.
func TestScrapersCostNoRequests(t *testing.T) {
	t.Parallel()

	run := func(scrapers int) int {
		var sent int
		synctest.Test(t, func(t *testing.T) {
			h := analyticstest.NewHandler(analyticstest.WithData(analyticstest.DataConfig{Rows: 5_000, Days: 40,
				End: time.Now().UTC().Truncate(time.Hour).Add(time.Hour)}), analyticstest.WithoutRequestLog())
			var mu sync.Mutex
			doer := sdk.HTTPDoerFunc(func(req *http.Request) (*http.Response, error) {
				mu.Lock()
				sent++
				mu.Unlock()
				if req.Body == nil {
					req.Body = http.NoBody // as a server's request always has one
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Result(), nil
			})
			e, err := exporter.New(exporter.Config{Interval: time.Minute})
			require.NoError(t, err)
			c, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL("http://fake.invalid"), sdk.WithHTTPClient(doer))
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute-time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for range scrapers {
				wg.Go(func() {
					tick := time.NewTicker(5 * time.Second)
					defer tick.Stop()
					for {
						select {
						case <-ctx.Done():
							return
						case <-tick.C:
							rec := httptest.NewRecorder()
							e.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
							assert.Equal(t, http.StatusOK, rec.Code)
						}
					}
				})
			}
			assert.ErrorIs(t, e.Run(ctx, c), context.DeadlineExceeded)
			wg.Wait()
		})
		return sent
	}
	none, five := run(0), run(5)
	t.Logf("requests in 10 minutes at a refresh a minute: %d with no scraper, %d with 5 scraping every 5 s", none, five)
	assert.Equal(t, none, five, "scrapes send no request")
	// 10 refreshes (one a minute, the first at midnight with nothing to
	// ask yet) of 7 queries at most each, and the look-ups.
	assert.Positive(t, none)
	assert.LessOrEqual(t, none, 10*7+20)
}

// A refresh that fails leaves the last values in place, and says so.
func TestAFailedRefreshKeepsTheLastValues(t *testing.T) {
	t.Parallel()

	e, c, fake := newExporter(t, exporter.Config{})
	require.NoError(t, e.Refresh(t.Context(), c))
	before := scrape(t, e.Handler())
	fake.SetChaos(analyticstest.ChaosConfig{Rate: 1, Faults: []analyticstest.ChaosFault{analyticstest.Chaos503}})
	err := e.Refresh(t.Context(), c)
	require.Error(t, err)
	after := scrape(t, e.Handler())
	for _, name := range []string{"openrouter_api_key_spend_usd", "openrouter_model_spend_usd", "openrouter_exporter_last_refresh_success_timestamp_seconds"} {
		assert.Equal(t, before[name].String(), after[name].String(), "%s is as it was, never zeros", name)
	}
	for _, m := range after["openrouter_exporter_refresh_errors_total"].GetMetric() {
		want := 0.0
		if label(m, "kind") == "status_5xx" {
			want = 1
		}
		assert.Equal(t, want, gaugeValue(m), label(m, "kind"))
	}
	assert.True(t, e.Ready(), "still ready: the values are the last good ones")
	fake.SetChaos(analyticstest.ChaosConfig{})
	require.NoError(t, e.Refresh(t.Context(), c))
}

// The cap keeps the costliest label sets and counts the rest.
func TestTheSeriesCap(t *testing.T) {
	t.Parallel()

	e, c, _ := newExporter(t, exporter.Config{By: []string{exporter.ByKey}, Windows: []string{exporter.WindowMonth}, MaxSeries: 3})
	require.NoError(t, e.Refresh(t.Context(), c))
	fams := scrape(t, e.Handler())
	keys := fams["openrouter_api_key_spend_usd"].GetMetric()
	require.Len(t, keys, 3)
	assert.Equal(t, 5.0, gaugeValue(fams["openrouter_exporter_series_dropped_total"].GetMetric()[0]))
	names := []string{}
	for _, m := range keys {
		names = append(names, label(m, "api_key_name"))
	}
	assert.ElementsMatch(t, []string{"Production", "Staging", "CI"}, names, "the three costliest")
	assert.Nil(t, fams["openrouter_model_spend_usd"], "only the groupings asked for")
}

func TestBudgets(t *testing.T) {
	t.Parallel()

	e, c, _ := newExporter(t, exporter.Config{By: []string{exporter.ByKey}, Budgets: map[string]float64{
		"": 50, "ec298038aa04104b4b95e1a1878f8654a78b882dc717197d81c336436ea96dc2": 500}})
	require.NoError(t, e.Refresh(t.Context(), c))
	budgets := scrape(t, e.Handler())["openrouter_api_key_budget_usd"].GetMetric()
	require.Len(t, budgets, 8)
	for _, m := range budgets {
		want := 50.0
		if label(m, "api_key_name") == "Production" {
			want = 500
		}
		assert.Equal(t, want, gaugeValue(m))
	}
}

func TestBadConfig(t *testing.T) {
	t.Parallel()

	for _, cfg := range []exporter.Config{
		{Interval: time.Millisecond}, {Interval: -time.Minute}, {Windows: []string{"week"}}, {By: []string{"provider"}},
		{MaxSeries: -1}, {Budgets: map[string]float64{"": -5}}, {Budgets: map[string]float64{"x": 0}},
	} {
		_, err := exporter.New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

// The key appears nowhere a scraper or a log reader can see.
func TestTheKeyStaysHidden(t *testing.T) {
	t.Parallel()

	e, c, fake := newExporter(t, exporter.Config{})
	require.NoError(t, e.Refresh(t.Context(), c))
	fake.SetChaos(analyticstest.ChaosConfig{Rate: 1, Faults: []analyticstest.ChaosFault{analyticstest.Chaos503}})
	err := e.Refresh(t.Context(), c)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), analyticstest.ManagementKey)
	for _, path := range []string{"/metrics", "/ready", "/"} {
		rec := httptest.NewRecorder()
		e.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(rec.Body)
		assert.NotContains(t, string(body), analyticstest.ManagementKey, path)
		assert.NotContains(t, string(body), strings.TrimPrefix(analyticstest.ManagementKey, "sk-or-v1-"), path)
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()

	e, c, _ := newExporter(t, exporter.Config{})
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NoError(t, e.Refresh(t.Context(), c))
	rec = httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
}

func httptestRecorder(e *exporter.Exporter, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// A scraper that asks for OpenMetrics gets it.
func TestOpenMetrics(t *testing.T) {
	t.Parallel()

	e, c, _ := newExporter(t, exporter.Config{By: []string{exporter.ByKey}})
	require.NoError(t, e.Refresh(t.Context(), c))
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, req)
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/openmetrics-text")
	assert.True(t, strings.HasSuffix(rec.Body.String(), "# EOF\n"))
	assert.Contains(t, rec.Body.String(), "# TYPE openrouter_exporter_requests counter\nopenrouter_exporter_requests_total ")
}
