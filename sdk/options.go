package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// Option configures a Client in NewClient.
type Option interface {
	applyToClient(*Client)
}

// CallOption configures one call, overriding the client's setting. Every
// CallOption is also an Option, which sets the client-wide default; the
// options of a call are applied after the client's, so the last one wins.
type CallOption interface {
	Option
	applyToCall(*callConfig)
}

// callConfig is what one call may set. A Client holds the defaults; each
// call copies them, applies its own options and passes the result down
// as an argument.
type callConfig struct {
	headers        appHeaders
	timeout        time.Duration
	attemptTimeout time.Duration
	retry          retryPolicy
	middleware     []Middleware
	info           *ResponseInfo
	// The server's warnings (warnings.go).
	onWarning        func(string)
	warningsAsErrors bool
	// The settings of QueryPages and QueryAll (scheduler.go, progress.go).
	concurrency    int
	concurrencySet bool
	progress       func(Progress)
	paced          *atomic.Int64 // an export's: the nanoseconds its requests waited for the rate limit
}

// DefaultAttemptTimeout bounds one attempt (sending the request and
// reading the whole response) unless WithAttemptTimeout says otherwise,
// so that a stalled connection costs one attempt rather than the call.
const DefaultAttemptTimeout = 60 * time.Second

func defaultCallConfig() callConfig {
	return callConfig{attemptTimeout: DefaultAttemptTimeout, retry: defaultRetryPolicy()}
}

// check refuses settings that cannot be meant.
func (s *callConfig) check() error {
	if err := s.headers.check(); err != nil {
		return err
	}
	if s.timeout < 0 {
		return &ValidationError{Field: "timeout", Problem: fmt.Sprintf("must not be negative, got %s", s.timeout)}
	}
	if s.attemptTimeout < 0 {
		return &ValidationError{Field: "attempt timeout", Problem: fmt.Sprintf("must not be negative, got %s", s.attemptTimeout)}
	}
	if s.concurrencySet && (s.concurrency < 1 || s.concurrency > MaxConcurrency) {
		return &ValidationError{Field: "WithConcurrency", Problem: fmt.Sprintf("must be from 1 to %d, got %d", MaxConcurrency, s.concurrency)}
	}
	return s.retry.check()
}

// bound limits ctx by the call's timeout, when it has one.
func (s *callConfig) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout > 0 {
		return context.WithTimeout(ctx, s.timeout)
	}
	return ctx, func() {}
}

type clientOption func(*Client)

func (f clientOption) applyToClient(c *Client) { f(c) }

type callOption func(*callConfig)

func (f callOption) applyToClient(c *Client)   { f(&c.defaults) }
func (f callOption) applyToCall(s *callConfig) { f(s) }

// HTTPDoer sends HTTP requests; *http.Client is one.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// HTTPDoerFunc lets a function serve as an HTTPDoer, for middleware or an
// in-memory transport in tests.
type HTTPDoerFunc func(*http.Request) (*http.Response, error)

// Do calls f(req).
func (f HTTPDoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// WithAPIKey sets the management key sent as a bearer token. Without it,
// NewClient reads OPENROUTER_API_KEY.
func WithAPIKey(key string) Option {
	return clientOption(func(c *Client) { c.apiKey = key })
}

// WithEnv has NewClient read OPENROUTER_API_KEY and OPENROUTER_BASE_URL
// through getenv rather than os.Getenv: a program's own configuration,
// or a test's.
func WithEnv(getenv func(key string) string) Option {
	return clientOption(func(c *Client) { c.getenv = getenv })
}

// WithBaseURL sets the API's base URL; the default is $OPENROUTER_BASE_URL
// or else DefaultBaseURL.
func WithBaseURL(url string) Option {
	return clientOption(func(c *Client) { c.baseURL = url })
}

// WithHTTPClient sets what sends the requests; the default is an
// *http.Client with a pooled transport of 32 connections, which
// honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY. An *http.Client is used
// through a copy that refuses redirects leaving the base URL's host or
// dropping https (see RedirectError) before its own CheckRedirect runs;
// with any other HTTPDoer, a response that a redirect brought from
// elsewhere is refused the same way. To see or time each attempt, prefer
// WithMiddleware to wrapping the client.
func WithHTTPClient(doer HTTPDoer) Option {
	return clientOption(func(c *Client) { c.doer = doer })
}

// WithUserAgentSuffix appends text (such as "my-app/1.2") to the
// User-Agent header, after the SDK's own name and version.
func WithUserAgentSuffix(suffix string) Option {
	return clientOption(func(c *Client) { c.userAgentSuffix = suffix })
}

// WithLogger logs each attempt (method, path, status, duration) and each
// retry (the wait and why) at debug level. Headers and bodies are never
// logged.
func WithLogger(logger *slog.Logger) Option {
	return clientOption(func(c *Client) { c.logger = logger })
}

// WithMaxResponseBytes caps the size of a response body; a larger one fails
// with a *ResponseTooLargeError. The default is DefaultMaxResponseBytes.
func WithMaxResponseBytes(n int64) Option {
	return clientOption(func(c *Client) { c.maxResponseBytes = n })
}

// WithHTTPReferer sets the HTTP-Referer header: the app's URL, its primary
// identifier in OpenRouter's rankings.
func WithHTTPReferer(url string) CallOption {
	return callOption(func(s *callConfig) { s.headers.referer = url })
}

// WithAppTitle sets the X-OpenRouter-Title header: the app's display name.
func WithAppTitle(title string) CallOption {
	return callOption(func(s *callConfig) { s.headers.title = title })
}

// WithAppCategories sets the X-OpenRouter-Categories header from the
// app's categories, such as "cli-agent" and "cloud-agent".
func WithAppCategories(categories ...string) CallOption {
	return callOption(func(s *callConfig) { s.headers.categories = joinCategories(categories) })
}

// WithTimeout bounds each call as a whole: every attempt and every wait
// between them; for QueryPages and QueryAll, every request of the export
// and the time the caller's loop takes. Zero means no bound beyond the context's own deadline,
// which is the default.
func WithTimeout(d time.Duration) CallOption {
	return callOption(func(s *callConfig) { s.timeout = d })
}

// WithAttemptTimeout bounds each attempt of a call: sending the request
// and reading the whole response. An attempt that runs out of time fails
// with an *AttemptTimeoutError and is retried like any other timeout. The
// default is DefaultAttemptTimeout; zero removes the bound.
func WithAttemptTimeout(d time.Duration) CallOption {
	return callOption(func(s *callConfig) { s.attemptTimeout = d })
}

// WithMaxRetries sets how many times a failed attempt is retried: n
// retries, so at most n+1 attempts; 0 sends each request once. The
// default is DefaultMaxRetries; n must be from 0 to 100.
//
// Retried are 408, 429 and 5XX responses (except 501), a 2XX whose body
// cannot be decoded, and connection errors: refused, reset, broken pipe,
// a body cut short (EOF) and timeouts, for both calls, since both only
// read and are safe to repeat (IsRetryable says the same of an error).
// TLS and certificate errors, an unknown host and every other status are
// never retried. A Retry-After header (seconds, or an HTTP date) sets a
// floor on the next wait; a wait that would end past the backoff's
// MaxElapsedTime or the context's deadline is not begun: the call
// returns the error at once.
func WithMaxRetries(n int) CallOption {
	return callOption(func(s *callConfig) { s.retry.maxRetries = n })
}

// WithBackoff shapes the waits between retries; zero fields of b take
// their defaults (see BackoffStrategy).
func WithBackoff(b BackoffStrategy) CallOption {
	return callOption(func(s *callConfig) { s.retry.backoff = b })
}

// WithoutConnectionRetries retries failed statuses only, never a
// connection error.
func WithoutConnectionRetries() CallOption {
	return callOption(func(s *callConfig) { s.retry.noConnectionRetries = true })
}

// WithMiddleware adds middleware around each attempt, after any added
// before; the first added is the outermost. Used on a call, it adds to
// the client's.
func WithMiddleware(mw ...Middleware) CallOption {
	return callOption(func(s *callConfig) { s.middleware = append(slices.Clip(s.middleware), mw...) })
}

// WithResponseInto fills *dst when the call returns, whether it succeeded
// or not. It is a per-call option: given to NewClient it is an error.
func WithResponseInto(dst *ResponseInfo) CallOption { return responseInto{dst} }

type responseInto struct{ dst *ResponseInfo }

func (o responseInto) applyToCall(s *callConfig) { s.info = o.dst }
func (o responseInto) applyToClient(c *Client) {
	c.optionErr = &ValidationError{Field: "WithResponseInto", Problem: "is a per-call option; pass it to the call"}
}

// WithRetryBudget sets the client-wide retry budget; the default is
// RetryBudget{}, DefaultRetryBudget's defaults.
func WithRetryBudget(b RetryBudget) Option {
	return clientOption(func(c *Client) { c.budgetConfig = b })
}

// WithCatalogTTL sets how long Catalog keeps a fetched catalog before it
// fetches it again; d must be positive. The default is DefaultCatalogTTL.
func WithCatalogTTL(d time.Duration) Option {
	return clientOption(func(c *Client) { c.catalogTTL = d })
}

// WithWindows replaces the table of the service's windows (see Windows),
// for exports' pieces and single queries' warnings; a zero Windows puts
// no limit on either.
func WithWindows(w Windows) Option {
	return clientOption(func(c *Client) { c.windows = w })
}

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

// WithProgress has QueryPages and QueryAll call f each time a page is
// handed over (before its rows are), in order, from one goroutine at a
// time; the last report has Covered 1. Other calls ignore it.
func WithProgress(f func(Progress)) CallOption {
	return callOption(func(s *callConfig) { s.progress = f })
}

// WithApps tells the client the apps it may resolve titles of, since
// OpenRouter publishes no list of them (their ids are the ones app
// filters take; the app's own attribution settings show it).
func WithApps(apps ...App) Option {
	return clientOption(func(c *Client) {
		for _, a := range apps {
			c.apps = append(c.apps, Candidate{ID: strconv.FormatInt(a.ID, 10), Label: a.Title, names: []string{a.Title}})
		}
	})
}

// WithConcurrency sets how many requests QueryPages and QueryAll have in
// flight at once, from 1 to MaxConcurrency (default DefaultConcurrency);
// pages fetched ahead of the loop are at most twice as many. Other calls
// ignore it.
func WithConcurrency(n int) CallOption {
	return callOption(func(s *callConfig) { s.concurrency, s.concurrencySet = n, true })
}

// WithWarningHandler has QueryAnalytics, QueryPages and QueryAll call f
// with each warning the server sends: once per distinct text in a call
// (an export's pieces all repeat the same warnings), from one goroutine
// at a time, before the rows that came with it are handed over. The
// warnings also stay on QueryResult.Warnings and Page.Warnings.
func WithWarningHandler(f func(warning string)) CallOption {
	return callOption(func(s *callConfig) { s.onWarning = f })
}

// WithWarningsAsErrors makes a warning fail the call with a
// *WarningError carrying the warnings: QueryAnalytics returns no result,
// and QueryPages and QueryAll end before the page or rows that came with
// it. WithWarningHandler, when set too, sees the warnings first.
func WithWarningsAsErrors() CallOption {
	return callOption(func(s *callConfig) { s.warningsAsErrors = true })
}
