package sdk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultRequestsPerMinute is the rate the service allows, as its guides
// publish it: 64 requests a minute (a 429 past it).
const DefaultRequestsPerMinute = 64

// maxRateHold bounds the rate headers worth reading at all; a hold is
// further bounded by the limiter's own window (see holdFor).
const maxRateHold = 10 * time.Minute

// WithRateLimit sets how many requests the client sends in any window of
// per, across all its calls and goroutines (by default
// DefaultRequestsPerMinute a minute); n <= 0 sends as fast as asked. A
// request waits for its slot: the wait counts against the context's
// deadline and WithTimeout, never against the retry budget, and
// QueryAll's Progress reports it. A 429 whose Retry-After (or
// X-RateLimit-Reset, or RateLimit-Reset) asks for a wait no longer than
// per holds every request of the client until then, and the call goes
// on after it outside the retry budget: the limiter would have waited
// as long. X-RateLimit-Remaining: 0 on any response holds the same way.
func WithRateLimit(n int, per time.Duration) Option {
	return clientOption(func(c *Client) {
		if n <= 0 || per <= 0 {
			c.pacer = nil
			return
		}
		c.pacer = newPacer(n, per)
	})
}

// pacer spaces a client's requests so that no window of per holds more
// than n: a sliding log of the times of the last n requests, which holds
// for a server counting in fixed windows too. A 429's Retry-After, and
// X-RateLimit-Remaining: 0 with its reset, hold every request until then.
type pacer struct {
	mu   sync.Mutex
	per  time.Duration
	sent []time.Time // the last n requests' times, a ring
	next int         // the oldest
	hold time.Time   // no request before it
}

func newPacer(n int, per time.Duration) *pacer {
	return &pacer{per: per, sent: make([]time.Time, n)}
}

// wait waits for a slot and takes it; it returns how long it waited. A
// wait that would end past ctx's deadline is not begun.
func (p *pacer) wait(ctx context.Context) (time.Duration, error) {
	if p == nil {
		return 0, nil
	}
	p.mu.Lock()
	now := time.Now()
	at := later(now, later(p.sent[p.next].Add(p.per), p.hold))
	if deadline, ok := ctx.Deadline(); ok && !at.Before(deadline) {
		p.mu.Unlock()
		return 0, fmt.Errorf("openrouter: a wait of %s for the rate limit (%d requests in %s) would pass the call's deadline: %w",
			roundWait(at.Sub(now)), len(p.sent), p.per, context.DeadlineExceeded)
	}
	p.sent[p.next] = at
	p.next = (p.next + 1) % len(p.sent)
	p.mu.Unlock()
	wait := at.Sub(now)
	if wait <= 0 {
		return 0, nil
	}
	if !sleep(ctx, wait) {
		return wait, context.Cause(ctx)
	}
	return wait, nil
}

// holdFor stops every request for d from now, a server's word; false
// when d is longer than the limiter's window, a wait the limiter would
// never impose: such a 429 is the call's to handle, as any other error
// (see WithBackoff), and a server cannot hold the client for long.
func (p *pacer) holdFor(d time.Duration) bool {
	if p == nil || d <= 0 || d > p.per {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold = later(p.hold, time.Now().Add(d))
	return true
}

// rateReset reads when a server's rate limit resets, from the headers it
// may send beside or instead of Retry-After: RateLimit-Reset (seconds
// from now, the IETF draft's) and X-RateLimit-Reset (a Unix time in
// seconds or milliseconds, or, when small, seconds from now). Only a
// wait of at most maxRateHold counts; anything else is ignored.
func rateReset(h http.Header, now time.Time) (time.Duration, bool) {
	if v, ok := headerInt(h, "RateLimit-Reset"); ok && v > 0 && v <= int64(maxRateHold/time.Second) {
		return time.Duration(v) * time.Second, true
	}
	v, ok := headerInt(h, "X-RateLimit-Reset")
	if !ok || v <= 0 {
		return 0, false
	}
	var at time.Time
	switch {
	case v > 1e12: // milliseconds since the epoch
		at = time.UnixMilli(v)
	case v > 1e9: // seconds since the epoch
		at = time.Unix(v, 0)
	case v <= int64(maxRateHold/time.Second):
		return time.Duration(v) * time.Second, true
	default:
		return 0, false
	}
	if d := at.Sub(now); d > 0 && d <= maxRateHold {
		return d, true
	}
	return 0, false
}

// headerInt is a header's value as a whole number, if it is one of
// reasonable length.
func headerInt(h http.Header, name string) (int64, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" || len(v) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// observe holds the pacer as a response says: the server has no request
// left in its window (X-RateLimit-Remaining: 0) until its reset.
func (p *pacer) observe(h http.Header, now time.Time) {
	if p == nil {
		return
	}
	if left, ok := headerInt(h, "X-RateLimit-Remaining"); !ok || left > 0 {
		return
	}
	if d, ok := rateReset(h, now); ok {
		p.holdFor(d)
	}
}
