package sdk

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BackoffStrategy shapes the waits between attempts: the first wait is
// InitialInterval, each next one Exponent times longer up to MaxInterval,
// each randomised by ±25% (and never past MaxInterval). No wait is begun
// that would end more than MaxElapsedTime after the call started. The
// field names are those of OpenRouter's official SDKs.
//
// A zero field takes its default (DefaultBackoff); no field can mean "no
// wait" or "no limit". How many retries there are is WithMaxRetries's
// alone to say.
type BackoffStrategy struct {
	InitialInterval time.Duration
	MaxInterval     time.Duration
	Exponent        float64
	MaxElapsedTime  time.Duration
}

// The defaults of the retry policy. Unlike OpenRouter's official SDKs,
// which retry for up to an hour, a call is bounded by attempts and by a
// minute of retrying, and a fleet of clients does not multiply the load
// on a service that is already failing. The worst-case table of docs/sdk.md
// gives what that means for each kind of failure.
const (
	defaultInitialInterval = 500 * time.Millisecond
	defaultMaxInterval     = 60 * time.Second
	defaultExponent        = 1.5
	defaultMaxElapsedTime  = time.Minute
	DefaultMaxRetries      = 4
	jitter                 = 0.25
)

// DefaultBackoff is the backoff of a new client, every default spelled
// out; it behaves as BackoffStrategy{} does.
func DefaultBackoff() BackoffStrategy {
	return BackoffStrategy{
		InitialInterval: defaultInitialInterval,
		MaxInterval:     defaultMaxInterval,
		Exponent:        defaultExponent,
		MaxElapsedTime:  defaultMaxElapsedTime,
	}
}

// retryPolicy is what a call's retry options set.
type retryPolicy struct {
	maxRetries          int
	backoff             BackoffStrategy
	noConnectionRetries bool
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{maxRetries: DefaultMaxRetries}
}

// withDefaults fills the zero fields of the backoff.
func (b BackoffStrategy) withDefaults() BackoffStrategy {
	d := DefaultBackoff()
	if b.InitialInterval == 0 {
		b.InitialInterval = d.InitialInterval
	}
	if b.MaxInterval == 0 {
		b.MaxInterval = d.MaxInterval
	}
	if b.Exponent == 0 {
		b.Exponent = d.Exponent
	}
	if b.MaxElapsedTime == 0 {
		b.MaxElapsedTime = d.MaxElapsedTime
	}
	return b
}

// check refuses a policy that cannot be meant: negative counts or
// durations, an exponent below 1.
func (r retryPolicy) check() error {
	bad := func(field, format string, args ...any) error {
		return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	b := r.backoff
	switch {
	case r.maxRetries < 0:
		return bad("max retries", "must not be negative, got %d (0 sends each request once)", r.maxRetries)
	case r.maxRetries > maxMaxRetries:
		return bad("max retries", "must be at most %d, got %d", maxMaxRetries, r.maxRetries)
	case b.InitialInterval < 0:
		return bad("backoff: InitialInterval", "must not be negative, got %s", b.InitialInterval)
	case b.MaxInterval < 0:
		return bad("backoff: MaxInterval", "must not be negative, got %s", b.MaxInterval)
	case b.MaxElapsedTime < 0:
		return bad("backoff: MaxElapsedTime", "must not be negative, got %s", b.MaxElapsedTime)
	case b.Exponent != 0 && !(b.Exponent >= 1 && b.Exponent <= 100):
		return bad("backoff: Exponent", "must be from 1 to 100, got %g", b.Exponent)
	}
	return nil
}

// maxMaxRetries bounds WithMaxRetries: more than this many retries of one
// call is a storm whatever the backoff.
const maxMaxRetries = 100

// backoff is the jittered wait before retry number n (1 for the first).
func (b BackoffStrategy) backoff(n int) time.Duration {
	nominal := float64(b.InitialInterval) * math.Pow(b.Exponent, float64(n-1))
	nominal = min(nominal, float64(b.MaxInterval)) // also tames +Inf
	wait := nominal * (1 - jitter + 2*jitter*rand.Float64())
	return min(time.Duration(wait), b.MaxInterval)
}

// retryableStatus is a response that another attempt may fix. 501 means
// the server does not do this at all.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests ||
		(code >= 500 && code != http.StatusNotImplemented)
}

// maxRetryAfterLen bounds the Retry-After values worth parsing: an HTTP
// date is 29 bytes, and seconds of any use are far fewer.
const maxRetryAfterLen = 64

// maxDuration is the longest time.Duration, about 292 years.
const maxDuration = time.Duration(math.MaxInt64)

// parseRetryAfter reads a Retry-After header, in seconds or as an HTTP
// date, as a positive wait. Huge values saturate at maxDuration instead
// of overflowing; zero, negative, past and malformed values give false.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxRetryAfterLen {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return maxDuration, true
		}
		if err != nil || secs == 0 {
			return 0, false
		}
		if secs > uint64(maxDuration/time.Second) {
			return maxDuration, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if wait := t.Sub(now); wait > 0 { // Sub saturates, it never overflows
		return wait, true
	}
	return 0, false
}

// retryableConnError tells a failure of the connection that another
// attempt may avoid (refused, reset, cut short, timed out) from one that
// would only fail again (TLS, certificates, an unknown host, a malformed
// response). It is an allowlist: what it does not name is not retried.
func retryableConnError(err error) bool {
	var (
		alert    tls.AlertError
		record   tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		dns      *net.DNSError
		timeout  interface{ Timeout() bool }
	)
	switch {
	case errors.As(err, &alert), errors.As(err, &record), errors.As(err, &verify),
		errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return false
	case errors.As(err, &dns):
		return dns.IsTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &timeout):
		return timeout.Timeout()
	}
	return false
}

// send runs the attempts of one call: it sends req, reads each response,
// turns an error status into its typed error (checkResponse), decodes a
// 2XX with decode, and retries what the call's policy allows: a 2XX
// whose body cannot be decoded is retried too, since both operations
// only read. op names the call in errors, such as "POST /analytics/query".
//
// The request is sent as built; each retry replays its body from
// req.GetBody.
func (c *Client) send(ctx context.Context, op string, call *callConfig, req *http.Request, decode func(*response) error) error {
	policy := call.retry
	policy.backoff = policy.backoff.withDefaults()
	start := time.Now()
	var attempts []Attempt
	var wait time.Duration  // before the next attempt
	var paced time.Duration // waited for the rate limit: not the retry budget's
	paid := 0               // what the last retry took from the client's budget
	for n := 1; ; n++ {
		slot, w, err := c.pacer.wait(ctx)
		paced += w
		if call.paced != nil {
			call.paced.Add(int64(w))
		}
		if err != nil {
			if len(attempts) == 0 {
				return fmt.Errorf("openrouter: %s: %w", op, err)
			}
			return c.failed(op, attempts, err)
		}
		resp, err := c.attempt(ctx, call, req, n)
		c.pacer.done(slot)
		if resp != nil {
			c.pacer.observe(resp.Header, time.Now())
		}
		if err == nil {
			if err = c.checkResponse(op, resp); err == nil {
				if err = decode(resp); err == nil {
					c.budget.succeeded(paid)
					c.report(call, resp, n, false)
					return nil
				}
			}
		}
		c.report(call, resp, n, true)
		attempts = append(attempts, Attempt{Err: err, Wait: wait})
		if ctx.Err() != nil {
			return c.failed(op, attempts, context.Cause(ctx))
		}
		if !retryable(err, policy) {
			return c.failed(op, attempts, nil)
		}
		var stop error
		if wait, stop = nextWait(ctx, policy, n, err, time.Since(start)-paced, c.holdOn429(err)); stop != nil {
			return c.failed(op, attempts, stop)
		}
		if paid = c.budget.take(err); paid == 0 {
			return c.failed(op, attempts, ErrRetryBudgetExhausted)
		}
		c.log(ctx, "openrouter: retrying", "path", req.URL.Path, "attempt", n, "wait", wait, "reason", err.Error())
		if !sleep(ctx, wait) {
			return c.failed(op, attempts, context.Cause(ctx))
		}
	}
}

// failed is the error of a call whose attempts are over. One attempt
// that was not retried, or that the end of the context cut, is its own
// error (prefixed with the operation unless it is an API error, which
// names it); more attempts, or another reason to stop, make a *RetryError.
func (c *Client) failed(op string, attempts []Attempt, reason error) error {
	last := attempts[len(attempts)-1].Err
	if len(attempts) > 1 || (reason != nil && !errors.Is(last, reason)) {
		return &RetryError{Op: op, Attempts: attempts, Reason: reason}
	}
	var apiErr *APIError
	if errors.As(last, &apiErr) {
		return last
	}
	return fmt.Errorf("openrouter: %s: %w", op, last)
}

// retryable tells whether the policy retries err: what IsRetryable says,
// less connection errors when the policy turns those off.
func retryable(err error, policy retryPolicy) bool {
	if policy.maxRetries == 0 || !IsRetryable(err) {
		return false
	}
	var apiErr *APIError
	return !policy.noConnectionRetries || errors.As(err, &apiErr)
}

// nextWait is the wait before retry number n, or why there is none: the
// retry cap is reached, or the wait (the backoff, or longer when the
// server's Retry-After asks for more) would end past MaxElapsedTime or
// the context's deadline. Such a wait is not begun: the call returns at
// once rather than sleeping into its deadline.
//
// A 429 whose wait the rate limiter holds (paced) waits for the
// limiter's slot instead: a wait the service asks of every request is
// not a failure of this one, and is not the retry budget's.
func nextWait(ctx context.Context, policy retryPolicy, n int, err error, elapsed time.Duration, paced bool) (time.Duration, error) {
	if n > policy.maxRetries {
		return 0, fmt.Errorf("no retries left (at most %d)", policy.maxRetries)
	}
	wait := policy.backoff.backoff(n)
	var apiErr *APIError
	if errors.As(err, &apiErr) && !paced {
		if apiErr.retryAfterOK {
			wait = max(wait, apiErr.retryAfter)
		}
	}
	if budget := policy.backoff.MaxElapsedTime; wait > budget-elapsed {
		return 0, fmt.Errorf("a wait of %s would pass the retry budget of %s", roundWait(wait), budget)
	}
	if deadline, ok := ctx.Deadline(); ok && wait >= time.Until(deadline) {
		return 0, fmt.Errorf("a wait of %s would pass the call's deadline: %w", roundWait(wait), context.DeadlineExceeded)
	}
	return wait, nil
}

func roundWait(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// holdOn429 hands a 429's wait (Retry-After, else the rate headers) to
// the client's rate limiter, which every request then waits for; false
// when there is none to hand, or it is too long for a rate limit.
func (c *Client) holdOn429(err error) bool {
	var apiErr *APIError
	if c.pacer == nil || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		return false
	}
	d, ok := apiErr.retryAfter, apiErr.retryAfterOK
	if !ok {
		d, ok = rateReset(apiErr.Header, time.Now())
	}
	return ok && c.pacer.holdFor(d)
}

// sleep waits for d, or less when ctx ends first; it reports whether the
// whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// isConnectError tells a failure to connect (dial, TLS handshake, a
// proxy's CONNECT) from one after the request went out.
func isConnectError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var record tls.RecordHeaderError
	return errors.As(err, &record) || strings.Contains(err.Error(), "TLS handshake")
}
