package analyticstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/a2d11fc8/openrouter-analytics-go/openapi"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Keys the fake knows by default.
const (
	// ManagementKey is accepted on every endpoint.
	ManagementKey = "sk-or-v1-analyticstest-management"
	// OrdinaryKey is a valid key that is not a management key: 403.
	OrdinaryKey = "sk-or-v1-analyticstest-ordinary"
)

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Fault names the fault served instead of (or, for a delay, before)
	// the normal answer: a scripted Fault's String, or a ChaosFault; ""
	// for none.
	Fault string
}

// Option configures the fake.
type Option func(*Handler)

// WithManagementKeys replaces the accepted management keys (by default
// ManagementKey). Any key that is neither management nor ordinary gets 401.
func WithManagementKeys(keys ...string) Option {
	return func(h *Handler) {
		h.management = map[string]bool{}
		for _, k := range keys {
			h.management[k] = true
		}
	}
}

// WithOrdinaryKeys adds keys that are valid but not management keys: 403.
func WithOrdinaryKeys(keys ...string) Option {
	return func(h *Handler) {
		for _, k := range keys {
			h.ordinary[k] = true
		}
	}
}

// WithData shapes the synthetic data set.
func WithData(c DataConfig) Option { return func(h *Handler) { h.data = c.withDefaults() } }

// WithoutRequestLog stops the fake from keeping the requests it
// receives (Requests then returns none), for long runs such as soak
// tests where the log would only grow.
func WithoutRequestLog() Option { return func(h *Handler) { h.noLog = true } }

// WithViolationHandler is called with every response the fake sent that
// breaks the spec (a bug in the fake). NewServer fails the test. Without
// a handler (NewHandler's default, or f nil) responses are not checked,
// which saves the check's cost where nobody would hear of a violation.
func WithViolationHandler(f func(error)) Option { return func(h *Handler) { h.onViolation = f } }

// Handler is the fake API as an http.Handler, for those who mount it
// themselves. It serves /analytics/meta and /analytics/query, with or
// without the /api/v1 prefix.
type Handler struct {
	management, ordinary map[string]bool
	data                 DataConfig
	shape                shaping
	limits               *limiter // WithLimits; nil for none
	onViolation          func(error)
	noLog                bool

	mu        sync.Mutex
	grown     *dataset // the data set with its late generations
	grownLate int      // how many it has
	script    []Fault
	chaos     *chaos
	seen      []Request
}

// NewHandler makes the fake API.
func NewHandler(opts ...Option) *Handler {
	h := &Handler{
		management: map[string]bool{ManagementKey: true},
		ordinary:   map[string]bool{OrdinaryKey: true},
		data:       DataConfig{}.withDefaults(),
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

// dataset is the data set the handler serves now. One grown by late
// generations is the handler's own, not cached for the process: a
// handler that grows every minute keeps one copy, not every version.
func (h *Handler) dataset() *dataset {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.data.Late == 0 {
		return datasetFor(h.data)
	}
	if h.grown == nil || h.grownLate != h.data.Late {
		h.grown, h.grownLate = generate(h.data), h.data.Late
	}
	return h.grown
}

// AddLate adds n generations to the data set's last hour, as late
// arrivals grow a live service's open bucket: the answers from then on
// include them (DataConfig.Late). n must not be negative.
func (h *Handler) AddLate(n int) {
	if n < 0 {
		panic("analyticstest: AddLate with a negative count")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.data.Late += n
}

// Script queues faults, served one a request, in order, before normal
// service resumes.
func (h *Handler) Script(faults ...Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.script = append(h.script, faults...)
}

// Requests returns every request received so far, in order.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.seen...)
}

// Query runs a query directly on the fake's data set, without HTTP: the
// known answer to compare a client's result with.
func (h *Handler) Query(q sdk.QueryRequest) (*sdk.QueryResult, error) {
	return run(h.dataset(), &q, MaxRows, h.shape)
}

// QueryUncapped runs a query as if responses had no row cap: the limit
// (and its defaults) and MaxRows are ignored; an explicit group_limit is
// kept. It is the complete answer that sdk.Client.QueryAll must gather.
func (h *Handler) QueryUncapped(q sdk.QueryRequest) (*sdk.QueryResult, error) {
	q.Limit = math.MaxInt
	return run(h.dataset(), &q, math.MaxInt, h.shape)
}

// ServeHTTP records the request, serves the next scripted fault if any
// (else, in chaos mode, a fault drawn at random), and otherwise answers
// as the API would.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	h.mu.Lock()
	var (
		fault   *Fault
		name    string
		kind    ChaosFault
		observe func(*http.Request, ChaosFault)
	)
	switch {
	case len(h.script) > 0:
		fault = &h.script[0]
		h.script = h.script[1:]
		name = fault.String()
	case h.chaos != nil:
		if kind = h.chaos.draw(); kind != "" {
			f := h.chaos.fault(kind)
			fault, name = &f, string(kind)
		}
		observe = h.chaos.cfg.Observe
	}
	if !h.noLog {
		h.seen = append(h.seen, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Fault: name})
	}
	h.mu.Unlock()
	if observe != nil {
		observe(r, kind)
	}

	normal := sync.OnceValues(func() (int, []byte) { return h.respond(r, body) })
	respond := func() (int, http.Header, []byte) {
		status, out := normal()
		return status, http.Header{"Content-Type": {"application/json"}}, out
	}
	if fault != nil && !h.serveFault(w, r, *fault, respond) {
		return
	}
	if h.limits != nil {
		if wait, ok := h.limits.admit(time.Now()); !ok {
			refuseRate(w, wait)
			return
		}
	}
	status, header, out := respond()
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// respond serves a request normally: route, authenticate, validate
// against the spec, execute, and (for a violation handler) check the
// response against the spec.
func (h *Handler) respond(r *http.Request, body []byte) (int, []byte) {
	spec, err := loadSpec()
	if err != nil {
		return errorBody(http.StatusInternalServerError, err.Error())
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	route := spec.routes[path]
	switch {
	case route == nil:
		return errorBody(http.StatusNotFound, "no route "+path)
	case route.Method != r.Method:
		return errorBody(http.StatusMethodNotAllowed, r.Method+" "+path)
	}
	if status, msg := h.authenticate(r); status != 0 {
		return errorBody(status, msg)
	}

	req := r.Clone(r.Context())
	req.URL.Path = path
	req.Body = io.NopCloser(bytes.NewReader(body))
	input := &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: spec.options}
	status, out := h.execute(r.Context(), input, body)
	h.checkResponse(r.Context(), input, status, out)
	return status, out
}

func (h *Handler) execute(ctx context.Context, input *openapi3filter.RequestValidationInput, body []byte) (int, []byte) {
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		return invalidRequest(violations(err)...)
	}
	switch op := input.Route.Operation.OperationID; op {
	case "listKeys", "listWorkspaces", "listOrganizationMembers", "listModels":
		return lookup(op, input.Request.URL.Query())
	case "getAnalyticsMeta":
		return jsonBody(http.StatusOK, struct {
			Data sdk.AnalyticsMeta `json:"data"`
		}{catalog()})
	default:
		var q sdk.QueryRequest
		if err := json.Unmarshal(body, &q); err != nil {
			return invalidRequest(err.Error())
		}
		if err := h.limits.rangeOf(&q); err != nil {
			return invalidRequest(err.Error())
		}
		res, err := run(h.dataset(), &q, MaxRows, h.shape)
		var bad badQuery
		if errors.As(err, &bad) {
			return invalidRequest(bad.Error())
		}
		if err != nil {
			return errorBody(http.StatusInternalServerError, err.Error())
		}
		return jsonBody(http.StatusOK, struct {
			Data *sdk.QueryResult `json:"data"`
		}{res})
	}
}

// authenticate answers 401 for a missing, malformed or unknown bearer key
// and 403 for an ordinary key.
func (h *Handler) authenticate(r *http.Request) (int, string) {
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	switch {
	case auth == "":
		return http.StatusUnauthorized, ""
	case !ok || strings.TrimSpace(key) == "":
		return http.StatusUnauthorized, "Malformed Authorization header: expected a bearer token"
	case h.ordinary[key]:
		return http.StatusForbidden, ""
	case !h.management[key]:
		return http.StatusUnauthorized, "Invalid API key"
	}
	return 0, ""
}

func (h *Handler) checkResponse(ctx context.Context, input *openapi3filter.RequestValidationInput, status int, body []byte) {
	if h.onViolation == nil {
		return
	}
	spec, _ := loadSpec()
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 status,
		Header:                 http.Header{"Content-Type": {"application/json"}},
		Options:                spec.responseOptions,
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		h.onViolation(fmt.Errorf("%s %d: %w", input.Route.Operation.OperationID, status, err))
	}
}

// The documented messages of the error statuses.
var messages = map[int]string{
	http.StatusBadRequest:          "Invalid request parameters",
	http.StatusUnauthorized:        "Missing Authentication header",
	http.StatusForbidden:           "Only management keys can perform this operation",
	http.StatusRequestTimeout:      "Operation timed out. Please try again later.",
	http.StatusInternalServerError: "Internal Server Error",
}

type errorDetail struct {
	Code     int            `json:"code"`
	Message  string         `json:"message"`
	Metadata map[string]any `json:"metadata"`
}

type errorResponse struct {
	Error              errorDetail    `json:"error"`
	UserID             *string        `json:"user_id"`
	OpenRouterMetadata map[string]any `json:"openrouter_metadata"`
}

// errorBody is the documented error body; msg, when set, replaces the
// status's usual message.
func errorBody(status int, msg string) (int, []byte) {
	return errorBodyWith(status, msg, map[string]any{})
}

func errorBodyWith(status int, msg string, metadata map[string]any) (int, []byte) {
	if msg == "" {
		msg = messages[status]
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return jsonBody(status, errorResponse{Error: errorDetail{Code: status, Message: msg, Metadata: metadata}})
}

// invalidRequest is a 400 naming every violation.
func invalidRequest(problems ...string) (int, []byte) {
	return errorBodyWith(http.StatusBadRequest,
		messages[http.StatusBadRequest]+": "+strings.Join(problems, "; "),
		map[string]any{"violations": problems})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	status, body := errorBody(status, msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func jsonBody(status int, v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return errorBody(http.StatusInternalServerError, err.Error())
	}
	return status, b
}

// violations flattens kin-openapi's errors into one line each.
func violations(err error) []string {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, violations(e)...)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			return []string{describeSchemaError(se)}
		}
		if re.Err != nil {
			var inner openapi3.MultiError
			if errors.As(re.Err, &inner) {
				return violations(inner)
			}
		}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return []string{describeSchemaError(se)}
	}
	return []string{strings.ReplaceAll(err.Error(), "\n", " ")}
}

// describeSchemaError names where the body broke the schema, why, and,
// for a scalar, the value it had.
func describeSchemaError(se *openapi3.SchemaError) string {
	where := strings.Join(se.JSONPointer(), ".")
	if where == "" {
		where = "body"
	}
	msg := where + ": " + se.Reason
	switch se.Value.(type) {
	case string, float64, bool:
		if v, err := json.Marshal(se.Value); err == nil {
			msg += " (got " + string(v) + ")"
		}
	}
	return msg
}

// spec is the embedded document, parsed once, with a route per operation.
type spec struct {
	routes          map[string]*routers.Route
	options         *openapi3filter.Options
	responseOptions *openapi3filter.Options
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	uuid := openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
	s := &spec{
		routes: map[string]*routers.Route{},
		options: &openapi3filter.Options{
			MultiError:              true,
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{uuid},
		},
		responseOptions: &openapi3filter.Options{
			MultiError:              true,
			IncludeResponseStatus:   true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{uuid},
		},
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			s.routes[path] = &routers.Route{Spec: doc, Server: doc.Servers[0], Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return s, nil
})

// TB is the part of testing.TB that Server uses; *testing.T, *testing.B
// and *testing.F are TBs. Taking this rather than testing.TB keeps the
// testing package out of programs that use the fake outside tests, such
// as the CLI's --demo.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Server is the fake API on a loopback port.
type Server struct {
	*Handler
	// URL is the base URL to give a client, such as http://127.0.0.1:41234.
	URL string

	srv *httptest.Server
	tb  TB
}

// NewServer starts the fake API on loopback and stops it when the test
// ends. A response of the fake's that breaks the spec fails the test.
func NewServer(tb TB, opts ...Option) *Server {
	tb.Helper()
	fail := WithViolationHandler(func(err error) { tb.Errorf("analyticstest: response breaks the spec: %v", err) })
	h := NewHandler(append([]Option{fail}, opts...)...)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return &Server{Handler: h, URL: srv.URL, srv: srv, tb: tb}
}

// Close stops the server; NewServer's cleanup also does.
func (s *Server) Close() { s.srv.Close() }

// Client returns an SDK client for this server with ManagementKey, a
// transport of its own (closed when the test ends), the fake's own rate
// (none unless WithLimits sets one) and windows, and the given options
// after those.
func (s *Server) Client(opts ...sdk.Option) *sdk.Client {
	s.tb.Helper()
	tr := &http.Transport{}
	s.tb.Cleanup(tr.CloseIdleConnections)
	all := append([]sdk.Option{
		sdk.WithAPIKey(ManagementKey),
		sdk.WithBaseURL(s.URL),
		sdk.WithHTTPClient(&http.Client{Transport: tr}),
		s.rate(),
		s.windows(),
	}, opts...)
	c, err := sdk.NewClient(all...)
	if err != nil {
		s.tb.Fatalf("analyticstest: %v", err)
	}
	return c
}

// Serve starts the fake on loopback for a program or an example, where
// there is no test to stop it, and returns a client of it (with
// ManagementKey and the given options) and the function that stops both.
func Serve(opts ...Option) (*sdk.Client, func()) {
	h := NewHandler(opts...)
	srv := httptest.NewServer(h)
	client, err := sdk.NewClient(sdk.WithAPIKey(ManagementKey), sdk.WithBaseURL(srv.URL), sdk.WithRateLimit(0, 0), h.windows())
	if err != nil {
		srv.Close()
		panic("analyticstest: " + err.Error()) // the options above are always valid
	}
	return client, func() { client.CloseIdleConnections(); srv.Close() }
}
