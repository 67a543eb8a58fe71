package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
func (c *Client) Catalog(ctx context.Context, opts ...CallOption) (*Catalog, error) {
	c.catalogMu.Lock()
	defer c.catalogMu.Unlock()
	if c.catalog != nil {
		return c.catalog, nil
	}
	meta, err := c.GetAnalyticsMeta(ctx, opts...)
	if err != nil {
		return nil, err
	}
	c.catalog = NewCatalog(meta)
	return c.catalog, nil
}
