// Package sdk is a Go client for OpenRouter's analytics API: the catalog of
// what a query may use (GetAnalyticsMeta) and the query itself
// (QueryAnalytics), with complete exports of any size (QueryPages,
// QueryAll), names resolved to the ids filters take (Resolve,
// Attribute), and the cookbook's cost review (Review).
//
// Both endpoints need a management key, read by default from the
// environment variable OPENROUTER_API_KEY:
//
//	client, err := sdk.NewClient(sdk.WithAppTitle("My dashboard"))
//	if err != nil {
//		return err
//	}
//	res, err := client.QueryAnalytics(ctx, sdk.QueryRequest{
//		Metrics:     []string{"request_count", "total_usage"},
//		Dimensions:  []string{"model"},
//		Filters:     []sdk.Filter{sdk.In("provider", "openai", "anthropic")},
//		Granularity: sdk.GranularityDay,
//	})
//
// # Options
//
// Every option is a With* function of options.go. An Option configures a
// client (WithAPIKey, WithBaseURL, WithHTTPClient, WithLogger,
// WithRateLimit, WithRetryBudget, WithCatalogTTL, WithApps, WithWindows,
// ...); a CallOption configures one call, or every call when given to
// NewClient (WithTimeout, WithAttemptTimeout, WithMaxRetries,
// WithBackoff, WithMiddleware, WithConcurrency, WithProgress,
// WithWarningHandler, WithWarningsAsErrors, the app headers
// WithHTTPReferer, WithAppTitle and WithAppCategories). An option that
// cannot be used where it is given makes NewClient, or the call, fail
// with a *ValidationError.
//
// # Errors
//
// Queries are checked before they are sent: a broken one returns
// *ValidationError values (joined, one per problem) naming the field.
// Every error status comes back as a type of its own that embeds
// *APIError (the operation, status, error code and message, request id,
// metadata, headers and the start of the body), whatever the body was,
// and each status class has a sentinel for errors.Is:
//
//   - 400: *BadRequestResponseError, ErrBadRequest; not retried
//   - 401: *UnauthorizedResponseError, ErrUnauthorized; not retried
//   - 403: *ForbiddenResponseError, ErrForbidden; not retried
//   - 408: *RequestTimeoutResponseError, ErrRequestTimeout; retried
//   - 429: *RateLimitError (with RetryAfter), ErrRateLimited; retried
//   - 500, 502, 503, 504: *InternalServerResponseError,
//     *BadGatewayResponseError, *ServiceUnavailableResponseError,
//     *GatewayTimeoutResponseError, all ErrServer; retried
//   - another 5XX: *OpenRouterDefaultError, ErrServer; retried, but 501
//   - another 4XX: *OpenRouterDefaultError, no sentinel; not retried
//
// The per-status types carry the names OpenRouter's official SDKs use,
// so that code moving from them finds the same types; the sentinels ask
// "which class?" in one line, and errors.As with *APIError reaches any
// status. A call that made more than one attempt returns a *RetryError
// with each attempt and why it stopped; an attempt that ran out of time
// is an *AttemptTimeoutError naming the limit and the phase. The API key
// never appears in an error, a log line or the %v of a client.
//
// # Retries and their worst cases
//
// 408, 429, 5XX (but 501), a 2XX body that does not decode, and
// connection errors such as a reset are retried up to DefaultMaxRetries
// times with jittered exponential backoff (DefaultBackoff), honouring
// Retry-After but never waiting past a minute of retrying, the call's
// WithTimeout or its context's deadline; each attempt has
// DefaultAttemptTimeout. A client-wide RetryBudget (DefaultRetryBudget)
// keeps an outage from multiplying the load: however many calls fail, a
// client sends at most about 100 retries more than its calls. A default
// call against a server that answers 503 forever returns in 3.0 to 5.1 s
// after 5 attempts; against one that never answers, after 60 s; whatever
// the server does, within 6 minutes (a minute of rate limit for each
// retry included). By default a client paces its requests to the
// service's 64 a minute (WithRateLimit), so that an export that needs
// more is spread out rather than refused.
//
// # Middleware
//
// WithMiddleware wraps each attempt: it sees the request and the next
// step, inside the retry loop, so that it can log, count or answer an
// attempt itself. It must not keep the Authorization header.
//
// # Complete results
//
// The service caps one answer (1,000 rows by default, 10,000 at most)
// and its time windows (31 days for some metrics and dimensions). A
// QueryAnalytics result says when it came back truncated; QueryPages and
// QueryAll split a time series into requests that each come back whole,
// inside the windows, fetched side by side (WithConcurrency), and hand
// over every row or an error, never fewer rows in silence. Rows keep the
// service's values as sent (counts may come as strings, buckets in any of
// their shapes); package row reads them, and row.Decode fills structs.
//
// # Where things are
//
// One call reads top to bottom: options (options.go), validation
// (validate.go), the request (request.go, as gen's builders build it),
// the retry loop and what it retries (retry.go) around each attempt
// (transport.go) and its middleware (middleware.go), the
// response funnelled to a typed error (funnel.go, errors.go), then
// decoding (client.go). The types are those generated from
// openapi/analytics.yaml into package gen, re-exported here so that
// ordinary use never imports gen.
package sdk
