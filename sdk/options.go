package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
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
	retry          RetryConfig
	// QueryAll's own settings.
	concurrency int
	progress    func(Progress)
}

// DefaultAttemptTimeout bounds one attempt (sending the request and
// reading the whole response) unless WithAttemptTimeout says otherwise,
// so that a stalled connection costs one attempt rather than the call.
const DefaultAttemptTimeout = 60 * time.Second

func defaultCallConfig() callConfig {
	return callConfig{attemptTimeout: DefaultAttemptTimeout}
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

// WithBaseURL sets the API's base URL; the default is $OPENROUTER_BASE_URL
// or else DefaultBaseURL.
func WithBaseURL(url string) Option {
	return clientOption(func(c *Client) { c.baseURL = url })
}

// WithHTTPClient sets what sends the requests; the default is an
// *http.Client with a pooled transport of DefaultMaxConnections. An
// *http.Client without a CheckRedirect of its own is used through a copy
// that refuses redirects leaving the base URL's host or dropping https
// (see RedirectError); any other HTTPDoer is trusted with redirects.
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
// between them. Zero means no bound beyond the context's own deadline,
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

// WithRetries sets how failed attempts are retried. Zero fields of cfg
// take the defaults (see RetryConfig); use NoRetries() to send each
// request once.
func WithRetries(cfg RetryConfig) CallOption {
	return callOption(func(s *callConfig) { s.retry = cfg })
}
