package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
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

// NewCatalog indexes a catalog.
func NewCatalog(meta *AnalyticsMeta) *Catalog {
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

// Meta returns the catalog as the service sent it.
func (c *Catalog) Meta() *AnalyticsMeta { return c.meta }

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
// not list.
func (c *Catalog) Check(q *QueryRequest) error {
	var errs []error
	unknown := func(field, kind, name string) {
		errs = append(errs, &ValidationError{Field: field, Problem: fmt.Sprintf("%q is not %s in the catalog", name, kind)})
	}
	for i, m := range q.Metrics {
		if _, ok := c.metrics[m]; !ok {
			unknown(fmt.Sprintf("metrics[%d]", i), "a metric", m)
		}
	}
	for i, d := range q.Dimensions {
		if _, ok := c.dimensions[d]; !ok {
			unknown(fmt.Sprintf("dimensions[%d]", i), "a dimension", d)
		}
	}
	for i, f := range q.Filters {
		_, isDim := c.dimensions[f.Field]
		_, isMetric := c.metrics[f.Field]
		if !isDim && !isMetric {
			unknown(fmt.Sprintf("filters[%d].field", i), "a dimension or metric", f.Field)
		}
		if _, ok := c.operators[f.Operator]; !ok {
			unknown(fmt.Sprintf("filters[%d].operator", i), "an operator", string(f.Operator))
		}
	}
	if q.Granularity != "" {
		if _, ok := c.grains[q.Granularity]; !ok {
			unknown("granularity", "a granularity", string(q.Granularity))
		}
	}
	if f := q.OrderBy.Field; f != "" && f != "date" && f != "request_count" &&
		!slices.Contains(q.Metrics, f) && !slices.Contains(q.Dimensions, f) {
		errs = append(errs, &ValidationError{Field: "order_by.field",
			Problem: fmt.Sprintf("%q is not a requested metric, request_count, a requested dimension or date", f)})
	}
	return errors.Join(errs...)
}

// Catalog fetches /analytics/meta once and keeps it for the client's
// life; a failed fetch is not kept, so the next call tries again.
// Concurrent first calls share one fetch (made with the first caller's
// options), and each returns as soon as its own context ends; the fetch
// is cancelled when no caller is left waiting for it.
func (c *Client) Catalog(ctx context.Context, opts ...CallOption) (*Catalog, error) {
	return c.catalog.get(ctx, func(ctx context.Context) (*Catalog, error) {
		meta, err := c.GetAnalyticsMeta(ctx, opts...)
		if err != nil {
			return nil, err
		}
		return NewCatalog(meta), nil
	})
}

// catalogCache keeps the catalog once fetched and shares the fetch in
// flight. Its lock is never held across the network.
type catalogCache struct {
	mu     sync.Mutex
	cat    *Catalog
	flight *catalogFetch
}

// catalogFetch is one fetch that callers wait for.
type catalogFetch struct {
	done    chan struct{}
	cat     *Catalog
	err     error
	waiters int
	cancel  context.CancelFunc
}

func (cc *catalogCache) get(ctx context.Context, fetch func(context.Context) (*Catalog, error)) (*Catalog, error) {
	cc.mu.Lock()
	if cc.cat != nil {
		cc.mu.Unlock()
		return cc.cat, nil
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
		return f.cat, f.err
	case <-ctx.Done():
		cc.mu.Lock()
		if f.waiters--; f.waiters == 0 && cc.flight == f {
			cc.flight = nil
			f.cancel()
		}
		cc.mu.Unlock()
		return nil, context.Cause(ctx)
	}
}

func (cc *catalogCache) run(ctx context.Context, f *catalogFetch, fetch func(context.Context) (*Catalog, error)) {
	defer f.cancel()
	cat, err := fetch(ctx)
	cc.mu.Lock()
	if err == nil && cc.cat == nil {
		cc.cat = cat
	}
	if cc.flight == f {
		cc.flight = nil
	}
	f.cat, f.err = cat, err
	cc.mu.Unlock()
	close(f.done)
}
