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

// pacer spaces a client's requests so that no window of per holds more
// than n at the server, whatever the latency. It has n slots; a request
// takes the slot free soonest and holds it until per after its answer
// came, so that the next request on the slot reaches the server more
// than per after this one did, however long either took on the way.
// (Freeing a slot per after the request was sent, instead, lets a
// request that travels slower than the one n later put n+1 into one of
// the server's windows: a 429 for every jitter of the network.) This
// holds for a server counting in fixed windows too. A 429's
// Retry-After, and X-RateLimit-Remaining: 0 with its reset, hold every
// request until then.
type pacer struct {
	mu    sync.Mutex
	per   time.Duration
	free  []time.Time   // when each slot is free; busy while its request is out
	freed chan struct{} // closed, and replaced, when a busy slot is freed
	hold  time.Time     // no request before it
}

// busy marks a slot whose request has no answer yet.
var busy = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func newPacer(n int, per time.Duration) *pacer {
	return &pacer{per: per, free: make([]time.Time, n), freed: make(chan struct{})}
}

// wait waits for a slot and takes it: the slot (for done) and how long
// it waited. A wait that would end past ctx's deadline is not begun.
func (p *pacer) wait(ctx context.Context) (slot int, waited time.Duration, err error) {
	if p == nil {
		return -1, 0, nil
	}
	start := time.Now()
	for {
		p.mu.Lock()
		slot = 0
		for i, t := range p.free {
			if t.Before(p.free[slot]) {
				slot = i
			}
		}
		if p.free[slot] == busy {
			// Every slot's request is out: the first answer frees one.
			freed := p.freed
			p.mu.Unlock()
			select {
			case <-freed:
				continue
			case <-ctx.Done():
				return -1, time.Since(start), context.Cause(ctx)
			}
		}
		now := time.Now()
		at := later(now, later(p.free[slot], p.hold))
		if deadline, ok := ctx.Deadline(); ok && !at.Before(deadline) {
			p.mu.Unlock()
			return -1, time.Since(start), fmt.Errorf("openrouter: a wait of %s for the rate limit (%d requests in %s) would pass the call's deadline: %w",
				roundWait(at.Sub(now)), len(p.free), p.per, context.DeadlineExceeded)
		}
		p.free[slot] = busy
		p.mu.Unlock()
		if wait := at.Sub(now); wait > 0 && !sleep(ctx, wait) {
			p.done(slot)
			return -1, time.Since(start), context.Cause(ctx)
		}
		return slot, time.Since(start), nil
	}
}

// done frees a slot wait gave, per after now: its request has had its
// answer, or failed.
func (p *pacer) done(slot int) {
	if p == nil || slot < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free[slot] = time.Now().Add(p.per)
	close(p.freed)
	p.freed = make(chan struct{})
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
