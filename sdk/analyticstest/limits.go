package analyticstest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Limits makes the fake enforce the limits OpenRouter's guides publish
// for the live service (see sdk.Windows): the range a query may span,
// and the requests a minute. The OpenAPI document's own limits (10,000
// rows, 20 filters, group_limit from 1 to 10,000) are enforced always.
type Limits struct {
	// Ranges is what a query longer than its window gets: refused with a
	// 400 (RangesRefuse), or answered for the latest window of it without
	// a word (RangesNarrow), since the guides say neither. RangesIgnore,
	// the zero value, answers the whole range.
	Ranges RangePolicy
	// Windows is the table of windows; sdk.DefaultWindows() when zero.
	Windows sdk.Windows
	// PerMinute is the requests the fake answers in any Minute (past it,
	// a 429 with Retry-After); 0 for no limit. The service's is 64.
	PerMinute int
	// Minute is the length of the rate's window: a minute when zero, or
	// less, to run a test of the rate quickly.
	Minute time.Duration
}

// RangePolicy is what the fake does with a range longer than its window.
type RangePolicy int

// The policies, from the most lenient.
const (
	RangesIgnore RangePolicy = iota // answer the whole range
	RangesRefuse                    // a 400 naming the window
	RangesNarrow                    // answer the latest window of the range, silently
)

// ServiceLimits are the limits of the live service as its guides give
// them, refusing a long range.
func ServiceLimits() Limits {
	return Limits{Ranges: RangesRefuse, Windows: sdk.DefaultWindows(), PerMinute: 64, Minute: time.Minute}
}

// WithLimits makes the fake enforce l.
func WithLimits(l Limits) Option {
	if l.Windows.Long == 0 && l.Windows.Short == 0 && l.Windows.Minute == 0 {
		l.Windows = sdk.DefaultWindows()
	}
	if l.Minute <= 0 {
		l.Minute = time.Minute
	}
	return func(h *Handler) { h.limits = &limiter{Limits: l} }
}

// limiter is a handler's limits and the times of the requests it let in.
type limiter struct {
	Limits
	mu   sync.Mutex
	sent []time.Time // the answered requests of the last Minute, oldest first
}

// admit reports whether a request may be answered now, and else how long
// until one may: the 429's Retry-After.
func (l *limiter) admit(now time.Time) (time.Duration, bool) {
	if l.PerMinute <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	i := 0
	for i < len(l.sent) && !l.sent[i].After(now.Add(-l.Minute)) {
		i++
	}
	l.sent = l.sent[i:]
	if len(l.sent) >= l.PerMinute {
		return l.sent[0].Add(l.Minute).Sub(now), false
	}
	l.sent = append(l.sent, now)
	return 0, true
}

// refuseRate writes the 429 a request past the rate gets.
func refuseRate(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	status, body := errorBody(http.StatusTooManyRequests, "Rate limit exceeded: too many requests")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// rangeOf applies the limits to q's range: the service's default for a
// query without one (the last Windows.Default up to now), and the range
// policy: an error for the 400, or the range narrowed to its latest
// window.
func (l *limiter) rangeOf(q *sdk.QueryRequest) error {
	if l == nil {
		return nil
	}
	if q.TimeRange == (sdk.TimeRange{}) && l.Windows.Default > 0 {
		end := time.Now().UTC().Truncate(time.Minute)
		q.TimeRange = sdk.TimeRange{Start: end.Add(-l.Windows.Default), End: end}
	}
	if l.Ranges == RangesIgnore {
		return nil
	}
	tr := q.TimeRange
	window, why := l.Windows.Window(q)
	if window <= 0 || tr.Start.IsZero() || tr.End.Sub(tr.Start) <= window {
		return nil
	}
	if l.Ranges == RangesNarrow {
		q.TimeRange.Start = tr.End.Add(-window)
		return nil
	}
	return badf("time_range: the range may span at most %s for %s, got %s", window, why, tr.End.Sub(tr.Start))
}

// windows is the client option that gives a client the fake's windows.
// Without Limits the fake answers a query without a range over all its
// data, as the OpenAPI document has it, so its clients send such a query
// as it is rather than fill in the last 7 days of the wall clock, which
// a data set that ends in the past would answer with nothing.
func (h *Handler) windows() sdk.Option {
	if l := h.limits; l != nil {
		return sdk.WithWindows(l.Windows)
	}
	w := sdk.DefaultWindows()
	w.Default = 0
	return sdk.WithWindows(w)
}

// rate is the client option that paces a client as the fake limits it.
func (s *Server) rate() sdk.Option {
	if l := s.limits; l != nil && l.PerMinute > 0 {
		return sdk.WithRateLimit(l.PerMinute, l.Minute)
	}
	return sdk.WithRateLimit(0, 0)
}
