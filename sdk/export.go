package sdk

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// export is one QueryPages or QueryAll: the query as its requests send
// it, the configuration resolved once for all of them, and the counts
// that Progress reports.
type export struct {
	c     *Client
	call  callConfig   // resolved once; each request uses it as it is
	q     QueryRequest // as requests send it: ordered by date, in the export's direction
	user  TimeRange    // the caller's time range; zero when none
	order OrderBy      // the caller's order_by when it is not on date: rows are sorted by it
	desc  bool         // pages come latest first
	cal   *calendar
	// window is the longest range one request may ask for (see
	// Windows); zero for none.
	window time.Duration
	// parallel is set when the first response's keys all fall on the
	// calendar's boundaries, so that the rest can be split by it.
	parallel bool
	began    time.Time

	requests, fetched atomic.Int64
	paced             atomic.Int64 // nanoseconds waited for the rate limit

	infoMu   sync.Mutex
	lastInfo ResponseInfo // the last request's, for WithResponseInto
}

// newExport checks a query and the call's options, once for the whole
// export.
func (c *Client) newExport(q QueryRequest, opts []CallOption) (*export, error) {
	call, err := c.callConfig(opts)
	if err != nil {
		return nil, err
	}
	q.Limit = min(q.Limit, MaxRows) // each request's rows: the most the service sends
	c.windows.fill(&q, time.Now())
	if err := ValidateQuery(&q); err != nil {
		return nil, err
	}
	window, why := c.windows.Window(&q)
	if tr := q.TimeRange; q.Granularity == "" && window > 0 && !tr.Start.IsZero() && tr.End.Sub(tr.Start) > window {
		return nil, &ValidationError{Field: "time_range", Problem: fmt.Sprintf("%s is longer than the %s the service answers a query over for %s, "+
			"and a query without a granularity cannot be fetched in pieces: add a granularity, or shorten the range", span(tr.End.Sub(tr.Start)), span(window), why)}
	}
	if q.Granularity != "" && q.GroupLimit > 0 {
		return nil, &ValidationError{Field: "group_limit", Problem: "QueryPages and QueryAll fetch every row of a time series, " +
			"and a group_limit would cut the groups of each piece on its own: leave it unset"}
	}
	e := &export{c: c, call: call, q: q, user: q.TimeRange, cal: newCalendar(q.Granularity), window: window, began: time.Now()}
	e.call.paced = &e.paced
	if q.Granularity != "" {
		switch ob := q.OrderBy; ob.Field {
		case "", "date":
			e.desc = ob.Field == "date" && ob.Direction == Desc
		default:
			e.order = ob
		}
		dir := Asc
		if e.desc {
			dir = Desc
		}
		e.q.OrderBy = OrderBy{Field: "date", Direction: dir}
	}
	return e, nil
}

// run fetches the export and hands its pages to yield, in order, until
// the last page, an error or yield's false.
func (e *export) run(ctx context.Context, yield func(*Page, error) bool) {
	defer e.fillResponseInfo()
	h := handover{e: e, yield: yield}
	res, err := e.fetch(ctx, e.windowed(e.user))
	switch {
	case err != nil:
		yield(nil, err)
		return
	case e.q.Granularity == "" && res.Metadata.Truncated:
		yield(nil, &TruncatedError{Rows: len(res.Data)})
		return
	case e.q.Granularity == "":
		h.hand(newPage(e.user, res, len(res.Data)), e.user)
		return
	}
	first, rest, total, err := e.first(ctx, res)
	if err != nil {
		yield(nil, err)
		return
	}
	if rest.Start.Equal(rest.End) {
		h.hand(first, total)
		return
	}
	s := newScheduler(e, newPlanner(e, first, rest, len(res.Data)))
	ctx = s.start(ctx)
	defer s.stop()
	if !h.hand(first, total) {
		return
	}
	s.consume(ctx, func(p *Page, err error) bool {
		if err != nil {
			yield(nil, err)
			return false
		}
		return h.hand(p, total)
	})
}

// first makes the first page of a time series from the response to the
// whole range; with the rest of the range to fetch (empty when that
// response held everything) and the export's whole range.
func (e *export) first(ctx context.Context, res *QueryResult) (page *Page, rest, total TimeRange, err error) {
	tr := e.user
	if w := e.windowed(tr); w != tr {
		b, err := e.buckets(res, w, true)
		if err != nil {
			return nil, TimeRange{}, TimeRange{}, err
		}
		e.parallel = b.aligned && e.cal.Knows()
		page, rest, err = e.settle(ctx, res, b, w, tr)
		return page, rest, tr, err
	}
	b, err := e.buckets(res, tr, true)
	if err != nil || !res.Metadata.Truncated {
		return newPage(tr, res, len(res.Data)), TimeRange{}, tr, err
	}
	e.parallel = b.aligned && e.cal.Knows()
	if tr == (TimeRange{}) {
		// No range: the first response shows one edge of the data and
		// one small request the other.
		if tr, err = e.span(ctx, res, b); err != nil {
			return nil, TimeRange{}, TimeRange{}, err
		}
	}
	page, rest, err = e.cut(ctx, res, b, tr)
	return page, rest, tr, err
}

// span is the range of a query without one: from its first bucket to
// the end of its last. One edge is the first response's; a one-row
// request ordered the other way finds the other.
func (e *export) span(ctx context.Context, res *QueryResult, b buckets) (TimeRange, error) {
	earliest, latest := b.first, b.last
	if e.desc {
		earliest, latest = b.last, b.first
	}
	if _, ok := e.cal.Next(latest); !ok {
		return TimeRange{}, &BucketError{Granularity: e.q.Granularity, Row: -1,
			Problem: fmt.Sprintf("the result is truncated, and without a time range the end of the last %q bucket is unknown, "+
				"since this version does not know that granularity: set a time range", e.q.Granularity)}
	}
	q := e.q
	q.Limit = 1
	q.OrderBy.Direction = Desc
	if e.desc {
		q.OrderBy.Direction = Asc
	}
	edge, err := e.fetchQuery(ctx, q)
	if err != nil {
		return TimeRange{}, err
	}
	res.Warnings = mergeWarnings(res.Warnings, edge.Warnings)
	if len(edge.Data) > 0 {
		eb, err := e.buckets(edge, TimeRange{}, true)
		if err != nil {
			return TimeRange{}, err
		}
		// The edge can be no nearer than the buckets already seen: one
		// that is means the server did not sort the request by date.
		switch {
		case !e.desc && eb.first.Before(latest):
			// It sorts ascending whatever is asked, as the first response
			// showed. No row is later than now: page one response after
			// another up to the bucket after this one, by the server's
			// keys, rather than split a range that may be mostly empty.
			now, _ := e.cal.Floor(later(time.Now(), latest))
			latest, _ = e.cal.Next(now)
			e.parallel = false
		case e.desc && eb.first.After(earliest):
			return TimeRange{}, &BucketError{Granularity: e.q.Granularity, Row: 0, Key: stamp(eb.first),
				Problem: fmt.Sprintf("a request ordered by date %s for the edge of the data came back with a bucket inside it, "+
					"so the server does not sort by date and the range cannot be found: set a time range", q.OrderBy.Direction)}
		case e.desc:
			earliest = eb.first
		default:
			latest = eb.first
		}
	}
	end, _ := e.cal.Next(latest)
	if !e.cal.Aligned(latest) {
		// The server's buckets are not the calendar's: a local day may
		// last 25 hours. A bucket more is harmless, since no row is later.
		end, _ = e.cal.Next(end)
	}
	return TimeRange{Start: earliest, End: end}, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// piece fetches one range of the export: a page of its complete buckets,
// and what of the range is left (empty when the page holds it all).
func (e *export) piece(ctx context.Context, tr TimeRange) (*Page, TimeRange, error) {
	w := e.windowed(tr)
	res, err := e.fetch(ctx, w)
	if err != nil {
		return nil, TimeRange{}, err
	}
	b, err := e.buckets(res, w, w.Start.Equal(e.user.Start) || w.Start != tr.Start)
	if err != nil {
		return nil, TimeRange{}, err
	}
	if w != tr {
		return e.settle(ctx, res, b, w, tr)
	}
	if !res.Metadata.Truncated {
		return newPage(tr, res, len(res.Data)), TimeRange{}, nil
	}
	return e.cut(ctx, res, b, tr)
}

// windowed is the part of tr one request may ask for: tr itself, or the
// window at its start (at its end, latest first), ending on a bucket
// boundary where the calendar knows one.
func (e *export) windowed(tr TimeRange) TimeRange {
	if e.window <= 0 || tr.Start.IsZero() || tr.End.Sub(tr.Start) <= e.window {
		return tr
	}
	if e.desc {
		start := tr.End.Add(-e.window)
		if f, ok := e.cal.Floor(start); ok {
			if f.Before(start) {
				f, _ = e.cal.Next(f)
			}
			if f.Before(tr.End) {
				start = f
			}
		}
		return TimeRange{Start: start, End: tr.End}
	}
	end := tr.Start.Add(e.window)
	if f, ok := e.cal.Floor(end); ok && f.After(tr.Start) {
		end = f
	}
	return TimeRange{Start: tr.Start, End: end}
}

// settle makes a page of a response to w, a window of tr, and says what
// of tr is left. A window whose edge is not a bucket boundary (weeks
// before a key taught where they start), or a truncated response, is cut
// inside its last bucket, which the rest starts with.
func (e *export) settle(ctx context.Context, res *QueryResult, b buckets, w, tr TimeRange) (*Page, TimeRange, error) {
	edge := w.End
	if e.desc {
		edge = w.Start
	}
	if !res.Metadata.Truncated && (e.cal.Aligned(edge) || len(res.Data) == 0) {
		if e.desc {
			return newPage(w, res, len(res.Data)), TimeRange{Start: tr.Start, End: w.Start}, nil
		}
		return newPage(w, res, len(res.Data)), TimeRange{Start: w.End, End: tr.End}, nil
	}
	page, rest, err := e.cut(ctx, res, b, w)
	if err != nil {
		return nil, TimeRange{}, err
	}
	if e.desc {
		return page, TimeRange{Start: tr.Start, End: cmpTime(rest.End, page.TimeRange.Start)}, nil
	}
	return page, TimeRange{Start: cmpTime(rest.Start, page.TimeRange.End), End: tr.End}, nil
}

// cmpTime is a, or b when a is zero (an empty rest).
func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

// cut makes a page of the complete buckets of a truncated response to tr,
// every bucket but the last, which the rest of the range starts with (or
// ends with, latest first). When the last bucket is the only one, it is
// asked for on its own: whole, it is a page; still truncated, it has more
// rows than one response holds.
func (e *export) cut(ctx context.Context, res *QueryResult, b buckets, tr TimeRange) (*Page, TimeRange, error) {
	if len(res.Data) == 0 {
		return nil, TimeRange{}, &BucketError{Granularity: e.q.Granularity, Row: -1,
			Problem: "a response came back truncated with no rows, so there is nowhere to go on from"}
	}
	if b.lastRun > 0 {
		if e.desc {
			return newPage(TimeRange{Start: b.boundary, End: tr.End}, res, b.lastRun), TimeRange{Start: tr.Start, End: b.boundary}, nil
		}
		return newPage(TimeRange{Start: tr.Start, End: b.last}, res, b.lastRun), TimeRange{Start: b.last, End: tr.End}, nil
	}
	// One bucket, maybe cut: ask for it alone.
	tooBig := &TruncatedError{Bucket: b.last, Granularity: e.q.Granularity, Rows: len(res.Data)}
	end, ok := e.cal.Next(b.last)
	if !ok || !e.cal.Aligned(b.last) {
		return nil, TimeRange{}, tooBig // where the bucket ends is not known
	}
	one := TimeRange{Start: tr.Start, End: end}
	if end.After(tr.End) {
		one.End = tr.End
	}
	rest := TimeRange{Start: one.End, End: tr.End}
	if e.desc {
		one = TimeRange{Start: later(b.last, tr.Start), End: tr.End}
		rest = TimeRange{Start: tr.Start, End: one.Start}
	}
	if one == tr {
		return nil, TimeRange{}, tooBig
	}
	alone, err := e.fetch(ctx, one)
	if err != nil {
		return nil, TimeRange{}, err
	}
	if _, err := e.buckets(alone, one, one.Start.Equal(e.user.Start)); err != nil {
		return nil, TimeRange{}, err
	}
	if alone.Metadata.Truncated {
		return nil, TimeRange{}, tooBig
	}
	alone.Warnings = mergeWarnings(res.Warnings, alone.Warnings)
	return newPage(one, alone, len(alone.Data)), rest, nil
}

// newPage is a page of the first n rows of a response.
func newPage(tr TimeRange, res *QueryResult, n int) *Page {
	return &Page{TimeRange: tr, Rows: res.Data[:n:n], Warnings: mergeWarnings(nil, res.Warnings),
		Metadata: res.Metadata, CachedAt: res.CachedAt}
}

// mergeWarnings appends to ws the warnings it does not hold yet.
func mergeWarnings(ws, more []string) []string {
	for _, w := range more {
		if !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	return ws
}

// fetch runs the export's query over tr.
func (e *export) fetch(ctx context.Context, tr TimeRange) (*QueryResult, error) {
	q := e.q
	q.TimeRange = tr
	return e.fetchQuery(ctx, q)
}

// fetchQuery sends one request of the export with its resolved
// configuration, counting the attempts and the rows.
func (e *export) fetchQuery(ctx context.Context, q QueryRequest) (*QueryResult, error) {
	call := e.call
	var info ResponseInfo
	call.info = &info
	res, err := e.c.query(ctx, &call, q)
	e.requests.Add(int64(info.Attempts))
	if e.call.info != nil {
		e.infoMu.Lock()
		e.lastInfo = info
		e.infoMu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	e.fetched.Add(int64(len(res.Data)))
	return res, nil
}

// fillResponseInfo gives WithResponseInto the last response of the
// export, with every request counted.
func (e *export) fillResponseInfo() {
	if e.call.info == nil {
		return
	}
	e.infoMu.Lock()
	defer e.infoMu.Unlock()
	*e.call.info = e.lastInfo
	e.call.info.Attempts = int(e.requests.Load())
}

// handover hands pages to the caller: first their warnings (to the
// handler, or as the error that ends the export), then a progress
// report, then the page.
type handover struct {
	e        *export
	yield    func(*Page, error) bool
	seen     warningSet
	progress Progress
}

func (h *handover) hand(p *Page, total TimeRange) bool {
	if err := h.seen.deliver(h.e.c, &h.e.call, p.Warnings); err != nil {
		h.yield(nil, err)
		return false
	}
	if report := h.e.call.progress; report != nil {
		pr := &h.progress
		pr.TimeRange = total
		pr.Pages++
		pr.Rows += len(p.Rows)
		pr.Fetched = max(pr.Fetched, int(h.e.fetched.Load()))
		pr.Requests = max(pr.Requests, int(h.e.requests.Load()))
		pr.Elapsed = max(pr.Elapsed, time.Since(h.e.began))
		pr.Paced = max(pr.Paced, time.Duration(h.e.paced.Load()))
		pr.Covered = max(pr.Covered, covered(total, p.TimeRange, h.e.desc))
		report(*pr)
	}
	return h.yield(p, nil)
}

// covered is the share of total that is done once page is: all of it up
// to the page's end, or from its start when pages come latest first.
func covered(total, page TimeRange, desc bool) float64 {
	whole := total.End.Sub(total.Start)
	if total == (TimeRange{}) || whole <= 0 {
		return 1
	}
	done := page.End.Sub(total.Start)
	if desc {
		done = total.End.Sub(page.Start)
	}
	return min(1, max(0, float64(done)/float64(whole)))
}
