package sdk_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/guidetest"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/retrytest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// testKey is a fake key; tests assert it never shows up where it must not.
const testKey = "sk-or-v1-test-SECRET-0123456789abcdef"

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exchange is one request as the server saw it.
type exchange struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// server is a loopback API whose handler a test writes, recording every
// request it receives.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	seen []exchange
}

func newServer(t *testing.T, handler http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, exchange{r.Method, r.URL.Path, r.Header.Clone(), body})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]exchange(nil), s.seen...)
}

// newClient makes a client for s with the test key, fast retries and a
// transport of its own that is closed when the test ends.
func newClient(t *testing.T, baseURL string, opts ...sdk.Option) *sdk.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	all := append([]sdk.Option{
		sdk.WithAPIKey(testKey),
		sdk.WithBaseURL(baseURL),
		sdk.WithHTTPClient(&http.Client{Transport: tr}),
		retrytest.Fast(),
	}, opts...)
	c, err := sdk.NewClient(all...)
	require.NoError(t, err)
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const metaBody = `{"data":{"metrics":[{"name":"request_count","display_label":"Requests","is_rate":false,"display_format":"number"}],
"dimensions":[{"name":"model","display_label":"Model"}],
"operators":[{"name":"eq","value_type":"scalar"},{"name":"in","value_type":"array"}],
"granularities":[{"name":"day","display_label":"Day"}]}}`

const queryBody = `{"data":{"data":[{"date__day":"2025-01-01T00:00:00.000Z","model":"openai/gpt-4o","request_count":1500}],
"metadata":{"query_time_ms":42,"row_count":1,"truncated":false},"warnings":["w1"],"cachedAt":1735689600000}}`

func okHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/analytics/meta" {
		writeJSON(w, 200, metaBody)
		return
	}
	writeJSON(w, 200, queryBody)
}

func errorBody(code int, msg string) string {
	return fmt.Sprintf(`{"error":{"code":%d,"message":%q,"metadata":{"provider":"x"}},"user_id":"user_123","openrouter_metadata":null}`, code, msg)
}

var simpleQuery = sdk.QueryRequest{Metrics: []string{"request_count"}}

// dialTimeout is what net reports for a dial cut by its context: its own
// timeout, not the context's error.
func dialTimeout(error) error { return os.ErrDeadlineExceeded }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func guideClient(t *testing.T, cfg guidetest.Config) (*guidetest.Server, *sdk.Client) {
	t.Helper()
	if cfg.Start.IsZero() {
		cfg.Start, cfg.End = guideStart, guideStart.AddDate(0, 0, 40)
	}
	s := guidetest.New(cfg)
	t.Cleanup(s.Close)
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(s.URL), sdk.WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return s, c
}

// Tests against a handwritten server that answers as OpenRouter's guides
// say the live service does (internal/guidetest), not the fake.

var guideStart = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
