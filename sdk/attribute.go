package sdk

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
)

// Attribution is a complete answer whose rows carry, beside the labels
// of its enriched dimensions, the ids those labels stand for, even where
// several ids share a label (two keys both called "CI").
type Attribution struct {
	// Rows are the answer's rows in the query's order. A row whose label
	// several ids share is replaced by one row for each id, from a query
	// asked again with a filter on that id.
	Rows Rows
	// IDs is, row by row, the id of each enriched dimension the query
	// groups by; "" where no id is known for the label (an app that
	// WithApps does not list, say), or the value is unset.
	IDs []map[string]string
	// Unattributed counts the rows with a label and no id for it, in
	// any of the dimensions.
	Unattributed int
	// Asked lists the queries asked again, one for each id of a shared
	// label; Requests counts the requests they took.
	Asked    []QueryRequest
	Requests int
	// LookupErrors are the look-ups that failed, by dimension, when the
	// attribution was asked to go on without them (Review does): that
	// dimension's ids are then unknown, and its rows Unattributed.
	LookupErrors map[string]error
}

// Attribute gives the rows of q's complete answer the ids of their
// enriched dimensions' labels (from LabelIDs). Rows whose label several
// ids share are asked for again, once for each of those ids, with q and
// a filter on the id, each a complete export (QueryAll): so a label
// shared by n ids costs n more queries, and a page with none costs
// nothing. The re-asked rows replace the shared ones, and the result is
// sorted as q asks (ties in date order).
//
// rows must be q's whole answer for q's time range: a page of an
// export, with q's range set to the page's, will do.
func (c *Client) Attribute(ctx context.Context, q QueryRequest, rows Rows, opts ...CallOption) (*Attribution, error) {
	return c.attributeRows(ctx, q, rows, false, opts)
}

// attributeRows is Attribute; lenient goes on without a look-up that
// fails, and says so in LookupErrors.
func (c *Client) attributeRows(ctx context.Context, q QueryRequest, rows Rows, lenient bool, opts []CallOption) (*Attribution, error) {
	dims := slices.DeleteFunc(slices.Clone(q.Dimensions), func(d string) bool { return !IsEnriched(d) })
	ids := make(map[string]*LabelIDs, len(dims))
	a := &Attribution{}
	for _, d := range dims {
		l, err := c.LabelIDs(ctx, d)
		if err != nil {
			if !lenient || ctx.Err() != nil {
				return nil, fmt.Errorf("attributing %s: %w", d, err)
			}
			if a.LookupErrors == nil {
				a.LookupErrors = map[string]error{}
			}
			a.LookupErrors[d] = err
			l = &LabelIDs{Dimension: d}
		}
		ids[d] = l
	}
	if err := c.attribute(ctx, q, rows, dims, ids, nil, a, opts); err != nil {
		return nil, err
	}
	if len(a.Asked) > 0 {
		sortAttributed(a, q.OrderBy)
	}
	return a, nil
}

// attribute appends rows to a, with fixed the ids its filters set.
func (c *Client) attribute(ctx context.Context, q QueryRequest, rows Rows, dims []string, ids map[string]*LabelIDs, fixed map[string]string, a *Attribution, opts []CallOption) error {
	type shared struct{ dim, label string }
	var again []shared
	for _, r := range rows {
		rowIDs := make(map[string]string, len(dims))
		var share *shared
		for _, d := range dims {
			if id, ok := fixed[d]; ok {
				rowIDs[d] = id
				continue
			}
			label := labelOf(r, d)
			if label == "" {
				rowIDs[d] = ""
				continue
			}
			if id, ok := ids[d].ID(label); ok {
				rowIDs[d] = id
				continue
			}
			if ids[d].IsShared(label) && share == nil {
				share = &shared{d, label}
				continue
			}
			rowIDs[d] = ""
		}
		if share != nil {
			if !slices.Contains(again, *share) {
				again = append(again, *share)
			}
			continue
		}
		if hasLabel(r, dims, rowIDs) {
			a.Unattributed++
		}
		a.Rows = append(a.Rows, r)
		a.IDs = append(a.IDs, rowIDs)
	}
	for _, s := range again {
		for _, id := range ids[s.dim].shared[s.label] {
			sub := q
			sub.Filters = append(slices.Clone(q.Filters), idFilter(s.dim, id))
			a.Asked = append(a.Asked, sub)
			var subRows Rows
			requests := 0
			call := append(slices.Clone(opts), WithProgress(func(p Progress) { requests = p.Requests }))
			for r, err := range c.QueryAll(ctx, sub, call...) {
				if err != nil {
					return fmt.Errorf("attributing %s %q to %s: %w", s.dim, s.label, id, err)
				}
				subRows = append(subRows, r)
			}
			a.Requests += requests
			f := map[string]string{s.dim: id}
			for d, v := range fixed {
				f[d] = v
			}
			if err := c.attribute(ctx, sub, subRows, dims, ids, f, a, opts); err != nil {
				return err
			}
		}
	}
	return nil
}

// labelOf is the label a row shows for an enriched dimension; for a user
// without a name, the email the service shows beside it.
func labelOf(r Row, dim string) string {
	v := r.Value(dim)
	if v == nil && dim == "user" {
		v = r.Value("user_email")
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// hasLabel reports whether a row shows a label for which no id is
// known, rather than an unset value, in any of the dimensions.
func hasLabel(r Row, dims []string, rowIDs map[string]string) bool {
	for _, d := range dims {
		if rowIDs[d] == "" && labelOf(r, d) != "" {
			return true
		}
	}
	return false
}

// idFilter is an eq filter on an id, as the filter takes it: apps' ids
// are numbers.
func idFilter(dim, id string) Filter {
	if dim == "app" {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			return Eq(dim, n)
		}
	}
	return Eq(dim, id)
}

// sortAttributed sorts a's rows, and their ids with them: by bucket,
// then (stably) by the order_by field unless it is the date.
func sortAttributed(a *Attribution, order OrderBy) {
	idx := make([]int, len(a.Rows))
	starts := make([]int64, len(a.Rows))
	for i, r := range a.Rows {
		idx[i] = i
		if b, err := r.Bucket(); err == nil {
			starts[i] = b.Start.UnixNano()
		}
	}
	desc := order.Direction == Desc
	slices.SortStableFunc(idx, func(x, y int) int {
		r := cmp.Compare(starts[x], starts[y])
		if desc && order.Field == "date" {
			r = -r
		}
		return r
	})
	if order.Field != "" && order.Field != "date" {
		keys := make([]sortKey, len(idx))
		for i, k := range idx {
			keys[i] = keyOf(a.Rows[k], order.Field, k)
		}
		slices.SortStableFunc(keys, func(x, y sortKey) int {
			r := x.compare(y)
			if desc {
				r = -r
			}
			return r
		})
		for i, k := range keys {
			idx[i] = k.row
		}
	}
	rows, ids := make(Rows, len(idx)), make([]map[string]string, len(idx))
	for i, k := range idx {
		rows[i], ids[i] = a.Rows[k], a.IDs[k]
	}
	a.Rows, a.IDs = rows, ids
}
