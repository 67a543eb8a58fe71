package sdk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RetryStrategy says whether failed attempts are retried.
type RetryStrategy string

const (
	// RetryBackoff retries with jittered exponential backoff. It is what
	// an empty Strategy means.
	RetryBackoff RetryStrategy = "backoff"
	// RetryNone sends each request once.
	RetryNone RetryStrategy = "none"
)

// BackoffStrategy shapes the waits between attempts: the first wait is
// InitialInterval, each next one Exponent times longer up to MaxInterval,
// each randomised by ±25%, and no attempt starts after MaxElapsedTime.
// Zero fields take the defaults of DefaultRetryConfig.
type BackoffStrategy struct {
	InitialInterval time.Duration
	MaxInterval     time.Duration
	Exponent        float64
	MaxElapsedTime  time.Duration
}

// RetryConfig says which failures are retried and how long to wait.
//
// Retried are 408, 429 and 5XX responses and, when RetryConnectionErrors
// is set, connection errors (refused, reset, EOF, a body cut short), for
// both calls: a query only reads and is safe to repeat. A Retry-After
// header, in seconds or as an HTTP date, sets the next wait, capped by
// MaxInterval. Other statuses (400, 401, 403, ...) are never retried.
type RetryConfig struct {
	Strategy              RetryStrategy
	Backoff               BackoffStrategy
	RetryConnectionErrors bool
}

// The official SDKs' defaults, which DefaultRetryConfig returns.
const (
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 60 * time.Second
	DefaultExponent        = 1.5
	DefaultMaxElapsedTime  = time.Hour
	jitter                 = 0.25
)

// DefaultRetryConfig is the retry policy of a new client: backoff from
// 500 ms by 1.5x up to 60 s, for at most an hour, connection errors
// included.
func DefaultRetryConfig() RetryConfig {
	return RetryConfig{
		Strategy: RetryBackoff,
		Backoff: BackoffStrategy{
			InitialInterval: DefaultInitialInterval,
			MaxInterval:     DefaultMaxInterval,
			Exponent:        DefaultExponent,
			MaxElapsedTime:  DefaultMaxElapsedTime,
		},
		RetryConnectionErrors: true,
	}
}

// NoRetries is a RetryConfig that sends each request once.
func NoRetries() RetryConfig { return RetryConfig{Strategy: RetryNone} }

// withDefaults fills the zero fields of the backoff strategy.
func (b BackoffStrategy) withDefaults() BackoffStrategy {
	if b.InitialInterval <= 0 {
		b.InitialInterval = DefaultInitialInterval
	}
	if b.MaxInterval <= 0 {
		b.MaxInterval = DefaultMaxInterval
	}
	if b.Exponent < 1 {
		b.Exponent = DefaultExponent
	}
	if b.MaxElapsedTime <= 0 {
		b.MaxElapsedTime = DefaultMaxElapsedTime
	}
	return b
}

// retryableStatus is a response that another attempt may fix.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// statusError carries a retryable response out of an attempt, so that
// the last one can be returned when the retries run out.
type statusError struct{ resp *http.Response }

func (e *statusError) Error() string { return "retryable status " + e.resp.Status }

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// isConnectionError tells a failure of the connection, which another
// attempt may avoid (refused, reset, cut short, timed out), from one that
// would only fail again (a bad certificate, an unknown host, a malformed
// response).
func isConnectionError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	var opErr *net.OpError
	var urlErr *url.Error
	return errors.As(err, &opErr) || (errors.As(err, &urlErr) && urlErr.Timeout())
}

// sendWithRetry sends req through the client's HTTPDoer, reading each
// response body whole (within the size cap) as part of its attempt, so
// that a body cut short is retried like any other connection error. The
// request body is replayed from req.GetBody on every attempt.
func (c *Client) sendWithRetry(ctx context.Context, req *http.Request, cfg RetryConfig) (*http.Response, error) {
	cfg.Backoff = cfg.Backoff.withDefaults()
	attempt := 0
	op := func() (*http.Response, error) {
		attempt++
		resp, err := c.attempt(ctx, req, attempt)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, backoff.Permanent(context.Cause(ctx))
		case err != nil && cfg.RetryConnectionErrors && isConnectionError(err):
			return nil, err
		case err != nil:
			return nil, backoff.Permanent(err)
		case retryableStatus(resp.StatusCode):
			if wait, ok := retryAfter(resp.Header, time.Now()); ok {
				return resp, &backoff.RetryAfterError{Duration: min(wait, cfg.Backoff.MaxInterval)}
			}
			return resp, &statusError{resp}
		}
		return resp, nil
	}

	if cfg.Strategy == RetryNone {
		resp, err := op()
		return unwrapAttempt(resp, err)
	}
	b := cfg.Backoff
	resp, err := backoff.Retry(ctx, op,
		backoff.WithBackOff(cappedBackOff{&backoff.ExponentialBackOff{
			InitialInterval:     b.InitialInterval,
			RandomizationFactor: jitter,
			Multiplier:          b.Exponent,
			MaxInterval:         b.MaxInterval,
		}}),
		backoff.WithMaxElapsedTime(b.MaxElapsedTime),
		backoff.WithNotify(func(err error, wait time.Duration) {
			c.log(ctx, "openrouter: retrying", "path", req.URL.Path, "attempt", attempt, "wait", wait, "reason", err.Error())
		}),
	)
	return unwrapAttempt(resp, err)
}

// cappedBackOff keeps the jittered wait within MaxInterval, which the
// library's randomisation may otherwise pass by up to 25%.
type cappedBackOff struct{ *backoff.ExponentialBackOff }

func (b cappedBackOff) NextBackOff() time.Duration {
	return min(b.ExponentialBackOff.NextBackOff(), b.MaxInterval)
}

// unwrapAttempt turns the last attempt's retryable status back into a
// plain response, for the caller to map to a typed error.
func unwrapAttempt(resp *http.Response, err error) (*http.Response, error) {
	var perm *backoff.PermanentError
	if errors.As(err, &perm) {
		err = perm.Unwrap()
	}
	var se *statusError
	var ra *backoff.RetryAfterError
	if resp != nil && (errors.As(err, &se) || errors.As(err, &ra)) {
		return resp, nil
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}
