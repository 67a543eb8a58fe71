package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Catalog is an /analytics/meta answer indexed for look-ups, to check
// queries against what the service offers before sending them.
type Catalog struct {
	meta       *AnalyticsMeta
	metrics    map[string]MetricInfo
	dimensions map[string]DimensionInfo
	operators  map[FilterOperator]OperatorInfo
	grains     map[Granularity]GranularityInfo
}

// newCatalog indexes a catalog the service sent.
func newCatalog(meta *AnalyticsMeta) *Catalog {
	c := &Catalog{
		meta:       meta,
		metrics:    make(map[string]MetricInfo, len(meta.Metrics)),
		dimensions: make(map[string]DimensionInfo, len(meta.Dimensions)),
		operators:  make(map[FilterOperator]OperatorInfo, len(meta.Operators)),
		grains:     make(map[Granularity]GranularityInfo, len(meta.Granularities)),
	}
	for _, m := range meta.Metrics {
		c.metrics[m.Name] = m
	}
	for _, d := range meta.Dimensions {
		c.dimensions[d.Name] = d
	}
	for _, o := range meta.Operators {
		c.operators[o.Name] = o
	}
	for _, g := range meta.Granularities {
		c.grains[g.Name] = g
	}
	return c
}

// Metric looks up a metric by name.
func (c *Catalog) Metric(name string) (MetricInfo, bool) {
	m, ok := c.metrics[name]
	return m, ok
}

// Dimension looks up a dimension by name.
func (c *Catalog) Dimension(name string) (DimensionInfo, bool) {
	d, ok := c.dimensions[name]
	return d, ok
}

// Check names, as joined *ValidationErrors, every metric, dimension, filter
// field, operator, granularity and order_by field of q the catalog does
// not list, with the closest known name when one is near ("cost": did you
// mean "total_usage"?). It is where names are checked: ValidateQuery checks
// only a query's structure, so that names the service adds after this
// version still reach it.
func (c *Catalog) Check(q *QueryRequest) error {
	var errs []error
	unknown := func(field, kind, name string, known []string) {
		problem := fmt.Sprintf("%q is not %s in the catalog", name, kind)
		if guess, ok := closest(name, known); ok {
			problem += fmt.Sprintf("; did you mean %q?", guess)
		}
		errs = append(errs, &ValidationError{Field: field, Problem: problem})
	}
	// Candidates in the catalog's order, which breaks ties ("tokens" is
	// in tokens_total and tokens_prompt: the service lists tokens_total
	// first).
	var metrics, dims, ops, grains []string
	for _, m := range c.meta.Metrics {
		metrics = append(metrics, m.Name)
	}
	for _, d := range c.meta.Dimensions {
		dims = append(dims, d.Name)
	}
	for _, o := range c.meta.Operators {
		ops = append(ops, string(o.Name))
	}
	for _, g := range c.meta.Granularities {
		grains = append(grains, string(g.Name))
	}
	for i, m := range q.Metrics {
		if _, ok := c.metrics[m]; !ok {
			unknown(fmt.Sprintf("metrics[%d]", i), "a metric", m, metrics)
		}
	}
	for i, d := range q.Dimensions {
		if _, ok := c.dimensions[d]; !ok {
			unknown(fmt.Sprintf("dimensions[%d]", i), "a dimension", d, dims)
		}
	}
	for i, f := range q.Filters {
		_, isDim := c.dimensions[f.Field]
		_, isMetric := c.metrics[f.Field]
		if !isDim && !isMetric {
			unknown(fmt.Sprintf("filters[%d].field", i), "a dimension or metric", f.Field, append(slices.Clone(dims), metrics...))
		}
		if _, ok := c.operators[f.Operator]; !ok {
			unknown(fmt.Sprintf("filters[%d].operator", i), "an operator", string(f.Operator), ops)
		}
	}
	if q.Granularity != "" {
		if _, ok := c.grains[q.Granularity]; !ok {
			unknown("granularity", "a granularity", string(q.Granularity), grains)
		}
	}
	if f := q.OrderBy.Field; f != "" && f != "date" && f != "request_count" &&
		!slices.Contains(q.Metrics, f) && !slices.Contains(q.Dimensions, f) {
		errs = append(errs, &ValidationError{Field: "order_by.field",
			Problem: fmt.Sprintf("%q is not a requested metric, request_count, a requested dimension or date", f)})
	}
	return errors.Join(errs...)
}

// closest is the known name a user most likely meant: one that contains
// the name or is contained in it (cost: total_usage), else the nearest by
// edit distance, if it is near enough to be a typo.
func closest(name string, known []string) (string, bool) {
	if name == "" {
		return "", false
	}
	if now, ok := formerNames[name]; ok && slices.Contains(known, now) {
		return now, true
	}
	if k, ok := sameWords(name, known); ok {
		return k, true
	}
	best, bestDist := "", -1
	for _, k := range known {
		d := editDistance(name, k)
		if strings.Contains(k, name) || strings.Contains(name, k) {
			d = 0
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := 1 // a short name: one slip at most ("dya" is not "day"'s typo, "like" not "lte"'s)
	if len(name) >= 5 {
		limit = max(2, len(name)/3)
	}
	return best, bestDist >= 0 && bestDist <= limit
}

// formerNames maps names users bring from other tools and from older
// documents to the service's own: no edit distance finds total_usage
// from total_cost.
var formerNames = map[string]string{
	"total_cost":        "total_usage",
	"cost":              "total_usage",
	"spend":             "total_usage",
	"usage":             "total_usage",
	"avg_cost":          "total_usage",
	"prompt_tokens":     "tokens_prompt",
	"completion_tokens": "tokens_completion",
	"total_tokens":      "tokens_total",
	"tokens":            "tokens_total",
	"requests":          "request_count",
	"latency":           "avg_latency",
	"throughput":        "avg_throughput",
	"api_key":           "api_key_id",
	"key":               "api_key_id",
}

// sameWords finds a known name with the same words as name in another
// order ("latency_p90" for "p90_latency").
func sameWords(name string, known []string) (string, bool) {
	words := strings.Split(name, "_")
	if len(words) < 2 {
		return "", false
	}
	slices.Sort(words)
	for _, k := range known {
		kw := strings.Split(k, "_")
		slices.Sort(kw)
		if slices.Equal(words, kw) {
			return k, true
		}
	}
	return "", false
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// DefaultCatalogTTL is how long the client keeps a fetched catalog unless
// WithCatalogTTL says otherwise: the service adds metrics and dimensions
// without notice.
const DefaultCatalogTTL = time.Hour

// Catalog returns the /analytics/meta catalog, fetched on first use and
// again once it is older than the catalog TTL; a failed fetch is not
// kept, so the next call tries again. Concurrent callers share one fetch
// (made with the options of the caller that started it), and each
// returns as soon as its own context ends; the fetch is cancelled when
// no caller is left waiting for it.
func (c *Client) Catalog(ctx context.Context, opts ...CallOption) (*Catalog, error) {
	cat, _, err := c.catalog.get(ctx, c.catalogTTL, 0, c.fetchCatalog(opts))
	return cat, err
}

// RefreshCatalog fetches the catalog now, whatever its age, and keeps it.
// A fetch already under way is shared rather than repeated.
func (c *Client) RefreshCatalog(ctx context.Context, opts ...CallOption) (*Catalog, error) {
	cat, _, err := c.catalog.get(ctx, c.catalogTTL, c.catalog.generation(), c.fetchCatalog(opts))
	return cat, err
}

// CheckQuery checks q's names against the catalog, as Catalog.Check does.
// A name the catalog does not know makes it fetch the catalog again,
// once, before refusing it, so a long-running program accepts a metric
// the service added after the catalog was fetched; concurrent callers
// share that fetch.
func (c *Client) CheckQuery(ctx context.Context, q *QueryRequest, opts ...CallOption) error {
	cat, gen, err := c.catalog.get(ctx, c.catalogTTL, 0, c.fetchCatalog(opts))
	if err != nil {
		return err
	}
	if err := cat.Check(q); err == nil {
		return nil
	}
	// Any catalog newer than the one just used will do, including one
	// another caller is fetching.
	if cat, _, err = c.catalog.get(ctx, c.catalogTTL, gen, c.fetchCatalog(opts)); err != nil {
		return err
	}
	return cat.Check(q)
}

func (c *Client) fetchCatalog(opts []CallOption) func(context.Context) (*Catalog, error) {
	return func(ctx context.Context) (*Catalog, error) {
		meta, err := c.GetAnalyticsMeta(ctx, opts...)
		if err != nil {
			return nil, err
		}
		return newCatalog(meta), nil
	}
}

// catalogCache keeps the last catalog fetched and shares the fetch in
// flight. Its lock is never held across the network.
type catalogCache struct {
	mu      sync.Mutex
	cat     *Catalog
	fetched time.Time
	gen     uint64 // how many fetches have succeeded
	flight  *catalogFetch
}

// catalogFetch is one fetch that callers wait for.
type catalogFetch struct {
	done    chan struct{}
	cat     *Catalog
	gen     uint64
	err     error
	waiters int
	cancel  context.CancelFunc
}

func (cc *catalogCache) generation() uint64 {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.gen
}

// get returns the kept catalog when it is younger than ttl and newer
// than generation after, else the result of a fetch (the one in flight,
// or a new one), with its generation.
func (cc *catalogCache) get(ctx context.Context, ttl time.Duration, after uint64, fetch func(context.Context) (*Catalog, error)) (*Catalog, uint64, error) {
	cc.mu.Lock()
	if cc.cat != nil && cc.gen > after && time.Since(cc.fetched) < ttl {
		cat, gen := cc.cat, cc.gen
		cc.mu.Unlock()
		return cat, gen, nil
	}
	f := cc.flight
	if f == nil {
		// The fetch outlives a first caller that gives up while others
		// still wait, so it does not take that caller's cancellation.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &catalogFetch{done: make(chan struct{}), cancel: cancel}
		cc.flight = f
		go cc.run(fctx, f, fetch)
	}
	f.waiters++
	cc.mu.Unlock()

	select {
	case <-f.done:
		return f.cat, f.gen, f.err
	case <-ctx.Done():
		cc.mu.Lock()
		if f.waiters--; f.waiters == 0 && cc.flight == f {
			cc.flight = nil
			f.cancel()
		}
		cc.mu.Unlock()
		return nil, 0, context.Cause(ctx)
	}
}

func (cc *catalogCache) run(ctx context.Context, f *catalogFetch, fetch func(context.Context) (*Catalog, error)) {
	defer f.cancel()
	cat, err := fetch(ctx)
	cc.mu.Lock()
	if err == nil {
		cc.gen++
		cc.cat, cc.fetched = cat, time.Now()
		f.gen = cc.gen
	}
	if cc.flight == f {
		cc.flight = nil
	}
	f.cat, f.err = cat, err
	cc.mu.Unlock()
	close(f.done)
}
