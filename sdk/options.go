package sdk

import (
	"log/slog"
	"net/http"
	"time"
)

// Option configures a Client in NewClient.
type Option interface {
	applyToClient(*Client)
}

// CallOption configures one call, overriding the client's setting. Every
// CallOption is also an Option, which sets the client-wide default.
type CallOption interface {
	Option
	applyToCall(*callSettings)
}

// callSettings are the settings a single call may override.
type callSettings struct {
	headers appHeaders
	timeout time.Duration
	retry   RetryConfig
}

type clientOption func(*Client)

func (f clientOption) applyToClient(c *Client) { f(c) }

type callOption func(*callSettings)

func (f callOption) applyToClient(c *Client)     { f(&c.defaults) }
func (f callOption) applyToCall(s *callSettings) { f(s) }

// HTTPDoer sends HTTP requests; *http.Client is one.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

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
// *http.Client with its default transport.
func WithHTTPClient(doer HTTPDoer) Option {
	return clientOption(func(c *Client) { c.doer = doer })
}

// WithUserAgentSuffix appends text (such as "my-app/1.2") to the
// User-Agent header, after the SDK's own name and version.
func WithUserAgentSuffix(suffix string) Option {
	return clientOption(func(c *Client) { c.userAgentSuffix = suffix })
}

// WithLogger logs each attempt (method, path, status, duration) and each
// retry at debug level. Headers and bodies are never logged.
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
	return callOption(func(s *callSettings) { s.headers.referer = url })
}

// WithAppTitle sets the X-OpenRouter-Title header: the app's display name.
func WithAppTitle(title string) CallOption {
	return callOption(func(s *callSettings) { s.headers.title = title })
}

// WithAppCategories sets the X-OpenRouter-Categories header from the
// app's categories, such as "cli-agent" and "cloud-agent".
func WithAppCategories(categories ...string) CallOption {
	return callOption(func(s *callSettings) { s.headers.categories = joinCategories(categories) })
}

// WithTimeout bounds each call, retries and waits included. Zero means no
// bound beyond the context's own deadline, which is the default.
func WithTimeout(d time.Duration) CallOption {
	return callOption(func(s *callSettings) { s.timeout = d })
}

// WithRetries sets how failed attempts are retried; the default is
// DefaultRetryConfig. Use NoRetries() to send each request once.
func WithRetries(cfg RetryConfig) CallOption {
	return callOption(func(s *callSettings) { s.retry = cfg })
}
