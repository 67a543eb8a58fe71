package sdk

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

const (
	// DefaultBaseURL is OpenRouter's API.
	DefaultBaseURL = "https://openrouter.ai/api/v1"
	// DefaultMaxResponseBytes caps a response body unless WithMaxResponseBytes says otherwise.
	DefaultMaxResponseBytes = 256 << 20
	// APIKeyEnv is the environment variable NewClient reads the key from.
	APIKeyEnv = "OPENROUTER_API_KEY"
	// BaseURLEnv, when set, replaces DefaultBaseURL for clients made
	// without WithBaseURL (a proxy, or a fake API in tests).
	BaseURLEnv = "OPENROUTER_BASE_URL"
)

// Client calls OpenRouter's analytics API. It is safe for concurrent use;
// make one and reuse it, so that connections are reused too.
type Client struct {
	apiKey           string
	baseURL          string
	doer             HTTPDoer
	userAgentSuffix  string
	userAgent        string
	logger           *slog.Logger
	maxResponseBytes int64
	defaults         callSettings
	gen              *gen.Client

	catalogMu sync.Mutex
	catalog   *Catalog
}

// NewClient makes a client. Without WithAPIKey it reads the key from
// OPENROUTER_API_KEY and fails with ErrMissingAPIKey when that is empty;
// without WithBaseURL it uses OPENROUTER_BASE_URL, else DefaultBaseURL.
// It does no I/O.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		maxResponseBytes: DefaultMaxResponseBytes,
		defaults:         callSettings{retry: DefaultRetryConfig()},
	}
	for _, o := range opts {
		o.applyToClient(c)
	}
	if c.apiKey == "" {
		c.apiKey = os.Getenv(APIKeyEnv)
	}
	if c.baseURL == "" {
		c.baseURL = cmp.Or(os.Getenv(BaseURLEnv), DefaultBaseURL)
	}
	if strings.TrimSpace(c.apiKey) == "" {
		return nil, ErrMissingAPIKey
	}
	if err := checkHeaderValue("Authorization", c.apiKey); err != nil {
		return nil, err
	}
	if err := checkHeaderValue("User-Agent", c.userAgentSuffix); err != nil {
		return nil, err
	}
	if err := c.defaults.headers.check(); err != nil {
		return nil, err
	}
	if u, err := url.Parse(c.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &ValidationError{Field: "base URL", Problem: fmt.Sprintf("%q is not an absolute http(s) URL", c.baseURL)}
	}
	if c.maxResponseBytes <= 0 {
		return nil, &ValidationError{Field: "max response bytes", Problem: "must be positive"}
	}
	if c.doer == nil {
		c.doer = defaultHTTPClient()
	}
	c.userAgent = userAgent(c.userAgentSuffix)
	g, err := gen.NewClient(c.baseURL,
		gen.WithHTTPClient(doerFunc(c.do)),
		gen.WithRequestEditorFn(c.editHeaders))
	if err != nil {
		return nil, err
	}
	c.gen = g
	return c, nil
}

// DefaultMaxConnections bounds the connections the default HTTP client
// opens to the API: concurrent calls beyond it wait for a free one rather
// than opening (and then dropping) a connection each.
const DefaultMaxConnections = 32

func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = DefaultMaxConnections
	tr.MaxIdleConnsPerHost = DefaultMaxConnections
	return &http.Client{Transport: tr}
}

// GetAnalyticsMeta returns the catalog of metrics, dimensions, filter
// operators and granularities a query may use.
func (c *Client) GetAnalyticsMeta(ctx context.Context, opts ...CallOption) (*AnalyticsMeta, error) {
	ctx, cancel, err := c.begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := c.gen.GetAnalyticsMeta(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("openrouter: GET /analytics/meta: %w", err)
	}
	p, err := parse(resp, gen.ParseGetAnalyticsMetaResponse)
	if err != nil {
		return nil, err
	}
	if p.JSON200 != nil {
		m := &p.JSON200.Data
		if m.Metrics == nil || m.Dimensions == nil || m.Operators == nil || m.Granularities == nil {
			return nil, errorFromResponse(resp, p.Body, nil, errors.New("data.metrics, data.dimensions, data.operators and data.granularities are required"))
		}
		return m, nil
	}
	return nil, errorFromResponse(resp, p.Body, firstNonNil(p.JSON401, p.JSON403, p.JSON500), nil)
}

// QueryAnalytics checks the query (see ValidateQuery), runs it and returns
// its rows with their metadata.
func (c *Client) QueryAnalytics(ctx context.Context, query QueryRequest, opts ...CallOption) (*QueryResult, error) {
	if err := ValidateQuery(&query); err != nil {
		return nil, err
	}
	ctx, cancel, err := c.begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := c.gen.QueryAnalytics(ctx, nil, query)
	if err != nil {
		return nil, fmt.Errorf("openrouter: POST /analytics/query: %w", err)
	}
	if resp.StatusCode == http.StatusOK && isJSON(resp) {
		// Decoded here, into the generated type, rather than by the
		// generated parser, which copies the whole body once more first:
		// for a large result that copy would be most of the peak memory.
		body := bufferedBytes(resp)
		var ok gen.QueryResponse
		if err := json.Unmarshal(body, &ok); err != nil {
			return nil, errorFromResponse(resp, body, nil, err)
		}
		if ok.Data.Data == nil {
			return nil, errorFromResponse(resp, body, nil, errors.New("data.data is required"))
		}
		return &ok.Data, nil
	}
	p, err := parse(resp, gen.ParseQueryAnalyticsResponse)
	if err != nil {
		return nil, err
	}
	return nil, errorFromResponse(resp, p.Body, firstNonNil(p.JSON400, p.JSON401, p.JSON403, p.JSON408, p.JSON500), nil)
}

// begin applies the call's options over the client's and bounds the
// context by the call's timeout.
func (c *Client) begin(ctx context.Context, opts []CallOption) (context.Context, context.CancelFunc, error) {
	s := c.defaults
	for _, o := range opts {
		o.applyToCall(&s)
	}
	// The client's own headers were checked in NewClient.
	if s.headers != c.defaults.headers {
		if err := s.headers.check(); err != nil {
			return nil, nil, err
		}
	}
	ctx = context.WithValue(ctx, settingsKey{}, &s)
	if s.timeout > 0 {
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		return ctx, cancel, nil
	}
	return ctx, func() {}, nil
}

type settingsKey struct{}

func settingsFrom(ctx context.Context) *callSettings {
	if s, ok := ctx.Value(settingsKey{}).(*callSettings); ok {
		return s
	}
	return &callSettings{retry: NoRetries()}
}

// doerFunc lets a method serve as the generated client's HttpRequestDoer.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// do is what the generated client sends through: retries around attempts.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	return c.sendWithRetry(ctx, req, settingsFrom(ctx).retry)
}

// attempt sends req once and reads the whole body within the size cap.
func (c *Client) attempt(ctx context.Context, req *http.Request, n int) (*http.Response, error) {
	if n > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		req = req.Clone(ctx)
		req.Body = body
	}
	start := time.Now()
	resp, err := c.doer.Do(req)
	if err != nil {
		c.log(ctx, "openrouter: request failed", "method", req.Method, "path", req.URL.Path, "attempt", n, "error", err.Error())
		return nil, err
	}
	body, err := readCapped(resp, c.maxResponseBytes)
	_ = resp.Body.Close()
	if err != nil {
		c.log(ctx, "openrouter: reading response failed", "method", req.Method, "path", req.URL.Path, "attempt", n, "status", resp.StatusCode, "error", err.Error())
		return nil, err
	}
	resp.Body = &bufferedBody{Reader: bytes.NewReader(body), bytes: body}
	c.log(ctx, "openrouter: response", "method", req.Method, "path", req.URL.Path, "attempt", n,
		"status", resp.StatusCode, "bytes", len(body), "duration", time.Since(start))
	return resp, nil
}

// ResponseTooLargeError reports a response body over the client's cap.
type ResponseTooLargeError struct {
	Limit int64
}

// Error says the body was over the limit.
func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("openrouter: response body exceeds the limit of %d bytes", e.Limit)
}

// readCapped reads a whole body, failing rather than truncating past
// limit. A body whose length is known is read into a buffer of exactly
// that size; one cut short is io.ErrUnexpectedEOF, which is retried.
func readCapped(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	if resp.ContentLength >= 0 {
		body := make([]byte, resp.ContentLength)
		_, err := io.ReadFull(resp.Body, body)
		return body, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	return body, nil
}

// bufferedBody is a body already read, kept for the error path.
type bufferedBody struct {
	*bytes.Reader
	bytes []byte
}

func (*bufferedBody) Close() error { return nil }

// parse runs a generated parser; a body it cannot decode becomes an
// OpenRouterDefaultError that keeps the status and the body.
func parse[R any](resp *http.Response, parseFn func(*http.Response) (*R, error)) (*R, error) {
	raw := bufferedBytes(resp)
	p, err := parseFn(resp)
	if err != nil {
		return nil, errorFromResponse(resp, raw, nil, err)
	}
	return p, nil
}

// bufferedBytes is the body that attempt read.
func bufferedBytes(resp *http.Response) []byte {
	if b, ok := resp.Body.(*bufferedBody); ok {
		return b.bytes
	}
	return nil
}

func firstNonNil[T any](ps ...*T) *T {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func isJSON(resp *http.Response) bool {
	return strings.Contains(resp.Header.Get("Content-Type"), "json")
}

func (c *Client) log(ctx context.Context, msg string, args ...any) {
	if c.logger != nil {
		c.logger.DebugContext(ctx, msg, args...)
	}
}

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("sdk.Client{baseURL: %q, apiKey: [REDACTED]}", c.baseURL)
}

// Format prints the client as String does, whatever the verb, so that no
// verb (%v, %+v, %#v, %d, ...) can print the API key.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
