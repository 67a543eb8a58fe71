package sdk

import (
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
// each randomised by ±25% (and never past MaxInterval). No wait is begun
// that would end more than MaxElapsedTime after the call started. The
// field names are those of OpenRouter's official SDKs.
type BackoffStrategy struct {
	InitialInterval time.Duration
	MaxInterval     time.Duration
	Exponent        float64
	MaxElapsedTime  time.Duration
}

// RetryConfig says which failures are retried, how often and how long to
// wait. Every zero field means its default, so RetryConfig{} is the
// default policy:
//
//   - at most DefaultMaxRetries retries (DefaultMaxRetries+1 attempts);
//   - waits from 500 ms, 1.5x longer each time, at most 60 s apart;
//   - no wait that would end past 1 minute after the call began;
//   - connection errors retried.
//
// Retried are 408, 429 and 5XX responses (except 501) and connection
// errors: refused, reset, broken pipe, a body cut short (EOF) and
// timeouts, for both calls, since a query only reads and is safe to
// repeat. TLS and certificate errors, an unknown host and every other
// status are never retried.
//
// A Retry-After header (seconds, or an HTTP date) is honoured: the next
// attempt waits at least that long. When that wait would end past the
// budget (MaxElapsedTime, or the context's deadline), the call stops at
// once and returns the error rather than sleeping past its deadline.
// Garbage, negative values and dates in the past fall back to the backoff
// schedule.
type RetryConfig struct {
	// Strategy is RetryBackoff (the default) or RetryNone.
	Strategy RetryStrategy
	// Backoff shapes the waits; zero fields take the defaults.
	Backoff BackoffStrategy
	// MaxRetries caps the retries after the first attempt; zero means
	// DefaultMaxRetries. Use NoRetries() to send a request only once.
	MaxRetries int
	// NoConnectionRetries turns off retrying connection errors; failed
	// statuses are still retried.
	NoConnectionRetries bool
}

// The defaults of a RetryConfig's zero fields. Unlike OpenRouter's
// official SDKs, which retry for up to an hour, a call is bounded by
// attempts and by a minute: an unattended program learns of an outage in
// seconds rather than hanging, and a fleet of clients does not multiply
// the load on a service that is already failing.
const (
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 60 * time.Second
	DefaultExponent        = 1.5
	DefaultMaxElapsedTime  = time.Minute
	DefaultMaxRetries      = 4
	jitter                 = 0.25
)

// DefaultRetryConfig is the retry policy of a new client, with every
// default spelled out; it behaves as RetryConfig{} does.
func DefaultRetryConfig() RetryConfig {
	return RetryConfig{
		Strategy: RetryBackoff,
		Backoff: BackoffStrategy{
			InitialInterval: DefaultInitialInterval,
			MaxInterval:     DefaultMaxInterval,
			Exponent:        DefaultExponent,
			MaxElapsedTime:  DefaultMaxElapsedTime,
		},
		MaxRetries: DefaultMaxRetries,
	}
}

// NoRetries is a RetryConfig that sends each request once.
func NoRetries() RetryConfig { return RetryConfig{Strategy: RetryNone} }

// withDefaults fills the zero fields.
func (r RetryConfig) withDefaults() RetryConfig {
	d := DefaultRetryConfig()
	if r.Strategy == "" {
		r.Strategy = d.Strategy
	}
	if r.MaxRetries == 0 {
		r.MaxRetries = d.MaxRetries
	}
	b := &r.Backoff
	if b.InitialInterval == 0 {
		b.InitialInterval = d.Backoff.InitialInterval
	}
	if b.MaxInterval == 0 {
		b.MaxInterval = d.Backoff.MaxInterval
	}
	if b.Exponent == 0 {
		b.Exponent = d.Backoff.Exponent
	}
	if b.MaxElapsedTime == 0 {
		b.MaxElapsedTime = d.Backoff.MaxElapsedTime
	}
	return r
}

// check refuses a policy that cannot be meant: negative counts or
// durations, an exponent below 1, an unknown strategy.
func (r RetryConfig) check() error {
	bad := func(field, format string, args ...any) error {
		return &ValidationError{Field: "retry config: " + field, Problem: fmt.Sprintf(format, args...)}
	}
	b := r.Backoff
	switch {
	case r.Strategy != "" && r.Strategy != RetryBackoff && r.Strategy != RetryNone:
		return bad("Strategy", "%q is not %q or %q", r.Strategy, RetryBackoff, RetryNone)
	case r.MaxRetries < 0:
		return bad("MaxRetries", "must not be negative, got %d (use NoRetries() to send once)", r.MaxRetries)
	case b.InitialInterval < 0:
		return bad("Backoff.InitialInterval", "must not be negative, got %s", b.InitialInterval)
	case b.MaxInterval < 0:
		return bad("Backoff.MaxInterval", "must not be negative, got %s", b.MaxInterval)
	case b.MaxElapsedTime < 0:
		return bad("Backoff.MaxElapsedTime", "must not be negative, got %s", b.MaxElapsedTime)
	case b.Exponent != 0 && !(b.Exponent >= 1 && b.Exponent <= 100):
		return bad("Backoff.Exponent", "must be from 1 to 100, got %g", b.Exponent)
	}
	return nil
}

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
