package exporter

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// The metric families. Each spend and usage family has a window label:
// today (since midnight UTC) or month (since the first, midnight UTC).
var (
	keySpend = prometheus.NewDesc("openrouter_api_key_spend_usd",
		"Spend (total_usage) of an API key in USD over the window. Two keys with one name are two series: api_key_id is the key's hash.",
		[]string{"window", "api_key_id", "api_key_name"}, nil)
	keyBudget = prometheus.NewDesc("openrouter_api_key_budget_usd",
		"The monthly budget in USD set for an API key (--budget), for the budget alert.",
		[]string{"api_key_id", "api_key_name"}, nil)
	modelSpend = prometheus.NewDesc("openrouter_model_spend_usd",
		"Spend (total_usage) on a model in USD over the window; model is its permaslug.",
		[]string{"window", "model"}, nil)
	modelRequests = prometheus.NewDesc("openrouter_model_requests",
		"Requests (request_count) to a model over the window.",
		[]string{"window", "model"}, nil)
	modelTokens = prometheus.NewDesc("openrouter_model_tokens",
		"Tokens (tokens_total: prompt and completion) of a model over the window.",
		[]string{"window", "model"}, nil)
	modelLatency = prometheus.NewDesc("openrouter_model_latency_p90_seconds",
		"The 90th percentile of a model's latency (p90_latency) over the window, in seconds.",
		[]string{"window", "model"}, nil)
	modelCache = prometheus.NewDesc("openrouter_model_cache_hit_ratio",
		"A model's cache hit rate (cache_hit_rate) over the window, from 0 to 1.",
		[]string{"window", "model"}, nil)
	workspaceSpend = prometheus.NewDesc("openrouter_workspace_spend_usd",
		"Spend (total_usage) of a workspace in USD over the window.",
		[]string{"window", "workspace_id", "workspace_name"}, nil)
)

// Descs are every family the exporter can serve, for the docs' test.
var Descs = []*prometheus.Desc{keySpend, keyBudget, modelSpend, modelRequests, modelTokens, modelLatency, modelCache, workspaceSpend}

// grouping is how one --by value is asked and labelled.
type grouping struct {
	dim     string
	metrics []string           // asked by day and summed
	descs   []*prometheus.Desc // one for each metric, in order
	labels  func(id, label string) []string
}

var groupings = map[string]grouping{
	ByKey: {dim: "api_key_id", metrics: []string{"total_usage"}, descs: []*prometheus.Desc{keySpend},
		labels: func(id, label string) []string { return []string{id, label} }},
	ByModel: {dim: "model", metrics: []string{"total_usage", "request_count", "tokens_total"}, descs: []*prometheus.Desc{modelSpend, modelRequests, modelTokens},
		labels: func(id, label string) []string { return []string{cmp.Or(id, label)} }},
	ByWorkspace: {dim: "workspace", metrics: []string{"total_usage"}, descs: []*prometheus.Desc{workspaceSpend},
		labels: func(id, label string) []string { return []string{id, label} }},
}

// snapshot is one good refresh: the samples a scrape returns.
type snapshot struct {
	series      []sample
	end         time.Time // the refresh's "now"
	oldestCache time.Time
	dropped     int
}

type sample struct {
	desc   *prometheus.Desc
	value  float64
	labels []string
}

// totals is one label set's sums, per window, per metric.
type totals struct {
	labels []string
	today  []float64
	month  []float64
}

// fetch asks for every series of the config.
func (e *Exporter) fetch(ctx context.Context, client *sdk.Client) (*snapshot, error) {
	end := e.cfg.Now().UTC().Truncate(time.Second)
	day := end.Truncate(24 * time.Hour)
	month := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
	s := &snapshot{end: end}
	from := day
	if slices.Contains(e.cfg.Windows, WindowMonth) {
		from = month
	}
	for _, by := range e.cfg.By {
		g := groupings[by]
		sums, err := e.daily(ctx, client, s, g, sdk.TimeRange{Start: from, End: end}, day)
		if err != nil {
			return nil, err
		}
		for i, desc := range g.descs {
			e.emit(s, desc, sums, func(t *totals, window string) (float64, bool) {
				if window == WindowToday {
					return t.today[i], true
				}
				return t.month[i], true
			})
		}
		if by == ByKey && len(e.cfg.Budgets) > 0 {
			e.budgets(s, sums)
		}
		if by == ByModel {
			if err := e.modelRates(ctx, client, s, map[string]sdk.TimeRange{WindowToday: {Start: day, End: end}, WindowMonth: {Start: month, End: end}}); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// daily asks for a grouping's metrics by day over tr, and sums them per
// label set for the month and for the day that starts at today.
func (e *Exporter) daily(ctx context.Context, client *sdk.Client, s *snapshot, g grouping, tr sdk.TimeRange, today time.Time) (map[string]*totals, error) {
	sums := map[string]*totals{}
	if !tr.End.After(tr.Start) {
		return sums, nil // midnight on the first: nothing yet
	}
	q := sdk.QueryRequest{Metrics: g.metrics, Dimensions: []string{g.dim}, Granularity: sdk.GranularityDay, TimeRange: tr}
	for page, err := range client.QueryPages(ctx, q) {
		if err != nil {
			return nil, fmt.Errorf("%s by day: %w", g.dim, err)
		}
		s.noteCache(page.CacheTime())
		pq := q
		pq.TimeRange = page.TimeRange
		a, err := client.Attribute(ctx, pq, page.Rows)
		if err != nil {
			return nil, err
		}
		for i, r := range a.Rows {
			b, err := r.Bucket()
			if err != nil {
				return nil, err
			}
			labels := g.labels(a.IDs[i][g.dim], labelText(r, g.dim))
			key := strings.Join(labels, "\x00")
			t := sums[key]
			if t == nil {
				t = &totals{labels: labels, today: make([]float64, len(g.metrics)), month: make([]float64, len(g.metrics))}
				sums[key] = t
			}
			for m, name := range g.metrics {
				v, err := value(r, name)
				if err != nil {
					return nil, err
				}
				t.month[m] += v
				if !b.Start.Before(today) {
					t.today[m] += v
				}
			}
		}
	}
	// The service's money is decimal: sums of it are kept to the
	// nano-dollar, not to the float's last bit.
	for _, t := range sums {
		for m := range g.metrics {
			t.month[m] = math.Round(t.month[m]*1e9) / 1e9
			t.today[m] = math.Round(t.today[m]*1e9) / 1e9
		}
	}
	return sums, nil
}

// modelRates asks for p90 latency and cache hit rate per model, once for
// each window: rates do not add up over days.
func (e *Exporter) modelRates(ctx context.Context, client *sdk.Client, s *snapshot, ranges map[string]sdk.TimeRange) error {
	latency, cache := map[string]*totals{}, map[string]*totals{}
	for _, w := range e.cfg.Windows {
		tr := ranges[w]
		if !tr.End.After(tr.Start) {
			continue
		}
		q := sdk.QueryRequest{Metrics: []string{"p90_latency", "cache_hit_rate"}, Dimensions: []string{"model"}, TimeRange: tr}
		for page, err := range client.QueryPages(ctx, q) {
			if err != nil {
				return fmt.Errorf("model rates, %s: %w", w, err)
			}
			s.noteCache(page.CacheTime())
			a, err := client.Attribute(ctx, q, page.Rows)
			if err != nil {
				return err
			}
			for i, r := range a.Rows {
				labels := groupings[ByModel].labels(a.IDs[i]["model"], labelText(r, "model"))
				for name, into := range map[string]map[string]*totals{"p90_latency": latency, "cache_hit_rate": cache} {
					if r.IsNull(name) {
						continue // no traffic of the kind: no sample, rather than a 0
					}
					v, err := value(r, name)
					if err != nil {
						return err
					}
					if name == "p90_latency" {
						v /= 1000 // ms to seconds, Prometheus' base unit
					}
					key := strings.Join(labels, "\x00")
					t := into[key]
					if t == nil {
						t = &totals{labels: labels, today: []float64{nan}, month: []float64{nan}}
						into[key] = t
					}
					if w == WindowToday {
						t.today[0] = v
					} else {
						t.month[0] = v
					}
				}
			}
		}
	}
	for desc, sums := range map[*prometheus.Desc]map[string]*totals{modelLatency: latency, modelCache: cache} {
		e.emit(s, desc, sums, func(t *totals, window string) (float64, bool) {
			v := t.month[0]
			if window == WindowToday {
				v = t.today[0]
			}
			return v, v == v // NaN: none for that window
		})
	}
	return nil
}

// emit adds a family's samples to s, for each window of the config, at
// most MaxSeries label sets of it, the costliest (by the month's value,
// else today's) first.
func (e *Exporter) emit(s *snapshot, desc *prometheus.Desc, sums map[string]*totals, get func(*totals, string) (float64, bool)) {
	list := make([]*totals, 0, len(sums))
	for _, t := range sums {
		list = append(list, t)
	}
	rank := func(t *totals) float64 {
		for _, w := range []string{WindowMonth, WindowToday} {
			if v, ok := get(t, w); ok && slices.Contains(e.cfg.Windows, w) {
				return v
			}
		}
		return 0
	}
	slices.SortFunc(list, func(a, b *totals) int {
		if r := cmp.Compare(rank(b), rank(a)); r != 0 {
			return r
		}
		return slices.Compare(a.labels, b.labels)
	})
	if len(list) > e.cfg.MaxSeries {
		s.dropped += len(list) - e.cfg.MaxSeries
		list = list[:e.cfg.MaxSeries]
	}
	for _, t := range list {
		for _, w := range e.cfg.Windows {
			if v, ok := get(t, w); ok {
				s.series = append(s.series, sample{desc: desc, value: v, labels: append([]string{w}, t.labels...)})
			}
		}
	}
}

// budgets adds the budget of each key seen.
func (e *Exporter) budgets(s *snapshot, keys map[string]*totals) {
	for _, t := range keys {
		usd, ok := e.cfg.Budgets[t.labels[0]]
		if !ok {
			usd, ok = e.cfg.Budgets[""]
		}
		if ok {
			s.series = append(s.series, sample{desc: keyBudget, value: usd, labels: t.labels})
		}
	}
}

func (s *snapshot) noteCache(t time.Time) {
	if !t.IsZero() && (s.oldestCache.IsZero() || t.Before(s.oldestCache)) {
		s.oldestCache = t
	}
}

var nan = math.NaN()

// labelText is a row's label for a dimension, as text; "" when unset.
func labelText(r sdk.Row, dim string) string {
	s, err := r.Text(dim)
	if err != nil {
		if f, ferr := r.Float(dim); ferr == nil {
			return fmt.Sprint(f)
		}
		return ""
	}
	return s
}

// value is a metric of a row; a null (no traffic of that kind) is 0.
func value(r sdk.Row, metric string) (float64, error) {
	if r.IsNull(metric) {
		return 0, nil
	}
	v, err := r.Float(metric)
	if err != nil {
		return 0, fmt.Errorf("exporter: %w", err)
	}
	return v, nil
}
