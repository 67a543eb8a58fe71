// Package exporter serves OpenRouter's analytics as Prometheus metrics:
// spend per API key, model and workspace for today and the month to date
// (UTC), requests, tokens, p90 latency and cache hit rate per model, and
// the exporter's own health. It refreshes on its own interval, through
// the client's pacer, and a scrape only reads the last good values: any
// number of scrapers cost the same requests.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// DefaultInterval is how often the exporter asks the service. The
// service caches its answers for minutes (the cachedAt it sends), so a
// shorter interval mostly reads the same figures again; at 5 minutes the
// default series cost about 7 requests a refresh, 1.4 a minute of the
// service's 64.
const DefaultInterval = 5 * time.Minute

// DefaultMaxSeries is the most label sets a metric family keeps.
const DefaultMaxSeries = 500

// Windows and groupings the exporter knows.
const (
	WindowToday = "today" // since midnight UTC
	WindowMonth = "month" // since the first of the month, midnight UTC

	ByKey       = "key"
	ByModel     = "model"
	ByWorkspace = "workspace"
)

// Config is which series the exporter serves, and how often it asks.
type Config struct {
	// Interval between refreshes; DefaultInterval when zero.
	Interval time.Duration
	// Windows are the periods each series is given for: WindowToday and
	// WindowMonth (both when empty).
	Windows []string
	// By are the groupings of spend: ByKey, ByModel, ByWorkspace (all
	// three when empty). The per-model requests, tokens, latency and
	// cache hit rate come with ByModel.
	By []string
	// MaxSeries caps the label sets of each metric family, the costliest
	// kept; DefaultMaxSeries when zero. What is dropped is counted.
	MaxSeries int
	// Budgets are monthly budgets in USD by API key id, exposed beside
	// the spend for the budget alert; the key "" is every other key's.
	Budgets map[string]float64
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger gets a line for each failed refresh; none when nil.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Interval < time.Second {
		return c, fmt.Errorf("exporter: interval %s: want a second or more", c.Interval)
	}
	if len(c.Windows) == 0 {
		c.Windows = []string{WindowToday, WindowMonth}
	}
	for _, w := range c.Windows {
		if w != WindowToday && w != WindowMonth {
			return c, fmt.Errorf("exporter: window %q: want %s or %s", w, WindowToday, WindowMonth)
		}
	}
	if len(c.By) == 0 {
		c.By = []string{ByKey, ByModel, ByWorkspace}
	}
	for _, b := range c.By {
		if _, ok := groupings[b]; !ok {
			return c, fmt.Errorf("exporter: grouping %q: want %s, %s or %s", b, ByKey, ByModel, ByWorkspace)
		}
	}
	if c.MaxSeries == 0 {
		c.MaxSeries = DefaultMaxSeries
	}
	if c.MaxSeries < 1 {
		return c, fmt.Errorf("exporter: max series %d: want 1 or more", c.MaxSeries)
	}
	for id, usd := range c.Budgets {
		if !(usd > 0) {
			return c, fmt.Errorf("exporter: budget %v for key %q: want a positive number of USD", usd, id)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// Exporter holds the last good values and the health metrics.
type Exporter struct {
	cfg      Config
	registry *prometheus.Registry
	snap     atomic.Pointer[snapshot]
	refresh  sync.Mutex // one refresh at a time

	lastSuccess prometheus.Gauge
	duration    prometheus.Gauge
	dataAge     prometheus.Gauge
	errors      *prometheus.CounterVec
	requests    prometheus.Counter
	dropped     prometheus.Counter
	series      prometheus.Gauge
}

// New makes an exporter with no values yet: Refresh or Run fills them.
func New(cfg Config) (*Exporter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Exporter{cfg: cfg, registry: prometheus.NewRegistry()}
	e.lastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{Name: "openrouter_exporter_last_refresh_success_timestamp_seconds",
		Help: "When the last refresh that succeeded ended, in seconds since the Unix epoch; 0 before the first."})
	e.duration = prometheus.NewGauge(prometheus.GaugeOpts{Name: "openrouter_exporter_last_refresh_duration_seconds",
		Help: "How long the last refresh took, successful or not."})
	e.dataAge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "openrouter_exporter_data_age_seconds",
		Help: "How old the oldest answer of the last good refresh was when it came: its end less the service's cachedAt."})
	e.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openrouter_exporter_refresh_errors_total",
		Help: "Refreshes that failed, by kind: rate_limited, timeout, status_4xx, status_5xx, truncated, network, other. The previous values stay."},
		[]string{"kind"})
	e.requests = prometheus.NewCounter(prometheus.CounterOpts{Name: "openrouter_exporter_requests_total",
		Help: "HTTP requests sent to the API, retries and look-ups included."})
	e.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "openrouter_exporter_series_dropped_total",
		Help: "Label sets left out by the series cap (the least costly), summed over refreshes."})
	e.series = prometheus.NewGauge(prometheus.GaugeOpts{Name: "openrouter_exporter_series",
		Help: "Series of spend and usage the last good refresh holds."})
	for _, kind := range errorKinds {
		e.errors.WithLabelValues(kind) // every kind at 0, so that rate() sees the first error
	}
	e.registry.MustRegister(e.lastSuccess, e.duration, e.dataAge, e.errors, e.requests, e.dropped, e.series, collector{e})
	return e, nil
}

// CountRequests is middleware that counts the client's requests for
// openrouter_exporter_requests_total: give it to the client
// (sdk.WithMiddleware) that Refresh and Run use.
func (e *Exporter) CountRequests() sdk.Middleware {
	return func(req *http.Request, next sdk.MiddlewareNext) (*http.Response, error) {
		e.requests.Inc()
		return next(req)
	}
}

// Ready reports whether a refresh has succeeded.
func (e *Exporter) Ready() bool { return e.snap.Load() != nil }

// Handler serves /metrics (the Prometheus text format, or OpenMetrics
// when a scraper asks for it) and /ready (200 once the first refresh has
// succeeded, else 503). Neither sends a request to the API.
func (e *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(e.registry, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		if !e.Ready() {
			http.Error(w, "no refresh has succeeded yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("openrouter-analytics exporter: /metrics, /ready\n"))
	})
	return mux
}

// Run refreshes now and then every interval until ctx ends. A refresh
// that fails keeps the previous values; Run itself returns only ctx's
// error.
func (e *Exporter) Run(ctx context.Context, client *sdk.Client) error {
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		if err := e.Refresh(ctx, client); err != nil && e.cfg.Logger != nil && ctx.Err() == nil {
			e.cfg.Logger.Warn("refresh failed; the previous values stay", "kind", kindOf(err), "err", client.Redact(err.Error()))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Refresh asks the service for every series and, when all came back
// whole, makes them the values scrapes see. On an error the previous
// values stay, and openrouter_exporter_refresh_errors_total counts it.
func (e *Exporter) Refresh(ctx context.Context, client *sdk.Client) error {
	e.refresh.Lock()
	defer e.refresh.Unlock()
	began := time.Now()
	s, err := e.fetch(ctx, client)
	e.duration.Set(time.Since(began).Seconds())
	if err != nil {
		if ctx.Err() == nil {
			e.errors.WithLabelValues(kindOf(err)).Inc()
		}
		return err
	}
	e.dropped.Add(float64(s.dropped))
	e.series.Set(float64(len(s.series)))
	if !s.oldestCache.IsZero() {
		e.dataAge.Set(max(s.end.Sub(s.oldestCache).Seconds(), 0))
	} else {
		e.dataAge.Set(0)
	}
	e.snap.Store(s)
	e.lastSuccess.Set(float64(time.Now().UnixNano()) / 1e9)
	return nil
}

var errorKinds = []string{"rate_limited", "timeout", "status_4xx", "status_5xx", "truncated", "network", "other"}

// kindOf names an error for the errors counter's kind label.
func kindOf(err error) string {
	var rl *sdk.RateLimitError
	var api *sdk.APIError
	var tr *sdk.TruncatedError
	var at *sdk.AttemptTimeoutError
	var netErr interface{ Timeout() bool }
	switch {
	case errors.As(err, &rl):
		return "rate_limited"
	case errors.As(err, &tr):
		return "truncated"
	case errors.As(err, &at), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &api) && api.StatusCode == http.StatusTooManyRequests:
		return "rate_limited"
	case errors.As(err, &api) && api.StatusCode >= 500:
		return "status_5xx"
	case errors.As(err, &api):
		return "status_4xx"
	case errors.As(err, &netErr):
		return "network"
	}
	return "other"
}
