package sdk

import (
	"context"
	"errors"
	"sync"
)

// DefaultConcurrency is how many requests QueryPages and QueryAll have in
// flight at once unless WithConcurrency says otherwise.
const DefaultConcurrency = 4

// MaxConcurrency is the most WithConcurrency allows. It is the default
// HTTP client's 32 connections: more workers would only wait for
// a connection, each keeping its share of pages in memory meanwhile, and
// would press the API's rate limit for nothing.
const MaxConcurrency = defaultMaxConnections

// scheduler fetches the pieces of an export with a few workers and hands
// their pages over in order. A worker takes the next piece from the
// planner and fetches it to its end, one response after another when it
// is cut. Requests and pages not yet handed over together stay within a
// window of two per worker, except that the piece the loop waits for may
// go on when none of its pages is at hand, so that memory stays flat
// (at most one page past the window) and nothing waits on itself.
type scheduler struct {
	e       *export
	plan    *planner
	workers int
	window  int

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	slots   []*slot       // pieces handed out and not yet handed over, in order
	head    int           // the index of the piece the loop waits for
	issued  int           // pieces handed out so far
	pending int           // requests in flight and pages not yet handed over
	err     error         // the first failure

	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
}

// slot is one piece's pages, as they come.
type slot struct {
	index int
	pages []*Page
	done  bool
	err   error
}

var errStopped = errors.New("openrouter: QueryAll stopped")

func newScheduler(e *export, plan *planner) *scheduler {
	n := DefaultConcurrency
	if e.call.concurrencySet {
		n = e.call.concurrency
	}
	return &scheduler{e: e, plan: plan, workers: n, window: 2 * n, changed: make(chan struct{})}
}

// start sets the workers going.
func (s *scheduler) start(ctx context.Context) context.Context {
	ctx, s.cancel = context.WithCancelCause(ctx)
	for range s.workers {
		s.wg.Go(func() { s.work(ctx) })
	}
	return ctx
}

// stop cancels whatever is in flight and waits for every worker.
func (s *scheduler) stop() {
	s.cancel(errStopped)
	s.wg.Wait()
}

// broadcast wakes everything waiting; s.mu is held.
func (s *scheduler) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait waits for a change or the end of ctx, which it reports as false;
// s.mu is held, and released meanwhile.
func (s *scheduler) wait(ctx context.Context) bool {
	ch := s.changed
	s.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	}
	s.mu.Lock()
	return ctx.Err() == nil
}

// room reports whether piece i may send a request now: when the window
// has room, or when the loop waits for the piece, having none of its
// pages at hand. s.mu is held.
func (s *scheduler) room(i int) bool {
	if s.pending < s.window {
		return true
	}
	return i == s.head && (len(s.slots) == 0 || len(s.slots[0].pages) == 0)
}

// fail records the first failure and cancels the rest; it returns the
// error the export ends with. s.mu is held.
func (s *scheduler) fail(err error) error {
	if s.err == nil && !errors.Is(err, errStopped) {
		s.err = err
		s.cancel(err)
	}
	if s.err != nil {
		return s.err
	}
	return err
}

// work takes pieces from the planner and fetches them, until none is
// left or ctx ends.
func (s *scheduler) work(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for !s.room(s.issued) && !s.plan.done() {
			if !s.wait(ctx) {
				return
			}
		}
		tr, ok := s.plan.next()
		if !ok || ctx.Err() != nil {
			return
		}
		sl := &slot{index: s.issued}
		s.issued++
		s.slots = append(s.slots, sl)
		s.scan(ctx, sl, tr)
	}
}

// scan fetches one piece to its end: a page per response. s.mu is held,
// and released during each request.
func (s *scheduler) scan(ctx context.Context, sl *slot, tr TimeRange) {
	defer s.broadcast()
	for {
		for !s.room(sl.index) {
			if !s.wait(ctx) {
				sl.err = s.fail(context.Cause(ctx))
				return
			}
		}
		s.pending++
		s.mu.Unlock()
		page, rest, err := s.e.piece(ctx, tr)
		s.mu.Lock()
		if err != nil {
			s.pending--
			sl.err = s.fail(err)
			return
		}
		sl.pages = append(sl.pages, page)
		s.plan.observe(page)
		if !rest.Start.Before(rest.End) {
			sl.done = true
			return
		}
		s.broadcast()
		tr = rest
	}
}

// consume hands the pages to f in order, until the last, an error, or
// f's false.
func (s *scheduler) consume(ctx context.Context, f func(*Page, error) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if len(s.slots) == 0 {
			if s.plan.done() {
				return
			}
			if !s.wait(ctx) {
				f(nil, s.fail(context.Cause(ctx)))
				return
			}
			continue
		}
		sl := s.slots[0]
		switch {
		case len(sl.pages) > 0:
			p := sl.pages[0]
			sl.pages[0] = nil
			sl.pages = sl.pages[1:]
			s.pending--
			s.broadcast()
			s.mu.Unlock()
			ok := f(p, nil)
			s.mu.Lock()
			if !ok {
				return
			}
		case sl.err != nil:
			f(nil, sl.err)
			return
		case sl.done:
			s.slots[0] = nil
			s.slots = s.slots[1:]
			s.head++
			s.broadcast()
		default:
			if !s.wait(ctx) {
				f(nil, s.fail(context.Cause(ctx)))
				return
			}
		}
	}
}
