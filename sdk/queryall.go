package sdk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"
)

// DefaultConcurrency is how many pieces QueryAll fetches at once unless
// WithConcurrency says otherwise.
const DefaultConcurrency = 4

// WithConcurrency sets how many pieces QueryAll fetches at once (default
// DefaultConcurrency). Other calls ignore it.
func WithConcurrency(n int) CallOption {
	return callOption(func(s *callConfig) { s.concurrency = n })
}

// Progress is how far a QueryAll has got.
type Progress struct {
	// Done and Queued count the pieces fetched and those still to fetch.
	Done, Queued int
	// Rows counts the rows of the pieces done so far.
	Rows int
}

// WithProgress has QueryAll call f after each piece it fetches, from
// one goroutine at a time. Other calls ignore it.
func WithProgress(f func(Progress)) CallOption {
	return callOption(func(s *callConfig) { s.progress = f })
}

// TruncatedError reports a result QueryAll could not complete: a query
// without a granularity (which cannot be split by time) that came back
// truncated, or a single time bucket with more rows than one response
// holds.
type TruncatedError struct {
	// Bucket is the start of the bucket, zero without a granularity.
	Bucket      time.Time
	Granularity Granularity
	// Rows is how many rows came back before the cut.
	Rows int
}

// Error says what was cut and what to change.
func (e *TruncatedError) Error() string {
	if e.Bucket.IsZero() {
		return fmt.Sprintf("openrouter: QueryAll: the query came back truncated after %d rows and has no granularity "+
			"to split it by: add a granularity, use fewer dimensions, or a filter", e.Rows)
	}
	return fmt.Sprintf("openrouter: QueryAll: the %s bucket at %s alone has more rows than one response holds "+
		"(%d came back): use a finer granularity, fewer dimensions, or a filter",
		e.Granularity, e.Bucket.UTC().Format(time.RFC3339), e.Rows)
}

// QueryAll returns every row of a time series (a query with a
// granularity), however many the API caps one response at. It runs the
// query once; when the result comes back truncated, it splits the time
// range in two at a bucket boundary and fetches both halves, again and
// again, until no piece is truncated. Splits fall only on the server's
// bucket boundaries (in UTC for minute, hour, day and month; taken from
// the bucket keys the server returned for week), so no bucket is cut in
// two and no row is counted twice or summed from parts. Without a
// time_range, two small queries find the first and last bucket first.
//
// Rows come in the order the query asks for: pieces are concatenated in
// time order for an order_by on date (or none), and merged for any other
// order_by. Pieces are fetched with bounded concurrency (WithConcurrency,
// 4 by default), each with the call's retry policy; the first failure
// cancels the rest and is yielded as the error, and stopping the loop
// early cancels whatever is in flight. No goroutine outlives the loop.
//
// Either every row comes, or an error: a query without a granularity that
// comes back truncated, or a bucket still truncated on its own, ends with
// a *TruncatedError naming it.
//
// The query's limit is the page size of each request (the server's
// default when zero). An explicit group_limit is applied by the server to
// each piece separately, per group and per piece; leave it unset to get
// every row.
func (c *Client) QueryAll(ctx context.Context, q QueryRequest, opts ...CallOption) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		call, err := c.callConfig(opts)
		if err == nil {
			err = ValidateQuery(&q)
		}
		if err == nil && call.concurrency < 0 {
			err = &ValidationError{Field: "concurrency", Problem: fmt.Sprintf("must be positive, got %d", call.concurrency)}
		}
		if err != nil {
			yield(Row{}, err)
			return
		}
		all := &queryAll{client: c, query: q, opts: opts, progress: call.progress}
		all.run(ctx, cmp.Or(call.concurrency, DefaultConcurrency), yield)
	}
}

// queryAll is one QueryAll: a tree of pieces, each a time range, fetched
// by a few workers, earliest piece first (latest first for a descending
// order), so that rows can be yielded while later pieces are fetched.
type queryAll struct {
	client   *Client
	query    QueryRequest
	opts     []CallOption
	progress func(Progress)
	desc     bool // the pieces are wanted latest first

	cancel context.CancelCauseFunc
	wg     sync.WaitGroup

	reporting sync.Mutex // one progress report at a time, in order

	mu         sync.Mutex
	wake       *sync.Cond // a piece was queued, a fetch ended, or the context did
	queue      []*piece   // waiting, in the order they are wanted
	active     int        // pieces being fetched
	done, rows int
	firstErr   error
	weekAnchor time.Time
}

// piece is one time range of the query: fetched whole, or split in two.
type piece struct {
	tr     TimeRange
	ready  chan struct{} // closed once rows, halves or err is set
	rows   Rows
	halves [2]*piece
	err    error
}

func (a *queryAll) run(ctx context.Context, concurrency int, yield func(Row, error) bool) {
	ctx, a.cancel = context.WithCancelCause(ctx)
	a.wake = sync.NewCond(&a.mu)
	stopWaking := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.wake.Broadcast()
		a.mu.Unlock()
	})
	defer func() {
		a.cancel(errStopped)
		a.wg.Wait()
		stopWaking()
	}()
	q := a.query
	if q.Granularity == "" {
		res, err := a.client.QueryAnalytics(ctx, q, a.opts...)
		switch {
		case err != nil:
			yield(Row{}, err)
		case res.Metadata.Truncated:
			yield(Row{}, &TruncatedError{Rows: len(res.Data)})
		default:
			for _, r := range res.Data {
				if !yield(r, nil) {
					return
				}
			}
		}
		return
	}
	tr := q.TimeRange
	if tr == (TimeRange{}) {
		var err error
		if tr, err = a.span(ctx); err != nil {
			yield(Row{}, err)
			return
		}
		if tr == (TimeRange{}) {
			return // no rows at all
		}
	}
	ob := q.OrderBy
	timeOrder := ob.Field == "" || ob.Field == "date"
	a.desc = timeOrder && ob.Direction == Desc
	root := a.enqueue(tr)
	for range concurrency {
		a.wg.Go(func() { a.work(ctx) })
	}
	if timeOrder {
		a.inTimeOrder(root, yield)
		return
	}
	a.merged(root, yield)
}

var errStopped = errors.New("openrouter: QueryAll stopped")

// enqueue adds a piece to fetch, in the order the pieces are wanted.
func (a *queryAll) enqueue(tr TimeRange) *piece {
	p := &piece{tr: tr, ready: make(chan struct{})}
	a.mu.Lock()
	i, _ := slices.BinarySearchFunc(a.queue, p, func(x, y *piece) int {
		if a.desc {
			return y.tr.Start.Compare(x.tr.Start)
		}
		return x.tr.Start.Compare(y.tr.Start)
	})
	a.queue = slices.Insert(a.queue, i, p)
	a.wake.Signal()
	a.mu.Unlock()
	return p
}

// work fetches queued pieces until none is queued or being fetched, or
// the context ends (then what is queued fails without a request).
func (a *queryAll) work(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		for len(a.queue) == 0 && a.active > 0 && ctx.Err() == nil {
			a.wake.Wait()
		}
		if len(a.queue) == 0 {
			a.wake.Broadcast() // nothing left: let the other workers end too
			return
		}
		p := a.queue[0]
		a.queue = a.queue[1:]
		if ctx.Err() != nil {
			a.mu.Unlock()
			p.err = a.fail(context.Cause(ctx))
			close(p.ready)
			a.mu.Lock()
			continue
		}
		a.active++
		a.mu.Unlock()
		a.fetch(ctx, p)
		a.mu.Lock()
		a.active--
		a.wake.Broadcast()
	}
}

// fetch gets one piece; a truncated one is split and its halves queued.
func (a *queryAll) fetch(ctx context.Context, p *piece) {
	defer close(p.ready)
	q := a.query
	q.TimeRange = p.tr
	res, err := a.client.QueryAnalytics(ctx, q, a.opts...)
	if err != nil {
		p.err = a.fail(err)
		return
	}
	if !res.Metadata.Truncated {
		p.rows = res.Data
		a.report(len(res.Data))
		return
	}
	mid, ok := a.split(p.tr, res.Data)
	if !ok {
		bucket, _ := a.bucketOf(res.Data)
		p.err = a.fail(&TruncatedError{Bucket: bucket, Granularity: q.Granularity, Rows: len(res.Data)})
		return
	}
	p.halves = [2]*piece{
		a.enqueue(TimeRange{Start: p.tr.Start, End: mid}),
		a.enqueue(TimeRange{Start: mid, End: p.tr.End}),
	}
	a.report(0)
}

// fail records the first failure, cancels the rest and returns it.
func (a *queryAll) fail(err error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.firstErr == nil && !errors.Is(err, errStopped) {
		a.firstErr = err
		a.cancel(err)
	}
	if a.firstErr != nil {
		return a.firstErr
	}
	return err
}

func (a *queryAll) report(rows int) {
	a.reporting.Lock()
	defer a.reporting.Unlock()
	a.mu.Lock()
	a.done++
	a.rows += rows
	p := Progress{Done: a.done, Queued: len(a.queue) + a.active - 1, Rows: a.rows}
	a.mu.Unlock()
	if a.progress != nil {
		a.progress(p)
	}
}

// inTimeOrder yields the leaves' rows from the earliest piece on (or the
// latest, descending), each as soon as it and those before it are done.
func (a *queryAll) inTimeOrder(p *piece, yield func(Row, error) bool) bool {
	<-p.ready
	if p.err != nil {
		yield(Row{}, p.err)
		return false
	}
	if p.halves[0] != nil {
		first, second := p.halves[0], p.halves[1]
		if a.desc {
			first, second = second, first
		}
		return a.inTimeOrder(first, yield) && a.inTimeOrder(second, yield)
	}
	for _, r := range p.rows {
		if !yield(r, nil) {
			return false
		}
	}
	return true
}

// merged yields every piece's rows merged in the query's order_by.
func (a *queryAll) merged(root *piece, yield func(Row, error) bool) {
	var runs []Rows
	var walk func(p *piece) error
	walk = func(p *piece) error {
		<-p.ready
		if p.err != nil {
			return p.err
		}
		if p.halves[0] != nil {
			if err := walk(p.halves[0]); err != nil {
				return err
			}
			return walk(p.halves[1])
		}
		runs = append(runs, p.rows)
		return nil
	}
	if err := walk(root); err != nil {
		yield(Row{}, err)
		return
	}
	ob := a.query.OrderBy
	compare := func(x, y Row) int {
		r := compareValues(x.Value(ob.Field), y.Value(ob.Field))
		if ob.Direction == Desc {
			r = -r
		}
		return r
	}
	// A k-way merge of the sorted runs; ties keep time order.
	heads := make([]int, len(runs))
	for {
		best := -1
		for i, run := range runs {
			if heads[i] < len(run) && (best < 0 || compare(run[heads[i]], runs[best][heads[best]]) < 0) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		r := runs[best][heads[best]]
		heads[best]++
		if !yield(r, nil) {
			return
		}
	}
}

// compareValues orders two column values as the server does: numbers by
// value, strings by text, null first.
func compareValues(x, y any) int {
	switch xv := x.(type) {
	case float64:
		if yv, ok := y.(float64); ok {
			return cmp.Compare(xv, yv)
		}
	case string:
		if yv, ok := y.(string); ok {
			return cmp.Compare(xv, yv)
		}
	case nil:
		if y == nil {
			return 0
		}
		return -1
	}
	if y == nil {
		return 1
	}
	return 0
}

// span finds the time range of an unbounded query: from its first bucket
// to the end of its last, by two one-row queries sorted by date.
func (a *queryAll) span(ctx context.Context) (TimeRange, error) {
	edge := func(dir OrderDirection) (time.Time, bool, error) {
		q := a.query
		q.OrderBy, q.Limit = OrderBy{Field: "date", Direction: dir}, 1
		res, err := a.client.QueryAnalytics(ctx, q, a.opts...)
		if err != nil {
			return time.Time{}, false, err
		}
		t, ok := a.bucketOf(res.Data)
		return t, ok, nil
	}
	first, ok, err := edge(Asc)
	if err != nil || !ok {
		return TimeRange{}, err
	}
	last, _, err := edge(Desc)
	if err != nil {
		return TimeRange{}, err
	}
	return TimeRange{Start: first, End: a.nextBoundary(last)}, nil
}

// bucketOf is the bucket start of the last row that has one.
func (a *queryAll) bucketOf(rows Rows) (time.Time, bool) {
	key := "date__" + string(a.query.Granularity)
	for i := len(rows) - 1; i >= 0; i-- {
		if t, err := rows[i].Time(key); err == nil {
			a.mu.Lock()
			if a.query.Granularity == GranularityWeek && a.weekAnchor.IsZero() {
				a.weekAnchor = t
			}
			a.mu.Unlock()
			return t, true
		}
	}
	return time.Time{}, false
}

// split picks the bucket boundary nearest the middle of tr, strictly
// inside it; false when tr holds no boundary (one bucket at most).
func (a *queryAll) split(tr TimeRange, rows Rows) (time.Time, bool) {
	if a.query.Granularity == GranularityWeek {
		a.bucketOf(rows) // learn where weeks start
	}
	mid := tr.Start.Add(tr.End.Sub(tr.Start) / 2)
	b, ok := a.floor(mid)
	if !ok {
		return time.Time{}, false
	}
	if !b.After(tr.Start) {
		b = a.nextBoundary(b)
	}
	if !b.After(tr.Start) || !b.Before(tr.End) {
		return time.Time{}, false
	}
	return b, true
}

// floor is the start of the bucket holding t, in UTC; false when the
// boundaries are not known (weeks before the server showed one, or a
// granularity this version does not know), so that nothing is split.
func (a *queryAll) floor(t time.Time) (time.Time, bool) {
	t = t.UTC()
	switch a.query.Granularity {
	case GranularityMinute:
		return t.Truncate(time.Minute), true
	case GranularityHour:
		return t.Truncate(time.Hour), true
	case GranularityDay:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	case GranularityMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), true
	case GranularityWeek:
		a.mu.Lock()
		anchor := a.weekAnchor
		a.mu.Unlock()
		if anchor.IsZero() {
			return time.Time{}, false
		}
		const week = 7 * 24 * time.Hour
		b := anchor.Add(t.Sub(anchor) / week * week)
		if b.After(t) {
			b = b.Add(-week)
		}
		return b, true
	}
	return time.Time{}, false
}

// nextBoundary is the start of the bucket after the one starting at b.
func (a *queryAll) nextBoundary(b time.Time) time.Time {
	switch a.query.Granularity {
	case GranularityMinute:
		return b.Add(time.Minute)
	case GranularityHour:
		return b.Add(time.Hour)
	case GranularityDay:
		return b.AddDate(0, 0, 1)
	case GranularityWeek:
		return b.AddDate(0, 0, 7)
	case GranularityMonth:
		return b.AddDate(0, 1, 0)
	}
	return b
}
