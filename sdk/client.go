package sdk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	// encoding/json's semantics on json/v2's engine: what encoding/json
	// is under GOEXPERIMENT=jsonv2. Move back to encoding/json when that
	// is its default.
	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

const (
	// DefaultBaseURL is OpenRouter's API.
	DefaultBaseURL = "https://openrouter.ai/api/v1"
	// DefaultMaxResponseBytes caps a response body unless WithMaxResponseBytes says otherwise.
	DefaultMaxResponseBytes = 256 << 20
	// APIKeyEnv is the environment variable NewClient reads the key from.
	APIKeyEnv = "OPENROUTER_API_KEY"
	// BaseURLEnv is the environment variable that, when set, replaces
	// DefaultBaseURL for clients made without WithBaseURL (a proxy, or a
	// fake API in tests).
	BaseURLEnv = "OPENROUTER_BASE_URL"
)

// The operations, as errors and logs name them.
const (
	opMeta  = "GET /analytics/meta"
	opQuery = "POST /analytics/query"
)

// Client calls OpenRouter's analytics API. It is safe for concurrent use;
// make one and reuse it, so that connections are reused too.
type Client struct {
	// Configuration, as the options set it.
	apiKey           string
	baseURL          string
	doer             HTTPDoer
	userAgentSuffix  string
	logger           *slog.Logger
	maxResponseBytes int64
	defaults         callConfig // the call options given to NewClient
	budgetConfig     RetryBudget
	apps             []Candidate // WithApps
	catalogTTL       time.Duration
	windows          Windows             // the service's ranges, for exports and warnings
	optionErr        error               // an option that cannot be used on a client
	getenv           func(string) string // WithEnv; os.Getenv when nil

	// Derived from the configuration once, by NewClient.
	base      *url.URL
	server    string // baseURL with one trailing slash, as gen's request builders want it
	endpoints endpoints
	userAgent string
	redact    *redactor
	traced    bool // the doer is an *http.Client, which reports when it has a connection

	// State that the client's calls share.
	budget  *retryBudget // nil when disabled
	pacer   *pacer       // the client's rate; nil for none
	catalog catalogCache
	lookups lookupCache
}

// NewClient makes a client. Without WithAPIKey it reads the key from
// OPENROUTER_API_KEY and fails with ErrMissingAPIKey when that is empty;
// white space around the key (a newline from a file, say) is trimmed,
// and a key with white space or control characters inside is refused.
// Without WithBaseURL it uses OPENROUTER_BASE_URL, else DefaultBaseURL.
// It does no I/O.
//
// By default a failed call is retried at most DefaultMaxRetries times
// (see WithMaxRetries for what is retried), with jittered backoff from
// 500 ms, honouring Retry-After, and never waiting past a minute after
// the call began or past the context's deadline. Each attempt has
// DefaultAttemptTimeout; the call as a whole has no timeout beyond its
// context's unless WithTimeout sets one. The client's retries together
// are bounded by a RetryBudget.
//
// The key never appears in what the client returns or logs, even when a
// server echoes it: errors, their fields and log lines hold Redacted in
// its place.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		maxResponseBytes: DefaultMaxResponseBytes,
		defaults:         defaultCallConfig(),
		catalogTTL:       DefaultCatalogTTL,
		windows:          DefaultWindows(),
		pacer:            newPacer(DefaultRequestsPerMinute, time.Minute),
	}
	for _, o := range opts {
		o.applyToClient(c)
	}
	if c.optionErr != nil {
		return nil, c.optionErr
	}
	getenv := c.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if c.apiKey == "" {
		c.apiKey = getenv(APIKeyEnv)
	}
	if c.baseURL == "" {
		c.baseURL = cmp.Or(getenv(BaseURLEnv), DefaultBaseURL)
	}
	c.apiKey = strings.TrimSpace(c.apiKey)
	if c.apiKey == "" {
		return nil, ErrMissingAPIKey
	}
	if err := checkHeaderValue("Authorization", c.apiKey); err != nil {
		return nil, err
	}
	if strings.ContainsFunc(c.apiKey, unicode.IsSpace) {
		return nil, &ValidationError{Field: "API key", Problem: "contains white space"}
	}
	c.redact = newRedactor(c.apiKey)
	if err := checkHeaderValue("User-Agent", c.userAgentSuffix); err != nil {
		return nil, err
	}
	if err := c.defaults.check(); err != nil {
		return nil, err
	}
	if c.catalogTTL <= 0 {
		return nil, &ValidationError{Field: "WithCatalogTTL", Problem: fmt.Sprintf("must be positive, got %s", c.catalogTTL)}
	}
	if err := c.budgetConfig.check(); err != nil {
		return nil, err
	}
	u, err := url.Parse(c.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &ValidationError{Field: "base URL", Problem: fmt.Sprintf("%q is not an absolute http(s) URL", c.baseURL)}
	}
	c.base = u
	if c.maxResponseBytes <= 0 {
		return nil, &ValidationError{Field: "max response bytes", Problem: "must be positive"}
	}
	if c.doer == nil {
		c.doer = defaultHTTPClient()
	}
	_, c.traced = c.doer.(*http.Client)
	c.doer = c.withRedirectCheck(c.doer)
	c.warnIfPlainHTTP()
	c.budget = newRetryBudget(c.budgetConfig)
	c.server = strings.TrimRight(c.baseURL, "/") + "/"
	if c.endpoints, err = newEndpoints(c.server); err != nil {
		return nil, &ValidationError{Field: "base URL", Problem: err.Error()}
	}
	c.userAgent = userAgent(c.userAgentSuffix)
	return c, nil
}

// defaultMaxConnections bounds the connections the default HTTP client
// opens to the API: concurrent calls beyond it wait for a free one rather
// than opening (and then dropping) a connection each.
const defaultMaxConnections = 32

func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = defaultMaxConnections
	tr.MaxIdleConnsPerHost = defaultMaxConnections
	return &http.Client{Transport: tr}
}

// GetAnalyticsMeta returns the catalog of metrics, dimensions, filter
// operators and granularities a query may use.
func (c *Client) GetAnalyticsMeta(ctx context.Context, opts ...CallOption) (*AnalyticsMeta, error) {
	call, err := c.callConfig(opts)
	if err != nil {
		return nil, err
	}
	req, err := c.newMetaRequest(call.headers)
	if err != nil {
		return nil, fmt.Errorf("openrouter: %s: %w", opMeta, err)
	}
	c.setHeaders(req.Header)
	ctx, cancel := call.bound(ctx)
	defer cancel()
	var out gen.AnalyticsMetaResponse
	err = c.send(ctx, opMeta, &call, req, func(resp *response) error {
		out = gen.AnalyticsMetaResponse{}
		if err := c.decode(opMeta, resp, &out); err != nil {
			return err
		}
		if m := &out.Data; m.Metrics == nil || m.Dimensions == nil || m.Operators == nil || m.Granularities == nil {
			return c.undecodable(opMeta, resp, errors.New("data.metrics, data.dimensions, data.operators and data.granularities are required"))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// QueryAnalytics checks the query (see ValidateQuery), runs it and returns
// its rows with their metadata. Its warnings go to WithWarningHandler's
// function, and under WithWarningsAsErrors they are a *WarningError.
func (c *Client) QueryAnalytics(ctx context.Context, query QueryRequest, opts ...CallOption) (*QueryResult, error) {
	call, err := c.callConfig(opts)
	if err != nil {
		return nil, err
	}
	c.windows.fill(&query, time.Now())
	if err := ValidateQuery(&query); err != nil {
		return nil, err
	}
	ctx, cancel := call.bound(ctx)
	defer cancel()
	res, err := c.query(ctx, &call, query)
	if err != nil {
		return nil, err
	}
	res.TimeRange = query.TimeRange
	if w := windowWarning(c.windows, &query); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
	var seen warningSet
	if err := seen.deliver(c, &call, res.Warnings); err != nil {
		return nil, err
	}
	return res, nil
}

// query sends a checked query with a resolved configuration, within
// whatever deadline ctx already has: one request and its retries.
func (c *Client) query(ctx context.Context, call *callConfig, query QueryRequest) (*QueryResult, error) {
	// The service takes UTC times with seconds, which time.Time's JSON
	// always has; an offset is turned into UTC here.
	query.TimeRange.Start, query.TimeRange.End = query.TimeRange.Start.UTC(), query.TimeRange.End.UTC()
	req, err := c.newQueryRequest(call.headers, query)
	if err != nil {
		return nil, fmt.Errorf("openrouter: %s: %w", opQuery, err)
	}
	c.setHeaders(req.Header)
	var out gen.QueryResponse
	err = c.send(ctx, opQuery, call, req, func(resp *response) error {
		out = gen.QueryResponse{}
		if err := c.decode(opQuery, resp, &out); err != nil {
			return err
		}
		if out.Data.Data == nil {
			return c.undecodable(opQuery, resp, errors.New("data.data is required"))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := &out.Data
	return &QueryResult{Data: d.Data, Metadata: d.Metadata, Warnings: d.Warnings, CachedAt: d.CachedAt}, nil
}

// callConfig is the client's defaults with a call's options applied.
func (c *Client) callConfig(opts []CallOption) (callConfig, error) {
	call := c.defaults
	if len(opts) == 0 {
		return call, nil // checked in NewClient
	}
	for _, o := range opts {
		o.applyToCall(&call)
	}
	return call, call.check()
}

var errCutJSON = errors.New("unexpected end of JSON input")

// decodeOptions are encoding/json's semantics, with errors reported as
// json/v2 does: at the first fault, with no pass over the body before.
var decodeOptions = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv1.ReportErrorsWithLegacySemantics(false))

// decode reads a 2XX body of JSON into out; anything else is an
// OpenRouterDefaultError that keeps the status and the start of the body.
// It decodes with encoding/json's semantics on json/v2's engine, but
// validates the body as it goes rather than in a pass of its own first
// (encoding/json's legacy error reporting, which only changes which of
// two faults a bad body is refused for): the rows are read once, straight
// into Rows (its UnmarshalJSONFrom). FuzzEnvelopeDecodesAsEncodingJSON
// holds the two to the same results.
func (c *Client) decode(op string, resp *response, out any) error {
	if !isJSON(resp.Header) {
		return c.undecodable(op, resp, nil)
	}
	if err := jsonv2.Unmarshal(resp.body, out, decodeOptions); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errCutJSON // a body cut short: say it as encoding/json does
		}
		return c.undecodable(op, resp, err)
	}
	return nil
}

// log writes a debug line when the client has a logger, with the API key
// redacted from every string argument.
func (c *Client) log(ctx context.Context, msg string, args ...any) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = c.redact.string(s)
		}
	}
	c.logger.DebugContext(ctx, msg, args...)
}

// CloseIdleConnections closes the idle connections of the client's HTTP
// client, when it has such a method (an *http.Client does); calls may go
// on, and open new ones.
func (c *Client) CloseIdleConnections() {
	if closer, ok := c.doer.(interface{ CloseIdleConnections() }); ok {
		closer.CloseIdleConnections()
	}
}

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("sdk.Client{baseURL: %q, apiKey: [REDACTED]}", c.baseURL)
}

// Format prints the client as String does, whatever the verb, so that no
// verb (%v, %+v, %#v, %d, ...) can print the API key.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
