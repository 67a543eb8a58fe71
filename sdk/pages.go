package sdk

import (
	"context"
	"iter"
	"time"
)

// Page is one piece of an export: a time range whose rows were fetched
// whole, with everything the server said about them.
type Page struct {
	// TimeRange is the range the page holds every row of, [Start, End).
	// It is the query's own when one response held the whole answer
	// (zero when the query has no time range).
	TimeRange TimeRange
	// Rows are the rows of that range, in the query's order.
	Rows Rows
	// Warnings are the server's warnings on the requests behind the
	// page, in its order, without repeats. The pieces of an export all
	// send the same filters, so each page usually repeats them.
	Warnings []string
	// Metadata is the response's, as the server sent it: when Truncated
	// is set, the response was cut inside its last bucket, Rows holds
	// its complete buckets, and that bucket starts the next page.
	Metadata QueryMetadata
	// CachedAt is when the service cached the response, in milliseconds
	// since the Unix epoch; zero when absent.
	CachedAt float64
}

// CacheTime is CachedAt as a time in UTC, as QueryResult.CacheTime is.
func (p *Page) CacheTime() time.Time {
	return (&QueryResult{CachedAt: p.CachedAt}).CacheTime()
}

// QueryPages runs a query of any size as pages: each a time range fetched
// whole, however many rows the API caps one response at, with the rows,
// warnings and metadata of its response. Pages come in time order (from
// the latest for a descending date order) and tile the query's time
// range: each row comes on exactly one page.
//
// A query without a granularity is one page, or a *TruncatedError when
// it came back truncated, since it cannot be split by time. A time
// series is asked in date order, so that a truncated response is cut
// inside its last bucket: its complete buckets make a page, and the
// next request starts at the cut bucket, which is where the server's own
// bucket key says it starts. Once the first response shows how dense
// the rows are, the rest of the range is split at bucket boundaries into
// pieces of about 4/5 of a response each, fetched side by side
// (WithConcurrency); the boundaries are UTC calendar arithmetic for the
// five granularities this version knows (weeks anchored on the server's
// keys), and each piece's keys are checked against them. A granularity
// this version does not know is paged one response after another.
//
// Every row, or an error. A bucket with more rows than one response
// holds is a *TruncatedError. Bucket keys that do not say where a page
// may end (a row without its date__<granularity> column, a key that is
// not a time, rows out of date order, a bucket outside the range, or an
// unknown granularity on a truncated query without a time range) are a
// *BucketError. Under WithWarningsAsErrors a page with warnings is a
// *WarningError instead. The first failure of any piece ends the export
// with that error after the pages before it; stopping the loop early
// cancels whatever is in flight. No goroutine outlives the loop.
//
// One call, one deadline: WithTimeout bounds the whole export (the
// caller's loop included) and WithAttemptTimeout each request. At most
// two pages per worker are fetched ahead of the loop, so memory does not
// grow with the answer, and each row is decoded about once (Progress
// counts both).
//
// The query's limit is the size of each request (the server's default
// when zero). A group_limit is refused: it would cut the groups of each
// piece on its own. An order_by on a metric or dimension sorts the rows
// of each page by it (ties in date order); the pages still come in time
// order.
func (c *Client) QueryPages(ctx context.Context, q QueryRequest, opts ...CallOption) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		e, err := c.newExport(q, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		ctx, cancel := e.call.bound(ctx)
		defer cancel()
		e.run(ctx, func(p *Page, err error) bool {
			if err == nil && e.order.Field != "" {
				sortRows(p.Rows, e.order)
			}
			return yield(p, err)
		})
	}
}

// QueryAll returns every row of a query, however many the API caps one
// response at: the rows of QueryPages, one after another, with the same
// promise of every row or an error, and the same options (WithTimeout
// for the whole export, WithConcurrency, WithProgress,
// WithWarningHandler and WithWarningsAsErrors: without a handler, a
// page's warnings are only seen through QueryPages).
//
// Rows come in the order the query asks for. In date order (or with no
// order_by) they stream: memory stays flat however many rows there are,
// as long as the loop does not keep them. An order_by on a metric or a
// dimension needs every row before the first: the pages are fetched in
// date order (each row decoded once) and held, then sorted by it, ties
// in date order, so memory grows with the answer. Prefer date order for
// exports.
func (c *Client) QueryAll(ctx context.Context, q QueryRequest, opts ...CallOption) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		e, err := c.newExport(q, opts)
		if err != nil {
			yield(Row{}, err)
			return
		}
		ctx, cancel := e.call.bound(ctx)
		defer cancel()
		if e.order.Field == "" {
			e.run(ctx, func(p *Page, err error) bool {
				if err != nil {
					yield(Row{}, err)
					return false
				}
				for _, r := range p.Rows {
					if !yield(r, nil) {
						return false
					}
				}
				return true
			})
			return
		}
		var all Rows
		failed := false
		e.run(ctx, func(p *Page, err error) bool {
			if err != nil {
				yield(Row{}, err)
				failed = true
				return false
			}
			all = append(all, p.Rows...)
			return true
		})
		if failed {
			return
		}
		sortRows(all, e.order)
		for _, r := range all {
			if !yield(r, nil) {
				return
			}
		}
	}
}
