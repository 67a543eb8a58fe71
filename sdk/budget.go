package sdk

import (
	"errors"
	"fmt"
	"sync"
)

// RetryBudget bounds the retries of a whole client, whatever its calls'
// own policies allow: per-call caps bound one call, but not an outage,
// where a thousand concurrent calls each retrying four times would send
// five times the load to a service that is already failing.
//
// It is a token bucket, as in the AWS SDKs' retry quota (gRPC's retry
// throttling and the "retry budget" of Google's SRE book are the same
// idea). The bucket starts full; each retry takes RetryCost tokens
// (TimeoutCost when the failure was a timeout); a call that succeeds on
// its first attempt puts back Refill tokens, and one that succeeds after
// retries puts back what its last retry took. When the bucket cannot pay
// for a retry, the call fails at once with the last attempt's error and
// ErrRetryBudgetExhausted. A first attempt is never refused.
//
// With the defaults (500 tokens, 5 a retry), an outage costs the service
// at most 100 retries beyond the calls themselves, however many calls are
// made, and the bucket refills as calls succeed again.
//
// Zero fields take the defaults; Disabled turns the budget off.
type RetryBudget struct {
	// Capacity is the bucket's size and its level at the start.
	Capacity int
	// RetryCost is what a retry takes from the bucket.
	RetryCost int
	// TimeoutCost is what a retry after a timeout takes.
	TimeoutCost int
	// Refill is what a call that succeeds at once puts back.
	Refill int
	// Disabled turns the budget off: only each call's policy bounds it.
	Disabled bool
}

// The defaults of a RetryBudget's zero fields, those of the AWS SDKs.
const (
	defaultRetryBudgetCapacity = 500
	defaultRetryCost           = 5
	defaultTimeoutRetryCost    = 10
	defaultRetryRefill         = 1
)

// DefaultRetryBudget is the budget of a new client, every default
// spelled out; it behaves as RetryBudget{} does.
func DefaultRetryBudget() RetryBudget { return RetryBudget{}.withDefaults() }

// ErrRetryBudgetExhausted is why a call stopped retrying when the
// client-wide RetryBudget could not pay for another retry; errors.Is
// finds it in the *RetryError.
var ErrRetryBudgetExhausted = errors.New("client-wide retry budget exhausted")

func (b RetryBudget) withDefaults() RetryBudget {
	if b.Capacity == 0 {
		b.Capacity = defaultRetryBudgetCapacity
	}
	if b.RetryCost == 0 {
		b.RetryCost = defaultRetryCost
	}
	if b.TimeoutCost == 0 {
		b.TimeoutCost = defaultTimeoutRetryCost
	}
	if b.Refill == 0 {
		b.Refill = defaultRetryRefill
	}
	return b
}

func (b RetryBudget) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"Capacity", b.Capacity}, {"RetryCost", b.RetryCost}, {"TimeoutCost", b.TimeoutCost}, {"Refill", b.Refill}} {
		if f.v < 0 {
			return &ValidationError{Field: "retry budget: " + f.name, Problem: fmt.Sprintf("must not be negative, got %d", f.v)}
		}
	}
	return nil
}

// retryBudget is a client's bucket. A nil *retryBudget allows every
// retry.
type retryBudget struct {
	cfg    RetryBudget
	mu     sync.Mutex
	tokens int
}

func newRetryBudget(cfg RetryBudget) *retryBudget {
	if cfg.Disabled {
		return nil
	}
	cfg = cfg.withDefaults()
	return &retryBudget{cfg: cfg, tokens: cfg.Capacity}
}

// take pays for a retry after err, and returns what it paid, or 0 when
// the bucket cannot pay.
func (b *retryBudget) take(err error) int {
	if b == nil {
		return 1
	}
	cost := b.cfg.RetryCost
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		cost = b.cfg.TimeoutCost
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < cost {
		return 0
	}
	b.tokens -= cost
	return cost
}

// succeeded refills the bucket after a call's success: lastCost is what
// its last retry paid, zero when it needed none.
func (b *retryBudget) succeeded(lastCost int) {
	if b == nil {
		return
	}
	add := b.cfg.Refill
	if lastCost > 0 {
		add = lastCost
	}
	b.mu.Lock()
	b.tokens = min(b.tokens+add, b.cfg.Capacity)
	b.mu.Unlock()
}
